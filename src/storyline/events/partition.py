"""Event grouping as map → shuffle → reduce, with the same result as one pass over the corpus.

Grouping (:mod:`storyline.events.grouping`) compares a mention only with clusters that share a
blocking key with it (family + article, participant, place, year or month), and a cluster's keys
are always keys of its own mentions. So two mentions that share no key, directly or through a
chain of mentions, can never meet. The corpus therefore splits exactly into key-connected
*components*, each grouped on its own:

* **map**: the blocking keys of each mention (:func:`mention_keys`, the keys grouping's own
  ``_Cluster.keys`` gives a one-mention cluster, read off the mention), less the month-of-year
  keys (see below);
* **shuffle**: union-find over keys → connected components (:func:`components`; the (key hash,
  position) pairs go to a scratch file that SQLite sorts on disk, so the driver keeps 4 bytes a
  mention, not a dictionary of the corpus's keys); a mention and its in-article antecedent of
  the same family are joined too (they share the article key anyway, this keeps it true if the
  keys change);
* **reduce**: :func:`grouping.cluster_mentions` on each component (:func:`reduce_bundle`; small
  components are bundled into one task, see :func:`bundle_components`; the tasks go largest
  first, :func:`bundles_largest_first`, and come back in any order). Inside a component the
  greedy pass sees the mentions in the same relative order and calendar slices as the one pass
  (a mention's slice is its own), ties go to the earlier cluster in both, a merge in one
  component never changes another's clusters, and a cluster retired in the one pass by a slice
  without mentions of its component is retired by the component's next slice, so the clusters
  are the same. The task then summarizes each live cluster with evidence
  (:func:`grouping.summarize_cluster`: its event before ids and roles, per article the weight
  and first mention that decide main articles, the flags of the passing-mention filter), with
  the publication dates of the bundle's articles and the entities its mentions name, which
  travel with the task; clusters and mentions stay in the task;
* **global step** (in the driver, deterministic): the summaries of all components are written
  to a :class:`~storyline.events.spill.SummarySpill` as the tasks come back and read back in the
  order the one pass creates the clusters (by their founding mention's place in the founding
  order); :func:`grouping.iter_events` assigns ids against the previous build's events,
  main/mentioning articles (an article's mentions can lie in several components), drops passing
  mentions and gives the events in their final order one at a time, exactly as the one pass
  does (which goes through the same code: :func:`grouping.events_from_clusters`). It reads no
  mention and no article, and holds a few numbers per event and per article (the figures of
  each (article, event) pair stay in the spill's file).

The reduce runs wherever the executor runs tasks: in this process for the local executor, on
the workers for Dask (:func:`storyline.executors.run_tasks`); both go through this module, so a
local build and a Dask build are the same by construction. ``tests/test_partition.py`` checks
the result against :func:`grouping.group_event_mentions`' one pass.

Why the month-of-year key ("m", family, 9: every September) is left out of the components:
it exists for dates without a year, and grouping accepts a pair through a date alone only when
both dates have the same year (``parts_relation``: a year-less date is "yearless" against any
other and needs a shared place or article, i.e. a shared non-date key; and so does a year-less
date against a publication-date window, ``grouping._score``). Two clusters that share only a
month of the year are therefore never joined, and grouping's own candidate index never offers
such pairs as anything but rejections. Kept, the key chained every year of an archive into one
component per family, which grew with the corpus (issue 6). The year key stays: two dates of
the same year (or a date and a publication window, at most two calendar years wide, that
overlap) can join on the date alone.

How much this splits depends on the data: year keys join every mention of a family dated in
the same year, so in a news corpus the components are about one per event family and year
(docs/performance.md); the parallelism is across families and years.

Streaming: the driver needs only the keys of each mention for the shuffle; the mentions and
their vectors of a reduce task can be loaded when the task is made (``usable`` and ``vectors``
may be callables that give the rows of some positions, ``published`` one that gives the
publication dates of some articles), so the driver holds one bundle's heavy data at a time and
an executor only the tasks in flight; what comes back is one summary per event. Where the tasks
run in processes that can read the build's files, they carry no rows at all (:class:`TaskRows`:
each loads its components' rows where it runs, a few components at a time, and a large component's
a chunk at a time in founding order, keeping of each mention added only what the summaries read:
:func:`_streamed`, :func:`grouping.cluster_rows`).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Union

import numpy as np

from storyline.events import grouping
from storyline.events.model import Event, EventMention, event_family, parse_date_value
from storyline.events.spill import SummarySpill, scratch_db
from storyline.records import AnnotatedArticle, Entity

# A bundle is one reduce task: components together holding about this many mentions (a larger
# component is a task of its own). Few tasks keep the scheduling overhead small; several keep
# the workers busy.
BUNDLE_MENTIONS = 20_000

# (fn, tasks) -> results, in any order (the reduce takes them as they finish: what the summary
# spill gives back does not depend on it); the local executor maps in process, Dask on workers.
TaskRunner = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]

_NO_VECTOR = np.zeros(1, dtype=np.float32)  # keys do not depend on the vector
_MONTH_OF_YEAR = "m"  # grouping's month-of-year key kind: not a component key (module docstring)

# Positions -> those mentions / their vectors (a row each, in the order asked): lets the caller
# keep mentions and vectors out of memory until a reduce task needs them.
MentionLoader = Callable[[list[int]], Sequence[EventMention]]
VectorLoader = Callable[[list[int]], np.ndarray]
Mentions = Union[Sequence[EventMention], MentionLoader]
Vectors = Union[np.ndarray, VectorLoader]
# Article id -> publication day (grouping.published_dates), or a loader: article ids -> that mapping.
Published = Union[Mapping[str, str], Callable[[list[str]], Mapping[str, str]]]
# Positions -> (those mentions, their vectors), called where a reduce task runs: a task made with
# one carries its positions, not its rows (a picklable object; its ``close``, if any, is called
# when the task is done; its ``mentions``, if any, gives the mentions alone: _streamed).
RowLoader = Callable[[list[int]], tuple[Sequence[EventMention], np.ndarray]]


class TaskRows(Protocol):
    """Reduce tasks that load their rows where they run (the build's worker processes read the
    mention spill and the store themselves, ``storyline.stages``), so that the process that
    makes the tasks never holds a component's mentions and vectors, nor their pickles. What a
    task still carries is asked here by position, without loading the mentions."""

    def loader(self, positions: list[int]) -> RowLoader:
        """What a task of these positions carries to load them (``positions`` are all of its own)."""
        ...

    def articles(self, positions: list[int]) -> Iterable[str]:
        """The articles of the mentions at ``positions``."""
        ...

    def named(self, positions: list[int]) -> Iterable[str]:
        """The entities those mentions name (places and participants)."""
        ...


class PartitionError(RuntimeError):
    """A cluster ended up with a blocking key none of its component's mentions has: the split
    into components would not be exact (grouping's keys changed in a way this module assumes
    they do not)."""


def mention_keys(mention: EventMention, families: dict[str, str] | None = None) -> set[tuple]:
    """The component keys of a mention (map step): those of a cluster holding only it, less the
    month-of-year key, which never joins two clusters on its own (module docstring).

    Read off the mention as ``grouping._Cluster.keys`` reads them off a one-mention cluster (its
    article, people, places, names; the year of its stated date, else the years its publication
    window spans) without building the cluster: the shuffle asks once per usable mention, and a
    cluster (three counters, its vector, its best date) cost four fifths of the shuffle's CPU.
    :func:`_single_cluster_keys` is the reference; tests/test_partition.py checks they agree."""
    family = event_family(mention.event_type, families)
    keys = {("a", family, mention.article_id)}
    keys.update(("p", family, person) for person in mention.participant_ids)
    keys.update(("l", family, place) for place in grouping._places(mention))
    keys.update(("n", family, name) for name in mention.names)
    parts = parse_date_value(mention.date_value)
    if parts is None:
        return keys
    if mention.date_source in grouping.SOURCE_WEIGHTS:  # a stated date: one cluster's best date is it
        if parts.year is not None:
            keys.add(("y", family, parts.year))
    elif mention.date_source == "publication" and parts.day is not None and parts.year:
        low, high = grouping._publication_window(parts, mention.status)
        keys |= {("y", family, low.year), ("y", family, high.year)}
    return keys


def _single_cluster_keys(mention: EventMention, families: dict[str, str] | None = None) -> set[tuple]:
    """:func:`mention_keys` as a cluster holding only the mention has them (the reference)."""
    single = grouping._Cluster(event_family(mention.event_type, families))
    single.add(0, mention, _NO_VECTOR)
    return _component_keys(single)


def _component_keys(cluster: grouping._Cluster) -> set[tuple]:
    return {key for key in cluster.keys() if key[0] != _MONTH_OF_YEAR}


class _UnionFind:
    """Union-find over positions 0, 1, ...: 4 bytes a position (int32: a corpus holds fewer
    than 2**31 mentions; a list of ints is ~36). A root is always the least position of its set
    (``union`` keeps the smaller root), so ``parent[i] <= i``."""

    def __init__(self) -> None:
        self.parent = array("i")

    def add(self) -> int:
        n = len(self.parent)
        if n >= _MAX_POSITIONS:
            raise OverflowError(f"more than {_MAX_POSITIONS:,} mentions for an int32 union-find")
        self.parent.append(n)
        return n

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

    def roots_in_place(self) -> array:
        """Every position's root, written over ``parent`` (no second array): in increasing
        order, ``parent[i] < i`` has its root already."""
        parent = self.parent
        for i in range(len(parent)):
            parent[i] = parent[parent[i]]
        return parent


_MAX_POSITIONS = 2**31 - 1


class Components(Sequence):
    """Key-connected components as one int32 array of positions, component after component,
    and the offsets where each starts: ``parts[c]`` is a view of the array (positions
    increasing). About 4 bytes a mention and 8 a component, where a list of arrays costs 8 a
    mention and ~110 bytes a component (178,000 components at 100,000 articles)."""

    def __init__(self, positions: np.ndarray, starts: np.ndarray) -> None:
        self.positions = positions  # int32
        self.starts = starts  # int64, one per component and a last one: len(positions)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, c):  # type: ignore[override]
        if isinstance(c, slice):
            return [self[k] for k in range(*c.indices(len(self)))]
        if c < 0:
            c += len(self)
        if not 0 <= c < len(self):
            raise IndexError(c)
        return self.positions[self.starts[c] : self.starts[c + 1]]

    def __iter__(self) -> Iterator[np.ndarray]:
        positions, starts = self.positions, self.starts.tolist()
        for c in range(len(starts) - 1):
            yield positions[starts[c] : starts[c + 1]]

    def sizes(self) -> np.ndarray:
        return np.diff(self.starts)


SHUFFLE_CHUNK = 100_000  # (key hash, position) pairs written to the shuffle's file at a time


def components(usable: Iterable[EventMention], families: dict[str, str] | None = None,
               directory: str | Path | None = None) -> Components:
    """Positions of ``usable`` grouped into key-connected components (shuffle step).

    Each component lists its positions in increasing order; components are ordered by their
    first position, so the result depends only on ``usable``. ``usable`` is read once, in order
    (it may be a generator): only each mention's keys are kept, as 64-bit hashes (two keys with
    one hash would join two components, which stays exact, only coarser), written as (key hash,
    position) pairs to a private SQLite file in ``directory`` (:func:`spill.scratch_db`) and read
    back sorted by key: what stays in memory is the union-find's 4 bytes a mention, not a
    dictionary of the corpus's keys (~100 bytes a key), and then the :class:`Components`'
    4 bytes a mention.
    """
    uf = _UnionFind()
    db, _ = scratch_db("storyline-shuffle-", directory)
    try:
        db.execute("CREATE TABLE pairs (key INTEGER NOT NULL, position INTEGER NOT NULL)")
        pending: list[tuple[int, int]] = []
        article, in_article = None, {}  # mention key -> (position, family), for the current article
        for mention in usable:
            i = uf.add()
            pending.extend((hash(key), i) for key in mention_keys(mention, families))
            if len(pending) >= SHUFFLE_CHUNK:
                db.executemany("INSERT INTO pairs VALUES (?, ?)", pending)
                pending.clear()
            # A mention and its same-family antecedent (in its article, before it) share the
            # article key already; this keeps them together should the keys change.
            if mention.article_id != article:
                article, in_article = mention.article_id, {}
            family = event_family(mention.event_type, families)
            found = in_article.get(mention.antecedent) if mention.antecedent else None
            if found is not None and found[1] == family:
                uf.union(i, found[0])
            in_article[mention.key] = (i, family)
        db.executemany("INSERT INTO pairs VALUES (?, ?)", pending)
        del pending
        # Every position joins the first position that has the same key (SQLite sorts on disk).
        key, first = None, -1
        for k, i in db.execute("SELECT key, position FROM pairs ORDER BY key, position"):
            if k != key:
                key, first = k, i
            else:
                uf.union(i, first)
    finally:
        db.close()
    n = len(uf.parent)
    if n == 0:
        return Components(np.zeros(0, dtype=np.int32), np.zeros(1, dtype=np.int64))
    # A component's root is its first position: a stable sort by root lists the components in
    # order of first position, positions increasing. The roots overwrite the union-find, and
    # the order is kept as int32: at the peak 4 + 8 (argsort's int64) + 4 bytes a mention.
    roots = np.frombuffer(uf.roots_in_place(), dtype=np.int32)
    order = np.argsort(roots, kind="stable").astype(np.int32)
    cuts = np.flatnonzero(np.diff(roots[order]))
    del roots, uf
    starts = np.empty(len(cuts) + 2, dtype=np.int64)
    starts[0], starts[1:-1], starts[-1] = 0, cuts + 1, n
    return Components(order, starts)


def bundle_components(parts: Sequence[Sequence[int]], target: int = BUNDLE_MENTIONS) -> Iterator[list[Sequence[int]]]:
    """Components packed into reduce tasks of about ``target`` mentions, in component order,
    one bundle at a time (a list of every bundle's components would hold a view object, ~100
    bytes, per component of the corpus)."""
    current: list[Sequence[int]] = []
    size = 0
    for part in parts:
        if current and size + len(part) > target:
            yield current
            current, size = [], 0
        current.append(part)
        size += len(part)
    if current:
        yield current


def bundles_largest_first(parts: Sequence[Sequence[int]], target: int = BUNDLE_MENTIONS) -> Iterator[list[Sequence[int]]]:
    """The bundles of :func:`bundle_components` (the same components together), the bundle of
    most mentions first (ties in component order): the longest tasks start first, so the last
    to finish are small ones and no worker is left with a giant component alone at the end
    (longest-processing-time order; components are ordered by first position, and the giants,
    about one per event family, would otherwise start wherever their first mention is). Only
    each bundle's bounds are kept (16 bytes a bundle), a bundle's components are listed as it
    is given."""
    sizes = parts.sizes() if isinstance(parts, Components) else np.array([len(p) for p in parts], dtype=np.int64)
    bounds: list[tuple[int, int, int]] = []  # (mentions, first component, end), as bundle_components cuts
    first, size = 0, 0
    for c, n in enumerate(sizes.tolist()):
        if c > first and size + n > target:
            bounds.append((size, first, c))
            first, size = c, 0
        size += n
    if len(sizes) > first:
        bounds.append((size, first, len(sizes)))
    bounds.sort(key=lambda bound: -bound[0])  # stable: ties keep component order
    for _size, first, end in bounds:
        yield [parts[c] for c in range(first, end)]


@dataclass
class ReduceTask:
    """One bundle: per component, its global positions, its mentions and their vectors (or,
    with ``load``, its positions alone: the rows are loaded where the task runs, one component
    at a time); the publication days of the bundle's articles and the entities its mentions
    name (what the summaries' events read: ``date_hint``, titles, sites)."""

    parts: list[tuple[list[int], Sequence[EventMention], np.ndarray | _Rows | None]]
    families: dict[str, str] | None = None
    published: Mapping[str, str] = field(default_factory=dict)
    entities: Mapping[str, Entity] = field(default_factory=dict)
    load: RowLoader | None = None


# A task that loads its rows reads its small components together, about this many mentions at a
# time (a bundle of 10,000 tiny components would otherwise make 10,000 reads); a larger
# component is streamed: read this many rows at a time, in founding order (_streamed).
LOAD_MENTIONS = 5_000

# (position, mention, vector) of some of a component's positions, in the order asked
RowsInOrder = Callable[[Sequence[int]], Iterator[tuple[int, EventMention, Any]]]


def _in_memory(mentions: Sequence[EventMention], vectors: Any) -> tuple[Iterable[EventMention], RowsInOrder]:
    return mentions, lambda order: ((i, mentions[i], vectors[i]) for i in order)


def _streamed(load: RowLoader, positions: list[int]) -> tuple[Iterable[EventMention], RowsInOrder]:
    """A large component's rows read :data:`LOAD_MENTIONS` at a time: its mentions once in
    position order, without vectors (the loader's ``mentions``, if it has one), for the founding
    plan; then mentions and vectors in founding order, each chunk dropped once its mentions are
    added (grouping.cluster_rows keeps a small Member of each). A worker then holds a chunk of
    rows, not the component's (~1.8 KB a mention: ~760 bytes of mention, 1 KiB of float16 vector)."""
    just_mentions = getattr(load, "mentions", None)

    def in_positions_order() -> Iterator[EventMention]:
        for first in range(0, len(positions), LOAD_MENTIONS):
            chunk = positions[first : first + LOAD_MENTIONS]
            yield from just_mentions(chunk) if just_mentions is not None else load(chunk)[0]

    def rows(order: Sequence[int]) -> Iterator[tuple[int, EventMention, Any]]:
        for first in range(0, len(order), LOAD_MENTIONS):
            local = order[first : first + LOAD_MENTIONS]
            mentions, vectors = load([positions[i] for i in local])
            yield from zip(local, mentions, vectors)
            del mentions, vectors  # before the next chunk is read

    return in_positions_order(), rows


def _task_parts(task: ReduceTask) -> Iterator[tuple[list[int], Iterable[EventMention], RowsInOrder]]:
    """The task's components, each as its global positions, its mentions in that order (read
    once, by grouping.founding_plan) and a reader of its rows in any order (local positions):
    carried, loaded a few small components (:data:`LOAD_MENTIONS`) at a time, or a large
    component streamed (:func:`_streamed`), so that a worker holds the rows of one chunk, not
    the bundle's or the component's."""
    if task.load is None:
        for positions, mentions, vectors in task.parts:
            yield positions, *_in_memory(mentions, vectors)
        return
    try:
        for group in bundle_components([positions for positions, _, _ in task.parts], LOAD_MENTIONS):
            if len(group) == 1 and len(group[0]) > LOAD_MENTIONS:
                yield group[0], *_streamed(task.load, group[0])
                continue
            mentions, vectors = task.load([i for positions in group for i in positions])
            at = 0
            for positions in group:
                yield positions, *_in_memory(mentions[at : at + len(positions)], vectors[at : at + len(positions)])
                at += len(positions)
            del mentions, vectors
    finally:
        close = getattr(task.load, "close", None)
        if close is not None:
            close()


def _keys_into(allowed: set[tuple], mentions: Iterable[EventMention], families: dict[str, str] | None
               ) -> Iterator[EventMention]:
    """``mentions``, adding each one's component keys to ``allowed`` on the way."""
    for m in mentions:
        allowed |= mention_keys(m, families)
        yield m


def reduce_bundle(task: ReduceTask) -> list[grouping.ClusterSummary]:
    """Cluster each component of the bundle (reduce step); returns the summary of each live
    cluster with evidence (:func:`grouping.summarize_cluster`), each with its place in the one
    pass's creation order (its founding mention's ``_founding_order``, calendar slice first, then position) as
    ``rank``, so that the driver needs no mention to put them back in order.

    A component's mentions are read twice: once in position order for the founding plan (and
    the keys the clusters may have), then with their vectors in founding order, as the greedy
    pass adds them (:func:`grouping.cluster_rows`); what the summaries read of a mention is its
    :class:`grouping.Member`.

    Module-level so a Dask worker can import it by name.
    """
    out: list[grouping.ClusterSummary] = []
    for positions, mentions, rows in _task_parts(task):
        allowed: set[tuple] = set()
        plan = grouping.founding_plan(_keys_into(allowed, mentions, task.families))
        done = grouping.cluster_rows(rows(plan.order), plan, task.families)
        for cluster in done.clusters:
            if not cluster.alive:
                continue
            if not _component_keys(cluster) <= allowed:
                raise PartitionError(f"cluster keys {sorted(_component_keys(cluster) - allowed)!r} "
                                     "are not its mentions' keys")
            if not grouping._has_evidence(cluster):
                continue  # never an event (events_from_clusters drops it too)
            founder = cluster.members[0]  # a merge keeps the earlier cluster: members[0] founded it
            rank = (done.founded[founder], positions[founder])
            out.append(grouping.summarize_cluster(cluster, done.members, task.published, task.entities, rank=rank))
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
    usable: Mentions,
    vectors: Vectors,
    parts: Sequence[Sequence[int]],
    families: dict[str, str] | None = None,
    bundle_mentions: int = BUNDLE_MENTIONS,
    *,
    published: Published | None = None,
    entities: Mapping[str, Entity] | None = None,
    rows_in_task: TaskRows | None = None,
) -> Iterator[ReduceTask]:
    """The reduce tasks, made one at a time (a runner that sends them away holds only those in
    flight). A matrix of vectors is read in place until a task is pickled (:class:`_Rows`);
    loaders (``usable`` / ``vectors`` / ``published`` callables) are asked once per bundle, so
    the heavy data of a bundle lives only as long as its task. Each task carries the publication
    days of its articles and the entities its mentions name, not the corpus's. With
    ``rows_in_task``, a task carries its positions and ``rows_in_task.loader``'s loader instead
    of its mentions and vectors (``usable`` and ``vectors`` are then not asked)."""
    for bundle in bundles_largest_first(parts, bundle_mentions):
        lists = [np.asarray(part, dtype=np.int64).tolist() for part in bundle]
        flat = [i for part in lists for i in part]
        if rows_in_task is not None:
            yield ReduceTask([(part, (), None) for part in lists], families,
                             _published_days(rows_in_task.articles(flat), published),
                             _entities_named(rows_in_task.named(flat), entities), rows_in_task.loader(flat))
            continue
        mentions = usable(flat) if callable(usable) else [usable[i] for i in flat]
        block = vectors(flat) if callable(vectors) else None
        task, at = [], 0
        for part in lists:
            rows = _Rows(vectors, part) if block is None else block[at : at + len(part)]
            task.append((part, list(mentions[at : at + len(part)]), rows))
            at += len(part)
        yield ReduceTask(task, families, _published_of(mentions, published), _entities_of(mentions, entities))


def _published_of(mentions: Sequence[EventMention], published: Published | None) -> dict[str, str]:
    return _published_days((m.article_id for m in mentions), published)


def _published_days(article_ids: Iterable[str], published: Published | None) -> dict[str, str]:
    ids = sorted(set(article_ids))
    if published is None:
        return {}
    if callable(published):
        return dict(published(ids))
    return {a: published[a] for a in ids if a in published}


def _entities_of(mentions: Sequence[EventMention], entities: Mapping[str, Entity] | None) -> dict[str, Entity]:
    """The entities an event of these mentions can show (its places and people: titles, sites)."""
    return _entities_named((e for m in mentions for e in grouping.named_entities(m)), entities)


def _entities_named(named: Iterable[str], entities: Mapping[str, Entity] | None) -> dict[str, Entity]:
    if not entities:
        return {}
    return {e: entities[e] for e in sorted(set(named)) if e in entities}


def _in_process(fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
    return map(fn, tasks)


def summaries_partitioned(
    usable: Mentions,
    vectors: Vectors,
    published: Published,
    entities: Mapping[str, Entity],
    families: dict[str, str] | None = None,
    *,
    run: TaskRunner | None = None,
    bundle_mentions: int = BUNDLE_MENTIONS,
    keys_from: Iterable[EventMention] | None = None,
    directory: str | Path | None = None,
    rows_in_task: TaskRows | None = None,
) -> SummarySpill:
    """The summaries of the live clusters with evidence of :func:`grouping.cluster_mentions`
    over all of ``usable``, computed component by component through ``run`` and written to a
    :class:`SummarySpill` (in ``directory``) as each task's come back, in whatever order ``run``
    gives them (the tasks go largest first, :func:`bundles_largest_first`); each has its
    ``rank``, its place in the one pass's creation order (the caller closes the spill).

    ``usable`` and ``vectors`` may be loaders (positions -> rows); then ``keys_from`` gives the
    mentions once, in order, for the shuffle (e.g. a generator that loads them in chunks).
    ``rows_in_task``: the tasks load their own rows where they run (:func:`reduce_tasks`).
    """
    if keys_from is None:
        assert not callable(usable), "a mention loader needs keys_from"
        keys_from = usable
    parts = components(keys_from, families, directory)
    tasks = reduce_tasks(usable, vectors, parts, families, bundle_mentions, published=published, entities=entities,
                         rows_in_task=rows_in_task)
    spill = SummarySpill(directory)
    try:
        for result in (run or _in_process)(reduce_bundle, tasks):
            spill.add(result)
    except BaseException:
        spill.close()
        raise
    return spill


def iter_events_partitioned(
    usable: Mentions,
    vectors: Vectors,
    articles: Mapping[str, AnnotatedArticle] | None,
    entities: Mapping[str, Entity],
    previous_events: Sequence[Event] | grouping.PreviousEvents | None = None,
    *,
    families: dict[str, str] | None = None,
    run: TaskRunner | None = None,
    bundle_mentions: int = BUNDLE_MENTIONS,
    keys_from: Iterable[EventMention] | None = None,
    published: Published | None = None,
    directory: str | Path | None = None,
    rows_in_task: TaskRows | None = None,
) -> Iterator[Event]:
    """Events of ``usable`` (from :func:`grouping.usable_mentions`, one vector per row) in their
    final order, one at a time: the same as :func:`grouping.group_event_mentions` would give
    with these vectors. The summaries wait in a :class:`SummarySpill` in ``directory``.

    The articles are read only for their publication days (``published`` instead: those days
    or a loader of them); the mentions' weights in their articles are the ones
    :func:`grouping.usable_mentions` stored on them (:attr:`EventMention.weight`).
    ``previous_events``: the previous build's events, or their :class:`grouping.PreviousEvents`
    when the mentions carry their previous events (:attr:`EventMention.previous_event`).
    ``rows_in_task``: the reduce tasks load their own rows where they run (:class:`TaskRows`;
    not with previous events in memory, which the mentions learn here).
    """
    if published is None:
        published = grouping.published_dates(articles or {})
    previous = grouping.as_previous(previous_events)
    if previous.by_key and rows_in_task is not None:
        raise ValueError("tasks that load their own rows need mentions that carry their previous events")
    if previous.by_key:  # events in memory: the mentions learn their previous events by key
        if callable(usable):
            load = usable

            def tagged(positions: list[int]) -> list[EventMention]:
                return grouping.with_previous(load(positions), previous)

            usable = tagged
        else:
            usable = grouping.with_previous(usable, previous)
    with summaries_partitioned(usable, vectors, published, entities, families, run=run,
                               bundle_mentions=bundle_mentions, keys_from=keys_from, directory=directory,
                               rows_in_task=rows_in_task) as spill:
        yield from grouping.iter_events(spill, previous)


def group_partitioned(
    usable: Mentions,
    vectors: Vectors,
    articles: Mapping[str, AnnotatedArticle] | None,
    entities: Mapping[str, Entity],
    previous_events: Sequence[Event] | grouping.PreviousEvents | None = None,
    **options: Any,
) -> list[Event]:
    """The events of :func:`iter_events_partitioned` (same arguments), as a list."""
    return list(iter_events_partitioned(usable, vectors, articles, entities, previous_events, **options))
