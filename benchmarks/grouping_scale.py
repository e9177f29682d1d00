"""How corpus-wide event grouping scales with corpus size, without spaCy (a script, not a test).

    python benchmarks/run.py grouping-scale --sizes 10000,50000,100000
    python benchmarks/grouping_scale.py --sizes 10000,50000,100000 --spread years

Input: the event mentions of an annotated base database (default: the synthetic corpus built by
``run.py --corpus synthetic --n 2000``; its 1,855 stored articles hold about 42,600 usable event
mentions). The base is replicated until the wanted number of articles: copy r renames every
article (``<id>~r``) and every person and place (``<entity id>~r``: new names, as another story
would have), and moves every date:

* ``--spread years`` (default): copy r is 20·r years later (a growing archive: as many events
  per month as in the base, at any size). Copies share month-of-year keys (so they fall into
  the same key-connected components, as real stories do) but no date, place or person, so the
  events are the base's events times the number of copies;
* ``--spread dense``: copy r moves by a random number of days in ±2 years (the same period gets
  ever more stories: a denser corpus).

Each copy's sentence vectors get random sign flips of their coordinates (orthogonal: cosines
within a copy are the base's to the last bit, across copies near 0, as between unrelated
sentences), so copies do not join on textual likeness alone.

Names around a mention (``EventMention.names``, entity → rarity) and its sites are renamed with
the copy too; names keep the base's rarity. Sentence vectors are the base's: the ones stored in ``event_mentions.vector`` or, for a base
built before the embed stage, computed once per article with USE (as the annotation stage does)
and cached next to the base database.

Each size runs in a fresh process (``--one-size``) so its peak RSS is its own, and times the
three steps of ``storyline.events.partition``: map + shuffle (keys, union-find), reduce
(``grouping.cluster_mentions`` per component, in process as the local executor does), global
step (``grouping.events_from_clusters``: ids, roles, order), and prints seconds per 10,000
articles and memory (RSS once the input is built, and the peak).
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
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_BASE = HERE.parent / "artifacts" / "benchmarks" / "synthetic-n2000.db"
YEARS_PER_COPY = 20  # the synthetic corpus spans 2009-2025: copies never share a year
PAGE = os.sysconf("SC_PAGE_SIZE")


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


def load_base(base_db: Path) -> Base:
    """Mentions, vectors, light articles and entities of an annotated database (left unchanged)."""
    from storyline import stages
    from storyline.events import grouping
    from storyline.records import AnnotatedArticle
    from storyline.store.sqlite import Store

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "base.db"
        shutil.copyfile(base_db, copy)
        store = Store(copy)
        try:
            ents, mapping = stages.resolve_corpus_entities(store)
            mentions = stages._load_event_mentions(store, mapping)
            full = stages._load_articles(store)
            usable = grouping.usable_mentions(mentions, ents, full)
            cache = base_db.with_name(base_db.stem + ".grouping-vectors.npz")
            vectors = _base_vectors(store, usable, full, cache)
        finally:
            store.close()
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


def replicate(base: Base, n_articles: int, spread: str = "years"):
    """(usable, vectors, articles, entities) for ``n_articles`` articles made of copies of the base."""
    from storyline.records import Entity

    base_ids = sorted(base.articles)
    copies = -(-n_articles // len(base_ids))
    wanted: dict[int, set[str]] = {r: set(base_ids) for r in range(copies)}
    wanted[copies - 1] = set(base_ids[: n_articles - (copies - 1) * len(base_ids)])

    def aid(a: str, r: int) -> str:
        return a if r == 0 else f"{a}~{r}"

    def eid(e: str, r: int) -> str:
        return e if r == 0 else f"{e}~{r}"

    entities: dict = {}
    articles: dict = {}
    usable: list = []
    rows: list[int] = []
    copy_rows: list[int] = []
    for r in range(copies):
        years, days = (YEARS_PER_COPY * r, 0) if spread == "years" else (0, _dense_days(r))
        for e in base.entities.values():
            entities[eid(e.entity_id, r)] = e if r == 0 else Entity(eid(e.entity_id, r), e.label,
                                                                     f"{e.canonical} {r}", {})
        for a in base_ids:
            if a in wanted[r]:
                art = base.articles[a]
                articles[aid(a, r)] = replace(art, article_id=aid(a, r),
                                              published=shift_value(art.published, years, days))
        for k, m in enumerate(base.usable):
            if m.article_id not in wanted[r]:
                continue
            if r == 0:
                usable.append(m)
            else:
                antecedent = None
                if m.antecedent:
                    a, rest = m.antecedent.rsplit(":", 3)[0], m.antecedent.rsplit(":", 3)[1:]
                    antecedent = ":".join([aid(a, r), *rest])
                # Every field that holds entity ids is renamed with the copy (grouping compares them).
                renamed: dict = {}
                if hasattr(m, "names"):
                    renamed["names"] = {eid(e, r): w for e, w in m.names.items()}
                if hasattr(m, "site_ids"):
                    renamed["site_ids"] = frozenset(eid(e, r) for e in m.site_ids)
                usable.append(replace(
                    m, article_id=aid(m.article_id, r), date_value=shift_value(m.date_value, years, days),
                    place_id=eid(m.place_id, r) if m.place_id else None,
                    place_ids=[eid(p, r) for p in m.place_ids], participant_ids=[eid(p, r) for p in m.participant_ids],
                    antecedent=antecedent, **renamed))
            rows.append(k)
            copy_rows.append(r)
    # grouping expects (article, sentence, start) order, as usable_mentions gives
    order = sorted(range(len(usable)), key=lambda i: (usable[i].article_id, usable[i].sentence_index, usable[i].start))
    usable = [usable[i] for i in order]
    vectors = base.vectors[np.asarray(rows, dtype=np.int64)[order]] if rows else base.vectors[:0]
    # Another story is written in other sentences: each copy's vectors get random sign flips of
    # their coordinates, an orthogonal map that keeps every float of a dot product within the
    # copy (so the copy groups exactly as the base) while across copies the cosine is that of
    # unrelated texts (near 0; USE gives unrelated news sentences 0.2-0.4).
    copy_of = np.asarray(copy_rows, dtype=np.int64)[order]
    dim = vectors.shape[1]
    for r in range(1, copies):
        signs = np.random.default_rng(r).choice(np.array([-1.0, 1.0], dtype=np.float32), dim)
        vectors[copy_of == r] *= signs
    return usable, vectors, articles, entities


# ------------------------------------------------------------------------------------- one size


def one_size(base_db: Path, n: int, spread: str) -> dict:
    from storyline.events import grouping, partition

    t0 = time.perf_counter()
    base = load_base(base_db)
    usable, vectors, articles, entities = replicate(base, n, spread)
    del base
    prep_s = time.perf_counter() - t0
    rss_input = rss_bytes()

    cpu0, t0 = time.process_time(), time.perf_counter()
    parts = partition.components(usable)
    map_s, map_cpu = time.perf_counter() - t0, time.process_time() - cpu0
    cpu1, t1 = time.process_time(), time.perf_counter()
    clusters = [c for task in partition.reduce_tasks(usable, vectors, parts) for c in partition.reduce_bundle(task)]
    reduce_s, reduce_cpu = time.perf_counter() - t1, time.process_time() - cpu1
    cpu2, t2 = time.process_time(), time.perf_counter()
    rank = partition.founding_ranks(usable)
    clusters.sort(key=lambda c: rank[c.members[0]])
    events = grouping.events_from_clusters(clusters, usable, articles, entities, None)
    global_s, global_cpu = time.perf_counter() - t2, time.process_time() - cpu2
    total_s, cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
    sizes = sorted((len(p) for p in parts), reverse=True)
    return {
        "articles": len(articles), "mentions": len(usable), "events": len(events), "clusters": len(clusters),
        "components": len(parts), "largest_components": sizes[:5], "spread": spread,
        "prep_s": prep_s, "map_shuffle_s": map_s, "reduce_s": reduce_s, "global_s": global_s,
        "map_shuffle_cpu_s": map_cpu, "reduce_cpu_s": reduce_cpu, "global_cpu_s": global_cpu,
        "cpu_s_per_10k": cpu_s / len(articles) * 10_000,
        "grouping_s": total_s, "grouping_cpu_s": cpu_s, "s_per_10k": total_s / len(articles) * 10_000,
        "rss_input_mib": rss_input / 2**20, "peak_rss_mib": maxrss_bytes() / 2**20,
        "loadavg": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="event grouping time and memory by corpus size (no spaCy)")
    ap.add_argument("--sizes", default="10000,50000,100000", help="articles, comma-separated")
    ap.add_argument("--base-db", default=str(DEFAULT_BASE),
                    help="an annotated database to replicate (default: %(default)s, made by "
                         "`run.py --corpus synthetic --n 2000`)")
    ap.add_argument("--spread", choices=("years", "dense"), default="years")
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--one-size", type=int, help=argparse.SUPPRESS)  # a child process: one size, JSON out
    args = ap.parse_args(argv)
    base_db = Path(args.base_db)
    if not base_db.exists():
        ap.error(f"{base_db}: no base database; build one with "
                 "`python benchmarks/run.py --corpus synthetic --n 2000 --stages all`")
    if args.one_size:
        print(json.dumps(one_size(base_db, args.one_size, args.spread)))
        return 0
    rows = []
    for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--base-db", str(base_db), "--spread", args.spread,
               "--one-size", str(n)]
        print(f"$ {' '.join(cmd)}  (load {os.getloadavg()[0]:.1f})", file=sys.stderr, flush=True)
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(f"\n== event grouping by corpus size (--spread {args.spread}; one process per size; seconds wall)")
    print(f"{'articles':>9}{'mentions':>10}{'events':>8}{'comps':>7}{'largest':>9}{'map+shuf':>9}{'reduce':>8}"
          f"{'global':>8}{'total':>8}{'CPU':>8}{'s/10k':>8}{'CPU/10k':>8}{'RSS in':>8}{'peak':>8}{'load':>6}")
    for r in rows:
        print(f"{r['articles']:>9,}{r['mentions']:>10,}{r['events']:>8,}{r['components']:>7,}"
              f"{r['largest_components'][0]:>9,}{r['map_shuffle_s']:>9.1f}{r['reduce_s']:>8.1f}{r['global_s']:>8.1f}"
              f"{r['grouping_s']:>8.1f}{r['grouping_cpu_s']:>8.1f}{r['s_per_10k']:>8.1f}"
              f"{r['grouping_cpu_s'] / r['articles'] * 10_000:>8.1f}"
              f"{r['rss_input_mib']:>8,.0f}{r['peak_rss_mib']:>8,.0f}{r['loadavg'][0]:>6.1f}")
    print("seconds: wall, CPU = process CPU; comps: key-connected components; largest: mentions in the largest; "
          "RSS in: MiB once the input (mentions, vectors, articles) is built; peak: ru_maxrss MiB; "
          "load: 1-min load average at the end")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
