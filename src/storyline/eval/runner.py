"""Run storyline on benchmark articles held in memory, and read back what the evaluations need.

The benchmark harnesses (:mod:`storyline.eval.ecbplus`, :mod:`storyline.eval.timeline17`,
:mod:`storyline.eval.clusters`) all go through :func:`build_corpus`: the articles are written as
one JSONL file (``text``, ``title``, ``published``, ``source``) into a folder and built with
:func:`storyline.pipeline.build`, exactly as a user's ``storyline build wire.jsonl`` would. Line
*n* of the file is article *n*, so the ledger row ``#line:n`` says what became of it: ingested
(its article id), a duplicate (the id of the article it reprints) or rejected (why).

Readers over the built database:

* :func:`main_event_of_articles`: the event each article is most about (see its docstring);
* :func:`story_of_articles`: the story each article is about;
* :func:`document_clusters`: benchmark document → predicted cluster (main event or story), for the
  clustering metrics;
* :func:`clean_to_raw`: a span of ``articles.text`` (cleaned) back to the text that was put in,
  through ``articles.offset_map``.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from storyline.config import BuildSettings
from storyline.pipeline import BuildReport, ProgressCallback, build

INPUT_NAME = "articles.jsonl"
DB_NAME = "storyline.db"


@dataclass(frozen=True)
class EvalArticle:
    """One benchmark article, as storyline is given it."""

    key: str  # the benchmark's id for it (document id, "<date>/<file>", ...)
    text: str
    title: str | None = None
    published: str | None = None  # ISO date, or None when the benchmark gives none
    source: str | None = None  # outlet


@dataclass
class BuiltCorpus:
    """A storyline database built from :class:`EvalArticle`s, with each article's fate."""

    directory: Path
    db_path: Path
    keys: list[str]  # benchmark keys, in input order
    article_ids: dict[str, str | None]  # key -> storyline article id (a duplicate: its original's)
    states: dict[str, str]  # key -> ingested | duplicate | rejected
    reasons: dict[str, str] = field(default_factory=dict)  # key -> why rejected
    report: BuildReport | None = None
    seconds: float = 0.0  # wall time of the build

    def connect(self) -> sqlite3.Connection:
        """A read-only connection with ``sqlite3.Row`` rows."""
        conn = sqlite3.connect(f"file:{self.db_path.absolute()}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        return conn

    @property
    def counts(self) -> Counter[str]:
        return Counter(self.states.values())


def write_jsonl(articles: Sequence[EvalArticle], path: Path) -> None:
    """One JSON object a line, in the order given (line n = articles[n - 1])."""
    with path.open("w", encoding="utf-8") as handle:
        for article in articles:
            record: dict[str, str] = {"text": article.text}
            if article.title:
                record["title"] = article.title
            if article.published:
                record["published"] = article.published
            if article.source:
                record["source"] = article.source
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def build_corpus(
    articles: Sequence[EvalArticle],
    directory: str | Path,
    settings: BuildSettings | None = None,
    progress: ProgressCallback | None = None,
) -> BuiltCorpus:
    """Build a storyline database from ``articles`` in ``directory`` (created if needed).

    Raises ``ValueError`` for duplicate keys or an empty text (JSONL readers skip blank lines,
    which would shift the line numbers).
    """
    keys = [a.key for a in articles]
    if len(set(keys)) != len(keys):
        raise ValueError("article keys must be unique")
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / INPUT_NAME
    db_path = folder / DB_NAME
    write_jsonl(articles, source)
    started = time.perf_counter()
    report = build([str(source)], db_path, settings, progress) if articles else BuildReport()
    seconds = time.perf_counter() - started
    article_ids: dict[str, str | None] = {k: None for k in keys}
    states: dict[str, str] = {k: "rejected" for k in keys}
    reasons: dict[str, str] = {}
    if articles:
        conn = sqlite3.connect(f"file:{db_path.absolute()}?mode=ro", uri=True)
        try:
            for locator, state, article_id, reason in conn.execute(
                "SELECT locator, state, article_id, reason FROM ledger"
            ):
                if not locator.startswith("line:"):
                    continue
                index = int(locator[5:]) - 1
                if 0 <= index < len(keys):
                    key = keys[index]
                    states[key] = state
                    article_ids[key] = article_id if state != "rejected" else None
                    if reason:
                        reasons[key] = reason
        finally:
            conn.close()
    return BuiltCorpus(folder, db_path, keys, article_ids, states, reasons, report, seconds)


@contextmanager
def temporary_corpus(
    articles: Sequence[EvalArticle],
    settings: BuildSettings | None = None,
    progress: ProgressCallback | None = None,
    keep_in: str | Path | None = None,
) -> Iterator[BuiltCorpus]:
    """:func:`build_corpus` in a temporary folder removed afterwards (or in ``keep_in``, kept)."""
    if keep_in is not None:
        yield build_corpus(articles, keep_in, settings, progress)
        return
    with tempfile.TemporaryDirectory(prefix="storyline-eval-") as tmp:
        yield build_corpus(articles, tmp, settings, progress)


# --- reading the database back -------------------------------------------------------------------


def main_event_of_articles(conn: sqlite3.Connection) -> dict[str, str]:
    """Article id → the event it is most about.

    The grouping stage names, for each article, at most one event it is the *main* article of
    (``event_articles.role = 'main'``). An article that only *mentions* events (e.g. a preview of
    an event it never reports as happened) gets the event with most of its mentions, ties to
    the one it mentions first. Articles with no event mention in any event are absent.
    """
    main: dict[str, str] = {}
    for row in conn.execute("SELECT event_id, article_id FROM event_articles WHERE role = 'main' ORDER BY event_id"):
        main.setdefault(row[1], row[0])
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    first: dict[tuple[str, str], int] = {}
    for article_id, event_id, start in conn.execute(
        "SELECT article_id, event_id, start FROM event_mentions WHERE event_id IS NOT NULL ORDER BY article_id, start"
    ):
        if article_id in main:
            continue
        counts[article_id][event_id] += 1
        first.setdefault((article_id, event_id), start)
    for article_id, events in counts.items():
        main[article_id] = min(events, key=lambda e: (-events[e], first[(article_id, e)], e))
    return main


def story_of_articles(conn: sqlite3.Connection) -> dict[str, str]:
    """Article id → the story it is about (``stories.article_ids``); an article that is about no
    story but has a main event gets that event's story (``story_events``). Empty for a database
    built before stories existed."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "stories" not in tables:
        return {}
    out: dict[str, str] = {}
    for story_id, article_ids in conn.execute("SELECT story_id, article_ids FROM stories ORDER BY story_id"):
        for article_id in json.loads(article_ids):
            out.setdefault(article_id, story_id)
    story_of_event = dict(conn.execute("SELECT event_id, story_id FROM story_events").fetchall())
    for article_id, event_id in main_event_of_articles(conn).items():
        if article_id not in out and event_id in story_of_event:
            out[article_id] = story_of_event[event_id]
    return out


def document_clusters(
    corpus: BuiltCorpus, conn: sqlite3.Connection | None = None, level: str = "event"
) -> dict[str, str]:
    """Benchmark key → predicted cluster, else a singleton of its own.

    ``level="event"``: its article's main event; ``level="story"``: the story its article is
    about (:func:`story_of_articles`). A duplicate shares its original's cluster (storyline
    keeps one article for both texts).
    """
    if level not in ("event", "story"):
        raise ValueError(f"unknown level {level!r} (event or story)")
    own = conn or corpus.connect()
    try:
        main = main_event_of_articles(own) if level == "event" else story_of_articles(own)
    finally:
        if conn is None:
            own.close()
    out: dict[str, str] = {}
    for key in corpus.keys:
        article_id = corpus.article_ids.get(key)
        cluster = main.get(article_id) if article_id else None
        out[key] = cluster if cluster else f"singleton:{article_id or key}"
    return out


class OffsetMap:
    """``articles.offset_map`` ([[clean_start, orig_start, length], ...]) as a lookup."""

    def __init__(self, segments: Sequence[Sequence[int]]) -> None:
        self.segments = sorted((int(c), int(o), int(n)) for c, o, n in segments)
        self._starts = [s[0] for s in self.segments]

    @classmethod
    def from_json(cls, text: str | None) -> OffsetMap:
        return cls(json.loads(text) if text else [])

    def to_raw(self, offset: int) -> int | None:
        """The original offset of the cleaned character at ``offset`` (None: not in any segment)."""
        k = bisect_right(self._starts, offset) - 1
        if k < 0:
            return None
        clean_start, orig_start, length = self.segments[k]
        if offset >= clean_start + length:
            return None
        return orig_start + offset - clean_start

    def span_to_raw(self, start: int, end: int) -> tuple[int, int] | None:
        """The original span of the cleaned span [start, end): its first and last characters mapped."""
        if end <= start:
            return None
        first = self.to_raw(start)
        last = self.to_raw(end - 1)
        if first is None or last is None:
            return None
        return first, last + 1


def clean_to_raw(offset_map: str | Sequence[Sequence[int]], start: int, end: int) -> tuple[int, int] | None:
    """Map a span of ``articles.text`` back to ``articles.raw_text`` (None when it has no source)."""
    mapping = OffsetMap.from_json(offset_map) if isinstance(offset_map, str) else OffsetMap(offset_map)
    return mapping.span_to_raw(start, end)


__all__ = [
    "BuiltCorpus",
    "EvalArticle",
    "OffsetMap",
    "build_corpus",
    "clean_to_raw",
    "document_clusters",
    "main_event_of_articles",
    "story_of_articles",
    "temporary_corpus",
    "write_jsonl",
]
