"""The command line: every command documented, clear errors, exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from typer.testing import CliRunner

from storyline.cli import app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]


def _command_names(typer_app: typer.Typer, prefix: str = "") -> list[str]:
    click_group = typer.main.get_command(typer_app)
    names: list[str] = []

    def walk(group, prefix: str) -> None:
        for name, cmd in group.commands.items():
            full = f"{prefix}{name}"
            if hasattr(cmd, "commands"):
                walk(cmd, full + " ")
            else:
                names.append(full)

    walk(click_group, prefix)
    return names


def test_every_command_is_documented() -> None:
    docs = (REPO / "README.md").read_text(encoding="utf-8")
    for page in (REPO / "docs").glob("*.md"):
        docs += page.read_text(encoding="utf-8")
    names = _command_names(app)
    assert {"build", "ledger", "export"} <= set(names)
    for name in names:
        assert re.search(rf"storyline {re.escape(name)}\b", docs), f"`storyline {name}` is not documented"


def test_every_command_has_help_text() -> None:
    for name in _command_names(app):
        result = runner.invoke(app, [*name.split(), "--help"])
        assert result.exit_code == 0, name
        assert len(result.output.strip().splitlines()) > 3, name


def test_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", str(tmp_path / "nope"), "--db", str(tmp_path / "x.db"), "--no-progress"])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_missing_database_is_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ledger", "--db", str(tmp_path / "absent.db")])
    assert result.exit_code == 1
    assert "no such database" in result.output
    assert "Traceback" not in result.output


def test_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_text("hello, not sqlite")
    result = runner.invoke(app, ["summary", "--db", str(bogus)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_build_ledger_export_and_rejected_exit_code(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "ok.txt").write_text(
        "The ministers of Norland and Sudmark signed a fisheries agreement in Kessel on Monday after two days "
        "of talks, officials said. The deal sets catch limits for the next five years.", encoding="utf-8")
    (src / "empty.txt").write_text("")
    db = tmp_path / "s.db"
    result = runner.invoke(app, ["build", str(src), "--db", str(db), "--no-progress", "--no-annotate"])
    assert result.exit_code == 3, result.output
    assert "1 ingested" in result.output and "1 rejected" in result.output
    result = runner.invoke(app, ["ledger", "--db", str(db), "--state", "rejected", "--json"])
    assert result.exit_code == 0 and "empty file" in result.output
    out = tmp_path / "export.json"
    result = runner.invoke(app, ["export", "--db", str(db), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0
    import json

    data = json.loads(out.read_text())
    assert len(data["articles"]) == 1 and len(data["ledger"]) == 2
    result = runner.invoke(app, ["export", "--db", str(db), "--format", "xml"])
    assert result.exit_code == 2
