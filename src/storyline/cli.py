"""The `storyline` command line. This module only wires options to the stages and views.

Exit codes: 0 success; 1 an error (one line on stderr); 2 bad usage; 3 the build finished but
some inputs were rejected (they are in the ledger with their reasons).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from storyline import __version__

app = typer.Typer(
    name="storyline",
    help="Turn news articles about a developing story into a sourced, dated timeline of events.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(help="Evaluate storyline's stages on public benchmark data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

# Piped output (files, CI logs) gets wide tables instead of Rich's 80-column default.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)

EXIT_ERROR = 1
EXIT_REJECTED = 3

# Shared options (one definition, used by every command that reads or writes a database).
# A str, not a Path: Path would fold the "//" of a postgresql:// URL.
DbOption = Annotated[str, typer.Option(
    "--db", metavar="DB", help="SQLite file or postgresql:// URL (e.g. postgresql://user@host/dbname).",
    envvar="STORYLINE_DB")]
DEFAULT_DB = "storyline.db"


def fail(message: str, code: int = EXIT_ERROR) -> None:
    err_console.print(f"[red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def db_label(db: str) -> str:
    """The database as messages name it: the path, or the URL without its password."""
    from storyline.store.backend import describe

    return describe(db)


def open_store(db: str):
    from storyline.store.sqlite import Store, StoreError

    try:
        return Store(db, read_only=True)
    except StoreError as exc:
        fail(str(exc))


@app.callback(invoke_without_command=True)
def main_callback(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        console.print(f"storyline {__version__}")
        raise typer.Exit()


class ExecutorName(str, Enum):
    local = "local"
    dask = "dask"


@app.command()
def build(
    paths: Annotated[list[str], typer.Argument(help="Files, folders (recursive) or globs to read.")],
    db: DbOption = DEFAULT_DB,
    outlet: Annotated[str | None, typer.Option(help="Outlet name for inputs that carry none.")] = None,
    max_input_mb: Annotated[float, typer.Option(help="Reject input files larger than this.")] = 20.0,
    max_article_chars: Annotated[int, typer.Option(help="Reject articles longer than this.")] = 200_000,
    batch_size: Annotated[int, typer.Option(help="Articles per transaction and per NLP batch.")] = 64,
    annotate: Annotated[bool, typer.Option(help="Run annotation and event stages after ingest.")] = True,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    executor: Annotated[ExecutorName, typer.Option(
        help="Where per-article annotation and event grouping's reduce tasks run: in this process "
             "(local) or on a Dask cluster (dask; needs the dask extra).")] = ExecutorName.local,
    scheduler: Annotated[str | None, typer.Option(
        metavar="ADDRESS", help="Dask scheduler address (e.g. tcp://host:8786) for --executor dask; "
                                "without it a local 2-process cluster is started.")] = None,
    workers: Annotated[int | None, typer.Option(
        min=0, show_default="0 with --executor local",
        help="Processes that parse and annotate with the local executor: 0 = one per CPU core (the "
             "default), 1 = this process, N > 1 = N worker processes (same results, more memory).")] = None,
) -> None:
    """Read articles into the database: ingest, clean, de-duplicate, annotate, group events.

    Every input ends in the ledger as ingested, duplicate or rejected. Re-running on the same
    inputs changes nothing. Exit code 3 means the build finished but some inputs were rejected.
    """
    from storyline.config import BuildSettings, Limits
    from storyline.executors import ExecutorError, dask_available, default_workers
    from storyline.ingest.discover import InputPathError
    from storyline.pipeline import build as run_build
    from storyline.store.sqlite import StoreError

    settings = BuildSettings(
        limits=Limits(max_input_bytes=int(max_input_mb * 1024 * 1024), max_article_chars=max_article_chars),
        outlet=outlet,
        batch_size=batch_size,
        executor=executor.value,
        scheduler=scheduler,
        workers=default_workers(executor.value) if workers is None else workers,
    )
    if scheduler is not None and executor is not ExecutorName.dask:
        fail("--scheduler needs --executor dask", 2)
    if workers is not None and executor is not ExecutorName.local:
        fail("--workers is for --executor local; a Dask cluster has its own workers", 2)
    if executor is ExecutorName.dask and annotate and not dask_available():
        fail("--executor dask needs the 'distributed' package: pip install 'storyline[dask]'")
    bar = Progress(TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=err_console, transient=True, disable=not progress)
    tasks: dict[str, int] = {}

    def on_progress(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = bar.add_task(phase, total=total)
        bar.update(tasks[phase], completed=done, total=total)

    try:
        with bar:
            report = run_build(paths, db, settings, on_progress, annotate=annotate)
    except InputPathError as exc:
        fail(str(exc), 2)
    except (StoreError, ExecutorError) as exc:
        fail(str(exc))
    console.print(
        f"{report.inputs} inputs: [green]{report.ingested} ingested[/], [yellow]{report.duplicate} duplicate[/], "
        f"[red]{report.rejected} rejected[/], {report.unchanged} unchanged since the last build → {escape(db_label(db))}"
    )
    for key, reason in report.rejected_reasons:
        err_console.print(f"  rejected {escape(key)}: {escape(reason)}", highlight=False, soft_wrap=True)
    if report.rejected:
        raise typer.Exit(EXIT_REJECTED)


@app.command()
def ledger(
    db: DbOption = DEFAULT_DB,
    state: Annotated[str | None, typer.Option(help="Only this state: ingested, duplicate or rejected.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines instead of a table.")] = False,
) -> None:
    """List every input and what became of it (ingested, duplicate of which article, or rejected and why)."""
    import json

    from storyline.views.terminal import ledger_table

    if state and state not in ("ingested", "duplicate", "rejected"):
        fail(f"--state must be ingested, duplicate or rejected, not {state!r}", 2)
    with open_store(db) as store:
        rows = store.ledger_rows(state)
        if as_json:
            for r in rows:
                sys.stdout.write(json.dumps(dict(r), ensure_ascii=False) + "\n")
        else:
            console.print(ledger_table(rows))


@app.command()
def articles(db: DbOption = DEFAULT_DB) -> None:
    """List the ingested articles with outlet, publication date (and where it came from) and language."""
    from storyline.views.terminal import articles_table

    with open_store(db) as store:
        console.print(articles_table(store.articles()))


@app.command()
def summary(db: DbOption = DEFAULT_DB) -> None:
    """Print an overview of the database: articles, outlets, date span, ledger counts."""
    from storyline.views.terminal import print_summary

    with open_store(db) as store:
        print_summary(console, store)


LimitOption = Annotated[int, typer.Option(help="Show at most this many rows.")]


@app.command()
def entities(
    db: DbOption = DEFAULT_DB,
    label: Annotated[str | None, typer.Option(help="Only this label: PERSON, GPE, LOC, ORG, ...")] = None,
    limit: LimitOption = 50,
) -> None:
    """List resolved entities with their aliases (spelling variants merged across articles) and counts."""
    from storyline.views.terminal import entities_table

    with open_store(db) as store:
        console.print(entities_table(store, label, limit))


@app.command()
def figures(
    db: DbOption = DEFAULT_DB,
    kind: Annotated[str | None, typer.Option(help="Only this kind: money, duration, count or percent.")] = None,
    limit: LimitOption = 200,
) -> None:
    """List figures (money, durations, counts, percentages) with value, modality, speaker, source and sentence."""
    from storyline.views.terminal import figures_table

    with open_store(db) as store:
        console.print(figures_table(store, kind, limit))


@app.command()
def dates(db: DbOption = DEFAULT_DB, limit: LimitOption = 300) -> None:
    """List time expressions with their normalized TIMEX3 values, the article date they were resolved against, and sentence."""
    from storyline.views.terminal import dates_table

    with open_store(db) as store:
        console.print(dates_table(store, limit))


def _print_table_or_json(rows: list[dict[str, Any]], as_json: bool, table: Callable[[list[dict[str, Any]]], Any],
                         empty: str) -> None:
    """A list command's output: JSON on stdout, or a Rich table, or a line saying there is nothing."""
    import json

    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
    elif not rows:
        console.print(empty)
    else:
        console.print(table(rows))


@app.command()
def timeline(
    db: DbOption = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print the events in date order: date and its precision, participants, place, sources, conflicts."""
    from storyline.views.terminal import timeline_table
    from storyline.views.timeline import timeline_data

    with open_store(db) as store:
        events = timeline_data(store)
    _print_table_or_json(events, as_json, timeline_table, "no events yet (is the database built with annotation?)")


@app.command()
def stories(
    db: DbOption = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print the stories: the events of one real-world story together (an arrest, the charges, the trial)."""
    from storyline.views.terminal import stories_table
    from storyline.views.timeline import stories_data

    with open_store(db) as store:
        data = stories_data(store)
    _print_table_or_json(data, as_json, stories_table, "no stories yet (is the database built with annotation?)")


@app.command()
def event(
    event_id: Annotated[str, typer.Argument(help="An event id from `storyline timeline`.")],
    db: DbOption = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one event with every fact, its sources, modality, quotes, and agreement or conflict."""
    import json

    from storyline.views.terminal import print_event
    from storyline.views.timeline import event_data

    with open_store(db) as store:
        data = event_data(store, event_id)
    if data is None:
        fail(f"no event {event_id!r} (see `storyline timeline`)")
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    else:
        print_event(console, data)


@app.command()
def export(
    db: DbOption = DEFAULT_DB,
    format: Annotated[str, typer.Option("--format", "-f", help="json (one document) or jsonl (one record a line).")] = "json",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")] = None,
) -> None:
    """Export the database (articles, ledger, annotations, events) as JSON or JSONL."""
    from storyline.views.export import export_json, export_jsonl

    if format not in ("json", "jsonl"):
        fail(f"--format must be json or jsonl, not {format!r}", 2)
    with open_store(db) as store:
        out = open(output, "w", encoding="utf-8") if output else sys.stdout
        try:
            (export_json if format == "json" else export_jsonl)(store, out)
        finally:
            if output:
                out.close()


@app.command()
def report(
    db: DbOption = DEFAULT_DB,
    format: Annotated[str, typer.Option("--format", "-f", help="md (Markdown), html (one self-contained file) or json.")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")] = None,
) -> None:
    """Write a report of the story: overview, timeline, every event with its facts and conflicts, entities, sources."""
    from storyline.views.report import FORMATS, render_report

    if format not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {format!r}", 2)
    with open_store(db) as store:
        text = render_report(store, format)
    if output:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"{output}: cannot write ({exc.strerror or exc})")
        err_console.print(f"report written to {output}", highlight=False)
    else:
        sys.stdout.write(text)


@app.command()
def serve(
    db: DbOption = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="Address to listen on. The default keeps the app on this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    read_only: Annotated[bool, typer.Option("--read-only", help="Disable adding articles; never write to the database.")] = False,
    max_upload_mb: Annotated[float, typer.Option(help="Largest file (or pasted text) /add accepts.")] = 5.0,
) -> None:
    """Serve the timeline, events, entities, articles, ledger and search in a browser (http://HOST:PORT/)."""
    import uvicorn

    from storyline.store.sqlite import StoreError
    from storyline.views.web import create_app

    local = host in ("127.0.0.1", "localhost", "::1")
    try:
        web_app = create_app(db, read_only=read_only, max_upload_bytes=int(max_upload_mb * 1024 * 1024),
                             allowed_hosts=None if local else ["*"])
    except StoreError as exc:
        fail(str(exc))
    if not local:
        err_console.print(f"[yellow]warning:[/] listening on {host}: anyone who can reach it can read the "
                          "database" + ("" if read_only else " and add articles (use --read-only)"), highlight=False)
    console.print(f"storyline: http://{'[' + host + ']' if ':' in host else host}:{port}/ ({db_label(db)}"
                  + (", read-only" if read_only else "") + "); Ctrl+C to stop", highlight=False)
    uvicorn.run(web_app, host=host, port=port, log_level="warning")


@eval_app.command("tempeval3")
def eval_tempeval3(
    path: Annotated[Path, typer.Argument(help="Folder of TempEval-3 TimeML (.tml) files, searched recursively.")],
    limit: Annotated[int | None, typer.Option(help="Only the first N documents.")] = None,
    per_document: Annotated[bool, typer.Option(help="Also print one line per document.")] = False,
) -> None:
    """Score time-expression extraction (strict/relaxed P/R/F1) and normalization (value F1) on TimeML."""
    from storyline.eval.tempeval3 import evaluate_tempeval3, format_report

    if not path.exists():
        fail(f"{path}: no such folder", 2)
    report = evaluate_tempeval3(path, limit=limit)
    text = format_report(report) if per_document else format_report(report, per_document=False)
    console.print(text, highlight=False, soft_wrap=True)


@eval_app.command("ecbplus")
def eval_ecbplus(
    path: Annotated[Path, typer.Argument(help="ECB+ folder (ECB+/, doc_topic_subtopic_split.tsv, ECBplus_coreference_sentences.csv).")],
    topics: Annotated[int | None, typer.Option(help="Only the first N topics.")] = None,
    topic: Annotated[list[str] | None, typer.Option("--topic", help="Only this topic (repeatable).")] = None,
    baseline: Annotated[bool, typer.Option(help="Also score the same-head-lemma baseline on the gold mentions.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON instead of text.")] = False,
) -> None:
    """Score document → event clustering (B3, NMI, ARI) and event coreference (MUC, B3, CEAF-e, CoNLL) on ECB+."""
    from storyline.eval.datasets import read_ecbplus
    from storyline.eval.ecbplus import evaluate_ecbplus, format_report, format_topic, lemma_baseline, report_json

    if not (path / "ECB+").is_dir() or not (path / "doc_topic_subtopic_split.tsv").is_file():
        fail(f"{path}: not an ECB+ folder (needs ECB+/ and doc_topic_subtopic_split.tsv)", 2)
    corpus = read_ecbplus(path)

    def show(result) -> None:  # type: ignore[no-untyped-def]
        if not as_json:
            console.print(format_topic(result), highlight=False, soft_wrap=True)

    try:
        report = evaluate_ecbplus(path, topics=topics, only=topic, on_topic=show, corpus=corpus)
    except ValueError as exc:
        fail(str(exc), 2)
    if as_json:
        console.print(report_json(report), highlight=False, soft_wrap=True)
        return
    console.print(format_report(report, per_topic=False), highlight=False, soft_wrap=True)
    if baseline:
        scores = lemma_baseline(corpus, [r.topic for r in report.topics])
        conll = sum(scores[m].f1 for m in ("muc", "b3", "ceaf_e")) / 3
        console.print(
            f"same-head-lemma baseline on gold mentions: MUC {scores['muc'].f1:.3f}  B3 {scores['b3'].f1:.3f}  "
            f"CEAF-e {scores['ceaf_e'].f1:.3f}  CoNLL {conll:.3f}", highlight=False, soft_wrap=True)


@eval_app.command("timeline17")
def eval_timeline17(
    path: Annotated[Path, typer.Argument(help="Timeline17 folder (<topic>_<source>/InputDocs, timelines).")],
    tasks: Annotated[int | None, typer.Option(help="Only the first N tasks.")] = None,
    task: Annotated[list[str] | None, typer.Option("--task", help="Only this task or task folder (repeatable).")] = None,
    strategy: Annotated[str, typer.Option(help="How dates are ranked: events, timexes or combined.")] = "combined",
    all_strategies: Annotated[bool, typer.Option(help="Score every date strategy on the same builds.")] = False,
    keep: Annotated[Path | None, typer.Option(help="Keep each task's database in this folder (and reuse it).")] = None,
) -> None:
    """Build a timeline per Timeline17 task and score Date F1, AR-1 and AR-2 against the gold timeline."""
    from storyline.eval.timeline17 import STRATEGIES, evaluate_timeline17, format_report, format_task

    if not path.is_dir():
        fail(f"{path}: no such folder", 2)
    if strategy not in STRATEGIES:
        fail(f"--strategy must be one of {', '.join(STRATEGIES)}", 2)
    try:
        reports = evaluate_timeline17(
            path, tasks=tasks, strategy=strategy, only=task, all_strategies=all_strategies, keep_in=keep,
            on_task=lambda r: console.print(format_task(r), highlight=False, soft_wrap=True),
        )
    except ValueError as exc:
        fail(str(exc), 2)
    for report in reports.values():
        console.print(format_report(report, per_task=all_strategies), highlight=False, soft_wrap=True)


@eval_app.command("clusters")
def eval_clusters(
    file: Annotated[Path, typer.Argument(help="Clust-McMs JSON file (e.g. mds_ac_dev_final.json).")],
    keep: Annotated[Path | None, typer.Option(help="Keep the database in this folder.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON instead of text.")] = False,
) -> None:
    """Score article → event clustering (B3, pairwise F1, NMI, ARI) on Clust-McMs."""
    from storyline.eval.clusters import evaluate_topic, format_report, report_json
    from storyline.eval.datasets import read_clust_mcms

    if not file.is_file():
        fail(f"{file}: no such file", 2)
    try:
        topics = read_clust_mcms(file)
    except (ValueError, KeyError) as exc:
        fail(f"{file}: not a Clust-McMs file ({exc})", 2)
    reports = [evaluate_topic(t, keep_in=keep / t.name if keep and len(topics) > 1 else keep) for t in topics]
    console.print(report_json(reports) if as_json else format_report(reports), highlight=False, soft_wrap=True)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
