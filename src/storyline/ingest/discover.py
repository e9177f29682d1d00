"""Find the input files named on the command line: files, folders (recursive) and globs."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass
class FoundFile:
    path: Path  # absolute, not resolved (so symlinks keep the name the user sees)
    problem: str | None = None  # set when the file cannot even be opened


class InputPathError(ValueError):
    """A path given by the user matches nothing."""


def _walk(folder: Path) -> list[FoundFile]:
    found: list[FoundFile] = []
    seen_dirs: set[tuple[int, int]] = set()

    def visit(d: Path) -> None:
        try:
            st = d.stat()
        except OSError as exc:
            found.append(FoundFile(d, f"cannot read folder: {exc.strerror or exc}"))
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:  # a symlink loop or a second link to a folder we walked
            return
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            found.append(FoundFile(d, f"cannot list folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue  # hidden files and folders (.git, editor swap files)
            p = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError as exc:
                found.append(FoundFile(p, f"cannot follow link: {exc.strerror or exc}"))
                continue
            if is_dir:
                visit(p)
            elif entry.is_symlink() and not p.exists():
                found.append(FoundFile(p, "broken or looping symbolic link"))
            else:
                found.append(FoundFile(p))

    visit(folder)
    return found


def discover_inputs(specs: list[str]) -> list[FoundFile]:
    """Expand `specs` into files in a stable order; raise InputPathError for a spec that matches nothing."""
    out: list[FoundFile] = []
    seen: set[str] = set()
    for spec in specs:
        path = Path(spec).expanduser()
        if path.is_dir():
            candidates = _walk(path.absolute())
        elif path.exists() or path.is_symlink():
            candidates = [FoundFile(path.absolute(), None if path.exists() else "broken or looping symbolic link")]
        else:
            matches = sorted(glob.glob(spec, recursive=True))
            if not matches:
                raise InputPathError(f"{spec}: no such file, folder or glob match")
            candidates = []
            for m in matches:
                mp = Path(m)
                candidates.extend(_walk(mp.absolute()) if mp.is_dir() else [FoundFile(mp.absolute())])
        for c in candidates:
            key = str(c.path)
            if key not in seen:
                seen.add(key)
                out.append(c)
    return out
