"""Grouping event mentions into events: compatibility rules, dates, ids, and the seed-shaped story."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from storyline.events import grouping
from storyline.events.grouping import group_event_mentions
from storyline.events.model import (
    DateParts,
    Event,
    EventMention,
    format_parts,
    parse_date_value,
    parts_relation,
    with_fields,
)
from storyline.records import Entity
from tests.events.conftest import ENTITIES


def neutral_embed(texts: list[str]) -> np.ndarray:
    """Vectors whose pairwise cosine is exactly the similarity baseline: similarity neither helps nor hurts."""
    shared = np.sqrt(grouping.SIMILARITY_BASELINE)
    own = np.sqrt(1 - grouping.SIMILARITY_BASELINE)
    vectors = np.zeros((len(texts), len(texts) + 1), dtype=np.float32)
    vectors[:, 0] = shared
    vectors[np.arange(len(texts)), np.arange(1, len(texts) + 1)] = own
    return vectors


def m(
    article: str,
    sentence: int = 0,
    *,
    type: str = "meeting",
    date: str | None = None,
    source: str | None = None,
    places: tuple[str, ...] = (),
    people: tuple[str, ...] = (),
    status: str = "happened",
    start: int = 0,
) -> EventMention:
    return EventMention(
        article_id=article,
        sentence_index=sentence,
        start=start,
        end=start + 3,
        trigger="met",
        event_type=type,
        date_value=date,
        date_source=source or ("explicit" if date else "none"),
        place_id=places[0] if places else None,
        place_ids=list(places),
        participant_ids=list(people),
        status=status,
    )


KR = ("p_kallen", "p_restin")
LIND = ("g_lindhaven",)


def group(mentions, previous=None):
    return group_event_mentions(mentions, [], ENTITIES, previous, embed=neutral_embed)


def test_with_fields_is_dataclasses_replace():
    """The fast copy grouping makes of each usable mention equals ``dataclasses.replace``'s,
    field by field (the grouping-only fields too), leaves the original as it was, and refuses a
    field the mention does not have."""
    mention = EventMention("a1", 2, 30, 36, "talks", "meeting", "2021-02-03", "explicit", "g1", ["g1"], ["p1"],
                           antecedent="a1:1:3:8", names={"n1": 0.5}, weight=2.0)
    changes = {"names": {"n2": 1.0}, "lead": True, "weight": 3.0, "anchor": date(2021, 2, 3), "previous_event": "e1"}
    copy, expected = with_fields(mention, **changes), replace(mention, **changes)
    assert copy is not mention and type(copy) is EventMention
    assert vars(copy) == vars(expected) and copy == expected
    assert mention.names == {"n1": 0.5} and mention.previous_event is None and mention.anchor is None
    with pytest.raises(TypeError):
        with_fields(mention, colour="red")


def test_parse_and_relate_dates():
    assert parse_date_value("2020-09-14") == DateParts(2020, 9, 14)
    assert parse_date_value("XXXX-09-21") == DateParts(None, 9, 21)
    assert parse_date_value("2020-Q1") == DateParts(2020, None, None)
    assert parse_date_value("PT4H") is None and parse_date_value("PRESENT_REF") is None
    assert parts_relation(DateParts(2021, 2, None), DateParts(2021, 2, 22)) == "refines"
    assert parts_relation(DateParts(2020, 9, 14), DateParts(2021, 2, 22)) == "incompatible"
    assert parts_relation(DateParts(None, 9, 21), DateParts(2019, 9, 21)) == "yearless"
    assert parts_relation(DateParts(2020, 9, 14), DateParts(2020, 9, 14)) == "exact"


def test_same_place_different_years_are_two_events():
    events = group([m("a", date="2030-09-14", places=LIND, people=KR), m("b", date="2031-09-14", places=LIND, people=KR)])
    assert sorted(e.date_value for e in events) == ["2030-09-14", "2031-09-14"]


def test_month_is_compatible_with_a_day_of_it():
    events = group([m("a", date="2031-02-22", places=LIND, people=KR), m("b", date="2031-02", people=KR)])
    [event] = events
    assert (event.date_value, event.date_precision, event.date_confidence) == ("2031-02-22", "day", 1.0)


def test_year_less_date_needs_a_shared_place():
    with_place = m("b", date="XXXX-09-21", places=LIND)
    without_place = m("c", date="XXXX-09-21", people=KR)
    events = group([m("a", date="2030-09-21", places=LIND, people=KR), with_place, without_place])
    by_articles = {tuple(sorted(e.main_articles + e.mentioning_articles)): e for e in events}
    assert by_articles[("a", "b")].date_value == "2030-09-21"  # the year is stated by article a
    lone = by_articles[("c",)]
    assert (lone.date_value, lone.date_precision) == ("XXXX-09-21", "unknown-year")  # no invented year
    assert lone.title == "Kallen–Restin meeting, 21 Sep (year unknown)"


def test_publication_bound_can_supply_the_only_possible_year():
    events = group(
        [
            m("a", date="XXXX-09-14", places=LIND, people=KR),
            m("b", date="2030-09-18", source="publication", places=LIND, people=KR),  # past news on 18 Sep 2030
        ]
    )
    [event] = events
    assert (event.date_value, event.date_precision) == ("2030-09-14", "day")
    assert event.date_confidence < 1.0


def test_publication_bound_picks_the_recent_event():
    events = group(
        [
            m("a", date="2030-09-14", places=LIND, people=KR),
            m("b", date="2031-02-22", places=LIND, people=KR),
            m("c", date="2030-09-18", source="publication", places=LIND, people=KR),
        ]
    )
    by_date = {e.date_value: e for e in events}
    assert set(by_date) == {"2030-09-14", "2031-02-22"}
    assert "c" in by_date["2030-09-14"].main_articles + by_date["2030-09-14"].mentioning_articles


def test_different_places_or_people_or_types_stay_apart():
    events = group(
        [
            m("a", date="2030-09-14", places=LIND, people=KR),
            m("b", places=("g_grauburg",), people=KR),  # Mogilev-like: no date, another town
            m("c", date="2030-09-14", places=LIND, people=("p_kallen", "p_marr")),  # other protagonists
            m("d", date="2030-09-14", places=LIND, type="protest"),  # another kind of event
        ]
    )
    assert len(events) == 4
    grauburg = next(e for e in events if e.place_id == "g_grauburg")
    assert (grauburg.date_value, grauburg.date_precision) == (None, "unknown")


def test_talks_and_meeting_are_one_family():
    events = group(
        [
            m("a", date="2030-09-14", places=LIND, people=KR),
            m("b", date="2030-09-14", places=LIND, type="talks"),
            m("c", date="2030-09-14", people=KR),
        ]
    )
    [event] = events
    assert event.event_type == "meeting"
    assert event.title == "Kallen–Restin meeting in Lindhaven, 14 Sep 2030"


def test_bare_and_negated_mentions_do_not_found_events():
    bare = m("a", 3)
    negated = m("b", date="2030-09-14", places=LIND, people=KR)
    negated.negated = True
    assert group([bare, negated]) == []


def test_antecedent_pulls_a_bare_mention_into_its_event():
    first = m("a", 0, date="2030-09-14", places=LIND, people=KR)
    bare = m("a", 5)
    bare.antecedent = first.key
    [event] = group([first, bare])
    assert sorted(event.mention_keys) == sorted([first.key, bare.key])


def test_ids_are_stable_and_order_independent():
    mentions = [
        m("b", 2, date="2030-09-14", places=LIND, people=KR),
        m("a", 7, date="2030-09-14", places=LIND, people=KR),
        m("c", 1, date="2031-02-22", places=LIND, people=KR),
    ]
    first = {e.date_value: e.event_id for e in group(mentions)}
    again = {e.date_value: e.event_id for e in group(list(reversed(mentions)))}
    assert first == again
    assert first["2030-09-14"] == grouping._stable_id("meeting", "a", 7)  # the earliest (article, sentence)


def test_incremental_build_keeps_ids_and_records_merges_and_splits():
    old = [m("b", 2, date="2030-09-14", places=LIND, people=KR), m("c", 1, date="2031-02-22", places=LIND, people=KR)]
    previous = group(old)
    ids = {e.date_value: e.event_id for e in previous}

    # A new article that sorts first joins the 2030 event: the id stays.
    grown = group(old + [m("a", 0, date="2030-09-14", places=LIND, people=KR)], previous)
    assert {e.date_value: e.event_id for e in grown} == ids
    assert all(e.merged_from == [] for e in grown)

    # Two previous events that now are one: the one sharing most mentions keeps its id.
    merged_view = [
        replace(previous[0], mention_keys=[old[0].key]),
        replace(previous[0], event_id="ev_other", mention_keys=[old[1].key]),
    ]
    same_day = [old[0], m("c", 1, date="2030-09-14", places=LIND, people=KR)]
    [event] = group(same_day, merged_view)
    assert event.event_id == previous[0].event_id and event.merged_from == ["ev_other"]

    # A previous event that now is two: one keeps the id, the other records where it came from.
    lumped = [replace(previous[0], event_id="ev_lumped", mention_keys=[o.key for o in old])]
    split = group(old, lumped)
    assert sorted(e.event_id == "ev_lumped" for e in split) == [False, True]
    assert next(e for e in split if e.event_id != "ev_lumped").merged_from == ["split:ev_lumped"]


def test_blocking_avoids_all_pairs(monkeypatch):
    calls = 0
    real_score = grouping._score

    def counting(*args, **kwargs):
        nonlocal calls
        calls += 1
        return real_score(*args, **kwargs)

    monkeypatch.setattr(grouping, "_score", counting)
    mentions = []
    for k in range(30):  # 30 events, two reports each, all with different people, places and days
        date = f"{2000 + k}-{k % 12 + 1:02d}-{k % 27 + 1:02d}"
        for article in ("x", "y"):
            mentions.append(m(f"{article}{k}", date=date, places=(f"g{k}",), people=(f"p{k}", f"q{k}")))
    events = group(mentions)
    assert len(events) == 30
    n = len(mentions)
    assert calls < n * (n - 1) / 2 / 4


def test_main_and_mentioning_articles_and_previews():
    mentions = [
        m("a", 0, date="2031-02-22", places=LIND, people=KR),
        m("a", 4, date="2031-02-22", source="context", people=KR),
        m("b", 1, date="2031-02", status="scheduled", places=LIND, people=KR),  # a preview
        m("c", 9, date="2031-02-22", places=LIND, people=KR),
        m("c", 0, type="protest", date="2031-02-20", places=("g_vesk",)),
        m("c", 1, type="protest", date="2031-02-20", places=("g_vesk",), start=10),
    ]
    by_type = {e.event_type: e for e in group(mentions)}
    meeting = by_type["meeting"]
    assert meeting.main_articles == ["a"]
    assert meeting.mentioning_articles == ["b", "c"]  # b only previews it, c is about the protest
    assert meeting.key_sentences[0] == ("a", 0)
    assert by_type["protest"].main_articles == ["c"]


# --- the seed-shaped story (see conftest.seed_shaped_story) -----------------------------------------


def _event_of(events, article_id, sentence_index):
    return next(
        e for e in events if any(k.startswith(f"{article_id}:{sentence_index}:") for k in e.mention_keys)
    )


def test_seed_shaped_story_has_three_meetings_and_a_recalled_one(seed_story):
    _, _, events = seed_story
    sep_2030 = _event_of(events, "n4", 1)
    feb_2031 = _event_of(events, "n1", 1)
    grauburg = _event_of(events, "n3", 0)
    recalled = _event_of(events, "n3", 1)
    assert len({sep_2030.event_id, feb_2031.event_id, grauburg.event_id, recalled.event_id}) == 4

    assert (sep_2030.date_value, sep_2030.place_id) == ("2030-09-14", "g_lindhaven")
    assert sep_2030.main_articles == ["n2", "n4"]
    assert sep_2030.title == "Kallen–Restin meeting in Lindhaven, 14 Sep 2030"

    assert feb_2031.date_value == "2031-02-22" and feb_2031.status == "happened"
    assert feb_2031.main_articles == ["n1"] and feb_2031.mentioning_articles == ["n0"]  # n0 is a preview
    assert {"g_kesselberg", "g_lindhaven"} <= set(feb_2031.place_ids)

    assert (grauburg.place_id, grauburg.date_value, grauburg.date_precision) == ("g_grauburg", None, "unknown")
    assert grauburg.main_articles == ["n3"]
    assert (recalled.date_value, recalled.date_precision) == ("XXXX-09-21", "unknown-year")


def test_seed_shaped_story_ids_survive_an_incremental_rebuild(seed_story):
    articles, mentions, events = seed_story
    again = group_event_mentions(mentions, articles, ENTITIES, events)
    assert [e.event_id for e in again] == [e.event_id for e in events]


@pytest.mark.parametrize("value", ["2021-02", "2021", "XXXX-02-22"])
def test_parse_date_round_trip(value):
    assert format_parts(parse_date_value(value)) == value


def test_a_word_in_passing_is_not_an_event():
    events = group([
        m("a", date="2031-02-22", places=LIND, people=KR),
        m("a", 1, type="loan", start=10),  # "the loan buys time": one mention, no date
        m("a", 5, type="sanctions", date="2030", source="explicit", start=20),  # "sanctions last year"
    ])
    assert [e.event_type for e in events] == ["meeting"]


def test_places_and_people_follow_the_corpus_labels():
    entities = dict(ENTITIES) | {
        "p_brennik": Entity("p_brennik", "GPE", "Brennik"),  # tagged PERSON in its article
        "f_palace": Entity("f_palace", "FAC", "Amber Palace"),
    }
    mentions = [
        m("a", date="2031-02-22", places=("f_palace",), people=(*KR, "p_brennik")),
        m("b", 0, date="2031-02-22", places=("f_palace", "g_lindhaven"), people=KR, start=5),
        m("c", 0, date="2031-02-22", places=("g_lindhaven",), people=KR, start=9),
    ]
    [event] = group_event_mentions(mentions, [], entities, embed=neutral_embed)
    assert set(event.participant_ids) == set(KR)
    assert event.place_id == "g_lindhaven" and "f_palace" in event.place_ids  # the town, the building as detail


# --- names, likeness and open triggers ---------------------------------------------------------------


def alike_embed(texts: list[str]) -> np.ndarray:
    """The same vector for every text: sentences as alike as they can be."""
    return np.ones((len(texts), 2), dtype=np.float32) / np.sqrt(2)


def _named(mention: EventMention, *names: str) -> EventMention:
    return replace(mention, names={n: 1.0 for n in names})


def test_without_dates_a_shared_name_and_alike_sentences_join_reports():
    mentions = [m("a", 0, type="admission", people=("p_kallen",)), m("b", 0, type="admission", people=("p_kallen",))]
    usable = grouping.usable_mentions(mentions, ENTITIES)
    # No date, no place, one shared person: apart when the sentences are unrelated ...
    apart = grouping.events_from_clusters(
        grouping.cluster_mentions(usable, neutral_embed(["x", "y"])), usable, {}, ENTITIES)
    assert len(apart) == 2
    # ... together when the reports tell it in like words and name the same (rare) entity.
    usable = [_named(u, "p_kallen") for u in usable]
    together = grouping.events_from_clusters(
        grouping.cluster_mentions(usable, alike_embed(["x", "y"])), usable, {}, ENTITIES)
    assert len(together) == 1 and sorted(together[0].main_articles) == ["a", "b"]


def test_same_kind_events_with_different_people_stay_apart_without_dates():
    mentions = [
        _named(m("a", 0, type="admission", people=("p_kallen",)), "p_kallen"),
        _named(m("b", 0, type="admission", people=("p_restin",)), "p_restin"),
    ]
    usable = grouping.usable_mentions(mentions, ENTITIES)
    usable = [_named(u, *u.participant_ids) for u in usable]
    events = grouping.events_from_clusters(
        grouping.cluster_mentions(usable, neutral_embed(["x", "y"])), usable, {}, ENTITIES)
    assert len(events) == 2


def test_an_event_only_the_open_detector_found_needs_an_article_about_it_or_two_dated_reports():
    mentions = [
        m("a", 0, date="2031-02-22", places=LIND, people=KR),  # article a is about the meeting
        m("a", 5, type="restore", date="2031-02-20", places=("g_vesk",)),  # a word in its body
        m("b", 0, type="return", date="2031-03-01", places=("g_vesk",)),  # article b is about a return
    ]
    types = {e.event_type for e in group(mentions)}
    assert types == {"meeting", "return"}


def test_reports_settle_on_the_main_event_other_reports_share():
    """c leads with a protest and names the meeting once, in its body; the meeting, which a and b
    are about, is also c's main event."""
    mentions = [
        m("a", 0, date="2031-02-22", places=LIND, people=KR),
        m("b", 0, date="2031-02-22", places=LIND, people=KR),
        m("c", 0, type="protest", date="2031-02-21", places=("g_vesk",)),
        m("c", 4, date="2031-02-22", places=LIND, people=KR),
    ]
    meeting = next(e for e in group(mentions) if e.event_type == "meeting")
    assert meeting.main_articles == ["a", "b", "c"]


def _ids_all_pairs(events, previous):
    """The id rule stated plainly (every previous event against every new one): the reference
    for grouping._assign_ids, which only compares events that share a mention."""
    owner = {}
    for p in previous:
        overlaps = [(len(set(p.mention_keys) & set(e.mention_keys)), k) for k, e in enumerate(events)]
        overlap, k = max(overlaps, default=(0, -1), key=lambda ok: (ok[0], -ok[1]))
        if overlap:
            owner[p.event_id] = (k, overlap)
    heirs = {}
    for old_id, (k, overlap) in owner.items():
        heirs.setdefault(k, []).append((overlap, old_id))
    out = []
    for k, e in enumerate(events):
        if k in heirs:
            out.append(sorted(heirs[k], key=lambda oi: (-oi[0], oi[1]))[0][1])
        else:
            out.append(["split:" + p.event_id for p in previous if set(p.mention_keys) & set(e.mention_keys)])
    return out


def test_ids_follow_the_most_shared_previous_event_on_random_regroupings():
    import random

    rng = random.Random(7)
    keys = [f"a{n // 5}:{n % 5}:{10 * n}:{10 * n + 4}" for n in range(60)]
    for _ in range(30):
        def partition(prefix):
            shuffled = keys[:]
            rng.shuffle(shuffled)
            cuts = sorted(rng.sample(range(1, len(keys)), rng.randint(3, 20)))
            parts = [shuffled[i:j] for i, j in zip([0, *cuts], [*cuts, len(keys)])]
            return [Event(event_id=f"{prefix}{n}", event_type="meeting", title="", date_value=None,
                          date_precision=None, date_confidence=0.0, place_id=None, participant_ids=[],
                          main_articles=[], mentioning_articles=[], key_sentences=[], mention_keys=part)
                    for n, part in enumerate(parts)]

        previous = partition("ev_old")[: rng.randint(0, 12)]
        events = partition("")
        expected = _ids_all_pairs(events, previous)
        grouping._assign_ids(events, previous)
        for e, want in zip(events, expected):
            if isinstance(want, str):
                assert e.event_id == want
            else:
                assert e.merged_from == want and e.event_id not in {p.event_id for p in previous}


def _event_ids_with_a_set(id_inputs, overlaps, previous):  # type: ignore[no-untyped-def]
    """_event_ids as it was, with a set of every id taken: the reference for the compact one."""
    from collections import defaultdict

    position = {event_id: n for n, event_id in enumerate(previous.ids)}
    owner, sharing = {}, {}
    for k, shared in enumerate(overlaps()):
        known = [(old_id, n) for old_id, n in shared if old_id in position]
        for old_id, n in known:
            if owner.get(old_id) is None or n > owner[old_id][1]:
                owner[old_id] = (k, n)
        if known:
            sharing[k] = sorted((old_id for old_id, _ in known), key=position.__getitem__)
    inherited = defaultdict(list)
    for old_id, (k, overlap) in owner.items():
        inherited[k].append((overlap, old_id))
    taken, ids, merged = set(), [], {}
    for k, (event_type, article_id, sentence_index) in enumerate(id_inputs()):
        heirs = sorted(inherited.get(k, []), key=lambda oi: (-oi[0], oi[1]))
        if heirs:
            event_id = heirs[0][1]
            history = list(previous.merged_from.get(event_id, []))
            for _, old_id in heirs[1:]:
                history += [old_id, *previous.merged_from.get(old_id, [])]
            merged_from = list(dict.fromkeys(history))
        else:
            family = grouping.event_family(event_type)
            event_id, salt = grouping._stable_id(family, article_id, sentence_index), 0
            while event_id in taken or event_id in position:
                salt += 1
                event_id = grouping._stable_id(family, article_id, sentence_index, str(salt))
            merged_from = [f"split:{old_id}" for old_id in sharing.get(k, [])]
        taken.add(event_id)
        ids.append(event_id)
        if merged_from:
            merged[k] = merged_from
    return ids, merged


def test_event_ids_kept_as_numbers_are_those_of_a_set_of_every_id() -> None:
    """Fresh ids founded in one sentence are salted in creation order, around previous ids (some
    of them fresh-looking ids of this build, some not) and ids inherited; ids are kept as 8-byte
    codes (EventIds), the same strings as with a set of every id taken."""
    import random

    rng = random.Random(5)
    inputs = [(rng.choice(["meeting", "talks", "loan", "arrest"]), f"a{rng.randrange(6)}", rng.randrange(3))
              for _ in range(400)]
    fresh = grouping._stable_id
    previous_ids = [fresh("meeting", "a1", 0), fresh("meeting", "a2", 1, "1"), "e_old", fresh("loan", "a3", 2), "x"]
    previous = grouping.PreviousEvents(previous_ids, {"e_old": ["e_older"], "x": ["split:y"]})
    shares = {3: (("e_old", 2), ("x", 1)), 7: (("x", 3),), 50: ((previous_ids[0], 1),), 51: ((previous_ids[0], 1),)}

    def overlaps():  # type: ignore[no-untyped-def]
        return (shares.get(k, ()) for k in range(len(inputs)))

    for prev in (previous, grouping.PreviousEvents([], {})):
        expected_ids, expected_merged = _event_ids_with_a_set(lambda: iter(inputs), overlaps, prev)
        ids, merged = grouping._event_ids(lambda: iter(inputs), overlaps, prev)
        assert [ids[k] for k in range(len(ids))] == expected_ids and merged == expected_merged
        assert len(set(expected_ids)) == len(expected_ids) and any(i.startswith("ev_") for i in expected_ids)
    salted = sum(fresh(grouping.event_family(t), a, s) != i for (t, a, s), i in zip(inputs, expected_ids))
    assert salted > 100  # most inputs share a sentence with an earlier event
