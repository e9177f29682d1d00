"""How corpus-wide event grouping scales with corpus size, without spaCy (a script, not a test).

    python benchmarks/run.py grouping-scale --sizes 10000,50000,100000
    python benchmarks/grouping_scale.py --sizes 10000,50000,100000 --spread years

Input: the event mentions of an annotated base database (default: the synthetic corpus built by
``run.py --corpus synthetic --n 2000``; its 1,855 stored articles hold about 42,600 usable event
mentions). The base is replicated until the wanted number of articles: copy r renames every
article (``<id>~r``) and every person and place (``<entity id>~r``: new names, as another story
would have), and moves every date:

* ``--spread years`` (default): copy r is 20·r years later (a growing archive: as many events
  per month as in the base, at any size). Copies share month-of-year values but no date, place
  or person, so the events are the base's events times the number of copies (the partition no
  longer joins copies through month-of-year keys: ``storyline.events.partition``);
* ``--spread dense``: copy r moves by a random number of days in ±2 years (the same period gets
  ever more stories: a denser corpus).

Each copy's sentence vectors get random sign flips of their coordinates (orthogonal: cosines
within a copy are the base's to the last bit, across copies near 0, as between unrelated
sentences), so copies do not join on textual likeness alone.

Names around a mention (``EventMention.names``, entity → rarity) and its sites are renamed with
the copy too; names keep the base's rarity. Sentence vectors are the base's: the ones stored in
``event_mentions.vector`` or, for a base built before the embed stage, computed once per article
with USE (as the annotation stage does) and cached next to the base database.

The replica is made on demand (:class:`Replica`), as a build reads its spill of mentions and its
store: the benchmark keeps two int32 per mention (base row, copy); the map step reads every
mention once, each reduce task makes its bundle's mentions, vectors and publication days and drops
them, and returns one summary per event (``grouping.ClusterSummary``), written to a
``SummarySpill`` file as the build does; the global step reads the summaries only and makes the
events one at a time, which the benchmark writes to an ``EventSpill`` file (as the build does:
facts and stories read them from there), keeping none.
The CPU time spent making the replica is printed apart (``*_made_s``): it stands
for reading the spill and the store, and is not grouping.

Each size runs in a fresh process (``--one-size``) so its peak RSS is its own, and times the
three steps of ``storyline.events.partition``: map + shuffle (keys to a file sorted by SQLite,
union-find), reduce (``grouping.cluster_mentions`` and ``grouping.summarize_cluster`` per
component, in process as the local executor does), global step (``grouping.iter_events``: ids,
roles, order), and prints seconds per 10,000
articles and memory (RSS once the input is built, the peak of each step sampled every 0.05 s,
and the process's peak ``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_BASE = HERE.parent / "artifacts" / "benchmarks" / "synthetic-n2000.db"
YEARS_PER_COPY = 20  # the synthetic corpus spans 2009-2025: copies never share a year
PAGE = os.sysconf("SC_PAGE_SIZE")
ITER_CHUNK = 65_536  # replica rows turned into Python ints at a time


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# ------------------------------------------------------------------------------------- the base


@dataclass
class Base:
    usable: list  # EventMention, from grouping.usable_mentions
    vectors: np.ndarray
    articles: dict  # article id -> AnnotatedArticle (no text, no annotations but sentences)
    entities: dict  # entity id -> Entity


@contextmanager
def resolved_copy(base_db: Path) -> Iterator[tuple]:
    """(store, entities, local id map) of a temporary copy of ``base_db`` with its entities resolved
    (the base itself is left unchanged); the copy is closed and removed afterwards."""
    from storyline import stages
    from storyline.store.sqlite import Store

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "base.db"
        shutil.copyfile(base_db, copy)
        store = Store(copy)
        try:
            ents, mapping = stages.resolve_corpus_entities(store)
            yield store, ents, mapping
        finally:
            store.close()


def load_base(base_db: Path) -> Base:
    """Mentions, vectors, light articles and entities of an annotated database (left unchanged)."""
    from storyline import stages
    from storyline.events import grouping
    from storyline.records import AnnotatedArticle

    with resolved_copy(base_db) as (store, ents, mapping):
        mentions = stages._load_event_mentions(store, mapping)
        full = stages._load_articles(store)
        usable = grouping.usable_mentions(mentions, ents, full)
        cache = base_db.with_name(base_db.stem + ".grouping-vectors.npz")
        vectors = _base_vectors(store, usable, full, cache)
    # Grouping's global step reads an article's title, sentences and publication date only.
    articles = {a.article_id: AnnotatedArticle(a.article_id, "", a.title, a.outlet, a.published, a.published_source,
                                               a.sentences, year_known=a.year_known) for a in full}
    return Base(usable, vectors, articles, ents)


def _base_vectors(store, usable: list, articles: list, cache: Path) -> np.ndarray:
    from storyline import stages

    keys = [m.key for m in usable]
    if cache.exists():
        with np.load(cache, allow_pickle=False) as z:
            if list(z["keys"]) == keys:
                return z["vectors"]
    columns = {r[1] for r in store.conn.execute("PRAGMA table_info(event_mentions)")}
    if "vector" not in columns:  # a base built before the embed stage: embed it once, per article
        store.conn.execute("ALTER TABLE event_mentions ADD COLUMN vector BLOB")
    print(f"embedding the base's {len(usable):,} mentions (once; cached in {cache.name})", file=sys.stderr, flush=True)
    vectors = stages._mention_vectors(store, usable, {a.article_id: a for a in articles})
    np.savez(cache, keys=np.array(keys), vectors=vectors)
    return vectors


# ---------------------------------------------------------------------------------- replication

_YEAR = re.compile(r"^(\d{4})")


def _clamp_day(year: int, month: int, day: int) -> int:
    if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return 28  # 29 Feb of a leap year moved to a common year
    return day


def shift_value(value: str | None, years: int = 0, days: int = 0) -> str | None:
    """A TIMEX3 value (or ISO date) moved by ``days`` (date arithmetic) then ``years`` (year field)."""
    if not value:
        return value
    m = re.match(r"^(\d{4}|XXXX)(?:-(\d{2})(?:-(\d{2}))?)?(.*)$", value)
    if not m:
        return value
    year, month, day, rest = m.group(1), m.group(2), m.group(3), m.group(4)
    if rest and not rest.startswith("T"):  # 2021-W37, 2021-SU, ...: only the year moves
        month = day = None
        rest = value[4:]
    if days:
        if day is not None and month is not None:
            ref = 2000 if year == "XXXX" else int(year)  # 2000: a leap year for year-less days
            d = dt.date(ref, int(month), min(int(day), 28 if int(month) == 2 and ref % 4 else 31))
            try:
                d += dt.timedelta(days=days)
            except OverflowError:
                return value
            month, day = f"{d.month:02d}", f"{d.day:02d}"
            year = year if year == "XXXX" else f"{d.year:04d}"
        elif month is not None:
            k = int(month) - 1 + round(days / 30.44)
            month = f"{k % 12 + 1:02d}"
            year = year if year == "XXXX" else f"{int(year) + k // 12:04d}"
        elif year != "XXXX":
            year = f"{int(year) + round(days / 365.25):04d}"
    if years and year != "XXXX":
        year = f"{int(year) + years:04d}"
        if day is not None:
            day = f"{_clamp_day(int(year), int(month), int(day)):02d}"
    out = year + (f"-{month}" if month else "") + (f"-{day}" if day else "") + (rest or "")
    return out


def _dense_days(r: int) -> int:
    return 0 if r == 0 else random.Random(f"copy:{r}").randint(-730, 730)


def _copy_of(some_id: str, base: Mapping) -> tuple[str, int]:
    """(base id, copy) of an article or entity id of the replica (``<base id>~r`` for copy r > 0)."""
    head, sep, tail = some_id.rpartition("~")
    if sep and tail.isdigit() and head in base:
        return head, int(tail)
    return some_id, 0


class _Articles(Mapping):
    """The replica's articles, made when asked for (grouping's global step reads a few fields)."""

    def __init__(self, replica: Replica) -> None:
        self.replica = replica
        self._made = lru_cache(maxsize=1 << 12)(self._made_uncached)  # bounded: memory stays flat

    def __getitem__(self, article_id: str):
        return self._made(article_id)

    def _made_uncached(self, article_id: str):
        t0 = time.process_time()
        try:
            return self._make(article_id)
        finally:
            self.replica.made_s += time.process_time() - t0

    def _make(self, article_id: str):
        base_id, r = _copy_of(article_id, self.replica.base.articles)
        if base_id not in self.replica.base.articles or base_id not in self.replica.wanted[r]:
            raise KeyError(article_id)
        art = self.replica.base.articles[base_id]
        if r == 0:
            return art
        years, days = self.replica.shift(r)
        return replace(art, article_id=article_id, published=shift_value(art.published, years, days))

    def __iter__(self) -> Iterator[str]:
        for r in range(self.replica.copies):
            for a in sorted(self.replica.wanted[r]):
                yield self.replica.aid(a, r)

    def __len__(self) -> int:
        return sum(len(w) for w in self.replica.wanted.values())


class _Entities(Mapping):
    """The replica's entities: copy r of a person or place has another name."""

    def __init__(self, replica: Replica) -> None:
        self.replica = replica

    def __getitem__(self, entity_id: str):
        from storyline.records import Entity

        base_id, r = _copy_of(entity_id, self.replica.base.entities)
        e = self.replica.base.entities[base_id]
        return e if r == 0 else Entity(entity_id, e.label, f"{e.canonical} {r}", {})

    def __iter__(self) -> Iterator[str]:
        for r in range(self.replica.copies):
            for e in self.replica.base.entities:
                yield self.replica.eid(e, r)

    def __len__(self) -> int:
        return len(self.replica.base.entities) * self.replica.copies


class _Mentions(Sequence):
    """The replica's usable mentions in grouping's (article, sentence, start) order, each made
    from (base row, copy) when asked for: the benchmark holds 12 bytes per mention, not the
    mention (about 1 KiB as a Python object), as a build that loads mentions per bundle would."""

    def __init__(self, replica: Replica) -> None:
        self.replica = replica

    def __len__(self) -> int:
        return len(self.replica.rows)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        return self.replica.mention(int(self.replica.rows[i]), int(self.replica.copy_of[i]))


class Replica:
    """``n_articles`` articles made of copies of the base, produced on demand.

    Copy r renames every article (``<id>~r``) and every person and place (``<entity id>~r``),
    moves every date (``--spread``), and flips the signs of some coordinates of its vectors
    (see the module docstring). Only two small arrays per mention are kept: its base row and
    its copy, in grouping's order; mentions, vectors, articles and entities are made when read.
    """

    def __init__(self, base: Base, n_articles: int, spread: str = "years") -> None:
        self.base, self.spread = base, spread
        base_ids = sorted(base.articles)
        self.copies = -(-n_articles // len(base_ids))
        self.wanted: dict[int, set[str]] = {r: set(base_ids) for r in range(self.copies)}
        self.wanted[self.copies - 1] = set(base_ids[: n_articles - (self.copies - 1) * len(base_ids)])
        by_article: dict[str, list[int]] = {}
        for k, m in enumerate(base.usable):  # base.usable is in (article, sentence, start) order
            by_article.setdefault(m.article_id, []).append(k)
        # grouping's order is by article id: "<id>" < "<id>~1" < "<id>~10" < "<id>~2" < the next id
        order = sorted((self.aid(a, r), a, r) for r in range(self.copies) for a in self.wanted[r])
        rows, copy_of = [], []
        for _, a, r in order:
            ks = by_article.get(a, [])
            rows.extend(ks)
            copy_of.extend([r] * len(ks))
        self.rows = np.asarray(rows, dtype=np.int32)
        self.copy_of = np.asarray(copy_of, dtype=np.int32)
        dim = base.vectors.shape[1]
        # Another story is written in other sentences: each copy's vectors get random sign flips
        # of their coordinates, an orthogonal map that keeps every float of a dot product within
        # the copy (so the copy groups exactly as the base) while across copies the cosine is that
        # of unrelated texts (near 0; USE gives unrelated news sentences 0.2-0.4).
        self.signs = np.ones((self.copies, dim), dtype=np.float32)
        for r in range(1, self.copies):
            self.signs[r] = np.random.default_rng(r).choice(np.array([-1.0, 1.0], dtype=np.float32), dim)
        self.usable = _Mentions(self)
        self.articles = _Articles(self)
        self.entities = _Entities(self)
        self.made_s = 0.0  # CPU seconds spent making mentions and vectors (replication, not grouping)
        # The global step reads each member mention two or three times, cluster by cluster: a
        # small cache (bounded, so memory stays flat) saves remaking them.
        self.mention = lru_cache(maxsize=1 << 16)(self._mention)  # type: ignore[method-assign]

    @staticmethod
    def aid(a: str, r: int) -> str:
        return a if r == 0 else f"{a}~{r}"

    @staticmethod
    def eid(e: str, r: int) -> str:
        return e if r == 0 else f"{e}~{r}"

    def shift(self, r: int) -> tuple[int, int]:
        return (YEARS_PER_COPY * r, 0) if self.spread == "years" else (0, _dense_days(r))

    def _mention(self, k: int, r: int):
        t0 = time.process_time()
        m = self.base.usable[k]
        if r:
            years, days = self.shift(r)
            antecedent = None
            if m.antecedent:
                a, rest = m.antecedent.rsplit(":", 3)[0], m.antecedent.rsplit(":", 3)[1:]
                antecedent = ":".join([self.aid(a, r), *rest])
            eid = self.eid
            # Every field that holds entity ids is renamed with the copy (grouping compares them).
            renamed: dict = {}
            if hasattr(m, "names"):
                renamed["names"] = {eid(e, r): w for e, w in m.names.items()}
            if hasattr(m, "site_ids"):
                renamed["site_ids"] = frozenset(eid(e, r) for e in m.site_ids)
            m = replace(
                m, article_id=self.aid(m.article_id, r), date_value=shift_value(m.date_value, years, days),
                place_id=eid(m.place_id, r) if m.place_id else None,
                place_ids=[eid(p, r) for p in m.place_ids], participant_ids=[eid(p, r) for p in m.participant_ids],
                antecedent=antecedent, **renamed)
        self.made_s += time.process_time() - t0
        return m

    def mentions_at(self, positions: list[int]) -> list:
        """Loader for a reduce task: the mentions at these positions."""
        return [self.mention(int(self.rows[i]), int(self.copy_of[i])) for i in positions]

    def published_at(self, article_ids: list[str]) -> dict[str, str]:
        """Loader for a reduce task: the publication days of these articles (as the build's spill)."""
        t0 = time.process_time()
        out = {}
        for article_id in article_ids:
            base_id, r = _copy_of(article_id, self.base.articles)
            published = self.base.articles[base_id].published
            if published:
                out[article_id] = shift_value(published, *self.shift(r))[:10] if r else published[:10]
        self.made_s += time.process_time() - t0
        return out

    def vectors_at(self, positions: list[int]) -> np.ndarray:
        """Loader for a reduce task: the vectors at these positions, a row each."""
        t0 = time.process_time()
        idx = np.asarray(positions, dtype=np.int64)
        out = self.base.vectors[self.rows[idx]] * self.signs[self.copy_of[idx]]
        self.made_s += time.process_time() - t0
        return out

    def iter_mentions(self) -> Iterator:
        """Every mention once, in order (the map step's input), none kept. Read a chunk of rows
        at a time: ``tolist()`` of the whole arrays made two lists of 5 million ints at 100,000
        articles (~225 MiB, the benchmark's own, counted in the map step's peak until session 6)."""
        for first in range(0, len(self.rows), ITER_CHUNK):
            rows = self.rows[first : first + ITER_CHUNK].tolist()
            copies = self.copy_of[first : first + ITER_CHUNK].tolist()
            for k, r in zip(rows, copies):
                yield self.mention(k, r)


# ------------------------------------------------------------------------------------- one size


class _PeakSampler:
    """The largest RSS seen (every 0.05 s) since the last ``reset``: the peak of each step."""

    def __init__(self) -> None:
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_bytes())

    def take(self) -> float:
        """MiB: the peak since the previous take."""
        peak, self.peak = max(self.peak, rss_bytes()), rss_bytes()
        return peak / 2**20

    def stop(self) -> None:
        self._stop.set()


def one_size(base_db: Path, n: int, spread: str, map_only: bool = False) -> dict:
    from storyline.events import grouping, partition
    from storyline.events.spill import EventSpill, SummarySpill

    t0 = time.perf_counter()
    base = load_base(base_db)
    replica = Replica(base, n, spread)
    prep_s = time.perf_counter() - t0
    rss_input = rss_bytes()
    sampler = _PeakSampler()
    sampler.take()

    cpu0, t0 = time.process_time(), time.perf_counter()
    parts = partition.components(replica.iter_mentions())
    map_s, map_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    map_made, replica.made_s = replica.made_s, 0.0
    map_peak = sampler.take()
    if map_only:  # the shuffle's global state alone: what grows with the corpus
        sampler.stop()
        sizes = sorted(parts.sizes().tolist(), reverse=True)
        return {"articles": len(replica.articles), "mentions": len(replica.usable), "components": len(parts),
                "largest_components": sizes[:5], "spread": spread, "prep_s": prep_s, "map_shuffle_s": map_s,
                "map_shuffle_cpu_s": map_cpu, "map_made_s": map_made, "rss_input_mib": rss_input / 2**20,
                "peak_map_mib": map_peak, "peak_rss_mib": maxrss_bytes() / 2**20, "loadavg": os.getloadavg(),
                "map_only": True}
    cpu1, t1 = time.process_time(), time.perf_counter()
    spill = SummarySpill()  # as partition.summaries_partitioned does: each task's summaries to disk
    for task in partition.reduce_tasks(replica.mentions_at, replica.vectors_at, parts,
                                       published=replica.published_at, entities=replica.entities):
        spill.add(partition.reduce_bundle(task))
    reduce_s, reduce_cpu = time.perf_counter() - t1, time.process_time() - cpu1
    reduce_made, replica.made_s = replica.made_s, 0.0
    reduce_peak = sampler.take()
    cpu2, t2 = time.process_time(), time.perf_counter()
    n_summaries = len(spill)
    sizes = sorted(parts.sizes().tolist(), reverse=True)[:5]
    n_parts = len(parts)
    del parts  # the build's go with summaries_partitioned, before the global step
    # The build writes the events to the store and to an EventSpill (facts and stories read
    # them from there): so does the benchmark, which keeps none in memory either.
    with EventSpill() as kept:
        for e in grouping.iter_events(spill, None):
            kept.add(e)
        n_events = len(kept)
    spill.close()
    global_s, global_cpu = time.perf_counter() - t2, time.process_time() - cpu2
    global_made = replica.made_s
    global_peak = sampler.take()
    sampler.stop()
    total_s, cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
    articles = len(replica.articles)
    return {
        "articles": articles, "mentions": len(replica.usable), "events": n_events, "summaries": n_summaries,
        "components": n_parts, "largest_components": sizes, "spread": spread,
        "prep_s": prep_s, "map_shuffle_s": map_s, "reduce_s": reduce_s, "global_s": global_s,
        "map_shuffle_cpu_s": map_cpu, "reduce_cpu_s": reduce_cpu, "global_cpu_s": global_cpu,
        # of which making the replica's mentions and vectors on demand (the benchmark's stand-in
        # for loading them from the store; a real build reads them instead)
        "map_made_s": map_made, "reduce_made_s": reduce_made, "global_made_s": global_made,
        "cpu_s_per_10k": cpu_s / articles * 10_000,
        "grouping_s": total_s, "grouping_cpu_s": cpu_s, "s_per_10k": total_s / articles * 10_000,
        "rss_input_mib": rss_input / 2**20, "peak_rss_mib": maxrss_bytes() / 2**20,
        "peak_map_mib": map_peak, "peak_reduce_mib": reduce_peak, "peak_global_mib": global_peak,
        "loadavg": os.getloadavg(),
    }


def print_table(rows: list[dict], spread: str) -> None:
    per10k = lambda r, key: r[key] / r["articles"] * 10_000  # noqa: E731
    print(f"\n== event grouping by corpus size (--spread {spread}; one process per size)")
    print(f"{'articles':>9}{'mentions':>11}{'events':>9}{'comps':>7}{'largest':>8} | CPU s per 10k articles:"
          f"{'map':>6}{'reduce':>8}{'global':>8}{'(made)':>8}{'total':>8} | {'wall/10k':>8} | MiB:{'input':>6}"
          f"{'map':>6}{'reduce':>7}{'global':>7}{'max':>6}{'load':>6}")
    for r in rows:
        if r.get("map_only"):
            print(f"{r['articles']:>9,}{r['mentions']:>11,}{'-':>9}{r['components']:>7,}"
                  f"{r['largest_components'][0]:>8,} | {'':>22}{per10k(r, 'map_shuffle_cpu_s'):>6.1f}"
                  f"{'(map + shuffle only)':>32} | {'':>8} |     {r['rss_input_mib']:>6,.0f}{r['peak_map_mib']:>6,.0f}"
                  f"{'-':>7}{'-':>7}{r['peak_rss_mib']:>6,.0f}{r['loadavg'][0]:>6.1f}")
            continue
        made = r.get("map_made_s", 0) + r.get("reduce_made_s", 0) + r.get("global_made_s", 0)
        print(f"{r['articles']:>9,}{r['mentions']:>11,}{r['events']:>9,}{r['components']:>7,}"
              f"{r['largest_components'][0]:>8,} | {'':>22}{per10k(r, 'map_shuffle_cpu_s'):>6.1f}"
              f"{per10k(r, 'reduce_cpu_s'):>8.1f}{per10k(r, 'global_cpu_s'):>8.1f}"
              f"{made / r['articles'] * 10_000:>8.1f}{per10k(r, 'grouping_cpu_s'):>8.1f} | "
              f"{per10k(r, 'grouping_s'):>8.1f} |     {r['rss_input_mib']:>6,.0f}{r.get('peak_map_mib', 0):>6,.0f}"
              f"{r.get('peak_reduce_mib', 0):>7,.0f}{r.get('peak_global_mib', 0):>7,.0f}{r['peak_rss_mib']:>6,.0f}"
              f"{r['loadavg'][0]:>6.1f}")
    print("CPU: process CPU seconds of each step per 10,000 articles; (made): of which making the replica's "
          "mentions and vectors on demand (stands for reading the store); wall/10k: wall seconds of the three "
          "steps per 10,000 articles (only comparable at equal load); comps: key-connected components, largest: "
          "mentions in the largest; MiB: RSS once the input is built, peak RSS in each step (sampled), "
          "ru_maxrss; load: 1-minute load average at the end")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="event grouping time and memory by corpus size (no spaCy)")
    ap.add_argument("--sizes", default="10000,50000,100000", help="articles, comma-separated")
    ap.add_argument("--base-db", default=str(DEFAULT_BASE),
                    help="an annotated database to replicate (default: %(default)s, made by "
                         "`run.py --corpus synthetic --n 2000`)")
    ap.add_argument("--spread", choices=("years", "dense"), default="years")
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--one-size", type=int, help=argparse.SUPPRESS)  # a child process: one size, JSON out
    ap.add_argument("--map-only", action="store_true", help="only the map + shuffle step (its memory and time)")
    ap.add_argument("--table", nargs="+", metavar="JSON", help="only print the table of these --json files")
    args = ap.parse_args(argv)
    if args.table:
        rows = sorted((r for f in args.table for r in json.loads(Path(f).read_text())), key=lambda r: r["articles"])
        print_table(rows, rows[0]["spread"] if rows else args.spread)
        return 0
    base_db = Path(args.base_db)
    if not base_db.exists():
        ap.error(f"{base_db}: no base database; build one with "
                 "`python benchmarks/run.py --corpus synthetic --n 2000 --stages all`")
    if args.one_size:
        print(json.dumps(one_size(base_db, args.one_size, args.spread, args.map_only)))
        return 0
    rows = []
    for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--base-db", str(base_db), "--spread", args.spread,
               "--one-size", str(n), *(["--map-only"] if args.map_only else [])]
        print(f"$ {' '.join(cmd)}  (load {os.getloadavg()[0]:.1f})", file=sys.stderr, flush=True)
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print_table(rows, args.spread)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
