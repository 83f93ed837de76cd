"""structlog, configured once: JSON lines in production, readable console in development.

Sensitive keys are redacted by a processor, so a careless `log.info(token=...)` cannot leak."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

SENSITIVE_KEYS = frozenset({
    "token", "authorization", "secret", "password", "reporter", "reporter_name",
    "reporter_contact", "identity", "receipt", "receipt_code", "bootstrap_admin_token",
})


def redact(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if key.lower() in SENSITIVE_KEYS:
            event[key] = "[redacted]"
    return event


class _Stderr:
    """Writes to whatever sys.stderr is at the time of the write, not at configure time
    (test runners and daemons swap it; a captured, closed stream must not be kept)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


_generation = 0  # configure() calls so far: a Logger rebinds when it changes


class Logger:
    """A named structlog logger bound once per configure(), not on every call as structlog's
    lazy proxy does with cache_logger_on_first_use=False (a third of the cost of a log line
    on the transition path). structlog.testing.capture_logs still sees its lines: it edits
    the configured processor list in place, which the bound logger shares."""

    __slots__ = ("_bound", "_name", "_seen")

    def __init__(self, name: str) -> None:
        self._name = name
        self._seen = -1
        self._bound: Any = None

    def _logger(self) -> Any:
        if self._seen != _generation:
            self._bound = structlog.get_logger(self._name).bind()
            self._seen = _generation
        return self._bound

    def debug(self, event: str, **kw: Any) -> None:
        self._logger().debug(event, **kw)

    def info(self, event: str, **kw: Any) -> None:
        self._logger().info(event, **kw)

    def warning(self, event: str, **kw: Any) -> None:
        self._logger().warning(event, **kw)

    def error(self, event: str, **kw: Any) -> None:
        self._logger().error(event, **kw)


def get_logger(name: str) -> Logger:
    return Logger(name)


def configure(fmt: str = "console", level: str = "info", file: Any = None) -> None:
    """Configure structlog; `file` (default: whatever sys.stderr is at each write) receives
    the lines. Call this, not structlog.configure, so that every Logger rebinds."""
    global _generation
    renderer: Any = (structlog.processors.JSONRenderer(ensure_ascii=False) if fmt == "json"
                     else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(file=file or _Stderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    _generation += 1
