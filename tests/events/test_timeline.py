"""Date display and timeline order."""

from __future__ import annotations

import pytest

from storyline.events.model import Event, date_precision
from storyline.events.timeline import format_date, order_timeline


@pytest.mark.parametrize(
    ("value", "precision", "shown"),
    [
        ("2020-09-14", "day", "14 Sep 2020"),
        ("2020-09", "month", "Sep 2020"),
        ("2020", "year", "2020"),
        ("XXXX-09-21", "unknown-year", "21 Sep (year unknown)"),
        ("XXXX-02", "unknown-year", "Feb (year unknown)"),
        (None, "unknown", "date unknown"),
        ("PRESENT_REF", None, "date unknown"),
        ("2020-09-14", "month", "Sep 2020"),  # a coarser precision wins
        ("2020-09-14", None, "14 Sep 2020"),  # derived from the value
    ],
)
def test_format_date(value, precision, shown):
    assert format_date(value, precision) == shown


def test_an_undated_event_says_when_it_was_first_reported():
    assert format_date(None, "unknown", "2023-10-12T08:00:00") == "date unknown (reported 12 Oct 2023)"
    assert format_date(None, "unknown", "not a date") == "date unknown"
    # a dated or year-less event shows its own date, never the report's
    assert format_date("2020-09-14", "day", "2023-10-12") == "14 Sep 2020"
    assert format_date("XXXX-09-21", "unknown-year", "2023-10-12") == "21 Sep (year unknown)"


def ev(event_id: str, value: str | None, hint: str | None = None) -> Event:
    return Event(event_id, "meeting", event_id, value, date_precision(value), 1.0, None, [], [], [], [], [], date_hint=hint)


def test_order_puts_dated_events_first_then_year_unknown_then_undated():
    events = [
        ev("undated", None, "2019-12-21"),
        ev("yearless", "XXXX-09-21", "2019-12-21"),
        ev("feb", "2021-02-22"),
        ev("sep_day", "2020-09-14"),
        ev("sep_month", "2020-09"),
        ev("year", "2020"),
    ]
    assert [e.event_id for e in order_timeline(events)] == ["year", "sep_month", "sep_day", "feb", "yearless", "undated"]


def test_year_guess_slots_a_year_less_event_by_its_publication_hint():
    events = [ev("feb", "2021-02-22"), ev("sep_2020", "2020-09-14"), ev("yearless", "XXXX-09-21", "2019-12-21")]
    ordered = order_timeline(events, guess_years=True)
    assert [e.event_id for e in ordered] == ["yearless", "sep_2020", "feb"]  # guessed 2019
    assert ordered[0].date_value == "XXXX-09-21"  # the guess only orders
    late = [ev("sep_2020", "2020-09-14"), ev("yearless", "XXXX-12-30", "2020-12-01")]
    assert [e.event_id for e in order_timeline(late, guess_years=True)] == ["yearless", "sep_2020"]  # Dec 2019
