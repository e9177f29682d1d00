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


def timeline_table(events: list[dict]) -> Table:
    table = Table(title="Timeline", show_lines=True)
    for col in ("date", "event", "who", "where", "sources (main/mentioning)", "facts"):
        table.add_column(col, overflow="fold")
    for e in events:
        facts = []
        for f in e["facts"]:
            mark = {"conflict": "[red]✗ conflict[/]", "agree": "[green]✓ agree[/]", "single": "single"}[f["status"]]
            facts.append(f"{f['attribute']}: {mark}")
        sources = f"{len(e['main_articles'])}/{len(e['mentioning_articles'])}"
        if e["main_sources"]:
            sources += "\n" + ", ".join(e["main_sources"])
        table.add_row(e["date_display"], f"{e['title']}\n[dim]{e['event_id']} · {e['status']}[/]",
                      ", ".join(e["participants"]), e["place"] or "—", sources, "\n".join(facts))
    return table


def print_event(console: Console, event: dict) -> None:
    console.print(f"[bold]{event['title']}[/]  [dim]{event['event_id']}[/]")
    console.print(f"date: {event['date_display']} (precision {event['date_precision']}, "
                  f"confidence {event['date_confidence']:.2f}) · status: {event['status']}")
    console.print(f"place: {event['place'] or '—'} · participants: {', '.join(event['participants']) or '—'}")
    console.print(f"main sources: {', '.join(event['main_sources']) or '—'}; "
                  f"also mentioned by: {', '.join(event['mentioning_sources']) or '—'}")
    for rec in event["reconciliations"]:
        style = {"conflict": "red", "agree": "green", "single": "white"}[rec["status"]]
        console.print(f"\n[bold {style}]{rec['attribute']}: {rec['status']}[/] — {rec['explanation']}")
        for f in (f for f in event["fact_values"] if f["attribute"] == rec["attribute"]):
            console.print(f"  • {f['text']!r} ({f['modality']}"
                          + (f", speaker {f['speaker']}" if f["speaker"] else "") + f") — {f['source']}"
                          + f" [dim][{f['article_id']} {f['start']}–{f['end']}][/]", highlight=False)
            console.print(f"    [italic]“{f['quote']}”[/]", highlight=False)
    if event["key_sentences"]:
        console.print("\n[bold]key sentences[/]")
        for s in event["key_sentences"]:
            console.print(f"  • {s['text']} — {s['source']}", highlight=False)
