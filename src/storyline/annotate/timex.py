"""Find time expressions in a parsed article and normalize them to TIMEX3-style values.

Two entry points:

- ``normalize_timex(text, ref_date, tense)`` turns one expression ("last September",
  "almost four hours", "On 22 February") into ``(type, value, mod)``;
- ``extract_timexes(doc, ref_date)`` finds the expressions in a spaCy ``Doc`` (the
  model's DATE/TIME entities plus our own patterns for what it misses), decides the
  tense of the verb that governs each one, and normalizes it.

Values follow TIMEX3: ``2021-02-22``, ``2020-09``, ``2021``, ``2020-W37``, ``2021-Q3``,
``199`` (the 1990s), ``PT4H``, ``P1M``, ``PRESENT_REF``... A date whose year the text
does not give and that cannot be anchored (``ref_date`` is None) keeps ``XXXX`` in the
year: we never invent a year. Expressions that only make sense relative to the
reference date ("yesterday") get ``value=None`` when there is no reference date.

Rule order: our own grammar first (it knows the tense and TimeML conventions, e.g.
"a month ago" → month granularity), then ``recognizers_suite`` for the long tail,
then ``dateparser`` (past-preferring) for anything with a month name or numeric date
that both missed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

from storyline.annotate.doccache import doc_ents, doc_sents, doc_text
from storyline.records import Timex

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

STAGE = "timex"
STAGE_VERSION = "5"

PAST, PRESENT, FUTURE = "past", "present", "future"

# --- vocabulary -------------------------------------------------------------------

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        ("january", "jan"),
        ("february", "feb"),
        ("march", "mar"),
        ("april", "apr"),
        ("may",),
        ("june", "jun"),
        ("july", "jul"),
        ("august", "aug"),
        ("september", "sep", "sept"),
        ("october", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ],
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _number

WEEKDAYS: dict[str, int] = {}  # ISO weekday numbers, Monday = 1
for _number, _names in enumerate(
    [
        ("monday", "mon"),
        ("tuesday", "tue", "tues"),
        ("wednesday", "wed"),
        ("thursday", "thu", "thur", "thurs"),
        ("friday", "fri"),
        ("saturday", "sat"),
        ("sunday", "sun"),
    ],
    start=1,
):
    for _name in _names:
        WEEKDAYS[_name] = _number

SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
SEASON_START_MONTH = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}

PARTS_OF_DAY = {
    "morning": "MO",
    "afternoon": "AF",
    "evening": "EV",
    "night": "NI",
    "overnight": "NI",
}

SMALL_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
VAGUE_QUANTITIES = {"several", "few", "a few", "some", "many", "a number of", "numerous", "a couple of", "couple of"}

# unit word → (TIMEX3 unit letter, is a clock unit written after "T")
UNITS: dict[str, tuple[str, bool]] = {
    "year": ("Y", False),
    "yr": ("Y", False),
    "month": ("M", False),
    "week": ("W", False),
    "day": ("D", False),
    "fortnight": ("W", False),
    "quarter": ("Q", False),
    "decade": ("DE", False),
    "century": ("CE", False),
    "hour": ("H", True),
    "hr": ("H", True),
    "minute": ("M", True),
    "min": ("M", True),
    "second": ("S", True),
    "sec": ("S", True),
}
_UNIT_PATTERN = r"(years?|yrs?|months?|weeks?|days?|fortnights?|quarters?|decades?|centur(?:y|ies)|hours?|hrs?|minutes?|mins?|seconds?|secs?)"
_NUMBER_WORD = r"(?:\d+(?:[.,]\d+)?(?: 1/2)?|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|half|dozen|couple)"
_NUMBER_PHRASE = rf"(?:{_NUMBER_WORD}(?:[\s-]+(?:and[\s-]+)?{_NUMBER_WORD})*|several|a few|few|some|many|a number of|numerous|a couple of)"

PRESENT_WORDS = {
    "now", "right now", "currently", "current", "present", "the present", "at present", "presently",
    "nowadays", "these days", "at the moment", "the moment", "at this time", "this time", "today's",
}  # fmt: skip
PAST_WORDS = {
    "recently", "recent", "lately", "previously", "formerly", "earlier", "the past", "past",
    "in the past", "once", "before", "some time ago", "long ago", "years ago", "the old days",
}  # fmt: skip
FUTURE_WORDS = {
    "future", "the future", "in the future", "soon", "shortly", "later", "a later date",
    "eventually", "the years ahead", "the coming years", "the near future", "near future",
    "the days ahead", "the weeks ahead", "the months ahead", "in the coming days", "down the road",
}  # fmt: skip

SETS = {
    "daily": "P1D", "every day": "P1D", "each day": "P1D", "per day": "P1D",
    "nightly": "P1D", "every night": "P1D",
    "weekly": "P1W", "every week": "P1W", "each week": "P1W", "per week": "P1W",
    "monthly": "P1M", "every month": "P1M", "each month": "P1M", "per month": "P1M",
    "annually": "P1Y", "yearly": "P1Y", "annual": "P1Y", "every year": "P1Y", "each year": "P1Y",
    "per year": "P1Y", "per annum": "P1Y",
    "quarterly": "P3M", "every quarter": "P3M", "each quarter": "P3M",
    "hourly": "PT1H", "every hour": "PT1H",
}  # fmt: skip

# Qualifiers in front of an expression, longest first so "well over" wins over "over".
PREFIX_MODS: list[tuple[str, str]] = sorted(
    [
        ("about", "APPROX"), ("around", "APPROX"), ("approximately", "APPROX"), ("roughly", "APPROX"),
        ("almost", "APPROX"), ("nearly", "APPROX"), ("some", "APPROX"), ("close to", "APPROX"),
        ("just about", "APPROX"), ("an estimated", "APPROX"), ("circa", "APPROX"),
        ("well over", "MORE_THAN"), ("more than", "MORE_THAN"), ("over", "MORE_THAN"),
        ("upwards of", "MORE_THAN"), ("longer than", "MORE_THAN"), ("in excess of", "MORE_THAN"),
        ("well beyond", "MORE_THAN"), ("just over", "MORE_THAN"),
        ("less than", "LESS_THAN"), ("under", "LESS_THAN"), ("fewer than", "LESS_THAN"),
        ("just under", "LESS_THAN"), ("shorter than", "LESS_THAN"), ("within", "LESS_THAN"),
        ("at least", "EQUAL_OR_MORE"), ("no less than", "EQUAL_OR_MORE"), ("not less than", "EQUAL_OR_MORE"),
        ("at most", "EQUAL_OR_LESS"), ("no more than", "EQUAL_OR_LESS"), ("not more than", "EQUAL_OR_LESS"),
        ("up to", "EQUAL_OR_LESS"),
        ("the beginning of", "START"), ("beginning of", "START"), ("the start of", "START"),
        ("start of", "START"), ("the early", "START"), ("early", "START"), ("earlier", "START"),
        ("the first days of", "START"), ("the dawn of", "START"), ("the outset of", "START"),
        ("the first half of", "START"), ("the second half of", "END"), ("the latter half of", "END"),
        ("the latter part of", "END"), ("the early part of", "START"),
        ("the middle of", "MID"), ("middle of", "MID"), ("the mid", "MID"), ("mid", "MID"),
        ("the end of", "END"), ("end of", "END"), ("the close of", "END"), ("close of", "END"),
        ("the late", "END"), ("late", "END"), ("later", "END"), ("the last days of", "END"),
    ],  # fmt: skip
    key=lambda pair: -len(pair[0]),
)
SUFFIX_MODS = [("or so", "APPROX"), ("or more", "EQUAL_OR_MORE"), ("or less", "EQUAL_OR_LESS"), ("or longer", "EQUAL_OR_MORE")]

# Words that introduce an expression but are not part of its TimeML extent.
LEADING_SIGNALS = {
    "on", "in", "at", "since", "from", "by", "until", "till", "til", "through", "throughout",
    "during", "for", "of", "to", "before", "after", "between", "and", "as", "into", "than",
    "starting", "beginning", "ending", "as of", "prior to", "ahead of", "over",
}  # fmt: skip


@dataclass
class NormalizedTimex:
    type: str  # DATE | TIME | DURATION | SET
    value: str | None
    mod: str | None = None
    anchor: str = "explicit"  # explicit | dct | none: what the value was resolved against


# --- small helpers ----------------------------------------------------------------


def clean_text(text: str) -> str:
    """Lower-cased, whitespace- and dash-normalized text without possessive or edge punctuation."""
    text = text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-").replace("\u00a0", " ")
    text = re.sub(r"\s+", " ", text.strip().lower())
    text = re.sub(r"('s|s')$", "", text).strip()
    return text.strip(" ,;:!?()[]\"'")


def parse_number(text: str) -> float | None:
    """'four' → 4, 'twenty four' → 24, '1.5' → 1.5, 'two and a half' → 2.5, 'a' → 1."""
    text = text.strip().lower().replace(",", "")
    if not text:
        return None
    fraction = re.fullmatch(r"(\d+) 1/2", text)
    if fraction:
        return int(fraction.group(1)) + 0.5
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    if text in ("a", "an", "one", "a single", "single"):
        return 1.0
    if text in ("half", "a half", "half a", "half an"):
        return 0.5
    if text in ("a couple of", "couple of", "a couple", "couple"):
        return 2.0
    if text in ("a dozen", "dozen"):
        return 12.0
    total = 0.0
    current = 0.0
    seen = False
    for word in re.split(r"[\s-]+", text):
        if word in ("and", "a", "an"):
            continue
        if word == "half":
            current += 0.5
        elif word in SMALL_NUMBERS:
            current += SMALL_NUMBERS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word == "thousand":
            total += (current or 1) * 1000
            current = 0
        elif word == "dozen":
            current = (current or 1) * 12
        elif re.fullmatch(r"\d+(\.\d+)?", word):
            current += float(word)
        else:
            return None
        seen = True
    return total + current if seen else None


def _format_amount(amount: float) -> str:
    return str(int(amount)) if amount == int(amount) else f"{amount:g}"


def _unit_of(word: str) -> tuple[str, bool] | None:
    word = word.lower().rstrip(".")
    if word == "centuries":
        word = "century"
    elif word.endswith("s") and word[:-1] in UNITS:
        word = word[:-1]
    return UNITS.get(word)


def duration_value(amount: float | None, unit_word: str) -> str | None:
    """PT4H, P3D, P2Y; 'X' for a vague amount ("several years" → PXY)."""
    unit = _unit_of(unit_word)
    if unit is None:
        return None
    letter, clock = unit
    if letter == "DE":  # TimeBank writes decades and centuries as years: "two decades" → P20Y
        letter, amount = "Y", None if amount is None else amount * 10
    elif letter == "CE":
        letter, amount = "Y", None if amount is None else amount * 100
    if unit_word.lower().startswith("fortnight") and amount is not None:
        amount *= 2
    quantity = "X" if amount is None else _format_amount(amount)
    return f"PT{quantity}{letter}" if clock else f"P{quantity}{letter}"


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = [31, 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return dt.date(year, month, min(day.day, last_day))


def _iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def _shift(ref: dt.date, amount: int, letter: str) -> str | None:
    """ref moved by amount units, written at that unit's granularity ("a month ago" → 2021-01)."""
    if letter == "D":
        return (ref + dt.timedelta(days=amount)).isoformat()
    if letter == "W":
        return _iso_week(ref + dt.timedelta(weeks=amount))
    if letter == "M":
        return _add_months(ref, amount).strftime("%Y-%m")
    if letter == "Q":
        moved = _add_months(ref, 3 * amount)
        return f"{moved.year}-Q{_quarter_of(moved)}"
    if letter == "Y":
        return f"{ref.year + amount:04d}"
    if letter == "DE":
        return f"{(ref.year + 10 * amount) // 10:03d}"
    if letter == "CE":
        return f"{(ref.year + 100 * amount) // 100:02d}"
    return None


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# How much a reading against the tense costs: a past-tense "Nov. 20" said on 2 November is
# still more likely the coming 20 November (18 days away) than last year's (347 days away).
_AGAINST_TENSE_COST = 5.0


def _tense_weighted_choice(options: list[tuple[int, int]], ref_index: int, tense: str | None) -> int:
    """Pick among (year, position) options by distance to the reference, penalizing the reading the tense rules out."""

    def cost(option: tuple[int, int]) -> tuple[float, int]:
        distance = option[1] - ref_index
        against = (tense == PAST and distance > 0) or (tense == FUTURE and distance < 0)
        weighted = abs(distance) * (_AGAINST_TENSE_COST if against else 1.0)
        # Ties go to the past (news mostly reports what happened), or to the tense's side.
        tie_break = 0 if (distance <= 0) != (tense == FUTURE) else 1
        return weighted, tie_break

    return min(options, key=cost)[0]


def pick_year_for_day(month: int, day: int, ref: dt.date, tense: str | None, weekday: int | None = None) -> int | None:
    """The year of a year-less "22 February", from the reference date and the tense.

    Past tense prefers the reading on or before ref, future the one on or after; a much
    closer reading on the other side still wins. A weekday given with the date decides.
    """
    options = [(year, _safe_date(year, month, day)) for year in (ref.year - 1, ref.year, ref.year + 1)]
    valid = [(year, date) for year, date in options if date is not None]
    if weekday is not None:
        matching = [(year, date) for year, date in valid if date.isoweekday() == weekday]
        if len(matching) == 1:
            return matching[0][0]
    if not valid:
        return None
    return _tense_weighted_choice([(year, date.toordinal()) for year, date in valid], ref.toordinal(), tense)


def pick_year_for_month(month: int, ref: dt.date, tense: str | None) -> int:
    """The year of a year-less "September"; the reference month itself counts as both past and future."""
    ref_index = ref.year * 12 + ref.month - 1
    options = [(year, year * 12 + month - 1) for year in (ref.year - 1, ref.year, ref.year + 1)]
    return _tense_weighted_choice(options, ref_index, tense)


def _resolve_weekday(weekday: int, ref: dt.date, tense: str | None, relation: str | None) -> dt.date:
    """'Friday' in a news story: past tense → the latest Friday on or before the reference date."""
    days_back = (ref.isoweekday() - weekday) % 7
    previous = ref - dt.timedelta(days=days_back)  # on or before ref
    following = ref + dt.timedelta(days=(weekday - ref.isoweekday()) % 7)  # on or after ref
    if relation == "last":
        return previous if days_back else ref - dt.timedelta(days=7)
    if relation == "next":
        return following if following != ref else ref + dt.timedelta(days=7)
    if relation == "this":
        # "this Friday": the one in the reference week.
        return ref + dt.timedelta(days=weekday - ref.isoweekday())
    if tense == FUTURE:
        return following
    if tense == PAST:
        return previous
    return previous if days_back <= 3 or following == ref else following


def _season_year(code: str, ref: dt.date, relation: str | None, tense: str | None) -> int:
    start_month = SEASON_START_MONTH[code]
    # A season is "current" from its start month for three months (winter runs over the year end).
    months_since_start = (ref.month - start_month) % 12
    in_season = months_since_start < 3
    started_this_year = ref.month >= start_month
    latest_start_year = ref.year if started_this_year else ref.year - 1
    if relation == "last":
        return latest_start_year - 1 if in_season else latest_start_year
    if relation == "next":
        return latest_start_year + 1
    if relation == "this":
        # "this summer" said in May is the coming one; winter straddles the new year.
        return ref.year - 1 if code == "WI" and ref.month < 3 else ref.year
    if in_season:
        return latest_start_year
    if tense == FUTURE:
        return latest_start_year + 1
    return latest_start_year


def _has_explicit_year(text: str) -> bool:
    return bool(re.search(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)|'\d\d\b", text))


# --- our grammar ------------------------------------------------------------------

_MONTH_NAMES = r"(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
_WEEKDAY_NAMES = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)\.?"
_YEAR = r"((?:1[5-9]|20)\d\d)"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "last": 4, "final": 4}
_HALVES = {"first": 1, "second": 2, "1st": 1, "2nd": 2}

# "yesterday"-like words: day offset from the reference date.
_DAY_WORDS = {
    "today": 0, "this day": 0, "yesterday": -1, "tomorrow": 1,
    "the day before yesterday": -2, "the day after tomorrow": 2,
}  # fmt: skip
_RELATIVE_UNIT = {"this": 0, "current": 0, "the current": 0, "last": -1, "past": -1, "previous": -1, "the previous": -1, "next": 1, "coming": 1, "the coming": 1, "the next": 1, "following": 1, "the following": 1}


_DAY_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "twenty-first": 21, "twenty-second": 22, "twenty-third": 23, "twenty-fourth": 24,
    "twenty-fifth": 25, "twenty-sixth": 26, "twenty-seventh": 27, "twenty-eighth": 28,
    "twenty-ninth": 29, "thirtieth": 30, "thirty-first": 31,
}  # fmt: skip
_DAY_TOKEN = r"(\d{1,2})(?:st|nd|rd|th)?|(" + "|".join(sorted(_DAY_ORDINAL_WORDS, key=len, reverse=True)) + ")"
_CALENDAR_PATTERNS = [
    # "Monday, Oct. 26, 1998", "September 21", "Feb. 4th 2021"
    re.compile(rf"(?:{_WEEKDAY_NAMES},? )?{_MONTH_NAMES},? (?:the )?(?:{_DAY_TOKEN})(?:,? {_YEAR})?"),
    # "22 February", "the 14th of September 2020", "Sunday, 18 September, 2020"
    re.compile(rf"(?:{_WEEKDAY_NAMES},? )?(?:the )?(?:{_DAY_TOKEN}) (?:of )?{_MONTH_NAMES},?(?: {_YEAR})?"),
]


def calendar_date(text: str) -> tuple[int | None, int, int, int | None] | None:
    """(weekday, month, day, year) of a calendar date written out in words, or None."""
    for pattern_index, pattern in enumerate(_CALENDAR_PATTERNS):
        match = pattern.fullmatch(text)
        if not match:
            continue
        weekday_text = match.group(1)
        if pattern_index == 0:
            month_text, day_digits, day_word, year_text = match.group(2), match.group(3), match.group(4), match.group(5)
        else:
            day_digits, day_word, month_text, year_text = match.group(2), match.group(3), match.group(4), match.group(5)
        month = MONTHS.get(month_text.rstrip("."))
        day = int(day_digits) if day_digits else _DAY_ORDINAL_WORDS.get(day_word or "", 0)
        if month is None or not 1 <= day <= 31:
            return None
        year = int(year_text) if year_text else None
        if year is not None and _safe_date(year, month, day) is None:
            return None
        if year is None and _safe_date(2000, month, day) is None:  # 2000 is a leap year: allows 29 February
            return None
        weekday = WEEKDAYS.get(weekday_text.rstrip(".")) if weekday_text else None
        return weekday, month, day, year
    return None



def _own_grammar(text: str, ref: dt.date | None, tense: str | None) -> NormalizedTimex | None:
    """Deterministic rules for the common shapes. ``text`` is cleaned and free of qualifiers."""
    anchor = "dct" if ref is not None else "none"

    if text in PRESENT_WORDS:
        return NormalizedTimex("DATE", "PRESENT_REF")
    if text in PAST_WORDS:
        return NormalizedTimex("DATE", "PAST_REF")
    if text in FUTURE_WORDS:
        return NormalizedTimex("DATE", "FUTURE_REF")
    if text in SETS:
        return NormalizedTimex("SET", SETS[text])

    match = re.fullmatch(r"(recent|in recent|the recent|past|previous|the previous|the following|following|the last|last|next|the next|coming|future|upcoming|the coming|the past few|the last few|the next few|in recent|in coming) (days|weeks|months|years|decades|quarters)", text)
    if match:
        word = match.group(1)
        if word in ("coming", "future", "upcoming", "the coming", "in coming"):
            return NormalizedTimex("DATE", "FUTURE_REF")
        return NormalizedTimex("DURATION", duration_value(None, match.group(2)))

    # "the year-earlier period", "year-ago": the year before (a quarter in quarterly reports, see
    # _resolve_year_ago_periods).
    if re.fullmatch(r"(?:the )?(?:comparable |same )?year-(?:earlier|ago)(?: (?:period|quarter|level|levels|results|figure|figures))?", text):
        if ref is None:
            return NormalizedTimex("DATE", None, anchor="none")
        return NormalizedTimex("DATE", f"{ref.year - 1:04d}", anchor=anchor)

    # Years in words: "nineteen ninety-six", "the year two thousand".
    spelled_year = _spelled_year(text)
    if spelled_year is not None:
        return NormalizedTimex("DATE", f"{spelled_year:04d}")

    # Anaphora ("that day", "the same year") are resolved against the text in extract_timexes.
    if re.fullmatch(r"(?:that|the same|that same|the very same) (?:day|week|month|year|morning|afternoon|evening|night|time)|the day", text):
        return NormalizedTimex("DATE", None, anchor="none")

    # Decades and centuries: "the 1990s", "the '80s", "the 20th century".
    match = re.fullmatch(r"(?:the )?(1[5-9]|20)(\d)0'?s", text) or re.fullmatch(r"(?:the )?'(\d)0'?s", text)
    if match:
        if len(match.groups()) == 2:
            return NormalizedTimex("DATE", f"{match.group(1)}{match.group(2)}")
        return NormalizedTimex("DATE", f"19{match.group(1)}")
    match = re.fullmatch(r"(?:the )?(\d{1,2})(?:st|nd|rd|th) century", text)
    if match:
        return NormalizedTimex("DATE", f"{int(match.group(1)) - 1:02d}")

    # Day words: "yesterday", "today", "last night", "this morning", "tonight".
    if text in _DAY_WORDS:
        if ref is None:
            return NormalizedTimex("DATE", None, anchor="none")
        return NormalizedTimex("DATE", (ref + dt.timedelta(days=_DAY_WORDS[text])).isoformat(), anchor=anchor)
    match = re.fullmatch(r"(this|last|tonight|yesterday|tomorrow|today|overnight)(?: (morning|afternoon|evening|night))?", text)
    if match and (match.group(2) or match.group(1) in ("tonight", "overnight")):
        word, part = match.group(1), match.group(2)
        offsets = {"this": 0, "today": 0, "tonight": 0, "last": -1, "yesterday": -1, "tomorrow": 1, "overnight": -1}
        part_code = PARTS_OF_DAY.get(part or ("night" if word in ("tonight", "overnight") else ""), "NI")
        if ref is None:
            return NormalizedTimex("TIME", None, anchor="none")
        day = ref + dt.timedelta(days=offsets[word])
        return NormalizedTimex("TIME", f"{day.isoformat()}T{part_code}", anchor=anchor)

    # "N units ago", "a month ago", "two days earlier", "three weeks later".
    match = re.fullmatch(rf"({_NUMBER_PHRASE}) {_UNIT_PATTERN} (ago|earlier|before|previously|back|later|after|from now|hence|on)", text)
    if match:
        amount = parse_number(match.group(1))
        unit = _unit_of(match.group(2))
        direction = 1 if match.group(3) in ("later", "after", "from now", "hence", "on") else -1
        if unit is None:
            return None
        if amount is None or amount != int(amount):
            return NormalizedTimex("DATE", "PAST_REF" if direction < 0 else "FUTURE_REF")
        if ref is None:
            return NormalizedTimex("DATE", None, anchor="none")
        letter, clock = unit
        if clock:
            moved = dt.datetime.combine(ref, dt.time()) + direction * int(amount) * {"H": dt.timedelta(hours=1), "M": dt.timedelta(minutes=1), "S": dt.timedelta(seconds=1)}[letter]
            return NormalizedTimex("DATE", moved.date().isoformat(), anchor=anchor)
        return NormalizedTimex("DATE", _shift(ref, direction * int(amount), letter), anchor=anchor)
    if re.fullmatch(rf"(?:{_UNIT_PATTERN}) (ago|earlier|before)", text):
        return NormalizedTimex("DATE", "PAST_REF")

    # "the past two months", "the next few days", "the last 24 hours": durations.
    match = re.fullmatch(rf"(?:the )?(?:past|last|previous|next|coming|following|first|final|preceding|ensuing|latest|recent) ({_NUMBER_PHRASE}) {_UNIT_PATTERN}", text)
    if match:
        words = match.group(1)
        amount = None if words in VAGUE_QUANTITIES else parse_number(words)
        return NormalizedTimex("DURATION", duration_value(amount, match.group(2)))
    match = re.fullmatch(r"the (?:past|last|previous|next|coming|following) (year|month|week|day|decade|century|quarter|hour)", text)
    if match:
        return NormalizedTimex("DURATION", duration_value(1, match.group(1)))

    # "this week", "last month", "next year", "this quarter", "the current year".
    match = re.fullmatch(r"(this|current|the current|last|past|previous|the previous|next|coming|the coming|the following|following) (week|month|year|quarter|decade|century|weekend|fiscal year)", text)
    if match:
        offset = _RELATIVE_UNIT[match.group(1)]
        unit = match.group(2)
        if ref is None:
            return NormalizedTimex("DATE", None, anchor="none")
        if unit == "weekend":
            return NormalizedTimex("DATE", _weekend(ref, tense, offset), anchor=anchor)
        letter = {"week": "W", "month": "M", "year": "Y", "fiscal year": "Y", "quarter": "Q", "decade": "DE", "century": "CE"}[unit]
        return NormalizedTimex("DATE", _shift(ref, offset, letter), anchor=anchor)
    if text in ("the weekend", "weekend"):
        if ref is None:
            return NormalizedTimex("DATE", None, anchor="none")
        return NormalizedTimex("DATE", _weekend(ref, tense, 0 if tense == FUTURE else None), anchor=anchor)
    if text in ("this time last year", "a year ago today"):
        if ref is None:
            return NormalizedTimex("DATE", None, anchor="none")
        return NormalizedTimex("DATE", f"{ref.year - 1}-{ref.month:02d}-{ref.day:02d}", anchor=anchor)

    # Seasons: "last fall", "this summer", "the summer of 1996", "spring".
    match = re.fullmatch(r"(?:(this|last|next|the|this past|past) )?(spring|summer|fall|autumn|winter)(?: (?:of )?" + _YEAR + ")?", text)
    if match:
        code = SEASONS[match.group(2)]
        if match.group(3):
            return NormalizedTimex("DATE", f"{match.group(3)}-{code}")
        if ref is None:
            return NormalizedTimex("DATE", f"XXXX-{code}", anchor="none")
        relation = {"this past": "last", "past": "last", "the": None}.get(match.group(1) or "", match.group(1))
        return NormalizedTimex("DATE", f"{_season_year(code, ref, relation, tense)}-{code}", anchor=anchor)

    # Quarters and halves: "the third quarter", "third-quarter", "the fourth quarter of 1990", "the quarter".
    match = re.fullmatch(
        r"(?:the )?(?:(this year's|last year's|next year's|year-earlier|year-ago|the year-earlier|the year-ago|fiscal|calendar|the fiscal) )?(?:fiscal )?"
        r"(first|second|third|fourth|1st|2nd|3rd|4th|final|last)[- ](quarter|half|period)(?: (?:of )?(?:fiscal |calendar )?" + _YEAR + ")?",
        text,
    )
    if match:
        qualifier, ordinal, kind, year_text = match.groups()
        if kind == "period":
            return None
        number = (_ORDINALS if kind == "quarter" else _HALVES).get(ordinal)
        if number is None:
            return None
        letter = "Q" if kind == "quarter" else "H"
        if year_text:
            return NormalizedTimex("DATE", f"{year_text}-{letter}{number}")
        if ref is None:
            return NormalizedTimex("DATE", f"XXXX-{letter}{number}", anchor="none")
        year = _period_year(number, 3 if letter == "Q" else 6, ref, tense)
        if qualifier and ("last" in qualifier or "earlier" in qualifier or "ago" in qualifier):
            year -= 1
        elif qualifier and "next" in qualifier:
            year += 1
        elif qualifier == "this year's":
            year = ref.year
        return NormalizedTimex("DATE", f"{year}-{letter}{number}", anchor=anchor)
    match = re.fullmatch(r"(?:the )?(latest|current|most recent|recent|past|previous|last|year-earlier|year-ago|same|comparable|the same|) ?quarter", text)
    if match:
        if ref is None:
            return NormalizedTimex("DATE", None, anchor="none")
        word = match.group(1)
        if word == "current":
            return NormalizedTimex("DATE", f"{ref.year}-Q{_quarter_of(ref)}", anchor=anchor)
        # Financial news talks about the last completed quarter.
        completed = _add_months(ref, -3)
        year, quarter = completed.year, _quarter_of(completed)
        if word in ("year-earlier", "year-ago"):
            year -= 1
        return NormalizedTimex("DATE", f"{year}-Q{quarter}", anchor=anchor)

    # Holidays: "Thanksgiving Day", "last Christmas", "Easter 1998".
    match = re.fullmatch(rf"(?:(last|this|next) )?({'|'.join(HOLIDAYS)})(?: day)?(?:,? {_YEAR})?", text)
    if match:
        relation, name, year_text = match.groups()
        if year_text:
            day = holiday_date(name, int(year_text))
            return NormalizedTimex("DATE", day.isoformat()) if day else None
        if ref is None:
            return NormalizedTimex("DATE", None, anchor="none")
        options = [(year, holiday_date(name, year)) for year in (ref.year - 1, ref.year, ref.year + 1)]
        dated = [(year, day) for year, day in options if day is not None]
        if relation == "last":
            chosen = max(day for _, day in dated if day < ref)
        elif relation == "next":
            chosen = min(day for _, day in dated if day > ref)
        elif relation == "this":
            chosen = dict(dated)[ref.year]
        else:
            year = _tense_weighted_choice([(year, day.toordinal()) for year, day in dated], ref.toordinal(), tense)
            chosen = dict(dated)[year]
        return NormalizedTimex("DATE", chosen.isoformat(), anchor=anchor)

    # Weekdays, with an optional relation and part of the day: "Friday", "last Tuesday", "Sunday night".
    match = re.fullmatch(r"(?:(last|this|next|this past|past|this coming|coming|on) )?" + _WEEKDAY_NAMES + r"(?: (morning|afternoon|evening|night))?", text)
    if match:
        relation = {"this past": "last", "past": "last", "this coming": "next", "coming": "next", "on": None}.get(match.group(1) or "", match.group(1))
        weekday = WEEKDAYS[match.group(2)]
        part = match.group(3)
        value_type = "TIME" if part else "DATE"
        if ref is None:
            return NormalizedTimex(value_type, f"XXXX-WXX-{weekday}" + (f"T{PARTS_OF_DAY[part]}" if part else ""), anchor="none")
        day = _resolve_weekday(weekday, ref, tense, relation)
        return NormalizedTimex(value_type, day.isoformat() + (f"T{PARTS_OF_DAY[part]}" if part else ""), anchor=anchor)

    # Calendar dates. Day and month in either order, optional weekday and year.
    match = calendar_date(text)
    if match is not None:
        weekday, month, day_number, year_number = match
        if year_number is not None:
            return NormalizedTimex("DATE", f"{year_number:04d}-{month:02d}-{day_number:02d}")
        if ref is None:
            return NormalizedTimex("DATE", f"XXXX-{month:02d}-{day_number:02d}", anchor="none")
        year = pick_year_for_day(month, day_number, ref, tense, weekday)
        if year is None:
            return None
        return NormalizedTimex("DATE", f"{year}-{month:02d}-{day_number:02d}", anchor=anchor)

    # Clock times, alone or with a day: "10:30 a.m.", "9 a.m. EST Tuesday", "noon Thursday".
    match = re.fullmatch(
        r"(?:(?P<hour>\d{1,2})(?::(?P<minute>\d\d))? ?(?P<half>a\.?m\.?|p\.?m\.?|o'clock)|(?P<word>noon|midday|midnight))"
        r"(?: (?:[a-z]{2,4}t|gmt|utc|local time))?(?:,? (?:on )?(?P<day>.+))?",
        text,
    )
    if match:
        if match.group("word"):
            hour, minute = (24, 0) if match.group("word") == "midnight" else (12, 0)
        else:
            hour, minute = int(match.group("hour")), int(match.group("minute") or 0)
            half = (match.group("half") or "").replace(".", "")
            if half == "pm" and hour < 12:
                hour += 12
            elif half == "am" and hour == 12:
                hour = 0
        if hour > 24 or minute > 59:
            return None
        day_value: str | None = None
        if match.group("day"):
            day_result = _own_grammar(match.group("day"), ref, tense)
            if day_result is None or not day_result.value or not re.fullmatch(r"(\d{4}|XXXX)-\d\d-\d\d|XXXX-WXX-\d", day_result.value):
                return None
            day_value = day_result.value
        elif ref is not None:
            day_value = ref.isoformat()
        if day_value is None:
            return NormalizedTimex("TIME", None, anchor="none")
        day_anchor = "explicit" if _has_explicit_year(text) else anchor
        return NormalizedTimex("TIME", f"{day_value}T{hour:02d}:{minute:02d}", anchor=day_anchor)

    # "September", "September 2020", "last September", "next March", "this May".
    match = re.fullmatch(rf"(?:(last|this|next|this past|past|this coming|coming) )?{_MONTH_NAMES}(?:,? (?:of )?{_YEAR})?", text)
    if match:
        relation, month_text, year_text = match.groups()
        month = MONTHS[month_text.rstrip(".")]
        if year_text:
            return NormalizedTimex("DATE", f"{year_text}-{month:02d}")
        if ref is None:
            return NormalizedTimex("DATE", f"XXXX-{month:02d}", anchor="none")
        relation = {"this past": "last", "past": "last", "this coming": "next", "coming": "next"}.get(relation or "", relation)
        if relation == "last":
            year = ref.year if month < ref.month else ref.year - 1
        elif relation == "next":
            year = ref.year if month > ref.month else ref.year + 1
        elif relation == "this":
            year = ref.year
        else:
            year = pick_year_for_month(month, ref, tense)
        return NormalizedTimex("DATE", f"{year}-{month:02d}", anchor=anchor)

    # Years: "2018", "fiscal 1990", "the year 2000", "'98".
    match = re.fullmatch(rf"(?:(?:the )?(?:fiscal|calendar|year|model|school|the year) )?(?:year )?{_YEAR}", text)
    if match:
        return NormalizedTimex("DATE", match.group(1))
    match = re.fullmatch(rf"{_YEAR}-(\d\d)", text)  # "2019-20" season
    if match:
        return NormalizedTimex("DATE", match.group(1))

    # Numeric dates: 2021-02-22, 22.02.2021, 2/22/2021.
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{1,2}):(\d{2}))?", text)
    if match:
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if _safe_date(year, month, day) is None:
            return None
        if match.group(4):
            return NormalizedTimex("TIME", f"{year:04d}-{month:02d}-{day:02d}T{int(match.group(4)):02d}:{match.group(5)}")
        return NormalizedTimex("DATE", f"{year:04d}-{month:02d}-{day:02d}")
    # A two-digit year only with slashes ("11/28/05" in a web page's byline); dots and two
    # digits are as often a version number ("1.2.12").
    match = re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", text) or re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2})", text)
    if match:
        first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if len(match.group(3)) == 2:
            year += 2000 if year < 50 else 1900
        # Dots are day first (22.02.2021); slashes month first (2/22/2021, "Updated 4/9/2007" in
        # an American byline), unless that reading is impossible (14/09/2013).
        if "/" in text:
            month, day = (first, second) if first <= 12 else (second, first)
        else:
            day, month = (first, second) if second <= 12 else (second, first)
        if _safe_date(year, month, day) is None:
            return None
        return NormalizedTimex("DATE", f"{year:04d}-{month:02d}-{day:02d}")

    # Durations: "four hours", "two-year", "a decade", "several months", "44 years old", "weeks".
    match = re.fullmatch(rf"(?:the )?(?:first |last |past |full |entire |whole |next )?({_NUMBER_PHRASE})[\s-]+{_UNIT_PATTERN}(?:[\s-]+(?:old|long))?", text)
    if match:
        words = match.group(1)
        amount = None if words in VAGUE_QUANTITIES else parse_number(words)
        if amount is None and words not in VAGUE_QUANTITIES:
            return None
        return NormalizedTimex("DURATION", duration_value(amount, match.group(2)))
    match = re.fullmatch(rf"(?:an? |one )?{_UNIT_PATTERN} and a half", text)
    if match:
        return NormalizedTimex("DURATION", duration_value(1.5, match.group(1)))
    match = re.fullmatch(r"(days|weeks|months|years|decades|hours|minutes|quarters|centuries)", text)
    if match:
        return NormalizedTimex("DURATION", duration_value(None, match.group(1)))
    match = re.fullmatch(r"(?:the |a |one |an )?(year|month|week|day|decade|hour|minute|century|fortnight)", text)
    if match and text not in ("the day",):
        if text.startswith("the ") and match.group(1) in ("year", "month", "week"):
            # "the year" usually means the reference year, "the week" the reference week.
            if ref is None:
                return NormalizedTimex("DATE", None, anchor="none")
            return NormalizedTimex("DATE", _shift(ref, 0, {"year": "Y", "month": "M", "week": "W"}[match.group(1)]), anchor=anchor)
        return NormalizedTimex("DURATION", duration_value(1, match.group(1)))
    return None


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> dt.date:
    """nth (1-based; -1 = last) ISO weekday of a month."""
    if nth > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.isoweekday()) % 7 + 7 * (nth - 1))
    last = _add_months(dt.date(year, month, 1), 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.isoweekday() - weekday) % 7)


def _easter(year: int) -> dt.date:
    """Western Easter Sunday (anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


HOLIDAYS = {
    "new year's day": lambda year: dt.date(year, 1, 1),
    "new year's eve": lambda year: dt.date(year, 12, 31),
    "valentine's day": lambda year: dt.date(year, 2, 14),
    "easter": _easter,
    "memorial day": lambda year: _nth_weekday(year, 5, 1, -1),
    "independence day": lambda year: dt.date(year, 7, 4),
    "labor day": lambda year: _nth_weekday(year, 9, 1, 1),
    "halloween": lambda year: dt.date(year, 10, 31),
    "election day": lambda year: _nth_weekday(year, 11, 1, 1) + dt.timedelta(days=1),
    "thanksgiving": lambda year: _nth_weekday(year, 11, 4, 4),
    "christmas eve": lambda year: dt.date(year, 12, 24),
    "christmas": lambda year: dt.date(year, 12, 25),
}


def holiday_date(name: str, year: int) -> dt.date | None:
    maker = HOLIDAYS.get(name)
    return maker(year) if maker else None


def _spelled_year(text: str) -> int | None:
    """'nineteen ninety-six' → 1996, 'two thousand one' → 2001, 'the year two thousand' → 2000."""
    text = re.sub(r"^(?:the )?(?:year )", "", text)
    match = re.fullmatch(r"(nineteen|eighteen|twenty) (hundred|[a-z]+(?:[- ][a-z]+)?)", text)
    if match:
        century = {"eighteen": 1800, "nineteen": 1900, "twenty": 2000}[match.group(1)]
        if match.group(2) == "hundred":
            return century
        rest = parse_number(match.group(2))
        if rest is not None and 10 <= rest < 100 and rest == int(rest):
            return century + int(rest)
        return None
    match = re.fullmatch(r"two thousand(?: (?:and )?([a-z]+(?:[- ][a-z]+)?))?", text)
    if match:
        rest = parse_number(match.group(1)) if match.group(1) else 0
        if rest is not None and rest < 100 and rest == int(rest):
            return 2000 + int(rest)
    return None


def _period_year(number: int, months_long: int, ref: dt.date, tense: str | None) -> int:
    """Year of "the third quarter": the reference year, or the previous one for a past quarter not yet begun.

    Never the next year: "will report third-quarter results" is about the quarter just ended.
    """
    start = dt.date(ref.year, (number - 1) * months_long + 1, 1)
    if tense == PAST and start > ref:
        return ref.year - 1
    return ref.year


def _weekend(ref: dt.date, tense: str | None, offset: int | None) -> str:
    """ISO week of the weekend meant: the past one by default in a news report."""
    if offset is None:
        # Saturday/Sunday: this weekend; otherwise the one just past.
        offset = 0 if ref.isoweekday() >= 6 else -1
        if tense == FUTURE:
            offset = 0
    return _iso_week(ref + dt.timedelta(weeks=offset)) + "-WE"


# --- modifiers --------------------------------------------------------------------


def _peel_modifier(core: str) -> tuple[str, str | None] | None:
    """One qualifier off the front: ("six hours", "MORE_THAN") for "well over six hours"."""
    for phrase, phrase_mod in PREFIX_MODS:
        hyphenated = phrase in ("early", "late", "mid") and core.startswith(phrase + "-")
        if (core.startswith(phrase + " ") or hyphenated) and len(core) > len(phrase) + 1:
            return core[len(phrase) + 1 :], phrase_mod or None
    return None


def _peel_signal(core: str) -> str | None:
    """One introducing preposition off the front ("since", "on", "over the ...")."""
    if re.match(r"over (?:the|this|that|recent|last|past|next) ", core):
        return core[len("over ") :]  # "over the past year": a preposition, not "more than"
    for signal in sorted(LEADING_SIGNALS - {"over"}, key=len, reverse=True):
        if core.startswith(signal + " "):
            return core[len(signal) + 1 :]
    return None


def split_modifier(text: str) -> tuple[str, str | None]:
    """Split qualifiers off the expression: "well over six hours" → ("six hours", "MORE_THAN")."""
    core = text
    mod: str | None = None
    for _ in range(4):  # "since the end of", "for at least": peel a few layers
        peeled = _peel_modifier(core)
        if peeled is not None:
            core, phrase_mod = peeled
            mod = mod or phrase_mod
            continue
        rest = _peel_signal(core)
        if rest is None:
            break
        core = rest
    for phrase, phrase_mod in SUFFIX_MODS:
        if core.endswith(" " + phrase):
            core = core[: -len(phrase) - 1]
            mod = mod or phrase_mod
    core = re.sub(r"^(?:the )(?=(?:early|late|mid)\b)", "", core)
    return core.strip(), mod


# --- recognizers-text and dateparser fallbacks ------------------------------------


@lru_cache(maxsize=1)
def _datetime_model():  # type: ignore[no-untyped-def]
    from recognizers_date_time import DateTimeRecognizer
    from recognizers_suite import Culture

    return DateTimeRecognizer(Culture.English).get_datetime_model(Culture.English)


def preload() -> None:
    """Build recognizers-text's date-time model now (~0.35 CPU-s, else paid by the first article
    whose expression reaches the fallback). A worker process calls this while the build still
    ingests (`executors._init_worker`), when a core is idle."""
    _datetime_model()


# A fixed stand-in reference for recognizers when we have none; values that depend on it are dropped.
_STAND_IN_REF = dt.datetime(2000, 6, 15)


@lru_cache(maxsize=4096)
def _recognizer_results(text: str, ref: dt.date | None) -> tuple:
    """recognizers-text's parse of ``text`` against ``ref`` (empty when it raises), memoized.

    A parse costs ~5 CPU-ms even for a short phrase (the library looks up ~800 compiled patterns
    in the regex module's cache per call) and the same phrase recurs against the same date: in
    the articles of one day, and within an article. The result depends on nothing but these two
    arguments, and its callers only read it, so the memo returns what the library would.
    """
    try:
        return tuple(_datetime_model().parse(text, dt.datetime.combine(ref, dt.time()) if ref else _STAND_IN_REF))
    except Exception:  # the library raises on odd inputs; a miss is not an error here
        return ()


def _from_recognizers(text: str, ref: dt.date | None, tense: str | None) -> NormalizedTimex | None:
    results = _recognizer_results(text, ref)
    if not results:
        return None
    # Prefer the match that covers most of the expression.
    result = max(results, key=lambda r: (r.end - r.start))
    if (result.end - result.start + 1) < 0.5 * len(text.replace("the ", "")):
        return None
    values = (result.resolution or {}).get("values") or []
    if not values:
        return None
    kind = result.type_name.rsplit(".", 1)[-1]
    timex = values[0].get("timex") or ""
    mod = {"start": "START", "mid": "MID", "end": "END", "approx": "APPROX", "more": "MORE_THAN", "less": "LESS_THAN"}.get(str(values[0].get("Mod", "")).lower())
    explicit = _has_explicit_year(text)
    anchor = "explicit" if explicit else ("dct" if ref else "none")

    if timex in ("PRESENT_REF", "PAST_REF", "FUTURE_REF"):
        return NormalizedTimex("DATE", timex)
    if kind == "set":
        return NormalizedTimex("SET", timex or None)
    if kind == "duration":
        if not re.fullmatch(r"P(T?)[\d.]+[YMWDHS](\d+[YMWDHS])*|PT?[\d.]+[HMS](\d+[HMS])*", timex):
            return None
        return NormalizedTimex("DURATION", timex, mod)
    if kind == "time":
        # A bare clock time: put it on the reference day.
        if ref is None:
            return NormalizedTimex("TIME", None, anchor="none")
        return NormalizedTimex("TIME", f"{ref.isoformat()}{timex if timex.startswith('T') else 'T' + timex}", anchor=anchor)

    range_match = re.fullmatch(r"\((\d{4})-(\d{2})-(\d{2})(?:T[\d:]+)?,(\d{4})-(\d{2})-(\d{2})(?:T[\d:]+)?,(P\w+)\)", timex)
    if range_match:
        start = dt.date(int(range_match.group(1)), int(range_match.group(2)), int(range_match.group(3)))
        length = range_match.group(7)
        if length == "P3M" and start.day == 1 and start.month in (1, 4, 7, 10):
            value = f"{start.year}-Q{_quarter_of(start)}"
        elif length == "P6M" and start.day == 1 and start.month in (1, 7):
            value = f"{start.year}-H{1 if start.month == 1 else 2}"
        else:
            return NormalizedTimex("DURATION", length.replace("PT24H", "P1D"))
        if not explicit and ref is None:
            return NormalizedTimex("DATE", None, anchor="none")
        return NormalizedTimex("DATE", value, mod, anchor)

    if not timex:
        return None
    value_type = "TIME" if "T" in timex.split("-W")[-1] and re.search(r"T(\d|MO|AF|EV|NI)", timex) else "DATE"
    if timex.startswith("XXXX-WXX-"):
        weekday_match = re.match(r"XXXX-WXX-(\d)(T.*)?$", timex)
        if not weekday_match:
            return None
        if ref is None:
            return NormalizedTimex(value_type, timex, anchor="none")
        day = _resolve_weekday(int(weekday_match.group(1)), ref, tense, None)
        return NormalizedTimex(value_type, day.isoformat() + (weekday_match.group(2) or ""), mod, anchor)
    partial = re.fullmatch(r"XXXX-(\d{2})(?:-(\d{2}))?(T.*)?", timex)
    if partial and not re.search(r"\d|[A-Z]", text) and not re.search(rf"\b{_MONTH_NAMES}", text, re.IGNORECASE):
        return None  # a holiday read into plain words ("a single day" as Singles' Day, 11 Nov)
    if partial:
        month = int(partial.group(1))
        if ref is None:
            return NormalizedTimex(value_type, timex, mod, "none")
        if partial.group(2):
            year = pick_year_for_day(month, int(partial.group(2)), ref, tense)
            if year is None:
                return None
        else:
            year = pick_year_for_month(month, ref, tense)
        return NormalizedTimex(value_type, f"{year}{timex[4:]}", mod, anchor)
    if timex in SEASON_START_MONTH:
        if ref is None:
            return NormalizedTimex("DATE", f"XXXX-{timex}", anchor="none")
        return NormalizedTimex("DATE", f"{_season_year(timex, ref, None, tense)}-{timex}", anchor=anchor)
    if re.match(r"\d{4}", timex):
        if ref is None and not explicit:
            return NormalizedTimex(value_type, None, anchor="none")
        return NormalizedTimex(value_type, timex, mod, anchor)
    return None


_DATE_LIKE = re.compile(rf"\b{_MONTH_NAMES}\b|\b\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{1,4}}\b")


def _from_dateparser(text: str, ref: dt.date | None) -> NormalizedTimex | None:
    """Last resort for dates in unusual formats; only for text that looks like a calendar date."""
    if not _DATE_LIKE.search(text):
        return None
    from dateparser.date import DateDataParser

    settings = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if ref is not None:
        settings["RELATIVE_BASE"] = dt.datetime.combine(ref, dt.time())
    try:
        data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    except Exception:  # dateparser raises on some malformed inputs
        return None
    if data is None or data.date_obj is None:
        return None
    explicit = _has_explicit_year(text)
    if not explicit and ref is None:
        return None
    when = data.date_obj.date()
    period = data.period or "day"
    value = {"year": f"{when.year}", "month": when.strftime("%Y-%m")}.get(period, when.isoformat())
    return NormalizedTimex("DATE", value, anchor="explicit" if explicit else "dct")


# --- public normalization ---------------------------------------------------------


def normalize_detailed(
    text: str, ref_date: dt.date | None, tense: str | None = None, own_rules_only: bool = False
) -> NormalizedTimex | None:
    """Like normalize_timex, but also says what the value was anchored to.

    ``own_rules_only`` skips the recognizers/dateparser fallbacks (used to look for the
    parts of a long span that our grammar understands).
    """
    cleaned = clean_text(text)
    if not cleaned:
        return None
    core, mod = split_modifier(cleaned)
    if not core:
        return None
    # "since 14 September last year": the year word decides the year of the date in front of it.
    relative_year = re.fullmatch(r"(.+?),? (last|this|next) year", core)
    if relative_year and not re.search(r"\d{4}", core):
        inner = _own_grammar(relative_year.group(1), ref_date, tense)
        if inner is not None and inner.value and re.match(r"(XXXX|\d{4})-", inner.value):
            if ref_date is None:
                year_text = "XXXX"
            else:
                year_text = f"{ref_date.year + {'last': -1, 'this': 0, 'next': 1}[relative_year.group(2)]:04d}"
            return NormalizedTimex(inner.type, year_text + inner.value[4:], mod or inner.mod, "dct" if ref_date else "none")

    result = _own_grammar(core, ref_date, tense)
    if result is None and own_rules_only:
        return None
    if result is None:
        result = _from_recognizers(core, ref_date, tense)
    if result is None and core != cleaned:
        result = _from_recognizers(cleaned, ref_date, tense)
    if result is None:
        result = _from_dateparser(core, ref_date)
    if result is None:
        return None
    if mod and not result.mod:
        result.mod = mod
    # Durations don't take START/MID/END; dates don't take MORE_THAN ("over the weekend" is a preposition).
    if result.type == "DURATION" and result.mod in ("START", "MID", "END"):
        result.mod = None
    if result.value and result.value.endswith("_REF"):
        result.anchor = "explicit"
    return result


def normalize_timex(text: str, ref_date: dt.date | None, tense: str | None = None) -> tuple[str, str | None, str | None] | None:
    """(type, value, mod) for one time expression, or None when it is not one.

    ``tense`` ("past" | "present" | "future" | None) picks between the past and future
    readings of a year-less date: "on September 21" in a past-tense sentence with
    ref 2019-12-21 is 2019-09-21; in a future one it would be 2020-09-21.
    """
    result = normalize_detailed(text, ref_date, tense)
    if result is None:
        return None
    return result.type, result.value, result.mod


# --- tense of the governing verb --------------------------------------------------

_FUTURE_AUXILIARIES = {"will", "'ll", "shall", "wo", "ll"}
_FUTURE_MODALS = {"should", "may", "might", "must", "can", "ought"}
# Words on the way from the expression to its verb that make it future: "the upcoming
# meeting on 2 March", "exercises scheduled for September".
_FUTURE_MODIFIERS = {"upcoming", "forthcoming", "next", "coming", "future"}
_SCHEDULE_WORDS = {"scheduled", "slated", "due", "set", "planned", "expected", "timed"}
# Verbs of intention: an infinitive under them is still to happen ("plans to hold a
# referendum in January"). Matched on the start of the word, so the lemmatizer is optional.
_INTENT_STEMS = ("plan", "intend", "expect", "schedul", "aim", "prepar", "going", "set", "due", "poised", "slated", "mean")


def _is_verb(token: "Token") -> bool:
    return token.pos_ in ("VERB", "AUX")


def governing_tense(span: "Span") -> str | None:
    """past | present | future from the verb that governs the span, or None when there is none.

    Uses the fine-grained tags: VBD/VBN → past; "will"/"shall", "to be", intention verbs
    and schedule words ("scheduled", "upcoming") → future; VBZ/VBP → present. What a "since"
    phrase on the way to the verb introduces is past ("will be the first since ... in September").
    """
    token = span.root
    path = []
    for _ in range(12):
        if _is_verb(token) and token not in span:
            break
        path.append(token)
        if token.head.i == token.i:
            break
        token = token.head
    for node in path:
        if node.lower_ == "since" and node.dep_ == "prep" and node not in span:
            # "the first meeting since their talks in September": what "since" introduces is
            # past, whatever the tense of the main verb ("will be the first since ...").
            return PAST
        if node.lower_ in _FUTURE_MODIFIERS:
            return FUTURE
        if node.lower_ in _SCHEDULE_WORDS and node.tag_ in ("VBN", "JJ"):
            return FUTURE
        for child in node.children:
            if child.dep_ in ("amod", "compound", "acl") and (child.lower_ in _FUTURE_MODIFIERS or child.lower_ in _SCHEDULE_WORDS):
                if child.i < span.start or child.i >= span.end:
                    return FUTURE
    if not _is_verb(token):
        return None
    return _verb_tense(token, depth=0)


def _verb_tense(verb: "Token", depth: int) -> str | None:
    auxiliaries = [child for child in verb.children if child.dep_ in ("aux", "auxpass")]
    lowered = {aux.lower_ for aux in auxiliaries}
    if lowered & _FUTURE_AUXILIARIES:
        return FUTURE
    if any(aux.tag_ == "TO" for aux in auxiliaries):
        if verb.lower_ == "be" or "be" in lowered:
            return FUTURE  # "is to be held on 2 March"
        head = verb.head
        if head is verb or depth >= 3:
            return None
        if head.lower_.startswith(_INTENT_STEMS):
            return FUTURE
        # Otherwise the infinitive takes the tense of what it depends on.
        while not _is_verb(head) and head.head.i != head.i:
            head = head.head
        return _verb_tense(head, depth + 1) if _is_verb(head) else None
    if verb.lower_ in _SCHEDULE_WORDS and verb.tag_ == "VBN" and not any(aux.tag_ == "VBD" for aux in auxiliaries):
        return FUTURE  # "is scheduled for", "exercises scheduled for September"
    if lowered & _FUTURE_MODALS:
        return FUTURE
    if {"going", "gon"} & lowered:
        return FUTURE
    if verb.tag_ == "VBD" or any(aux.tag_ == "VBD" for aux in auxiliaries):
        return PAST
    if verb.tag_ == "VBN":
        return PAST  # "has met", "talks held in Sochi"
    if verb.tag_ in ("VBZ", "VBP") or any(aux.tag_ in ("VBZ", "VBP") for aux in auxiliaries):
        return PRESENT
    if verb.tag_ == "VBG":
        return PRESENT
    # A bare verb in a conjunction inherits the tense of the verb it is conjoined to.
    if verb.dep_ == "conj" and verb.head.i != verb.i and depth < 3:
        return _verb_tense(verb.head, depth + 1)
    return None


# --- finding expressions in a document --------------------------------------------

# Our own candidates, for what the NER model tends to miss. Every alternative starts with a word
# character: the (?=\w) lets the engine skip the word-end positions where \b also holds, without
# trying each alternative there (a third less time over an article, same matches).
_LEXICON_PATTERN = re.compile(
    r"\b(?=\w)(?:now|currently|recently|nowadays|presently|today|tonight|yesterday|tomorrow|overnight|"
    r"the future|the past|lately|daily|(?:every|each) (?:day|week|month|year)|"
    r"(?:(?:last|this|next) )?(?:thanksgiving|christmas|christmas eve|easter|new year's (?:day|eve)|independence day|labor day|memorial day|election day|halloween|valentine's day)(?: day)?|"
    r"(?:this|last|next|past|coming) (?:week|month|year|weekend|quarter|spring|summer|fall|autumn|winter)|"
    r"the weekend|(?:(?:last|this|next) )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?: (?:morning|afternoon|evening|night))?|"
    r"(?:early|mid|late)-?(?:january|february|march|april|june|july|august|september|october|november|december)|"
    rf"(?:almost|nearly|about|around|over|more than|less than|well over|some) {_NUMBER_PHRASE} (?:hours?|minutes?|days?|weeks?|months?|years?)|"
    rf"{_NUMBER_PHRASE} (?:hours?|days?|weeks?|months?|years?|decades?) (?:ago|earlier|later)|"
    r"(?:the )?(?:first|second|third|fourth) quarter|(?:first|second|third|fourth)-quarter|"
    r"(?:the )?(?:early |mid-?|late )?(?:1[89]|20)\d0s"
    r")\b",
    re.IGNORECASE,
)

# Numeric dates, which the model often leaves untagged in a byline ("Last updated 13:26
# 14/09/2013"): day and month with a four-digit year (dots or slashes), or with a two-digit year
# after slashes ("11/28/05"), or ISO. Whether one is a date is left to the grammar (a day-month
# pair that no calendar has is not).
_NUMERIC_DATE = r"\d{1,2}[./]\d{1,2}[./](?:1[5-9]|20)\d\d|\d{1,2}/\d{1,2}/\d\d|(?:1[5-9]|20)\d\d-\d\d-\d\d"
_NUMERIC_DATE_PATTERN = re.compile(rf"(?<![\w./-])(?:{_NUMERIC_DATE})(?![\w/-]|\.\d)")
# Full dates with a month's name or its abbreviation, which the model often tags as a person or a
# law, or only in part ("Apr 12, 2007" as "12, 2007"; "Sep 14 2013"; "Sun, 15 Sep 2013").
_CALENDAR_DATE_PATTERN = re.compile(
    rf"(?<!\w)(?:{_WEEKDAY_NAMES},? )?(?:(?=(?-i:[A-Z])){_MONTH_NAMES} \d{{1,2}}(?:st|nd|rd|th)?,? {_YEAR}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)? (?=(?-i:[A-Z])){_MONTH_NAMES},? {_YEAR})(?!\w)",  # a capital: not "may"
    re.IGNORECASE,
)

# Words that are time expressions only as adverbs ("now" yes, "daily newspaper" no).
_NEEDS_ADVERB = {"now", "lately", "currently", "recently", "presently", "nowadays"}
# ... and these only as nouns ("the past" yes, "the past decade" is found whole by the model).
_NEEDS_NOUN = {"the past", "the future"}
# Ages are not time expressions in TimeML: "a 44-year-old doctor", "52 years old".
_AGE = re.compile(r"\b[\w.]+[- ](?:years?|months?|weeks?|days?)[- ]old\b", re.IGNORECASE)
# "a year ago" in a report about quarterly results means the same quarter a year before.
_YEAR_AGO_PERIOD = re.compile(
    r"(?:the )?(?:a year (?:ago|earlier)|year-(?:earlier|ago)(?: (?:period|quarter|results))?|(?:comparable|same) (?:year-(?:ago|earlier) )?(?:period|quarter)(?: (?:a year (?:ago|earlier)|last year))?)"
)
_YEAR_PERIOD = re.compile(r"the ((?:1[5-9]|20)\d\d) (?:quarter|period)")


def _strip_span(doc: "Doc", start: int, end: int) -> tuple[int, int]:
    """Token bounds without leading prepositions and trailing punctuation/possessives."""
    while start < end:
        token = doc[start]
        lower = token.lower_
        nxt = doc[start + 1].lower_ if start + 1 < end else ""
        if lower in ("at", "no", "not") and nxt in ("least", "most", "less", "more"):
            break
        if lower == "over" and nxt not in ("the", "recent", "last", "past", "next", "this", "that"):
            break
        if lower == "up" and nxt == "to":
            break
        if lower in LEADING_SIGNALS or token.is_punct or token.is_space:
            start += 1
            continue
        # "the Dec. 21, 1988 meeting": TimeML leaves the article out before a calendar date.
        if lower == "the" and (nxt.rstrip(".") in MONTHS or nxt[:1].isdigit()):
            start += 1
            continue
        break
    while end > start:
        token = doc[end - 1]
        if token.is_punct or token.is_space or token.lower_ in ("'s", "’s", "'", "and", "or", "to", "of", "from"):
            end -= 1
            continue
        break
    return start, end


def _range_parts(doc: "Doc", start: int, end: int) -> list[tuple[int, int]] | None:
    """Split "1987 to 1990", "between March and May" into their two ends."""
    for index in range(start + 1, end - 1):
        if doc[index].lower_ in ("to", "and", "through", "-", "–", "until", "or"):
            left, right = (start, index), (index + 1, end)
            left_text, right_text = doc[left[0] : left[1]].text, doc[right[0] : right[1]].text
            if _looks_calendar(left_text) and _looks_calendar(right_text):
                return [left, right]
    return None


def _looks_calendar(text: str) -> bool:
    cleaned = clean_text(text)
    return bool(re.search(rf"\b({_MONTH_NAMES}|{_YEAR}|{_WEEKDAY_NAMES})\b", cleaned)) and normalize_detailed(cleaned, None, own_rules_only=True) is not None


def _candidate_spans(doc: "Doc") -> list[tuple[int, int]]:
    """Token spans that may be time expressions: model entities plus our patterns."""
    spans: set[tuple[int, int]] = set()
    entities = [entity for entity in doc_ents(doc) if entity.label_ in ("DATE", "TIME")]
    for index, entity in enumerate(entities):
        start, end = entity.start, entity.end
        # "9 a.m. EST Tuesday": a clock time right before its day is one expression.
        following = entities[index + 1] if index + 1 < len(entities) else None
        if entity.label_ == "TIME" and following is not None and following.start == end and following.label_ == "DATE":
            end = following.end
        # "3 March" + ", 2019" split by the model: the year belongs to the date.
        if (
            following is not None
            and entity.label_ == "DATE"
            and re.fullmatch(r"(?:1[5-9]|20)\d\d", following.text)
            and following.start - end <= 1
            and all(token.text == "," for token in doc[end : following.start])
            and calendar_date(clean_text(entity.text)) is not None
        ):
            end = following.end
        spans.add((start, end))
    text = doc_text(doc)
    for match in (*_LEXICON_PATTERN.finditer(text), *_NUMERIC_DATE_PATTERN.finditer(text),
                  *_CALENDAR_DATE_PATTERN.finditer(text)):
        span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is None:
            continue
        if span.text.lower() in _NEEDS_ADVERB and span.root.pos_ != "ADV":
            continue
        if span.text.lower() in _NEEDS_NOUN and span.root.pos_ != "NOUN":
            continue
        spans.add((span.start, span.end))
    return _merge_overlapping(sorted(spans))


def _merge_overlapping(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            last_start, last_end = merged[-1]
            merged[-1] = (min(last_start, start), max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def _sentence_index_of(doc: "Doc") -> list[int]:
    """Sentence index of every token, counted like ``nlp.sentence_records`` (blank sentences skipped)."""
    index_by_token = [-1] * len(doc)
    if doc.has_annotation("SENT_START") or doc.has_annotation("DEP"):
        sentence_index = -1
        text = doc_text(doc)
        for sentence in doc_sents(doc):
            if text[sentence.start_char : sentence.end_char].strip():  # = sentence.text
                sentence_index += 1
            for position in range(sentence.start, sentence.end):
                index_by_token[position] = max(sentence_index, 0)
    return index_by_token


def _normalize_span(doc: "Doc", start: int, end: int, ref_date: dt.date | None) -> list[tuple[int, int, NormalizedTimex]]:
    """Normalize a candidate; when our grammar can't read it whole, read the parts it can.

    "the second quarter ended Oct. 31" → "the second quarter" + "Oct. 31"; only when no part is
    readable do the libraries get the whole span.
    """
    span = doc[start:end]
    tense = governing_tense(span)
    whole = normalize_detailed(span.text, ref_date, tense, own_rules_only=True)
    if whole is not None:
        return [(start, end, whole)]
    pieces: list[tuple[int, int, NormalizedTimex]] = []
    position = start
    while position < end:
        for stop in range(end, position, -1):
            piece_start, piece_end = _strip_span(doc, position, stop)
            if piece_start >= piece_end or (piece_start, piece_end) == (start, end):
                continue
            piece = doc[piece_start:piece_end]
            if not _can_stand_alone(piece):
                continue
            result = normalize_detailed(piece.text, ref_date, governing_tense(piece), own_rules_only=True)
            if result is not None:
                pieces.append((piece_start, piece_end, result))
                position = stop
                break
        else:
            position += 1
    if pieces:
        return pieces
    result = normalize_detailed(span.text, ref_date, tense)
    return [(start, end, result)] if result is not None else []


def _can_stand_alone(piece: "Span") -> bool:
    """A part of a longer span is only taken when it is specific: "Oct. 31" yes, "day" of "that day"
    no; a numeric date is one token ("11/27/2005" of "Posted 11/27/2005 7:21 AM")."""
    return len(piece) > 1 or bool(re.fullmatch(rf"{_MONTH_NAMES}|{_WEEKDAY_NAMES}|today|yesterday|tomorrow|tonight|(?:1[5-9]|20)\d\d|{_NUMERIC_DATE}", piece.text.lower()))


_CLOCK_NUMBER = re.compile(r"([01]\d|2[0-3])[0-5]\d(?: (?:hours|hrs))?")
_CLOCK_ZONES = {"gmt", "utc", "ut", "z", "hours", "hrs", "local", "bst", "cet", "est", "edt", "pst", "pdt"}


def _is_military_clock(doc: "Doc", start: int, end: int) -> bool:
    """"at 1353 (1023 GMT)", "2100 hours": a four-digit clock time, not a year or a duration.

    Taken as a clock only when a time zone or "hours" follows at once, or a bracketed clock time
    with its zone does ("1353 (1023 GMT)"), so a year such as "in 1953" keeps its reading.
    """
    if not _CLOCK_NUMBER.fullmatch(doc[start:end].text):
        return False
    if end - start > 1:  # "2100 hours"
        return True
    after = [t.text for t in doc[end:end + 3]]
    if after and after[0].lower() in _CLOCK_ZONES:
        return True
    return (len(after) == 3 and after[0] == "(" and bool(_CLOCK_NUMBER.fullmatch(after[1]))
            and after[2].lower() in _CLOCK_ZONES)


# Words that may stand before a bare year and still make it a date: "FY 2020", "AD 79", the
# calendar's own words (months, seasons, weekdays, holidays) are checked apart.
_YEAR_PREFIXES = {"fy", "ad", "bc", "ce", "bce", "year", "class", "q1", "q2", "q3", "q4", "h1", "h2"}
_HOLIDAY_WORDS = {word for name in HOLIDAYS for word in re.findall(r"[a-z]+", name)} | {
    "ramadan", "eid", "hanukkah", "diwali", "passover", "nowruz", "xmas", "lent"}


def _people_and_places(doc: "Doc") -> set[str]:
    """Lower-cased words of the document's names of people and of countries and towns (``_is_name_number``;
    LOC is left out: the small model tags products such as "Windows XP" so)."""
    return {token.lower_ for entity in doc_ents(doc) if entity.label_ in ("PERSON", "GPE")
            for token in entity}


def _is_name_number(doc: "Doc", start: int, end: int, people_and_places: set[str]) -> bool:
    """"Windows 2000", "Office 2007", "Euro 2020": a bare four-digit number right after a
    capitalized proper noun is part of a name (a product, a tournament, a plan), not its year.

    The calendar's own words before a year keep it a date ("September 2001", "Christmas 2019",
    "Spring 2020"), and so do a few abbreviations ("FY 2020") and the names of people and places
    ("Sochi 2021: the talks").
    """
    if end - start != 1 or start == 0 or not re.fullmatch(_YEAR, doc[start].text):
        return False
    before = doc[start - 1]
    lower = before.lower_.rstrip(".")
    return (
        before.pos_ == "PROPN"
        and before.text[:1].isupper()
        and bool(before.whitespace_)  # "Windows 2000", not "Jan.2000" run together
        # A person or a place before a year is more often a headline's date ("Sochi 2021: ..."):
        # the word is looked up among the article's names (the model's tag on the word itself is
        # unreliable right before a number).
        and lower not in people_and_places
        and lower not in _YEAR_PREFIXES
        and lower not in _HOLIDAY_WORDS
        and lower not in SEASONS
        and not re.fullmatch(rf"{_MONTH_NAMES}|{_WEEKDAY_NAMES}", lower)
    )


def extract_timexes(doc: "Doc", ref_date: dt.date | None, base_offset: int = 0, article_id: str = "") -> list[Timex]:
    """All time expressions in ``doc``, normalized against ``ref_date`` (None: year stays unknown).

    ``base_offset`` is added to every character offset, for a doc parsed from a slice of a
    longer cleaned text.
    """
    sentence_of = _sentence_index_of(doc)
    names = _people_and_places(doc)
    found: list[Timex] = []
    for start, end in _candidate_spans(doc):
        start, end = _strip_span(doc, start, end)
        if start >= end or _AGE.search(doc[start:end].text):
            continue
        if end - start == 1 and doc[start].tag_ == "JJ" and doc[start].lower_ in ("annual", "quarterly", "monthly", "yearly"):
            continue  # "annual meeting", "quarterly dividend"
        for part_start, part_end in _range_parts(doc, start, end) or [(start, end)]:
            part_start, part_end = _strip_span(doc, part_start, part_end)
            if part_start >= part_end:
                continue
            for piece_start, piece_end, result in _normalize_span(doc, part_start, part_end, ref_date):
                span = doc[piece_start:piece_end]
                if _is_military_clock(doc, piece_start, piece_end) or _is_name_number(doc, piece_start, piece_end, names):
                    continue
                found.append(
                    Timex(
                        start=base_offset + span.start_char,
                        end=base_offset + span.end_char,
                        text=span.text,
                        type=result.type,
                        value=result.value,
                        mod=result.mod,
                        anchor=result.anchor,
                        article_id=article_id,
                        sentence_index=sentence_of[piece_start],
                        stage=STAGE,
                        stage_version=STAGE_VERSION,
                    )
                )
    _resolve_year_ago_periods(found)
    _resolve_anaphora(found)
    return found


_ANAPHOR = re.compile(r"(?:that|the same|that same|the very same) (day|week|month|year|morning|afternoon|evening|night|time)")


def _resolve_anaphora(timexes: list[Timex]) -> None:
    """'that day' / 'the same year': the latest preceding date of at least that precision."""
    previous: list[str] = []
    for timex in timexes:
        match = _ANAPHOR.fullmatch(clean_text(timex.text))
        if match is None:
            if timex.type in ("DATE", "TIME") and timex.value and re.match(r"\d{4}", timex.value):
                previous.append(timex.value)
            continue
        unit = match.group(1)
        width = {"year": 4, "month": 7}.get(unit, 10)
        for value in reversed(previous):
            if unit == "week" or unit == "time":
                break
            if len(value) >= width and re.fullmatch(r"\d{4}(-\d\d(-\d\d)?)?", value[:width]):
                day = value[:width]
                part = {"morning": "TMO", "afternoon": "TAF", "evening": "TEV", "night": "TNI"}.get(unit, "")
                timex.value = day + part
                timex.type = "TIME" if part else "DATE"
                timex.anchor = "explicit" if timex.anchor == "explicit" else "dct"
                break


def _resolve_year_ago_periods(timexes: list[Timex]) -> None:
    """'a year ago' after 'the third quarter' (1989-Q3) is 1988-Q3: the comparison period."""
    last_quarter: tuple[int, int, int] | None = None  # year, quarter, sentence index
    for timex in timexes:
        value = timex.value or ""
        quarter_match = re.fullmatch(r"(\d{4})-Q(\d)", value)
        text = clean_text(timex.text)
        if quarter_match and not _YEAR_AGO_PERIOD.fullmatch(text):
            last_quarter = (int(quarter_match.group(1)), int(quarter_match.group(2)), timex.sentence_index)
            continue
        if last_quarter is None or timex.sentence_index - last_quarter[2] > 2:
            continue
        year, quarter, _ = last_quarter
        if _YEAR_AGO_PERIOD.fullmatch(text):
            timex.type, timex.value = "DATE", f"{year - 1}-Q{quarter}"
        elif (period := _YEAR_PERIOD.fullmatch(text)) is not None:
            timex.type, timex.value = "DATE", f"{period.group(1)}-Q{quarter}"


def renormalize(timexes: Iterable[Timex], doc: "Doc", ref_date: dt.date | None, base_offset: int = 0) -> list[Timex]:
    """Re-resolve the relative timexes (anchor != "explicit") against a new reference date.

    Used once the document date has been inferred: the spans stay, the values change.
    """
    updated: list[Timex] = []
    for timex in timexes:
        if timex.anchor == "explicit":
            updated.append(timex)
            continue
        span = doc.char_span(timex.start - base_offset, timex.end - base_offset, alignment_mode="expand")
        tense = governing_tense(span) if span is not None else None
        result = normalize_detailed(timex.text, ref_date, tense)
        if result is None:
            updated.append(timex)
            continue
        updated.append(
            Timex(
                start=timex.start,
                end=timex.end,
                text=timex.text,
                type=result.type,
                value=result.value,
                mod=result.mod,
                anchor=result.anchor,
                article_id=timex.article_id,
                sentence_index=timex.sentence_index,
                stage=STAGE,
                stage_version=STAGE_VERSION,
            )
        )
    _resolve_year_ago_periods(updated)
    _resolve_anaphora(updated)
    return updated
