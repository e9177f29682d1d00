"""Rich renderings of the store for the terminal."""

from __future__ import annotations

import json
import os
import sqlite3

from rich.console import Console
from rich.table import Table

from storyline.store.sqlite import Store


def _short_names(keys: list[str]) -> dict[str, str]:
    """Input keys relative to their common folder, so the table shows what differs."""
    paths = [k.split("#", 1)[0] for k in keys]
    if len(set(paths)) < 2:
        return {k: os.path.basename(k) for k in keys}
    root = os.path.commonpath(paths)
    return {k: os.path.relpath(k, root) if k.startswith(root) else k for k in keys}


def ledger_table(rows: list[sqlite3.Row]) -> Table:
    names = _short_names([r["input_key"] for r in rows])
    table = Table(title="Ledger", show_lines=False)
    for col in ("input", "format", "state", "detail"):
        table.add_column(col, overflow="fold")
    styles = {"ingested": "green", "duplicate": "yellow", "rejected": "red"}
    for r in rows:
        if r["state"] == "duplicate":
            detail = f"{r['duplicate_kind']} duplicate of {r['article_id']}"
            if r["duplicate_kind"] == "near":
                detail += f" (similarity {r['similarity']:.2f})"
        elif r["state"] == "rejected":
            detail = r["reason"] or ""
        else:
            detail = r["article_id"] or ""
        table.add_row(names[r["input_key"]], r["fmt"], f"[{styles[r['state']]}]{r['state']}[/]", detail)
    return table


def articles_table(rows: list[sqlite3.Row]) -> Table:
    table = Table(title="Articles")
    for col in ("article", "published", "outlet", "lang", "words", "title", "reprinted by"):
        table.add_column(col, overflow="fold")
    for r in rows:
        published = f"{r['published'] or '—'} ({r['published_source']})"
        reprints = ", ".join(json.loads(r["reprinted_by"]))
        table.add_row(r["article_id"][:9], published, r["outlet"] or "—", r["language"], str(r["word_count"]),
                      (r["title"] or "")[:80], reprints)
    return table


def print_summary(console: Console, store: Store) -> None:
    counts = store.ledger_counts()
    arts = store.articles()
    dates = sorted(r["published"] for r in arts if r["published"])
    outlets = sorted({r["outlet"] for r in arts if r["outlet"]})
    console.print(f"[bold]{store.path}[/]: {len(arts)} articles from {len(outlets)} outlets"
                  + (f", published {dates[0]} … {dates[-1]}" if dates else ""))
    console.print(f"ledger: {counts['ingested']} ingested, {counts['duplicate']} duplicate, "
                  f"{counts['rejected']} rejected")
