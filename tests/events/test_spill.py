"""The build's spill of usable mentions (storyline.events.spill.MentionSpill)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from storyline.events import spill as spill_module
from storyline.events.model import EventMention
from storyline.events.spill import MentionSpill


def _mentions(n: int, article: str = "a") -> list[EventMention]:
    out = []
    for k in range(n):
        m = EventMention(article_id=f"{article}{k // 4}", sentence_index=k % 4, start=10 * k, end=10 * k + 4,
                         trigger="met", event_type="meeting", date_value="2021-02-22", date_source="explicit",
                         place_id="g1", place_ids=["g1", "g2"], participant_ids=["p1"], antecedent=None)
        out.append(replace(m, names={"p1": 0.5, f"n{k}": 1.0}, lead=k % 2 == 0, site_ids=frozenset({"g2"}),
                           weight=float(k % 3 + 1)))
    return out


def test_spill_gives_back_the_mentions_in_order_by_position_and_their_fields(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(spill_module, "READ_CHUNK", 7)  # several chunks
    monkeypatch.setattr(spill_module, "_IN_LIST", 3)  # several IN lists
    first, second = _mentions(10, "a"), _mentions(13, "b")
    with MentionSpill(tmp_path) as spill:
        spill.add(first, {"a0": "2021-02-23T10:00:00", "a1": None})
        spill.add(second, {"b0": "2021-03-01"})
        assert len(spill) == 23
        everything = first + second
        got = list(spill)
        assert got == everything
        # fields that do not take part in == travel too (grouping reads them)
        assert [(m.names, m.lead, m.site_ids, m.weight) for m in got] == \
               [(m.names, m.lead, m.site_ids, m.weight) for m in everything]
        positions = [22, 0, 5, 5, 13]
        assert spill(positions) == [everything[i] for i in positions]
        assert spill.locations(positions) == [(everything[i].article_id, everything[i].start, everything[i].end)
                                              for i in positions]
        assert spill.published(["a0", "a1", "b0", "zz"]) == {"a0": "2021-02-23", "b0": "2021-03-01"}
        assert list(spill) == everything  # iterating again starts over
        with pytest.raises(IndexError):
            spill([23])
        # The file has no name left while in use: nothing stays behind, even if the build is killed.
        assert spill.path.parent == tmp_path and list(tmp_path.iterdir()) == []
    spill.close()  # closing twice is harmless
    with pytest.raises(ValueError):
        list(spill)


def test_a_shared_spill_is_read_by_another_connection_and_names_its_entities(tmp_path: Path) -> None:
    """A shared spill (the build's worker processes read it) keeps its name until it is closed;
    a reader opened by path gives the same mentions; ``named`` gives the entities the mentions
    name (places and participants) without unpickling them."""
    mentions = _mentions(6)
    mentions[5] = replace(mentions[5], place_ids=[], place_id="g9", participant_ids=["p7", "p1"])
    with MentionSpill(tmp_path, shared=True) as spill:
        spill.add(mentions)
        assert spill.path.exists()
        reader = MentionSpill.reader(spill.path)
        try:
            assert len(reader) == 6 and reader([5, 0]) == [mentions[5], mentions[0]]
            assert reader.locations([1]) == spill.locations([1])
        finally:
            reader.close()
        assert spill.path.exists()  # a reader's close leaves the file
        assert spill.named([0, 1]) == {"g1", "g2", "p1"}
        assert spill.named([5]) == {"g9", "p1", "p7"}
    assert list(tmp_path.iterdir()) == []  # unlinked when closed


def test_a_shared_spill_left_by_a_killed_build_is_removed_by_the_next(tmp_path: Path) -> None:
    """A killed build leaves its shared spill (the name is kept for the workers): the next build's
    shared spill in that directory removes the files of processes that are gone, and keeps those
    of a build still running and any other file."""
    import subprocess
    import sys

    from storyline.events.spill import SHARED_PREFIX, remove_stale_spills

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    dead = tmp_path / f"{SHARED_PREFIX}{int(gone.stdout)}-abc.sqlite"
    running = tmp_path / f"{SHARED_PREFIX}{os.getppid()}-def.sqlite"  # the test runner's parent: alive
    other = tmp_path / "storyline-events-xyz.sqlite"
    for path in (dead, running, other):
        path.write_bytes(b"")
    assert remove_stale_spills(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([running.name, other.name])
    dead.write_bytes(b"")
    with MentionSpill(tmp_path, shared=True) as spill:
        assert spill.path.name.startswith(f"{SHARED_PREFIX}{os.getpid()}-")
        assert not dead.exists() and running.exists()
    assert not spill.path.exists()


def test_mentions_loaded_together_share_their_strings(tmp_path: Path) -> None:
    """A reduce task loads a component's mentions at once: equal strings (article ids, types,
    entity ids, the names around them) are one object, not a copy per mention (half the bytes
    of a loaded mention); the mentions are the same."""
    mentions = [replace(m, article_id="article-with-a-long-id", names={"entity-named-around": 0.5})
                for m in _mentions(3)]
    with MentionSpill(tmp_path) as spill:
        spill.add(mentions)
        first, second, third = spill([0, 1, 2])
        assert [first, second, third] == mentions and [m.names for m in (first, second)] == [m.names for m in mentions[:2]]
        assert first.article_id is second.article_id is third.article_id
        assert first.place_ids[1] is second.place_ids[1] and first.site_ids is second.site_ids
        assert next(iter(first.names)) is next(iter(second.names)) and first.names is not second.names
        assert first.place_ids is not second.place_ids  # lists and dicts stay each mention's own


def test_spill_in_the_system_temp_dir_leaves_no_file() -> None:
    spill = MentionSpill()
    spill.add(_mentions(2))
    assert not spill.path.exists() and spill([1]) == _mentions(2)[1:]
    spill.close()


def test_a_killed_build_leaves_no_spill_file(tmp_path: Path) -> None:
    """The process holding a spill dies without closing it: its directory stays empty."""
    import subprocess
    import sys

    code = ("import os, sys; from storyline.events.spill import MentionSpill; "
            f"s = MentionSpill({str(tmp_path)!r}); print(len(os.listdir({str(tmp_path)!r}))); os._exit(9)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 9 and done.stdout.strip() == "0", done.stderr
    assert list(tmp_path.iterdir()) == []


def _summary(article_ids: list[str], rank: tuple, keys: list[str], event_type: str = "meeting", previous=()):
    from array import array

    from storyline.events import grouping
    from storyline.events.model import Event

    event = Event(event_id="", event_type=event_type, title="t", date_value=None, date_precision="unknown",
                  date_confidence=0.0, place_id=None, participant_ids=[], main_articles=[], mentioning_articles=[],
                  key_sentences=[], mention_keys=keys)
    # (first sentence, start), preview (the second article of a summary), key sentence (rank, index)
    ints = array("q", [v for j in range(len(article_ids)) for v in (j, 10 * j, int(j == 1), 1, j)])
    return grouping.ClusterSummary(rank, event, tuple(article_ids), array("d", [1.5] * len(article_ids)), ints,
                                   dated=True, places=False, participants=True, previous=previous)


def test_summary_spill_orders_by_rank_and_by_first_mention(tmp_path: Path) -> None:
    from storyline.events.spill import SummarySpill

    with SummarySpill(tmp_path) as spill:
        spill.add([_summary(["b", "a"], ((1, 0, "b", 2, 5), 9), ["b:2:5:9", "a:7:1:4"], previous=(("ev_1", 2),)),
                   _summary(["a"], ((0, -5, "a", 3, 0), 4), ["a:3:0:3"], "loan")])
        spill.add([_summary(["c"], ((1, 0, "b", 2, 5), 2), ["c:0:0:2"])])
        assert len(spill) == 3 and list(tmp_path.iterdir()) == []
        assert list(spill.rank_order()) == [1, 2, 0]  # by rank, the position breaking the tie
        assert list(spill.id_inputs()) == [("loan", "a", 3), ("meeting", "c", 0), ("meeting", "a", 7)]
        assert list(spill.previous_overlaps()) == [(), (), (("ev_1", 2),)]
        assert [(sid, e.mention_keys[0]) for sid, e, _ in spill.events_in_final_order()] == \
               [(1, "a:3:0:3"), (0, "b:2:5:9"), (2, "c:0:0:2")]
        # roles: (article index, key sentence) per article of each summary, in its order
        assert [list(roles) for _, _, roles in spill.events_in_final_order()] == [[1, 0], [0, 0, 1, 1], [2, 0]]
        # role figures: one row per (summary, article) on disk, articles numbered as first seen
        assert spill.article_ids == ["b", "a", "c"] and list(spill.sizes) == [2, 1, 1] and list(spill.flags) == [5, 5, 5]
        assert list(spill.pairs_by_article()) == [(0, [(0, 1.5, 0, 0)]), (1, [(0, 1.5, 1, 10), (1, 1.5, 0, 0)]),
                                                  (2, [(2, 1.5, 0, 0)])]
        assert list(spill.previews()) == [(1, 0)]  # "a" in the first summary only previews it
    with pytest.raises(ValueError):
        spill.rank_order()


def test_the_event_spill_gives_events_by_position_article_and_date(tmp_path: Path) -> None:
    """EventSpill: events in the order added (without their mention keys, with their numbers),
    a chunk's view of those naming some articles and of those of a family on a date; written in
    batches, read at any time; nothing left on disk."""
    from storyline.events.model import Event
    from storyline.events.spill import EventSpill

    def ev(k: int) -> Event:
        return Event(f"ev_{k:03d}", "meeting" if k % 3 else "talks", f"t{k}", f"2021-01-{k % 5 + 1:02d}" if k % 4 else None,
                     "day", 1.0, None, [], [f"a{k % 7}"], [f"a{(k + 1) % 7}", f"a{k % 7}"], [], [f"a{k % 7}:0:{k}:{k + 3}"] * (k % 3 + 1))

    events = [ev(k) for k in range(2_345)]
    with EventSpill(tmp_path) as spill:
        for e in events[:1_500]:
            spill.add(e)
        assert spill[3].event_id == "ev_003"  # read while more are pending
        for e in events[1_500:]:
            spill.add(e)
        assert list(tmp_path.iterdir()) == []
        assert len(spill) == len(events) and spill[-1].event_id == "ev_2344" and spill[5:7][1].event_id == "ev_006"
        assert [e.event_id for e in spill] == [e.event_id for e in events]
        assert all(e.mention_keys == [] for e in spill)
        assert spill[10].main_articles == events[10].main_articles and spill[10].title == "t10"
        assert spill.mention_counts["ev_010"] == 2 and len(spill.mention_counts) == len(events)
        # the counts ride along with the events, in order
        assert [(e.event_id, n) for e, n in spill.counted()] == [(e.event_id, len(e.mention_keys)) for e in events]
        with pytest.raises(IndexError):
            spill[len(events)]
        # a chunk's view: the same events, their article lists cut to the chunk's (in their order)
        spill.replace(8, replace(events[8], title="re-dated", date_value="2021-01-03"))
        chunk = spill.of_chunk(["a2", "a0"])

        def cut(e: Event) -> tuple:
            return (e.event_id, e.title, e.date_value, [a for a in e.main_articles if a in ("a2", "a0")],
                    [a for a in e.mentioning_articles if a in ("a2", "a0")])

        whole = list(spill)
        assert [e.event_id for e in chunk.events] == [
            e.event_id for e in events if {"a2", "a0"} & {*e.main_articles, *e.mentioning_articles}]
        assert [cut(e) for e in chunk.events] == [cut(e) for e in whole if {"a2", "a0"} & {*e.main_articles, *e.mentioning_articles}]
        assert all(e.key_sentences == [] for e in chunk.events)
        assert [cut(e) for e in chunk.on_date("meeting", "2021-01-03")] == [
            cut(e) for e in whole if e.date_value == "2021-01-03"]
        assert "re-dated" in [e.title for e in chunk.on_date("meeting", "2021-01-03")]
        # "talks" is of the meeting family: one family, a date (or none)
        assert [e.event_id for e in spill.of_chunk([]).on_date("meeting", None)] == [
            e.event_id for e in whole if e.date_value is None]
    with pytest.raises(ValueError):
        spill.of_chunk(["a1"])


def test_the_story_spill_keeps_name_counts_profiles_postings_and_members(tmp_path: Path, monkeypatch) -> None:
    """StorySpill: articles numbered as added (an id added again keeps its number and takes the
    new counts, as a dict would), ids never added numbered on request; counts and profiles come
    back to the last bit; postings are a set; stories come back in the order asked for, with
    their lead's title, events in order and articles sorted; nothing left on disk."""
    from array import array

    from storyline.events.spill import StorySpill

    monkeypatch.setattr(spill_module, "_IN_LIST", 3)  # several IN lists
    monkeypatch.setattr(spill_module, "READ_CHUNK", 2)  # several pages of article ids
    third = 1 / 3  # a float whose every bit counts
    with StorySpill(tmp_path) as spill:
        assert spill.codes(["p_b", "é", "p_a", "p_b"]) == ({"p_a": 0, "p_b": 1, "é": 2}, ["p_a", "p_b", "é"])
        assert spill.codes(["p_c", "p_b"]) == ({"p_b": 1, "p_c": 3}, ["p_c"])
        assert list(spill.ranks()) == [0, 1, 3, 2]  # p_a p_b p_c é, as Python sorts them
        spill.add_article("b", array("i", [4, 2]), array("d", [3.0, third]))
        spill.add_article("a", array("i"), array("d"))
        spill.add_article("c", array("i", [7]), array("d", [1.0]))
        spill.add_article("b", array("i", [5]), array("d", [2.0]))  # again: new counts, same number
        assert list(tmp_path.iterdir()) == []
        assert len(spill) == 3 and spill.last_index() == 3
        assert spill.indexes(["c", "x", "b"]) == {"c": 3, "b": 1}
        assert spill.indexes(["x", "c", "y", "x"], create=True) == {"c": 3, "x": 4, "y": 5}
        assert spill.last_index() == 5 and len(spill) == 5
        names = spill.names_of([1, 3, 4])
        assert {k: (list(c), list(w)) for k, (c, w) in names.items()} == {1: ([5], [2.0]), 3: ([7], [1.0]), 4: ([], [])}
        assert [(i, a, list(c)) for i, a, c, _ in spill.iter_articles(3)] == [(1, "b", [5]), (2, "a", []), (3, "c", [7])]
        assert [row for page in spill.article_ids() for row in page] == [(1, "b"), (2, "a"), (3, "c"), (4, "x"),
                                                                          (5, "y")]

        spill.put_profile(0, {4: third, 2: 1e-300}, b"top0")
        spill.put_profile(1, {9: 2.5}, b"top1")
        assert spill.profile(0) == {4: third, 2: 1e-300} and spill.top(1) == b"top1"
        spill.drop_profile(1)
        assert spill.profile(1) == {} and spill.top(1) == b""

        assert spill.post(4, 0) and spill.post(4, 1) and spill.post(2, 1) and not spill.post(4, 0)
        assert spill.posted([4]) == {0, 1} and spill.posted([2, 4, 8]) == {0, 1} and spill.posted([8]) == set()

        # stories 7 and 3: 7's lead has most articles about it, 3's ties on articles (the most
        # mentioned leads) and then on mentions (the first leads)
        spill.add_members(events=[(7, 0, "ev_c", 1, 5, "c"), (3, 1, "ev_b", 2, 1, "b"), (7, 2, "ev_a", 2, 1, "a"),
                                  (3, 3, "ev_d", 2, 4, "d"), (3, 4, "ev_e", 2, 4, "e")])
        spill.add_members(articles=[(3, "z"), (7, "m"), (3, "k"), (9, "n")])  # unit 9 has no events: no story
        got = list(spill.stories(lambda root, seed: ("2021" if root == 7 else "9999", f"st_{seed}")))
        assert got == [(7, "st_ev_a", "a", ["ev_c", "ev_a"], ["m"]), (3, "st_ev_b", "d", ["ev_b", "ev_d", "ev_e"],
                                                                      ["k", "z"])]
    with pytest.raises(ValueError):
        spill.indexes(["a"])
