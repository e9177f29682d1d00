"""The local web app: ``create_app(db_path, read_only=False) -> FastAPI``.

Server-rendered pages (Jinja2, autoescaped) over one storyline database:

=================================  ==============================================================
``/``                              timeline: zoomable SVG chart and list; filters ``entity``,
                                   ``outlet``, ``from``, ``to`` (YYYY, YYYY-MM or YYYY-MM-DD), ``type``
``/event/{id}``                    facts by attribute, agreement or conflict, quotes, mentions
``/entity/{id}``                   aliases, events, quotes
``/stories``                       stories: the events of one real-world story, with their dates
``/article/{id}?start=&end=#hl``   cleaned text with entity/date/figure highlights and the span
                                   ``start``–``end`` marked; the raw text; its ledger state
``/ledger?state=``                 what became of every input
``/search?q=``                     full-text search over sentences (SQLite FTS5; PostgreSQL's own)
``/add``                           paste text or upload files; runs the build; 403 when read-only
``/api/events``, ``/api/event/id``  JSON mirrors of the timeline (same filters) and of an event
``/api/stories``                   JSON list of the stories
=================================  ==============================================================

Safety: every piece of article text is untrusted. Templates autoescape and never mark data
safe; highlights are built from escaped segments. Every response carries a restrictive
Content-Security-Policy (scripts and styles only from /static, no inline code), ``nosniff``,
``no-referrer`` and ``frame-ancestors 'none'``. Requests must name a local host (DNS
rebinding), and a POST from another site is refused. Uploads are limited in size and type.

Concurrency: each request opens its own read-only ``Store``; a build (the CLI's or /add's)
writes in WAL mode meanwhile. Builds started from /add run one at a time.

Search uses an external-content FTS5 table ``sentences_fts`` over ``sentences``, created by the
app when missing and rebuilt whenever the sentences changed since it was indexed (checked at
start-up and before each search; the stamp is kept in ``sentences_fts_state``). A read-only app
never writes to the database: without a fresh index it searches with LIKE.

On PostgreSQL (``db_path`` a ``postgresql://`` URL) search uses PostgreSQL's full-text search
through the GIN index the schema creates, kept current by PostgreSQL itself; nothing is built
at start-up, and a read-only app works the same. Uploads then go under the current folder
(``<database name>.uploads``) unless ``uploads_dir`` says where.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import sqlite3
import tempfile
import threading
from datetime import date
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storyline import __version__
from storyline.store.backend import is_postgres_url
from storyline.store.sqlite import Store, StoreError
from storyline.views import queries
from storyline.views.report import event_json, jinja_env, timeline_svg, url_part

log = logging.getLogger(__name__)

DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
UPLOAD_SUFFIXES = (".txt", ".html", ".htm", ".xml", ".rss", ".atom", ".jsonl")
MAX_UPLOAD_FILES = 20
SEARCH_LIMIT = 200

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
# Host names a browser on this machine uses for a server bound to a loopback address;
# "testserver" is the name fastapi.testclient.TestClient sends.
LOCAL_HOSTS = ["127.0.0.1", "localhost", "::1", "[::1]", "testserver"]


# --- middleware -----------------------------------------------------------------------------------


class SecurityHeadersMiddleware:
    """Adds SECURITY_HEADERS to every HTTP response (pages, static files, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
        self.names = {k for k, _ in self.headers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in self.names]
                message = {**message, "headers": headers + self.headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    pass


def _limited_receive(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge()
        return message

    return wrapped


# --- full-text search -----------------------------------------------------------------------------


class SentenceIndex:
    """The FTS5 index over ``sentences``: an external-content table the app keeps fresh."""

    TABLE = "sentences_fts"
    STATE = "sentences_fts_state"

    def __init__(self, db_path: Path, writable: bool) -> None:
        self.db_path = db_path
        self.writable = writable
        self.lock = threading.Lock()
        self.last_error: str | None = None

    @staticmethod
    def stamp(conn: sqlite3.Connection) -> str:
        """Changes whenever sentences are added, removed or re-annotated (cheap: one scan)."""
        row = conn.execute("SELECT count(*), total(rowid), total(length(text)), total(start) FROM sentences").fetchone()
        return ":".join(str(x) for x in tuple(row))

    def indexed_stamp(self, conn: sqlite3.Connection) -> str | None:
        names = queries.table_names(conn)
        if self.TABLE not in names or self.STATE not in names:
            return None
        row = conn.execute(f"SELECT value FROM {self.STATE} WHERE key = 'stamp'").fetchone()
        return row[0] if row else None

    def is_fresh(self, conn: sqlite3.Connection) -> bool:
        if "sentences" not in queries.table_names(conn):
            return False
        return self.indexed_stamp(conn) == self.stamp(conn)

    def refresh(self) -> bool:
        """Create or rebuild the index when stale; False when it cannot (read-only app or file, no FTS5)."""
        if not self.writable:
            return False
        with self.lock:
            try:
                conn = sqlite3.connect(self.db_path, timeout=30)
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    if "sentences" not in queries.table_names(conn):
                        conn.rollback()
                        return False
                    if self.indexed_stamp(conn) != self.stamp(conn):
                        conn.execute(
                            f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.TABLE} USING fts5(text, content='sentences', "
                            "content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')")
                        conn.execute(f"CREATE TABLE IF NOT EXISTS {self.STATE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                        conn.execute(f"INSERT INTO {self.TABLE}({self.TABLE}) VALUES ('rebuild')")
                        conn.execute(f"INSERT OR REPLACE INTO {self.STATE}(key, value) VALUES ('stamp', ?)",
                                     (self.stamp(conn),))
                    conn.commit()
                    self.last_error = None
                    return True
                finally:
                    conn.close()
            except sqlite3.Error as exc:
                self.last_error = str(exc)
                log.warning("cannot build the search index in %s: %s", self.db_path, exc)
                return False

    def search(self, conn: sqlite3.Connection, q: str, limit: int = SEARCH_LIMIT) -> tuple[list[dict[str, Any]], str]:
        """(results, method): "fts" through the index, "like" without one."""
        if self.is_fresh(conn) or (self.refresh() and self.is_fresh(conn)):
            try:
                return queries.search_fts(conn, q, limit, self.TABLE), "fts"
            except sqlite3.Error as exc:  # e.g. an FTS5 syntax error we did not foresee
                log.warning("FTS search failed for %r: %s", q, exc)
        return queries.search_like(conn, q, limit), "like"


class PostgresSentenceSearch:
    """Search on PostgreSQL: its full-text search over ``sentences`` (GIN index from the schema,
    maintained by PostgreSQL), so there is nothing to build or refresh."""

    last_error: str | None = None

    def refresh(self) -> bool:
        return True

    def search(self, conn: Any, q: str, limit: int = SEARCH_LIMIT) -> tuple[list[dict[str, Any]], str]:
        import psycopg

        try:
            return queries.search_pg(conn, q, limit), "fts"
        except psycopg.Error as exc:  # e.g. a query PostgreSQL's parser refuses; the app's connection is autocommit
            log.warning("full-text search failed for %r: %s", q, exc)
            return queries.search_like(conn, q, limit), "like"


# --- highlighting ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Span:
    start: int
    end: int
    cls: str
    title: str = ""
    href: str | None = None


def highlight_text(text: str, spans: Iterable[Span], selected: tuple[int, int] | None = None,
                   selected_id: str = "hl") -> Markup:
    """``text`` with every span wrapped in ``<span class title>`` (and a link when it has one).

    Overlapping spans are cut at every boundary, so each piece carries the classes of all the
    spans over it. ``selected`` (start, end) is wrapped in ``<mark id=selected_id>``. Every piece
    of text is escaped; only the markup written here is not.
    """
    n = len(text)
    clean = sorted((Span(max(0, s.start), min(n, s.end), s.cls, s.title, s.href) for s in spans
                    if s.end > s.start and s.start < n and s.end > 0), key=lambda s: (s.start, -s.end))
    bounds = {0, n}
    for s in clean:
        bounds.update((s.start, s.end))
    if selected:
        a, b = max(0, selected[0]), min(n, selected[1])
        selected = (a, b) if b > a else None
    if selected:
        bounds.update(selected)
    points = sorted(bounds)
    out: list[str] = []
    active: list[Span] = []
    i = 0
    for a, b in zip(points, points[1:]):
        active = [s for s in active if s.end > a]
        while i < len(clean) and clean[i].start <= a:
            if clean[i].end > a:
                active.append(clean[i])
            i += 1
        if selected and a == selected[0]:
            out.append(Markup('<mark id="{}" class="hl-sel">').format(selected_id))
        piece = escape(text[a:b])
        if active:
            classes = " ".join(dict.fromkeys(s.cls for s in active))
            title = "; ".join(dict.fromkeys(s.title for s in active if s.title))
            if title:
                piece = Markup('<span class="{}" title="{}">{}</span>').format(classes, title, piece)
            else:
                piece = Markup('<span class="{}">{}</span>').format(classes, piece)
            href = next((s.href for s in active if s.href), None)
            if href:
                piece = Markup('<a href="{}">{}</a>').format(href, piece)
        out.append(piece)
        if selected and b == selected[1]:
            out.append(Markup("</mark>"))
    return Markup("").join(out)


def highlight_terms(text: str, pattern: re.Pattern[str] | None) -> Markup:
    if pattern is None:
        return escape(text)
    return highlight_text(text, [Span(m.start(), m.end(), "hl-term") for m in pattern.finditer(text)])


def clean_to_raw(offset_map: list[list[int]], start: int, end: int) -> tuple[int, int] | None:
    """A span of the cleaned text mapped back to the raw text through ``articles.offset_map``."""
    def one(pos: int, is_end: bool) -> int | None:
        for clean_start, orig_start, length in offset_map:
            if clean_start <= pos < clean_start + length or (is_end and pos == clean_start + length and length):
                return orig_start + (pos - clean_start)
        return None

    a, b = one(start, False), one(end, True)
    return (a, b) if a is not None and b is not None and b > a else None


# --- the app -----------------------------------------------------------------------------------


def _opt(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _safe_filename(name: str, taken: set[str]) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._-") or "upload"
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem[:80] or "upload"
    candidate = f"{stem}.{suffix}" if suffix else stem
    k = 2
    while candidate.lower() in taken:
        candidate = f"{stem}-{k}.{suffix}" if suffix else f"{stem}-{k}"
        k += 1
    taken.add(candidate.lower())
    return candidate


def _suffix(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1].lower()
    return "." + base.rsplit(".", 1)[1] if "." in base else ""


def create_app(db_path: str | Path, read_only: bool = False, *,
               max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
               uploads_dir: str | Path | None = None,
               allowed_hosts: list[str] | None = None,
               annotate: bool = True,
               build_settings: Any = None) -> FastAPI:
    """The web app over the database at ``db_path``.

    ``read_only`` hides and refuses /add (403) and never writes to the database. Uploads go into
    a fresh folder under ``uploads_dir`` (default: ``<db>.uploads`` beside the database) and are
    built with ``storyline.pipeline.build`` (``annotate`` and ``build_settings`` as for the CLI);
    each file, and pasted text, may be at most ``max_upload_bytes``. ``allowed_hosts``: the Host
    names accepted (default: this machine's loopback names; ``["*"]`` accepts any).
    Raises StoreError when the database is missing in read-only mode or is not a storyline database.
    """
    index: SentenceIndex | PostgresSentenceSearch
    if is_postgres_url(db_path):
        from storyline.store.postgres import database_name

        db_path = str(db_path)
        # Read-only: fails early with a clear message; otherwise creates the tables when missing.
        with Store(db_path, read_only=read_only) as store:
            db_name = store.name
        uploads = Path(uploads_dir).absolute() if uploads_dir else Path.cwd() / f"{database_name(db_path)}.uploads"
        index = PostgresSentenceSearch()
    else:
        db_path = Path(db_path).absolute()
        if read_only:
            Store(db_path, read_only=True).close()  # fails early with a clear message
        elif not db_path.exists():
            Store(db_path).close()  # an empty database that /add can fill
        else:
            Store(db_path, read_only=True).close()
        db_name = db_path.name
        uploads = Path(uploads_dir).absolute() if uploads_dir else db_path.parent / f"{db_path.name}.uploads"
        index = SentenceIndex(db_path, writable=not read_only)
    index.refresh()
    build_lock = threading.Lock()
    env = jinja_env()
    static_dir = Path(__file__).with_name("static")

    app = FastAPI(title="storyline", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.db_path = db_path
    app.state.read_only = read_only
    app.state.sentence_index = index
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts or LOCAL_HOSTS)
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: also covers the host check's refusals

    def open_store() -> Store:
        try:
            return Store(db_path, read_only=True)
        except StoreError as exc:
            raise StarletteHTTPException(503, str(exc)) from exc

    def page(template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.setdefault("q", "")
        html = env.get_template(template).render(read_only=read_only, db_name=db_name,
                                                 version=__version__, **ctx)
        return HTMLResponse(html, status_code=status)

    def error_page(status: int, message: str, title: str | None = None) -> HTMLResponse:
        titles = {400: "Bad request", 403: "Forbidden", 404: "Not found", 413: "Too large",
                  415: "Unsupported file type", 422: "Nothing was added", 503: "Database unavailable"}
        return page("error.html", status, status_code=status, title=title or titles.get(status, "Error"),
                    message=message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return error_page(exc.status_code, str(exc.detail))

    def event_filter(entity: str | None, outlet: str | None, date_from: str | None, date_to: str | None,
                     event_type: str | None) -> queries.EventFilter:
        return queries.EventFilter(_opt(entity), _opt(outlet), _opt(date_from), _opt(date_to), _opt(event_type))

    # --- pages ---

    @app.get("/", response_class=HTMLResponse)
    def timeline_page(request: Request, entity: str | None = None, outlet: str | None = None,
                      type: str | None = None) -> Response:
        params = request.query_params
        flt = event_filter(entity, outlet, params.get("from"), params.get("to"), type)
        with open_store() as store:
            conn = store.conn
            error = None
            try:
                events = queries.list_events(conn, flt)
            except ValueError as exc:
                error, events = str(exc), []
            all_count = len(queries.list_events(conn)) if flt.active else len(events)
            ctx = dict(
                events=events, flt=flt, error=error, all_count=all_count,
                overview=queries.overview(conn),
                entities=queries.event_entities(conn), outlets=queries.outlets(conn),
                types=queries.event_types(conn),
                chart=timeline_svg(events, href=lambda e: "/event/" + url_part(e["id"]), zoomable=True),
                unplaced=[e for e in events if queries.date_period(e["date_value"], e["date_precision"]) is None
                          and queries.guessed_period(e["date_value"], e["date_hint"]) is None],
                entity_name=(queries.entity_index_map(conn).get(flt.entity or "", {}) or {}).get("name"),
            )
        return page("timeline.html", 400 if error else 200, **ctx)

    @app.get("/event/{event_id}", response_class=HTMLResponse)
    def event_page(event_id: str) -> Response:
        with open_store() as store:
            event = queries.event_detail(store.conn, event_id)
            story = queries.story_of_event(store.conn, event_id) if event is not None else None
        if event is None:
            raise StarletteHTTPException(404, f"No event {event_id!r}.")
        return page("event.html", event=event, story=story)

    @app.get("/stories", response_class=HTMLResponse)
    def stories_page() -> Response:
        with open_store() as store:
            stories = queries.list_stories(store.conn)
        return page("stories.html", stories=stories)

    @app.get("/entity/{entity_id}", response_class=HTMLResponse)
    def entity_page(entity_id: str) -> Response:
        with open_store() as store:
            entity = queries.entity_detail(store.conn, entity_id)
            moved = queries.entity_redirect(store.conn, entity_id) if entity is None else None
        if moved is not None:  # the entity was merged into another since the link was made
            return RedirectResponse("/entity/" + url_part(moved), status_code=301)
        if entity is None:
            raise StarletteHTTPException(404, f"No entity {entity_id!r}.")
        for quote in entity["quotes"]:
            a, b = quote["start"] - quote["sentence_start"], quote["end"] - quote["sentence_start"]
            quote["html"] = highlight_text(quote["sentence"], [Span(a, b, "hl-ent")])
        return page("entity.html", entity=entity)

    @app.get("/article/{article_id}", response_class=HTMLResponse)
    def article_page(article_id: str, start: str | None = None, end: str | None = None) -> Response:
        with open_store() as store:
            art = queries.article_detail(store.conn, article_id)
        if art is None:
            raise StarletteHTTPException(404, f"No article {article_id!r}.")
        selected = None
        if start is not None and end is not None and start.isdigit() and end.isdigit():
            a, b = int(start), int(end)
            if 0 <= a < b <= len(art["text"]):
                selected = (a, b)
        spans: list[Span] = []
        for m in art["entity_mentions"]:
            label = (m["label"] or "").lower()
            spans.append(Span(m["start"], m["end"], f"hl-ent hl-ent-{re.sub(r'[^a-z0-9]', '', label)}",
                              f"{m['label']}: {m['canonical'] or m['text']}",
                              f"/entity/{url_part(m['entity_id'])}" if m["entity_id"] else None))
        for t in art["timexes"]:
            spans.append(Span(t["start"], t["end"], "hl-date", f"{t['type']} {t['value'] or '(no value)'}"))
        for f in art["figures"]:
            title = f"{f['kind']}: {f['display']} ({f['modality']}" + (f", {f['speaker']}" if f["speaker"] else "") + ")"
            spans.append(Span(f["start"], f["end"], "hl-fig", title))
        for m in art["event_mentions"]:
            spans.append(Span(m["start"], m["end"], "hl-trig", f"event: {m['event_type']} ({m['status']})",
                              f"/event/{url_part(m['event_id'])}" if m["event_id"] else None))
        text_html = highlight_text(art["text"], spans, selected)
        raw_sel = clean_to_raw(art["offset_map"], *selected) if selected else None
        raw_html = highlight_text(art["raw_text"], [], raw_sel, selected_id="hl-raw")
        return page("article.html", art=art, text_html=text_html, raw_html=raw_html, selected=selected,
                    removed=[dict(r) for r in art["removed_spans"]])

    @app.get("/ledger", response_class=HTMLResponse)
    def ledger_page(state: str | None = None) -> Response:
        state = _opt(state)
        if state and state not in ("ingested", "duplicate", "rejected"):
            raise StarletteHTTPException(400, "state must be ingested, duplicate or rejected")
        with open_store() as store:
            rows = queries.ledger(store.conn, state)
            counts = queries.overview(store.conn)["ledger"]
        return page("ledger.html", rows=rows, state=state, counts=counts)

    @app.get("/search", response_class=HTMLResponse)
    def search_page(q: str = "") -> Response:
        q = q.strip()[:500]
        results: list[dict[str, Any]] = []
        method = None
        if q:
            with open_store() as store:
                results, method = index.search(store.conn, q)
            pattern = queries.term_pattern(queries.parse_query(q))
            for r in results:
                r["html"] = highlight_terms(r["text"], pattern)
        return page("search.html", q=q, results=results, method=method, limit=SEARCH_LIMIT)

    # --- adding articles ---

    def refuse_cross_site(request: Request) -> None:
        # Browsers say where a request comes from in Sec-Fetch-Site; trust it when present.
        # (With Referrer-Policy no-referrer, Chromium sends "Origin: null" even for a
        # same-origin form, so Origin alone would refuse our own /add form.)
        site = request.headers.get("sec-fetch-site")
        if site is not None:
            if site not in ("same-origin", "none"):
                raise StarletteHTTPException(403, "A request from another site cannot add articles.")
            return
        origin = request.headers.get("origin")
        if origin is not None and (origin == "null" or urlsplit(origin).netloc != request.headers.get("host")):
            raise StarletteHTTPException(403, "A request from another site cannot add articles.")

    def add_form(status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.setdefault("errors", [])
        ctx.setdefault("values", {})
        return page("add.html", status, max_bytes=max_upload_bytes, suffixes=UPLOAD_SUFFIXES,
                    max_files=MAX_UPLOAD_FILES, **ctx)

    @app.get("/add", response_class=HTMLResponse)
    def add_page() -> Response:
        if read_only:
            return error_page(403, "This server was started with --read-only: adding articles is disabled.")
        return add_form()

    def run_build(paths: list[Path], outlet: str | None) -> list[dict[str, Any]]:
        from storyline.config import BuildSettings, Limits
        from storyline.pipeline import build

        base = build_settings or BuildSettings()
        settings = dataclasses.replace(
            base, outlet=outlet or base.outlet,
            limits=dataclasses.replace(base.limits, max_input_bytes=min(base.limits.max_input_bytes, max_upload_bytes)))
        with build_lock:
            build([str(p) for p in paths], db_path, settings, annotate=annotate)
        with open_store() as store:
            marks = ",".join("?" * len(paths))
            rows = store.conn.execute(
                f"SELECT * FROM ledger WHERE source_path IN ({marks}) ORDER BY input_key",
                [str(p) for p in paths]).fetchall()
        names = {str(p): p.name for p in paths}
        out = []
        for r in rows:
            d = dict(r)
            d["name"] = names.get(d["source_path"], d["source_path"]) + (f" {d['locator']}" if d["locator"] else "")
            out.append(d)
        return out

    @app.post("/add", response_class=HTMLResponse)
    async def add_submit(request: Request) -> Response:
        if read_only:
            return error_page(403, "This server was started with --read-only: adding articles is disabled.")
        refuse_cross_site(request)
        body_limit = max_upload_bytes * MAX_UPLOAD_FILES + 256 * 1024
        length = request.headers.get("content-length")
        too_big = (f"The upload is too large (limit {max_upload_bytes:,} bytes a file, "
                   f"{MAX_UPLOAD_FILES} files).")
        if length and length.isdigit() and int(length) > body_limit:
            return add_form(413, errors=[too_big])
        limited = Request(request.scope, receive=_limited_receive(request.receive, body_limit))
        try:
            form = await limited.form(max_files=MAX_UPLOAD_FILES, max_fields=20, max_part_size=max_upload_bytes + 1)
        except BodyTooLarge:
            return add_form(413, errors=[too_big])
        except StarletteHTTPException as exc:
            if "maximum size" in str(exc.detail):
                return add_form(413, errors=[f"pasted text too large (limit {max_upload_bytes:,} bytes)"])
            return add_form(400, errors=[str(exc.detail)])

        def field(name: str) -> str:
            value = form.get(name)
            return value if isinstance(value, str) else ""

        text, title, outlet, published = field("text"), field("title").strip(), field("outlet").strip(), field("date").strip()
        values = {"title": title, "outlet": outlet, "date": published, "text": text}
        files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        errors: list[str] = []
        status = 400
        if not text.strip() and not files:
            errors.append("Nothing to add: paste an article's text or choose files.")
        if published:
            try:
                published = date.fromisoformat(published).isoformat()
            except ValueError:
                errors.append(f"date must be YYYY-MM-DD, not {published!r}")
        if len(text.encode("utf-8")) > max_upload_bytes:
            errors.append(f"pasted text too large ({len(text.encode('utf-8')):,} bytes; limit {max_upload_bytes:,})")
            status = 413
        for f in files:
            suffix = _suffix(f.filename or "")
            if suffix not in UPLOAD_SUFFIXES:
                errors.append(f"{f.filename}: unsupported file type {suffix or '(no suffix)'!r} "
                              f"(accepted: {' '.join(UPLOAD_SUFFIXES)})")
                status = 415 if status == 400 else status
            size = f.size if f.size is not None else None
            if size is None:
                await f.seek(0, 2)
                size = f.file.tell()
                await f.seek(0)
            if size > max_upload_bytes:
                errors.append(f"{f.filename}: file too large ({size:,} bytes; limit {max_upload_bytes:,})")
                status = 413
        if errors:
            for f in files:
                await f.close()
            return add_form(status, errors=errors, values=values)

        uploads.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="upload-", dir=uploads))
        taken: set[str] = set()
        paths: list[Path] = []
        if text.strip():
            record = {"text": text, "title": title or None, "published": published or None, "source": outlet or None}
            p = folder / _safe_filename("pasted.jsonl", taken)
            p.write_text(json.dumps({k: v for k, v in record.items() if v}, ensure_ascii=False) + "\n", encoding="utf-8")
            paths.append(p)
        for f in files:
            p = folder / _safe_filename(f.filename or "upload", taken)
            with open(p, "wb") as out:
                while chunk := await f.read(1024 * 1024):
                    out.write(chunk)
            await f.close()
            paths.append(p)
        try:
            results = await run_in_threadpool(run_build, paths, outlet or None)
        except Exception as exc:  # the build failed: say so, keep the server up
            log.exception("build from /add failed")
            return error_page(500, f"The build failed: {exc}", title="Build failed")
        ok = [r for r in results if r["state"] != "rejected"]
        if len(results) == 1 and results[0]["state"] == "ingested" and results[0]["article_id"]:
            return RedirectResponse(f"/article/{url_part(results[0]['article_id'])}", status_code=303)
        return page("add_result.html", 200 if ok else 422, results=results)

    # --- JSON API ---

    @app.get("/api/events")
    def api_events(request: Request, entity: str | None = None, outlet: str | None = None,
                   type: str | None = None) -> Response:
        params = request.query_params
        flt = event_filter(entity, outlet, params.get("from"), params.get("to"), type)
        with open_store() as store:
            try:
                events = queries.list_events(store.conn, flt)
            except ValueError as exc:
                return JSONResponse({"detail": str(exc)}, status_code=400)
        return JSONResponse({"filters": flt.as_params(), "count": len(events),
                             "events": [event_json(e) | {"url": f"/event/{url_part(e['id'])}"} for e in events]})

    @app.get("/api/stories")
    def api_stories() -> Response:
        with open_store() as store:
            stories = queries.list_stories(store.conn)
        return JSONResponse({"count": len(stories), "stories": stories})

    @app.get("/api/event/{event_id}")
    def api_event(event_id: str) -> Response:
        with open_store() as store:
            event = queries.event_detail(store.conn, event_id)
        if event is None:
            return JSONResponse({"detail": f"no event {event_id!r}"}, status_code=404)
        return JSONResponse(event_json(event))

    return app
