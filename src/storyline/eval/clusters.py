"""Score storyline's article → event clustering on Clust-McMs (``storyline eval clusters FILE``).

``mds_ac_dev_final.json`` is one pool of news articles (English, Malay, Chinese) with a gold
event cluster per article. storyline is built over the whole pool (each article: its title,
and its sentences one a line; no publication date, the file gives none) and each article is
assigned to its main event (:func:`storyline.eval.runner.main_event_of_articles`); an article
in no event (storyline annotates English only, so every non-English article is one) is a
cluster of its own, and so is a rejected one. A duplicate shares its original's cluster.

Scores: B3 and pairwise P/R/F1, NMI and ARI over all articles, with the same figures for two
trivial clusterings (all singletons, all in one cluster) and for the English articles alone
(gold restricted to them) to show where the score comes from.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from storyline.eval.datasets import ClustTopic, read_clust_mcms
from storyline.eval.metrics import PRF, ari, b_cubed, nmi, pairwise
from storyline.eval.runner import EvalArticle, document_clusters, temporary_corpus


@dataclass(frozen=True)
class ClusterScores:
    items: int
    gold_clusters: int
    pred_clusters: int
    b3: PRF
    pairwise: PRF
    nmi: float
    ari: float


def score_clustering(gold: dict, pred: dict) -> ClusterScores:
    """Every clustering metric of ``pred`` against ``gold`` (same items on both sides)."""
    return ClusterScores(
        items=len(gold), gold_clusters=len(set(gold.values())), pred_clusters=len(set(pred.values())),
        b3=b_cubed(gold, pred), pairwise=pairwise(gold, pred), nmi=nmi(gold, pred), ari=ari(gold, pred),
    )


@dataclass
class ClustersReport:
    name: str
    states: Counter[str]
    languages: Counter[str]
    in_events: int  # articles assigned to an event
    system: ClusterScores
    singletons: ClusterScores
    one_cluster: ClusterScores
    english: ClusterScores | None
    seconds: float
    predicted: dict[int, str] = field(default_factory=dict, repr=False)
    # The same articles clustered by the story their article is about (storyline.events.stories).
    by_story: ClusterScores | None = None
    english_by_story: ClusterScores | None = None


def clust_articles(topic: ClustTopic) -> list[EvalArticle]:
    return [EvalArticle(str(a.article_id), a.text or " ", title=a.title or None) for a in topic.articles]


def evaluate_topic(topic: ClustTopic, keep_in: str | Path | None = None) -> ClustersReport:
    started = time.perf_counter()
    with temporary_corpus(clust_articles(topic), keep_in=keep_in) as built:
        clusters = document_clusters(built)
        stories = document_clusters(built, level="story")
        conn = built.connect()
        try:
            language = {r[0]: r[1] for r in conn.execute("SELECT article_id, language FROM articles")}
        finally:
            conn.close()
        states = built.counts
        article_ids = dict(built.article_ids)
    gold = dict(topic.gold)
    pred = {a.article_id: clusters[str(a.article_id)] for a in topic.articles}
    langs = {a.article_id: language.get(article_ids.get(str(a.article_id)) or "", "rejected") for a in topic.articles}
    english_ids = [i for i, lang in langs.items() if lang == "en"]
    english = (
        score_clustering({i: gold[i] for i in english_ids}, {i: pred[i] for i in english_ids}) if english_ids else None
    )
    story_pred = {a.article_id: stories[str(a.article_id)] for a in topic.articles}
    english_by_story = (
        score_clustering({i: gold[i] for i in english_ids}, {i: story_pred[i] for i in english_ids})
        if english_ids else None
    )
    return ClustersReport(
        name=topic.name,
        states=states,
        languages=Counter(langs.values()),
        in_events=sum(1 for c in pred.values() if not c.startswith("singleton:")),
        system=score_clustering(gold, pred),
        singletons=score_clustering(gold, {i: f"s{i}" for i in gold}),
        one_cluster=score_clustering(gold, {i: "all" for i in gold}),
        english=english,
        seconds=time.perf_counter() - started,
        predicted=pred,
        by_story=score_clustering(gold, story_pred),
        english_by_story=english_by_story,
    )


def evaluate_clusters(file: str | Path) -> list[ClustersReport]:
    return [evaluate_topic(topic) for topic in read_clust_mcms(file)]


def _line(label: str, s: ClusterScores) -> str:
    return (
        f"{label:<24} items {s.items:>4}  clusters gold {s.gold_clusters:>3} pred {s.pred_clusters:>4}  "
        f"B3 P/R/F1 {s.b3.precision:.3f}/{s.b3.recall:.3f}/{s.b3.f1:.3f}  "
        f"pairwise P/R/F1 {s.pairwise.precision:.3f}/{s.pairwise.recall:.3f}/{s.pairwise.f1:.3f}  "
        f"NMI {s.nmi:.3f}  ARI {s.ari:+.3f}"
    )


def format_report(reports: list[ClustersReport]) -> str:
    lines = []
    for r in reports:
        langs = ", ".join(f"{k} {v}" for k, v in r.languages.most_common())
        lines.append(
            f"Clust-McMs {r.name}: {r.system.items} articles ({langs}); "
            + ", ".join(f"{v} {k}" for k, v in sorted(r.states.items()))
            + f"; {r.in_events} assigned to an event  ({r.seconds:.0f}s)"
        )
        lines.append(_line("storyline", r.system))
        if r.english is not None:
            lines.append(_line("storyline, English only", r.english))
        if r.by_story is not None:
            lines.append(_line("by story", r.by_story))
        if r.english_by_story is not None:
            lines.append(_line("by story, English only", r.english_by_story))
        lines.append(_line("baseline: singletons", r.singletons))
        lines.append(_line("baseline: one cluster", r.one_cluster))
    return "\n".join(lines)


def report_json(reports: list[ClustersReport]) -> str:
    def scores(s: ClusterScores | None) -> dict | None:
        if s is None:
            return None
        return {"items": s.items, "gold_clusters": s.gold_clusters, "pred_clusters": s.pred_clusters,
                "b3": {k: round(v, 4) for k, v in s.b3.as_dict().items()},
                "pairwise": {k: round(v, 4) for k, v in s.pairwise.as_dict().items()},
                "nmi": round(s.nmi, 4), "ari": round(s.ari, 4)}

    return json.dumps([
        {"name": r.name, "states": dict(r.states), "languages": dict(r.languages), "in_events": r.in_events,
         "system": scores(r.system), "english": scores(r.english), "by_story": scores(r.by_story),
         "english_by_story": scores(r.english_by_story), "singletons": scores(r.singletons),
         "one_cluster": scores(r.one_cluster), "seconds": round(r.seconds, 1)}
        for r in reports
    ], indent=1)


__all__ = [
    "ClusterScores",
    "ClustersReport",
    "clust_articles",
    "evaluate_clusters",
    "evaluate_topic",
    "format_report",
    "report_json",
    "score_clustering",
]
