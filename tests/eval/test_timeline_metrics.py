"""Date F1 and alignment-based ROUGE against hand-computed examples."""

from __future__ import annotations

from datetime import date

import pytest

from storyline.eval.timeline_metrics import (
    RougeCounts,
    align_rouge,
    date_f1,
    rouge_n_counts,
    rouge_tokenize,
)


def d(day: int, month: int = 1) -> date:
    return date(2010, month, day)


def test_rouge_tokenize() -> None:
    # Lowercased runs of letters/digits; punctuation (and "_") separates tokens.
    assert rouge_tokenize("U.S. Oil-spill's 5,000 Café_x!") == ["u", "s", "oil", "spill", "s", "5", "000", "café", "x"]
    assert rouge_tokenize(" -- ") == []


def test_date_f1_hand_example() -> None:
    # gold {1, 2, 3}, pred {2, 3, 5, 6}: shared {2, 3}.
    # P = 2/4, R = 2/3, F = 2 (1/2)(2/3) / (1/2 + 2/3) = (2/3)/(7/6) = 4/7
    score = date_f1([d(1), d(2), d(3)], [d(2), d(3), d(5), d(6)])
    assert score.precision == pytest.approx(0.5)
    assert score.recall == pytest.approx(2 / 3)
    assert score.f1 == pytest.approx(4 / 7)


def test_date_f1_edges() -> None:
    assert date_f1([d(1)], [d(1), d(1)]).f1 == 1.0  # sets: duplicates do not count twice
    assert date_f1([d(1)], []).f1 == 0.0
    assert date_f1([], [d(1)]).f1 == 0.0


def test_rouge_n_counts() -> None:
    # pred "a b a" vs gold "a a a c": unigrams clipped: a min(2,3) = 2, b 0 -> hits 2, 3 pred, 4 gold.
    assert rouge_n_counts(["a b a"], ["a a a c"], 1) == RougeCounts(hits=2, pred_total=3, gold_total=4)
    # Sentences of a summary are joined: pred tokens "a b c" -> bigrams (a b), (b c); gold (b c).
    assert rouge_n_counts(["a b", "c"], ["b c"], 2) == RougeCounts(hits=1, pred_total=2, gold_total=1)
    assert RougeCounts(hits=1, pred_total=2, gold_total=1).prf.f1 == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        rouge_n_counts(["a"], ["a"], 0)


def test_align_rouge_two_dates_hand_example() -> None:
    gold = {d(1): ["A b c d."], d(10): ["e f"]}
    pred = {d(1): ["a b x"], d(3): ["E, f g"]}
    # Tokens: G1 = a b c d, G2 = e f; P1 = a b x, P2 = e f g.
    # Unigram F1: P1-G1 hits 2, P 2/3, R 2/4 -> 4/7; P2-G2 hits 2, P 2/3, R 1 -> 0.8; others 0.
    # Distances (days): P1-G1 0, P1-G2 9, P2-G1 2, P2-G2 7.
    # cost = (1 - 1/(dist+1)) * (1 - F1):
    #   P1-G1 0;  P1-G2 0.9 * 1 = 0.9;  P2-G1 (2/3) * 1 = 0.667;  P2-G2 (7/8) * 0.2 = 0.175
    # Precision: P1 -> G1, P2 -> G2.  Σ weight*hits = 1*2 + (1/8)*2 = 2.25; pred unigrams 3+3 = 6 -> 0.375
    # Recall:    G1 -> P1, G2 -> P2.  Σ = 2.25; gold unigrams 4+2 = 6 -> 0.375
    score = align_rouge(gold, pred, 1)
    assert score.precision == pytest.approx(0.375)
    assert score.recall == pytest.approx(0.375)
    assert score.f1 == pytest.approx(0.375)
    # AR-2: bigrams G1 (a b)(b c)(c d), G2 (e f); P1 (a b)(b x), P2 (e f)(f g).
    # Same alignment; hits P1-G1 1 (a b), P2-G2 1 (e f): Σ = 1 + 1/8 = 1.125.
    # P = 1.125 / 4, R = 1.125 / 4.
    score2 = align_rouge(gold, pred, 2)
    assert score2.precision == pytest.approx(1.125 / 4)
    assert score2.recall == pytest.approx(1.125 / 4)


def test_align_rouge_many_to_one() -> None:
    # Two predicted dates, one gold date: both predicted dates align to it.
    gold = {d(1): ["a b"]}
    pred = {d(1): ["a"], d(2): ["b c"]}
    # Precision: P1 (same day, weight 1) hits 1; P2 (1 day off, weight 1/2) hits 1 ("b") -> 1.5 / 3 = 0.5
    # Recall: G1 -> P1 (cost 0 < P2's (1/2)(1 - F1)) -> hits 1 / 2 = 0.5
    score = align_rouge(gold, pred, 1)
    assert score.precision == pytest.approx(0.5)
    assert score.recall == pytest.approx(0.5)


def test_align_rouge_content_beats_nearer_date() -> None:
    # Pred on Jan 1 says what gold says on Jan 5; gold Jan 2 is nearer but unrelated.
    gold = {d(2): ["x y"], d(5): ["a b"]}
    pred = {d(1): ["a b"]}
    # cost(P, G Jan2) = (1 - 1/2) * (1 - 0) = 0.5;  cost(P, G Jan5) = (1 - 1/5) * (1 - 1) = 0
    # Precision: P -> Jan5, hits 2 * 1/5 = 0.4, / 2 pred unigrams = 0.2
    # Recall: Jan2 -> P: 0 hits; Jan5 -> P: 0.4;  / 4 gold unigrams = 0.1
    score = align_rouge(gold, pred, 1)
    assert score.precision == pytest.approx(0.2)
    assert score.recall == pytest.approx(0.1)
    assert score.f1 == pytest.approx(2 * 0.2 * 0.1 / 0.3)


def test_align_rouge_perfect_and_empty() -> None:
    gold = {d(1): ["The well is sealed."], d(3, 2): ["BP pays.", "Shares rise again."]}
    assert align_rouge(gold, gold, 1).f1 == pytest.approx(1.0)
    assert align_rouge(gold, gold, 2).f1 == pytest.approx(1.0)
    empty = align_rouge(gold, {}, 1)
    assert (empty.precision, empty.recall, empty.f1) == (0.0, 0.0, 0.0)
    assert align_rouge({}, gold, 1).f1 == 0.0
    with pytest.raises(ValueError):
        align_rouge(gold, gold, 0)
