"""Small helpers of storyline.records."""

from __future__ import annotations

from storyline.records import input_key, source_name


def test_source_name_is_the_outlet_or_the_file_name_without_its_locator():
    assert source_name("Coastal Times", "/corpus/coastal.txt") == "Coastal Times"
    assert source_name(None, "/corpus/coastal.txt") == "coastal.txt"
    assert source_name("", input_key("/corpus/wire.jsonl", "line:3")) == "wire.jsonl"
    # a file literally named with '#' and '%' keeps its name (the key percent-encodes them)
    assert source_name(None, input_key("/in/odd#1 100%.txt", "entry:2")) == "odd#1 100%.txt"
