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
"""

from __future__ import annotations

import hashlib
import heapq
import math
import sys
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Callable, Iterable, Mapping, Sequence

from storyline.events.model import Event, event_family, is_open_type, mention_count, parse_date_value
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
    articles: set[str]
    events: set[int]
    profile: dict[str, float]  # its TOP_NAMES heaviest names
    spans: list[tuple[date, date]] = field(default_factory=list)  # date spans of its dated events
    yearless: list[tuple[int, int | None]] = field(default_factory=list)  # (month, day) of year-less dates
    alive: bool = True
    full: dict[str, float] = field(default_factory=dict)  # every name's weight (profiles add up on a merge)
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
    hull_a = (min(s for s, _ in a.spans), max(e for _, e in a.spans)) if a.spans else None
    hull_b = (min(s for s, _ in b.spans), max(e for _, e in b.spans)) if b.spans else None
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


def _hull(unit: _Unit) -> tuple[date, date] | None:
    return (min(s for s, _ in unit.spans), max(e for _, e in unit.spans)) if unit.spans else None


def _protagonists_clash(a: _Unit, b: _Unit) -> bool:
    """The two units are about the arrest (charges, ...) of different people: for a family of
    :data:`PROTAGONIST_FAMILIES` both have events naming people, and no person of one is among
    the other's people. Two stories, unless both are dated within SAME_INCIDENT_DAYS."""
    if not a.people.keys() & b.people.keys():
        return False
    people_a, people_b = set().union(*a.people.values()), set().union(*b.people.values())
    if people_a & people_b or any(_may_be_one_person(x, y) for x in people_a for y in people_b):
        return False
    hull_a, hull_b = _hull(a), _hull(b)
    return not (hull_a and hull_b and _gap(hull_a, hull_b) <= SAME_INCIDENT_DAYS)


_NO_NAMES: tuple[tuple[str, ...], array] = ((), array("d"))


def _person_name(entity_id: str, entities: dict[str, Entity]) -> str:
    entity = entities.get(entity_id)
    return entity.canonical.lower() if entity is not None else entity_id


def _may_be_one_person(a: str, b: str) -> bool:
    """Two people's names (canonical, lower case) that may name one man: the same surname, and
    one of them without a given name ("jackson" of a report that never gives it, "vincent
    jackson"). Entity resolution joins a bare surname only to the one full name it can match in
    the corpus; a clash between two stories needs people who cannot be the same."""
    ta, tb = a.split(), b.split()
    return bool(ta and tb) and ta[-1] == tb[-1] and (len(ta) == 1 or len(tb) == 1)


def _article_names(article: AnnotatedArticle, entities: dict[str, Entity], lead: set[int]) -> Counter:
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


def _top(profile: dict[str, float]) -> dict[str, float]:
    """The TOP_NAMES heaviest names, heaviest first."""
    return dict(sorted(profile.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_NAMES])


def group_stories(
    events: Sequence[Event],
    articles: Iterable[AnnotatedArticle],
    entities: dict[str, Entity],
    mention_counts: Mapping[str, int] | None = None,
) -> list[Story]:
    """The stories of ``events`` (each event in exactly one story); see the module docstring.

    ``articles`` is read once, one article at a time (a build passes them a chunk at a time):
    only each article's name counts are kept. ``mention_counts`` (event id -> its number of
    mentions) for events that do not carry their mention keys (a build's, once written).
    ``events`` may be read from disk (a build's ``spill.EventSpill``): it is iterated in order
    and indexed by position, never held whole here.
    """

    mentions = partial(mention_count, counts=mention_counts)

    from storyline.events.grouping import lead_sentences  # the lead as grouping reads it

    # Per article, its names (interned: one string per entity however many articles name it) and
    # their counts in a flat array, a fifth of a Counter's bytes: a build keeps them for the
    # whole corpus.
    names: dict[str, tuple[tuple[str, ...], array]] = {}
    df: Counter = Counter()
    for article in articles:
        lead = lead_sentences(article)
        if article.title:
            lead |= {s.index for s in article.sentences if s.text.strip() and s.text.strip() in article.title}
        counts = _article_names(article, entities, lead)
        names[article.article_id] = (tuple(sys.intern(e) for e in counts), array("d", counts.values()))
        df.update(counts.keys())
    n = max(len(names), 1)

    def weight(entity_id: str) -> float:
        idf = math.log(n / df[entity_id]) if df[entity_id] else 0.0
        entity = entities.get(entity_id)
        label = entity.label if entity is not None else None
        return idf * (PERSON_WEIGHT if label == "PERSON" else PLACE_WEIGHT if label in ("GPE", "LOC") else 1.0)

    def profile_of(article_ids: set[str]) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for aid in article_ids:
            ids, counts = names.get(aid, _NO_NAMES)
            for entity_id, count in zip(ids, counts):
                w = weight(entity_id)
                if w > 0:
                    out[entity_id] += math.log1p(count) * w
        return dict(out)

    def unit(article_ids: set[str], event_positions: set[int], spans: list, yearless: list) -> _Unit:
        full = profile_of(article_ids)
        return _Unit(article_ids, event_positions, _top(full), spans, yearless, full=full)

    # 1. units: an event's main articles together; an article about no event alone.
    units: list[_Unit] = []
    unit_of_article: dict[str, int] = {}
    # Each event's frame family (None for an open trigger's type), kept for step 2b: ``events``
    # may be on disk, where looking an event up again costs a read.
    frame_family: list[str | None] = []
    for k, event in enumerate(events):
        frame_family.append(None if is_open_type(event.event_type) else sys.intern(event_family(event.event_type)))
        if not event.main_articles:
            continue
        span = _event_span(event)
        members = {a for a in event.main_articles if a not in unit_of_article}
        if not members:
            continue
        yearless = _yearless_date(event)
        units.append(unit(members, {k}, [span] if span else [], [yearless] if yearless else []))
        family = event_family(event.event_type)
        if event.participant_ids and family in PROTAGONIST_FAMILIES:
            units[-1].people = {family: {_person_name(p, entities) for p in event.participant_ids}}
        for a in members:
            unit_of_article[a] = len(units) - 1
    for article_id, (ids, _) in names.items():  # in the order the articles came
        if article_id not in unit_of_article and ids:
            units.append(unit({article_id}, set(), [], []))
            unit_of_article[article_id] = len(units) - 1

    # 2. merge, best pair first (candidates through shared names).
    index: dict[str, set[int]] = defaultdict(set)

    def keys(u: int) -> list[str]:
        return list(units[u].profile)[:CANDIDATE_NAMES]  # the profile is heaviest first

    for u in range(len(units)):
        for name in keys(u):
            index[name].add(u)

    def candidates(u: int) -> set[int]:
        out: set[int] = set()
        for name in keys(u):
            if len(index[name]) <= MAX_POSTING:
                out |= {v for v in index[name] if v != u and units[v].alive}
        return out

    parent = list(range(len(units)))  # a merged unit -> the unit it went into
    version = [0] * len(units)

    def merge(u: int, v: int) -> None:
        """Unit v goes into unit u."""
        a, b = units[u], units[v]
        a.articles |= b.articles
        a.events |= b.events
        a.spans += b.spans
        a.yearless += b.yearless
        for family, people in b.people.items():
            a.people[family] = a.people.get(family, set()) | people
        for name, w in b.full.items():
            a.full[name] = a.full.get(name, 0.0) + w
        a.profile = _top(a.full)
        b.alive = False
        parent[v] = u
        version[u] += 1
        for name in keys(u):
            index[name].add(u)

    heap: list[tuple[float, int, int]] = []
    for u in range(len(units)):
        for v in candidates(u):
            if u < v:
                value = _cosine(units[u].profile, units[v].profile)
                if value >= STORY_SIMILARITY:
                    heap.append((-value, u, v))
    heapq.heapify(heap)
    stamp: dict[tuple[int, int], tuple[int, int]] = {}
    while heap:
        negative, u, v = heapq.heappop(heap)
        if not (units[u].alive and units[v].alive):
            continue
        if stamp.get((u, v), (0, 0)) != (version[u], version[v]):
            continue  # scored before one of them grew; re-scored below
        if not _fits(units[u], units[v]):
            continue
        merge(u, v)
        for w in candidates(u):
            x, y = min(u, w), max(u, w)
            value = _cosine(units[x].profile, units[y].profile)
            if value >= STORY_SIMILARITY:
                stamp[(x, y)] = (version[x], version[y])
                heapq.heappush(heap, (-value, x, y))
    # Pairs pushed before any merge carry the initial stamp (0, 0).

    # 2b. a report left alone (a unit of one article) joins the story of several reports it is
    # most like, if that is at least STRAY_SIMILARITY, far below STORY_SIMILARITY: it tells the
    # story in names of its own (a quote, a side detail) but names one of its people, the dates
    # fit, and a story of another kind of happening (by a frame's family) is not its story. A
    # person is needed: a lone report of a news pool shares a town or a company with many.
    def families(u: int) -> set[str]:
        """The families of its events that a frame found (an open trigger's lemma says less)."""
        return {f for k in units[u].events if (f := frame_family[k]) is not None}

    def shares_person(u: int, v: int) -> bool:
        return any((e := entities.get(name)) is not None and e.label == "PERSON"
                   for name in units[u].profile.keys() & units[v].full.keys())

    strays = [u for u in range(len(units)) if units[u].alive and len(units[u].articles) == 1]
    for u in strays:
        own = families(u)
        scored = [
            (_cosine(units[u].profile, units[v].profile), -v) for v in candidates(u)
            if len(units[v].articles) > 1 and _fits(units[u], units[v]) and (not own or own & families(v))
            and shares_person(u, v)
        ]
        if scored and max(scored)[0] >= STRAY_SIMILARITY:
            merge(-max(scored)[1], u)

    def live(u: int) -> int:
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    # 3. events no article is about: the story most of their articles are in.
    event_unit: dict[int, int] = {k: u for u, unit in enumerate(units) if unit.alive for k in unit.events}
    for k, event in enumerate(events):
        if k in event_unit:
            continue
        article_ids = sorted({*event.main_articles, *event.mentioning_articles})  # those of its mentions
        votes = Counter(live(unit_of_article[a]) for a in article_ids if a in unit_of_article)
        if votes:
            event_unit[k] = min(votes, key=lambda u: (-votes[u], u))
        else:
            units.append(_Unit(set(), {k}, {}))
            event_unit[k] = len(units) - 1

    stories: list[Story] = []
    members: dict[int, list[int]] = defaultdict(list)
    for k in range(len(events)):
        members[event_unit[k]].append(k)
    for u, story_unit in enumerate(units):
        if not story_unit.alive or not members.get(u):
            continue  # articles about no event that joined no story: no story of their own
        stories.append(_make_story(story_unit, [events[k] for k in members[u]], mentions))
    stories.sort(key=lambda s: (s.date_from or "9999", s.story_id))
    return stories


def _make_story(unit: _Unit, events: Sequence[Event], mentions: Callable[[Event], int]) -> Story:
    about = Counter({e.event_id: len(e.main_articles) for e in events})
    # most articles about it, then most mentions, then the first
    lead = max(enumerate(events), key=lambda ke: (about[ke[1].event_id], mentions(ke[1]), -ke[0]))[1] if events else None
    spans = unit.spans  # of the events its articles are about; those mentioned in passing may be older
    seed = min((e.event_id for e in events), default=min(unit.articles, default=""))
    story_id = "st_" + hashlib.sha1(seed.encode()).hexdigest()[:12]
    return Story(
        story_id=story_id,
        title=lead.title if lead is not None else "",
        event_ids=[e.event_id for e in events],
        article_ids=sorted(unit.articles),
        date_from=min(s for s, _ in spans).isoformat() if spans else None,
        date_to=max(e for _, e in spans).isoformat() if spans else None,
    )
