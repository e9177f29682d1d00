"""Readers: one input file → one or more RawDocuments (a feed gives one per entry, JSONL one per line).

A reader never raises for bad content: it returns RawDocuments with `reject_reason` set, so the
ledger can account for every input.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import stat
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

from storyline.config import Limits
from storyline.ingest.encoding import DecodeError, decode_bytes, sniff_binary
from storyline.records import RawDocument

STAGE = "ingest"
STAGE_VERSION = "2"

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".feed"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
TEXT_SUFFIXES = {".txt", ".text", ".md", ""}


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def _rejected(path: Path, fmt: str, reason: str, content_hash: str = "", locator: str = "") -> RawDocument:
    return RawDocument(str(path), locator, "", fmt, content_hash=content_hash, reject_reason=reason)


def detect_format(path: Path, head: str) -> str:
    """Choose a reader by suffix, falling back to a look at the content."""
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in FEED_SUFFIXES:
        return "feed"
    start = head.lstrip()[:400].lower()
    if start.startswith("<?xml") or start.startswith("<rss") or start.startswith("<feed"):
        return "feed" if ("<rss" in start or "<feed" in start or "<rdf" in start) else "html"
    if start.startswith("<!doctype html") or start.startswith("<html"):
        return "html"
    return "txt"


# Project files that sit beside articles in a folder; named so the ledger says why they were skipped.
_NOT_ARTICLES = re.compile(r"^(readme|license|licence|copying|changelog|authors|notice)([._-].*)?$", re.I)


def read_input(path: Path, limits: Limits) -> list[RawDocument]:
    """Read one file into RawDocuments, or one rejected RawDocument saying why not."""
    if _NOT_ARTICLES.match(path.name):
        return [_rejected(path, "unknown", "a README/licence file, not an article")]
    try:
        st = path.stat()
    except OSError as exc:
        return [_rejected(path, "unknown", f"cannot read file: {exc.strerror or exc}")]
    if not stat.S_ISREG(st.st_mode):
        # Opening a named pipe blocks until someone writes; a device may never end (/dev/zero).
        return [_rejected(path, "unknown", f"not a regular file ({_file_kind(st.st_mode)})")]
    too_large = f"file too large ({{:,}} bytes; limit {limits.max_input_bytes:,}; see --max-input-mb)"
    if st.st_size > limits.max_input_bytes:
        return [_rejected(path, "unknown", too_large.format(st.st_size))]
    try:
        with open(path, "rb") as fh:
            data = fh.read(st.st_size + 1)
            if len(data) > st.st_size:
                # The file grew after stat(), or does not know its size (/proc): read on, but never
                # more than the limit.
                data += fh.read(max(0, limits.max_input_bytes + 1 - len(data)))
    except OSError as exc:
        return [_rejected(path, "unknown", f"cannot read file: {exc.strerror or exc}")]
    if len(data) > limits.max_input_bytes:
        return [_rejected(path, "unknown", too_large.format(len(data)) + " (it grew while being read)")]
    return [_without_surrogates(doc) for doc in _read_data(path, data, limits)]


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"


_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(doc: RawDocument) -> RawDocument:
    """Lone surrogates (JSON's "\\ud800", a feed's "&#xD800;") cannot be stored as UTF-8: use U+FFFD.

    One character for one, so offsets stay valid. The source path is left alone: the store
    escapes file names that are not valid UTF-8.
    """
    for f in fields(doc):
        value = getattr(doc, f.name)
        if f.name != "source_path" and isinstance(value, str) and _SURROGATE.search(value):
            setattr(doc, f.name, _SURROGATE.sub("\ufffd", value))
    return doc


def _read_data(path: Path, data: bytes, limits: Limits) -> list[RawDocument]:
    content_hash = sha256_hex(data)
    if not data:
        return [_rejected(path, "unknown", "empty file (0 bytes)", content_hash)]
    binary = sniff_binary(data)
    if binary:
        return [_rejected(path, "unknown", f"binary file ({binary}), not text", content_hash)]
    try:
        decoded = decode_bytes(data)
    except DecodeError as exc:
        return [_rejected(path, "unknown", str(exc), content_hash)]
    text = decoded.text
    if not text or text.isspace():  # (not text.strip(): that copies a large file's text)
        return [_rejected(path, "unknown", "file holds only whitespace", content_hash)]
    fmt = detect_format(path, text[:1000])
    if fmt == "html":
        return [read_html(path, text, content_hash, decoded.encoding)]
    if fmt == "feed":
        return list(read_feed(path, data, content_hash))
    if fmt == "jsonl":
        return list(read_jsonl(path, text, decoded.encoding, limits))
    return [RawDocument(str(path), "", text, "txt", encoding=decoded.encoding, content_hash=content_hash)]


def html_to_article(html: str, url: str | None = None) -> dict[str, str | None] | None:
    """Main text and metadata of an HTML page via trafilatura; None when no article is found."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            # Only dates the page states in its markup: no guessing from file dates or URLs.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception:  # trafilatura raises assorted lxml errors on hostile markup
        return None
    if doc is None:
        return None
    text = (doc.text or "").strip()
    if len(text.split()) < 5:  # a menu or a cookie notice is not an article
        return None
    date = doc.date
    if date and date == getattr(doc, "filedate", None):
        date = None  # trafilatura's fallback is "today", which is not a publication date
    return {"text": text, "title": doc.title, "url": doc.url or url, "sitename": doc.sitename, "date": date}


_PARSER_MAX_DEPTH = 255  # libxml2's HTML parser drops everything below this depth
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*?(/?)>")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
         "wbr", "p", "li", "option", "td", "th", "tr", "dt", "dd"}  # never nested, or closed implicitly


def _max_nesting(html: str) -> int:
    """A rough nesting depth of the page's elements (only for the reason of a rejection)."""
    depth = deepest = 0
    for m in _TAG.finditer(html):
        if m.group(3) or m.group(2).lower() in _VOID:
            continue
        if m.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def read_html(path: Path, html: str, content_hash: str, encoding: str) -> RawDocument:
    art = html_to_article(html)
    if art is None:
        reason = "no article text found in the HTML page"
        depth = _max_nesting(html)
        if depth > _PARSER_MAX_DEPTH:
            reason += (f" (its elements are nested {depth:,} levels deep; the HTML parser reads no deeper "
                       f"than {_PARSER_MAX_DEPTH})")
        return _rejected(path, "html", reason, content_hash)
    return RawDocument(
        str(path), "", art["text"] or "", "html",
        title=art["title"], url=art["url"], outlet=art["sitename"], published=art["date"],
        encoding=encoding, content_hash=content_hash,
    )


_TAG_RE = re.compile(r"<[^>]+>")


def _entry_html(entry: dict) -> str:
    # Prefer the full content over the summary; both may be HTML.
    for content in entry.get("content") or []:
        value = content.get("value") or ""
        if value.strip():
            return value
    return entry.get("summary") or entry.get("description") or ""


_SURROGATE_REF = re.compile(rb"&#(?:[xX]0*[dD][89a-fA-F][0-9a-fA-F]{2}"
                            rb"|0*(?:5529[6-9]|55[3-9][0-9]{2}|56[0-9]{3}|57[0-2][0-9]{2}|573[0-3][0-9]|5734[0-3]));")


def read_feed(path: Path, data: bytes, content_hash: str) -> Iterator[RawDocument]:
    import feedparser

    try:
        try:
            parsed = feedparser.parse(data)
        except UnicodeError:
            # feedparser crashes on a character reference to a surrogate ("&#xD800;"): replace
            # those with U+FFFD and read the feed again.
            parsed = feedparser.parse(_SURROGATE_REF.sub(b"&#xFFFD;", data))
    except Exception as exc:  # any other failure of feedparser on hostile markup
        yield _rejected(path, "feed", f"malformed feed (the feed reader failed: {type(exc).__name__})", content_hash)
        return
    entries = parsed.get("entries") or []
    if not entries:
        problem = parsed.get("bozo_exception")
        why = f"malformed feed ({problem})" if problem else "feed has no entries"
        yield _rejected(path, "feed", why, content_hash)
        return
    feed_title = (parsed.get("feed") or {}).get("title")
    for i, entry in enumerate(entries, start=1):
        locator = f"entry:{i}"
        body = _entry_html(entry)
        entry_hash = sha256_hex(json.dumps([entry.get("id"), entry.get("link"), entry.get("title"), body], ensure_ascii=False))
        link = entry.get("link")
        if "<" in body:
            art = html_to_article(f"<html><body><article>{body}</article></body></html>", url=link)
            text = art["text"] if art else _TAG_RE.sub(" ", body)
        else:
            text = body
        if len(text.split()) < 15:
            reason = (
                "feed entry has no article text, only a link to a remote page (storyline does not fetch URLs)"
                if link else "feed entry has no article text"
            )
            yield _rejected(path, "feed", reason, entry_hash, locator)
            continue
        published = None
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        if stamp:
            published = f"{stamp.tm_year:04d}-{stamp.tm_mon:02d}-{stamp.tm_mday:02d}"
        outlet = entry.get("source", {}).get("title") if isinstance(entry.get("source"), dict) else None
        yield RawDocument(
            str(path), locator, text, "feed",
            title=entry.get("title"), url=link, outlet=outlet or feed_title, published=published,
            encoding="utf-8", content_hash=entry_hash,
        )


_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _iso_date(value: object) -> str | None:
    """YYYY-MM-DD from an ISO date or timestamp when it names a real day ("2024-02-30" does not)."""
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        return None
    try:
        return datetime.date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return None


def read_jsonl(path: Path, text: str, encoding: str, limits: Limits) -> Iterator[RawDocument]:
    any_line = False
    # Split on "\n" only: JSON strings may hold a raw U+2028, U+2029 or U+0085, which
    # str.splitlines() would take for line breaks.
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue  # blank lines are layout, not inputs
        any_line = True
        locator = f"line:{lineno}"
        line_hash = sha256_hex(line)
        if len(line) > limits.max_article_chars * 2:
            yield _rejected(path, "jsonl", f"line {lineno}: too long ({len(line):,} characters)", line_hash, locator)
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield _rejected(path, "jsonl", f"line {lineno}: invalid JSON ({exc.msg} at column {exc.colno})", line_hash, locator)
            continue
        except RecursionError:
            yield _rejected(path, "jsonl", f"line {lineno}: JSON nested too deeply to read", line_hash, locator)
            continue
        except ValueError as exc:  # e.g. a number too long to convert
            yield _rejected(path, "jsonl", f"line {lineno}: invalid JSON ({exc})", line_hash, locator)
            continue
        if not isinstance(obj, dict):
            yield _rejected(path, "jsonl", f"line {lineno}: expected a JSON object, got {type(obj).__name__}", line_hash, locator)
            continue
        body = obj.get("text")
        if not isinstance(body, str) or not body.strip():
            yield _rejected(path, "jsonl", f"line {lineno}: no 'text' field or it is empty", line_hash, locator)
            continue
        published = _iso_date(obj.get("published"))
        def _str(key: str) -> str | None:
            value = obj.get(key)
            return value.strip() if isinstance(value, str) and value.strip() else None
        yield RawDocument(
            str(path), locator, body, "jsonl",
            title=_str("title"), url=_str("url"), outlet=_str("source"), published=published,
            encoding=encoding, content_hash=line_hash,
        )
    if not any_line:
        yield _rejected(path, "jsonl", "JSONL file has no non-empty lines", sha256_hex(text))
