"""The candidate index finds every cluster a plain key index would that ``_score`` may accept,
and grouping with it makes the clusters it would make with plain key blocks."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace

import numpy as np
import pytest

from storyline.events import candidates, grouping
from storyline.events.candidates import CandidateIndex
from storyline.events.model import DateParts, EventMention

VECTOR = np.ones(2, dtype=np.float32)


def _date(rng: random.Random) -> tuple[str | None, str]:
    """A date value and source over a few years, months and days, so that many dates meet."""
    kind = rng.choice(["day", "day", "month", "year", "yearless-day", "yearless-month", "publication", "none"])
    year, month, day = rng.choice([2019, 2020, 2021]), rng.choice([1, 2, 12]), rng.choice([1, 2, 29, 31])
    if kind == "none":
        return None, "none"
    if kind == "publication":
        return f"{year}-{month:02d}-{min(day, 28):02d}", "publication"
    value = {"day": f"{year}-{month:02d}-{day:02d}", "month": f"{year}-{month:02d}", "year": f"{year}",
             "yearless-day": f"XXXX-{month:02d}-{day:02d}", "yearless-month": f"XXXX-{month:02d}"}[kind]
    return value, rng.choice(["explicit", "context"])


def _mention(rng: random.Random, k: int) -> EventMention:
    value, source = _date(rng)
    places = rng.sample(["g1", "g2", "g3", "f1"], rng.randrange(3))
    return EventMention(
        article_id=f"a{rng.randrange(6)}", sentence_index=k, start=k, end=k + 1, trigger="met",
        event_type=rng.choice(["meeting", "meeting", "loan"]), date_value=value, date_source=source,
        place_ids=places, site_ids=frozenset(p for p in places if p.startswith("f")),  # f1: a building
        participant_ids=rng.sample(["p1", "p2", "p3"], rng.randrange(2)),
        status=rng.choice(["happened", "scheduled"]),
    )


def _single(mention: EventMention) -> grouping._Cluster:
    cluster = grouping._Cluster(grouping.event_family(mention.event_type))
    cluster.add(0, mention, VECTOR)
    return cluster


def _may_join(a: grouping._Cluster, b: grouping._Cluster) -> bool:
    """``_score`` may accept the pair: it gives it a score (a link adds to it)."""
    return grouping._score(a, b, linked=True) is not None


# 0: every plain key's block is split by date; 3: blocks are split as they grow; 1000: none is.
@pytest.mark.parametrize("split_size", [0, 3, 1000])
def test_candidates_are_the_date_compatible_part_of_the_key_blocks(monkeypatch, split_size: int) -> None:
    monkeypatch.setattr(candidates, "SPLIT_SIZE", split_size)
    for seed in range(40):
        rng = random.Random(seed)
        clusters: list[grouping._Cluster] = []
        plain: dict[tuple, set[int]] = defaultdict(set)
        keys_now: dict[int, set[tuple]] = {}
        index = CandidateIndex()

        def register(c: int) -> None:
            keys_now[c] = clusters[c].keys()
            for key in keys_now[c]:
                plain[key].add(c)
            index.register(c, clusters[c])

        for k in range(60):
            mention = _mention(rng, k)
            probe = _single(mention)
            blocks = set().union(*(plain.get(key, set()) for key in probe.keys()))
            found = index.candidates(probe)
            fits = {c for c in blocks if _may_join(clusters[c], probe)}
            assert fits <= found <= blocks, (seed, k)
            # Grow the clusters as grouping does: join one of the block (its date may change), or found one.
            same_family = [c for c in sorted(blocks) if clusters[c].family == probe.family and clusters[c].alive]
            if same_family and rng.random() < 0.5:
                target = rng.choice(same_family)
                clusters[target].add(k, mention, VECTOR)
                register(target)
            else:
                clusters.append(probe)
                register(len(clusters) - 1)
            if rng.random() < 0.2 and len(same_family) >= 2:  # a merge: one cluster absorbs another
                a, b = rng.sample(same_family, 2)
                if clusters[a].alive and clusters[b].alive:
                    clusters[min(a, b)].absorb(clusters[max(a, b)])
                    register(min(a, b))
        for c, cluster in enumerate(clusters):  # clusters as probes, as in the merge pass
            blocks = set().union(*(plain.get(key, set()) for key in cluster.keys()))
            found = index.candidates(cluster)
            fits = {d for d in blocks if _may_join(cluster, clusters[d])}
            assert fits <= found <= blocks, (seed, c)
            # With c named: also the clusters whose own blocks hold c (through a key c had before).
            had = {key for key, members in plain.items() if c in members}
            blocks |= {d for d in keys_now if not keys_now[d].isdisjoint(had)}
            found = index.candidates(cluster, c)
            fits = {d for d in blocks if _may_join(cluster, clusters[d])}
            assert fits <= found <= blocks, (seed, c)


def test_a_shared_name_brings_only_the_clusters_of_fitting_dates() -> None:
    """Forty meetings of one person, one a year: a probe dated one day is scored against that
    year's meeting and the undated one only, not against every meeting the person had."""
    index = CandidateIndex()
    for k in range(41):
        date = f"{1980 + k}-03-04" if k < 40 else None
        cluster = _single(EventMention(article_id=f"a{k}", sentence_index=0, start=0, end=1, trigger="met",
                                       event_type="meeting", date_value=date, date_source="explicit",
                                       participant_ids=["p_lenn"]))
        index.register(k, cluster)
    probe = _single(EventMention(article_id="z", sentence_index=0, start=0, end=1, trigger="met",
                                 event_type="meeting", date_value="2001-03", date_source="explicit",
                                 participant_ids=["p_lenn"]))
    assert index.candidates(probe) == {21, 40}
    yearless = replace(probe, best=DateParts(None, 3, 5))  # a year-less day fits no year's 4 March
    assert index.candidates(yearless) == {40}


def test_a_publication_window_brings_only_the_days_in_it(monkeypatch) -> None:
    """A report of the past published on 20 March is scored against the meetings of its window's
    days (and the undated), not against a later one of that month."""
    monkeypatch.setattr(candidates, "SPLIT_SIZE", 0)  # split this small block too
    index = CandidateIndex()
    for k, date in enumerate(["2001-03-04", "2001-03-25", "2001-01-10", "XXXX-03-10", "XXXX-03-30", None]):
        index.register(k, _single(EventMention(
            article_id=f"a{k}", sentence_index=0, start=0, end=1, trigger="met", event_type="meeting",
            date_value=date, date_source="explicit" if date else "none", participant_ids=["p_lenn"])))
    probe = _single(EventMention(article_id="z", sentence_index=0, start=0, end=1, trigger="met",
                                 event_type="meeting", date_value="2001-03-20", date_source="publication",
                                 participant_ids=["p_lenn"], status="happened"))
    assert probe.bound is not None and probe.best is None
    assert index.candidates(probe) == {0, 3, 5}  # 10 January is before the 62 days' window


def test_a_town_brings_no_cluster_of_another_town_but_one_of_its_day(monkeypatch) -> None:
    """A meeting in one town is not scored against the person's meetings in other towns (they
    clash) unless one is of the same day, but is against those at only a building, at no place,
    and in its own town."""
    monkeypatch.setattr(candidates, "SPLIT_SIZE", 0)  # split this small block too
    index = CandidateIndex()
    for k, (date, places, sites) in enumerate([
        ("2001-03-04", ["g_osk"], []), ("2001-03-04", ["g_brel"], []), ("2001-03", ["g_brel"], []),
        ("2001-03-04", ["f_hall"], ["f_hall"]), ("2001-03-04", [], []), ("2001-03", ["g_tarn"], []),
    ]):
        index.register(k, _single(EventMention(
            article_id=f"a{k}", sentence_index=0, start=0, end=1, trigger="met", event_type="meeting",
            date_value=date, date_source="explicit", participant_ids=["p_lenn"], place_ids=places,
            site_ids=frozenset(sites))))
    probe = _single(EventMention(article_id="z", sentence_index=0, start=0, end=1, trigger="met",
                                 event_type="meeting", date_value="2001-03-04", date_source="explicit",
                                 participant_ids=["p_lenn"], place_ids=["g_tarn"]))
    assert index.candidates(probe) == {0, 1, 3, 4, 5}  # not 2: Brel in March, no day


class _PlainIndex:
    """Key blocks as they are, for comparison: every cluster ever registered under a key."""

    def __init__(self) -> None:
        self.blocks: dict[tuple, set[int]] = defaultdict(set)
        self.keys_now: dict[int, set[tuple]] = {}
        self.vectors = candidates.ClusterVectors()  # not filled: compared with no cut (no_cut)

    def register(self, c: int, cluster: grouping._Cluster) -> None:
        self.keys_now[c] = cluster.keys()
        for key in self.keys_now[c]:
            self.blocks[key].add(c)

    def unregister(self, c: int, cluster: grouping._Cluster) -> None:
        for members in self.blocks.values():
            members.discard(c)
        self.keys_now.pop(c, None)

    def candidates(self, probe: grouping._Cluster, c: int | None = None) -> set[int]:
        found = set().union(*(self.blocks.get(key, set()) for key in probe.keys()))
        if c is not None:  # and every cluster whose blocks hold c
            had = {key for key, members in self.blocks.items() if c in members}
            found |= {d for d, keys in self.keys_now.items() if not keys.isdisjoint(had)}
        return found


def _corpus(rng: random.Random, size: int) -> tuple[list[EventMention], np.ndarray]:
    """Random mentions (some referring back to an earlier one of their article) and vectors from a few directions."""
    mentions: list[EventMention] = []
    for k in range(size):
        mention = _mention(rng, k)
        earlier = [e for e in mentions if e.article_id == mention.article_id]
        if earlier and rng.random() < 0.2:
            mention = replace(mention, antecedent=rng.choice(earlier).key)
        mentions.append(replace(mention, names={n: 0.5 for n in rng.sample(["n1", "n2", "n3"], rng.randrange(2))}))
    directions = np.asarray([[1, 0, 0], [0.8, 0.6, 0], [0, 0.6, 0.8]], dtype=np.float32)
    return mentions, directions[[rng.randrange(3) for _ in mentions]]


def no_cut(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every candidate is scored: the index is exact, the bounded cut (most_alike) is not (its own tests below)."""
    monkeypatch.setattr(candidates, "MAX_CANDIDATES", 10**9)


def _outcome(clusters: list[grouping._Cluster]) -> list[tuple[bool, list[int]]]:
    return [(c.alive, sorted(c.members)) for c in clusters]


@pytest.mark.parametrize("slice_months", [None, 3])
def test_grouping_makes_the_clusters_of_plain_key_blocks(monkeypatch, slice_months: int | None) -> None:
    """Candidates by date and a merge pass that probes only the clusters that grew in its last
    round make the clusters the plain key blocks made, scoring every pair every round; and no
    two clusters left are a pair that would still merge. With calendar slices too (retired
    clusters leave both indexes)."""
    monkeypatch.setattr(grouping, "SLICE_MONTHS", slice_months)
    no_cut(monkeypatch)
    for seed in range(30):
        rng = random.Random(seed)
        usable, vectors = _corpus(rng, 80)
        filtered = grouping.cluster_mentions(usable, vectors)
        with monkeypatch.context() as patch:
            patch.setattr(grouping, "CandidateIndex", _PlainIndex)
            plain = grouping.cluster_mentions(usable, vectors)
        assert _outcome(filtered) == _outcome(plain), seed
        # The last slice's merge pass leaves no pair of the clusters it holds to merge (retired
        # ones are never offered again: test_grouping's slice tests).
        live = [c for c in filtered if c.alive and not c.retired]
        for a, first in enumerate(live):
            for second in live[a + 1:]:
                value = grouping._score(first, second)
                assert value is None or value < grouping.JOIN_THRESHOLD or not first.keys() & second.keys(), seed


def test_a_slices_merge_pass_probing_only_its_new_and_grown_clusters_merges_what_probing_all_does(monkeypatch) -> None:
    """At the end of a calendar slice the merge pass probes only the clusters made or grown in
    it: the carried ones were left below the threshold with each other by the slice before's
    pass. Probing every cluster held gives the same clusters. (Not in the timeless slice, which
    offers every cluster again: two clusters retired before the other was made are not scored
    there either; the corpus here has no timeless mention.)"""
    monkeypatch.setattr(grouping, "SLICE_MONTHS", 3)
    no_cut(monkeypatch)
    merge_pass = grouping._merge_pass

    def probing_all(clusters, index, register, links, probes, held):  # type: ignore[no-untyped-def]
        merge_pass(clusters, index, register, links, sorted(c for c in held if clusters[c].alive), held)

    for seed in range(30):
        rng = random.Random(seed)
        usable, vectors = _corpus(rng, 80)
        dated = [k for k, u in enumerate(usable) if grouping.time_anchor(u) is not None]
        usable, vectors = [usable[k] for k in dated], vectors[dated]
        assert len({grouping.time_slice(u) for u in usable}) > 3, seed  # the corpus spans slices
        few = grouping.cluster_mentions(usable, vectors)
        with monkeypatch.context() as patch:
            patch.setattr(grouping, "_merge_pass", probing_all)
            every = grouping.cluster_mentions(usable, vectors)
        assert _outcome(few) == _outcome(every), seed



def _alike_cluster(article: str, vector: list[float]) -> grouping._Cluster:
    cluster = grouping._Cluster("meeting")
    cluster.add(0, EventMention(article_id=article, sentence_index=0, start=0, end=1, trigger="met",
                                event_type="meeting", participant_ids=["p_lenn"]), np.asarray(vector, np.float32))
    return cluster


def test_most_alike_keeps_the_most_alike_the_probes_articles_and_what_it_is_told_to() -> None:
    """Beyond the limit, a probe keeps the candidates most alike by vector (ties to the lower
    position), every candidate of its own article, and the ones in ``keep``; dead clusters take
    no place. Within the limit the candidates are returned as they are."""
    probe = _alike_cluster("z", [1.0, 0.0])
    clusters = [_alike_cluster(f"a{k}", vector) for k, vector in enumerate(
        [[0.0, 1.0], [1.0, 0.1], [1.0, 0.0], [0.5, 0.5], [1.0, 0.0], [1.0, 0.1], [0.0, 1.0]])]
    clusters.append(_alike_cluster("z", [0.0, 1.0]))  # 7: of the probe's article, least alike
    clusters[2].alive = False  # absorbed: not a candidate
    vectors = candidates.ClusterVectors()
    for c, cluster in enumerate(clusters):
        vectors.set(c, cluster.vector, cluster.norm())
    everything = set(range(8))
    assert candidates.most_alike(probe, everything, clusters, vectors, limit=8) == everything
    # 4 is the closest live one, 1 and 5 tie (lower position first); 7 is the probe's article's.
    assert candidates.most_alike(probe, everything, clusters, vectors, limit=2) == {4, 1, 7}
    assert candidates.most_alike(probe, everything, clusters, vectors, limit=3) == {4, 1, 5, 7}
    assert candidates.most_alike(probe, everything, clusters, vectors, keep=(6,), limit=2) == {4, 1, 6, 7}


def test_a_mention_is_scored_against_the_most_alike_clusters_of_a_large_block_and_its_antecedents(monkeypatch) -> None:
    """Six undated meetings of one person in six reports, told in unlike words (they stay six
    events), and a seventh report: with room for three candidates, its mention is scored against
    the three most alike and against the event of its own antecedent (whose sentence is unlike
    it), which it joins. Without the limit, against all seven."""
    def mention(article: str, sentence: int, **more) -> EventMention:  # type: ignore[no-untyped-def]
        return EventMention(article_id=article, sentence_index=sentence, start=sentence, end=sentence + 1,
                            trigger="met", event_type="meeting", participant_ids=["p_lenn"], **more)

    earlier = [mention(f"b{k}", 0) for k in range(6)] + [mention("z", 0)]
    probe = mention("z", 1, antecedent=earlier[-1].key)
    vectors = np.eye(8, dtype=np.float32)[:7]  # unlike each other: none joins another
    probe_vector = np.asarray([[0.9, 0.3, 0.25, 0.2, 0.1, 0.05, 0.0, 0.0]], dtype=np.float32)
    usable, vectors = [*earlier, probe], np.vstack([vectors, probe_vector])
    scored_against_probe: list[set[str]] = []
    score = grouping._score

    def spy(a: grouping._Cluster, b: grouping._Cluster, linked: bool = False) -> float | None:
        if b.members == [7]:
            scored_against_probe.append(a.articles)
        return score(a, b, linked)

    monkeypatch.setattr(grouping, "_score", spy)
    monkeypatch.setattr(candidates, "MAX_CANDIDATES", 3)
    clusters = grouping.cluster_mentions(usable, vectors)
    assert sorted(map(sorted, scored_against_probe)) == [["b0"], ["b1"], ["b2"], ["z"]]
    assert [c.members for c in clusters if c.alive] == [[0], [1], [2], [3], [4], [5], [6, 7]]
    scored_against_probe.clear()
    monkeypatch.setattr(candidates, "MAX_CANDIDATES", 10**9)
    grouping.cluster_mentions(usable, vectors)
    assert len(scored_against_probe) == 7
