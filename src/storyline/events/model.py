"""The records of the event stage, and the small date vocabulary they share.

An :class:`EventMention` is one trigger word in one sentence ("met", "talks", "loan").
An :class:`Event` is a real-world happening that several mentions, possibly in several
articles, refer to. A :class:`Fact` is a figure (money, duration, count, percentage) tied to an
event and an attribute ("loan_amount"); a :class:`Reconciliation` says whether the sources
that state one attribute of one event agree.

Dates are TIMEX3 values as the timex stage writes them: ``2020-09-14``, ``2021-02``, ``2021``,
``XXXX-09-21`` (a day whose year the text does not give). :func:`parse_date_value` turns one into
:class:`DateParts`; everything else in this package reasons on those parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, Iterable, Literal, Mapping, NamedTuple

STAGE = "events"
STAGE_VERSION = "1"

DateSource = Literal["explicit", "context", "publication", "none"]
EventStatus = Literal["happened", "scheduled", "expected", "cancelled", "unknown"]
DatePrecision = Literal["day", "month", "year", "unknown-year", "unknown"]
ReconciliationStatus = Literal["agree", "conflict", "single"]

# Event types that name the same kind of real-world happening from different angles: a
# meeting of two leaders is reported as "talks", "a summit" or "a visit". Grouping blocks on the
# family, so these can end up in one event; a type not listed is its own family.
EVENT_FAMILIES: dict[str, str] = {
    "meeting": "meeting",
    "talks": "meeting",
    "summit": "meeting",
    "visit": "meeting",
    # A death is reported as a killing, a shooting or a murder ("shooting kills 1", "the killing
    # by police of a 15-year-old boy", "teenager's shooting"): one family, told apart by people,
    # place and date.
    "death": "death",
    "killing": "death",
    "shooting": "death",
    # An arrest and the charges that follow are reported together ("arrested and charged with").
    "arrest": "arrest",
    "charge": "arrest",
    "riot": "protest",
    "dismissal": "personnel",
    "appointment": "personnel",
    "resignation": "personnel",
    # Lemma clusters: open triggers (typed by their lemma) that tell one kind of happening.
    "name": "personnel",
    "replace": "personnel",
    "succeed": "personnel",
    "take_over": "personnel",
    "game": "victory",
    "match": "victory",
    "playoff": "victory",
    "championship": "victory",
    "tournament": "victory",
    "score": "victory",
    "fix": "repair",
    "patch": "repair",
    "repair": "repair",
    "restore": "repair",
    "restoration": "repair",
    "mend": "repair",
    "damage": "outage",
    "sever": "outage",
    "disrupt": "outage",
    "disruption": "outage",
    "outage": "outage",
    "blackout": "outage",
    "downtime": "outage",
    "breakdown": "outage",
    "hang": "death",
    "board": "attack",
    "capture": "attack",
    "thwart": "attack",
    "foil": "attack",
    "hijack": "attack",
    "seize": "attack",
    "rescue": "attack",
    "free": "release",
    "release": "release",
}


def event_family(event_type: str, families: dict[str, str] | None = None) -> str:
    return (families or EVENT_FAMILIES).get(event_type, event_type)


def is_open_type(event_type: str) -> bool:
    """True for the type of a mention found by the open detector (its type is the trigger's
    lemma, e.g. "check", "release"), False for a type of a lexicon frame ("meeting", "death")."""
    from storyline.events.mentions import DEFAULT_FRAMES  # the frames live with the extractor

    return event_type not in DEFAULT_FRAMES


@dataclass
class EventMention:
    """One event trigger in one sentence, with what the sentence says about its date, place and people.

    ``date_source`` says where ``date_value`` comes from: a timex in the sentence ("explicit"),
    an earlier mention of the same kind of event in the article ("context"), or the article's
    publication date ("publication"). A publication date is a *bound*, not a date: a mention in
    the past tense happened on or shortly before it, a scheduled one on or shortly after it.
    """

    article_id: str
    sentence_index: int
    start: int  # trigger offsets in the article's cleaned text
    end: int
    trigger: str
    event_type: str
    date_value: str | None = None  # TIMEX3 value
    date_source: str = "none"  # DateSource
    place_id: str | None = None  # the preferred place
    place_ids: list[str] = field(default_factory=list)  # every place the sentence ties to the trigger
    participant_ids: list[str] = field(default_factory=list)
    status: str = "unknown"  # EventStatus
    negated: bool = False  # "no agreement was signed", "they did not talk about ..."
    stage: str = STAGE
    stage_version: str = STAGE_VERSION
    # The key of the nearest earlier mention in the article that this one refers back to (same
    # kind of event, no contradiction on place or people); its date is this one's context date.
    antecedent: str | None = None
    # Grouping only, not stored: the corpus entities named in the mention's sentence, each with
    # its rarity in the corpus (grouping.usable_mentions fills it when given the articles).
    names: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    # Grouping only, not stored: the mention is in its article's title or lead.
    lead: bool = field(default=False, compare=False, repr=False)
    # Grouping only, not stored: those of place_ids that are sites (a street, a building), not towns.
    site_ids: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    # Grouping only, not stored: grouping.mention_weight of the mention in its article (title 3,
    # lead 2, body 1), computed once where the article is at hand (grouping.usable_mentions), so
    # that deciding an article's main event needs no article.
    weight: float | None = field(default=None, compare=False, repr=False)
    # Grouping only, not stored here: the event the previous build put the mention in
    # (``event_mentions.event_id``), which an event's id is inherited through.
    previous_event: str | None = field(default=None, compare=False, repr=False)
    # Grouping only, not stored: the day that places the mention in time for calendar-sliced
    # grouping (grouping.time_anchors, from the mention and its article only); None: timeless
    # or not computed (grouping then reads the mention's own date).
    anchor: date | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> str:
        return mention_key(self.article_id, self.sentence_index, self.start, self.end)


_MENTION_FIELDS = frozenset(f.name for f in fields(EventMention))


def with_fields(mention: EventMention, **changes: Any) -> EventMention:
    """``dataclasses.replace(mention, **changes)`` without going through ``__init__`` (which
    EventMention does nothing in but set its fields): a new mention with the same field values
    (the same objects) but ``changes``. Grouping copies every usable mention of the corpus this
    way (its names, weight and anchor), and ``replace`` (a getattr per field, then ``__init__``)
    was four times as slow."""
    unknown = changes.keys() - _MENTION_FIELDS
    if unknown:
        raise TypeError(f"EventMention has no fields {sorted(unknown)}")
    copy = object.__new__(EventMention)
    copy.__dict__.update(mention.__dict__)
    copy.__dict__.update(changes)
    return copy


def mention_key(article_id: str, sentence_index: int, start: int, end: int) -> str:
    """A mention's stable identity; :attr:`Event.mention_keys` holds these."""
    return f"{article_id}:{sentence_index}:{start}:{end}"


def parse_mention_key(key: str) -> tuple[str, int, int, int]:
    """(article_id, sentence_index, start, end); article ids may themselves contain colons."""
    article_id, sentence_index, start, end = key.rsplit(":", 3)
    return article_id, int(sentence_index), int(start), int(end)


def first_mention(keys: Iterable[str]) -> tuple[str, int]:
    """(article_id, sentence_index) of the first of these mention keys: what an event's fresh id
    is made from and events are ordered by."""
    article_id, sentence_index, _, _ = min(parse_mention_key(key) for key in keys)
    return article_id, sentence_index


def mention_count(event: Event, counts: Mapping[str, int] | None = None) -> int:
    """An event's number of mentions: from ``counts`` (event id -> its number) for events kept
    without their mention keys (a build's, once written), else from its keys."""
    return counts[event.event_id] if counts is not None else len(event.mention_keys)


@dataclass
class Event:
    event_id: str
    event_type: str
    title: str
    date_value: str | None
    date_precision: str  # DatePrecision
    date_confidence: float  # share of the dated evidence that supports date_value, 0..1
    place_id: str | None
    participant_ids: list[str]
    main_articles: list[str]
    mentioning_articles: list[str]
    key_sentences: list[tuple[str, int]]  # (article_id, sentence_index), main articles first
    mention_keys: list[str]
    merged_from: list[str] = field(default_factory=list)  # "<id>" merged in; "split:<id>" split off
    place_ids: list[str] = field(default_factory=list)  # every place its mentions name
    status: str = "unknown"  # EventStatus
    # An ISO date to order an event whose date (or year) is unknown: the earliest publication
    # date among its articles. A hint for ordering only, never shown as the event's date.
    date_hint: str | None = None
    stage: str = STAGE
    stage_version: str = STAGE_VERSION


@dataclass
class Fact:
    event_id: str
    attribute: str  # loan_amount, meeting_duration, crowd_size, arrests, vote_share, or generic
    kind: str  # the figure kind: money | duration | count | percent
    value: float | None
    value_max: float | None
    unit: str | None
    qualifier: str | None
    modality: str
    speaker: str | None
    article_id: str
    outlet: str | None
    sentence_index: int
    start: int  # the figure's offsets in the cleaned text
    end: int
    text: str  # the figure as written ("almost four hours")
    quote: str  # the sentence that states it
    timex: str | None = None  # durations: PT4H
    cue: str | None = None  # the words that set the modality
    link: str = "sentence"  # how it was tied to the event: sentence | previous_sentence | article
    stage: str = STAGE
    stage_version: str = STAGE_VERSION


@dataclass
class Reconciliation:
    event_id: str
    attribute: str
    status: str  # ReconciliationStatus
    explanation: str
    sources: list[str] = field(default_factory=list)  # article ids, in fact order
    stage: str = STAGE
    stage_version: str = STAGE_VERSION


# --- dates -------------------------------------------------------------------------------------


class DateParts(NamedTuple):
    """A calendar date with possibly missing parts; year None means "the text gives no year"."""

    year: int | None
    month: int | None
    day: int | None


_DATE_VALUE = re.compile(
    r"^(?P<year>\d{4}|XXXX)"
    r"(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?"
    r"|-(?P<other>Q[1-4]|H[12]|SP|SU|FA|AU|WI|W\d{2}))?"
    r"(?:T.*)?$"
)


def parse_date_value(value: str | None) -> DateParts | None:
    """DateParts for a TIMEX3 calendar value, None for anything else (durations, PRESENT_REF, "XXXX").

    Quarters, halves, seasons and weeks keep only their year: too coarse to tell events apart.
    """
    if not value:
        return None
    match = _DATE_VALUE.match(value)
    if not match:
        return None
    year = None if match["year"] == "XXXX" else int(match["year"])
    month = int(match["month"]) if match["month"] else None
    day = int(match["day"]) if match["day"] else None
    if month is not None and not 1 <= month <= 12 or day is not None and not 1 <= day <= 31:
        return None
    if year is None and month is None:
        return None  # "XXXX" or "XXXX-Q1" says nothing usable
    return DateParts(year, month, day)


def parts_precision(parts: DateParts | None) -> str:
    if parts is None:
        return "unknown"
    if parts.year is None:
        return "unknown-year"
    if parts.day is not None:
        return "day"
    if parts.month is not None:
        return "month"
    return "year"


def date_precision(value: str | None) -> str:
    """The DatePrecision of a TIMEX3 value."""
    return parts_precision(parse_date_value(value))


def precision_rank(parts: DateParts | None) -> int:
    """Higher is more informative: a full date beats a month, a year beats a year-less day."""
    if parts is None:
        return 0
    if parts.year is None:
        return 2 if parts.day is not None else 1
    return 5 if parts.day is not None else 4 if parts.month is not None else 3


def format_parts(parts: DateParts) -> str:
    """The TIMEX3 value of DateParts (inverse of :func:`parse_date_value`)."""
    value = "XXXX" if parts.year is None else f"{parts.year:04d}"
    if parts.month is not None:
        value += f"-{parts.month:02d}"
        if parts.day is not None:
            value += f"-{parts.day:02d}"
    return value


def parts_relation(a: DateParts, b: DateParts) -> str:
    """exact | same | refines | yearless | incompatible for two calendar dates."""
    if a.year is not None and b.year is not None and a.year != b.year:
        return "incompatible"
    if a.month is not None and b.month is not None and a.month != b.month:
        return "incompatible"
    if a.day is not None and b.day is not None and a.day != b.day:
        return "incompatible"
    if a.year is None or b.year is None:
        return "yearless"
    if a == b:
        return "exact" if a.day is not None else "same"
    return "refines"
