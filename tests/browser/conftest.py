"""Playwright (Python) driving Debian's chromium, headless, against pytest-django's
live server. Never downloads a browser; skips with a reason if chromium is absent.
A failing test leaves a full-page screenshot in test-artifacts/ (a CI artifact)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make here are still plain synchronous code. Only while browsers run.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


class Pages:
    """New browser contexts (one per person), CSP violations collected from all."""

    def __init__(self, browser, base_url: str):
        self.browser, self.base_url = browser, base_url
        self.contexts: list = []
        self.pages: list = []
        self.csp_violations: list[str] = []

    def new(self, *, mobile: bool = False, locale: str = "zh-CN"):
        options = {"base_url": self.base_url, "locale": locale}
        if mobile:
            options.update(
                viewport={"width": 375, "height": 812},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
            )
        context = self.browser.new_context(**options)
        page = context.new_page()
        page.set_default_timeout(15000)
        page.on("console", self._console)
        self.contexts.append(context)
        self.pages.append(page)
        return page

    def _console(self, message) -> None:
        if re.search(r"Content Security Policy|Refused to", message.text):
            self.csp_violations.append(message.text)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, live_server, request):
    pages = Pages(browser, live_server.url)
    yield pages
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for n, page in enumerate(pages.pages):
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-120:]
            page.screenshot(path=str(ARTIFACTS / f"{name}-{n}.png"), full_page=True)
    pages.close()
    assert not pages.csp_violations, pages.csp_violations
