"""Clustering and coreference metrics over mappings ``item -> cluster id``.

Every metric takes two mappings, ``gold`` and ``pred``, from an item (a document
id, a mention id, anything hashable) to the id of the cluster it belongs to.
Cluster ids are only labels: ``{"a": 1, "b": 1}`` and ``{"a": "x", "b": "x"}``
are the same partition.

Coreference metrics (MUC, B3, CEAF-e, CoNLL F1) follow the conventions of the
CoNLL reference scorer (v8.01, Pradhan et al. 2014, "Scoring Coreference
Partitions of Predicted Mentions: A Reference Implementation"):

* **Singletons** are ordinary one-item clusters: they are scored if they are in
  the input.  They add nothing to MUC (a one-mention chain has no links) but do
  count in B3 and CEAF-e.  To score without them (as Cattan et al. 2021 advise
  for ECB+), drop them from both sides first with :func:`without_singletons`.
* **Twinless mentions** (an item in ``pred`` but not in ``gold``, or the
  reverse) are kept, never removed nor added to the other side:

  - MUC: a key mention absent from the response is its own partition, so it
    costs one link of recall; symmetrically for precision.
  - B3: a twinless response mention shares nothing with any key chain, so it
    contributes 0 to the precision numerator but still counts in the precision
    denominator (and likewise a twinless key mention for recall).
  - CEAF-e: twinless mentions only enlarge the entities they sit in, lowering
    their φ4 similarity.

* A ratio whose denominator is 0 is 0.0 (the reference scorer prints 0 too);
  F1 is 0.0 when precision + recall is 0.

The clustering metrics (pairwise F1, NMI, ARI) are for document clustering,
where both sides cover the same items; :func:`nmi` and :func:`ari` require
that, :func:`pairwise` and :func:`b_cubed` accept differing item sets.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import linear_sum_assignment

Clustering = Mapping[Hashable, Hashable]


@dataclass(frozen=True)
class PRF:
    """Precision, recall and their harmonic mean (F1), all in [0, 1]."""

    precision: float
    recall: float
    f1: float

    @classmethod
    def from_pr(cls, precision: float, recall: float) -> PRF:
        """Build from precision and recall; F1 is 0 when both are 0."""
        total = precision + recall
        f1 = 2 * precision * recall / total if total > 0 else 0.0
        return cls(precision, recall, f1)

    def as_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


def _ratio(numerator: float, denominator: float) -> float:
    # Reference-scorer convention: an undefined ratio scores 0, not NaN.
    return numerator / denominator if denominator else 0.0


def clusters_of(mapping: Clustering) -> dict[Hashable, set[Hashable]]:
    """Invert ``item -> cluster id`` into ``cluster id -> set of items``."""
    groups: dict[Hashable, set[Hashable]] = defaultdict(set)
    for item, cluster_id in mapping.items():
        groups[cluster_id].add(item)
    return dict(groups)


def without_singletons(mapping: Clustering) -> dict[Hashable, Hashable]:
    """The mapping restricted to items whose cluster has at least two items.

    Apply it to gold and prediction separately to score "without singletons".
    """
    sizes = Counter(mapping.values())
    return {item: cid for item, cid in mapping.items() if sizes[cid] > 1}


def _overlaps(gold: Clustering, pred: Clustering) -> Counter[tuple[Hashable, Hashable]]:
    """Contingency counts ``(gold cluster, pred cluster) -> |intersection|`` (items on both sides)."""
    counts: Counter[tuple[Hashable, Hashable]] = Counter()
    for item, gold_id in gold.items():
        if item in pred:
            counts[(gold_id, pred[item])] += 1
    return counts


# --------------------------------------------------------------------------- B3


def b_cubed(gold: Clustering, pred: Clustering) -> PRF:
    """B-cubed (Bagga & Baldwin 1998), mention-weighted.

    For a gold item m with gold cluster G(m) and predicted cluster P(m):
    recall(m) = |G(m) ∩ P(m)| / |G(m)|, and recall is the mean over gold items.
    Precision is the mean over predicted items of |G(m) ∩ P(m)| / |P(m)|.
    Equivalently R = Σ_k Σ_r |k∩r|² / |k| / Σ_k |k| (k gold, r predicted
    clusters), the form the CoNLL reference scorer uses.  A twinless item has an
    empty intersection: it scores 0 on its side but stays in the denominator.
    """
    gold_sizes = Counter(gold.values())
    pred_sizes = Counter(pred.values())
    recall_sum = 0.0
    precision_sum = 0.0
    for (gold_id, pred_id), shared in _overlaps(gold, pred).items():
        recall_sum += shared * shared / gold_sizes[gold_id]
        precision_sum += shared * shared / pred_sizes[pred_id]
    return PRF.from_pr(_ratio(precision_sum, len(pred)), _ratio(recall_sum, len(gold)))


# --------------------------------------------------------------------- pairwise


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise(gold: Clustering, pred: Clustering) -> PRF:
    """Pairwise (link-based) precision/recall over unordered item pairs.

    P = |pairs together in both| / |pairs together in pred|,
    R = |pairs together in both| / |pairs together in gold|.
    Items only on one side form pairs only on that side.  When neither side
    has any pair (both all-singletons), the partitions agree and the result is
    1.0; otherwise an empty denominator gives 0.0.
    """
    gold_pairs = sum(_pairs(size) for size in Counter(gold.values()).values())
    pred_pairs = sum(_pairs(size) for size in Counter(pred.values()).values())
    if gold_pairs == 0 and pred_pairs == 0:
        # Nothing to link and nothing linked: a perfect (vacuous) answer.
        return PRF(1.0, 1.0, 1.0)
    shared_pairs = sum(_pairs(n) for n in _overlaps(gold, pred).values())
    return PRF.from_pr(_ratio(shared_pairs, pred_pairs), _ratio(shared_pairs, gold_pairs))


# -------------------------------------------------------------------------- MUC


def _muc_side(key: Clustering, response: Clustering) -> tuple[int, int]:
    """MUC numerator and denominator of recall of ``response`` against ``key``.

    Numerator Σ_k (|k| - |p(k)|), denominator Σ_k (|k| - 1), where p(k) is the
    partition of key chain k induced by the response; each mention of k missing
    from the response is a partition of its own.
    """
    numerator = 0
    denominator = 0
    for items in clusters_of(key).values():
        parts = {("response", response[m]) if m in response else ("missing", m) for m in items}
        numerator += len(items) - len(parts)
        denominator += len(items) - 1
    return numerator, denominator


def muc(gold: Clustering, pred: Clustering) -> PRF:
    """MUC link-based score (Vilain et al. 1995).

    Recall = Σ_k (|k| - |p(k)|) / Σ_k (|k| - 1) over gold chains k, with p(k)
    the partition of k by the predicted chains (a gold mention absent from the
    prediction forms its own part).  Precision swaps the roles.  Singletons
    have no links and contribute nothing; if there is no gold link at all,
    recall is 0 (as in the reference scorer).
    """
    recall_num, recall_den = _muc_side(gold, pred)
    precision_num, precision_den = _muc_side(pred, gold)
    return PRF.from_pr(_ratio(precision_num, precision_den), _ratio(recall_num, recall_den))


# ----------------------------------------------------------------------- CEAF-e


def ceaf_e(gold: Clustering, pred: Clustering) -> PRF:
    """Entity-based CEAF (Luo 2005) with the φ4 similarity.

    φ4(k, r) = 2 |k ∩ r| / (|k| + |r|).  The one-to-one alignment of gold and
    predicted entities maximising Σ φ4 is found with the Hungarian algorithm
    (scipy's ``linear_sum_assignment``).  Recall = best Σ φ4 / number of gold
    entities, precision = best Σ φ4 / number of predicted entities.
    """
    gold_clusters = clusters_of(gold)
    pred_clusters = clusters_of(pred)
    if not gold_clusters or not pred_clusters:
        return PRF(0.0, 0.0, 0.0)
    gold_index = {cid: i for i, cid in enumerate(gold_clusters)}
    pred_index = {cid: j for j, cid in enumerate(pred_clusters)}
    similarity = np.zeros((len(gold_index), len(pred_index)))
    # Only overlapping entity pairs have φ4 > 0, so fill from the contingency counts.
    for (gold_id, pred_id), shared in _overlaps(gold, pred).items():
        size_sum = len(gold_clusters[gold_id]) + len(pred_clusters[pred_id])
        similarity[gold_index[gold_id], pred_index[pred_id]] = 2 * shared / size_sum
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    best = float(similarity[rows, cols].sum())
    return PRF.from_pr(best / len(pred_clusters), best / len(gold_clusters))


# ------------------------------------------------------------------------ CoNLL


def coref_scores(gold: Clustering, pred: Clustering) -> dict[str, PRF]:
    """MUC, B3 and CEAF-e at once: ``{"muc": ..., "b3": ..., "ceaf_e": ...}``."""
    return {"muc": muc(gold, pred), "b3": b_cubed(gold, pred), "ceaf_e": ceaf_e(gold, pred)}


def conll_f1(gold: Clustering, pred: Clustering) -> float:
    """CoNLL F1: the unweighted mean of the MUC, B3 and CEAF-e F1 scores."""
    scores = coref_scores(gold, pred)
    return (scores["muc"].f1 + scores["b3"].f1 + scores["ceaf_e"].f1) / 3


# ------------------------------------------------------------------- NMI / ARI


def _check_same_items(gold: Clustering, pred: Clustering) -> None:
    if gold.keys() != pred.keys():
        missing = len(gold.keys() - pred.keys())
        extra = len(pred.keys() - gold.keys())
        raise ValueError(
            f"gold and pred must cover the same items ({missing} only in gold, {extra} only in pred)"
        )


def _entropy(sizes: list[int], total: int) -> float:
    return -sum((s / total) * math.log(s / total) for s in sizes if s)


def nmi(
    gold: Clustering,
    pred: Clustering,
    average: Literal["arithmetic", "geometric", "min", "max"] = "arithmetic",
) -> float:
    """Normalised mutual information between two partitions of the same items.

    NMI = I(G; P) / mean(H(G), H(P)), natural logarithms (the base cancels).
    ``average`` picks the mean; the default (arithmetic) matches
    scikit-learn's default, which equals the V-measure.  Conventions (also
    scikit-learn's): two one-cluster partitions score 1.0; otherwise, if
    either entropy is 0, the mutual information is 0 and so is NMI.  Raises
    ``ValueError`` if the item sets differ.
    """
    _check_same_items(gold, pred)
    total = len(gold)
    gold_sizes = Counter(gold.values())
    pred_sizes = Counter(pred.values())
    if len(gold_sizes) == len(pred_sizes) <= 1:
        return 1.0
    mutual_info = 0.0
    for (gold_id, pred_id), shared in _overlaps(gold, pred).items():
        # p(g,p) * log(p(g,p) / (p(g) p(p))), written with counts.
        mutual_info += (shared / total) * math.log(
            shared * total / (gold_sizes[gold_id] * pred_sizes[pred_id])
        )
    if mutual_info <= 0.0:
        return 0.0
    h_gold = _entropy(list(gold_sizes.values()), total)
    h_pred = _entropy(list(pred_sizes.values()), total)
    if average == "arithmetic":
        norm = (h_gold + h_pred) / 2
    elif average == "geometric":
        norm = math.sqrt(h_gold * h_pred)
    elif average == "min":
        norm = min(h_gold, h_pred)
    elif average == "max":
        norm = max(h_gold, h_pred)
    else:
        raise ValueError(f"unknown average: {average!r}")
    # Floating error can push the ratio a hair above 1.
    return min(1.0, mutual_info / norm) if norm > 0 else 0.0


def ari(gold: Clustering, pred: Clustering) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985) of two partitions of the same items.

    With n_ij the contingency counts, a_i / b_j the gold / predicted cluster
    sizes and N the number of items:
    index = Σ C(n_ij, 2), expected = Σ C(a_i, 2) Σ C(b_j, 2) / C(N, 2),
    maximum = (Σ C(a_i, 2) + Σ C(b_j, 2)) / 2,
    ARI = (index - expected) / (maximum - expected).
    1.0 for identical partitions, about 0 for chance, can be negative.  When
    maximum == expected (both all-singletons or both one cluster, i.e. the
    partitions are identical) it is 1.0, as in scikit-learn.  Raises
    ``ValueError`` if the item sets differ.
    """
    _check_same_items(gold, pred)
    total_pairs = _pairs(len(gold))
    index = sum(_pairs(n) for n in _overlaps(gold, pred).values())
    gold_pairs = sum(_pairs(s) for s in Counter(gold.values()).values())
    pred_pairs = sum(_pairs(s) for s in Counter(pred.values()).values())
    if total_pairs == 0:
        return 1.0
    expected = gold_pairs * pred_pairs / total_pairs
    maximum = (gold_pairs + pred_pairs) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


__all__ = [
    "PRF",
    "Clustering",
    "ari",
    "b_cubed",
    "ceaf_e",
    "clusters_of",
    "conll_f1",
    "coref_scores",
    "muc",
    "nmi",
    "pairwise",
    "without_singletons",
]
