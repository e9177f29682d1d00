"""The records that flow between storyline's stages.

Every record that ends up in the store carries its provenance: the article it
comes from, character offsets into that article's *cleaned* text (the cleaned →
original offset map lives on the article), the sentence index, and the stage
name and version that produced it.

These are plain dataclasses so that any stage can be tested without the store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

LedgerState = Literal["ingested", "duplicate", "rejected"]
DateProvenance = Literal["metadata", "dateline", "inferred", "unknown", "user"]
Modality = Literal[
    "asserted", "announced", "rumoured", "denied", "expected", "planned", "speculative"
]
FigureKind = Literal["money", "duration", "count", "percent"]
# TIMEX3 modifiers that we use (a subset of the TimeML list).
TimexMod = Literal["APPROX", "LESS_THAN", "MORE_THAN", "START", "MID", "END", "EQUAL_OR_LESS", "EQUAL_OR_MORE"]


@dataclass
class RawDocument:
    """One unit of input as a reader produced it: a file, a feed entry or a JSONL line."""

    source_path: str  # the file it came from, as given (absolute)
    locator: str  # "" for a whole file, "entry:3" for a feed entry, "line:17" for JSONL
    raw_text: str  # decoded text before cleaning ("" when rejected)
    fmt: str  # txt | html | feed | jsonl
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: str | None = None  # ISO date (YYYY-MM-DD) when known from metadata
    encoding: str | None = None
    content_hash: str = ""  # sha256 of the raw bytes/line/entry that produced it
    reject_reason: str | None = None  # set by the reader when the input cannot be used

    @property
    def input_key(self) -> str:
        return input_key(self.source_path, self.locator)


def input_key(source_path: str, locator: str = "") -> str:
    """The ledger key of an input: its path, plus '#entry:N' or '#line:N' for a part of a file.

    '%' and '#' in the path are percent-encoded so that a file literally named
    'feed.xml#entry:1' cannot take the key of entry 1 of feed.xml.
    """
    path = source_path.replace("%", "%25").replace("#", "%23")
    return f"{path}#{locator}" if locator else path


def source_name(outlet: str | None, key: str) -> str:
    """How a report is named as a source: its outlet, or its input's file name when it names none.

    ``key`` is the article's input key: the locator ('#line:N') is dropped and the file name's
    percent-encoding undone, so every line of ``feed.jsonl`` is known as ``feed.jsonl``.
    """
    if outlet:
        return outlet
    path = key.split("#", 1)[0].rsplit("/", 1)[-1]
    return path.replace("%23", "#").replace("%25", "%")


@dataclass
class OffsetSegment:
    """Cleaned text [clean_start, clean_start+length) == original [orig_start, orig_start+length)."""

    clean_start: int
    orig_start: int
    length: int


@dataclass
class RemovedSpan:
    """A piece of the original text the cleaner dropped, and the rule that dropped it."""

    orig_start: int
    orig_end: int
    text: str
    rule: str


@dataclass
class Sentence:
    article_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass
class EntityMention:
    article_id: str
    sentence_index: int
    start: int
    end: int
    text: str
    label: str  # PERSON | GPE | LOC | ORG | NORP | FAC | EVENT | ...
    entity_id: str | None = None  # the resolved corpus-wide entity
    stage: str = ""
    stage_version: str = ""


@dataclass
class Entity:
    entity_id: str
    label: str
    canonical: str  # the best name (longest frequent full form)
    aliases: dict[str, int] = field(default_factory=dict)  # surface form -> count


@dataclass
class Timex:
    """A time expression normalized to a TIMEX3-style value.

    value examples: 2021-02-22, 2020-09, 2021, XXXX-09-21, PT4H, P3D, PRESENT_REF.
    """

    start: int
    end: int
    text: str
    type: str  # DATE | TIME | DURATION | SET
    value: str | None
    mod: str | None = None
    anchor: str | None = None  # what it was resolved against: "dct", "explicit", "none"
    article_id: str = ""
    sentence_index: int = -1
    stage: str = ""
    stage_version: str = ""


@dataclass
class Figure:
    """A quantity stated in the text: money, a duration, a count of people, a percentage."""

    start: int
    end: int
    text: str
    kind: str  # FigureKind
    value: float | None  # lower (or only) value, in `unit`
    value_max: float | None = None  # upper bound for ranges ("$ 3-3.5 billion")
    unit: str | None = None  # USD, EUR, RUB, hours, people, percent, ...
    timex: str | None = None  # for durations: PT4H
    qualifier: str | None = None  # APPROX | MORE_THAN | LESS_THAN | None
    modality: str = "asserted"  # Modality
    speaker: str | None = None
    cue: str | None = None  # the words that set the modality ("rumours", "denied")
    article_id: str = ""
    sentence_index: int = -1
    stage: str = ""
    stage_version: str = ""


@dataclass
class LedgerEntry:
    input_key: str
    source_path: str
    locator: str
    fmt: str
    content_hash: str
    state: str  # LedgerState
    reason: str | None = None
    article_id: str | None = None  # for ingested: its article; for duplicate: the original
    duplicate_kind: str | None = None  # exact | near
    similarity: float | None = None


def to_dict(record: Any) -> dict[str, Any]:
    return asdict(record)


@dataclass
class AnnotatedArticle:
    """Everything the annotation stages know about one article: the input of event extraction."""

    article_id: str
    text: str  # cleaned text; all offsets below point into it
    title: str | None
    outlet: str | None
    published: str | None  # ISO date (or None) after document-date inference
    published_source: str  # DateProvenance
    sentences: list[Sentence] = field(default_factory=list)
    entities: list[EntityMention] = field(default_factory=list)
    timexes: list[Timex] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    year_known: bool = True  # False when no date with a year could be found or inferred
