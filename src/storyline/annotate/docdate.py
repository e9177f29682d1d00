"""Infer when an article was written from what it says, when no publication date is known.

The evidence, strongest first:

1. a dateline: a full date alone on one of the first lines ("SECURITY 18 September, 2020 10:00 am");
2. a relative year that another clue pins down: "14 September last year" with "14 September
   2020" elsewhere puts the article in 2021; "this year" in the same sentence as a name that
   carries a year ("Zapad-2021") in 2021;
3. a weekday with a date ("Monday, Oct. 26") when one year only in the allowed range fits (a
   range with an upper bound: after a past-tense year alone, often background, it is not used);
   or a year-less past-tense day that falls within three months after the latest past-tense
   full date ("the election of 7 August 2022" ... "On 19 September ... talked": 2022);
4. explicit years and the tense of the verb that governs them *bound* the year: the article
   is written in or after the latest year it reports in the past tense, and in or before the
   earliest year it talks about in the future tense ("a referendum in January 2022", "by the
   end of 2021"). The bounds alone name the year only when they meet: on TempEval-3 the
   latest past-tense year is the article's own year in only about one case in five (news
   writes this year's dates without the year and earlier years' with it);
5. once the year is chosen, year-less dates in the past tense ("On 22 February ... met")
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

from storyline.annotate.doccache import doc_text
from storyline.annotate.timex import FUTURE, PAST, calendar_date, clean_text, extract_timexes, governing_tense
from storyline.records import Timex

if TYPE_CHECKING:
    from spacy.tokens import Doc

STAGE = "docdate"
STAGE_VERSION = "3"

# How sure each kind of evidence makes us of the year.
CONFIDENCE_DATELINE = 0.95
CONFIDENCE_RELATIVE_YEAR = 0.8  # "14 September last year" + "14 September 2020"
CONFIDENCE_WEEKDAY = 0.7  # "Monday, Oct. 26" is a Monday only in 1998 of the allowed years
CONFIDENCE_NAMED_YEAR = 0.6  # "this year" + "Zapad-2021"
CONFIDENCE_BOUNDS_MEET = 0.6  # past-tense 2020 and future-tense 2020
CONFIDENCE_RECENT_DAY = 0.5  # "7 August 2022" (past) and a year-less "19 September" (past) soon after
RECENT_DAY_WINDOW = 92  # days after the latest dated past event within which a year-less day counts
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
    from_name: bool = False  # the year is part of a name: "Zapad-2021"


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
    text = doc_text(doc)  # called per dated mention: spaCy would rebuild doc.text each time
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
    for match in _YEAR_IN_NAME.finditer(doc_text(doc)):
        span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is None:
            continue
        year = int(match.group(1))
        mentions.append(
            _Mention(match.group(0), str(year), governing_tense(span), span.sent.start if doc.has_annotation("DEP") else -1, False, False, year, from_name=True)
        )
    return mentions


def _relative_year_votes(mentions: list[_Mention], evidence: list[str]) -> list[tuple[int, float]]:
    """Years named by a relative year that another clue pins down, with a confidence each.

    - "14 September last year" when "14 September 2020" is written elsewhere → 2021;
    - "this year" in the same sentence as a name that carries a year ("Zapad-2021") → 2021.
      A plain "2020" next to "this year" is usually a contrast ("this year and in 1990"), so
      only years inside names count.
    """
    votes: list[tuple[int, float]] = []
    dated = [m for m in mentions if m.explicit_year is not None and re.fullmatch(r"\d{4}-\d\d(-\d\d)?", m.value)]
    for mention in mentions:
        relation = _RELATIVE_YEAR.search(mention.text)
        if relation is None or mention.explicit_year is not None:
            continue
        offset = {"this": 0, "last": -1, "next": 1}[relation.group(1).lower()]
        partial = re.fullmatch(r"XXXX(-\d\d(?:-\d\d)?)", mention.value)
        if partial:
            for other in dated:
                if other.value[4:] == partial.group(1):
                    voted = other.explicit_year - offset
                    votes.append((voted, CONFIDENCE_RELATIVE_YEAR))
                    evidence.append(f'"{mention.text}" is "{other.text}" → written in {voted}')
                    break
        if offset == 0:
            for other in mentions:
                if other.from_name and other.sentence == mention.sentence:
                    votes.append((other.explicit_year, CONFIDENCE_NAMED_YEAR))
                    evidence.append(f'"{mention.text}" in the same sentence as "{other.text}" → {other.explicit_year}')
    return votes


def _weekday_year(mentions: list[_Mention], lower: int | None, upper: int | None, evidence: list[str]) -> int | None:
    """'Monday, Oct. 26' fixes the year when only one year in the allowed range has that weekday.

    The range needs an upper bound (a year spoken of in the future tense): a lower bound alone is
    the latest year the article reports in the past tense, mostly background in a profile or an
    obituary ("the January 1955 issue"), and the seven years after it would name a wrong year."""
    if upper is None:
        return None
    first = lower if lower is not None else upper - 6
    last = upper
    for mention in mentions:
        if mention.explicit_year is not None:
            continue
        parsed = calendar_date(clean_text(mention.text))
        if parsed is None or parsed[0] is None:
            continue
        weekday, month, day, _ = parsed
        fitting = []
        for year in range(first, last + 1):
            try:
                if dt.date(year, month, day).isoweekday() == weekday:
                    fitting.append(year)
            except ValueError:
                continue
        if len(fitting) == 1:
            evidence.append(f'"{mention.text}" falls on that weekday only in {fitting[0]} within {first}–{last}')
            return fitting[0]
    return None


def _choose_year(mentions: list[_Mention], evidence: list[str]) -> tuple[int | None, float, int | None, int | None]:
    """(year, confidence, lower bound year, upper bound year)."""
    datelines = [m for m in mentions if m.line_start and m.explicit_year is not None]
    past_years = [m.explicit_year for m in mentions if m.explicit_year is not None and m.tense == PAST]
    future_years = [m.explicit_year for m in mentions if m.explicit_year is not None and m.tense == FUTURE and not m.since]
    lower = max(past_years, default=None)
    upper = min(future_years, default=None)
    if lower is not None and upper is not None and upper < lower:
        evidence.append(f"future-tense {upper} contradicts past-tense {lower}: upper bound dropped")
        upper = None
    if lower is not None:
        evidence.append(f"written in or after {lower} (latest year reported in the past tense)")
    if upper is not None:
        evidence.append(f"written in or before {upper} (earliest year spoken of in the future tense)")
    if datelines:
        evidence.append(f'dateline "{datelines[0].text}"')
        return datelines[0].explicit_year, CONFIDENCE_DATELINE, lower, upper
    votes = [
        (year, confidence)
        for year, confidence in _relative_year_votes(mentions, evidence)
        if (lower is None or year >= lower) and (upper is None or year <= upper)
    ]
    if votes:
        best_year = max({year for year, _ in votes}, key=lambda y: sum(c for year, c in votes if year == y))
        return best_year, max(c for year, c in votes if year == best_year), lower, upper
    weekday_year = _weekday_year(mentions, lower, upper, evidence)
    if weekday_year is not None:
        return weekday_year, CONFIDENCE_WEEKDAY, lower, upper
    if lower is not None and lower == upper:
        evidence.append(f"past and future tense meet in {lower}")
        return lower, CONFIDENCE_BOUNDS_MEET, lower, upper
    recent = _recent_day_year(mentions, lower, upper, evidence)
    if recent is not None:
        return recent, CONFIDENCE_RECENT_DAY, lower, upper
    # Explicit years in the past tense are mostly background ("in 1998, ..."): they bound the
    # date but don't name its year.
    return None, 0.0, lower, upper


def _recent_day_year(mentions: list[_Mention], lower: int | None, upper: int | None, evidence: list[str]) -> int | None:
    """The year of the latest past-tense full date, when a year-less past-tense day follows it closely.

    "the protests started after the election of 7 August 2022" and "On 19 September ... the two
    leaders talked": news drops the year of recent days, and 19 September falls a few weeks after
    the latest dated past event only if read in 2022. The year-less day must fall after that
    date in its year and within :data:`RECENT_DAY_WINDOW` days of it.
    """
    if lower is None or (upper is not None and upper < lower):
        return None
    dated = [
        _value_start(m.value) for m in mentions
        if m.tense == PAST and m.explicit_year == lower and re.fullmatch(r"\d{4}-\d\d-\d\d", m.value)
    ]
    dated = [day for day in dated if day is not None]
    if not dated:
        return None
    anchor = max(dated)
    for mention in mentions:
        match = re.fullmatch(r"XXXX-(\d{2})-(\d{2})", mention.value)
        if match is None or mention.explicit_year is not None or mention.tense != PAST or _RELATIVE_YEAR.search(mention.text):
            continue
        try:
            day = dt.date(lower, int(match.group(1)), int(match.group(2)))
        except ValueError:
            continue
        if anchor < day <= anchor + dt.timedelta(days=RECENT_DAY_WINDOW):
            evidence.append(f'"{mention.text}" (past tense) follows {anchor.isoformat()} closely → {lower}')
            return lower
    return None


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
