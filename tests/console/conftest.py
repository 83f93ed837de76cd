"""Fixtures of tests/console/: the browser ones live in browser.py."""

from __future__ import annotations

import pytest

from tests.console.browser import browser, docs_server, page, screenshots
from tests.console.pages import cheap_hasher, console, console_sqlite

__all__ = ["browser", "cheap_hasher", "console", "console_sqlite", "docs_server", "page",
           "screenshots"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives headless Chromium (tests/console/browser.py); "
                   "deselect with -m 'not browser'")
