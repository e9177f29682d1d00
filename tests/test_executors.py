"""The Dask executor gives exactly the database the local executor gives (example corpus)."""

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


@needs_dask
def test_dask_build_equals_local_build(cluster, tmp_path: Path) -> None:
    from tests.conftest import EXAMPLES

    corpus = tmp_path / "corpus"
    shutil.copytree(EXAMPLES / "corpus", corpus)
    local_db, dask_db = tmp_path / "local.db", tmp_path / "dask.db"
    _build(corpus, dask_db, "--executor", "dask", "--scheduler", cluster.scheduler_address)
    _build(corpus, local_db)
    local, remote = dump_content(local_db), dump_content(dask_db)
    assert local["sentences"] and local["events"]  # the comparison is not vacuous
    assert local.keys() == remote.keys()
    for table in local:
        assert remote[table] == local[table], table
    # The parsing really ran on the cluster's workers: the model was loaded there.
    with distributed.Client(cluster.scheduler_address) as client:
        assert sum(client.run(_models_loaded).values()) >= 1


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
