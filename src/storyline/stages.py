"""The stages after ingestion: per-article annotation, then the corpus-wide stages.

Per-article annotation (sentences, entity mentions, time expressions, document date, figures
with modality, event mentions) runs only on articles that have not been through the current
annotation version, in batches through `nlp.pipe`, one transaction per batch: a build never
holds the whole corpus's parses in memory.

Corpus-wide stages then run over what is stored: entity resolution across articles, event
grouping (with ids kept stable from the previous build), facts and their reconciliation.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import itertools
import json
import marshal
import operator
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from spacy.tokens import Doc

from storyline.annotate import docdate, entities, figures, modality, timex
from storyline.annotate import nlp as nlp_stage
from storyline.annotate.doccache import doc_text
from storyline.events import facts as facts_stage
from storyline.events import anchoring, grouping, mentions, partition, timeline
from storyline.events import stories as stories_stage
from storyline.events.model import Event, EventMention, Fact, with_fields
from storyline.events.spill import EventSpill, MentionSpill, ScratchFile, StorySpill, scratch_db
from storyline.records import AnnotatedArticle, Entity, EntityMention, Figure, Sentence, Timex, source_name

if TYPE_CHECKING:
    from storyline.config import BuildSettings
    from storyline.executors import Executor
    from storyline.pipeline import BuildReport, ProgressCallback
    from storyline.store.sqlite import Store

ANNOTATE_STAGE = "annotate"
# The embed stage's stored vectors (event_mentions.vector): "v2" float16 (float32 before).
EMBED_VERSION = "v2"
# One version for the per-article annotation: it changes when any of its parts changes.
ANNOTATE_VERSION = ".".join(
    v for v in (nlp_stage.STAGE_VERSION, entities.STAGE_VERSION, timex.STAGE_VERSION, docdate.STAGE_VERSION,
                figures.STAGE_VERSION, modality.STAGE_VERSION, mentions.STAGE_VERSION, EMBED_VERSION)
)
PER_ARTICLE_TABLES = ("sentences", "entity_mentions", "timexes", "figures", "event_mentions")


@dataclass
class ArticleAnnotation:
    article_id: str
    sentences: list[Sentence]
    mentions: list[EntityMention]
    local_ids: list[str | None]  # per mention: the article-local entity id
    timexes: list[Timex]
    figures: list[Figure]
    event_mentions: list[EventMention]
    date_estimate: docdate.DocDateEstimate | None = None
    skipped: str | None = None  # why the article was not annotated (e.g. not English)
    # Per event mention: its sentence vector (float16 bytes, grouping.vector_bytes), None when negated.
    event_vectors: list[bytes | None] = field(default_factory=list)


def annotate_doc(doc: Doc, article_id: str, published: str | None, title: str | None, outlet: str | None,
                 published_source: str) -> ArticleAnnotation:
    """Every per-article annotation of one parsed article, its event mentions' vectors included."""
    ann, annotated = annotate_doc_rules(doc, article_id, published, title, outlet, published_source)
    embed_annotation(ann, annotated)
    return ann


def embed_annotation(ann: ArticleAnnotation, annotated: AnnotatedArticle) -> ArticleAnnotation:
    """The embed stage: fills ``ann.event_vectors`` (sentence vectors for grouping, stored).

    Computed at annotation time (on whichever worker parsed the article), so a build embeds only
    the articles it annotates. Needs only ``annotated``'s text and sentences, never the spaCy
    ``Doc``, so it can run beside the parse of the next documents (`executors.annotate_batch`).
    """
    # The mentions of one sentence share its vector: one bytes object for them all is pickled once
    # when a worker process sends the annotation back (the vectors were most of what it sent).
    shared: dict[bytes, bytes] = {}
    ann.event_vectors = [None if blob is None else shared.setdefault(blob, blob)
                         for blob in map(grouping.vector_bytes,
                                         grouping.embed_article_mentions(ann.event_mentions, annotated))]
    return ann


def annotate_doc_rules(doc: Doc, article_id: str, published: str | None, title: str | None, outlet: str | None,
                       published_source: str) -> tuple[ArticleAnnotation, AnnotatedArticle]:
    """Every per-article annotation of one parsed article but the vectors (``event_vectors`` left
    empty: see :func:`embed_annotation`), and the article record the embed stage needs."""
    sentences = nlp_stage.sentence_records(doc, article_id)
    ents = entities.extract_entity_mentions(doc, article_id)
    ref = timeline.iso_day(published)
    times = timex.extract_timexes(doc, ref, article_id=article_id)
    estimate = None
    year_known = ref is not None
    if ref is None:
        estimate = docdate.infer_document_date(doc, times)
        if estimate.best is not None:
            times = timex.renormalize(times, doc, estimate.best)
            published, published_source, year_known = estimate.best.isoformat(), "inferred", estimate.year_known
    for t in times:
        t.article_id = article_id
    figs = modality.annotate_modality(figures.extract_figures(doc, article_id=article_id), doc)
    # Article-local resolution ("Putin" → "Vladimir Putin" within the article) gives event
    # mentions stable participant ids; the corpus stage maps them to corpus-wide entities.
    local = [copy.copy(m) for m in ents]  # fields are all immutable: as good as a deep copy, and cheaper
    entities.resolve_entities({article_id: local})
    annotated = AnnotatedArticle(article_id, doc_text(doc), title, outlet, published, published_source,
                                 sentences, local, times, figs, year_known)
    events = mentions.extract_event_mentions(doc, annotated)
    return ArticleAnnotation(article_id, sentences, ents, [m.entity_id for m in local], times, figs, events,
                             estimate), annotated


def _pending_articles(store: Store) -> list[str]:
    rows = store.conn.execute(
        "SELECT a.article_id FROM articles a LEFT JOIN annotation_status s "
        "ON s.article_id = a.article_id AND s.stage = ? "
        "WHERE s.stage_version IS NULL OR s.stage_version != ? ORDER BY a.article_id",
        (ANNOTATE_STAGE, ANNOTATE_VERSION),
    ).fetchall()
    return [r["article_id"] for r in rows]


def _write_annotation(store: Store, ann: ArticleAnnotation) -> None:
    conn = store.conn
    aid = ann.article_id
    # Re-annotating an article (a new annotation version) keeps the corpus entity id of a mention
    # found again at the same place, so that entities keep their ids (annotate/entity_ids.py).
    kept = {(r[0], r[1]): r[2] for r in conn.execute(
        "SELECT start, end, entity_id FROM entity_mentions WHERE article_id = ? AND entity_id IS NOT NULL", (aid,))}
    for table in PER_ARTICLE_TABLES:
        conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (aid,))
    conn.executemany(
        "INSERT INTO sentences(article_id, sentence_index, start, end, text, stage, stage_version) VALUES (?,?,?,?,?,?,?)",
        [(aid, s.index, s.start, s.end, s.text, nlp_stage.STAGE, nlp_stage.STAGE_VERSION) for s in ann.sentences],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO entity_mentions(article_id, sentence_index, start, end, text, label, entity_id, "
        "local_entity_id, alias_of, stage, stage_version, article_label) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [(aid, m.sentence_index, m.start, m.end, m.text, m.label, kept.get((m.start, m.end)), local, m.entity_id,
          m.stage, m.stage_version, m.label) for m, local in zip(ann.mentions, ann.local_ids)],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO timexes(article_id, sentence_index, start, end, text, type, value, mod, anchor, "
        "stage, stage_version) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [(aid, t.sentence_index, t.start, t.end, t.text, t.type, t.value, t.mod, t.anchor, t.stage or timex.STAGE,
          t.stage_version or timex.STAGE_VERSION) for t in ann.timexes],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO figures(article_id, sentence_index, start, end, text, kind, value, value_max, unit, "
        "timex, qualifier, modality, speaker, cue, stage, stage_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(aid, f.sentence_index, f.start, f.end, f.text, f.kind, f.value, f.value_max, f.unit, f.timex, f.qualifier,
          f.modality, f.speaker, f.cue, f.stage or figures.STAGE, f.stage_version or figures.STAGE_VERSION)
         for f in ann.figures],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO event_mentions(article_id, sentence_index, start, end, trigger, event_type, date_value, "
        "date_source, place_id, place_ids, participant_ids, local_place_id, local_place_ids, local_participant_ids, "
        "antecedent, status, negated, stage, stage_version, vector) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(aid, e.sentence_index, e.start, e.end, e.trigger, e.event_type, e.date_value, e.date_source, None, "[]",
          "[]", e.place_id, json.dumps(e.place_ids), json.dumps(e.participant_ids), e.antecedent, e.status,
          int(e.negated), e.stage, e.stage_version, vector)
         for e, vector in zip(ann.event_mentions, ann.event_vectors or [None] * len(ann.event_mentions))],
    )
    est = ann.date_estimate
    if est is not None:
        conn.execute(
            "UPDATE articles SET published = ?, published_source = ?, published_earliest = ?, published_latest = ?, "
            "published_confidence = ?, year_known = ? WHERE article_id = ? AND published_source IN ('unknown', 'inferred')",
            (est.best.isoformat() if est.best else None, "inferred" if est.best else "unknown",
             est.earliest.isoformat() if est.earliest else None, est.latest.isoformat() if est.latest else None,
             est.confidence, int(bool(est.year_known and est.best)), aid),
        )
    conn.execute(
        "INSERT OR REPLACE INTO annotation_status(article_id, stage, stage_version) VALUES (?,?,?)",
        (aid, ANNOTATE_STAGE, ANNOTATE_VERSION),
    )


def annotate_articles(store: Store, settings: BuildSettings, progress: ProgressCallback | None = None,
                      executor: Executor | None = None) -> int:
    """Annotate the pending articles through ``executor`` (default: a new one from ``settings``)."""
    pending = _pending_articles(store)
    if not pending:
        return 0
    from contextlib import nullcontext

    from storyline.executors import make_executor

    batch = max(1, settings.batch_size)
    # Batches are read here and handed to the executor (which may read ahead); results come back
    # per batch in order and are written here, one transaction per batch, whatever the executor.
    read: deque[tuple[list[str], dict]] = deque()

    def batches() -> Iterator[list[tuple]]:
        for i in range(0, len(pending), batch):
            ids = pending[i : i + batch]
            marks = ",".join("?" * len(ids))
            rows = {r["article_id"]: r for r in store.conn.execute(
                f"SELECT article_id, text, language, published, published_source, title, outlet FROM articles "
                f"WHERE article_id IN ({marks})", ids)}
            read.append((ids, rows))
            # Only English is annotated (the model is English); other languages are kept and marked.
            yield [(a, rows[a]["text"], rows[a]["published"] if rows[a]["published_source"] != "inferred" else None,
                    rows[a]["title"], rows[a]["outlet"], rows[a]["published_source"])
                   for a in ids if rows[a]["language"] == "en"]

    done = 0
    with nullcontext(executor) if executor is not None else make_executor(settings.executor, settings.scheduler,
                                                                            settings.workers) as executor:
        for annotations in executor.annotate(batches()):
            ids, rows = read.popleft()
            with store.transaction():
                for aid in ids:
                    if rows[aid]["language"] != "en":
                        for table in PER_ARTICLE_TABLES:
                            store.conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (aid,))
                        store.conn.execute(
                            "INSERT OR REPLACE INTO annotation_status(article_id, stage, stage_version) VALUES (?,?,?)",
                            (aid, ANNOTATE_STAGE, f"{ANNOTATE_VERSION}:skipped-language"),
                        )
                for ann in annotations:
                    _write_annotation(store, ann)
            done += len(ids)
            if progress:
                progress("annotate", done, len(pending))
    return done


# --- corpus-wide stages ------------------------------------------------------------------------


# The corpus-wide stages make millions of small objects (rows, records, index entries), most of
# them dead by the next chunk; with Python's default (a young collection every 700 allocations)
# the cyclic collector took a third of the events phase's build-process CPU outside grouping at
# 10,000 articles (14.8 of 39.4 CPU-s preparing the mentions, 8.6 of 30.2 in facts and stories),
# and a larger share per article than at 2,000: objects of a chunk promoted before they die, and
# each older collection walking structures that grow with the corpus. They collect the young
# generation every CORPUS_GC_YOUNG allocations instead (the older generations' thresholds are
# unchanged); memory stays the same (the stages make few reference cycles).
CORPUS_GC_YOUNG = 100_000


def collect_young_rarely() -> tuple[int, ...]:
    """Set the cyclic collector's young threshold to CORPUS_GC_YOUNG (if lower); returns the
    thresholds before. A worker process calls it once for its life (`executors._init_worker`):
    parsing and the rules make short-lived objects by the million too, and their collections
    cost ~2 % of a worker's annotation CPU (129.5 -> 126.7 CPU-ms an article, 150 synthetic
    articles, alternated runs; same peak memory)."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], CORPUS_GC_YOUNG), *before[1:])
    return before


@contextlib.contextmanager
def _rare_young_collections() -> Iterator[None]:
    """The cyclic collector's young threshold at CORPUS_GC_YOUNG while the block runs (restored after)."""
    before = collect_young_rarely()
    try:
        yield
    finally:
        gc.set_threshold(*before)


ENTITY_PAGE_ARTICLES = 500  # articles per read of entity mentions in the corpus-wide resolution
ENTITY_CACHE_MENTIONS = 200_000  # up to this many mentions (~4,000 articles) are kept in memory; more: a scratch file


# The resolver's arguments of an EntityMention first (alias_of is the antecedent pointer it reads in
# `entity_id`), then what rides along: the previous build's entity id and the article-local id.
# The resolver's input label is the article's own (article_label), never the label a previous
# corpus-wide vote wrote over it: that vote saw another set of articles, and counting its result
# again would make an incremental build differ from a build from scratch. Rows from before the
# column existed have only the stored label. The stored label is passed through last (r[11]).
_ENTITY_MENTION_COLUMNS = ("article_id, sentence_index, start, end, text, COALESCE(article_label, label), alias_of, "
                           "stage, stage_version, entity_id, local_entity_id, label")

_ArticleRows = tuple[str, list[tuple]]  # (article id, its mention rows in text order)


class _EntityMentionPages(ScratchFile):
    """The stored entity mentions, article by article, a page of articles at a time: the source
    of ``entities.CorpusResolver``, which reads the corpus in five passes (each call is one).

    Only the first pass queries the store. A corpus of at most ENTITY_CACHE_MENTIONS mentions is
    then kept in memory; a larger one has each page marshalled to a scratch file as it is first read
    and read back by the later passes (a third of the CPU of querying it again, which made the
    resolution grow x9 for x5 articles), so memory stays one page. A mention carries its
    antecedent pointer in ``entity_id`` as the resolver expects; ``previous`` holds the id the
    last build gave it, ``local_ids`` its article-local entity id and ``stored_labels`` its
    stored label.
    """

    what = "entity mention pages"

    def __init__(self, store: Store, directory: str | Path | None = None) -> None:
        self.store = store
        self.ids = sorted(r[0] for r in store.conn.execute("SELECT DISTINCT article_id FROM entity_mentions"))
        total = store.conn.execute("SELECT COUNT(*) FROM entity_mentions").fetchone()[0]
        self.conn = None
        self._kept: dict[int, list[_ArticleRows]] | None = None
        self._spilled: set[int] = set()  # pages (by their first article's index) in the scratch file
        if total <= ENTITY_CACHE_MENTIONS:
            self._kept = {}
        else:
            self.conn, self.path = scratch_db("storyline-entity-mentions-", directory,
                                              "CREATE TABLE pages (first INTEGER PRIMARY KEY, data BLOB NOT NULL)")

    def _query(self, page: list[str]) -> list[_ArticleRows]:
        rows = [tuple(r) for r in self.store.conn.execute(
            f"SELECT {_ENTITY_MENTION_COLUMNS} FROM entity_mentions WHERE article_id >= ? AND article_id <= ? "
            "ORDER BY article_id, start, end", (page[0], page[-1]))]
        return [(aid, list(group)) for aid, group in itertools.groupby(rows, key=operator.itemgetter(0))]

    def _page(self, first: int) -> list[_ArticleRows]:
        if self._kept is not None and first in self._kept:
            return self._kept[first]
        if first in self._spilled:
            return marshal.loads(self._db().execute("SELECT data FROM pages WHERE first = ?", (first,)).fetchone()[0])
        groups = self._query(self.ids[first:first + ENTITY_PAGE_ARTICLES])
        if self._kept is not None:
            self._kept[first] = groups
        else:
            with self._db() as db:
                # marshal, not pickle: a page is lists and tuples of strings, ints and None, which
                # marshal writes 5 times as fast (the file lives as long as this process)
                db.execute("INSERT INTO pages VALUES (?, ?)", (first, marshal.dumps(groups)))
            self._spilled.add(first)
        return groups

    def __call__(self) -> Iterator[entities.ArticleMentions]:
        for first in range(0, len(self.ids), ENTITY_PAGE_ARTICLES):
            for aid, rows in self._page(first):
                yield entities.ArticleMentions(aid, [EntityMention(*r[:9]) for r in rows],
                                               [r[9] for r in rows], [r[10] for r in rows], [r[11] for r in rows])


@_rare_young_collections()
def resolve_corpus_entities(store: Store) -> tuple[dict[str, Entity], LocalEntityMap]:
    """Resolve every stored mention across the corpus; returns entities and (article, local id) → entity id.

    Streams: the resolver reads the mentions a page of articles at a time in each of its passes
    and keeps only names and counts (storyline.annotate.entities.CorpusResolver). Entities keep
    the ids the previous build gave most of their mentions (storyline.annotate.entity_ids).
    """
    previous_redirects = {r["old_id"]: r["entity_id"]
                          for r in store.conn.execute("SELECT old_id, entity_id FROM entity_redirects")}
    with _EntityMentionPages(store, _spill_dir(store)) as source:
        resolved, redirects, assigned = entities.CorpusResolver(source).run(previous_redirects)
        updates: list[tuple] = []
        update_sql = "UPDATE entity_mentions SET entity_id = ?, label = ? WHERE article_id = ? AND start = ? AND end = ?"
        for art in assigned:  # the last pass, reading the pages once more
            # A mention whose stored id and label it keeps (most of them, when a build adds
            # articles to a resolved corpus) is not written again.
            assert art.previous is not None and art.stored_labels is not None  # _EntityMentionPages sets both
            for m, stored_id, stored_label in zip(art.mentions, art.previous, art.stored_labels):
                if m.entity_id != stored_id or m.label != stored_label:
                    updates.append((m.entity_id, m.label, m.article_id, m.start, m.end))
            if len(updates) >= 20_000:
                store.conn.executemany(update_sql, updates)
                updates = []
        store.conn.executemany(update_sql, updates)
    store.conn.execute("DELETE FROM entity_aliases")
    store.conn.execute("DELETE FROM entities")
    store.conn.execute("DELETE FROM entity_redirects")
    store.conn.executemany("INSERT INTO entity_redirects(old_id, entity_id) VALUES (?,?)", sorted(redirects.items()))
    store.conn.executemany(
        "INSERT INTO entities(entity_id, label, canonical, mentions, stage, stage_version) VALUES (?,?,?,?,?,?)",
        [(e.entity_id, e.label, e.canonical, sum(e.aliases.values()), entities.STAGE, entities.STAGE_VERSION)
         for e in resolved],
    )
    store.conn.executemany(
        "INSERT INTO entity_aliases(entity_id, alias, count) VALUES (?,?,?)",
        [(e.entity_id, alias, n) for e in resolved for alias, n in sorted(e.aliases.items())],
    )
    return {e.entity_id: e for e in resolved}, LocalEntityMap(store)


class LocalEntityMap:
    """(article id, article-local entity id) → corpus-wide entity id, read from the store per article.

    A local entity is the corpus entity most of its mentions resolved to (the first such in text
    order on a tie). Answered from ``entity_mentions`` one article at a time (the last one is
    kept), so the map costs no memory that grows with the corpus; callers that go article by
    article pay one query per article.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._article: str | None = None
        self._map: dict[str, str] = {}

    def _load(self, article_id: str) -> dict[str, str]:
        if article_id != self._article:
            votes: dict[str, Counter[str]] = defaultdict(Counter)
            for r in self.store.conn.execute("SELECT local_entity_id, entity_id FROM entity_mentions "
                                             "WHERE article_id = ? ORDER BY start, end", (article_id,)):
                if r[0] and r[1]:
                    votes[r[0]][r[1]] += 1
            self._article = article_id
            self._map = {local: counter.most_common(1)[0][0] for local, counter in votes.items()}
        return self._map

    def get(self, key: tuple[str, str | None], default: str | None = None) -> str | None:
        article_id, local = key
        if not local:
            return default
        return self._load(article_id).get(local, default)


def _in_articles(ids: Sequence[str] | None) -> tuple[str, tuple[str, ...]]:
    """A WHERE clause (and its parameters) for the rows of these articles; all rows when None."""
    if ids is None:
        return "", ()
    return f"WHERE article_id IN ({','.join('?' * len(ids))})", tuple(ids)


def _load_articles(store: Store, ids: Sequence[str] | None = None) -> list[AnnotatedArticle]:
    """Annotated articles as records (texts, sentences, entities, timexes, figures) for the event
    stages: every article, or those of ``ids`` (at most a few hundred: they go in one query)."""
    conn = store.conn
    where, params = _in_articles(ids)
    sentences: dict[str, list[Sentence]] = defaultdict(list)
    for r in conn.execute(f"SELECT * FROM sentences {where} ORDER BY article_id, sentence_index", params):
        sentences[r["article_id"]].append(Sentence(r["article_id"], r["sentence_index"], r["start"], r["end"], r["text"]))
    ents: dict[str, list[EntityMention]] = defaultdict(list)
    for r in conn.execute(f"SELECT * FROM entity_mentions {where} ORDER BY article_id, start", params):
        ents[r["article_id"]].append(EntityMention(r["article_id"], r["sentence_index"], r["start"], r["end"],
                                                   r["text"], r["label"], r["entity_id"], r["stage"], r["stage_version"]))
    times: dict[str, list[Timex]] = defaultdict(list)
    for r in conn.execute(f"SELECT * FROM timexes {where} ORDER BY article_id, start", params):
        times[r["article_id"]].append(Timex(r["start"], r["end"], r["text"], r["type"], r["value"], r["mod"],
                                            r["anchor"], r["article_id"], r["sentence_index"], r["stage"],
                                            r["stage_version"]))
    figs: dict[str, list[Figure]] = defaultdict(list)
    for r in conn.execute(f"SELECT * FROM figures {where} ORDER BY article_id, start", params):
        figs[r["article_id"]].append(Figure(
            r["start"], r["end"], r["text"], r["kind"], r["value"], r["value_max"], r["unit"], r["timex"],
            r["qualifier"], r["modality"], r["speaker"], r["cue"], r["article_id"], r["sentence_index"], r["stage"],
            r["stage_version"]))
    out = []
    for r in conn.execute("SELECT article_id, text, title, outlet, input_key, published, published_source, "
                          f"year_known FROM articles {where} ORDER BY article_id", params):
        aid = r["article_id"]
        # Facts name their source: the outlet, or the input's file name when no outlet is known.
        source = source_name(r["outlet"], r["input_key"])
        out.append(AnnotatedArticle(aid, r["text"], r["title"], source, r["published"], r["published_source"],
                                    sentences[aid], ents[aid], times[aid], figs[aid], bool(r["year_known"])))
    return out


def _json_ids(ids: Sequence[str]) -> str:
    """``json.dumps(ids)`` of a list of strings, the same text (each string as json escapes it by
    default, ", " between), without json's set-up of an encoder per call, which was most of its
    cost: the event stage compares two such lists with the stored ones for every mention."""
    return "[" + ", ".join(map(encode_basestring_ascii, ids)) + "]"


def _ids_of(text: str) -> list[str]:
    """``json.loads`` of a stored list of ids; most lists of a mention's people or places are empty."""
    return [] if text == "[]" else json.loads(text)


def _load_event_mentions(store: Store, mapping: LocalEntityMap,
                         ids: Sequence[str] | None = None) -> list[EventMention]:
    """Stored event mentions (every article's, or those of ``ids``) with their article-local
    entity ids mapped to corpus-wide ones."""

    def to_global(aid: str, locals_: list[str]) -> list[str]:
        out: list[str] = []
        for local in locals_:
            gid = mapping.get((aid, local))
            if gid and gid not in out:
                out.append(gid)
        return out

    out = []
    updates = []
    where, params = _in_articles(ids)
    # every column but the vector (a KiB a row, not read here)
    for r in store.conn.execute(
            "SELECT article_id, sentence_index, start, end, trigger, event_type, date_value, date_source, "
            "local_place_id, local_place_ids, local_participant_ids, status, negated, stage, stage_version, "
            f"antecedent, place_id, place_ids, participant_ids FROM event_mentions {where} "
            "ORDER BY article_id, start, end", params):
        aid = r["article_id"]
        place = mapping.get((aid, r["local_place_id"])) if r["local_place_id"] else None
        places = to_global(aid, _ids_of(r["local_place_ids"]))
        people = to_global(aid, _ids_of(r["local_participant_ids"]))
        out.append(EventMention(
            article_id=aid, sentence_index=r["sentence_index"], start=r["start"], end=r["end"],
            trigger=r["trigger"], event_type=r["event_type"], date_value=r["date_value"],
            date_source=r["date_source"], place_id=place, place_ids=places, participant_ids=people,
            status=r["status"], negated=bool(r["negated"]), stage=r["stage"], stage_version=r["stage_version"],
            antecedent=r["antecedent"]))
        # Only a row whose corpus ids changed is written (a rebuild maps most as before):
        # rewriting every row (a KiB each with its vector) grew the write-ahead log, and every
        # read behind it, with the corpus.
        stored = (place, _json_ids(places), _json_ids(people))
        if stored != (r["place_id"], r["place_ids"], r["participant_ids"]):
            updates.append((*stored, aid, r["start"], r["end"]))
    store.conn.executemany(
        "UPDATE event_mentions SET place_id = ?, place_ids = ?, participant_ids = ? "
        "WHERE article_id = ? AND start = ? AND end = ?", updates)
    return out


def _mention_vectors(store: Store, usable: list[EventMention], articles: dict[str, AnnotatedArticle]) -> np.ndarray:
    """One stored sentence vector per usable mention (a row each, in order); see
    :func:`_embed_missing_vectors` and :class:`_StoredVectors`."""
    _embed_missing_vectors(store, usable, articles)
    return _StoredVectors(store, usable)(list(range(len(usable))))


def _embed_missing_vectors(store: Store, usable: list[EventMention], articles: dict[str, AnnotatedArticle],
                           ids: Sequence[str] | None = None) -> list[int]:
    """Embed and store the vectors of usable mentions stored without one (annotated before the
    embed stage existed, or with a vector of another size), article by article as the
    annotation stage does; returns their positions in ``usable``. ``ids``: the articles of
    ``usable`` when they are not the corpus."""
    first = store.conn.execute("SELECT vector FROM event_mentions WHERE vector IS NOT NULL LIMIT 1").fetchone()
    size = len(bytes(first["vector"])) if first is not None else -1
    position = {m.key: i for i, m in enumerate(usable)}
    missing: dict[str, list[int]] = defaultdict(list)
    where, params = _in_articles(ids)
    for r in store.conn.execute("SELECT article_id, sentence_index, start, end FROM event_mentions "
                                f"{where or 'WHERE 1 = 1'} AND negated = 0 AND (vector IS NULL OR length(vector) != ?)",
                                (*params, size)):
        i = position.get(f"{r['article_id']}:{r['sentence_index']}:{r['start']}:{r['end']}")
        if i is not None:
            missing[usable[i].article_id].append(i)
    del position
    updates = []
    for aid in sorted(missing):
        positions = sorted(missing[aid])
        rows = grouping.embed_article_mentions([usable[i] for i in positions], articles[aid])
        for i, row in zip(positions, rows):
            assert row is not None  # usable mentions are not negated
            m = usable[i]
            updates.append((grouping.vector_bytes(row), m.article_id, m.start, m.end))
    if updates:
        store.conn.executemany("UPDATE event_mentions SET vector = ? WHERE article_id = ? AND start = ? AND end = ?",
                               updates)
    return sorted(i for positions in missing.values() for i in positions)


ARTICLE_CHUNK = 200  # articles read at once by the event stage (one IN list per table)


def _name_counts(store: Store, ents: dict[str, Entity]) -> tuple[Counter, int]:
    """grouping.name_frequencies over every stored article, read row by row."""
    df: Counter = Counter()
    current, seen = None, set()
    for r in store.conn.execute("SELECT article_id, entity_id, label FROM entity_mentions ORDER BY article_id"):
        if r["article_id"] != current:
            df.update(seen)
            current, seen = r["article_id"], set()
        if grouping.is_name(r["entity_id"], r["label"], ents):
            seen.add(r["entity_id"])
    df.update(seen)
    return df, store.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]


def _article_chunks(store: Store) -> Iterator[tuple[list[str], list[AnnotatedArticle]]]:
    """Every stored article as a full record, ``ARTICLE_CHUNK`` at a time in id order (ids, records)."""
    ids = sorted(r["article_id"] for r in store.conn.execute("SELECT article_id FROM articles"))
    for k in range(0, len(ids), ARTICLE_CHUNK):
        chunk = ids[k : k + ARTICLE_CHUNK]
        yield chunk, _load_articles(store, chunk)


def _prepare_mentions(store: Store, ents: dict[str, Entity], mapping: LocalEntityMap, spill: MentionSpill
                      ) -> set[int]:
    """The usable mentions of the corpus (grouping.usable_mentions, in its order, each with its
    weight in its article, :attr:`EventMention.weight`, and the previous build's event it was
    in, :attr:`EventMention.previous_event`) added to ``spill`` with their articles' publication
    days, reading ``ARTICLE_CHUNK`` articles at a time: grouping then needs neither the articles
    nor the corpus's mentions in memory. Mentions without a stored vector are embedded (and
    stored) on the way; returns their positions in ``spill``."""
    embedded: set[int] = set()
    name_counts = _name_counts(store, ents)
    for chunk, articles in _article_chunks(store):
        got = grouping.usable_mentions(_load_event_mentions(store, mapping, chunk), ents, articles,
                                       name_counts=name_counts)
        # The previous build's event of each mention: what an event inherits its id through.
        was_in = {(aid, start, end): event_id for aid, _sent, start, end, event_id in _grouped_mentions(store, chunk)}
        if was_in:
            got = [with_fields(m, previous_event=was_in[(m.article_id, m.start, m.end)])
                   if (m.article_id, m.start, m.end) in was_in else m for m in got]
        made = _embed_missing_vectors(store, got, {a.article_id: a for a in articles}, chunk)
        embedded.update(len(spill) + i for i in made)
        spill.add(got, {a.article_id: a.published for a in articles})
    return embedded


def _spill_dir(store: Store) -> Path | None:
    """Next to a database file (its disk is sized for the corpus); else the system's temp dir."""
    path = getattr(store, "path", None)
    return Path(path).parent if path else None


class _StoredVectors:
    """Positions of ``usable`` -> their stored vectors (a row each, float16 as stored: grouping
    sums them in float32, the same values): the vector loader of event grouping's reduce tasks
    (storyline.events.partition), so that a build holds the vectors of one bundle of components
    at a time instead of 1 KiB for every mention of the corpus. ``usable``: the mentions, or the
    build's spill of them (whose locations are read without the mentions)."""

    def __init__(self, store: Store, usable: Sequence[EventMention] | MentionSpill) -> None:
        self.store, self.usable = store, usable

    def _locations(self, positions: list[int]) -> list[tuple[str, int, int]]:
        if isinstance(self.usable, MentionSpill):
            return self.usable.locations(positions)
        return [(m.article_id, m.start, m.end) for m in (self.usable[i] for i in positions)]

    def __call__(self, positions: list[int]) -> np.ndarray:
        return _read_vectors(self.store.conn, self._locations(positions))


def _read_vectors(conn: Any, locations: Sequence[tuple[str, int, int]],
                  known: Mapping[int, bytes] | None = None) -> np.ndarray:
    """The stored vectors of the mentions at ``locations`` ((article, start, end); a row each,
    float16, zeros where none is stored), read by (article, trigger start), the primary key's
    prefix. ``known``: row -> the vector's bytes, for rows not to be read from ``conn``."""
    out: np.ndarray | None = None

    def put(row: int, blob: bytes) -> None:  # straight into the matrix: no second copy of the rows
        nonlocal out
        vector = np.frombuffer(blob, dtype=grouping.VECTOR_DTYPE)
        if out is None:
            out = np.zeros((len(locations), vector.size), dtype=grouping.VECTOR_DTYPE)
        out[row] = vector

    known = known or {}
    for row, blob in known.items():
        put(row, blob)
    wanted: dict[str, dict[tuple[int, int], int]] = defaultdict(dict)  # article -> (start, end) -> row
    for row, (article_id, start, end) in enumerate(locations):
        if row not in known:
            wanted[article_id][(start, end)] = row
    for aid, rows in wanted.items():
        starts = sorted({start for start, _ in rows})
        for chunk in range(0, len(starts), 500):
            part = starts[chunk : chunk + 500]
            for r in conn.execute(f"SELECT start, end, vector FROM event_mentions WHERE article_id = ? "
                                  f"AND start IN ({','.join('?' * len(part))})", (aid, *part)):
                row = rows.get((r["start"], r["end"]))
                if row is not None and r["vector"] is not None:
                    put(row, r["vector"])
    return out if out is not None else np.zeros((len(locations), 1), dtype=grouping.VECTOR_DTYPE)


@dataclass
class _WorkerRows:
    """A reduce task's rows, loaded by the build's worker process that runs it
    (``partition.RowLoader``): its mentions from the build's mention spill (a file that keeps
    its name while the build runs), their vectors from the store opened read-only. That
    connection sees what the build committed (the annotation's vectors), not the vectors this
    build embedded in its open transaction (:func:`_embed_missing_vectors`): those travel with
    the task (``carried``: position -> bytes)."""

    spill_path: str
    store_path: str
    carried: dict[int, bytes] = field(default_factory=dict)
    _open: tuple[MentionSpill, Store] | None = field(default=None, repr=False)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_open": None}

    def _opened(self) -> tuple[MentionSpill, Store]:
        if self._open is None:
            from storyline.store.sqlite import Store

            self._open = (MentionSpill.reader(self.spill_path), Store(self.store_path, read_only=True))
        return self._open

    def mentions(self, positions: list[int]) -> list[EventMention]:
        """The mentions alone (a large component's founding plan reads them without vectors first)."""
        return self._opened()[0](positions)

    def __call__(self, positions: list[int]) -> tuple[list[EventMention], np.ndarray]:
        spill, store = self._opened()
        mentions = spill(positions)
        known = {row: self.carried[p] for row, p in enumerate(positions) if p in self.carried}
        return mentions, _read_vectors(store.conn, [(m.article_id, m.start, m.end) for m in mentions], known)

    def close(self) -> None:
        if self._open is not None:
            for opened in self._open:
                opened.close()
            self._open = None


class _SpillTaskRows:
    """Reduce tasks that load their rows in the build's worker processes (``partition.TaskRows``):
    the driver reads only the locations and named entities of a task's positions from the spill,
    and the vectors this build embedded (``embedded``: their positions), which a worker cannot read."""

    def __init__(self, store: Store, spill: MentionSpill, embedded: set[int]) -> None:
        self.store, self.spill, self.embedded = store, spill, embedded

    def loader(self, positions: list[int]) -> _WorkerRows:
        mine = [p for p in positions if p in self.embedded]
        vectors = _read_vectors(self.store.conn, self.spill.locations(mine))
        # absolute: a worker's working directory need not be the driver's
        return _WorkerRows(str(Path(self.spill.path).absolute()), str(Path(self.store.path).absolute()),
                           {p: vectors[k].tobytes() for k, p in enumerate(mine)})

    def articles(self, positions: list[int]) -> list[str]:
        return [article_id for article_id, _start, _end in self.spill.locations(positions)]

    def named(self, positions: list[int]) -> set[str]:
        return self.spill.named(positions)


def _tasks_load_rows(store: Store, executor: Executor | None) -> bool:
    """Whether the reduce tasks load their own rows: they run in worker processes of this machine
    (``executors.runs_in_local_processes``) that can open the store's SQLite file read-only. A
    Dask worker may be elsewhere, and a PostgreSQL store's open transaction is not the
    driver's file: those tasks carry their rows."""
    from storyline.executors import runs_in_local_processes

    path = getattr(store, "path", None)
    return (runs_in_local_processes(executor) and store.backend == "sqlite" and path is not None
            and Path(path).is_file())


def _write_event(store: Store, e: Event) -> None:
    """An event's row, its articles, and its mentions' event id.

    Only mention rows whose event id changes are written (a rebuild gives most mentions the id
    they had: ids are inherited), and a mention the previous build put in an event of this id
    that is not among its mentions now loses the id; a mention of an event that is gone loses
    it in :func:`_clear_gone_events`. Clearing every mention's id first and writing them all
    again rewrote the whole table (a KiB a row with its vector), which grew the transaction's
    write-ahead log with the corpus, and every read behind it grew with that log."""
    conn = store.conn
    conn.execute(
        "INSERT INTO events(event_id, event_type, title, date_value, date_precision, date_confidence, date_hint, "
        "place_id, place_ids, participant_ids, status, main_articles, mentioning_articles, key_sentences, "
        "merged_from, stage, stage_version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (e.event_id, e.event_type, e.title, e.date_value, e.date_precision, e.date_confidence, e.date_hint,
         e.place_id, json.dumps(e.place_ids), json.dumps(e.participant_ids), e.status,
         json.dumps(e.main_articles), json.dumps(e.mentioning_articles),
         json.dumps([list(k) for k in e.key_sentences]), json.dumps(e.merged_from), e.stage, e.stage_version),
    )
    conn.executemany(
        "INSERT OR IGNORE INTO event_articles(event_id, article_id, role) VALUES (?,?,?)",
        [(e.event_id, a, "main") for a in e.main_articles]
        + [(e.event_id, a, "mentioning") for a in e.mentioning_articles if a not in e.main_articles],
    )
    mine = {(aid, int(start), int(end)) for aid, _sent, start, end in (key.rsplit(":", 3) for key in e.mention_keys)}
    # The rows that have this id already (one look-up in the event id's index) need no update: on
    # a rebuild that is nearly all of them, and an UPDATE per mention found each row by its key
    # in a table of a KiB a row, a look-up that grew slower with the corpus.
    had = {tuple(r) for r in conn.execute("SELECT article_id, start, end FROM event_mentions WHERE event_id = ?",
                                          (e.event_id,))}
    conn.executemany("UPDATE event_mentions SET event_id = ? WHERE article_id = ? AND start = ? AND end = ?",
                     [(e.event_id, *location) for location in sorted(mine - had)])
    conn.executemany("UPDATE event_mentions SET event_id = NULL WHERE article_id = ? AND start = ? AND end = ?",
                     sorted(had - mine))


def _clear_gone_events(store: Store) -> None:
    """Once every event is written (:func:`_write_event`): the mentions still naming an event
    that is no more (the previous build's) name none."""
    store.conn.execute("UPDATE event_mentions SET event_id = NULL WHERE event_id IS NOT NULL "
                       "AND event_id NOT IN (SELECT event_id FROM events)")


def _grouped_mentions(store: Store, article_ids: Sequence[str]) -> list[tuple[str, int, int, int, str]]:
    """(article id, sentence index, trigger start, end, event id) of the articles' mentions in an event."""
    clause, params = _in_articles(article_ids)
    return [(r["article_id"], r["sentence_index"], r["start"], r["end"], r["event_id"]) for r in store.conn.execute(
        f"SELECT article_id, sentence_index, start, end, event_id FROM event_mentions {clause} "
        "AND event_id IS NOT NULL", params)]


def _write_facts(store: Store, facts: Sequence[Fact]) -> None:
    store.conn.executemany(
        "INSERT OR IGNORE INTO facts(event_id, attribute, kind, value, value_max, unit, timex, qualifier, modality, "
        "speaker, cue, article_id, outlet, sentence_index, start, end, text, quote, link, stage, stage_version) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(f.event_id, f.attribute, f.kind, f.value, f.value_max, f.unit, f.timex, f.qualifier, f.modality, f.speaker,
          f.cue, f.article_id, f.outlet, f.sentence_index, f.start, f.end, f.text, f.quote, f.link, f.stage,
          f.stage_version) for f in facts],
    )


_EVENT_CHILD_TABLES = ("story_events", "reconciliations", "facts", "event_articles")  # rows that name an event


@_rare_young_collections()
def build_events(store: Store, ents: dict[str, Entity], mapping: LocalEntityMap,
                 executor: Executor | None = None) -> int:
    """Group the stored event mentions into events (map → shuffle → reduce through ``executor``,
    see storyline.events.partition), then facts and their reconciliation, and stories. Returns
    the number of events."""
    from storyline.executors import run_tasks

    # Grouping reads the corpus's usable mentions from a spill file (in order for the shuffle's
    # keys, then a bundle of components at a time, with their vectors from the store), and its
    # global step works from one summary per event, kept in another spill file (grouping.
    # iter_events): the driver holds neither the corpus's mentions nor its articles nor the
    # summaries. The events made go to the store and to a third spill file (spill.EventSpill),
    # which facts and stories read: the driver does not keep them either. Facts and stories
    # read the full articles afterwards, a chunk at a time.
    conn = store.conn
    scratch = _spill_dir(store)
    # On the build's worker processes a reduce task loads its own rows (_WorkerRows): the
    # driver then holds no component's mentions and vectors, nor their pickles.
    in_workers = _tasks_load_rows(store, executor)
    with MentionSpill(scratch, shared=in_workers) as spill, EventSpill(scratch) as events:
        embedded = _prepare_mentions(store, ents, mapping, spill)
        # Of the previous build's events, grouping needs only their ids (in load_events' order)
        # and merge histories: the mentions carry which event they were in.
        previous = grouping.PreviousEvents.from_rows(
            (r["event_id"], json.loads(r["merged_from"]))
            for r in conn.execute("SELECT event_id, merged_from FROM events ORDER BY event_id"))
        made = partition.iter_events_partitioned(spill, _StoredVectors(store, spill), None, ents, previous,
                                                 keys_from=spill, published=spill.published,
                                                 run=lambda fn, tasks: run_tasks(executor, fn, tasks, ordered=False),
                                                 directory=scratch,
                                                 rows_in_task=_SpillTaskRows(store, spill, embedded)
                                                 if in_workers else None)
        # The tables that hang off the events are emptied whole first (SQLite drops a table's
        # rows in one pass): deleting the events alone deleted their rows through the foreign
        # keys, event by event (half of the time at 10,000 articles). The events' delete still
        # cascades to anything else that refers to them.
        for table in _EVENT_CHILD_TABLES:
            conn.execute(f"DELETE FROM {table}")
        conn.execute("DELETE FROM events")
        conn.execute("DELETE FROM stories")
        anchors = anchoring.YearAnchors(
            {r[0] for r in conn.execute("SELECT article_id FROM articles WHERE year_known = 0")},
            lambda key: _stored_date(store, key))
        yearless: list[int] = []  # positions in ``events`` of year-less events with undated reports
        for e in made:  # written as the global step makes them
            if anchors.see(e):
                yearless.append(len(events))
            _write_event(store, e)
            events.add(e)  # without its mention keys (in event_mentions now), with their number
        _clear_gone_events(store)
        spill.close()  # the mentions' file is not needed any more
        _anchor_years(store, ents, events, anchors, yearless)
        _facts_and_stories(store, ents, events, scratch)
        return len(events)


def _stored_date(store: Store, key: str) -> str | None:
    """The stored date value of the event mention with this key (``EventMention.key``)."""
    article_id, _sentence, start, end = key.rsplit(":", 3)
    row = store.conn.execute("SELECT date_value FROM event_mentions WHERE article_id = ? AND start = ? AND end = ?",
                             (article_id, int(start), int(end))).fetchone()
    return row[0] if row is not None else None


def _anchor_years(store: Store, ents: dict[str, Entity], events: EventSpill, anchors: anchoring.YearAnchors,
                  yearless: Sequence[int]) -> None:
    """Give a year to the year-less events of undated reports that a dated main event anchors
    (storyline.events.anchoring), in the store and in ``events``, before facts and stories read them."""
    for k, event in anchors.redated(((k, events[k]) for k in yearless), lambda e: grouping.make_title(e, ents)):
        store.conn.execute("UPDATE events SET date_value = ?, date_precision = ?, date_confidence = ?, title = ? "
                           "WHERE event_id = ?", (event.date_value, event.date_precision, event.date_confidence,
                                                  event.title, event.event_id))
        events.replace(k, event)


def _facts_and_stories(store: Store, ents: dict[str, Entity], events: EventSpill, scratch: Path | None) -> None:
    """Facts, their reconciliation and the stories of the events written (read from ``events``).

    Facts and stories read the full articles once, a chunk at a time: facts per article, written
    at once (the reconciler keeps those it compares in a scratch file; the attacher indexes the
    events of a chunk's articles, read from ``events``), the stories keep each article's name
    counts in a scratch file of their own (``spill.StorySpill``), read the events from ``events``
    too and are written one at a time as they come."""
    conn = store.conn
    attacher = facts_stage.FactAttacher(
        (), mentions_of=lambda ids: [(a, s, start, e) for a, s, start, _end, e in _grouped_mentions(store, ids)],
        stored=events)
    with facts_stage.FactReconciler(scratch) as reconciler, StorySpill(scratch) as story_spill:

        def articles_once() -> Iterator[AnnotatedArticle]:
            for _ids, chunk in _article_chunks(store):
                facts = attacher.attach(chunk)
                _write_facts(store, facts)
                reconciler.add(facts)
                yield from chunk

        # Stories: the events of one real-world story together (storyline.events.stories).
        for story in stories_stage.iter_stories(events, articles_once(), ents, story_spill, events.mention_counts):
            conn.execute(
                "INSERT INTO stories(story_id, title, date_from, date_to, event_ids, article_ids, stage, "
                "stage_version) VALUES (?,?,?,?,?,?,?,?)",
                (story.story_id, story.title, story.date_from, story.date_to, json.dumps(story.event_ids),
                 json.dumps(story.article_ids), story.stage, story.stage_version))
            conn.executemany("INSERT INTO story_events(event_id, story_id) VALUES (?,?)",
                             [(e, story.story_id) for e in story.event_ids])
        conn.executemany(
            "INSERT OR REPLACE INTO reconciliations(event_id, attribute, status, explanation, sources, stage, "
            "stage_version) VALUES (?,?,?,?,?,?,?)",
            [(r.event_id, r.attribute, r.status, r.explanation, json.dumps(r.sources), r.stage, r.stage_version)
             for r in reconciler.reconciliations()],
        )


class _LazyExecutor:
    """The build's executor, started when a stage first needs it (a Dask cluster takes seconds to
    start; a build with nothing to do should not pay for it) and shared by every stage."""

    def __init__(self, settings: BuildSettings) -> None:
        self.settings = settings
        self.executor: Executor | None = None

    def warm(self) -> None:
        """Start the local worker processes now, if the settings ask for several (see
        `LocalPoolExecutor.start`): called while ingest still runs, so that the workers load
        their models beside it. Dask and the in-process executor start as before, when needed."""
        from storyline.executors import LocalPoolExecutor

        if self.settings.executor == "local":
            executor = self.get()
            if isinstance(executor, LocalPoolExecutor) and not executor.started:
                executor.start()

    def get(self) -> Executor:
        if self.executor is None:
            from storyline.executors import make_executor

            self.executor = make_executor(self.settings.executor, self.settings.scheduler, self.settings.workers)
        return self.executor

    def close(self) -> None:
        if self.executor is not None:
            self.executor.close()


def run_corpus_stages(store: Store, settings: BuildSettings, report: BuildReport,
                      progress: ProgressCallback | None = None, executors: _LazyExecutor | None = None) -> None:
    """Annotation, then the corpus-wide stages when the corpus changed. ``executors``: the
    build's (its owner closes it; perhaps started during ingest), else one of this call's own."""
    own = executors is None
    executors = executors if executors is not None else _LazyExecutor(settings)
    try:
        annotated = annotate_articles(store, settings, progress, executors.get()) if _pending_articles(store) else 0
        # Corpus-wide results depend on the set of articles: redo them when it changed.
        corpus_changed = annotated or report.ingested or report.articles_removed
        has_events = store.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        # A database built before stories existed has events but no stories: group them once.
        has_stories = has_events and store.conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
        if not corpus_changed and has_events and has_stories:
            return  # nothing new: corpus-wide results are as the last build left them
        with store.transaction():
            ents, mapping = resolve_corpus_entities(store)
            if progress:
                progress("entities", 1, 1)
            build_events(store, ents, mapping, executors.get())
            if progress:
                progress("events", 1, 1)
    finally:
        if own:
            executors.close()
