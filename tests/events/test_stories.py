"""Stories: events of one real-world story together (storyline.events.stories)."""

from __future__ import annotations

from storyline.events.model import Event, mention_key
from storyline.events.stories import group_stories
from storyline.records import AnnotatedArticle, Entity, EntityMention, Sentence

ENTITIES = {
    "p_kallen": Entity("p_kallen", "PERSON", "Arvo Kallen"),
    "p_restin": Entity("p_restin", "PERSON", "Bodo Restin"),
    "p_vell": Entity("p_vell", "PERSON", "Tomas Vell"),
    "p_kallen_bare": Entity("p_kallen_bare", "PERSON", "Kallen"),  # a report that never gives his given name
    "g_lindhaven": Entity("g_lindhaven", "GPE", "Lindhaven"),
    "o_police": Entity("o_police", "ORG", "Lindhaven Police"),
}


def _article(article_id: str, names: list[str]) -> AnnotatedArticle:
    """An article of one sentence naming ``names`` (entity ids)."""
    text = "Something happened to " + ", ".join(ENTITIES[n].canonical for n in names) + "."
    mentions = [EntityMention(article_id, 0, 0, 1, ENTITIES[n].canonical, ENTITIES[n].label, n) for n in names]
    return AnnotatedArticle(article_id, text, None, None, None, "unknown", sentences=[Sentence(article_id, 0, 0,
                            len(text), text)], entities=mentions)


def _event(event_id: str, event_type: str, date_value: str | None, main: list[str],
           mentioning: list[str] = ()) -> Event:  # type: ignore[assignment]
    precision = {10: "day", 7: "month", 4: "year"}.get(len(date_value or ""), "unknown")
    if date_value and date_value.startswith("XXXX"):
        precision = "unknown-year"
    keys = [mention_key(a, 0, 5, 9) for a in [*main, *mentioning]]
    return Event(event_id, event_type, f"{event_type} {event_id}", date_value, precision, 1.0, None, [],
                 list(main), list(mentioning), [], keys)


def _story_of(stories, event_id: str) -> str:  # type: ignore[no-untyped-def]
    return next(s.story_id for s in stories if event_id in s.event_ids)


def _corpus(extra: int = 6) -> list[AnnotatedArticle]:
    # Other articles of the corpus, so that the names of the story are rare ones.
    return [_article(f"z{k}", ["g_lindhaven"]) for k in range(extra)]


def test_arrest_and_charges_of_one_man_are_one_story() -> None:
    articles = [_article("a1", ["p_kallen", "o_police"]), _article("a2", ["p_kallen", "g_lindhaven"]),
                _article("a3", ["p_kallen"]), *_corpus()]
    events = [_event("ev_arrest", "arrest", "2021-03-02", ["a1", "a2"]),
              _event("ev_charge", "charge", "2021-03-04", ["a3"])]
    stories = group_stories(events, articles, ENTITIES)
    assert len(stories) == 1
    story = stories[0]
    assert set(story.event_ids) == {"ev_arrest", "ev_charge"}
    assert story.article_ids == ["a1", "a2", "a3"]
    assert (story.date_from, story.date_to) == ("2021-03-02", "2021-03-04")
    assert story.title == "arrest ev_arrest"  # the event most of its articles are about


def test_same_people_a_year_apart_are_two_stories() -> None:
    # The 2020 and the 2021 meeting of the same two leaders in the same town: two stories.
    articles = [_article("a1", ["p_kallen", "p_restin"]), _article("a2", ["p_kallen", "p_restin"]), *_corpus()]
    events = [_event("ev_2020", "meeting", "2020-09-14", ["a1"]), _event("ev_2021", "meeting", "2021-02-22", ["a2"])]
    stories = group_stories(events, articles, ENTITIES)
    assert _story_of(stories, "ev_2020") != _story_of(stories, "ev_2021")


def test_year_less_day_far_from_a_dated_story_is_another_story() -> None:
    # "19 Oct" fits no year within the window of 4 Jan 2021.
    articles = [_article("a1", ["p_kallen", "p_restin"]), _article("a2", ["p_kallen", "p_restin"]), *_corpus()]
    events = [_event("ev_a", "injury", "XXXX-10-19", ["a1"]), _event("ev_b", "injury", "2021-01-04", ["a2"])]
    stories = group_stories(events, articles, ENTITIES)
    assert _story_of(stories, "ev_a") != _story_of(stories, "ev_b")
    near = [_event("ev_a", "injury", "XXXX-12-28", ["a1"]), _event("ev_b", "injury", "2021-01-04", ["a2"])]
    stories = group_stories(near, articles, ENTITIES)
    assert _story_of(stories, "ev_a") == _story_of(stories, "ev_b")


def test_different_people_are_different_stories() -> None:
    articles = [_article("a1", ["p_kallen"]), _article("a2", ["p_kallen"]), _article("a3", ["p_vell"]),
                _article("a4", ["p_vell"]), *_corpus()]
    events = [_event("ev_k", "arrest", None, ["a1", "a2"]), _event("ev_v", "arrest", None, ["a3", "a4"])]
    stories = group_stories(events, articles, ENTITIES)
    assert _story_of(stories, "ev_k") != _story_of(stories, "ev_v")


def test_event_mentioned_in_passing_joins_the_story_of_its_articles() -> None:
    articles = [_article("a1", ["p_kallen"]), _article("a2", ["p_kallen"]), *_corpus()]
    events = [_event("ev_main", "arrest", None, ["a1", "a2"]),
              _event("ev_old", "conviction", "2015", [], mentioning=["a1", "a2"])]
    stories = group_stories(events, articles, ENTITIES)
    assert len(stories) == 1 and set(stories[0].event_ids) == {"ev_main", "ev_old"}
    assert stories[0].date_from is None  # the old conviction does not date the story


def test_every_event_is_in_exactly_one_story_and_ids_are_stable() -> None:
    articles = [_article("a1", ["p_kallen"]), _article("a2", ["p_vell"]), *_corpus()]
    events = [_event("ev_1", "arrest", None, ["a1"]), _event("ev_2", "fire", None, ["a2"]),
              _event("ev_3", "fire", None, [])]
    first = group_stories(events, articles, ENTITIES)
    assert sorted(e for s in first for e in s.event_ids) == ["ev_1", "ev_2", "ev_3"]
    assert [s.story_id for s in group_stories(events, articles, ENTITIES)] == [s.story_id for s in first]


def test_build_stores_stories_of_every_event(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A build writes stories and story_events: every event in exactly one story; the CLI lists them."""
    import json
    from pathlib import Path

    from typer.testing import CliRunner

    from storyline.cli import app
    from storyline.pipeline import build
    from storyline.store.sqlite import Store

    corpus = Path(__file__).resolve().parents[2] / "examples" / "corpus"
    db = tmp_path / "ex.db"
    build([str(corpus)], db)
    with Store(db, read_only=True) as store:
        events = {r[0] for r in store.conn.execute("SELECT event_id FROM events")}
        members = store.conn.execute("SELECT event_id, story_id FROM story_events").fetchall()
        stories = {r["story_id"]: json.loads(r["event_ids"]) for r in store.conn.execute("SELECT * FROM stories")}
    assert events and {e for e, _ in members} == events and len(members) == len(events)
    assert sorted(e for ids in stories.values() for e in ids) == sorted(events)
    assert all(stories[s] and e in stories[s] for e, s in members)
    result = CliRunner().invoke(app, ["stories", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    assert {s["story_id"] for s in json.loads(result.output)} == set(stories)
    event_id = next(iter(events))
    shown = CliRunner().invoke(app, ["event", event_id, "--db", str(db), "--json"])
    assert json.loads(shown.output)["story"]["story_id"] in stories


def test_arrests_of_two_people_are_two_stories_unless_on_the_same_days() -> None:
    # Two players of one club arrested a month apart: their coach and the police are in all of
    # their reports, but the arrested men differ.
    articles = [_article(a, [player, "p_restin", "o_police"])
                for a, player in (("a1", "p_kallen"), ("a2", "p_kallen"), ("a3", "p_vell"), ("a4", "p_vell"))]
    articles += _corpus()

    def arrests(date_k: str, date_v: str) -> list[Event]:
        kallen, vell = _event("ev_k", "arrest", date_k, ["a1", "a2"]), _event("ev_v", "arrest", date_v, ["a3", "a4"])
        kallen.participant_ids, vell.participant_ids = ["p_kallen"], ["p_vell"]
        return [kallen, vell]

    stories = group_stories(arrests("2021-03-02", "2021-04-01"), articles, ENTITIES)
    assert _story_of(stories, "ev_k") != _story_of(stories, "ev_v")
    # The same without people on the events: one story (the shared names decide).
    unnamed = arrests("2021-03-02", "2021-04-01")
    for event in unnamed:
        event.participant_ids = []
    stories = group_stories(unnamed, articles, ENTITIES)
    assert _story_of(stories, "ev_k") == _story_of(stories, "ev_v")
    # Arrested in one raid, a day apart: one story.
    together = arrests("2021-03-02", "2021-03-03")
    stories = group_stories(together, articles, ENTITIES)
    assert _story_of(stories, "ev_k") == _story_of(stories, "ev_v")


def test_a_bare_surname_may_be_the_same_arrested_man() -> None:
    # One report names only "Kallen", the others "Arvo Kallen": entity resolution may leave them
    # two entities, but they may be one man, so the two units do not clash (their names decide).
    articles = [_article(a, [player, "p_restin", "o_police"])
                for a, player in (("a1", "p_kallen"), ("a2", "p_kallen"), ("a3", "p_kallen_bare"), ("a4", "p_kallen_bare"))]
    articles += _corpus()
    full, bare = _event("ev_k", "arrest", "2021-03-02", ["a1", "a2"]), _event("ev_b", "arrest", None, ["a3", "a4"])
    full.participant_ids, bare.participant_ids = ["p_kallen"], ["p_kallen_bare"]
    stories = group_stories([full, bare], articles, ENTITIES)
    assert _story_of(stories, "ev_k") == _story_of(stories, "ev_b")
    # Two full names with one surname are two people.
    other = Entity("p_kallen_other", "PERSON", "Maja Kallen")
    bare.participant_ids = ["p_kallen_other"]
    articles = [_article(a, [p, "p_restin", "o_police"]) for a, p in (("a1", "p_kallen"), ("a2", "p_kallen"))]
    articles += [_article(a, ["p_restin", "o_police"]) for a in ("a3", "a4")] + _corpus()
    stories = group_stories([full, bare], articles, {**ENTITIES, other.entity_id: other})
    assert _story_of(stories, "ev_k") != _story_of(stories, "ev_b")


def test_events_without_their_mention_keys_and_their_counts_give_the_same_stories() -> None:
    """A build keeps its events without mention keys (stored already) and their numbers: the
    story's title is still that of the most mentioned of the events its articles are about."""
    from dataclasses import replace

    articles = [_article("a1", ["p_kallen"]), _article("a2", ["p_kallen"]), *_corpus()]
    events = [_event("ev_a", "arrest", "2021-03-02", ["a1"]), _event("ev_b", "charge", "2021-03-03", ["a2"])]
    events[1].mention_keys.append(mention_key("a2", 1, 20, 26))  # ev_b is mentioned more: its title leads
    full = group_stories(events, articles, ENTITIES)
    slim = [replace(e, mention_keys=[]) for e in events]
    assert group_stories(slim, articles, ENTITIES, {e.event_id: len(e.mention_keys) for e in events}) == full
    assert len(full) == 1 and full[0].title == "charge ev_b"
    assert group_stories(slim, articles, ENTITIES)[0].title == "arrest ev_a"  # without the counts: a tie, the first


def _filler(prefix: str, n: int) -> dict[str, Entity]:
    return {f"{prefix}{k}": Entity(f"{prefix}{k}", "ORG", f"Orvel Works {prefix}{k}") for k in range(n)}


def test_a_lone_report_naming_the_storys_person_joins_it() -> None:
    # Two reports of Kallen's death name him, Restin, Vell, the police and more; a third names
    # Kallen among many names of its own (too few shared names for STORY_SIMILARITY), and joins
    # them. A lone report that shares only an organisation, or whose event is of another kind
    # (by its frame), does not.
    entities = {**ENTITIES, **_filler("s", 10), **_filler("f", 25)}

    def article(article_id: str, names: list[str]) -> AnnotatedArticle:
        mentions = [EntityMention(article_id, 0, 0, 1, entities[n].canonical, entities[n].label, n) for n in names]
        text = "Something happened."
        return AnnotatedArticle(article_id, text, None, None, None, "unknown",
                                sentences=[Sentence(article_id, 0, 0, len(text), text)], entities=mentions)

    own = [f"f{k}" for k in range(25)]
    named = ["p_kallen", "p_restin", "p_vell", "o_police", *(f"s{k}" for k in range(10))]
    story = [article("a1", named), article("a2", named)]
    corpus = [article(f"z{k}", ["g_lindhaven"]) for k in range(6)]
    events = [_event("ev_death", "death", None, ["a1", "a2"]), _event("ev_lone", "death", None, ["a3"])]

    joined = group_stories(events, [*story, article("a3", ["p_kallen", "p_kallen", *own]), *corpus], entities)
    assert _story_of(joined, "ev_lone") == _story_of(joined, "ev_death")

    org_only = group_stories(events, [*story, article("a3", ["o_police", "o_police", *own]), *corpus], entities)
    assert _story_of(org_only, "ev_lone") != _story_of(org_only, "ev_death")

    other_kind = [events[0], _event("ev_lone", "fire", None, ["a3"])]
    apart = group_stories(other_kind, [*story, article("a3", ["p_kallen", "p_kallen", *own]), *corpus], entities)
    assert _story_of(apart, "ev_lone") != _story_of(apart, "ev_death")


def test_stories_of_events_on_disk_are_those_of_the_events_in_memory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A build reads its events back from an EventSpill (in the order written, without their
    mention keys, with their numbers): the same stories as from the list of events."""
    from storyline.events.spill import EventSpill

    articles = [_article("a1", ["p_kallen"]), _article("a2", ["p_kallen"]), _article("a3", ["p_restin", "p_vell"]),
                _article("a4", ["p_vell"]), *_corpus()]
    events = [_event("ev_a", "arrest", "2021-03-02", ["a1"]), _event("ev_b", "charge", "2021-03-03", ["a2"]),
              _event("ev_c", "meeting", "2022-05-01", ["a3"], ["a4"]), _event("ev_d", "death", None, [], ["a4"]),
              _event("ev_e", "fire", "XXXX-10-19", ["a4"])]
    events[1].mention_keys.append(mention_key("a2", 1, 20, 26))
    expected = group_stories(events, articles, ENTITIES)
    assert len(expected) > 1
    with EventSpill(tmp_path) as spill:
        for e in events:
            spill.add(e)
        assert len(spill) == len(events) and [e.event_id for e in spill] == [e.event_id for e in events]
        assert spill[1].mention_keys == [] and dict(spill.mention_counts) == {"ev_a": 1, "ev_b": 2, "ev_c": 2,
                                                                                "ev_d": 1, "ev_e": 1}
        assert group_stories(spill, articles, ENTITIES, spill.mention_counts) == expected


def test_spilled_profiles_add_up_as_dicts_in_memory_and_keep_the_heaviest_names(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A unit's full profile lives in the StorySpill as int codes and float64 weights: merged
    units' profiles are the sums a dict in memory makes, to the last bit, and their heaviest
    names are those of the old in-memory _top (ties of weight by the entity's id, which the
    codes' ranks stand for)."""
    import random

    from storyline.events import stories
    from storyline.events.spill import StorySpill

    rng = random.Random(7)
    ids = [f"e{rng.randrange(10**6):06d}" for _ in range(80)]  # codes 0.. in an order unlike the ids'
    rank = [sorted(ids).index(e) for e in ids]
    profiles = [{rng.randrange(80): rng.choice([0.5, 1 / 3, rng.random(), 2.0]) for _ in range(rng.randrange(1, 45))}
                for _ in range(12)]
    with StorySpill(tmp_path) as spill:
        units = stories._Units(spill, rank)
        for profile in profiles:
            units.add(1, dict(profile))
        memory = [dict(p) for p in profiles]
        for u, v in [(0, 1), (2, 3), (0, 2), (5, 4), (0, 5), (6, 7)]:
            units.merge(u, v)
            for name, w in memory[v].items():  # as the in-memory unit did
                memory[u][name] = memory[u].get(name, 0.0) + w
            assert spill.profile(u) == memory[u]
        for u in range(len(profiles)):
            if units.alive[u]:
                by_id = sorted(memory[u].items(), key=lambda kv: (-kv[1], ids[kv[0]]))[: stories.TOP_NAMES]
                assert list(units.heaviest(u).items()) == by_id
        assert [units.live(u) for u in range(8)] == [0, 0, 0, 0, 0, 0, 6, 6]
        assert units.sizes[0] == 6 and units.version[0] == 3


def test_pair_keys_order_as_the_tuples_they_stand_for() -> None:
    import random

    from storyline.events.stories import _pair_key

    rng = random.Random(3)
    pairs = [(rng.choice([0.1, 0.5, 1.0, rng.uniform(0.1, 1.0)]), rng.randrange(2**31), rng.randrange(2**31))
             for _ in range(2_000)]
    assert sorted(pairs, key=lambda p: (-p[0], p[1], p[2])) == sorted(pairs, key=lambda p: _pair_key(*p))


def test_stories_are_the_same_whatever_is_read_back_from_disk(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With no unpacked profile kept (every one read from the spill), chunks of one event and a
    name posted under one unit at most, the same stories as the defaults give where those do not
    bind; an event's article that was never read is in its story, without names; an article
    read twice counts once, with its last names."""
    from storyline.events import stories

    articles = [_article("a1", ["p_kallen", "o_police"]), _article("a2", ["p_kallen", "g_lindhaven"]),
                _article("a3", ["p_kallen"]), _article("a4", ["p_restin", "p_vell"]), _article("a4", ["p_vell"]),
                _article("a5", ["p_vell", "p_restin"]), *_corpus()]
    events = [_event("ev_arrest", "arrest", "2021-03-02", ["a1", "a2", "a9"]),
              _event("ev_charge", "charge", "2021-03-04", ["a3"]), _event("ev_meet", "meeting", "2022-05-01", ["a4"]),
              _event("ev_talks", "meeting", "2022-05-02", ["a5"], ["a4"]), _event("ev_aside", "death", None, [], ["a5"])]
    expected = group_stories(events, articles, ENTITIES)
    arrest = next(s for s in expected if "ev_arrest" in s.event_ids)
    assert arrest.article_ids == ["a1", "a2", "a3", "a9"]
    assert len(expected) == 2 and _story_of(expected, "ev_aside") == _story_of(expected, "ev_talks")
    monkeypatch.setattr(stories, "PROFILE_CACHE", 1)
    monkeypatch.setattr(stories, "EVENT_CHUNK", 1)
    assert group_stories(events, articles, ENTITIES, directory=tmp_path) == expected
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(stories, "MAX_POSTING", 1)  # every name of the story is posted under 2 units or more
    apart = group_stories(events, articles, ENTITIES)
    assert len(apart) == 4 and _story_of(apart, "ev_aside") == _story_of(apart, "ev_talks")
