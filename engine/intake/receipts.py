"""Receipt codes of anonymous reporters: the only key to one lead's public status and to
adding information to it.

A code is 160 random bits shown once; only its SHA-256 is stored (the entropy makes a salt
or a slow hash pointless). A lookup reveals a public status and dates, nothing internal:
no reference, no unit, no handler, no text. Failed lookups are stored (the audit of
guessing) and counted per reporter session and per caller to refuse guessing early."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Connection, func, insert, select

from engine.deadlines import CHINA_TZ
from engine.errors import InvalidData, NotFound, ReceiptRateLimited
from engine.intake.attachments import parse_attachments
from engine.items import annotate
from engine.kernel import Actor
from engine.runtime import Runtime
from engine.storage import (
    EVENT,
    FAILURE,
    ITEM,
    RECEIPT,
    read_tx,
    write_tx,
)

log = structlog.get_logger("engine.intake.receipts")
CODE_BYTES = 20  # 160 bits
MAX_INFO = 10_000

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
    """Failed lookups allowed per window: per reporter session, and per caller overall."""

    window: timedelta = timedelta(minutes=15)
    per_client: int = 5
    per_caller: int = 100


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


def _check_rate(conn: Connection, caller: str, client: str, now: datetime,
                limit: RateLimit) -> None:
    since = now - limit.window
    for column, value, cap in ((FAILURE.c.client, client, limit.per_client),
                               (FAILURE.c.caller, caller, limit.per_caller)):
        row = conn.execute(select(func.count(), func.min(FAILURE.c.at)).where(
            column == value, FAILURE.c.at > since)).one()
        if row[0] >= cap:
            retry = int((row[1] + limit.window - now).total_seconds()) + 1
            raise ReceiptRateLimited(max(retry, 1))


def _find(rt: Runtime, actor: Actor, code: str, client: str, limit: RateLimit) -> int:
    """The item id behind `code`, after the rate check; a miss is stored and refused."""
    caller = actor.label
    client_key = f"{caller}|{client}"[:200]
    now = rt.clock.now()
    with write_tx(rt.db) as conn:
        _check_rate(conn, caller, client_key, now, limit)
        row = None
        if 16 <= len(_normalise(code)) <= 64:
            row = conn.execute(select(RECEIPT.c.item_id, ITEM.c.jurisdiction_id)
                               .join(ITEM, ITEM.c.id == RECEIPT.c.item_id)
                               .where(RECEIPT.c.code_hash == code_hash(code))).first()
        if row is not None and actor.sees(row.jurisdiction_id):
            return int(row.item_id)
        conn.execute(insert(FAILURE).values(caller=caller, client=client_key, at=now))
    log.warning("receipt_lookup_failed", caller=caller)
    raise NotFound("no lead with this receipt code")


def lookup(rt: Runtime, *, actor: Actor, code: str, client: str,
           limit: RateLimit | None = None) -> PublicStatus:
    """The public status of the lead behind `code`. NotFound for a wrong code (recorded);
    ReceiptRateLimited once a client or caller has failed too often."""
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
