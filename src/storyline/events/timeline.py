"""Timeline order and date display for events.

Order (:func:`order_timeline`):

* Events with a dated year come first, in calendar order. A coarser date sorts at the start of
  its period ("Sep 2020" before "14 Sep 2020", "2020" before both); ties keep the event id order.
* Events whose year is unknown ("21 Sep (year unknown)") come next, by month and day. With
  ``guess_years=True`` they are slotted among the dated events instead, in the year suggested by
  their ``date_hint`` (an article's publication date): that year, or the one before when the
  day falls after the hint. The guess only orders; the event's date stays year-less.
* Events with no usable date come last, by ``date_hint`` then title.
"""

from __future__ import annotations

from datetime import date
from typing import Sequence

from storyline.events.model import DateParts, Event, parse_date_value

STAGE = "timeline"
STAGE_VERSION = "1"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(value: str | None, precision: str | None = None, reported: str | None = None) -> str:
    """"14 Sep 2020", "Sep 2020", "2020", "21 Sep (year unknown)", "Sep (year unknown)", "date unknown".

    ``precision`` may make the display coarser than the value ("month" shows "Sep 2020" for
    2020-09-14), never finer. ``reported``: the first publication date of the event's reports
    (``Event.date_hint``); an event no report dates says when it was first reported, "date
    unknown (reported 12 Oct 2023)", which is what is known, not a guess at the event's date.
    """
    parts = parse_date_value(value)
    if parts is None or precision == "unknown":
        return _unknown(reported)
    year, month, day = parts
    if precision == "month":
        day = None
    elif precision == "year":
        month = day = None
    if year is None and month is None:
        return _unknown(reported)
    text = " ".join(str(x) for x in (day, _MONTHS[month - 1] if month else None) if x is not None)
    if year is None:
        return f"{text} (year unknown)"
    return f"{text} {year}" if text else str(year)


def iso_day(text: str | None) -> date | None:
    """The day an ISO date or timestamp names ("2023-10-12T08:00"), None when it names none."""
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _unknown(reported: str | None) -> str:
    day = iso_day(reported)
    return f"date unknown (reported {format_date(day.isoformat(), 'day')})" if day else "date unknown"


def _hint(event: Event) -> date | None:
    return iso_day(event.date_hint)


def _guess_year(parts: DateParts, hint: date | None) -> int | None:
    if hint is None or parts.month is None:
        return None
    later_in_year = (parts.month, parts.day or 1) > (hint.month, hint.day)
    return hint.year - 1 if later_in_year else hint.year


def _sort_key(event: Event, guess_years: bool) -> tuple:
    parts = parse_date_value(event.date_value)
    if parts is not None and parts.year is None and guess_years:
        year = _guess_year(parts, _hint(event))
        if year is not None:
            parts = DateParts(year, parts.month, parts.day)
    if parts is None or event.date_precision == "unknown":
        return (2, event.date_hint or "9999", event.title, event.event_id)
    if parts.year is None:
        return (1, 0, parts.month or 0, parts.day or 0, event.event_id)
    return (0, parts.year, parts.month or 0, parts.day or 0, event.event_id)


def order_timeline(events: Sequence[Event], *, guess_years: bool = False) -> list[Event]:
    """Events in timeline order; see the module docstring for undated and year-less events."""
    return sorted(events, key=lambda event: _sort_key(event, guess_years))
