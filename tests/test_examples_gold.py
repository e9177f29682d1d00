"""Internal consistency of the bundled example corpus and its gold file.

These tests check examples/gold.json against the raw files in examples/corpus/
only; they do not run storyline itself. Every quoted text in the gold must occur
verbatim in the raw input it names (for a JSONL line: its decoded title/text; for
a feed entry: its title, description and content), duplicates must really be
duplicates, and rejected inputs must really be unusable.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CORPUS = EXAMPLES / "corpus"
GOLD_PATH = EXAMPLES / "gold.json"
SEEDS = Path("/work/shared/seeds")

CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}encoded"
STATES = {"ingested", "duplicate", "rejected"}
MODALITIES = {"announced", "asserted", "rumoured", "denied", "expected", "planned", "speculative"}
QUALIFIERS = {"APPROX", "MORE_THAN", "LESS_THAN", None}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EVENT_DATE_RE = {
    "day": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "month": re.compile(r"^\d{4}-\d{2}$"),
    "year": re.compile(r"^\d{4}$"),
    "unknown-year": re.compile(r"^XXXX-\d{2}(-\d{2})?$"),
}
TIMEX_VALUE_RE = re.compile(r"^(\d{4}|XXXX)(-\d{2}(-\d{2})?)?$")


@lru_cache(maxsize=None)
def gold() -> dict:
    return json.loads(GOLD_PATH.read_text(encoding="utf-8"))


def articles() -> list[dict]:
    return gold()["articles"]


def by_input() -> dict[str, dict]:
    return {a["input"]: a for a in articles()}


def split_input(inp: str) -> tuple[Path, str | None, int | None]:
    path, _, loc = inp.partition("#")
    if not loc:
        return EXAMPLES / path, None, None
    kind, _, num = loc.partition(":")
    return EXAMPLES / path, kind, int(num)


@lru_cache(maxsize=None)
def feed_items(path: Path) -> list[ET.Element]:
    return list(ET.parse(path).getroot().iter("item"))


def item_text(item: ET.Element) -> str:
    parts = []
    for tag in ("title", "description", CONTENT_NS):
        el = item.find(tag)
        if el is not None and el.text:
            parts.append(el.text)
    return "\n".join(parts)


def jsonl_line(path: Path, num: int) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[num - 1]


def raw_text(inp: str) -> str:
    """The text an input holds before cleaning, as a reader would see it."""
    path, kind, num = split_input(inp)
    if kind is None:
        return path.read_text(encoding="utf-8")
    if kind == "line":
        line = jsonl_line(path, num)
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            return line
        return "\n".join(str(obj.get(k) or "") for k in ("title", "text"))
    if kind == "entry":
        return item_text(feed_items(path)[num - 1])
    raise AssertionError(f"unknown locator kind in {inp!r}")


def body_text(inp: str) -> str:
    """A rough article body (tags stripped) for word counts."""
    path, kind, num = split_input(inp)
    text = raw_text(inp)
    if kind is None and path.suffix == ".html":
        m = re.search(r"<article\b.*?</article>", text, re.S)
        assert m, f"{inp}: no <article> element"
        text = m.group(0)
    return re.sub(r"<[^>]+>", " ", text)


def fmt_of(inp: str) -> str:
    path, kind, _ = split_input(inp)
    if kind == "line":
        return "jsonl"
    if kind == "entry":
        return "feed"
    return path.suffix.lstrip(".")


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


# --------------------------------------------------------------------------- structure


def test_gold_has_the_expected_top_level_keys():
    assert set(gold()) >= {"articles", "events", "entities", "timexes", "document_dates"}


def test_article_records_have_all_keys_and_valid_values():
    keys = {
        "input", "expected_state", "duplicate_of", "duplicate_kind", "outlet", "published",
        "published_source", "title", "about_events", "mentions_events", "must_not_contain", "must_contain",
    }
    seen = set()
    for a in articles():
        assert set(a) == keys, a["input"]
        assert a["input"] not in seen, f"duplicate gold entry {a['input']}"
        seen.add(a["input"])
        assert a["expected_state"] in STATES
        assert a["published_source"] in {"metadata", "dateline", "unknown"}
        if a["published"] is not None:
            assert DATE_RE.match(a["published"]), a["input"]
            assert a["published_source"] in {"metadata", "dateline"}
        else:
            assert a["published_source"] == "unknown"
        if a["expected_state"] == "duplicate":
            assert a["duplicate_kind"] in {"exact", "near"}
            assert a["duplicate_of"] is not None
        else:
            assert a["duplicate_kind"] is None and a["duplicate_of"] is None
        if a["expected_state"] == "rejected":
            assert not a["about_events"] and not a["mentions_events"] and not a["must_contain"]


def test_every_input_exists():
    for a in articles():
        path, kind, num = split_input(a["input"])
        assert path.is_file(), a["input"]
        if kind == "line":
            assert 1 <= num <= len(path.read_text(encoding="utf-8").splitlines()), a["input"]
        elif kind == "entry":
            assert 1 <= num <= len(feed_items(path)), a["input"]
        else:
            assert kind is None, a["input"]


def test_every_corpus_file_is_described():
    described = {split_input(a["input"])[0].name for a in articles()}
    on_disk = {p.name for p in CORPUS.iterdir() if p.is_file()}
    assert on_disk == described


def test_every_jsonl_line_and_feed_entry_is_described():
    inputs = set(by_input())
    for path in CORPUS.glob("*.jsonl"):
        n = len(path.read_text(encoding="utf-8").splitlines())
        for i in range(1, n + 1):
            assert f"corpus/{path.name}#line:{i}" in inputs
    for path in CORPUS.glob("*.xml"):
        for i in range(1, len(feed_items(path)) + 1):
            assert f"corpus/{path.name}#entry:{i}" in inputs


def test_corpus_size_outlets_formats_and_states():
    arts = articles()
    assert len(arts) >= 12
    ingested = [a for a in arts if a["expected_state"] == "ingested"]
    assert len(ingested) >= 13
    outlets = {a["outlet"] for a in arts if a["outlet"]}
    assert len(outlets) >= 5, outlets
    assert {fmt_of(a["input"]) for a in arts} >= {"txt", "html", "feed", "jsonl"}
    assert {fmt_of(a["input"]) for a in ingested} >= {"txt", "html", "feed", "jsonl"}
    assert {a["expected_state"] for a in arts} == STATES
    assert {a["duplicate_kind"] for a in arts if a["expected_state"] == "duplicate"} == {"exact", "near"}
    meetings = [e for e in gold()["events"] if e["type"] == "meeting"]
    assert len(meetings) >= 3


# --------------------------------------------------------------------------- verbatim texts


def test_must_contain_occurs_verbatim():
    for a in articles():
        raw = raw_text(a["input"])
        for s in a["must_contain"]:
            assert s in raw, f"{a['input']}: {s!r} not in raw text"


def test_must_not_contain_is_really_there_before_cleaning():
    # A junk string that is not in the raw input would make the cleaning check vacuous.
    for a in articles():
        raw = raw_text(a["input"])
        for s in a["must_not_contain"]:
            assert s in raw, f"{a['input']}: junk {s!r} not in raw text"


def test_must_contain_does_not_overlap_must_not_contain():
    for a in articles():
        for good in a["must_contain"]:
            for bad in a["must_not_contain"]:
                assert bad not in good, (a["input"], bad, good)


def test_titles_occur_in_their_input():
    for a in articles():
        if a["title"]:
            assert a["title"] in raw_text(a["input"]), a["input"]


def test_ingested_texts_are_news_sized():
    for a in articles():
        if a["expected_state"] != "ingested":
            continue
        n = len(body_text(a["input"]).split())
        assert 250 <= n <= 750, f"{a['input']}: {n} words"


# --------------------------------------------------------------------------- metadata


def test_html_metadata_matches_gold():
    for a in articles():
        if fmt_of(a["input"]) != "html":
            continue
        html = raw_text(a["input"])
        site = re.search(r'<meta property="og:site_name" content="([^"]+)"', html)
        assert site and site.group(1) == a["outlet"], a["input"]
        title = re.search(r'<meta property="og:title" content="([^"]+)"', html)
        assert title and title.group(1) == a["title"], a["input"]
        canon = re.search(r'<link rel="canonical" href="https://([^/"]+)/', html)
        assert canon and canon.group(1).endswith(".example"), a["input"]
        pub = re.search(r'<meta property="article:published_time" content="([^"]+)"', html)
        if pub:
            assert a["published"] == pub.group(1)[:10] and a["published_source"] == "metadata"
        else:
            assert a["published"] is None, a["input"]
        for tag in ("<nav", "<footer", "<article", "cookie"):
            assert tag in html.lower(), (a["input"], tag)
    assert any(
        "article:published_time" in raw_text(a["input"]) for a in articles() if fmt_of(a["input"]) == "html"
    )
    assert any(
        "article:published_time" not in raw_text(a["input"]) for a in articles() if fmt_of(a["input"]) == "html"
    )


def test_feed_metadata_matches_gold():
    for a in articles():
        if fmt_of(a["input"]) != "feed":
            continue
        path, _, num = split_input(a["input"])
        channel_title = ET.parse(path).getroot().find("channel/title").text
        item = feed_items(path)[num - 1]
        assert a["outlet"] == channel_title
        assert a["title"] == item.find("title").text
        when = parsedate_to_datetime(item.find("pubDate").text)
        assert a["published"] == when.date().isoformat()
        assert item.find(CONTENT_NS) is not None


def test_jsonl_metadata_matches_gold():
    for a in articles():
        if fmt_of(a["input"]) != "jsonl" or a["expected_state"] == "rejected":
            continue
        path, _, num = split_input(a["input"])
        obj = json.loads(jsonl_line(path, num))
        assert obj["text"].strip()
        assert a["outlet"] == obj["source"]
        assert a["title"] == obj.get("title")
        assert a["published"] == obj["published"][:10]


def test_datelines_match_gold():
    months = {m: i for i, m in enumerate(
        ["January", "February", "March", "April", "May", "June", "July", "August", "September",
         "October", "November", "December"], 1)}
    for a in articles():
        if a["published_source"] != "dateline":
            continue
        first = raw_text(a["input"]).splitlines()[0]
        m = re.match(r"^[A-Z]+ (\d{1,2}) ([A-Z][a-z]+), (\d{4}) \d{1,2}:\d{2} [ap]m\s*$", first)
        assert m, f"{a['input']}: no dateline on the first line"
        iso = f"{m.group(3)}-{months[m.group(2)]:02d}-{int(m.group(1)):02d}"
        assert iso == a["published"]


def test_urls_use_example_domains():
    for path in list(CORPUS.glob("*.html")) + list(CORPUS.glob("*.xml")) + list(CORPUS.glob("*.jsonl")):
        text = path.read_text(encoding="utf-8")
        for host in re.findall(r"https?://([^/\"'\s<>]+)", text):
            if host in {"purl.org", "www.w3.org"}:  # XML namespace names, not links
                continue
            assert host.endswith(".example"), (path.name, host)


# --------------------------------------------------------------------------- duplicates and rejects


def test_duplicates_are_really_duplicates():
    idx = by_input()
    for a in articles():
        if a["expected_state"] != "duplicate":
            continue
        orig = idx[a["duplicate_of"]]
        assert orig["expected_state"] == "ingested"
        mine, theirs = split_input(a["input"])[0], split_input(orig["input"])[0]
        if a["duplicate_kind"] == "exact":
            assert mine.read_bytes() == theirs.read_bytes()
        else:
            x, y = raw_text(a["input"]), raw_text(orig["input"])
            assert x != y
            sx, sy = shingles(x), shingles(y)
            jaccard = len(sx & sy) / len(sx | sy)
            assert jaccard >= 0.7, f"{a['input']}: jaccard {jaccard:.2f}"
        # the original must come first in a sorted walk of the corpus
        assert a["input"] > orig["input"]


def test_no_accidental_duplicates_among_ingested():
    ingested = [a for a in articles() if a["expected_state"] == "ingested"]
    sh = {a["input"]: shingles(body_text(a["input"])) for a in ingested}
    for i, a in enumerate(ingested):
        for b in ingested[i + 1 :]:
            x, y = sh[a["input"]], sh[b["input"]]
            jaccard = len(x & y) / max(1, len(x | y))
            assert jaccard < 0.3, (a["input"], b["input"], jaccard)


def test_rejected_inputs_are_unusable():
    for a in articles():
        if a["expected_state"] != "rejected":
            continue
        path, kind, num = split_input(a["input"])
        if kind is None:
            assert path.read_bytes().strip() == b"", a["input"]
        elif kind == "line":
            line = jsonl_line(path, num)
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            assert not str(obj.get("text") or "").strip(), a["input"]
        else:
            assert not re.sub(r"<[^>]+>", "", raw_text(a["input"])).strip(), a["input"]
    reasons = set()
    for a in articles():
        path, kind, num = split_input(a["input"])
        if a["expected_state"] == "rejected" and kind == "line":
            try:
                json.loads(jsonl_line(path, num))
                reasons.add("empty")
            except json.JSONDecodeError:
                reasons.add("broken")
    assert reasons == {"empty", "broken"}


# --------------------------------------------------------------------------- events, facts, timexes


def test_events_are_well_formed_and_referenced():
    events = gold()["events"]
    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids))
    mentioned = set()
    canon = {e["canonical"] for e in gold()["entities"]}
    for a in articles():
        assert set(a["about_events"]) <= set(a["mentions_events"]) <= set(ids), a["input"]
        if a["expected_state"] == "ingested":
            assert a["about_events"], a["input"]
        mentioned.update(a["mentions_events"])
    assert mentioned == set(ids)
    for e in events:
        assert EVENT_DATE_RE[e["date_precision"]].match(e["date"]), e["id"]
        assert e["place"] in canon, e["id"]
        assert set(e["participants"]) <= canon, e["id"]
    assert any(e["date_precision"] == "unknown-year" for e in events)


def test_fact_values_are_verbatim_and_consistent():
    idx = by_input()
    statuses = set()
    for e in gold()["events"]:
        for f in e["facts"]:
            vals = f["values"]
            assert vals, (e["id"], f["attribute"])
            statuses.add(f["status"])
            if f["status"] == "single":
                assert len(vals) == 1
            else:
                assert len(vals) >= 2 and f["status"] in {"agree", "conflict"}
            for v in vals:
                a = idx[v["article"]]
                assert a["expected_state"] == "ingested", v["article"]
                assert e["id"] in a["mentions_events"], (e["id"], v["article"])
                assert v["text"] in raw_text(v["article"]), (v["article"], v["text"])
                assert v["modality"] in MODALITIES
                assert v["qualifier"] in QUALIFIERS
                assert isinstance(v["value"], (int, float))
                if "value_max" in v:
                    assert v["value_max"] > v["value"]
                if v["timex"] is not None:
                    assert re.match(r"^PT\d+H(\d+M)?$", v["timex"])
    assert statuses == {"agree", "conflict", "single"}


def test_required_figure_kinds_are_present():
    attrs = {f["attribute"]: f for e in gold()["events"] for f in e["facts"]}
    for need in ("loan_amount", "meeting_duration", "crowd_size", "arrests"):
        assert need in attrs
    units = {v["unit"] for e in gold()["events"] for f in e["facts"] for v in f["values"]}
    assert {"USD", "hours", "people", "percent"} <= units
    modalities = {v["modality"] for e in gold()["events"] for f in e["facts"] for v in f["values"]}
    assert {"rumoured", "denied", "expected", "announced"} <= modalities


def test_timexes_are_verbatim():
    idx = by_input()
    for t in gold()["timexes"]:
        assert idx[t["article"]]["expected_state"] == "ingested", t["article"]
        assert t["text"] in raw_text(t["article"]), (t["article"], t["text"])
        assert TIMEX_VALUE_RE.match(t["value"]), t


def test_document_dates_agree_with_articles():
    idx = by_input()
    covered = set()
    for d in gold()["document_dates"]:
        a = idx[d["article"]]
        assert a["expected_state"] == "ingested"
        assert d["published"] == a["published"]
        covered.add(d["article"])
        if d["published"] is not None:
            assert d["year_knowable"] is True and d["inferred_range"] is None
        if d["inferred_range"] is not None:
            lo, hi = d["inferred_range"]
            assert DATE_RE.match(lo) and DATE_RE.match(hi) and lo <= hi
    assert covered == {a["input"] for a in articles() if a["expected_state"] == "ingested"}
    assert any(d["published"] is None and d["year_knowable"] is False for d in gold()["document_dates"])


def test_entity_aliases_occur_in_the_corpus():
    everything = "\n".join(raw_text(a["input"]) for a in articles())
    for ent in gold()["entities"]:
        assert ent["label"] in {"PERSON", "GPE", "LOC"}
        assert ent["canonical"] in ent["aliases"]
        for alias in ent["aliases"]:
            assert alias in everything, alias
    multi = [e for e in gold()["entities"] if e["label"] == "PERSON" and len(e["aliases"]) >= 4]
    assert len(multi) >= 2


# --------------------------------------------------------------------------- provenance


@pytest.mark.skipif(not SEEDS.is_dir(), reason="sample reports not available")
def test_corpus_shares_no_text_with_the_real_samples():
    seed = set()
    for p in SEEDS.glob("*.txt"):
        seed |= shingles(p.read_text(encoding="utf-8", errors="replace"), n=8)
    for p in CORPUS.iterdir():
        if p.is_file():
            common = shingles(p.read_text(encoding="utf-8"), n=8) & seed
            assert not common, (p.name, sorted(common)[:3])
