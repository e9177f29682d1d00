"""The whole build on the five seed reports: what the annotation and event issues ask of them.

Skipped when ../shared/seeds is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storyline.pipeline import build
from storyline.store.sqlite import Store
from storyline.views.timeline import event_data, timeline_data


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Store:
    from tests.conftest import SEEDS

    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not present")
    db = tmp_path_factory.mktemp("seeds") / "seeds.db"
    build([str(SEEDS)], db)
    s = Store(db, read_only=True)
    yield s
    s.close()


def _article(store: Store, prefix: str) -> str:
    for r in store.conn.execute("SELECT article_id, input_key FROM articles"):
        if Path(r["input_key"]).name.startswith(prefix):
            return r["article_id"]
    raise AssertionError(prefix)


def _entity_of(store: Store, surface: str) -> set[str]:
    return {r["entity_id"] for r in store.conn.execute(
        "SELECT DISTINCT entity_id FROM entity_mentions WHERE text = ?", (surface,))}


def test_name_variants_are_one_entity(store: Store) -> None:
    luka = set()
    for form in ("Lukashenko", "Lukashenka", "Alyaksandr Lukashenka", "Alexander Lukashenko"):
        ids = _entity_of(store, form)
        assert len(ids) == 1, (form, ids)
        luka |= ids
    assert len(luka) == 1
    assert _entity_of(store, "Putin") == _entity_of(store, "Vladimir Putin")
    assert len(_entity_of(store, "Krasnaya Polyana")) == 1
    label = store.conn.execute("SELECT label FROM entities WHERE entity_id = ?",
                               (next(iter(_entity_of(store, "Krasnaya Polyana"))),)).fetchone()["label"]
    assert label in ("GPE", "LOC", "FAC")


def test_dates_of_001_and_003(store: Store) -> None:
    a001, a003 = _article(store, "001"), _article(store, "003")
    row = store.article(a001)
    assert row["published_source"] == "inferred" and row["published"].startswith("2021-02")
    values = {r["text"]: r["value"] for r in store.conn.execute(
        "SELECT text, value FROM timexes WHERE article_id = ?", (a001,))}
    assert values["22 February"] == "2021-02-22"
    assert values["14 September last year"] == "2020-09-14"
    row = store.article(a003)
    assert row["published"] is None and row["year_known"] == 0
    for r in store.conn.execute("SELECT value FROM timexes WHERE article_id = ? AND value IS NOT NULL", (a003,)):
        assert not r["value"][:4].isdigit() or r["value"].startswith("P"), r["value"]  # no invented year
    assert store.article(_article(store, "002"))["published"] == "2020-09-18"


def _figure(store: Store, prefix: str, text: str):
    row = store.conn.execute("SELECT * FROM figures WHERE article_id = ? AND text = ?",
                             (_article(store, prefix), text)).fetchone()
    assert row is not None, (prefix, text)
    return row


def test_figures_values_and_modalities(store: Store) -> None:
    f = _figure(store, "004", "$ 1.5 billion")
    assert (f["value"], f["unit"], f["modality"]) == (1.5e9, "USD", "announced")
    f = _figure(store, "001", "US$3 billion")
    assert f["value"] == 3e9 and f["modality"] == "denied" and "umour" in f["cue"]
    f = _figure(store, "000", "$ 3-3.5 billion")
    assert (f["value"], f["value_max"], f["modality"]) == (3e9, 3.5e9, "expected")
    f = _figure(store, "004", "almost four hours")
    assert (f["timex"], f["qualifier"]) == ("PT4H", "APPROX")
    f = _figure(store, "001", "well over six hours")
    assert (f["timex"], f["qualifier"]) == ("PT6H", "MORE_THAN")
    f = _figure(store, "004", "about 150 thousand people")
    assert (f["value"], f["unit"]) == (150000, "people")


def _event_with_main(events: list[dict], article_id: str) -> dict:
    found = [e for e in events if article_id in e["main_articles"] and e["type"] in ("meeting", "talks", "summit", "visit")]
    assert len(found) == 1, [e["title"] for e in found]
    return found[0]


def test_three_meetings_apart_with_facts(store: Store) -> None:
    events = timeline_data(store)
    sochi_2020 = _event_with_main(events, _article(store, "002"))
    assert _article(store, "004") in sochi_2020["main_articles"]
    assert sochi_2020["date"] == "2020-09-14"
    sochi_2021 = _event_with_main(events, _article(store, "001"))
    assert sochi_2021["date"] == "2021-02-22"
    assert _article(store, "000") in sochi_2021["main_articles"] + sochi_2021["mentioning_articles"]
    mogilev = _event_with_main(events, _article(store, "003"))
    assert mogilev["place"] == "Mogilev"
    assert mogilev["date"] is None or mogilev["date"].startswith("XXXX")  # no invented year
    assert len({sochi_2020["event_id"], sochi_2021["event_id"], mogilev["event_id"]}) == 3

    status = {(r["event_id"], r["attribute"]): r["status"] for r in store.conn.execute("SELECT * FROM reconciliations")}
    assert status[(sochi_2020["event_id"], "meeting_duration")] == "agree"
    assert status[(sochi_2020["event_id"], "loan_amount")] == "agree"
    assert status[(sochi_2021["event_id"], "loan_amount")] == "conflict"


def test_undated_004_dates_its_exercises_from_the_meeting_it_reports(store: Store) -> None:
    # 004 has no date and no year: "exercises ... will begin on September 14" takes the year of
    # its main event, the Sochi meeting that 002 (published 18 Sep 2020) dates to 2020.
    a004 = _article(store, "004")
    exercises = [e for e in timeline_data(store) if e["type"] == "exercise"
                 and a004 in e["main_articles"] + e["mentioning_articles"]]
    assert [e["date"] for e in exercises] == ["2020-09-14"]
    row = store.conn.execute("SELECT date_confidence FROM events WHERE event_id = ?",
                             (exercises[0]["event_id"],)).fetchone()
    assert 0 < row["date_confidence"] < 1  # a year read off another report, not stated


def test_every_fact_keeps_its_provenance(store: Store) -> None:
    for r in store.conn.execute("SELECT f.*, a.text AS article_text FROM facts f JOIN articles a USING(article_id)"):
        assert r["article_text"][r["start"]:r["end"]] == r["text"]
        assert r["text"] in r["quote"]
        assert r["stage"] and r["stage_version"]
    detail = event_data(store, timeline_data(store)[0]["event_id"])
    assert detail is not None and json.dumps(detail)


def test_report_and_web_app_show_the_meetings_and_the_conflict(store: Store) -> None:
    from fastapi.testclient import TestClient

    from storyline.views.report import render_report
    from storyline.views.web import create_app

    events = timeline_data(store)
    meetings = [_event_with_main(events, _article(store, p)) for p in ("002", "001", "003")]
    html = render_report(store, "html")
    for e in meetings:
        assert e["title"] in html
    assert "conflict" in html and "US$3 billion" in html
    client = TestClient(create_app(store.path, read_only=True))
    page = client.get("/")
    assert page.status_code == 200
    for e in meetings:
        assert f"/event/{e['event_id']}" in page.text
    # two clicks: the event page links each fact's quote to the article with the span highlighted
    event_page = client.get(f"/event/{meetings[1]['event_id']}")
    assert "conflict" in event_page.text and "US$3 billion" in event_page.text
    import re

    link = re.search(r'href="(/article/[^"]+#hl)"', event_page.text)
    assert link, "a quote links to its article"
    article_page = client.get(link.group(1).replace("&amp;", "&"))
    assert article_page.status_code == 200 and 'id="hl"' in article_page.text
