"""Event mentions: the words that say something happened ("met", "talks", "loan", "arrested").

A trigger is a verb or noun whose lemma belongs to an event *frame*. The frames are plain
lemma lists (:data:`DEFAULT_FRAMES`: meetings, loans, protests, elections, deaths, killings,
shootings, fires, earthquakes, crashes, arrests and charges, trials, firings and hirings,
admissions to rehab or hospital, acquisitions, launches, awards, victories, ...), extensible
with a config dict of the same shape, so a new kind of story needs no code. spaCy's lemmatizer
is backed by a little suffix stripping, so odd inflections and machine-translated forms still
reach their lemma without WordNet.

The trigger set is open: a word no frame knows is still an event when it acts as one (the
*open detector*, :func:`_open_frame`): a verb with arguments of its own ("restored the
service", "rehired his lawyer") that is not a saying, thinking, light, auxiliary or stative verb
(:data:`NON_EVENT_VERBS`, the reporting verbs), or an eventive noun (:data:`OPEN_EVENT_NOUNS`:
"ceremony", "investigation", "outage", ...). Its type is its lemma ("restore"; with a particle,
"take_over"); ``model.EVENT_FAMILIES`` groups lemmas that tell one kind of happening ("fix",
"patch", "restore" are repairs). Words the lemma alone gets wrong are corrected from the parse
(:func:`_refine`): "cardiac arrest" and "heart attack" are illnesses, a named person who
"attacked" someone did it with words, "fired" is a dismissal with a person as object and a
shooting with a weapon or a target, "checked into rehab" is an admission, "dead last" is no
death. A verb whose object is an event of another family only says it took place ("won the
elections", "launched an attack") and is dropped; an open verb whose subject is a happening
("a quake hit the island") is that happening's verb.

For every trigger the sentence's own annotations say the rest, using the dependency parse to
decide which trigger a word belongs to when a sentence names several events ("the meeting was
held amid protests in Belarus": Belarus is where the protests are, not the meeting):

* date: a calendar timex nearest (in the tree) to this trigger; timexes introduced by
  "since"/"until"/"before"/... (as a preposition or as a clause: "since the unrest began in
  August") bound an event rather than date it and are skipped, so is the date of a dateline
  ("VOLMGRAD, Feb 16 (Wire) -") and of a reporting verb whose reported clause holds the trigger,
  and a date that belongs to something else on the way to the trigger: a relative clause or an
  apposition of another noun ("X, who moved there in 1998, died"; "X, the 1950s pin-up, died")
  or an earlier happening ("on probation for a prior DUI in June 2006");
  a reporting verb's date ("said on Thursday") otherwise counts as farther away. Else the date
  of the *antecedent*, the nearest earlier mention of the same type (else family) of event in
  the article that does not contradict it on place or people ("context"); an indefinite noun
  ("another meeting") has none; a headline or lead mention may take the first dated mention of
  its family that follows within a few sentences, unless that one names other people than the
  first mention of the family after the headline that names anyone (a teammate's earlier
  arrest). Else the publication date, as a bound
  ("publication"): on or before it for the past tense (and for headline/lead mentions without
  tense), on or after it for what is scheduled.
* place: a GPE/LOC/FAC entity after "in"/"at"/"near" (or "to" for a visit) attached to this
  trigger, also through a place noun ("at the X ski resort", "at the resort of X"), or a
  modifier of it ("the Sochi talks"; not "a Norland loan", where it is a party).
* participants: PERSON entities nearest to this trigger in the tree (all of the sentence's
  when it names one event), minus whoever only reports it ("according to X", "X said that
  ..."), whoever describes or judges it as the object of their verb ("X called the slaying a
  murder", "X condemned the attack"), whoever stands outside a trigger that only times another clause ("After the meeting,
  X said"), the object of a verb the trigger is the subject of ("the protests can topple X"),
  what someone else is said to be in a clause of its own ("Y, who was rumored to be X, died"),
  names inside the article's outlet name and credit lines ("Reporting by ..."); "the two
  leaders"/"the presidents" stand for the article's two principal people (named in full first,
  then most mentioned).
* not events: generic uses ("any meeting", "every Sunday", "has visited X regularly", a plural
  "informal summits" without a determiner); the condition of a hypothetical act ("would reveal
  his name once he was dead"; not "will sign it after the talks", which announces them).
* status: from negation, cancel/schedule/expect words, future auxiliaries and tense; a trigger
  marked as earlier ("their previous talks") happened.

The frames' triggers share a sentence's dates, places and people among themselves as if the
open triggers were not there, so an open trigger never takes a frame's date ("the meeting,
arranged for the end of February"); an open trigger gets what is nearest to it among all.
"the parties" (or "both sides") stand for the article's two principal people only through a
"their" on the trigger ("the parties fixed decisions prepared at their previous talks").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Iterable, Mapping

from storyline.annotate.doccache import char_span, doc_text, token_sent
from storyline.annotate.entities import PLACE_NOUNS
from storyline.events.model import EventMention, event_family, parse_date_value
from storyline.events.timeline import iso_day
from storyline.records import AnnotatedArticle, EntityMention

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

STAGE = "event_mentions"
STAGE_VERSION = "12"

# event type -> lemma lists. "verbs" match verbs (and -ing nouns), "nouns" match nouns,
# "plural_nouns" match only plural nouns ("talks", "exercises": the singular means something
# else), and "context" (if given) must occur in the trigger's phrase ("a batch of vaccine").
DEFAULT_FRAMES: dict[str, dict[str, list[str]]] = {
    "meeting": {"verbs": ["meet"], "nouns": ["meeting", "encounter", "tete-a-tete"]},
    "talks": {
        "verbs": ["negotiate", "talk"],
        "nouns": ["negotiation", "consultation"],
        "plural_nouns": ["talk"],
    },
    "summit": {"nouns": ["summit"]},
    "visit": {"verbs": ["visit"], "nouns": ["visit", "trip"]},
    "loan": {"verbs": ["lend", "loan"], "nouns": ["loan", "credit"]},
    "agreement": {"verbs": ["sign"], "nouns": ["agreement", "deal", "treaty", "accord", "memorandum"]},
    "protest": {
        "verbs": ["protest", "rally", "demonstrate", "march"],
        "nouns": ["protest", "demonstration", "rally", "march"],
    },
    "arrest": {"verbs": ["arrest", "detain"], "nouns": ["arrest", "detention"]},
    "exercise": {"plural_nouns": ["exercise", "drill", "manoeuvre", "maneuver"]},
    "election": {"verbs": ["elect"], "nouns": ["election", "vote", "poll"]},
    "referendum": {"nouns": ["referendum", "plebiscite"]},
    "vaccine_delivery": {
        "verbs": ["deliver", "supply", "ship", "receive", "transfer", "send"],
        "nouns": ["delivery", "shipment", "batch", "supply", "transfer"],
        "context": ["vaccine", "vaccination", "sputnik", "dose"],
    },
    "sanctions": {"verbs": ["sanction"], "plural_nouns": ["sanction"]},
    "resignation": {"verbs": ["resign", "quit"], "nouns": ["resignation"]},
    "attack": {
        "verbs": ["attack", "bomb", "ambush", "assault", "invade"],
        "nouns": ["attack", "bombing", "airstrike", "ambush", "assault", "invasion", "raid", "piracy", "hijacking"],
    },
    # Deaths, violence, disasters, crime and justice, personnel: what most news stories report.
    "death": {
        "verbs": ["die", "perish", "drown", "succumb"],
        "nouns": ["death", "demise", "fatality", "suicide", "overdose"],
        "adjectives": ["dead"],
    },
    "killing": {
        "verbs": ["kill", "murder", "slay", "assassinate", "massacre", "stab", "strangle", "behead"],
        "nouns": ["killing", "murder", "homicide", "assassination", "slaying", "massacre", "stabbing",
                  "manslaughter", "execution"],
    },
    "shooting": {"verbs": ["shoot", "gun"], "nouns": ["shooting", "gunfire", "shootout"]},
    "injury": {"verbs": ["injure", "wound"], "nouns": ["injury"]},
    "fire": {"verbs": ["burn", "torch"], "nouns": ["fire", "blaze", "wildfire", "inferno", "arson", "bushfire"]},
    "earthquake": {"nouns": ["earthquake", "quake", "tremor", "aftershock", "temblor"]},
    "explosion": {"verbs": ["explode", "detonate"], "nouns": ["explosion", "blast", "detonation"]},
    "crash": {"verbs": ["crash", "collide", "derail"], "nouns": ["crash", "collision", "derailment", "accident"]},
    "disaster": {
        "nouns": ["storm", "hurricane", "cyclone", "typhoon", "tornado", "flood", "flooding", "tsunami",
                  "landslide", "mudslide", "avalanche", "eruption", "drought", "famine"],
        "verbs": ["erupt", "flood"],
    },
    "spill": {"verbs": ["spill", "leak", "gush"], "nouns": ["spill", "leak", "leakage"]},
    "outbreak": {
        "nouns": ["outbreak", "epidemic", "pandemic"],
        "verbs": ["infect"],
    },
    "riot": {"verbs": ["riot", "clash"], "nouns": ["riot", "rioting", "clash", "unrest"]},
    "kidnapping": {"verbs": ["kidnap", "abduct"], "nouns": ["kidnapping", "abduction"]},
    "robbery": {"verbs": ["rob", "steal", "loot"], "nouns": ["robbery", "heist", "theft", "burglary", "looting"]},
    "escape": {"verbs": ["escape", "flee"], "nouns": ["escape", "breakout", "getaway"]},
    "charge": {"verbs": ["charge", "indict", "accuse"], "nouns": ["indictment"], "plural_nouns": ["charge"]},
    "trial": {"nouns": ["trial", "verdict", "retrial"]},
    "conviction": {"verbs": ["convict", "sentence", "jail", "imprison"], "nouns": ["conviction", "sentencing"]},
    "dismissal": {"verbs": ["sack", "dismiss", "oust", "axe"], "nouns": ["dismissal", "sacking", "ouster"]},
    "appointment": {
        "verbs": ["appoint", "hire", "rehire", "nominate", "recruit"],
        "nouns": ["appointment", "hiring", "nomination"],
    },
    "acquisition": {
        "verbs": ["acquire", "purchase", "merge"],
        "nouns": ["acquisition", "takeover", "purchase", "merger", "buyout"],
    },
    "launch": {"verbs": ["launch", "unveil"], "nouns": ["unveiling", "debut", "premiere"]},
    "award": {"verbs": ["award"], "nouns": ["award", "prize", "medal"], "plural_nouns": ["oscar"]},
    "illness": {"nouns": ["coma", "seizure", "aneurysm", "stroke"]},
    # Checking into a clinic or rehab: "checked into rehab", "was admitted to hospital" (the
    # verbs only with such a place: see _admission).
    "admission": {"nouns": ["rehab", "rehabilitation", "hospitalisation", "hospitalization"],
                  "verbs": ["hospitalise", "hospitalize"]},
    "victory": {
        "verbs": ["win", "beat", "defeat", "clinch", "retain"],
        "nouns": ["victory", "win", "defeat", "triumph"],
    },
}

# Words the open detector never takes as a trigger: saying and thinking, light and auxiliary
# verbs, states and aspect ("began", "failed"). Everything else that acts as a verb with its
# own arguments is an event ("checked into rehab", "restored", "rehired").
NON_EVENT_VERBS = frozenset({
    "be", "have", "do", "get", "make", "take", "give", "go", "come", "put", "let", "keep", "seem",
    "appear", "become", "remain", "look", "sound", "feel", "want", "need", "like", "love", "hate",
    "prefer", "know", "think", "believe", "understand", "realise", "realize", "recognise",
    "recognize", "remember", "forget", "see", "hear", "watch", "mean", "include", "involve",
    "contain", "consist", "concern", "relate", "depend", "require", "deserve", "expect", "hope",
    "wish", "plan", "intend", "try", "attempt", "begin", "start", "continue", "fail", "manage",
    "use", "help", "allow", "enable", "cause", "lead", "tend", "happen", "occur", "exist", "own",
    "hold", "show", "indicate", "refer", "regard", "consider", "follow", "accord", "cite", "ask",
    "answer", "reply", "respond", "comment", "describe", "call", "speak", "can", "could", "will",
    "would", "shall", "should", "may", "might", "must", "ought", "seek", "wait", "worry", "fear",
    "face", "base", "suppose", "guess", "wonder", "imagine", "assume", "doubt", "agree", "decide",
    "prove", "matter", "count", "list", "ensure", "remind", "explain", "learn", "view",
    "represent", "mention", "suggest", "seem", "stop", "end", "finish", "complete", "let",
    "become", "feature", "star", "post", "update", "publish", "link", "share", "tweet", "read",
    "write", "dub", "term", "label", "quote", "thank", "urge", "welcome", "praise", "blame",
    "criticise", "criticize", "condemn", "promise", "vow", "pledge", "threaten", "set", "last",
    "produce", "discuss", "stretch", "unfold", "spend", "prepare", "work", "live",
})
# Who can be dismissed or appointed: "dismissed the coach", not "dismissed a report".
_ROLE_NOUNS = {
    "coach", "manager", "minister", "chief", "director", "officer", "head", "executive", "ceo",
    "player", "president", "chairman", "chairwoman", "secretary", "general", "commander",
    "governor", "ambassador", "editor", "official", "staff", "employee", "worker", "judge",
    "prosecutor", "spokesman", "spokeswoman", "adviser", "advisor", "aide", "deputy", "host",
    "director", "captain", "leader", "lawyer", "attorney", "star", "actor", "actress", "man",
    "woman", "people", "who", "whom",
}

# Nouns the open detector takes as events (their lemma is their type), beyond the frames' own.
OPEN_EVENT_NOUNS = frozenset({
    "ceremony", "funeral", "wedding", "concert", "festival", "game", "match", "playoff", "race",
    "tournament", "championship", "hearing", "investigation", "inquiry", "probe", "audit",
    "operation", "campaign", "war", "battle", "fighting", "offensive", "crisis", "scandal",
    "collapse", "rescue", "evacuation", "release", "arrival", "departure", "ban", "boycott",
    "blockade", "embargo", "layoff", "walkout", "bid", "offer", "ruling", "judgment", "judgement",
    "appeal", "lawsuit", "settlement", "bailout", "recall", "outage", "blackout", "shutdown",
    "disruption", "breakdown", "repair", "restoration", "fix", "patch", "upgrade", "speech",
    "interview", "conference", "vigil", "memorial", "parade", "celebration", "treatment",
    "surgery", "transplant", "rehab", "rehabilitation", "stint", "tour", "journey", "voyage",
    "expedition", "climb", "ascent", "fall", "transfer", "auction", "sale", "bankruptcy",
    "cut", "hike", "reform", "standoff", "siege", "hostage", "rampage",
    "crackdown", "deployment", "withdrawal", "ceasefire", "truce", "coup", "uprising",
    "revolt", "rebellion", "mutiny", "referral", "inauguration", "swearing", "burial", "cremation", "vaccination", "inoculation", "quarantine", "lockdown", "curfew",
    "emergency", "disaster", "catastrophe", "tragedy", "incident", "mishap", "raid", "jump",
    "downtime", "sequel", "remake", "show", "telecast", "broadcast",
})
# Phrasal verbs that name a frame's kind of event: "stepped down" is a resignation.
PHRASAL_TYPES = {
    ("step", "down"): "resignation",
    ("gun", "down"): "shooting",
    ("blow", "up"): "explosion",
    ("break", "out"): None,  # "fire broke out": the fire is the event (the verb is its support)
    ("pass", "away"): "death",
    ("open", "fire"): None,  # the noun carries it: "opened fire" is one shooting
    ("take", "over"): None,
}
# Happenings whose verb tells how they happened: "a quake hit the island", "the fire gutted the store".
_HAPPENING_TYPES = {"earthquake", "fire", "explosion", "disaster", "spill", "outbreak", "crash"}
# Modifiers that make a word of violence or justice a medical event: "cardiac arrest", "heart attack".
_MEDICAL_MODIFIERS = {"cardiac", "heart", "respiratory", "panic", "asthma", "anxiety", "epileptic", "coronary"}
# Objects that make "fired" a shooting rather than a dismissal.
_WEAPON_WORDS = {"shot", "shots", "round", "rounds", "bullet", "bullets", "missile", "missiles", "rocket",
                 "rockets", "weapon", "gun", "guns", "salvo", "volley", "shell", "shells", "torpedo", "warning"}

# Irregular past forms the suffix rules cannot undo.
_IRREGULAR = {"met": "meet", "lent": "lend", "sent": "send", "held": "hold", "spoke": "speak"}
_SUFFIXES = (("ies", "y"), ("ied", "y"), ("es", ""), ("s", ""), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"))
# "meet the needs/expectations": meet without a meeting.
_MEET_OBJECT_STOP = {
    "need", "requirement", "expectation", "demand", "target", "criterion", "deadline",
    "condition", "obligation", "standard", "goal", "challenge", "cost",
}
_GENERIC_DETERMINERS = {"any", "every", "each"}
# Occasions that happen one at a time: their bare plural ("informal summits") is generic, unlike
# "held negotiations" or "protests continue".
_OCCASION_TYPES = {"meeting", "summit", "visit"}
# "has visited Kardovia regularly": a habit, not one event.
_TIME_UNITS = {
    "day", "week", "month", "year", "morning", "evening", "night", "weekend", "time",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}
_HABITUAL_ADVERBS = {"regularly", "often", "usually", "frequently", "repeatedly", "routinely", "always", "sometimes"}
# Words that introduce a new referent rather than refer back: "another meeting", "a new loan".
_NEW_REFERENT_DETERMINERS = {"a", "an", "another"}
_NEW_REFERENT_MODIFIERS = {"another", "new", "next", "further", "second", "third"}
# A sentence that credits the reporting ("Reporting by X; editing by Y"): its names are staff.
_CREDIT_LINE = re.compile(r"\b(?:reporting|writing|editing|compiled|additional reporting|photos?)\s+by\b", re.IGNORECASE)
# A dateline before the text proper ("VOLMGRAD, Feb 16 (Ambric Wire) -"): its date is the report's.
_WORD = re.compile(r"\w+")
_DATELINE = re.compile(r"^\W*[A-Z][A-Za-z .'-]*,[^()\n]{0,40}\([^()\n]{1,60}\)\s*[-–—]")
# Entity labels whose span never holds a trigger ("Meeting Street", "Credit Suisse").
_NAME_LABELS = {"PERSON", "GPE", "LOC", "ORG", "FAC", "NORP", "WORK_OF_ART", "PRODUCT", "LAW"}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
_LOCATIVE_PREPS = {"in", "at", "near", "outside", "inside", "around"}
# "to" names a place only for movement: "visit to Sochi", not "a loan to Belarus".
_TO_PLACE_TYPES = {"visit"}
# For these a name before the trigger is a party, not a place: "a Norland loan", "the Vesk deal".
_PARTY_TYPES = {"loan", "agreement", "sanctions", "vaccine_delivery"}
# A timex after these words bounds the event instead of dating it: "the first time since 14 September".
_BOUNDING_PREPS = {"since", "until", "till", "before", "by", "after", "ahead", "from", "prior"}
_TIME_ADJUNCT_PREPS = {"after", "before", "since", "until", "till", "following", "ahead", "during"}
_REPORTING_VERBS = {
    "say", "tell", "announce", "note", "report", "state", "add", "claim", "believe", "think",
    "write", "stress", "emphasise", "emphasize", "point", "explain", "confirm", "deny", "argue",
    "insist", "quote", "suggest", "warn", "recall", "assert", "declare", "reveal",
}
_GROUP_NOUNS = {"leader", "president", "head", "counterpart", "premier"}
# "the parties", "both sides": the principal people only through "their" on the trigger ("the
# parties fixed decisions prepared at their previous talks").
_PARTY_NOUNS = {"party", "side"}
_GROUP_MARKERS = {"the", "both", "two", "these", "those"}
_CANCEL_CUES = {"cancel", "postpone", "scrap", "suspend", "abandon", "delay", "cancelled", "postponed"}
_SCHEDULE_CUES = {
    "schedule", "plan", "appoint", "set", "due", "upcoming", "forthcoming", "next", "future",
    "prepare", "arrange", "slate", "scheduled", "planned", "appointed",
}
_EXPECT_CUES = {
    "expect", "likely", "may", "might", "could", "would", "should", "possible", "possibly",
    "probably", "anticipate", "hope", "unlikely", "potential", "expected",
}
_FUTURE_AUX = {"will", "shall", "'ll", "wo"}
_PAST_CUES = {"previous", "last", "past", "recent", "earlier", "former"}

MAX_DATE_DISTANCE = 6  # tree edges between a trigger and the timex that dates it
REPORT_DATE_PENALTY = 2  # extra distance for a timex of a reporting verb ("said on Thursday")
MAX_PLACE_DISTANCE = 4
CONTEXT_SENTENCES = 10  # how far back an antecedent is looked for, and a context date may come from
LEAD_SENTENCES = 3  # headline and lead: about the news of the day even without a verb in the past
FORWARD_LEAD = 5  # mentions this early may refer forward to the sentence that dates the event ...
FORWARD_SENTENCES = 4  # ... if it comes within this many sentences


@dataclass(frozen=True)
class Frame:
    event_type: str
    verbs: frozenset[str]
    nouns: frozenset[str]
    plural_nouns: frozenset[str]
    context: frozenset[str]
    adjectives: frozenset[str] = frozenset()
    open: bool = False  # a frame made up for a trigger of the open detector (type = its lemma)


_MATCH_SLOTS = ("verbs", "nouns", "plural_nouns", "adjectives")


@dataclass(frozen=True)
class Lexicon:
    frames: tuple[Frame, ...]
    # The open detector: any other verb with arguments of its own, and the eventive nouns of
    # OPEN_EVENT_NOUNS, are events whose type is their lemma. False: the frames alone.
    open_detector: bool = True

    def match(self, token: Token, persons: frozenset[int] = frozenset()) -> Frame | None:
        """The frame a token triggers, or None; frames that need context are tried first."""
        pos = token.pos_
        if pos == "VERB":
            slots = ("verbs",)
        elif pos in ("NOUN", "PROPN"):
            lower = token.lower_
            slots = ("nouns", "plural_nouns", "verbs") if lower.endswith("ing") else ("nouns", "plural_nouns")
            if token.is_title and lower.endswith(("s", "ed")) and _title_case_headline(token):
                slots = ("nouns", "plural_nouns", "verbs")  # "Esther Williams Dies at 91", "Woman Killed In Queens"
        elif pos == "ADJ":
            slots = ("adjectives",)
        else:
            return None
        forms = _lemma_forms(token.lemma_, token.lower_)
        # The frames (by position) that have one of the forms in one of the slots; the first of
        # them whose context is there wins, as if every frame's slots were tried in turn.
        index = self._slot_index
        hits: set[int] = set()
        for slot in slots:
            table = index[slot]
            found = [table[form] for form in forms if form in table]
            # The plural test (its morphology lookup is slow) only for a form the slot lists.
            if found and (slot != "plural_nouns" or token.tag_ in ("NNS", "NNPS")
                          or "Plur" in token.morph.get("Number")):
                for positions in found:
                    hits.update(positions)
        for position in sorted(hits):
            frame = self.frames[position]
            if frame.context and not _has_context(token, frame.context):
                continue  # try the next frame: "transfer" without a vaccine is no delivery
            return _refine(token, frame, self, persons)
        return None

    @cached_property
    def _slot_index(self) -> dict[str, dict[str, tuple[int, ...]]]:
        """slot -> lemma -> positions of the frames that list it there (match's lookup, built once:
        a scan of every frame's sets for every token was most of the mention rules' time)."""
        index: dict[str, dict[str, list[int]]] = {slot: {} for slot in _MATCH_SLOTS}
        for position, frame in enumerate(self.frames):
            for slot in _MATCH_SLOTS:
                for lemma in getattr(frame, slot):
                    index[slot].setdefault(lemma, []).append(position)
        return {slot: {lemma: tuple(found) for lemma, found in table.items()} for slot, table in index.items()}

    def match_any(self, token: Token, persons: frozenset[int] = frozenset()) -> Frame | None:
        """A frame of the lexicon, else (with the open detector on) an open frame, else None."""
        frame = self.match(token, persons)
        if frame is _NO_EVENT:
            return None
        if frame is not None or not self.open_detector:
            return frame
        return _open_frame(token, self, persons)


def build_lexicon(
    config: Mapping[str, Mapping[str, Iterable[str]]] | None = None,
    *,
    replace: bool = False,
    open_detector: bool = True,
) -> Lexicon:
    """A lexicon from :data:`DEFAULT_FRAMES` extended (or, with replace=True, replaced) by config.

    config has the shape of DEFAULT_FRAMES; lists for an existing type are added to its own.
    ``open_detector=False`` keeps to the frames (no open triggers).
    """
    merged: dict[str, dict[str, set[str]]] = {}
    for source in ([] if replace else [DEFAULT_FRAMES]) + ([config] if config else []):
        for event_type, slots in source.items():
            entry = merged.setdefault(event_type, {})
            for slot, lemmas in slots.items():
                entry.setdefault(slot, set()).update(lemma.lower() for lemma in lemmas)
    frames = [
        Frame(
            event_type,
            frozenset(slots.get("verbs", ())),
            frozenset(slots.get("nouns", ())),
            frozenset(slots.get("plural_nouns", ())),
            frozenset(slots.get("context", ())),
            frozenset(slots.get("adjectives", ())),
        )
        for event_type, slots in merged.items()
    ]
    frames.sort(key=lambda frame: not frame.context)  # context-bound frames first (stable otherwise)
    return Lexicon(tuple(frames), open_detector=open_detector)


_DEFAULT_LEXICON = build_lexicon()


_NO_EVENT = Frame("", frozenset(), frozenset(), frozenset(), frozenset())
_OPEN_FRAMES: dict[str, Frame] = {}


def _open(event_type: str) -> Frame:
    frame = _OPEN_FRAMES.get(event_type)
    if frame is None:
        frame = _OPEN_FRAMES[event_type] = Frame(
            event_type, frozenset(), frozenset(), frozenset(), frozenset(), frozenset(), open=True
        )
    return frame


def _frame_named(lexicon: Lexicon, event_type: str) -> Frame:
    return next((f for f in lexicon.frames if f.event_type == event_type), None) or _open(event_type)


def _title_case_headline(token: Token) -> bool:
    """The token's sentence is a headline in Title Case, where the tagger takes verbs for names."""
    words = [t for t in token_sent(token.doc, token.i) if t.is_alpha and len(t) > 3]
    return len(words) >= 3 and sum(t.is_title or t.is_upper for t in words) >= 0.8 * len(words)


def _refine(token: Token, frame: Frame, lexicon: Lexicon, persons: frozenset[int] = frozenset()) -> Frame:
    """Correct a frame that the word alone gets wrong: "cardiac arrest" and "heart attack" are
    illnesses; "Obama attacked BP" (a named person attacks with words) is no attack."""
    modifiers = {c.lemma_.lower() for c in token.children if c.dep_ in ("amod", "compound", "nmod")}
    if token.pos_ in ("NOUN", "PROPN") and modifiers & _MEDICAL_MODIFIERS:
        return _frame_named(lexicon, "illness")
    if frame.event_type == "attack" and token.pos_ == "VERB":
        subjects = [c for c in token.children if c.dep_ == "nsubj"]
        if subjects and all(c.ent_type_ == "PERSON" or c.i in persons for c in subjects):
            return _NO_EVENT  # a politician attacking a company or a rival: criticism, not violence
    if frame.event_type == "fire" and token.pos_ in ("NOUN", "PROPN"):
        if token.dep_ == "dobj" and token.head.lemma_.lower() in ("open", "return", "exchange"):
            return _frame_named(lexicon, "shooting")  # "opened fire"
        if token.dep_ == "pobj" and token.head.lower_ == "under":
            return _NO_EVENT  # "under fire": criticism
    if frame.event_type == "talks" and _talk_verb_or_singular(token) and _talks_about(token):
        return _NO_EVENT  # "experts talk about subsidies", "talk of a union": speech, not negotiation
    if frame.event_type in ("dismissal", "appointment") and token.pos_ == "VERB" and not _person_object(token, persons):
        return _NO_EVENT  # "dismissed a report", "appointed a committee"
    if frame.event_type == "death" and token.pos_ == "ADJ" and not (
        token.dep_ in ("acomp", "oprd", "xcomp", "ROOT", "conj", "ccomp", "advcl")
        or token.dep_ == "amod" and token.head.pos_ == "NUM"
    ):
        return _NO_EVENT  # "the dead man", "a dead end", "dead last"; not "found dead", "ten dead"
    if frame.event_type == "death" and _punishment_or_threat(token):
        return _NO_EVENT  # "sentenced to death", "the death penalty", "death row", "a death threat"
    return frame


_SENTENCE_VERBS = {"sentence", "condemn"}
_UNDONE_DEATH_NOUNS = {"penalty", "row", "sentence", "threat"}


def _punishment_or_threat(token: Token) -> bool:
    """"death" as a punishment or a threat names no one's death: the object of a sentence
    ("sentenced to death", "condemned to death") or the modifier of "penalty", "row",
    "sentence", "threat". Not "beaten to death", "stoned to death": a way of dying. The verb is
    looked for a few words back as well, since headlines in Title Case are parsed badly ("Judge
    sentences Varn to death" makes "Varn" the verb)."""
    if token.dep_ == "pobj" and token.head.lower_ == "to" and token.head.head.lemma_.lower() in _SENTENCE_VERBS:
        return True
    doc, start = token.doc, token_sent(token.doc, token.i).start
    if token.i > start and doc[token.i - 1].lower_ == "to" and any(
        t.lemma_.lower() in _SENTENCE_VERBS for t in doc[max(start, token.i - 5) : token.i - 1]
    ):
        return True
    return token.dep_ in ("compound", "nmod", "amod") and token.head.lemma_.lower() in _UNDONE_DEATH_NOUNS


def _talk_verb_or_singular(token: Token) -> bool:
    """"talk" as a verb in any form ("talk", "talked", "talking", the third person "talks") or
    the singular noun; not the plural noun "talks", which names negotiations ("talks about the
    border resumed"). The word form alone cannot tell "he talks about" from "the talks about":
    the tag does."""
    return token.lower_ in ("talk", "talked", "talking") or token.lower_ == "talks" and token.tag_ == "VBZ"


def _talks_about(token: Token) -> bool:
    """"talk" with a topic ("about", "of") and no two parties: people discussing something, not
    talks between parties ("Putin talked with Lukashenko about gas" and "Kallen and Restin talked
    about the border" stay talks; "experts talk about subsidies" does not)."""
    preps = {c.lower_ for c in token.children if c.dep_ == "prep"}
    if not preps & {"about", "of"} or "with" in preps:
        return False
    subjects = [c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")]
    return not any(any(c.dep_ == "conj" for c in subject.children) for subject in subjects)


def _is_person_word(token: Token, persons: frozenset[int] = frozenset()) -> bool:
    return token.i in persons or token.ent_type_ == "PERSON" or token.pos_ == "PRON" or token.lemma_.lower() in _ROLE_NOUNS


def _person_object(token: Token, persons: frozenset[int] = frozenset()) -> bool:
    """The verb acts on a person: its object (or passive subject) is a name, a pronoun or a role."""
    arguments = [c for c in token.children if c.dep_ in ("dobj", "nsubjpass")]
    if not arguments and token.dep_ in ("acl", "relcl") and token.tag_ == "VBN":
        arguments = [token.head]  # "the coach fired on Monday"; not "the meeting appointed for February"
    if not arguments and token.dep_ == "conj":
        return _person_object(token.head, persons)  # "was arrested and fired"
    return any(_is_person_word(a, persons) or any(_is_person_word(c, persons) for c in a.conjuncts) for a in arguments)


def _fire_verb(token: Token, lexicon: Lexicon, persons: frozenset[int] = frozenset()) -> Frame:
    """"fired" shoots ("fired shots", "fired at the crowd", "the gunman fired") or dismisses
    ("fired coach Cheeks on Saturday", "was fired as coach", "the fifth coach fired")."""
    children = list(token.children)
    shooting, dismissal = _frame_named(lexicon, "shooting"), _frame_named(lexicon, "dismissal")
    objects = [c for c in children if c.dep_ in ("dobj", "nsubjpass")]
    if any(c.lower_ in _WEAPON_WORDS or c.lemma_.lower() in _WEAPON_WORDS for c in objects):
        return shooting
    for c in children:  # "fired at the crowd", "fired on protesters"; not "fired on Saturday"
        if c.dep_ == "prep" and c.lower_ in ("at", "on", "into", "upon"):
            target = next((g for g in c.children if g.dep_ == "pobj"), None)
            if target is not None and target.ent_type_ not in ("DATE", "TIME") and \
                    target.lemma_.lower() not in _TIME_UNITS:
                return shooting
    if any(c.dep_ == "prep" and c.lower_ == "as" for c in children) or any(_is_person_word(c, persons) for c in objects):
        return dismissal
    if token.dep_ in ("acl", "relcl") and _is_person_word(token.head, persons):
        return dismissal  # "the fifth coach fired this season"
    if objects:
        return dismissal  # "fired the staff"; weapons were handled above
    subjects = [c for c in children if c.dep_ == "nsubj"]
    if subjects and not _is_person_word(subjects[0], persons) and subjects[0].ent_type_ in ("ORG", "NORP", ""):
        return dismissal  # "the club fired ..." with the object elsewhere
    if token.dep_ == "xcomp" or any(c.dep_ == "auxpass" for c in children):
        return dismissal  # "to get fired", "to be fired"
    return shooting


_ADMISSION_VERBS = {"check", "enter", "admit", "head", "go", "return", "transfer", "move"}
# Where one is admitted: "checked into rehab", "entered a treatment program", "admitted to hospital".
_INSTITUTION_WORDS = {
    "rehab", "rehabilitation", "clinic", "center", "centre", "facility", "hospital", "program",
    "programme", "treatment", "institution", "asylum", "sanatorium", "detox", "ward", "hospice",
}


def _into_an_institution(token: Token) -> bool:
    places = [c for c in token.children if c.dep_ == "dobj"]
    places += [g for c in token.children if c.dep_ == "prep" and c.lower_ in ("into", "in", "to", "at")
               for g in c.children if g.dep_ == "pobj"]
    for place in places:
        words = {t.lemma_.lower() for t in place.subtree}
        if words & _INSTITUTION_WORDS:
            return True
    return False


def _open_frame(token: Token, lexicon: Lexicon, persons: frozenset[int] = frozenset()) -> Frame | None:
    """The open detector: a verb with arguments of its own that is not a saying, thinking,
    light or auxiliary verb, or an eventive noun (:data:`OPEN_EVENT_NOUNS`); its type is its
    lemma (with its particle: "take_over"), or the frame a phrasal verb names ("stepped down")."""
    pos = token.pos_
    if pos not in ("PROPN", "VERB", "NOUN"):
        return None  # asked of every token the frames leave: the cheapest test first
    lemma = token.lemma_.lower()
    if pos == "PROPN" and token.dep_ == "ROOT" and token.i not in persons and \
            token.lower_.endswith(("s", "ed")) and _title_case_headline(token):
        # "Lindsay Lohan Checks Into Malibu Rehab": the headline's verb, tagged as a name
        lemma = next((f for f in lemma_candidates(token)[2:] if f.isalpha()), lemma)
        if lemma in _ADMISSION_VERBS and _into_an_institution(token):
            return _frame_named(lexicon, "admission")
        if lemma in NON_EVENT_VERBS or lemma in _REPORTING_VERBS or len(lemma) < 3:
            return None
        return _open(lemma) if any(c.dep_ in ("prep", "dobj", "prt") for c in token.children) else None
    if pos == "VERB":
        if lemma == "fire":
            return _fire_verb(token, lexicon, persons)
        if lemma in _ADMISSION_VERBS and _into_an_institution(token):
            return _frame_named(lexicon, "admission")
        if not lemma.isalpha() or len(lemma) < 3 or lemma in NON_EVENT_VERBS or lemma in _REPORTING_VERBS:
            return None
        if token.dep_ in ("aux", "auxpass", "amod", "compound", "nmod", "npadvmod"):
            return None  # "the wounded man", "a sprained knee"
        children = list(token.children)
        particles = [c.lower_ for c in children if c.dep_ == "prt"]
        objects = [c.lower_ for c in children if c.dep_ == "dobj"]
        for second in particles + objects[:1]:
            if (lemma, second) in PHRASAL_TYPES:
                named = PHRASAL_TYPES[(lemma, second)]
                if named is None:
                    return None if second != "over" else _open(f"{lemma}_{second}")
                return _frame_named(lexicon, named)
        if not any(c.dep_ in _ARGUMENT_DEPS for c in children):
            return None
        return _open(f"{lemma}_{particles[0]}" if particles else lemma)
    if pos == "NOUN":
        if token.dep_ == "compound":
            return None  # "the rescue team", "election commission"
        forms = _lemma_forms(token.lemma_, token.lower_)
        noun = next((form for form in forms[:2] if form in OPEN_EVENT_NOUNS), None)
        return _open(noun) if noun else None
    return None


_ARGUMENT_DEPS = {"nsubj", "nsubjpass", "dobj", "agent", "prt", "prep", "dative", "attr", "oprd", "ccomp", "xcomp"}


def frame_of_verb(lemma: str) -> str | None:
    """The default frame a verb lemma triggers ("sign" -> "agreement"), or None."""
    return next((t for t, slots in DEFAULT_FRAMES.items() if lemma in slots.get("verbs", ())), None)


def lemma_candidates(token: Token) -> list[str]:
    """spaCy's lemma, the word itself, and what suffix stripping makes of it."""
    return list(_lemma_forms(token.lemma_, token.lower_))


@lru_cache(maxsize=65536)
def _lemma_forms(lemma: str, low: str) -> tuple[str, ...]:
    # Cached: the trigger scan asks for every noun, verb and adjective of every article, and
    # news repeats its words.
    forms = [lemma.lower(), low]
    if low in _IRREGULAR:
        forms.append(_IRREGULAR[low])
    for suffix, replacement in _SUFFIXES:
        if low.endswith(suffix) and len(low) - len(suffix) >= 3:
            forms.append(low[: -len(suffix)] + replacement)
    return tuple(dict.fromkeys(forms))


def _has_context(token: Token, words: frozenset[str]) -> bool:
    # The trigger's own phrase, or the phrase of the verb it belongs to ("receive a batch of vaccine").
    scope = list(token.subtree)
    if token.dep_ in ("dobj", "nsubj", "nsubjpass", "pobj"):
        scope += list(token.head.subtree)
    return any(t.lemma_.lower() in words or t.lower_ in words for t in scope)


# --- the extractor --------------------------------------------------------------------------------


def extract_event_mentions(
    doc: Doc,
    article: AnnotatedArticle,
    lexicon: Lexicon | None = None,
) -> list[EventMention]:
    """Event mentions of one article, in text order. ``doc`` is spaCy's parse of ``article.text``."""
    lexicon = lexicon or _DEFAULT_LEXICON
    sentences = _sentence_spans(doc, article)
    starts = [span.start_char for _, span in sentences]
    by_sentence: dict[int, list[EntityMention]] = {}
    for mention in article.entities:
        position = bisect_right(starts, mention.start) - 1
        if position >= 0:
            by_sentence.setdefault(sentences[position][0], []).append(mention)
    timex_by_sentence: dict[int, list] = {}
    for timex in article.timexes:
        position = bisect_right(starts, timex.start) - 1
        if position >= 0:
            timex_by_sentence.setdefault(sentences[position][0], []).append(timex)

    top_persons = _top_persons(article)
    published = iso_day(article.published)
    out: list[EventMention] = []
    fresh: set[str] = set()  # keys of mentions that introduce a new referent ("another meeting")
    marked_earlier: set[str] = set()  # keys of mentions of an earlier happening ("the previous talks")
    for index, span in sentences:
        entities = by_sentence.get(index, [])
        blocked = _blocked_tokens(doc, entities, timex_by_sentence.get(index, []))
        persons = frozenset(
            t.i for mention in entities if mention.label == "PERSON"
            and (name := _entity_span(doc, mention.start, mention.end)) for t in name
        )
        triggers = [
            (token, frame)
            for token in span
            if token.i not in blocked and (frame := lexicon.match_any(token, persons)) and _is_specific(token, frame)
        ]
        triggers = _without_support_verbs(triggers)
        if not triggers:
            continue
        timexes = _undatelined(span, timex_by_sentence.get(index, []))
        candidates = _participant_candidates(span, entities, article.outlet)
        # The frames' triggers share the sentence's dates, places and people among themselves,
        # as if the open triggers were not there; an open trigger gets what is nearest to it
        # among all triggers.
        framed = [(token, frame) for token, frame in triggers if not frame.open]
        roles = _assign_roles(doc, framed, span, timexes, entities, candidates, top_persons)
        if len(framed) < len(triggers):
            every = _assign_roles(doc, triggers, span, timexes, entities, candidates, top_persons)
            roles.update({i: r for i, r in every.items() if i not in roles})
        for token, frame in triggers:
            date_value, place_ids, participant_ids = roles[token.i]
            status, negated = _status(token, date_value, published)
            out.append(
                EventMention(
                    article_id=article.article_id,
                    sentence_index=index,
                    start=token.idx,
                    end=token.idx + len(token.text),
                    trigger=token.text,
                    event_type=frame.event_type,
                    date_value=date_value,
                    date_source="explicit" if date_value else "none",
                    place_id=place_ids[0] if place_ids else None,
                    place_ids=place_ids,
                    participant_ids=participant_ids,
                    status=status,
                    negated=negated,
                    stage=STAGE,
                    stage_version=STAGE_VERSION,
                )
            )
            if _introduces_new_referent(token):
                fresh.add(out[-1].key)
            if _marked_earlier(token):
                marked_earlier.add(out[-1].key)
    _fill_undated(out, published, fresh, marked_earlier)
    return out


def _without_support_verbs(triggers: list[tuple[Token, Frame]]) -> list[tuple[Token, Frame]]:
    """Drop a verb whose object is the trigger of an event of another family: it only says the
    event took place ("won the elections", "launched an attack", "hammered out a deal"). An
    open verb whose subject is such an event is that event's verb ("a quake hit the island"):
    it takes its frame."""
    frame_at = {token.i: frame for token, frame in triggers}
    out = []
    for token, frame in triggers:
        if token.pos_ == "VERB":
            objects = [c for c in token.children if c.dep_ == "dobj" and c.i in frame_at]
            if any(event_family(frame_at[c.i].event_type) != event_family(frame.event_type) for c in objects):
                continue
            subjects = [c for c in token.children if c.dep_ == "nsubj" and c.i in frame_at]
            if frame.open and subjects and frame_at[subjects[0].i].event_type in _HAPPENING_TYPES:
                frame = frame_at[subjects[0].i]
        out.append((token, frame))
    return out


def _assign_roles(
    doc: Doc,
    triggers: list[tuple[Token, Frame]],
    span: Span,
    timexes: list,
    entities: list[EntityMention],
    candidates: list[EntityMention],
    top_persons: list[str],
) -> dict[int, tuple[str | None, list[str], list[str]]]:
    """token index -> (date value, place ids, participant ids) of each trigger of one sentence."""
    if not triggers:
        return {}
    tokens = [token for token, _ in triggers]
    dates = _assign_dates(doc, tokens, timexes)
    places = _assign_places(doc, triggers, entities)
    people = _assign_people(doc, tokens, span, candidates, top_persons)
    for position, (token, frame) in enumerate(triggers):
        if frame.event_type in _HAPPENING_TYPES and position in people:
            # Nobody takes part in a quake or an epidemic: the people near one discuss it, fight
            # it or report it ("the leaders discussed the fight against the flu epidemic"). Only
            # a name inside the trigger's own phrase stays ("the crash of Varga's plane").
            own = {t.i for t in token.subtree}
            inside = {_entity_key(m) for m in candidates if m.label == "PERSON"
                      and (name := _entity_span(doc, m.start, m.end)) is not None and name.root.i in own}
            people[position] = [p for p in people[position] if p in inside]
    return {
        token.i: (dates.get(position), places.get(position, []), people.get(position, []))
        for position, token in enumerate(tokens)
    }


def _marked_earlier(token: Token) -> bool:
    """A noun marked as earlier than the happening reported ("the previous talks", "a prior
    arrest"): another event than the one the report is about."""
    return token.pos_ in ("NOUN", "PROPN") and any(
        child.dep_ == "amod" and child.lower_ in _EARLIER_MODIFIERS for child in token.children
    )


def _introduces_new_referent(token: Token) -> bool:
    """An indefinite noun ("an informal meeting", "another meeting", "a new loan") names an
    event of its own; it does not refer back to one mentioned before."""
    if token.pos_ not in ("NOUN", "PROPN"):
        return False
    return any(
        (child.dep_ == "det" and child.lower_ in _NEW_REFERENT_DETERMINERS)
        or (child.dep_ in ("amod", "det") and child.lower_ in _NEW_REFERENT_MODIFIERS)
        for child in token.children
    )


def _span_text(span: Span) -> str:
    """``span.text`` from the document's cached text (``Span.text`` joins its tokens on each access)."""
    return doc_text(span.doc)[span.start_char : span.end_char]


def _undatelined(sentence: Span, timexes: list) -> list:
    """The sentence's timexes without the one in a dateline ("VOLMGRAD, Feb 16 (Wire) - ...")."""
    match = _DATELINE.match(_span_text(sentence))
    if not match:
        return timexes
    end = sentence.start_char + match.end()
    return [t for t in timexes if t.start >= end]


def _participant_candidates(sentence: Span, entities: list[EntityMention], outlet: str | None) -> list[EntityMention]:
    """Entities that may take part: not a name inside the article's outlet name ("Ambric Wire"),
    not a name in a credit line ("Reporting by ...; editing by ...")."""
    if _CREDIT_LINE.search(_span_text(sentence)):
        return []
    outlet_words = set(_WORD.findall((outlet or "").lower()))
    out = []
    for mention in entities:
        words = set(_WORD.findall(mention.text.lower()))
        if outlet_words and words and words <= outlet_words:
            continue
        out.append(mention)
    return out


def _sentence_spans(doc: Doc, article: AnnotatedArticle) -> list[tuple[int, Span]]:
    """(sentence index, span) pairs that follow the article's own sentence records."""
    spans: list[tuple[int, Span]] = []
    if article.sentences:
        for sentence in article.sentences:
            span = doc.char_span(sentence.start, sentence.end, alignment_mode="expand")
            if span is not None and len(span):
                spans.append((sentence.index, span))
    else:
        spans = list(enumerate(doc.sents))
    return spans


def _entity_span(doc: Doc, start: int, end: int) -> Span | None:
    span = char_span(doc, start, end)
    return span if span is not None and len(span) else None


def _blocked_tokens(doc: Doc, entities: list[EntityMention], timexes: list) -> set[int]:
    blocked: set[int] = set()
    for mention in entities:
        if mention.label in _NAME_LABELS and (span := _entity_span(doc, mention.start, mention.end)):
            # A name that swallowed the verb of its clause ("Esther Williams Dies" in a headline)
            # leaves the verb free.
            blocked.update(t.i for t in span if not (t.pos_ == "VERB" and t.dep_ in ("ROOT", "ccomp", "conj")
                                                     and t.i != span.start))
    for timex in timexes:
        if span := _entity_span(doc, timex.start, timex.end):
            blocked.update(range(span.start, span.end))
    return blocked


def _is_specific(token: Token, frame: Frame) -> bool:
    """False for generic uses: "any meeting at the highest level", "meet the expectations",
    "has visited Kardovia regularly", "used for informal summits with foreign leaders", "between
    the leaders' meetings" (a plural of a meeting noun without a determiner or a number names
    a kind of occasion, not one)."""
    if any(child.dep_ == "det" and child.lower_ in _GENERIC_DETERMINERS for child in token.children):
        return False
    if any(child.lower_ in _HABITUAL_ADVERBS for child in token.children):
        return False
    if any(  # "marched through Brennik every Sunday"
        any(det.dep_ == "det" and det.lower_ in ("every", "each") for det in child.children)
        and (child.ent_type_ in ("DATE", "TIME") or child.lemma_.lower() in _TIME_UNITS)
        for child in token.children
    ):
        return False
    if (
        frame.event_type in _OCCASION_TYPES and token.pos_ == "NOUN" and token.tag_ == "NNS"
        and token.lemma_.lower() in frame.nouns
        and not any(child.dep_ in ("det", "nummod") for child in token.children)
    ):
        return False
    if frame.event_type == "meeting" and token.pos_ == "VERB":
        objects = [child for child in token.children if child.dep_ == "dobj"]
        if any(obj.lemma_.lower() in _MEET_OBJECT_STOP for obj in objects):
            return False
    return not _only_a_condition(token)


_CONDITION_WORDS = {"until", "once", "when"}  # "after"/"before" also time acts that follow real events


def _only_a_condition(token: Token) -> bool:
    """The trigger only sets when a hypothetical act would happen: "would reveal his name once he
    was dead", "would name him when he died" (a past tense under "would": nothing says the
    condition came about). Only such a clause under "would": "will sign the deal after the talks
    in Sochi" or "when they meet on Friday" announces the talks, "would return to the streets
    after the election" speaks of a real election, and "said he would resign after the guard
    died on Monday" of a real death."""
    clause = token.head if token.dep_ in ("acomp", "attr") else token  # "once he was dead"
    if clause.dep_ != "advcl" or clause.tag_ != "VBD":
        return False
    if not any(c.dep_ in ("mark", "advmod") and c.lower_ in _CONDITION_WORDS for c in clause.children):
        return False
    return any(c.dep_ == "aux" and c.lower_ == "would" for c in clause.head.children)


def _tree_distance(a: Token, b: Token) -> int | None:
    """Edges between two tokens through their lowest common ancestor; None across sentences."""
    depth_a = {a.i: 0}
    for depth, ancestor in enumerate(a.ancestors, start=1):
        depth_a[ancestor.i] = depth
    if b.i in depth_a:
        return depth_a[b.i]
    for depth, ancestor in enumerate(b.ancestors, start=1):
        if ancestor.i in depth_a:
            return depth_a[ancestor.i] + depth
    return None


def _nearest(anchor: Token, triggers: list[Token], limit: int) -> tuple[list[int], int]:
    """Indexes of the triggers closest to anchor in the tree (ties share), and that distance."""
    distances = [(_tree_distance(anchor, trigger), k) for k, trigger in enumerate(triggers)]
    distances = [(d, k) for d, k in distances if d is not None and d <= limit]
    if not distances:
        return [], -1
    best = min(d for d, _ in distances)
    return [k for d, k in distances if d == best], best


def _assign_dates(doc: Doc, triggers: list[Token], timexes: list) -> dict[int, str]:
    """trigger position -> TIMEX3 value of the calendar timex that dates it."""
    candidates: dict[int, list[tuple[int, int, str]]] = {}
    for timex in timexes:
        parts = parse_date_value(timex.value)
        span = _entity_span(doc, timex.start, timex.end)
        if parts is None or span is None or timex.type not in ("DATE", "TIME"):
            continue
        root = span.root
        if root.dep_ == "pobj" and root.head.lower_ in _BOUNDING_PREPS:
            continue
        if any(t.lower_ in _BOUNDING_PREPS for t in span[:1]):
            continue
        nearest, distance = _nearest(root, triggers, MAX_DATE_DISTANCE)
        for k in nearest:
            if _bounded_on_the_way(root, triggers[k]):
                continue  # "the first trip since the 2022 crisis": 2022 dates the crisis
            if _dates_something_else(root, triggers[k]):
                continue  # "Kallen, who moved to Lindhaven in 1998, died": 1998 dates the move
            if _dates_the_report(root, triggers[k]):
                continue  # "X will host Y on Friday for talks, the office said on Thursday"
            # Nearer first, then the more precise value. The day something was said is a weaker
            # clue than a date of the event itself: "said on Thursday, in talks" (a parse that
            # hangs the talks on "said") still takes "on Friday" from the main clause.
            precision = sum(part is not None for part in parts)
            penalty = REPORT_DATE_PENALTY if _report_date(root, triggers[k]) else 0
            candidates.setdefault(k, []).append((distance + penalty, -precision, timex.value))
    return {k: min(values)[2] for k, values in candidates.items()}


def _report_date(root: Token, trigger: Token) -> bool:
    """The timex dates a reporting verb ("said on Thursday") of which the trigger is not the
    occasion ("said on Thursday during the first visit" dates the visit too)."""
    verb = next((a for a in root.ancestors if a.pos_ in ("VERB", "AUX")), None)
    if verb is None or verb.lemma_.lower() not in _REPORTING_VERBS:
        return False
    occasion = trigger.dep_ == "pobj" and trigger.head.lower_ in ("during", "at") and trigger.head.head.i == verb.i
    return not occasion


def _dates_the_report(root: Token, trigger: Token) -> bool:
    """The timex belongs to a reporting verb whose reported clause holds the trigger."""
    verb = next((a for a in root.ancestors if a.pos_ in ("VERB", "AUX")), None)
    if verb is None or verb.lemma_.lower() not in _REPORTING_VERBS or verb.i == trigger.i:
        return False
    return any(
        child.dep_ in ("ccomp", "xcomp", "parataxis", "advcl") and trigger in child.subtree and root not in child.subtree
        for child in verb.children
    )


# A noun with one of these is an earlier happening than the one reported ("a prior arrest in 2006").
_EARLIER_MODIFIERS = {"prior", "previous", "earlier", "former"}


def _dates_something_else(root: Token, trigger: Token) -> bool:
    """The timex dates something on its own way to the trigger, not the trigger: a relative
    clause of another noun ("Kallen, who moved to Lindhaven in 1998, died on Monday": 1998 dates
    the move, not the death), an apposition to another noun ("Kallen, the 1990s champion, died")
    or an earlier happening ("charged with driving on probation for a prior offence in June
    2006"). A relative clause of the trigger itself ("the meeting, which took place on Monday"),
    or of a noun inside a nominal trigger's phrase ("the murder of X, which took place on 2
    August"), still dates it."""
    trigger_line = {trigger.i, *(t.i for t in trigger.ancestors)}
    nominal = trigger.pos_ in ("NOUN", "PROPN")
    for token in (root, *root.ancestors):
        if token.i in trigger_line:
            return False
        if token.dep_ in ("relcl", "appos") and token.head.i != trigger.i:
            if nominal and trigger.left_edge.i <= token.head.i <= trigger.right_edge.i:
                continue  # "the murder of X, which took place on 2 August": the parse hangs it on X
            if token.dep_ == "relcl" or token.head.ent_type_ not in ("DATE", "TIME"):
                return True  # "Page, the 1950s pin-up queen, died": the 1950s describe Page
        if token.i != root.i and _marked_earlier(token):
            return True
    return False


def _bounded_on_the_way(root: Token, trigger: Token) -> bool:
    """A bounding preposition ("since", "until", ...) between a timex and the trigger in the tree."""
    trigger_line = {trigger.i, *(t.i for t in trigger.ancestors)}
    for ancestor in root.ancestors:
        if ancestor.i in trigger_line:
            return False
        if ancestor.dep_ == "prep" and ancestor.lower_ in _BOUNDING_PREPS:
            return True
        # "the highest number since the unrest began in August": a clause that "since" opens
        if any(child.dep_ == "mark" and child.lower_ in _BOUNDING_PREPS for child in ancestor.children):
            return True
    return False


def _locative_anchor(root: Token, event_type: str) -> tuple[Token, bool] | None:
    """Where a place entity hangs when it says where something happens, else None.

    Returns (anchor, must_be_trigger): the preposition of "in Sochi" (measured to the nearest
    trigger), or the noun a name modifies ("the Sochi talks": only if that noun is the trigger).
    """
    head = root
    while head.dep_ == "conj":  # "in Minsk and Grodno"
        head = head.head
    if head.dep_ in ("compound", "nmod") and head.head.dep_ == "pobj" and head.head.head.lower_ in _LOCATIVE_PREPS:
        head = head.head  # "at the Vel Ostrog ski resort": the resort is where, and it is Vel Ostrog
    elif (
        head.dep_ == "pobj" and head.head.lower_ == "of" and head.head.head.dep_ == "pobj"
        and head.head.head.lemma_.lower() in PLACE_NOUNS and head.head.head.head.lower_ in _LOCATIVE_PREPS
    ):
        head = head.head.head  # "at the mountain resort of Velostrog"
    if head.dep_ == "pobj":
        prep = head.head.lower_
        if prep in _LOCATIVE_PREPS or prep == "to" and event_type in _TO_PLACE_TYPES:
            return head.head, False
        return None
    if head.dep_ in ("compound", "nmod") and event_type not in _PARTY_TYPES:
        return head.head, True  # not "Belarus's intention", not "Russia and Belarus allies"
    return None


def _assign_places(doc: Doc, triggers: list[tuple[Token, Frame]], entities: list[EntityMention]) -> dict[int, list[str]]:
    tokens = [token for token, _ in triggers]
    found: dict[int, list[tuple[int, int, str]]] = {}
    for mention in entities:
        if mention.label not in PLACE_LABELS or not (span := _entity_span(doc, mention.start, mention.end)):
            continue
        for k, (trigger, frame) in enumerate(triggers):
            located = _locative_anchor(span.root, frame.event_type)
            if located is None:
                continue
            anchor, must_be_trigger = located
            if must_be_trigger:
                if anchor.i == trigger.i:
                    found.setdefault(k, []).append((0, mention.start, _entity_key(mention)))
                continue
            nearest, distance = _nearest(anchor, tokens, MAX_PLACE_DISTANCE)
            if k in nearest:
                found.setdefault(k, []).append((distance, mention.start, _entity_key(mention)))
    return {k: list(dict.fromkeys(key for *_, key in sorted(values))) for k, values in found.items()}


def _entity_key(mention: EntityMention) -> str:
    # An unresolved mention still counts, under a key made from its surface form.
    return mention.entity_id or f"~{mention.text.lower()}"


def _top_persons(article: AnnotatedArticle) -> list[str]:
    """The article's two principal people: those it names in full (given name and surname)
    before those it only ever names with one word, then the most mentioned."""
    counts = Counter(_entity_key(m) for m in article.entities if m.label == "PERSON")
    full = {_entity_key(m) for m in article.entities if m.label == "PERSON" and len(m.text.split()) >= 2}
    first = _first_starts(article)
    ranked = sorted(counts, key=lambda key: (key not in full, -counts[key], first.get(key, 0)))
    return ranked[:2]


def _first_starts(article: AnnotatedArticle) -> dict[str, int]:
    starts: dict[str, int] = {}
    for m in article.entities:
        starts.setdefault(_entity_key(m), m.start)
    return starts


def _is_reporter(root: Token, trigger: Token) -> bool:
    """True when the person only reports the event: "according to X", "X said (that) ... trigger",
    "the spokesman X said that ..." (the name in apposition to the speaker)."""
    while root.dep_ == "appos" and root.head.i != root.i:
        root = root.head
    for ancestor in root.ancestors:  # "according to the press secretary ..., Dmitry Peskov"
        if ancestor.lower_ == "according":
            return True
        if ancestor.pos_ in ("VERB", "AUX"):
            break
    if root.dep_ in ("nsubj", "nsubjpass") and root.head.lemma_.lower() in _REPORTING_VERBS:
        verb = root.head
        # Only when the event sits in what they say; "Putin told a meeting" keeps Putin.
        return any(
            child.dep_ in ("ccomp", "xcomp", "parataxis", "advcl") and trigger in child.subtree
            for child in verb.children
        )
    return False


# Verbs whose subject describes or judges an event named as their object, from outside it.
_JUDGING_VERBS = {
    "call", "describe", "condemn", "denounce", "praise", "criticize", "criticise", "deplore",
    "hail", "welcome", "decry", "label", "term",
}


def _judges(root: Token, trigger: Token) -> bool:
    """The person is the subject of a verb that names the event as its object to describe or
    judge it: "the judge called the slaying a vicious murder", "the mayor condemned the attack"
    (the judge and the mayor took no part in it)."""
    while root.dep_ == "appos" and root.head.i != root.i:
        root = root.head
    if root.dep_ != "nsubj" or root.head.lemma_.lower() not in _JUDGING_VERBS:
        return False
    verb = root.head
    return any(child.dep_ == "dobj" and trigger in child.subtree for child in verb.children)


_COPULAS = {"be", "become", "remain"}


def _describes_someone(root: Token, trigger: Token) -> bool:
    """The name is what someone else is said to be, in a clause of its own: "Restin, who was
    rumored to be Grey Fox, has died", "Restin ... by becoming Grey Fox" (Grey Fox is an alias
    or a rumoured identity of Restin, not a second person in the death). The main clause's
    copula keeps its name: "the man killed was Bodo Restin"."""
    copula = root.head
    return (
        root.dep_ == "attr" and copula.lemma_.lower() in _COPULAS and copula.dep_ != "ROOT"
        and trigger not in copula.subtree
    )


def _affected_by(root: Token, trigger: Token) -> bool:
    """The trigger is the subject of a verb and the person only its object: "the protests can
    topple Dobrovan" (Dobrovan is what the protests aim at, not one who protests)."""
    if trigger.dep_ not in ("nsubj", "nsubjpass", "csubj") or root in trigger.subtree:
        return False
    head = root
    while head.dep_ == "conj" and head.head.i != head.i:
        head = head.head
    return head.dep_ in ("dobj", "dative", "xcomp", "oprd") and head.head.i == trigger.head.i


def _outside_time_adjunct(root: Token, trigger: Token) -> bool:
    """The trigger only times another clause ("After the meeting, Vorontin said ...", "told
    reporters after the talks"): people outside its own phrase are not its participants."""
    if not (trigger.dep_ == "pobj" and trigger.head.lower_ in _TIME_ADJUNCT_PREPS):
        return False
    return root not in trigger.subtree


def _assign_people(
    doc: Doc, triggers: list[Token], sentence: Span, entities: list[EntityMention], top_persons: list[str]
) -> dict[int, list[str]]:
    """trigger position -> PERSON entity ids that take part in it.

    A person belongs to the trigger(s) nearest to it in the tree (in a one-event sentence, to
    that event), unless they only report it. "The two leaders"/"the presidents" near a trigger
    with fewer than two named people add the article's two most mentioned people.
    """
    found: dict[int, list[str]] = {}
    for mention in entities:
        if mention.label != "PERSON" or not (span := _entity_span(doc, mention.start, mention.end)):
            continue
        nearest, _ = _nearest(span.root, triggers, len(doc))
        for k in nearest:
            if (
                not _is_reporter(span.root, triggers[k]) and not _outside_time_adjunct(span.root, triggers[k])
                and not _affected_by(span.root, triggers[k]) and not _judges(span.root, triggers[k])
                and not _describes_someone(span.root, triggers[k])
            ):
                found.setdefault(k, []).append(_entity_key(mention))
    for token in sentence:
        lemma = token.lemma_.lower()
        if lemma not in _GROUP_NOUNS and lemma not in _PARTY_NOUNS:
            continue  # neither test below can hold: both start from these nouns
        if _names_the_leaders(token):
            for k in _nearest(token, triggers, len(doc))[0]:
                if len(set(found.get(k, []))) < 2:
                    found[k] = found.get(k, []) + top_persons
        elif _names_the_parties(token):
            for k, trigger in enumerate(triggers):
                their = any(c.dep_ == "poss" and c.lower_ == "their" for c in trigger.children)
                if their and len(set(found.get(k, []))) < 2:
                    found[k] = found.get(k, []) + top_persons
    return {k: list(dict.fromkeys(ids)) for k, ids in found.items()}


def _names_the_parties(token: Token) -> bool:
    """"the parties", "both sides": the two sides of the article's story."""
    return (
        token.lemma_.lower() in _PARTY_NOUNS
        and token.tag_ in ("NNS", "NNPS")
        and any(child.lower_ in _GROUP_MARKERS for child in token.children)
    )


def _names_the_leaders(token: Token) -> bool:
    """"the two leaders", "both presidents", "the heads of state": the article's principal people."""
    return (
        token.lemma_.lower() in _GROUP_NOUNS
        and token.tag_ in ("NNS", "NNPS")
        and any(child.lower_ in _GROUP_MARKERS for child in token.children)
    )


def _governing_verb(token: Token) -> Token:
    """The verb that tells the tense of a noun trigger ("the meeting took place"), else the token."""
    current = token
    for _ in range(3):
        if current.pos_ in ("VERB", "AUX"):
            return current
        if current.dep_ == "ROOT":
            break
        current = current.head
    return token


def _status(trigger: Token, date_value: str | None, published: date | None) -> tuple[str, bool]:
    """(status, negated): cancel words, negation, future/schedule words, hedges, past tense; else the date."""
    verb = _governing_verb(trigger)
    # Each walk over a token's children makes new Token objects: walk them once.
    trigger_children, verb_children = list(trigger.children), list(verb.children)
    scope = [trigger, *trigger_children, verb, *verb_children]
    lemmas = {t.lemma_.lower() for t in scope} | {t.lower_ for t in scope}
    negated = any(t.dep_ == "neg" for t in (*trigger_children, *verb_children)) or any(
        child.dep_ == "det" and child.lower_ == "no" for child in trigger_children
    )
    called_off = verb.lemma_ == "call" and any(child.lower_ == "off" for child in verb_children)
    if lemmas & _CANCEL_CUES or called_off:
        return "cancelled", negated
    if negated:
        return "unknown", True
    if any(child.lower_ in _PAST_CUES for child in trigger_children if child.dep_ in ("amod", "advmod")):
        return "happened", False  # "their previous talks", whatever the verb around them
    if any(t.lower_ in _FUTURE_AUX and t.dep_ == "aux" for t in (*verb_children, *trigger_children)) or (
        lemmas & _SCHEDULE_CUES
    ):
        return "scheduled", False
    if lemmas & _EXPECT_CUES:
        return "expected", False
    tenses = set(verb.morph.get("Tense")) | set(trigger.morph.get("Tense"))
    perfect = any(t.dep_ == "aux" and t.lemma_ == "have" for t in verb_children)
    if "Past" in tenses or perfect or lemmas & _PAST_CUES:
        return "happened", False
    parts = parse_date_value(date_value)
    if parts and parts.year and published:
        day = date(parts.year, parts.month or 1, parts.day or 1)
        return ("happened" if day <= published else "scheduled"), False
    return "unknown", False


def _compatible_context(mention: EventMention, earlier: EventMention) -> bool:
    if mention.place_ids and earlier.place_ids and not set(mention.place_ids) & set(earlier.place_ids):
        return False
    if mention.participant_ids and earlier.participant_ids:
        return bool(set(mention.participant_ids) & set(earlier.participant_ids))
    return True


def _fill_undated(mentions: list[EventMention], published: date | None, fresh: set[str] | None = None,
                  marked_earlier: set[str] | None = None) -> None:
    """Antecedents and context dates, then publication bounds, for mentions whose sentence gives no date.

    The antecedent is the nearest earlier mention of the same type (else of the same family)
    that agrees on place and people with it, and with the mention its date came from (a chain of bare "the meeting"s must
    not carry the date of talks in Sochi to a meeting in Mogilev). The date is inherited only
    from a mention at most CONTEXT_SENTENCES before. Headline and lead mentions with no tense
    ("Putin – Lukashenko: meeting with opaque results") get the publication bound too. An
    indefinite noun ("another meeting", "an informal meeting") introduces an event of its own
    and takes no antecedent.
    """
    origin: dict[str, EventMention] = {}  # mention key -> the mention that states its date
    for position, mention in enumerate(mentions):
        if mention.date_source == "explicit":
            origin[mention.key] = mention
        if mention.date_value or mention.negated:
            continue
        family = event_family(mention.event_type)
        window = [
            earlier for earlier in reversed(mentions[:position])
            if mention.sentence_index - earlier.sentence_index <= CONTEXT_SENTENCES
            and not earlier.negated and event_family(earlier.event_type) == family
            and _compatible_context(mention, earlier)
            and not ((source := origin.get(earlier.key)) and not _compatible_context(mention, source))
        ]
        # A mention of the very same kind ("the visit" after "his first visit") before a nearer
        # one of the family ("the two men met at X in February", recalled in between).
        same = [earlier for earlier in window if earlier.event_type == mention.event_type]
        if fresh and mention.key in fresh:
            window = same = []  # "another meeting" refers to no earlier one
        for earlier in (same or window)[:1]:
            source = origin.get(earlier.key)
            mention.antecedent = earlier.key
            near_enough = source is not None and mention.sentence_index - source.sentence_index <= CONTEXT_SENTENCES
            if earlier.date_source in ("explicit", "context") and near_enough:
                mention.date_value, mention.date_source = earlier.date_value, "context"
                origin[mention.key] = source
        if not mention.date_value and mention.sentence_index < FORWARD_LEAD:
            _forward_antecedent(mention, mentions[position + 1 :], marked_earlier or set())
        reported = mention.status in ("happened", "scheduled", "expected")
        if not mention.date_value and published and (reported or mention.sentence_index < LEAD_SENTENCES):
            mention.date_value, mention.date_source = published.isoformat(), "publication"


def _forward_antecedent(mention: EventMention, later: list[EventMention],
                        marked_earlier: frozenset[str] | set[str] = frozenset()) -> None:
    """A headline or lead mention names the event before the text dates it ("The summit brought
    no results. ... The leaders met on 29 June in Gradel."): it refers to the first dated mention
    of its family that follows within a few sentences, when that one does not contradict it, nor
    names other people than the first mention of the family after it that names anyone ("A
    player has been arrested. Vell was arrested by police. ... Kallen's arrest in January": the
    headline is Vell's arrest, not Kallen's)."""
    family = event_family(mention.event_type)
    named: set[str] = set()  # the people of the first later mention of the family that names anyone
    for candidate in later:
        if candidate.sentence_index - mention.sentence_index > FORWARD_SENTENCES:
            return
        if candidate.negated or event_family(candidate.event_type) != family:
            continue
        if candidate.key in marked_earlier:
            continue  # "... the previous talks in Sochi on 21 September": not the lead's event
        if candidate.date_source != "explicit":
            named = named or set(candidate.participant_ids)
            continue
        if named and candidate.participant_ids and not named & set(candidate.participant_ids):
            return  # dated, but the event of someone else
        if _compatible_context(mention, candidate):
            mention.antecedent = candidate.key
            mention.date_value, mention.date_source = candidate.date_value, "context"
        return  # only the first dated mention of the family counts
