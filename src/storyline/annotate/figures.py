"""Figures: the quantities a report states (money, durations, counts of people, percentages).

Every figure becomes a :class:`~storyline.records.Figure` with a value in its unit, so that two
reports of the same loan ("USD 1.5 bn", "$ 1.5 billion") can be compared later.

How the work is split:

* spaCy gives sentences, part-of-speech and dependencies, and its MONEY/CARDINAL/... entity
  labels. Its NER alone is not enough: it splits ranges ("$ 3-3.5 billion" comes out as MONEY
  "3"), misses ISO codes before abbreviations ("USD 1.5 bn") and drops qualifiers ("well over").
* recognizers-text (its English number model) turns number words into values
  ("a hundred million", "one hundred and twenty-five thousand").
* Our own grammar (the regular expressions below) finds the whole phrase, including qualifiers,
  currencies, ranges, scale abbreviations and the unit noun, and decides the kind.

Conventions (also relied on by tests):

* Ranges: ``value`` is the lower bound and ``value_max`` the upper one. A scale word written
  only once applies to both ends ("$ 3-3.5 billion" -> 3e9..3.5e9). For durations, ``timex``
  carries the lower bound.
* "from X to Y" is a change, not a range: it gives two figures.
* Vague plurals ("hundreds of thousands", "billions of dollars") give the order-of-magnitude
  interval: value = the named magnitude (1e5), value_max = ten times it (1e6), qualifier APPROX.
  "several"/"a few" + scale ("several thousand") give [2x, 10x) APPROX. Vague amounts with no
  scale ("several days") have value None (duration timex "PXD").
* Qualifiers map to TIMEX3 modifiers: almost/nearly/about/some -> APPROX; over/more than/well
  over -> MORE_THAN; under/less than -> LESS_THAN; at least -> EQUAL_OR_MORE; up to/at most ->
  EQUAL_OR_LESS.
* "$" alone is taken as US dollars; rubles without a country are RUB.
* A bare scaled number ("1 billion", "about 10 billion") is money only in a money context: spaCy
  labels it MONEY, or a money figure or a money word (loan, debt, budget...) is in the same or
  the previous two sentences. It takes the currency of the nearest money figure before it, if any.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Iterable

from storyline.annotate.doccache import doc_sents, doc_text, span_ents
from storyline.records import Figure

if TYPE_CHECKING:  # spaCy is only needed by extract_figures; parse_figure stays pure.
    from spacy.tokens import Doc, Span

STAGE = "figures"
STAGE_VERSION = "3"  # 3: counts of things, not only of people

# ---------------------------------------------------------------------------------------------
# Lexicons
# ---------------------------------------------------------------------------------------------

_SCALES: dict[str, float] = {
    "hundred": 1e2,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "k": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "bln": 1e9,
    "tn": 1e12,
    "trn": 1e12,
}
_VAGUE_PLURALS: dict[str, float] = {
    "tens": 10,
    "dozens": 12,
    "hundreds": 1e2,
    "thousands": 1e3,
    "millions": 1e6,
    "billions": 1e9,
    "trillions": 1e12,
}
# Prefixes and suffixes that name a currency, mapped to ISO 4217.
_CURRENCY_SYMBOLS: dict[str, str] = {
    "us$": "USD",
    "u.s.$": "USD",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "₽": "RUB",
    "¥": "CNY",
    "₴": "UAH",
}
_ISO_CODES = ("USD", "EUR", "RUB", "RUR", "BYN", "BYR", "GBP", "CNY", "UAH", "CHF", "JPY", "PLN")
_CURRENCY_WORDS: dict[str, str] = {
    "dollar": "USD",
    "euro": "EUR",
    "ruble": "RUB",
    "rouble": "RUB",
    "yuan": "CNY",
    "hryvnia": "UAH",
    "sterling": "GBP",
    "zloty": "PLN",
}
# Duration units: canonical (plural) name and ISO 8601 designator.
_DURATION_UNITS: dict[str, tuple[str, str, bool]] = {
    # name -> (unit, designator, is_time_part)
    "second": ("seconds", "S", True),
    "sec": ("seconds", "S", True),
    "minute": ("minutes", "M", True),
    "min": ("minutes", "M", True),
    "hour": ("hours", "H", True),
    "hr": ("hours", "H", True),
    "day": ("days", "D", False),
    "week": ("weeks", "W", False),
    "month": ("months", "M", False),
    "year": ("years", "Y", False),
    "decade": ("decades", "DE", False),
    "century": ("centuries", "CE", False),
}
_PEOPLE_NOUNS = (
    "people", "persons", "person", "protesters", "protestors", "demonstrators", "participants",
    "detainees", "residents", "citizens", "civilians", "voters", "soldiers", "troops",
    "servicemen", "officers", "policemen", "workers", "employees", "students", "children",
    "journalists", "refugees", "migrants", "victims", "casualties", "deaths", "dead", "injured",
    "wounded", "prisoners", "inhabitants", "activists", "supporters", "delegates", "Belarusians",
    "Russians", "Ukrainians", "Poles", "Lithuanians", "men", "women",
)
PEOPLE_LEMMAS = frozenset(
    {n.lower() for n in _PEOPLE_NOUNS}
    | {"protester", "protestor", "demonstrator", "participant", "detainee", "resident", "citizen",
       "civilian", "voter", "soldier", "troop", "officer", "policeman", "worker", "employee",
       "student", "child", "journalist", "refugee", "migrant", "victim", "casualty", "prisoner",
       "inhabitant", "activist", "supporter", "delegate", "man", "woman"}
)
# Words that make a bare "10 billion" money rather than, say, a population.
_MONEY_CONTEXT = re.compile(
    r"\b(?:loans?|credits?|debts?|money|funds?|funding|budget|subsid\w*|dollars?|rubles?|roubles?"
    r"|euros?|invest\w*|aid|price|costs?|worth|paid|pay|payments?|revenues?|GDP|exports?|imports?"
    r"|reserves|financ\w*|refinanc\w*|tranche)\b",
    re.IGNORECASE,
)

_QUALIFIERS: list[tuple[str, str]] = [
    ("well over", "MORE_THAN"), ("well above", "MORE_THAN"), ("just over", "MORE_THAN"),
    ("more than", "MORE_THAN"), ("upwards of", "MORE_THAN"), ("in excess of", "MORE_THAN"),
    ("over", "MORE_THAN"), ("above", "MORE_THAN"), ("exceeding", "MORE_THAN"),
    ("just under", "LESS_THAN"), ("well under", "LESS_THAN"), ("well below", "LESS_THAN"),
    ("less than", "LESS_THAN"), ("fewer than", "LESS_THAN"), ("under", "LESS_THAN"),
    ("below", "LESS_THAN"),
    ("at least", "EQUAL_OR_MORE"), ("no less than", "EQUAL_OR_MORE"),
    ("not less than", "EQUAL_OR_MORE"), ("no fewer than", "EQUAL_OR_MORE"),
    ("a minimum of", "EQUAL_OR_MORE"),
    ("up to", "EQUAL_OR_LESS"), ("at most", "EQUAL_OR_LESS"), ("no more than", "EQUAL_OR_LESS"),
    ("not more than", "EQUAL_OR_LESS"), ("a maximum of", "EQUAL_OR_LESS"),
    ("almost", "APPROX"), ("nearly", "APPROX"), ("about", "APPROX"), ("around", "APPROX"),
    ("approximately", "APPROX"), ("roughly", "APPROX"), ("some", "APPROX"),
    ("close to", "APPROX"), ("circa", "APPROX"), ("an estimated", "APPROX"),
    ("estimated", "APPROX"), ("approx.", "APPROX"), ("ca.", "APPROX"),
]
_QUALIFIER_CODES = {phrase: code for phrase, code in _QUALIFIERS}

# ---------------------------------------------------------------------------------------------
# Grammar
# ---------------------------------------------------------------------------------------------


def _alt(words: Iterable[str]) -> str:
    """An alternation, longest first so that "well over" wins over "over"."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_UNIT_WORDS = "one|two|three|four|five|six|seven|eight|nine"
_WORD_NUMBER = (
    rf"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[-\s](?:{_UNIT_WORDS}))?"
    rf"|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
    rf"|{_UNIT_WORDS}|zero)"
)
_SCALE_WORD = r"(?:hundred|thousand|million|billion|trillion)"
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
# "and" joins number words only after a scale word ("one hundred and twenty"), never
# "six and seven".
_AND_JOIN = r"(?:(?<=hundred)|(?<=thousand)|(?<=million)|(?<=billion))\s+and\s+"
_CORE = (
    r"(?:"
    # digits, optionally with scale words or abbreviations: 1.5 billion, 150 thousand, 1.5 bn, 5m
    rf"(?<![A-Za-z]-)(?<![\w.,]){_DIGITS}"
    rf"(?:\s?(?:{_SCALE_WORD}|bn|bln|mln|mn|tn|trn)\b|(?:m|k|b)\b)?(?:\s+{_SCALE_WORD}\b)*"
    r"|"
    # words: four, twenty-five, a billion, a hundred million, one hundred and twenty
    rf"\b(?:(?:a|an)\s+(?={_SCALE_WORD}|dozen)|(?={_WORD_NUMBER}|{_SCALE_WORD}|dozen))"
    rf"(?:{_WORD_NUMBER}|{_SCALE_WORD}|dozen)\b"
    rf"(?:(?:{_AND_JOIN}|[\s-]+)(?:{_WORD_NUMBER}|{_SCALE_WORD})\b)*"
    r")"
)
_VAGUE = (
    rf"\b(?:{'|'.join(_VAGUE_PLURALS)})\b(?:\s+of\s+(?:thousands|millions|billions|trillions)\b)*"
    rf"|\b(?:several|a\s+few|a\s+couple(?:\s+of)?)(?:\s+(?:{_SCALE_WORD}|dozen)\b)?"
)
_NUMEXPR = rf"(?:{_CORE}|{_VAGUE})"
_CUR_PREFIX = (
    rf"(?:\b(?-i:US|U\.S\.)\s?\$|[$€£₽¥₴]|\b(?-i:{'|'.join(_ISO_CODES)})(?=\s?\d))\s?"
)
_CUR_SUFFIX = (
    r"(?:(?:US|U\.S\.|American|Russian|Belarusian|Belarussian)\s+)?"
    r"(?:dollars?|euros?|rubles?|roubles?|yuan|hryvnias?|zloty|pounds\s+sterling)\b"
    rf"|(?-i:{'|'.join(_ISO_CODES)})\b"
)
_DUR_UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|decades?|century|centuries)"
_PEOPLE = _alt(_PEOPLE_NOUNS)
_QUAL = _alt(phrase for phrase, _ in _QUALIFIERS)

_FIGURE_RE = re.compile(
    rf"""
    (?:(?P<qual>\b(?:{_QUAL}))\s+)?
    (?:
        (?P<between>\bbetween\s+)(?P<cur1b>{_CUR_PREFIX})?(?P<n1b>{_CORE})
            \s+and\s+(?P<cur2b>{_CUR_PREFIX})?(?P<n2b>{_CORE})
      | (?P<cur1>{_CUR_PREFIX})?(?P<n1>{_NUMEXPR})
            (?:\s*(?P<sep>-|–|—|\bto\b)\s*(?P<cur2>{_CUR_PREFIX})?(?P<n2>{_CORE}))?
    )
    (?:
        (?P<pct>\s?(?:%|\bpercent\b|\bper\s+cent\b|\bpct\b)|\s+percentage\s+points?\b)
      | (?P<dur>(?:\s+|-)(?:of\s+)?{_DUR_UNIT}\b)(?!-old|\s+old\b)
      | (?P<cursuf>\s+(?:of\s+)?(?:{_CUR_SUFFIX}))
      | (?P<ppl>\s+(?:of\s+(?:the\s+)?)?(?:[A-Za-z][a-z-]+\s+)?(?:{_PEOPLE})\b)
    )?
    (?P<post>\s+or\s+(?:more|so)\b|-plus\b)?
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Durations spelled with an article: "half an hour", "an hour and a half", "over a month";
# and "two and a half hours", where the whole number comes first.
_ARTICLE_DURATION_RE = re.compile(
    rf"""
    (?:(?P<qual>\b(?:{_QUAL}))\s+)?
    (?:
        (?P<whole>(?<![\w.,])\d+|\b{_WORD_NUMBER})\s+and\s+a\s+half\s+(?P<unit_w>{_DUR_UNIT})\b
      | (?P<half>\bhalf\s+(?:an?\s+)?)(?P<unit_h>{_DUR_UNIT})\b
      | (?P<art>\b(?:an?|one))\s+(?P<unit>{_DUR_UNIT})\b(?P<and_half>\s+and\s+a\s+half\b)?
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Every match of _FIGURE_RE has a number expression (n1 or n1b, both _NUMEXPR or within it) and
# every match of _ARTICLE_DURATION_RE a duration unit: a text where these simpler patterns find
# nothing has no match of the long ones, whose position-by-position scan is most of the
# figures' time (half the sentences have no number, most have no "an hour"-like duration).
_HAS_NUMBER = re.compile(_NUMEXPR, re.IGNORECASE | re.VERBOSE)
_HAS_DUR_UNIT = re.compile(rf"{_DUR_UNIT}\b", re.IGNORECASE | re.VERBOSE)
_RELATIVE_AFTER = re.compile(
    r"^\s+(?:ago|earlier|later|before|after|prior|hence|back|from\s+now|old)\b", re.IGNORECASE
)
_RELATIVE_BEFORE = re.compile(
    r"\b(?:the|last|past|next|coming|previous|recent|first|final|these|those|this|that|every|each|per)\s+$",
    re.IGNORECASE,
)
# "which should last several days": here "last" is the verb, not "the last several days".
_LAST_AS_VERB = re.compile(
    r"\b(?:will|would|should|shall|could|may|might|must|can|to|did|does|do)\s+last\s+$", re.IGNORECASE
)
# Article durations count only after words that take a duration ("lasted a day"), so that
# "10 billion a year" or "once a week" do not yield one.
_DURATION_TAKERS = re.compile(
    r"\b(?:for|lasted|lasting|lasts|last|took|takes|take|spent|spend|within|during)\s+$", re.IGNORECASE
)


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _number_model():
    # Built lazily: importing and building the model costs ~0.1 s.
    from recognizers_number import Culture, NumberRecognizer

    return NumberRecognizer(Culture.English).get_number_model()


def preload() -> None:
    """Build recognizers-text's number model now (see `timex.preload`)."""
    _number_model()


@lru_cache(maxsize=4096)
def _words_value(words: str) -> float | None:
    """Value of number words via recognizers-text; None unless it reads the whole phrase."""
    words = re.sub(r"\s+", " ", words.strip().lower())
    if words in ("dozen", "a dozen"):
        return 12.0
    results = _number_model().parse(words)
    if len(results) != 1:
        return None
    result = results[0]
    # recognizers' end index is inclusive.
    if result.start != 0 or result.end != len(words) - 1:
        return None
    try:
        return float(result.resolution["value"])
    except (KeyError, TypeError, ValueError):
        return None


def _core_value(core: str) -> tuple[float | None, bool]:
    """(value, has_scale) for a number phrase matched by _CORE."""
    text = re.sub(r"\s+", " ", core.strip())
    digits = re.match(_DIGITS, text)
    if digits:
        value = float(digits.group(0).replace(",", ""))
        rest = text[digits.end():].strip().lower()
        scales = re.findall(r"[a-z]+", rest)
        for word in scales:
            value *= _SCALES.get(word, 1.0)
        return value, bool(scales)
    lowered = text.lower()
    has_scale = bool(re.search(rf"\b{_SCALE_WORD}\b|dozen", lowered))
    return _words_value(text), has_scale


def _vague_bounds(text: str) -> tuple[float | None, float | None, float]:
    """(lower, upper, magnitude) of a vague amount; lower None when there is no magnitude."""
    words = re.findall(r"[a-z]+", text.lower())
    plural = [w for w in words if w in _VAGUE_PLURALS]
    if plural:
        magnitude = 1.0
        for word in plural:
            magnitude *= _VAGUE_PLURALS[word]
        return magnitude, magnitude * 10, magnitude
    scale = next((_SCALES.get(w, 12.0 if w == "dozen" else 0.0) for w in words
                  if w in _SCALES or w == "dozen"), 0.0)
    if not scale:
        return None, None, 0.0
    if "couple" in words:
        return 2 * scale, None, scale
    return 2 * scale, 10 * scale, scale


def _currency(prefix: str | None, suffix: str | None) -> str | None:
    """ISO 4217 code of a currency prefix ("US$", "USD", "€") or suffix ("Belarusian rubles")."""
    for raw in (prefix, suffix):
        if not raw:
            continue
        token = re.sub(r"\s+", " ", raw.strip())
        if token.upper() in _ISO_CODES:
            return {"RUR": "RUB", "BYR": "BYN"}.get(token.upper(), token.upper())
        compact = token.lower().replace(" ", "")
        if compact in _CURRENCY_SYMBOLS:
            return _CURRENCY_SYMBOLS[compact]
        lowered = token.lower()
        if "belarus" in lowered and ("rub" in lowered or "roub" in lowered):
            return "BYN"
        for word, code in _CURRENCY_WORDS.items():
            if word in lowered:
                return code
    return None


def _duration_timex(value: float | None, unit_word: str) -> tuple[str, str]:
    """(unit, TIMEX3 duration value) for a count of a duration unit; X when unknown."""
    key = unit_word.lower().rstrip("s")
    if key == "centurie":
        key = "century"
    unit, designator, is_time = _DURATION_UNITS[key]
    if value is None:
        amount = "X"
    elif float(value).is_integer():
        amount = str(int(value))
    else:
        amount = f"{value:g}"
    return unit, f"PT{amount}{designator}" if is_time else f"P{amount}{designator}"


# ---------------------------------------------------------------------------------------------
# Scanning text (pure)
# ---------------------------------------------------------------------------------------------


@dataclass
class _Candidate:
    """A figure found in a piece of text, before the money-context decision."""

    figure: Figure
    bare_scaled: bool = False  # "1 billion": money only if the context says so


def _qualifier(match: re.Match[str]) -> str | None:
    qual = match.group("qual")
    code = _QUALIFIER_CODES.get(re.sub(r"\s+", " ", qual.lower())) if qual else None
    post = (match.groupdict().get("post") or "").lower()
    if "more" in post or "plus" in post:
        code = code or "EQUAL_OR_MORE"
    elif "so" in post:
        code = code or "APPROX"
    return code


def _from_figure_match(match: re.Match[str], text: str) -> list[_Candidate]:
    """Interpret one _FIGURE_RE match; [] when it is not a figure of ours."""
    g = match.groupdict()
    between = bool(g["between"])
    n1 = g["n1b"] if between else g["n1"]
    n2 = g["n2b"] if between else g["n2"]
    cur_prefix = (g["cur1b"] or g["cur2b"]) if between else (g["cur1"] or g["cur2"])
    qualifier = _qualifier(match)
    start, end = match.start(), match.end()

    vague = not between and bool(re.fullmatch(_VAGUE, n1.strip(), re.IGNORECASE))
    value_max: float | None = None
    if vague:
        value, value_max, _ = _vague_bounds(n1)
        if value is not None:
            qualifier = qualifier or "APPROX"
        has_scale = value is not None and value >= 1e6
    else:
        value, scale1 = _core_value(n1)
        if value is None:
            return []
        has_scale = scale1
        if n2:
            upper, scale2 = _core_value(n2)
            if upper is None:
                return []
            # "3-3.5 billion": the scale written once applies to both ends.
            if scale2 and not scale1:
                scale = _core_scale(n2)
                if value * scale <= upper:
                    value *= scale
            has_scale = scale1 or scale2
            value_max = upper

    if g["pct"]:
        unit = "percentage points" if "point" in g["pct"].lower() else "percent"
        figure = Figure(start, end, text[start:end], "percent", value, value_max, unit=unit,
                        qualifier=qualifier)
    elif g["dur"]:
        unit_word = re.search(_DUR_UNIT, g["dur"], re.IGNORECASE).group(0)  # type: ignore[union-attr]
        unit, timex = _duration_timex(value, unit_word)
        figure = Figure(start, end, text[start:end], "duration", value, value_max, unit=unit,
                        timex=timex, qualifier=qualifier)
    elif cur_prefix or g["cursuf"]:
        if value is None:
            return []
        figure = Figure(start, end, text[start:end], "money", value, value_max,
                        unit=_currency(cur_prefix, g["cursuf"]), qualifier=qualifier)
    elif g["ppl"]:
        noun = g["ppl"].split()[-1].lower()
        if value == 1 and noun == "people":
            return []  # "one people" is a nation, not a head count
        figure = Figure(start, end, text[start:end], "count", value, value_max, unit="people",
                        qualifier=qualifier)
    elif has_scale and value is not None and (value >= 1e6 or vague):
        # The qualifier and vague wording stay; the unit is decided by context.
        return [_Candidate(Figure(start, end, text[start:end], "money", value, value_max,
                                  qualifier=qualifier), bare_scaled=True)]
    else:
        return []

    # "from 48 to 49 percent" is a change between two figures, not a range.
    sep = (g["sep"] or "").lower()
    if sep == "to" and re.search(r"\bfrom\s+$", text[max(0, start - 6):start], re.IGNORECASE):
        return _split_change(figure, match, text)
    return [_Candidate(figure)]


def _core_scale(core: str) -> float:
    scale = 1.0
    for word in re.findall(r"[a-z]+", core.lower()):
        scale *= _SCALES.get(word, 1.0)
    return scale


def _split_change(figure: Figure, match: re.Match[str], text: str) -> list[_Candidate]:
    second_start = match.start("n2") - (len(match.group("cur2")) if match.group("cur2") else 0)
    first_end = match.start("sep")
    while first_end > match.start() and text[first_end - 1].isspace():
        first_end -= 1
    first = replace(figure, end=first_end, text=text[figure.start:first_end], value_max=None)
    second = replace(figure, start=second_start, text=text[second_start:figure.end],
                     value=figure.value_max, value_max=None, qualifier=None)
    if figure.kind == "duration" and figure.unit:
        first.timex = _duration_timex(first.value, figure.unit)[1]
        second.timex = _duration_timex(second.value, figure.unit)[1]
    return [_Candidate(first), _Candidate(second)]


def _from_article_duration(match: re.Match[str], text: str) -> _Candidate | None:
    if match.group("whole"):  # "two and a half hours"
        whole = match.group("whole")
        number = float(whole) if whole.isdigit() else _words_value(whole)
        if number is None:
            return None
        value, unit_word = number + 0.5, match.group("unit_w")
    elif match.group("half"):
        value, unit_word = 0.5, match.group("unit_h")
    else:
        value = 1.5 if match.group("and_half") else 1.0
        unit_word = match.group("unit")
        before = text[: match.start()]
        # "a day earlier", "10 billion a year": only after a duration-taking word or a qualifier.
        explicit = match.group("qual") or match.group("and_half")
        if not explicit and not _DURATION_TAKERS.search(before):
            return None
    unit, timex = _duration_timex(value, unit_word)
    return _Candidate(Figure(match.start(), match.end(), text[match.start():match.end()],
                             "duration", value, unit=unit, timex=timex,
                             qualifier=_qualifier(match)))


def _is_relative_time(figure: Figure, text: str, last_is_verb: Callable[[int], bool] | None) -> bool:
    """True for "two years ago", "the past few months", "last year": dates, not durations."""
    if _RELATIVE_AFTER.match(text[figure.end:]):
        return True
    before = text[max(0, figure.start - 40):figure.start]
    if _RELATIVE_BEFORE.search(before):
        if re.search(r"\blast\s+$", before, re.IGNORECASE):
            if _LAST_AS_VERB.search(before):
                return False
            if last_is_verb is not None and last_is_verb(figure.start):
                return False
        return True
    return False


def _scan(text: str, last_is_verb: Callable[[int], bool] | None = None) -> list[_Candidate]:
    """All figures in a piece of text, without context decisions, offsets relative to text."""
    found: list[_Candidate] = []
    for match in _FIGURE_RE.finditer(text) if _HAS_NUMBER.search(text) else ():
        if not match.group(0).strip() or not (match.group("n1") or match.group("n1b")):
            continue
        found.extend(_from_figure_match(match, text))
    for match in _ARTICLE_DURATION_RE.finditer(text) if _HAS_DUR_UNIT.search(text) else ():
        candidate = _from_article_duration(match, text)
        if candidate is not None:
            found.append(candidate)
    kept = [c for c in found
            if c.figure.kind != "duration" or not _is_relative_time(c.figure, text, last_is_verb)]
    return _non_overlapping(kept)


def _non_overlapping(candidates: list[_Candidate]) -> list[_Candidate]:
    # Longest first: "almost four hours" beats a stray "four".
    chosen: list[_Candidate] = []
    for cand in sorted(candidates, key=lambda c: (-(c.figure.end - c.figure.start), c.figure.start)):
        if all(cand.figure.end <= c.figure.start or cand.figure.start >= c.figure.end for c in chosen):
            chosen.append(cand)
    return sorted(chosen, key=lambda c: c.figure.start)


def _stamp(figure: Figure) -> Figure:
    figure.stage = STAGE
    figure.stage_version = STAGE_VERSION
    return figure


def find_figures(text: str) -> list[Figure]:
    """Every figure in a short text, without spaCy; offsets are relative to ``text``.

    The whole text is its own money context: a bare "1 billion" is money if the text also has a
    currency figure or a money word.
    """
    candidates = _scan(text)
    figures: list[Figure] = []
    has_money_word = bool(_MONEY_CONTEXT.search(text))
    for cand in candidates:
        if cand.bare_scaled:
            previous_money = [f for f in figures if f.kind == "money" and f.unit]
            if not (previous_money or has_money_word or any(
                    c.figure.kind == "money" and not c.bare_scaled for c in candidates)):
                continue
            cand.figure.unit = previous_money[-1].unit if previous_money else None
        figures.append(_stamp(cand.figure))
    return figures


def parse_figure(text: str) -> Figure | None:
    """The first figure in ``text`` ("$ 3-3.5 billion", "almost four hours", ...), or None.

    Pure (no spaCy). Offsets are relative to ``text``; modality is left "asserted".
    """
    figures = find_figures(text)
    return figures[0] if figures else None


# ---------------------------------------------------------------------------------------------
# Over a spaCy Doc
# ---------------------------------------------------------------------------------------------

_NUMERIC_LABELS = {"MONEY", "CARDINAL", "PERCENT", "QUANTITY", "TIME", "DATE"}


def extract_figures(doc: Doc, base_offset: int = 0, *, article_id: str = "") -> list[Figure]:
    """Figures of a parsed document, with char offsets into its text plus ``base_offset``.

    Modality is not set here (see :mod:`storyline.annotate.modality`).
    """
    doc_string = doc_text(doc)
    per_sentence: list[list[Figure]] = []
    for index, sent in enumerate(doc_sents(doc)):
        offset = sent.start_char
        text = doc_string[offset : sent.end_char]  # = sent.text, without joining its tokens

        def last_is_verb(local_start: int, _offset: int = offset) -> bool:
            # Uses the tagger: "should last several days" vs "the last several days".
            span = doc.char_span(_offset + local_start, _offset + local_start + 1,
                                 alignment_mode="expand")
            if span is None or span.start == 0:
                return False
            prev = doc[span.start - 1]
            return prev.lower_ == "last" and prev.pos_ in ("VERB", "AUX")

        candidates = _scan(text, last_is_verb)
        candidates += _spacy_counts(sent, candidates)
        figures: list[Figure] = []
        for cand in sorted(candidates, key=lambda c: c.figure.start):
            figure = cand.figure
            if cand.bare_scaled:
                unit = _money_context(sent, figure, figures, per_sentence, offset)
                if unit is False:
                    continue
                figure.unit = unit or None
            figure.sentence_index = index
            figures.append(figure)
        # Turn sentence offsets into document offsets only after the context pass.
        per_sentence.append(figures)
        for figure in figures:
            figure.start += offset
            figure.end += offset
    result: list[Figure] = []
    for figures in per_sentence:
        for figure in figures:
            figure.start += base_offset
            figure.end += base_offset
            figure.article_id = article_id
            result.append(_stamp(figure))
    return result


def _money_context(sent: Span, figure: Figure, earlier_here: list[Figure],
                   earlier_sentences: list[list[Figure]], offset: int) -> str | bool:
    """Currency (or "") when a bare scaled number is money here, False when it is not."""
    doc = sent.doc
    span = doc.char_span(offset + figure.start, offset + figure.end, alignment_mode="expand")
    spacy_money = span is not None and any(t.ent_type_ == "MONEY" for t in span)
    nearby = earlier_here[::-1] + [f for figs in earlier_sentences[-2:][::-1] for f in figs[::-1]]
    money_before = [f for f in nearby if f.kind == "money"]
    if spacy_money or money_before or _MONEY_CONTEXT.search(sent.text):
        return next((f.unit for f in money_before if f.unit), "")
    # The previous two sentences may carry the money word ("...budget money. About 10 billion").
    start_sent = sent.start
    previous = [s for s in doc_sents(doc) if s.end <= start_sent][-2:]  # cached: doc.sents walks every token
    if any(_MONEY_CONTEXT.search(s.text) for s in previous):
        return ""
    return False


def _spacy_counts(sent: Span, found: list[_Candidate]) -> list[_Candidate]:
    """Counts the grammar missed: a CARDINAL whose head noun is a people noun, or a plural noun
    of countable things ("28 integration programmes", "28 of the 31 sectoral programmes").

    The dependency parse links "400" to "protesters" across adjectives ("400 young peaceful
    protesters"). People are counted in ``unit="people"``; other things in their noun as
    written ("programmes"). Units of measure, time, money and scores are not things.
    """
    extra: list[_Candidate] = []
    offset = sent.start_char
    taken = [(c.figure.start + offset, c.figure.end + offset) for c in found]
    for ent in span_ents(sent):  # = sent.ents, without rebuilding doc.ents per sentence
        if ent.label_ != "CARDINAL":
            continue
        if any(s < ent.end_char and ent.start_char < e for s, e in taken):
            continue
        head = _counted_noun(ent)
        if head is None:
            continue
        number = parse_number(ent.text)
        if number is None:
            continue
        value, qualifier = number
        people = head.lemma_.lower() in PEOPLE_LEMMAS
        if value == 1 and (head.lower_ == "people" or not people):
            continue
        start, end = ent.start_char - offset, head.idx + len(head.text) - offset
        extra.append(_Candidate(Figure(start, end, sent.text[start:end], "count", value,
                                       unit="people" if people else head.lower_, qualifier=qualifier)))
        taken.append((start + offset, end + offset))  # "28 of the 31 programmes" holds the 31
    return extra


# Plural nouns that measure rather than count things: units, time, money, scores, multiples.
_NOT_THINGS = frozenset({
    "percent", "cent", "point", "metre", "meter", "kilometre", "kilometer", "km", "mile", "foot",
    "feet", "inch", "yard", "tonne", "ton", "kilogram", "kg", "gram", "pound", "ounce", "barrel",
    "litre", "liter", "gallon", "degree", "dollar", "euro", "ruble", "rouble", "yen", "yuan",
    "time", "second", "minute", "hour", "day", "week", "month", "year", "decade", "century",
    "night", "morning", "evening", "weekend", "season", "round", "lap", "goal", "run", "yard",
    "billion", "million", "thousand", "hundred", "dozen", "%", "share", "vote", "seat",
    "magnitude", "level", "step", "part", "piece", "bit", "way", "one", "other", "more",
    # people by their role are not things (and not a crowd either)
    "leader", "president", "minister", "official", "member", "player", "coach", "head", "chief",
    "director", "manager", "deputy", "senator", "lawmaker", "judge", "lawyer", "son", "daughter",
    "brother", "sister", "mother", "father", "parent", "friend", "partner", "colleague", "side",
    "party", "country", "nation", "state", "team", "club", "company", "group",
})


def _counted_noun(ent: Span):  # -> Token | None
    """The noun a CARDINAL counts: people at most three words on ("400 young peaceful
    protesters"), or a plural noun of things right after it, or the noun of "of the N ..." ("28
    of the 31 sectoral programmes")."""
    root = ent.root
    head = root.head
    if root.dep_ == "nummod" and head.i >= ent.end and head.i - ent.end <= 3:
        if head.lemma_.lower() in PEOPLE_LEMMAS:
            return head
        return head if _countable_thing(head) and head.i - ent.end <= 2 else None
    if root.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "attr", "conj", "appos"):
        for prep in root.children:
            if prep.dep_ == "prep" and prep.lower_ == "of" and prep.i == ent.end:
                noun = next((c for c in prep.children if c.dep_ == "pobj"), None)
                if noun is not None and noun.i - prep.i <= 5 and any(
                    c.dep_ in ("nummod", "det") for c in noun.children
                ) and (noun.lemma_.lower() in PEOPLE_LEMMAS or _countable_thing(noun)):
                    return noun
    return None


def _countable_thing(token) -> bool:  # token: spaCy Token
    return (
        token.pos_ == "NOUN" and token.tag_ == "NNS" and token.is_alpha
        and token.lemma_.lower() not in _NOT_THINGS and token.lower_ not in _NOT_THINGS
        and token.ent_type_ not in ("DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "ORDINAL")
    )


def parse_number(text: str) -> tuple[float, str | None] | None:
    """(value, qualifier) of a plain number phrase such as "about 150 thousand"; None if not one."""
    match = re.fullmatch(rf"\s*(?:(?P<qual>{_QUAL})\s+)?(?P<core>{_CORE})\s*", text, re.IGNORECASE)
    if not match:
        return None
    value, _ = _core_value(match.group("core"))
    if value is None:
        return None
    qual = match.group("qual")
    return value, _QUALIFIER_CODES.get(re.sub(r"\s+", " ", qual.lower())) if qual else None
