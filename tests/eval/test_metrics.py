"""Clustering / coreference metrics against hand-computed examples."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from storyline.eval.metrics import (
    PRF,
    ari,
    b_cubed,
    ceaf_e,
    clusters_of,
    conll_f1,
    coref_scores,
    muc,
    nmi,
    pairwise,
    without_singletons,
)


def labels(*clusters: str) -> dict[str, int]:
    """``labels("abc", "de")`` -> {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1}."""
    return {item: cid for cid, group in enumerate(clusters) for item in group}


def assert_prf(score: PRF, precision: float, recall: float, f1: float | None = None) -> None:
    assert score.precision == pytest.approx(precision)
    assert score.recall == pytest.approx(recall)
    if f1 is None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    assert score.f1 == pytest.approx(f1)


# ------------------------------------------------------------------ PRF


def test_prf_from_pr() -> None:
    assert PRF.from_pr(0.5, 1.0).f1 == pytest.approx(2 / 3)
    assert PRF.from_pr(0.0, 0.0) == PRF(0.0, 0.0, 0.0)
    assert PRF(1.0, 0.5, 0.6).as_dict() == {"precision": 1.0, "recall": 0.5, "f1": 0.6}


# ----------------------------------------- Pradhan et al. 2014 (twinless mentions)
# Key:      K1 = {a b c}, K2 = {d e f g}
# Response: R1 = {a b},   R2 = {c d},   R3 = {f g h i}   (h, i twinless; e missing)
PRADHAN_KEY = labels("abc", "defg")
PRADHAN_RESPONSE = labels("ab", "cd", "fghi")


def test_muc_pradhan_example() -> None:
    # Recall: K1 split by response into {a b},{c} -> 3-2 = 1;
    #         K2 into {d},{e} (missing: own part),{f g} -> 4-3 = 1;  R = 2 / (2+3) = 0.4
    # Precision: R1 -> {a b}: 2-1 = 1; R2 -> {c},{d}: 2-2 = 0;
    #            R3 -> {f g},{h},{i}: 4-3 = 1;  P = 2 / (1+1+3) = 0.4
    assert_prf(muc(PRADHAN_KEY, PRADHAN_RESPONSE), 0.4, 0.4, 0.4)


def test_b_cubed_pradhan_example() -> None:
    # Recall = Σ |k∩r|²/|k| / Σ|k| = (4/3 + 1/3 + 1/4 + 4/4) / 7 = (35/12) / 7 = 5/12
    # Precision = Σ |k∩r|²/|r| / Σ|r| = (4/2 + 1/2 + 1/2 + 4/4) / 8 = 4/8 = 1/2
    #   (h and i are in R3's size but share nothing with the key)
    # F = 2 (1/2)(5/12) / (1/2 + 5/12) = 5/11
    assert_prf(b_cubed(PRADHAN_KEY, PRADHAN_RESPONSE), 0.5, 5 / 12, 5 / 11)


def test_ceaf_e_pradhan_example() -> None:
    # φ4(K1,R1) = 2*2/5 = 0.8, φ4(K1,R2) = 2*1/5 = 0.4,
    # φ4(K2,R2) = 2*1/6 = 1/3, φ4(K2,R3) = 2*2/8 = 0.5, all others 0.
    # Best one-to-one: K1-R1 + K2-R3 = 1.3 (vs 0.8+1/3, 0.4+0.5).
    # R = 1.3/2 = 0.65, P = 1.3/3 = 13/30, F = 338/650 = 0.52
    assert_prf(ceaf_e(PRADHAN_KEY, PRADHAN_RESPONSE), 13 / 30, 0.65, 0.52)


def test_conll_f1_pradhan_example() -> None:
    # mean of MUC F 0.4, B3 F 5/11, CEAF-e F 0.52
    assert conll_f1(PRADHAN_KEY, PRADHAN_RESPONSE) == pytest.approx((0.4 + 5 / 11 + 0.52) / 3)
    scores = coref_scores(PRADHAN_KEY, PRADHAN_RESPONSE)
    assert set(scores) == {"muc", "b3", "ceaf_e"}
    assert scores["b3"].f1 == pytest.approx(5 / 11)


# ----------------------------------------------- Vilain et al. 1995 (MUC)


def test_muc_vilain_example() -> None:
    # Key {A B C D}; response {A B}, {C D}.
    # Recall: the key chain falls into 2 parts: (4-2)/(4-1) = 2/3.
    # Precision: each response chain lies inside one key chain: (1+1)/(1+1) = 1.
    assert_prf(muc(labels("ABCD"), labels("AB", "CD")), 1.0, 2 / 3)


# ------------------------------------------- Bagga & Baldwin 1998 (B3 vs MUC)
# Key: {1 2 3 4 5}, {6 7}, {8 9 A B C}
BB_KEY = labels("12345", "67", "89ABC")
BB_RESPONSE_1 = labels("12345", "6789ABC")  # merges the two smaller chains
BB_RESPONSE_2 = labels("1234589ABC", "67")  # merges the two big chains


def test_muc_cannot_tell_bagga_baldwin_responses_apart() -> None:
    # Response 1: recall 1 (every key chain inside one response chain);
    #   precision: R1 4/4, R2 {6..C} splits into 2 key parts: 7-2 = 5 of 6 -> 9/10.
    # Response 2: precision: R1 (10 items, 2 parts) 8/9, R2 1/1 -> 9/10.
    assert_prf(muc(BB_KEY, BB_RESPONSE_1), 0.9, 1.0)
    assert_prf(muc(BB_KEY, BB_RESPONSE_2), 0.9, 1.0)


def test_b_cubed_bagga_baldwin_responses() -> None:
    # Response 1 precision: items 1-5: 1; items 6,7: 2/7; items 8..C: 5/7
    #   -> (5 + 2*2/7 + 5*5/7) / 12 = (64/7)/12 = 16/21 ≈ 0.76; recall 1.
    assert_prf(b_cubed(BB_KEY, BB_RESPONSE_1), 16 / 21, 1.0)
    # Response 2 precision: items 1-5 and 8..C: 5/10; items 6,7: 1 -> (10*0.5 + 2)/12 = 7/12.
    assert_prf(b_cubed(BB_KEY, BB_RESPONSE_2), 7 / 12, 1.0)


# ----------------------------------------------------- perfect / extremes
ALL_METRICS_PRF = [b_cubed, muc, ceaf_e, pairwise]


@pytest.mark.parametrize("metric", ALL_METRICS_PRF)
def test_perfect_prediction_scores_one(metric) -> None:
    gold = labels("abc", "de", "f")
    assert_prf(metric(gold, dict(gold)), 1.0, 1.0, 1.0)
    # Cluster ids are just labels.
    renamed = {item: f"x{cid}" for item, cid in gold.items()}
    assert_prf(metric(gold, renamed), 1.0, 1.0, 1.0)


def test_perfect_prediction_other_scores() -> None:
    gold = labels("abc", "de", "f")
    assert conll_f1(gold, gold) == pytest.approx(1.0)
    assert nmi(gold, gold) == pytest.approx(1.0)
    assert ari(gold, gold) == pytest.approx(1.0)


GOLD_6 = labels("abc", "def")  # two clusters of 3
SINGLETONS_6 = labels(*"abcdef")
ONE_CLUSTER_6 = labels("abcdef")


def test_all_singletons_prediction() -> None:
    # B3: every item is alone: precision 1; recall per item 1/3 -> R = 1/3.
    assert_prf(b_cubed(GOLD_6, SINGLETONS_6), 1.0, 1 / 3)
    # MUC: no response links -> P = 0/0 = 0; each key chain in 3 parts: R = 0/4 = 0.
    assert_prf(muc(GOLD_6, SINGLETONS_6), 0.0, 0.0, 0.0)
    # CEAF-e: best alignment pairs each key entity with one singleton: φ4 = 2*1/(3+1) = 0.5.
    #   Σ = 1.0 -> R = 1/2, P = 1/6.
    assert_prf(ceaf_e(GOLD_6, SINGLETONS_6), 1 / 6, 1 / 2)
    # Pairwise: no predicted pair -> P = 0 (6 gold pairs exist), R = 0/6.
    assert_prf(pairwise(GOLD_6, SINGLETONS_6), 0.0, 0.0, 0.0)
    # NMI: I(G;P) = H(G) = ln 2, H(P) = ln 6 -> 2 ln2 / (ln2 + ln6).
    assert nmi(GOLD_6, SINGLETONS_6) == pytest.approx(2 * math.log(2) / (math.log(2) + math.log(6)))
    # ARI: index 0, expected 6*0/15 = 0, max (6+0)/2 = 3 -> 0.
    assert ari(GOLD_6, SINGLETONS_6) == pytest.approx(0.0)


def test_all_in_one_prediction() -> None:
    # B3: recall 1; precision per item 3/6 -> 1/2.
    assert_prf(b_cubed(GOLD_6, ONE_CLUSTER_6), 0.5, 1.0)
    # MUC: recall (2+2)/(2+2) = 1; precision: 6 items in 2 key parts: (6-2)/(6-1) = 4/5.
    assert_prf(muc(GOLD_6, ONE_CLUSTER_6), 0.8, 1.0)
    # CEAF-e: one response entity, φ4 with either key entity = 2*3/(3+6) = 2/3.
    #   R = (2/3)/2 = 1/3, P = (2/3)/1 = 2/3.
    assert_prf(ceaf_e(GOLD_6, ONE_CLUSTER_6), 2 / 3, 1 / 3)
    # Pairwise: 15 predicted pairs, 6 gold pairs all found: P = 6/15, R = 1.
    assert_prf(pairwise(GOLD_6, ONE_CLUSTER_6), 0.4, 1.0)
    # NMI: a one-cluster side has zero entropy -> MI = 0 -> 0.
    assert nmi(GOLD_6, ONE_CLUSTER_6) == 0.0
    # ARI: index 6, expected 6*15/15 = 6 -> 0.
    assert ari(GOLD_6, ONE_CLUSTER_6) == pytest.approx(0.0)


def test_singletons_both_sides() -> None:
    # Identical all-singleton partitions: B3 and CEAF-e are 1, MUC has no link at all (0 by convention),
    # pairwise is 1 (no pair to find, none predicted), NMI = ln6/ln6 = 1, ARI = 1 (identical partitions).
    assert_prf(b_cubed(SINGLETONS_6, SINGLETONS_6), 1.0, 1.0)
    assert_prf(ceaf_e(SINGLETONS_6, SINGLETONS_6), 1.0, 1.0)
    assert_prf(muc(SINGLETONS_6, SINGLETONS_6), 0.0, 0.0)
    assert_prf(pairwise(SINGLETONS_6, SINGLETONS_6), 1.0, 1.0)
    assert nmi(SINGLETONS_6, SINGLETONS_6) == pytest.approx(1.0)
    assert ari(SINGLETONS_6, SINGLETONS_6) == 1.0
    # Both one cluster: NMI and ARI are 1 by convention.
    assert nmi(ONE_CLUSTER_6, ONE_CLUSTER_6) == 1.0
    assert ari(ONE_CLUSTER_6, ONE_CLUSTER_6) == 1.0


def test_empty_inputs_score_zero() -> None:
    for metric in (b_cubed, muc, ceaf_e):
        assert metric({}, {}) == PRF(0.0, 0.0, 0.0)
        assert metric(GOLD_6, {}) == PRF(0.0, 0.0, 0.0)


# ---------------------------------------------------------- pairwise, NMI, ARI


def test_pairwise_hand_example() -> None:
    # gold {a b c},{d}: pairs ab ac bc; pred {a b},{c d}: pairs ab cd; shared ab.
    # P = 1/2, R = 1/3, F = 2/5
    assert_prf(pairwise(labels("abc", "d"), labels("ab", "cd")), 0.5, 1 / 3, 0.4)


def test_pairwise_twinless_items() -> None:
    # gold {a b}; pred {a b x}: pred pairs ab ax bx (x twinless), shared ab -> P = 1/3, R = 1.
    assert_prf(pairwise(labels("ab"), labels("abx")), 1 / 3, 1.0)


def test_nmi_hand_example() -> None:
    # gold {a b},{c d}; pred {a b c},{d}; n = 4.
    # MI = 2/4 ln((2/4)/(1/2*3/4)) + 1/4 ln((1/4)/(1/2*3/4)) + 1/4 ln((1/4)/(1/2*1/4))
    #    = 1/2 ln(4/3) + 1/4 ln(2/3) + 1/4 ln 2 = 3/4 ln(4/3)
    # H(G) = ln 2; H(P) = -(3/4 ln 3/4 + 1/4 ln 1/4)
    gold, pred = labels("ab", "cd"), labels("abc", "d")
    mi = 0.75 * math.log(4 / 3)
    h_gold = math.log(2)
    h_pred = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    assert nmi(gold, pred) == pytest.approx(mi / ((h_gold + h_pred) / 2))  # ≈ 0.3437
    assert nmi(gold, pred, average="geometric") == pytest.approx(mi / math.sqrt(h_gold * h_pred))
    assert nmi(gold, pred, average="min") == pytest.approx(mi / min(h_gold, h_pred))
    assert nmi(gold, pred, average="max") == pytest.approx(mi / max(h_gold, h_pred))
    # Independent partitions share no information.
    assert nmi(labels("ab", "cd"), labels("ac", "bd")) == pytest.approx(0.0, abs=1e-12)


def test_ari_hand_example() -> None:
    # gold {a b c},{d e f}; pred {a b},{c d},{e f}; N = 6, C(6,2) = 15.
    # index = C(2,2) + C(1,2) + C(1,2) + C(2,2) = 2
    # gold pairs 3+3 = 6, pred pairs 1+1+1 = 3, expected = 6*3/15 = 1.2, max = (6+3)/2 = 4.5
    # ARI = (2 - 1.2) / (4.5 - 1.2) = 0.8 / 3.3 = 8/33
    assert ari(labels("abc", "def"), labels("ab", "cd", "ef")) == pytest.approx(8 / 33)


def test_ari_can_be_negative() -> None:
    # gold {a b},{c d}; pred {a c},{b d}: index 0, expected 2*2/6 = 2/3, max 2 -> (0-2/3)/(2-2/3) = -1/2
    assert ari(labels("ab", "cd"), labels("ac", "bd")) == pytest.approx(-0.5)


def test_nmi_ari_require_same_items() -> None:
    with pytest.raises(ValueError):
        nmi(labels("ab"), labels("abc"))
    with pytest.raises(ValueError):
        ari(labels("ab"), labels("a"))


# ------------------------------------------------------------- helpers, symmetry


def test_clusters_of_and_without_singletons() -> None:
    mapping = labels("abc", "d", "ef")
    assert clusters_of(mapping) == {0: {"a", "b", "c"}, 1: {"d"}, 2: {"e", "f"}}
    assert without_singletons(mapping) == labels("abc", "", "ef")


def _random_partition(rng: random.Random, items: list[str], max_clusters: int) -> dict[str, int]:
    return {item: rng.randrange(max_clusters) for item in items}


def _ceaf_e_brute_force(gold: dict[str, int], pred: dict[str, int]) -> float:
    # Try every injective alignment of the smaller side into the larger one.
    keys = list(clusters_of(gold).values())
    responses = list(clusters_of(pred).values())
    small, large = (keys, responses) if len(keys) <= len(responses) else (responses, keys)
    best = 0.0
    for chosen in itertools.permutations(range(len(large)), len(small)):
        total = sum(
            2 * len(small[i] & large[j]) / (len(small[i]) + len(large[j])) for i, j in enumerate(chosen)
        )
        best = max(best, total)
    return best


def test_metrics_are_symmetric_and_ceaf_is_optimal_on_random_partitions() -> None:
    rng = random.Random(7)
    for _ in range(60):
        items = [f"m{i}" for i in range(rng.randint(1, 8))]
        gold = _random_partition(rng, items, 4)
        # Prediction covers a random subset of gold items plus some twinless ones.
        pred_items = [m for m in items if rng.random() < 0.8] + [f"x{i}" for i in range(rng.randint(0, 2))]
        pred = _random_partition(rng, pred_items, 4)
        for metric in (b_cubed, muc, ceaf_e, pairwise):
            forward, backward = metric(gold, pred), metric(pred, gold)
            assert forward.precision == pytest.approx(backward.recall)
            assert forward.recall == pytest.approx(backward.precision)
        if pred:
            best = _ceaf_e_brute_force(gold, pred)
            assert ceaf_e(gold, pred).recall == pytest.approx(best / len(set(gold.values())))


def test_against_scikit_learn_if_installed() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(11)
    for _ in range(30):
        items = [f"d{i}" for i in range(rng.randint(2, 30))]
        gold = _random_partition(rng, items, 5)
        pred = _random_partition(rng, items, 6)
        gold_labels = [gold[i] for i in items]
        pred_labels = [pred[i] for i in items]
        assert nmi(gold, pred) == pytest.approx(metrics.normalized_mutual_info_score(gold_labels, pred_labels))
        assert ari(gold, pred) == pytest.approx(metrics.adjusted_rand_score(gold_labels, pred_labels))
