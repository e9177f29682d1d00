"""Lexicon.match looks frames up by lemma (an index built once) instead of scanning every
frame's word sets for every token: the same frame for every token as the scan."""

from __future__ import annotations

from storyline.annotate.nlp import load_nlp
from storyline.events import mentions
from storyline.events.mentions import Frame, Lexicon, build_lexicon
from tests.conftest import EXAMPLES


def _scan_match(lexicon: Lexicon, token, persons=frozenset()) -> Frame | None:
    """The scan Lexicon.match replaced (kept here as the reference)."""
    if token.pos_ == "VERB":
        slots = ("verbs",)
    elif token.pos_ in ("NOUN", "PROPN"):
        slots = ("nouns", "plural_nouns", "verbs") if token.lower_.endswith("ing") else ("nouns", "plural_nouns")
        if token.is_title and token.lower_.endswith(("s", "ed")) and mentions._title_case_headline(token):
            slots = ("nouns", "plural_nouns", "verbs")
    elif token.pos_ == "ADJ":
        slots = ("adjectives",)
    else:
        return None
    forms = mentions.lemma_candidates(token)
    plural = token.tag_ in ("NNS", "NNPS") or "Plur" in token.morph.get("Number")
    for frame in lexicon.frames:
        for slot in slots:
            if slot == "plural_nouns" and not plural:
                continue
            if any(form in getattr(frame, slot) for form in forms):
                if frame.context and not mentions._has_context(token, frame.context):
                    break
                return mentions._refine(token, frame, lexicon, persons)
    return None


def test_match_finds_the_frames_the_scan_finds() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((EXAMPLES / "corpus").glob("*.txt"))]
    texts.append("Officials transferred a batch of vaccine doses. The ministry transferred the funds. "
                 "The coach was fired on Monday after the meetings; protesters were arrested and jailed. "
                 "Lindsay Lohan Checks Into Malibu Rehab. The dead man had a cardiac arrest.")
    # The default lexicon, one with a frame added by configuration, and one whose context-bound
    # frame shares its words with a later frame.
    lexicons = [
        mentions._DEFAULT_LEXICON,
        build_lexicon({"meeting": {"verbs": ["huddle"]}, "festival": {"nouns": ["fair", "festival"]}}),
        build_lexicon({"delivery": {"verbs": ["transfer"], "context": ["vaccine"]},
                       "payment": {"verbs": ["transfer", "pay"], "nouns": ["payment"]}}, replace=True),
    ]
    tokens = 0
    found = 0
    for doc in load_nlp().pipe(texts):
        for token in doc:
            tokens += 1
            for lexicon in lexicons:
                expected = _scan_match(lexicon, token)
                assert lexicon.match(token) == expected, (token.text, token.sent.text)
                found += expected is not None
    assert tokens > 1000 and found > 50
