"""Score the timex stage on TempEval-3 TimeML files (TimeBank + AQUAINT).

Each ``.tml`` file holds one news article. Its document creation time (the
TIMEX3 with ``functionInDocument="CREATION_TIME"``) becomes the reference date,
the TEXT element is stripped of its tags to give the plain text our pipeline
sees, and the gold TIMEX3 spans inside TEXT are mapped to character offsets in
that plain text. The DCT itself sits outside TEXT in these files, so it is not
part of the gold set (a DCT inside TEXT would be kept).

Metrics (TempEval-3 task A, timex part):

- strict P/R/F1: a system span counts when its offsets equal a gold span's;
- relaxed P/R/F1: a system span counts when it overlaps a gold span;
- value accuracy: over the relaxed matches, the fraction whose value is equal;
- value F1: relaxed F1 × value accuracy. This equals the F1 of "a system timex
  is correct when it overlaps a gold one and has the same value", the official
  TempEval-3 definition of the normalization score.

Spans are matched one-to-one (each gold span at most once), greedily in text
order, so a split or a merge cannot be counted twice.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from storyline.records import Timex


@dataclass
class GoldTimex:
    start: int
    end: int
    text: str
    type: str
    value: str | None
    mod: str | None = None


@dataclass
class TimeMLDocument:
    doc_id: str
    path: Path
    text: str
    dct: dt.date | None
    timexes: list[GoldTimex]


@dataclass
class Counts:
    """Raw counts from which every score is derived, so they add up across documents."""

    gold: int = 0
    system: int = 0
    strict_matches: int = 0
    relaxed_matches: int = 0  # one-to-one overlapping pairs
    value_matches: int = 0  # relaxed pairs whose values are equal
    type_matches: int = 0  # relaxed pairs whose types are equal

    def add(self, other: "Counts") -> None:
        self.gold += other.gold
        self.system += other.system
        self.strict_matches += other.strict_matches
        self.relaxed_matches += other.relaxed_matches
        self.value_matches += other.value_matches
        self.type_matches += other.type_matches


def _prf(matches: int, system: int, gold: int) -> tuple[float, float, float]:
    precision = matches / system if system else 0.0
    recall = matches / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass
class Scores:
    strict_p: float
    strict_r: float
    strict_f1: float
    relaxed_p: float
    relaxed_r: float
    relaxed_f1: float
    value_accuracy: float
    value_f1: float
    type_accuracy: float

    @classmethod
    def from_counts(cls, counts: Counts) -> "Scores":
        sp, sr, sf = _prf(counts.strict_matches, counts.system, counts.gold)
        rp, rr, rf = _prf(counts.relaxed_matches, counts.system, counts.gold)
        value_acc = counts.value_matches / counts.relaxed_matches if counts.relaxed_matches else 0.0
        type_acc = counts.type_matches / counts.relaxed_matches if counts.relaxed_matches else 0.0
        return cls(sp, sr, sf, rp, rr, rf, value_acc, rf * value_acc, type_acc)


@dataclass
class Mismatch:
    """One error, kept for inspection: a missed gold span, a spurious one, or a wrong value."""

    kind: str  # missed | spurious | value
    text: str
    gold_value: str | None = None
    system_value: str | None = None


@dataclass
class DocumentResult:
    doc_id: str
    counts: Counts
    scores: Scores
    mismatches: list[Mismatch] = field(default_factory=list)


@dataclass
class Report:
    documents: list[DocumentResult]
    counts: Counts
    scores: Scores


# --- reading TimeML ---------------------------------------------------------------


def _flatten_text(element: ET.Element) -> tuple[str, list[GoldTimex]]:
    """The text content of TEXT with the TIMEX3 spans as offsets into it."""
    pieces: list[str] = []
    timexes: list[GoldTimex] = []
    length = 0

    def walk(node: ET.Element) -> None:
        nonlocal length
        start = length
        if node.text:
            pieces.append(node.text)
            length += len(node.text)
        for child in node:
            walk(child)
            if child.tail:
                pieces.append(child.tail)
                length += len(child.tail)
        if node.tag == "TIMEX3":
            timexes.append(
                GoldTimex(
                    start=start,
                    end=length,
                    text="".join(pieces)[start:length],
                    type=node.get("type", ""),
                    value=node.get("value"),
                    mod=node.get("mod"),
                )
            )

    walk(element)
    return "".join(pieces), timexes


def _parse_dct(value: str | None) -> dt.date | None:
    if not value:
        return None
    match = re.match(r"(\d{4})-?(\d{2})-?(\d{2})", value)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def read_timeml(path: Path) -> TimeMLDocument:
    root = ET.parse(path).getroot()
    dct: dt.date | None = None
    for timex in root.iter("TIMEX3"):
        if timex.get("functionInDocument") == "CREATION_TIME":
            dct = _parse_dct(timex.get("value"))
            break
    text_element = root.find("TEXT")
    if text_element is None:
        text, timexes = "", []
    else:
        text, timexes = _flatten_text(text_element)
    doc_id_element = root.find("DOCID")
    doc_id = (doc_id_element.text or "").strip() if doc_id_element is not None else path.stem
    return TimeMLDocument(doc_id=doc_id or path.stem, path=path, text=text, dct=dct, timexes=timexes)


def find_timeml_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(path.rglob("*.tml"))


# --- scoring ----------------------------------------------------------------------


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def score_document(doc: TimeMLDocument, system: Sequence[Timex]) -> DocumentResult:
    gold = sorted(doc.timexes, key=lambda g: (g.start, g.end))
    predicted = sorted(system, key=lambda s: (s.start, s.end))
    counts = Counts(gold=len(gold), system=len(predicted))
    mismatches: list[Mismatch] = []

    gold_spans = {(g.start, g.end) for g in gold}
    counts.strict_matches = sum(1 for s in {(p.start, p.end) for p in predicted} if s in gold_spans)

    used_gold: set[int] = set()
    matched_system: set[int] = set()
    for s_index, timex in enumerate(predicted):
        # Prefer the gold span with the largest overlap, so "the end of 2018" pairs with its own gold.
        best_index, best_overlap = -1, 0
        for g_index, gold_timex in enumerate(gold):
            if g_index in used_gold or not _overlaps(timex.start, timex.end, gold_timex.start, gold_timex.end):
                continue
            overlap = min(timex.end, gold_timex.end) - max(timex.start, gold_timex.start)
            if overlap > best_overlap:
                best_index, best_overlap = g_index, overlap
        if best_index < 0:
            continue
        used_gold.add(best_index)
        matched_system.add(s_index)
        counts.relaxed_matches += 1
        gold_timex = gold[best_index]
        if gold_timex.type == timex.type:
            counts.type_matches += 1
        if gold_timex.value == timex.value:
            counts.value_matches += 1
        else:
            mismatches.append(Mismatch("value", f"{timex.text} | {gold_timex.text}", gold_timex.value, timex.value))

    for g_index, gold_timex in enumerate(gold):
        if g_index not in used_gold:
            mismatches.append(Mismatch("missed", gold_timex.text, gold_timex.value, None))
    for s_index, timex in enumerate(predicted):
        if s_index not in matched_system:
            mismatches.append(Mismatch("spurious", timex.text, None, timex.value))
    return DocumentResult(doc.doc_id, counts, Scores.from_counts(counts), mismatches)


def build_report(results: Iterable[DocumentResult]) -> Report:
    documents = list(results)
    total = Counts()
    for result in documents:
        total.add(result.counts)
    return Report(documents=documents, counts=total, scores=Scores.from_counts(total))


# --- running the pipeline over the corpus -----------------------------------------

def _load_nlp():  # type: ignore[no-untyped-def]
    # The project's own pipeline (it starts a sentence at every line break, as TimeML paragraphs need).
    from storyline.annotate.nlp import load_nlp

    return load_nlp()


def iter_system_timexes(documents: Sequence[TimeMLDocument], nlp=None) -> Iterator[list[Timex]]:  # type: ignore[no-untyped-def]
    """Parse each document's text and extract its timexes against its DCT."""
    from storyline.annotate.timex import extract_timexes

    nlp = nlp or _load_nlp()
    for doc, parsed in zip(documents, nlp.pipe((d.text for d in documents), batch_size=16)):
        yield extract_timexes(parsed, doc.dct)


def evaluate_tempeval3(path: Path, limit: int | None = None, nlp=None) -> Report:  # type: ignore[no-untyped-def]
    """Run spaCy + extract_timexes over every .tml under ``path`` and score it."""
    files = find_timeml_files(Path(path))
    if limit is not None:
        files = files[:limit]
    documents = [read_timeml(f) for f in files]
    results = (
        score_document(doc, system) for doc, system in zip(documents, iter_system_timexes(documents, nlp))
    )
    return build_report(results)


def format_report(report: Report, per_document: bool = True) -> str:
    def line(label: str, counts: Counts, scores: Scores) -> str:
        return (
            f"{label:<28} gold {counts.gold:>5} sys {counts.system:>5}  "
            f"strict P {scores.strict_p:.3f} R {scores.strict_r:.3f} F1 {scores.strict_f1:.3f}  "
            f"relaxed P {scores.relaxed_p:.3f} R {scores.relaxed_r:.3f} F1 {scores.relaxed_f1:.3f}  "
            f"value acc {scores.value_accuracy:.3f} F1 {scores.value_f1:.3f}"
        )

    lines = [f"TempEval-3 timex evaluation over {len(report.documents)} documents"]
    if per_document:
        for result in report.documents:
            lines.append(line(result.doc_id, result.counts, result.scores))
    lines.append(line("OVERALL", report.counts, report.scores))
    lines.append(f"type accuracy (over relaxed matches): {report.scores.type_accuracy:.3f}")
    return "\n".join(lines)
