"""Exact and near-duplicate detection across the corpus.

Exact duplicates share the hash of their normalized cleaned text. Near duplicates (reprints
with a changed word, another junk line, a shortened ending) are found with MinHash LSH
(datasketch) over word shingles, then confirmed on the real shingle sets so that LSH's
estimate never decides on its own.

A build keeps the index in its database (:class:`StoredNearDuplicateIndex`, table
``dedup_bands``): memory does not grow with the corpus. The in-memory :class:`NearDuplicateIndex`
(datasketch's LSH) makes the same decisions. Both confirm a candidate on sorted arrays of 64-bit
hashes of the shingles: Jaccard and containment equal the values on the shingle strings unless
two distinct shingles of the compared texts share a 64-bit hash (~1e-14 per comparison).

Texts that share boilerplate (an agency's standard paragraphs, a synthetic corpus's template
sentences) meet in LSH buckets well below the thresholds, and their number grows with the
corpus: the stored index first rules candidates out on a 512-byte sketch of each text's shingles
(:func:`shingle_sketch`), an exact upper bound of what two texts share, and reads and compares
the shingle hashes of those left only. The decisions are those of comparing every candidate.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from typing import TYPE_CHECKING

import numpy as np
from datasketch import MinHash, MinHashLSH

from storyline.config import DedupSettings

if TYPE_CHECKING:
    from storyline.store.sqlite import Store

STAGE = "dedup"
STAGE_VERSION = "1"

_WORD = re.compile(r"\w+")


@lru_cache(maxsize=8)
def normalized_words(text: str) -> tuple[str, ...]:
    # Ingest asks for a text's words three times (word count, fingerprint, shingles): found once.
    return tuple(_WORD.findall(text.lower()))


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
    return _encoded_shingle_hashes([s.encode("utf-8") for s in shingle_set])


def _encoded_shingle_hashes(encoded: list[bytes]) -> np.ndarray:
    if not encoded:
        return np.empty(0, dtype=np.uint64)
    blake2b = hashlib.blake2b
    digests = b"".join([blake2b(s, digest_size=8).digest() for s in encoded])
    return np.unique(np.frombuffer(digests, dtype=np.uint64))


@lru_cache(maxsize=4)
def _blank_minhash(num_perm: int, seed: int) -> MinHash:
    """An empty MinHash to copy: its permutations are drawn once, not for every text (what
    datasketch's own `MinHash.generator` does)."""
    return MinHash(num_perm=num_perm, seed=seed)


def text_signature(text: str, settings: DedupSettings) -> tuple[np.ndarray, MinHash]:
    """(sorted shingle hashes, MinHash) of a text: what both indexes confirm on and look up by."""
    encoded = [s.encode("utf-8") for s in shingles(text, settings.shingle_words)]  # once, for both
    mh = _blank_minhash(settings.num_perm, 1).copy()
    mh.update_batch(encoded)
    return _encoded_shingle_hashes(encoded), mh


def lsh_bands(settings: DedupSettings) -> tuple[int, int]:
    """(bands, rows per band) of the LSH: datasketch's choice for the threshold and permutations."""
    lsh = MinHashLSH(threshold=settings.lsh_threshold, num_perm=settings.num_perm)
    return lsh.b, lsh.r


def band_buckets(hashvalues: np.ndarray, bands: int, rows: int) -> list[int]:
    """One bucket per band: a signed 64-bit hash of the band's slice of the MinHash.

    Two MinHashes share a bucket of a band exactly when they share that slice (as in
    datasketch's tables, up to a 64-bit hash collision), so the candidates are datasketch's.
    """
    values = np.asarray(hashvalues, dtype="<u8")
    return [int.from_bytes(hashlib.blake2b(values[b * rows:(b + 1) * rows].tobytes(), digest_size=8).digest(),
                           "little", signed=True) for b in range(bands)]


SKETCH_BITS = 9  # a sketch counts a text's shingle hashes in 2**9 equal ranges of the hash space


def shingle_sketch(sh: np.ndarray) -> np.ndarray | None:
    """How many of a text's shingle hashes fall in each of 512 equal ranges of the 64-bit hash
    space (uint8), or None when a range holds more than 255 (a very long text: candidates are then
    compared on their shingle hashes without the bound)."""
    counts = np.bincount((sh >> np.uint64(64 - SKETCH_BITS)).astype(np.intp), minlength=1 << SKETCH_BITS)
    if counts.max(initial=0) > 255:
        return None
    return counts.astype(np.uint8)


def could_match(size: int, sketch: np.ndarray, sketches: np.ndarray, settings: DedupSettings) -> np.ndarray:
    """Whether each candidate (a row of `sketches`) can pass `_best_match`'s test against a text of
    `size` shingle hashes with this `sketch`; exact, never False for a candidate that passes.

    Two texts share at most, in each range, the smaller of their two counts there: the sum bounds
    the shingles they share. Jaccard and containment only grow with the shingles shared (in
    floating point too: the same divisions as `_best_match`'s, correctly rounded), so a candidate
    that fails the test at the bound fails it at its real value.
    """
    sizes = sketches.sum(axis=1, dtype=np.int64)  # a sketch's counts add up to the text's shingles
    bound = np.minimum(sketches, sketch).sum(axis=1, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):  # an empty candidate: 0/0, never a match
        jaccard = bound / (size + sizes - bound)
        containment = bound / np.minimum(size, sizes)
    return (sizes > 0) & ((jaccard >= settings.min_jaccard) | (containment >= settings.min_containment))


def _best_match(sh: np.ndarray, candidates: Iterable[tuple[str, np.ndarray]], settings: DedupSettings
                ) -> NearDuplicate | None:
    """The candidate the text reprints, confirmed on the exact shingle hashes (highest Jaccard)."""
    best: NearDuplicate | None = None
    for candidate, other in candidates:
        if not other.size:
            continue
        # Both arrays are sorted and distinct: the intersection of the two shingle sets.
        inter = int(np.intersect1d(sh, other, assume_unique=True).size)
        jaccard = inter / (sh.size + other.size - inter)
        containment = inter / min(sh.size, other.size)
        if jaccard >= settings.min_jaccard or containment >= settings.min_containment:
            if best is None or jaccard > best.similarity:
                best = NearDuplicate(candidate, round(jaccard, 4), round(containment, 4))
    return best


class NearDuplicateIndex:
    """An LSH index of the articles kept so far, in memory; `query` tells whether a text reprints one.

    The build uses :class:`StoredNearDuplicateIndex` (the same decisions, kept in the database);
    this one serves a corpus that is not in a store.
    """

    def __init__(self, settings: DedupSettings | None = None) -> None:
        self.settings = settings or DedupSettings()
        self._lsh = MinHashLSH(threshold=self.settings.lsh_threshold, num_perm=self.settings.num_perm)
        # article id -> sorted distinct shingle hashes (uint64); see the module docstring.
        self._hashes: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._hashes)

    def signature(self, text: str) -> tuple[np.ndarray, MinHash]:
        """(shingle hashes, MinHash) of a text, to pass on to `query` and `add`."""
        return text_signature(text, self.settings)

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
        return _best_match(sh, ((c, self._hashes[c]) for c in sorted(self._lsh.query(mh))), self.settings)

    @staticmethod
    def encode(mh: MinHash) -> bytes:
        return np.asarray(mh.hashvalues, dtype=np.uint64).tobytes()


class StoredNearDuplicateIndex:
    """The near-duplicate index of a build, kept in the database (table ``dedup_bands``).

    Nothing grows in memory with the corpus, and a later build does not re-sign the stored
    articles: each article has one row per LSH band (its bucket), a query looks its buckets up,
    and a candidate's shingle hashes are read from ``dedup_shingles`` (the latest articles' are
    kept in memory too). Candidates are not rare in a corpus of one story's many reports (16 a
    query at 10,000 synthetic articles, 36 at 25,000: texts that share template sentences meet in
    a bucket at a Jaccard of 0.1-0.4), and their number grows with the corpus: each is first
    checked on its sketch (``dedup_sketches``, :func:`could_match`), and only those that may
    pass have their shingle hashes read and compared. Same candidates and decisions as
    :class:`NearDuplicateIndex`. Articles stored before these tables existed get their bands from
    ``articles.minhash`` once, their shingle hashes from their text and their sketch from those
    when first compared.
    """

    RECENT = 2_000  # shingle hashes kept for the latest articles (~5 KiB each): reprints follow soon

    def __init__(self, store: Store, settings: DedupSettings | None = None) -> None:
        self.store = store
        self.settings = settings or DedupSettings()
        self.bands, self.rows = lsh_bands(self.settings)
        # article id → shingle hashes; an id is a hash of the text, so an entry never goes stale
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._backfill()

    def _remember(self, article_id: str, sh: np.ndarray) -> None:
        self._recent[article_id] = sh
        self._recent.move_to_end(article_id)
        while len(self._recent) > self.RECENT:
            self._recent.popitem(last=False)

    def _backfill(self) -> None:
        conn = self.store.conn
        while True:
            missing = conn.execute(
                "SELECT article_id, minhash, text FROM articles a WHERE NOT EXISTS "
                "(SELECT 1 FROM dedup_bands d WHERE d.article_id = a.article_id) ORDER BY article_id LIMIT 500"
            ).fetchall()
            if not missing:
                return
            for r in missing:
                if r["minhash"] is not None and len(bytes(r["minhash"])) == 8 * self.settings.num_perm:
                    values = np.frombuffer(bytes(r["minhash"]), dtype=np.uint64)
                else:
                    values = self.signature(r["text"])[1].hashvalues
                self._insert(r["article_id"], values)

    def __len__(self) -> int:
        return self.store.conn.execute("SELECT COUNT(DISTINCT article_id) FROM dedup_bands").fetchone()[0]

    def signature(self, text: str) -> tuple[np.ndarray, MinHash]:
        """(shingle hashes, MinHash) of a text, to pass on to `query` and `add`."""
        return text_signature(text, self.settings)

    def _insert(self, article_id: str, hashvalues: np.ndarray) -> None:
        self.store.conn.executemany(
            "INSERT OR IGNORE INTO dedup_bands(bucket, band, article_id) VALUES (?,?,?)",
            [(bucket, band, article_id)
             for band, bucket in enumerate(band_buckets(hashvalues, self.bands, self.rows))])

    def add(self, article_id: str, text: str, mh: MinHash | None = None, sh: np.ndarray | None = None) -> None:
        """Index a stored article (its ``articles`` row must exist: the rows go with it)."""
        if mh is None or sh is None:
            sh, mh = self.signature(text)
        self._insert(article_id, mh.hashvalues)
        self._store_shingles(article_id, sh)
        self._store_sketch(article_id, sh)
        self._remember(article_id, sh)

    def _store_shingles(self, article_id: str, sh: np.ndarray) -> None:
        self.store.conn.execute("INSERT OR REPLACE INTO dedup_shingles(article_id, hashes) VALUES (?, ?)",
                                (article_id, np.asarray(sh, dtype="<u8").tobytes()))

    def _store_sketch(self, article_id: str, sh: np.ndarray) -> None:
        sketch = shingle_sketch(sh)
        if sketch is not None:
            self.store.conn.execute("INSERT OR REPLACE INTO dedup_sketches(article_id, counts) VALUES (?, ?)",
                                    (article_id, sketch.tobytes()))

    def remove(self, article_id: str) -> None:
        self.store.conn.execute("DELETE FROM dedup_bands WHERE article_id = ?", (article_id,))
        self.store.conn.execute("DELETE FROM dedup_shingles WHERE article_id = ?", (article_id,))
        self.store.conn.execute("DELETE FROM dedup_sketches WHERE article_id = ?", (article_id,))
        self._recent.pop(article_id, None)

    def _could_match(self, sh: np.ndarray, sketches: dict[str, bytes | None]) -> list[str]:
        """The candidates (LSH's, sorted) that may pass on their stored sketch; one without a sketch
        (stored before the table existed, or a very long text) is kept."""
        found = sorted(sketches)
        sketch = shingle_sketch(sh)
        bounded = [article_id for article_id in found if sketches[article_id] is not None]
        if sketch is None or not bounded:
            return found
        rows = np.frombuffer(b"".join([sketches[article_id] for article_id in bounded]),  # type: ignore[misc]
                             dtype=np.uint8).reshape(len(bounded), -1)
        ruled_out = set(bounded) - set(compress(bounded, could_match(int(sh.size), sketch, rows, self.settings)))
        return [article_id for article_id in found if article_id not in ruled_out]

    def query(self, text: str, sh: np.ndarray | None = None, mh: MinHash | None = None) -> NearDuplicate | None:
        if sh is None or mh is None:
            sh, mh = self.signature(text)
        if not sh.size:
            return None
        buckets = band_buckets(mh.hashvalues, self.bands, self.rows)
        wanted = set(enumerate(buckets))
        marks = ",".join("?" * len(buckets))
        # each candidate with its sketch (None where it has none), in one statement
        sketches = {r[2]: r[3] for r in self.store.conn.execute(
            "SELECT d.bucket, d.band, d.article_id, s.counts FROM dedup_bands d LEFT JOIN dedup_sketches s "
            f"ON s.article_id = d.article_id WHERE d.bucket IN ({marks})", buckets)
            if (r[1], r[0]) in wanted}
        found = self._could_match(sh, sketches)

        def candidates() -> Iterator[tuple[str, np.ndarray]]:
            # taken before any is remembered: remembering may drop another from the latest
            recent = {article_id: self._recent[article_id] for article_id in found if article_id in self._recent}
            older = [article_id for article_id in found if article_id not in recent]
            stored = {r[0]: np.frombuffer(bytes(r[1]), dtype="<u8") for r in self.store.conn.execute(
                f"SELECT article_id, hashes FROM dedup_shingles WHERE article_id IN ({','.join('?' * len(older))})",
                older)} if older else {}
            for article_id in found:
                if article_id in recent:
                    yield article_id, recent[article_id]
                    continue
                other = stored.get(article_id)
                if other is None:  # stored before dedup_shingles existed: made from its text, once
                    row = self.store.conn.execute("SELECT text FROM articles WHERE article_id = ?",
                                                  (article_id,)).fetchone()
                    if row is None:
                        continue
                    other = shingle_hashes(shingles(row["text"], self.settings.shingle_words))
                    self._store_shingles(article_id, other)
                if sketches[article_id] is None:  # stored before dedup_sketches existed: made once
                    self._store_sketch(article_id, other)
                self._remember(article_id, other)
                yield article_id, other

        return _best_match(sh, candidates(), self.settings)
