"""Exact and near-duplicate detection across the corpus.

Exact duplicates share the hash of their normalized cleaned text. Near duplicates (reprints
with a changed word, another junk line, a shortened ending) are found with MinHash LSH
(datasketch) over word shingles, then confirmed on the real shingle sets so that LSH's
estimate never decides on its own.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

from storyline.config import DedupSettings

STAGE = "dedup"
STAGE_VERSION = "1"

_WORD = re.compile(r"\w+")


def normalized_words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def text_fingerprint(text: str) -> str:
    """Hash of the words of `text`, blind to case, punctuation and spacing: the exact-duplicate key."""
    return hashlib.sha256(" ".join(normalized_words(text)).encode("utf-8")).hexdigest()


def shingles(text: str, size: int) -> set[str]:
    words = normalized_words(text)
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


@dataclass
class NearDuplicate:
    original_id: str
    similarity: float  # shingle Jaccard
    containment: float  # share of the smaller text's shingles found in the other


class NearDuplicateIndex:
    """An LSH index of the articles kept so far; `query` tells whether a text reprints one of them."""

    def __init__(self, settings: DedupSettings | None = None) -> None:
        self.settings = settings or DedupSettings()
        self._lsh = MinHashLSH(threshold=self.settings.lsh_threshold, num_perm=self.settings.num_perm)
        self._shingles: dict[str, set[str]] = {}

    def minhash(self, shingle_set: set[str]) -> MinHash:
        mh = MinHash(num_perm=self.settings.num_perm, seed=1)
        mh.update_batch([s.encode("utf-8") for s in shingle_set])
        return mh

    def signature(self, text: str) -> tuple[set[str], MinHash]:
        sh = shingles(text, self.settings.shingle_words)
        return sh, self.minhash(sh)

    def add(self, article_id: str, text: str, mh: MinHash | None = None, sh: set[str] | None = None) -> None:
        if sh is None or mh is None:
            sh, mh = self.signature(text)
        if article_id in self._shingles:
            return
        self._lsh.insert(article_id, mh)
        self._shingles[article_id] = sh

    def remove(self, article_id: str) -> None:
        if self._shingles.pop(article_id, None) is not None:
            self._lsh.remove(article_id)

    def query(self, text: str, sh: set[str] | None = None, mh: MinHash | None = None) -> NearDuplicate | None:
        if sh is None or mh is None:
            sh, mh = self.signature(text)
        if not sh:
            return None
        best: NearDuplicate | None = None
        for candidate in sorted(self._lsh.query(mh)):
            other = self._shingles[candidate]
            inter = len(sh & other)
            jaccard = inter / len(sh | other)
            containment = inter / min(len(sh), len(other))
            if jaccard >= self.settings.min_jaccard or containment >= self.settings.min_containment:
                if best is None or jaccard > best.similarity:
                    best = NearDuplicate(candidate, round(jaccard, 4), round(containment, 4))
        return best

    @staticmethod
    def encode(mh: MinHash) -> bytes:
        return np.asarray(mh.hashvalues, dtype=np.uint64).tobytes()
