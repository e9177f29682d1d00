"""Years for the dates of undated reports, read off the event each report is about.

A report with no publication date and no year in its text leaves its dates year-less: "military
exercises will begin on September 14" is ``XXXX-09-14``. When the report is a main source of an
event that other reports date with a year (its lead tells the Sochi talks of 14 Sep 2020, which a
dated report places in 2020), the report was written around that event, and its year-less dates
are read against that day: the exercises are 14 Sep 2020, the nearest 14 September to the talks.

What keeps this honest:

* only an event the report is *about* anchors it (it is one of the event's main articles, which
  grouping decides from titles and leads), and only when the report itself dates that event
  without a year ("on September 14") that the event's date completes: an event it only recalls,
  or one it dates with a year of its own ("the election of 18 June 2022", background), says
  little about when it was written;
* the report's main events must agree on one year; two years leave its dates year-less;
* an event is re-dated only when every undated report behind it is anchored to the same year, and
  the year it gets is less sure than a stated one (``ANCHORED_YEAR_CONFIDENCE``, like a year read
  off publication dates): its confidence is scaled down;
* grouping is not redone: the events keep their mentions, and the stored mentions keep their
  year-less values. Only the events' dates (and titles) change.

:class:`YearAnchors` sees the events one at a time as a build writes them (``see``), then gives
the events it kept that get a year (``redated``); :func:`anchor_event_years` does the same for
events in memory.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import date

from storyline.events.model import (
    DateParts,
    Event,
    format_parts,
    parse_date_value,
    parts_precision,
    parts_relation,
)

STAGE = "year_anchors"
STAGE_VERSION = "1"

ANCHORED_YEAR_CONFIDENCE = 0.6  # as grouping.BOUND_YEAR_CONFIDENCE: a year not stated is less sure


def _day(year: int, month: int, day: int | None) -> date | None:
    try:
        return date(year, month, day or 15)  # a month alone stands for its middle
    except ValueError:
        return None  # 29 February of a year without one, 31 April: no such day


def year_near(parts: DateParts, anchor: date) -> int | None:
    """The year that puts a year-less month (and day) nearest ``anchor``, a year either side of it."""
    if parts.month is None:
        return None
    candidates = [(abs((d - anchor).days), year) for year in (anchor.year - 1, anchor.year, anchor.year + 1)
                  if (d := _day(year, parts.month, parts.day)) is not None]
    return min(candidates)[1] if candidates else None


def _undated_articles(event: Event, undated: Collection[str]) -> list[str]:
    return [a for a in dict.fromkeys(event.main_articles + event.mentioning_articles) if a in undated]


class YearAnchors:
    """Anchor days of undated reports, from the dated events they are main sources of.

    ``undated``: the ids of the articles whose year is unknown (``AnnotatedArticle.year_known``
    false); ``date_of``: a mention key -> the mention's date value (as annotated: year-less in an
    undated report). ``see`` every event (with its mention keys); ``anchors`` then gives article
    -> anchor day, and ``redated`` the events ``see`` kept (True) that get a year.
    """

    def __init__(self, undated: Collection[str], date_of: Callable[[str], str | None]) -> None:
        self.undated, self.date_of = undated, date_of
        # undated article -> (day, date confidence) of its dated main events
        self._days: dict[str, set[tuple[date, float]]] = defaultdict(set)

    def see(self, event: Event) -> bool:
        """Note what ``event`` tells; True when it is year-less with undated reports behind it
        (:meth:`redated` may give it a year)."""
        if not self.undated:
            return False
        parts = parse_date_value(event.date_value)
        if parts is None:
            return False
        if parts.year is None:
            return bool(_undated_articles(event, self.undated))
        # A year alone is too coarse to anchor: "nearest" would be ambiguous half the year round.
        day = _day(parts.year, parts.month, parts.day) if parts.month is not None else None
        if day is None:
            return False
        for article_id in event.main_articles:
            if article_id in self.undated and self._completes(parts, article_id, event.mention_keys):
                self._days[article_id].add((day, event.date_confidence))
        return False

    def _completes(self, parts: DateParts, article_id: str, keys: Sequence[str]) -> bool:
        """The article dates the event without a year, and the event's date completes that date."""
        prefix = article_id + ":"
        for key in keys:
            if key.startswith(prefix):
                own = parse_date_value(self.date_of(key))
                if own is not None and own.year is None and parts_relation(own, parts) == "yearless":
                    return True
        return False

    def anchors(self) -> dict[str, tuple[date, float]]:
        """Undated article -> (anchor day, confidence): the earliest day of its dated main events
        and the least of their date confidences, when they all fall in one year."""
        return {article_id: (min(d for d, _ in days), min(c for _, c in days))
                for article_id, days in self._days.items() if len({d.year for d, _ in days}) == 1}

    def redated(self, kept: Iterable[tuple[int, Event]], title: Callable[[Event], str]
                ) -> Iterator[tuple[int, Event]]:
        """The events of ``kept`` ((position, event) pairs :meth:`see` said True of) that get a
        year, with their positions: re-dated and titled anew with ``title``. Call once every
        event has been seen."""
        anchors = self.anchors()
        if not anchors:
            return
        for k, event in kept:
            new = self._redate(event, anchors)
            if new is not None:
                value, precision, confidence = new
                out = dataclasses.replace(event, date_value=value, date_precision=precision,
                                          date_confidence=confidence)
                out.title = title(out)
                yield k, out

    def _redate(self, event: Event, anchors: dict[str, tuple[date, float]]) -> tuple[str, str, float] | None:
        """(date value, precision, confidence) for a year-less ``event`` whose undated reports are
        all anchored and put its date in the same year; None otherwise. The confidence is the
        event's, times that of the least sure anchor, times ``ANCHORED_YEAR_CONFIDENCE``."""
        parts = parse_date_value(event.date_value)
        if parts is None or parts.year is not None:
            return None
        years, sure = set(), 1.0
        for article_id in _undated_articles(event, self.undated):
            anchor = anchors.get(article_id)
            year = year_near(parts, anchor[0]) if anchor is not None else None
            if anchor is None or year is None:
                return None  # a report behind the date is not anchored: its year stays open
            years.add(year)
            sure = min(sure, anchor[1])
        if len(years) != 1:
            return None
        dated = DateParts(years.pop(), parts.month, parts.day)
        return (format_parts(dated), parts_precision(dated),
                round(event.date_confidence * sure * ANCHORED_YEAR_CONFIDENCE, 3))


def anchor_event_years(events: Sequence[Event], undated: Collection[str], date_of: Callable[[str], str | None],
                       title: Callable[[Event], str]) -> list[Event]:
    """``events`` with the year-less ones re-dated by :class:`YearAnchors` (and re-titled with
    ``title``); the others as they are."""
    anchors = YearAnchors(undated, date_of)
    kept = [k for k, event in enumerate(events) if anchors.see(event)]
    out = list(events)
    for k, event in anchors.redated(((k, events[k]) for k in kept), title):
        out[k] = event
    return out
