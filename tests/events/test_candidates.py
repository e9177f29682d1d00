"""The candidate index finds every cluster a plain key index would whose date can fit the probe."""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np

from storyline.events import grouping
from storyline.events.candidates import CandidateIndex
from storyline.events.model import EventMention

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
    return EventMention(
        article_id=f"a{rng.randrange(6)}", sentence_index=k, start=k, end=k + 1, trigger="met",
        event_type=rng.choice(["meeting", "meeting", "loan"]), date_value=value, date_source=source,
        place_ids=rng.sample(["g1", "g2", "g3"], rng.randrange(2)),
        participant_ids=rng.sample(["p1", "p2", "p3"], rng.randrange(2)),
        status=rng.choice(["happened", "scheduled"]),
    )


def _single(mention: EventMention) -> grouping._Cluster:
    cluster = grouping._Cluster(grouping.event_family(mention.event_type))
    cluster.add(0, mention, VECTOR)
    return cluster


def test_candidates_are_the_date_compatible_part_of_the_key_blocks() -> None:
    for seed in range(40):
        rng = random.Random(seed)
        clusters: list[grouping._Cluster] = []
        plain: dict[tuple, set[int]] = defaultdict(set)
        index = CandidateIndex()

        def register(c: int) -> None:
            for key in clusters[c].keys():
                plain[key].add(c)
            index.register(c, clusters[c])

        for k in range(60):
            mention = _mention(rng, k)
            probe = _single(mention)
            blocks = set().union(*(plain.get(key, set()) for key in probe.keys()))
            found = index.candidates(probe)
            fits = {c for c in blocks if grouping._date_relation(clusters[c], probe) != "incompatible"}
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
            fits = {d for d in blocks if grouping._date_relation(cluster, clusters[d]) != "incompatible"}
            assert fits <= found <= blocks, (seed, c)
