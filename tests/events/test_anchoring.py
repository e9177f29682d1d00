"""Years for undated reports from the dated event they are about (storyline.events.anchoring)."""

from __future__ import annotations

from datetime import date

from storyline.events.anchoring import ANCHORED_YEAR_CONFIDENCE, YearAnchors, anchor_event_years, year_near
from storyline.events.grouping import group_event_mentions
from storyline.events.model import DateParts, Event
from storyline.records import AnnotatedArticle
from tests.events.conftest import ENTITIES
from tests.events.test_grouping import KR, LIND, m, neutral_embed


DATES: dict[str, str | None] = {}  # mention key -> the date its report gives (the tests' date_of)


def event(event_id: str, date_value: str | None, main: list[str], mentioning: list[str] = (),
          confidence: float = 1.0, own: dict[str, str | None] | None = None) -> Event:
    """An event whose reports each have one mention, dated as ``own`` says (default: the
    event's date without its year, as an undated report gives it)."""
    keys = []
    for k, article in enumerate(list(main) + list(mentioning)):
        key = f"{article}:{k}:{len(DATES)}:{len(DATES) + 3}"
        DATES[key] = (own or {}).get(article, "XXXX" + date_value[4:] if date_value else None)
        keys.append(key)
    return Event(event_id=event_id, event_type="meeting", title=f"{event_id} {date_value}", date_value=date_value,
                 date_precision="day", date_confidence=confidence, place_id=None, participant_ids=[],
                 main_articles=list(main), mentioning_articles=list(mentioning), key_sentences=[], mention_keys=keys)


def anchored(events: list[Event], undated: set[str]) -> list[Event]:
    return anchor_event_years(events, undated, DATES.get, title)


def title(e: Event) -> str:
    return f"{e.event_id} {e.date_value}"


def test_year_near_takes_the_nearest_year_either_side():
    assert year_near(DateParts(None, 9, 20), date(2030, 9, 14)) == 2030
    assert year_near(DateParts(None, 1, 5), date(2030, 12, 20)) == 2031  # early January after a December event
    assert year_near(DateParts(None, 12, 28), date(2031, 1, 3)) == 2030
    assert year_near(DateParts(None, 2, 29), date(2031, 3, 1)) == 2032  # the only leap year within reach
    assert year_near(DateParts(None, None, None), date(2031, 3, 1)) is None


def test_an_undated_main_source_dates_its_other_year_less_events():
    events = [event("talks", "2030-09-14", ["dated", "undated"], confidence=0.8),
              event("drill", "XXXX-09-20", [], ["undated"])]
    talks, drill = anchored(events, {"undated"})
    assert talks is events[0]
    assert (drill.date_value, drill.date_precision) == ("2030-09-20", "day")
    assert drill.date_confidence == round(1.0 * 0.8 * ANCHORED_YEAR_CONFIDENCE, 3)  # less sure than stated
    assert drill.title == "drill 2030-09-20"
    assert drill.event_id == "drill" and drill.mentioning_articles == ["undated"]


def test_an_event_only_recalled_does_not_anchor():
    events = [event("talks", "2030-09-14", ["dated"], ["undated"]), event("drill", "XXXX-09-20", ["undated"])]
    assert anchored(events, {"undated"})[1].date_value == "XXXX-09-20"


def test_a_main_event_the_report_dates_with_a_year_of_its_own_does_not_anchor():
    # "the protests started after the election of 18 June 2030": background, whatever grouping
    # made of the article's main event; only a date the report gives without a year is completed.
    events = [event("election", "2030-06-18", ["undated"], own={"undated": "2030-06-18"}),
              event("drill", "XXXX-09-20", [], ["undated"])]
    assert anchored(events, {"undated"})[1].date_value == "XXXX-09-20"
    events[0] = event("election", "2030-06-18", ["undated"], own={"undated": None})  # undated mention
    assert anchored(events, {"undated"})[1].date_value == "XXXX-09-20"


def test_main_events_in_two_years_leave_the_year_open():
    events = [event("talks", "2030-09-14", ["undated"]), event("fair", "2031-09-02", ["undated"]),
              event("drill", "XXXX-09-20", [], ["undated"])]
    assert anchored(events, {"undated"})[2].date_value == "XXXX-09-20"
    # The same two main events in one year anchor to the earlier.
    events[1] = event("fair", "2030-10-02", ["undated"])
    anchors = YearAnchors({"undated"}, DATES.get)
    for e in events:
        anchors.see(e)
    assert anchors.anchors() == {"undated": (date(2030, 9, 14), 1.0)}


def test_every_undated_report_behind_a_date_must_be_anchored_to_one_year():
    events = [event("talks", "2030-09-14", ["u1"]), event("drill", "XXXX-09-20", [], ["u1", "u2"])]
    assert anchored(events, {"u1", "u2"})[1].date_value == "XXXX-09-20"  # u2 has no anchor
    events.append(event("summit", "2030-09-01", ["u2"]))
    assert anchored(events, {"u1", "u2"})[1].date_value == "2030-09-20"


def test_a_year_alone_does_not_anchor_and_dated_reports_are_left_alone():
    events = [event("talks", "2030", ["undated"]), event("drill", "XXXX-09-20", [], ["undated"])]
    assert anchored(events, {"undated"})[1].date_value == "XXXX-09-20"
    events = [event("talks", "2030-09-14", ["dated"]), event("drill", "XXXX-09-20", [], ["dated"])]
    assert anchored(events, set())[1].date_value == "XXXX-09-20"


def _article(article_id: str, published: str | None) -> AnnotatedArticle:
    return AnnotatedArticle(article_id, "", None, None, published, "explicit" if published else "unknown",
                            year_known=published is not None)


def test_grouping_dates_an_undated_reports_recalled_event_from_its_main_event():
    mentions = [
        m("undated", 0, date="XXXX-09-14", places=LIND, people=KR),  # its lead: the talks
        m("undated", 6, type="exercise", date="XXXX-09-20", places=("g_vesk",), start=40),  # "drills begin on 20 Sep"
        m("dated", 0, date="2030-09-14", places=LIND, people=KR),
    ]
    articles = [_article("undated", None), _article("dated", "2030-09-16")]
    by_type = {e.event_type: e for e in group_event_mentions(mentions, articles, ENTITIES, embed=neutral_embed)}
    assert by_type["meeting"].date_value == "2030-09-14"
    assert "undated" in by_type["meeting"].main_articles
    assert by_type["exercise"].date_value == "2030-09-20"
    assert by_type["exercise"].date_confidence < 1.0
    # Without the dated report, nothing tells the year.
    alone = group_event_mentions(mentions[:2], articles[:1], ENTITIES, embed=neutral_embed)
    assert {e.date_value for e in alone} == {"XXXX-09-14", "XXXX-09-20"}
