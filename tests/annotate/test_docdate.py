"""Document date inference from the text: invented articles and the seeds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from storyline.annotate.docdate import DocDateEstimate, infer_document_date
from storyline.annotate.timex import extract_timexes, renormalize

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
SEEDS = SHARED / "seeds"


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    from storyline.annotate.nlp import load_nlp

    return load_nlp()


def _infer(nlp, text: str) -> DocDateEstimate:  # type: ignore[no-untyped-def]
    doc = nlp(text)
    return infer_document_date(doc, extract_timexes(doc, None))


def test_dateline(nlp) -> None:  # type: ignore[no-untyped-def]
    estimate = _infer(nlp, "WORLD 3 March, 2019 08:15\n\nThe ministers met yesterday in Oslo. They will meet again in May.")
    assert estimate.year_known and estimate.best == dt.date(2019, 3, 3)
    assert estimate.earliest == estimate.latest == dt.date(2019, 3, 3)
    assert estimate.confidence >= 0.9
    assert any("dateline" in line for line in estimate.evidence)


def test_relative_year_pinned_by_an_explicit_date(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The ministers met on 4 March. It was their first meeting since 12 October last year.\n"
        "The talks of 12 October 2018 had ended without an agreement."
    )
    estimate = _infer(nlp, text)
    assert estimate.year_known
    assert estimate.best == dt.date(2019, 3, 4)
    assert estimate.earliest == dt.date(2019, 3, 4)


def test_this_year_with_a_named_year(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "The envoys met on 9 April. Both armies will take part this year in the Shield-2024 exercises scheduled for August."
    estimate = _infer(nlp, text)
    assert estimate.year_known
    assert estimate.best == dt.date(2024, 4, 9)
    assert estimate.latest == dt.date(2024, 7, 31)  # before the August exercises


def test_past_and_future_years_bound_but_do_not_name_the_year(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "The plant was opened in 2012. The new line will start in 2026, the company said on 2 May."
    estimate = _infer(nlp, text)
    assert not estimate.year_known and estimate.best is None
    assert estimate.earliest == dt.date(2012, 1, 1)
    assert estimate.latest == dt.date(2026, 12, 31)


def test_bounds_that_meet_name_the_year(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Sales fell in the first quarter of 2017. The company will close the plant by the end of 2017. It announced the plan on 12 June."
    estimate = _infer(nlp, text)
    assert estimate.year_known and estimate.best == dt.date(2017, 6, 12)


def test_no_year_at_all(nlp) -> None:  # type: ignore[no-untyped-def]
    estimate = _infer(nlp, "The leaders met yesterday. They last met on September 21.")
    assert estimate == DocDateEstimate(None, None, None, 0.0, False, estimate.evidence)


# ---------------------------------------------------------------------------------------------
# seeds
# ---------------------------------------------------------------------------------------------


def _seed_doc(nlp, prefix: str):  # type: ignore[no-untyped-def]
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not present")
    (path,) = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    return nlp(path.read_text(encoding="utf-8"))


def test_seed_001_is_late_february_2021(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = _seed_doc(nlp, "001")
    timexes = extract_timexes(doc, None)
    estimate = infer_document_date(doc, timexes)
    assert estimate.year_known
    assert estimate.best is not None and estimate.best.year == 2021 and estimate.best.month == 2
    assert estimate.best.day >= 22
    values = {t.text: t.value for t in renormalize(timexes, doc, estimate.best)}
    assert values["22 February"] == "2021-02-22"
    assert values["14 September last year"] == "2020-09-14"
    assert values["last September"] == "2020-09"
    assert values["February 11"] == "2021-02-11"


def test_seed_002_dateline_resolves_a_day_earlier(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = _seed_doc(nlp, "002")
    timexes = extract_timexes(doc, None)
    estimate = infer_document_date(doc, timexes)
    assert estimate.year_known and estimate.best == dt.date(2020, 9, 18)
    values = {t.text: t.value for t in renormalize(timexes, doc, estimate.best)}
    assert values["a day earlier"] == "2020-09-17"


def test_seed_003_has_no_year(nlp) -> None:  # type: ignore[no-untyped-def]
    estimate = infer_document_date(_seed_doc(nlp, "003"))
    assert not estimate.year_known
    assert estimate.best is None


@pytest.mark.parametrize("prefix", ["000", "004"])
def test_other_seeds_never_contradict_their_real_dates(nlp, prefix: str) -> None:  # type: ignore[no-untyped-def]
    # 000 was written in February 2021, 004 on 14-15 September 2020: bounds must allow that.
    real = {"000": dt.date(2021, 2, 10), "004": dt.date(2020, 9, 15)}[prefix]
    estimate = infer_document_date(_seed_doc(nlp, prefix))
    assert estimate.earliest is None or estimate.earliest <= real
    assert estimate.latest is None or estimate.latest >= real
    if estimate.year_known:
        assert estimate.best is not None and estimate.best.year == real.year


def test_a_yearless_past_day_soon_after_the_latest_dated_event_takes_its_year(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "On 19 September the two leaders talked for four hours. "
        "The protests started after the election of 7 August 2031."
    )
    estimate = _infer(nlp, text)
    assert estimate.year_known and estimate.best == dt.date(2031, 9, 19)
    far = _infer(nlp, "On 19 March the two leaders talked. The protests started after the election of 7 August 2031.")
    assert far.best is None and not far.year_known  # March is not soon after August: no year


def test_a_weekday_after_a_background_year_names_no_year(nlp) -> None:  # type: ignore[no-untyped-def]
    # An obituary: the latest past-tense year is background (her 1965 record), so "Thursday,
    # December 11" must not pick 1969, the one year of 1965-1971 where 11 December is a Thursday.
    text = (
        "Ilse Marr, the swimmer, died on Thursday, December 11, at her home in Vesk. "
        "She set the national record in 1965 and retired two years later."
    )
    estimate = _infer(nlp, text)
    assert not estimate.year_known and estimate.best is None


def test_a_weekday_within_bounds_names_the_year(nlp) -> None:  # type: ignore[no-untyped-def]
    # Past-tense 2012 and future-tense 2016 leave 2012-2016; 26 October is a Monday only in 2015.
    text = "The plant was opened in 2012. The new line will start in 2016. The board met on Monday, Oct. 26."
    estimate = _infer(nlp, text)
    assert estimate.year_known and estimate.best is not None and estimate.best.year == 2015
