"""The floor for durable transitions: the database driver alone doing the reads and writes
one transition needs, on the engine's own schema.

Per transition, in one transaction: read the item row, UPDATE it only if its version is
still the one read, write its next check into the scheduler's `item_schedule` (upsert, or
delete when closed), INSERT the audit event whose SHA-256 covers its canonical JSON and the
previous hash, COMMIT. Nothing else: no definitions, no roles, no deadline calendar (the due
date is a constant offset), no logging. That is what the database and Python can do at best."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from engine.kernel import dumps, timestamp

# The two triggers the benchmark cycles through, with the data each carries.
CLOSE_DATA = {"outcome": "unfounded", "conclusion": "查无实据",
              "disposal": "preliminary_check"}
REOPEN_DATA = {"reason": "新的举报材料"}
DUE_OFFSET = timedelta(days=42)

ITEM_SET = (
    "version=?, updated_at=?, audit_seq=?, audit_head=?, state=?, state_entered_at=?, "
    "state_entry_seq=?, state_entries=?, escalation_level=0, closed_at=?, due_at=?, "
    "remind_at=?, paused_remaining_s=NULL, paused_state=NULL, data=?")
# the same SQL on SQLite and PostgreSQL (placeholders swapped for psycopg)
SCHEDULE_UPSERT = (
    "INSERT INTO item_schedule (item_id, next_check_at, state_entry_seq) VALUES (?,?,?) "
    "ON CONFLICT (item_id) DO UPDATE SET next_check_at=excluded.next_check_at, "
    "state_entry_seq=excluded.state_entry_seq")
SCHEDULE_DELETE = "DELETE FROM item_schedule WHERE item_id=?"
EVENT_COLS = ("item_id, seq, at, actor, actor_role, trigger, from_state, to_state, data, "
              "comment, workflow, workflow_version, prev_hash, hash")


def next_move(state: str) -> tuple[str, str, dict[str, str]]:
    """(trigger, destination, data) of the benchmark's cycle investigating ⇄ closed."""
    if state == "investigating":
        return "close", "closed", CLOSE_DATA
    return "reopen", "investigating", REOPEN_DATA


def _event_body(item_id: int, seq: int, at: datetime, actor: str, trigger: str,
                from_state: str, to_state: str, data: dict[str, Any], workflow: str,
                version: int, prev: str) -> dict[str, Any]:
    return {"item": item_id, "seq": seq, "at": timestamp(at), "actor": actor,
            "role": "office", "trigger": trigger, "from": from_state, "to": to_state,
            "data": data, "comment": "", "workflow": workflow, "version": version,
            "prev": prev}


def _sqlite_ts(at: datetime | None) -> str | None:
    # SQLAlchemy's SQLite DATETIME storage format (naive UTC)
    return None if at is None else at.strftime("%Y-%m-%d %H:%M:%S.%f")


def sqlite_transition(conn: sqlite3.Connection, item_id: int, now: datetime,
                      actor: str) -> None:
    """One transition with the sqlite3 module (autocommit mode, BEGIN IMMEDIATE like the
    engine's write transactions)."""
    cur = conn.cursor()
    cur.execute("BEGIN IMMEDIATE")
    try:
        row = cur.execute("SELECT * FROM item WHERE id=?", (item_id,)).fetchone()
        trigger, dest, data = next_move(row["state"])
        merged = json.loads(row["data"])
        merged.update(data)
        entries = json.loads(row["state_entries"])
        entries[dest] = now.isoformat()
        seq = row["audit_seq"] + 1
        digest = hashlib.sha256(dumps(_event_body(
            item_id, seq, now, actor, trigger, row["state"], dest, data, row["workflow"],
            row["workflow_version"], row["audit_head"]))).hexdigest()
        due = None if dest == "closed" else now + DUE_OFFSET
        ts = _sqlite_ts(now)
        cur.execute(f"UPDATE item SET {ITEM_SET} WHERE id=? AND version=?", (
            row["version"] + 1, ts, seq, digest, dest, ts, seq, json.dumps(entries),
            ts if dest == "closed" else None, _sqlite_ts(due), None,
            json.dumps(merged), item_id, row["version"]))
        if cur.rowcount != 1:
            raise RuntimeError("version changed under the floor benchmark")
        if due is None:
            cur.execute(SCHEDULE_DELETE, (item_id,))
        else:
            cur.execute(SCHEDULE_UPSERT, (item_id, _sqlite_ts(due), seq))
        cur.execute(f"INSERT INTO audit_event ({EVENT_COLS}) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", (
                        item_id, seq, ts, actor, "office", trigger, row["state"], dest,
                        json.dumps(data), "", row["workflow"], row["workflow_version"],
                        row["audit_head"], digest))
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def sqlite_connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                   "busy_timeout=10000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def pg_transition(conn: Any, item_id: int, now: datetime, actor: str) -> None:
    """One transition with psycopg 3 (dict rows), the same statements as on SQLite."""
    from psycopg.types.json import Jsonb

    with conn.transaction():
        row = conn.execute("SELECT * FROM item WHERE id=%s", (item_id,)).fetchone()
        trigger, dest, data = next_move(row["state"])
        merged = dict(row["data"])
        merged.update(data)
        entries = dict(row["state_entries"])
        entries[dest] = now.isoformat()
        seq = row["audit_seq"] + 1
        digest = hashlib.sha256(dumps(_event_body(
            item_id, seq, now, actor, trigger, row["state"], dest, data, row["workflow"],
            row["workflow_version"], row["audit_head"]))).hexdigest()
        due = None if dest == "closed" else now + DUE_OFFSET
        cur = conn.execute(
            f"UPDATE item SET {ITEM_SET.replace('?', '%s')} "
            "WHERE id=%s AND version=%s", (
                row["version"] + 1, now, seq, digest, dest, now, seq, Jsonb(entries),
                now if dest == "closed" else None, due, None, Jsonb(merged), item_id,
                row["version"]))
        if cur.rowcount != 1:
            raise RuntimeError("version changed under the floor benchmark")
        if due is None:
            conn.execute(SCHEDULE_DELETE.replace("?", "%s"), (item_id,))
        else:
            conn.execute(SCHEDULE_UPSERT.replace("?", "%s"), (item_id, due, seq))
        conn.execute(f"INSERT INTO audit_event ({EVENT_COLS}) VALUES "
                     "(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", (
                         item_id, seq, now, actor, "office", trigger, row["state"], dest,
                         Jsonb(data), "", row["workflow"], row["workflow_version"],
                         row["audit_head"], digest))


def pg_connect(url: str) -> Any:
    import psycopg
    from psycopg.rows import dict_row

    from bench.harness import libpq_url

    return psycopg.connect(libpq_url(url), row_factory=dict_row)


TransitionFn = Callable[[Any, int, datetime, str], None]
