"""Exact and near-duplicate detection across the corpus.

Exact duplicates share the hash of their normalized cleaned text. Near duplicates (reprints
with a changed word, another junk line, a shortened ending) are found with MinHash LSH
(datasketch) over word shingles, then confirmed on the real shingle sets so that LSH's
estimate never decides on its own.

The index keeps, per article, only its MinHash in the LSH tables and a sorted array of 64-bit
hashes of its shingles: about 13 KiB for a 700-word article in all (5 KiB of it the hashes),
instead of ~83 KiB with the shingle strings. Jaccard and containment are computed on those
hashes: they equal the values on the strings unless two distinct shingles of the compared texts
share a 64-bit hash (~1e-14 per comparison).
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


def shingle_hashes(shingle_set: set[str]) -> np.ndarray:
    """Sorted, distinct 64-bit hashes of shingles: the compact form the index confirms on.

    blake2b rather than Python's salted `hash`, so that the same text gives the same array in
    every process.
    """
    if not shingle_set:
        return np.empty(0, dtype=np.uint64)
    digests = b"".join([hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest() for s in shingle_set])
    return np.unique(np.frombuffer(digests, dtype=np.uint64))


class NearDuplicateIndex:
    """An LSH index of the articles kept so far; `query` tells whether a text reprints one of them."""

    def __init__(self, settings: DedupSettings | None = None) -> None:
        self.settings = settings or DedupSettings()
        self._lsh = MinHashLSH(threshold=self.settings.lsh_threshold, num_perm=self.settings.num_perm)
        # article id -> sorted distinct shingle hashes (uint64); see the module docstring.
        self._hashes: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._hashes)

    def minhash(self, shingle_set: set[str]) -> MinHash:
        mh = MinHash(num_perm=self.settings.num_perm, seed=1)
        mh.update_batch([s.encode("utf-8") for s in shingle_set])
        return mh

    def signature(self, text: str) -> tuple[np.ndarray, MinHash]:
        """(shingle hashes, MinHash) of a text, to pass on to `query` and `add`."""
        sh = shingles(text, self.settings.shingle_words)
        return shingle_hashes(sh), self.minhash(sh)

    def add(self, article_id: str, text: str, mh: MinHash | None = None, sh: np.ndarray | None = None) -> None:
        if article_id in self._hashes:
            return
        if sh is None or mh is None:
            sh, mh = self.signature(text)
        self._lsh.insert(article_id, mh)
        self._hashes[article_id] = sh

    def remove(self, article_id: str) -> None:
        if self._hashes.pop(article_id, None) is not None:
            self._lsh.remove(article_id)

    def query(self, text: str, sh: np.ndarray | None = None, mh: MinHash | None = None) -> NearDuplicate | None:
        if sh is None or mh is None:
            sh, mh = self.signature(text)
        if not sh.size:
            return None
        best: NearDuplicate | None = None
        for candidate in sorted(self._lsh.query(mh)):
            other = self._hashes[candidate]
            # Both arrays are sorted and distinct: the intersection of the two shingle sets.
            inter = int(np.intersect1d(sh, other, assume_unique=True).size)
            jaccard = inter / (sh.size + other.size - inter)
            containment = inter / min(sh.size, other.size)
            if jaccard >= self.settings.min_jaccard or containment >= self.settings.min_containment:
                if best is None or jaccard > best.similarity:
                    best = NearDuplicate(candidate, round(jaccard, 4), round(containment, 4))
        return best

    @staticmethod
    def encode(mh: MinHash) -> bytes:
        return np.asarray(mh.hashvalues, dtype=np.uint64).tobytes()
