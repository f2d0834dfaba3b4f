"""``/docs`` renders with the network unplugged: every request that leaves the loopback interface
is aborted, and the reference still lists the operations (Redoc ships inside the package)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from tests.support.browser import ARTIFACTS, LiveApp


def test_docs_render_without_internet(live: LiveApp, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(30_000)
    aborted: list[str] = []

    def unplugged(route: Any) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            aborted.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", unplugged)
    page = context.new_page()
    try:
        page.goto(f"{live.url}/docs")
        # Each operation is a section headed by its summary (openapi.yaml).
        for summary in ("Create a booking", "List open slots"):
            heading = page.locator("h2", has_text=re.compile(rf"^{summary}\s*$"))
            heading.first.wait_for()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "docs-offline-1280x800.png"))
    finally:
        context.close()
    assert aborted == []  # it did not even try to reach another host
