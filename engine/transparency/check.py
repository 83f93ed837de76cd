"""`leadflow verify --checkpoint`: the database against a checkpoint saved earlier.

Every leaf must be there, in order, and point at an event that still exists with the hash the
log recorded; per item, leaves must follow the chain's order; and the root of the first
`size` leaves, recomputed from the events' own hashes (not from the stored nodes), must be
the checkpoint's. Each disagreement is named by leaf index, event and item. When only the
root disagrees (leaves and nodes rewritten together), the checkpoints the log signed earlier
narrow down where: the first one whose root no longer comes out bounds the change."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, exists, func, select

from engine.storage import EVENT, ITEM, TLOG_CHECKPOINT, TLOG_LEAF, TLOG_NODE
from engine.transparency.merkle import EMPTY_ROOT, leaf_hash, node_hash
from engine.transparency.note import (
    Checkpoint,
    NoteError,
    UnverifiedNoteError,
    Verifier,
    open_checkpoint,
)
from engine.transparency.proofs import b64
from engine.transparency.store import read_head

MAX_PROBLEMS = 1000  # named one by one; beyond this only counted


@dataclass(frozen=True, kw_only=True)
class LogProblem:
    reason: str
    leaf_index: int | None = None
    event_id: int | None = None
    item_id: int | None = None

    def __str__(self) -> str:
        where = [f"leaf {self.leaf_index}"] if self.leaf_index is not None else []
        where += [f"event {self.event_id}"] if self.event_id is not None else []
        where += [f"item {self.item_id}"] if self.item_id is not None else []
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


@dataclass(kw_only=True)
class LogReport:
    checkpoint_size: int
    leaves: int = 0  # leaves read
    unsequenced: int = 0  # audit events not (yet) in the log
    problems: list[LogProblem] = field(default_factory=list)
    more_problems: int = 0  # found beyond MAX_PROBLEMS

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: LogProblem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more_problems += 1


class _Roots:
    """The Merkle root of every prefix asked for, from leaf hashes pushed one by one (the
    stack of perfect subtrees of a compact range: O(log n) memory)."""

    def __init__(self, sizes: Iterable[int]) -> None:
        self.wanted = set(sizes)
        self.stack: list[tuple[int, bytes]] = []
        self.size = 0
        self.roots: dict[int, bytes] = {0: EMPTY_ROOT}

    def push(self, hashed: bytes) -> None:
        level, h = 0, hashed
        while self.stack and self.stack[-1][0] == level:
            h = node_hash(self.stack.pop()[1], h)
            level += 1
        self.stack.append((level, h))
        self.size += 1
        if self.size in self.wanted:
            h = self.stack[-1][1]
            for _lvl, left in reversed(self.stack[:-1]):
                h = node_hash(left, h)
            self.roots[self.size] = h


def _signed_sizes(conn: Connection, log_keys: list[Verifier], report: LogReport
                  ) -> dict[int, bytes]:
    """Size → root of the checkpoints stored in the database that verify by `log_keys`;
    one by another key is skipped (an earlier key), a bad or malformed one is a problem."""
    out = {}
    for row in conn.execute(select(TLOG_CHECKPOINT.c.size, TLOG_CHECKPOINT.c.note)):
        try:
            body = Checkpoint.parse(open_checkpoint(row.note, log_keys)[1].text)
        except UnverifiedNoteError:
            continue
        except NoteError as exc:
            report.add(LogProblem(reason=f"the stored checkpoint of size {row.size} does not "
                                         f"verify: {exc}"))
            continue
        out[body.size] = body.root_hash
    return out


def _leaf_rows(conn: Connection) -> Generator[Any, None, None]:
    """The leaves in order with their events and the stored node over each pair, streamed
    (a server-side cursor on PostgreSQL, closed however the caller stops)."""
    q = (select(TLOG_LEAF.c.idx, TLOG_LEAF.c.event_id, TLOG_LEAF.c.item_id, TLOG_LEAF.c.seq,
                TLOG_LEAF.c.event_hash.label("recorded"), EVENT.c.id.label("eid"),
                EVENT.c.item_id.label("e_item"), EVENT.c.seq.label("e_seq"),
                EVENT.c.hash.label("e_hash"), TLOG_NODE.c.hash.label("pair"))
         .outerjoin(EVENT, EVENT.c.id == TLOG_LEAF.c.event_id)
         # an odd leaf completes the level-1 node over it and the leaf before
         .outerjoin(TLOG_NODE, and_(TLOG_NODE.c.level == 1, TLOG_LEAF.c.idx % 2 == 1,
                                    TLOG_NODE.c.idx == TLOG_LEAF.c.idx // 2))
         .order_by(TLOG_LEAF.c.idx))
    result = conn.execution_options(stream_results=True, yield_per=5000).execute(q)
    try:
        yield from result
    finally:
        result.close()


def _check_leaf(row: Any, report: LogReport, last_seq: dict[int, tuple[int, int]],
                before: bytes) -> tuple[bytes, bytes]:
    """Check one leaf against its event, and the leaf row with the one `before` it (its
    recorded leaf hash) against the stored node over the two. Returns the leaf hash the root
    is computed from, and the recorded one."""
    name = {"leaf_index": row.idx, "event_id": row.event_id, "item_id": row.item_id}
    recorded = leaf_hash(bytes.fromhex(row.recorded))
    # the root comes from the events themselves; from what the log recorded only for an
    # event that is gone (named already)
    hashed = recorded if row.eid is None else leaf_hash(bytes.fromhex(row.e_hash))
    if row.eid is None:
        report.add(LogProblem(reason=f"the event (seq {row.seq}) no longer exists: deleted, "
                              "perhaps with its item", **name))
    elif (row.e_item, row.e_seq) != (row.item_id, row.seq):
        report.add(LogProblem(reason=f"the log recorded item {row.item_id} seq {row.seq}, "
                              f"the event is now item {row.e_item} seq {row.e_seq}", **name))
    elif row.e_hash != row.recorded:
        report.add(LogProblem(reason=f"the event's hash is now {row.e_hash}, the log recorded "
                              f"{row.recorded}: the chain was rewritten", **name))
    if row.pair is not None and bytes(row.pair) != node_hash(before, recorded):
        report.add(LogProblem(reason=f"the stored node over leaves {row.idx - 1} and "
                              f"{row.idx} is not the hash of those leaves: leaves were moved "
                              "or rewritten", **name))
    prev = last_seq.get(row.item_id)
    if prev is not None and row.seq <= prev[0]:
        report.add(LogProblem(reason=f"seq {row.seq} comes after seq {prev[0]} (leaf "
                              f"{prev[1]}): events were reordered", **name))
    last_seq[row.item_id] = (row.seq, row.idx)
    return hashed, recorded


def check_log(conn: Connection, checkpoint: Checkpoint, log_keys: Iterable[Verifier]
              ) -> LogReport:
    """Check the stored log and the audit events against `checkpoint` (whose signature the
    caller checked). Run it in `engine.storage.snapshot_tx`."""
    report = LogReport(checkpoint_size=checkpoint.size)
    head = read_head(conn)
    signed = _signed_sizes(conn, list(log_keys), report)
    roots = _Roots([checkpoint.size, head.size, *signed])
    last_seq: dict[int, tuple[int, int]] = {}  # item -> (seq, leaf index) of its last leaf
    gap, before = False, b""
    rows = _leaf_rows(conn)
    for row in rows:
        if row.idx != report.leaves:
            report.add(LogProblem(reason=f"leaves {report.leaves}..{row.idx - 1} are missing",
                                  leaf_index=report.leaves))
            gap = True
            break  # every later index and root is off: the first gap says it
        report.leaves += 1
        hashed, before = _check_leaf(row, report, last_seq, before)
        roots.push(hashed)
    rows.close()
    if report.leaves < checkpoint.size:
        if not gap:
            report.add(LogProblem(
                leaf_index=report.leaves,
                reason=f"the log is truncated: the checkpoint covers {checkpoint.size} leaves, "
                       f"the database has {report.leaves}"))
    elif roots.roots.get(checkpoint.size) != checkpoint.root_hash:
        report.add(LogProblem(reason=_root_mismatch(checkpoint, roots, signed)))
    if report.leaves == head.size and roots.roots.get(head.size) != head.root:
        report.add(LogProblem(reason=f"the head's root is not the root of its {head.size} "
                                     "leaves"))
    report.unsequenced = conn.execute(select(func.count()).select_from(EVENT).where(
        ~exists().where(TLOG_LEAF.c.event_id == EVENT.c.id))).scalar_one()
    _name_missing_items(conn, report)
    return report


def _root_mismatch(checkpoint: Checkpoint, roots: _Roots, signed: dict[int, bytes]) -> str:
    got = roots.roots.get(checkpoint.size, b"")
    text = (f"the root of the first {checkpoint.size} leaves, recomputed from the events, is "
            f"{b64(got)}; the checkpoint says {b64(checkpoint.root_hash)}: the log was "
            "rewritten")
    sizes = sorted(s for s in signed if s < checkpoint.size)
    first_bad = min([s for s in sizes if roots.roots.get(s) != signed[s]] or
                    [checkpoint.size])
    last_good = max([s for s in sizes if s < first_bad and roots.roots.get(s) == signed[s]]
                    or [0])
    if sizes:
        still = (f"the stored checkpoint of size {last_good} still matches" if last_good
                 else "no earlier stored checkpoint matches")
        bad = (f"that of size {first_bad} does not" if first_bad < checkpoint.size
               else "the next is this one")
        text += f", within leaves {last_good}..{first_bad - 1} ({still}, {bad})"
    return text


def _name_missing_items(conn: Connection, report: LogReport) -> None:
    """Say which of the items of vanished events are gone altogether."""
    missing = {p.item_id for p in report.problems
               if p.item_id is not None and "no longer exists" in p.reason}
    if not missing:
        return
    present = set(conn.execute(select(ITEM.c.id).where(ITEM.c.id.in_(missing))).scalars())
    for item_id in sorted(missing - present):
        report.add(LogProblem(item_id=item_id, reason="the item no longer exists: it was "
                                                      "deleted with its events"))
