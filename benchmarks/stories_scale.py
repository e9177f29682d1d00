"""How the stories stage scales with corpus size, without spaCy (a script, not a test).

    python benchmarks/stories_scale.py --sizes 10000,50000
    python benchmarks/stories_scale.py --sizes 10000 --tracemalloc

Input: the events, articles and entities of an annotated base database (default: the synthetic
corpus of ``run.py --corpus synthetic --n 2000``, the base of ``grouping_scale.py``), entities
resolved with the code under test, events as the base stores them. The base is replicated to
the wanted number of articles as ``grouping_scale.py`` does with ``--spread years``: copy r
renames every article (``<id>~r``), entity (``<entity id>~r``, canonical ``<name> r``) and event
(``<event id>~r``) and moves every date 20·r years (copies share no name, so each copy makes the
base's stories: the output grows with the corpus, the rest of the work should not).

The replica's events are written to an ``EventSpill`` (as a build's are: ``stages.
_facts_and_stories`` passes it to ``stories.group_stories``), its articles are made one at a
time as the stage reads them (in id order, as a build reads them a chunk at a time) with their
sentences, title and entity mentions only (all the stage reads), and its entities are made when
asked for: the benchmark itself holds the base and a few arrays, the same at any size.

Each size runs in a fresh process and times the stage alone, as a build runs it (the stories
written one at a time, ``stories.iter_stories``, where the code has it; else the list of
``stories.group_stories``, held whole as a build held it before session 7): process CPU
seconds (of which making the replica's articles, ``made``), peak RSS during the stage (sampled
every 0.05 s) above the RSS before it, and with ``--tracemalloc`` the peak of the Python
allocations the stage made (slower; exact). The stories found are counted and hashed (ids,
events, articles, dates, titles) so that two versions of the code can be compared at any size.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from grouping_scale import (  # noqa: E402  (a sibling script)
    DEFAULT_BASE, YEARS_PER_COPY, _copy_of, _PeakSampler, maxrss_bytes, resolved_copy, rss_bytes, shift_value)


def load_base(base_db: Path) -> tuple[list, dict, dict]:
    """Events, light articles (no text, timexes or figures) and entities of a copy of ``base_db``."""
    from storyline import stages
    from storyline.store.events_io import load_events

    with resolved_copy(base_db) as (store, ents, _mapping):
        events = load_events(store)
        articles = {a.article_id: replace(a, text="", timexes=[], figures=[])
                    for _ids, chunk in stages._article_chunks(store) for a in chunk}
    return events, articles, ents


class _Entities(Mapping):
    """The replica's entities, made when asked for: copy r of an entity has another id and name."""

    def __init__(self, base: dict, copies: int) -> None:
        self.base, self.copies = base, copies

    def __getitem__(self, entity_id: str):
        from storyline.records import Entity

        base_id, r = _copy_of(entity_id, self.base)
        e = self.base[base_id]
        return e if r == 0 else Entity(entity_id, e.label, f"{e.canonical} {r}", {})

    def get(self, entity_id, default=None):  # the stage calls get() a lot: no exception per miss
        try:
            return self[entity_id]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        for r in range(self.copies):
            for e in self.base:
                yield e if r == 0 else f"{e}~{r}"

    def __len__(self) -> int:
        return len(self.base) * self.copies


def _aid(a: str, r: int) -> str:
    return a if r == 0 else f"{a}~{r}"


class Replica:
    def __init__(self, events: list, articles: dict, ents: dict, n_articles: int) -> None:
        self.events, self.articles = events, articles
        base_ids = sorted(articles)
        self.copies = -(-n_articles // len(base_ids))
        self.wanted = {r: set(base_ids) for r in range(self.copies)}
        self.wanted[self.copies - 1] = set(base_ids[: n_articles - (self.copies - 1) * len(base_ids)])
        self.entities = _Entities(ents, self.copies)
        self.made_s = 0.0
        # the order a build reads them in (by id), made here: the stage's peak is not the benchmark's
        self.order = sorted((_aid(a, r), a, r) for r in range(self.copies) for a in self.wanted[r])

    def n_articles(self) -> int:
        return sum(len(w) for w in self.wanted.values())

    def event(self, e, r: int):
        if r == 0:
            return e
        years = YEARS_PER_COPY * r
        ren = lambda ids: [_aid(a, r) for a in ids]  # noqa: E731
        return replace(
            e, event_id=f"{e.event_id}~{r}", date_value=shift_value(e.date_value, years),
            date_hint=shift_value(e.date_hint, years), place_id=_aid(e.place_id, r) if e.place_id else None,
            participant_ids=ren(e.participant_ids), place_ids=ren(e.place_ids), main_articles=ren(e.main_articles),
            mentioning_articles=ren(e.mentioning_articles),
            key_sentences=[(_aid(a, r), s) for a, s in e.key_sentences], mention_keys=[])

    def iter_events(self) -> Iterator[tuple[object, int]]:
        """(event, its number of mentions) of every copy; an event of copy r only if one of its
        articles is in the replica (the last copy is partial)."""
        for r in range(self.copies):
            for e in self.events:
                if r == self.copies - 1 and not any(a in self.wanted[r] for a in e.main_articles
                                                    + e.mentioning_articles):
                    continue
                yield self.event(e, r), len(e.mention_keys)

    def iter_articles(self) -> Iterator:
        """The replica's articles in id order (as a build reads them), made one at a time."""
        for aid, a, r in self.order:
            t0 = time.process_time()
            art = self.articles[a]
            if r:
                art = replace(art, article_id=aid, published=shift_value(art.published, YEARS_PER_COPY * r),
                              entities=[replace(m, article_id=aid, entity_id=_aid(m.entity_id, r) if m.entity_id
                                                else None) for m in art.entities])
            self.made_s += time.process_time() - t0
            yield art


def digest(stories: Iterable) -> tuple[str, int]:
    """A hash of the stories (ids, titles, events, articles, dates), and their number; read one at a time."""
    h, n = hashlib.sha1(), 0
    for s in stories:
        h.update(json.dumps([s.story_id, s.title, s.event_ids, s.article_ids, s.date_from, s.date_to]).encode())
        n += 1
    return h.hexdigest()[:16], n


def run_stage(spill, replica: Replica) -> tuple[str, int]:
    """The stage as a build runs it: the stories one at a time (``iter_stories``, written as they
    come) where the code has it, else the list ``group_stories`` returns (a build's before
    session 7)."""
    from storyline.events import stories as stories_stage

    if not hasattr(stories_stage, "iter_stories"):
        return digest(stories_stage.group_stories(spill, replica.iter_articles(), replica.entities,
                                                  spill.mention_counts))
    from storyline.events.spill import StorySpill

    with StorySpill() as scratch:
        return digest(stories_stage.iter_stories(spill, replica.iter_articles(), replica.entities, scratch,
                                                 spill.mention_counts))


def one_size(base_db: Path, n: int, trace: bool) -> dict:
    from storyline.events.spill import EventSpill

    events, articles, ents = load_base(base_db)
    replica = Replica(events, articles, ents, n)
    spill = EventSpill()
    for e, count in replica.iter_events():
        spill.add(e, count)
    spill._flush()
    rss_before = rss_bytes()
    sampler = _PeakSampler()
    sampler.take()
    if trace:
        tracemalloc.start()
    cpu0 = time.process_time()
    hashed, n_stories = run_stage(spill, replica)
    cpu = time.process_time() - cpu0
    traced = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    peak = sampler.take()
    sampler.stop()
    out = {"articles": replica.n_articles(), "events": len(spill), "stories": n_stories, "digest": hashed,
           "stories_cpu_s": cpu, "made_s": replica.made_s, "rss_before_mib": rss_before / 2**20,
           "peak_rss_mib": peak, "peak_above_mib": peak - rss_before / 2**20,
           "maxrss_mib": maxrss_bytes() / 2**20, "loadavg": os.getloadavg()[0]}
    if trace:
        out["traced_peak_mib"] = traced / 2**20
    spill.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="stories stage time and memory by corpus size (no spaCy)")
    ap.add_argument("--sizes", default="10000,50000", help="articles, comma-separated")
    ap.add_argument("--base-db", default=str(DEFAULT_BASE))
    ap.add_argument("--tracemalloc", action="store_true", help="also the peak of the stage's Python allocations")
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--one-size", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    base_db = Path(args.base_db)
    if not base_db.exists():
        ap.error(f"{base_db}: no base database (see grouping_scale.py)")
    if args.one_size:
        print(json.dumps(one_size(base_db, args.one_size, args.tracemalloc)))
        return 0
    rows = []
    for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--base-db", str(base_db), "--one-size", str(n),
               *(["--tracemalloc"] if args.tracemalloc else [])]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(f"\n{'articles':>9}{'events':>9}{'stories':>9} | {'CPU s':>7}{'(made)':>8}{'/10k':>7} | MiB: {'before':>7}"
          f"{'peak':>7}{'above':>7}{'traced':>7} | digest")
    for r in rows:
        traced = f"{r['traced_peak_mib']:>7.0f}" if "traced_peak_mib" in r else f"{'-':>7}"
        print(f"{r['articles']:>9,}{r['events']:>9,}{r['stories']:>9,} | {r['stories_cpu_s']:>7.1f}{r['made_s']:>8.1f}"
              f"{(r['stories_cpu_s'] - r['made_s']) / r['articles'] * 1e4:>7.1f} | {r['rss_before_mib']:>12.0f}"
              f"{r['peak_rss_mib']:>7.0f}{r['peak_above_mib']:>7.0f}{traced} | {r['digest']}")
    print("CPU s: process CPU seconds of group_stories, (made) of which making the replica's articles; /10k: the "
          "stage's own per 10,000 articles; MiB: RSS before the stage, its sampled peak, the peak above before, "
          "the peak of its traced Python allocations (--tracemalloc)")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
