"""Facts: the figures of an event, and whether the sources that state them agree.

:func:`attach_facts` ties each :class:`~storyline.records.Figure` to an event and an attribute:

* attribute: the figure kind plus the nearest cue word in its sentence (else in the previous
  one): money near "loan/credit" is a ``loan_amount``, near "price/per cubic metre" a ``price``,
  near "contracts" a ``contracts_value``; a duration of at most days near "talks/lasted" a
  ``meeting_duration`` ("the first visit in four years" is none); people near "protest/gathered"
  a ``crowd_size`` (so is a count of people without a cue that goes to a protest), near
  "arrested" the ``arrests``; a percentage near "vote" a ``vote_share``,
  near "trade/exports" a ``trade_share``. Without a cue the attribute is generic (``amount``,
  ``duration``, ``count``, ``percentage``).
* event: the nearest event mentioned in the figure's sentence or the one before (three before
  for counts of people) whose kind suits the attribute (a loan agreed at a meeting, or arrests at a protest, are
  reported as the outcome of the meeting or protest mentioned nearby when their dates fit; the
  article's main event first); with nothing suitable, the nearest event of the figure's sentence
  or the previous one; without any, the event the article is mostly about (``link="article"``).
  A figure of a loan (arrests) event dated to the day of a meeting (protest) at the same place
  with the same people goes to the meeting (protest): it is its outcome.

:func:`reconcile_facts` compares, per event and specific attribute, what different articles
say. Values are intervals in a common unit (seconds for durations), widened by their
qualifier ("almost" ±10 %, "over" open above); two sources *conflict* when their intervals do
not meet, when their units cannot be compared, or when one denies what another states.
Generic attributes are not reconciled: two unrelated sums of money are not a disagreement.
"""

from __future__ import annotations

import itertools
import math
import pickle
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable, Iterable, Mapping, Protocol, Sequence

from storyline.events.grouping import lead_sentences, mention_weight, type_weight
from storyline.events.mentions import frame_of_verb
from storyline.events.spill import ScratchFile, scratch_db
from storyline.events.model import (
    Event,
    Fact,
    Reconciliation,
    event_family,
    is_open_type,
    mention_count,
    parse_date_value,
    parse_mention_key,
    parts_relation,
)
from storyline.records import AnnotatedArticle, Figure, Sentence

STAGE = "event_facts"
STAGE_VERSION = "3"

# (attribute, figure kinds, cue words). Order breaks ties between equally near cues.
ATTRIBUTE_RULES: list[tuple[str, frozenset[str], re.Pattern[str]]] = [
    (name, frozenset(kinds), re.compile(pattern, re.IGNORECASE))
    for name, kinds, pattern in [
        ("loan_amount", {"money"}, r"\b(?:loans?|credits?|lend(?:s|ing)?|lent|borrow\w*)\b"),
        (
            "meeting_duration",
            {"duration"},
            r"\b(?:talks?|talked|meetings?|met|negotiations?|lasted|lasting|discussions?|summit|visit)\b",
        ),
        ("arrests", {"count"}, r"\b(?:arrest\w*|detain\w*|detention\w*|jailed|imprison\w*|custody)\b"),
        ("deaths", {"count"}, r"\b(?:killed|dead|deaths?|died|fatalities)\b"),
        ("injuries", {"count"}, r"\b(?:injured|wounded|injuries|hurt)\b"),
        (
            "crowd_size",
            {"count"},
            r"\b(?:protest\w*|rall(?:y|ies)|gathered|gathering|demonstrat\w*|marche[sd]|crowds?|took to the streets)\b",
        ),
        ("turnout", {"percent"}, r"\bturnout\b"),
        ("vote_share", {"percent"}, r"\b(?:votes?|voted|voting|ballots?|elect\w*)\b"),
        (
            "price",
            {"money"},
            r"\b(?:prices?|priced|tariffs?)\b"
            r"|\bper\s+(?:[\d,.]+\s+|a\s+|one\s+|thousand\s+|hundred\s+)?(?:cubic|barrels?|tonnes?|tons?|lit(?:re|er)s?|kilo\w*|mega\w*|units?)\b",
        ),
        ("contracts_value", {"money"}, r"\bcontracts?\b"),
        # "accounted for 47 percent of Lestavian foreign trade"; not "trade has grown by 9 percent"
        (
            "trade_share",
            {"percent"},
            r"(?:percent|per\s+cent|%)\s+of\s+(?:[\w'’-]+\s+){0,3}?(?:trade|exports?|imports?|turnover)\b",
        ),
    ]
]

GENERIC_ATTRIBUTES = {"money": "amount", "duration": "duration", "count": "count", "percent": "percentage"}
# The event families an attribute suits, the headline family first: a loan agreed at a meeting
# is reported as the meeting's outcome when the two dates fit; otherwise the nearest suitable mention wins.
ATTRIBUTE_EVENT_FAMILIES: dict[str, tuple[str, ...]] = {
    "loan_amount": ("meeting", "loan", "agreement"),
    "meeting_duration": ("meeting",),
    "arrests": ("protest", "arrest"),
    "deaths": ("attack", "protest"),
    "injuries": ("attack", "protest"),
    "crowd_size": ("protest",),
    "turnout": ("election", "referendum"),
    "vote_share": ("election", "referendum"),
    "contracts_value": ("meeting", "agreement"),
    "price": ("meeting", "agreement"),
}
# What a count of things done at an event of a family goes to: programmes signed, like a loan
# agreed, are the outcome of the meeting where they were signed.
OUTCOME_FAMILIES: dict[str, tuple[str, ...]] = {
    "agreement": ("meeting", "agreement"),
    "loan": ("meeting", "loan", "agreement"),
}


def preferred_families(attribute: str) -> tuple[str, ...]:
    """The event families an attribute suits, the headline family first (see ATTRIBUTE_EVENT_FAMILIES);
    for a count named by what was done ("programmes_signed"), the family of that verb's frame."""
    if attribute in ATTRIBUTE_EVENT_FAMILIES:
        return ATTRIBUTE_EVENT_FAMILIES[attribute]
    match = re.search(r"_([a-z]+)ed$", attribute)
    if not match:
        return ()
    event_type = frame_of_verb(match.group(1)) or frame_of_verb(match.group(1) + "e")
    if event_type is None:
        return ()
    family = event_family(event_type)
    return OUTCOME_FAMILIES.get(family, (family,))


# How many sentences before a figure an event it suits may be mentioned: people counted at a
# protest are often reported sentences after it ("On Sunday, 150 thousand people walked ..." two
# sentences after "the largest rally in Brennik"); other figures sit next to their event.
SUITABLE_WINDOW = 1
PEOPLE_WINDOW = 3
PEOPLE_ATTRIBUTES = {"crowd_size", "arrests", "deaths", "injuries"}
# A sentence that takes its subject from the previous one: "The amount is called $3-3.5 billion."
_ANAPHORIC = re.compile(r"^\W*(?:the (?:amount|sum|figure|total|number)|it|this|that|these)\b", re.IGNORECASE)
_DURATION_SECONDS = {
    "second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800, "month": 2592000, "year": 31536000,
}
_CURRENCY_ALIASES = {"$": "USD", "US$": "USD", "DOLLAR": "USD", "DOLLARS": "USD", "€": "EUR", "EURO": "EUR", "EUROS": "EUR"}
_QUOTE_LIMIT = 400


def attach_facts(events: Sequence[Event], articles: Iterable[AnnotatedArticle]) -> list[Fact]:
    """One Fact per figure that can be tied to an event, in article and text order."""
    return FactAttacher(events).attach(articles)


# Article ids -> (article id, sentence index, trigger start, event id) of their mentions that
# are in an event: where a build reads them (the store), instead of indexing every event's keys.
MentionSource = Callable[[Sequence[str]], Iterable[tuple[str, int, int, str]]]


class ChunkOfEvents(Protocol):
    """A chunk's events (``spill.ChunkEvents``): those naming its articles, and asked for, those
    of a family on a date; their article lists may be cut to the chunk's articles."""

    events: list[Event]

    def on_date(self, family: str, date_value: str | None) -> list[Event]: ...


class StoredEvents(Protocol):
    """Events kept out of memory (``spill.EventSpill``): the attacher asks for a chunk's."""

    mention_counts: Mapping[str, int]

    def of_chunk(self, article_ids: Iterable[str]) -> ChunkOfEvents: ...


class FactAttacher:
    """Facts for a corpus whose articles come a chunk at a time: the events are indexed once, and
    each article needs only its own record (`attach` may be called per chunk; the facts are the
    same as for all articles at once).

    The events' mentions are indexed by article and sentence from their keys, or, given
    ``mentions_of``, a chunk at a time from it (a build reads them from the store: an index of
    every mention of the corpus is ~12 KB an article); then the events need not carry their
    mention keys, given ``mention_counts`` (event id -> its number of mentions). Given
    ``stored`` (with ``mentions_of``; ``events`` is then not read) the events stay out of memory
    too: each chunk indexes the events its articles name and asks for the events of a family on a
    day when a headline needs them (a build's ``spill.EventSpill``)."""

    def __init__(self, events: Sequence[Event], mentions_of: MentionSource | None = None,
                 mention_counts: Mapping[str, int] | None = None, *, stored: StoredEvents | None = None) -> None:
        self.mentions_of = mentions_of
        self.stored = stored
        if stored is not None:  # indexed a chunk at a time, in attach
            if mentions_of is None:
                raise ValueError("stored events need mentions_of (they carry no mention keys)")
            self.mention_counts = mention_counts if mention_counts is not None else stored.mention_counts
            return
        self._index_events(events, mention_counts)
        if mentions_of is None:
            self._index((*parse_mention_key(key)[:3], event.event_id) for event in events for key in event.mention_keys)

    def _index_events(self, events: Sequence[Event], mention_counts: Mapping[str, int] | None,
                      on_date: Callable[[str, str | None], list[Event]] | None = None) -> None:
        self.events_by_id = {e.event_id: e for e in events}
        self.main_events: dict[str, list[str]] = defaultdict(list)
        for event in events:
            for article_id in event.main_articles:
                self.main_events[article_id].append(event.event_id)
        self.headlines = _HeadlineIndex(events, mention_counts, on_date)

    def _index(self, mentions: Iterable[tuple[str, int, int, str]]) -> None:
        # Where the mentions are listed does not matter: every choice among them is by a key
        # that ends with the event id, and their weights in an article add up exactly.
        self.at_sentence: dict[tuple[str, int], list[tuple[int, Event]]] = defaultdict(list)
        self.of_article: dict[str, list[tuple[int, int, Event]]] = defaultdict(list)
        for article_id, sentence_index, start, event_id in mentions:
            event = self.events_by_id[event_id]
            self.at_sentence[(article_id, sentence_index)].append((start, event))
            self.of_article[article_id].append((sentence_index, start, event))

    def attach(self, articles: Iterable[AnnotatedArticle]) -> list[Fact]:
        articles = list(articles)
        if self.stored is not None:
            # Only the chunk's events: every event one of its articles names (a figure's events
            # are among them) and, asked when needed, those of a family on a day (headlines).
            # An event is read as the chunk sees it, its articles cut to the chunk's (all that
            # the facts of these articles ask of it): an event of a long story names thousands,
            # and every chunk read and indexed them all, which grew with the square of the corpus.
            chunk = self.stored.of_chunk([a.article_id for a in articles])
            self._index_events(chunk.events, self.mention_counts, chunk.on_date)
        if self.mentions_of is not None:
            self._index(self.mentions_of([a.article_id for a in articles]))
        facts: list[Fact] = []
        for article in articles:
            facts.extend(self._article_facts(article))
        return facts

    def _article_facts(self, article: AnnotatedArticle) -> list[Fact]:
        at_sentence, events_by_id, headlines = self.at_sentence, self.events_by_id, self.headlines
        weights: Counter = Counter()
        lead = lead_sentences(article)  # once per article, not per mention (its regexes were half of facts' CPU)
        for sentence_index, _start, event in self.of_article.get(article.article_id, ()):
            weights[event.event_id] += mention_weight(article, sentence_index, lead) * type_weight(event.event_type)
        background = _background_mentions(article, self.of_article.get(article.article_id, ()))
        facts: list[Fact] = []
        sentences = {s.index: s for s in article.sentences}
        dominant = _dominant_event(self.main_events.get(article.article_id, []), weights)
        for figure in sorted(article.figures, key=lambda f: f.start):
            index = figure.sentence_index if figure.sentence_index >= 0 else _sentence_of(article, figure.start)
            attribute = classify_attribute(figure, sentences.get(index), sentences.get(index - 1))
            chosen = _choose_event(figure, attribute, at_sentence, article.article_id, index, dominant, background)
            if chosen is None and dominant is not None:
                chosen = (events_by_id[dominant], "article")
            if chosen is None:
                continue
            event, link = chosen
            event = _headline_of(event, attribute, headlines, article.article_id) or event
            attribute = _attribute_from_event(attribute, figure, event)
            sentence = sentences.get(index)
            facts.append(
                Fact(
                    event_id=event.event_id,
                    attribute=attribute,
                    kind=figure.kind,
                    value=figure.value,
                    value_max=figure.value_max,
                    unit=figure.unit,
                    qualifier=figure.qualifier,
                    modality=figure.modality,
                    speaker=figure.speaker,
                    article_id=article.article_id,
                    outlet=article.outlet,
                    sentence_index=index,
                    start=figure.start,
                    end=figure.end,
                    text=figure.text,
                    quote=(sentence.text if sentence else figure.text)[:_QUOTE_LIMIT],
                    timex=figure.timex,
                    cue=figure.cue,
                    link=link,
                    stage=STAGE,
                    stage_version=STAGE_VERSION,
                )
            )
        return facts


_SINCE_CLAUSE = re.compile(r"\bsince\b[^,;:.()]*$|\b(?:previous|last|earlier|former)\s+(?:\w+\s+)?$", re.IGNORECASE)


def _background_mentions(article: AnnotatedArticle, mentions: Iterable[tuple[int, int, Event]]
                         ) -> set[tuple[str, int]]:
    """(article, trigger start) of the article's mentions in a "since" phrase or marked as earlier
    ("the first meeting since their talks in Tesselmar", "at their previous talks in Volmgrad"):
    they recall another event as background; a figure next to them is rarely theirs."""
    out: set[tuple[str, int]] = set()
    by_index = {s.index: s for s in article.sentences}
    for sentence_index, start, _event in mentions:
        sentence = by_index.get(sentence_index)
        if sentence is not None and _SINCE_CLAUSE.search(article.text[sentence.start : start]):
            out.add((article.article_id, start))
    return out


class _HeadlineIndex:
    """Events by (family, date) and by (family, article): the only candidates `_headline_of` needs,
    so a figure is not compared with every event of the corpus."""

    def __init__(self, events: Sequence[Event], mention_counts: Mapping[str, int] | None = None,
                 on_date: Callable[[str, str | None], list[Event]] | None = None) -> None:
        """``on_date`` (family, date value -> every such event of the corpus): asked for the
        dates looked up instead of indexing ``events`` by date (``events`` are then only those
        of some articles, and ``by_article`` is asked only for those)."""
        self.mention_counts = mention_counts
        self.by_date: dict[tuple[str, str | None], list[Event]] = (
            defaultdict(list) if on_date is None else _AskedByDate(on_date))
        self.by_article: dict[tuple[str, str], list[Event]] = defaultdict(list)
        for e in events:
            family = event_family(e.event_type)
            if on_date is None:
                self.by_date[(family, e.date_value)].append(e)
            for article_id in dict.fromkeys(e.main_articles + e.mentioning_articles):
                self.by_article[(family, article_id)].append(e)


class _AskedByDate(dict):
    """(family, date value) -> its events, asked of a source the first time a key is read."""

    def __init__(self, on_date: Callable[[str, str | None], list[Event]]) -> None:
        super().__init__()
        self.on_date = on_date

    def __missing__(self, key: tuple[str, str | None]) -> list[Event]:
        found = self[key] = self.on_date(*key)
        return found


def _headline_of(event: Event, attribute: str, index: _HeadlineIndex, article_id: str) -> Event | None:
    """The headline event a figure's event is the outcome of: a loan announced on the day of a
    meeting, at its place, by its people, is reported as the meeting's loan. An undated outcome
    ("28 programmes signed") goes to the headline event its article reports, if place and people
    do not contradict it."""
    preferred = preferred_families(attribute)
    if not preferred or event_family(event.event_type) == preferred[0] or event_family(event.event_type) not in preferred:
        return None
    day = parse_date_value(event.date_value)
    dated = day is not None and day.day is not None and day.year is not None
    if not dated and event.date_value is not None:
        return None

    def fits(other: Event) -> bool:
        if event_family(other.event_type) != preferred[0]:
            return False
        if dated and other.date_value != event.date_value:
            return False
        if not dated and article_id not in other.main_articles + other.mentioning_articles:
            return False
        return bool(
            (not event.place_ids or not other.place_ids or set(event.place_ids) & set(other.place_ids))
            and (not event.participant_ids or not other.participant_ids
                 or set(event.participant_ids) & set(other.participant_ids))
        )

    pool = index.by_date[(preferred[0], event.date_value)] if dated else index.by_article[(preferred[0], article_id)]
    found = [other for other in pool if fits(other)]
    counts = index.mention_counts
    return max(found, key=lambda e: (article_id in e.main_articles, mention_count(e, counts), e.event_id)) if found else None


# A generic figure tied to an event of this family states this attribute: people counted at a
# protest are its crowd ("On Sunday, about 150 thousand people walked ..." after "the largest rally").
EVENT_DEFAULT_ATTRIBUTES: dict[tuple[str, str], str] = {
    ("protest", "count"): "crowd_size",
}


def _attribute_from_event(attribute: str, figure: Figure, event: Event) -> str:
    if attribute != GENERIC_ATTRIBUTES.get(figure.kind) or figure.unit != "people":
        return attribute
    return EVENT_DEFAULT_ATTRIBUTES.get((event_family(event.event_type), figure.kind), attribute)


def _longer_than_a_day(figure: Figure) -> bool:
    """A duration counted in weeks, months, years or decades: no meeting lasts that long."""
    factor = _unit_seconds(figure.unit)
    if factor is not None:
        return factor > 86400
    if figure.unit:
        return True  # decades, centuries
    return bool(re.fullmatch(r"P[\dX.]+(?:Y|M|W|DE|CE)", figure.timex or ""))


def _sentence_of(article: AnnotatedArticle, offset: int) -> int:
    for sentence in article.sentences:
        if sentence.start <= offset < sentence.end:
            return sentence.index
    return -1


def _dominant_event(main: list[str], weights: Counter) -> str | None:
    """The event the article is mostly about: one it is a main article of, else the most mentioned."""
    if not weights:
        return None
    pool = [event_id for event_id in main if event_id in weights] or list(weights)
    return max(pool, key=lambda event_id: (weights[event_id], event_id))


def classify_attribute(figure: Figure, sentence: Sentence | None, previous: Sentence | None = None) -> str:
    """The attribute a figure states, from its kind and the nearest cue word around it.

    The previous sentence is read only when the figure's own has no cue and opens by referring
    back ("The amount is ...", "It ...").
    """
    best: tuple[int, int, str] | None = None
    anaphoric = sentence is not None and _ANAPHORIC.search(sentence.text) is not None
    for gap, context in enumerate((sentence, previous if anaphoric else None)):
        if context is None:
            continue
        centre = figure.start - context.start if gap == 0 else len(context.text)
        for order, (attribute, kinds, pattern) in enumerate(ATTRIBUTE_RULES):
            if figure.kind not in kinds:
                continue
            if attribute == "meeting_duration" and _longer_than_a_day(figure):
                continue  # "the first visit in four years" says nothing of how long the visit lasted
            for match in pattern.finditer(context.text):
                distance = min(abs(match.start() - centre), abs(match.end() - centre))
                candidate = (gap * 100_000 + distance, order, attribute)
                if best is None or candidate < best:
                    best = candidate
        if best is not None:
            break  # a cue in the figure's own sentence wins over one in the previous sentence
    if best:
        return best[2]
    if figure.kind == "count" and figure.unit and figure.unit != "people" and sentence is not None:
        counted = _counted_attribute(figure, sentence)
        if counted:
            return counted
    return GENERIC_ATTRIBUTES.get(figure.kind, figure.kind)


# What was done to counted things: "signed 28 programmes", "signed a package of 28 programmes",
# "the signing of 28 programmes", "28 programmes signed", "three cables were damaged".
_DONE_BEFORE = re.compile(
    r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )(?<!\bbe )(?<!\bbeen )"
    r"\b([a-z]+ed)\s+(?:(?:a|an|the)\s+[a-z]+\s+of\s+)?$", re.IGNORECASE)
_DONE_AS_NOUN = re.compile(r"\b([a-z]{3,})ing\s+of\s+(?:the\s+)?$", re.IGNORECASE)
# After the count only in the passive ("were damaged") or as a headline's last word ("28 programmes signed").
_DONE_AFTER = re.compile(
    r"^\s+(?:(?:were|was|have\s+been|had\s+been|being)\s+([a-z]+ed)\b|([a-z]+ed)\s*(?:$|[,;:|]))", re.IGNORECASE)
_NOT_DONE = {"need", "used", "based", "called", "named", "aged", "related", "expected", "planned", "scheduled"}


def _counted_attribute(figure: Figure, sentence: Sentence) -> str | None:
    """A count of things takes its attribute from what was done to them: "28 programmes signed"
    is ``programmes_signed``; None when no such verb stands next to the count."""
    start, end = figure.start - sentence.start, figure.end - sentence.start
    before, after = sentence.text[:start], sentence.text[end:]
    verb = None
    if match := _DONE_BEFORE.search(before):
        verb = match.group(1).lower()
    elif match := _DONE_AS_NOUN.search(before):
        stem = match.group(1).lower()
        verb = stem + ("d" if stem.endswith("e") else "ed")
    elif match := _DONE_AFTER.search(after):
        verb = (match.group(1) or match.group(2)).lower()
    if not verb or verb in _NOT_DONE:
        return None
    unit = re.sub(r"\W+", "_", figure.unit or "").strip("_").lower()
    return f"{unit}_{verb}" if unit else None


def _choose_event(
    figure: Figure,
    attribute: str,
    at_sentence: dict[tuple[str, int], list[tuple[int, Event]]],
    article_id: str,
    index: int,
    dominant: str | None = None,
    background: set[tuple[str, int]] | None = None,
) -> tuple[Event, str] | None:
    """The event a figure belongs to, among those mentioned in its sentence or just before.

    1. The nearest event (own sentence first, then the previous one; up to
       :data:`PEOPLE_WINDOW` sentences back for counts of people) whose kind suits the
       attribute: crowd sizes go to protests, durations to meetings.
    2. If that event is of a later family in the attribute's list (a loan, an arrest) and an
       event of the headline family (the meeting, the protest) is mentioned within the window
       with a date that fits, the figure is reported as that event's outcome: the article's
       main event among them first, then the nearest.
    3. With nothing suitable, the nearest event in the figure's sentence or the previous one.

    A mention in a "since" phrase or marked as earlier ("since their talks in Tesselmar", "their
    previous talks") comes last unless it is of the article's main event: it recalls another
    event as background.
    """
    preferred = preferred_families(attribute)
    candidates = [
        (gap, "sentence" if gap == 0 else "previous_sentence", start, event)
        for gap in range((PEOPLE_WINDOW if attribute in PEOPLE_ATTRIBUTES else SUITABLE_WINDOW) + 1)
        for start, event in at_sentence.get((article_id, index - gap), [])
    ]
    if not candidates:
        return None

    def suits(event: Event) -> bool:
        return not preferred or event_family(event.event_type) in preferred

    def nearness(candidate: tuple[int, str, int, Event]) -> tuple:
        gap, _, start, event = candidate
        recalled = (article_id, start) in (background or ()) and event.event_id != dominant
        return (recalled, gap, abs(start - figure.start), event.event_id)

    def recalled(candidate: tuple[int, str, int, Event]) -> bool:
        gap, _, start, event = candidate
        return gap > 0 and (article_id, start) in (background or ()) and event.event_id != dominant

    # A recalled event in an earlier sentence ("at their previous talks in Volmgrad") does not
    # take the figures that follow it.
    candidates = [c for c in candidates if not recalled(c)]
    suitable = [c for c in candidates if suits(c[3]) and (preferred or c[0] <= 1)]
    if not suitable:
        near = [c for c in candidates if c[0] <= 1]
        if not near:
            return None
        # An event of a frame before one only the open detector found ("returned", "pay").
        near = [c for c in near if not is_open_type(c[3].event_type)] or near
        gap, link, _, event = min(near, key=nearness)
        return event, link
    gap, link, start, event = min(suitable, key=nearness)
    headline = [c for c in suitable if event_family(c[3].event_type) == preferred[0]] if preferred else []
    if headline and event_family(event.event_type) != preferred[0]:
        fitting = [c for c in headline if _dates_fit(event.date_value, c[3].date_value)]
        if fitting:
            gap, link, _, event = min(fitting, key=lambda c: (c[3].event_id != dominant, *nearness(c)))
    return event, link


def _dates_fit(a: str | None, b: str | None) -> bool:
    pa, pb = parse_date_value(a), parse_date_value(b)
    return pa is None or pb is None or parts_relation(pa, pb) != "incompatible"


# --- reconciliation ----------------------------------------------------------------------------


def _parse_iso_duration(value: str | None) -> float | None:
    match = re.fullmatch(
        r"P(?:(?P<Y>[\d.]+)Y)?(?:(?P<Mo>[\d.]+)M)?(?:(?P<W>[\d.]+)W)?(?:(?P<D>[\d.]+)D)?"
        r"(?:T(?:(?P<H>[\d.]+)H)?(?:(?P<Mi>[\d.]+)M)?(?:(?P<S>[\d.]+)S)?)?",
        value or "",
    )
    if not match or not any(match.groupdict().values()):
        return None
    factors = {"Y": 31536000, "Mo": 2592000, "W": 604800, "D": 86400, "H": 3600, "Mi": 60, "S": 1}
    return sum(float(v) * factors[k] for k, v in match.groupdict().items() if v)


def _unit_seconds(unit: str | None) -> float | None:
    key = (unit or "").lower().rstrip("s")
    return _DURATION_SECONDS.get(key)


def normalized_interval(fact: Fact) -> tuple[float, float, str] | None:
    """(low, high, unit) in a unit shared by comparable facts, widened by the qualifier."""
    if fact.kind == "duration":
        factor = _unit_seconds(fact.unit)
        low = _parse_iso_duration(fact.timex) if fact.timex else None
        if low is None and fact.value is not None and factor:
            low = fact.value * factor
        if low is None:
            return None
        high = fact.value_max * factor if fact.value_max is not None and factor else low
        unit = "seconds"
    else:
        if fact.value is None:
            return None
        low, high = fact.value, fact.value_max if fact.value_max is not None else fact.value
        unit = (fact.unit or "").strip()
        unit = _CURRENCY_ALIASES.get(unit.upper(), unit.upper()) if fact.kind == "money" else unit.lower()
    qualifier = (fact.qualifier or "").upper()
    if qualifier == "APPROX":
        low, high = low * 0.9, high * 1.1
    elif qualifier in ("MORE_THAN", "EQUAL_OR_MORE"):
        high = math.inf
    elif qualifier in ("LESS_THAN", "EQUAL_OR_LESS"):
        low = 0.0
    return low, high, unit


def _number(x: float) -> str:
    if x and abs(x) >= 1e6:
        exponent = int(math.floor(math.log10(abs(x))))
        return f"{x / 10 ** exponent:g}e{exponent}"
    return f"{x:g}"


def _iso_seconds(seconds: float) -> str:
    for designator, size in (("H", 3600), ("M", 60)):
        if seconds >= size and seconds % size == 0:
            return f"PT{int(seconds // size)}{designator}"
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"P{int(seconds // 86400)}D"
    return f"PT{seconds:g}S"


def display_value(fact: Fact) -> str:
    """"1.5e9 USD", "3e9–3.5e9 USD", "~PT4H", ">PT6H", "400 people"."""
    prefix = {"APPROX": "~", "MORE_THAN": ">", "LESS_THAN": "<", "EQUAL_OR_MORE": "≥", "EQUAL_OR_LESS": "≤"}.get(
        (fact.qualifier or "").upper(), ""
    )
    if fact.kind == "duration":
        low = _parse_iso_duration(fact.timex) if fact.timex else None
        factor = _unit_seconds(fact.unit)
        if low is None and fact.value is not None and factor:
            low = fact.value * factor
        if low is None:
            return prefix + (fact.timex or fact.text)
        text = _iso_seconds(low)
        if fact.value_max is not None and factor:
            text += "–" + _iso_seconds(fact.value_max * factor)
        return prefix + text
    if fact.value is None:
        return fact.text
    text = _number(fact.value)
    if fact.value_max is not None and fact.value_max != fact.value:
        text += "–" + _number(fact.value_max)
    unit = fact.unit or ""
    if fact.kind == "money":
        unit = _CURRENCY_ALIASES.get(unit.upper(), unit)
    return f"{prefix}{text} {unit}".strip()


def _source(fact: Fact) -> str:
    return fact.outlet or fact.article_id


def _stance(fact: Fact) -> str:
    if fact.modality == "denied" and fact.cue and "rumo" in fact.cue.lower():
        return "rumoured and denied"
    return fact.modality


_Interval = tuple[float, float, str] | None


def _clash(a: Fact, b: Fact) -> str | None:
    """Why two facts from different sources cannot both hold ("denial", "values", "units"), or None."""
    return _clash_of(a, b, normalized_interval(a), normalized_interval(b))


def _clash_of(a: Fact, b: Fact, ia: _Interval, ib: _Interval) -> str | None:
    """:func:`_clash` given the two facts' normalized intervals (computed once a fact, not once a pair)."""
    comparable = ia is not None and ib is not None and ia[2] == ib[2]
    if (a.modality == "denied") != (b.modality == "denied"):
        return "denial"
    if ia is None or ib is None:
        return None
    if not comparable:
        return "units"
    if ia[0] > ib[1] * (1 + 1e-9) or ib[0] > ia[1] * (1 + 1e-9):
        return "values"
    return None


def _overlap(a: Fact, b: Fact) -> bool:
    return _overlap_of(normalized_interval(a), normalized_interval(b))


def _overlap_of(ia: _Interval, ib: _Interval) -> bool:
    return bool(ia and ib and ia[2] == ib[2] and ia[0] <= ib[1] * (1 + 1e-9) and ib[0] <= ia[1] * (1 + 1e-9))


def reconcile_facts(facts: Sequence[Fact]) -> list[Reconciliation]:
    """agree / conflict / single per (event, specific attribute), in order of first fact.

    An article may state several figures under one attribute (the new loan and an old one);
    two sources agree when some figure of one is compatible with some figure of the other, and
    conflict when none is. The explanation shows the most telling clash: a denial of the same
    value first, then other denials, then different values, then different units.
    """
    groups: dict[tuple[str, str], list[Fact]] = {}
    for fact in facts:
        if fact.attribute in GENERIC_ATTRIBUTES.values():
            continue
        groups.setdefault((fact.event_id, fact.attribute), []).append(fact)

    out: list[Reconciliation] = []
    for (event_id, attribute), group in groups.items():
        by_source: dict[str, list[Fact]] = {}
        for fact in group:
            by_source.setdefault(fact.article_id, []).append(fact)
        sources = list(by_source)
        if len(sources) == 1:
            fact = group[0]
            status, explanation = "single", f"1 source: {display_value(fact)} ({_source(fact)} {_stance(fact)})"
            out.append(Reconciliation(event_id, attribute, status, explanation, sources, STAGE, STAGE_VERSION))
            continue
        # Every pair of sources is compared (a group of a long story's event has hundreds), so
        # each fact's interval is computed once, each pair's clash once, and only the most
        # telling clash is kept: the first of the lowest rank, as the minimum of all of them was.
        # Rank 0 (a denial of the same value) cannot be beaten: the comparisons stop there, and
        # ``agreeing`` is not read when there is a clash.
        intervals = {id(fact): normalized_interval(fact) for fact in group}
        best: tuple[int, Fact, Fact, str] | None = None
        agreeing: dict[str, Fact] = {}
        for i, first in enumerate(sources):
            for second in sources[i + 1 :]:
                whys = []
                match = None
                for a in by_source[first]:
                    for b in by_source[second]:
                        why = _clash_of(a, b, intervals[id(a)], intervals[id(b)])
                        if why is None:
                            match = (a, b)
                            break
                        whys.append((a, b, why))
                    if match:
                        break
                if match:
                    agreeing.setdefault(first, match[0])
                    agreeing.setdefault(second, match[1])
                    continue
                for a, b, why in whys:
                    rank = {"denial": 1, "values": 2, "units": 3}[why] - (
                        why == "denial" and _overlap_of(intervals[id(a)], intervals[id(b)]))
                    if best is None or rank < best[0]:
                        best = (rank, a, b, why)
                if best is not None and best[0] == 0:
                    break
            if best is not None and best[0] == 0:
                break
        if best is not None:
            _, a, b, why = best
            if b.modality == "denied" and a.modality != "denied":
                a, b = b, a  # the denial first reads better
            status = "conflict"
            explanation = f"conflict: {a.text} {_stance(a)} ({_source(a)}) vs {b.text} {_stance(b)} ({_source(b)})"
            if why == "units":
                explanation += "; units differ"
        else:
            consensus = min(agreeing.values(), key=lambda f: _narrowness(f, intervals[id(f)]))
            stances = ", ".join(f"{_source(f)} {_stance(f)}" for f in agreeing.values())
            status = "agree"
            explanation = f"{len(sources)} sources agree: {display_value(consensus)} ({stances})"
        out.append(Reconciliation(event_id, attribute, status, explanation, sources, STAGE, STAGE_VERSION))
    return out


class FactReconciler(ScratchFile):
    """:func:`reconcile_facts` over facts that come a chunk of articles at a time: the facts that
    take part (specific attributes) wait pickled in a private scratch SQLite file
    (:func:`storyline.events.spill.scratch_db`) and are read back one (event, attribute) group
    at a time, so a build need not hold the corpus's facts (a few hundred bytes each, with
    their quotes). The reconciliations are the same, in the same order (by first fact)."""

    what = "fact reconciler"

    def __init__(self, directory: str | Path | None = None) -> None:
        self.conn, self.path = scratch_db("storyline-facts-", directory,
                                          "CREATE TABLE facts (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, "
                                          "attribute TEXT NOT NULL, data BLOB NOT NULL)")
        self.size = 0

    def add(self, facts: Iterable[Fact]) -> None:
        rows = [(fact.event_id, fact.attribute, pickle.dumps(fact, pickle.HIGHEST_PROTOCOL))
                for fact in facts if fact.attribute not in GENERIC_ATTRIBUTES.values()]
        db = self._db()
        with db:
            db.executemany("INSERT INTO facts VALUES (?,?,?,?)",
                           ((self.size + k, *row) for k, row in enumerate(rows)))
        self.size += len(rows)

    def reconciliations(self) -> list[Reconciliation]:
        found: list[tuple[int, Reconciliation]] = []  # (first fact, its group's reconciliation)
        rows = self._db().execute("SELECT event_id, attribute, seq, data FROM facts ORDER BY event_id, attribute, seq")
        for _group, members in itertools.groupby(rows, key=lambda row: (row[0], row[1])):
            group = list(members)
            found.extend((group[0][2], r) for r in reconcile_facts([pickle.loads(row[3]) for row in group]))
        found.sort(key=lambda fr: fr[0])
        return [r for _, r in found]


def _narrowness(fact: Fact, interval: _Interval) -> tuple[float, int]:
    width = interval[1] - interval[0] if interval else math.inf
    return width, 0 if not fact.qualifier else 1
