"""End-to-end ingest on the seeds and on the bundled example corpus (against its gold file)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from storyline.pipeline import build
from storyline.store.sqlite import Store

CONTENT_TABLES = ["ledger", "articles", "removed_spans", "sentences", "entities", "entity_aliases",
                  "entity_mentions", "timexes", "figures"]


def dump_tables(db: Path) -> dict[str, list[dict]]:
    with Store(db, read_only=True) as store:
        names = {r["name"] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        return {t: store.table_rows(t, "rowid") for t in CONTENT_TABLES if t in names}


@pytest.fixture(scope="module")
def seeds_db(tmp_path_factory) -> Path:
    from tests.conftest import SEEDS

    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not present")
    db = tmp_path_factory.mktemp("seeds") / "seeds.db"
    report = build([str(SEEDS)], db)
    assert report.ingested == 5
    return db


def test_seeds_ingested_with_dates(seeds_db: Path) -> None:
    with Store(seeds_db, read_only=True) as store:
        rows = {Path(r["input_key"]).name[:3]: r for r in store.conn.execute("SELECT * FROM articles")}
        assert sorted(rows) == ["000", "001", "002", "003", "004"]
        assert rows["002"]["published"] == "2020-09-18" and rows["002"]["published_source"] == "dateline"
        # The others carry no date of their own (a later stage may infer one, marked 'inferred').
        for key in ("000", "001", "003", "004"):
            assert rows[key]["published_source"] in ("unknown", "inferred"), key
        for r in rows.values():
            assert r["language"] == "en"
            for junk in ("[ad_1]", "Subscribe to our channel", "News Wrap:", "\nWorld news"):
                assert junk not in r["text"]
        counts = store.ledger_counts()
        assert counts == {"ingested": 5, "duplicate": 0, "rejected": 1}  # README.md is not an article


def test_building_twice_changes_nothing(seeds_db: Path, tmp_path: Path) -> None:
    from tests.conftest import SEEDS

    before = dump_tables(seeds_db)
    again = build([str(SEEDS)], seeds_db)
    # rejected inputs are looked at again (a limit may have changed); nothing else is
    assert again.unchanged + again.rejected == again.inputs and again.ingested == 0
    assert dump_tables(seeds_db) == before
    other = tmp_path / "fresh.db"
    build([str(SEEDS)], other)
    assert dump_tables(other) == before


def test_changed_input_is_reprocessed(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    body = ("The ministers of Norland and Sudmark signed a fisheries agreement in Kessel on Monday after "
            "two days of talks, officials said. The deal sets catch limits for the next five years. ")
    (src / "a.txt").write_text(body * 2, encoding="utf-8")
    db = tmp_path / "s.db"
    build([str(src)], db, annotate=False)
    (src / "a.txt").write_text(body * 2 + "Critics called the limits too generous to the larger fleets.", encoding="utf-8")
    report = build([str(src)], db, annotate=False)
    assert report.ingested == 1
    with Store(db, read_only=True) as store:
        [row] = store.conn.execute("SELECT text FROM articles").fetchall()
        assert "Critics" in row["text"]
        assert len(store.ledger_rows()) == 1


def test_exact_and_near_duplicates(tmp_path: Path) -> None:
    body = ("The ministers of Norland and Sudmark signed a fisheries agreement in Kessel on Monday after two days "
            "of talks, officials said. The deal sets catch limits for the next five years and creates a joint "
            "patrol. Fishermen's unions in both countries criticised the limits as too low for small boats. ")
    (tmp_path / "a.txt").write_text(body, encoding="utf-8")
    (tmp_path / "b.txt").write_text(body, encoding="utf-8")
    (tmp_path / "c.txt").write_text("[ad_1]\n" + body.replace("Monday", "Monday evening") + "\nShare this article",
                                    encoding="utf-8")
    db = tmp_path / "s.db"
    report = build([str(tmp_path / "*.txt")], db, annotate=False)
    assert (report.ingested, report.duplicate) == (1, 2)
    with Store(db, read_only=True) as store:
        states = {Path(r["input_key"]).name: (r["state"], r["duplicate_kind"]) for r in store.ledger_rows()}
    assert states == {"a.txt": ("ingested", None), "b.txt": ("duplicate", "exact"), "c.txt": ("duplicate", "near")}


# The bundled example corpus against its gold file -----------------------------------------

@pytest.fixture(scope="module")
def example_build(tmp_path_factory) -> tuple[Path, dict]:
    from tests.conftest import EXAMPLES

    gold = json.loads((EXAMPLES / "gold.json").read_text(encoding="utf-8"))
    # Build from a copy so the test sees paths exactly as the gold names them.
    root = tmp_path_factory.mktemp("examples")
    shutil.copytree(EXAMPLES / "corpus", root / "corpus")
    db = root / "examples.db"
    build([str(root / "corpus")], db)
    return db, {"gold": gold, "root": root}


def _gold_key(root: Path, gold_input: str) -> str:
    path, _, locator = gold_input.partition("#")
    return str(root / path) + (f"#{locator}" if locator else "")


def test_example_ledger_matches_gold(example_build) -> None:
    db, ctx = example_build
    root, gold = ctx["root"], ctx["gold"]
    with Store(db, read_only=True) as store:
        ledger = {r["input_key"]: r for r in store.ledger_rows()}
        by_article = {r["article_id"]: r["input_key"] for r in store.ledger_rows("ingested")}
        for art in gold["articles"]:
            key = _gold_key(root, art["input"])
            assert key in ledger, f"{art['input']} missing from the ledger"
            row = ledger[key]
            assert row["state"] == art["expected_state"], (art["input"], row["reason"])
            if art["expected_state"] == "duplicate":
                assert row["duplicate_kind"] == art["duplicate_kind"], art["input"]
                assert by_article[row["article_id"]] == _gold_key(root, art["duplicate_of"]), art["input"]
        # every input of the corpus is accounted for in the gold file, and vice versa
        assert {_gold_key(root, a["input"]) for a in gold["articles"]} == set(ledger)


def test_example_metadata_and_cleaning_match_gold(example_build) -> None:
    db, ctx = example_build
    root, gold = ctx["root"], ctx["gold"]
    with Store(db, read_only=True) as store:
        articles = {r["input_key"]: r for r in store.conn.execute("SELECT * FROM articles")}
        for art in gold["articles"]:
            if art["expected_state"] != "ingested":
                continue
            row = articles[_gold_key(root, art["input"])]
            assert row["outlet"] == art["outlet"], art["input"]
            if art["published_source"] in ("metadata", "dateline"):
                assert (row["published"], row["published_source"]) == (art["published"], art["published_source"]), art["input"]
            else:
                assert row["published_source"] in ("unknown", "inferred"), art["input"]
            for junk in art.get("must_not_contain", []):
                assert junk not in row["text"], (art["input"], junk)
            norm = " ".join(row["text"].split())
            for sentence in art.get("must_contain", []):
                sentence = sentence.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))
                assert " ".join(sentence.split()) in norm, (art["input"], sentence)
        reprinted = [json.loads(r["reprinted_by"]) for r in articles.values()]
        assert any(reprinted), "the original of a reprint lists its reprints' outlets"
