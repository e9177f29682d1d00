"""Event grouping as map → shuffle → reduce, with the same result as one pass over the corpus.

Grouping (:mod:`storyline.events.grouping`) compares a mention only with clusters that share a
blocking key with it (family + article, participant, place, year or month), and a cluster's keys
are always keys of its own mentions. So two mentions that share no key, directly or through a
chain of mentions, can never meet. The corpus therefore splits exactly into key-connected
*components*, each grouped on its own:

* **map**: the blocking keys of each mention (:func:`mention_keys`, the keys of a one-mention
  cluster, computed by grouping's own ``_Cluster.keys``);
* **shuffle**: union-find over keys → connected components (:func:`components`); a mention and
  its in-article antecedent of the same family are joined too (they share the article key
  anyway, this keeps it true if the keys change);
* **reduce**: :func:`grouping.cluster_mentions` on each component (:func:`reduce_bundle`; small
  components are bundled into one task, see :func:`bundle_components`). Inside a component the
  greedy pass sees the mentions in the same relative order as the one pass, ties go to the
  earlier cluster in both, and a merge in one component never changes another's clusters, so
  the clusters are the same;
* **global step** (in the driver, deterministic): the clusters of all components are put back
  in the order the one pass creates them (by their founding mention's place in the founding
  order), then :func:`grouping.events_from_clusters` assigns ids against the previous build's
  events, main/mentioning articles (an article's mentions can lie in several components),
  drops passing mentions and sorts, exactly as the one pass does.

The reduce runs wherever the executor runs tasks: in this process for the local executor, on
the workers for Dask (:func:`storyline.executors.run_tasks`); both go through this module, so a
local build and a Dask build are the same by construction. ``tests/test_partition.py`` checks
the result against :func:`grouping.group_event_mentions`' one pass.

How much this splits depends on the data: year and month keys join every mention of a family
dated in the same year or month, so in a news corpus the components are about one per event
family (docs/performance.md); the parallelism is then across families.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from storyline.events import grouping
from storyline.events.model import Event, EventMention, event_family
from storyline.records import AnnotatedArticle, Entity

# A bundle is one reduce task: components together holding about this many mentions (a larger
# component is a task of its own). Few tasks keep the scheduling overhead small; several keep
# the workers busy.
BUNDLE_MENTIONS = 20_000

# (fn, tasks) -> results in task order; the local executor maps in process, Dask on workers.
TaskRunner = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]

_NO_VECTOR = np.zeros(1, dtype=np.float32)  # keys do not depend on the vector


class PartitionError(RuntimeError):
    """A cluster ended up with a blocking key none of its component's mentions has: the split
    into components would not be exact (grouping's keys changed in a way this module assumes
    they do not)."""


def mention_keys(mention: EventMention, families: dict[str, str] | None = None) -> set[tuple]:
    """The blocking keys of a mention: those of a cluster holding only it (map step)."""
    single = grouping._Cluster(event_family(mention.event_type, families))
    single.add(0, mention, _NO_VECTOR)
    return single.keys()


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def components(usable: Sequence[EventMention], families: dict[str, str] | None = None) -> list[list[int]]:
    """Positions of ``usable`` grouped into key-connected components (shuffle step).

    Each component lists its positions in increasing order; components are ordered by their
    first position, so the result depends only on ``usable``.
    """
    uf = _UnionFind(len(usable))
    first_with_key: dict[tuple, int] = {}
    for i, mention in enumerate(usable):
        for key in mention_keys(mention, families):
            j = first_with_key.setdefault(key, i)
            if j != i:
                uf.union(i, j)
    position_of = {m.key: i for i, m in enumerate(usable)}
    for i, mention in enumerate(usable):
        j = position_of.get(mention.antecedent) if mention.antecedent else None
        if j is not None and event_family(usable[j].event_type, families) == event_family(mention.event_type, families):
            uf.union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(len(usable)):
        groups.setdefault(uf.find(i), []).append(i)
    return sorted(groups.values(), key=lambda positions: positions[0])


def bundle_components(parts: Sequence[list[int]], target: int = BUNDLE_MENTIONS) -> list[list[list[int]]]:
    """Components packed into reduce tasks of about ``target`` mentions, in component order."""
    bundles: list[list[list[int]]] = []
    current: list[list[int]] = []
    size = 0
    for part in parts:
        if current and size + len(part) > target:
            bundles.append(current)
            current, size = [], 0
        current.append(part)
        size += len(part)
    if current:
        bundles.append(current)
    return bundles


@dataclass
class ReduceTask:
    """One bundle: per component, its global positions, its mentions and their vectors."""

    parts: list[tuple[list[int], list[EventMention], np.ndarray | _Rows]]
    families: dict[str, str] | None = None


def reduce_bundle(task: ReduceTask) -> list[grouping._Cluster]:
    """Cluster each component of the bundle (reduce step); returns the live clusters with
    ``members`` as global positions and without their summed vectors (nothing after
    clustering reads them, and they are the bulk of what would travel back).

    Module-level so a Dask worker can import it by name.
    """
    out: list[grouping._Cluster] = []
    for positions, mentions, vectors in task.parts:
        allowed: set[tuple] = set().union(*(mention_keys(m, task.families) for m in mentions))
        for cluster in grouping.cluster_mentions(mentions, vectors, task.families):
            if not cluster.alive:
                continue
            if not cluster.keys() <= allowed:
                raise PartitionError(f"cluster keys {sorted(cluster.keys() - allowed)!r} are not its mentions' keys")
            cluster.members = [positions[i] for i in cluster.members]
            cluster.vector = None
            out.append(cluster)
    return out


class _Rows:
    """Some rows of a matrix, read in place (``rows[k]`` is ``matrix[positions[k]]``).

    A task run in this process reads the driver's vectors without copying them (the largest
    component holds a quarter of the corpus's mentions: a copy is hundreds of MiB at 50,000
    articles); a task sent to a Dask worker is pickled as the copied rows alone.
    """

    def __init__(self, matrix: np.ndarray, positions: list[int]) -> None:
        self.matrix, self.positions = matrix, positions

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, k: int) -> np.ndarray:
        return self.matrix[self.positions[k]]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        rows = self.matrix[self.positions]
        return rows if dtype is None else rows.astype(dtype)

    def __reduce__(self) -> tuple:
        return np.asarray, (self.matrix[self.positions],)


def reduce_tasks(
    usable: Sequence[EventMention],
    vectors: np.ndarray,
    parts: Sequence[list[int]],
    families: dict[str, str] | None = None,
    bundle_mentions: int = BUNDLE_MENTIONS,
) -> Iterator[ReduceTask]:
    """The reduce tasks, made one at a time (a runner that sends them away holds only those in
    flight); their vectors are read in place until a task is pickled (:class:`_Rows`)."""
    for bundle in bundle_components(parts, bundle_mentions):
        yield ReduceTask([(part, [usable[i] for i in part], _Rows(vectors, part)) for part in bundle], families)


def _in_process(fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
    return map(fn, tasks)


def founding_ranks(usable: Sequence[EventMention]) -> list[int]:
    """Each mention's place in the order the one pass processes mentions (and founds clusters)."""
    order = sorted(range(len(usable)), key=lambda i: grouping._founding_order(usable[i]))
    rank = [0] * len(usable)
    for r, i in enumerate(order):
        rank[i] = r
    return rank


def cluster_partitioned(
    usable: Sequence[EventMention],
    vectors: np.ndarray,
    families: dict[str, str] | None = None,
    *,
    run: TaskRunner | None = None,
    bundle_mentions: int = BUNDLE_MENTIONS,
) -> list[grouping._Cluster]:
    """The live clusters of :func:`grouping.cluster_mentions` over all of ``usable``, in its
    creation order, computed component by component through ``run``."""
    parts = components(usable, families)
    clusters = [c for result in (run or _in_process)(reduce_bundle, reduce_tasks(usable, vectors, parts, families,
                                                                               bundle_mentions))
                for c in result]
    # The one pass appends clusters as their founding mention comes up in the founding order;
    # the founder stays members[0] (a merge keeps the earlier cluster and appends the other).
    rank = founding_ranks(usable)
    clusters.sort(key=lambda c: rank[c.members[0]])
    return clusters


def group_partitioned(
    usable: Sequence[EventMention],
    vectors: np.ndarray,
    articles: dict[str, AnnotatedArticle],
    entities: dict[str, Entity],
    previous_events: Sequence[Event] | None = None,
    *,
    families: dict[str, str] | None = None,
    run: TaskRunner | None = None,
    bundle_mentions: int = BUNDLE_MENTIONS,
) -> list[Event]:
    """Events of ``usable`` (from :func:`grouping.usable_mentions`, one vector per row), the same
    as :func:`grouping.group_event_mentions` would give with these vectors."""
    clusters = cluster_partitioned(usable, vectors, families, run=run, bundle_mentions=bundle_mentions)
    return grouping.events_from_clusters(clusters, usable, articles, entities, previous_events)
