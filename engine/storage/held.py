"""Thread-affine write connections for SQLite: each thread keeps the connection its last
write transaction checked out and runs its next one on it, instead of a pool checkout and
return per transaction (a tenth of `apply()` in the profiles).

Safe by construction rather than by luck:
- a connection is only ever used by the thread that checked it out (a slot is found by the
  thread's identity and belongs to that thread object), never shared, so two threads'
  transactions cannot interleave on one sqlite3 connection;
- a slot in use is not handed out again: a write transaction nested in another on the same
  thread gets a pool connection as before;
- any exception in the transaction drops the connection (closed, so returned to the pool,
  which resets it); so does an execution option left on it (`stream_results`...);
- at most `limit` threads hold one (the pool's size); threads beyond it, and those that
  come after a thread ended (anyio's workers stop when idle), use the pool; slots of ended
  threads are closed when their place is needed and at disposal;
- `Engine.dispose()` closes every idle held connection at once and one in use when its
  transaction ends; after a fork the child never touches the parent's connections (closing
  a sqlite3 connection in a child releases the parent's file locks), it starts empty.

PostgreSQL stays on its pool: a held connection would skip `pool_pre_ping` and take pool
slots from uvicorn's other threads."""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.pool import QueuePool

_GENERATION = 0  # bumped in a forked child: every slot made before it belongs to the parent
_INHERITED: list[Any] = []  # the parent's slots, kept referenced so nothing closes them


def _forked() -> None:
    global _GENERATION
    _GENERATION += 1


os.register_at_fork(after_in_child=_forked)


class Slot:
    """One thread's held connection."""

    __slots__ = ("busy", "conn", "epoch", "generation", "options", "thread")

    def __init__(self, conn: Connection, thread: threading.Thread, epoch: int) -> None:
        self.conn = conn
        self.thread = weakref.ref(thread)
        self.busy = False
        self.epoch = epoch  # the registry's disposal count when it was made
        self.generation = _GENERATION
        self.options = conn.get_execution_options()


class HeldWriters:
    """The held write connections of one engine (an attribute of the engine itself)."""

    ATTR = "_leadflow_held_writers"

    def __init__(self, engine: Engine, limit: int) -> None:
        self._engine = engine
        self._limit = limit
        self._lock = threading.Lock()
        self._slots: dict[int, Slot] = {}
        self._connecting = 0  # places taken by threads still connecting
        self._epoch = 0
        self._generation = _GENERATION

    @classmethod
    def attach(cls, engine: Engine) -> None:
        """Give a file SQLite engine held writers; other pools (NullPool for `:memory:`,
        where each connection is its own database) keep checking out per transaction."""
        if not isinstance(engine.pool, QueuePool):
            return
        held = cls(engine, max(1, engine.pool.size()))
        setattr(engine, cls.ATTR, held)
        event.listen(engine, "engine_disposed", lambda _engine: held.close_all())

    @classmethod
    def of(cls, engine: Engine) -> HeldWriters | None:
        found: HeldWriters | None = getattr(engine, cls.ATTR, None)
        return found

    def held(self) -> int:
        """How many connections are held now (for the tests)."""
        with self._lock:
            return len(self._slots)

    def take(self) -> Slot | None:
        """This thread's idle slot, a new one within the limit, or None (use the pool)."""
        if self._generation != _GENERATION:
            self._forget_parent()
        ident = threading.get_ident()
        me = threading.current_thread()
        with self._lock:  # against close_all taking it for idle at the same moment
            slot = self._slots.get(ident)
            if slot is not None and slot.thread() is me:
                if slot.busy:
                    return None
                slot.busy = True
                return slot
        return self._new_slot(ident, me)

    def _new_slot(self, ident: int, me: threading.Thread) -> Slot | None:
        with self._lock:
            self._close_ended()
            # places being connected count against the limit: threads checking it at the
            # same moment would otherwise all pass it before any of them is in _slots
            if ident in self._slots or len(self._slots) + self._connecting >= self._limit:
                return None
            self._connecting += 1
            epoch = self._epoch
        try:
            conn = self._engine.connect().execution_options(leadflow_write=True)
        except BaseException:
            with self._lock:
                self._connecting -= 1
            raise
        slot = Slot(conn, me, epoch)
        slot.busy = True
        with self._lock:
            self._connecting -= 1
            if self._epoch == epoch and ident not in self._slots:
                self._slots[ident] = slot
                return slot
        self._discard(slot)  # disposed meanwhile: this transaction uses the pool
        return None

    def give_back(self, slot: Slot, *, ok: bool) -> None:
        """The end of a transaction on `slot`: keep it for the thread's next one, or drop it
        after an error, a disposal, or an execution option the transaction left on it."""
        with self._lock:  # idle only once kept, so close_all never takes one in use
            if (ok and slot.epoch == self._epoch and slot.generation == _GENERATION
                    and slot.conn.get_execution_options() is slot.options
                    and not slot.conn.invalidated and not slot.conn.closed):
                slot.busy = False
                return
            if self._slots.get(threading.get_ident()) is slot:
                del self._slots[threading.get_ident()]
        if slot.generation == _GENERATION:
            self._discard(slot)
        else:  # begun before a fork, in the child: the parent's, never closed here
            _INHERITED.append(slot)

    def close_all(self) -> None:
        """Disposal: close the idle held connections now; one in use is closed when its
        transaction ends (its epoch is old)."""
        with self._lock:
            self._epoch += 1
            idle = [s for s in self._slots.values() if not s.busy]
            self._slots = {k: s for k, s in self._slots.items() if s.busy}
        for slot in idle:
            self._discard(slot)

    def _close_ended(self) -> None:
        """Close the slots of threads that have ended (caller holds the lock)."""
        for ident, slot in list(self._slots.items()):
            thread = slot.thread()
            if thread is None or not thread.is_alive():
                del self._slots[ident]
                self._discard(slot)

    def _discard(self, slot: Slot) -> None:
        """Close a slot's connection. One from before a disposal is closed outright: the
        engine fires `engine_disposed` after replacing its pool, and a plain close would
        put it back into the old pool's queue, open."""
        if slot.epoch != self._epoch:
            slot.conn.invalidate()
        slot.conn.close()

    def _forget_parent(self) -> None:
        """In a forked child: the slots are the parent's; keep them referenced, unused. The
        lock is new too (another thread of the parent may have held it at the fork)."""
        self._lock = threading.Lock()
        _INHERITED.extend(self._slots.values())
        self._slots = {}
        self._connecting = 0
        self._generation = _GENERATION
