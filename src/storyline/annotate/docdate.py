"""Infer when an article was written from what it says, when no publication date is known.

The evidence, strongest first:

1. a dateline: a full date alone on one of the first lines ("SECURITY 18 September, 2020 10:00 am");
2. a relative year next to an explicit one in the same sentence: "this year ... Zapad-2021"
   puts the article in 2021, "last year ... 2020" in 2021;
3. explicit years and the tense of the verb that governs them: the article is written in or
   after the latest year it reports in the past tense ("At the end of the first quarter of
   2020, loans accounted for..."), and in or before the earliest year it talks about in the
   future tense ("a referendum in January 2022", "by the end of 2021"). "Since 2008" only
   bounds it: an ongoing state says nothing about how long ago it began;
4. once the year is chosen, year-less dates in the past tense ("On 22 February ... met")
   bound the date from below, future-tense ones from above; "14 September last year" is
   read against the chosen year.

Nothing here invents a year: with no explicit year anywhere (no dateline, no "2020"), the
estimate has ``year_known=False`` and ``best=None``.

The pipeline then re-normalizes the relative timexes against ``best``::

    timexes = extract_timexes(doc, None)
    estimate = infer_document_date(doc, timexes)
    if estimate.best is not None:
        timexes = renormalize(timexes, doc, estimate.best)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from storyline.annotate.timex import FUTURE, PAST, extract_timexes, governing_tense
from storyline.records import Timex

if TYPE_CHECKING:
    from spacy.tokens import Doc

STAGE = "docdate"
STAGE_VERSION = "1"

# How sure each kind of evidence makes us of the year.
CONFIDENCE_DATELINE = 0.95
CONFIDENCE_RELATIVE_YEAR = 0.8
CONFIDENCE_PAST_BOUND = 0.6
CONFIDENCE_FUTURE_BOUND = 0.4
# With the year but no day-level date to pin it down, the best date is a guess within a year.
NO_DAY_PENALTY = 0.5


@dataclass
class DocDateEstimate:
    earliest: dt.date | None
    latest: dt.date | None
    best: dt.date | None
    confidence: float
    year_known: bool
    evidence: list[str] = field(default_factory=list)


@dataclass
class _Mention:
    """A timex with what docdate needs to know about it."""

    text: str
    value: str
    tense: str | None
    sentence: int
    line_start: bool  # on one of the first lines, alone with no verb (a dateline)
    since: bool  # introduced by "since"/"from": start of an ongoing state
    explicit_year: int | None  # year written in the text


_YEAR_IN_NAME = re.compile(r"\b[A-Z][\w]*-((?:19|20)\d\d)\b")  # "Zapad-2021"
_RELATIVE_YEAR = re.compile(r"\b(this|last|next) year\b", re.IGNORECASE)
_FINITE_TAGS = {"VBD", "VBZ", "VBP", "MD"}


def _value_start(value: str) -> dt.date | None:
    """First day of the period a TIMEX3 date value names (2021 → 2021-01-01, 2020-Q3 → 2020-07-01)."""
    match = re.match(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?|-Q(\d)|-H(\d))?", value)
    if not match:
        return None
    year = int(match.group(1))
    if match.group(3):
        return dt.date(year, int(match.group(2)), int(match.group(3)))
    if match.group(2):
        return dt.date(year, int(match.group(2)), 1)
    if match.group(4):
        return dt.date(year, 3 * int(match.group(4)) - 2, 1)
    if match.group(5):
        return dt.date(year, 1 if match.group(5) == "1" else 7, 1)
    return dt.date(year, 1, 1)


def _value_end(value: str) -> dt.date | None:
    """Last day of the period a TIMEX3 date value names."""
    start = _value_start(value)
    if start is None:
        return None
    if re.match(r"\d{4}-\d{2}-\d{2}", value):
        return start
    if re.match(r"\d{4}-\d{2}", value):
        months = 1
    elif "-Q" in value:
        months = 3
    elif "-H" in value:
        months = 6
    else:
        months = 12
    month_index = start.year * 12 + start.month - 1 + months
    return dt.date(month_index // 12, month_index % 12 + 1, 1) - dt.timedelta(days=1)


def _is_dateline(doc: "Doc", start: int, end: int) -> bool:
    """A full date on a short line near the top that holds no finite verb."""
    text = doc.text
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    preceding_lines = [line for line in text[:line_start].splitlines() if line.strip()]
    if len(preceding_lines) > 2 or line_end - line_start > 100:
        return False
    line_span = doc.char_span(line_start, line_end, alignment_mode="contract")
    if line_span is None:
        return False
    # "10:00 am" is tagged as a verb; tokens inside the date/time itself don't count.
    return not any(
        token.tag_ in _FINITE_TAGS and token.ent_type_ not in ("DATE", "TIME") and token.lower_ not in ("am", "pm")
        for token in line_span
    )


def _mentions(doc: "Doc", timexes: Sequence[Timex], base_offset: int) -> list[_Mention]:
    mentions: list[_Mention] = []
    for timex in timexes:
        if timex.type not in ("DATE", "TIME"):
            continue
        if not timex.value and not _RELATIVE_YEAR.search(timex.text):
            continue  # kept without a value only for "this year" votes
        start, end = timex.start - base_offset, timex.end - base_offset
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            continue
        previous = doc[span.start - 1].lower_ if span.start > 0 else ""
        explicit = re.search(r"(?<!\d)((?:1[5-9]|20)\d\d)(?!\d)", timex.text)
        mentions.append(
            _Mention(
                text=timex.text,
                value=timex.value or "",
                tense=governing_tense(span),
                sentence=span.sent.start if doc.has_annotation("DEP") else timex.sentence_index,
                line_start=bool(re.match(r"\d{4}-\d\d-\d\d", timex.value or "")) and _is_dateline(doc, start, end),
                since=previous in ("since", "from"),
                explicit_year=int(explicit.group(1)) if explicit and (timex.value or "").startswith(explicit.group(1)) else None,
            )
        )
    # Years inside names ("Zapad-2021 military exercises") are missed by the timex stage.
    for match in _YEAR_IN_NAME.finditer(doc.text):
        span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is None:
            continue
        year = int(match.group(1))
        mentions.append(
            _Mention(match.group(0), str(year), governing_tense(span), span.sent.start if doc.has_annotation("DEP") else -1, False, False, year)
        )
    return mentions


def _relative_year_votes(mentions: list[_Mention], evidence: list[str]) -> list[int]:
    """'this year' next to exactly one explicit year in the same sentence names the article's year."""
    votes: list[int] = []
    by_sentence: dict[int, list[_Mention]] = {}
    for mention in mentions:
        by_sentence.setdefault(mention.sentence, []).append(mention)
    for sentence_mentions in by_sentence.values():
        explicit_years = {m.explicit_year for m in sentence_mentions if m.explicit_year is not None}
        if len(explicit_years) != 1:
            continue
        (year,) = explicit_years
        for mention in sentence_mentions:
            relation = _RELATIVE_YEAR.search(mention.text)
            if relation is None or mention.explicit_year is not None:
                continue
            word = relation.group(1).lower()
            voted = year + {"this": 0, "last": 1, "next": -1}[word]
            votes.append(voted)
            evidence.append(f'"{mention.text}" in the same sentence as {year} → {voted}')
    return votes


def _choose_year(mentions: list[_Mention], evidence: list[str]) -> tuple[int | None, float, int | None, int | None]:
    """(year, confidence, lower bound year, upper bound year)."""
    datelines = [m for m in mentions if m.line_start and m.explicit_year is not None]
    past_years = [m.explicit_year for m in mentions if m.explicit_year is not None and m.tense == PAST and not m.since]
    since_years = [m.explicit_year for m in mentions if m.explicit_year is not None and m.since]
    future_years = [m.explicit_year for m in mentions if m.explicit_year is not None and m.tense == FUTURE and not m.since]
    lower = max(past_years + since_years, default=None)
    upper = min(future_years, default=None)
    if datelines:
        evidence.append(f'dateline "{datelines[0].text}"')
        return datelines[0].explicit_year, CONFIDENCE_DATELINE, lower, upper
    votes = [
        year
        for year in _relative_year_votes(mentions, evidence)
        if (lower is None or year >= lower) and (upper is None or year <= upper)
    ]
    if votes:
        year = max(set(votes), key=votes.count)
        return year, CONFIDENCE_RELATIVE_YEAR, lower, upper
    if past_years:
        year = max(past_years)
        evidence.append(f"latest year reported in the past tense: {year}")
        confidence = CONFIDENCE_PAST_BOUND
        if upper is not None and upper < year:
            evidence.append(f"conflicts with a future-tense mention of {upper}")
            confidence /= 2
        return year, confidence, lower, upper
    if future_years:
        year = min(future_years)
        if lower is not None and lower > year:
            return None, 0.0, lower, upper
        evidence.append(f"earliest year spoken of in the future tense: {year}")
        return year, CONFIDENCE_FUTURE_BOUND, lower, upper
    if since_years:
        evidence.append(f"an ongoing state since {max(since_years)} only bounds the date")
    return None, 0.0, lower, upper


def _year_offset(text: str) -> int:
    relation = _RELATIVE_YEAR.search(text)
    return {"this": 0, "last": -1, "next": 1}[relation.group(1).lower()] if relation else 0


def infer_document_date(doc: "Doc", timexes: Sequence[Timex] | None = None, base_offset: int = 0) -> DocDateEstimate:
    """Estimate an article's date from its text.

    ``timexes`` should come from ``extract_timexes(doc, None)`` (normalized without a reference
    date, so that year-less dates stay ``XXXX``); they are extracted here when not given.
    """
    if timexes is None:
        timexes = extract_timexes(doc, None)
        base_offset = 0
    evidence: list[str] = []
    mentions = _mentions(doc, timexes, base_offset)
    year, confidence, lower_year, upper_year = _choose_year(mentions, evidence)

    earliest = dt.date(lower_year, 1, 1) if lower_year is not None else None
    latest = dt.date(upper_year, 12, 31) if upper_year is not None else None
    # Full dates bound it more tightly than their years.
    for mention in mentions:
        if mention.explicit_year is None or mention.since and mention.tense != PAST:
            continue
        if mention.tense == PAST:
            start = _value_start(mention.value)
            if start is not None and (earliest is None or start > earliest):
                earliest = start
        elif mention.tense == FUTURE:
            end = _value_end(mention.value)
            if end is not None and (latest is None or end < latest):
                latest = end

    if year is None:
        if not evidence:
            evidence.append("no explicit year in the text")
        return DocDateEstimate(earliest, latest, None, 0.0, False, evidence)

    dateline = next((m for m in mentions if m.line_start and m.explicit_year == year), None)
    if dateline is not None:
        day = _value_start(dateline.value)
        return DocDateEstimate(day, day, day, confidence, True, evidence)

    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    earliest = max(earliest, year_start) if earliest else year_start
    latest = min(latest, year_end) if latest else year_end
    if earliest > latest:  # contradictory clues: keep the year, drop the finer bounds
        earliest, latest = year_start, year_end

    # Year-less dates, read in the chosen year (or the one before, for "... last year").
    past_days: list[tuple[dt.date, str]] = []
    future_days: list[tuple[dt.date, str]] = []
    for mention in mentions:
        match = re.fullmatch(r"XXXX-(\d{2})(?:-(\d{2}))?", mention.value)
        if match is None or mention.explicit_year is not None:
            continue
        month = int(match.group(1))
        day_number = int(match.group(2)) if match.group(2) else None
        mention_year = year + _year_offset(mention.text)
        try:
            day = dt.date(mention_year, month, day_number or 1)
        except ValueError:
            continue
        if mention.tense == FUTURE:
            future_days.append((day, mention.text))
        elif mention.tense == PAST or match.group(2):
            # A dated event in the present tense is a headline or historical present: it happened.
            past_days.append((day, mention.text))

    usable_past = [(day, text) for day, text in past_days if earliest <= day <= latest]
    if usable_past:
        day, text = max(usable_past)
        earliest = day
        evidence.append(f'after "{text}" ({day.isoformat()}, past tense)')
    # A future-tense date bounds it from above, unless it contradicts the past-tense dates.
    upper_day = min((day for day, _ in future_days if day >= earliest), default=None)
    if upper_day is not None:
        bound = upper_day if upper_day == earliest else upper_day - dt.timedelta(days=1)
        if bound < latest:
            latest = bound
            evidence.append(f"not after {bound.isoformat()} (future tense)")
    day_level = [
        day for day, text in past_days if earliest <= day <= latest and re.search(r"\d", text)
    ] + [_value_start(m.value) for m in mentions if m.tense == PAST and m.explicit_year is not None and re.fullmatch(r"\d{4}-\d\d-\d\d", m.value)]
    day_level = [day for day in day_level if day is not None and earliest <= day <= latest]
    if day_level:
        best = max(day_level)
    else:
        # The year is supported, the day is not: the best guess is the earliest date allowed.
        best = earliest
        confidence *= NO_DAY_PENALTY
    return DocDateEstimate(earliest, latest, best, round(confidence, 3), True, evidence)
