"""Shared Playwright helpers for the browser tests: one way to launch Debian's Chromium and one
way to collect what must never happen on our pages (console errors, page errors, dialogs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")

# Without these, Chromium tries to reach Google's hosts at start-up; the machines have no network.
CHROMIUM_ARGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def watch_problems(page: Any) -> Any:
    """Give `page` a `problems` list: console errors (CSP violations among them), uncaught page
    errors, and dialogs (an executed alert), which are dismissed. No Playwright timeouts: these
    tests have no wall-clock limits."""
    page.set_default_timeout(0)
    page.set_default_navigation_timeout(0)
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("dialog", lambda d: (page.problems.append("dialog: " + d.message), d.dismiss()))
    return page
