"""Facts: the figures of an event, and whether the sources that state them agree.

:func:`attach_facts` ties each :class:`~storyline.records.Figure` to an event and an attribute:

* attribute: the figure kind plus the nearest cue word in its sentence (else in the previous
  one): money near "loan/credit" is a ``loan_amount``, a duration near "talks/lasted" a
  ``meeting_duration``, people near "protest/gathered" a ``crowd_size``, near "arrested" the
  ``arrests``, a percentage near "vote" a ``vote_share``. Without a cue the attribute is generic
  (``amount``, ``duration``, ``count``, ``percentage``).
* event: among the events with a mention in the figure's sentence or the previous one, the one
  whose kind suits the attribute best (a loan agreed at a meeting is reported as the meeting's
  outcome), then the one nearest in the text. Without such a mention, the event the article is
  mostly about (``link="article"``).

:func:`reconcile_facts` compares, per event and specific attribute, what different articles
say. Values are intervals in a common unit (seconds for durations), widened by their
qualifier ("almost" ±10 %, "over" open above); two sources *conflict* when their intervals do
not meet, when their units cannot be compared, or when one denies what another states.
Generic attributes are not reconciled: two unrelated sums of money are not a disagreement.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from typing import Sequence

from storyline.events.grouping import mention_weight
from storyline.events.model import Event, Fact, Reconciliation, event_family, parse_mention_key
from storyline.records import AnnotatedArticle, Figure

STAGE = "event_facts"
STAGE_VERSION = "1"

# (attribute, figure kinds, cue words). Order breaks ties between equally near cues.
ATTRIBUTE_RULES: list[tuple[str, frozenset[str], re.Pattern[str]]] = [
    (name, frozenset(kinds), re.compile(pattern, re.IGNORECASE))
    for name, kinds, pattern in [
        ("loan_amount", {"money"}, r"\b(?:loans?|credits?|lend(?:s|ing)?|lent|borrow\w*|refinanc\w*)\b"),
        (
            "meeting_duration",
            {"duration"},
            r"\b(?:talks?|talked|meetings?|met|negotiations?|lasted|lasting|discussions?|summit|visit)\b",
        ),
        ("arrests", {"count"}, r"\b(?:arrest\w*|detain\w*|detention\w*|jailed|imprison\w*|custody)\b"),
        ("deaths", {"count"}, r"\b(?:killed|dead|deaths?|died|fatalities)\b"),
        ("injuries", {"count"}, r"\b(?:injured|wounded|injuries|hurt)\b"),
        (
            "crowd_size",
            {"count"},
            r"\b(?:protest\w*|rall(?:y|ies)|gathered|gathering|demonstrat\w*|marche[sd]|crowds?|took to the streets)\b",
        ),
        ("turnout", {"percent"}, r"\bturnout\b"),
        ("vote_share", {"percent"}, r"\b(?:votes?|voted|voting|ballots?|elect\w*)\b"),
    ]
]
GENERIC_ATTRIBUTES = {"money": "amount", "duration": "duration", "count": "count", "percent": "percentage"}
# Which event families an attribute belongs to, best first.
ATTRIBUTE_EVENT_FAMILIES: dict[str, tuple[str, ...]] = {
    "loan_amount": ("meeting", "loan", "agreement"),
    "meeting_duration": ("meeting",),
    "arrests": ("arrest", "protest"),
    "deaths": ("attack", "protest"),
    "injuries": ("attack", "protest"),
    "crowd_size": ("protest",),
    "turnout": ("election", "referendum"),
    "vote_share": ("election", "referendum"),
}
_DURATION_SECONDS = {
    "second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800, "month": 2592000, "year": 31536000,
}
_CURRENCY_ALIASES = {"$": "USD", "US$": "USD", "DOLLAR": "USD", "DOLLARS": "USD", "€": "EUR", "EURO": "EUR", "EUROS": "EUR"}
_QUOTE_LIMIT = 400


def attach_facts(events: Sequence[Event], articles: Sequence[AnnotatedArticle]) -> list[Fact]:
    """One Fact per figure that can be tied to an event, in article and text order."""
    at_sentence: dict[tuple[str, int], list[tuple[int, Event]]] = defaultdict(list)
    article_weight: dict[str, Counter] = defaultdict(Counter)
    by_article = {a.article_id: a for a in articles}
    for event in events:
        for key in event.mention_keys:
            article_id, sentence_index, start, _ = parse_mention_key(key)
            at_sentence[(article_id, sentence_index)].append((start, event))
            article_weight[article_id][event.event_id] += mention_weight(by_article.get(article_id), sentence_index)
    events_by_id = {e.event_id: e for e in events}

    facts: list[Fact] = []
    for article in articles:
        sentences = {s.index: s for s in article.sentences}
        dominant = _dominant_event(article.article_id, events, article_weight.get(article.article_id, Counter()))
        for figure in sorted(article.figures, key=lambda f: f.start):
            index = figure.sentence_index if figure.sentence_index >= 0 else _sentence_of(article, figure.start)
            attribute = classify_attribute(figure, sentences.get(index), sentences.get(index - 1))
            chosen = _choose_event(figure, attribute, at_sentence, article.article_id, index)
            if chosen is None and dominant is not None:
                chosen = (events_by_id[dominant], "article")
            if chosen is None:
                continue
            event, link = chosen
            sentence = sentences.get(index)
            facts.append(
                Fact(
                    event_id=event.event_id,
                    attribute=attribute,
                    kind=figure.kind,
                    value=figure.value,
                    value_max=figure.value_max,
                    unit=figure.unit,
                    qualifier=figure.qualifier,
                    modality=figure.modality,
                    speaker=figure.speaker,
                    article_id=article.article_id,
                    outlet=article.outlet,
                    sentence_index=index,
                    start=figure.start,
                    end=figure.end,
                    text=figure.text,
                    quote=(sentence.text if sentence else figure.text)[:_QUOTE_LIMIT],
                    timex=figure.timex,
                    cue=figure.cue,
                    link=link,
                    stage=STAGE,
                    stage_version=STAGE_VERSION,
                )
            )
    return facts


def _sentence_of(article: AnnotatedArticle, offset: int) -> int:
    for sentence in article.sentences:
        if sentence.start <= offset < sentence.end:
            return sentence.index
    return -1


def _dominant_event(article_id: str, events: Sequence[Event], weights: Counter) -> str | None:
    """The event the article is mostly about: one it is a main article of, else the most mentioned."""
    if not weights:
        return None
    main = [e.event_id for e in events if article_id in e.main_articles and e.event_id in weights]
    pool = main or list(weights)
    return max(pool, key=lambda event_id: (weights[event_id], event_id))


def classify_attribute(figure: Figure, sentence, previous=None) -> str:
    """The attribute a figure states, from its kind and the nearest cue word around it."""
    best: tuple[int, int, str] | None = None
    for gap, context in enumerate((sentence, previous)):
        if context is None:
            continue
        centre = figure.start - context.start if gap == 0 else len(context.text)
        for order, (attribute, kinds, pattern) in enumerate(ATTRIBUTE_RULES):
            if figure.kind not in kinds:
                continue
            for match in pattern.finditer(context.text):
                distance = min(abs(match.start() - centre), abs(match.end() - centre))
                candidate = (gap * 100_000 + distance, order, attribute)
                if best is None or candidate < best:
                    best = candidate
        if best is not None:
            break  # a cue in the figure's own sentence wins over one in the previous sentence
    return best[2] if best else GENERIC_ATTRIBUTES.get(figure.kind, figure.kind)


def _choose_event(
    figure: Figure,
    attribute: str,
    at_sentence: dict[tuple[str, int], list[tuple[int, Event]]],
    article_id: str,
    index: int,
) -> tuple[Event, str] | None:
    preferred = ATTRIBUTE_EVENT_FAMILIES.get(attribute, ())
    ranked: list[tuple[int, int, int, str, Event, str]] = []
    for gap, link in ((0, "sentence"), (1, "previous_sentence")):
        for start, event in at_sentence.get((article_id, index - gap), []):
            family = event_family(event.event_type)
            affinity = preferred.index(family) if family in preferred else len(preferred)
            ranked.append((affinity, gap, abs(start - figure.start), event.event_id, event, link))
    if not ranked:
        return None
    best = min(ranked, key=lambda r: r[:4])
    return best[4], best[5]


# --- reconciliation ----------------------------------------------------------------------------


def _parse_iso_duration(value: str | None) -> float | None:
    match = re.fullmatch(
        r"P(?:(?P<Y>[\d.]+)Y)?(?:(?P<Mo>[\d.]+)M)?(?:(?P<W>[\d.]+)W)?(?:(?P<D>[\d.]+)D)?"
        r"(?:T(?:(?P<H>[\d.]+)H)?(?:(?P<Mi>[\d.]+)M)?(?:(?P<S>[\d.]+)S)?)?",
        value or "",
    )
    if not match or not any(match.groupdict().values()):
        return None
    factors = {"Y": 31536000, "Mo": 2592000, "W": 604800, "D": 86400, "H": 3600, "Mi": 60, "S": 1}
    return sum(float(v) * factors[k] for k, v in match.groupdict().items() if v)


def _unit_seconds(unit: str | None) -> float | None:
    key = (unit or "").lower().rstrip("s")
    return _DURATION_SECONDS.get(key)


def normalized_interval(fact: Fact) -> tuple[float, float, str] | None:
    """(low, high, unit) in a unit shared by comparable facts, widened by the qualifier."""
    if fact.kind == "duration":
        factor = _unit_seconds(fact.unit)
        low = _parse_iso_duration(fact.timex) if fact.timex else None
        if low is None and fact.value is not None and factor:
            low = fact.value * factor
        if low is None:
            return None
        high = fact.value_max * factor if fact.value_max is not None and factor else low
        unit = "seconds"
    else:
        if fact.value is None:
            return None
        low, high = fact.value, fact.value_max if fact.value_max is not None else fact.value
        unit = (fact.unit or "").strip()
        unit = _CURRENCY_ALIASES.get(unit.upper(), unit.upper()) if fact.kind == "money" else unit.lower()
    qualifier = (fact.qualifier or "").upper()
    if qualifier == "APPROX":
        low, high = low * 0.9, high * 1.1
    elif qualifier in ("MORE_THAN", "EQUAL_OR_MORE"):
        high = math.inf
    elif qualifier in ("LESS_THAN", "EQUAL_OR_LESS"):
        low = 0.0
    return low, high, unit


def _number(x: float) -> str:
    if x and abs(x) >= 1e6:
        exponent = int(math.floor(math.log10(abs(x))))
        return f"{x / 10 ** exponent:g}e{exponent}"
    return f"{x:g}"


def _iso_seconds(seconds: float) -> str:
    for designator, size in (("H", 3600), ("M", 60)):
        if seconds >= size and seconds % size == 0:
            return f"PT{int(seconds // size)}{designator}"
    if seconds >= 86400 and seconds % 86400 == 0:
        return f"P{int(seconds // 86400)}D"
    return f"PT{seconds:g}S"


def display_value(fact: Fact) -> str:
    """"1.5e9 USD", "3e9–3.5e9 USD", "~PT4H", ">PT6H", "400 people"."""
    prefix = {"APPROX": "~", "MORE_THAN": ">", "LESS_THAN": "<", "EQUAL_OR_MORE": "≥", "EQUAL_OR_LESS": "≤"}.get(
        (fact.qualifier or "").upper(), ""
    )
    if fact.kind == "duration":
        low = _parse_iso_duration(fact.timex) if fact.timex else None
        factor = _unit_seconds(fact.unit)
        if low is None and fact.value is not None and factor:
            low = fact.value * factor
        if low is None:
            return prefix + (fact.timex or fact.text)
        text = _iso_seconds(low)
        if fact.value_max is not None and factor:
            text += "–" + _iso_seconds(fact.value_max * factor)
        return prefix + text
    if fact.value is None:
        return fact.text
    text = _number(fact.value)
    if fact.value_max is not None and fact.value_max != fact.value:
        text += "–" + _number(fact.value_max)
    unit = fact.unit or ""
    if fact.kind == "money":
        unit = _CURRENCY_ALIASES.get(unit.upper(), unit)
    return f"{prefix}{text} {unit}".strip()


def _source(fact: Fact) -> str:
    return fact.outlet or fact.article_id


def _stance(fact: Fact) -> str:
    if fact.modality == "denied" and fact.cue and "rumo" in fact.cue.lower():
        return "rumoured and denied"
    return fact.modality


def _clash(a: Fact, b: Fact) -> str | None:
    """Why two facts from different sources cannot both hold, or None."""
    if (a.modality == "denied") != (b.modality == "denied"):
        return "denial"
    ia, ib = normalized_interval(a), normalized_interval(b)
    if ia is None or ib is None:
        return None
    if ia[2] != ib[2]:
        return "units"
    if ia[0] > ib[1] * (1 + 1e-9) or ib[0] > ia[1] * (1 + 1e-9):
        return "values"
    return None


def reconcile_facts(facts: Sequence[Fact]) -> list[Reconciliation]:
    """agree / conflict / single per (event, specific attribute), in order of first fact."""
    groups: dict[tuple[str, str], list[Fact]] = {}
    for fact in facts:
        if fact.attribute in GENERIC_ATTRIBUTES.values():
            continue
        groups.setdefault((fact.event_id, fact.attribute), []).append(fact)

    out: list[Reconciliation] = []
    for (event_id, attribute), group in groups.items():
        sources = list(dict.fromkeys(f.article_id for f in group))
        first_by_source = {a: next(f for f in group if f.article_id == a) for a in sources}
        if len(sources) == 1:
            fact = group[0]
            status, explanation = "single", f"1 source: {display_value(fact)} ({_source(fact)} {_stance(fact)})"
        else:
            clash = next(
                (
                    (a, b, why)
                    for i, a in enumerate(group)
                    for b in group[i + 1 :]
                    if a.article_id != b.article_id and (why := _clash(a, b))
                ),
                None,
            )
            if clash:
                a, b, why = clash
                if b.modality == "denied" and a.modality != "denied":
                    a, b = b, a  # the denial first reads better
                status = "conflict"
                explanation = (
                    f"conflict: {a.text} {_stance(a)} ({_source(a)}) vs {b.text} {_stance(b)} ({_source(b)})"
                )
                if why == "units":
                    explanation += "; units differ"
            else:
                consensus = min(group, key=_narrowness)
                stances = ", ".join(f"{_source(f)} {_stance(f)}" for f in first_by_source.values())
                status = "agree"
                explanation = f"{len(sources)} sources agree: {display_value(consensus)} ({stances})"
        out.append(Reconciliation(event_id, attribute, status, explanation, sources, STAGE, STAGE_VERSION))
    return out


def _narrowness(fact: Fact) -> tuple[float, int]:
    interval = normalized_interval(fact)
    width = interval[1] - interval[0] if interval else math.inf
    return width, 0 if not fact.qualifier else 1
