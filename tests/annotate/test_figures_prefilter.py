"""figures._scan runs its long patterns only on texts where a simpler pattern that every match
needs (a number expression, a duration unit) occurs: the same figures as scanning every text."""

from __future__ import annotations

import re

from storyline.annotate import figures
from tests.conftest import EXAMPLES

_EXTRA = [
    "The talks lasted almost four hours.", "They met for an hour and a half.", "half an hour later",
    "Prices rose 47 per cent to 128 dollars per 1,000 cubic metres.", "between $3 and $3.5 billion",
    "several thousand people", "a couple of dozen protesters", "hundreds of thousands of people",
    "over a month", "two and a half hours", "USD 1.5 bn", "The minister spoke.", "", "a few",
    "one hundred and twenty soldiers", "in the 1990s", "a day earlier", "for a week", "10 billion a year",
]


def _texts() -> list[str]:
    out = list(_EXTRA)
    for path in sorted((EXAMPLES / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [line for line in text.splitlines() if line.strip()]
        out += re.split(r"(?<=[.!?])\s+", text)
    return out


def test_prefilters_do_not_change_what_scan_finds(monkeypatch) -> None:
    texts = _texts()
    with_prefilter = [[(c.figure, c.bare_scaled) for c in figures._scan(t)] for t in texts]
    always = re.compile("")
    monkeypatch.setattr(figures, "_HAS_NUMBER", always)
    monkeypatch.setattr(figures, "_HAS_DUR_UNIT", always)
    without = [[(c.figure, c.bare_scaled) for c in figures._scan(t)] for t in texts]
    assert with_prefilter == without
    assert sum(map(len, without)) > 30
