"""The candidate index of event grouping: which clusters a mention (or cluster) is scored against.

Grouping scores a probe against every cluster that shares a blocking key with it
(:meth:`storyline.events.grouping._Cluster.keys`). Those blocks grow with the corpus: the year
and month keys ("y"/"m": every meeting of 2021, every meeting of any September), and in a
story-rich corpus the participant, place, name and article keys too ("p"/"l"/"n"/"a": every
meeting of one leader over many years). A plain key → clusters index makes grouping quadratic.
But ``grouping._score`` rejects a pair whose dates are incompatible before anything else, so
within a block only the clusters whose *current* date could fit the probe's need to be looked
at. This index returns exactly

    {clusters registered under a plain key of the probe whose date may fit the probe's date}
  ∪ {clusters registered under a date key of the probe whose date may fit the probe's date}

less the clusters whose places clash with the probe's (below),

where "may fit" is a superset of ``grouping._date_relation(...) != "incompatible"``, found
through the clusters' dates (:class:`DateBuckets`) instead of by scanning the blocks:

* a cluster (or probe) with neither a date nor a publication-date bound fits anything;
* a probe dated (Y, M, D) fits a cluster dated v when each part of v is equal or missing
  (``parts_relation``): a few (year, month) buckets, filtered by day; a year-less probe fits
  any year (the years a block holds are kept for it);
* a date fits a publication-date bound (a window of days) when its interval overlaps it: the
  months the window touches, by (year, month), and by month of the year for year-less dates.

``_score`` also rejects two clusters of one place class (both naming a town, or both only a
site) that share no place, unless their days are the same: outside the probe's own place keys
("l", which find the clusters sharing a place), the buckets keep each cluster's place class
(:func:`place_class`) and such clusters are left out.

A plain key's block is split by date only once it holds more than :data:`SPLIT_SIZE` clusters:
a small block is returned whole (still a superset), and most keys (an article's, a rare name's)
stay small, so the index does not pay a bucket structure for each.

The pairs dropped are ones ``_score`` returns None for, so the clusters and events are those of
the plain index (``tests/events/test_candidates.py`` compares the two on random clusters).

That is exact, and what is left still grows with a corpus that gets denser (more reports of the
same years and names: a date-compatible block of a common name holds more clusters).
:func:`most_alike` bounds it, changing what may be found: of a probe's candidates beyond those
of its own articles, only the :data:`MAX_CANDIDATES` whose summed vectors are most alike to its
own are scored.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Container, Iterator, Mapping
from datetime import date
from typing import Protocol, Sequence

import numpy as np

from storyline.events.model import DateParts

DATE_KEY_KINDS = ("y", "m")  # the blocking keys answered through the family-wide date buckets
SPLIT_SIZE = 8  # a plain key's block is split by date beyond this many clusters
# At most this many candidates of other articles are scored for a probe (most_alike): chosen on
# the 1,855-article synthetic base, where the cut is rarely reached (docs/performance.md, session 10).
MAX_CANDIDATES = 32

State = tuple  # ("best", parts) | ("bound", (low, high)) | ("none",)
NO_DATE: State = ("none",)


class _Probe(Protocol):
    family: str
    best: DateParts | None
    bound: tuple[date, date] | None
    places: Mapping[str, int]
    sites: set[str]

    def keys(self) -> set[tuple]: ...


class _Alike(Protocol):
    articles: set[str]
    vector: np.ndarray | None
    alive: bool

    def norm(self) -> np.floating: ...


class ClusterVectors:
    """Each registered cluster's summed vector, as row ``c`` of one float32 matrix, and its norm:
    :func:`most_alike` gathers a probe's candidates in one step (stacking a few hundred arrays one
    by one cost ten times as much). A row is rewritten whenever its cluster is registered (after
    each mention it takes in or cluster it absorbs); 2 KiB a cluster of a component's."""

    def __init__(self) -> None:
        self.rows = np.zeros((0, 0), dtype=np.float32)  # sized by the first vector
        self.norms = np.zeros(0, dtype=np.float32)

    def set(self, c: int, vector: np.ndarray, norm: float) -> None:
        if c >= len(self.rows):  # grows by doubling: clusters are registered in creation order
            size = max(c + 1, 2 * len(self.rows), 64)
            rows = np.zeros((size, vector.size), dtype=np.float32)
            norms = np.zeros(size, dtype=np.float32)
            if len(self.rows):
                rows[:len(self.rows)], norms[:len(self.norms)] = self.rows, self.norms
            self.rows, self.norms = rows, norms
        self.rows[c] = vector
        self.norms[c] = norm


def most_alike(probe: _Alike, candidates: set[int], clusters: Sequence[_Alike], vectors: ClusterVectors,
               keep: Container[int] = (), limit: int | None = None) -> set[int]:
    """``candidates`` (positions in ``clusters``, their vectors in ``vectors``) cut to those of
    ``probe``'s own articles, those in ``keep``, and the ``limit`` live others most alike to
    ``probe``: the highest cosine of the summed vectors, ties to the lower position (the clusters'
    relative order is the same in one pass and in each component, so is the choice). With at most
    ``limit`` (default :data:`MAX_CANDIDATES`) others the set is returned as it is.

    A cluster of the probe's own article is kept whatever the vectors say: a same-article pair
    gets ``_score``'s bonus, and an antecedent link is one (``keep``: the linked cluster). The
    others are ranked by the likeness ``_score`` adds to them: a probe of a common name in a dense
    corpus is compared with the events most like it, not with every event of that name in its
    date range."""
    limit = MAX_CANDIDATES if limit is None else limit
    if len(candidates) <= limit or probe.vector is None:
        return candidates
    kept, others = set(), []
    for c in candidates:
        cluster = clusters[c]
        if c in keep or not cluster.articles.isdisjoint(probe.articles):
            kept.add(c)
        elif cluster.alive:
            others.append(c)
    if len(others) <= limit:
        return candidates
    order = np.sort(np.fromiter(others, dtype=np.int64, count=len(others)))
    norms = vectors.norms[order] * np.float32(probe.norm())
    dots = vectors.rows[order] @ probe.vector.astype(np.float32, copy=False)
    cosines = np.divide(dots, norms, out=np.zeros(len(order), dtype=np.float32), where=norms > 0)
    chosen = order[np.lexsort((order, -cosines))[:limit]]  # most alike first, then position
    return kept | set(chosen.tolist())


def _months(low: date, high: date) -> list[tuple[int, int]]:
    """(year, month) of every month the days low..high touch."""
    out = []
    year, month = low.year, low.month
    while (year, month) <= (high.year, high.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_day(year: int, month: int, day: int) -> date:
    """The day, or the month's last day for one past it (how grouping reads a stated day)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def place_class(cluster: _Probe) -> str:
    """What ``grouping._places_clash`` looks at: "towns" when it names a town (region, country),
    "sites" when only sites (buildings, streets), "none" without a place. Two clusters of one
    class ("towns" or "sites") with no place in common clash: ``_score`` rejects them unless their
    days are the same."""
    if not cluster.places:
        return "none"
    return "towns" if set(cluster.places) - cluster.sites else "sites"


def date_state(cluster: _Probe) -> State:
    """What ``grouping._date_relation`` looks at: the best date, else the bound, else nothing."""
    if cluster.best is not None:
        return ("best", cluster.best)
    if cluster.bound is not None:
        return ("bound", cluster.bound)
    return NO_DATE


Filed = tuple[State, str]  # a cluster's date state and place class


class DateBuckets:
    """Clusters by their date state and place class: ("b", year, month) → (day, class) →
    clusters for a best date, ("w", year, month) → (None, class) → clusters for each month a
    bound touches, ("u",) → (None, class) → clusters for no date."""

    def __init__(self) -> None:
        self.buckets: dict[tuple, dict[tuple[int | None, str], set[int]]] = {}
        self.years: set[int] = set()  # every year filed, for year-less probes

    def _slots(self, filed: Filed) -> Iterator[tuple[tuple, tuple[int | None, str]]]:
        state, place = filed
        if state[0] == "best":
            year, month, day = state[1]
            yield ("b", year, month), (day, place)
        elif state[0] == "bound":
            for year, month in _months(*state[1]):
                yield ("w", year, month), (None, place)
        else:
            yield ("u",), (None, place)

    def add(self, c: int, filed: Filed) -> None:
        for coarse, fine in self._slots(filed):
            self.buckets.setdefault(coarse, {}).setdefault(fine, set()).add(c)
            if coarse[0] != "u" and coarse[1] is not None:
                self.years.add(coarse[1])

    def discard(self, c: int, filed: Filed) -> None:
        for coarse, fine in self._slots(filed):
            days = self.buckets[coarse]
            days[fine].discard(c)
            if not days[fine]:  # retired clusters leave no empty buckets behind (grouping's slices)
                del days[fine]
                if not days:
                    del self.buckets[coarse]

    def near(self, state: State, clash: str | None = None) -> Iterator[set[int]]:
        """Sets whose union is a superset of the clusters filed here whose date may fit ``state``,
        leaving out those of place class ``clash`` unless their best date is the probe's day."""
        if state[0] == "none":
            for days in self.buckets.values():
                yield from (fitting for (_, place), fitting in days.items() if place != clash)
            return
        every_day: list[tuple] = []  # coarse buckets taken whole
        day_of: list[tuple] = []  # coarse buckets of best dates, filtered by the probe's day
        day = None
        if state[0] == "best":
            year, month, day = state[1]
            if year is not None:
                if month is None:  # a year fits its months, and any year-less date of them
                    every_day += [("b", year, None)] + [("b", year, m) for m in range(1, 13)]
                    every_day += [("b", None, m) for m in range(1, 13)] + [("w", year, m) for m in range(1, 13)]
                else:
                    day_of += [("b", year, month), ("b", None, month)]
                    every_day += [("b", year, None), ("w", year, month)]
            else:  # a year-less date fits its month of any year (month is set: parse_date_value)
                day_of += [("b", y, month) for y in (*self.years, None)]
                every_day += [("b", y, None) for y in self.years] + [("w", y, month) for y in self.years]
        else:
            low, high = state[1]
            touched = _months(low, high)
            every_day += [("w", y, m) for y, m in touched] + [("b", y, None) for y in {y for y, _ in touched}]
            # A best date of a month the window touches fits when its day is in the window (of
            # some year, for a year-less one): ``_date_bound_relation``.
            for coarse in [("b", y, m) for y, m in touched] + [("b", None, m) for m in {m for _, m in touched}]:
                years = [coarse[1]] if coarse[1] is not None else range(low.year, high.year + 1)
                for (fine, place), fitting in self.buckets.get(coarse, {}).items():
                    if place != clash and (fine is None or any(low <= month_day(y, coarse[2], fine) <= high
                                                               for y in years)):
                        yield fitting
        every_day.append(("u",))
        for coarse in every_day:
            yield from (fitting for (_, place), fitting in self.buckets.get(coarse, {}).items() if place != clash)
        exact = state[0] == "best" and None not in state[1]  # "exact" (a place clash costs, not rejects)
        for coarse in day_of:
            days = self.buckets.get(coarse)
            if not days:
                continue
            for (fine, place), fitting in days.items():
                if fine is None or day is None or fine == day:
                    if place != clash or (exact and fine == day and coarse[1] is not None):
                        yield fitting


class CandidateIndex:
    """Clusters by blocking key, each block filtered by the clusters' dates and places (see module doc)."""

    def __init__(self) -> None:
        self.plain: dict[tuple, set[int]] = defaultdict(set)  # non-date key -> clusters
        self.split: dict[tuple, DateBuckets] = {}  # the plain keys' blocks larger than SPLIT_SIZE, by date
        self.date_keys: dict[int, set[tuple]] = defaultdict(set)  # cluster -> every date key it had
        self.date_keys_now: dict[int, set[tuple]] = {}  # cluster -> its date keys when last registered
        self.state: dict[int, Filed] = {}  # cluster -> its date state and place class
        self.by_family: dict[str, DateBuckets] = defaultdict(DateBuckets)  # dated clusters, for the date keys
        self.vectors = ClusterVectors()  # the registered clusters' summed vectors, for most_alike

    def register(self, c: int, cluster: _Probe) -> None:
        """Index cluster ``c`` under its current keys and date (it keeps its earlier keys, and a
        cluster's plain keys only grow: its articles, participants, places and names)."""
        old = self.state.get(c)
        vector = getattr(cluster, "vector", None)  # grouping's clusters have one
        if vector is not None:
            self.vectors.set(c, vector, cluster.norm())  # type: ignore[attr-defined]
        state = (date_state(cluster), place_class(cluster))
        changed = state != old
        self.state[c] = state
        if changed:
            family = self.by_family[cluster.family]
            if old is not None and old[0] != NO_DATE:
                family.discard(c, old)
            if state[0] != NO_DATE:
                family.add(c, state)
        now = self.date_keys_now[c] = set()
        for key in cluster.keys():
            if key[0] in DATE_KEY_KINDS:
                self.date_keys[c].add(key)
                now.add(key)
                continue
            members = self.plain[key]
            split = self.split.get(key)
            if c not in members:
                members.add(c)
                if split is not None:
                    split.add(c, state)
                elif len(members) > SPLIT_SIZE:
                    self.split[key] = split = DateBuckets()
                    for d in members:
                        split.add(d, self.state[d])
            elif changed and split is not None:
                split.discard(c, old)  # type: ignore[arg-type]  # c was filed under key: old is set
                split.add(c, state)

    def unregister(self, c: int, cluster: _Probe) -> None:
        """Take cluster ``c`` (registered with its current keys, ``cluster``) out of the index:
        no probe is offered it again, and what the index holds for the others is what it would
        hold had ``c`` never been registered (its plain keys only grew, so they are its
        current ones; its date keys go with it)."""
        filed = self.state.pop(c, None)
        if filed is None:
            return
        if filed[0] != NO_DATE:
            self.by_family[cluster.family].discard(c, filed)
        for key in cluster.keys():
            if key[0] in DATE_KEY_KINDS:
                continue
            members = self.plain.get(key)
            if members is None or c not in members:
                continue
            members.discard(c)
            split = self.split.get(key)
            if split is not None:
                split.discard(c, filed)
            if not members:
                del self.plain[key]
                self.split.pop(key, None)
        self.date_keys.pop(c, None)
        self.date_keys_now.pop(c, None)

    def candidates(self, probe: _Probe, c: int | None = None) -> set[int]:
        """The clusters to score ``probe`` against (see the module docstring).

        With ``c``, the registered cluster that ``probe`` is: also the clusters whose own
        candidates hold ``c``. A cluster keeps the date keys it had, so ``d`` may find ``c`` through
        an old key of ``c`` that ``c`` no longer finds ``d`` by (the plain keys only grow: they
        find both ways). The merge pass scores a pair found from either side, and in its later
        rounds probes from one side only.
        """
        state = date_state(probe)
        # Clusters of the probe's place class clash with it, unless they share a place: those
        # its place keys ("l") find.
        clash = place_class(probe) if probe.places else None
        out: set[int] = set()
        date_keys = set()
        for key in probe.keys():
            if key[0] in DATE_KEY_KINDS:
                date_keys.add(key)
            elif (split := self.split.get(key)) is not None:
                for fitting in split.near(state, None if key[0] == "l" else clash):
                    out |= fitting
            else:
                out |= self.plain.get(key, set())
        had = self.date_keys.get(c, set()) if c is not None else set()
        if (date_keys or had) and state != NO_DATE:
            family = self.by_family.get(probe.family)
            for fitting in family.near(state, clash) if family is not None else ():
                for d in fitting:
                    if d not in out and (not self.date_keys[d].isdisjoint(date_keys)
                                         or not self.date_keys_now[d].isdisjoint(had)):
                        out.add(d)
        return out
