"""The per-document caches and the faster rewrites give exactly what spaCy's properties and the
code they replaced give."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.annotate import doccache
from storyline.annotate.entities import _span_text
from storyline.annotate.modality import _quote_spans

TEXT = (
    "BRENNIK, Oct. 4 (Ambric Wire) - Lestavian President Aurel Dobrovan met Kardovian leader Ivan Petrov "
    "in Brennik on Monday.\n"
    "“We agreed on a loan of $1.5 billion,” Dobrovan said. The talks lasted almost four hours.\n"
    "\n"
    "• About 400 people were detained in Hradel, the rights group Vigil Lestavia said on Tuesday, "
    "and 12 thousand protesters marched through the capital.\n"
    "Headline Without A Full Stop\n"
    "The Iron Steppe exercise starts in September 2022 near Vel Ostrog."
)


@pytest.fixture(scope="module")
def doc():
    from storyline.annotate.nlp import load_nlp

    return load_nlp()(TEXT)


def _spans(spans) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.label_) for s in spans]


def test_cached_properties_equal_spacy(doc) -> None:
    assert doccache.doc_text(doc) == doc.text
    assert doccache.doc_text(doc) is doccache.doc_text(doc)  # built once
    assert _spans(doccache.doc_ents(doc)) == _spans(doc.ents) and doc.ents
    assert [(s.start, s.end) for s in doccache.doc_sents(doc)] == [(s.start, s.end) for s in doc.sents]


def test_span_ents_equal_spacy_for_every_window(doc) -> None:
    for sent in doc.sents:
        assert _spans(doccache.span_ents(sent)) == _spans(sent.ents)
    for start in range(len(doc)):
        for end in range(start, min(len(doc), start + 12) + 1):
            span = doc[start:end]
            assert _spans(doccache.span_ents(span)) == _spans(span.ents), (start, end)


def test_token_sent_and_char_span_equal_spacy(doc) -> None:
    for token in doc:
        sent = doccache.token_sent(doc, token.i)
        assert (sent.start, sent.end) == (token.sent.start, token.sent.end)
    for start in range(0, len(TEXT), 3):
        for end in range(start, min(len(TEXT), start + 20) + 1, 4):
            expected = doc.char_span(start, end, alignment_mode="expand")
            span = doccache.char_span(doc, start, end)
            assert (span.start, span.end) == (expected.start, expected.end) if expected is not None else span is None
            assert doccache.char_span(doc, start, end) is span  # built once


def test_span_text_equals_spacy(doc) -> None:
    text = doccache.doc_text(doc)
    for start in range(len(doc)):
        for end in range(start, min(len(doc), start + 6) + 1):
            assert _span_text(doc, text, start, end) == doc[start:end].text


def test_sentence_records_and_line_breaks(doc) -> None:
    from storyline.annotate.nlp import sentence_records

    records = sentence_records(doc, "a1")
    assert all(TEXT[r.start : r.end] == r.text and r.text == r.text.strip() for r in records)
    # the headline without a full stop is a sentence of its own (the line-break component)
    assert "Headline Without A Full Stop" in [r.text for r in records]
    for token in doc[1:]:
        if "\n" in doc[token.i - 1].text:
            assert token.is_sent_start


def _quote_spans_reference(text: str) -> list[tuple[int, int]]:
    """The character-by-character version `_quote_spans` replaced."""
    spans: list[tuple[int, int]] = []
    stack: list[int] = []
    straight: int | None = None
    for i, ch in enumerate(text):
        if ch == "\n":
            stack.clear()
            straight = None
        elif ch in "“«„":
            stack.append(i)
        elif ch in "”»":
            if stack:
                start = stack.pop()
                if not stack:
                    spans.append((start, i))
        elif ch == '"':
            if straight is None:
                straight = i
            else:
                spans.append((straight, i))
                straight = None
    return spans


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab "“”«»„\n.')), max_size=80))
def test_quote_spans_equal_the_character_loop(text: str) -> None:
    assert _quote_spans(text) == _quote_spans_reference(text)


def test_cache_does_not_keep_documents_alive() -> None:
    import gc
    import weakref

    from storyline.annotate.nlp import load_nlp

    nlp = load_nlp()
    doc = nlp("Officials met in Brennik. They talked.")
    doccache.doc_ents(doc)
    doccache.span_ents(doc[0:3])
    ref = weakref.ref(doc)
    del doc
    for _ in range(doccache._SLOTS):  # newer documents push it out of the slots
        doccache.doc_text(nlp("Another article."))
    gc.collect()
    assert ref() is None
