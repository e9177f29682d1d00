from __future__ import annotations

import json
from pathlib import Path

from storyline.config import Limits
from storyline.ingest.readers import read_input

BODY = (
    "The prime ministers of Norland and Sudmark met on Tuesday in the harbour city of Kessel. "
    "They talked for three hours about a bridge across the strait and a loan of 400 million euros. "
    "Officials from both sides said the talks were frank and that a second round is planned for the spring."
)


def test_plain_text(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_text("Leaders meet in Kessel\n\n" + BODY, encoding="utf-8")
    [doc] = read_input(f, Limits())
    assert doc.reject_reason is None
    assert doc.fmt == "txt" and doc.locator == ""
    assert BODY in doc.raw_text
    assert len(doc.content_hash) == 64


def test_html_page_main_text_and_metadata(tmp_path: Path) -> None:
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>Leaders meet | Kessel Herald</title>"
        '<meta property="og:site_name" content="Kessel Herald">'
        '<meta property="og:title" content="Leaders meet in Kessel">'
        '<meta property="article:published_time" content="2024-04-09T08:00:00Z">'
        '<link rel="canonical" href="https://kessel-herald.example/politics/leaders-meet"></head><body>'
        "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>"
        "<div class='ad'>Advertisement: buy our premium plan today</div>"
        f"<article><h1>Leaders meet in Kessel</h1><p>{BODY}</p><p>{BODY}</p></article>"
        "<section class='comments'><h3>Comments</h3><p>Reader42: what a waste of money, as usual!</p></section>"
        "<footer>© Kessel Herald. All rights reserved.</footer></body></html>",
        encoding="utf-8",
    )
    [doc] = read_input(f, Limits())
    assert doc.reject_reason is None
    assert doc.fmt == "html"
    assert "harbour city of Kessel" in doc.raw_text
    assert "Reader42" not in doc.raw_text
    assert "Home" not in doc.raw_text.split("\n")[0:1]
    assert doc.outlet == "Kessel Herald"
    assert doc.published == "2024-04-09"
    assert doc.url == "https://kessel-herald.example/politics/leaders-meet"


def test_html_without_article_is_rejected(tmp_path: Path) -> None:
    f = tmp_path / "nav.html"
    f.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>", encoding="utf-8")
    [doc] = read_input(f, Limits())
    assert doc.reject_reason == "no article text found in the HTML page"


def test_rss_feed_gives_one_document_per_entry(tmp_path: Path) -> None:
    f = tmp_path / "feed.xml"
    items = "".join(
        f"<item><title>Story {i}</title><link>https://kh.example/{i}</link>"
        f"<pubDate>Tue, 0{i} Apr 2024 08:00:00 GMT</pubDate><description>{BODY} Story number {i}.</description></item>"
        for i in (1, 2)
    )
    items += "<item><title>Only a link</title><link>https://kh.example/remote</link></item>"
    f.write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Kessel Herald</title>{items}</channel></rss>',
        encoding="utf-8",
    )
    docs = read_input(f, Limits())
    assert [d.locator for d in docs] == ["entry:1", "entry:2", "entry:3"]
    assert docs[0].published == "2024-04-01" and docs[0].outlet == "Kessel Herald"
    assert docs[1].title == "Story 2"
    assert docs[2].reject_reason and "remote" in docs[2].reject_reason


def test_jsonl_lines_each_get_a_state(tmp_path: Path) -> None:
    f = tmp_path / "wire.jsonl"
    lines = [
        json.dumps({"text": BODY, "title": "T1", "source": "Wire One", "published": "2024-04-09T10:00:00"}),
        "{not json",
        json.dumps({"title": "no text"}),
        "",
        json.dumps([1, 2]),
        json.dumps({"text": BODY + " Another."}),
    ]
    f.write_text("\n".join(lines), encoding="utf-8")
    docs = read_input(f, Limits())
    assert [d.locator for d in docs] == ["line:1", "line:2", "line:3", "line:5", "line:6"]
    assert docs[0].reject_reason is None and docs[0].outlet == "Wire One" and docs[0].published == "2024-04-09"
    assert "invalid JSON" in docs[1].reject_reason
    assert "no 'text'" in docs[2].reject_reason
    assert "expected a JSON object" in docs[3].reject_reason
    assert docs[4].reject_reason is None


def test_empty_and_whitespace_and_binary_files(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("  \n\t\n", encoding="utf-8")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(50))
    reasons = {p.name: read_input(p, Limits())[0].reject_reason for p in sorted(tmp_path.iterdir())}
    assert reasons == {
        "blank.txt": "file holds only whitespace",
        "empty.txt": "empty file (0 bytes)",
        "image.txt": "binary file (PNG image), not text",
    }


def test_too_large_file_is_rejected_before_reading(tmp_path: Path) -> None:
    f = tmp_path / "big.txt"
    f.write_text("word " * 1000, encoding="utf-8")
    [doc] = read_input(f, Limits(max_input_bytes=100))
    assert doc.reject_reason.startswith("file too large")
