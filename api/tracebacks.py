"""A traceback for the log that carries no request data from the database layer.

SQLAlchemy's statement errors print the statement's bound parameters (`[parameters: ...]`),
which hold whatever the request sent: a reporter's name, a receipt code, a token hash. The
driver's own message may quote a value too (`invalid input syntax ...: "…"`,
`Key (code)=(…) already exists`). Such exceptions are written here as their class, SQLSTATE and
statement (placeholders only); every other exception as usual."""

from __future__ import annotations

import traceback

from sqlalchemy.exc import StatementError

_DRIVER_MODULES = ("psycopg", "sqlite3")
_QUOTING_DRIVERS = ("psycopg",)  # whose messages may carry a value
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def safe_traceback(exc: BaseException) -> str:
    """The traceback of `exc` and the exceptions it was raised from, oldest first, as
    `traceback.format_exception` would write it, minus bound parameters and driver messages."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    drivers = {id(e.orig) for e, _ in chain if isinstance(e, StatementError) and e.orig}
    parts: list[str] = []
    for e, link in reversed(chain):
        frames = "".join(traceback.format_tb(e.__traceback__))
        parts.append(f"Traceback (most recent call last):\n{frames}{_describe(e, drivers)}\n")
        parts.append(link)
    return "".join(parts).rstrip("\n")


def _describe(exc: BaseException, drivers: set[int]) -> str:
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    if isinstance(exc, StatementError):
        orig = exc.orig
        cause = "" if orig is None else f" from {_driver(orig)}"
        return f"{name}{cause} [SQL: {exc.statement}] (parameters withheld)"
    if id(exc) in drivers or type(exc).__module__.split(".")[0] in _DRIVER_MODULES:
        return f"{type(exc).__module__}.{_driver(exc)}"
    return "".join(traceback.format_exception_only(exc)).rstrip("\n")


def _driver(exc: BaseException) -> str:
    head = f"{type(exc).__qualname__}{_sqlstate(exc)}"
    if type(exc).__module__.split(".")[0] in _QUOTING_DRIVERS:
        return f"{head} (message withheld: it may quote the data)"
    return f"{head}: {exc}"


def _sqlstate(exc: BaseException) -> str:
    state = getattr(exc, "sqlstate", None) or getattr(exc, "sqlite_errorname", None)
    return f" [{state}]" if state else ""
