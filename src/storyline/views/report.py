"""Reports of a storyline database: Markdown, one self-contained HTML file, or JSON.

``render_report(store, fmt)`` gathers the story from the store (:func:`report_data`) and renders
it: an overview (date span, events, outlets, articles, ledger), the timeline, one section per
event (date and its precision, place, participants, key sentences with their outlet, facts with
each source's value, modality and quote, conflicts with the reconciliation's explanation), an
entity index with aliases and the source list (outlet, date and where it came from, reprints).

Article text is untrusted everywhere: the HTML report goes through Jinja2 with autoescape, the
timeline chart (inline SVG, built here) escapes every string it writes, Markdown escapes the
characters Markdown or HTML would interpret, and JSON escapes ``<``, ``>`` and ``&`` so that
the file can be embedded in a page. The HTML report loads nothing: inline CSS, no JavaScript.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup, escape

from storyline import __version__
from storyline.store.sqlite import Store
from storyline.views import queries

FORMATS = ("md", "html", "json")
KEY_SENTENCES = 8  # per event in a report (the web page shows them all)


# --- Jinja2 --------------------------------------------------------------------------------------


def url_part(value: Any) -> str:
    """A value made safe for one URL path segment or query value."""
    return quote(str(value), safe="")


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) URL, else None (never link a javascript: or data: URL)."""
    if url and re.match(r"^https?://[^\s<>\"']+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def sentence_link(article_id: str, start: int, end: int) -> str:
    """The web app's link to a span of an article, highlighted and scrolled to."""
    return f"/article/{url_part(article_id)}?{urlencode({'start': start, 'end': end})}#hl"


def percent(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)}%"


@lru_cache(maxsize=1)
def jinja_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("storyline.views", "templates"),
        autoescape=True,  # every template, whatever its name
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["u"] = url_part
    env.filters["safe_url"] = safe_url
    env.filters["percent"] = percent
    env.filters["number"] = queries.format_number
    env.globals["sentence_link"] = sentence_link
    return env


def static_text(name: str) -> str:
    return resources.files("storyline.views").joinpath("static", name).read_text(encoding="utf-8")


# --- the timeline chart (inline SVG) -------------------------------------------------------------

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CHAR_WIDTH = 6.6  # average width of a 12px sans-serif character, for label packing
LANE_HEIGHT = 24
AXIS_HEIGHT = 34


def _ticks(lo: date, hi: date) -> list[tuple[date, str]]:
    days = (hi - lo).days
    ticks: list[tuple[date, str]] = []
    if days <= 70:
        step = next(k for k in (1, 2, 7, 14, 28) if days / k <= 12)
        d = lo
        while d <= hi:
            label = f"{d.day} {_MONTHS[d.month - 1]}" + (f" {d.year}" if not ticks or (d.month, d.day) == (1, 1) else "")
            ticks.append((d, label))
            d += timedelta(days=step)
        return ticks
    months = (hi.year - lo.year) * 12 + hi.month - lo.month
    if months <= 48:
        step = next(k for k in (1, 2, 3, 6, 12) if months / k <= 12)
        y, m = lo.year, lo.month
        if lo.day > 1:
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        while date(y, m, 1) <= hi:
            if (m - 1) % step == 0:
                d = date(y, m, 1)
                ticks.append((d, _MONTHS[m - 1] + (f" {y}" if not ticks or m == 1 else "")))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return ticks
    years = hi.year - lo.year
    step = next((k for k in (1, 2, 5, 10, 20, 50, 100, 200, 500) if years / k <= 12), 1000)
    y = lo.year + (1 if (lo.month, lo.day) > (1, 1) else 0)
    y += (-y) % step
    while y <= hi.year:
        ticks.append((date(y, 1, 1), str(y)))
        y += step
    return ticks


def _shorten(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def chart_placement(events: list[dict[str, Any]]) -> tuple[list[tuple[dict[str, Any], tuple[date, date], bool]],
                                                           list[dict[str, Any]]]:
    """(placed, unplaced): events with a period on the calendar (and whether it is a guess), and the rest."""
    placed, unplaced = [], []
    for e in events:
        period = queries.date_period(e["date_value"], e["date_precision"])
        guessed = False
        if period is None:
            period = queries.guessed_period(e["date_value"], e["date_hint"])
            guessed = period is not None
        if period is None:
            unplaced.append(e)
        else:
            placed.append((e, period, guessed))
    return placed, unplaced


def timeline_svg(events: list[dict[str, Any]], href: Callable[[dict[str, Any]], str], *,
                 width: int = 960, label_chars: int = 48, zoomable: bool = False) -> Markup | None:
    """The events on a time axis, as an inline SVG element (None when no event has a date).

    One marker per event: a dot for an exact day, a bar for a month or a year; a hollow dashed
    marker for a year-less date placed in the year its articles' publication suggests; ``⚠``
    and the class ``conflict`` for an event whose sources conflict. Labels are packed into
    lanes so they never overlap. Every string is escaped; the SVG has no script and no style
    attribute (styling is by class, from the page's CSS).
    """
    placed, _ = chart_placement(events)
    if not placed:
        return None
    lo = min(p[0] for _, p, _ in placed)
    hi = max(p[1] for _, p, _ in placed)
    span = (hi - lo).days + 1
    pad = max(1.0, span * 0.03)
    x_lo, x_hi = lo.toordinal() - pad, hi.toordinal() + 1 + pad
    left, right = 12.0, 12.0
    plot = width - left - right

    def x(day: float) -> float:
        return left + (day - x_lo) / (x_hi - x_lo) * plot

    lanes: list[float] = []  # right edge of what each lane holds
    items = []
    for e, (start, end), guessed in sorted(placed, key=lambda t: (t[1][0], t[1][1])):
        xs, xe = x(start.toordinal()), x(end.toordinal() + 1)
        point = start == end
        if point:
            xs = xe = (xs + xe) / 2
        else:
            xe = max(xe, xs + 6)
        label = ("⚠ " if e["conflicts"] else "") + _shorten(e["title"], label_chars)
        w = CHAR_WIDTH * len(label)
        if xe + 8 + w <= width - 2:
            anchor, lx, span_lo, span_hi = "start", xe + 8, xs - 6, xe + 8 + w
        else:
            anchor, lx, span_lo, span_hi = "end", xs - 8, xs - 8 - w, xe + 6
        lane = next((i for i, edge in enumerate(lanes) if edge < span_lo), None)
        if lane is None:
            lanes.append(span_hi)
            lane = len(lanes) - 1
        else:
            lanes[lane] = span_hi
        items.append((e, guessed, point, xs, xe, lane, anchor, lx, label))

    height = AXIS_HEIGHT + max(1, len(lanes)) * LANE_HEIGHT + 10
    aspect = "none" if zoomable else "xMinYMin meet"
    ns = Markup(' vector-effect="non-scaling-stroke"') if zoomable else Markup("")
    out = [Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="timeline-chart" viewBox="0 0 {w} {h}" '
        'width="{w}" height="{h}" role="img" aria-label="Timeline of {n} events" '
        'preserveAspectRatio="{aspect}">').format(w=width, h=height, n=len(placed), aspect=aspect)]
    out.append(Markup('<g class="axis"><line class="axis-line" x1="{a}" y1="{y}" x2="{b}" y2="{y}"{ns}/>').format(
        a=left, b=width - right, y=AXIS_HEIGHT - 8, ns=ns))
    for d, text in _ticks(lo, hi):
        tx = x(d.toordinal())
        if not left <= tx <= width - right - CHAR_WIDTH * len(text):
            continue
        out.append(Markup(
            '<line class="grid" x1="{x:.1f}" y1="{y1}" x2="{x:.1f}" y2="{y2}"{ns}/>'
            '<text class="tick" x="{x:.1f}" y="{ty}">{t}</text>').format(
            x=tx, y1=AXIS_HEIGHT - 12, y2=height, ty=AXIS_HEIGHT - 16, t=text, ns=ns))
    out.append(Markup("</g>"))
    for e, guessed, point, xs, xe, lane, anchor, lx, label in items:
        y = AXIS_HEIGHT + lane * LANE_HEIGHT + LANE_HEIGHT / 2
        classes = ["ev"] + (["conflict"] if e["conflicts"] else []) + (["guessed"] if guessed else [])
        title = f"{e['date_display']}: {e['title']}"
        if guessed:
            title += " (placed by the publication date; the text gives no year)"
        if e["conflicts"]:
            title += f" (sources conflict on {', '.join(e['conflicts'])})"
        search = " ".join([e["title"], e["type"], *e["outlets"],
                           *(p["name"] for p in e["participants"] if p),
                           *(p["name"] for p in e["places"] if p)]).casefold()
        out.append(Markup('<a href="{href}" class="{cls}" data-type="{t}" data-search="{s}"><title>{title}</title>').format(
            href=href(e), cls=" ".join(classes), t=e["type"], s=search, title=title))
        if point:
            out.append(Markup('<circle class="mk" cx="{x:.1f}" cy="{y:.1f}" r="5"/>').format(x=xs, y=y))
        else:
            out.append(Markup('<rect class="mk" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="10"{ns}/>').format(
                x=xs, y=y - 5, w=xe - xs, ns=ns))
        # data-ax: the marker edge the label hangs from (the zoom script keeps the gap constant)
        out.append(Markup('<text class="lbl" x="{x:.1f}" y="{y:.1f}" text-anchor="{a}" data-ax="{ax:.1f}">{t}</text></a>').format(
            x=lx, y=y + 4, a=anchor, ax=xe if anchor == "start" else xs, t=label))
    out.append(Markup("</svg>"))
    return Markup("").join(out)


# --- data ---------------------------------------------------------------------------------------


def report_data(store: Store) -> dict[str, Any]:
    """Everything a report shows, as plain data (the JSON report is exactly this)."""
    conn = store.conn
    events = []
    for summary in queries.list_events(conn):
        detail = queries.event_detail(conn, summary["id"])
        if detail is not None:
            detail["key_sentence_rows"] = detail["key_sentence_rows"][:KEY_SENTENCES]
            events.append(detail)
    return {
        "storyline_version": __version__,
        "database": store.name,
        "overview": queries.overview(conn),
        "events": events,
        "entities": queries.entity_list(conn),
        "sources": queries.sources(conn),
    }


def _entity_json(ref: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if ref is None else {"id": ref["id"], "name": ref["name"], "label": ref["label"]}


def _json_event(e: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": e["id"],
        "event_type": e["type"],
        "title": e["title"],
        "date": {"value": e["date_value"], "precision": e["date_precision"], "display": e["date_display"],
                 "confidence": e["date_confidence"]},
        "status": e["status"],
        "place": _entity_json(e["place"]),
        "places": [_entity_json(p) for p in e["places"]],
        "participants": [_entity_json(p) for p in e["participants"]],
        "outlets": e["outlets"],
        "main_articles": e["main_articles"],
        "mentioning_articles": e["mentioning_articles"],
        "conflicts": e["conflicts"],
        "key_sentences": [{k: s[k] for k in ("article_id", "outlet", "published", "sentence_index", "start", "end", "text")}
                          for s in e.get("key_sentence_rows", [])],
        "facts": [{
            "attribute": g["attribute"], "status": g["status"], "explanation": g["explanation"], "sources": g["sources"],
            "values": [{k: f[k] for k in ("article_id", "outlet", "reprinted_by", "kind", "value", "value_max", "unit",
                                          "qualifier", "display", "text", "modality", "cue", "speaker", "quote",
                                          "sentence_index", "start", "end", "link")} for f in g["facts"]],
        } for g in e.get("facts", [])],
        "mentions": [{k: m[k] for k in ("article_id", "outlet", "sentence_index", "start", "end", "trigger",
                                        "event_type", "date_value", "date_source", "status", "negated", "sentence")}
                     for m in e.get("mentions", [])],
    }


def event_json(e: dict[str, Any]) -> dict[str, Any]:
    """The JSON shape of one event (``event_detail`` or a ``list_events`` summary)."""
    return _json_event(e)


def _dump(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=1)
    # Still valid JSON, and the same data, but safe to paste into an HTML page.
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e") + "\n"


def render_json(data: dict[str, Any]) -> str:
    return _dump({
        "storyline_version": data["storyline_version"],
        "database": data["database"],
        "overview": data["overview"],
        "events": [_json_event(e) for e in data["events"]],
        "entities": [{"id": e["id"], "name": e["name"], "label": e["label"], "mentions": e["mentions"],
                      "aliases": e["aliases"], "events": [x["id"] for x in e["events"]]} for e in data["entities"]],
        "sources": data["sources"],
    })


# --- Markdown -----------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])|&(?=#?\w+;)")


def md(text: Any) -> str:
    """Text made literal in Markdown (and in the HTML a Markdown renderer passes through)."""
    if text is None:
        return ""
    flat = " ".join(str(text).split())
    return _MD_SPECIAL.sub(lambda m: "\\" + (m.group(1) or "&"), flat)


def _md_names(refs: list[dict[str, Any] | None]) -> str:
    return ", ".join(md(r["name"]) for r in refs if r) or "—"


def render_md(data: dict[str, Any]) -> str:
    o = data["overview"]
    lines: list[str] = [f"# Storyline report: {md(data['database'])}", ""]
    lines += ["## Overview", ""]
    lines.append(f"- Events: {o['events']}" + (f" ({o['events_dated']} dated, {md(o['event_span'])})" if o["event_span"] else ""))
    span = f", published {o['published_first']} – {o['published_last']}" if o["published_first"] else ""
    lines.append(f"- Articles: {o['articles']} from {len(o['article_outlets'])} outlets{span}")
    lines.append(f"- Outlets (with reprints): {', '.join(md(x) for x in o['outlets']) or '—'}")
    lines.append(f"- Entities: {o['entities']}")
    lines.append(f"- Conflicting facts: {o['conflicts']} in {o['events_with_conflicts']} "
                 + ("event" if o["events_with_conflicts"] == 1 else "events"))
    led = o["ledger"]
    lines.append(f"- Ledger: {led['ingested']} ingested, {led['duplicate']} duplicate, {led['rejected']} rejected")
    lines.append("")

    lines += ["## Timeline", ""]
    if data["events"]:
        lines += ["| Date | Event | Type | Place | Outlets | Conflicts |", "|---|---|---|---|---|---|"]
        for e in data["events"]:
            conflict = ("**CONFLICT**: " + ", ".join(md(c) for c in e["conflicts"])) if e["conflicts"] else ""
            lines.append(f"| {md(e['date_display'])} | [{md(e['title'])}](#{url_part(e['id'])}) | {md(e['type'])} | "
                         f"{md(e['place']['name']) if e['place'] else '—'} | {', '.join(md(x) for x in e['outlets'])} | {conflict} |")
    else:
        lines.append("No events yet.")
    lines.append("")

    lines += ["## Events", ""]
    for e in data["events"]:
        lines.append(f'<a id="{escape(e["id"])}"></a>')
        lines.append("")
        lines.append(f"### {md(e['date_display'])} — {md(e['title'])}")
        lines.append("")
        conf = f", confidence {percent(e['date_confidence'])}" if e["date_confidence"] is not None else ""
        lines.append(f"- Date: {md(e['date_display'])} ({md(e['precision_label'])}{conf})")
        lines.append(f"- Type: {md(e['type'])}; status: {md(e['status'])}")
        lines.append(f"- Place: {_md_names(e['places'])}")
        lines.append(f"- Participants: {_md_names(e['participants'])}")
        lines.append(f"- Reported by: {', '.join(md(x) for x in e['outlets']) or '—'} "
                     f"({len(e['main_articles'])} main, {len(e['mentioning_articles'])} mentioning articles)")
        if e["conflicts"]:
            lines.append(f"- **⚠ CONFLICT** on {', '.join(md(c) for c in e['conflicts'])}")
        lines.append("")
        if e["key_sentence_rows"]:
            lines += ["Key sentences:", ""]
            for s in e["key_sentence_rows"]:
                lines.append(f"> {md(s['text'])}  ")
                lines.append(f"> — {md(s['outlet'] or 'unknown outlet')}, {md(s['published'] or 'date unknown')} "
                             f"({md(s['article_id'])})")
                lines.append("")
        for g in e["facts"]:
            status = g["status"] or "no reconciliation"
            marker = "**⚠ CONFLICT**" if status == "conflict" else status
            lines.append(f"#### {md(g['attribute'])}: {marker}")
            lines.append("")
            if g["explanation"]:
                lines.append(f"{md(g['explanation'])}")
                lines.append("")
            lines += ["| Outlet | Value | As written | Modality | Speaker | Quote |", "|---|---|---|---|---|---|"]
            for f in g["facts"]:
                modality = md(f["modality"]) + (f" ({md(f['cue'])})" if f["cue"] else "")
                outlet = md(f["outlet"] or "unknown outlet") + (
                    f" (reprinted by {', '.join(md(x) for x in f['reprinted_by'])})" if f["reprinted_by"] else "")
                lines.append(f"| {outlet} | {md(f['display'])} | {md(f['text'])} | {modality} | "
                             f"{md(f['speaker']) or '—'} | {md(f['quote'])} |")
            lines.append("")

    lines += ["## Entities", ""]
    if data["entities"]:
        lines += ["| Entity | Type | Aliases | Mentions | Events |", "|---|---|---|---|---|"]
        for ent in data["entities"]:
            aliases = ", ".join(f"{md(a['alias'])} ({a['count']})" for a in ent["aliases"])
            events = ", ".join(f"[{md(x['title'])}](#{url_part(x['id'])})" for x in ent["events"])
            lines.append(f"| {md(ent['name'])} | {md(ent['label'])} | {aliases} | {ent['mentions']} | {events} |")
    else:
        lines.append("No entities yet.")
    lines.append("")

    lines += ["## Sources", ""]
    lines += ["| Article | Outlet | Published | Date from | Language | Reprinted by | Input |", "|---|---|---|---|---|---|---|"]
    for s in data["sources"]:
        published = md(s["published"] or "unknown")
        if s["published_source"] == "inferred" and s["published_earliest"]:
            published += f" (between {md(s['published_earliest'])} and {md(s['published_latest'])})"
        reprints = ", ".join(md(x) for x in s["reprinted_by"])
        dups = "; ".join(f"{md(d['input'])} ({md(d['kind'])})" for d in s["duplicates"])
        if dups:
            reprints = f"{reprints} — {dups}" if reprints else dups
        lines.append(f"| {md(s['title'] or s['article_id'])} ({md(s['article_id'])}) | {md(s['outlet'] or '—')} | "
                     f"{published} | {md(s['published_source_label'])} | {md(s['language'])} | {reprints or '—'} | "
                     f"{md(s['input'])} |")
    lines.append("")
    return "\n".join(lines)


# --- HTML ---------------------------------------------------------------------------------------


def render_html(data: dict[str, Any]) -> str:
    placed, unplaced = chart_placement(data["events"])
    chart = timeline_svg(data["events"], href=lambda e: "#" + url_part(e["id"]))
    return jinja_env().get_template("report.html").render(
        data=data, o=data["overview"], chart=chart, unplaced=unplaced,
        css=Markup(static_text("report.css")),  # our own file, not data
    )


def render_report(store: Store, fmt: str = "md") -> str:
    """The report of the story in ``store`` as Markdown ("md"), one HTML file ("html") or JSON ("json")."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    data = report_data(store)
    if fmt == "json":
        return render_json(data)
    if fmt == "html":
        return render_html(data)
    return render_md(data)
