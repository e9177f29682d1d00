"""TempEval-3 timex scoring: a hand-written TimeML snippet with hand-computed scores, and the benchmark."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from storyline.eval.tempeval3 import evaluate_tempeval3, format_report, read_timeml, score_document
from storyline.records import Timex

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
TBAQ = SHARED / "benchmarks" / "tempeval3-train" / "TBAQ-cleaned"

# Invented text. Three gold timexes inside TEXT; the DCT sits outside TEXT and is not gold.
SNIPPET = """<?xml version="1.0" ?>
<TimeML>
<DOCID>TEST0001</DOCID>
<DCT><TIMEX3 tid="t0" type="DATE" value="1998-11-20" temporalFunction="false" functionInDocument="CREATION_TIME">1998-11-20</TIMEX3></DCT>
<TITLE>MINISTERS MEET</TITLE>
<TEXT>
The ministers <EVENT eid="e1" class="OCCURRENCE">met</EVENT> <TIMEX3 tid="t1" type="DATE" value="1998-11-19" temporalFunction="true" functionInDocument="NONE">yesterday</TIMEX3> in Oslo &amp; Bergen.

They <EVENT eid="e2" class="OCCURRENCE">talked</EVENT> for <TIMEX3 tid="t2" type="DURATION" value="PT4H" mod="APPROX" temporalFunction="false" functionInDocument="NONE">almost four hours</TIMEX3> and will <EVENT eid="e3" class="OCCURRENCE">meet</EVENT> again <TIMEX3 tid="t3" type="DATE" value="1998-12" temporalFunction="true" functionInDocument="NONE">next month</TIMEX3>.
</TEXT>
</TimeML>
"""


@pytest.fixture
def snippet_path(tmp_path: Path) -> Path:
    path = tmp_path / "corpus" / "TEST0001.tml"
    path.parent.mkdir()
    path.write_text(SNIPPET, encoding="utf-8")
    return path


def test_read_timeml_offsets_and_dct(snippet_path: Path) -> None:
    doc = read_timeml(snippet_path)
    assert doc.doc_id == "TEST0001"
    assert doc.dct == dt.date(1998, 11, 20)
    assert [(g.text, g.type, g.value, g.mod) for g in doc.timexes] == [
        ("yesterday", "DATE", "1998-11-19", None),
        ("almost four hours", "DURATION", "PT4H", "APPROX"),
        ("next month", "DATE", "1998-12", None),
    ]
    for gold in doc.timexes:
        assert doc.text[gold.start : gold.end] == gold.text
    assert "Oslo & Bergen" in doc.text  # entities decoded, tags gone
    assert "<" not in doc.text


def _system(doc_text: str, text: str, value: str | None, occurrence: int = 0) -> Timex:
    start = doc_text.index(text)
    for _ in range(occurrence):
        start = doc_text.index(text, start + 1)
    return Timex(start=start, end=start + len(text), text=text, type="DATE", value=value)


def test_score_document_by_hand(snippet_path: Path) -> None:
    doc = read_timeml(snippet_path)
    system = [
        _system(doc.text, "yesterday", "1998-11-19"),  # exact span, right value
        _system(doc.text, "four hours", "PT5H"),  # overlaps gold "almost four hours", wrong value
        _system(doc.text, "Oslo", "1998"),  # spurious
    ]  # gold "next month" is missed
    result = score_document(doc, system)
    counts, scores = result.counts, result.scores
    assert (counts.gold, counts.system) == (3, 3)
    assert (counts.strict_matches, counts.relaxed_matches, counts.value_matches) == (1, 2, 1)
    # strict: 1 of 3 each way; relaxed: 2 of 3; value accuracy 1 of the 2 relaxed pairs.
    assert scores.strict_p == pytest.approx(1 / 3) and scores.strict_r == pytest.approx(1 / 3)
    assert scores.strict_f1 == pytest.approx(1 / 3)
    assert scores.relaxed_f1 == pytest.approx(2 / 3)
    assert scores.value_accuracy == pytest.approx(1 / 2)
    assert scores.value_f1 == pytest.approx(1 / 3)  # relaxed F1 × value accuracy
    kinds = sorted(m.kind for m in result.mismatches)
    assert kinds == ["missed", "spurious", "value"]


def test_a_gold_span_is_matched_once(snippet_path: Path) -> None:
    doc = read_timeml(snippet_path)
    system = [_system(doc.text, "almost", "PT4H"), _system(doc.text, "four hours", "PT4H")]
    counts = score_document(doc, system).counts
    assert counts.relaxed_matches == 1  # a split expression can't earn two matches


def test_evaluate_end_to_end_on_the_snippet(snippet_path: Path) -> None:
    report = evaluate_tempeval3(snippet_path.parent)
    assert len(report.documents) == 1
    scores = report.scores
    assert (scores.strict_f1, scores.relaxed_f1, scores.value_f1) == (1.0, 1.0, 1.0)
    text = format_report(report)
    assert "TEST0001" in text and "OVERALL" in text


def test_benchmark_sample_scores() -> None:
    if not TBAQ.is_dir():
        pytest.skip("../shared/benchmarks/tempeval3-train is not present")
    report = evaluate_tempeval3(TBAQ, limit=20)
    assert len(report.documents) == 20
    # Floors well under what the stage measures on these files (0.86 / 0.91 / 0.71),
    # to catch a broken stage, not to pin the numbers.
    assert report.scores.strict_f1 > 0.75
    assert report.scores.relaxed_f1 > 0.85
    assert report.scores.value_f1 > 0.6
