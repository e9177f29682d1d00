"""The corpus stages after ingestion: annotation of new articles, then corpus-wide stages.

Per-article annotation runs only on articles that have not been through the current version
of the annotation stage (annotation_status), in batches through `nlp.pipe`, one transaction
per batch, so a build never holds the whole corpus's parses in memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storyline.annotate import nlp as nlp_stage

if TYPE_CHECKING:
    from storyline.config import BuildSettings
    from storyline.pipeline import BuildReport, ProgressCallback
    from storyline.store.sqlite import Store

ANNOTATE_STAGE = "annotate"
ANNOTATE_VERSION = nlp_stage.STAGE_VERSION


def _pending_articles(store: Store) -> list[str]:
    rows = store.conn.execute(
        "SELECT a.article_id FROM articles a LEFT JOIN annotation_status s "
        "ON s.article_id = a.article_id AND s.stage = ? "
        "WHERE s.stage_version IS NULL OR s.stage_version != ? ORDER BY a.article_id",
        (ANNOTATE_STAGE, ANNOTATE_VERSION),
    ).fetchall()
    return [r["article_id"] for r in rows]


def _clear_annotations(store: Store, article_id: str) -> None:
    for table in ("sentences",):
        store.conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))


def annotate_articles(store: Store, settings: BuildSettings, progress: ProgressCallback | None = None) -> int:
    pending = _pending_articles(store)
    if not pending:
        return 0
    nlp = nlp_stage.load_nlp()
    batch = max(1, settings.batch_size)
    done = 0
    for i in range(0, len(pending), batch):
        ids = pending[i : i + batch]
        rows = {
            r["article_id"]: r
            for r in store.conn.execute(
                f"SELECT article_id, text, language FROM articles WHERE article_id IN ({','.join('?' * len(ids))})", ids
            )
        }
        texts = [rows[a]["text"] for a in ids]
        with store.transaction():
            for article_id, doc in zip(ids, nlp.pipe(texts, batch_size=16)):
                _clear_annotations(store, article_id)
                sentences = nlp_stage.sentence_records(doc, article_id)
                store.conn.executemany(
                    "INSERT INTO sentences(article_id, sentence_index, start, end, text, stage, stage_version) "
                    "VALUES (?,?,?,?,?,?,?)",
                    [(s.article_id, s.index, s.start, s.end, s.text, nlp_stage.STAGE, nlp_stage.STAGE_VERSION)
                     for s in sentences],
                )
                store.conn.execute(
                    "INSERT OR REPLACE INTO annotation_status(article_id, stage, stage_version) VALUES (?,?,?)",
                    (article_id, ANNOTATE_STAGE, ANNOTATE_VERSION),
                )
        done += len(ids)
        if progress:
            progress("annotate", done, len(pending))
    return done


def run_corpus_stages(store: Store, settings: BuildSettings, report: BuildReport,
                      progress: ProgressCallback | None = None) -> None:
    annotate_articles(store, settings, progress)
