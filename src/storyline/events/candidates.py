"""The candidate index of event grouping: which clusters a mention (or cluster) is scored against.

Grouping scores a probe against every cluster that shares a blocking key with it
(:meth:`storyline.events.grouping._Cluster.keys`). The year and month keys ("y"/"m": every
meeting of 2021, every meeting of any September) make those blocks grow with the corpus, so a
plain key → clusters index makes grouping quadratic. But ``grouping._score`` rejects a pair
whose dates are incompatible before anything else, so for the date keys only the clusters whose
*current* date could fit the probe's need to be looked at. This index returns exactly

    {clusters registered under a non-date key of the probe}
  ∪ {clusters registered under a date key of the probe whose date may fit the probe's date}

where "may fit" is a superset of ``grouping._date_relation(...) != "incompatible"``, found
through the clusters' dates instead of by scanning the blocks:

* a probe dated (Y, M, D) fits a cluster dated v when each part of v is equal or missing
  (``parts_relation``): at most five values for a day, the values of one month or one year
  otherwise; a year-less probe fits any year;
* a date fits a publication-date bound (a window of days) when its interval overlaps it: the
  months the window touches, by (year, month), and by month of the year for year-less dates.

The pairs dropped are ones ``_score`` returns None for, so the clusters and events are those of
the plain index (``tests/events/test_candidates.py`` compares the two on random clusters).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Protocol

from storyline.events.model import DateParts

DATE_KEY_KINDS = ("y", "m")  # the blocking keys answered through the clusters' dates


class _Probe(Protocol):
    family: str
    best: DateParts | None
    bound: tuple[date, date] | None

    def keys(self) -> set[tuple]: ...


def _months(low: date, high: date) -> list[tuple[int, int]]:
    """(year, month) of every month the days low..high touch."""
    out = []
    year, month = low.year, low.month
    while (year, month) <= (high.year, high.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


class CandidateIndex:
    """Clusters by blocking key; date keys through the clusters' current dates (see module doc)."""

    def __init__(self) -> None:
        self.plain: dict[tuple, set[int]] = defaultdict(set)  # non-date key -> clusters
        self.date_keys: dict[int, set[tuple]] = defaultdict(set)  # cluster -> every date key it had
        self.state: dict[int, tuple] = {}  # cluster -> ("best", family, parts) | ("bound", family, window)
        # clusters by their best date; distinct best dates by (year, month), (month, day), month, year
        self.by_value: dict[tuple[str, DateParts], set[int]] = defaultdict(set)
        self.values_ym: dict[tuple[str, int | None, int | None], set[DateParts]] = defaultdict(set)
        self.values_md: dict[tuple[str, int | None, int | None], set[DateParts]] = defaultdict(set)
        self.values_m: dict[tuple[str, int | None], set[DateParts]] = defaultdict(set)
        self.values_y: dict[tuple[str, int | None], set[DateParts]] = defaultdict(set)
        # clusters with only a publication-date bound, by each month it touches (and month of year)
        self.bound_ym: dict[tuple[str, int, int], set[int]] = defaultdict(set)
        self.bound_moy: dict[tuple[str, int], set[int]] = defaultdict(set)

    def register(self, c: int, cluster: _Probe) -> None:
        """Index cluster ``c`` under its current keys and date (it keeps its earlier keys)."""
        for key in cluster.keys():
            if key[0] in DATE_KEY_KINDS:
                self.date_keys[c].add(key)
            else:
                self.plain[key].add(c)
        if cluster.best is not None:
            state: tuple | None = ("best", cluster.family, cluster.best)
        elif cluster.bound is not None:
            state = ("bound", cluster.family, cluster.bound)
        else:
            state = None
        old = self.state.get(c)
        if state == old:
            return
        if old is not None:
            self._file(c, old, remove=True)
        if state is not None:
            self._file(c, state, remove=False)
            self.state[c] = state

    def _file(self, c: int, state: tuple, *, remove: bool) -> None:
        kind, family, value = state
        if kind == "best":
            if remove:
                self.by_value[(family, value)].discard(c)
                return
            self.by_value[(family, value)].add(c)
            year, month, day = value
            self.values_ym[(family, year, month)].add(value)
            self.values_md[(family, month, day)].add(value)
            self.values_m[(family, month)].add(value)
            self.values_y[(family, year)].add(value)
            return
        for year, month in _months(*value):
            for bucket in (self.bound_ym[(family, year, month)], self.bound_moy[(family, month)]):
                bucket.discard(c) if remove else bucket.add(c)

    def candidates(self, probe: _Probe) -> set[int]:
        """The clusters to score ``probe`` against (see the module docstring)."""
        keys = probe.keys()
        out: set[int] = set()
        date_keys = set()
        for key in keys:
            if key[0] in DATE_KEY_KINDS:
                date_keys.add(key)
            else:
                out |= self.plain.get(key, set())
        if date_keys:
            for c in self._near(probe.family, probe.best, probe.bound):
                if c not in out and not self.date_keys[c].isdisjoint(date_keys):
                    out.add(c)
        return out

    def _near(self, family: str, best: DateParts | None, bound: tuple[date, date] | None) -> set[int]:
        """A superset of the clusters of ``family`` whose date may fit ``best`` (or else ``bound``)."""
        values: set[DateParts] = set()
        out: set[int] = set()
        if best is not None:
            year, month, day = best
            if year is not None:
                if month is None:
                    values = self.values_y.get((family, year), set()) | self.values_y.get((family, None), set())
                    months = [(year, m) for m in range(1, 13)]
                else:
                    if day is None:
                        values = self.values_ym.get((family, year, month), set()) | self.values_ym.get(
                            (family, None, month), set())
                    else:
                        values = {best, DateParts(year, month, None), DateParts(None, month, day),
                                  DateParts(None, month, None)}
                    values.add(DateParts(year, None, None))
                    months = [(year, month)]
                for y, m in months:
                    out |= self.bound_ym.get((family, y, m), set())
            elif month is not None:  # a year-less date fits any year
                if day is None:
                    values = set(self.values_m.get((family, month), set()))
                else:
                    values = self.values_md.get((family, month, day), set()) | self.values_md.get(
                        (family, month, None), set())
                values |= self.values_md.get((family, None, None), set())  # year-only dates
                out |= self.bound_moy.get((family, month), set())
        elif bound is not None:
            touched = _months(*bound)
            for y, m in touched:
                values |= self.values_ym.get((family, y, m), set())
                values |= self.values_ym.get((family, None, m), set())
                out |= self.bound_ym.get((family, y, m), set())
            for y in {y for y, _ in touched}:
                values.add(DateParts(y, None, None))
        for value in values:
            out |= self.by_value.get((family, value), set())
        return out
