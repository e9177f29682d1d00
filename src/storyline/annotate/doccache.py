"""Per-document caches of spaCy properties that spaCy rebuilds on every access.

`Doc.text` joins every token, `Doc.ents` builds a `Span` per entity by walking every token,
`Span.ents` goes through `Doc.ents`, and `Doc.sents` walks every token: each access is O(tokens).
The rule stages read them inside loops over sentences, names and figures, which made annotation
quadratic in article length. They take them from here instead, computed once per parsed document.

The cache holds the last few documents seen by this thread (annotation handles one article at a
time, so one slot would do), with a strong reference: a weak-keyed cache would never let go,
since the cached spans refer to their document. So at most `_SLOTS` documents stay alive a
little longer than their caller keeps them. Nothing is stored on the document itself, so it can
still be serialized. A parsed document must not change afterwards (no retokenizing, no new
`doc.ents`), which holds for every storyline stage.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # no spaCy import at run time: figures.parse_figure stays spaCy-free
    from spacy.tokens import Doc, Span

_SLOTS = 4  # documents cached per thread, most recent first


class _Cached:
    __slots__ = ("doc", "text", "ents", "ent_starts", "sents", "sent_starts", "char_spans")

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.text: str | None = None
        self.ents: tuple[Span, ...] | None = None
        self.ent_starts: list[int] = []
        self.sents: list[Span] | None = None
        self.sent_starts: list[int] = []
        self.char_spans: dict[tuple[int, int], Span | None] = {}


_local = threading.local()  # per thread: a Dask worker may run several annotation threads


def _cached(doc: Doc) -> _Cached:
    slots: list[_Cached] | None = getattr(_local, "slots", None)
    if slots is None:
        slots = _local.slots = []
    for i, entry in enumerate(slots):
        if entry.doc is doc:
            if i:
                slots.insert(0, slots.pop(i))
            return entry
    entry = _Cached(doc)
    slots.insert(0, entry)
    del slots[_SLOTS:]
    return entry


def clear() -> None:
    """Forget this thread's cached documents (they are otherwise replaced as new ones come)."""
    _local.slots = []


def doc_text(doc: Doc) -> str:
    """`doc.text`, built once."""
    entry = _cached(doc)
    if entry.text is None:
        entry.text = doc.text
    return entry.text


def doc_ents(doc: Doc) -> tuple[Span, ...]:
    """`doc.ents`, built once (sorted by position, non-overlapping, as spaCy keeps them)."""
    entry = _cached(doc)
    if entry.ents is None:
        entry.ents = tuple(doc.ents)
        entry.ent_starts = [e.start for e in entry.ents]
    return entry.ents


def span_ents(span: Span) -> list[Span]:
    """`span.ents` (the entities lying wholly inside the span) by binary search, not a doc scan.

    spaCy's `Span.ents` walks `doc.ents` from the start, takes those starting inside the span
    and stops at the first one that ends past it; entities are sorted and do not overlap, so
    that is the run of entities from the first one starting at or after `span.start`.
    """
    entry = _cached(span.doc)
    ents = doc_ents(span.doc)
    starts = entry.ent_starts
    out: list[Span] = []
    i = bisect_left(starts, span.start)
    while i < len(ents) and ents[i].end <= span.end:
        out.append(ents[i])
        i += 1
    return out


def doc_sents(doc: Doc) -> list[Span]:
    """`list(doc.sents)`, built once (the caller must not change the list)."""
    entry = _cached(doc)
    if entry.sents is None:
        entry.sents = list(doc.sents)
        entry.sent_starts = [s.start for s in entry.sents]
    return entry.sents


def token_sent(doc: Doc, i: int) -> Span:
    """`doc[i].sent` by binary search in the cached sentences (`Token.sent` walks the tokens out
    to the sentence's both ends on each access). Needs sentence boundaries, as `doc.sents` does."""
    sents = doc_sents(doc)
    return sents[bisect_right(_cached(doc).sent_starts, i) - 1]


def char_span(doc: Doc, start: int, end: int) -> Span | None:
    """`doc.char_span(start, end, alignment_mode="expand")`, built once per document and bounds
    (the event mention rules ask for each name's span in several of their steps)."""
    spans = _cached(doc).char_spans
    bounds = (start, end)
    if bounds not in spans:
        spans[bounds] = doc.char_span(start, end, alignment_mode="expand")
    return spans[bounds]
