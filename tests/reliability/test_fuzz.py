"""Property-based tests (hypothesis) of the parts that see raw input first.

Bounded: a fixed number of examples per property, no deadline (a 2-core CI machine is slow and
that is not a failure), and a derandomized run so CI failures reproduce.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from storyline.clean.junk import _QUOTE_TABLE, clean_text, parse_date_string
from storyline.config import Limits
from storyline.ingest.encoding import DecodeError, decode_bytes
from storyline.ingest.readers import read_input

FUZZ = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUZZ_SLOW = settings(FUZZ, max_examples=60)

# Pieces of real scraped articles and of the junk the cleaner removes, to build lines from.
_JUNK_LINES = [
    "[ad_1]", "[ad_2] ", "ad 3", "Subscribe to our channel https://t.me/example", "Follow us on Facebook",
    "By Anna Example", "Reporting by John Smith", "News Wrap: Harbour talks end", "WORLD", "POLITICS",
    "SECURITY 18 September, 2020 10:00 am", "Updated March 3, 2024", "2021-02-25T10:00", "31.12.2023",
    "• Victor Example", "World news", "Read more: https://example.com/x", "— ", "•", "* * *", "> quoted",
    "Harbour talks end without a deal", "Harbour talks end without deal", "“Quoted headline”",
]
_BODY_LINES = [
    "The prime ministers met on Tuesday in Kessel and talked for three hours.",
    "They agreed to meet again “before the summer”, the spokesman said.",
    "Officials said a loan of 400 million euros was not discussed.",
    "  • They agreed to meet again ‘soon’,\tthe\u00a0spokesman said.",
    "Prices rose by 5 % in March 2024 [ad_3] and fell in April.",
    "Министр финансов сообщил журналистам, что бюджет проекта составит два миллиарда рублей.",
    "A line with a zero\u200bwidth space and a soft\u00adhyphen inside it, said the report.",
]
_line = st.one_of(
    st.sampled_from(_JUNK_LINES), st.sampled_from(_BODY_LINES),
    st.text(alphabet=st.sampled_from(list("abc XYZ 123.,:;!?\"'“”‘’«»-–—•*[]_/\t\u00a0\u2009\u200b\ufeffé")), max_size=60),
    st.text(max_size=40),
)
_separator = st.sampled_from(["\n", "\n\n", "\r\n", "\r", "\n \n", "\n\t\n", "\u2028", "\x0c", "\x85", "\n\n\n"])


@st.composite
def scraped_texts(draw) -> str:
    lines = draw(st.lists(_line, max_size=14))
    out = ""
    for line in lines:
        out += line + draw(_separator)
    return out


raw_texts = st.one_of(scraped_texts(), st.text(max_size=300))
titles = st.one_of(st.none(), st.sampled_from(["Harbour talks end without a deal", "Harbour talks’ end", "“Quoted headline”"]),
                   st.text(max_size=30))


@FUZZ
@given(raw=raw_texts, title=titles)
@example(raw="WORLD\n18 March 2023\nSECURITY 19 March 2023\nNATO CALL\nBody of the article goes here with words.\n",
         title=None)
@example(raw="a\n\n—\n\nb", title=None)
@example(raw="[ad_1] [ad_2]\nx", title=None)
@example(raw="Harbour talks’ end\nHarbour talks’ end here\n", title="Harbour talks’ end")
def test_cleaner_offsets_map_back_and_cleaning_is_idempotent(raw: str, title: str | None) -> None:
    result = clean_text(raw, title=title)
    text = result.text
    # Offsets: every word of the cleaned text is the original's word at the mapped offset.
    for m in re.finditer(r"\S+", text):
        for offset in (m.start(), m.end() - 1):
            assert 0 <= result.to_original(offset) < len(raw)
        start = result.to_original(m.start())
        assert raw[start:start + len(m.group(0))].translate(_QUOTE_TABLE) == m.group(0), (m.group(0), start)
    assert 0 <= result.to_original(len(text)) <= len(raw)
    # Segments: inside the texts, and each cleaned piece is its original piece.
    for seg in result.segments:
        assert raw[seg.orig_start:seg.orig_start + seg.length].translate(_QUOTE_TABLE) == \
            text[seg.clean_start:seg.clean_start + seg.length]
    # Removed spans are pieces of the original.
    for span in result.removed:
        assert raw[span.orig_start:span.orig_end] == span.text
    # Layout: no blank line at the ends, never more than one blank line, single spaces.
    assert text == text.strip() and "\n\n\n" not in text and "  " not in text
    # Idempotence: cleaning the cleaned text changes nothing.
    assert clean_text(text, title=title).text == text


@FUZZ
@given(data=st.one_of(
    st.binary(max_size=600),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.tuples(st.text(max_size=100), st.sampled_from(["utf-16-le", "utf-16-be", "utf-16", "utf-32", "cp1251",
                                                      "koi8-r", "latin-1", "utf-8-sig", "cp1252", "mac-cyrillic"]))
    .map(lambda p: p[0].encode(p[1], "replace")),
    st.tuples(st.binary(max_size=200), st.binary(max_size=200)).map(lambda p: "Пример текста\n".encode() + p[0] + b"\n" + p[1]),
))
@example(data=b"\xff\xfe\x00\xd8")  # a BOM then a lone surrogate
@example(data=b"\xfe\xff\xd8\x00\x00")
@example(data=b"\x00" * 17)
@example(data="Привет".encode("utf-16-le")[:-1])
def test_decode_bytes_raises_only_decode_error(data: bytes) -> None:
    try:
        decoded = decode_bytes(data)
    except DecodeError as exc:
        assert str(exc)
        return
    assert isinstance(decoded.text, str) and decoded.encoding
    decoded.text.encode("utf-8")  # no lone surrogates: storable


_SUFFIXES = [".txt", ".jsonl", ".xml", ".rss", ".atom", ".html", "", ".md"]
_FEEDISH = st.sampled_from([
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>A</title><description>',
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>x</title><content type="html">',
    b"<rss><channel><item><link>https://x.example/1</link></item>",
    b"<html><body><article><p>",
    b'{"text": "', b"[", b'{"text": 1}\n', b"&#xD800;", b"&#55296;", b"\xef\xbb\xbf",
])


@st.composite
def input_files(draw) -> tuple[str, bytes]:
    parts = draw(st.lists(st.one_of(_FEEDISH, st.binary(max_size=80),
                                    st.text(max_size=80).map(lambda t: t.encode("utf-8", "surrogatepass"))),
                          max_size=6))
    return draw(st.sampled_from(_SUFFIXES)), b"".join(parts)


@FUZZ_SLOW
@given(case=input_files())
@example(case=(".jsonl", b"[" * 50_000))
@example(case=(".jsonl", b'{"text": "a\\ud800b c d"}\n{"text": "x\xe2\x80\xa8y"}'))
@example(case=(".xml", b'<rss><channel><item><description>&#xD800; words words</description></item></channel></rss>'))
@example(case=(".jsonl", b'{"text": "x", "published": "2024-02-30"}\n1e999999\n' + b"9" * 5000))
def test_read_input_never_raises(case: tuple[str, bytes]) -> None:
    suffix, data = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        docs = read_input(path, Limits(max_article_chars=2_000))
    assert docs, "every input gives at least one RawDocument"
    for doc in docs:
        assert doc.reject_reason is None or doc.reject_reason.strip()
        for value in (doc.raw_text, doc.title, doc.url, doc.outlet, doc.locator, doc.reject_reason):
            if value is not None:
                value.encode("utf-8")  # storable in SQLite
        if doc.published is not None:
            dt.date.fromisoformat(doc.published)
    locators = [d.locator for d in docs]
    assert len(set(locators)) == len(locators), "two documents with the same ledger key"


@FUZZ
@given(text=st.one_of(
    st.text(max_size=80),
    st.from_regex(r"\A(\d{1,2}) (jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,? (19|20)\d\d\Z"),
    st.from_regex(r"\A(19|20)\d\d-\d\d-\d\d\Z"),
    st.from_regex(r"\A\d{1,2}\.\d{1,2}\.(19|20)\d\d\Z"),
    st.from_regex(r"\A[A-Za-z]+ \d{1,2},? (19|20)\d\d\Z"),
))
@example(text="31 February 2020")
@example(text="2021-13-45")
@example(text="29.02.2023")
def test_parse_date_string_gives_a_real_date_or_none(text: str) -> None:
    result = parse_date_string(text)
    if result is not None:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", result)
        dt.date.fromisoformat(result)


def test_parse_date_string_rejects_impossible_days() -> None:
    assert parse_date_string("31 February 2020") is None
    assert parse_date_string("29 February 2020") == "2020-02-29"
    assert parse_date_string("Updated 2021-13-45, then 3 March 2021") == "2021-03-03"


# Annotation helpers, fuzzed when they exist (they are written in parallel with this suite).

def _optional(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        pytest.skip(f"{module}.{name} does not exist yet")


_TIMEX_TEXTS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["yesterday", "last week", "on Monday", "next Friday", "21 September", "September 2020",
                     "the past two days", "early March", "three hours", "the 1990s", "Q3 2021", "2020-09-18",
                     "this morning", "around midnight", "a year ago", "every week", "spring", "0 days",
                     "31 February", "9999 years", "the 31st", "12:30 pm", "last 1000000000 years"]),
)
_REF_DATES = st.one_of(st.none(), st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))


@FUZZ_SLOW
@given(text=_TIMEX_TEXTS, ref=_REF_DATES, tense=st.sampled_from([None, "past", "present", "future"]))
def test_normalize_timex_never_crashes(text: str, ref: dt.date | None, tense: str | None) -> None:
    normalize_timex = _optional("storyline.annotate.timex", "normalize_timex")
    result = normalize_timex(text, ref, tense)
    if result is not None:
        kind, value, mod = result
        assert kind in ("DATE", "TIME", "DURATION", "SET")
        assert value is None or isinstance(value, str)
        # Normalizing the same expression again gives the same answer.
        assert normalize_timex(text, ref, tense) == result


@FUZZ_SLOW
@given(text=st.one_of(
    st.text(max_size=40),
    st.sampled_from(["$ 3-3.5 billion", "almost four hours", "more than 200 people", "5 %", "1,5 млн рублей",
                     "€ 1.2bn", "about 10,000 protesters", "nine days", "$", "0.0.0 %", "1e308 dollars",
                     "99999999999999999999999 euros", "- 5 %", "twenty-five million", "$1,000,000,000,000,000"]),
))
def test_parse_figure_never_crashes(text: str) -> None:
    parse_figure = _optional("storyline.annotate.figures", "parse_figure")
    figure = parse_figure(text)
    if figure is not None:
        assert 0 <= figure.start <= figure.end <= len(text)
        assert parse_figure(text) == figure
