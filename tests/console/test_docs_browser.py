"""/docs and /redoc in a real browser (Chromium, headless): they render the operations, with
Chinese text, under their CSP, without a console error and without a request to any other
host. Screenshots go to LEADFLOW_SCREENSHOTS (default: a tmp directory)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.console.browser import LiveServer, RecordedPage
from tests.console.docs_app import SUMMARY_GET, SUMMARY_POST, TAG

if TYPE_CHECKING:
    from playwright.sync_api import Locator

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000


def wait_for(locator: Locator, recorded: RecordedPage, server: LiveServer) -> None:
    """Wait until `locator` is visible; if it does not come, fail with what the browser
    reported (a CSP violation is the usual reason)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        locator.wait_for(timeout=TIMEOUT_MS)
    except PlaywrightTimeout:
        pytest.fail(f"{locator} did not appear. CSP violations: {recorded.csp_violations()}; "
                    f"console: {recorded.console_errors()}; errors: {recorded.page_errors}; "
                    f"requests elsewhere: {recorded.foreign_requests(server.url)}")


def assert_clean(recorded: RecordedPage, server: LiveServer) -> None:
    recorded.page.wait_for_load_state("networkidle")
    assert recorded.csp_violations() == []
    assert recorded.console_errors() == []
    assert recorded.page_errors == []
    assert recorded.foreign_requests(server.url) == []
    assert recorded.failed_requests == []


def test_swagger_ui_renders_offline(page: RecordedPage, docs_server: LiveServer,
                                    screenshots: Path) -> None:
    p = page.page
    p.goto(f"{docs_server.url}/docs")
    operations = p.locator("#swagger-ui .opblock")
    wait_for(operations.first, page, docs_server)
    assert operations.count() == 2
    assert p.locator(".opblock-summary-description", has_text=SUMMARY_GET).is_visible()
    assert p.locator(".opblock-summary-description", has_text=SUMMARY_POST).is_visible()
    assert p.locator(".opblock-tag", has_text=TAG).is_visible()
    p.screenshot(path=screenshots / "swagger-ui.png")

    # "Try it out" calls the API from the page: allowed by connect-src (default-src 'self').
    get = p.locator(".opblock-get")
    get.locator(".opblock-summary").click()
    get.locator("button.try-out__btn").click()
    get.locator("input[placeholder='lead_id']").fill("7")
    get.locator("button.execute").click()
    status = get.locator(".live-responses-table .response .response-col_status")
    wait_for(status.first, page, docs_server)
    assert status.first.inner_text().strip() == "200"
    assert "示例线索" in get.locator(".live-responses-table .microlight").first.inner_text()
    p.screenshot(path=screenshots / "swagger-ui-try-it-out.png", full_page=True)
    assert_clean(page, docs_server)
    assert f"{docs_server.url}/v1/leads/7" in page.requests


def test_redoc_renders_offline(page: RecordedPage, docs_server: LiveServer,
                               screenshots: Path) -> None:
    p = page.page
    p.goto(f"{docs_server.url}/redoc")
    wait_for(p.locator("#redoc h2", has_text=SUMMARY_GET), page, docs_server)
    assert p.locator("#redoc h2", has_text=SUMMARY_POST).is_visible()
    assert p.locator("#redoc h1", has_text="leadflow 文档测试").is_visible()
    p.screenshot(path=screenshots / "redoc.png")

    # Search runs in a web worker made from a blob: URL (worker-src blob: in REDOC_CSP).
    p.locator("input[placeholder='Search...']").fill("lead_id")  # in the GET operation only
    results = p.locator("[data-role='search:results'] li")
    wait_for(results.first, page, docs_server)
    assert [text.split() for text in results.all_inner_texts()] == [["GET", SUMMARY_GET]]
    p.screenshot(path=screenshots / "redoc-search.png")
    assert_clean(page, docs_server)
    assert any(url.startswith("blob:") for url in page.requests)  # the search worker

    # The side menu's Redocly logo is there, but as a local blank (static/js/redoc-init.js).
    src = p.locator("img[alt='redocly logo']").get_attribute("src", timeout=1000)
    assert src is not None
    assert src.startswith("data:")
