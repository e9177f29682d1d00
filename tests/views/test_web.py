"""The web app (storyline.views.web) through fastapi.testclient on the invented story."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from storyline.views.web import CONTENT_SECURITY_POLICY, create_app, highlight_text, Span

from .conftest import A1, A2, A3, IMG, SCRIPT

ARTICLE = ("Harbour officials in Marrow Bay said on Monday that the port would reopen next week after the "
           "dockworkers' strike ended. The union confirmed that its members will return to work on Tuesday, "
           "and that the agreement with the port authority covers wages and safety rules for three years.")


@pytest.fixture
def client(story) -> TestClient:
    return TestClient(create_app(story.db))


@pytest.fixture
def ro_client(story) -> TestClient:
    return TestClient(create_app(story.db, read_only=True))


def pages(story) -> list[str]:
    a, b = story.sentences[(A1, 2)]
    return ["/", "/?entity=ent_vask", "/?outlet=Wire+Daily", "/?type=strike", "/?from=2020-09&to=2020-09-20",
            "/event/ev_strike", "/event/ev_talks", "/event/ev_deal", "/entity/ent_vask", "/entity/ent_marrow",
            f"/article/{A1}", f"/article/{A1}?start={a}&end={b}", f"/article/{A2}", f"/article/{A3}",
            "/ledger", "/ledger?state=rejected", "/search?q=strike", "/search?q=script", "/add"]


def test_every_page_is_200_with_security_headers(client, story):
    for url in pages(story) + ["/stories", "/api/events", "/api/stories", "/api/event/ev_strike", "/static/app.js",
                               "/static/app.css"]:
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, url
        assert r.headers["x-content-type-options"] == "nosniff", url
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_error_responses_carry_the_headers_too(client):
    for url in ("/event/nope", "/nope", "/static/nope.js"):
        r = client.get(url)
        assert r.status_code == 404
        assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert client.get("/api/event/nope").json() == {"detail": "no event 'nope'"}


def test_pages_escape_article_text_and_have_no_inline_code(client, story):
    for url in pages(story):
        html = client.get(url).text
        assert SCRIPT not in html and IMG not in html, url
        assert "<b>thousands" not in html, url
        # scripts only from /static, no event handler attributes, no inline styles (the CSP forbids them)
        assert re.findall(r"<script\b[^>]*>", html) == ['<script src="/static/app.js" defer>'], url
        markup = re.sub(r"&lt;.*?&gt;", "", html)
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", markup), url
        assert not re.search(r"<[^>]+\sstyle\s*=", markup), url
        assert "<style" not in html, url
        assert 'href="javascript:' not in html, url
    article = client.get(f"/article/{A1}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in article
    assert "&lt;img src=x onerror=alert(1)&gt;" in article


def test_timeline_lists_events_in_order_with_the_chart(client):
    html = client.get("/").text
    assert html.index("Talks between Lenka Marsh") < html.index("Dockworkers strike") < html.index("Agreement signed")
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="timeline-chart"' in html
    assert 'data-zoom="in"' in html and "21 Sep (year unknown)" in html
    assert "⚠ conflict: crowd_size" in html


def _event_titles(html: str) -> list[str]:
    return re.findall(r'<a class="title" href="/event/[^"]+">([^<]+)</a>', html)


def test_timeline_filters(client):
    assert _event_titles(client.get("/?entity=ent_vask").text) == [
        "Talks between Lenka Marsh and Oren Vask", "Agreement signed to end the strike"]
    assert _event_titles(client.get("/?type=strike").text) == ["Dockworkers strike at the Port of Marrow Bay"]
    # Wire Daily only reprints Coastal Times: its events count as reported by it
    assert len(_event_titles(client.get("/?outlet=Wire+Daily").text)) == 3
    assert _event_titles(client.get("/?outlet=Bay+Herald").text) == [
        "Dockworkers strike at the Port of Marrow Bay", "Agreement signed to end the strike"]
    # a date range keeps overlapping periods and leaves out dates without a year
    assert _event_titles(client.get("/?from=2020-09-15").text) == ["Talks between Lenka Marsh and Oren Vask"]
    assert _event_titles(client.get("/?from=2020-09-01&to=2020-09-14").text) == [
        "Talks between Lenka Marsh and Oren Vask", "Dockworkers strike at the Port of Marrow Bay"]
    assert _event_titles(client.get("/?to=2019").text) == []
    # empty form fields are no filter
    assert len(_event_titles(client.get("/?entity=&outlet=&type=&from=&to=").text)) == 3
    r = client.get("/?from=14.09.2020")
    assert r.status_code == 400 and "not a date" in r.text


def test_api_mirrors(client):
    data = client.get("/api/events").json()
    assert data["count"] == 3 and [e["event_id"] for e in data["events"]] == ["ev_talks", "ev_strike", "ev_deal"]
    assert data["events"][1]["url"] == "/event/ev_strike"
    filtered = client.get("/api/events", params={"entity": "ent_vask", "from": "2020"}).json()
    assert [e["event_id"] for e in filtered["events"]] == ["ev_talks"]
    assert filtered["filters"] == {"entity": "ent_vask", "from": "2020"}
    assert client.get("/api/events?from=bad").status_code == 400
    event = client.get("/api/event/ev_strike").json()
    assert event["conflicts"] == ["crowd_size"]
    assert event["facts"][0]["status"] == "conflict"
    assert SCRIPT in event["key_sentences"][1]["text"]  # JSON carries the data as it is
    assert client.get("/api/event/nope").status_code == 404


def test_api_and_the_cli_timeline_agree(client, story):
    """`/api/events` and `storyline timeline --json` (views.timeline) read the same events the same way."""
    from storyline.store.sqlite import Store
    from storyline.views.timeline import event_data, timeline_data

    api = client.get("/api/events").json()["events"]
    with Store(story.db) as store:
        cli = timeline_data(store)
        detail = event_data(store, "ev_strike")
    assert [e["event_id"] for e in cli] == [e["event_id"] for e in api]
    for c, a in zip(cli, api):
        assert (c["date_display"], c["title"], c["conflicts"]) == (a["date"]["display"], a["title"], a["conflicts"])
        assert (c["main_articles"], c["mentioning_articles"]) == (a["main_articles"], a["mentioning_articles"])
        assert c["participants"] == [p["name"] for p in a["participants"]]
    # an article without an outlet is known by its file name, without the '#line:N' locator
    assert detail is not None and detail["conflicts"] == ["crowd_size"]
    assert {f["source"] for f in detail["fact_values"]} <= {"Harbour & Rail Gazette", "Coastal Times", "Bay Herald"}


def test_an_old_entity_id_redirects_to_the_entity_it_merged_into(client, story):
    with sqlite3.connect(story.db) as conn:
        conn.execute("INSERT INTO entity_redirects(old_id, entity_id) VALUES ('ent_old_vask', 'ent_vask')")
    r = client.get("/entity/ent_old_vask", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == "/entity/ent_vask"
    assert client.get("/entity/ent_old_vask").status_code == 200
    filtered = client.get("/api/events", params={"entity": "ent_old_vask"}).json()
    assert [e["event_id"] for e in filtered["events"]] == [
        e["event_id"] for e in client.get("/api/events", params={"entity": "ent_vask"}).json()["events"]]
    assert client.get("/entity/ent_never").status_code == 404


def test_stories_page_event_story_line_and_api(client, story):
    import json

    assert "No stories yet" in client.get("/stories").text
    with sqlite3.connect(story.db) as conn:
        conn.execute("INSERT INTO stories(story_id, title, date_from, date_to, event_ids, article_ids, stage, "
                     "stage_version) VALUES ('st_port', ?, '2020-09-14', '2020-09-21', ?, ?, 'stories', '1')",
                     (f"Port strike {SCRIPT}", json.dumps(["ev_strike", "ev_deal"]), json.dumps([A1, A2, A3])))
        conn.executemany("INSERT INTO story_events(event_id, story_id) VALUES (?, 'st_port')",
                         [("ev_strike",), ("ev_deal",)])
    html = client.get("/stories").text
    assert 'id="st_port"' in html and "/event/ev_strike" in html and "/event/ev_deal" in html
    assert SCRIPT not in html and "2 events · 3 articles" in html
    event = client.get("/event/ev_strike").text
    assert 'href="/stories#st_port"' in event and "(2 events, 3 articles)" in event
    assert "/stories#" not in client.get("/event/ev_talks").text  # in no story
    api = client.get("/api/stories").json()
    assert api["count"] == 1 and [e["event_id"] for e in api["stories"][0]["events"]] == ["ev_strike", "ev_deal"]


def test_event_page_facts_conflict_and_quote_links(client, story):
    html = client.get("/event/ev_strike").text
    assert "⚠ conflict" in html and "Coastal Times says 500 people &lt;b&gt;4x&lt;/b&gt;." in html
    assert "about 2,000 people" in html and "announced" in html and "Police" in html
    s, e = story.sentences[(A2, 0)]
    assert f'href="/article/{A2}?start={s}&amp;end={e}#hl"' in html
    s, e = story.span(A1, "about 2,000 people")
    assert f'href="/article/{A1}?start={s}&amp;end={e}#hl"' in html
    assert '<a href="/entity/ent_union">Harbour Workers Union</a>' in html
    talks = client.get("/event/ev_talks").text
    assert "✓ agree" in talks and "Both sources give four hours." in talks


def test_article_page_highlights_the_quoted_span(client, story):
    a, b = story.sentences[(A1, 2)]
    html = client.get(f"/article/{A1}", params={"start": a, "end": b}).text
    assert ('<mark id="hl" class="hl-sel">A protester held a sign reading &lt;script&gt;alert(1)&lt;/script&gt; '
            'and another &lt;img src=x onerror=alert(1)&gt; near the gate.</mark>') in html
    assert '<mark id="hl-raw" class="hl-sel">A protester' in html  # mapped into the raw text
    assert '<a href="/entity/ent_marsh"><span class="hl-ent hl-ent-person" title="PERSON: Lenka Marsh">Lenka Marsh</span></a>' in html
    assert '<span class="hl-date" title="DATE 2020-09-14">14 September 2020</span>' in html
    assert 'class="hl-date hl-fig"' in html  # "four hours": a duration timex and a figure
    assert "ADVERTISEMENT" in html and "ad_placeholder" in html
    assert "gazette.html" in html and "ingested" in html
    # out-of-range or malformed spans are ignored, not errors
    for params in ({"start": 5, "end": 100000}, {"start": "x", "end": "3"}, {"start": 9, "end": 2}):
        r = client.get(f"/article/{A1}", params=params)
        assert r.status_code == 200 and 'id="hl"' not in r.text
    dup = client.get(f"/article/{A2}").text
    assert "near duplicate of" in dup and "wiredaily.txt" in dup


def test_entity_page(client):
    html = client.get("/entity/ent_vask").text
    assert "Oren Vask" in html and "Vask <span class=\"muted\">×2</span>" in html
    assert "Talks between Lenka Marsh and Oren Vask" in html and "Agreement signed to end the strike" in html
    assert '<blockquote>The deal includes a loan of USD 1.5 bn for the port, according to <span class="hl-ent">Vask</span>.' in html
    assert client.get("/entity/ent_nobody").status_code == 404


def test_ledger_page(client):
    html = client.get("/ledger").text
    assert "empty file (0 bytes)" in html and "near duplicate of a2222222222222222 (similarity 0.93)" in html
    rejected = client.get("/ledger?state=rejected").text
    assert "empty.txt" in rejected and "gazette.html" not in rejected
    assert client.get("/ledger?state=bogus").status_code == 400


def test_search_builds_the_fts_index_and_finds_sentences(client, story):
    html = client.get("/search", params={"q": "crowd OR strike"}).text  # OR is a word here, not an operator
    assert "sentence" in html
    html = client.get("/search", params={"q": "strike"}).text
    assert '<span class="hl-term">strike</span>' in html
    assert html.count("<li>") >= 3
    conn = sqlite3.connect(story.db)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'sentences_fts'").fetchone()
    conn.close()
    # phrases, prefixes and FTS5 syntax in the query are safe
    html = client.get("/search", params={"q": '"four hours of talks"'}).text
    assert 'Marsh and Vask held <span class="hl-term">four hours of talks</span> in September 2020.' in html
    assert "1 sentence." in html
    html = client.get("/search", params={"q": "dockwork*"}).text
    assert '<span class="hl-term">Dockworkers</span> walked off' in html
    for q in ['"', "NEAR(", "a AND", "*", "^x", "col:foo", ")"]:
        assert client.get("/search", params={"q": q}).status_code == 200
    # the script text is found, and shown escaped
    html = client.get("/search", params={"q": "alert"}).text
    assert "&lt;script&gt;" in html and SCRIPT not in html


def test_search_index_follows_new_sentences(client, story):
    assert "zebra" not in client.get("/search", params={"q": "zebra"}).text.split("</form>")[-1]
    conn = sqlite3.connect(story.db)
    conn.execute("INSERT INTO sentences(article_id, sentence_index, start, end, text, stage, stage_version) "
                 "VALUES (?, 99, 0, 5, 'A zebra crossed the quay.', 'test', '1')", (A3,))
    conn.commit()
    conn.close()
    html = client.get("/search", params={"q": "zebra"}).text
    assert 'A <span class="hl-term">zebra</span> crossed' in html


def test_read_only_app_never_writes_and_refuses_adding(story):
    client = TestClient(create_app(story.db, read_only=True))
    html = client.get("/").text
    assert 'href="/add"' not in html and "read-only" in html
    assert client.get("/add").status_code == 403
    r = client.post("/add", data={"text": ARTICLE})
    assert r.status_code == 403
    # search works without the index, and the database was not touched
    assert '<span class="hl-term">Dockworkers</span> walked off' in client.get("/search", params={"q": "dockworkers"}).text
    conn = sqlite3.connect(story.db)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'sentences_fts%'").fetchall() == []
    assert conn.execute("SELECT COUNT(*) FROM ledger").fetchone()[0] == 5
    conn.close()


def test_read_only_app_needs_an_existing_database(tmp_path):
    from storyline.store.sqlite import StoreError

    with pytest.raises(StoreError):
        create_app(tmp_path / "missing.db", read_only=True)


def test_upload_refuses_wrong_types_and_sizes(story, tmp_path):
    client = TestClient(create_app(story.db, max_upload_bytes=1000, uploads_dir=tmp_path / "up"))
    r = client.post("/add", files={"files": ("report.pdf", b"%PDF-1.4 ...", "application/pdf")})
    assert r.status_code == 415 and "unsupported file type &#39;.pdf&#39;" in r.text
    r = client.post("/add", files={"files": ("noext", b"text", "text/plain")})
    assert r.status_code == 415
    r = client.post("/add", files={"files": ("big.txt", b"word " * 400, "text/plain")})
    assert r.status_code == 413 and "file too large (2,000 bytes; limit 1,000)" in r.text
    r = client.post("/add", data={"text": "word " * 400})
    assert r.status_code == 413 and "too large" in r.text
    # a body far over every limit is cut off while it is read
    r = client.post("/add", files={"files": ("huge.txt", b"x" * 200_000, "text/plain")})
    assert r.status_code == 413
    r = client.post("/add", data={"text": "   "})
    assert r.status_code == 400 and "Nothing to add" in r.text
    r = client.post("/add", data={"text": ARTICLE[:900], "date": "14/09/2020"})
    assert r.status_code == 400 and "date must be YYYY-MM-DD" in r.text
    assert not (tmp_path / "up").exists() or not any((tmp_path / "up").iterdir())  # nothing saved


def test_post_from_another_site_is_refused(client):
    r = client.post("/add", data={"text": ARTICLE}, headers={"Origin": "http://evil.example"})
    assert r.status_code == 403
    r = client.post("/add", data={"text": ARTICLE}, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403


def test_foreign_host_header_is_refused(client):
    r = client.get("/", headers={"Host": "attacker.example"})
    assert r.status_code == 400
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def _raw_get(app, path: str) -> int:
    """Send ``path`` to the ASGI app exactly as given (no client-side normalization)."""
    status = {}
    sent = []

    async def receive():
        if not sent:
            sent.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects; the app cancels this when done

    async def send(message):
        if message["type"] == "http.response.start":
            status["code"] = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 1), "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    return status["code"]


def test_path_traversal_is_refused(client, story):
    for url in ("/static/../../etc/passwd", "/static/..%2f..%2fetc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
                "/article/..%2f..", "/article/../../etc/passwd", "/entity/..%2f..%2fetc%2fpasswd"):
        assert client.get(url).status_code == 404, url
    app = create_app(story.db)
    for path in ("/static/../../etc/passwd", "/static/../web.py", "/static//etc/passwd", "/article/../..",
                 "/article/../../etc/passwd"):
        assert _raw_get(app, path) == 404, path
    assert _raw_get(app, "/static/app.js") == 200


def test_add_pasted_text_runs_the_build_and_redirects_to_the_article(story, tmp_path):
    client = TestClient(create_app(story.db, uploads_dir=tmp_path / "up"))
    r = client.post("/add", data={"text": ARTICLE, "title": "Port to reopen", "outlet": "Quay News",
                                  "date": "2020-09-28"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    assert url.startswith("/article/a")
    html = client.get(url).text
    assert "Port to reopen" in html and "Quay News" in html and "2020-09-28" in html
    ledger = client.get("/ledger").text
    assert "pasted.jsonl" in ledger
    # the same text again is a duplicate of it, shown with the ledger's words
    r = client.post("/add", data={"text": ARTICLE})
    assert r.status_code == 200 and "exact duplicate of" in r.text and url.split("/")[-1] in r.text


def test_add_files_reports_each_input_and_rejections_with_the_ledger_reason(story, tmp_path):
    client = TestClient(create_app(story.db, uploads_dir=tmp_path / "up"))
    files = [("files", ("../../evil name.txt", ("Port reopens\n\n" + ARTICLE).encode(), "text/plain")),
             ("files", ("short.txt", b"Too short to be an article.", "text/plain"))]
    r = client.post("/add", files=files)
    assert r.status_code == 200
    assert "evil_name.txt" in r.text and "ingested" in r.text
    assert "rejected" in r.text and "no article text found" in r.text
    saved = sorted(p.name for p in (tmp_path / "up").glob("upload-*/*"))
    assert saved == ["evil_name.txt", "short.txt"]  # inside the upload folder, names made safe
    only_rejected = client.post("/add", files={"files": ("tiny.txt", b"Hello.", "text/plain")})
    assert only_rejected.status_code == 422 and "no article text found" in only_rejected.text


def test_highlight_text_overlaps_and_escaping():
    text = "<b>Alpha</b> Beta"
    html = str(highlight_text(text, [Span(3, 8, "x", 'ti"tle'), Span(0, 17, "y")], (13, 17)))
    assert html == ('<span class="y">&lt;b&gt;</span><span class="y x" title="ti&#34;tle">Alpha</span>'
                    '<span class="y">&lt;/b&gt; </span><mark id="hl" class="hl-sel"><span class="y">Beta</span></mark>'
                    )


def test_new_database_is_created_for_adding(tmp_path):
    client = TestClient(create_app(tmp_path / "new.db"))
    assert client.get("/").status_code == 200
    assert "No events yet" in client.get("/").text
    assert Path(tmp_path / "new.db").exists()
