"""How corpus-wide entity resolution scales with corpus size, without spaCy (a script, not a test).

    python benchmarks/entity_scale.py --sizes 10000,50000,100000

Input: the entity mentions of an annotated base database (default: the synthetic corpus built by
``run.py --corpus synthetic --n 2000``: 1,855 stored articles, about 98,000 mentions). The base
is replicated until the wanted number of articles: copy r gives every article a new id and keeps
its mentions as they are, so the same people, places and organisations recur across the corpus
as they do in an archive that follows a story (the distinct names stay those of the base; what
grows is the number of mentions and articles). Previous entity ids are cleared, as in a first build.

Each size runs in a fresh process (``--one-size``) and times
``storyline.stages.resolve_corpus_entities`` (all its passes, the writes of entity ids and labels,
the entity tables), and prints seconds per 10,000 articles, the RSS before it and the peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_BASE = HERE.parent / "artifacts" / "benchmarks" / "synthetic-n2000.db"
PAGE = os.sysconf("SC_PAGE_SIZE")
COLUMNS = ("article_id, sentence_index, start, end, text, label, entity_id, local_entity_id, alias_of, stage, "
           "stage_version")


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def make_corpus(base: Path, target: Path, articles: int) -> int:
    """Write a database holding the base's entity mentions replicated to `articles` articles."""
    from storyline.store.sqlite import Store

    Store(target).close()  # the schema
    src = sqlite3.connect(base)
    ids = [r[0] for r in src.execute("SELECT DISTINCT article_id FROM entity_mentions ORDER BY article_id")]
    dst = sqlite3.connect(target)
    dst.execute("PRAGMA foreign_keys = OFF")  # no article rows: only the entity stage runs here
    written = 0
    copy = 0
    while written < articles:
        take = ids[: articles - written]
        for first in range(0, len(take), 500):
            page = take[first:first + 500]
            rows = src.execute(f"SELECT {COLUMNS} FROM entity_mentions WHERE article_id >= ? AND article_id <= ?",
                               (page[0], page[-1])).fetchall()
            # copy r: a new article id of the same shape (the id sorts like any other)
            dst.executemany(f"INSERT INTO entity_mentions({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                            [(f"{r[0]}{copy:04x}", *r[1:6], None, *r[7:]) for r in rows])
        written += len(take)
        copy += 1
    dst.commit()
    n = dst.execute("SELECT COUNT(*) FROM entity_mentions").fetchone()[0]
    dst.close()
    src.close()
    return n


def one_size(base: Path, articles: int, workdir: Path) -> dict:
    from storyline import stages
    from storyline.store.sqlite import Store

    db = workdir / f"entities-{articles}.db"
    if db.exists():
        db.unlink()
    mentions = make_corpus(base, db, articles)
    store = Store(db)
    before = rss_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    with store.transaction():
        ents, _local_map = stages.resolve_corpus_entities(store)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    store.close()
    db.unlink()
    return {"articles": articles, "mentions": mentions, "entities": len(ents),
            "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "seconds_per_10k_articles": round(wall * 10_000 / articles, 2),
            "rss_before_mib": round(before, 1),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "load": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--base-db", type=Path, default=DEFAULT_BASE)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--one-size", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="entity-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.one_size:
        print(json.dumps(one_size(args.base_db, args.one_size, workdir)))
        return
    if not args.base_db.exists():
        sys.exit(f"{args.base_db}: no base database (build one with run.py --corpus synthetic --n 2000 --keep-db)")
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one-size", str(size), "--base-db", str(args.base_db),
                              "--workdir", str(workdir)], check=True, capture_output=True, text=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = results[-1]
        print(f"{r['articles']:>7,} articles {r['mentions']:>10,} mentions: {r['seconds']:8.1f} s "
              f"({r['seconds_per_10k_articles']:.1f} s per 10k articles), entities {r['entities']:,}, "
              f"RSS before {r['rss_before_mib']:.0f} MiB, peak {r['peak_rss_mib']:.0f} MiB, load {r['load']:.1f}",
              flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
