"""Both store backends for the store tests: ``store_backend`` is a fresh empty database, once a
SQLite file and once a PostgreSQL schema.

PostgreSQL comes from, in this order:

1. ``STORYLINE_TEST_PG``: the URL of a server to use (its user must be able to create schemas);
   each test gets a schema of its own, dropped afterwards.
2. A temporary cluster started here from the server binaries (``initdb``/``pg_ctl`` on PATH or
   in /usr/lib/postgresql/*/bin, the Debian packages): in a temporary folder, listening only on
   a unix socket in that folder, fsync off; stopped and removed when the session ends. As root
   it runs as the ``postgres`` user (initdb refuses root).

When neither is possible the PostgreSQL cases are skipped with the reason, unless
``STORYLINE_REQUIRE_PG=1`` (set by .ci/run): then they fail, so CI never skips them.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import pytest

BACKENDS = ["sqlite", "postgresql"]


@dataclass
class PgServer:
    url: str | None  # a URL to connect with (to its default database), or None
    reason: str = ""  # why there is none


def _server_binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _runuser() -> str | None:
    # /usr/sbin may be missing from PATH even for root
    candidates = ("/usr/sbin/runuser", "/sbin/runuser")
    return shutil.which("runuser") or next((p for p in candidates if Path(p).exists()), None)


def _run(cmd: list[str], user: str | None) -> None:
    if user:
        cmd = [_runuser() or "runuser", "-u", user, "--", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-500:]}")


@contextmanager
def temporary_cluster() -> Iterator[PgServer]:
    """Start a throw-away PostgreSQL cluster; yields PgServer(None, reason) when it cannot."""
    bindir = _server_binaries()
    if bindir is None or not (bindir / "pg_ctl").exists():
        yield PgServer(None, "no PostgreSQL server binaries (initdb, pg_ctl): install Debian's postgresql")
        return
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            yield PgServer(None, "running as root and there is no 'postgres' user to run initdb as")
            return
        if _runuser() is None:
            yield PgServer(None, "running as root and runuser is missing")
            return
        user = "postgres"
    # A short path: a unix socket path must stay under about 100 bytes.
    folder = Path(tempfile.mkdtemp(prefix="slpg-", dir="/tmp" if Path("/tmp").is_dir() else None))
    data = folder / "data"
    started = False
    try:
        if user:
            shutil.chown(folder, user=user)
        _run([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
              "--locale=C", "--no-sync"], user)
        options = (f"-c listen_addresses='' -c unix_socket_directories='{folder}' -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w", "-t", "60",
              "-o", options, "start"], user)
        started = True
        yield PgServer(f"postgresql://postgres@/postgres?host={quote(str(folder), safe='')}")
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        if not started:
            yield PgServer(None, f"could not start a temporary PostgreSQL cluster: {exc}")
        else:
            raise
    finally:
        if started:
            try:
                _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], user)
            except (RuntimeError, subprocess.SubprocessError):
                pass
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    url = os.environ.get("STORYLINE_TEST_PG")
    if url:
        yield PgServer(url)
        return
    with temporary_cluster() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The server's URL, or skip (fail under STORYLINE_REQUIRE_PG=1) when there is none."""
    return require(pg_server)


def require(server: PgServer) -> str:
    if server.url is None:
        if os.environ.get("STORYLINE_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL is required here (STORYLINE_REQUIRE_PG=1): {server.reason}")
        pytest.skip(server.reason)
    return server.url


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | params
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


@contextmanager
def fresh_schema(server_url: str) -> Iterator[str]:
    """A URL whose tables land in a new, empty schema (search_path), dropped afterwards."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {name}")
    try:
        yield with_query(server_url, options=f"-c search_path={name}")
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            # A store a failed test left open could hold locks: do not wait for it forever.
            admin.execute("SET lock_timeout = '10s'")
            try:
                admin.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
            except psycopg.errors.LockNotAvailable:
                pass


@pytest.fixture(params=BACKENDS)
def store_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file path, or a postgresql:// URL (its own schema)."""
    if request.param == "sqlite":
        yield str(tmp_path / "story.db")
        return
    url = require(request.getfixturevalue("pg_server"))
    with fresh_schema(url) as db:
        yield db
