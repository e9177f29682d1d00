"""benchmarks/entity_scale.py: the replicated corpus it times is what it says."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from pathlib import Path

from storyline.pipeline import build

REPO = Path(__file__).resolve().parents[2]


def _module():
    spec = importlib.util.spec_from_file_location("storyline_bench_entity_scale", REPO / "benchmarks" / "entity_scale.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_replicated_corpus_and_one_size_run(tmp_path: Path) -> None:
    bench = _module()
    base = tmp_path / "base.db"
    build([str(REPO / "examples" / "corpus")], base)
    with sqlite3.connect(base) as conn:
        articles = conn.execute("SELECT COUNT(DISTINCT article_id) FROM entity_mentions").fetchone()[0]
        mentions = conn.execute("SELECT COUNT(*) FROM entity_mentions").fetchone()[0]
    size = 2 * articles + 3  # two whole copies and part of a third
    target = tmp_path / "big.db"
    n = bench.make_corpus(base, target, size)
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT COUNT(DISTINCT article_id) FROM entity_mentions").fetchone()[0] == size
        assert conn.execute("SELECT COUNT(*) FROM entity_mentions WHERE entity_id IS NOT NULL").fetchone()[0] == 0
    assert 2 * mentions < n < 3 * mentions
    result = bench.one_size(base, size, tmp_path)
    assert result["articles"] == size and result["mentions"] == n
    # the copies repeat the base's names: as many entities as in the base, give or take label votes
    with sqlite3.connect(base) as conn:
        base_entities = conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0]
    assert abs(result["entities"] - base_entities) <= base_entities // 10
