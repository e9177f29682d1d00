"""The synthetic benchmark corpus (benchmarks/synthetic.py): deterministic, varied, readable by storyline."""

from __future__ import annotations

import importlib.util
import json
import re
import statistics
import sys
from pathlib import Path

import pytest

from storyline.clean import junk
from storyline.config import Limits
from storyline.ingest import readers

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def synthetic():
    spec = importlib.util.spec_from_file_location("storyline_bench_synthetic", REPO / "benchmarks" / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is created
    spec.loader.exec_module(module)
    return module


def _lines(folder: Path) -> list[str]:
    return [line for path in sorted(folder.glob("*.jsonl")) for line in path.read_text(encoding="utf-8").splitlines()]


def test_same_seed_same_bytes_other_seed_other_corpus(synthetic, tmp_path):
    a = synthetic.write_corpus(tmp_path / "a", 40, seed=7, per_file=15)
    b = synthetic.write_corpus(tmp_path / "b", 40, seed=7, per_file=15)
    c = synthetic.write_corpus(tmp_path / "c", 40, seed=8, per_file=15)
    assert a == b
    assert a["files"] == ["synthetic-00000.jsonl", "synthetic-00001.jsonl", "synthetic-00002.jsonl"]
    assert _lines(tmp_path / "a") == _lines(tmp_path / "b")
    assert _lines(tmp_path / "a") != _lines(tmp_path / "c")
    assert len(_lines(tmp_path / "a")) == a["articles"] == 40


def test_smaller_corpus_is_a_prefix_of_a_larger_one(synthetic):
    small = list(synthetic.generate_articles(25, seed=3))
    large = list(synthetic.generate_articles(60, seed=3))
    assert small == large[:25]


def test_manifest_written_outside_the_input_folder(synthetic, tmp_path):
    manifest = synthetic.write_corpus(tmp_path / "corpus", 5, seed=1, manifest_path=tmp_path / "corpus.json")
    assert json.loads((tmp_path / "corpus.json").read_text()) == manifest
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["synthetic-00000.jsonl"]


def test_articles_are_varied(synthetic):
    records = list(synthetic.generate_articles(300, seed=0))
    originals = [r for r in records if r["_meta"]["reprint"] is None]
    words = [len(r["text"].split()) for r in originals]
    assert 600 <= statistics.mean(words) <= 800
    assert min(words) >= 400
    assert len({r["_meta"]["story"] for r in records}) >= 5
    assert len({r.get("source") for r in records if r.get("source")}) >= 20
    assert len({r["published"][:10] for r in records if "published" in r}) >= 50
    assert len({r["_meta"]["event"] for r in records}) >= 6
    assert len({r["title"] for r in originals}) >= 0.5 * len(originals)
    text = " ".join(r["text"] for r in originals)
    # figures written several ways, and plenty of distinct capitalized names
    assert re.search(r"\$ ?\d+(\.\d+)? ?(billion|million|bn)", text)
    assert re.search(r"\d+ (percent|per cent)|\d+%", text)
    assert re.search(r"\b(about|more than|almost|nearly) \w+ hours\b", text)
    names = set(re.findall(r"\b[A-Z][a-z]{3,}\b", text))
    assert len(names) >= 300
    kinds = {r["_meta"]["reprint"] for r in records}
    assert {"exact", "near"} <= kinds
    assert any("published" not in r for r in records)  # some dates must be inferred


def test_storyline_reads_every_line_and_keeps_the_text(synthetic, tmp_path):
    synthetic.write_corpus(tmp_path / "corpus", 30, seed=5, per_file=30)
    path = tmp_path / "corpus" / "synthetic-00000.jsonl"
    docs = readers.read_input(path, Limits())
    assert len(docs) == 30
    assert all(d.reject_reason is None for d in docs)
    assert all(d.fmt == "jsonl" and d.title for d in docs)
    assert sum(1 for d in docs if d.published) >= 20
    assert sum(1 for d in docs if d.outlet) >= 20
    for doc in docs:
        cleaned = junk.clean_text(doc.raw_text, title=doc.title)
        # the cleaner finds (almost) no junk in the generated text
        assert len(cleaned.text.split()) >= 0.97 * len(doc.raw_text.split())
