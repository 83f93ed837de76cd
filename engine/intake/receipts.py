"""Receipt codes of anonymous reporters: the only key to one lead's public status and to
adding information to it.

A code is 160 random bits shown once; only its SHA-256 is stored (the entropy makes a salt
or a slow hash pointless). A lookup reveals a public status and dates, nothing internal:
no reference, no unit, no handler, no text. Failed lookups are stored (the audit of
guessing) and counted:

- per reporter session: past the limit the session is refused (even with a right code) until
  the window passes. The count, the lookup and the stored failure share one transaction that
  holds the session's lock (SQLite: the write lock of BEGIN IMMEDIATE; PostgreSQL: an
  advisory transaction lock on the session), so parallel requests cannot overshoot it.
- per caller (a platform, across all its sessions): never refused, since one guesser would
  then lock every reporter of that platform out; past the threshold it raises an alert
  instead: a warning log line and a notification to the offices and admins of the caller's
  jurisdiction and above, at most one per caller per window."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Connection, func, insert, select, text

from engine.deadlines import CHINA_TZ
from engine.errors import InvalidData, NotFound, ReceiptRateLimited
from engine.intake.attachments import parse_attachments
from engine.items import annotate
from engine.kernel import Actor, Role
from engine.notify import Notice, write
from engine.org import chain_to_root
from engine.runtime import Runtime
from engine.storage import (
    EVENT,
    FAILURE,
    ITEM,
    NOTE,
    RECEIPT,
    USER,
    is_postgres,
    read_tx,
    write_tx,
)

log = structlog.get_logger("engine.intake.receipts")
CODE_BYTES = 20  # 160 bits
MAX_INFO = 10_000
ALERT_KIND = "receipt_guessing"
ALERT_ROLES = (Role.office.value, Role.admin.value)
LOCK_CLASS = 0x5243  # "RC": namespaces this module's PostgreSQL advisory locks

# What a reporter may learn: a coarse status per state, never the state machine itself.
PUBLIC_STATUS = {
    "received": ("received", "已受理"),
    "returned": ("in_progress", "办理中"),
    "transferred": ("in_progress", "办理中"),
    "investigating": ("in_progress", "办理中"),
    "suspended": ("in_progress", "办理中"),
    "merged": ("in_progress", "办理中"),
    "to_discipline": ("closed", "已办结"),
    "closed": ("closed", "已办结"),
}


@dataclass(frozen=True, kw_only=True)
class RateLimit:
    """Failed lookups per window: `per_client` refuses one reporter session past it;
    `caller_alert` only raises an alert about a caller (a platform) past it."""

    window: timedelta = timedelta(minutes=15)
    per_client: int = 5
    caller_alert: int = 100


@dataclass(frozen=True, kw_only=True)
class PublicStatus:
    status: str
    label: str
    received_on: str  # dates only: times would tell more than a reporter needs
    status_since: str
    follow_ups: int


def new_receipt_code() -> str:
    """Like 'K7QF-2M9X-...': base32 without padding, in groups of four, easy to read out."""
    raw = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode().rstrip("=")
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def code_hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def store_receipt(conn: Connection, item_id: int, code: str, now: datetime) -> None:
    conn.execute(insert(RECEIPT).values(item_id=item_id, code_hash=code_hash(code),
                                        created_at=now))


def _lock_session(conn: Connection, client_key: str) -> None:
    """Serialise lookups of one session until the transaction ends. SQLite's write
    transactions are serial already; PostgreSQL's READ COMMITTED would let two parallel
    lookups both count the same failures and both go on."""
    if is_postgres(conn):
        digest = hashlib.sha256(client_key.encode()).digest()
        conn.execute(text("SELECT pg_advisory_xact_lock(:c, :k)"),
                     {"c": LOCK_CLASS, "k": int.from_bytes(digest[:4], "big", signed=True)})


def _check_session(conn: Connection, client_key: str, now: datetime,
                   limit: RateLimit) -> None:
    row = conn.execute(select(func.count(), func.min(FAILURE.c.at)).where(
        FAILURE.c.client == client_key, FAILURE.c.at > now - limit.window)).one()
    if row[0] >= limit.per_client:
        retry = int((row[1] + limit.window - now).total_seconds()) + 1
        raise ReceiptRateLimited(max(retry, 1))


def _alert_if_guessing(conn: Connection, actor: Actor, now: datetime,
                       limit: RateLimit) -> int | None:
    """After a failure: the caller's failures in the window when they reach the alert
    threshold and no alert about this caller was raised in the window yet, else None.
    The alert is a notification to the offices and admins of the caller's jurisdiction and
    the ones above it, written in this transaction."""
    since = now - limit.window
    failures = int(conn.execute(select(func.count()).where(
        FAILURE.c.caller == actor.label, FAILURE.c.at > since)).scalar_one())
    if failures < limit.caller_alert:
        return None
    subject = f"receipt code guessing suspected: {actor.label} ({actor.name})"[:500]
    if conn.execute(select(NOTE.c.id).where(NOTE.c.kind == ALERT_KIND, NOTE.c.subject == subject,
                                            NOTE.c.created_at > since).limit(1)).first():
        return None
    chain = ([r.id for r in chain_to_root(conn, actor.jurisdiction_id)]
             if actor.jurisdiction_id is not None else [])
    where = [USER.c.active.is_(True), USER.c.role.in_(ALERT_ROLES)]
    if chain:
        where.append(USER.c.jurisdiction_id.in_(chain))
    recipients = list(conn.execute(select(USER.c.id).where(*where)).scalars())
    minutes = int(limit.window.total_seconds() // 60)
    body = (f"{failures} failed receipt code lookups in the last {minutes} minutes across "
            f"all sessions of {actor.label}. Lookups are not refused for this (it would lock "
            "out every reporter of the platform); each session is still limited. Check the "
            "receipt_failure records and the platform.")
    write(conn, Notice(kind=ALERT_KIND, subject=subject, body=body,
                       jurisdiction_id=actor.jurisdiction_id,
                       data={"caller": actor.label, "failures": failures,
                             "window_minutes": minutes}),
          recipients=recipients, offices=(), now=now)
    return failures


def _find(rt: Runtime, actor: Actor, code: str, client: str, limit: RateLimit) -> int:
    """The item id behind `code`, after the session's rate check; a miss is stored and
    refused, and may raise the caller-wide alert."""
    caller = actor.label
    client_key = f"{caller}|{client}"[:200]
    now = rt.clock.now()
    with write_tx(rt.db) as conn:
        _lock_session(conn, client_key)
        _check_session(conn, client_key, now, limit)
        row = None
        if 16 <= len(_normalise(code)) <= 64:
            row = conn.execute(select(RECEIPT.c.item_id, ITEM.c.jurisdiction_id)
                               .join(ITEM, ITEM.c.id == RECEIPT.c.item_id)
                               .where(RECEIPT.c.code_hash == code_hash(code))).first()
        if row is not None and actor.sees(row.jurisdiction_id):
            return int(row.item_id)
        conn.execute(insert(FAILURE).values(caller=caller, client=client_key, at=now))
        alerted = _alert_if_guessing(conn, actor, now, limit)
    log.warning("receipt_lookup_failed", caller=caller)
    if alerted is not None:
        log.warning("receipt_guessing_suspected", caller=caller, failures=alerted,
                    window_s=int(limit.window.total_seconds()))
    raise NotFound("no lead with this receipt code")


def lookup(rt: Runtime, *, actor: Actor, code: str, client: str,
           limit: RateLimit | None = None) -> PublicStatus:
    """The public status of the lead behind `code`. NotFound for a wrong code (recorded);
    ReceiptRateLimited once this reporter session has failed too often."""
    item_id = _find(rt, actor, code, client, limit or RateLimit())
    with read_tx(rt.db) as conn:
        item = conn.execute(select(ITEM.c.state, ITEM.c.created_at, ITEM.c.state_entered_at)
                            .where(ITEM.c.id == item_id)).one()
        follow_ups = conn.execute(select(func.count()).where(
            EVENT.c.item_id == item_id, EVENT.c.trigger == "add_info")).scalar_one()
    status, label = PUBLIC_STATUS.get(item.state, ("in_progress", "办理中"))
    return PublicStatus(status=status, label=label,
                        received_on=_day(item.created_at), status_since=_day(item.state_entered_at),
                        follow_ups=int(follow_ups))


def add_info(rt: Runtime, *, actor: Actor, code: str, client: str, text: str,
             attachments: list[dict[str, Any]] | None = None,
             limit: RateLimit | None = None) -> PublicStatus:
    """Add the reporter's further information to the lead behind `code`, as an `add_info`
    event in its history (the code itself is never recorded)."""
    text = text.strip()
    if not text or len(text) > MAX_INFO:
        raise InvalidData(f"text is required (at most {MAX_INFO} characters)",
                          fields={"text": "is required"})
    problems: dict[str, str] = {}
    parsed = parse_attachments(attachments, problems)
    if problems:
        raise InvalidData("invalid attachments: " + "; ".join(
            f"{k} {v}" for k, v in problems.items()), fields=problems)
    item_id = _find(rt, actor, code, client, limit or RateLimit())
    annotate(rt, actor=actor, item_id=item_id, trigger="add_info", data={
        "text": text, "source": "receipt",
        "attachments": [a.as_data() for a in parsed]})
    return lookup(rt, actor=actor, code=code, client=client, limit=limit)


def _day(at: datetime) -> str:
    return at.astimezone(CHINA_TZ).date().isoformat()


def failures(conn: Connection, *, since: datetime) -> list[Any]:
    """Failed lookups since `since`, newest first: who guessed, from where, when."""
    return list(conn.execute(select(FAILURE).where(FAILURE.c.at >= since)
                             .order_by(FAILURE.c.at.desc())))
