"""The audit trail: hash-chained, append-only events per item, and their verification."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, Text, cast, column, select, table

from engine.kernel import Actor, body_text, dumps, event_body, timestamp

GENESIS = "0" * 64

# The two tables verify reads, as Core's light table clauses by name: the SQLModel classes
# behind engine.storage's EVENT and ITEM (with pydantic and the ORM) cost `leadflow verify`
# half a second of start-up. tests/engine/items/test_audit_columns.py holds these names to
# the tables. No types either: every column is read as the driver gives it.
EVENT_COLUMNS = ("item_id", "seq", "at", "actor", "actor_role", "trigger", "from_state",
                 "to_state", "data", "comment", "workflow", "workflow_version", "prev_hash",
                 "hash")
ITEM_COLUMNS = ("id", "ref", "state", "audit_seq", "audit_head", "jurisdiction_id")
EVENTS = table("audit_event", *map(column, EVENT_COLUMNS))
ITEMS = table("item", *map(column, ITEM_COLUMNS))


@dataclass(frozen=True, kw_only=True)
class EventRecord:
    """The hashed content of one audit event."""

    item_id: int
    seq: int
    at: datetime
    actor: str
    actor_role: str
    trigger: str
    from_state: str | None
    to_state: str
    data: Mapping[str, Any]
    comment: str
    workflow: str
    workflow_version: int
    prev_hash: str

    def digest(self) -> str:
        return hashlib.sha256(event_body(
            item_id=self.item_id, seq=self.seq, at=self.at, actor=self.actor,
            role=self.actor_role, trigger=self.trigger, from_state=self.from_state,
            to_state=self.to_state, data=self.data, comment=self.comment,
            workflow=self.workflow, version=self.workflow_version, prev=self.prev_hash,
        )).hexdigest()


@dataclass(frozen=True, kw_only=True)
class BrokenChain:
    item_id: int
    ref: str
    seq: int  # first bad sequence number (0 when the item row itself disagrees)
    reason: str


@dataclass(kw_only=True)
class VerifyReport:
    items: int = 0
    events: int = 0
    broken: list[BrokenChain] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken


def _item_filters(id_col: Any, item_ids: list[int] | None, id_range: tuple[int, int] | None,
                  jurisdiction_id: int | None) -> list[ColumnElement[bool]]:
    """Which items to check, as conditions on `id_col` (ITEMS.c.id or EVENTS.c.item_id). A
    jurisdiction is its nested-set subtree, in a subquery: a province's scope holds millions
    of items, and a list of their ids would exceed SQLite's and PostgreSQL's limits on bound
    parameters."""
    out: list[ColumnElement[bool]] = []
    if item_ids is not None:
        out.append(id_col.in_(item_ids))
    if id_range is not None:
        out += [id_col >= id_range[0], id_col < id_range[1]]
    if jurisdiction_id is not None:
        from engine.org import subtree_ids_query  # the org tables: only for a scope

        out.append(id_col.in_(select(ITEMS.c.id).where(
            ITEMS.c.jurisdiction_id.in_(subtree_ids_query(jurisdiction_id)))))
    return out


def _events_query(conn: Connection, where: list[ColumnElement[bool]]) -> Select[Any]:
    # PostgreSQL's driver would decode `data` (jsonb) into a dict; as text it is remembered
    # per stored text like SQLite's (`_Canonical`), and decodes to the same value.
    data = EVENTS.c.data if conn.dialect.name == "sqlite" else cast(EVENTS.c.data, Text)
    return select(*(data if c.name == "data" else c for c in EVENTS.c)).where(
        *where).order_by(EVENTS.c.item_id, EVENTS.c.seq)


@contextmanager
def _rows(conn: Connection, q: Select[Any], batch: int) -> Iterator[Iterable[Any]]:
    """The rows of `q`, to iterate over. SQLite: the driver's own cursor in the caller's
    transaction, its plain tuples straight from its C iterator (SQLAlchemy's Row per event
    cost a quarter of verifying, a generator around the cursor another tenth); every column
    read as stored. PostgreSQL: SQLAlchemy's server-side cursor."""
    if conn.dialect.name != "sqlite":
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(q)
        try:
            yield result
        finally:
            result.close()
        return
    compiled = q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.arraysize = batch
        yield cur.execute(str(compiled), [params[name] for name in compiled.positiontup or ()])
    finally:
        cur.close()


def _at_text(stored: datetime | str) -> str:
    """The canonical `timestamp` of a stored `at`: PostgreSQL gives an aware datetime;
    SQLite gives the naive-UTC text SQLAlchemy wrote (2026-03-02 01:00:00.000000), which
    only needs its separator changed (verify does that inline). Raises ValueError on text
    that is not a timestamp."""
    if isinstance(stored, datetime):
        return timestamp(stored if stored.tzinfo else stored.replace(tzinfo=UTC))
    if len(stored) == 26 and stored[10] == " " and stored[19] == ".":
        return f"{stored[:10]}T{stored[11:]}Z"
    return timestamp(datetime.fromisoformat(stored).replace(tzinfo=UTC))


def _data(stored: Any) -> Any:
    if stored == "{}":  # most events carry no data: skip the decoder
        return {}
    return (json.loads(stored) if isinstance(stored, str | bytes) else stored) or {}


MEMO_LIMIT = 50_000  # stored payloads remembered by one verify() (then forgotten, bounded)


class _Canonical(dict[Any, str]):
    """The canonical text of a stored `data` payload by its stored text (`canonical[data]`):
    a trail repeats the same few payloads ({"unit": ...}, {"disposal": ...}, the sweep's
    steps), and decoding then re-encoding each was a quarter of verifying. Exact: the
    canonical text is a function of the stored text. A dict, so that a payload seen before
    costs one subscript; ValueError from the decoder on text that is not JSON."""

    def __missing__(self, stored: Any) -> str:
        if len(self) >= MEMO_LIMIT:
            self.clear()
        found = self[stored] = dumps(_data(stored)).decode()
        return found


def verify_in_scope(conn: Connection, actor: Actor) -> VerifyReport:
    """`verify` of the chains of every item `actor` may see: its jurisdiction's subtree (an
    actor's scope, engine.org.actor_for_user), or everything for an actor without limits."""
    if actor.scope is None:
        return verify(conn)
    if actor.jurisdiction_id is None:  # a scope without a jurisdiction: nothing to check
        return VerifyReport()
    return verify(conn, jurisdiction_id=actor.jurisdiction_id)


def verify(conn: Connection, *, item_ids: list[int] | None = None,
           id_range: tuple[int, int] | None = None, jurisdiction_id: int | None = None,
           batch: int = 5000) -> VerifyReport:
    """Check every chain (or those of `item_ids`, of ids in [lo, hi) of `id_range`, of the
    items in the subtree of `jurisdiction_id`): each hash, each link, the item's head and
    sequence, and that replaying the chain ends in the item's state. Run it in
    `engine.storage.db.snapshot_tx` so concurrent writes are not damage."""
    report = VerifyReport()
    iq = select(ITEMS.c.id, ITEMS.c.ref, ITEMS.c.state, ITEMS.c.audit_seq, ITEMS.c.audit_head)
    with _rows(conn, iq.where(*_item_filters(ITEMS.c.id, item_ids, id_range, jurisdiction_id)),
               batch) as rows:
        items = {r[0]: r for r in rows}
    report.items = len(items)
    bad: set[int] = set()

    def flag(item_id: int, seq: int, reason: str) -> None:
        bad.add(item_id)
        ref = items[item_id][1] if item_id in items else "?"
        report.broken.append(BrokenChain(item_id=item_id, ref=ref, seq=seq, reason=reason))

    eq = _events_query(conn, _item_filters(EVENTS.c.item_id, item_ids, id_range,
                                           jurisdiction_id))
    with _rows(conn, eq, batch) as rows:
        report.events, ends = _walk(rows, flag)
    for iid, (_, _, state, audit_seq, audit_head) in items.items():
        if iid in bad:
            continue
        seq, head, replayed = ends.get(iid, (0, GENESIS, ""))
        if seq != audit_seq or head != audit_head:
            flag(iid, seq + 1 if seq < audit_seq else seq,
                 f"item head is seq {audit_seq} but the chain ends at seq {seq} "
                 "(events deleted or head altered)")
        elif replayed != state:
            flag(iid, seq, f"replayed state {replayed!r} differs from item state {state!r}")
    return report


def _walk(rows: Iterable[Any], flag: Callable[[int, int, str], None]
          ) -> tuple[int, dict[int, tuple[int, str, str]]]:
    """Check each event's hash and links; `flag` the first bad event of a chain. Returns
    the number of events and, per unbroken chain, (seq, hash, to_state) of its last event.
    The rows come ordered by item and seq, so one chain's rows are consecutive: the chain
    so far is held in locals (`chain` its item, `done` once it broke), not looked up per
    event. Plain tuples, unpacked: attribute access cost more than the hashing itself."""
    sha256, body, canonical = hashlib.sha256, body_text, _Canonical()
    ends: dict[int, tuple[int, str, str]] = {}
    events, chain, done, last_seq, last_hash, last_state = 0, None, False, 0, GENESIS, ""
    for (iid, seq, at, actor, role, trigger, from_state, to_state, data, comment, workflow,
         version, prev_hash, stored) in rows:
        events += 1
        if iid != chain:
            if chain is not None and not done:
                ends[chain] = (last_seq, last_hash, last_state)
            chain, done, last_seq, last_hash, last_state = iid, False, 0, GENESIS, ""
        elif done:
            continue
        done = True  # until the event passes every check below
        if seq != last_seq + 1:
            flag(iid, last_seq + 1, f"event {last_seq + 1} is missing")
            continue
        if prev_hash != last_hash:
            flag(iid, seq, "prev_hash does not match the previous event's hash")
            continue
        try:
            # SQLite's text as SQLAlchemy wrote it (`_at_text`'s common case, inline)
            at = (f"{at[:10]}T{at[11:]}Z" if type(at) is str and len(at) == 26
                  and at[10] == " " and at[19] == "." else _at_text(at))
            content = canonical[data]
        except ValueError:
            flag(iid, seq, "stored time or data is unreadable (event was altered)")
            continue
        if sha256(body(iid, seq, at, actor, role, trigger, from_state, to_state, content,
                       comment, workflow, version, prev_hash).encode()).hexdigest() != stored:
            flag(iid, seq, "content does not match its hash (event was altered)")
            continue
        if last_seq and from_state != last_state:
            flag(iid, seq, "from_state does not follow the previous event's to_state")
            continue
        done, last_seq, last_hash, last_state = False, seq, stored, to_state
    if chain is not None and not done:
        ends[chain] = (last_seq, last_hash, last_state)
    return events, ends
