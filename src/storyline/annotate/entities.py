"""Named entities: spaCy mentions with cheap fixes, in-article aliases, corpus-wide resolution.

Three steps:

1. ``extract_entity_mentions`` takes spaCy's entities for one article and repairs the errors the
   small English model makes on these (often machine-translated) texts: places split in two,
   bullets and possessives inside names, products and diseases tagged as people, titles and
   neighbouring names glued onto a person, unfamiliar places tagged as people and unfamiliar
   surnames tagged as places (decided from the words around each name: "in X", "the X ski
   resort", "X, the capital" make a place; a title, a role noun, a given name, an age make a
   person; "the rights group X" an organisation; see ``_relabel_by_context``), and one name
   tagged with different labels in one article. It also adds *alias mentions* the article itself equates with a named person (an
   appositive "the Ruritanian president", a uniquely resolvable "the Ruritanian leader", a
   nickname the text introduces in quotes). An alias mention carries, before resolution, an
   in-article pointer to its antecedent in ``entity_id``: ``"@<start>"``, the start offset of the
   named mention it refers to in the same article.

2. ``resolve_entities`` groups the mentions of the whole corpus into entities. Names are compared
   through a romanization-aware key (``name_key``) and a consonant skeleton (``name_skeleton``)
   that absorb the usual Cyrillic-to-Latin alternations (y/i/j, ks/x, kh/h, ts/c, ou/ov, final
   o/a of Slavic surnames, g/h of Belarusian forms), plus Jaro-Winkler similarity. Only names in
   the same block (label family + first two skeleton letters) are ever compared. A bare surname
   joins a full name only when exactly one compatible full name exists in its article or, failing
   that, in the corpus; full names with different given names never merge. A given name with a
   patronymic ("Aurel Matveyevich") joins the only person with that given name (article first,
   then corpus). Place names also match written as one word ("Velostrog"/"Vel Ostrog") and
   without a state's formal prefix ("Republic of X" is X); g/h alternate (Hradel/Gradel).

3. Entity ids are a hash of the entity's label and the key of its canonical name, so they do not
   depend on the order in which articles arrive.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations, product

import numpy as np
from anyascii import anyascii
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cdist, extract
from spacy.tokens import Doc, Token

from storyline.annotate import entity_ids
from storyline.annotate.doccache import doc_ents, doc_sents, doc_text, token_sent
from storyline.records import Entity, EntityMention

STAGE = "entities"
STAGE_VERSION = "3"

# The spaCy labels we keep. PRODUCT and MISC only ever come from our own relabelling rules.
NAME_LABELS = frozenset({"PERSON", "GPE", "LOC", "ORG", "NORP", "FAC", "EVENT"})
RELABELLED = frozenset({"PRODUCT", "MISC"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})

ANTECEDENT_PREFIX = "@"

# Words that are a title or role, never part of a person's name ("President Putin",
# "Deputy Dean"). A general lexicon, not a list of entities.
TITLE_WORDS = frozenset(
    """president presidents vice prime minister ministers deputy dean professor prof governor
    spokesman spokeswoman spokesperson secretary chairman chairwoman director general mr mrs ms
    miss dr sir dame lord lady king queen prince princess senator sen rep representative
    ambassador mayor chancellor premier chief colonel col gen lieutenant lt captain capt major
    sergeant sgt commander patriarch pope archbishop bishop judge justice speaker officer
    detective trooper constable inspector corporal coach
    """.split()
)

# A bare surname whose article names no compatible full name joins the corpus's full name with
# at least this share of the mentions of all compatible full names (else it stays apart).
DOMINANT_SHARE = 0.8

# Role nouns an article uses to describe a person ("the Belarusian leader", "political
# scientist Nikolay Petrov"). Used for alias evidence only.
ROLE_WORDS = frozenset(
    """president leader premier chancellor minister spokesman spokeswoman spokesperson secretary
    governor mayor ambassador chairman chairwoman director head chief professor dean scientist
    analyst expert editor correspondent psychologist politician oppositionist commander general
    king queen monarch ruler dictator adviser advisor envoy diplomat economist journalist
    """.split()
)
# Roles a generic "leader"/"ruler"/"head" can stand for.
LEADER_ROLES = frozenset(
    {"president", "leader", "premier", "chancellor", "king", "queen", "monarch", "ruler", "dictator", "head"}
)
GENERIC_LEADER = frozenset({"leader", "ruler", "head"})
# Role heads we accept in a free-standing descriptive alias ("the Russian leader").
DESCRIPTOR_ROLES = LEADER_ROLES

# A lowercase noun right after a name tagged PERSON shows the name is a product or a disease
# ("Sputnik V vaccine", "Ebola virus"): people are not followed by these.
PRODUCT_NOUNS = frozenset(
    """vaccine vaccines jab jabs shot shots drug drugs pill pills virus viruses variant variants
    disease diseases pandemic epidemic outbreak infection missile missiles rocket rockets jet jets
    aircraft plane planes fighter fighters helicopter helicopters drone drones tank tanks rifle
    rifles satellite satellites system systems app apps platform software pipeline pipelines
    reactor reactors vehicle vehicles car cars brand browser browsers update updates patch patches
    version versions vulnerability vulnerabilities flaw flaws bug bugs users
    """.split()
)
# Possessives that own things, not people: "its Internet Explorer", "its Nimbus app".
THING_OWNERS = frozenset({"its"})

# Prepositions after which a GPE is used as a location rather than as an actor.
LOCATIVE_PREPS = frozenset({"in", "near", "from", "into", "across", "around", "outside", "inside", "throughout"})

# --- context cues for a name's label (general English, no names) ------------------------------
# After these a name is where something is: "in Brennik", "near Hradel". People are rarely the
# object of these.
PLACE_PREPS_STRONG = frozenset({"in", "near", "into", "outside", "inside", "across", "throughout", "around", "within"})
# These take people as often as places ("talked to X", "a letter from X", "angry at X"): a place
# cue only for a name that shows no sign of being a person.
PLACE_PREPS_WEAK = frozenset({"at", "to", "from", "via", "toward", "towards"})
# A name that modifies one of these ("the Vel Ostrog ski resort", "the Hradel refinery") or is
# described by one ("Brennik, the Lestavian capital", "the resort of X") is a place.
PLACE_NOUNS = frozenset(
    """city town village capital resort region province district county oblast republic island
    islands river lake sea mountain mountains valley coast harbour harbor port airport suburb
    suburbs outskirts residence palace refinery base square street avenue border area settlement
    municipality state country peninsula bay gulf""".split()
)
# "X's streets", "the centre of X": parts and people of a place (not "residence": people have those).
PLACE_PART_NOUNS = frozenset(
    """streets street centre center outskirts suburbs airport mayor residents inhabitants downtown
    districts squares heart city town region port harbour harbor""".split()
)
# A name right after one of these nouns names a thing of that kind, not a person: "the rights
# group Vigil Lestavia", "the joint exercise Iron Steppe", "the newspaper Globus".
ORG_NOUNS = frozenset(
    """group organisation organization company firm bank agency party movement newspaper paper
    daily weekly magazine channel portal network broadcaster station website outlet institute
    fund foundation union association council committee alliance coalition operator club
    corporation holding concern ministry service""".split()
)
THING_NOUNS = frozenset(
    """exercise exercises drill drills operation festival games forum conference programme program
    project plan treaty initiative campaign doctrine pipeline vaccine ship vessel satellite
    missile system brand prize award""".split()
)
# A name that modifies one of these names the thing: "the Common Space treaty", "the Iron Steppe
# exercise" (not "the Putin doctrine": a person's name modifies that kind of noun).
NAMED_THING_HEADS = frozenset(
    """treaty agreement accord pipeline exercise exercises drill drills programme program project games
    festival forum satellite""".split()
)
# Nouns of news-making: "Ambric Wire reporters", "Ambric Wire's Brennik bureau".
MEDIA_NOUNS = frozenset(
    """reporter reporters correspondent correspondents bureau bureaus journalist journalists editor
    editors newsroom reporting""".split()
)
# Nouns that name a person's role ("the economist Lukas Ferenc", "opposition candidate X").
PERSON_NOUNS = frozenset(
    """candidate activist member founder writer reporter lawyer researcher blogger officer official
    opponent critic rival successor predecessor colleague counterpart ally aide businessman
    businesswoman billionaire oligarch tycoon actor actress singer player coach athlete student
    teacher doctor priest wife husband son daughter mother father brother sister friend
    spokesman spokeswoman commentator observer negotiator envoy""".split()
)
SPEECH_VERBS = frozenset(
    """say tell add note explain ask reply write thank insist stress recall admit claim warn
    promise praise urge""".split()
)
_APPOSITIVE_PERSON = re.compile(
    r"^\s*,\s+(?:the|a|an)\s+(?:[\w-]+\s+){0,2}?(?:man|woman|person|"
    + "|".join(sorted(ROLE_WORDS | PERSON_NOUNS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_APPOSITIVE_PLACE = re.compile(
    r"^\s*,\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,3}?(" + "|".join(sorted(PLACE_NOUNS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)

# Version tokens that belong to a product name: "Sputnik V", "Su 27", "Mark II".
_VERSION_TOKEN = re.compile(r"^(?:[A-Z]|[IVX]{1,4}|\d{1,4})$")
_QUOTES_OPEN = "\"“‘«'„"
_QUOTES_CLOSE = "\"”’»'“"
_POSSESSIVE_TOKENS = frozenset({"'s", "’s", "'", "’", "'S", "’S"})
# Trailing possessive or punctuation left on a name at character level ("Lukashenka’s").
_TRAILING_JUNK = re.compile(r"(?:['’][sS]?|[\s,;:!?\"“”«»()\[\]*•·–—-])+$")
_LEADING_JUNK = re.compile(r"^[^\w]+", re.UNICODE)

# "known as", "nicknamed" introduce a nickname anywhere after the name; "called"/"dubbed" only
# in an aside ("X, called ...") or with an adverb ("often called"), since "X called ..." is
# usually a verb of speech ("X called the deal a disaster").
_ADVERBS = r"(?:also|often|widely|popularly|commonly|affectionately|sometimes|better|usually|now)"
_NICKNAME_CUE = (
    # "X, the man his supporters call "Y"", "X, whom critics dub "Y""
    r"(?:(?:,\s*(?:the\s+(?:man|woman)\s+)?(?:whom\s+)?(?:his|her|their|many|some|critics|supporters)\s+"
    r"(?:[a-z]+\s+){0,2}(?:call|calls|dub|dubs|nickname|nicknames))"
    r"|(?:(?:,\s*|\(\s*)?(?:who\s+is\s+)?(?:" + _ADVERBS + r"\s+)*(?:known\s+as|nicknamed|whose\s+nickname\s+is)"
    r"|(?:,\s*|\(\s*)(?:who\s+is\s+)?(?:" + _ADVERBS + r"\s+)*(?:called|dubbed|referred\s+to\s+as)"
    r"|\s+" + _ADVERBS + r"\s+(?:called|dubbed|referred\s+to\s+as)))"
)
_NICKNAME_AFTER = re.compile(
    r"\s*" + _NICKNAME_CUE + r"\s+(?:the\s+)?([" + _QUOTES_OPEN + r"])([^\n" + _QUOTES_CLOSE
    + r"]{1,40})([" + _QUOTES_CLOSE + r"])",
    re.IGNORECASE,
)
_NICKNAME_BEFORE = re.compile(
    r"(?:nicknamed|known\s+as|dubbed)\s+(?:the\s+)?([" + _QUOTES_OPEN + r"])([^\n" + _QUOTES_CLOSE
    + r"]{1,40})([" + _QUOTES_CLOSE + r"])\s*,?\s*$",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------------------------
# Romanization-aware keys
# ---------------------------------------------------------------------------------------------

# Ordered rewrites that fold the common alternations of Cyrillic romanization systems (and of
# Belarusian Łacinka) onto one spelling. Applied per token after ASCII folding.
_REWRITES: tuple[tuple[str, str], ...] = (
    ("shch", "sh"),
    ("sch", "sh"),
    ("tch", "ch"),
    ("kh", "h"),
    ("gh", "g"),
    ("ph", "f"),
    ("ck", "k"),
    ("q", "k"),
    ("x", "ks"),
    ("w", "v"),
    ("j", "i"),
    ("y", "i"),
)
_C_AS_K = re.compile(r"c(?![eih])")  # Victor/Viktor, Moscow/Moskva; keep ch and the soft c
# Russian ц: ts (English), tz (German), c (Polish, Belarusian Łacinka): Suzdaltsev/Suzdalcew
_TS_AS_C = re.compile(r"t[sz]")
_OU_AS_OV = re.compile(r"ou(?=[^aeiou]|$)")  # Łacinka ŭ: Mahiliou/Mahilyow, Klaskouski/-ovsky
_DOUBLE = re.compile(r"(.)\1+")
_VOWELS = re.compile(r"[aeiou]")


def _fold_tokens(text: str) -> list[str]:
    """ASCII-fold, lowercase and split a name into letter-only tokens."""
    folded = anyascii(text).lower()
    folded = re.sub(r"['’`]", "", folded)  # O'Brien, D’Artagnan: one token
    return [t for t in re.split(r"[^a-z]+", folded) if t]


def _token_key(token: str) -> str:
    for old, new in _REWRITES:
        token = token.replace(old, new)
    token = _C_AS_K.sub("k", token)
    token = _TS_AS_C.sub("c", token)
    token = _OU_AS_OV.sub("ov", token)
    if token.startswith("ie") and len(token) > 3:  # Yevgeny/Evgeny, Yelena/Elena
        token = token[1:]
    return _DOUBLE.sub(r"\1", token)  # Dmitriy/Dmitri, Petrossian/Petrosian


_STATE_PREFIX = re.compile(
    r"^(?:the )?(?:(?:federal |socialist |democratic |peoples |islamic |united )*republic|kingdom|principality"
    r"|grand duchy|duchy|state|commonwealth|emirate|sultanate|city|municipality) of "
)


@functools.lru_cache(maxsize=1 << 18)
def name_key(text: str, label: str = "") -> str:
    """A romanization-aware normalization key for a name.

    Lowercase, ASCII-folded, with transliteration alternations collapsed. For a person the last
    token (the surname) also folds a final "o" to "a" (Belarusian -enka vs Russian -enko); for a
    nationality an English plural "s" is dropped (Russians/Russian).
    """
    folded = _fold_tokens(text)
    if label in PLACE_LABELS:
        # "Republic of Belarus" is Belarus: a state's formal prefix is no part of its name
        prefix = _STATE_PREFIX.match(" ".join(folded))
        if prefix and prefix.end() < len(" ".join(folded)):
            folded = " ".join(folded)[prefix.end() :].split()
    tokens = [_token_key(t) for t in folded]
    tokens = [t for t in tokens if t]
    if not tokens:
        return ""
    if label == "PERSON" and len(tokens[-1]) > 3 and tokens[-1].endswith("o"):
        tokens[-1] = tokens[-1][:-1] + "a"
    if label == "NORP" and len(tokens[-1]) > 3 and tokens[-1].endswith("ns"):
        tokens[-1] = tokens[-1][:-1]
    return " ".join(tokens)


@functools.lru_cache(maxsize=1 << 18)
def _token_skeleton(key_token: str) -> str:
    """First letter + consonants of a key token; g≡h (Russian g, Belarusian h)."""
    if not key_token:
        return ""
    rest = _VOWELS.sub("", key_token[1:]).replace("g", "h")
    return _DOUBLE.sub(r"\1", key_token[0].replace("g", "h") + rest)


def name_skeleton(text: str, label: str = "") -> str:
    """The consonant skeleton of a name, token by token: Mogilev, Mahiliou, Mahilyow -> 'mhlv'."""
    return " ".join(_token_skeleton(t) for t in name_key(text, label).split())


# ---------------------------------------------------------------------------------------------
# Name comparison
# ---------------------------------------------------------------------------------------------


def _is_extension(a: str, b: str) -> bool:
    """One key is the other plus a suffix: Putin/Putina, Niger/Nigeria, Ivan/Ivana."""
    return a != b and (a.startswith(b) or b.startswith(a))


def _gendered_pair(a: str, b: str) -> bool:
    """Masculine vs feminine forms of one Slavic name: they are two people, not variants."""
    for x, y in ((a, b), (b, a)):
        if x.endswith("a") and y[-1] not in "aeiou":
            # Alexandra/Alexander, Ivanova/Ivanov
            return True
        if y.endswith("aia"):  # Navalnaya/Navalny, Dorovskaya/Dorovsky, Tolstaya/Tolstoy
            stem = y[:-3]
            if x.endswith(("ii", "oi", "ei")) and x[:-2] == stem:
                return True
            if x.endswith("i") and x[:-1] == stem:
                return True
    return False


@functools.lru_cache(maxsize=1 << 18)
def _tokens_match(a: str, b: str, *, person: bool) -> bool:
    """Whether two key tokens can be spellings of the same name token."""
    if a == b:
        return True
    if not a or not b:
        return False
    sa, sb = _token_skeleton(a), _token_skeleton(b)
    skeleton_edits = Levenshtein.distance(sa, sb, score_cutoff=1)
    if skeleton_edits > 1:  # cheap reject: both rules below need skeletons within one edit
        return False
    if _is_extension(a, b) or (person and _gendered_pair(a, b)):
        return False
    # g and h alternate like the other romanization variants (Hrodna/Grodno, Hradel/Gradel).
    similarity = JaroWinkler.similarity(a.replace("g", "h"), b.replace("g", "h"))
    if skeleton_edits == 0 and (len(sa) >= 3 or similarity >= 0.9):
        return True
    return similarity >= 0.92


@dataclass(frozen=True)
class _PersonName:
    given: str | None  # key token of the given name; None for a bare surname
    surname: str
    middle: tuple[str, ...] = ()

    @property
    def is_initial(self) -> bool:
        return self.given is not None and len(self.given) == 1

    @property
    def is_full(self) -> bool:
        return self.given is not None and not self.is_initial


@functools.lru_cache(maxsize=1 << 18)
def _parse_person(key: str) -> _PersonName:
    tokens = key.split()
    if len(tokens) == 1:
        return _PersonName(None, tokens[0])
    return _PersonName(tokens[0], tokens[-1], tuple(tokens[1:-1]))


def _persons_compatible(a: _PersonName, b: _PersonName) -> bool:
    """Same surname (up to spelling) and, when both have one, the same given name."""
    if not _tokens_match(a.surname, b.surname, person=True):
        return False
    if a.given is None or b.given is None:
        return True
    if a.is_initial or b.is_initial:
        return a.given[0] == b.given[0]
    if not _tokens_match(a.given, b.given, person=True):
        return False
    if a.middle and b.middle:  # patronymics, when both give one
        return _tokens_match(a.middle[0], b.middle[0], person=True)
    return True


def _names_match(a: str, b: str, *, person: bool, joined: bool = False) -> bool:
    """Two multi-purpose (non-person) keys: same token count, every token a variant.

    With ``joined`` (place names), keys with different token counts are compared written
    together: "Vel Ostrog", "Vel-Ostrog" and "Velostrog" are one name.
    """
    ta, tb = a.split(), b.split()
    if len(ta) == len(tb):
        return all(_tokens_match(x, y, person=person) for x, y in zip(ta, tb))
    return joined and _tokens_match("".join(ta), "".join(tb), person=person)


def _family(label: str) -> str:
    """Labels that can name the same thing are compared together (Sochi GPE vs LOC)."""
    return "PLACE" if label in PLACE_LABELS else label


# ---------------------------------------------------------------------------------------------
# Label voting (shared by the article and the corpus level)
# ---------------------------------------------------------------------------------------------


def _plain_key(text: str) -> str:
    return name_key(text)


def _vote(labels: Counter[str], person_containment: int, *, gpe_absorbs_org: bool = False) -> str | None:
    """The label a name should carry given all the labels it got, or None to leave it alone.

    With gpe_absorbs_org (the name is used as a location somewhere: "in Minsk"), its ORG tags
    count as GPE: OntoNotes' GPE covers a place's government, so "Minsk insists" is the same
    Minsk. A surname seen inside a full PERSON name counts as a PERSON vote, and wins a tie. A
    label set by one of our rules (PRODUCT, MISC) wins over the model's PERSON.
    """
    counts = Counter(labels)
    forced = [lab for lab in counts if lab in RELABELLED]
    if forced:
        best = max(forced, key=lambda lab: (counts[lab], lab))
        counts[best] += counts.pop("PERSON", 0)
    if gpe_absorbs_org and "GPE" in counts and "ORG" in counts:
        counts["GPE"] += counts.pop("ORG")
    if person_containment:
        counts["PERSON"] += person_containment
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
        return ranked[0][0]
    tied = {lab for lab, n in ranked if n == ranked[0][1]}
    if person_containment and "PERSON" in tied:
        return "PERSON"
    return None


# ---------------------------------------------------------------------------------------------
# Extraction
# ---------------------------------------------------------------------------------------------


@dataclass
class _Span:
    start: int  # token indices into the doc
    end: int
    label: str
    forced: bool = False  # label set by a rule with evidence; it wins the vote


@dataclass
class _Alias:
    start: int  # character offsets into the doc
    end: int
    antecedent: int  # token index of the start of the named span it refers to


@dataclass
class _Evidence:
    nations: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)


def _is_title_token(token: Token) -> bool:
    return token.text.lower().rstrip(".") in TITLE_WORDS


def _trim(doc: Doc, span: _Span) -> _Span | None:
    """Drop bullets, punctuation, a leading "the" and a trailing possessive from a span."""
    start, end = span.start, span.end
    while start < end and (
        doc[start].is_punct or doc[start].is_space or doc[start].pos_ == "SYM"
        or not any(ch.isalnum() for ch in doc[start].text) or doc[start].lower_ == "the"
    ):
        start += 1
    while end > start and (
        doc[end - 1].is_punct or doc[end - 1].is_space or doc[end - 1].text in _POSSESSIVE_TOKENS
        or doc[end - 1].tag_ == "POS"
    ):
        end -= 1
    if start >= end:
        return None
    return _Span(start, end, span.label, span.forced)


def _single_space_between(doc: Doc, left: int, right: int) -> bool:
    """Tokens left and right are neighbours separated by plain spaces (no line break)."""
    return right == left + 1 and "\n" not in doc[left].whitespace_ and doc[left].whitespace_ != ""


def _split_person_prefixes(doc: Doc, spans: list[_Span]) -> list[_Span]:
    """Peel titles and neighbouring names off the front of PERSON spans.

    "Deputy Dean" is only titles: dropped. "Belarus Sergei Rumas" starts with a word the article
    tags as a non-person name elsewhere: that word becomes its own mention.
    """
    other_names: dict[str, str] = {}
    person_words: Counter[str] = Counter()
    for s in spans:
        if s.label != "PERSON":
            other_names.setdefault(doc[s.start : s.end].text, s.label)
        else:
            person_words.update(doc[k].text for k in range(s.start, s.end))
    out: list[_Span] = []
    for s in spans:
        if s.label != "PERSON":
            out.append(s)
            continue
        start = s.start
        while start < s.end and _is_title_token(doc[start]):
            start += 1
        if start == s.end:
            continue  # only titles: not a name
        for cut in range(s.end - 1, start, -1):
            head = doc[start:cut].text
            # "Ambric Wire" (an outlet) is no "Ambric" + a person "Wire": a one-word rest must be
            # a name the article uses for a person elsewhere.
            if cut == s.end - 1 and person_words[doc[cut].text] < 2:
                continue
            if head in other_names:
                out.append(_Span(start, cut, other_names[head]))
                start = cut
                break
        out.append(_Span(start, s.end, "PERSON", s.forced))
    return out


def _shift_given_names(doc: Doc, spans: list[_Span]) -> None:
    """Move a given name glued onto the previous entity into the following bare surname.

    "the Russian Federation Dmitry" ORG + "Peskov" PERSON -> "Russian Federation" + "Dmitry Peskov".
    """
    by_start = {s.start: s for s in spans}
    for s in spans:
        nxt = by_start.get(s.end)
        if nxt is None or nxt.label != "PERSON" or nxt.end - nxt.start != 1:
            continue
        if s.label == "PERSON" or s.end - s.start < 2:
            continue
        last = doc[s.end - 1]
        if last.is_alpha and last.is_title and _single_space_between(doc, s.end - 1, s.end):
            s.end -= 1
            nxt.start -= 1
            by_start.pop(nxt.start + 1, None)
            by_start[nxt.start] = nxt


def _free_proper_token(doc: Doc, i: int, taken: set[int]) -> bool:
    """A capitalised proper noun that no entity (ours or spaCy's, dates included) claims."""
    if i < 0 or i >= len(doc) or i in taken:
        return False
    t = doc[i]
    return (
        t.pos_ == "PROPN" and t.is_alpha and t.is_title and not t.ent_type_
        and not t.is_sent_start and not _is_title_token(t)
    )


def _merge_places(doc: Doc, spans: list[_Span]) -> list[_Span]:
    """Rejoin multi-word places the model splits ("Krasnaya" GPE + "Polyana")."""
    spans = sorted(spans, key=lambda s: (s.start, s.end))
    merged: list[_Span] = []
    for s in spans:
        prev = merged[-1] if merged else None
        if (
            prev is not None and prev.label in PLACE_LABELS and s.label in PLACE_LABELS
            and prev.end == s.start and _single_space_between(doc, prev.end - 1, s.start)
        ):
            prev.end = s.end
            continue
        merged.append(s)
    taken = {i for s in merged for i in range(s.start, s.end)}
    for s in merged:
        if s.label not in PLACE_LABELS:
            continue
        for _ in range(2):  # at most two words either way: enough for "Krasnaya Polyana"
            if _free_proper_token(doc, s.end, taken) and _single_space_between(doc, s.end - 1, s.end):
                taken.add(s.end)
                s.end += 1
        for _ in range(2):
            if _free_proper_token(doc, s.start - 1, taken) and _single_space_between(doc, s.start - 1, s.start):
                taken.add(s.start - 1)
                s.start -= 1
    return merged


def _product_context(doc: Doc, s: _Span) -> tuple[bool, bool]:
    """(product, version): what around one occurrence of a name says it is a product.

    A product noun after it, possibly behind a version or one lowercase modifier of that noun
    ("Zarnitsa V vaccine", "the Nimbus Navigator web browser"), or "its" before it ("its Nimbus
    Navigator"): people are none of these. ``version``: a version token follows the name.
    """
    i = s.end
    version = i < len(doc) and bool(_VERSION_TOKEN.match(doc[i].text))
    if version:
        i += 1
    product = i < len(doc) and doc[i].is_lower and doc[i].lower_ in PRODUCT_NOUNS
    if not product and not version and i + 1 < len(doc) and doc[i].is_lower and doc[i].is_alpha:
        # one lowercase modifier of the noun between (not a verb: "X fixes bugs")
        product = (
            doc[i + 1].is_lower and doc[i + 1].lower_ in PRODUCT_NOUNS
            and doc[i].dep_ in ("compound", "amod") and doc[i].head.i == i + 1
        )
    # (A bare number after a name is no sign: a boxer's record, "Klitschko 49 - 3".)
    owned = s.start > 0 and doc[s.start - 1].lower_ in THING_OWNERS
    return product or owned, version and product


def _relabel_products(doc: Doc, spans: list[_Span]) -> None:
    """Names tagged PERSON that are products or diseases by their shape or what surrounds them."""
    for s in spans:
        if s.label != "PERSON":
            continue
        text = doc[s.start : s.end].text
        if any(ch.isdigit() for ch in text):  # COVID-19, Zapad-2021: people have no digits
            s.label, s.forced = "MISC", True
            continue
        product, versioned = _product_context(doc, s)
        if product:
            s.label, s.forced = "PRODUCT", True
            if versioned:
                s.end += 1  # "Sputnik V"


def _looks_like_name(doc: Doc, s: _Span) -> bool:
    text = _LEADING_JUNK.sub("", doc[s.start : s.end].text)
    return bool(text) and (text[0].isupper() or text[0].isdigit()) and any(ch.isalpha() for ch in text)


def _is_person_noun(token: Token) -> bool:
    """A word that names a person's role: "President", "economist", "opposition candidate"."""
    word = token.lower_.rstrip(".")
    if _is_title_token(token) or _role_of(token) or word in PERSON_NOUNS:
        return True
    return token.pos_ == "NOUN" and token.is_lower and word.endswith(("ist", "ian")) and len(word) > 5


def _determined(doc: Doc, i: int) -> bool:
    """Token i is a common noun in a phrase of its own: a determiner within the three words
    before it ("the joint exercise", "their"), or a lowercase modifier ("human rights group")."""
    if i > 0 and doc[i - 1].is_lower and doc[i - 1].pos_ in ("NOUN", "ADJ"):
        return True
    return any(doc[k].pos_ == "DET" or doc[k].tag_ == "PRP$" for k in range(max(0, i - 3), i))


def _locative_head(token: Token) -> Token:
    while token.dep_ == "conj" and token.head.i != token.i:  # "in Minsk and Grodno"
        token = token.head
    return token


def _span_cues(doc: Doc, s: _Span, text: str) -> set[str]:
    """What the words around one occurrence of a name say about its kind.

    person: a title or role noun right before it ("President X", "economist X"), or an age
    after it ("X, 67,"); speech: the subject of a speech verb (people speak, but so do capitals);
    place / weak_place: the object of a locative preposition (strong: in, near; weak: at, to,
    from), a modifier or an appositive of a place noun ("the X ski resort", "X, the capital"),
    "the centre of X", "X's streets"; org / thing: right after an organisation or thing noun
    ("the rights group X", "the joint exercise X"), or the owner of a newsroom noun
    ("X reporters", "X's Brennik bureau").
    """
    cues: set[str] = set()
    span = doc[s.start : s.end]
    root = span.root
    prev = doc[s.start - 1] if s.start > 0 else None
    if prev is not None and prev.is_alpha:
        if _is_person_noun(prev):
            cues.add("person")
        elif prev.is_lower and prev.pos_ == "NOUN" and _determined(doc, prev.i):
            word = prev.lower_
            if word in ORG_NOUNS:
                cues.add("org")
            elif word in THING_NOUNS:
                cues.add("thing")
            elif word in PLACE_NOUNS:
                cues.add("place_noun")
    # `text` is doc.text read once per article: spaCy rebuilds doc.text on every access, and a
    # bounded slice avoids copying the rest of the article for each occurrence.
    after_start = doc[s.end - 1].idx + len(doc[s.end - 1].text)
    after = text[after_start : after_start + 60]
    if re.match(r"^\s*,\s*\d{1,3}\s*,", after) or _APPOSITIVE_PERSON.match(after):
        cues.add("person")  # "X, 67,", "X, the man his supporters call ..."
    if (
        s.end - s.start == 1 and s.start > 0 and _single_space_between(doc, s.start - 1, s.start)
        and doc[s.start - 1].pos_ == "PROPN" and doc[s.start - 1].is_alpha and doc[s.start - 1].is_title
        and not doc[s.start - 1].ent_type_ and not _is_title_token(doc[s.start - 1])
    ):
        cues.add("given")  # "Aurel Dobrovan" with the given name left untagged
    if _APPOSITIVE_PLACE.match(after):
        cues.add("place_noun")
    head = _locative_head(root)
    governor = head.head
    if head.dep_ == "pobj":
        prep = governor.lower_
        if prep in PLACE_PREPS_STRONG:
            cues.add("place")
        elif prep in PLACE_PREPS_WEAK:
            cues.add("weak_place")
        elif (
            prep == "of" and governor.head.lemma_.lower() in PLACE_PART_NOUNS | PLACE_NOUNS
            and not s.start <= governor.head.i < s.end  # not "State of the Union" itself
        ):
            cues.add("place_noun")
    elif root.dep_ in ("compound", "nmod") and root.head.i >= s.end:
        noun_token = root.head
        while noun_token.dep_ == "compound" and noun_token.head.i > noun_token.i:
            noun_token = noun_token.head  # "the Common Space integration treaty": up to "treaty"
        noun = noun_token.lemma_.lower()
        if noun in MEDIA_NOUNS:
            cues.add("org")
        elif noun in NAMED_THING_HEADS:
            cues.add("thing")
        elif noun in PLACE_NOUNS and noun_token.is_lower and _determined(doc, s.start):
            cues.add("place_noun")
    elif root.dep_ == "poss":
        noun = root.head.lemma_.lower()
        if noun in MEDIA_NOUNS:
            cues.add("org")
        elif noun in PLACE_PART_NOUNS:
            cues.add("place_noun")
    if root.dep_ == "poss" or root.dep_ == "compound":
        # "Ambric Wire's Volmgrad bureau": the newsroom noun heads the phrase the name owns.
        if any(t.lemma_.lower() in MEDIA_NOUNS for t in root.head.subtree if t.i >= s.end):
            cues.add("org")
    if root.dep_ in ("nsubj", "nsubjpass") and root.head.lemma_.lower() in SPEECH_VERBS:
        cues.add("speech")
    if _product_context(doc, s)[0]:
        cues.add("product")
    if any(child.dep_ == "appos" and child.lemma_.lower() in PLACE_NOUNS for child in root.children):
        cues.add("place_noun")
    return cues


def _relabel_by_context(doc: Doc, spans: list[_Span], text: str,
                        cues_at: dict[tuple[int, int], set[str]] | None = None) -> None:
    """Correct the model's label of a name from how the article uses it, name by name.

    The small model tags unfamiliar place names as people ("marched in Brennik") and unfamiliar
    surnames as places ("Dobrovan"). Within one article, for all occurrences of one name:

    * a name the article also uses as a product ("its X", "the X web browser") and never
      with a title or role noun is a PRODUCT, not a person;
    * a PERSON with place cues and no sign of a person (no title or role noun before it, no
      given name with it, not mostly the subject of speech verbs) is a place (GPE); the weak
      prepositions (at, to, from) count only together with another place cue or twice;
    * an ORG that modifies or is described by a place noun ("the X ski resort", "X, a town")
      is a place (prepositions do not count for an ORG: "in Congress");
    * a PERSON right after an organisation noun ("the rights group X") or the owner of a newsroom
      noun ("X reporters") is an ORG; after a thing noun ("the joint exercise X") it is MISC;
    * a one-word GPE/LOC/ORG that is the surname or given name of a full PERSON name of the
      article, or follows a title, and is never used as a place, is a PERSON;
    * an ORG of two or three capitalised words after a role noun ("the economist Lukas Ferenc")
      is a PERSON.

    The corpus-wide vote (``_harmonize_corpus_labels``) then settles names the article leaves open.

    ``cues_at`` keeps each occurrence's cues by its token bounds (they depend on nothing else)
    for the next call on the same document.
    """
    cues_at = {} if cues_at is None else cues_at
    name_tokens: set[str] = set()
    for s in spans:
        if s.label == "PERSON" and s.end - s.start >= 2:
            name_tokens.update(_plain_key(doc[k].text) for k in range(s.start, s.end) if doc[k].is_alpha)
    keys = [_plain_key(_span_text(doc, text, s.start, s.end)) for s in spans]
    cues: dict[str, Counter[str]] = defaultdict(Counter)
    settled: set[str] = set()  # names an earlier rule relabelled with evidence (products)
    for s, key in zip(spans, keys):
        if s.forced:
            settled.add(key)
        bounds = (s.start, s.end)
        if bounds not in cues_at:
            cues_at[bounds] = _span_cues(doc, s, text)
        for cue in cues_at[bounds]:
            cues[key][cue] += 1
    # Whether a one-word name is a surname of the article's full names, in any spelling
    # ("Dobrovan" / "Aurel Dabrovan"): the same for every occurrence of the name, so once per key,
    # and only against the name tokens whose skeleton is within one edit (C-speed prefilter:
    # _tokens_match rejects every other pair but an identical one).
    surname_like: dict[str, bool] = {}
    token_list = sorted(name_tokens)
    token_skeletons = [_token_skeleton(t) for t in token_list]
    for s, key in zip(spans, keys):
        if s.forced or key in settled:
            continue
        found = cues[key]
        single = s.end - s.start == 1
        person = found["person"] > 0 or found["given"] > 0
        if not person and single:
            if key not in surname_like:
                near = extract(_token_skeleton(key), token_skeletons, scorer=Levenshtein.distance, score_cutoff=1,
                               limit=None) if key else []
                surname_like[key] = key in name_tokens or any(
                    _tokens_match(key, token_list[j], person=True) for _, _, j in near)
            person = surname_like[key]
        strong = found["place"] + found["place_noun"]
        places = strong + found["weak_place"]
        if found["product"] and not found["person"] and (s.label == "PERSON" or person):
            # "its Nimbus Navigator web browser" somewhere in the article: a product, even where
            # a capitalised word before it looked like a given name ("Nimbus")
            s.label, s.forced = "PRODUCT", True
            continue
        if s.label == "PERSON":
            if person:
                continue
            if found["org"]:
                s.label = "ORG"
            elif found["thing"]:
                s.label, s.forced = "MISC", True
            elif (strong or found["weak_place"] >= 2) and places > found["speech"]:
                s.label = "GPE"  # capitals "say" and "ask" too: only a majority of speech blocks it
        elif s.label in ("GPE", "LOC", "ORG") and single and person and not places:
            s.label = "PERSON"
        elif s.label == "ORG" and found["place_noun"] and not person and not found["org"]:
            # "the Vel Ostrog ski resort", "the centre of X"; not "in X": "in Congress" is no place
            s.label = "GPE"
        elif (
            s.label == "ORG" and found["person"] and 2 <= s.end - s.start <= 3 and not places
            and all(doc[k].is_alpha and doc[k].is_title for k in range(s.start, s.end))
        ):
            s.label = "PERSON"


def _attach_given_names(doc: Doc, spans: list[_Span]) -> None:
    """"Aurel Dobrovan" where the model tagged only the surname: an untagged capitalised proper
    noun right before a one-word PERSON is its given name."""
    taken = {k for s in spans for k in range(s.start, s.end)}
    for s in spans:
        if s.label != "PERSON" or s.end - s.start != 1 or s.start == 0:
            continue
        before = doc[s.start - 1]
        if (
            s.start - 1 not in taken and _single_space_between(doc, s.start - 1, s.start)
            and before.pos_ == "PROPN" and before.is_alpha and before.is_title and not before.ent_type_
            and not _is_title_token(before)
        ):
            s.start -= 1
            taken.add(s.start)


def _vote_doc_labels(doc: Doc, spans: list[_Span], text: str) -> None:
    """One name, one label within an article (Sochi, Minsk, a possessive surname tagged ORG)."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    surname_votes: Counter[str] = Counter()
    locative: set[str] = set()  # names used as a location: "in Minsk", "to Sochi"
    keys = [_plain_key(_span_text(doc, text, s.start, s.end)) for s in spans]
    for s, key in zip(spans, keys):
        votes[key][s.label] += 1
        if s.label == "PERSON" and s.end - s.start >= 2:
            surname_votes[_plain_key(doc[s.end - 1].text)] += 1
        if s.label == "GPE" and s.start > 0 and doc[s.start - 1].lower_ in LOCATIVE_PREPS:
            locative.add(key)
    for s, key in zip(spans, keys):
        containment = surname_votes[key] if s.end - s.start == 1 else 0
        winner = _vote(votes[key], containment, gpe_absorbs_org=key in locative)
        if winner and (not s.forced or winner in RELABELLED):
            s.label = winner


def _propagate_names(doc: Doc, spans: list[_Span]) -> list[_Span]:
    """Tag further occurrences of names the article already tagged (one sense per discourse).

    Catches what the model misses in headlines and after bullets ("• Lukashenka has ...",
    "Experts Say Putin Is Pressing ..."). Only capitalised, untagged, whole-token matches count,
    and never the tail of a hyphenated word ("anti-Putin").
    """
    names: dict[str, dict[tuple[str, ...], str]] = defaultdict(dict)
    surnames: set[str] = set()  # a bare surname counts only where the tagger calls it PROPN
    for s in spans:
        words = tuple(t.text for t in doc[s.start : s.end])
        if len(words) <= 4 and all(w[:1].isupper() for w in words if w.isalpha()):
            names[words[0]].setdefault(words, s.label)
        if s.label == "PERSON" and len(words) >= 2 and words[-1][:1].isupper() and words[-1].isalpha():
            names[words[-1]].setdefault((words[-1],), "PERSON")
            surnames.add(words[-1])
    taken = {k for s in spans for k in range(s.start, s.end)}
    added: list[_Span] = []
    token_texts = [t.text for t in doc]  # one pass over the tokens instead of a lookup per position
    i = 0
    while i < len(doc):
        found = None
        candidates = names.get(token_texts[i])
        for words, label in sorted(candidates.items(), key=lambda kv: -len(kv[0])) if candidates else ():
            end = i + len(words)
            if end > len(doc) or any(k in taken or doc[k].ent_type_ for k in range(i, end)):
                continue
            if tuple(t.text for t in doc[i:end]) != words:
                continue
            if len(words) == 1 and words[0] in surnames and doc[i].pos_ != "PROPN":
                continue
            if i > 0 and doc[i - 1].text in "-‐–" and not doc[i - 1].whitespace_:
                continue  # "anti-Putin"
            if end < len(doc) and doc[end].text in "-‐" and not doc[end - 1].whitespace_:
                continue
            found = _Span(i, end, label)
            break
        if found:
            added.append(found)
            taken.update(range(found.start, found.end))
            i = found.end
        else:
            i += 1
    return spans + added


def _span_text(doc: Doc, text: str, start: int, end: int) -> str:
    """`doc[start:end].text` as a slice of the document text (spaCy would join the tokens)."""
    if start >= end:
        return ""
    last = doc[end - 1]
    return text[doc[start].idx : last.idx + len(last.text)]


def _char_bounds(doc: Doc, s: _Span, doc_text: str) -> tuple[int, int]:
    """Character bounds of a span, with bullets and possessives inside tokens stripped."""
    start = doc[s.start].idx
    end = doc[s.end - 1].idx + len(doc[s.end - 1].text)
    text = doc_text[start:end]
    lead = _LEADING_JUNK.match(text)
    if lead:
        start += lead.end()
        text = text[lead.end() :]
    trail = _TRAILING_JUNK.search(text)
    if trail and trail.start() > 0:
        end -= len(text) - trail.start()
    return start, end


# ----- in-article person groups and descriptive evidence ------------------------------------


class _SurnameIndex:
    """Clusters by the surnames of their names: the only clusters a name can be compatible with.

    Two person names are compatible only if their surnames match (`_tokens_match`), which needs
    identical surnames or skeletons within one edit; the skeleton distances are computed by
    rapidfuzz in C, so a long article's hundreds of names are not compared pair by pair.
    """

    def __init__(self) -> None:
        self.surnames: list[str] = []
        self.skeletons: list[str] = []
        self.clusters: dict[str, set] = {}  # surname -> cluster ids (any hashable)

    def add(self, surname: str, cluster: object) -> None:
        if surname not in self.clusters:
            self.clusters[surname] = set()
            self.surnames.append(surname)
            self.skeletons.append(_token_skeleton(surname))
        self.clusters[surname].add(cluster)

    def near(self, surname: str) -> set:
        """Clusters holding a surname that may match `surname`."""
        found = set(self.clusters.get(surname, ()))
        for _, _, j in extract(_token_skeleton(surname), self.skeletons, scorer=Levenshtein.distance,
                               score_cutoff=1, limit=None):
            found |= self.clusters[self.surnames[j]]
        return found


def _group_persons(keys: Sequence[str]) -> list[int]:
    """Group person keys of one article: same person -> same group number.

    Full names cluster when compatible (complete linkage, so an initial cannot chain two
    people); a bare surname or an initial joins the only compatible full-name group, if any.
    """
    names = [_parse_person(k) for k in keys]
    group = list(range(len(keys)))
    # A long article names hundreds of people and repeats some hundreds of times; comparing every
    # name with every cluster made this quadratic. The same clusters, found faster: a name is
    # tried only on the clusters holding a surname that may match its own (any other cluster
    # fails the complete-linkage test), each cluster is checked against its distinct names
    # (compatibility depends only on the parsed name), and a name seen before starts at the
    # cluster its first occurrence joined (every earlier cluster holds a name incompatible with
    # it, and still does).
    clusters: list[list[int]] = []
    distinct: list[dict[str, _PersonName]] = []  # per cluster: its distinct keys
    first_cluster: dict[str, int] = {}
    index = _SurnameIndex()
    for i, n in enumerate(names):
        if not n.is_full:
            continue
        start = first_cluster.get(keys[i], 0)
        for x in sorted(index.near(n.surname)):
            if x >= start and all(_persons_compatible(n, other) for other in distinct[x].values()):
                clusters[x].append(i)
                distinct[x].setdefault(keys[i], n)
                break
        else:
            x = len(clusters)
            clusters.append([i])
            distinct.append({keys[i]: n})
        first_cluster.setdefault(keys[i], x)
        index.add(n.surname, x)
    for cluster in clusters:
        for i in cluster:
            group[i] = cluster[0]
    partial: dict[str, int] = {}
    matches_of: dict[str, list[int]] = {}  # the clusters are complete now: once per distinct key
    for i, n in enumerate(names):
        if n.is_full:
            continue
        if keys[i] not in matches_of:
            matches_of[keys[i]] = [clusters[x][0] for x in sorted(index.near(n.surname))
                                   if any(_persons_compatible(n, other) for other in distinct[x].values())]
        matches = matches_of[keys[i]]
        if len(matches) == 1:
            group[i] = matches[0]
        else:  # unresolved: bare forms of one key still go together
            group[i] = partial.setdefault(keys[i], i)
    return group


def _nation_key(text: str) -> str:
    tokens = name_key(text, "NORP").split()
    return tokens[0] if tokens else ""


def _nations_compatible(a: str, b: str) -> bool:
    """Belarus ~ Belarusian, Russia ~ Russian, Ukraine ~ Ukrainian."""
    if not a or not b:
        return False
    if a.startswith(b) or b.startswith(a):
        return True
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    return common >= 6


def _role_of(token: Token) -> str | None:
    word = _role_word(token.lower_)
    if word == "minister" and token.i > 0 and token.doc[token.i - 1].lower_ == "prime":
        return "premier"
    return word


@functools.lru_cache(maxsize=1 << 16)
def _role_word(lower: str) -> str | None:
    """The role a lowercased word names, if any (asked of every token of an article)."""
    word = lower.rstrip(".")
    if word not in ROLE_WORDS and word.endswith("s") and word[:-1] in ROLE_WORDS:
        word = word[:-1]  # "Presidents Putin and Lukashenko"
    return word if word in ROLE_WORDS else None


def _roles_compatible(descriptor: str, roles: set[str]) -> bool:
    if descriptor in GENERIC_LEADER:
        return bool(roles & LEADER_ROLES)
    return descriptor in roles


_NP_POS = frozenset({"NOUN", "PROPN", "ADJ", "NUM", "DET"})


def _np_token(t: Token) -> bool:
    return (
        t.pos_ in _NP_POS or t.tag_ in ("VBN", "POS") or t.text in _POSSESSIVE_TOKENS
        or t.lower_ == "of"
    ) and t.lower_ not in ("and", "or")


def _np_left(doc: Doc, i: int, lower_bound: int, *, cross_of: bool) -> tuple[int, int] | None:
    """The noun phrase ending at token i, scanning left; stops after its determiner.

    With cross_of, a determiner right after "of" does not stop it, so the phrase is the whole
    "the press secretary of the Russian president" rather than its tail.
    """
    if i < lower_bound or not _np_token(doc[i]) or doc[i].lower_ == "of":
        return None
    j = i
    while j >= lower_bound and _np_token(doc[j]):
        if doc[j].lower_ == "of" and not cross_of:
            break
        if doc[j].pos_ == "DET":
            if cross_of and j - 1 >= lower_bound and doc[j - 1].lower_ == "of":
                j -= 1
                continue
            j -= 1
            break
        j -= 1
    start = j + 1
    while start <= i and doc[start].lower_ == "of":
        start += 1
    return (start, i + 1) if start <= i else None


def _np_right(doc: Doc, i: int, upper_bound: int, taken: set[int]) -> tuple[int, int] | None:
    """The noun phrase starting at token i (with "of" complements), up to a break."""
    j = i
    while j < upper_bound and j not in taken and _np_token(doc[j]):
        if j > i and doc[j].pos_ == "DET" and doc[j - 1].lower_ != "of":
            break  # a second determiner starts another phrase
        j += 1
    while j > i and doc[j - 1].lower_ == "of":
        j -= 1
    return (i, j) if j > i else None


def _describe(doc: Doc, start: int, end: int, label_at: dict[int, _Span]) -> _Evidence:
    """Role and nationality stated by a noun phrase: its head part, then an "of GPE" part."""
    ev = _Evidence()
    of_at = next((k for k in range(start, end) if doc[k].lower_ == "of"), end)
    head_roles = [r for r in (_role_of(doc[k]) for k in range(start, of_at)) if r]
    if head_roles:
        ev.roles.add(head_roles[-1])  # the head noun is the rightmost role word
    seen: set[int] = set()
    complement_has_role = any(_role_of(doc[k]) for k in range(of_at, end))
    for k in range(start, end):
        span = label_at.get(k)
        if span is None or id(span) in seen:
            continue
        seen.add(id(span))
        in_head = k < of_at
        if span.label == "NORP" and in_head or span.label == "GPE" and (in_head or not complement_has_role):
            ev.nations.add(_nation_key(doc[span.start : span.end].text))
    return ev


def _sentence_bounds(doc: Doc, i: int) -> tuple[int, int]:
    sent = token_sent(doc, i) if doc.has_annotation("SENT_START") else doc[:]
    return sent.start, sent.end


def _person_aliases(doc: Doc, spans: list[_Span]) -> list[_Alias]:
    """Descriptions the article equates with a named person.

    * An appositive definite description: "X, the Ruritanian president," / "the press
      secretary of the Ruritanian president, X".
    * "the <nationality> <leader role>" / "the <role> of <country>" when exactly one person of
      the article has matching nationality and role evidence (from titles, appositives and
      "X is the ..." statements).
    """
    persons = [s for s in spans if s.label == "PERSON"]
    if not persons:
        return []
    label_at = {k: s for s in spans for k in range(s.start, s.end)}
    person_tokens = {k for s in persons for k in range(s.start, s.end)}
    groups = _group_persons([name_key(doc[s.start : s.end].text, "PERSON") for s in persons])
    evidence: dict[int, _Evidence] = defaultdict(_Evidence)
    anchor_is_full: dict[int, bool] = {}
    anchor: dict[int, int] = {}  # group -> token start of its first full-name (else first) mention
    for s, g in zip(persons, groups):
        if s.end - s.start > 1 and (g not in anchor or not anchor_is_full.get(g, False)):
            anchor[g], anchor_is_full[g] = s.start, True
        anchor.setdefault(g, s.start)
    aliases: list[_Alias] = []

    def add_evidence(g: int, np: tuple[int, int] | None) -> _Evidence | None:
        if np is None or any(k in person_tokens for k in range(*np)):
            return None  # another name inside: a list ("A, B and C"), not a description of g
        ev = _describe(doc, np[0], np[1], label_at)
        evidence[g].nations |= ev.nations
        evidence[g].roles |= ev.roles
        return ev

    def definite(np: tuple[int, int]) -> bool:
        return doc[np[0]].lower_ == "the"

    def plural(np: tuple[int, int]) -> bool:
        # "The finance ministers, A and B": a description of several people is nobody's alias
        of_at = next((k for k in range(np[0], np[1]) if doc[k].lower_ == "of"), np[1])
        return doc[of_at - 1].tag_ in ("NNS", "NNPS")

    for s, g in zip(persons, groups):
        lo, hi = _sentence_bounds(doc, s.start)
        # a title or description right before the name: "Belarusian political scientist X"
        if s.start - 1 >= lo and doc[s.start - 1].text != ",":
            add_evidence(g, _np_left(doc, s.start - 1, lo, cross_of=True))
        # appositive before: "the press secretary of the Russian president, X"
        if s.start - 2 >= lo and doc[s.start - 1].text == ",":
            np = _np_left(doc, s.start - 2, lo, cross_of=True)
            ev = add_evidence(g, np)
            if np and ev and ev.roles and definite(np) and not plural(np):
                aliases.append(_Alias(doc[np[0]].idx, _end_char(doc, np[1]), s.start))
        # appositive after: "X, the Ruritanian president," (closed by a comma or the sentence end)
        if s.end + 1 < hi and doc[s.end].text == ",":
            np = _np_right(doc, s.end + 1, hi, person_tokens)
            if np and (np[1] >= hi or doc[np[1]].is_punct):
                ev = add_evidence(g, np)
                if ev and ev.roles and definite(np) and not plural(np):
                    aliases.append(_Alias(doc[np[0]].idx, _end_char(doc, np[1]), s.start))
        # copula: "X is the president of Ruritania"
        if s.end + 1 < hi and doc[s.end].lemma_ == "be":
            add_evidence(g, _np_right(doc, s.end + 1, hi, person_tokens))

    claimed = {k for a in aliases for k in _token_range(doc, a.start, a.end)}
    for t in doc:
        role = _role_of(t)
        if role not in DESCRIPTOR_ROLES or t.tag_ in ("NNS", "NNPS") or t.i in label_at or t.i in claimed:
            continue
        lo, hi = _sentence_bounds(doc, t.i)
        np = _np_left(doc, t.i, lo, cross_of=False)
        if np is None or not definite(np):
            continue
        end = np[1]
        # "the president of Belarus": take the "of GPE" complement along
        if end + 1 < hi and doc[end].lower_ == "of" and label_at.get(end + 1) is not None:
            comp = label_at[end + 1]
            if comp.label in ("GPE", "NORP"):
                end = comp.end
        if any(_role_of(doc[k]) for k in range(np[0], t.i)):
            continue  # "the Russian president's press secretary" style chains: too risky
        ev = _describe(doc, np[0], end, label_at)
        if not ev.nations:
            continue
        candidates = [
            g for g, gev in evidence.items()
            if _roles_compatible(role, gev.roles)
            and any(_nations_compatible(n, m) for n in ev.nations for m in gev.nations)
        ]
        if len(candidates) == 1:
            aliases.append(_Alias(doc[np[0]].idx, _end_char(doc, end), anchor[candidates[0]]))
    return aliases


def _end_char(doc: Doc, end_token: int) -> int:
    last = doc[end_token - 1]
    return last.idx + len(last.text)


def _token_range(doc: Doc, start_char: int, end_char: int) -> range:
    span = doc.char_span(start_char, end_char, alignment_mode="expand")
    return range(span.start, span.end) if span is not None else range(0)


def _nickname_aliases(doc: Doc, spans: list[_Span], text: str) -> list[_Alias]:
    """Nicknames the article introduces in quotes, and their later occurrences.

    'X, known as "Batka",' / 'nicknamed "Batka", X' introduce one; afterwards the nickname in
    quotes, or with the same capitalisation when it is capitalised, refers to X.
    """
    introduced: dict[str, int] = {}
    aliases: list[_Alias] = []
    for s in spans:
        if s.label != "PERSON":
            continue
        start_char, end_char = doc[s.start].idx, _end_char(doc, s.end)
        sent_lo = _sentence_bounds(doc, s.start)[0]
        sent_hi = _sentence_bounds(doc, s.end - 1)[1]  # a name may straddle a bad sentence break
        sent_end_char = _end_char(doc, sent_hi)
        m = _NICKNAME_AFTER.match(text, end_char, min(len(text), sent_end_char + 2))
        nick_start = nick = None
        if m:
            nick, nick_start = m.group(2).strip(), m.start(2)
        else:
            before = text[doc[sent_lo].idx : start_char]
            m = _NICKNAME_BEFORE.search(before)
            if m:
                nick, nick_start = m.group(2).strip(), doc[sent_lo].idx + m.start(2)
        if not nick or nick in introduced or not any(ch.isalpha() for ch in nick):
            continue
        introduced[nick] = s.start
        aliases.append(_Alias(nick_start, nick_start + len(nick), s.start))
    for nick, antecedent in introduced.items():
        pattern = re.compile(r"(?<!\w)" + re.escape(nick) + r"(?!\w)", 0 if nick[0].isupper() else re.IGNORECASE)
        for m in pattern.finditer(text):
            if any(a.start == m.start() for a in aliases):
                continue
            quoted = m.start() > 0 and text[m.start() - 1] in _QUOTES_OPEN
            if quoted or (nick[0].isupper() and m.group(0) == nick):
                aliases.append(_Alias(m.start(), m.end(), antecedent))
    return aliases


def extract_entity_mentions(
    doc: Doc, article_id: str, base_offset: int = 0, *, first_sentence_index: int = 0
) -> list[EntityMention]:
    """Named-entity mentions of one parsed article (or a chunk of one).

    Offsets are ``base_offset`` + character offsets in ``doc.text``; sentence indices count the
    doc's sentences from ``first_sentence_index``. Alias mentions (descriptions and nicknames the
    article equates with a named person) come with ``entity_id="@<start>"``, the start offset of
    their antecedent; ``resolve_entities`` replaces it with the real entity id.
    """
    # spaCy joins every token on each `doc.text` access: read it once and pass it down.
    text = doc_text(doc)
    spans = [_Span(e.start, e.end, e.label_) for e in doc_ents(doc) if e.label_ in NAME_LABELS]
    spans = [t for t in (_trim(doc, s) for s in spans) if t is not None]
    spans = _split_person_prefixes(doc, spans)
    _shift_given_names(doc, spans)
    spans = _merge_places(doc, spans)
    _relabel_products(doc, spans)
    spans = [s for s in spans if s.start < s.end and _looks_like_name(doc, s)]
    cues_at: dict[tuple[int, int], set[str]] = {}
    _relabel_by_context(doc, spans, text, cues_at)
    _vote_doc_labels(doc, spans, text)
    spans = _propagate_names(doc, spans)
    # The occurrences found by propagation bring their own cues ("Aurel Dobrovan, the man ...").
    _relabel_by_context(doc, spans, text, cues_at)
    _vote_doc_labels(doc, spans, text)
    _attach_given_names(doc, spans)

    aliases = _nickname_aliases(doc, spans, text)
    # a nickname wins over whatever spaCy made of the same words ("Batka" PERSON)
    nick_tokens = {k for a in aliases for k in _token_range(doc, a.start, a.end)}
    spans = [s for s in spans if not (set(range(s.start, s.end)) & nick_tokens)
             or any(a.antecedent == s.start for a in aliases)]
    aliases += _person_aliases(doc, spans)

    sent_starts = [s.start for s in doc_sents(doc)] if doc.has_annotation("SENT_START") else [0]

    def sentence_of(token_i: int) -> int:
        return first_sentence_index + max(0, bisect.bisect_right(sent_starts, token_i) - 1)

    mentions: list[EntityMention] = []
    start_char_of: dict[int, int] = {}
    for s in sorted(spans, key=lambda s: (s.start, s.end)):
        start, end = _char_bounds(doc, s, text)
        if end <= start:
            continue
        start_char_of[s.start] = start
        mentions.append(
            EntityMention(
                article_id=article_id, sentence_index=sentence_of(s.start),
                start=base_offset + start, end=base_offset + end, text=text[start:end],
                label=s.label, stage=STAGE, stage_version=STAGE_VERSION,
            )
        )
    seen_alias: set[tuple[int, int]] = set()
    for a in sorted(aliases, key=lambda a: (a.start, a.end)):
        if a.antecedent not in start_char_of or (a.start, a.end) in seen_alias:
            continue
        seen_alias.add((a.start, a.end))
        token = doc.char_span(a.start, a.end, alignment_mode="expand")
        mentions.append(
            EntityMention(
                article_id=article_id,
                sentence_index=sentence_of(token.start if token is not None else 0),
                start=base_offset + a.start, end=base_offset + a.end, text=text[a.start : a.end],
                label="PERSON",
                entity_id=f"{ANTECEDENT_PREFIX}{base_offset + start_char_of[a.antecedent]}",
                stage=STAGE, stage_version=STAGE_VERSION,
            )
        )
    mentions.sort(key=lambda m: (m.start, m.end))
    return mentions


# ---------------------------------------------------------------------------------------------
# Corpus-wide resolution
# ---------------------------------------------------------------------------------------------


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, x: object) -> object:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: object, b: object) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the smaller (sorted) root wins, so results do not depend on input order
            if repr(rb) < repr(ra):
                ra, rb = rb, ra
            self.parent[rb] = ra


def _antecedent_start(m: EntityMention) -> int | None:
    if m.entity_id and m.entity_id.startswith(ANTECEDENT_PREFIX):
        try:
            return int(m.entity_id[len(ANTECEDENT_PREFIX) :])
        except ValueError:
            return None
    return None


def _surface(text: str) -> str:
    return " ".join(text.split())


def _block_key(family: str, key: str) -> tuple[str, str, int]:
    tokens = key.split()
    if family == "PERSON":  # block on the surname
        return (family, _token_skeleton(tokens[-1])[:2], 0)
    if family == "PLACE":  # place names may be written as one word or two ("Velostrog")
        return (family, _token_skeleton("".join(tokens))[:2], 0)
    return (family, _token_skeleton(tokens[0])[:2], len(tokens))


def _cluster_forms(forms: Sequence[tuple[str, str]], uf: _UnionFind) -> None:
    """Union name forms (family, key) that are spelling variants, comparing within blocks only.

    Complete linkage: two clusters merge only if every pair across them is compatible, so one
    ambiguous spelling cannot chain two different names together.
    """
    blocks: dict[tuple[str, str, int], list[tuple[str, str]]] = defaultdict(list)
    for form in forms:
        blocks[_block_key(*form)].append(form)
    for block in blocks.values():
        members: dict[object, list[tuple[str, str]]] = {f: [f] for f in block}
        pairs = [
            (JaroWinkler.similarity(a[1], b[1]), a, b) for a, b in _candidate_pairs(block) if _forms_match(a, b)
        ]
        pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
        for _, a, b in pairs:
            ra, rb = uf.find(a), uf.find(b)
            if ra == rb:
                continue
            ma, mb = members[ra], members[rb]
            if all(_forms_match(x, y) for x in ma for y in mb):
                uf.union(a, b)
                members[uf.find(a)] = ma + mb


def _candidate_pairs(block: list[tuple[str, str]]) -> Iterable[tuple[tuple[str, str], tuple[str, str]]]:
    """Pairs of a block worth a full comparison.

    Distinct comparison parts (a person's surname, another name's whole key) are compared first,
    so a surname shared by many full names is matched once, not once per pair of full names.
    """
    by_part: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for form in sorted(block):
        by_part[_parse_person(form[1]).surname if form[0] == "PERSON" else form[1]].append(form)
    parts = sorted(by_part)
    person = block[0][0].startswith("PERSON")
    joined = block[0][0] == "PLACE"
    for part in parts:
        yield from combinations(by_part[part], 2)
    if len(parts) < 2:
        return  # no pair of distinct parts (most blocks): spare the distance matrix's set-up
    for i, j in _near_pairs(parts, parts, joined=joined):
        if i < j and _names_match(parts[i], parts[j], person=person, joined=joined):
            yield from product(by_part[parts[i]], by_part[parts[j]])


_CDIST_ROWS = 512  # rows per distance-matrix chunk: bounds memory on very large blocks


def _near_pairs(left: Sequence[str], right: Sequence[str], *, joined: bool = False) -> Iterable[tuple[int, int]]:
    """Index pairs whose keys' skeletons are within one edit per token (a C-speed prefilter).

    Every rule of _tokens_match needs skeletons within one edit, so nothing that could match is
    lost; the survivors still go through the full comparison. With ``joined``, pairs whose
    keys written together have skeletons within one edit are added ("vel ostrog"/"velostrog").
    """
    if not left or not right:
        return
    skel_left = [" ".join(_token_skeleton(t) for t in k.split()) for k in left]
    skel_right = [" ".join(_token_skeleton(t) for t in k.split()) for k in right]
    cutoff = max(len(k.split()) for k in left)
    seen: set[tuple[int, int]] = set()
    for row0 in range(0, len(left), _CDIST_ROWS):
        distances = cdist(skel_left[row0 : row0 + _CDIST_ROWS], skel_right, scorer=Levenshtein.distance,
                          score_cutoff=cutoff, dtype=np.int32)
        for i, j in zip(*np.nonzero(distances <= cutoff)):
            seen.add((row0 + int(i), int(j)))
            yield row0 + int(i), int(j)
    if joined:
        glued_left = [_token_skeleton("".join(k.split())) for k in left]
        glued_right = [_token_skeleton("".join(k.split())) for k in right]
        for row0 in range(0, len(left), _CDIST_ROWS):
            distances = cdist(glued_left[row0 : row0 + _CDIST_ROWS], glued_right, scorer=Levenshtein.distance,
                              score_cutoff=1, dtype=np.int32)
            for i, j in zip(*np.nonzero(distances <= 1)):
                if (row0 + int(i), int(j)) not in seen:
                    yield row0 + int(i), int(j)


def _forms_match(a: tuple[str, str], b: tuple[str, str]) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "PERSON":
        return _persons_compatible(_parse_person(a[1]), _parse_person(b[1]))
    return _names_match(a[1], b[1], person=a[0].startswith("PERSON"), joined=a[0] == "PLACE")


def _canonical(surfaces: Counter[str], label: str) -> str:
    """The longest frequent full form: full person names first, then frequency, then length."""

    def rank(s: str) -> tuple[int, int, int, str]:
        words = s.split()
        full = label != "PERSON" or (
            len(words) >= 2 and len(name_key(words[0])) > 1 and not _is_patronymic_form(name_key(s, label))
        )
        return (int(full), surfaces[s], len(s), s)

    return max(surfaces, key=rank)


def _entity_id(label: str, canonical: str, taken: set[str], members: Iterable[str]) -> str:
    basis = f"{label}|{name_key(canonical, label)}"
    eid = "ent_" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16]
    if eid in taken:  # two entities with one canonical key (an unresolved bare surname)
        basis += "|" + "|".join(sorted(set(members)))
        eid = "ent_" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16]
    return eid


_PATRONYMIC_ENDINGS = ("vich", "vna", "ich", "ichna")


def _is_patronymic_form(key: str) -> bool:
    """"Aurel Matveyevich", "Yevgeny Ilyich": a given name and a patronymic, no surname."""
    tokens = key.split()
    return len(tokens) == 2 and len(tokens[1]) >= 5 and tokens[1].endswith(_PATRONYMIC_ENDINGS)


def _join_patronymic_forms(
    by_article: dict[str, set[tuple[str, str]]], full_forms: set[tuple[str, str]], uf: _UnionFind,
) -> None:
    """Join "Given Patronymic" to the one person with that given name and another surname.

    Russian usage names a person by given name and patronymic alone ("Aurel Matveyevich"). Such
    a form joins the only full name of its article with a matching given name; failing that, the
    only such person of the corpus. With two candidates it stays apart. ``by_article``: the full
    person-name forms of each article that holds a patronymic form (no other article matters).
    """
    patronymic = {f for f in full_forms if _is_patronymic_form(f[1])}
    if not patronymic:
        return
    articles_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for article_id, forms in by_article.items():
        for form in forms & patronymic:
            articles_of[form].add(article_id)

    def candidates(form: tuple[str, str], pool: Iterable[tuple[str, str]]) -> set[object]:
        name = _parse_person(form[1])
        own = uf.find(form)
        out = set()
        for other in pool:
            if other in patronymic or uf.find(other) == own:
                continue
            other_name = _parse_person(other[1])
            if other_name.is_full and _tokens_match(name.given or "", other_name.given or "", person=True):
                out.add(uf.find(other))
        return out

    for form in sorted(patronymic):
        local = set().union(*(candidates(form, by_article[a]) for a in sorted(articles_of[form])))
        found = local or candidates(form, full_forms)
        if len(found) == 1:
            uf.union(next(iter(found)), form)


@dataclass
class ArticleMentions:
    """One article's stored entity mentions, as the corpus-wide resolution reads them.

    ``previous`` is, per mention, the entity id the previous build gave it (None for a new
    mention), so that entities can keep their ids (storyline.annotate.entity_ids).
    """

    article_id: str
    mentions: list[EntityMention]
    previous: list[str | None] | None = None
    local_ids: list[str | None] | None = None  # the store's article-local entity ids, passed through
    stored_labels: list[str] | None = None  # the store's labels, passed through (unchanged rows are not rewritten)


ArticleSource = Callable[[], Iterable[ArticleMentions]]


def _corpus_labels(label_counts: Counter[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """One name, one label across the corpus: (text, tagged label) → the label the corpus gives it.

    Computed from the counts of (text, label) pairs alone, so the corpus never has to be in
    memory. ORG-tagged "Given Surname" pairs become PERSON when the corpus uses that given name
    for a person ("Alexei Roshchin" ORG, "Alexei Navalny"); then every plain name key takes the
    label most of its mentions carry (`_vote`).
    """
    given_names: dict[str, set[str]] = defaultdict(set)  # given name -> the full names it begins
    for (text, label), _n in label_counts.items():
        if label == "PERSON":
            key = name_key(text)
            tokens = key.split()
            if len(tokens) >= 2 and len(tokens[0]) > 1:
                given_names[tokens[0]].add(key)
    first: dict[tuple[str, str], str] = {}
    for text, label in label_counts:
        words = text.split()
        # Only another person's name counts: "Ambric Wire" tagged PERSON once is no evidence
        # that "Ambric" is a given name.
        if (
            label == "ORG" and len(words) == 2 and all(w.isalpha() and w.istitle() for w in words)
            and given_names.get(name_key(words[0]), set()) - {name_key(text)}
        ):
            first[(text, label)] = "PERSON"
        else:
            first[(text, label)] = label
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    surname_votes: Counter[str] = Counter()
    for pair, n in label_counts.items():
        key = _plain_key(pair[0])
        votes[key][first[pair]] += n
        tokens = key.split()
        if first[pair] == "PERSON" and len(tokens) >= 2:
            surname_votes[tokens[-1]] += n
    out: dict[tuple[str, str], str] = {}
    for pair in label_counts:
        key = _plain_key(pair[0])
        containment = surname_votes[key] if len(key.split()) == 1 else 0
        out[pair] = _vote(votes[key], containment) or first[pair]
    return out


def _compare_surface_multisets(a: tuple[int, list[tuple[str, int]]], b: tuple[int, list[tuple[str, int]]]) -> int:
    """Order clusters as ``(-size, sorted(surfaces))`` would, from sorted (surface, count) items."""
    if a[0] != b[0]:
        return -1 if a[0] > b[0] else 1
    i = j = 0
    ra = a[1][0][1] if a[1] else 0
    rb = b[1][0][1] if b[1] else 0
    while i < len(a[1]) and j < len(b[1]):
        sa, sb = a[1][i][0], b[1][j][0]
        if sa != sb:
            return -1 if sa < sb else 1
        step = min(ra, rb)
        ra, rb = ra - step, rb - step
        if ra == 0:
            i += 1
            ra = a[1][i][1] if i < len(a[1]) else 0
        if rb == 0:
            j += 1
            rb = b[1][j][1] if j < len(b[1]) else 0
    return (i < len(a[1])) - (j < len(b[1]))


@dataclass
class _ClusterTally:
    """What an entity needs of its mentions, counted while they stream past."""

    size: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    named: Counter[str] = field(default_factory=Counter)  # surfaces of named (not alias) mentions
    surfaces: Counter[str] = field(default_factory=Counter)
    members: set[str] = field(default_factory=set)  # name keys (the id's salt on a collision)
    previous: Counter[str] = field(default_factory=Counter)  # previous build's ids of its mentions


class CorpusResolver:
    """Corpus-wide entity resolution over articles read in passes, never all held at once.

    Memory grows with the distinct names of the corpus (and their clusters), not with its
    mentions: each pass reads the articles from ``source`` (a callable returning a fresh
    iterable, e.g. pages of a database query), keeps only counts and name forms, and the last
    pass hands every article back with ``entity_id`` and ``label`` set on its mentions.

    Passes: (1) (text, label) counts → one label per name; (2) name forms → spelling variants
    clustered per block, "Given Patronymic" forms joined; (3) per article, bare surnames and
    initials join the only compatible full name of their article or else of the corpus (the
    ambiguous ones are collected and clustered among themselves); (4) per article, every mention's
    cluster is tallied (size, labels, surfaces); entities and ids are made from the tallies;
    (5) per article, mentions get their entity ids.
    """

    def __init__(self, source: ArticleSource) -> None:
        self.source = source
        self.uf = _UnionFind()
        self.labels: dict[tuple[str, str], str] = {}
        self.full_forms: set[tuple[str, str]] = set()
        self.cluster_names: dict[object, list[_PersonName]] = defaultdict(list)
        self.surname_index: dict[tuple[str, str, int], dict[str, set[object]]] = defaultdict(lambda: defaultdict(set))
        self.near_surnames: dict[str, set[str]] = defaultdict(set)
        self._candidates: dict[tuple[str, str], frozenset[object]] = {}
        self.cluster_mentions: Counter[object] = Counter()  # full-name person cluster -> its named mentions
        self._forms: dict[tuple[str, str], tuple[tuple[str, str], bool]] = {}  # see _form

    # --- passes 1 and 2: names ---

    def _prepare(self) -> None:
        counts: Counter[tuple[str, str]] = Counter()
        for art in self.source():
            for m in art.mentions:
                if _antecedent_start(m) is None:
                    counts[(m.text, m.label)] += 1
        self.labels = _corpus_labels(counts)
        del counts

        full_forms: set[tuple[str, str]] = set()
        other_forms: set[tuple[str, str]] = set()
        partial_forms: set[tuple[str, str]] = set()
        patronymic_articles: dict[str, set[tuple[str, str]]] = {}  # only articles with such a form
        full_counts: Counter[tuple[str, str]] = Counter()
        for art in self.source():
            here: set[tuple[str, str]] = set()
            for m in art.mentions:
                if _antecedent_start(m) is not None:
                    continue
                form, full = self._form(m.text, self.labels[(m.text, m.label)])
                if form[0] == "PERSON" and not full:
                    partial_forms.add(form)
                    continue
                (full_forms if form[0] == "PERSON" else other_forms).add(form)
                if form[0] == "PERSON":
                    here.add(form)
                    full_counts[form] += 1
            if any(_is_patronymic_form(f[1]) for f in here):
                patronymic_articles[art.article_id] = here
        uf = self.uf
        _cluster_forms(sorted(full_forms), uf)
        _cluster_forms(sorted(other_forms), uf)
        _join_patronymic_forms(patronymic_articles, full_forms, uf)
        self.full_forms = full_forms

        for form in sorted(full_forms):
            self.cluster_names[uf.find(form)].append(_parse_person(form[1]))
            self.cluster_mentions[uf.find(form)] += full_counts[form]
        for form in full_forms:
            self.surname_index[_block_key(*form)][_parse_person(form[1]).surname].add(uf.find(form))
        # surnames of the partial forms that are near a full name's surname, one matrix per block
        partial_by_block: dict[tuple[str, str, int], set[str]] = defaultdict(set)
        for form in partial_forms:
            partial_by_block[_block_key(*form)].add(_parse_person(form[1]).surname)
        for block, wanted in partial_by_block.items():
            left, right = sorted(wanted), sorted(self.surname_index.get(block, {}))
            for i, j in _near_pairs(left, right):
                if _tokens_match(left[i], right[j], person=True):
                    self.near_surnames[left[i]].add(right[j])

    def _form(self, text: str, label: str) -> tuple[tuple[str, str], bool]:
        """A named mention's (family, key) under its corpus label, and whether it is a full name."""
        # Asked for every named mention in four passes: kept per distinct (text, label), which the
        # resolver holds anyway (`labels`).
        found = self._forms.get((text, label))
        if found is None:
            family = _family(label)
            key = name_key(text, label) or _surface(text).lower()
            found = self._forms[(text, label)] = ((family, key), family != "PERSON" or _parse_person(key).is_full)
        return found

    def _compatible(self, name: _PersonName, clusters: Iterable[object]) -> set[object]:
        return {c for c in clusters if any(_persons_compatible(name, n) for n in self.cluster_names[c])}

    def _corpus_candidates(self, form: tuple[str, str]) -> frozenset[object]:
        if form in self._candidates:
            return self._candidates[form]
        name = _parse_person(form[1])
        owners = self.surname_index.get(_block_key(*form), {})
        near: set[object] = set()
        for surname in self.near_surnames.get(name.surname, ()):
            near |= owners.get(surname, set())
        found = frozenset(self._compatible(name, near) if name.given else near)
        self._candidates[form] = found
        return found

    def _corpus_choice(self, form: tuple[str, str]) -> set[object]:
        """The corpus's full names a bare surname may stand for; of several, the one that holds
        DOMINANT_SHARE of their mentions alone (a story's "Benjamin" is its "Regina Benjamin",
        not a "Benjamin U. S." its tagger made once of a headline)."""
        found = set(self._corpus_candidates(form))
        if len(found) > 1:
            total = sum(self.cluster_mentions[c] for c in found)
            best = max(sorted(found, key=str), key=lambda c: self.cluster_mentions[c])
            if total and self.cluster_mentions[best] >= DOMINANT_SHARE * total:
                return {best}
        return found

    # --- passes 3 to 5: per article ---

    def _nodes(self, art: ArticleMentions, unresolved: set[tuple[str, str]] | None = None
               ) -> tuple[list[object], dict[int, tuple[str, str]]]:
        """The union-find node of each mention of one article, and the name form of each named one.

        Sets each mention's label to its corpus label (an alias takes its antecedent's).
        """
        uf = self.uf
        nodes: list[object] = [None] * len(art.mentions)
        forms: dict[int, tuple[str, str]] = {}
        partial: list[int] = []
        clusters_here: set[object] = set()
        for k, m in enumerate(art.mentions):
            if _antecedent_start(m) is not None:
                continue
            m.label = self.labels.get((m.text, m.label), m.label)
            form, full = self._form(m.text, m.label)
            forms[k] = form
            if form[0] == "PERSON" and not full:
                partial.append(k)
                continue
            nodes[k] = form
            if form[0] == "PERSON":
                clusters_here.add(uf.find(form))
        # A bare surname repeated in an article gets the same answer each time: once per form,
        # and only among the article's clusters holding a surname that may match.
        if partial:
            surnames = _SurnameIndex()
            for c in clusters_here:
                for other in self.cluster_names[c]:
                    surnames.add(other.surname, c)
            answer: dict[tuple[str, str], object] = {}
            for k in partial:
                form = forms[k]
                if form not in answer:
                    name = _parse_person(form[1])
                    here = self._compatible(name, surnames.near(name.surname)) or self._corpus_choice(form)
                    if len(here) == 1:
                        answer[form] = next(iter(here))
                    else:
                        answer[form] = ("PERSON?", form[1])  # kept apart from full names
                        if unresolved is not None:
                            unresolved.add(answer[form])
                nodes[k] = answer[form]
        # alias mentions follow their antecedent, a named mention of the same article
        by_position = {m.start: k for k, m in enumerate(art.mentions) if k in forms}
        for k, m in enumerate(art.mentions):
            if k in forms:
                continue
            target = by_position.get(_antecedent_start(m))  # type: ignore[arg-type]
            if target is not None:
                nodes[k] = nodes[target]
                m.label = art.mentions[target].label
            else:  # dangling pointer: the description stands on its own
                nodes[k] = ("ALIAS", name_key(m.text) or _surface(m.text).lower())
        return nodes, forms

    def run(self, previous_redirects: dict[str, str] | None = None) -> tuple[list[Entity], dict[str, str], Iterator[ArticleMentions]]:
        """Resolve; returns the entities, the redirects of vanished previous ids, and the articles.

        The articles (pass 5) are a lazy iterator: consume it to get each article's mentions
        with ``entity_id`` and ``label`` set (and write them), one article at a time.
        """
        self._prepare()
        unresolved: set[tuple[str, str]] = set()
        for art in self.source():
            self._nodes(art, unresolved)
        _cluster_forms(sorted(unresolved), self.uf)

        tallies: dict[object, _ClusterTally] = defaultdict(_ClusterTally)
        for art in self.source():
            nodes, forms = self._nodes(art)
            for k, (m, node) in enumerate(zip(art.mentions, nodes)):
                t = tallies[self.uf.find(node)]
                surface = _surface(m.text)
                t.size += 1
                t.labels[m.label] += 1
                t.surfaces[surface] += 1
                if k in forms:
                    t.named[surface] += 1
                    t.members.add(forms[k][1])
                else:  # an alias
                    t.members.add(m.text)
                if art.previous is not None and art.previous[k]:
                    t.previous[art.previous[k]] += 1  # type: ignore[index]

        sort_key = {root: (t.size, sorted(t.surfaces.items())) for root, t in tallies.items()}
        order = sorted(tallies, key=functools.cmp_to_key(
            lambda a, b: _compare_surface_multisets(sort_key[a], sort_key[b])))
        del sort_key
        entities: list[Entity] = []
        eid_of: dict[object, str] = {}
        taken: set[str] = set()
        for root in order:
            t = tallies[root]
            label = max(t.labels, key=lambda lab: (t.labels[lab], lab))
            canonical = _canonical(t.named or t.surfaces, label)
            eid = _entity_id(label, canonical, taken, t.members)
            taken.add(eid)
            eid_of[root] = eid
            entities.append(Entity(entity_id=eid, label=label, canonical=canonical,
                                   aliases=dict(sorted(t.surfaces.items(), key=lambda kv: (-kv[1], kv[0])))))
        rename, redirects = entity_ids.choose_ids(
            {eid_of[root]: t.previous for root, t in tallies.items() if t.previous},
            {eid_of[root]: t.size for root, t in tallies.items()},
            [e.entity_id for e in entities], previous_redirects)
        for e in entities:
            e.entity_id = rename.get(e.entity_id, e.entity_id)
        entities.sort(key=lambda e: (-sum(e.aliases.values()), e.canonical, e.entity_id))
        final = {root: rename.get(eid, eid) for root, eid in eid_of.items()}
        del tallies

        def assign() -> Iterator[ArticleMentions]:
            for art in self.source():
                for m, node in zip(art.mentions, self._nodes(art)[0]):
                    m.entity_id = final[self.uf.find(node)]
                yield art

        return entities, redirects, assign()


def resolve_entities(mentions_by_article: dict[str, list[EntityMention]]) -> list[Entity]:
    """Resolve mentions across the corpus into entities; sets ``entity_id`` on every mention.

    May relabel a mention to the label its name carries elsewhere in the corpus (one name, one
    label). Returns entities sorted by mention count, then canonical name. The in-memory form
    of :class:`CorpusResolver` (which the build runs over the database, page by page).
    """
    articles = [ArticleMentions(aid, mentions_by_article[aid]) for aid in sorted(mentions_by_article)]
    # Every pass reads the mentions as given: the antecedent pointer in `entity_id` (the last pass
    # overwrites it) and the label the article tagged (passes set the corpus label).
    given = [[(m.entity_id, m.label) for m in a.mentions] for a in articles]

    def source() -> Iterable[ArticleMentions]:
        for art, pairs in zip(articles, given):
            for m, (pointer, label) in zip(art.mentions, pairs):
                m.entity_id, m.label = pointer, label
            yield art

    entities, _redirects, assigned = CorpusResolver(source).run()
    for _art in assigned:
        pass
    return entities
