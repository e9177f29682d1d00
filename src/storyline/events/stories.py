"""Stories: the events and articles of one real-world story, one level above events.

An event is one happening (an arrest, the charges, a killing, a court hearing); a *story* is
what a reader follows: the arrest of a man, the charges against him and his first court
appearance, told by reports that each lead with one of these happenings. Grouping keeps the
happenings apart (coreference of mentions wants an arrest and the charges apart); this stage
puts the events that belong to one story together, so that reports of one story are found
together whichever happening their lead tells first.

Method (agglomerative, over articles; no all-pairs comparison over the corpus):

1. Units. Every article that is the main article of an event starts in the unit of that event
   (the reports about one event are one story); an annotated article with no main event is a
   unit of its own, so an article that reports a story without a happening storyline found
   still joins it.
2. Profile of a unit: the named entities of its articles (people, organisations, places, works,
   ...), each ``log(1 + count)`` per article (title and lead count :data:`LEAD_WEIGHT` times a
   body mention), summed over the unit's articles and weighted by ``idf = log(N / df)`` over the
   N articles of the corpus, a person :data:`PERSON_WEIGHT` times more, a town, region or
   country :data:`PLACE_WEIGHT` times (many unrelated stories share one): a story is told by its
   rare names (the nominee, the climber), not by the names every report of the corpus carries
   (the president, the award). Each unit keeps its :data:`TOP_NAMES` heaviest names.
3. Merge, best pair first: two units whose profiles have a cosine of at least
   :data:`STORY_SIMILARITY` become one (profiles are summed: the average of the story), unless
   their dated events are more than :data:`STORY_GAP_DAYS` apart (the 2020 and the 2021 meeting
   of the same two leaders are two stories; a year-less "19 Oct" fits a date only if some year
   puts it that close; a bare year is not used, being mostly background), or unless they are
   the arrests (or charges) of different people (:func:`_protagonists_clash`: two players of
   one club arrested a month apart share the club, the town and the coach in their reports,
   but are two stories; people arrested within :data:`SAME_INCIDENT_DAYS` of each other may be
   one raid; a bare surname may be anyone of that surname, :func:`_may_be_one_person`). Only
   the arrest family: the people of a death event mix victim and killer, and a
   first name alone is not always resolved, so the same rule for all families cost more
   than it saved on the dev sets. Candidates come from an inverted index over the
   units' heaviest names, so only units that share such a name are compared.
4. A report left alone (one article, no story of its own) joins the story of several reports
   that is most like it if the cosine is at least :data:`STRAY_SIMILARITY`, the story names one
   of its people, the dates fit and the story's events are of its kind (frame family): a report
   that tells the story in words of its own (a quote, a side detail, a bare surname) shares too
   few names for the threshold of step 3 with any one unit.
5. Events no article is about (mentioned in passing) join the story that most of their articles
   are in.

A story's id is a hash of its smallest event id; its title is the title of the event most of its
articles are about, its dates the span of the events its articles are about (dated to the day or
month). Every event is in exactly one story; an article about no event that joined no story is
in none.

Memory: what grows with the corpus is on disk, in a scratch file (``spill.StorySpill``): the
names' int codes, each article's name counts, each unit's profiles, the index of the units' heaviest names and each
story's members. In memory stay flat arrays (4 bytes an article and an event, ~20 a name, ~30 a
unit), the year-less dates and arrested people of the units that have them, and the scored pairs.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import struct
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from itertools import islice
from pathlib import Path

from storyline.events.model import Event, event_family, is_open_type, mention_count, parse_date_value
from storyline.events.spill import EventSpill, StorySpill
from storyline.records import AnnotatedArticle, Entity

STAGE = "stories"
STAGE_VERSION = "3"

# Labels of names that say what a story is about; nationalities ("American") and numbers do not.
STORY_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
PERSON_WEIGHT = 2.0  # a story is first of all about who
PLACE_WEIGHT = 0.5  # a town or country is shared by many unrelated stories of a news pool
LEAD_WEIGHT = 3.0  # a name in the title or the lead counts this many body mentions
TOP_NAMES = 30  # names kept per unit profile
# Candidates: units sharing one of their CANDIDATE_NAMES heaviest names; a name shared by more than
# MAX_POSTING units (a name of the whole archive) proposes no candidates, though it still counts
# in the cosine: this keeps the comparisons near linear in the number of articles.
CANDIDATE_NAMES = 20
MAX_POSTING = 500
STORY_SIMILARITY = 0.1  # cosine of two profiles for one story (tuned on the dev sets)
STORY_GAP_DAYS = 45  # dated events further apart than this are two stories, not one
STRAY_SIMILARITY = 0.02  # a report left alone joins the story of several reports this like it
# The arrest (or the charging) of one person and that of another are two stories, unless both are
# dated this close (one raid, several people arrested).
PROTAGONIST_FAMILIES = {"arrest"}
SAME_INCIDENT_DAYS = 2
# Only dates to the day or month bound a story: a bare year is mostly background ("won a Tony in
# 2005"), which would keep the reports of one story apart.
SPAN_PRECISIONS = ("day", "month")


@dataclass
class Story:
    story_id: str
    title: str
    event_ids: list[str]  # in the order of the events given
    article_ids: list[str]  # the articles about the story, sorted
    date_from: str | None = None  # ISO dates: the span of the events its articles are about (day or month dates)
    date_to: str | None = None
    stage: str = STAGE
    stage_version: str = STAGE_VERSION


@dataclass
class _Unit:
    """What may keep two units apart (dates, the people arrested): a view of one unit of
    :class:`_Units` for :func:`_fits`."""

    hull: tuple[date, date] | None = None  # the span of its dated events (from the first day to the last)
    yearless: list[tuple[int, int | None]] = field(default_factory=list)  # (month, day) of year-less dates
    people: dict[str, set[str]] = field(default_factory=dict)  # family (PROTAGONIST_FAMILIES) -> its events' people (names)


def _event_span(event: Event) -> tuple[date, date] | None:
    if event.date_precision not in SPAN_PRECISIONS:
        return None
    parts = parse_date_value(event.date_value)
    if parts is None or parts.year is None:
        return None
    if parts.month is None:
        return date(parts.year, 1, 1), date(parts.year, 12, 31)
    if parts.day is None:
        end = date(parts.year + (parts.month == 12), parts.month % 12 + 1, 1)
        return date(parts.year, parts.month, 1), date.fromordinal(end.toordinal() - 1)
    try:
        day = date(parts.year, parts.month, parts.day)
    except ValueError:
        return None
    return day, day


def _yearless_date(event: Event) -> tuple[int, int | None] | None:
    """(month, day) of an event dated to a day or month whose year the reports do not give."""
    parts = parse_date_value(event.date_value)
    if parts is None or parts.year is not None or parts.month is None:
        return None
    return parts.month, parts.day


def _gap(a: tuple[date, date], b: tuple[date, date]) -> int:
    return max((b[0] - a[1]).days, (a[0] - b[1]).days, 0)


def _yearless_span(month: int, day: int | None, year: int) -> tuple[date, date] | None:
    try:
        if day is not None:
            return date(year, month, day), date(year, month, day)
        end = date(year + (month == 12), month % 12 + 1, 1)
        return date(year, month, 1), date.fromordinal(end.toordinal() - 1)
    except ValueError:  # 29 Feb of a common year
        return None


def _dates_fit(a: _Unit, b: _Unit) -> bool:
    """Two units' dated events are no more than STORY_GAP_DAYS apart: the spans of their dated
    events, or a year-less day ("19 Oct") and a dated span in some year (or two year-less days
    in some year). A unit with no date fits any; dates that fit in no way are two stories."""
    hull_a, hull_b = a.hull, b.hull
    if hull_a and hull_b:
        return _gap(hull_a, hull_b) <= STORY_GAP_DAYS

    def fits(yearless: Sequence[tuple[int, int | None]], hull: tuple[date, date]) -> bool:
        for month, day in yearless:
            for year in range(hull[0].year - 1, hull[1].year + 2):
                span = _yearless_span(month, day, year)
                if span is not None and _gap(span, hull) <= STORY_GAP_DAYS:
                    return True
        return False

    if hull_a and b.yearless:
        return fits(b.yearless, hull_a)
    if hull_b and a.yearless:
        return fits(a.yearless, hull_b)
    if a.yearless and b.yearless:
        # Two year-less dates fit when some year puts them close (2001 is a common year).
        hulls = [h for month, day in b.yearless if (h := _yearless_span(month, day, 2001)) is not None]
        return any(fits(a.yearless, h) for h in hulls) or not hulls
    return True


def _fits(a: _Unit, b: _Unit) -> bool:
    """Nothing keeps the two units apart: their dates fit and their arrests are of one person."""
    return _dates_fit(a, b) and not _protagonists_clash(a, b)


def _protagonists_clash(a: _Unit, b: _Unit) -> bool:
    """The two units are about the arrest (charges, ...) of different people: for a family of
    :data:`PROTAGONIST_FAMILIES` both have events naming people, and no person of one is among
    the other's people. Two stories, unless both are dated within SAME_INCIDENT_DAYS."""
    if not a.people.keys() & b.people.keys():
        return False
    people_a, people_b = set().union(*a.people.values()), set().union(*b.people.values())
    if people_a & people_b or any(_may_be_one_person(x, y) for x in people_a for y in people_b):
        return False
    hull_a, hull_b = a.hull, b.hull
    return not (hull_a and hull_b and _gap(hull_a, hull_b) <= SAME_INCIDENT_DAYS)


_NO_NAMES: tuple[array, array] = (array("i"), array("d"))


def _person_name(entity_id: str, entities: Mapping[str, Entity]) -> str:
    entity = entities.get(entity_id)
    return entity.canonical.lower() if entity is not None else entity_id


def _may_be_one_person(a: str, b: str) -> bool:
    """Two people's names (canonical, lower case) that may name one man: the same surname, and
    one of them without a given name ("jackson" of a report that never gives it, "vincent
    jackson"). Entity resolution joins a bare surname only to the one full name it can match in
    the corpus; a clash between two stories needs people who cannot be the same."""
    ta, tb = a.split(), b.split()
    return bool(ta and tb) and ta[-1] == tb[-1] and (len(ta) == 1 or len(tb) == 1)


def _article_names(article: AnnotatedArticle, entities: Mapping[str, Entity], lead: set[int]) -> Counter:
    counts: Counter = Counter()
    for m in article.entities:
        entity = entities.get(m.entity_id) if m.entity_id else None
        label = entity.label if entity is not None else m.label
        if not m.entity_id or label not in STORY_LABELS:
            continue
        counts[m.entity_id] += LEAD_WEIGHT if m.sentence_index in lead else 1.0
    return counts


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    if not dot:
        return 0.0
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _top(profile: Mapping[int, float], rank: Sequence[int]) -> dict[int, float]:
    """The TOP_NAMES heaviest names (codes), heaviest first (ties by the entity's id: ``rank``,
    per code, is its id's place in the order of the ids)."""
    return dict(sorted(profile.items(), key=lambda kv: (-kv[1], rank[kv[0]]))[:TOP_NAMES])


def _pack(profile: Mapping[int, float]) -> bytes:
    return array("i", profile.keys()).tobytes() + array("d", profile.values()).tobytes()


def _unpack(packed: bytes) -> dict[int, float]:
    n = len(packed) // 12  # an int32 code and a float64 weight a name
    codes, weights = array("i"), array("d")
    codes.frombytes(packed[: 4 * n])
    weights.frombytes(packed[4 * n :])
    return dict(zip(codes, weights))


PROFILE_CACHE = 1_024  # unpacked heaviest names kept (~2.5 KB each): the units being compared


class _Units:
    """The units of a corpus, ~30 bytes each in memory: sizes, date hulls, union-find parents
    and versions in flat arrays, families as shared frozensets; year-less dates and the arrested
    people only for the units that have them. Profiles (every name's weight, and the heaviest
    names packed) are in the :class:`StorySpill`, the heaviest names of the last PROFILE_CACHE
    units read kept unpacked. A unit's number is its position (0, 1, ...); a merged unit stays,
    dead, pointing to the one it went into."""

    def __init__(self, spill: StorySpill, rank: Sequence[int]) -> None:
        self.spill, self.rank = spill, rank
        self.sizes = array("i")  # its articles
        self.first, self.last = array("i"), array("i")  # its hull as date ordinals; 0: not dated
        self.alive = bytearray()
        self.parent = array("i")  # a merged unit -> the unit it went into
        self.version = array("i")  # merges it took in: a pair scored before is stale
        self.families: list[frozenset[str]] = []  # of its events that a frame found
        self.yearless: dict[int, list[tuple[int, int | None]]] = {}
        self.people: dict[int, dict[str, set[str]]] = {}
        self._shared: dict[frozenset[str], frozenset[str]] = {}  # one object per set of families
        # by (unit, version): a merge makes new heaviest names
        self._heaviest = lru_cache(maxsize=PROFILE_CACHE)(lambda u, _version: _unpack(spill.top(u)))

    def __len__(self) -> int:
        return len(self.sizes)

    def add(self, size: int, full: Mapping[int, float] | None = None, span: tuple[date, date] | None = None,
            yearless: tuple[int, int | None] | None = None, families: frozenset[str] = frozenset(),
            people: dict[str, set[str]] | None = None) -> int:
        u = len(self.sizes)
        self.sizes.append(size)
        self.first.append(span[0].toordinal() if span else 0)
        self.last.append(span[1].toordinal() if span else 0)
        self.alive.append(1)
        self.parent.append(u)
        self.version.append(0)
        full = full or {}
        self.spill.put_profile(u, full, _pack(_top(full, self.rank)))
        self.families.append(self._shared.setdefault(families, families))
        if yearless:
            self.yearless[u] = [yearless]
        if people:
            self.people[u] = people
        return u

    def heaviest(self, u: int) -> dict[int, float]:
        """Its TOP_NAMES heaviest names, heaviest first (code -> weight)."""
        return self._heaviest(u, self.version[u])

    def hull(self, u: int) -> tuple[date, date] | None:
        return (date.fromordinal(self.first[u]), date.fromordinal(self.last[u])) if self.first[u] else None

    def view(self, u: int) -> _Unit:
        return _Unit(self.hull(u), self.yearless.get(u, []), self.people.get(u, {}))

    def merge(self, u: int, v: int) -> None:
        """Unit v goes into unit u: profiles add up (every name's weight, as a dict in memory did)."""
        full = self.spill.profile(u)
        for name, w in self.spill.profile(v).items():
            full[name] = full.get(name, 0.0) + w
        self.spill.put_profile(u, full, _pack(_top(full, self.rank)))
        self.spill.drop_profile(v)
        self.sizes[u] += self.sizes[v]
        if self.first[v] and (not self.first[u] or self.first[v] < self.first[u]):
            self.first[u] = self.first[v]
        self.last[u] = max(self.last[u], self.last[v])
        if v in self.yearless:
            self.yearless[u] = self.yearless.get(u, []) + self.yearless.pop(v)
        for family, people in self.people.pop(v, {}).items():
            mine = self.people.setdefault(u, {})
            mine[family] = mine.get(family, set()) | people
        families = self.families[u] | self.families[v]
        self.families[u] = self._shared.setdefault(families, families)
        self.alive[v] = 0
        self.parent[v] = u
        self.version[u] += 1

    def live(self, u: int) -> int:
        """The unit that unit u went into, at the end of its merges."""
        parent = self.parent
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u


def _pair_key(value: float, x: int, y: int) -> int:
    """(-value, x, y) as one int in the same order (a 128-bit int is a third of the tuple's bytes
    with its float and ints): the heap of scored pairs holds one per pair of the corpus. The
    IEEE bits of a float, sign bit flipped for a positive float and every bit for a negative one,
    order as the floats do."""
    bits = struct.unpack(">Q", struct.pack(">d", -value))[0]
    bits = bits ^ 0xFFFF_FFFF_FFFF_FFFF if bits >> 63 else bits | 1 << 63
    return bits << 64 | x << 32 | y


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


EVENT_CHUNK = 1_000  # events whose articles are looked up in the spill at a time
NAME_BATCH = 500  # articles whose names are coded at a time


def group_stories(
    events: Sequence[Event],
    articles: Iterable[AnnotatedArticle],
    entities: Mapping[str, Entity],
    mention_counts: Mapping[str, int] | None = None,
    directory: str | Path | None = None,
) -> list[Story]:
    """The stories of ``events`` (each event in exactly one story); see the module docstring and
    :func:`iter_stories` (whose scratch file is made in ``directory``, else the temp dir)."""
    with StorySpill(directory) as spill:
        return list(iter_stories(events, articles, entities, spill, mention_counts))


def iter_stories(
    events: Sequence[Event],
    articles: Iterable[AnnotatedArticle],
    entities: Mapping[str, Entity],
    spill: StorySpill,
    mention_counts: Mapping[str, int] | None = None,
) -> Iterator[Story]:
    """The stories of ``events``, in their order (by first date, then id), one at a time.

    ``articles`` is read once, one article at a time (a build passes them a chunk at a time):
    each article's name counts go to ``spill`` (an empty :class:`StorySpill`, open while this
    runs), as int codes, with the units' full profiles and each story's members; in memory
    stay a few dozen bytes a unit and a few a name, article or event (see :class:`_Units`).
    ``mention_counts`` (event id -> its number of mentions) for events that do not carry their
    mention keys (a build's, once written): a build's ``EventSpill`` gives them with its events.
    ``events`` may be read from disk (an ``EventSpill``): it is iterated in order twice, never
    indexed, never held whole here.
    """

    from storyline.events.grouping import lead_sentences  # the lead as grouping reads it

    # Names as int codes, given by the spill a batch of articles at a time (the ids stay there);
    # per code its number of articles and whether a person or a place (the weight's factor).
    df = array("i")
    kinds = bytearray()  # 1: a person, 2: a town, region or country, 0: any other
    batch: list[tuple[str, Counter]] = []

    def add_batch() -> None:
        code_of, new = spill.codes(entity_id for _, counts in batch for entity_id in counts)
        for entity_id in new:
            label = entity.label if (entity := entities.get(entity_id)) is not None else None
            kinds.append(1 if label == "PERSON" else 2 if label in ("GPE", "LOC") else 0)
        df.frombytes(bytes(4 * len(new)))
        for article_id, counts in batch:
            codes = array("i", (code_of[entity_id] for entity_id in counts))
            for code in codes:
                df[code] += 1
            spill.add_article(article_id, codes, array("d", counts.values()))
        batch.clear()

    for article in articles:
        lead = lead_sentences(article)
        if article.title:
            lead |= {s.index for s in article.sentences if s.text.strip() and s.text.strip() in article.title}
        batch.append((article.article_id, _article_names(article, entities, lead)))
        if len(batch) == NAME_BATCH:
            add_batch()
    add_batch()
    # Ties of weight go by the entity's id: the codes' ranks in the ids' order do it without the ids.
    rank = array("i", bytes(4 * len(df)))
    for place, code in enumerate(spill.ranks()):
        rank[code] = place
    n = max(len(spill), 1)
    streamed = spill.last_index()  # articles numbered after these are events' articles never read

    def weight(code: int) -> float:
        idf = math.log(n / df[code]) if df[code] else 0.0
        return idf * (PERSON_WEIGHT if kinds[code] == 1 else PLACE_WEIGHT if kinds[code] == 2 else 1.0)

    weights = array("d", map(weight, range(len(rank))))

    def profile_of(article_ids: Iterable[str], names: Mapping[str, tuple[array, array]]) -> dict[int, float]:
        out: dict[int, float] = defaultdict(float)
        for aid in article_ids:  # in the order of a set of the ids, as before the spill: the same sums
            codes, counts = names.get(aid, _NO_NAMES)
            for code, count in zip(codes, counts):
                w = weights[code]
                if w > 0:
                    out[code] += math.log1p(count) * w
        return out

    # 1. units: an event's main articles together; an article about no event alone.
    units = _Units(spill, rank)
    unit_of_article = array("i", [-1]) * (streamed + 1)  # by the article's number in the spill
    event_unit = array("i")  # per event, the unit it made (-1: none)
    for chunk in _chunks(events, EVENT_CHUNK):
        number = spill.indexes((a for event in chunk for a in event.main_articles), create=True)
        if number:
            unit_of_article.extend([-1] * (max(number.values()) + 1 - len(unit_of_article)))
        for event in chunk:
            event_unit.append(-1)
            if not event.main_articles:
                continue
            members = {a for a in event.main_articles if unit_of_article[number[a]] < 0}
            if not members:
                continue
            rows = spill.names_of(number[a] for a in members)
            names = {a: rows[number[a]] for a in members if number[a] in rows}
            family = event_family(event.event_type)
            people = ({family: {_person_name(p, entities) for p in event.participant_ids}}
                      if event.participant_ids and family in PROTAGONIST_FAMILIES else None)
            u = units.add(len(members), profile_of(members, names), _event_span(event), _yearless_date(event),
                          frozenset() if is_open_type(event.event_type) else frozenset((sys.intern(family),)), people)
            event_unit[-1] = u
            for a in members:
                unit_of_article[number[a]] = u
    for idx, article_id, codes, counts in spill.iter_articles(streamed):  # in the order the articles came
        if unit_of_article[idx] < 0 and codes:
            unit_of_article[idx] = units.add(1, profile_of((article_id,), {article_id: (codes, counts)}))

    # 2. merge, best pair first (candidates through shared names, posted in the spill). A name
    # posted under more than MAX_POSTING units proposes none: it is posted under no more.
    posted = array("i", bytes(4 * len(rank)))  # per name, the units posted under it

    def keys(u: int) -> list[int]:
        return list(units.heaviest(u))[:CANDIDATE_NAMES]  # the profile is heaviest first

    def post(u: int) -> None:
        for name in keys(u):
            if posted[name] <= MAX_POSTING and spill.post(name, u):
                posted[name] += 1

    for u in range(len(units)):
        post(u)

    def candidates(u: int) -> set[int]:
        found = spill.posted([name for name in keys(u) if posted[name] <= MAX_POSTING])
        return {v for v in found if v != u and units.alive[v]}

    def cosine(u: int, v: int) -> float:
        return _cosine(units.heaviest(u), units.heaviest(v))

    def merge(u: int, v: int) -> None:
        """Unit v goes into unit u."""
        units.merge(u, v)
        post(u)

    heap: list[int] = []  # _pair_key(value, u, v): the best pair is the smallest
    for u in range(len(units)):
        for v in candidates(u):
            if u < v:
                value = cosine(u, v)
                if value >= STORY_SIMILARITY:
                    heap.append(_pair_key(value, u, v))
    heapq.heapify(heap)
    version = units.version
    stamp: dict[int, int] = {}  # x << 32 | y -> version[x] << 32 | version[y] when last pushed
    while heap:
        key = heapq.heappop(heap)
        u, v = key >> 32 & 0xFFFF_FFFF, key & 0xFFFF_FFFF
        if not (units.alive[u] and units.alive[v]):
            continue
        if stamp.get(u << 32 | v, 0) != version[u] << 32 | version[v]:
            continue  # scored before one of them grew; re-scored below
        if not _fits(units.view(u), units.view(v)):
            continue
        merge(u, v)
        for w in candidates(u):
            x, y = min(u, w), max(u, w)
            value = cosine(x, y)
            if value >= STORY_SIMILARITY:
                stamp[x << 32 | y] = version[x] << 32 | version[y]
                heapq.heappush(heap, _pair_key(value, x, y))
    # Pairs pushed before any merge carry the initial stamp (0, 0).
    del heap, stamp

    # 2b. a report left alone (a unit of one article) joins the story of several reports it is
    # most like, if that is at least STRAY_SIMILARITY, far below STORY_SIMILARITY: it tells the
    # story in names of its own (a quote, a side detail) but names one of its people, the dates
    # fit, and a story of another kind of happening (by a frame's family) is not its story. A
    # person is needed: a lone report of a news pool shares a town or a company with many.
    def shares_person(u: int, v: int) -> bool:
        return any(kinds[name] == 1 for name in units.heaviest(u).keys() & spill.profile(v).keys())

    strays = [u for u in range(len(units)) if units.alive[u] and units.sizes[u] == 1]
    for u in strays:
        own = units.families[u]  # the families of its events that a frame found
        scored = [
            (cosine(u, v), -v) for v in candidates(u)
            if units.sizes[v] > 1 and _fits(units.view(u), units.view(v)) and (not own or own & units.families[v])
            and shares_person(u, v)
        ]
        if scored and max(scored)[0] >= STRAY_SIMILARITY:
            merge(-max(scored)[1], u)

    # 3. events no article is about: the story most of their articles are in. Each event goes
    # to the spill with its story (its unit), and what picks the story's lead event.
    mentions = partial(mention_count, counts=mention_counts)
    counted: Iterable[tuple[Event, int]] = (
        events.counted() if isinstance(events, EventSpill) and mention_counts is events.mention_counts
        else ((event, mentions(event)) for event in events))
    k = 0
    for chunk in _chunks(counted, EVENT_CHUNK):
        number = spill.indexes(a for j, (event, _) in enumerate(chunk, k) if event_unit[j] < 0
                               for a in (*event.main_articles, *event.mentioning_articles))
        members = []
        for event, count in chunk:
            if event_unit[k] >= 0:
                u = units.live(event_unit[k])
            else:
                article_ids = sorted({*event.main_articles, *event.mentioning_articles})  # those of its mentions
                votes = Counter(units.live(unit_of_article[number[a]]) for a in article_ids
                                if a in number and number[a] < len(unit_of_article) and unit_of_article[number[a]] >= 0)
                u = min(votes, key=lambda w: (-votes[w], w)) if votes else units.add(0)
            members.append((u, k, event.event_id, len(event.main_articles), count, event.title))
            k += 1
        spill.add_members(events=members)
    for chunk in spill.article_ids():
        # an article about no event that joined no story is in none (its unit is no story)
        spill.add_members(articles=[(units.live(unit_of_article[idx]), a) for idx, a in chunk
                                    if idx < len(unit_of_article) and unit_of_article[idx] >= 0])

    def sort_key(u: int, seed: str) -> tuple[str, str]:
        """(first date, id) of the story of unit u, whose smallest event id is ``seed``."""
        hull = units.hull(u)  # of the events its articles are about; those mentioned in passing may be older
        return hull[0].isoformat() if hull else "9999", "st_" + hashlib.sha1(seed.encode()).hexdigest()[:12]

    for u, story_id, title, event_ids, article_ids in spill.stories(sort_key):
        hull = units.hull(u)
        yield Story(story_id=story_id, title=title, event_ids=event_ids, article_ids=article_ids,
                    date_from=hull[0].isoformat() if hull else None, date_to=hull[1].isoformat() if hull else None)
