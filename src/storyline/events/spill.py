"""The corpus's usable event mentions on disk while event grouping runs (:class:`MentionSpill`).

Grouping's driver needs every mention twice: once in order for the shuffle's keys, then a
bundle of components at a time for the reduce tasks (``storyline.events.partition``). Held as
Python objects that is about 1 KiB a mention, GiBs at 100,000 articles; spilled, the driver
holds one chunk or one bundle at a time. The spill is a private SQLite file (pickled mentions
by position, ~230 bytes each), whatever the store's backend is, unlinked as soon as it is open:
its space is freed when it is closed, or when the process ends however it ends.

The global step of grouping reads one summary per cluster (``grouping.ClusterSummary``), a few
KiB each with its event's mention keys: :class:`SummarySpill` keeps their events and their
per-(article, event) role figures on disk the same way, and a few bytes a summary in memory.
:class:`EventSpill` keeps the events a build wrote for the stages after grouping, and
:class:`StorySpill` the stories stage's name counts of every article and profile of every unit.
"""

from __future__ import annotations

import dataclasses
import json
import operator
import os
import pickle
import sqlite3
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from storyline.events.model import Event, EventMention, event_family, first_mention

if TYPE_CHECKING:
    from storyline.events.grouping import ClusterSummary

READ_CHUNK = 5_000  # mentions unpickled at a time when iterating
_IN_LIST = 500  # positions / article ids per IN (...) query
# A mention is stored as the pickled tuple of its fields' values (grouping-only ones included):
# half the bytes of the pickled object, which repeats every field name, and faster to load.
_FIELDS = tuple(f.name for f in dataclasses.fields(EventMention))
# The tuple of those values in one C call (a generator of getattr calls was half of _dump's time).
_FIELD_VALUES = operator.attrgetter(*_FIELDS)


def _dump(mention: EventMention) -> bytes:
    return pickle.dumps(_FIELD_VALUES(mention), pickle.HIGHEST_PROTOCOL)


def _load(data: bytes, memo: dict | None = None) -> EventMention:
    """The mention of ``data``; with ``memo``, its strings (and sets of them, and dates) are
    those of the mentions loaded before with the same memo (:func:`_shared`)."""
    mention = object.__new__(EventMention)  # what unpickling the object does: no __init__, its fields set
    values = pickle.loads(data)
    mention.__dict__.update(zip(_FIELDS, values if memo is None else _shared(values, memo)))
    return mention


_SHARED_TYPES = (str, frozenset, date)  # immutable, and equal ones interchangeable (not floats: -0.0 == 0.0)


def _shared(values: tuple, memo: dict) -> list:
    """A mention's field values with each string, frozenset and date replaced by an equal one
    already in ``memo`` (kept there otherwise), in lists and in the keys of dicts too: a mention
    is pickled on its own, so its article id, type, entity ids and the names around it would be
    copies of their own in every mention loaded (a third of a loaded mention's ~1.6 KB)."""
    out = []
    for value in values:
        kind = type(value)
        if kind in _SHARED_TYPES:
            value = memo.setdefault(value, value)
        elif kind is list:
            value = [memo.setdefault(v, v) if type(v) in _SHARED_TYPES else v for v in value]
        elif kind is dict:
            value = {memo.setdefault(k, k) if type(k) in _SHARED_TYPES else k: v for k, v in value.items()}
        out.append(value)
    return out


_NAMED_SEP = "\n"  # between the entity ids of a mention's ``named`` column (ids hold no newline)


def _named(mention: EventMention, named: Callable[[EventMention], set[str]]) -> str:
    """The entities an event of this mention can show (``named``: grouping.named_entities), one column."""
    return _NAMED_SEP.join(sorted(named(mention)))


_EVENT_FIELDS = tuple(f.name for f in dataclasses.fields(Event))
_EVENT_VALUES = operator.attrgetter(*_EVENT_FIELDS)


def _dump_event(event: Event) -> bytes:
    return pickle.dumps(_EVENT_VALUES(event), pickle.HIGHEST_PROTOCOL)


def _load_event(data: bytes) -> Event:
    event = object.__new__(Event)
    event.__dict__.update(zip(_EVENT_FIELDS, pickle.loads(data)))
    return event


def _rows_in(db: sqlite3.Connection, sql: str, values: Sequence) -> Iterator[tuple]:
    """The rows of ``sql`` (one ``{}`` where its IN list goes) for ``values``, ``_IN_LIST`` at a time."""
    for first in range(0, len(values), _IN_LIST):
        part = values[first : first + _IN_LIST]
        yield from db.execute(sql.format(",".join("?" * len(part))), part)


def scratch_db(prefix: str, directory: str | Path | None, *schema: str,
               keep_name: bool = False) -> tuple[sqlite3.Connection, Path]:
    """A private SQLite file in ``directory`` (or the system's temp dir) whose name is gone at
    once: the open connection keeps the file, so a build that crashes or is killed leaves
    nothing behind (with no journal SQLite never opens it by name again). ``schema``: its
    statements (tables, indexes), run and committed. ``keep_name``: the name stays, for other
    processes to open (the caller unlinks it when done; a killed process leaves the file)."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".sqlite", dir=str(directory) if directory is not None else None)
    os.close(fd)
    conn = sqlite3.connect(name)
    # A scratch file: no journal, no fsync (a crash loses nothing the store does not have).
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    for statement in schema:
        conn.execute(statement)
    conn.commit()
    if not keep_name:
        Path(name).unlink(missing_ok=True)
    return conn, Path(name)


class ScratchFile:
    """A scratch file's connection, closed by ``close`` or on leaving a ``with`` block."""

    conn: sqlite3.Connection | None
    what = "spill"

    def _db(self) -> sqlite3.Connection:
        if self.conn is None:
            raise ValueError(f"the {self.what} is closed")
        return self.conn

    def close(self) -> None:
        """Close the file, which frees its space (idempotent)."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


SHARED_PREFIX = "storyline-mentions-shared-"  # then the writing process's id, "-", a random part


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by another user
        return True
    return True


def remove_stale_spills(directory: str | Path | None) -> list[Path]:
    """Remove the shared mention spills in ``directory`` (or the system's temp dir) left by
    builds that were killed: those whose writing process is gone (its id is in the name). A
    spill of a build still running is kept. Returns the files removed."""
    folder = Path(directory) if directory is not None else Path(tempfile.gettempdir())
    removed = []
    for path in folder.glob(f"{SHARED_PREFIX}*.sqlite"):
        pid = path.name[len(SHARED_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


class MentionSpill(ScratchFile):
    """Usable mentions by position (0, 1, ... in the order added), pickled to a temporary SQLite file.

    * ``add`` appends mentions (and the publication days of their articles);
    * iterating gives every mention once, in order, reading ``READ_CHUNK`` at a time (the
      shuffle's ``keys_from``);
    * calling it with positions gives those mentions, in the order asked (a reduce task's
      ``usable`` loader); ``locations`` gives their (article, start, end) and ``named`` the
      entities they name without unpickling (what the stored-vector loader and a task that
      loads its rows in a worker process need); ``published`` the publication days of some
      articles.

    ``shared``: the file keeps its name until :meth:`close`, so that the build's worker
    processes can read it (:meth:`reader`) while the build runs; a killed build leaves it in
    ``directory``, and the next shared spill made there removes it (:func:`remove_stale_spills`:
    the name carries the writing process's id). Otherwise it is unlinked as soon as it is open.
    """

    what = "mention spill"

    def __init__(self, directory: str | Path | None = None, *, shared: bool = False) -> None:
        if shared:
            remove_stale_spills(directory)
        self.conn, self.path = scratch_db(
            f"{SHARED_PREFIX}{os.getpid()}-" if shared else "storyline-mentions-", directory,
            "CREATE TABLE mentions (position INTEGER PRIMARY KEY, article_id TEXT NOT NULL, "
            "start INTEGER NOT NULL, end INTEGER NOT NULL, named TEXT NOT NULL, data BLOB NOT NULL)",
            "CREATE TABLE published (article_id TEXT PRIMARY KEY, day TEXT NOT NULL)", keep_name=shared)
        self.shared = shared
        self.size = 0

    @classmethod
    def reader(cls, path: str | Path) -> MentionSpill:
        """The spill at ``path`` (a ``shared`` one another process writes), opened read-only:
        for its mentions and locations by position."""
        spill = cls.__new__(cls)
        spill.conn = sqlite3.connect(f"file:{Path(path).absolute()}?mode=ro", uri=True)
        spill.path, spill.shared = Path(path), False
        spill.size = spill.conn.execute("SELECT COUNT(*) FROM mentions").fetchone()[0]
        return spill

    def close(self) -> None:
        super().close()
        if self.shared:
            self.path.unlink(missing_ok=True)
            self.shared = False

    def add(self, mentions: Sequence[EventMention], published: Mapping[str, str | None] | None = None) -> None:
        """Append ``mentions`` (positions ``len(self)`` on); ``published``: article id ->
        publication date (ISO; its day is kept) of their articles."""
        from storyline.events.grouping import named_entities  # grouping imports this module

        db = self._db()
        with db:
            db.executemany("INSERT INTO mentions VALUES (?,?,?,?,?,?)",
                           ((self.size + k, m.article_id, m.start, m.end, _named(m, named_entities), _dump(m))
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
        for position, *values in _rows_in(db, f"SELECT position, {columns} FROM mentions WHERE position IN ({{}})",
                                          wanted):
            found[position] = tuple(values)
        if len(found) != len(wanted):
            raise IndexError(f"positions not in the spill: {sorted(set(wanted) - set(found))[:5]}")
        return found

    def __call__(self, positions: Sequence[int]) -> list[EventMention]:
        """The mentions at ``positions``, in that order; equal strings among them are one object
        (:func:`_shared`: a reduce task holds a component's mentions at once)."""
        rows = self._rows("data", positions)
        memo: dict = {}
        return [_load(rows[int(i)][0], memo) for i in positions]

    def locations(self, positions: Sequence[int]) -> list[tuple[str, int, int]]:
        """(article id, start, end) of the mentions at ``positions``, in that order."""
        rows = self._rows("article_id, start, end", positions)
        return [rows[int(i)] for i in positions]  # type: ignore[misc]

    def named(self, positions: Sequence[int]) -> set[str]:
        """The entity ids the mentions at ``positions`` name (places and participants)."""
        return {entity for (names,) in self._rows("named", positions).values() for entity in names.split(_NAMED_SEP)
                if entity}

    def published(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Article id -> publication day, for those of ``article_ids`` that have one."""
        db = self._db()
        return dict(_rows_in(db, "SELECT article_id, day FROM published WHERE article_id IN ({})",
                             sorted(set(article_ids))))



_RANK_COLUMNS = ("r0", "r1", "r2", "r3", "r4", "r5")
_RANK_ORDER = ", ".join((*_RANK_COLUMNS, "sid"))


class SummarySpill(ScratchFile):
    """Cluster summaries (``grouping.ClusterSummary``) for grouping's global step, which reads
    them in three passes (ids, roles, events in their final order) and needs all of them for
    the roles: what is kept in memory is a few bytes a summary and an index of the articles; the
    events themselves (with their mention keys) and the role figures of each (article, event)
    pair (~26 pairs an article) are in a private SQLite file like :class:`MentionSpill`'s.
    Summaries are numbered ``sid`` 0, 1, ... as added, articles ``article_ids`` as first seen;
    with ranks (distinct: a rank ends with its founding mention's position) nothing the global
    step reads depends on the order they were added in (it orders by rank, and the consensus
    rounds choose each article's event from the previous round alone), so the reduce adds each
    task's summaries as it finishes.

    * ``rank_order()``: the sids in the order the one pass creates the clusters (by ``rank``;
      summaries added without one keep the order they came in);
    * ``id_inputs()``: (event type, first mention's article and sentence) in that order, what a
      fresh event id is made from; ``previous_overlaps()``: the previous events each shares
      mentions with, in that order;
    * ``events_in_final_order()``: (sid, event, roles) by first mention (article, sentence),
      then rank; ``roles``: per article of the summary, in its order, (article index into
      ``article_ids``, key sentence's index), flat;
    * the role figures: ``pairs_by_article()``, per article index (increasing), its pairs as
      (sid, weight, first mention's sentence, its start); ``previews()``: the (article index,
      sid) pairs where the article only previews the event; in memory ``sizes`` (articles a
      summary) and ``flags`` (dated, places, participants as bits 1, 2, 4).
    """

    what = "summary spill"

    def __init__(self, directory: str | Path | None = None) -> None:
        from storyline.events import grouping

        self.role_ints = grouping.ROLE_INTS
        self._first, self._preview, self._key = grouping._FIRST, grouping._PREVIEW, grouping._KEY_SENTENCE
        self.conn, self.path = scratch_db(
            "storyline-summaries-", directory,
            "CREATE TABLE summaries (sid INTEGER PRIMARY KEY, r0 INTEGER, r1 INTEGER, r2 TEXT, "
            "r3 INTEGER, r4 INTEGER, r5 INTEGER, event_type TEXT NOT NULL, first_article TEXT NOT NULL, "
            "first_sentence INTEGER NOT NULL, event BLOB NOT NULL, previous TEXT NOT NULL, roles BLOB NOT NULL)",
            # Read by article (the consensus rounds): clustered on it (WITHOUT ROWID), a scan in order.
            "CREATE TABLE pairs (article INTEGER NOT NULL, sid INTEGER NOT NULL, weight REAL NOT NULL, "
            "first_sentence INTEGER NOT NULL, first_start INTEGER NOT NULL, preview INTEGER NOT NULL, "
            "PRIMARY KEY (article, sid)) WITHOUT ROWID")
        self.sizes = array("i")  # int32: 5 bytes a summary with the flags
        self.flags = array("b")
        self.article_ids: list[str] = []
        self._article_index: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.flags)

    def add(self, summaries: Iterable[ClusterSummary]) -> None:
        db = self._db()
        rows, pairs = [], []
        n, first, preview, key = self.role_ints, self._first, self._preview, self._key
        for summary in summaries:
            sid = len(self.flags)
            rank = (*summary.rank[0], summary.rank[1]) if summary.rank else (None,) * len(_RANK_COLUMNS)
            if len(rank) != len(_RANK_COLUMNS):
                raise ValueError(f"a summary's rank has {len(rank)} values, not {len(_RANK_COLUMNS)}: {summary.rank!r}")
            ints = summary.ints
            if len(ints) != n * len(summary.articles) or len(summary.weights) != len(summary.articles):
                raise ValueError("a summary's role figures do not match its articles")
            roles = array("i")
            for j, article in enumerate(summary.articles):
                index = self._article_index.get(article)
                if index is None:
                    index = self._article_index[article] = len(self.article_ids)
                    self.article_ids.append(sys.intern(article))
                roles.extend((index, ints[n * j + key]))
                pairs.append((index, sid, summary.weights[j], ints[n * j + first], ints[n * j + first + 1],
                              ints[n * j + preview]))
            rows.append((sid, *rank, summary.event.event_type, *first_mention(summary.event.mention_keys),
                         _dump_event(summary.event), json.dumps(summary.previous), roles.tobytes()))
            self.flags.append(summary.dated | summary.places << 1 | summary.participants << 2)
            self.sizes.append(len(summary.articles))
        with db:
            db.executemany(f"INSERT INTO summaries VALUES ({','.join('?' * 13)})", rows)
            db.executemany("INSERT INTO pairs VALUES (?,?,?,?,?,?)", pairs)

    def pairs_by_article(self) -> Iterator[tuple[int, list[tuple[int, float, int, int]]]]:
        """(article index, its pairs as (sid, weight, first sentence, first start), by sid), by article index."""
        current: int | None = None
        group: list[tuple[int, float, int, int]] = []
        for article, *pair in self._db().execute(
                "SELECT article, sid, weight, first_sentence, first_start FROM pairs ORDER BY article, sid"):
            if article != current:
                if group:
                    yield current, group  # type: ignore[misc]
                current, group = article, []
            group.append(tuple(pair))  # type: ignore[arg-type]
        if group:
            yield current, group  # type: ignore[misc]

    def previews(self) -> Iterator[tuple[int, int]]:
        """(article index, sid) of the pairs where the article only previews the event."""
        return iter(self._db().execute("SELECT article, sid FROM pairs WHERE preview != 0 ORDER BY article, sid"))

    def rank_order(self) -> array:
        """The sids in rank order (k = 0, 1, ...)."""
        return array("i", (sid for (sid,) in self._db().execute(f"SELECT sid FROM summaries ORDER BY {_RANK_ORDER}")))

    def id_inputs(self) -> Iterator[tuple[str, str, int]]:
        return iter(self._db().execute(
            f"SELECT event_type, first_article, first_sentence FROM summaries ORDER BY {_RANK_ORDER}"))

    def previous_overlaps(self) -> Iterator[tuple[tuple[str, int], ...]]:
        """Per summary, in rank order, its ``previous``: (previous event id, mentions shared)."""
        for (data,) in self._db().execute(f"SELECT previous FROM summaries ORDER BY {_RANK_ORDER}"):
            yield tuple((old_id, n) for old_id, n in json.loads(data))

    def events_in_final_order(self) -> Iterator[tuple[int, Event, array]]:
        for sid, data, roles in self._db().execute(
                f"SELECT sid, event, roles FROM summaries ORDER BY first_article, first_sentence, {_RANK_ORDER}"):
            yield sid, _load_event(data), array("i", roles)



class EventSpill(ScratchFile, Sequence[Event]):
    """The events a build wrote, for the stages that read them afterwards (the facts' index and
    headline events, the stories), on disk instead of in memory: ~1.2 KB an event as Python
    objects (211,000 events at 100,000 articles), here a few rows of a private SQLite file.

    Events are numbered ``k`` 0, 1, ... in the order added and stored without their mention keys
    (the store's ``event_mentions`` has them), with their number of mentions. Read back:

    * ``events[k]``, iteration in order, ``len``: a Sequence, as ``stories.group_stories`` reads it;
    * ``of_chunk(ids)``: the events whose main or mentioning articles include one of ``ids``, and
      those of a family with a date value, each seen through the chunk (:class:`ChunkEvents`);
    * ``mention_counts``: event id -> its number of mentions (a Mapping read from the file).

    ``replace`` changes an event already added (a re-dated one, storyline.events.anchoring).
    """

    what = "event spill"

    def __init__(self, directory: str | Path | None = None) -> None:
        self.conn, self.path = scratch_db(
            "storyline-events-", directory,
            # head: the event without its articles and key sentences (see ChunkEvents)
            "CREATE TABLE events (k INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, "
            "family TEXT NOT NULL, date_value TEXT, mentions INTEGER NOT NULL, data BLOB NOT NULL, "
            "head BLOB NOT NULL)",
            "CREATE INDEX events_by_date ON events (family, date_value)",
            # roles: 1 a main article of event k, 2 a mentioning one (3 both); place: its first
            # place in the event's main then mentioning articles
            "CREATE TABLE articles (article_id TEXT NOT NULL, k INTEGER NOT NULL, roles INTEGER NOT NULL, "
            "place INTEGER NOT NULL)",
            "CREATE INDEX articles_by_id ON articles (article_id)")
        self.size = 0
        self._pending: list[tuple] = []
        self._pending_articles: list[tuple[str, int]] = []
        self.mention_counts: Mapping[str, int] = _MentionCounts(self)

    def add(self, event: Event, mentions: int | None = None) -> None:
        """Append ``event`` (``mentions``: its number of mentions, else ``len(event.mention_keys)``)."""
        k = self.size
        count = len(event.mention_keys) if mentions is None else mentions
        slim = dataclasses.replace(event, mention_keys=[]) if event.mention_keys else event
        self._pending.append((k, event.event_id, event_family(event.event_type), event.date_value, count,
                              _dump_event(slim), _dump_event(_head(slim))))
        main, mentioning = set(event.main_articles), set(event.mentioning_articles)
        self._pending_articles.extend(
            (a, k, (a in main) | (a in mentioning) << 1, place)
            for place, a in enumerate(dict.fromkeys(event.main_articles + event.mentioning_articles)))
        self.size += 1
        if len(self._pending) >= 1_000:
            self._flush()

    def _flush(self) -> sqlite3.Connection:
        db = self._db()
        if self._pending:
            with db:
                db.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?)", self._pending)
                db.executemany("INSERT INTO articles VALUES (?,?,?,?)", self._pending_articles)
            self._pending.clear()
            self._pending_articles.clear()
        return db

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, k):  # type: ignore[override]
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(self.size))]
        if k < 0:
            k += self.size
        row = self._flush().execute("SELECT data FROM events WHERE k = ?", (int(k),)).fetchone()
        if row is None:
            raise IndexError(k)
        return _load_event(row[0])

    def __iter__(self) -> Iterator[Event]:
        db = self._flush()
        for first in range(0, self.size, READ_CHUNK):
            rows = db.execute("SELECT data FROM events WHERE k >= ? AND k < ? ORDER BY k",
                              (first, first + READ_CHUNK)).fetchall()
            yield from (_load_event(data) for (data,) in rows)

    def counted(self) -> Iterator[tuple[Event, int]]:
        """(event, its number of mentions) in order: the count rides along with the event's row
        (``mention_counts[event_id]`` is a query of its own)."""
        db = self._flush()
        for first in range(0, self.size, READ_CHUNK):
            rows = db.execute("SELECT data, mentions FROM events WHERE k >= ? AND k < ? ORDER BY k",
                              (first, first + READ_CHUNK)).fetchall()
            yield from ((_load_event(data), mentions) for data, mentions in rows)

    def replace(self, k: int, event: Event) -> None:
        """Put ``event`` (the same event, changed: its id and articles are kept) in place of ``events[k]``."""
        slim = dataclasses.replace(event, mention_keys=[]) if event.mention_keys else event
        with self._flush() as db:
            db.execute("UPDATE events SET date_value = ?, data = ?, head = ? WHERE k = ? AND event_id = ?",
                       (event.date_value, _dump_event(slim), _dump_event(_head(slim)), int(k), event.event_id))

    def of_chunk(self, article_ids: Iterable[str]) -> ChunkEvents:
        """The events that name one of ``article_ids`` (a chunk's), and those of a family on a
        date, each as the chunk sees it (:class:`ChunkEvents`)."""
        db = self._flush()
        names: dict[int, list[tuple[int, str, int]]] = {}  # k -> (place, article, roles) of the chunk's articles
        for article_id, k, roles, place in _rows_in(
                db, "SELECT article_id, k, roles, place FROM articles WHERE article_id IN ({})", sorted(set(article_ids))):
            names.setdefault(k, []).append((place, article_id, roles))
        return ChunkEvents(db, names)


def _head(event: Event) -> Event:
    return dataclasses.replace(event, main_articles=[], mentioning_articles=[], key_sentences=[])


class ChunkEvents:
    """An :class:`EventSpill`'s events seen through a chunk of articles: each with its main and
    mentioning articles cut to those of the chunk (the main ones in their order, the others in
    the order they first come in its main then mentioning articles), without its key sentences.
    What a chunk's facts read of an event (storyline.events.facts: which of the chunk's articles
    it is about or mentioned in, its type, date, places, people) is the same; what they do not
    read, the event's other articles, is not unpickled: an event of a long story names thousands
    of articles, and every chunk would read them all (the facts' reads grew with the square of
    the corpus).

    * ``events``: those that name one of the chunk's articles, in the order added;
    * ``on_date(family, date_value)``: the events of a family with that date value, in order."""

    def __init__(self, db: sqlite3.Connection, names: dict[int, list[tuple[int, str, int]]]) -> None:
        self._db, self._names = db, names
        self.events = [self._view(k, head) for k, head in _rows_in(
            db, "SELECT k, head FROM events WHERE k IN ({}) ORDER BY k", sorted(names))]

    def _view(self, k: int, head: bytes) -> Event:
        event = _load_event(head)
        mine = sorted(self._names.get(k, ()))
        event.main_articles = [a for _place, a, roles in mine if roles & 1]
        event.mentioning_articles = [a for _place, a, roles in mine if roles & 2]
        return event

    def on_date(self, family: str, date_value: str | None) -> list[Event]:
        return [self._view(k, head) for k, head in self._db.execute(
            "SELECT k, head FROM events WHERE family = ? AND date_value IS ? ORDER BY k", (family, date_value))]


class _MentionCounts(Mapping):
    """Event id -> number of mentions, read from an :class:`EventSpill`'s file."""

    def __init__(self, spill: EventSpill) -> None:
        self.spill = spill

    def __getitem__(self, event_id: str) -> int:
        row = self.spill._flush().execute("SELECT mentions FROM events WHERE event_id = ?", (event_id,)).fetchone()
        if row is None:
            raise KeyError(event_id)
        return row[0]

    def __iter__(self) -> Iterator[str]:
        return (event_id for (event_id,) in self.spill._flush().execute("SELECT event_id FROM events ORDER BY k"))

    def __len__(self) -> int:
        return len(self.spill)


class StorySpill(ScratchFile):
    """What the stories stage (``stories.iter_stories``) would otherwise hold for the whole
    corpus, in a private SQLite file like :class:`MentionSpill`'s: the names' codes, each article's name counts
    (~1.6 KB an article as a Counter), each unit's full profile (every name's weight, a dict as
    large again) and heaviest names, the inverted index of those names, and each story's
    members. Names are int codes (the stage's own); counts and weights are float64 (the sums
    are those of the floats in memory, to the last bit).

    * ``codes(names)``: entity ids -> int codes, ``ranks()``: the codes in the ids' order;
    * articles are numbered ``idx`` 1, 2, ... as added (``add_article``; an id added again keeps
      its number and takes the new counts, as a dict would); ``indexes(ids)``: id -> number, ids
      never added given a number of their own (no names) with ``create``; ``names_of(idxs)`` and
      ``iter_articles(last)`` read them back;
    * ``put_profile(unit, profile, top)``: a unit's full profile (code -> weight) and its packed
      heaviest names; ``profile(unit)``, ``top(unit)`` read them back;
    * ``post(name, unit)`` / ``posted(names)``: the units posted under some names;
    * ``add_members``, then ``stories(sort_key)``: each story's lead title, events (in order)
      and articles (sorted), a story at a time.
    """

    what = "story spill"

    def __init__(self, directory: str | Path | None = None) -> None:
        self.conn, self.path = scratch_db(
            "storyline-stories-", directory,
            "CREATE TABLE names (name TEXT PRIMARY KEY, code INTEGER NOT NULL) WITHOUT ROWID",
            "CREATE TABLE articles (idx INTEGER PRIMARY KEY, article_id TEXT NOT NULL UNIQUE, codes BLOB NOT NULL, "
            "counts BLOB NOT NULL)",
            "CREATE TABLE profiles (unit INTEGER PRIMARY KEY, codes BLOB NOT NULL, weights BLOB NOT NULL, "
            "top BLOB NOT NULL)",
            "CREATE TABLE postings (name INTEGER NOT NULL, unit INTEGER NOT NULL, PRIMARY KEY (name, unit)) WITHOUT ROWID",
            "CREATE TABLE story_events (root INTEGER NOT NULL, k INTEGER NOT NULL, event_id TEXT NOT NULL, "
            "about INTEGER NOT NULL, mentions INTEGER NOT NULL, title TEXT NOT NULL)",
            "CREATE TABLE story_articles (root INTEGER NOT NULL, article_id TEXT NOT NULL)",
            "CREATE TABLE stories (root INTEGER PRIMARY KEY, sort_key TEXT NOT NULL, story_id TEXT NOT NULL)")
        self._pending: list[tuple[str, bytes, bytes]] = []
        self.names = 0  # names coded

    def codes(self, names: Iterable[str]) -> tuple[dict[str, int], list[str]]:
        """Name (an entity id) -> its code, for ``names``; a name not seen before gets the next
        code (0, 1, ...). Also the names coded by this call, in the order of their codes."""
        db = self._db()
        wanted = sorted(set(names))
        found = dict(_rows_in(db, "SELECT name, code FROM names WHERE name IN ({})", wanted))
        new = [name for name in wanted if name not in found]
        found.update((name, self.names + k) for k, name in enumerate(new))
        with db:
            db.executemany("INSERT INTO names VALUES (?,?)", ((name, found[name]) for name in new))
        self.names += len(new)
        return found, new

    def ranks(self) -> Iterator[int]:
        """The codes in the order of their names (SQLite's BINARY order of TEXT is that of the
        UTF-8 bytes: Python's order of the strings)."""
        return (code for (code,) in self._db().execute("SELECT code FROM names ORDER BY name"))

    def add_article(self, article_id: str, codes: array, counts: array) -> None:
        self._pending.append((article_id, codes.tobytes(), counts.tobytes()))
        if len(self._pending) >= 1_000:
            self._flush()

    def _flush(self) -> sqlite3.Connection:
        db = self._db()
        if self._pending:
            with db:
                db.executemany("INSERT INTO articles (article_id, codes, counts) VALUES (?,?,?) ON CONFLICT (article_id) "
                               "DO UPDATE SET codes = excluded.codes, counts = excluded.counts", self._pending)
            self._pending.clear()
        return db

    def last_index(self) -> int:
        """The largest article number so far (0 when none)."""
        return self._flush().execute("SELECT COALESCE(MAX(idx), 0) FROM articles").fetchone()[0]

    def __len__(self) -> int:
        return self._flush().execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def indexes(self, article_ids: Iterable[str], create: bool = False) -> dict[str, int]:
        """Article id -> its number, for those of ``article_ids`` added (all of them with
        ``create``: the others are added without names, numbered in the order given)."""
        db = self._flush()
        wanted = list(dict.fromkeys(article_ids))
        found = dict(_rows_in(db, "SELECT article_id, idx FROM articles WHERE article_id IN ({})", wanted))
        if create and len(found) < len(wanted):
            empty = array("i").tobytes()
            with db:
                for a in wanted:
                    if a not in found:
                        found[a] = db.execute("INSERT INTO articles (article_id, codes, counts) VALUES (?,?,?)",
                                              (a, empty, empty)).lastrowid
        return found

    def names_of(self, idxs: Iterable[int]) -> dict[int, tuple[array, array]]:
        """Article number -> (name codes, counts) as added."""
        return {idx: (_ints(codes), _floats(counts)) for idx, codes, counts in _rows_in(
            self._flush(), "SELECT idx, codes, counts FROM articles WHERE idx IN ({})", sorted(set(idxs)))}

    def iter_articles(self, last: int) -> Iterator[tuple[int, str, array, array]]:
        """(number, article id, name codes, counts) of the articles numbered up to ``last``, in order."""
        for idx, article_id, codes, counts in self._flush().execute(
                "SELECT idx, article_id, codes, counts FROM articles WHERE idx <= ? ORDER BY idx", (last,)):
            yield idx, article_id, _ints(codes), _floats(counts)

    def article_ids(self) -> Iterator[list[tuple[int, str]]]:
        """(number, article id) of every article, in order, READ_CHUNK at a time (the caller may
        write between two)."""
        db, last = self._flush(), 0
        while rows := db.execute("SELECT idx, article_id FROM articles WHERE idx > ? ORDER BY idx LIMIT ?",
                                 (last, READ_CHUNK)).fetchall():
            yield rows
            last = rows[-1][0]

    def put_profile(self, unit: int, profile: Mapping[int, float], top: bytes) -> None:
        self._db().execute("INSERT OR REPLACE INTO profiles VALUES (?,?,?,?)", (
            unit, array("i", profile.keys()).tobytes(), array("d", profile.values()).tobytes(), top))

    def profile(self, unit: int) -> dict[int, float]:
        row = self._db().execute("SELECT codes, weights FROM profiles WHERE unit = ?", (unit,)).fetchone()
        return dict(zip(_ints(row[0]), _floats(row[1]))) if row is not None else {}

    def top(self, unit: int) -> bytes:
        row = self._db().execute("SELECT top FROM profiles WHERE unit = ?", (unit,)).fetchone()
        return row[0] if row is not None else b""

    def drop_profile(self, unit: int) -> None:
        self._db().execute("DELETE FROM profiles WHERE unit = ?", (unit,))

    def post(self, name: int, unit: int) -> bool:
        """Post ``unit`` under ``name``; False if it was already."""
        return self._db().execute("INSERT OR IGNORE INTO postings VALUES (?,?)", (name, unit)).rowcount == 1

    def posted(self, names: Sequence[int]) -> set[int]:
        """The units posted under any of ``names``."""
        return {unit for (unit,) in _rows_in(self._db(), "SELECT unit FROM postings WHERE name IN ({})", names)}

    def add_members(self, events: Iterable[tuple[int, int, str, int, int, str]] = (),
                    articles: Iterable[tuple[int, str]] = ()) -> None:
        """Stories' events as (root, k, event id, articles about it, mentions, title) and
        articles as (root, article id); ``root``: the story's unit."""
        db = self._db()
        with db:
            db.executemany("INSERT INTO story_events VALUES (?,?,?,?,?,?)", events)
            db.executemany("INSERT INTO story_articles VALUES (?,?)", articles)

    def stories(self, sort_key: Callable[[int, str], tuple[str, str]]
                ) -> Iterator[tuple[int, str, str, list[str], list[str]]]:
        """Once every member is added: per story, in the order of ``sort_key(root, smallest
        event id)`` (two strings), its root, that key's second string (its id), the title of its
        lead event (most articles about it, then most mentions, then the first), its event ids
        in order and its article ids sorted (SQLite's BINARY order of TEXT is that of the UTF-8
        bytes: Python's order of the strings)."""
        db = self._db()
        with db:
            db.execute("CREATE INDEX story_events_by_root ON story_events (root, k)")
            db.execute("CREATE INDEX story_articles_by_root ON story_articles (root, article_id)")
            db.executemany("INSERT INTO stories VALUES (?,?,?)", (
                (root, *sort_key(root, seed)) for root, seed in
                db.execute("SELECT root, MIN(event_id) FROM story_events GROUP BY root").fetchall()))
        for root, story_id in db.execute("SELECT root, story_id FROM stories ORDER BY sort_key, story_id"):
            (title,) = db.execute("SELECT title FROM story_events WHERE root = ? "
                                  "ORDER BY about DESC, mentions DESC, k LIMIT 1", (root,)).fetchone()
            events = [e for (e,) in db.execute("SELECT event_id FROM story_events WHERE root = ? ORDER BY k", (root,))]
            articles = [a for (a,) in db.execute(
                "SELECT article_id FROM story_articles WHERE root = ? ORDER BY article_id", (root,))]
            yield root, story_id, title, events, articles


def _ints(data: bytes) -> array:
    out = array("i")
    out.frombytes(data)
    return out


def _floats(data: bytes) -> array:
    out = array("d")
    out.frombytes(data)
    return out
