"""Time expressions: normalization of single expressions, extraction from parsed text, seeds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from storyline.annotate.timex import (
    FUTURE,
    PAST,
    STAGE,
    STAGE_VERSION,
    extract_timexes,
    governing_tense,
    normalize_timex,
    parse_number,
    renormalize,
)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SEEDS = SHARED / "seeds"

REF = dt.date(2021, 2, 25)  # a Thursday

# ---------------------------------------------------------------------------------------------
# normalize_timex (pure; recognizers/dateparser only for the long tail)
# ---------------------------------------------------------------------------------------------

CASES = [
    # text, ref, tense, expected (type, value, mod)
    ("yesterday", REF, None, ("DATE", "2021-02-24", None)),
    ("today", REF, None, ("DATE", "2021-02-25", None)),
    ("last September", REF, None, ("DATE", "2020-09", None)),
    ("since 14 September last year", REF, PAST, ("DATE", "2020-09-14", None)),
    ("On 22 February", REF, PAST, ("DATE", "2021-02-22", None)),
    ("On 22 February", REF, None, ("DATE", "2021-02-22", None)),
    ("on September 21", dt.date(2019, 12, 21), PAST, ("DATE", "2019-09-21", None)),
    ("on September 21", dt.date(2019, 12, 21), FUTURE, ("DATE", "2020-09-21", None)),
    ("mid-September", REF, PAST, ("DATE", "2020-09", "MID")),
    ("the end of February", REF, None, ("DATE", "2021-02", "END")),
    ("the end of 2018", REF, None, ("DATE", "2018", "END")),
    ("early next year", REF, None, ("DATE", "2022", "START")),
    ("a month ago", REF, None, ("DATE", "2021-01", None)),
    ("two years ago", REF, None, ("DATE", "2019", None)),
    ("three days ago", REF, None, ("DATE", "2021-02-22", None)),
    ("2021", None, None, ("DATE", "2021", None)),
    ("January 2022", None, None, ("DATE", "2022-01", None)),
    ("the 1990s", None, None, ("DATE", "199", None)),
    ("this week", dt.date(2020, 9, 10), None, ("DATE", "2020-W37", None)),
    ("the third quarter", dt.date(1989, 10, 27), FUTURE, ("DATE", "1989-Q3", None)),
    ("almost four hours", None, None, ("DURATION", "PT4H", "APPROX")),
    ("well over six hours", None, None, ("DURATION", "PT6H", "MORE_THAN")),
    ("less than a decade", None, None, ("DURATION", "P10Y", "LESS_THAN")),
    ("at least two weeks", None, None, ("DURATION", "P2W", "EQUAL_OR_MORE")),
    ("a month", None, None, ("DURATION", "P1M", None)),
    ("the past two months", REF, None, ("DURATION", "P2M", None)),
    ("several years", None, None, ("DURATION", "PXY", None)),
    ("five-year", None, None, ("DURATION", "P5Y", None)),
    ("daily", None, None, ("SET", "P1D", None)),
    ("now", None, None, ("DATE", "PRESENT_REF", None)),
    ("recently", None, None, ("DATE", "PAST_REF", None)),
    ("the future", None, None, ("DATE", "FUTURE_REF", None)),
    ("Friday", dt.date(1998, 11, 20), PAST, ("DATE", "1998-11-20", None)),  # a Friday itself
    ("Friday", dt.date(1998, 11, 18), PAST, ("DATE", "1998-11-13", None)),
    ("Friday", dt.date(1998, 11, 18), FUTURE, ("DATE", "1998-11-20", None)),
    ("Monday, Oct. 26", dt.date(1998, 10, 25), PAST, ("DATE", "1998-10-26", None)),  # weekday decides
    ("9 a.m. Tuesday", REF, PAST, ("TIME", "2021-02-23T09:00", None)),
    ("last night", REF, None, ("TIME", "2021-02-24TNI", None)),
    ("Thanksgiving Day", dt.date(1999, 12, 1), PAST, ("DATE", "1999-11-25", None)),
    ("nineteen ninety-six", None, None, ("DATE", "1996", None)),
]


@pytest.mark.parametrize("text, ref, tense, expected", CASES)
def test_normalize_timex(text: str, ref: dt.date | None, tense: str | None, expected: tuple) -> None:
    assert normalize_timex(text, ref, tense) == expected


def test_a_nearer_date_beats_the_tense() -> None:
    # Said on 2 November 1989 in a past-tense sentence, "Nov. 20" is still the coming one.
    assert normalize_timex("Nov. 20", dt.date(1989, 11, 2), PAST) == ("DATE", "1989-11-20", None)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("On 22 February", ("DATE", "XXXX-02-22", None)),
        ("since 14 September last year", ("DATE", "XXXX-09-14", None)),
        ("mid-September", ("DATE", "XXXX-09", "MID")),
        ("Friday", ("DATE", "XXXX-WXX-5", None)),
        ("yesterday", ("DATE", None, None)),
        ("a month ago", ("DATE", None, None)),
        ("the end of the year", ("DATE", None, "END")),
        ("22 February 2021", ("DATE", "2021-02-22", None)),
    ],
)
def test_without_reference_no_year_is_invented(text: str, expected: tuple) -> None:
    assert normalize_timex(text, None) == expected


@pytest.mark.parametrize("text", ["", "Putin", "the meeting", "44", "33 so-called road maps", "a single day"])
def test_not_time_expressions(text: str) -> None:
    assert normalize_timex(text, REF) is None


@pytest.mark.parametrize(
    "text, number",
    [("four", 4), ("twenty four", 24), ("twenty-four", 24), ("1.5", 1.5), ("two and a half", 2.5), ("a", 1), ("5 1/2", 5.5)],
)
def test_parse_number(text: str, number: float) -> None:
    assert parse_number(text) == number


# ---------------------------------------------------------------------------------------------
# extraction from parsed text (invented sentences)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    from storyline.annotate.nlp import load_nlp

    return load_nlp()


def _by_text(timexes: list) -> dict:
    return {t.text: t for t in timexes}


def test_extract_timexes_offsets_values_and_provenance(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The two ministers met in Oslo on 3 March, a week after the talks of late February.\n"
        "The summit will be held on 12 April and is expected to last almost four hours.\n"
        "Protests have continued since 2019."
    )
    doc = nlp(text)
    found = extract_timexes(doc, dt.date(2021, 3, 10), base_offset=100, article_id="a1")
    by_text = _by_text(found)
    assert by_text["3 March"].value == "2021-03-03"
    assert by_text["late February"].value == "2021-02" and by_text["late February"].mod == "END"
    assert by_text["12 April"].value == "2021-04-12"
    assert (by_text["almost four hours"].value, by_text["almost four hours"].mod) == ("PT4H", "APPROX")
    assert by_text["2019"].anchor == "explicit"
    assert by_text["3 March"].anchor == "dct"
    for timex in found:
        assert text[timex.start - 100 : timex.end - 100] == timex.text
        assert (timex.stage, timex.stage_version, timex.article_id) == (STAGE, STAGE_VERSION, "a1")
    assert by_text["3 March"].sentence_index == 0
    assert by_text["12 April"].sentence_index == 1
    assert by_text["2019"].sentence_index == 2


def test_governing_tense(nlp) -> None:  # type: ignore[no-untyped-def]
    cases = {
        "The leaders met on 14 September.": PAST,
        "The leaders will meet on 14 September.": FUTURE,
        "Exercises scheduled for September will involve both armies.": FUTURE,
        "The referendum is to be held in January.": FUTURE,
    }
    for sentence, tense in cases.items():
        doc = nlp(sentence)
        (entity,) = [e for e in doc.ents if e.label_ == "DATE"]
        assert governing_tense(entity) == tense, sentence


def test_tense_picks_the_year_of_a_yearless_date(nlp) -> None:  # type: ignore[no-untyped-def]
    ref = dt.date(2019, 12, 21)
    past = extract_timexes(nlp("The talks took place on September 21."), ref)
    future = extract_timexes(nlp("The talks will take place on September 21."), ref)
    assert [t.value for t in past] == ["2019-09-21"]
    assert [t.value for t in future] == ["2020-09-21"]


def test_ranges_and_ages(nlp) -> None:  # type: ignore[no-untyped-def]
    found = extract_timexes(nlp("From 1987 to 1990 the 44-year-old doctor worked in Buffalo."), REF)
    assert [(t.text, t.value) for t in found] == [("1987", "1987"), ("1990", "1990")]


def test_four_digit_clock_times_are_not_years(nlp) -> None:  # type: ignore[no-untyped-def]
    found = extract_timexes(nlp("The tremor hit Varnholm at 1353 (1023 GMT) on Sunday, the agency said."), REF)
    assert "1353" not in {t.value for t in found} and "1023" not in {t.value for t in found}
    assert extract_timexes(nlp("The patrol left at 2100 hours."), REF) == []
    # a year stays a year, also with "hours" nearby
    found = extract_timexes(nlp("The siege ended in 1945, hours after the truce was signed."), REF)
    assert ("1945", "1945") in [(t.text, t.value) for t in found]
    assert [t.value for t in extract_timexes(nlp("The town was founded in 1353 by traders."), REF)] == ["1353"]


def test_a_year_in_a_product_name_is_not_a_date(nlp) -> None:  # type: ignore[no-untyped-def]
    def values(text: str) -> list[tuple[str, str]]:
        return [(t.text, t.value) for t in extract_timexes(nlp(text), REF)]

    assert values("Korvell released a patch for Windows 2000 and Windows XP on Tuesday.") == [("Tuesday", "2021-02-23")]
    assert values("The flaw affects Office 2007 users.") == []
    # the calendar's own words, abbreviations and the article's people and towns keep the year a date
    assert ("Christmas 2019", "2019-12-25") in values("They met at Christmas 2019 in Vesk.")
    assert ("2020", "2020") in values("Sales in FY 2020 rose.")
    assert ("2021", "2021") in values("Varga flew to Brennik on Monday. Brennik 2021: Varga and Osk meet.")
    assert values("They first met in 2019.") == [("2019", "2019")]


def test_renormalize_keeps_spans_and_explicit_values(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("On 22 February the presidents met. They first met in 2019 and again yesterday.")
    unanchored = extract_timexes(doc, None)
    assert _by_text(unanchored)["22 February"].value == "XXXX-02-22"
    assert _by_text(unanchored)["yesterday"].value is None
    anchored = renormalize(unanchored, doc, dt.date(2021, 2, 25))
    assert [(t.start, t.end) for t in anchored] == [(t.start, t.end) for t in unanchored]
    values = {t.text: t.value for t in anchored}
    assert values == {"22 February": "2021-02-22", "2019": "2019", "yesterday": "2021-02-24"}


def test_year_ago_in_a_quarterly_report_is_the_year_ago_quarter(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("Third-quarter profit rose 5% from a year ago.")
    values = {t.text: t.value for t in extract_timexes(doc, dt.date(1989, 10, 27))}
    assert values == {"Third-quarter": "1989-Q3", "a year ago": "1988-Q3"}


# ---------------------------------------------------------------------------------------------
# seeds (real, machine-translated reports; read from ../shared when present)
# ---------------------------------------------------------------------------------------------


def _seed(name_prefix: str) -> str:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not present")
    (path,) = sorted(SEEDS.glob(f"{name_prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


def test_seed_durations_with_qualifiers(nlp) -> None:  # type: ignore[no-untyped-def]
    found_004 = extract_timexes(nlp(_seed("004")), None)
    found_001 = extract_timexes(nlp(_seed("001")), None)
    assert ("DURATION", "PT4H", "APPROX") in {(t.type, t.value, t.mod) for t in found_004 if t.text == "almost four hours"}
    assert ("DURATION", "PT6H", "MORE_THAN") in {(t.type, t.value, t.mod) for t in found_001 if t.text == "well over six hours"}


def test_seed_001_against_its_date(nlp) -> None:  # type: ignore[no-untyped-def]
    found = extract_timexes(nlp(_seed("001")), dt.date(2021, 2, 23))
    values = {t.text: t.value for t in found}
    assert values["22 February"] == "2021-02-22"
    assert values["14 September last year"] == "2020-09-14"
    assert values["last September"] == "2020-09"
    assert values["January 2022"] == "2022-01"


def test_seed_003_keeps_years_unknown(nlp) -> None:  # type: ignore[no-untyped-def]
    found = extract_timexes(nlp(_seed("003")), None)
    values = {t.text: t.value for t in found}
    assert values["September 21"] == "XXXX-09-21"
    assert values["yesterday"] is None
    assert not any(t.value and t.value[:1].isdigit() for t in found)


def test_what_since_introduces_is_past_whatever_the_main_verb(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("The meeting will be the first since their talks in Lindhaven in September.")
    [timex] = extract_timexes(doc, dt.date(2031, 2, 16))
    assert timex.value == "2030-09"


@pytest.mark.parametrize(
    "text, value",
    [
        ("4/9/2031", "2031-04-09"),  # slashes: month first, as in an American byline
        ("14/09/2031", "2031-09-14"),  # ... unless that reading is impossible
        ("22.02.2031", "2031-02-22"),  # dots: day first
        ("09.04.2031", "2031-04-09"),
        ("11/28/05", "2005-11-28"),  # a two-digit year after slashes
    ],
)
def test_numeric_dates(text: str, value: str) -> None:
    assert normalize_timex(text, None) == ("DATE", value, None)


def test_numeric_dates_in_bylines(nlp) -> None:  # type: ignore[no-untyped-def]
    def values(text: str) -> list[tuple[str, str | None]]:
        return [(t.text, t.value) for t in extract_timexes(nlp(text), None)]

    # a numeric date before a clock time is read, not only the clock time
    assert ("11/27/2031", "2031-11-27") in values("Posted 11/27/2031 7:21 AM")
    # and found when the model tags nothing
    assert ("14/09/2031", "2031-09-14") in values("Last updated 13:26 14/09/2031")
    # a month's abbreviation that the model tags as a name, or tags in part
    assert ("Apr 12, 2031", "2031-04-12") in values("The shooting happened on Apr 12, 2031 in the office.")
    assert ("Sun, 15 Sep 2031", "2031-09-15") in values("Sun, 15 Sep 2031")
    assert ("Sep 14 2031", "2031-09-14") in values("He was arrested on Sep 14 2031.")
    assert values("They may 5 2031 be wrong.") == []  # the modal verb, not the month
    # versions, addresses, fractions and paths are not dates
    assert values("Version 1.2.12 of the app, at 192.168.1.10, costs 3/4 of it.") == []
    assert values("See example.org/2031/09/14/story for more.") == []


def test_recognizers_fallback_is_parsed_once_per_phrase_and_date(monkeypatch):
    """The recognizers-text fallback (~5 CPU-ms a call) is memoized on (phrase, reference date):
    the same phrase against the same date is parsed once and normalizes as the library says;
    another date is parsed again (its value may depend on it)."""
    from storyline.annotate import timex as timex_module

    timex_module._recognizer_results.cache_clear()
    model = timex_module._datetime_model()
    calls: list[tuple[str, dt.datetime]] = []

    class Counting:
        def parse(self, text, ref):
            calls.append((text, ref))
            return model.parse(text, ref)

    monkeypatch.setattr(timex_module, "_datetime_model", lambda: Counting())
    phrase = "another week"  # not our own grammar's: it goes to the fallback
    first = normalize_timex(phrase, REF)
    again = normalize_timex(phrase, REF)
    other_day = normalize_timex(phrase, REF + dt.timedelta(days=1))
    timex_module._recognizer_results.cache_clear()
    assert first == again == other_day == ("DURATION", "P1W", None)
    assert [text for text, _ in calls].count(phrase) == 2
    assert {ref.date() for text, ref in calls if text == phrase} == {REF, REF + dt.timedelta(days=1)}
