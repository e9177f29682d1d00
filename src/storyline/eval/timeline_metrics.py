"""Timeline metrics: date F1 and alignment-based ROUGE ("AR-n").

These reimplement the measures of the tilse toolkit (Martschat & Markert
2017, "Improving ROUGE for Timeline Summarization"; used on Timeline17 by
Ghalandari & Ifrim 2020) for one gold timeline:

* :func:`date_f1`: precision / recall of the set of predicted dates against
  the gold dates (exact day match).
* :func:`align_rouge`: tilse's ``align_date_content_costs_many_to_one``
  ("align+ m:1").  Each predicted date is aligned to the gold date of lowest
  cost, and (separately, for recall) each gold date to the predicted date of
  lowest cost, where

      cost(p, g) = (1 - 1 / (|p - g| + 1)) * (1 - ROUGE1_F(p, g))

  |p - g| is the distance in days and ROUGE1_F the unigram F1 of the two
  daily summaries.  The date factor is 0 for the same day, so a predicted
  date that is also a gold date is always aligned to itself.  Ties go to the
  earliest date.  ROUGE-n hits of an aligned pair are weighted by
  1 / (|p - g| + 1):

      P = Σ_p w(p, a(p)) hits(p, a(p)) / Σ_p count(p)
      R = Σ_g w(b(g), g) hits(b(g), g) / Σ_g count(g)

  where count is the number of n-grams in a daily summary and hits the clipped
  n-gram matches (ROUGE-1.5.5's "raw" counts, micro-averaged over dates).

Tokenization (our choice, documented because it moves scores):

* lowercase, then tokens are maximal runs of Unicode letters and digits
  (everything else, punctuation and ``_`` included, separates tokens), close to
  ROUGE-1.5.5's "replace non-alphanumerics by spaces" but not ASCII-only;
* no stemming and no stopword removal.  tilse runs ROUGE-1.5.5 with Porter
  stemming (``-m``) and stopword removal (``-s``), so published AR numbers are
  not directly comparable; pass your own ``tokenize`` to get closer;
* a daily summary's sentences are joined in order before n-grams are taken,
  so a bigram may span two sentences (as ROUGE-1.5.5 does with a summary);
* the content part of the alignment cost uses the same tokens (tilse uses a
  plain whitespace split there).

Empty sides: with no predicted dates precision is 0, with no gold dates recall
is 0 (tilse would divide by zero).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from storyline.eval.metrics import PRF

Timeline = Mapping[date, Sequence[str]]
Tokenizer = Callable[[str], list[str]]

# Letters and digits of any script; "_" is a word character but not alphanumeric.
_TOKEN_RE = re.compile(r"[^\W_]+")


def rouge_tokenize(text: str) -> list[str]:
    """Lowercased runs of letters/digits.

    ``"U.S. oil-spill's 5,000"`` → ``["u", "s", "oil", "spill", "s", "5", "000"]``.
    """
    return _TOKEN_RE.findall(text.lower())


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _summary_tokens(sentences: Sequence[str], tokenize: Tokenizer) -> list[str]:
    # One token stream per daily summary: sentences joined in order.
    tokens: list[str] = []
    for sentence in sentences:
        tokens.extend(tokenize(sentence))
    return tokens


@dataclass(frozen=True)
class RougeCounts:
    """Raw ROUGE-n counts: clipped matches, n-grams in the prediction, n-grams in the gold."""

    hits: int
    pred_total: int
    gold_total: int

    @property
    def prf(self) -> PRF:
        precision = self.hits / self.pred_total if self.pred_total else 0.0
        recall = self.hits / self.gold_total if self.gold_total else 0.0
        return PRF.from_pr(precision, recall)


def _clipped_hits(pred: Counter[tuple[str, ...]], gold: Counter[tuple[str, ...]]) -> int:
    # Each n-gram matches at most as often as it occurs on the rarer side.
    if len(pred) > len(gold):
        pred, gold = gold, pred
    return sum(min(count, gold[gram]) for gram, count in pred.items() if gram in gold)


def rouge_n_counts(
    pred_sentences: Sequence[str],
    gold_sentences: Sequence[str],
    n: int,
    tokenize: Tokenizer = rouge_tokenize,
) -> RougeCounts:
    """ROUGE-n counts of one predicted summary against one gold summary (lists of sentences)."""
    if n < 1:
        raise ValueError("n must be >= 1")
    pred_grams = _ngrams(_summary_tokens(pred_sentences, tokenize), n)
    gold_grams = _ngrams(_summary_tokens(gold_sentences, tokenize), n)
    return RougeCounts(
        hits=_clipped_hits(pred_grams, gold_grams),
        pred_total=sum(pred_grams.values()),
        gold_total=sum(gold_grams.values()),
    )


def date_f1(gold_dates: Iterable[date], pred_dates: Iterable[date]) -> PRF:
    """Exact-match date precision/recall/F1 over the two *sets* of dates."""
    gold_set = set(gold_dates)
    pred_set = set(pred_dates)
    shared = len(gold_set & pred_set)
    precision = shared / len(pred_set) if pred_set else 0.0
    recall = shared / len(gold_set) if gold_set else 0.0
    return PRF.from_pr(precision, recall)


def _unigram_f1(pred: Counter[tuple[str, ...]], gold: Counter[tuple[str, ...]]) -> float:
    """ROUGE-1 F1 of two daily summaries, the content part of the alignment cost."""
    return RougeCounts(_clipped_hits(pred, gold), sum(pred.values()), sum(gold.values())).prf.f1


def _date_weight(a: date, b: date) -> float:
    return 1.0 / (abs(a.toordinal() - b.toordinal()) + 1)


def align_rouge(
    gold: Timeline,
    pred: Timeline,
    n: int,
    tokenize: Tokenizer = rouge_tokenize,
) -> PRF:
    """Alignment-based ROUGE-n (tilse's ``align_date_content_costs_many_to_one``).

    ``gold`` and ``pred`` map a date to that day's summary (a list of
    sentences).  See the module docstring for the cost, the weighting and the
    tokenization.  Returns micro-averaged precision, recall and F1.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    gold_dates = sorted(gold)
    pred_dates = sorted(pred)
    gold_tokens = [_summary_tokens(gold[d], tokenize) for d in gold_dates]
    pred_tokens = [_summary_tokens(pred[d], tokenize) for d in pred_dates]
    gold_unigrams = [_ngrams(t, 1) for t in gold_tokens]
    pred_unigrams = [_ngrams(t, 1) for t in pred_tokens]
    gold_grams = gold_unigrams if n == 1 else [_ngrams(t, n) for t in gold_tokens]
    pred_grams = pred_unigrams if n == 1 else [_ngrams(t, n) for t in pred_tokens]

    # cost[i][j]: predicted date i against gold date j.
    cost = [
        [
            (1.0 - _date_weight(p_date, g_date)) * (1.0 - _unigram_f1(pred_unigrams[i], gold_unigrams[j]))
            for j, g_date in enumerate(gold_dates)
        ]
        for i, p_date in enumerate(pred_dates)
    ]

    def weighted_hits(i: int, j: int) -> float:
        return _date_weight(pred_dates[i], gold_dates[j]) * _clipped_hits(pred_grams[i], gold_grams[j])

    precision_num = 0.0
    if gold_dates:
        for i in range(len(pred_dates)):
            # min over gold dates; index order breaks ties towards the earliest date.
            best_j = min(range(len(gold_dates)), key=lambda j: cost[i][j])
            precision_num += weighted_hits(i, best_j)
    recall_num = 0.0
    if pred_dates:
        for j in range(len(gold_dates)):
            best_i = min(range(len(pred_dates)), key=lambda i: cost[i][j])
            recall_num += weighted_hits(best_i, j)

    precision_den = sum(sum(c.values()) for c in pred_grams)
    recall_den = sum(sum(c.values()) for c in gold_grams)
    precision = precision_num / precision_den if precision_den else 0.0
    recall = recall_num / recall_den if recall_den else 0.0
    return PRF.from_pr(precision, recall)


__all__ = [
    "RougeCounts",
    "Timeline",
    "align_rouge",
    "date_f1",
    "rouge_n_counts",
    "rouge_tokenize",
]
