from __future__ import annotations

import re
from pathlib import Path

from storyline.clean.junk import clean_text, parse_date_string

ARTICLE = """POLITICS 12 March, 2024 09:30 am

Harbour talks end without a deal

[ad_1]
News Wrap: Harbour talks end without a deal
The prime ministers of Norland and Sudmark met on Tuesday in Kessel and talked for three hours.
  • They agreed to meet again “before the summer”, the Norland spokesman said.
Subscribe to our channel https://t.me/invented_channel
Officials said a loan of 400 million euros was not discussed.
Harbour talks end without deal
Follow us on Facebook and share this article
By Anna Example
World news
"""


def test_junk_lines_are_removed_with_their_rule() -> None:
    result = clean_text(ARTICLE)
    rules = {r.rule for r in result.removed}
    assert {"dateline", "ad_placeholder", "repeated_headline", "channel_link", "call_to_action"} <= rules
    for junk in ("[ad_1]", "News Wrap", "Subscribe", "t.me", "Follow us", "By Anna Example", "World news", "POLITICS"):
        assert junk not in result.text
    assert result.dateline_date == "2024-03-12"
    assert result.title_line == "Harbour talks end without a deal"
    assert result.text.count("Harbour talks end without") == 1


def test_body_sentences_survive_with_normalized_quotes_and_bullets() -> None:
    result = clean_text(ARTICLE)
    assert "talked for three hours." in result.text
    assert 'They agreed to meet again "before the summer", the Norland spokesman said.' in result.text
    assert "•" not in result.text
    assert "Officials said a loan of 400 million euros was not discussed." in result.text


def test_offsets_map_back_to_the_original() -> None:
    result = clean_text(ARTICLE)
    for m in re.finditer(r"\w+", result.text):
        start = result.to_original(m.start())
        assert ARTICLE[start : start + len(m.group(0))] == m.group(0)


def test_whitespace_is_collapsed() -> None:
    result = clean_text("A first   line with\tgaps and enough words to count.\n\n\n\nA second line of the body.")
    assert result.text == "A first line with gaps and enough words to count.\n\nA second line of the body."


def test_segments_join_tokens_only_across_single_spaces() -> None:
    # single spaces continue a segment; a double space, a tab, a leading bullet or an inline ad
    # placeholder start a new one, and every kept character maps back to itself
    raw = "• One two  three\tfour [ad_2] five six seven eight.\nNine “ten” eleven twelve words here."
    result = clean_text(raw)
    assert result.text == 'One two three four five six seven eight.\nNine "ten" eleven twelve words here.'
    assert [(s.clean_start, s.orig_start, s.length) for s in result.segments] == [
        (0, 2, 7), (8, 11, 5), (14, 17, 4), (19, 29, 21), (41, 51, 36)]
    assert [(r.rule, r.text) for r in result.removed] == [("bullet", "•"), ("ad_placeholder", "[ad_2]")]
    for k, ch in enumerate(result.text):
        if ch not in " \n\"":
            assert raw[result.to_original(k)] == ch


def test_parse_date_string_forms() -> None:
    assert parse_date_string("SECURITY 18 September, 2020 10:00 am") == "2020-09-18"
    assert parse_date_string("Updated March 3, 2024") == "2024-03-03"
    assert parse_date_string("2021-02-25T10:00") == "2021-02-25"
    assert parse_date_string("On 22 February") is None  # no year: not a full date


# The seeds: junk must go, every sentence of the body must stay.
SEED_JUNK = {
    "004": ["[ad_1]", "Subscribe to our channel", "News of Correspondent.net on Telegram"],
    "003": ["World news", "News Wrap:", "Victor Vladimirov"],
    "002": ["SECURITY 18 September"],
}


def _norm(s: str) -> str:
    s = s.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\u00a0": " "}))
    return " ".join(s.replace("•", " ").split())


def test_seeds_lose_junk_and_keep_every_body_sentence(seeds_dir: Path) -> None:
    for path in sorted(seeds_dir.glob("0*.txt")):
        raw = path.read_text(encoding="utf-8")
        result = clean_text(raw)
        junk = SEED_JUNK.get(path.name[:3], [])
        for j in junk:
            assert j not in result.text, (path.name, j)
        cleaned = _norm(result.text)
        for line in raw.splitlines():
            if not line.strip() or any(j in line for j in junk):
                continue
            words = line.split()
            if len(words) < 6 and not line.strip().endswith("."):
                continue  # headings: the duplicated ones are removed on purpose
            if line.startswith("Putin - Lukashenko: meeting with"):
                continue  # a duplicated headline line, removed on purpose
            for sentence in re.split(r"(?<=[.!?])\s+", line.strip()):
                assert _norm(sentence) in cleaned, (path.name, sentence)
    # the repeated headline of 003 appears once (as its title)
    text_003 = clean_text((seeds_dir / "003_36f4d99851d2c529.txt").read_text(encoding="utf-8")).text
    assert text_003.count("meeting with opaque results") == 1
    assert "non-transparent results" not in text_003


def test_a_short_sentence_with_a_date_is_not_a_dateline() -> None:
    # The second line of an excerpt, a sentence of the body, names a birth date: it stays in the
    # text and does not become the article's date.
    text = ("Arlo Vennick, the painter of harbour scenes, died on Sunday in Brennik.\n"
            "Vennick was born on May 3, 1931, in Osk.\n"
            "He had lived in the town for sixty years and painted it every summer.")
    result = clean_text(text)
    assert result.dateline_date is None
    assert "born on May 3, 1931" in result.text
    # A dateline stays one, with or without a closing full stop.
    assert clean_text("Thursday, December 11, 2031.\n" + text).dateline_date == "2031-12-11"
    assert clean_text("Last updated on: Nov. 11, 2031 19:04\n" + text).dateline_date == "2031-11-11"
