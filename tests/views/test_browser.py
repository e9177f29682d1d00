"""The web app and the HTML report in headless Chromium (Playwright).

Runs only where the `playwright` Python package and Debian's /usr/bin/chromium are both
installed; skipped otherwise (no browser is ever downloaded). Playwright's own timeouts are
switched off: these tests have no wall-clock limits.
"""

from __future__ import annotations

import shutil
import threading

import pytest

from .browser import CHROMIUM, launch_chromium, watch_problems

playwright_sync = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)

import uvicorn  # noqa: E402

from storyline.store.sqlite import Store  # noqa: E402
from storyline.views.report import render_report  # noqa: E402
from storyline.views.web import create_app  # noqa: E402

from .conftest import A1  # noqa: E402


@pytest.fixture
def server(story):
    app = create_app(story.db)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    started = threading.Event()
    while not srv.started and thread.is_alive():
        started.wait(0.05)
    assert srv.started, "the server did not start"
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join()


@pytest.fixture
def browser():
    with playwright_sync.sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    page = watch_problems(browser.new_page())
    yield page
    page.close()


def test_timeline_zoom_and_quick_filter(server, page):
    page.goto(server + "/")
    svg = page.locator("svg.timeline-chart")
    before = svg.get_attribute("viewBox")
    page.click("[data-zoom=in]")
    zoomed = svg.get_attribute("viewBox")
    assert zoomed != before
    # the time axis stretches: half the width in view, the full height, labels kept at their size
    assert float(zoomed.split()[2]) == pytest.approx(float(before.split()[2]) / 2, rel=0.01)
    assert zoomed.split()[3] == before.split()[3]
    label = page.locator("svg a.ev text").first
    assert "scale(0.5 1)" in label.get_attribute("transform")
    page.click("[data-zoom=reset]")
    assert [float(x) for x in svg.get_attribute("viewBox").split()] == [float(x) for x in before.split()]
    box = svg.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -300)
    page.wait_for_function("(before) => document.querySelector('svg.timeline-chart').getAttribute('viewBox') !== before",
                           arg=before)
    page.fill("[data-quick-filter]", "vask")
    assert page.locator("ol.event-list li:not(.filtered-out)").count() == 2
    assert page.locator("svg a.ev:not(.filtered-out)").count() == 2
    assert page.problems == []


def test_quote_link_opens_the_highlighted_span_and_no_script_runs(server, page):
    page.goto(server + "/event/ev_strike")
    page.click("td.quote a >> nth=0")
    page.wait_for_url("**/article/**#hl")
    mark = page.locator("mark#hl")
    assert mark.is_visible()
    page.goto(server + f"/article/{A1}")
    assert "<script>alert(1)</script>" in page.inner_text(".article-text")
    assert page.locator(".article-text img").count() == 0
    for url in ("/", "/entity/ent_vask", "/ledger", "/search?q=alert", "/add"):
        page.goto(server + url)
    assert page.problems == []


def test_html_report_runs_nothing_and_loads_nothing(story, tmp_path, page):
    with Store(story.db, read_only=True) as store:
        html = render_report(store, "html")
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    assert requests == [path.as_uri()]
    assert page.locator("svg.timeline-chart a.ev").count() == 3
    assert page.problems == []
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf))  # printable
    assert pdf.stat().st_size > 0
    shutil.rmtree(tmp_path, ignore_errors=True)
