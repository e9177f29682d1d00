from __future__ import annotations

from storyline.clean.dedup import NearDuplicateIndex, text_fingerprint

A = (
    "The prime ministers of Norland and Sudmark met on Tuesday in the harbour city of Kessel and talked for "
    "three hours about a bridge across the strait. Officials said a loan of 400 million euros was discussed, "
    "and that a second round of talks is planned for the spring in the capital of Sudmark. Fishermen protested "
    "outside the venue against the bridge, and police detained twelve people after scuffles near the port."
)
REPRINT = A.replace("Tuesday", "Tuesday afternoon").replace("twelve people", "12 people") + " Read more at our site."
OTHER = (
    "Voters in Sudmark go to the polls next month in a referendum on the new constitution. The government "
    "expects a turnout of about sixty percent, while the opposition calls for a boycott and plans rallies in "
    "every major town. Observers from neighbouring countries have been invited to watch the count."
)


def test_fingerprint_ignores_case_spacing_and_punctuation() -> None:
    assert text_fingerprint(A) == text_fingerprint(A.upper().replace(" ", "  ").replace(",", ""))
    assert text_fingerprint(A) != text_fingerprint(OTHER)


def test_reprint_is_found_with_its_similarity() -> None:
    index = NearDuplicateIndex()
    index.add("a1", A)
    index.add("o1", OTHER)
    hit = index.query(REPRINT)
    assert hit is not None and hit.original_id == "a1"
    assert 0.6 <= hit.similarity < 1.0


def test_different_article_on_the_same_topic_is_not_a_duplicate() -> None:
    index = NearDuplicateIndex()
    index.add("a1", A)
    other_report = (
        "Talks in Kessel between Norland's and Sudmark's leaders lasted three hours, according to both "
        "governments. A bridge over the strait and a 400 million euro credit were on the agenda. "
        "Demonstrators gathered at the port; several arrests were reported by local police."
    )
    assert index.query(other_report) is None
    assert index.query(OTHER) is None


def test_similarity_is_the_jaccard_of_the_shingle_strings() -> None:
    """The index keeps 64-bit shingle hashes only; its figures are those of the shingle strings."""
    import numpy as np

    from storyline.clean.dedup import shingles

    index = NearDuplicateIndex()
    index.add("a1", A)
    stored = index._hashes["a1"]
    assert stored.dtype == np.uint64 and len(stored) == len(shingles(A, 3))
    assert np.all(stored[:-1] < stored[1:])  # sorted and distinct
    a, r = shingles(A, 3), shingles(REPRINT, 3)
    inter = len(a & r)
    hit = index.query(REPRINT)
    assert hit is not None
    assert hit.similarity == round(inter / len(a | r), 4)
    assert hit.containment == round(inter / min(len(a), len(r)), 4)
    index.remove("a1")
    assert len(index) == 0 and index.query(REPRINT) is None


def _ingest(tmp_path, texts: dict[str, str]):
    from storyline.pipeline import build

    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = tmp_path / "d.db"
    build([str(folder)], db, annotate=False)
    return db


def test_the_stored_index_decides_as_the_in_memory_one(tmp_path) -> None:
    import sqlite3

    from storyline.clean.dedup import StoredNearDuplicateIndex
    from storyline.store.sqlite import Store

    db = _ingest(tmp_path, {"1.txt": A, "2.txt": OTHER, "3.txt": REPRINT})
    with sqlite3.connect(db) as conn:
        states = dict(conn.execute("SELECT substr(input_key, -5), state FROM ledger").fetchall())
        assert states == {"1.txt": "ingested", "2.txt": "ingested", "3.txt": "duplicate"}
        rows = sorted(conn.execute("SELECT bucket, band, article_id FROM dedup_bands").fetchall())
    memory = NearDuplicateIndex()
    with Store(db) as store:
        for aid, text in store.iter_article_texts():
            memory.add(aid, text)
        stored = StoredNearDuplicateIndex(store)
        assert len(stored) == len(memory) == 2
        probes = [A, REPRINT, OTHER, A[: len(A) // 2], OTHER + " " + A, "A short unrelated note about the weather."]
        for probe in probes:
            a, b = memory.query(probe), stored.query(probe)
            assert (a and (a.original_id, a.similarity, a.containment)) == \
                   (b and (b.original_id, b.similarity, b.containment)), probe[:40]
        # rows of articles stored before the table existed are made from articles.minhash
        store.conn.execute("DELETE FROM dedup_bands")
        store.conn.commit()
        StoredNearDuplicateIndex(store)
        store.conn.commit()
    with sqlite3.connect(db) as conn:
        assert sorted(conn.execute("SELECT bucket, band, article_id FROM dedup_bands").fetchall()) == rows


def test_signatures_share_one_set_of_permutations() -> None:
    """The MinHash permutations are drawn once per setting, not for every text; the values are
    those of a MinHash made from scratch."""
    from datasketch import MinHash

    from storyline.clean.dedup import shingles, text_signature
    from storyline.config import DedupSettings

    settings = DedupSettings()
    (_, a), (_, b) = text_signature(A, settings), text_signature(OTHER, settings)
    assert a.permutations is b.permutations
    fresh = MinHash(num_perm=settings.num_perm, seed=1)
    fresh.update_batch([s.encode("utf-8") for s in shingles(A, settings.shingle_words)])
    assert (fresh.hashvalues == a.hashvalues).all()


def test_stored_candidates_are_confirmed_on_stored_shingles(tmp_path, monkeypatch) -> None:
    """A candidate no longer among the latest articles is confirmed on the shingle hashes stored
    with it (`dedup_shingles`), not made again from its text; an article stored before that table
    existed is made from its text once, and then stored."""
    from storyline.clean import dedup
    from storyline.clean.dedup import StoredNearDuplicateIndex
    from storyline.store.sqlite import Store

    db = _ingest(tmp_path, {"1.txt": A, "2.txt": OTHER})
    with Store(db) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM dedup_shingles").fetchone()[0] == 2
        stored = StoredNearDuplicateIndex(store)  # a later build: nothing in memory yet
        sh, mh = stored.signature(REPRINT)

        def no_shingling(*args, **kwargs):
            raise AssertionError("a stored candidate's shingles were made again from its text")

        monkeypatch.setattr(dedup, "shingles", no_shingling)
        hit = stored.query(REPRINT, sh, mh)
        assert hit is not None and hit.similarity < 1.0
        monkeypatch.undo()
        # without its stored row (an older database), the text serves once and the row is written
        store.conn.execute("DELETE FROM dedup_shingles")
        again = StoredNearDuplicateIndex(store).query(REPRINT, sh, mh)
        assert again == hit
        assert store.conn.execute("SELECT COUNT(*) FROM dedup_shingles").fetchone()[0] == 1


def test_a_candidate_ruled_out_by_its_sketch_is_not_compared(tmp_path, monkeypatch) -> None:
    """An LSH candidate whose sketch bounds the shingles it shares below both thresholds (texts
    that share boilerplate meet in buckets far below them) is not read or compared; the reprint
    still is, and wins as before."""
    from storyline.clean import dedup
    from storyline.clean.dedup import StoredNearDuplicateIndex
    from storyline.store.sqlite import Store

    db = _ingest(tmp_path, {"1.txt": A, "2.txt": OTHER})
    with Store(db) as store:
        ids = dict(store.conn.execute("SELECT substr(input_key, -5), article_id FROM articles").fetchall())
        index = StoredNearDuplicateIndex(store)
        sh, mh = index.signature(REPRINT)
        # OTHER's shingles under REPRINT's MinHash: a candidate in every band that cannot pass
        index.remove(ids["2.txt"])
        index.add(ids["2.txt"], OTHER, mh=mh, sh=index.signature(OTHER)[0])
        compared: list[str] = []
        best_match = dedup._best_match

        def recording(sh, candidates, settings):
            listed = list(candidates)
            compared.extend(article_id for article_id, _ in listed)
            return best_match(sh, listed, settings)

        monkeypatch.setattr(dedup, "_best_match", recording)
        hit = StoredNearDuplicateIndex(store).query(REPRINT, sh, mh)  # a later build: nothing in memory
        assert hit is not None and hit.original_id == ids["1.txt"]
        assert compared == [ids["1.txt"]]
        # without a stored sketch (an older database) the candidate is compared, and its sketch written
        store.conn.execute("DELETE FROM dedup_sketches")
        compared.clear()
        assert StoredNearDuplicateIndex(store).query(REPRINT, sh, mh) == hit
        assert sorted(compared) == sorted(ids.values())
        assert store.conn.execute("SELECT COUNT(*) FROM dedup_sketches").fetchone()[0] == 2


def test_the_sketch_bound_never_rules_out_a_match() -> None:
    """`could_match` is True for every candidate that passes `_best_match`'s test: random shingle
    hash sets sharing from none to all of their hashes, near both thresholds."""
    import numpy as np

    from storyline.clean.dedup import _best_match, could_match, shingle_sketch
    from storyline.config import DedupSettings

    settings = DedupSettings()
    rng = np.random.default_rng(7)
    passing = ruled_out = 0
    for _ in range(400):
        shared, own_a, own_b = (int(n) for n in rng.integers(0, 600, size=3))
        pool = np.unique(rng.integers(0, 2**64 - 1, size=shared + own_a + own_b + 50, dtype=np.uint64))
        rng.shuffle(pool)
        common = pool[:shared]
        a = np.unique(np.concatenate([common, pool[shared:shared + own_a]]))
        b = np.unique(np.concatenate([common, pool[shared + own_a:shared + own_a + own_b]]))
        if not a.size or not b.size:
            continue
        sketch_a, sketch_b = shingle_sketch(a), shingle_sketch(b)
        assert sketch_a is not None and sketch_b is not None
        may = bool(could_match(int(a.size), sketch_a, sketch_b[None, :], settings)[0])
        matches = _best_match(a, [("b", b)], settings) is not None
        assert may or not matches
        passing += matches
        ruled_out += not may
    assert passing and ruled_out  # both kinds were drawn


def test_a_crowded_sketch_is_not_kept() -> None:
    """More than 255 shingle hashes in one range (a very long text) do not fit a byte: no sketch,
    and such a text's candidates are compared without the bound."""
    import numpy as np

    from storyline.clean.dedup import shingle_sketch

    crowded = np.arange(300, dtype=np.uint64)  # all in the lowest range
    assert shingle_sketch(crowded) is None
    sketch = shingle_sketch(crowded[:255])
    assert sketch is not None and sketch[0] == 255 and int(sketch.sum()) == 255
