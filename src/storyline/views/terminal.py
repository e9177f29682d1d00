"""Rich renderings of the store for the terminal."""

from __future__ import annotations

import json
import os
import sqlite3

from rich.console import Console
from rich.markup import escape
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
        table.add_row(escape(names[r["input_key"]]), r["fmt"], f"[{styles[r['state']]}]{r['state']}[/]", escape(detail))
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
    console.print(f"[bold]{escape(store.label)}[/]: {len(arts)} articles from {len(outlets)} outlets"
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
    story = event.get("story")
    if story and story["events"] > 1:
        console.print(f"story: {escape(story['title'])} ({story['events']} events, {story['articles']} articles) "
                      f"[dim]{story['story_id']}[/]", highlight=False)
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


def stories_table(stories: list[dict]) -> Table:
    """One row per story: its dates, title, articles and events (ids and titles)."""
    table = Table(title="Stories")
    for col in ("dates", "story", "articles", "events"):
        table.add_column(col, overflow="fold")
    for s in stories:
        dates = s["date_from"] or "—"
        if s["date_to"] and s["date_to"] != s["date_from"]:
            dates += f" – {s['date_to']}"
        events = "\n".join(f"{e['event_id']} {escape(e['title'])}" for e in s["events"])
        table.add_row(dates, f"{escape(s['title'])}\n[dim]{s['story_id']}[/]", str(s["articles"]), events)
    return table


def _source_names(store: Store) -> dict[str, str]:
    return {r["article_id"]: r["outlet"] or os.path.basename(r["input_key"])
            for r in store.conn.execute("SELECT article_id, outlet, input_key FROM articles")}


def entities_table(store: Store, label: str | None = None, limit: int = 50) -> Table:
    table = Table(title="Entities")
    for col in ("entity", "label", "mentions", "aliases (count)", "articles"):
        table.add_column(col, overflow="fold")
    where, args = ("WHERE e.label = ?", (label,)) if label else ("", ())
    rows = store.conn.execute(
        f"SELECT e.entity_id, e.canonical, e.label, e.mentions, "
        f"(SELECT COUNT(DISTINCT article_id) FROM entity_mentions m WHERE m.entity_id = e.entity_id) AS n_articles "
        f"FROM entities e {where} ORDER BY e.mentions DESC, e.canonical LIMIT ?", (*args, limit)).fetchall()
    for r in rows:
        aliases = store.conn.execute(
            "SELECT alias, count FROM entity_aliases WHERE entity_id = ? ORDER BY count DESC, alias", (r["entity_id"],))
        table.add_row(f"{r['canonical']}\n[dim]{r['entity_id']}[/]", r["label"], str(r["mentions"]),
                      ", ".join(f"{a['alias']} ({a['count']})" for a in aliases), str(r["n_articles"]))
    return table


def _sentence(store: Store, article_id: str, index: int) -> str:
    row = store.conn.execute("SELECT text FROM sentences WHERE article_id = ? AND sentence_index = ?",
                             (article_id, index)).fetchone()
    return row["text"] if row else ""


def figures_table(store: Store, kind: str | None = None, limit: int = 200) -> Table:
    names = _source_names(store)
    table = Table(title="Figures", show_lines=True)
    for col in ("figure", "value", "modality", "speaker / cue", "source", "sentence"):
        table.add_column(col, overflow="fold")
    where, args = ("WHERE kind = ?", (kind,)) if kind else ("", ())
    for r in store.conn.execute(f"SELECT * FROM figures {where} ORDER BY article_id, start LIMIT ?", (*args, limit)):
        value = r["timex"] or (f"{r['value']:g}" if r["value"] is not None else "?")
        if r["value_max"] is not None:
            value += f"–{r['value_max']:g}"
        value += f" {r['unit'] or ''}" + (f" ({r['qualifier']})" if r["qualifier"] else "")
        who = " / ".join(x for x in (r["speaker"], r["cue"]) if x)
        table.add_row(r["text"], value.strip(), r["modality"], who, names.get(r["article_id"], r["article_id"]),
                      _sentence(store, r["article_id"], r["sentence_index"]))
    return table


def dates_table(store: Store, limit: int = 300) -> Table:
    names = _source_names(store)
    table = Table(title="Time expressions", show_lines=True)
    for col in ("expression", "type", "value", "anchor", "source (article date)", "sentence"):
        table.add_column(col, overflow="fold")
    published = {r["article_id"]: f"{r['published'] or '—'} {r['published_source']}"
                 for r in store.conn.execute("SELECT article_id, published, published_source FROM articles")}
    for r in store.conn.execute("SELECT * FROM timexes ORDER BY article_id, start LIMIT ?", (limit,)):
        value = (r["value"] or "—") + (f" {r['mod']}" if r["mod"] else "")
        table.add_row(r["text"], r["type"], value, r["anchor"] or "",
                      f"{names.get(r['article_id'], r['article_id'])} ({published.get(r['article_id'], '')})",
                      _sentence(store, r["article_id"], r["sentence_index"]))
    return table
