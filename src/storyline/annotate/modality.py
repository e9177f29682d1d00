"""Modality of a figure: is it asserted, announced by someone, rumoured, denied, expected...

A figure takes a cue only when the cue is in its scope in the dependency parse:

* the cue governs the figure (the figure sits inside the complement of "said", "denied",
  "is expected to", or inside the noun phrase "rumours of ..."), or
* the cue hangs off one of the figure's governors (an auxiliary "will", an adverb "reportedly",
  an "according to X" phrase, a subject "Rumours had been circulating about ..."), or
* a later coordinated or relative clause refers back to it (", but these have been denied"), or
* (document level) the figure is inside a quotation attributed to a speaker, or the next sentence
  picks the figure's sentence up with a demonstrative and a status cue ("The amount is called
  $ 3-3.5 billion. Apparently, the summit will really consolidate this decision").

Figures in parentheses only see cues inside the parentheses; figures attached through a
temporal preposition ("Rumours had been circulating for several days") do not inherit the
content cues of their clause (the rumours are about the loan, not about the days).

Convention when several cues apply: the record keeps one ``modality`` (the strongest *final
state*) and ``cue`` lists every cue, in text order, joined by "; ". Strongest first:

    denied > speculative > expected > planned > rumoured > announced > asserted

so "Rumours ... of US$3 billion ..., but these have been denied" is ``denied`` with cue
"Rumours; denied". The status of the figure (denied, only possible, still to come) outranks
its source (rumour, official), because that is what a timeline must show; the source stays
visible in ``cue`` and ``speaker``.

Future auxiliaries (will/would/shall/should) inside reported speech are the speaker's words, not
the writer's forecast: "Putin said that Moscow would grant a loan of $ 1.5 billion" is
``announced``, not ``expected``. Lexical cues ("is expected to", "likely") still count.

A named source (person, office, outlet: "according to tut.by") makes a figure ``announced``
with that speaker; a vague one ("media reports", "sources", "it is said") makes it
``rumoured``. Speakers are surface names; a "he"/"she" subject is replaced by the last PERSON
named in the three sentences before it, and first-person speakers are left to the quotation
that contains them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable

from storyline.annotate.doccache import doc_ents, doc_sents, doc_text
from storyline.records import Figure

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

STAGE = "modality"
STAGE_VERSION = "2"

PRECEDENCE = ("denied", "speculative", "expected", "planned", "rumoured", "announced", "asserted")

SPEECH_VERBS = frozenset({
    "say", "tell", "announce", "note", "state", "declare", "confirm", "report", "add", "stress",
    "emphasise", "emphasize", "point", "write", "quote", "reveal", "promise", "pledge", "explain",
    "insist", "claim", "assure", "inform", "mention", "comment", "underline", "reiterate",
    "acknowledge", "admit", "disclose", "specify", "clarify", "conclude", "publish", "cite",
})
# Passive speech with no agent: these make hearsay, the others an anonymous announcement.
HEARSAY_PASSIVES = frozenset({"say", "report", "believe", "rumour", "rumor", "claim", "allege", "call"})
VAGUE_SOURCES = frozenset({
    "media", "press", "report", "reports", "source", "sources", "rumour", "rumours", "rumor",
    "rumors", "speculation", "insider", "insiders", "outlet", "outlets", "newspaper",
    "newspapers", "blogger", "bloggers", "channel", "channels", "someone", "some",
})
RUMOUR_NOUNS = frozenset({"rumour", "rumor", "speculation", "report", "hearsay", "leak"})
RUMOUR_ADVERBS = frozenset({"reportedly", "allegedly", "purportedly", "supposedly", "rumouredly"})
SPECULATIVE_ADVERBS = frozenset({"possibly", "perhaps", "maybe", "potentially", "conceivably"})
EXPECTED_ADVERBS = frozenset({"likely", "probably"})
DENY_VERBS = frozenset({"deny", "refute", "dismiss", "reject", "rebut", "disprove", "disavow"})
EXPECT_VERBS = frozenset({"expect", "forecast", "predict", "anticipate", "project"})
PLAN_VERBS = frozenset({"plan", "schedule", "intend", "aim", "envisage", "envision"})
FUTURE_AUX = frozenset({"will", "would", "shall", "'ll", "wo", "should"})
SPECULATIVE_AUX = frozenset({"may", "might", "could"})
# Prepositions that attach circumstances, not the content of a report or rumour.
TEMPORAL_PREPS = frozenset({"for", "during", "since", "until", "till", "throughout", "within", "after", "before"})
# "for" is temporal only before a stretch of time ("for several days"), not in "asked for a loan".
TIME_NOUNS = frozenset(
    """second minute hour day night week weekend fortnight month year decade century while time
    moment period morning evening afternoon""".split()
)


def _temporal_prep(prep: Token) -> bool:
    if prep.lower_ not in TEMPORAL_PREPS:
        return False
    if prep.lower_ != "for":
        return True
    return any(child.dep_ == "pobj" and child.lemma_.lower() in TIME_NOUNS for child in prep.children)
DEMONSTRATIVES = frozenset({"this", "these", "that", "those"})
ANAPHORS = DEMONSTRATIVES | {"it", "they", "both"}
FIRST_SECOND_PERSON = frozenset({"i", "we", "you", "me", "us"})
THIRD_PERSON = frozenset({"he", "she"})


@dataclass
class _Hit:
    modality: str
    cue: str
    position: int  # token index, to list cues in text order
    speaker: str | None = None
    future_aux: bool = False  # a bare will/would: absorbed by reported speech
    reported: bool = False  # comes from a speech act (a speaker or hearsay)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def assign_modality(
    figure_or_span: Figure | Span, sent: Span, *, base_offset: int = 0
) -> tuple[str, str | None, str | None]:
    """(modality, cue, speaker) of one figure from its own sentence.

    ``figure_or_span`` is a spaCy span of the figure or a :class:`Figure` whose offsets are
    offsets into ``sent.doc`` plus ``base_offset``.
    """
    span = _figure_span(figure_or_span, sent, base_offset)
    if span is None:
        return "asserted", None, None
    return _resolve(_sentence_hits(span, sent))


def annotate_modality(figures: Iterable[Figure], doc: Doc, base_offset: int = 0) -> list[Figure]:
    """Copies of ``figures`` with modality, cue and speaker set, using the whole document.

    Adds to the sentence-level cues those of quotations and of a follow-up sentence.
    """
    sentences = doc_sents(doc)
    quotes = _quote_spans(doc_text(doc))
    figures = list(figures)
    spans = [_figure_span(f, None, base_offset, doc=doc, sentences=sentences) for f in figures]
    sentence_of = [_sentence_index(span, sentences) if span is not None else -1 for span in spans]
    with_figures = {i for i in sentence_of if i >= 0}

    result: list[Figure] = []
    for figure, span, index in zip(figures, spans, sentence_of):
        if span is None or index < 0:
            result.append(replace(figure))
            continue
        sent = sentences[index]
        hits = _sentence_hits(span, sent)
        hits += _quote_hits(span, quotes, sentences)
        if index + 1 < len(sentences) and index + 1 not in with_figures and not _circumstantial(span, sent):
            hits += _follow_up_hits(sentences[index + 1])
        modality, cue, speaker = _resolve(hits)
        result.append(replace(figure, modality=modality, cue=cue, speaker=speaker))
    return result


# ---------------------------------------------------------------------------------------------
# Locating the figure
# ---------------------------------------------------------------------------------------------


def _figure_span(target: Figure | Span, sent: Span | None, base_offset: int, *,
                 doc: Doc | None = None, sentences: list[Span] | None = None) -> Span | None:
    if not isinstance(target, Figure):
        return target
    doc = doc if doc is not None else sent.doc  # type: ignore[union-attr]
    start, end = target.start - base_offset, target.end - base_offset
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    # Keep it inside one sentence (the one the figure starts in).
    container = sent
    if container is None and sentences is not None:
        index = target.sentence_index
        if 0 <= index < len(sentences) and sentences[index].start <= span.start < sentences[index].end:
            container = sentences[index]
        else:
            container = span[0].sent
    if container is not None and span.end > container.end:
        span = doc[span.start:container.end]
    return span


def _sentence_index(span: Span, sentences: list[Span]) -> int:
    for i, sent in enumerate(sentences):
        if sent.start <= span.start < sent.end:
            return i
    return -1


def _region(span: Span, sent: Span) -> tuple[int, int]:
    """Token range the figure's cues may come from: its parentheses, or the sentence."""
    depth = 0
    open_at = None
    for tok in reversed(list(sent.doc[sent.start:span.start])):
        if tok.text == ")":
            depth += 1
        elif tok.text == "(":
            if depth == 0:
                open_at = tok.i
                break
            depth -= 1
    if open_at is None:
        return sent.start, sent.end
    depth = 0
    for tok in sent.doc[span.end:sent.end]:
        if tok.text == "(":
            depth += 1
        elif tok.text == ")":
            if depth == 0:
                return open_at + 1, tok.i
            depth -= 1
    return sent.start, sent.end


def _path(span: Span, lo: int, hi: int) -> list[Token]:
    """The figure's root and its governors inside [lo, hi)."""
    tok = span.root
    path = [tok]
    while tok.head.i != tok.i and lo <= tok.head.i < hi:
        tok = tok.head
        path.append(tok)
    return path


def _circumstantial(span: Span, sent: Span) -> bool:
    """True when the figure hangs off its clause by a temporal preposition ("for several days")."""
    lo, hi = _region(span, sent)
    for tok in _path(span, lo, hi)[1:]:
        if tok.dep_ == "prep":
            return _temporal_prep(tok)
        if tok.pos_ in ("VERB", "AUX"):
            return False
    return False


# ---------------------------------------------------------------------------------------------
# Cues in the sentence
# ---------------------------------------------------------------------------------------------


def _sentence_hits(span: Span, sent: Span) -> list[_Hit]:
    lo, hi = _region(span, sent)
    path = _path(span, lo, hi)
    on_path = {t.i for t in path}
    hits: list[_Hit] = []
    content = True  # False once we climbed through a temporal preposition
    for k, tok in enumerate(path):
        via = path[k - 1] if k else None
        if via is not None and via.dep_ == "prep" and _temporal_prep(via):
            content = False
        if via is not None:
            hits += _governor_hits(tok, via, span, content)
        for child in tok.children:
            if child.i in on_path or not lo <= child.i < hi or child.i in range(span.start, span.end):
                continue
            hits += _child_hits(child, tok, via, span, content)
    return hits


def _governor_hits(tok: Token, via: Token, span: Span, content: bool) -> list[_Hit]:
    """Cues carried by a governor of the figure."""
    lemma = tok.lemma_.lower()
    hits: list[_Hit] = []
    negated = _negated(tok)
    if tok.pos_ in ("VERB", "AUX"):
        if lemma in SPEECH_VERBS and via.dep_ not in ("nsubj", "nsubjpass", "csubj"):
            hit = _speech_hit(tok)
            if hit is not None:
                hits.append(hit)
        elif lemma == "call" and _passive(tok) and via.dep_ in ("oprd", "attr", "xcomp", "dobj", "acomp"):
            # "The amount is called $ 3-3.5 billion": a figure that is being cited.
            hits.append(_Hit("rumoured", _with_aux(tok), tok.i, reported=True))
        elif _is_rule_out(tok) or lemma in DENY_VERBS or lemma == "exclude":
            if negated or _has_modal(tok, {"can", "could"}):
                # "it cannot be ruled out that ...": possible; "did not deny": no cue.
                if lemma not in DENY_VERBS:
                    hits.append(_Hit("speculative", _with_aux(tok, prt=True), tok.i))
            elif content:
                hits.append(_denial(tok))
        elif lemma in EXPECT_VERBS and not negated:
            hits.append(_Hit("expected", _with_aux(tok), tok.i))
        elif lemma in PLAN_VERBS and not negated:
            hits.append(_Hit("planned", tok.text, tok.i))
        if lemma == "be":
            hits += _copula_subject_hits(tok, via)
    elif tok.pos_ == "ADJ":
        if lemma == "likely":
            hits.append(_Hit("expected", tok.text, tok.i))
        elif lemma in ("unlikely", "possible"):
            hits.append(_Hit("speculative", tok.text, tok.i))
        elif lemma == "due" and any(c.dep_ == "xcomp" for c in tok.children):
            hits.append(_Hit("planned", tok.text, tok.i))
    elif tok.pos_ in ("NOUN", "PROPN") and content:
        if lemma in RUMOUR_NOUNS or tok.lower_ in ("rumours", "rumors"):
            hits.append(_Hit("rumoured", tok.text, tok.i, reported=True))
        elif lemma == "denial":
            hits.append(_Hit("denied", tok.text, tok.i))
        elif lemma == "plan":
            hits.append(_Hit("planned", tok.text, tok.i))
    return hits


def _child_hits(child: Token, tok: Token, via: Token | None, span: Span, content: bool) -> list[_Hit]:
    """Cues hanging off a governor ``tok`` of the figure."""
    dep = child.dep_
    lower = child.lower_
    lemma = child.lemma_.lower()
    after_figure = child.i >= span.end
    if dep in ("aux", "auxpass"):
        if lower in FUTURE_AUX:
            return [_Hit("expected", f"{child.text} {tok.text}", child.i, future_aux=True)]
        if lower in SPECULATIVE_AUX:
            return [_Hit("speculative", f"{child.text} {tok.text}", child.i)]
        return []
    if dep in ("advmod", "acomp") or (dep == "amod" and tok.pos_ in ("NOUN", "PROPN", "NUM")):
        if lower in RUMOUR_ADVERBS or lemma in ("alleged", "rumoured", "rumored", "reported", "unconfirmed"):
            return [_Hit("rumoured", child.text, child.i, reported=True)]
        if lower in SPECULATIVE_ADVERBS:
            return [_Hit("speculative", child.text, child.i)]
        if lower in EXPECTED_ADVERBS or lemma == "expected":
            return [_Hit("expected", child.text, child.i)]
        if lemma in ("planned", "scheduled", "intended"):
            return [_Hit("planned", child.text, child.i)]
        return []
    if dep == "acl" and tok.pos_ in ("NOUN", "PROPN", "NUM") and not after_figure:
        if lemma in PLAN_VERBS:
            return [_Hit("planned", child.text, child.i)]
        if lemma in EXPECT_VERBS:
            return [_Hit("expected", child.text, child.i)]
        return []
    if dep == "prep" and lower == "according":
        return _according_to_hits(child)
    if (dep in ("nsubj", "nsubjpass") and content and via is not None
            and via.dep_ not in ("nsubj", "nsubjpass") and tok.lemma_.lower() not in SPEECH_VERBS):
        # ("Media reports said ..." is the speech verb's business.)
        if lemma in RUMOUR_NOUNS or lower in ("rumours", "rumors", "media"):
            return [_Hit("rumoured", child.text, child.i, reported=True)]
        return []
    if dep in ("conj", "relcl") and after_figure and content and child.pos_ in ("VERB", "AUX"):
        return _back_reference_hits(child)
    if dep in ("parataxis", "advcl") and child.lemma_.lower() in SPEECH_VERBS:
        if dep == "advcl" and not any(c.dep_ == "mark" and c.lower_ == "as" for c in child.children):
            return []
        hit = _speech_hit(child)
        return [hit] if hit is not None else []
    return []


def _copula_subject_hits(be: Token, via: Token) -> list[_Hit]:
    """"One of the details that were announced ... was that ...": the subject says who told."""
    hits: list[_Hit] = []
    for subject in be.children:
        if subject.dep_ not in ("nsubj", "nsubjpass") or subject.i == via.i:
            continue
        for tok in subject.subtree:
            if tok.dep_ in ("relcl", "acl") and tok.lemma_.lower() in SPEECH_VERBS:
                hit = _speech_hit(tok)
                if hit is not None:
                    hits.append(hit)
    return hits


def _back_reference_hits(clause: Token) -> list[_Hit]:
    """A later clause about the figure: ", but these have been denied", ", which was ruled out"."""
    subjects = [c for c in clause.children if c.dep_ in ("nsubj", "nsubjpass")]
    if subjects and not any(_is_anaphor(s) for s in subjects):
        return []
    return _status_hits(clause)


def _status_hits(verb: Token) -> list[_Hit]:
    """Status cues (denied/speculative/expected/planned) on a clause's own verb."""
    lemma = verb.lemma_.lower()
    negated = _negated(verb)
    if _is_rule_out(verb) or lemma in DENY_VERBS or lemma == "exclude":
        if negated or _has_modal(verb, {"can", "could"}):
            return [] if lemma in DENY_VERBS else [_Hit("speculative", _with_aux(verb, prt=True), verb.i)]
        return [_denial(verb)]
    if lemma in EXPECT_VERBS and not negated:
        return [_Hit("expected", _with_aux(verb), verb.i)]
    if lemma in PLAN_VERBS and not negated:
        return [_Hit("planned", verb.text, verb.i)]
    for aux in verb.children:
        if aux.dep_ not in ("aux", "auxpass"):
            continue
        if aux.lower_ in FUTURE_AUX:
            return [_Hit("expected", f"{aux.text} {verb.text}", aux.i)]
        if aux.lower_ in SPECULATIVE_AUX:
            return [_Hit("speculative", f"{aux.text} {verb.text}", aux.i)]
    return []


def _denial(verb: Token) -> _Hit:
    # A denial by someone is a speech act: their "would"/"will" is theirs, not a forecast.
    speaker = _agent_or_subject(verb)
    return _Hit("denied", _with_aux(verb, prt=True, bare=True), verb.i, speaker=speaker,
                reported=speaker is not None)


def _according_to_hits(according: Token) -> list[_Hit]:
    for to in according.children:
        if to.lower_ != "to":
            continue
        for obj in to.children:
            if obj.dep_ == "pobj":
                if _is_vague_source(obj):
                    return [_Hit("rumoured", "according to", according.i, reported=True)]
                return [_Hit("announced", "according to", according.i, speaker=_speaker_name(obj),
                             reported=True)]
    return []


def _speech_hit(verb: Token) -> _Hit | None:
    """announced (named/official speaker or anonymous passive) or rumoured (hearsay)."""
    lemma = verb.lemma_.lower()
    if _passive(verb) and _agent(verb) is None:
        # "it was announced", "details that were announced": no speaker; "is said": hearsay.
        modality = "rumoured" if lemma in HEARSAY_PASSIVES else "announced"
        return _Hit(modality, _with_aux(verb, prt=True), verb.i, reported=True)
    who = _agent(verb) or next((c for c in verb.children if c.dep_ == "nsubj"), None)
    if who is None or who.lower_ in FIRST_SECOND_PERSON:
        return None  # inside a quotation, its attribution names the speaker
    cue = " ".join(t.text for t in sorted([verb, *(c for c in verb.children if c.dep_ == "prt")],
                                          key=lambda t: t.i))
    if _is_vague_source(who):
        return _Hit("rumoured", f"{who.text} {cue}", verb.i, reported=True)
    return _Hit("announced", cue, verb.i, speaker=_speaker_name(who), reported=True)


# ---------------------------------------------------------------------------------------------
# Quotations and follow-up sentences (document level)
# ---------------------------------------------------------------------------------------------


_QUOTE_OR_BREAK = re.compile('[\n“«„”»"]')


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """(open, close) char offsets of outermost quotations that stay within one line."""
    spans: list[tuple[int, int]] = []
    stack: list[int] = []
    straight: int | None = None
    # Only line breaks and quotation marks change the state: visit those, not every character.
    for match in _QUOTE_OR_BREAK.finditer(text):
        i, ch = match.start(), match.group()
        if ch == "\n":
            # An unbalanced quote must not swallow the rest of the article.
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


def _quote_hits(span: Span, quotes: list[tuple[int, int]], sentences: list[Span]) -> list[_Hit]:
    start, end = span.start_char, span.end_char
    for q_open, q_close in quotes:
        if q_open < start and end <= q_close:
            hit = _attribution(q_open, q_close, span.doc, sentences)
            return [hit] if hit is not None else []
    return []


def _attribution(q_open: int, q_close: int, doc: Doc, sentences: list[Span]) -> _Hit | None:
    """The speech verb right after the closing quote, or right before the opening one."""
    after_sent = next((s for s in sentences if s.start_char <= q_close < s.end_char), None)
    if after_sent is not None:
        for tok in after_sent:
            if tok.idx <= q_close:
                continue
            if tok.lemma_.lower() in SPEECH_VERBS and tok.pos_ in ("VERB", "AUX"):
                hit = _speech_hit(tok)
                if hit is not None and (hit.speaker or hit.modality == "rumoured"):
                    return hit
                break
            if tok.text in "“«\"":
                break
    before_sent = next((s for s in sentences if s.start_char <= q_open < s.end_char), None)
    if before_sent is not None:
        for tok in reversed([t for t in before_sent if t.idx < q_open]):
            if tok.lemma_.lower() in SPEECH_VERBS and tok.pos_ in ("VERB", "AUX"):
                hit = _speech_hit(tok)
                if hit is not None and (hit.speaker or hit.modality == "rumoured"):
                    return hit
                break
    return None


def _follow_up_hits(next_sent: Span) -> list[_Hit]:
    """Status cue of a next sentence that refers back with a demonstrative ("this decision")."""
    root = next_sent.root
    refers_back = any(
        c.dep_ in ("dobj", "nsubj", "nsubjpass", "attr")
        and (c.lower_ in DEMONSTRATIVES or any(d.dep_ == "det" and d.lower_ in DEMONSTRATIVES
                                                for d in c.children))
        for c in root.children
    )
    if not refers_back:
        return []
    hits = _status_hits(root)
    for hit in hits:
        # Name the whole cue ("will consolidate"), and it is the writer's, not reported speech.
        hit.future_aux = False
    return hits


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _resolve(hits: list[_Hit]) -> tuple[str, str | None, str | None]:
    if any(h.reported for h in hits):
        hits = [h for h in hits if not h.future_aux]
    if not hits:
        return "asserted", None, None
    hits = sorted(hits, key=lambda h: h.position)
    winner = min(hits, key=lambda h: PRECEDENCE.index(h.modality))
    cues: list[str] = []
    for hit in hits:
        if hit.cue not in cues:
            cues.append(hit.cue)
    speaker = winner.speaker or next((h.speaker for h in hits if h.speaker), None)
    return winner.modality, "; ".join(cues), speaker


def _passive(verb: Token) -> bool:
    return any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children)


def _negated(tok: Token) -> bool:
    return any(c.dep_ == "neg" for c in tok.children)


def _has_modal(tok: Token, modals: set[str]) -> bool:
    return any(c.dep_ == "aux" and c.lower_ in modals for c in tok.children)


def _is_rule_out(tok: Token) -> bool:
    return tok.lemma_.lower() == "rule" and any(c.dep_ == "prt" and c.lower_ == "out" for c in tok.children)


def _with_aux(verb: Token, *, prt: bool = False, bare: bool = False) -> str:
    """The cue as written: "is called", "cannot be ruled out", "denied"."""
    if bare and not _negated(verb):
        words = [verb]
    else:
        words = [c for c in verb.children if c.dep_ in ("aux", "auxpass", "neg")] + [verb]
    if prt:
        words += [c for c in verb.children if c.dep_ == "prt"]
    words.sort(key=lambda t: t.i)
    text = " ".join(t.text for t in words)
    return text.replace("can not", "cannot")


def _agent(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ == "agent":
            return next((c for c in child.children if c.dep_ == "pobj"), None)
    return None


def _agent_or_subject(verb: Token) -> str | None:
    who = _agent(verb) or next((c for c in verb.children if c.dep_ == "nsubj"), None)
    if who is None or who.lower_ in ANAPHORS or who.lower_ in FIRST_SECOND_PERSON:
        return None
    return _speaker_name(who)


def _is_anaphor(tok: Token) -> bool:
    return tok.lower_ in ANAPHORS or any(
        d.dep_ == "det" and d.lower_ in DEMONSTRATIVES for d in tok.children
    )


def _is_vague_source(tok: Token) -> bool:
    if tok.lower_ in VAGUE_SOURCES or tok.lemma_.lower() in VAGUE_SOURCES:
        # "media reports", "sources": unless a name is attached ("Kremlin sources" stays vague).
        return not any(c.ent_type_ in ("PERSON",) for c in tok.subtree)
    return False


def _speaker_name(tok: Token) -> str | None:
    """Surface name of a speaker phrase: a PERSON in it, else its named entity, else the phrase."""
    if tok.lower_ in THIRD_PERSON:
        return _antecedent(tok)
    if tok.lower_ in FIRST_SECOND_PERSON or tok.pos_ == "PRON":
        return None
    # Leave out relative clauses and the like: "the expert who ..." -> "the expert".
    keep = [t for t in tok.subtree if not any(
        a.dep_ in ("relcl", "acl", "advcl", "punct") and a.i != tok.i and (a.i == t.i or a.is_ancestor(t))
        for a in tok.subtree)]
    keep_ids = {t.i for t in keep}
    doc = tok.doc
    # Only entities within the phrase's token range can share a token with it: compare the bounds
    # first instead of walking every entity's tokens.
    lo, hi = min(keep_ids), max(keep_ids)
    ents = [e for e in doc_ents(doc) if e.start <= hi and e.end > lo and any(t.i in keep_ids for t in e)]
    for label in ("PERSON", "ORG", "GPE", "NORP"):
        for ent in ents:
            if ent.label_ == label and (label == "PERSON" or tok.i in range(ent.start, ent.end)):
                return _strip_determiner(ent.text)
    words = [t for t in keep if t.i <= tok.i and t.dep_ in ("det", "amod", "compound", "poss", "case", "nmod")
             or t.i == tok.i]
    return _strip_determiner(" ".join(t.text for t in sorted(words, key=lambda t: t.i)).replace(" ’s", "’s"))


def _antecedent(pronoun: Token) -> str | None:
    """Last PERSON named before the pronoun within three sentences."""
    doc = pronoun.doc
    sent_starts = [s.start for s in doc_sents(doc) if s.start <= pronoun.i]
    window_start = sent_starts[-4] if len(sent_starts) >= 4 else 0
    people = [e for e in doc_ents(doc) if e.label_ == "PERSON" and window_start <= e.start and e.end <= pronoun.i]
    return people[-1].text if people else None


def _strip_determiner(text: str) -> str:
    for det in ("the ", "The ", "a ", "A ", "an ", "An "):
        if text.startswith(det):
            return text[len(det):]
    return text
