"""ECB+ harness: offset mapping, mention matching and clusterings on hand-made documents; one real topic."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.eval.datasets import EcbDocument, EcbMention, EcbToken, ecb_document_text, read_ecbplus
from storyline.eval.ecbplus import (
    PredictedMention,
    evaluate_ecbplus,
    format_report,
    match_mentions,
    mention_clusterings,
    same_lemma_clusters,
)
from storyline.eval.metrics import coref_scores
from storyline.eval.runner import OffsetMap, clean_to_raw

BENCHMARKS = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"


# --------------------------------------------------------------------------- offsets


def test_offset_map_maps_spans_back_through_removed_text() -> None:
    # Original "AD LINE\nQuake hits town.\nJUNK\nMany hurt." cleaned to "Quake hits town.\nMany hurt."
    original = "AD LINE\nQuake hits town.\nJUNK\nMany hurt."
    cleaned = "Quake hits town.\nMany hurt."
    segments = [[0, 8, 17], [17, 30, 10]]
    offsets = OffsetMap(segments)
    start = cleaned.index("hits")
    span = offsets.span_to_raw(start, start + 4)
    assert span is not None and original[span[0]:span[1]] == "hits"
    start = cleaned.index("hurt")
    span = clean_to_raw("[[0, 8, 17], [17, 30, 10]]", start, start + 4)
    assert span is not None and original[span[0]:span[1]] == "hurt"
    assert offsets.to_raw(100) is None and offsets.span_to_raw(3, 3) is None


# --------------------------------------------------------------------------- matching


def _document() -> EcbDocument:
    # Sentence 0: "An earthquake struck Iran ."  Sentence 1: "It killed 5 people ."
    words = [(0, "An"), (0, "earthquake"), (0, "struck"), (0, "Iran"), (0, "."),
             (1, "It"), (1, "killed"), (1, "5"), (1, "people"), (1, ".")]
    tokens = tuple(EcbToken(i + 1, s, i, w) for i, (s, w) in enumerate(words))

    def mention(m_id: str, token_ids: tuple[int, ...], chain: str, sentence: int, scored: bool = True) -> EcbMention:
        text = " ".join(words[t - 1][1] for t in token_ids)
        return EcbMention("1_1ecb.xml", m_id, "ACTION_OCCURRENCE", token_ids, sentence, text, chain, scored)

    mentions = (
        mention("m1", (2,), "quake", 0),
        mention("m2", (3,), "quake", 0),
        mention("m3", (7,), "deaths", 1, scored=False),
    )
    return EcbDocument("1_1ecb.xml", "1", "1ecb", "train", tokens, mentions, frozenset({0}))


def test_match_mentions_overlap_one_to_one() -> None:
    doc = _document()
    text = ecb_document_text(doc)
    assert text.text == "An earthquake struck Iran.\nIt killed 5 people."
    quake = text.text.index("earthquake")
    struck = text.text.index("struck")
    predicted = [
        PredictedMention(doc.doc_id, struck, struck + 6, "struck", "ev1"),
        PredictedMention(doc.doc_id, quake, quake + 10, "earthquake", "ev1"),
        PredictedMention(doc.doc_id, quake + 2, quake + 6, "rthq", "ev2"),  # same gold mention: taken
        PredictedMention(doc.doc_id, 0, 2, "An", "ev1"),  # overlaps no gold mention
    ]
    assert match_mentions(doc, text, predicted) == ["1_1ecb.xml#m2", "1_1ecb.xml#m1", None, None]


def test_mention_clusterings_scored_sentences_twinless_and_singletons() -> None:
    doc = _document()
    text = ecb_document_text(doc)
    quake, struck, killed = (text.text.index(w) for w in ("earthquake", "struck", "killed"))
    predicted = [
        PredictedMention(doc.doc_id, quake, quake + 10, "earthquake", "ev1"),
        PredictedMention(doc.doc_id, struck, struck + 6, "struck", None),  # in no event: a singleton
        PredictedMention(doc.doc_id, 0, 2, "An", "ev1"),  # twinless
        PredictedMention(doc.doc_id, killed, killed + 6, "killed", "ev1"),  # unscored sentence: dropped
    ]
    gold, pred, matched = mention_clusterings([doc], {doc.doc_id: text}, predicted, "t1/")
    assert gold == {"1_1ecb.xml#m1": "quake", "1_1ecb.xml#m2": "quake"}
    assert matched == 2
    assert pred == {
        "1_1ecb.xml#m1": "t1/ev1",
        "1_1ecb.xml#m2": "single:1_1ecb.xml#m2",
        "1_1ecb.xml#pred:0-2": "t1/ev1",
    }
    scores = coref_scores(gold, pred)
    # MUC: the gold link m1-m2 is missed (recall 0); the predicted link m1-twinless is wrong.
    assert scores["muc"].recall == 0 and scores["muc"].precision == 0
    # B3 precision: m1 1/2, m2 1, twinless 0 -> 0.5; recall: m1 1/2, m2 1/2 -> 0.5.
    assert scores["b3"].precision == pytest.approx(0.5) and scores["b3"].recall == pytest.approx(0.5)


def test_same_lemma_clusters_stay_within_topics() -> None:
    clusters = same_lemma_clusters({"a": ("1", "quake"), "b": ("1", "quake"), "c": ("2", "quake")})
    assert clusters["a"] == clusters["b"] != clusters["c"]


# --------------------------------------------------------------------------- real data


def test_one_real_topic() -> None:
    root = BENCHMARKS / "ecbplus-dev"
    if not root.is_dir():
        pytest.skip(f"{root} is not present")
    corpus = read_ecbplus(root)
    report = evaluate_ecbplus(root, only=["11"], corpus=corpus)  # 16 short documents
    (topic,) = report.topics
    assert topic.topic == "11" and topic.documents == 16
    assert sum(topic.states.values()) == 16
    assert topic.gold_mentions == len(corpus.mention_gold(topic="11"))
    assert 0.0 <= topic.doc_b3.f1 <= 1.0 and 0.0 <= topic.conll <= 1.0
    assert topic.matched <= min(topic.gold_mentions, topic.pred_mentions)
    text = format_report(report)
    assert "MEAN over topics" in text and "POOLED" in text
