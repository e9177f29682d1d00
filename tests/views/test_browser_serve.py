"""A person's walk through `storyline serve` on the bundled example corpus, in headless Chromium.

Starts the real command (a subprocess on a free loopback port), then: opens the timeline,
clicks an event with a conflict, checks its facts and conflict mark, follows a quote to the
article with the highlighted span, searches a phrase, adds an article from the browser and
sees it appear, and checks that scraped <script>/<img onerror> content renders as text.
Screenshots go to artifacts/screenshots/ (ignored by git; CI keeps them as artifacts).

Skipped where the playwright package or Debian's /usr/bin/chromium is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .browser import CHROMIUM, launch_chromium, watch_problems

playwright_sync = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

from storyline.pipeline import build  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "artifacts" / "screenshots"
HOSTILE = (
    "Harbour officials in Kessel confirmed on Monday that the ferry strike had ended after talks that lasted "
    "almost five hours. <script>alert('scraped')</script> The union said 300 workers would return to work. "
    "<img src=x onerror=alert('img')> Negotiators from both sides called the agreement fair and lasting."
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    db = root / "examples.db"
    build([str(REPO / "examples" / "corpus")], db)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "storyline.cli", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    # Wait until it answers (or dies): poll the process, not the clock.
    while proc.poll() is None:
        try:
            urllib.request.urlopen(url + "/ledger")
            break
        except OSError:
            time.sleep(0.2)
    assert proc.poll() is None, proc.stdout.read().decode()
    yield url
    proc.terminate()
    proc.wait()


@pytest.fixture(scope="module")
def page(server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_sync.sync_playwright() as p:
        browser = launch_chromium(p)
        page = watch_problems(browser.new_page(viewport={"width": 1280, "height": 900}))
        yield page
        browser.close()


def test_walk_through_timeline_event_quote_search(server, page):
    page.goto(server + "/")
    assert page.locator("svg.timeline-chart").count() == 1
    page.screenshot(path=str(SHOTS / "timeline.png"), full_page=True)
    conflicted = page.locator("ol.event-list li.conflict a.title")
    assert conflicted.count() >= 1, "the example corpus has conflicting figures"
    with page.expect_navigation():
        conflicted.first.click()
    assert "/event/" in page.url
    assert page.locator("section.fact-group.conflict").count() >= 1
    assert page.locator("section.fact-group.conflict .explanation").first.inner_text().startswith("conflict")
    assert page.locator("table.facts tbody tr").count() >= 2
    page.screenshot(path=str(SHOTS / "event.png"), full_page=True)
    quote = page.locator("section.fact-group td.quote a").first
    quoted = quote.inner_text().strip("“”")
    with page.expect_navigation():
        quote.click()
    assert "/article/" in page.url and page.url.endswith("#hl")
    mark = page.locator("mark#hl")
    assert mark.is_visible()
    assert " ".join(mark.inner_text().split()) in " ".join(quoted.split())
    page.screenshot(path=str(SHOTS / "article.png"))
    page.fill("form.search input[name=q]", '"state loan"')
    with page.expect_navigation():
        page.click("form.search button")
    assert "/search?" in page.url
    assert "state loan" in page.inner_text("main").lower()
    page.screenshot(path=str(SHOTS / "search.png"))
    assert page.problems == []


def test_add_article_from_the_browser_renders_scraped_markup_as_text(server, page):
    page.goto(server + "/add")
    page.fill("input[name=title]", "Ferry strike ends in Kessel")
    page.fill("input[name=outlet]", "Harbour Gazette")
    page.fill("textarea[name=text]", HOSTILE)
    with page.expect_navigation():
        page.click("form.add button[type=submit]")
    page.screenshot(path=str(SHOTS / "after-add.png"))
    assert "/article/" in page.url, (page.url, page.inner_text("main")[:500])
    text = page.inner_text(".article-text")
    assert "<script>alert('scraped')</script>" in text
    assert "<img src=x onerror=alert('img')>" in text
    assert page.locator(".article-text script, .article-text img").count() == 0
    page.screenshot(path=str(SHOTS / "added-article.png"))
    page.goto(server + "/ledger")
    assert "pasted" in page.inner_text("main")
    page.goto(server + "/search?q=ferry")
    assert "ferry strike" in page.inner_text("main").lower()
    assert page.problems == []  # no alert ran, no CSP violation


def test_screenshots_exist():
    for name in ("timeline.png", "event.png", "article.png", "search.png", "added-article.png"):
        path = SHOTS / name
        assert path.exists() and path.stat().st_size > 1000, name
    shutil.copy(SHOTS / "timeline.png", SHOTS / "latest-timeline.png")
