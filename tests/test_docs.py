"""The architecture page stays in step with the code: every stage's name and version in its
table of stages is the one the module declares (``STAGE`` / ``STAGE_VERSION``)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ARCHITECTURE = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"

# A row of the stages table: | stage (`module/path.py`...) | `STAGE` version[, `STAGE` version] | ...
_ROW = re.compile(r"^\| [^|]*?\(`(?P<module>[a-z_/]+)\.py[^|]*\| (?P<versions>(?:`[a-z_]+` \d+(?:, )?)+) \|", re.M)
_VERSION = re.compile(r"`([a-z_]+)` (\d+)")


def _declared() -> dict[str, str]:
    """STAGE -> STAGE_VERSION over every module that declares one."""
    root = Path(__file__).resolve().parents[1] / "src" / "storyline"
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "STAGE_VERSION = " not in text:
            continue
        name = ".".join(("storyline", *path.relative_to(root).with_suffix("").parts))
        module = importlib.import_module(name)
        out[module.STAGE] = module.STAGE_VERSION
    return out


def test_architecture_table_gives_each_stage_its_current_version() -> None:
    declared = _declared()
    rows = list(_ROW.finditer(ARCHITECTURE.read_text(encoding="utf-8")))
    assert len(rows) >= 10, "the stages table was not found"
    stated = [(stage, version) for row in rows for stage, version in _VERSION.findall(row["versions"])]
    for stage, version in stated:
        assert stage in declared, f"docs/architecture.md names a stage `{stage}` that no module declares"
        assert declared[stage] == version, (
            f"docs/architecture.md gives `{stage}` version {version}; the code says {declared[stage]}")
    missing = {"timex", "event_mentions", "event_grouping", "event_facts", "stories"} - {s for s, _ in stated}
    assert not missing, f"stages missing from docs/architecture.md: {sorted(missing)}"
