"""Score storyline's events on ECB+ (``storyline eval ecbplus DIR``).

Each topic of ECB+ holds documents about two real-world events of the same kind (two
earthquakes, two prison escapes). storyline is built once per topic on that topic's documents,
each rebuilt as plain text by :func:`~storyline.eval.datasets.ecb_document_text` (one sentence a
line) and given with no publication date (ECB+ has none); documents are excerpts, so short ones
are accepted (:func:`ecb_settings`). Two things are scored:

(a) **Document clustering.** Each document goes to the *story* it is about
    (:func:`storyline.eval.runner.story_of_articles`, see :mod:`storyline.events.stories`): an
    ECB+ subtopic is one story (an arrest, the charges and the court hearing of one man), which
    storyline keeps as several events of one story; a document in no story is a cluster of its
    own. Gold: the document's subtopic in ``doc_topic_subtopic_split.tsv``. B3 P/R/F1, NMI and
    ARI per topic, and their mean over topics. The same scores with each document's main
    *event* (:func:`storyline.eval.runner.main_event_of_articles`) are reported beside them.

(b) **Event-mention coreference** with storyline's own mentions: every ``event_mentions`` row
    is a predicted mention and its ``event_id`` its predicted cluster (a mention left out of
    every event, e.g. negated, is a singleton). The trigger span is mapped back to the input
    text through ``articles.offset_map`` and so to ECB+ tokens. Only mentions in the scored
    sentences (``ECBplus_coreference_sentences.csv``) count, on both sides.

    Matching: a predicted mention matches a gold ``ACTION_*``/``NEG_ACTION_*`` mention of the same
    document when its trigger span overlaps at least one of the gold mention's tokens; with
    several candidates the one with the largest character overlap wins (then the shorter gold
    mention, then the earlier one). Matching is one-to-one, in text order: a gold mention
    already taken is not matched again. A matched prediction is scored under the gold
    mention's id; an unmatched one is *twinless* and kept under an id of its own (it costs
    precision), as is every unmatched gold mention (it costs recall); the metrics in
    :mod:`storyline.eval.metrics` treat twinless mentions as the CoNLL reference scorer does.
    Singletons are kept on both sides. MUC, B3, CEAF-e and CoNLL F1 (their mean) are reported
    per topic and pooled over all topics (the usual corpus-level figure; chains never cross
    topics).

:func:`lemma_baseline` scores the classic same-head-lemma baseline on the *gold* mentions of
the same topics, a check that the scorer lands near published figures.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from storyline.config import BuildSettings, Limits
from storyline.eval.datasets import DocumentText, EcbCorpus, EcbDocument, ecb_document_text, read_ecbplus
from storyline.eval.metrics import PRF, ari, b_cubed, coref_scores, nmi
from storyline.eval.runner import BuiltCorpus, EvalArticle, OffsetMap, document_clusters, temporary_corpus

COREF_METRICS = ("muc", "b3", "ceaf_e")


@dataclass(frozen=True)
class PredictedMention:
    """One storyline event mention, with its trigger span in the benchmark document's text."""

    doc_id: str
    start: int  # in the rebuilt document text (ecb_document_text)
    end: int
    trigger: str
    event_id: str | None  # None: storyline put it in no event


@dataclass
class TopicResult:
    topic: str
    documents: int
    states: Counter[str]  # ingested / duplicate / rejected
    doc_b3: PRF  # documents by story
    doc_nmi: float
    doc_ari: float
    gold_clusters: int
    pred_clusters: int
    docs_in_events: int  # documents assigned to a story (the others are singletons)
    gold_mentions: int  # scored gold mentions
    pred_mentions: int  # predicted mentions in scored sentences
    matched: int
    coref: dict[str, PRF]
    seconds: float
    # Trivial document clusterings of the same topic, for scale: B3 F1 of all singletons / one cluster.
    singletons_b3: float = 0.0
    one_cluster_b3: float = 0.0
    # Documents by main event instead of story, for comparison.
    event_b3: PRF = field(default_factory=lambda: PRF(0.0, 0.0, 0.0))
    event_nmi: float = 0.0
    event_ari: float = 0.0
    # For pooling over topics.
    mention_gold: dict[str, str] = field(default_factory=dict, repr=False)
    mention_pred: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def conll(self) -> float:
        return sum(self.coref[m].f1 for m in COREF_METRICS) / 3


@dataclass
class EcbReport:
    topics: list[TopicResult]
    pooled: dict[str, PRF]
    seconds: float

    @property
    def pooled_conll(self) -> float:
        return sum(self.pooled[m].f1 for m in COREF_METRICS) / 3

    def mean(self, attr: str) -> float:
        values = [_attr(t, attr) for t in self.topics]
        return sum(values) / len(values) if values else 0.0


def _attr(result: TopicResult, attr: str) -> float:
    if attr == "doc_b3_f1":
        return result.doc_b3.f1
    if attr == "event_b3_f1":
        return result.event_b3.f1
    if attr == "doc_b3_p":
        return result.doc_b3.precision
    if attr == "doc_b3_r":
        return result.doc_b3.recall
    if attr == "conll":
        return result.conll
    if attr.endswith("_f1") and attr[:-3] in COREF_METRICS:
        return result.coref[attr[:-3]].f1
    return float(getattr(result, attr))


# --- inputs ----------------------------------------------------------------------------------------


def ecb_articles(documents: Sequence[EcbDocument]) -> tuple[list[EvalArticle], dict[str, DocumentText]]:
    """The documents as storyline inputs (rebuilt text, no date), with their rebuilt texts."""
    texts = {doc.doc_id: ecb_document_text(doc) for doc in documents}
    return [EvalArticle(doc.doc_id, texts[doc.doc_id].text) for doc in documents], texts


# ECB+ documents are the annotated excerpts of news articles, often two or three sentences: the
# cleaner's minimum for a page to hold article text (25 words, against pages of links and
# boilerplate) would reject 18 of them. Their text is known to be news, so only empty ones go.
ECB_MIN_ARTICLE_WORDS = 3


def ecb_settings() -> BuildSettings:
    """The build settings of an ECB+ topic: the defaults, with short excerpts accepted."""
    return BuildSettings(limits=Limits(min_article_words=ECB_MIN_ARTICLE_WORDS))


def predicted_mentions(corpus: BuiltCorpus, texts: dict[str, DocumentText]) -> list[PredictedMention]:
    """Every stored event mention, mapped to the input text of the document(s) it came from.

    A document that storyline kept as an exact copy of another gets the original's mentions
    (same text, same offsets); a near duplicate or a rejected document gets none.
    """
    conn = corpus.connect()
    try:
        raw: dict[str, tuple[str, OffsetMap]] = {
            r["article_id"]: (r["raw_text"], OffsetMap.from_json(r["offset_map"]))
            for r in conn.execute("SELECT article_id, raw_text, offset_map FROM articles")
        }
        rows: dict[str, list] = {}
        for r in conn.execute(
            "SELECT article_id, start, end, trigger, event_id FROM event_mentions ORDER BY article_id, start, end"
        ):
            rows.setdefault(r["article_id"], []).append(r)
    finally:
        conn.close()
    out: list[PredictedMention] = []
    for key in corpus.keys:
        article_id = corpus.article_ids.get(key)
        if article_id is None or article_id not in raw:
            continue
        raw_text, offsets = raw[article_id]
        if key in texts and raw_text != texts[key].text:
            continue  # a near duplicate: the stored offsets are another text's
        for r in rows.get(article_id, []):
            span = offsets.span_to_raw(r["start"], r["end"])
            if span is not None:
                out.append(PredictedMention(key, span[0], span[1], r["trigger"], r["event_id"]))
    return out


# --- matching and clusterings ----------------------------------------------------------------------


def match_mentions(
    document: EcbDocument, text: DocumentText, predicted: Sequence[PredictedMention]
) -> list[str | None]:
    """For each predicted mention (of this document), the key of the gold mention it matches.

    Only scored gold mentions are candidates; see the module docstring for the rule.
    """
    gold = [m for m in document.event_mentions if m.scored]
    spans = {
        m.key: [text.token_spans[t] for t in m.token_ids if t in text.token_spans] for m in gold
    }
    taken: set[str] = set()
    order = sorted(range(len(predicted)), key=lambda i: (predicted[i].start, predicted[i].end))
    result: dict[int, str | None] = {}
    for i in order:
        p = predicted[i]
        candidates = []
        for position, m in enumerate(gold):
            if m.key in taken:
                continue
            overlap = sum(max(0, min(p.end, e) - max(p.start, s)) for s, e in spans[m.key])
            if overlap > 0:
                size = sum(e - s for s, e in spans[m.key])
                candidates.append((-overlap, size, position, m.key))
        if candidates:
            best = min(candidates)[3]
            taken.add(best)
            result[i] = best
        else:
            result[i] = None
    return [result[i] for i in range(len(predicted))]


def mention_clusterings(
    documents: Sequence[EcbDocument],
    texts: dict[str, DocumentText],
    predicted: Sequence[PredictedMention],
    cluster_prefix: str = "",
) -> tuple[dict[str, str], dict[str, str], int]:
    """(gold, pred, matched): mention id -> chain for the scored sentences of ``documents``.

    Gold ids are :attr:`EcbMention.key`; a matched prediction takes its gold mention's id, a
    twinless one ``"<doc>#pred:<start>-<end>"``. Predictions outside the scored sentences are
    dropped. A prediction without an event is a singleton.
    """
    gold: dict[str, str] = {}
    pred: dict[str, str] = {}
    matched = 0
    by_doc: dict[str, list[PredictedMention]] = {}
    for p in predicted:
        by_doc.setdefault(p.doc_id, []).append(p)
    for document in documents:
        for m in document.event_mentions:
            if m.scored:
                gold[m.key] = m.chain_id
        text = texts[document.doc_id]
        in_scored = [
            p for p in by_doc.get(document.doc_id, [])
            if text.sentence_at(p.start) in document.scored_sentences
        ]
        for p, gold_key in zip(in_scored, match_mentions(document, text, in_scored)):
            item = gold_key or f"{p.doc_id}#pred:{p.start}-{p.end}"
            if gold_key:
                matched += 1
            pred[item] = f"{cluster_prefix}{p.event_id}" if p.event_id else f"single:{item}"
    return gold, pred, matched


# --- evaluation --------------------------------------------------------------------------------------


def evaluate_topic(corpus: EcbCorpus, topic: str, keep_in: str | Path | None = None) -> TopicResult:
    """Build storyline on one topic's documents and score (a) and (b)."""
    started = time.perf_counter()
    documents = [corpus.documents[d] for d in corpus.topics[topic]]
    articles, texts = ecb_articles(documents)
    with temporary_corpus(articles, ecb_settings(), keep_in=keep_in) as built:
        clusters = document_clusters(built, level="story")
        by_event = document_clusters(built, level="event")
        predicted = predicted_mentions(built, texts)
        states = built.counts
    gold_docs = {d.doc_id: d.subtopic for d in documents}
    pred_docs = {d.doc_id: clusters[d.doc_id] for d in documents}
    event_docs = {d.doc_id: by_event[d.doc_id] for d in documents}
    mention_gold, mention_pred, matched = mention_clusterings(documents, texts, predicted, f"{topic}/")
    return TopicResult(
        topic=topic,
        documents=len(documents),
        states=states,
        doc_b3=b_cubed(gold_docs, pred_docs),
        doc_nmi=nmi(gold_docs, pred_docs),
        doc_ari=ari(gold_docs, pred_docs),
        gold_clusters=len(set(gold_docs.values())),
        pred_clusters=len(set(pred_docs.values())),
        docs_in_events=sum(1 for c in pred_docs.values() if not c.startswith("singleton:")),
        gold_mentions=len(mention_gold),
        pred_mentions=len(mention_pred),
        matched=matched,
        coref=coref_scores(mention_gold, mention_pred),
        seconds=time.perf_counter() - started,
        singletons_b3=b_cubed(gold_docs, {d: d for d in gold_docs}).f1,
        one_cluster_b3=b_cubed(gold_docs, {d: "all" for d in gold_docs}).f1,
        event_b3=b_cubed(gold_docs, event_docs),
        event_nmi=nmi(gold_docs, event_docs),
        event_ari=ari(gold_docs, event_docs),
        mention_gold=mention_gold,
        mention_pred=mention_pred,
    )


def select_topics(corpus: EcbCorpus, topics: int | None = None, only: Sequence[str] | None = None) -> list[str]:
    names = list(corpus.topics)
    if only:
        missing = [t for t in only if t not in corpus.topics]
        if missing:
            raise ValueError(f"no such topic: {', '.join(missing)}")
        names = [t for t in names if t in set(only)]
    return names[:topics] if topics is not None else names


def evaluate_ecbplus(
    directory: str | Path,
    topics: int | None = None,
    only: Sequence[str] | None = None,
    on_topic: Callable[[TopicResult], None] | None = None,
    corpus: EcbCorpus | None = None,
) -> EcbReport:
    """Score the first ``topics`` topics (all by default; ``only`` picks topics by name)."""
    started = time.perf_counter()
    corpus = corpus or read_ecbplus(directory)
    results = []
    for topic in select_topics(corpus, topics, only):
        result = evaluate_topic(corpus, topic)
        results.append(result)
        if on_topic:
            on_topic(result)
    gold: dict[str, str] = {}
    pred: dict[str, str] = {}
    for r in results:
        gold.update(r.mention_gold)
        pred.update(r.mention_pred)
    return EcbReport(results, coref_scores(gold, pred), time.perf_counter() - started)


def same_lemma_clusters(mentions: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Mention id -> cluster, given mention id -> (topic, head lemma): same topic and lemma, one chain."""
    return {key: f"{topic}/{lemma}" for key, (topic, lemma) in mentions.items()}


def lemma_baseline(corpus: EcbCorpus, topics: Sequence[str], nlp=None) -> dict[str, PRF]:  # type: ignore[no-untyped-def]
    """Same-head-lemma baseline on the scored *gold* mentions of ``topics``, pooled.

    The head of a multi-token mention is its token whose syntactic head lies outside the
    mention (spaCy parse of the rebuilt text); mentions with the same head lemma in the same
    topic form one chain. Needs the spaCy model.
    """
    from storyline.annotate.nlp import load_nlp

    nlp = nlp or load_nlp()
    heads: dict[str, tuple[str, str]] = {}
    documents = [corpus.documents[d] for t in topics for d in corpus.topics[t]]
    texts = [ecb_document_text(d) for d in documents]
    for document, text, doc in zip(documents, texts, nlp.pipe((t.text for t in texts), batch_size=16)):
        for m in document.event_mentions:
            if not m.scored:
                continue
            spans = [text.token_spans[t] for t in m.token_ids if t in text.token_spans]
            start, end = min(s for s, _ in spans), max(e for _, e in spans)
            span = doc.char_span(start, end, alignment_mode="expand")
            tokens = list(span) if span is not None else []
            head = next((tok for tok in tokens if not (start <= tok.head.idx < end) or tok.head == tok), None)
            lemma = (head or (tokens[-1] if tokens else None))
            heads[m.key] = (document.topic, lemma.lemma_.lower() if lemma is not None else m.text.lower())
    gold = {m.key: m.chain_id for d in documents for m in d.event_mentions if m.scored}
    return coref_scores(gold, same_lemma_clusters(heads))


# --- report ------------------------------------------------------------------------------------------


def _prf(p: PRF) -> str:
    return f"{p.precision:.3f}/{p.recall:.3f}/{p.f1:.3f}"


def format_topic(r: TopicResult) -> str:
    return (
        f"topic {r.topic:>3}  docs {r.documents:>3} (in stories {r.docs_in_events:>3})  "
        f"clusters gold {r.gold_clusters} pred {r.pred_clusters:>3}  "
        f"doc B3 P/R/F1 {_prf(r.doc_b3)}  NMI {r.doc_nmi:.3f}  ARI {r.doc_ari:+.3f}  "
        f"(by event: B3 F1 {r.event_b3.f1:.3f})  |  "
        f"mentions gold {r.gold_mentions:>4} pred {r.pred_mentions:>3} matched {r.matched:>3}  "
        f"MUC {r.coref['muc'].f1:.3f}  B3 {r.coref['b3'].f1:.3f}  CEAF-e {r.coref['ceaf_e'].f1:.3f}  "
        f"CoNLL {r.conll:.3f}  ({r.seconds:.0f}s)"
    )


def format_report(report: EcbReport, per_topic: bool = True) -> str:
    lines = [f"ECB+ over {len(report.topics)} topics"]
    if per_topic:
        lines += [format_topic(r) for r in report.topics]
    gold_m = sum(r.gold_mentions for r in report.topics)
    pred_m = sum(r.pred_mentions for r in report.topics)
    matched = sum(r.matched for r in report.topics)
    lines.append(
        f"MEAN over topics: doc B3 P/R/F1 {report.mean('doc_b3_p'):.3f}/{report.mean('doc_b3_r'):.3f}/"
        f"{report.mean('doc_b3_f1'):.3f}  NMI {report.mean('doc_nmi'):.3f}  ARI {report.mean('doc_ari'):+.3f}  "
        f"(by main event: B3 F1 {report.mean('event_b3_f1'):.3f}  NMI {report.mean('event_nmi'):.3f}  "
        f"ARI {report.mean('event_ari'):+.3f})  |  MUC {report.mean('muc_f1'):.3f}  B3 {report.mean('b3_f1'):.3f}  "
        f"CEAF-e {report.mean('ceaf_e_f1'):.3f}  CoNLL {report.mean('conll'):.3f}"
    )
    lines.append(
        f"  for scale, doc B3 F1 of trivial clusterings: all singletons {report.mean('singletons_b3'):.3f}, "
        f"one cluster per topic {report.mean('one_cluster_b3'):.3f}"
    )
    lines.append(
        f"POOLED mentions (gold {gold_m}, predicted {pred_m}, matched {matched}; mention detection "
        f"P {matched / pred_m if pred_m else 0:.3f} R {matched / gold_m if gold_m else 0:.3f}): "
        + "  ".join(f"{name} P/R/F1 {_prf(report.pooled[m])}" for name, m in
                    (("MUC", "muc"), ("B3", "b3"), ("CEAF-e", "ceaf_e")))
        + f"  CoNLL F1 {report.pooled_conll:.3f}"
    )
    lines.append(f"time {report.seconds:.0f}s")
    return "\n".join(lines)


def report_json(report: EcbReport) -> str:
    """The figures as JSON (for docs and regression checks)."""
    def prf(p: PRF) -> dict[str, float]:
        return {k: round(v, 4) for k, v in p.as_dict().items()}

    return json.dumps({
        "topics": [
            {"topic": r.topic, "documents": r.documents, "doc_b3": prf(r.doc_b3), "doc_nmi": round(r.doc_nmi, 4),
             "doc_ari": round(r.doc_ari, 4), "event_b3": prf(r.event_b3), "event_nmi": round(r.event_nmi, 4),
             "event_ari": round(r.event_ari, 4), "gold_mentions": r.gold_mentions, "pred_mentions": r.pred_mentions,
             "matched": r.matched, "coref": {m: prf(r.coref[m]) for m in COREF_METRICS},
             "conll": round(r.conll, 4), "seconds": round(r.seconds, 1)}
            for r in report.topics
        ],
        "mean": {a: round(report.mean(a), 4) for a in ("doc_b3_p", "doc_b3_r", "doc_b3_f1", "doc_nmi", "doc_ari",
                                                        "event_b3_f1", "event_nmi", "event_ari", "muc_f1", "b3_f1",
                                                        "ceaf_e_f1", "conll", "singletons_b3", "one_cluster_b3")},
        "pooled": {m: prf(report.pooled[m]) for m in COREF_METRICS} | {"conll": round(report.pooled_conll, 4)},
        "seconds": round(report.seconds, 1),
    }, indent=1)


__all__ = [
    "EcbReport",
    "PredictedMention",
    "TopicResult",
    "ecb_articles",
    "evaluate_ecbplus",
    "evaluate_topic",
    "format_report",
    "lemma_baseline",
    "match_mentions",
    "mention_clusterings",
    "predicted_mentions",
    "report_json",
    "same_lemma_clusters",
]
