"""Browser fixtures for the console tests: a real server and Debian's Chromium, headless,
driven by Playwright. tests/console/conftest.py makes them available to tests/console/.

- `LiveServer(app)`: uvicorn serving an ASGI app in a thread, on a free loopback port.
- `docs_server` (session): the minimal app of docs_app.py, served; its base URL.
- `browser` (session): Chromium from /usr/bin/chromium (LEADFLOW_CHROMIUM to use another),
  launched headless. `playwright install` is not used: it downloads browsers from the
  internet, and the Debian build is what CI installs with apt-get.
- `page` (function): a new page in its own context, recording console messages, page errors,
  CSP violations and every request (`RecordedPage`).
- `screenshots` (session): the directory in LEADFLOW_SCREENSHOTS, else a tmp directory.

The browser reaches servers as http://leadflow.test:<port>/: Chromium maps that name to
127.0.0.1 and every other name to "not found". So no request leaves the machine even by
mistake, and pages run on a host that is not "localhost", as on an office server (some
libraries behave differently on localhost, e.g. Swagger UI's validator badge).

Without playwright or the Chromium binary the browser tests are skipped, saying which is
missing; with CI or LEADFLOW_REQUIRE_BROWSER set they fail instead.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
import uvicorn
from starlette.types import ASGIApp

from tests.console.docs_app import make_docs_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request, ViewportSize

CHROMIUM = Path(os.environ.get("LEADFLOW_CHROMIUM", "/usr/bin/chromium"))
HOST = "leadflow.test"
CHROMIUM_ARGS = [
    f"--host-resolver-rules=MAP {HOST} 127.0.0.1, MAP * ~NOTFOUND",
    "--no-proxy-server",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}

# Collects what the page's CSP blocked; runs before any script of the page (Playwright adds it
# through the DevTools protocol, which the page's CSP does not govern).
_RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}` +
    (e.sample ? ` (${e.sample})` : ""));
});
"""


class LiveServer:
    """`with LiveServer(app) as server:` serves `app` at `server.url` (http://leadflow.test:<port>
    for the browser; `server.local_url` is the 127.0.0.1 address for other clients)."""

    def __init__(self, app: ASGIApp, *, startup_timeout: float = 10.0) -> None:
        self.app = app
        self.startup_timeout = startup_timeout
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        self.local_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, ws="none")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={"sockets": [self._socket]},
                                        name=f"uvicorn:{self.port}", daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("uvicorn stopped during startup (see its log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start within {self.startup_timeout}s")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@dataclass
class RecordedPage:
    """A Playwright page and what happened on it."""

    page: Page
    console: list[tuple[str, str]] = field(default_factory=list)  # (type, text)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    failed_requests: list[tuple[str, str | None]] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        found: list[str] = self.page.evaluate("window.__cspViolations || []")
        return found

    def console_errors(self) -> list[str]:
        """Errors in the console (CSP violations, failed loads, uncaught exceptions), and any
        message about the Content-Security-Policy whatever its level."""
        return [f"{kind}: {text}" for kind, text in self.console
                if kind == "error" or "Content Security Policy" in text]

    def foreign_requests(self, origin: str) -> list[str]:
        """Requests to anywhere but `origin` (data: and blob: URLs are local)."""
        return [url for url in self.requests
                if not url.startswith(("data:", "blob:")) and _origin(url) != origin]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _unavailable() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install playwright==1.64.1)"
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-wqy-microhei)"
    return None


@pytest.fixture(scope="session")
def docs_server() -> Iterator[LiveServer]:
    with LiveServer(make_docs_app()) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    reason = _unavailable()
    if reason:
        if os.environ.get("CI") or os.environ.get("LEADFLOW_REQUIRE_BROWSER"):
            pytest.fail(f"browser tests cannot run: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[RecordedPage]:
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", service_workers="block")
    context.add_init_script(_RECORD_CSP_VIOLATIONS)
    recorded = RecordedPage(context.new_page())

    def on_console(message: ConsoleMessage) -> None:
        recorded.console.append((message.type, message.text))

    def on_request_failed(request: Request) -> None:
        recorded.failed_requests.append((request.url, request.failure))

    recorded.page.on("console", on_console)
    recorded.page.on("pageerror", lambda error: recorded.page_errors.append(str(error)))
    recorded.page.on("request", lambda request: recorded.requests.append(request.url))
    recorded.page.on("requestfailed", on_request_failed)
    try:
        yield recorded
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("LEADFLOW_SCREENSHOTS")
    if configured:
        directory = Path(configured)
        directory.mkdir(parents=True, exist_ok=True)
        return directory
    return tmp_path_factory.mktemp("screenshots")
