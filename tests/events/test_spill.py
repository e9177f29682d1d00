"""The build's spill of usable mentions (storyline.events.spill.MentionSpill)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from storyline.events import spill as spill_module
from storyline.events.model import EventMention
from storyline.events.spill import MentionSpill


def _mentions(n: int, article: str = "a") -> list[EventMention]:
    out = []
    for k in range(n):
        m = EventMention(article_id=f"{article}{k // 4}", sentence_index=k % 4, start=10 * k, end=10 * k + 4,
                         trigger="met", event_type="meeting", date_value="2021-02-22", date_source="explicit",
                         place_id="g1", place_ids=["g1", "g2"], participant_ids=["p1"], antecedent=None)
        out.append(replace(m, names={"p1": 0.5, f"n{k}": 1.0}, lead=k % 2 == 0, site_ids=frozenset({"g2"}),
                           weight=float(k % 3 + 1)))
    return out


def test_spill_gives_back_the_mentions_in_order_by_position_and_their_fields(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(spill_module, "READ_CHUNK", 7)  # several chunks
    monkeypatch.setattr(spill_module, "_IN_LIST", 3)  # several IN lists
    first, second = _mentions(10, "a"), _mentions(13, "b")
    with MentionSpill(tmp_path) as spill:
        spill.add(first, {"a0": "2021-02-23T10:00:00", "a1": None})
        spill.add(second, {"b0": "2021-03-01"})
        assert len(spill) == 23
        everything = first + second
        got = list(spill)
        assert got == everything
        # fields that do not take part in == travel too (grouping reads them)
        assert [(m.names, m.lead, m.site_ids, m.weight) for m in got] == \
               [(m.names, m.lead, m.site_ids, m.weight) for m in everything]
        positions = [22, 0, 5, 5, 13]
        assert spill(positions) == [everything[i] for i in positions]
        assert spill.locations(positions) == [(everything[i].article_id, everything[i].start, everything[i].end)
                                              for i in positions]
        assert spill.published(["a0", "a1", "b0", "zz"]) == {"a0": "2021-02-23", "b0": "2021-03-01"}
        assert list(spill) == everything  # iterating again starts over
        with pytest.raises(IndexError):
            spill([23])
        # The file has no name left while in use: nothing stays behind, even if the build is killed.
        assert spill.path.parent == tmp_path and list(tmp_path.iterdir()) == []
    spill.close()  # closing twice is harmless
    with pytest.raises(ValueError):
        list(spill)


def test_spill_in_the_system_temp_dir_leaves_no_file() -> None:
    spill = MentionSpill()
    spill.add(_mentions(2))
    assert not spill.path.exists() and spill([1]) == _mentions(2)[1:]
    spill.close()


def test_a_killed_build_leaves_no_spill_file(tmp_path: Path) -> None:
    """The process holding a spill dies without closing it: its directory stays empty."""
    import subprocess
    import sys

    code = ("import os, sys; from storyline.events.spill import MentionSpill; "
            f"s = MentionSpill({str(tmp_path)!r}); print(len(os.listdir({str(tmp_path)!r}))); os._exit(9)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 9 and done.stdout.strip() == "0", done.stderr
    assert list(tmp_path.iterdir()) == []
