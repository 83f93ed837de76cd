"""Bearer token → actor, cached: the resolution was a read transaction with three queries
per request, a third of an HTTP transition.

In this process a revocation, a rotation or a deactivation takes effect at once: each of
them calls `forget_actors`, which moves a generation number both when it is called and when
its transaction commits; an entry is served only under the generation it was read in, and
an entry whose read overlapped a change is not kept. Another process's changes reach this
one within `ttl` (entries expire), which is the promise across processes. (`forget_actors`
and the generation: `engine.org.generation`.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from engine.kernel import Actor
from engine.org.generation import generation
from engine.org.tokens import authenticate, hash_token
from engine.storage import read_tx

DEFAULT_TTL = timedelta(seconds=5)
MAX_ENTRIES = 10_000  # a full cache is emptied: tokens in use come back at one read each

@dataclass(frozen=True, kw_only=True)
class _Entry:
    actor: Actor
    expires: datetime
    generation: int


class ActorCache:
    """Token digests to actors, for one process (one per app)."""

    def __init__(self, *, ttl: timedelta = DEFAULT_TTL) -> None:
        self.ttl = ttl
        self._entries: dict[str, _Entry] = {}

    def cached(self, *, token: str, secret: str, now: datetime) -> Actor | None:
        """The actor of a current entry, without touching the database (None: ask
        `authenticate`). The API calls it on its event loop, where no I/O may wait."""
        entry = self._entries.get(hash_token(secret, token))
        if entry is not None and entry.generation == generation() and now < entry.expires:
            return entry.actor
        return None

    def authenticate(self, db: Engine, *, token: str, secret: str,
                     now: datetime) -> Actor | None:
        """`authenticate`, answered from the cache when the entry is current. Unknown
        tokens are not cached (a flood of guesses must not fill it)."""
        found = self.cached(token=token, secret=secret, now=now)
        if found is not None:
            return found
        digest = hash_token(secret, token)
        seen = generation()
        with read_tx(db) as conn:
            actor = authenticate(conn, token=token, secret=secret)
        if actor is not None and seen == generation():
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[digest] = _Entry(actor=actor, expires=now + self.ttl,
                                           generation=seen)
        return actor
