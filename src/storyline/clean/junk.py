"""Remove scraper junk and boilerplate lines; normalize whitespace and quotes.

The cleaner works line by line. Each original line is either dropped (with the rule that
dropped it, kept as a RemovedSpan) or kept, with its words re-joined by single spaces and
its typographic quotes straightened. Every kept character keeps a link to its original
offset through OffsetSegments, so any span found later can be shown in the original text.
"""

from __future__ import annotations

import bisect
import datetime
import re
from dataclasses import dataclass, field
from functools import lru_cache

from storyline.records import OffsetSegment, RemovedSpan

STAGE = "clean"
STAGE_VERSION = "3"

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
            ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
            ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_MONTH_RE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_RE}),?\s+((?:19|20)\d\d)\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH_RE})\s+(\d{{1,2}}),?\s+((?:19|20)\d\d)\b", re.I)
_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d{2})-(\d{2})(?!\d)")
_DOTTED = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)\b")

_AD_PLACEHOLDER = re.compile(r"^\[?\s*ad[_\s-]?\d+\s*\]?$", re.I)
_INLINE_AD = re.compile(r"^\[ad[_-]?\d+\]$", re.I)
_URL = re.compile(r"(https?://|www\.|t\.me/)\S+", re.I)
_CALL_TO_ACTION = re.compile(
    r"\b(subscribe|follow us|follow our|share (this|on)|sign up|newsletter|join us on|join our|"
    r"download (our|the) app|read (more|also)|click here|related articles?|advertisement|"
    r"all rights reserved|cookie|our telegram|on telegram|our channel|appeared first on)\b",
    re.I,
)
_BYLINE = re.compile(
    r"^(by|author:?|written by|reporting by|text:|photo:)\s+[A-Z][\w.'’-]*(\s+[A-Z][\w.'’-]*){0,3}$", re.I
)
# Kicker labels that scrapers copy above a headline ("News Wrap: …"); the label list is short
# on purpose: anything else of that shape is checked against the title instead.
_KICKER = re.compile(r"^(news wrap|breaking(?: news)?|update[d]?|live|watch|video|photos?|exclusive|read also|see also)\s*[:|-]\s", re.I)
_BULLET_CHARS = set("•·▪►◦‣∙●○■□-–—*>")
# Words (not numbers) besides the date in a line that ends with a full stop, from which on it is a
# sentence.
SENTENCE_WORDS = 3
_TERMINAL = ('.', '!', '?', '"', '”', '…', ':', ';', ')')
_WORD = re.compile(r"\w+")

# 1:1 replacements so offsets stay aligned.
_QUOTE_TABLE = str.maketrans({
    "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‟": '"',
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ",
})
_VISIBLE = r"[^\s\u200b\u200c\u200d\u2060\ufeff]+"
_TOKEN = re.compile(_VISIBLE)
# Tokens joined by single plain spaces: the cleaner writes such a run as it is (one offset segment).
_RUN = re.compile(rf"{_VISIBLE}(?: {_VISIBLE})*")


@dataclass
class CleanResult:
    text: str
    segments: list[OffsetSegment]
    removed: list[RemovedSpan]
    title_line: str | None = None  # the first kept line when it looks like a headline
    dateline_date: str | None = None  # ISO date taken from a dateline at the top
    dateline_text: str | None = None
    stage: str = STAGE
    stage_version: str = STAGE_VERSION
    _starts: list[int] = field(default_factory=list, repr=False)

    def to_original(self, offset: int) -> int:
        """Map an offset in the cleaned text to the original text."""
        if not self.segments:
            return 0
        if not self._starts:
            self._starts = [s.clean_start for s in self.segments]
        i = bisect.bisect_right(self._starts, offset) - 1
        if i < 0:
            return self.segments[0].orig_start
        seg = self.segments[i]
        # Offsets in an inserted gap (the single space or newline we wrote) map to the end of
        # the segment before them.
        return seg.orig_start + min(offset - seg.clean_start, seg.length)


def parse_date_string(text: str) -> str | None:
    """An ISO date from a full date with a year written in `text` ("18 September, 2020"), else None."""
    for rx, order in ((_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy"), (_ISO, "ymd"), (_DOTTED, "dmy_num")):
        m = rx.search(text)
        if not m:
            continue
        try:
            if order == "dmy":
                day, month, year = int(m.group(1)), _MONTHS[m.group(2).lower().rstrip(".")], int(m.group(3))
            elif order == "mdy":
                month, day, year = _MONTHS[m.group(1).lower().rstrip(".")], int(m.group(2)), int(m.group(3))
            elif order == "ymd":
                year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
            else:
                day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        except KeyError:
            continue
        try:
            return datetime.date(year, month, day).isoformat()
        except ValueError:  # "31 February 2020", "2021-13-45": not a date
            continue
    return None


def _reads_as_sentence(line: str) -> bool:
    """A short line that ends like a sentence and says more than the date ("Smith was born on
    April 22, 1923, in Leeds."): text, not a dateline. A dateline holds a date, perhaps a time, a
    section or a verb of publishing ("Posted on", "Last updated"), and no full stop after words."""
    stripped = line.strip()
    if not stripped.endswith((".", "!", "?")):
        return False
    rest = stripped
    for rx in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR, _ISO, _DOTTED):
        rest = rx.sub(" ", rest)
    return sum(1 for word in _WORD.findall(rest) if not word.isdigit()) >= SENTENCE_WORDS


@lru_cache(maxsize=256)
def _words(line: str) -> tuple[str, ...]:
    # A line's words are asked for by several rules and again when it is kept: found once.
    return tuple(_WORD.findall(line.lower()))


def _headline_like(line: str) -> bool:
    s = line.strip()
    return 0 < len(_words(s)) <= 20 and not s.endswith(_TERMINAL)


def _similar_headline(a: str, b: str) -> bool:
    wa, wb = set(_words(a)), set(_words(b))
    if not wa or not wb:
        return False
    return len(wa & wb) / len(wa | wb) >= 0.5


def _classify_line(line: str, *, index: int, n_lines: int, title: str | None, seen: set[str],
                   leading: bool) -> str | None:
    """The rule that drops this line, or None to keep it."""
    s = line.strip()
    s_plain = s.lstrip("".join(_BULLET_CHARS)).strip()
    words = _words(s_plain)
    if _AD_PLACEHOLDER.match(s_plain):
        return "ad_placeholder"
    # the word counts first: a body paragraph is longer, and then no pattern is searched
    if len(words) <= 25 and _URL.search(s_plain) and (len(words) <= 8 or _CALL_TO_ACTION.search(s_plain)):
        return "channel_link"
    if len(words) <= 20 and _CALL_TO_ACTION.search(s_plain):
        return "call_to_action"
    if _BYLINE.match(s_plain):
        return "byline"
    if _KICKER.match(s_plain) and _headline_like(s_plain):
        return "repeated_headline"
    if title and s_plain != title and _headline_like(s_plain) and _similar_headline(s_plain, title):
        return "repeated_headline"
    if leading and len(words) <= 2 and s_plain.isupper():
        return "section_label"
    key = " ".join(words)
    if len(key) > 30 and key in seen:
        return "repeated_line"
    return None


def _normalize_title(title: str | None) -> str | None:
    """A known headline in the form the cleaner writes lines: single spaces, straight quotes."""
    if not title:
        return None
    norm = " ".join(_TOKEN.findall(title)).translate(_QUOTE_TABLE).strip()
    return norm or None


@dataclass
class _Line:
    start: int  # offset of the line in the original text
    text: str  # the original line, without its line break
    # (original offset, text) of each run of kept tokens that the original separates by single
    # plain spaces: the cleaner writes the runs joined by single spaces, one offset segment each
    runs: list[tuple[int, str]]
    token_removals: list[RemovedSpan]  # leading bullets and inline ad placeholders
    norm: str  # the line as the cleaner writes it: kept tokens, single spaces, straight quotes


def _is_bullet(token: str) -> bool:
    return all(ch in _BULLET_CHARS for ch in token)


def _split_line(start: int, text: str) -> _Line:
    if "[" not in text:  # no inline ad placeholder ("[ad_3]") ...
        runs = [(start + m.start(), m.group()) for m in _RUN.finditer(text)]
        if not runs or not _is_bullet(runs[0][1].split(" ", 1)[0]):  # ... and no leading bullet
            return _Line(start, text, runs, [], " ".join([run for _, run in runs]).translate(_QUOTE_TABLE))
    removals: list[RemovedSpan] = []
    runs = []
    for m in _TOKEN.finditer(text):
        orig, tok = start + m.start(), m.group()
        if not runs and _is_bullet(tok):
            removals.append(RemovedSpan(orig, orig + len(tok), tok, "bullet"))
        elif _INLINE_AD.match(tok):
            removals.append(RemovedSpan(orig, orig + len(tok), tok, "ad_placeholder"))
        elif runs and orig == runs[-1][0] + len(runs[-1][1]) + 1 and text[orig - start - 1] == " ":
            runs[-1] = (runs[-1][0], f"{runs[-1][1]} {tok}")
        else:
            runs.append((orig, tok))
    return _Line(start, text, runs, removals, " ".join([run for _, run in runs]).translate(_QUOTE_TABLE))


def clean_text(raw: str, title: str | None = None) -> CleanResult:
    """Clean `raw`; `title` is a known headline (from metadata) used to spot repeated headlines.

    Every rule looks at a line in the form the cleaner writes it (kept tokens joined by single
    spaces, straight quotes), and rules that depend on position (dateline, section label, title
    line) count only the lines kept so far. So the cleaned text is a fixed point: cleaning it
    again changes nothing.
    """
    lines: list[_Line] = []
    pos = 0
    for piece in raw.splitlines(keepends=True):
        lines.append(_split_line(pos, piece.rstrip("\r\n")))
        pos += len(piece)

    removed: list[RemovedSpan] = []
    keep: list[bool] = [False] * len(lines)

    def drop(line: _Line, rule: str) -> None:
        removed.append(RemovedSpan(line.start, line.start + len(line.text), line.text, rule))

    dateline_date = dateline_text = None
    seen: set[str] = set()
    known_title = _normalize_title(title)
    title_line: str | None = None
    kept: list[int] = []
    for i, line in enumerate(lines):
        if not line.runs:
            if line.token_removals:  # a line of nothing but bullets or ad placeholders
                drop(line, "ad_placeholder" if any(r.rule == "ad_placeholder" for r in line.token_removals)
                     else "bullet")
            continue  # blank (or only invisible characters)
        text = line.norm
        # A dateline among the first lines: "SECURITY 18 September, 2020 10:00 am".
        if len(kept) < 3:
            date = parse_date_string(text)
            if date and len(_words(text)) <= 10 and not _reads_as_sentence(text):
                if dateline_date is None:
                    dateline_date, dateline_text = date, text
                drop(line, "dateline")
                continue
        rule = _classify_line(text, index=len(kept), n_lines=len(lines), title=known_title or title_line,
                              seen=seen, leading=len(kept) < 2)
        if rule:
            drop(line, rule)
            continue
        keep[i] = True
        plain = text.lstrip("".join(_BULLET_CHARS)).strip()
        seen.add(" ".join(_words(plain)))
        if title_line is None and known_title is None and not kept and _headline_like(plain):
            title_line = plain
        kept.append(i)

    # Trailing labels and bylines: short unpunctuated lines after the last real paragraph
    # ("• Victor Example", "World news").
    for i in reversed(kept):
        plain = lines[i].norm.lstrip("".join(_BULLET_CHARS)).strip()
        if len(_words(plain)) <= 5 and not plain.endswith(_TERMINAL) and plain != (known_title or title_line):
            keep[i] = False
            drop(lines[i], "trailing_label_or_byline")
        else:
            break

    out: list[str] = []
    segments: list[OffsetSegment] = []
    length = 0
    prev_kept: int | None = None
    for i, line in enumerate(lines):
        if not keep[i]:
            continue
        if prev_kept is not None:
            blank_between = any(not lines[j].runs and not lines[j].token_removals for j in range(prev_kept + 1, i))
            sep = "\n\n" if blank_between else "\n"
            out.append(sep)
            length += len(sep)
        prev_kept = i
        removed.extend(line.token_removals)
        # The line is written as its `norm`: its runs joined by single spaces, one segment each.
        at = length
        for orig, run in line.runs:
            if at > length:
                at += 1
            segments.append(OffsetSegment(at, orig, len(run)))
            at += len(run)
        out.append(line.norm)
        length += len(line.norm)
    removed.sort(key=lambda r: (r.orig_start, r.orig_end))
    return CleanResult("".join(out), segments, removed, title_line, dateline_date, dateline_text)
