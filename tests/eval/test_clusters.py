"""Clust-McMs harness and the shared runner: main events, document clusters, a tiny build, a real subset."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from storyline.eval.clusters import evaluate_topic, format_report, score_clustering
from storyline.eval.datasets import read_clust_mcms
from storyline.eval.runner import (
    BuiltCorpus,
    EvalArticle,
    build_corpus,
    document_clusters,
    main_event_of_articles,
    write_jsonl,
)

BENCHMARKS = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"


def _event_db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.executescript(
        "CREATE TABLE event_articles(event_id TEXT, article_id TEXT, role TEXT);"
        "CREATE TABLE event_mentions(article_id TEXT, start INTEGER, end INTEGER, event_id TEXT);"
    )
    conn.executemany("INSERT INTO event_articles VALUES (?,?,?)", [
        ("ev1", "a1", "main"), ("ev2", "a1", "mentioning"),
        ("ev1", "a2", "mentioning"), ("ev2", "a2", "mentioning"),
    ])
    conn.executemany("INSERT INTO event_mentions VALUES (?,?,?,?)", [
        ("a1", 0, 5, "ev1"), ("a1", 10, 15, "ev2"), ("a1", 20, 25, "ev2"),
        # a2 is main of nothing: ev2 has more of its mentions than ev1.
        ("a2", 0, 5, "ev1"), ("a2", 10, 15, "ev2"), ("a2", 20, 25, "ev2"),
        ("a3", 0, 5, None),  # a mention in no event
    ])
    return conn


def test_main_event_of_articles_prefers_main_role_then_most_mentions() -> None:
    assert main_event_of_articles(_event_db()) == {"a1": "ev1", "a2": "ev2"}


def test_document_clusters_singletons_and_duplicates(tmp_path: Path) -> None:
    corpus = BuiltCorpus(
        tmp_path, tmp_path / "x.db", ["k1", "k2", "k3", "k4", "k5"],
        {"k1": "a1", "k2": "a2", "k3": "a3", "k4": None, "k5": "a1"},
        {"k1": "ingested", "k2": "ingested", "k3": "ingested", "k4": "rejected", "k5": "duplicate"},
    )
    clusters = document_clusters(corpus, _event_db())
    assert clusters == {"k1": "ev1", "k2": "ev2", "k3": "singleton:a3", "k4": "singleton:k4", "k5": "ev1"}


def test_document_clusters_by_story(tmp_path: Path) -> None:
    conn = _event_db()
    conn.executescript(
        "CREATE TABLE stories(story_id TEXT, article_ids TEXT);"
        "CREATE TABLE story_events(event_id TEXT, story_id TEXT);"
        "INSERT INTO stories VALUES ('st1', '[\"a1\"]'), ('st2', '[]');"
        "INSERT INTO story_events VALUES ('ev1', 'st1'), ('ev2', 'st2');"
    )
    corpus = BuiltCorpus(tmp_path, tmp_path / "x.db", ["k1", "k2", "k3"], {"k1": "a1", "k2": "a2", "k3": "a3"},
                         {"k1": "ingested", "k2": "ingested", "k3": "ingested"})
    # a2 is in no story's articles: the story of its main event (ev2); a3 has none.
    assert document_clusters(corpus, conn, level="story") == {"k1": "st1", "k2": "st2", "k3": "singleton:a3"}
    with pytest.raises(ValueError):
        document_clusters(corpus, conn, level="topic")


def test_write_jsonl_keeps_line_order(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    write_jsonl([EvalArticle("x", "one\ntwo", title="T", published="2020-01-02", source="S"),
                 EvalArticle("y", "three")], path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert lines[0] == '{"text": "one\\ntwo", "title": "T", "published": "2020-01-02", "source": "S"}'


def test_build_corpus_maps_ledger_rows_to_keys(tmp_path: Path) -> None:
    body = ("Officials in Ardenia said on Monday that the new bridge over the river Vell will open next spring "
            "after three years of construction work, delays and a dispute over its cost with the contractor.")
    other = ("Heavy rain flooded the market town of Brisk on Sunday, and residents spent the night moving "
             "furniture upstairs while volunteers filled sandbags near the old mill by the river bank.")
    articles = [EvalArticle("first", body), EvalArticle("reprint", body), EvalArticle("short", "Too short."),
                EvalArticle("second", other, published="2021-03-04", source="Gazette")]
    built = build_corpus(articles, tmp_path / "b")
    assert built.states == {"first": "ingested", "reprint": "duplicate", "short": "rejected", "second": "ingested"}
    assert built.article_ids["reprint"] == built.article_ids["first"] and built.article_ids["short"] is None
    assert "no article text" in built.reasons["short"]
    clusters = document_clusters(built)
    assert clusters["reprint"] == clusters["first"] and clusters["short"] == "singleton:short"
    with pytest.raises(ValueError):
        build_corpus([EvalArticle("k", body), EvalArticle("k", other)], tmp_path / "c")


def test_score_clustering() -> None:
    scores = score_clustering({1: "a", 2: "a", 3: "b"}, {1: "x", 2: "x", 3: "y"})
    assert scores.b3.f1 == scores.pairwise.f1 == scores.nmi == scores.ari == 1.0
    assert (scores.items, scores.gold_clusters, scores.pred_clusters) == (3, 2, 2)


def test_real_subset() -> None:
    path = BENCHMARKS / "clust-mcms-dev" / "mds_ac_dev_final.json"
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    (topic,) = read_clust_mcms(path)
    articles = topic.articles[:12]
    subset = replace(topic, articles=articles, gold={a.article_id: topic.gold[a.article_id] for a in articles})
    report = evaluate_topic(subset)
    assert report.system.items == 12 and sum(report.states.values()) == 12
    assert report.singletons.b3.precision == 1.0 and report.one_cluster.b3.recall == 1.0
    assert 0.0 <= report.system.b3.f1 <= 1.0
    assert "baseline: singletons" in format_report([report])
