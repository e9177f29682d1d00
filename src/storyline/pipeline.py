"""The build: ingest → clean → de-duplicate → store, then the annotation and event stages.

Each input ends in the ledger as ingested, duplicate or rejected. Re-running a build on the
same inputs changes nothing: ids are content hashes and unchanged inputs are skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from storyline import __version__
from storyline.clean import dedup, junk
from storyline.clean.dedup import NearDuplicateIndex, StoredNearDuplicateIndex, normalized_words, text_fingerprint
from storyline.config import BuildSettings
from storyline.ingest import readers
from storyline.ingest.discover import FoundFile, discover_inputs
from storyline.ingest.metadata import choose_outlet, identify_language, outlet_from_url
from storyline.records import LedgerEntry, RawDocument
from storyline.store.backend import is_postgres_url
from storyline.store.sqlite import Store

if TYPE_CHECKING:
    from storyline.stages import _LazyExecutor

INGEST_STAGE = f"{readers.STAGE}+{junk.STAGE}+{dedup.STAGE}"
INGEST_VERSION = f"{readers.STAGE_VERSION}.{junk.STAGE_VERSION}.{dedup.STAGE_VERSION}"

ProgressCallback = Callable[[str, int, int], None]  # (phase, done, total)

# Scripts written without spaces between words (Chinese, Japanese, Thai): a run of them is one
# regex "word", so they are counted by characters instead (about two characters a word).
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")


def count_words(text: str) -> int:
    return max(len(normalized_words(text)), len(_UNSPACED.findall(text)) // 2)


@dataclass
class BuildReport:
    inputs: int = 0
    ingested: int = 0
    duplicate: int = 0
    rejected: int = 0
    unchanged: int = 0
    articles_removed: int = 0  # old versions of changed inputs
    rejected_reasons: list[tuple[str, str]] = field(default_factory=list)  # (input_key, reason)
    stages: dict[str, dict[str, float]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "inputs": self.inputs, "ingested": self.ingested, "duplicate": self.duplicate,
            "rejected": self.rejected, "unchanged": self.unchanged,
        }


class Ingestor:
    """Turns RawDocuments into ledger rows and articles, keeping the near-duplicate index current."""

    def __init__(self, store: Store, settings: BuildSettings, report: BuildReport) -> None:
        self.store = store
        self.settings = settings
        self.report = report
        self.index = StoredNearDuplicateIndex(store, settings.dedup)

    def _ledger(self, doc: RawDocument, state: str, *, reason: str | None = None, article_id: str | None = None,
                kind: str | None = None, similarity: float | None = None) -> None:
        entry = LedgerEntry(doc.input_key, doc.source_path, doc.locator, doc.fmt, doc.content_hash, state,
                            reason, article_id, kind, similarity)
        self.store.write_ledger(entry, INGEST_STAGE, INGEST_VERSION)
        setattr(self.report, state, getattr(self.report, state) + 1)
        if state == "rejected":
            self.report.rejected_reasons.append((doc.input_key, reason or ""))

    def _forget_previous(self, previous) -> None:
        """An input changed since the last build: drop what its old version produced."""
        if previous["state"] == "ingested" and previous["article_id"]:
            old = previous["article_id"]
            self.store.delete_article(old)
            self.index.remove(old)
            self.report.articles_removed += 1
            # Reprints of the old text are re-examined the next time a build sees them.
            self.store.conn.execute(
                "UPDATE ledger SET content_hash = 'stale' WHERE state = 'duplicate' AND article_id = ?", (old,)
            )

    def process(self, doc: RawDocument) -> None:
        self.report.inputs += 1
        previous = self.store.ledger_entry(doc.input_key)
        # Rejected inputs are always looked at again: the reason may have been a limit that has
        # since been raised, and a re-run must still report them.
        if previous is not None and previous["content_hash"] == doc.content_hash \
                and previous["stage_version"] == INGEST_VERSION and previous["state"] != "rejected":
            self.report.unchanged += 1
            return
        if previous is not None:
            self._forget_previous(previous)
        if doc.reject_reason:
            self._ledger(doc, "rejected", reason=doc.reject_reason)
            return
        limits = self.settings.limits
        if len(doc.raw_text) > limits.max_article_chars:
            self._ledger(doc, "rejected", reason=(
                f"article too long ({len(doc.raw_text):,} characters; limit {limits.max_article_chars:,})"))
            return
        cleaned = junk.clean_text(doc.raw_text, title=doc.title)
        n_words = count_words(cleaned.text)
        if n_words < limits.min_article_words:
            self._ledger(doc, "rejected", reason=(
                f"no article text found (only {n_words} words after removing junk lines; "
                f"minimum {limits.min_article_words})"))
            return
        outlet = choose_outlet(doc.outlet, self.settings.outlet, outlet_from_url(doc.url))
        fingerprint = text_fingerprint(cleaned.text)
        article_id = "a" + fingerprint[:16]
        same = self.store.article_by_fingerprint(fingerprint)
        if same is not None:
            self._ledger(doc, "duplicate", article_id=same["article_id"], kind="exact", similarity=1.0)
            self.store.add_reprint(same["article_id"], outlet)
            return
        sh, mh = self.index.signature(cleaned.text)
        near = self.index.query(cleaned.text, sh, mh)
        if near is not None:
            self._ledger(doc, "duplicate", article_id=near.original_id, kind="near", similarity=near.similarity)
            self.store.add_reprint(near.original_id, outlet)
            return
        if doc.published:
            published, published_source = doc.published, "metadata"
        elif cleaned.dateline_date:
            published, published_source = cleaned.dateline_date, "dateline"
        else:
            published, published_source = None, "unknown"
        language = identify_language(cleaned.text)
        self.store.insert_article({
            "article_id": article_id,
            "input_key": doc.input_key,
            "fingerprint": fingerprint,
            "title": doc.title or cleaned.title_line,
            "outlet": outlet,
            "url": doc.url,
            "published": published,
            "published_source": published_source,
            "year_known": 1 if published else 0,
            "language": language.code,
            "language_confidence": language.confidence,
            "encoding": doc.encoding,
            "fmt": doc.fmt,
            "raw_text": doc.raw_text,
            "text": cleaned.text,
            "offset_map": json.dumps([[s.clean_start, s.orig_start, s.length] for s in cleaned.segments]),
            "word_count": n_words,
            "minhash": NearDuplicateIndex.encode(mh),
            "stage": INGEST_STAGE,
            "stage_version": INGEST_VERSION,
        })
        self.store.conn.executemany(
            "INSERT OR IGNORE INTO removed_spans(article_id, orig_start, orig_end, text, rule) VALUES (?,?,?,?,?)",
            [(article_id, r.orig_start, r.orig_end, r.text, r.rule) for r in cleaned.removed],
        )
        self.index.add(article_id, cleaned.text, mh, sh)
        self._ledger(doc, "ingested", article_id=article_id)


def _read_found(found: FoundFile, settings: BuildSettings) -> list[RawDocument]:
    if found.problem:
        return [RawDocument(str(found.path), "", "", "unknown", content_hash="", reject_reason=found.problem)]
    return readers.read_input(found.path, settings.limits)


def _without_own_files(found: list[FoundFile], db_path: str | Path) -> list[FoundFile]:
    """Leave out the database being built (and its WAL files) when it lies among the inputs."""
    if is_postgres_url(db_path):
        return found  # a PostgreSQL database has no files here
    db = Path(db_path).absolute()
    own = {db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")}
    return [f for f in found if f.path not in own]


def _executors(settings: BuildSettings) -> _LazyExecutor:
    from storyline.stages import _LazyExecutor  # imports spaCy: only when annotating

    return _LazyExecutor(settings)


def build(specs: list[str], db_path: str | Path, settings: BuildSettings | None = None,
          progress: ProgressCallback | None = None, *, annotate: bool = True) -> BuildReport:
    """Build (or update) the database at `db_path` (a SQLite file or a postgresql:// URL) from the
    inputs named by `specs`.

    Raises storyline.ingest.discover.InputPathError when a spec matches nothing.
    """
    settings = settings or BuildSettings()
    found = _without_own_files(discover_inputs(specs), db_path)
    report = BuildReport()
    store = Store(db_path)
    executors: _LazyExecutor | None = None  # the build's executor, shared by annotation and the corpus stages
    try:
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        cur = store.conn.execute(
            "INSERT INTO runs(started_at, storyline_version, inputs) VALUES (?,?,?)",
            (started, __version__, json.dumps(specs)),
        )
        store.conn.commit()
        run_id = cur.lastrowid
        ingestor = Ingestor(store, settings, report)
        batch = max(1, settings.batch_size)
        for i in range(0, len(found), batch):
            with store.transaction():
                for f in found[i : i + batch]:
                    for doc in _read_found(f, settings):
                        ingestor.process(doc)
                        if annotate and executors is None and report.ingested > batch:
                            # More than one batch to annotate: start the worker processes now (if
                            # the settings ask for several) so that they load their models while
                            # ingest goes on (a file may hold thousands of JSONL lines or entries).
                            # A smaller build imports the stages after ingest, as it always did.
                            executors = _executors(settings)
                            executors.warm()
            if progress:
                progress("ingest", min(i + batch, len(found)), len(found))
        del ingestor  # nothing of ingest is needed past this point (its index lives in the store)
        if annotate:
            from storyline.stages import run_corpus_stages

            executors = executors or _executors(settings)
            # One build at a time past this point (PostgreSQL lets several builds ingest at once;
            # annotation and the corpus-wide stages rewrite shared rows).
            with store.exclusive("stages"):
                run_corpus_stages(store, settings, report, progress, executors)
        with store.transaction():
            store.conn.execute(
                "UPDATE runs SET finished_at = ?, counts = ? WHERE run_id = ?",
                (datetime.now(timezone.utc).isoformat(timespec="seconds"), json.dumps(report.as_dict()), run_id),
            )
    finally:
        if executors is not None:
            executors.close()
        store.close()
    return report
