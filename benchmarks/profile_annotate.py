"""CPU per article of storyline's own per-article annotation code (a script, not a test).

    python benchmarks/profile_annotate.py [--n 200] [--seed 0] [--examples] [--profile 40]

Ingests a fixed sample (the first ``--n`` synthetic articles of ``benchmarks/synthetic.py``,
and with ``--examples`` also ``examples/corpus``) into a temporary database without annotating,
reads the annotation tasks back as `stages.annotate_articles` does, parses them all once with
`nlp.pipe`, then runs `stages.annotate_doc_rules` over the parsed documents with each annotator
timed (``time.process_time``, CPU-ms per article), then the embed stage (`stages.
embed_annotation`, the encoder's forward pass timed apart from its wrapper), the pickling of the
results (what a worker process ships back), and `stages._write_annotation`. ``--profile N``
then runs the rules once more under cProfile and prints the top N functions by own time.

The annotators are timed by wrapping the functions `stages` calls (the source is not changed);
none of them calls another.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import pickle
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))  # benchmarks/synthetic.py

import synthetic  # noqa: E402
from run import _resolve  # noqa: E402

# (module, attribute, label): the functions `stages.annotate_doc_rules` calls, as it names them.
TIMED = [
    ("storyline.stages.nlp_stage", "sentence_records", "sentence records"),
    ("storyline.stages.entities", "extract_entity_mentions", "entities.extract"),
    ("storyline.stages.timex", "extract_timexes", "timex.extract"),
    ("storyline.stages.docdate", "infer_document_date", "docdate.infer"),
    ("storyline.stages.timex", "renormalize", "timex.renormalize"),
    ("storyline.stages.figures", "extract_figures", "figures.extract"),
    ("storyline.stages.modality", "annotate_modality", "modality"),
    ("storyline.stages.entities", "resolve_entities", "entities.resolve (local)"),
    ("storyline.stages", "doc_text", "doc_text"),
    ("storyline.stages.mentions", "extract_event_mentions", "events.mentions"),
]


def _install(cpu: dict[str, float]) -> list[tuple[object, str, object]]:
    import importlib

    undo = []
    for modname, attr, label in TIMED:
        owner = _resolve(importlib, modname)
        fn = getattr(owner, attr)

        def timed(*args, _fn=fn, _label=label, **kwargs):
            c = time.process_time()
            try:
                return _fn(*args, **kwargs)
            finally:
                cpu[_label] += time.process_time() - c

        setattr(owner, attr, functools.wraps(fn)(timed))
        undo.append((owner, attr, fn))
    return undo


def _tasks(db: Path, paths: list[str]) -> list[tuple]:
    from storyline.config import BuildSettings
    from storyline.pipeline import build
    from storyline.stages import _pending_articles
    from storyline.store.sqlite import Store

    build(paths, db, BuildSettings(), annotate=False)
    store = Store(db)
    ids = _pending_articles(store)
    rows = {r["article_id"]: r for r in store.conn.execute(
        "SELECT article_id, text, language, published, published_source, title, outlet FROM articles")}
    store.close()
    # As stages.annotate_articles hands them to the executor.
    return [(a, rows[a]["text"], rows[a]["published"] if rows[a]["published_source"] != "inferred" else None,
             rows[a]["title"], rows[a]["outlet"], rows[a]["published_source"])
            for a in ids if rows[a]["language"] == "en"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="synthetic articles (0: none)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", action="store_true", help="also examples/corpus")
    parser.add_argument("--repeat", type=int, default=1, help="runs of the rules over the parsed sample")
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions of a cProfile run")
    parser.add_argument("--dump", help="with --profile: also write the cProfile stats to this file")
    args = parser.parse_args(argv)

    from storyline import stages
    from storyline.annotate import doccache
    from storyline.annotate.nlp import load_nlp
    from storyline.events import grouping
    from storyline.executors import NLP_BATCH_SIZE
    from storyline.store.sqlite import Store

    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        if args.n:
            synthetic.write_corpus(Path(tmp) / "syn", args.n, args.seed, per_file=500)
            paths.append(str(Path(tmp) / "syn"))
        if args.examples:
            paths.append(str(REPO / "examples" / "corpus"))
        tasks = _tasks(Path(tmp) / "sample.db", paths)

        nlp = load_nlp()
        grouping.use_embed(["Officials met on Monday."])  # weights load lazily
        c = time.process_time()
        docs = list(nlp.pipe((t[1] for t in tasks), batch_size=NLP_BATCH_SIZE))
        parse_ms = (time.process_time() - c) * 1000 / len(tasks)
        words = sum(len(d) for d in docs)
        print(f"{len(tasks)} articles, {words / len(tasks):.0f} tokens per article; spaCy parse {parse_ms:.1f} CPU-ms/article")

        # Warm-up, untimed: some annotators load their resources on first use (the date
        # recognizers take half a second), once per worker process in a build.
        for (aid, _text, published, title, outlet, source), doc in list(zip(tasks, docs))[:5]:
            doccache.clear()
            stages.embed_annotation(*stages.annotate_doc_rules(doc, aid, published, title, outlet, source))

        cpu: dict[str, float] = defaultdict(float)
        undo = _install(cpu)
        total = 0.0
        results = []
        for _ in range(args.repeat):
            results = []
            for (aid, _text, published, title, outlet, source), doc in zip(tasks, docs):
                doccache.clear()  # each document's caches are built in the run, as in a worker
                c = time.process_time()
                results.append(stages.annotate_doc_rules(doc, aid, published, title, outlet, source))
                total += time.process_time() - c
        for owner, attr, fn in reversed(undo):
            setattr(owner, attr, fn)
        runs = len(tasks) * args.repeat

        # The embed stage: the wrapper (texts, sorting, bytes) apart from the encoder's forward pass.
        model_cpu = [0.0]
        real_embed = grouping.use_embed

        def timed_embed(texts):
            c0 = time.process_time()
            try:
                return real_embed(texts)
            finally:
                model_cpu[0] += time.process_time() - c0

        grouping.use_embed = timed_embed
        c = time.process_time()
        for ann, annotated in results:
            stages.embed_annotation(ann, annotated)
        embed_total = time.process_time() - c
        grouping.use_embed = real_embed

        anns = [ann for ann, _ in results]
        c = time.process_time()
        blob = pickle.dumps(anns, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(blob)
        pickle_ms = (time.process_time() - c) * 1000 / len(anns)

        store = Store(Path(tmp) / "sample.db")
        c = time.process_time()
        with store.transaction():
            for ann in anns:
                stages._write_annotation(store, ann)
        write_ms = (time.process_time() - c) * 1000 / len(anns)
        store.close()

        print(f"\n{'per article, CPU-ms':<34}{'ms':>8}")
        for _m, _a, label in TIMED:
            print(f"  {label:<32}{cpu[label] * 1000 / runs:8.2f}")
        timed_sum = sum(cpu.values())
        print(f"  {'(rest of annotate_doc_rules)':<32}{(total - timed_sum) * 1000 / runs:8.2f}")
        print(f"{'annotate_doc_rules':<34}{total * 1000 / runs:8.2f}")
        print(f"{'embed wrapper (not the encoder)':<34}{(embed_total - model_cpu[0]) * 1000 / len(anns):8.2f}")
        print(f"{'USE encoder (use_embed)':<34}{model_cpu[0] * 1000 / len(anns):8.2f}")
        print(f"{'pickle + unpickle results':<34}{pickle_ms:8.2f}   ({len(blob) / len(anns) / 1024:.1f} KiB/article)")
        print(f"{'_write_annotation':<34}{write_ms:8.2f}")

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for (aid, _text, published, title, outlet, source), doc in zip(tasks, docs):
                doccache.clear()
                stages.annotate_doc_rules(doc, aid, published, title, outlet, source)
            profiler.disable()
            if args.dump:
                profiler.dump_stats(args.dump)
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.profile)
            print(out.getvalue())
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
