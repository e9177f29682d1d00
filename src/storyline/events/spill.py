"""The corpus's usable event mentions on disk while event grouping runs (:class:`MentionSpill`).

Grouping's driver needs every mention twice: once in order for the shuffle's keys, then a
bundle of components at a time for the reduce tasks (``storyline.events.partition``). Held as
Python objects that is about 1 KiB a mention, GiBs at 100,000 articles; spilled, the driver
holds one chunk or one bundle at a time. The spill is a private SQLite file (pickled mentions
by position, ~230 bytes each), whatever the store's backend is, unlinked as soon as it is open:
its space is freed when it is closed, or when the process ends however it ends.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from storyline.events.model import EventMention

READ_CHUNK = 5_000  # mentions unpickled at a time when iterating
_IN_LIST = 500  # positions / article ids per IN (...) query
# A mention is stored as the pickled tuple of its fields' values (grouping-only ones included):
# half the bytes of the pickled object, which repeats every field name, and faster to load.
_FIELDS = tuple(f.name for f in dataclasses.fields(EventMention))


def _dump(mention: EventMention) -> bytes:
    return pickle.dumps(tuple(getattr(mention, name) for name in _FIELDS), pickle.HIGHEST_PROTOCOL)


def _load(data: bytes) -> EventMention:
    mention = object.__new__(EventMention)  # what unpickling the object does: no __init__, its fields set
    mention.__dict__.update(zip(_FIELDS, pickle.loads(data)))
    return mention


class MentionSpill:
    """Usable mentions by position (0, 1, ... in the order added), pickled to a temporary SQLite file.

    * ``add`` appends mentions (and the publication days of their articles);
    * iterating gives every mention once, in order, reading ``READ_CHUNK`` at a time (the
      shuffle's ``keys_from``);
    * calling it with positions gives those mentions, in the order asked (a reduce task's
      ``usable`` loader); ``locations`` gives their (article, start, end) without unpickling
      (what the stored-vector loader needs); ``published`` the publication days of some articles.
    """

    def __init__(self, directory: str | Path | None = None) -> None:
        fd, name = tempfile.mkstemp(prefix="storyline-mentions-", suffix=".sqlite",
                                    dir=str(directory) if directory is not None else None)
        os.close(fd)
        self.path = Path(name)
        self.conn: sqlite3.Connection | None = sqlite3.connect(name)
        # A scratch file: no journal, no fsync (a crash loses nothing the store does not have).
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.execute("CREATE TABLE mentions (position INTEGER PRIMARY KEY, article_id TEXT NOT NULL, "
                          "start INTEGER NOT NULL, end INTEGER NOT NULL, data BLOB NOT NULL)")
        self.conn.execute("CREATE TABLE published (article_id TEXT PRIMARY KEY, day TEXT NOT NULL)")
        self.conn.commit()
        # The open connection keeps the file; its name goes at once, so a build that crashes or
        # is killed leaves nothing behind (with no journal SQLite never opens it by name again).
        self.path.unlink(missing_ok=True)
        self.size = 0

    def _db(self) -> sqlite3.Connection:
        if self.conn is None:
            raise ValueError("the mention spill is closed")
        return self.conn

    def add(self, mentions: Sequence[EventMention], published: Mapping[str, str | None] | None = None) -> None:
        """Append ``mentions`` (positions ``len(self)`` on); ``published``: article id ->
        publication date (ISO; its day is kept) of their articles."""
        db = self._db()
        with db:
            db.executemany("INSERT INTO mentions VALUES (?,?,?,?,?)",
                           ((self.size + k, m.article_id, m.start, m.end, _dump(m))
                            for k, m in enumerate(mentions)))
            if published:
                db.executemany("INSERT OR REPLACE INTO published VALUES (?,?)",
                               ((a, day[:10]) for a, day in published.items() if day))
        self.size += len(mentions)

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[EventMention]:
        db = self._db()
        for first in range(0, self.size, READ_CHUNK):
            rows = db.execute("SELECT data FROM mentions WHERE position >= ? AND position < ? ORDER BY position",
                              (first, first + READ_CHUNK)).fetchall()
            yield from (_load(data) for (data,) in rows)

    def _rows(self, columns: str, positions: Sequence[int]) -> dict[int, tuple]:
        db = self._db()
        wanted = sorted(set(positions))
        found: dict[int, tuple] = {}
        for k in range(0, len(wanted), _IN_LIST):
            part = wanted[k : k + _IN_LIST]
            for position, *values in db.execute(
                    f"SELECT position, {columns} FROM mentions WHERE position IN ({','.join('?' * len(part))})", part):
                found[position] = tuple(values)
        if len(found) != len(wanted):
            raise IndexError(f"positions not in the spill: {sorted(set(wanted) - set(found))[:5]}")
        return found

    def __call__(self, positions: Sequence[int]) -> list[EventMention]:
        """The mentions at ``positions``, in that order."""
        rows = self._rows("data", positions)
        return [_load(rows[int(i)][0]) for i in positions]

    def locations(self, positions: Sequence[int]) -> list[tuple[str, int, int]]:
        """(article id, start, end) of the mentions at ``positions``, in that order."""
        rows = self._rows("article_id, start, end", positions)
        return [rows[int(i)] for i in positions]  # type: ignore[misc]

    def published(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Article id -> publication day, for those of ``article_ids`` that have one."""
        db = self._db()
        ids = sorted(set(article_ids))
        out: dict[str, str] = {}
        for k in range(0, len(ids), _IN_LIST):
            part = ids[k : k + _IN_LIST]
            out.update(db.execute(f"SELECT article_id, day FROM published WHERE article_id IN "
                                  f"({','.join('?' * len(part))})", part).fetchall())
        return out

    def close(self) -> None:
        """Close and remove the file (idempotent)."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> MentionSpill:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
