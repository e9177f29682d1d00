"""An invented story written straight into every table, so the views can be tested before (and
independently of) the annotation and event stages.

The port of Marrow Bay: a dockworkers' strike (14 Sep 2020; the outlets conflict on the crowd
size), talks (Sep 2020; the outlets agree on four hours) and an agreement (21 Sep, year not
given). One article carries `<script>` and `<img onerror>` text that every view must escape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from storyline.store.sqlite import Store

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"

A1, A2, A3 = "a1111111111111111", "a2222222222222222", "a3333333333333333"

ARTICLES = {
    A1: dict(
        title="Port strike: <b>thousands</b> walk out", outlet="Harbour & Rail Gazette",
        url="https://gazette.example/strike", published="2020-09-15", published_source="metadata", fmt="html",
        input_key="/corpus/gazette.html",
        sentences=[
            "Dockworkers walked off the job at the Port of Marrow Bay on 14 September 2020.",
            "Police said about 2,000 people joined the strike, led by the Harbour Workers Union.",
            f"A protester held a sign reading {SCRIPT} and another {IMG} near the gate.",
            "Union leader Lenka Marsh met port director Oren Vask for talks that lasted four hours in September.",
        ],
    ),
    A2: dict(
        title="Small turnout at Marrow Bay strike", outlet="Coastal Times", url="javascript:alert(1)",
        published="2020-09-22", published_source="dateline", fmt="txt", input_key="/corpus/coastal.txt",
        reprinted_by=["Wire Daily"],
        sentences=[
            "The strike at Marrow Bay drew only 500 people, the port authority said.",
            "Marsh and Vask held four hours of talks in September 2020.",
            "The two sides signed an agreement on 21 September, the union said.",
        ],
    ),
    A3: dict(
        title="Deal ends Marrow Bay strike", outlet="Bay Herald", url=None, published=None,
        published_source="unknown", fmt="jsonl", input_key="/corpus/wire.jsonl#line:1",
        sentences=[
            "An agreement ending the Marrow Bay strike was signed on 21 September.",
            "The deal includes a loan of USD 1.5 bn for the port, according to Vask.",
        ],
    ),
}

ENTITIES = {
    "ent_marrow": ("GPE", "Marrow Bay", {"Marrow Bay": 4, "Port of Marrow Bay": 1}),
    "ent_union": ("ORG", "Harbour Workers Union", {"Harbour Workers Union": 1, "union": 1}),
    "ent_marsh": ("PERSON", "Lenka Marsh", {"Lenka Marsh": 1, "Marsh": 1}),
    "ent_vask": ("PERSON", "Oren Vask", {"Oren Vask": 1, "Vask": 2}),
}


@dataclass
class Story:
    db: Path
    texts: dict[str, str] = field(default_factory=dict)
    sentences: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)

    def span(self, article_id: str, needle: str) -> tuple[int, int]:
        start = self.texts[article_id].index(needle)
        return start, start + len(needle)


def _insert(conn, table: str, row: dict) -> None:
    # The schema grows while the stages are written: fill required columns this story does not
    # know about with neutral values (JSON lists for *_ids, empty text, zero).
    for col in conn.execute(f"PRAGMA table_info({table})"):
        name, type_, notnull, default = col[1], (col[2] or "").upper(), col[3], col[4]
        if notnull and default is None and name not in row:
            row[name] = "[]" if name.endswith("_ids") else 0 if type_ in ("INTEGER", "REAL") else ""
    conn.execute(f"INSERT INTO {table}({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values()))


def build_story(path: Path) -> Story:
    story = Story(path)
    store = Store(path)
    conn = store.conn
    with store.transaction():
        for aid, a in ARTICLES.items():
            text = " ".join(a["sentences"])
            story.texts[aid] = text
            raw = "ADVERTISEMENT\n" + text
            _insert(conn, "articles", {
                "article_id": aid, "input_key": a["input_key"], "fingerprint": "fp" + aid, "title": a["title"],
                "outlet": a["outlet"], "url": a["url"], "published": a["published"],
                "published_source": a["published_source"], "year_known": 1 if a["published"] else 0,
                "language": "en", "language_confidence": 0.99, "encoding": "utf-8", "fmt": a["fmt"],
                "raw_text": raw, "text": text, "offset_map": json.dumps([[0, 14, len(text)]]),
                "word_count": len(text.split()), "reprinted_by": json.dumps(a.get("reprinted_by", [])),
                "stage": "test", "stage_version": "1",
            })
            _insert(conn, "removed_spans", {"article_id": aid, "orig_start": 0, "orig_end": 13,
                                            "text": "ADVERTISEMENT", "rule": "ad_placeholder"})
            _insert(conn, "ledger", {
                "input_key": a["input_key"], "source_path": a["input_key"].split("#")[0],
                "locator": a["input_key"].split("#")[1] if "#" in a["input_key"] else "", "fmt": a["fmt"],
                "content_hash": "h" + aid, "state": "ingested", "article_id": aid, "stage": "test", "stage_version": "1",
            })
            pos = 0
            for i, s in enumerate(a["sentences"]):
                start = text.index(s, pos)
                story.sentences[(aid, i)] = (start, start + len(s))
                _insert(conn, "sentences", {"article_id": aid, "sentence_index": i, "start": start,
                                            "end": start + len(s), "text": s, "stage": "test", "stage_version": "1"})
                pos = start + len(s)
        _insert(conn, "ledger", {
            "input_key": "/corpus/wiredaily.txt", "source_path": "/corpus/wiredaily.txt", "locator": "", "fmt": "txt",
            "content_hash": "hdup", "state": "duplicate", "article_id": A2, "duplicate_kind": "near",
            "similarity": 0.93, "stage": "test", "stage_version": "1"})
        _insert(conn, "ledger", {
            "input_key": "/corpus/empty.txt", "source_path": "/corpus/empty.txt", "locator": "", "fmt": "unknown",
            "content_hash": "", "state": "rejected", "reason": "empty file (0 bytes)", "stage": "test",
            "stage_version": "1"})

        for eid, (label, canonical, aliases) in ENTITIES.items():
            _insert(conn, "entities", {"entity_id": eid, "label": label, "canonical": canonical,
                                       "mentions": sum(aliases.values()), "stage": "test", "stage_version": "1"})
            for alias, count in aliases.items():
                _insert(conn, "entity_aliases", {"entity_id": eid, "alias": alias, "count": count})

        def sentence_of(aid: str, start: int) -> int:
            return next(i for (a, i), (s, e) in story.sentences.items() if a == aid and s <= start < e)

        def mention(aid: str, needle: str, label: str, eid: str | None, occurrence: int = 0) -> None:
            start = -1
            for _ in range(occurrence + 1):
                start = story.texts[aid].index(needle, start + 1)
            _insert(conn, "entity_mentions", {
                "article_id": aid, "sentence_index": sentence_of(aid, start), "start": start,
                "end": start + len(needle), "text": needle, "label": label, "entity_id": eid,
                "stage": "test", "stage_version": "1"})

        mention(A1, "Port of Marrow Bay", "GPE", "ent_marrow")
        mention(A1, "Harbour Workers Union", "ORG", "ent_union")
        mention(A1, "Lenka Marsh", "PERSON", "ent_marsh")
        mention(A1, "Oren Vask", "PERSON", "ent_vask")
        mention(A2, "Marrow Bay", "GPE", "ent_marrow")
        mention(A2, "Marsh", "PERSON", "ent_marsh")
        mention(A2, "Vask", "PERSON", "ent_vask")
        mention(A3, "Marrow Bay", "GPE", "ent_marrow")
        mention(A3, "Vask", "PERSON", "ent_vask")

        def timex(aid: str, needle: str, type_: str, value: str) -> None:
            start, end = story.span(aid, needle)
            _insert(conn, "timexes", {"article_id": aid, "sentence_index": sentence_of(aid, start), "start": start,
                                      "end": end, "text": needle, "type": type_, "value": value,
                                      "stage": "test", "stage_version": "1"})

        timex(A1, "14 September 2020", "DATE", "2020-09-14")
        timex(A1, "four hours", "DURATION", "PT4H")
        timex(A2, "21 September", "DATE", "2020-09-21")
        timex(A3, "21 September", "DATE", "XXXX-09-21")

        events = [
            dict(event_id="ev_strike", event_type="strike", title="Dockworkers strike at the Port of Marrow Bay",
                 date_value="2020-09-14", date_precision="day", date_confidence=0.9, date_hint="2020-09-15",
                 place_id="ent_marrow", place_ids=["ent_marrow"], participant_ids=["ent_union", "ent_marsh"],
                 status="happened", main_articles=[A1, A2], mentioning_articles=[A3],
                 key_sentences=[[A1, 0], [A1, 2], [A2, 0]]),
            dict(event_id="ev_talks", event_type="talks", title="Talks between Lenka Marsh and Oren Vask",
                 date_value="2020-09", date_precision="month", date_confidence=0.75, date_hint="2020-09-15",
                 place_id=None, place_ids=[], participant_ids=["ent_marsh", "ent_vask"], status="happened",
                 main_articles=[A1, A2], mentioning_articles=[], key_sentences=[[A1, 3], [A2, 1]]),
            dict(event_id="ev_deal", event_type="agreement", title="Agreement signed to end the strike",
                 date_value="XXXX-09-21", date_precision="unknown-year", date_confidence=0.6, date_hint="2020-09-22",
                 place_id="ent_marrow", place_ids=["ent_marrow"], participant_ids=["ent_union", "ent_vask"],
                 status="happened", main_articles=[A3], mentioning_articles=[A2], key_sentences=[[A3, 0], [A2, 2]]),
        ]
        for e in events:
            row = {k: json.dumps(v) if isinstance(v, list) else v for k, v in e.items()}
            _insert(conn, "events", {**row, "merged_from": "[]", "stage": "test", "stage_version": "1"})
            for aid in e["main_articles"]:
                _insert(conn, "event_articles", {"event_id": e["event_id"], "article_id": aid, "role": "main"})
            for aid in e["mentioning_articles"]:
                _insert(conn, "event_articles", {"event_id": e["event_id"], "article_id": aid, "role": "mentioning"})

        figures = [
            # (event, attribute, article, text, kind, value, unit, qualifier, timex, modality, speaker, cue)
            ("ev_strike", "crowd_size", A1, "about 2,000 people", "count", 2000, "people", "APPROX", None,
             "announced", "Police", "said"),
            ("ev_strike", "crowd_size", A2, "500 people", "count", 500, "people", None, None,
             "announced", "the port authority", "said"),
            ("ev_talks", "meeting_duration", A1, "four hours", "duration", 4, "hours", None, "PT4H",
             "asserted", None, None),
            ("ev_talks", "meeting_duration", A2, "four hours", "duration", 4, "hours", None, "PT4H",
             "asserted", None, None),
            ("ev_deal", "loan_amount", A3, "USD 1.5 bn", "money", 1.5e9, "USD", None, None,
             "announced", "Vask", "according to"),
        ]
        for event_id, attr, aid, needle, kind, value, unit, qual, tx, modality, speaker, cue in figures:
            start, end = story.span(aid, needle)
            si = sentence_of(aid, start)
            common = {"article_id": aid, "sentence_index": si, "start": start, "end": end, "text": needle,
                      "kind": kind, "value": value, "unit": unit, "timex": tx, "qualifier": qual,
                      "modality": modality, "speaker": speaker, "cue": cue, "stage": "test", "stage_version": "1"}
            _insert(conn, "figures", common)
            _insert(conn, "facts", {**common, "event_id": event_id, "attribute": attr,
                                    "outlet": ARTICLES[aid]["outlet"], "quote": ARTICLES[aid]["sentences"][si],
                                    "link": "sentence"})

        triggers = [
            (A1, "walked off", "strike", "ev_strike", "2020-09-14", "explicit"),
            (A2, "strike", "strike", "ev_strike", "2020-09-22", "publication"),
            (A1, "talks", "talks", "ev_talks", "2020-09", "explicit"),
            (A2, "talks", "talks", "ev_talks", "2020-09", "explicit"),
            (A2, "signed", "agreement", "ev_deal", "2020-09-21", "explicit"),
            (A3, "signed", "agreement", "ev_deal", "XXXX-09-21", "explicit"),
        ]
        for aid, needle, etype, event_id, date_value, source in triggers:
            start, end = story.span(aid, needle)
            _insert(conn, "event_mentions", {
                "article_id": aid, "sentence_index": sentence_of(aid, start), "start": start, "end": end,
                "trigger": needle, "event_type": etype, "date_value": date_value, "date_source": source,
                "place_id": None, "participant_ids": "[]", "local_participant_ids": "[]", "status": "happened", "event_id": event_id,
                "stage": "test", "stage_version": "1"})

        _insert(conn, "reconciliations", {
            "event_id": "ev_strike", "attribute": "crowd_size", "status": "conflict",
            "explanation": "Harbour & Rail Gazette says about 2,000 people, Coastal Times says 500 people <b>4x</b>.",
            "sources": json.dumps([A1, A2]), "stage": "test", "stage_version": "1"})
        _insert(conn, "reconciliations", {
            "event_id": "ev_talks", "attribute": "meeting_duration", "status": "agree",
            "explanation": "Both sources give four hours.", "sources": json.dumps([A1, A2]),
            "stage": "test", "stage_version": "1"})
        _insert(conn, "reconciliations", {
            "event_id": "ev_deal", "attribute": "loan_amount", "status": "single",
            "explanation": "Only Bay Herald gives the amount.", "sources": json.dumps([A3]),
            "stage": "test", "stage_version": "1"})
    store.close()
    return story


@pytest.fixture
def story(tmp_path: Path) -> Story:
    return build_story(tmp_path / "story.db")


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    path = tmp_path / "empty.db"
    Store(path).close()
    return path
