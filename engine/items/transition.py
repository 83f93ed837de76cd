"""The one writer of item state.

`create_item` and `apply` are the only functions that change an item's state. Each, in one
database transaction: checks the actor, asks the compiled Machine whether the move is allowed,
updates the item only if its version is still the one read, appends the hash-chained audit
event and recomputes the deadline. `transitions` only decides; everything else happens here.
Callers (API, scheduler, CLI) may pass `after`, run inside the same transaction, to write
their own rows (notifications, escalation marks) atomically with the change."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

import structlog
from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from engine.deadlines import (
    CHINA_TZ,
    DeadlinePlan,
    plan_on_enter,
    sync_calendar,
    write_next_check,
)
from engine.errors import (
    InvalidData,
    NotFound,
    RoleForbidden,
    TransitionRefused,
    VersionConflict,
)
from engine.items.audit import GENESIS, EventRecord
from engine.items.checks import check_create_data, check_transition_data, stored_values
from engine.items.queries import visible_jurisdiction
from engine.items.refs import next_ref
from engine.items.routing import Place, check_refs, route
from engine.items.scope import Placement, check_creation_in_scope, sees_item
from engine.kernel import Actor, Role, check_text, plain_json
from engine.org import find_idempotent, remember_idempotent
from engine.runtime import Runtime
from engine.storage import (
    CALENDAR_REVISION,
    EVENT,
    ITEM,
    JUR,
    PlainRow,
    Prepared,
    inserted_id,
    read_tx,
    write_tx,
)
from engine.workflow import (
    ANNOTATION_TRIGGERS,
    SUPERVISION_TRIGGERS,
    SYSTEM_TRIGGERS,
    TransitionDef,
    WorkflowDef,
    available_triggers,
    decide,
)

log = structlog.get_logger("engine.items.transition")
# Built once and run on the driver's cursor (engine/storage/prepared.py): SQLAlchemy's
# per-execution machinery cost more than the database on this path. The item is read with
# the calendar's revision, so a state change needs no read of its own to know whether
# another process loaded holidays.
_CALENDAR_REVISION = (select(CALENDAR_REVISION.c.revision)
                      .where(CALENDAR_REVISION.c.id == 1).scalar_subquery()
                      .label("calendar_revision"))
_ITEM_BY_ID = Prepared(select(ITEM, _CALENDAR_REVISION).where(ITEM.c.id == bindparam("item_id")))
# SET comes from the parameters given at execution (only the columns that change)
_ITEM_IF_VERSION = Prepared(update(ITEM).where(ITEM.c.id == bindparam("_item_id"),
                                               ITEM.c.version == bindparam("_read_version")))


@dataclass(frozen=True, kw_only=True)
class Change:
    """What one call of `create_item` or `apply` did; handed to `after` hooks and returned."""

    item_id: int
    ref: str
    workflow: str
    workflow_version: int
    jurisdiction_id: int
    trigger: str
    from_state: str | None
    to_state: str
    version: int
    seq: int
    hash: str
    at: datetime
    actor: str
    data: Mapping[str, Any]
    due_at: datetime | None
    escalation_level: int


AfterHook = Callable[[Connection, Change], None]


_INSERT_EVENT = Prepared(insert(EVENT))  # the values come with each execution


def _append_event(conn: Connection, record: EventRecord, digest: str | None = None) -> str:
    """Insert one audit event and return its hash (`digest`, when the caller computed it
    already). The only writer of `audit_event` rows. The caller updates the item's head in
    the same transaction; the unique (item_id, seq) constraint refuses a second writer of the
    same seq."""
    digest = digest or record.digest()
    _INSERT_EVENT.execute(conn, _event_row(record, digest))
    return digest


def _event_row(record: EventRecord, digest: str) -> dict[str, Any]:
    """The `audit_event` row of `record` (for one INSERT, or a batch's executemany)."""
    return {
        "item_id": record.item_id, "seq": record.seq, "at": record.at, "actor": record.actor,
        "actor_role": record.actor_role, "trigger": record.trigger,
        "from_state": record.from_state, "to_state": record.to_state,
        "data": dict(record.data), "comment": record.comment, "workflow": record.workflow,
        "workflow_version": record.workflow_version, "prev_hash": record.prev_hash,
        "hash": digest,
    }


def _deadline_columns(plan: DeadlinePlan) -> dict[str, Any]:
    """The item's deadline columns; its next check is the scheduler's row (write_next_check),
    so the sweep can move it without an event or a version bump."""
    return {"due_at": plan.due_at, "remind_at": plan.remind_at,
            "paused_remaining_s": plan.paused_remaining_s, "paused_state": plan.paused_state}


def _in_tx(rt: Runtime, conn: Connection | None,
           work: Callable[[Connection], Change]) -> Change:
    """Run `work` in the caller's open write transaction, or in one of its own."""
    if conn is not None:
        return work(conn)
    with write_tx(rt.db) as own:
        return work(own)


def apply(rt: Runtime, *, actor: Actor, item_id: int, trigger: str,
          data: Mapping[str, Any] | None = None, comment: str = "",
          expected_version: int | None = None, system_values: Mapping[str, Any] | None = None,
          after: AfterHook | None = None, conn: Connection | None = None) -> Change:
    """Fire `trigger` on item `item_id` as `actor`: the one way an item's state changes.

    Raises NotFound (missing or out of scope), TransitionRefused (not allowed from this
    state; lists what is), RoleForbidden, InvalidData, VersionConflict. On any error nothing
    is written. Reserved triggers (escalate, remind) are fired only by the system actor and
    keep the state; their column changes come in `system_values`.

    With `conn`, the change joins the caller's open write transaction (the sweep batches
    many items per transaction this way); otherwise it runs in a transaction of its own."""
    clean = plain_json(data)  # hashed as stored: must read back the same from either database
    check_text("comment", comment)
    change = _in_tx(rt, conn, lambda c: _apply(
        c, rt, actor, item_id, trigger, dict(clean), comment, expected_version,
        system_values, after, annotation=False))
    log.info("transition", item_id=change.item_id, trigger=trigger, actor=actor.label,
             from_state=change.from_state, to_state=change.to_state, version=change.version)
    return change


def annotate(rt: Runtime, *, actor: Actor, item_id: int, trigger: str,
             data: Mapping[str, Any] | None = None, comment: str = "",
             after: AfterHook | None = None, conn: Connection | None = None) -> Change:
    """Record an event that does not move the item (a link to another item, an authorised
    read of the reporter's identity, information added with a receipt code) in the item's
    audit chain, through the same path as every transition. The caller checks permission."""
    if trigger not in ANNOTATION_TRIGGERS:
        raise ValueError(f"{trigger!r} is not an annotation; use apply()")
    clean = plain_json(data)
    check_text("comment", comment)
    change = _in_tx(rt, conn, lambda c: _apply(
        c, rt, actor, item_id, trigger, dict(clean), comment, None, None, after,
        annotation=True))
    log.info("annotation", item_id=item_id, trigger=trigger, actor=actor.label)
    return change


# Supervision (督办) and extension (延期) steps: events that keep the state, through the path of
# every transition (version check, event, hash). engine.supervision checks who may and what;
# each trigger may set only the item columns it owns: an approval moves the deadline, a
# notice the counts by level.
STEP_COLUMNS: Mapping[str, frozenset[str]] = {
    "supervise": frozenset({"supervision_counts"}),
    "supervise_raise": frozenset({"supervision_counts"}),
    "extension_approve": frozenset({"due_at", "remind_at"}),
}


def record_step(rt: Runtime, *, actor: Actor, item_id: int, trigger: str,
                data: Mapping[str, Any] | None = None, comment: str = "",
                expected_version: int | None = None, values: Mapping[str, Any] | None = None,
                after: AfterHook | None = None, conn: Connection | None = None) -> Change:
    """Record one supervision or extension step (SUPERVISION_TRIGGERS) in the item's audit
    chain, setting only the columns its trigger owns. `supervise_raise` is the system's."""
    if trigger not in SUPERVISION_TRIGGERS:
        raise ValueError(f"{trigger!r} is not a supervision step; use apply()")
    if set(values or {}) - STEP_COLUMNS.get(trigger, frozenset()):
        raise ValueError(f"{trigger} may not set {sorted(set(values or {}))}")
    if (trigger == "supervise_raise") != (actor.role == Role.system.value):
        raise RoleForbidden(trigger=trigger, role=actor.role, roles=(
            [Role.system.value] if trigger == "supervise_raise" else ["a person"]))
    clean = plain_json(data)
    check_text("comment", comment)
    change = _in_tx(rt, conn, lambda c: _apply(
        c, rt, actor, item_id, trigger, dict(clean), comment, expected_version,
        dict(values or {}), after, annotation=True))
    log.info("supervision_step", item_id=item_id, trigger=trigger, actor=actor.label)
    return change


def _apply(conn: Connection, rt: Runtime, actor: Actor, item_id: int, trigger: str,
           data: dict[str, Any], comment: str, expected_version: int | None,
           system_values: Mapping[str, Any] | None, after: AfterHook | None, *,
           annotation: bool) -> Change:
    item = _ITEM_BY_ID.first(conn, {"item_id": item_id})
    planned = _plan(conn, rt, actor, item, item_id, trigger, data, comment, expected_version,
                    system_values, annotation=annotation)
    _write(conn, planned)
    _finish(conn, rt, actor, planned, after)
    return planned.change


@dataclass(frozen=True, kw_only=True)
class Planned:
    """One checked and decided move, not yet written: what `_write` executes (the versioned
    UPDATE's parameters, the event, the next check) and the row as it will be afterwards.
    `apply` writes one; `apply_many` writes a batch of them together."""

    change: Change
    update: dict[str, Any]  # parameters of _ITEM_IF_VERSION
    record: EventRecord
    next_check: dict[str, Any] | None  # write_next_check's arguments (a state change only)
    td: TransitionDef | None  # set for workflow triggers only
    data: dict[str, Any]
    row: Any  # the item row after the move (attribute access, like a Row)


def _plan(conn: Connection, rt: Runtime, actor: Actor, item: Any, item_id: int, trigger: str,
          data: dict[str, Any], comment: str, expected_version: int | None,
          system_values: Mapping[str, Any] | None, *, annotation: bool) -> Planned:
    """Check and decide one move on `item` (the row as read, or as a batch left it). Reads
    only: nothing is written until `_write`."""
    if item is None or not sees_item(actor, item):
        raise NotFound(f"item {item_id} not found")
    if expected_version is not None and item.version != expected_version:
        raise VersionConflict(item_id=item_id, expected=expected_version,
                              actual=item.version)
    wf = rt.registry.get(item.workflow, item.workflow_version)
    now = rt.clock.now()
    values: dict[str, Any]
    td: TransitionDef | None = None  # set for workflow triggers only
    next_check: dict[str, Any] | None = None
    if annotation:  # record_step's columns come checked in system_values; annotate's are none
        values, to_state = dict(system_values or {}), item.state
    elif trigger in SYSTEM_TRIGGERS:
        values = _system_values(actor, wf, item, trigger, system_values)
        to_state = item.state
    else:
        td, values, merged, to_state = _decide(conn, rt, actor, wf, item, trigger, data)
        if to_state != item.state:
            _sync_calendar(rt, conn, item)  # holidays another process loaded count here
            plan = plan_on_enter(
                wf=wf, from_state=item.state, to_state=to_state, now=now,
                due_at=item.due_at, paused_remaining_s=item.paused_remaining_s,
                paused_state=item.paused_state, calendar=rt.calendar)
            next_check = {"item_id": item.id, "next_check_at": plan.next_check_at,
                          "state_entry_seq": item.audit_seq + 1}
            entries = dict(item.state_entries or {})
            entries[to_state] = now.isoformat()
            values |= _deadline_columns(plan) | {
                "state": to_state, "state_entered_at": now,
                "state_entry_seq": item.audit_seq + 1, "state_entries": entries,
                "escalation_level": 0,
                "closed_at": now if wf.states[to_state].closed else None,
            }
        values["data"] = merged
    record = EventRecord(
        item_id=item.id, seq=item.audit_seq + 1, at=now, actor=actor.label,
        actor_role=actor.role, trigger=trigger, from_state=item.state, to_state=to_state,
        data=data, comment=comment, workflow=wf.name, workflow_version=wf.version,
        prev_hash=item.audit_head or GENESIS,
    )
    digest = record.digest()
    changed = {"version": item.version + 1, "updated_at": now, "audit_seq": record.seq,
               "audit_head": digest, **values}
    change = Change(
        item_id=item.id, ref=item.ref, workflow=wf.name, workflow_version=wf.version,
        jurisdiction_id=values.get("jurisdiction_id", item.jurisdiction_id),
        trigger=trigger, from_state=item.state, to_state=to_state,
        version=item.version + 1, seq=record.seq, hash=digest, at=now, actor=actor.label,
        data=data, due_at=values.get("due_at", item.due_at),
        escalation_level=values.get("escalation_level", item.escalation_level),
    )
    return Planned(change=change, record=record, next_check=next_check, td=td, data=data,
                   update={"_item_id": item.id, "_read_version": item.version, **changed},
                   # what the next move of the same item in a batch starts from
                   row=PlainRow({**item._mapping, **changed}))


def _sync_calendar(rt: Runtime, conn: Connection, item: Any) -> None:
    """`sync_calendar`, skipped when the revision read with the item is the calendar's."""
    known = getattr(rt.calendar, "revision", None)
    read = item._mapping.get("calendar_revision", -1)
    if known is None or (read or 0) != known:
        sync_calendar(rt.calendar, conn)


def _write(conn: Connection, planned: Planned) -> None:
    """Execute one planned move: its next check (before the item row: the sweep's lock
    order, schedule row then item), the versioned UPDATE, the event."""
    if planned.next_check is not None:
        write_next_check(conn, **planned.next_check)
    if _ITEM_IF_VERSION.execute(conn, planned.update) != 1:
        item_id = planned.update["_item_id"]
        actual = conn.execute(select(ITEM.c.version).where(ITEM.c.id == item_id)).scalar()
        raise VersionConflict(item_id=item_id, expected=planned.update["_read_version"],
                              actual=actual)
    _append_event(conn, planned.record, planned.change.hash)


def _finish(conn: Connection, rt: Runtime, actor: Actor, planned: Planned,
            after: AfterHook | None) -> None:
    """What follows a written move in its transaction: the link in a named item's history,
    the caller's hook."""
    if planned.td is not None:
        _note_references(conn, rt, actor, planned.td, planned.change, planned.data)
    if after is not None:
        after(conn, planned.change)


def _note_references(conn: Connection, rt: Runtime, actor: Actor, td: TransitionDef,
                     item: Change, data: Mapping[str, Any]) -> None:
    """A transition that names another item (merge_into) is recorded in that item's history
    too, as a `link` annotation in the same transaction, however the trigger was fired."""
    for spec in td.fields:
        if _names_item(spec, data):
            _apply(conn, rt, actor, int(data[spec.name]), "link",
                   {"item_id": item.item_id, "ref": item.ref, "via": td.trigger,
                    "field": spec.name},
                   "", None, None, None, annotation=True)


def _names_item(spec: Any, data: Mapping[str, Any]) -> bool:
    return bool(spec.kind == "item_ref" and data.get(spec.name) is not None)


def _refers(td: TransitionDef, data: Mapping[str, Any]) -> bool:
    """Whether firing `td` with `data` writes another item's history too (a link)."""
    return any(_names_item(spec, data) for spec in td.fields)


def _allowed(wf: WorkflowDef, item: Any, actor: Actor) -> list[str]:
    """What the refusal lists: the one policy the item view and the CLI use too."""
    return [t.trigger for t in available_triggers(wf, item.state, item.data, actor.role)]


def _decide(conn: Connection, rt: Runtime, actor: Actor, wf: WorkflowDef, item: Any,
            trigger: str, data: dict[str, Any]
            ) -> tuple[TransitionDef, dict[str, Any], dict[str, Any], str]:
    """Check and decide one workflow trigger: (its definition, the item columns it routes,
    the item's new data, the destination state). Conditions are checked on the data as
    stored: what this transition sends cannot satisfy its own guard."""
    td = wf.transition(item.state, trigger)
    if td is None:
        raise TransitionRefused(trigger=trigger, state=item.state,
                                allowed=_allowed(wf, item, actor))
    if actor.role not in td.roles:
        raise RoleForbidden(trigger=trigger, role=actor.role, roles=td.roles)
    check_transition_data(td, data)
    check_refs(conn, actor, wf, td.fields, data, item.id)
    stored = dict(item.data or {})
    to_state = _decided(rt, wf, item.state, trigger, stored)
    if to_state is None:
        failed = [c for c in td.conditions if not c.holds(stored)]
        raise InvalidData(f"{trigger}: condition not met: "
                          f"{', '.join(c.describe() for c in failed)}",
                          fields={c.field: f"needs {c.describe()}" for c in failed})
    routed = route(conn, actor, wf, data, Place(jurisdiction_id=item.jurisdiction_id,
                                                unit_id=item.unit_id))
    return td, routed, stored | stored_values(td.fields, data), to_state


# per compiled machine: (state, trigger, outcome of each condition that may decide it) ->
# the destination `transitions` decided. Conditions are pure functions of the stored data,
# so the machine still decides every case, once; the cache skips re-running it (~8 % of
# apply()) for a case it already decided.
_DECIDED: WeakKeyDictionary[Any, dict[tuple[Any, ...], str | None]] = WeakKeyDictionary()


def _decided(rt: Runtime, wf: WorkflowDef, state: str, trigger: str,
             stored: Mapping[str, Any]) -> str | None:
    machine = rt.registry.machine(wf.name, wf.version)
    outcomes = tuple(c.holds(stored) for t in wf.transitions
                     if t.trigger == trigger and state in t.sources for c in t.conditions)
    cases = _DECIDED.setdefault(machine, {})
    key = (state, trigger, outcomes)
    if key not in cases:
        # a MachineError here means definition and machine disagree: a bug, not bad input
        cases[key] = decide(machine, state, trigger, stored)
    return cases[key]


def _system_values(actor: Actor, wf: WorkflowDef, item: Any, trigger: str,
                   values: Mapping[str, Any] | None) -> dict[str, Any]:
    if actor.role != Role.system.value:
        raise TransitionRefused(trigger=trigger, state=item.state,
                                allowed=_allowed(wf, item, actor))
    if wf.states[item.state].closed:
        raise TransitionRefused(trigger=trigger, state=item.state, allowed=[])
    allowed_cols = {"escalation_level", "remind_at"}
    out = dict(values or {})
    if set(out) - allowed_cols:
        raise InvalidData(f"{trigger} may only set {sorted(allowed_cols)}")
    return out


def create_item(rt: Runtime, *, actor: Actor, workflow: str, jurisdiction_id: int, title: str,
                data: Mapping[str, Any] | None = None, comment: str = "",
                unit: str | None = None, version: int | None = None,
                after: AfterHook | None = None) -> Change:
    """Create an item in its workflow's initial state, with its first audit event.

    `data` holds only the workflow's declared item fields that the actor's role may give at
    creation. `unit` (a unit code) is the value of the workflow's unit field and routes the
    new item exactly as a transfer does: it lands in that unit's jurisdiction."""
    wf = rt.registry.get(workflow, version) if version else rt.registry.latest(workflow)
    data = plain_json(data)
    if not title.strip():
        raise InvalidData("title is required", fields={"title": "is required"})
    if len(title.strip()) > 500:  # the column's size; PostgreSQL would refuse it later
        raise InvalidData("title is longer than 500 characters",
                          fields={"title": "at most 500 characters"})
    check_text("title", title)
    check_text("comment", comment)
    if actor.role not in wf.create_roles:
        raise RoleForbidden(trigger="create", role=actor.role, roles=wf.create_roles)
    if unit is not None:
        data = _with_unit(wf, data, unit)
    check_create_data(wf, actor.role, data)
    now = rt.clock.now()
    with write_tx(rt.db) as conn:
        jur = conn.execute(select(JUR.c.id, JUR.c.code).where(JUR.c.id == jurisdiction_id)
                           ).first()
        if jur is None or not actor.sees(jur.id):
            raise NotFound(f"jurisdiction {jurisdiction_id} not found")
        check_refs(conn, actor, wf, wf.fields.values(), data, None)
        routed = route(conn, actor, wf, data, Place(jurisdiction_id=jur.id, unit_id=None))
        home = routed.get("jurisdiction_id", jur.id)
        check_creation_in_scope(conn, actor, Placement(
            jurisdiction_id=home, unit_id=routed.get("unit_id"),
            assignee_id=routed.get("assignee_id"), created_by=actor.user_id))
        ref = next_ref(conn, jur.id, jur.code, now.astimezone(CHINA_TZ).year)
        initial = wf.initial_state
        sync_calendar(rt.calendar, conn)
        plan = plan_on_enter(wf=wf, from_state=None, to_state=initial, now=now, due_at=None,
                             paused_remaining_s=None, paused_state=None,
                             calendar=rt.calendar)
        item_id = inserted_id(conn.execute(insert(ITEM).values(
            workflow=wf.name, workflow_version=wf.version, title=title.strip(), ref=ref,
            state=initial, jurisdiction_id=home, unit_id=routed.get("unit_id"),
            assignee_id=routed.get("assignee_id"), created_by=actor.user_id,
            data=stored_values(wf.fields.values(), data), version=1,
            created_at=now, updated_at=now, state_entered_at=now, state_entry_seq=1,
            state_entries={initial: now.isoformat()}, escalation_level=0, audit_seq=0,
            audit_head="", **_deadline_columns(plan),
        )))
        write_next_check(conn, item_id=item_id, next_check_at=plan.next_check_at,
                         state_entry_seq=1)
        record = EventRecord(
            item_id=item_id, seq=1, at=now, actor=actor.label, actor_role=actor.role,
            trigger="create", from_state=None, to_state=initial, data=data, comment=comment,
            workflow=wf.name, workflow_version=wf.version, prev_hash=GENESIS)
        digest = _append_event(conn, record)
        conn.execute(update(ITEM).where(ITEM.c.id == item_id).values(audit_seq=1,
                                                                     audit_head=digest))
        change = Change(
            item_id=item_id, ref=ref, workflow=wf.name, workflow_version=wf.version,
            jurisdiction_id=home, trigger="create", from_state=None, to_state=initial,
            version=1, seq=1, hash=digest, at=now, actor=actor.label, data=data,
            due_at=plan.due_at, escalation_level=0)
        if after is not None:
            after(conn, change)
    log.info("item_created", item_id=item_id, ref=ref, workflow=wf.name, actor=actor.label)
    return change


@dataclass(frozen=True, kw_only=True)
class Created:
    """What `create_item_once` did: made `item_id`, or found it made by an earlier request."""

    item_id: int
    replay: bool


def create_item_once(rt: Runtime, *, actor: Actor, key: str | None, request_hash: str,
                     workflow: str, jurisdiction: str, title: str,
                     data: Mapping[str, Any] | None = None, comment: str = "",
                     unit: str | None = None) -> Created:
    """`create_item` for a request that may be retried (the API's Idempotency-Key). With a
    `key`, a request the actor already made with that key and the same `request_hash` gets
    the item the first one made, also when the two race; the same key with another hash is
    InvalidData. `jurisdiction` is a code, NotFound when unknown or out of scope; it is
    resolved after the retry check, so a retry never depends on it."""
    if key:
        seen = _seen(rt, actor, key, request_hash)
        if seen is not None:
            return seen
    with read_tx(rt.db) as conn:
        jur = visible_jurisdiction(conn, actor, jurisdiction)

    def remember(conn: Connection, change: Change) -> None:
        if key:
            remember_idempotent(conn, principal=actor.label, key=key, request_hash=request_hash,
                                item_id=change.item_id, now=change.at)

    try:
        change = create_item(rt, actor=actor, workflow=workflow, jurisdiction_id=jur.id,
                             title=title, data=data, unit=unit, comment=comment,
                             after=remember)
    except IntegrityError:
        # the unique (principal, key) refused our row: a concurrent request with the same key
        # committed first, and this transaction rolled back; answer as its retry
        seen = _seen(rt, actor, key, request_hash) if key else None
        if seen is None:
            raise
        return seen
    return Created(item_id=change.item_id, replay=False)


def _seen(rt: Runtime, actor: Actor, key: str, request_hash: str) -> Created | None:
    with read_tx(rt.db) as conn:
        seen = find_idempotent(conn, principal=actor.label, key=key)
    if seen is None:
        return None
    if seen.request_hash != request_hash:
        raise InvalidData("Idempotency-Key was already used with a different request body",
                          fields={"Idempotency-Key": "reused with a different body"})
    return Created(item_id=seen.item_id, replay=True)


def _with_unit(wf: WorkflowDef, data: dict[str, Any], unit: str) -> dict[str, Any]:
    """`unit=` is the value of the workflow's unit field, given once."""
    spec = wf.routing_field("unit")
    if spec is None:
        raise InvalidData(f"{wf.name} items have no unit field",
                          fields={"unit": f"is not accepted by {wf.name} items"})
    if data.get(spec.name) not in (None, unit):
        raise InvalidData(f"{spec.name} is given twice, with different values",
                          fields={spec.name: "given twice, with different values"})
    return {**data, spec.name: unit}
