"""The Dask executor gives exactly the database the local executor gives (example corpus): per-article
annotation with its sentence vectors, and event grouping's reduce tasks, run on the workers."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from storyline import executors
from storyline.cli import app

try:
    import distributed
except ImportError:  # the `dask` extra is not installed
    distributed = None
needs_dask = pytest.mark.skipif(distributed is None, reason="the dask extra (distributed) is not installed")

runner = CliRunner()


def dump_content(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table except `runs` (the only one with wall-clock times), BLOBs included."""
    conn = sqlite3.connect(db)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
                for t in names if t != "runs" and not t.startswith("sqlite_")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def cluster():
    if distributed is None:
        pytest.skip("the dask extra (distributed) is not installed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        yield cluster
    finally:
        cluster.close()


def _models_loaded() -> int:
    from storyline.annotate.nlp import load_nlp

    return load_nlp.cache_info().currsize


def _build(corpus: Path, db: Path, *extra: str) -> None:
    # A small batch size so the corpus is several batches (several in flight on the cluster).
    result = runner.invoke(app, ["build", str(corpus), "--db", str(db), "--no-progress", "--batch-size", "3", *extra])
    assert result.exit_code in (0, 3), result.output  # 3: the corpus holds deliberately rejected inputs


def _assert_same_as_local_build(tmp_path: Path, *options: str) -> None:
    """A build of the example corpus with `options` has the same tables as an in-process build."""
    from tests.conftest import EXAMPLES

    corpus = tmp_path / "corpus"
    shutil.copytree(EXAMPLES / "corpus", corpus)
    local_db, other_db = tmp_path / "local.db", tmp_path / "other.db"
    _build(corpus, other_db, *options)
    _build(corpus, local_db, "--workers", "1")  # in this process (the command line's default is one per core)
    local, other = dump_content(local_db), dump_content(other_db)
    assert local["sentences"] and local["events"]  # the comparison is not vacuous
    assert local.keys() == other.keys()
    for table in local:
        assert other[table] == local[table], table


@needs_dask
def test_dask_build_equals_local_build(cluster, tmp_path: Path) -> None:
    _assert_same_as_local_build(tmp_path, "--executor", "dask", "--scheduler", cluster.scheduler_address)
    # The parsing really ran on the cluster's workers: the model was loaded there; and so did the
    # reduce tasks of event grouping (storyline.events.partition.reduce_bundle).
    with distributed.Client(cluster.scheduler_address) as client:
        assert sum(client.run(_models_loaded).values()) >= 1
        assert "reduce_bundle" in client.run_on_scheduler(_task_prefixes)


@needs_dask
def test_dask_runs_tasks_in_task_or_completion_order(cluster) -> None:
    with executors.DaskExecutor(cluster.scheduler_address, window=2) as dask:
        assert [k for k, _ in dask.run_tasks(_pid_of, range(7))] == list(range(7))
        assert sorted(k for k, _ in dask.run_tasks(_pid_of, range(7), ordered=False)) == list(range(7))
        # results come back as the tasks go, not as one list at the end: the driver never holds them all
        for ordered in (True, False):
            drawn: list[int] = []
            results = dask.run_tasks(_pid_of, (drawn.append(k) or k for k in range(7)), ordered=ordered)
            next(iter(results))
            assert len(drawn) < 7


def _task_prefixes(dask_scheduler) -> list[str]:
    return sorted(dask_scheduler.task_prefixes)


def test_scheduler_without_dask_executor_is_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(tmp_path), "--db", str(tmp_path / "x.db"), "--no-progress",
                                 "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2


def test_dask_not_installed_is_one_line_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(executors, "dask_available", lambda: False)
    result = runner.invoke(app, ["build", str(tmp_path), "--db", str(tmp_path / "x.db"), "--no-progress",
                                 "--executor", "dask"])
    assert result.exit_code == 1
    assert "storyline[dask]" in result.output and len(result.output.strip().splitlines()) == 1


def test_local_executor_is_the_default() -> None:
    from storyline.config import BuildSettings

    settings = BuildSettings()
    assert (settings.executor, settings.scheduler) == ("local", None)
    assert isinstance(executors.make_executor(settings.executor, settings.scheduler), executors.LocalExecutor)


def test_command_line_uses_one_worker_per_core_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`storyline build` without --workers asks for one process per core (0) with the local executor,
    and for none with Dask, where `--workers` is a usage error; `--workers 1` stays in process."""
    import storyline.pipeline

    seen: list[int] = []

    def fake_build(paths, db, settings, *args, **kwargs):
        seen.append(settings.workers)
        raise SystemExit(0)

    monkeypatch.setattr(storyline.pipeline, "build", fake_build)
    for extra in ([], ["--workers", "1"], ["--workers", "3"]):
        runner.invoke(app, ["build", str(tmp_path), "--db", str(tmp_path / "x.db"), "--no-progress", *extra])
    assert seen == [0, 1, 3]
    assert executors.resolve_workers(0) >= 1


def test_worker_processes_build_equals_local_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--workers 2` (two spawned processes, each parsing chunks of each batch, started while
    ingest runs, and running event grouping's reduce tasks too) writes exactly the database of an
    in-process build."""
    submitted: list[int] = []
    submit = executors.LocalPoolExecutor._submit
    events: list[str] = []
    start, run_tasks = executors.LocalPoolExecutor.start, executors.LocalPoolExecutor.run_tasks

    def counting_submit(self, batch):  # the driver side: count what went to the pool
        futures = submit(self, batch)
        submitted.append(len(futures))
        events.append("batch")
        return futures

    def recording_start(self):
        events.append("start")
        start(self)

    loading: list[bool] = []  # per reduce task sent: it loads its own rows (carries no mention, no vector)

    orders: list[bool] = []  # per run_tasks call: results in task order?

    def recording_run_tasks(self, fn, tasks, **options):
        events.append(f"{fn.__name__} on {'workers' if self.started else 'this process'}")
        orders.append(options.get("ordered", True))

        def seen(tasks):
            for task in tasks:
                loading.append(task.load is not None and not any(len(m) for _p, m, _v in task.parts))
                yield task

        return run_tasks(self, fn, seen(tasks), **options)

    monkeypatch.setattr(executors.LocalPoolExecutor, "_submit", counting_submit)
    monkeypatch.setattr(executors.LocalPoolExecutor, "start", recording_start)
    monkeypatch.setattr(executors.LocalPoolExecutor, "run_tasks", recording_run_tasks)
    _assert_same_as_local_build(tmp_path, "--workers", "2")
    assert sum(submitted) >= 2  # several batches really went to the worker processes
    assert events[0] == "start" and events.count("start") == 1  # started before the first batch (during ingest)
    assert events[-1] == "reduce_bundle on workers"  # grouping's reduce step ran on them too
    assert loading and all(loading)  # ... each task loading its rows there (stages._WorkerRows)
    assert orders[-1] is False  # ... taken back as they finish: no worker waits on a long task at the head


def _pid_of(task: int) -> tuple[int, int]:
    import os

    return task, os.getpid()


def test_worker_pool_runs_tasks_on_started_workers_in_order() -> None:
    import os

    pool = executors.LocalPoolExecutor(2)
    with pool:
        # Not started: in this process, and nothing is started for it.
        assert list(pool.run_tasks(_pid_of, range(3))) == [(k, os.getpid()) for k in range(3)]
        assert not pool.started
        pool.start()
        assert pool.started
        results = list(pool.run_tasks(_pid_of, range(7)))
    assert [k for k, _ in results] == list(range(7))  # task order, though up to three are in flight
    assert os.getpid() not in {pid for _, pid in results}
    assert list(executors.run_tasks(None, _pid_of, [5])) == [(5, os.getpid())]


def _wait_for_flag_at_head(task: tuple[int, str]) -> tuple[int, bool]:
    """Task 0 waits until the flag file exists (the driver writes it once it has every other
    task's result); the others return at once. (k, whether the flag was there when it ended)."""
    import os
    import time

    k, flag = task
    if k == 0:
        for _ in range(600):  # a guard against a hang where the driver waits on this task: ~60 s
            if os.path.exists(flag):
                break
            time.sleep(0.1)
    return k, os.path.exists(flag)


def test_worker_pool_in_completion_order_runs_later_tasks_while_the_head_runs(tmp_path: Path) -> None:
    """With ``ordered=False`` a long task at the head does not hold back the others: they are
    submitted, run and come back while it runs (in task order, the driver waits on the head and
    submits nothing more: the other workers sit idle)."""
    flag = str(tmp_path / "flag")
    tasks = [(k, flag) for k in range(8)]
    received: list[tuple[int, bool]] = []
    pool = executors.LocalPoolExecutor(2)
    with pool:
        pool.start()
        for result in pool.run_tasks(_wait_for_flag_at_head, tasks, ordered=False):
            received.append(result)
            if len(received) == len(tasks) - 1:  # every task but the head is done
                Path(flag).touch()
    assert sorted(k for k, _ in received) == list(range(8))
    # The head ended after the flag, i.e. after every other task came back, and last.
    assert received[-1] == (0, True)
    assert all(not seen for k, seen in received[:-1])
    # Task order is still the default.
    with executors.LocalPoolExecutor(2) as ordered_pool:
        ordered_pool.start()
        assert [k for k, _ in ordered_pool.run_tasks(_pid_of, range(5))] == list(range(5))


def test_worker_pool_runs_a_single_batch_in_process() -> None:
    pool = executors.LocalPoolExecutor(2)
    task = ("a1", "Officials met in Brennik on Monday.", "2021-03-01", None, None, "metadata")
    with pool:
        (annotations,) = list(pool.annotate([[task]]))
        assert pool._pool is None  # no process was started for one batch
    assert [a.article_id for a in annotations] == ["a1"] and annotations[0].sentences


def test_make_executor_workers() -> None:
    assert isinstance(executors.make_executor("local", workers=1), executors.LocalExecutor)
    assert isinstance(executors.make_executor("local", workers=2), executors.LocalPoolExecutor)
    assert executors.resolve_workers(0) >= 1
    with pytest.raises(executors.ExecutorError):
        executors.make_executor("local", workers=-1)
    with pytest.raises(executors.ExecutorError):
        executors.make_executor("dask", workers=2)


def test_workers_with_dask_executor_is_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(tmp_path), "--db", str(tmp_path / "x.db"), "--no-progress",
                                 "--executor", "dask", "--workers", "2"])
    assert result.exit_code == 2


def _blas_env() -> dict[str, str | None]:
    import os

    return {name: os.environ.get(name) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}


def test_worker_processes_get_one_blas_thread_and_the_driver_keeps_its_environment() -> None:
    import os

    before = _blas_env()
    task = ("a1", "Officials met in Brennik on Monday.", "2021-03-01", None, None, "metadata")
    with executors.LocalPoolExecutor(1) as pool:
        (started,) = pool._submit([task])  # starts the (only) worker process
        assert [a.article_id for a in started.result()] == ["a1"]
        seen = pool._executor().submit(_blas_env).result()  # runs in that same worker
    for name, value in before.items():
        assert seen[name] == (value if value is not None else "1")
    assert _blas_env() == before  # the driver's own environment is left as it was
    assert os.environ.get("OPENBLAS_NUM_THREADS") == before["OPENBLAS_NUM_THREADS"]


def test_worker_start_up_builds_the_rules_models(monkeypatch):
    """A pool worker builds recognizers-text's models when it starts (while the build ingests),
    not in its first annotation batch."""
    from storyline.annotate import figures, timex
    from storyline.events import grouping

    monkeypatch.setattr(grouping, "use_embed", lambda texts: None)  # the encoder is not what this checks
    timex._datetime_model.cache_clear()
    figures._number_model.cache_clear()
    executors._init_worker()
    assert timex._datetime_model.cache_info().currsize == 1
    assert figures._number_model.cache_info().currsize == 1


def test_worker_start_up_collects_young_objects_rarely(monkeypatch):
    """A pool worker runs with the corpus stages' young GC threshold for its whole life (the
    annotation's short-lived objects made its collections ~2 % of the worker's CPU)."""
    import gc

    from storyline import stages
    from storyline.events import grouping

    monkeypatch.setattr(grouping, "use_embed", lambda texts: None)
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, *before[1:])
        executors._init_worker()
        assert gc.get_threshold() == (stages.CORPUS_GC_YOUNG, *before[1:])
    finally:
        gc.set_threshold(*before)

