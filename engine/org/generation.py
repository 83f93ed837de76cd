"""The generation of this process's cached actors (engine/org/token_cache.py): whatever
changes who a token stands for (revoke, rotate, deactivate, the tree, role scopes) calls
`forget_actors`. Imports nothing of the org, so every org module may call it."""

from __future__ import annotations

import threading

from sqlalchemy import Connection, event

_lock = threading.Lock()
_generation = 0


def generation() -> int:
    return _generation


def _bump(*_: object) -> None:
    global _generation
    with _lock:
        _generation += 1


def forget_actors(conn: Connection | None = None) -> None:
    """Drop every actor this process cached for a token, now and again when `conn`'s
    transaction commits (so a request that read the old rows in between is not kept)."""
    _bump()
    if conn is not None:
        event.listen(conn, "commit", _bump, once=True)
