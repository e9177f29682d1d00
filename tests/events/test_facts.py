"""Facts: tying figures to events and attributes, and reconciling what the sources say."""

from __future__ import annotations

import pytest

from storyline.events.facts import attach_facts, classify_attribute, display_value, reconcile_facts
from storyline.events.model import Event, Fact, mention_key
from storyline.records import Figure, Sentence
from tests.events.conftest import F, make_article


def fact(article: str, text: str, kind: str, value, **fields) -> Fact:
    base = dict(
        event_id="ev_1", attribute="loan_amount", kind=kind, value=value, value_max=None, unit=None,
        qualifier=None, modality="asserted", speaker=None, article_id=article, outlet=f"Outlet {article.upper()}",
        sentence_index=0, start=0, end=len(text), text=text, quote=text,
    )
    base.update(fields)
    return Fact(**base)


def event(event_id: str, event_type: str, keys: list[str], date: str | None = None, main: list[str] = ()) -> Event:
    return Event(
        event_id, event_type, event_id, date, "day" if date else "unknown", 1.0, None, [], list(main), [], [], keys
    )


@pytest.mark.parametrize(
    ("sentence", "figure", "kind", "attribute"),
    [
        ("Norland will lend Sudmark $1.5 billion.", "$1.5 billion", "money", "loan_amount"),
        ("The talks lasted four hours.", "four hours", "duration", "meeting_duration"),
        ("Some 150,000 people gathered in Vesk.", "150,000 people", "count", "crowd_size"),
        ("Police arrested 400 people at the protest.", "400 people", "count", "arrests"),
        ("Restin won 80 percent of the vote.", "80 percent", "percent", "vote_share"),
        ("The budget grew by $2 billion.", "$2 billion", "money", "amount"),
    ],
)
def test_attribute_from_kind_and_nearest_cue(sentence, figure, kind, attribute):
    start = sentence.index(figure)
    record = Sentence("a", 0, 0, len(sentence), sentence)
    assert classify_attribute(Figure(start, start + len(figure), figure, kind, 1.0), record) == attribute


def test_previous_sentence_is_read_only_when_the_figure_refers_back():
    previous = Sentence("a", 0, 0, 40, "The media report agreement on a new loan.")
    refers_back = Sentence("a", 1, 41, 77, "The amount is put at $3-3.5 billion.")
    figure = Figure(62, 76, "$3-3.5 billion", "money", 3e9, 3.5e9, "USD")
    assert classify_attribute(figure, refers_back, previous) == "loan_amount"
    own_subject = Sentence("a", 1, 41, 80, "Its budget deficit was $3-3.5 billion.")
    assert classify_attribute(figure, own_subject, previous) == "amount"


def test_figures_go_to_the_event_of_their_sentence_and_suit_the_attribute():
    article = make_article(
        "a",
        [
            "The meeting in Lindhaven was held amid protests that gathered 150,000 people.",
            "The leaders met for four hours.",
            "A dozen observers came.",
        ],
        figures=[
            F("150,000 people", "count", 150000, unit="people"),
            F("four hours", "duration", 4, unit="hours", timex="PT4H"),
            F("A dozen observers", "count", 12, unit="people"),
        ],
    )
    meeting_start = article.text.index("meeting")
    protest_start = article.text.index("protests")
    met_start = article.text.index("met ")
    events = [
        event("ev_meet", "meeting", [mention_key("a", 0, meeting_start, meeting_start + 7), mention_key("a", 1, met_start, met_start + 3)], main=["a"]),
        event("ev_protest", "protest", [mention_key("a", 0, protest_start, protest_start + 8)]),
    ]
    facts = {f.text: f for f in attach_facts(events, [article])}
    assert (facts["150,000 people"].event_id, facts["150,000 people"].attribute) == ("ev_protest", "crowd_size")
    assert (facts["four hours"].event_id, facts["four hours"].attribute) == ("ev_meet", "meeting_duration")
    assert facts["four hours"].quote == "The leaders met for four hours."
    # No event mention in its sentence: the previous sentence's event.
    assert (facts["A dozen observers"].event_id, facts["A dozen observers"].link) == ("ev_meet", "previous_sentence")


def test_a_loan_agreed_at_a_meeting_is_the_meetings_unless_the_dates_differ():
    article = make_article(
        "a",
        ["At the meeting Norland agreed a loan of $1.5 billion.", "During the talks Restin recalled last year's loan of $1 billion."],
        figures=[F("$1.5 billion", "money", 1.5e9, unit="USD"), F("$1 billion", "money", 1e9, unit="USD")],
    )
    text = article.text
    at = lambda word, nth=0: [i for i in range(len(text)) if text.startswith(word, i)][nth]  # noqa: E731
    events = [
        event("ev_meet", "meeting", [mention_key("a", 0, at("meeting"), at("meeting") + 7), mention_key("a", 1, at("talks"), at("talks") + 5)], "2031-02-22"),
        event("ev_loan_new", "loan", [mention_key("a", 0, at("loan"), at("loan") + 4)], "2031-02"),
        event("ev_loan_old", "loan", [mention_key("a", 1, at("loan", 1), at("loan", 1) + 4)], "2030"),
    ]
    facts = {f.text: f.event_id for f in attach_facts(events, [article])}
    assert facts == {"$1.5 billion": "ev_meet", "$1 billion": "ev_loan_old"}


def test_article_fallback_when_no_event_is_near():
    article = make_article(
        "a",
        ["Kallen and Restin met in Lindhaven.", "Markets were calm.", "Analysts said 40 percent of trade was affected."],
        figures=[F("40 percent", "percent", 40, unit="percent")],
    )
    start = article.text.index("met")
    events = [event("ev_meet", "meeting", [mention_key("a", 0, start, start + 3)], main=["a"])]
    [only] = attach_facts(events, [article])
    assert (only.event_id, only.link, only.attribute) == ("ev_meet", "article", "trade_share")


def test_durations_agree_within_their_qualifier():
    facts = [
        fact("a", "four hours", "duration", 4, unit="hours", timex="PT4H", attribute="meeting_duration"),
        fact("b", "almost four hours", "duration", 4, unit="hours", timex="PT4H", qualifier="APPROX", attribute="meeting_duration"),
    ]
    [result] = reconcile_facts(facts)
    assert result.status == "agree"
    assert result.explanation == "2 sources agree: PT4H (Outlet A asserted, Outlet B asserted)"


def test_money_written_differently_agrees():
    facts = [
        fact("a", "$1.5 billion", "money", 1.5e9, unit="$", modality="announced"),
        fact("b", "USD 1.5 bn", "money", 1.5e9, unit="USD"),
    ]
    [result] = reconcile_facts(facts)
    assert (result.status, result.explanation) == ("agree", "2 sources agree: 1.5e9 USD (Outlet A announced, Outlet B asserted)")


def test_range_overlapping_a_point_agrees_but_a_denial_conflicts():
    expected = fact("a", "$3-3.5 billion", "money", 3e9, value_max=3.5e9, unit="USD", modality="expected")
    stated = fact("b", "$3.2 billion", "money", 3.2e9, unit="USD")
    assert reconcile_facts([expected, stated])[0].status == "agree"
    denied = fact("c", "US$3 billion", "money", 3e9, unit="USD", modality="denied", cue="Rumours; denied")
    [result] = reconcile_facts([expected, denied])
    assert result.status == "conflict"
    assert result.explanation == (
        "conflict: US$3 billion rumoured and denied (Outlet C) vs $3-3.5 billion expected (Outlet A)"
    )


def test_incompatible_values_conflict_and_one_source_is_single():
    four = fact("a", "four hours", "duration", 4, unit="hours", timex="PT4H", attribute="meeting_duration")
    six = fact("b", "well over six hours", "duration", 6, unit="hours", timex="PT6H", qualifier="MORE_THAN", attribute="meeting_duration")
    assert reconcile_facts([four, six])[0].status == "conflict"
    [single] = reconcile_facts([six])
    assert (single.status, single.explanation) == ("single", "1 source: >PT6H (Outlet B asserted)")


def test_a_source_agrees_when_one_of_its_figures_matches():
    facts = [
        fact("a", "$1.5 billion", "money", 1.5e9, unit="USD"),
        fact("b", "$1.5 billion", "money", 1.5e9, unit="USD"),
        fact("b", "$600 million", "money", 6e8, unit="USD"),  # another sum in the same report
    ]
    assert reconcile_facts(facts)[0].status == "agree"


def test_generic_attributes_are_not_reconciled():
    facts = [fact("a", "$2 billion", "money", 2e9, unit="USD", attribute="amount"), fact("b", "$5 billion", "money", 5e9, unit="USD", attribute="amount")]
    assert reconcile_facts(facts) == []


def test_display_values():
    assert display_value(fact("a", "x", "money", 3e9, value_max=3.5e9, unit="USD")) == "3e9–3.5e9 USD"
    assert display_value(fact("a", "x", "duration", 4, unit="hours", timex="PT4H", qualifier="APPROX")) == "~PT4H"
    assert display_value(fact("a", "x", "count", 400, unit="people")) == "400 people"


# --- the seed-shaped story -------------------------------------------------------------------------


def test_seed_shaped_story_reconciliations(seed_story):
    articles, _, events = seed_story
    facts = attach_facts(events, articles)
    title = {e.event_id: e.title for e in events}
    results = {(title[r.event_id], r.attribute): r for r in reconcile_facts(facts)}
    sep_2030 = "Kallen–Restin meeting in Lindhaven, 14 Sep 2030"
    feb_2031 = next(t for t in title.values() if "22 Feb 2031" in t)

    assert results[(sep_2030, "meeting_duration")].status == "agree"
    assert results[(sep_2030, "loan_amount")].status == "agree"
    assert results[(sep_2030, "loan_amount")].explanation.startswith("2 sources agree: 1.5e9 USD")
    loan_2031 = results[(feb_2031, "loan_amount")]
    assert loan_2031.status == "conflict"
    assert loan_2031.explanation == (
        "conflict: US$3 billion rumoured and denied (Eastern Monitor) vs $3-3.5 billion expected (Northern Review)"
    )
    assert results[(feb_2031, "meeting_duration")].status == "single"
    assert {f.outlet for f in facts if title[f.event_id] == sep_2030} == {"Daily Ledger", "Correspondent"}


@pytest.mark.parametrize(
    ("sentence", "figure", "kind", "unit", "attribute"),
    [
        ("It was the first visit in four years.", "four years", "duration", "years", "duration"),
        ("Sudmark will pay $128 per 1,000 cubic metres of gas.", "$128", "money", "USD", "price"),
        ("Companies signed contracts worth $700 million.", "$700 million", "money", "USD", "contracts_value"),
        ("Norland accounted for 47 percent of Sudmark's foreign trade.", "47 percent", "percent", "percent", "trade_share"),
        ("Trade grew by 9 percent.", "9 percent", "percent", "percent", "percentage"),
    ],
)
def test_more_attributes_and_no_meeting_lasts_years(sentence, figure, kind, unit, attribute):
    start = sentence.index(figure)
    fig = Figure(start, start + len(figure), figure, kind, 1.0, unit=unit, sentence_index=0)
    assert classify_attribute(fig, Sentence("a", 0, 0, len(sentence), sentence)) == attribute


def test_people_counted_after_a_protest_are_its_crowd_and_arrests_go_to_it():
    article = make_article(
        "a",
        [
            "Kallen arrived one day after the largest rally in Vesk.",
            "On Sunday, about 150 thousand people walked to the river.",
            "Police said that 412 people were detained during the day.",
        ],
        figures=[F("150 thousand people", "count", 150000, unit="people", qualifier="APPROX"),
                 F("412 people", "count", 412, unit="people")],
    )
    text = article.text
    rally, detained = text.index("rally"), text.index("detained")
    events = [
        event("ev_rally", "protest", [mention_key("a", 0, rally, rally + 5)], "2031-09-18"),
        event("ev_arrest", "arrest", [mention_key("a", 2, detained, detained + 8)], "2031-09-18"),
    ]
    got = {f.text: (f.event_id, f.attribute) for f in attach_facts(events, [article])}
    assert got == {"150 thousand people": ("ev_rally", "crowd_size"), "412 people": ("ev_rally", "arrests")}


def test_a_recalled_event_does_not_take_the_figures_that_follow_it():
    article = make_article(
        "a",
        ["The leaders met in Vesk.", "They built on their previous talks in Lindhaven.", "Companies signed contracts worth $700 million."],
        figures=[F("$700 million", "money", 7e8, unit="USD")],
    )
    text = article.text
    met, talks = text.index("met"), text.index("talks")
    events = [
        event("ev_now", "meeting", [mention_key("a", 0, met, met + 3)], main=["a"]),
        event("ev_then", "talks", [mention_key("a", 1, talks, talks + 5)]),
    ]
    [only] = attach_facts(events, [article])
    assert (only.event_id, only.attribute) == ("ev_now", "contracts_value")


@pytest.mark.parametrize(
    ("sentence", "figure", "attribute"),
    [
        ("The presidents signed 28 sectoral programmes.", "28 sectoral programmes", "programmes_signed"),
        ("The talks ended with the signing of 28 integration programmes.", "28 integration programmes",
         "programmes_signed"),
        ("They signed a package of 28 sectoral programmes.", "28 sectoral programmes", "programmes_signed"),
        ("Gas price fixed, 28 programmes signed", "28 programmes", "programmes_signed"),
        ("Three undersea cables were damaged.", "Three undersea cables", "cables_damaged"),
        ("There are 31 programmes in the treaty.", "31 programmes", "count"),
    ],
)
def test_a_count_of_things_is_named_by_what_was_done_to_them(sentence, figure, attribute):
    start = sentence.index(figure)
    record = Sentence("a", 0, 0, len(sentence), sentence)
    unit = figure.split()[-1].lower()
    assert classify_attribute(Figure(start, start + len(figure), figure, "count", 28.0, unit=unit), record) == attribute


def test_things_signed_at_a_meeting_are_the_meetings():
    article = make_article(
        "a",
        ["After the talks the leaders signed 28 sectoral programmes."],
        figures=[F("28 sectoral programmes", "count", 28, unit="programmes")],
    )
    text = article.text
    talks, signed = text.index("talks"), text.index("signed")
    events = [
        event("ev_meet", "talks", [mention_key("a", 0, talks, talks + 5)], "2031-02-22", main=["a"]),
        event("ev_sign", "agreement", [mention_key("a", 0, signed, signed + 6)], "2031-02-22"),
    ]
    [f] = attach_facts(events, [article])
    assert (f.attribute, f.event_id) == ("programmes_signed", "ev_meet")


def test_the_reconciler_fed_a_chunk_at_a_time_gives_reconcile_facts_results(tmp_path):
    """Facts that come a chunk of articles at a time, kept in a scratch file: the same
    reconciliations, in the same order (by first fact), as for the whole list; nothing left on disk."""
    import random

    from storyline.events.facts import FactReconciler

    rng = random.Random(3)
    facts = []
    for k in range(300):
        amount = rng.choice([1.5e9, 1.5e9, 3e9, 6e8])
        facts.append(fact(f"a{rng.randrange(25)}", f"${amount / 1e9} billion", "money", amount, unit="USD",
                          event_id=f"ev_{rng.randrange(80)}", modality=rng.choice(["asserted"] * 8 + ["denied", "expected"]),
                          attribute=rng.choice(["loan_amount", "loan_amount", "amount", "crowd_size"]), start=k))
    expected = reconcile_facts(facts)
    assert {r.status for r in expected} == {"agree", "conflict", "single"}
    with FactReconciler(tmp_path) as reconciler:
        for first in range(0, len(facts), 37):
            reconciler.add(facts[first : first + 37])
        assert list(tmp_path.iterdir()) == []
        assert reconciler.reconciliations() == expected


def _mention_rows(events: list[Event]):  # type: ignore[no-untyped-def]
    """A build's ``mentions_of``: (article, sentence, start, event id) of some articles' mentions."""
    from storyline.events.model import parse_mention_key

    rows = [(*parse_mention_key(key)[:3], e.event_id) for e in events for key in e.mention_keys]
    return lambda ids: [r for r in rows if r[0] in set(ids)]


def test_facts_from_events_on_disk_are_those_of_the_events_in_memory(seed_story, tmp_path):
    """A build keeps its events in an EventSpill (no mention keys, out of memory): the attacher
    indexes a chunk's events from it and asks it for headline events by date; the facts are the
    same as from the events in memory, whatever the chunks."""
    from dataclasses import replace

    from storyline.events.facts import FactAttacher
    from storyline.events.spill import EventSpill

    articles, _, events = seed_story
    expected = attach_facts(events, articles)
    assert len({f.event_id for f in expected}) > 1 and any(f.link != "sentence" for f in expected)
    with EventSpill(tmp_path) as spill:
        for e in events:
            spill.add(e)
        assert list(tmp_path.iterdir()) == []
        for size in (1, 2, len(articles)):
            attacher = FactAttacher((), mentions_of=_mention_rows(events), stored=spill)
            got = [f for k in range(0, len(articles), size) for f in attacher.attach(articles[k : k + size])]
            assert got == expected
    # a loan on the day of a meeting goes to the meeting, found by date in the spill
    article = make_article("a", ["The leaders met in Vesk.", "Norland will lend Sudmark $1.5 billion."],
                           figures=[F("$1.5 billion", "money", 1.5e9, unit="USD")])
    lend = article.text.index("lend")
    pair = [event("ev_meet", "meeting", [mention_key("b", 0, 0, 3)], "2031-02-22", main=["b"]),
            event("ev_loan", "loan", [mention_key("a", 1, lend, lend + 4)], "2031-02-22", main=["a"])]
    assert [f.event_id for f in attach_facts(pair, [article])] == ["ev_meet"]
    with EventSpill(tmp_path) as spill:
        for e in pair:
            spill.add(replace(e, mention_keys=[]), len(e.mention_keys))
        attacher = FactAttacher((), mentions_of=_mention_rows(pair), stored=spill)
        assert attacher.attach([article]) == attach_facts(pair, [article])


def test_a_chunk_indexes_its_events_under_its_own_articles_only(seed_story, tmp_path):
    """An event of a long story names thousands of articles; a chunk of articles indexes it under
    the chunk's articles alone (main events, headline candidates by article), not under every
    article it names, which made the facts' index grow with the square of the corpus."""
    from storyline.events.facts import FactAttacher
    from storyline.events.spill import EventSpill

    articles, _, events = seed_story
    assert any(len(set(e.main_articles + e.mentioning_articles)) > 1 for e in events)
    with EventSpill(tmp_path) as spill:
        for e in events:
            spill.add(e)
        attacher = FactAttacher((), mentions_of=_mention_rows(events), stored=spill)
        for article in articles:
            attacher.attach([article])
            assert set(attacher.main_events) <= {article.article_id}
            assert {a for _family, a in attacher.headlines.by_article} <= {article.article_id}
            assert attacher.events_by_id  # the article's events are indexed


def _reconcile_all_pairs(facts: list[Fact]):  # type: ignore[no-untyped-def]
    """reconcile_facts as it was before session 9: every clash of every pair of sources listed,
    then the minimum taken (the reference the faster loop must match)."""
    from storyline.events.facts import _clash, _overlap

    groups: dict = {}
    for f in facts:
        if f.attribute != "amount":
            groups.setdefault((f.event_id, f.attribute), []).append(f)
    out = []
    for key, group in groups.items():
        by_source: dict = {}
        for f in group:
            by_source.setdefault(f.article_id, []).append(f)
        sources = list(by_source)
        if len(sources) == 1:
            out.append((key, "single", None))
            continue
        clashes, agreeing = [], {}
        for i, first in enumerate(sources):
            for second in sources[i + 1 :]:
                pairs = [(a, b) for a in by_source[first] for b in by_source[second]]
                match = next(((a, b) for a, b in pairs if _clash(a, b) is None), None)
                if match:
                    agreeing.setdefault(first, match[0])
                    agreeing.setdefault(second, match[1])
                    continue
                for a, b in pairs:
                    why = _clash(a, b) or "values"
                    rank = {"denial": 1, "values": 2, "units": 3}[why] - (why == "denial" and _overlap(a, b))
                    clashes.append((rank, len(clashes), a, b, why))
        if clashes:
            _, _, a, b, why = min(clashes, key=lambda c: c[:2])
            out.append((key, "conflict", (a.start, b.start, why)))
        else:
            out.append((key, "agree", tuple(sorted((s, f.start) for s, f in agreeing.items()))))
    return out


def test_reconciliation_computes_each_interval_once_and_keeps_the_most_telling_clash(monkeypatch):
    """Every pair of sources of an (event, attribute) is compared; a fact's normalized interval
    is computed once (not once a pair: a long story's event has hundreds of sources), and the
    clash shown is the one all pairs' minimum gives, as before."""
    import random

    from storyline.events import facts as facts_module

    rng = random.Random(9)
    facts = []
    for k in range(400):
        event_id = rng.randrange(12)
        calm = event_id < 4  # sources of these events all state one amount: they agree
        amount = 1.5e9 if calm else rng.choice([1.5e9, 1.5e9, 3e9, 6e8, None])
        facts.append(fact(f"a{rng.randrange(60)}", f"figure {k}", "money", amount,
                          unit="USD" if calm else rng.choice(["USD", "USD", "$", "EUR"]),
                          value_max=amount * 1.2 if amount and not calm and rng.random() < 0.2 else None,
                          qualifier=None if calm else rng.choice([None, None, "APPROX", "MORE_THAN"]),
                          event_id=f"ev_{event_id}",
                          modality="asserted" if calm else rng.choice(["asserted"] * 6 + ["denied"]),
                          attribute=rng.choice(["loan_amount", "loan_amount", "amount"]), start=k))
    expected = _reconcile_all_pairs(facts)
    assert {status for _, status, _ in expected} >= {"agree", "conflict"}
    calls = []
    real = facts_module.normalized_interval
    monkeypatch.setattr(facts_module, "normalized_interval", lambda f: calls.append(f) or real(f))
    got = reconcile_facts(facts)
    specific = [f for f in facts if f.attribute != "amount"]
    assert len(calls) <= len(specific)
    monkeypatch.undo()
    assert [(r.event_id, r.attribute) for r in got] == [key for key, _, _ in expected]
    for r, (_, status, detail) in zip(got, expected):
        assert r.status == status
        if status == "conflict":
            a, b, why = detail
            first, second = next(f for f in facts if f.start == a), next(f for f in facts if f.start == b)
            assert first.text in r.explanation and second.text in r.explanation
            assert r.explanation.endswith("; units differ") == (why == "units")
