"""Calendar-sliced grouping: time anchors, retired and carried clusters (invented articles), and
the partitioned build still equal to the one pass with slices on."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from storyline.events import grouping
from storyline.records import AnnotatedArticle
from tests.events.conftest import ENTITIES
from tests.events.test_grouping import KR, LIND, m, neutral_embed
from tests.test_partition import _partitioned, hash_embed, synthetic_corpus


@pytest.fixture(autouse=True)
def quarter_slices(monkeypatch):
    """Slices are off by default (grouping.SLICE_MONTHS): these tests turn on quarters."""
    monkeypatch.setattr(grouping, "SLICE_MONTHS", 3)


def article(article_id: str, published: str | None) -> AnnotatedArticle:
    return AnnotatedArticle(article_id, "", None, None, published, "stated" if published else "unknown")


def grouped(mentions, articles):
    return grouping.group_event_mentions(mentions, articles, ENTITIES, embed=neutral_embed)


# --- time anchors ------------------------------------------------------------------------------------


def test_a_stated_date_anchors_at_its_start_and_a_publication_bound_at_the_publication_day():
    year = m("a", 0, date="2016", places=LIND)
    bound = m("a", 1, type="loan", date="2016-06-20", source="publication", status="scheduled")
    assert grouping.time_anchors([year, bound], date(2016, 6, 20)) == [date(2016, 1, 1), date(2016, 6, 20)]


def test_an_undated_mention_takes_its_antecedents_anchor():
    """"They met in Lindhaven on 14 May 2031 ... met again on 2 September ... the meeting"
    (referring back to May): the May meeting's day, not the nearest dated one's."""
    may = m("a", 0, date="2031-05-14", places=LIND)
    september = m("a", 2, date="2031-09-02", places=("g_vesk",))
    bare = replace(m("a", 4), antecedent=may.key)
    assert grouping.time_anchors([may, september, bare], date(2031, 10, 1))[2] == date(2031, 5, 14)


def test_an_undated_mention_takes_the_nearest_earlier_dated_mention_of_its_family():
    """A 2020 report: "the election of 5 March 2016 ... the leaders met in July 2016 ... the
    election was disputed": the election's day, not the meeting's nor the publication day."""
    election = m("a", 0, type="election", date="2016-03-05")
    meeting = m("a", 1, date="2016-07", places=LIND)
    bare = m("a", 3, type="election")
    anchors = grouping.time_anchors([election, meeting, bare], date(2020, 6, 1))
    assert anchors == [date(2016, 3, 5), date(2016, 7, 1), date(2016, 3, 5)]


def test_an_undated_mention_with_nothing_dated_before_it_takes_the_publication_day():
    bare = m("a", 0, type="protest", places=LIND)
    usable = grouping.usable_mentions([bare], ENTITIES, [article("a", "2031-04-04")])
    assert usable[0].anchor == date(2031, 4, 4)
    assert grouping.time_slice(usable[0]) == (2031 * 12 + 3) // grouping.SLICE_MONTHS
    # An undated article with nothing dated: timeless, grouped in a slice after the calendar.
    usable = grouping.usable_mentions([bare], ENTITIES, [article("a", None)])
    assert usable[0].anchor is None and grouping.time_slice(usable[0]) == grouping.TIMELESS_SLICE


# --- retired and carried clusters --------------------------------------------------------------------


def _meeting_then_undated_report(reported: str, published: str):
    """A dated meeting in Lindhaven, then another article's undated report of Kallen and Restin
    meeting in Lindhaven (no date of its own: it may join any meeting of theirs there)."""
    dated = m("a", 0, date=reported, places=LIND, people=KR)
    later = m("b", 0, places=LIND, people=KR)
    articles = [article("a", reported), article("b", published)]
    return [dated, later], articles


def test_a_retired_cluster_is_not_joined_by_a_later_mention(monkeypatch):
    # January's meeting ends more than RETIRE_DAYS before the slice of a September report.
    mentions, articles = _meeting_then_undated_report("2031-01-10", "2031-09-20")
    assert len(grouped(mentions, articles)) == 2
    monkeypatch.setattr(grouping, "RETIRE_DAYS", 10_000)  # never retired: the report joins it
    [event] = grouped(mentions, articles)
    assert sorted(event.main_articles) == ["a", "b"]


def test_a_carried_cluster_is_joined_in_the_next_slice():
    # March's meeting is still held in the next quarter (April): the report joins it.
    mentions, articles = _meeting_then_undated_report("2031-03-10", "2031-04-15")
    [event] = grouped(mentions, articles)
    assert sorted(event.main_articles) == ["a", "b"] and event.date_value == "2031-03-10"


@pytest.mark.parametrize("slice_months", [3, 6])
def test_a_preview_joins_the_meeting_reported_the_next_week_across_a_slice_boundary(monkeypatch, slice_months):
    """"Kallen and Restin will meet in Lindhaven next week" (28 June), then "Kallen and Restin
    met in Lindhaven on 3 July": the preview's slice ends before the meeting's begins."""
    monkeypatch.setattr(grouping, "SLICE_MONTHS", slice_months)
    preview = m("p", 0, date="2031-06-28", source="publication", status="scheduled", places=LIND, people=KR)
    meeting = m("r", 0, date="2031-07-03", places=LIND, people=KR)
    articles = [article("p", "2031-06-28"), article("r", "2031-07-04")]
    usable = grouping.usable_mentions([preview, meeting], ENTITIES, articles)
    assert grouping.time_slice(usable[0]) < grouping.time_slice(usable[1])
    [event] = grouped([preview, meeting], articles)
    assert sorted(event.mention_keys) == sorted([preview.key, meeting.key])
    assert event.date_value == "2031-07-03" and event.main_articles == ["r"] and event.mentioning_articles == ["p"]


def test_a_timeless_mention_is_offered_every_cluster_even_retired_ones():
    """A report of an undated article with nothing dated (timeless: grouped after the calendar)
    joins the January meeting it tells of, though a 2035 slice retired it long before."""
    dated = m("d", 0, date="2031-01-10", places=LIND, people=KR)
    late = m("e", 0, type="loan", date="2035-05-02", places=("g_vesk",), people=("p_vell",))
    undated = m("u", 0, places=LIND, people=KR)
    articles = [article("d", "2031-01-10"), article("e", "2035-05-02"), article("u", None)]
    assert grouping.usable_mentions([undated], ENTITIES, articles)[0].anchor is None
    [meeting] = [e for e in grouped([dated, late, undated], articles) if e.event_type == "meeting"]
    assert sorted(meeting.main_articles) == ["d", "u"]


def test_with_slices_off_every_mention_is_in_one_slice(monkeypatch):
    monkeypatch.setattr(grouping, "SLICE_MONTHS", None)
    dated, undated = m("a", 0, date="2031-01-10"), m("b", 0)
    assert grouping.time_slice(dated) == grouping.time_slice(undated) == grouping.ONE_SLICE


@pytest.mark.parametrize("slice_months", [1, 3])
@pytest.mark.parametrize("seed", range(4))
def test_partitioned_grouping_equals_one_pass_with_slices(monkeypatch, seed: int, slice_months: int) -> None:
    """A mention's slice is its own and retiring is monotone, so each component grouped on its
    own still gives the one pass's events; some articles undated (timeless mentions)."""
    monkeypatch.setattr(grouping, "SLICE_MONTHS", slice_months)
    articles, mentions, entities = synthetic_corpus(seed)
    undated = {a.article_id for a in articles[::5]}
    articles = [replace(a, published=None) if a.article_id in undated else a for a in articles]
    mentions = [replace(x, date_value=None, date_source="none")
                if x.article_id in undated and x.date_source == "publication" else x for x in mentions]
    usable = grouping.usable_mentions(mentions, entities, articles)
    retired: list[int] = []

    class Counting(grouping.CandidateIndex):
        def unregister(self, c, cluster):  # type: ignore[no-untyped-def]
            retired.extend([c] if cluster.alive else [])
            super().unregister(c, cluster)

    with monkeypatch.context() as patch:
        patch.setattr(grouping, "CandidateIndex", Counting)
        grouping.cluster_mentions(usable, grouping._vectors(grouping.mention_texts(usable, articles), hash_embed))
    assert retired  # not vacuous: live clusters were retired
    assert any(grouping.time_slice(u) == grouping.TIMELESS_SLICE for u in usable)
    one_pass = grouping.group_event_mentions(mentions, articles, entities, embed=hash_embed)
    assert len(one_pass) > 10
    assert _partitioned(mentions, articles, entities) == one_pass
    assert _partitioned(mentions, articles, entities, bundle_mentions=1) == one_pass

