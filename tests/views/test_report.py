"""storyline.views.report on the invented Marrow Bay story (tests/views/conftest.py)."""

from __future__ import annotations

import json
import re

import pytest

from storyline.store.sqlite import Store
from storyline.views.report import md, render_report, timeline_svg
from storyline.views import queries

from .conftest import A1, A2, A3, IMG, SCRIPT

TITLES = ["Dockworkers strike at the Port of Marrow Bay", "Talks between Lenka Marsh and Oren Vask",
          "Agreement signed to end the strike"]


def report(story, fmt: str) -> str:
    with Store(story.db, read_only=True) as store:
        return render_report(store, fmt)


def test_markdown_report_has_overview_timeline_events_entities_sources(story):
    out = report(story, "md")
    for heading in ("## Overview", "## Timeline", "## Events", "## Entities", "## Sources"):
        assert heading in out
    for title in TITLES:
        assert title in out
    # dates with their precision
    assert "### 14 Sep 2020 — Dockworkers strike" in out
    assert "### Sep 2020 — Talks between" in out
    assert "### 21 Sep (year unknown) — Agreement signed" in out
    # timeline order: coarser Sep 2020 first, the year-less date after the dated ones
    assert out.index("### Sep 2020") < out.index("### 14 Sep 2020") < out.index("### 21 Sep (year unknown)")
    # the conflict is marked, with the reconciliation's explanation; the agreement too
    assert "#### crowd\\_size: **⚠ CONFLICT**" in out
    assert "Harbour \\& Rail Gazette says about 2,000 people" not in out  # '&' alone is not escaped
    assert "Harbour & Rail Gazette says about 2,000 people, Coastal Times says 500 people" in out
    assert "#### meeting\\_duration: agree" in out
    # each source's value, modality and quote
    assert "| Harbour & Rail Gazette | about 2,000 people | about 2,000 people | announced (said) | Police |" in out
    assert "| Coastal Times (reprinted by Wire Daily) | 500 people |" in out
    assert "USD 1.5 billion" in out
    # entity index with aliases; sources with date provenance and reprints
    assert "| Oren Vask | PERSON | Vask (2), Oren Vask (1) |" in out
    assert "from the dateline" in out and "Wire Daily — wiredaily.txt (near)" in out
    assert "- Ledger: 3 ingested, 1 duplicate, 1 rejected" in out


def test_markdown_report_escapes_article_text(story):
    out = report(story, "md")
    assert SCRIPT not in out and IMG not in out
    assert "\\<script\\>alert(1)\\</script\\>" in out
    assert "\\<b\\>thousands\\</b\\>" in out
    # every '<' is escaped, except in our own anchors
    assert not re.search(r"(?<!\\)<(?!a id=\"|/a>)", out)


def test_md_escape():
    assert md("a*b_c [x](y) <i> | `q` #1 &amp; & ~") == "a\\*b\\_c \\[x\\](y) \\<i\\> \\| \\`q\\` \\#1 \\&amp; & \\~"
    assert md("two\nlines") == "two lines"
    assert md(None) == ""


def test_html_report_is_one_self_contained_escaped_file(story):
    out = report(story, "html")
    assert out.startswith("<!DOCTYPE html>")
    for title in TITLES:
        assert title in out
    assert "14 Sep 2020" in out and "Sep 2020" in out and "21 Sep (year unknown)" in out
    # self-contained: inline CSS and SVG, nothing loaded, no JavaScript at all
    assert "<style>" in out and "@media print" in out
    assert "<svg" in out and 'class="timeline-chart"' in out
    assert "<script" not in out.lower()
    assert "<link" not in out and "@import" not in out and "url(" not in out
    assert not re.search(r"<(img|iframe|object|embed)\b", out)
    assert not re.search(r"\son[a-z]+\s*=", re.sub(r"&lt;.*?&gt;", "", out))  # no event handler attributes
    # article text escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "&lt;b&gt;thousands&lt;/b&gt;" in out and "<b>" not in out
    # conflict highlighted with the explanation; the agreement marked
    i = out.index('<div class="fact-group conflict">')
    assert "⚠ CONFLICT" in out[i:i + 400] and "crowd_size" in out[i:i + 400]
    assert "Coastal Times says 500 people &lt;b&gt;4x&lt;/b&gt;." in out
    assert '<div class="fact-group agree">' in out
    # a javascript: URL is shown, never linked
    assert 'href="javascript:' not in out and "javascript:alert(1)" in out
    assert 'href="https://gazette.example/strike"' in out
    # every event has its section and the chart links to it
    for eid in ("ev_strike", "ev_talks", "ev_deal"):
        assert f'id="{eid}"' in out and f'href="#{eid}"' in out


def test_json_report(story):
    out = report(story, "json")
    assert "<" not in out and ">" not in out  # safe to embed in a page
    data = json.loads(out)
    assert [e["event_id"] for e in data["events"]] == ["ev_talks", "ev_strike", "ev_deal"]
    strike = next(e for e in data["events"] if e["event_id"] == "ev_strike")
    assert strike["date"] == {"value": "2020-09-14", "precision": "day", "display": "14 Sep 2020", "confidence": 0.9}
    assert strike["place"]["name"] == "Marrow Bay"
    assert [p["name"] for p in strike["participants"]] == ["Harbour Workers Union", "Lenka Marsh"]
    assert strike["conflicts"] == ["crowd_size"]
    crowd = strike["facts"][0]
    assert crowd["status"] == "conflict" and "Coastal Times says 500 people" in crowd["explanation"]
    assert sorted(v["value"] for v in crowd["values"]) == [500, 2000]
    assert {v["outlet"] for v in crowd["values"]} == {"Harbour & Rail Gazette", "Coastal Times"}
    assert any(s["text"].count(SCRIPT) for s in strike["key_sentences"])  # data, unchanged
    deal = next(e for e in data["events"] if e["event_id"] == "ev_deal")
    assert deal["date"]["display"] == "21 Sep (year unknown)"
    assert data["overview"]["ledger"] == {"ingested": 3, "duplicate": 1, "rejected": 1}
    assert data["overview"]["outlets"] == ["Bay Herald", "Coastal Times", "Harbour & Rail Gazette", "Wire Daily"]
    vask = next(e for e in data["entities"] if e["id"] == "ent_vask")
    assert [a["alias"] for a in vask["aliases"]] == ["Vask", "Oren Vask"]
    assert sorted(vask["events"]) == ["ev_deal", "ev_talks"]
    sources = {s["article_id"]: s for s in data["sources"]}
    assert sources[A2]["published_source"] == "dateline" and sources[A2]["reprinted_by"] == ["Wire Daily"]
    assert sources[A2]["duplicates"][0]["kind"] == "near"
    assert sources[A3]["published"] is None


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_reports_of_a_database_without_events(empty_db, fmt):
    with Store(empty_db, read_only=True) as store:
        out = render_report(store, fmt)
    assert out
    if fmt == "json":
        assert json.loads(out)["events"] == []
    else:
        assert "No events yet" in out


def test_unknown_format(story):
    with Store(story.db, read_only=True) as store, pytest.raises(ValueError):
        render_report(store, "pdf")


def test_chart_places_year_less_dates_as_guesses_and_escapes(story):
    with Store(story.db, read_only=True) as store:
        events = queries.list_events(store.conn)
    events[0]["title"] = '<script>x</script>" onmouseover="y'
    svg = str(timeline_svg(events, href=lambda e: "#" + e["id"]))
    assert svg.count('class="ev') == 3
    assert 'class="ev guessed"' in svg  # 21 Sep (year unknown), placed in 2020 by its date hint
    assert 'class="ev conflict"' in svg
    assert "<script" not in svg and '" onmouseover="' not in svg
    assert "&lt;script&gt;x&lt;/script&gt;&#34; onmouseover=&#34;y" in svg


def test_format_value():
    assert queries.format_value("money", 1.5e9, None, "USD", None) == "USD 1.5 billion"
    assert queries.format_value("money", 3e9, 3.5e9, "USD", "APPROX") == "about USD 3–3.5 billion"
    assert queries.format_value("count", 2000, None, "people", "MORE_THAN") == "more than 2,000 people"
    assert queries.format_value("percent", 12.5, None, "percent", None) == "12.5%"
    assert queries.format_value("duration", None, None, "days", None, "PXD") == "PXD days"


def test_date_filter_bounds():
    assert queries.parse_date_bound("2020", end=True).isoformat() == "2020-12-31"
    assert queries.parse_date_bound("2020-02", end=True).isoformat() == "2020-02-29"
    assert queries.parse_date_bound("2020-09-14", end=False).isoformat() == "2020-09-14"
    with pytest.raises(ValueError):
        queries.parse_date_bound("14/09/2020", end=False)
