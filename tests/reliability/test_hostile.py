"""A hostile corpus through the real command line: every input is accounted for, nothing crashes.

The corpus (tests/reliability/corpus.py) is generated in a temporary folder and knows what it
created: the ledger is checked against that list input by input, JSONL lines and feed entries
included.
"""

from __future__ import annotations

import datetime
import json
import re
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from storyline.store.sqlite import db_text
from tests.reliability.conftest import CliResult, content_tables, run_cli
from tests.reliability.corpus import DUPLICATE, INGESTED, REJECTED, HostileCorpus

ADDED = "A late paragraph was added to this article after the first build, about the bridge tolls."


def _ledger(db: Path) -> dict[str, sqlite3.Row]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return {r["input_key"]: r for r in conn.execute("SELECT * FROM ledger")}
    finally:
        conn.close()


def _articles(db: Path) -> dict[str, sqlite3.Row]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return {r["input_key"]: r for r in conn.execute("SELECT * FROM articles")}
    finally:
        conn.close()


class Builds:
    """Three builds of the hostile corpus: first, again unchanged, and after one article changed."""

    def __init__(self, corpus: HostileCorpus, db: Path) -> None:
        self.corpus, self.db = corpus, db
        args = ("build", str(corpus.root), "--db", str(db), "--no-annotate", "--no-progress")
        self.first: CliResult = run_cli(*args)
        self.first_ledger = _ledger(db)
        self.first_tables = content_tables(db)
        self.again: CliResult = run_cli(*args)
        self.again_tables = content_tables(db)
        assert corpus.changing_file is not None
        original = corpus.changing_file.read_text(encoding="utf-8")
        corpus.changing_file.write_text(original + "\n" + ADDED + "\n", encoding="utf-8")
        try:
            self.changed: CliResult = run_cli(*args)
        finally:
            corpus.changing_file.write_text(original, encoding="utf-8")
        self.changed_ledger = _ledger(db)
        self.changed_tables = content_tables(db)


@pytest.fixture(scope="module")
def builds(hostile_corpus: HostileCorpus, tmp_path_factory) -> Builds:
    return Builds(hostile_corpus, tmp_path_factory.mktemp("hostile-db") / "story.db")


def _counts_line(out: str) -> dict[str, int]:
    m = re.search(r"(\d+) inputs: (\d+) ingested, (\d+) duplicate, (\d+) rejected, (\d+) unchanged", " ".join(out.split()))
    assert m, out
    return dict(zip(("inputs", "ingested", "duplicate", "rejected", "unchanged"), map(int, m.groups())))


def test_every_input_is_in_the_ledger_in_the_expected_state(builds: Builds) -> None:
    corpus, ledger = builds.corpus, builds.first_ledger
    expected = {db_text(e.key): e for e in corpus.expected}
    assert len(expected) == len(corpus.expected), "the fixture lists an input twice"
    missing = sorted(set(expected) - set(ledger))
    extra = sorted(set(ledger) - set(expected))
    assert not missing, f"inputs lost (not in the ledger): {missing[:10]}"
    assert not extra, f"ledger rows for inputs the corpus did not create: {extra[:10]}"
    wrong = []
    for key, e in expected.items():
        row = ledger[key]
        if row["state"] not in e.states:
            wrong.append((key, e.note, row["state"], row["reason"]))
        elif row["state"] == REJECTED and e.reason and e.reason.lower() not in (row["reason"] or "").lower():
            wrong.append((key, e.note, row["reason"], f"expected to mention {e.reason!r}"))
    assert not wrong, "\n".join(map(repr, wrong))


def test_counts_add_up(builds: Builds) -> None:
    corpus, ledger = builds.corpus, builds.first_ledger
    states = Counter(r["state"] for r in ledger.values())
    assert set(states) <= {INGESTED, DUPLICATE, REJECTED}
    assert sum(states.values()) == len(corpus.expected)
    counts = _counts_line(builds.first.stdout)
    assert counts == {"inputs": len(corpus.expected), "ingested": states[INGESTED], "duplicate": states[DUPLICATE],
                      "rejected": states[REJECTED], "unchanged": 0}
    # Per source file: a JSONL file or a feed has exactly one row per line or entry it holds.
    per_file_expected = Counter(db_text(e.key).split("#", 1)[0] for e in corpus.expected)
    per_file_ledger = Counter(r["source_path"] for r in ledger.values())
    assert per_file_ledger == per_file_expected
    # Every article is an ingested input, and every ingested input has its article.
    articles = _articles(builds.db)
    assert set(articles) == {k for k, r in ledger.items() if r["state"] == INGESTED}


def test_duplicates_point_at_the_one_ingested_copy(builds: Builds) -> None:
    groups: dict[str, list[str]] = defaultdict(list)
    for e in builds.corpus.expected:
        if e.group:
            groups[e.group].append(db_text(e.key))
    ledger = builds.first_ledger
    assert len(groups) > 100  # the JSONL pool and the article under three names
    for name, keys in groups.items():
        rows = [ledger[k] for k in keys]
        ingested = [r for r in rows if r["state"] == INGESTED]
        assert len(ingested) == 1, (name, [(r["input_key"], r["state"]) for r in rows])
        for r in rows:
            if r["state"] == DUPLICATE:
                assert r["article_id"] == ingested[0]["article_id"], (name, r["input_key"])
    same = [ledger[k] for k in groups["same"]]
    # the reprint's junk lines are cleaned away, so it is an exact duplicate too
    assert Counter(r["duplicate_kind"] for r in same) == Counter({None: 1, "exact": 3})


def test_rejection_reasons_are_plain_sentences(builds: Builds) -> None:
    for key, row in builds.first_ledger.items():
        if row["state"] != REJECTED:
            continue
        reason = row["reason"] or ""
        assert reason.strip(), key
        assert "\n" not in reason and len(reason) < 300, (key, reason)
        for tell in ("Traceback", "object at 0x", "Errno", "Exception", "NoneType"):
            assert tell not in reason, (key, reason)


def test_no_traceback_and_exit_code_3(builds: Builds) -> None:
    result = builds.first
    assert result.returncode == 3, result.stderr[-2000:]
    assert "Traceback" not in result.stderr + result.stdout
    # stderr holds one line per rejected input and nothing else (no warnings, no log noise).
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    rejected = sum(1 for r in builds.first_ledger.values() if r["state"] == REJECTED)
    assert all(line.startswith("  rejected ") for line in lines), [x for x in lines if not x.startswith("  rejected")][:5]
    assert len(lines) == rejected


def test_texts_in_odd_encodings_are_decoded(builds: Builds) -> None:
    articles = _articles(builds.db)
    for key, phrases in builds.corpus.checks.items():
        row = articles[db_text(key)]
        text = " ".join(row["text"].split())
        for phrase in phrases:
            assert " ".join(phrase.split()) in text, (key, row["encoding"], phrase, text[:300])
        if "_ru" in key or "mixed" in key:
            assert row["language"] == "ru", (key, row["language"])
    encodings = {Path(k).name: r["encoding"] for k, r in articles.items() if "/enc/" in k}
    assert encodings["mixed.txt"] == "utf-8+cp1251"
    assert encodings["utf16le_ru.txt"] == "utf-16-le" and encodings["utf16be_ru.txt"] == "utf-16-be"


def test_stored_values_are_valid(builds: Builds) -> None:
    for key, row in _articles(builds.db).items():
        if row["published"] is not None:
            datetime.date.fromisoformat(row["published"])  # "2024-02-30" must not get through
        # U+FFFD only where the corpus planted a lone surrogate (a JSON escape, a feed's &#xD800;)
        assert "\ufffd" not in row["text"] or key.endswith("#line:999") or "surrogate-ref" in key, key
        segments = json.loads(row["offset_map"])
        for clean_start, orig_start, length in segments:
            assert row["text"][clean_start:clean_start + length] == \
                row["raw_text"][orig_start:orig_start + length].translate(_QUOTES), key


_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‟": '"', "‘": "'", "’": "'", "‚": "'",
                         "‛": "'", "`": "'", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " "})


def test_building_again_changes_nothing(builds: Builds) -> None:
    assert builds.again_tables == builds.first_tables
    counts = _counts_line(builds.again.stdout)
    # Rejected inputs are examined again on every build (a limit may have been raised); the rest
    # is skipped as unchanged.
    assert counts["inputs"] == len(builds.corpus.expected)
    assert counts["unchanged"] + counts["rejected"] == counts["inputs"]
    assert counts["ingested"] == counts["duplicate"] == 0
    assert "Traceback" not in builds.again.stderr


def test_changed_article_is_processed_again(builds: Builds) -> None:
    key = db_text(str(builds.corpus.changing_file))
    before, after = builds.first_ledger[key], builds.changed_ledger[key]
    assert before["state"] == after["state"] == INGESTED
    assert before["article_id"] != after["article_id"] and before["content_hash"] != after["content_hash"]
    articles = _articles(builds.db)
    assert ADDED in articles[key]["text"]
    assert before["article_id"] not in {r["article_id"] for r in articles.values()}
    # Only that input changed: same keys, same states elsewhere, and the counts still add up.
    assert set(builds.changed_ledger) == set(builds.first_ledger)
    for k, row in builds.changed_ledger.items():
        if k != key:
            assert tuple(row) == tuple(builds.first_ledger[k]), k
    counts = _counts_line(builds.changed.stdout)
    assert counts["ingested"] == 1
    assert counts["unchanged"] + counts["rejected"] == len(builds.corpus.expected) - 1
    assert "Traceback" not in builds.changed.stderr


def test_read_commands_cope_with_the_hostile_database(builds: Builds) -> None:
    db = str(builds.db)
    result = run_cli("ledger", "--db", db, "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == len(builds.corpus.expected)
    # (the ledger as a table: only the rejected rows; ten thousand table rows take a while to draw)
    for args in (("ledger", "--db", db, "--state", "rejected"), ("articles", "--db", db), ("summary", "--db", db),
                 ("export", "--db", db, "--format", "jsonl")):
        result = run_cli(*args)
        assert result.returncode == 0, (args, result.stderr[-2000:])
        assert "Traceback" not in result.stderr, args


def test_clean_corpus_exits_0(tmp_path: Path, hostile_corpus: HostileCorpus) -> None:
    result = run_cli("build", str(hostile_corpus.root / "good"), "--db", str(tmp_path / "good.db"), "--no-annotate",
                     "--no-progress")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


def test_unusable_database_is_a_one_line_error(tmp_path: Path, hostile_corpus: HostileCorpus) -> None:
    not_db = tmp_path / "notes.db"
    not_db.write_text("these are notes, not a database\n" * 200)
    folder = tmp_path / "a-folder.db"
    folder.mkdir()
    for db in (not_db, folder):
        for args in (("build", str(hostile_corpus.root / "good"), "--no-annotate", "--no-progress"), ("ledger",),
                     ("summary",)):
            result = run_cli(*args, "--db", str(db))
            assert result.returncode == 1, (db, args, result.stderr[-1000:])
            assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not_db.read_text().startswith("these are notes")  # left as it was


# Found by these tests and not fixed here (outside the files this suite's author may change);
# strict xfails, so whoever fixes one is told to drop the marker.

def test_rebuild_exit_code_reports_rejected_inputs(builds: Builds) -> None:
    assert builds.again.returncode == 3


def test_paths_that_look_like_rich_markup(tmp_path: Path) -> None:
    folder = tmp_path / "in[" / "x]"  # the path reads ".../in[/x]/empty.txt"
    folder.mkdir(parents=True)
    (folder / "empty.txt").write_bytes(b"")
    (tmp_path / "in[" / "[bold]name.txt").write_bytes(b"")
    result = run_cli("build", str(tmp_path / "in["), "--db", str(tmp_path / "m.db"), "--no-annotate", "--no-progress")
    assert result.returncode == 3 and "Traceback" not in result.stderr, result.stderr[-1500:]
    assert "[bold]name.txt" in result.stderr


def test_file_named_like_a_feed_entry_key(tmp_path: Path) -> None:
    import random

    from tests.reliability.corpus import article

    rng = random.Random(3)
    items = "".join(f"<item><title>T{i}</title><description>{article(rng, 2, False)}</description></item>"
                    for i in (1, 2))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "feed.xml").write_text(f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>')
    (folder / "feed.xml#entry:1").write_text(article(rng))
    run_cli("build", str(folder), "--db", str(tmp_path / "k.db"), "--no-annotate", "--no-progress")
    assert len(_ledger(tmp_path / "k.db")) == 3  # two entries and one file
