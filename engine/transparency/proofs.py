"""Inclusion and consistency proofs from the stored log, for the API, as JSON documents that
`leadflow audit verify-proof` checks offline with nothing but a checkpoint and the log's key.

A proof holds hashes only: the leaf index and hash of an event, the sibling hashes, the tree
sizes. Whoever may not see an event's item gets NotFound, as for the item itself."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from engine.errors import CheckpointRejected, InvalidData, NotFound
from engine.kernel import Actor
from engine.runtime import Runtime
from engine.storage import EVENT, ITEM, TLOG_LEAF, read_tx
from engine.transparency.checkpoints import latest_checkpoint
from engine.transparency.config import open_log_checkpoint
from engine.transparency.merkle import (
    ProofError,
    check_consistency,
    check_inclusion,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
)
from engine.transparency.note import Verifier
from engine.transparency.sequencer import sequence
from engine.transparency.store import DbNodes, read_head


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass(frozen=True, kw_only=True)
class InclusionProof:
    event_id: int
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    hashes: list[bytes]
    checkpoint: str | None  # the signed checkpoint of `tree_size`, when there is one

    def to_json(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "leaf_index": self.leaf_index,
                "tree_size": self.tree_size, "leaf_hash": b64(self.leaf_hash),
                "hashes": [b64(h) for h in self.hashes], "checkpoint": self.checkpoint}


@dataclass(frozen=True, kw_only=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    hashes: list[bytes]

    def to_json(self) -> dict[str, Any]:
        return {"from": self.old_size, "to": self.new_size,
                "hashes": [b64(h) for h in self.hashes]}


def _visible_event(conn: Connection, actor: Actor, event_id: int) -> Any:
    row = conn.execute(select(EVENT.c.id, EVENT.c.hash, ITEM.c.jurisdiction_id,
                              TLOG_LEAF.c.idx.label("leaf_index"))
                       .join(ITEM, ITEM.c.id == EVENT.c.item_id)
                       .outerjoin(TLOG_LEAF, TLOG_LEAF.c.event_id == EVENT.c.id)
                       .where(EVENT.c.id == event_id)).first()
    if row is None or not actor.sees(row.jurisdiction_id):
        raise NotFound(f"audit event {event_id} not found")
    return row


def _tree_size(conn: Connection, size: int | None, head_size: int, what: str) -> int:
    """The requested size, or the latest checkpoint's; InvalidData beyond the log."""
    if size is None:
        signed = latest_checkpoint(conn)
        if signed is None:
            raise NotFound("the log has no checkpoint yet")
        return signed.size
    if size > head_size:
        raise InvalidData(f"{what} {size} is larger than the log ({head_size} leaves)",
                          fields={what: f"at most {head_size}"})
    return size


def event_inclusion(rt: Runtime, actor: Actor, event_id: int,
                    size: int | None = None) -> InclusionProof:
    """Proof that the event is leaf `leaf_index` of the tree of `size` leaves (default: the
    latest checkpoint's). An event committed but not yet sequenced is sequenced first."""
    with read_tx(rt.db) as conn:
        event = _visible_event(conn, actor, event_id)
    if event.leaf_index is None:
        sequence(rt)
    with read_tx(rt.db) as conn:
        event = _visible_event(conn, actor, event_id)
        head = read_head(conn)
        tree_size = _tree_size(conn, size, head.size, "size")
        if event.leaf_index is None:  # sequence() just ran: only if the event went since
            raise NotFound(f"audit event {event_id} is not in the log")
        if event.leaf_index >= tree_size:
            raise InvalidData(
                f"audit event {event_id} is leaf {event.leaf_index}, outside the tree of "
                f"size {tree_size}; ask for a larger size or wait for the next checkpoint",
                fields={"size": f"more than {event.leaf_index}"})
        hashes = inclusion_proof(event.leaf_index, tree_size, DbNodes(conn))
        signed = latest_checkpoint(conn, tree_size)
    return InclusionProof(event_id=event_id, leaf_index=event.leaf_index, tree_size=tree_size,
                          leaf_hash=leaf_hash(bytes.fromhex(event.hash)), hashes=hashes,
                          checkpoint=signed.note if signed else None)


def log_consistency(rt: Runtime, old_size: int, new_size: int | None = None
                    ) -> ConsistencyProof:
    """Proof that the tree of `old_size` is a prefix of that of `new_size` (default: the
    latest checkpoint's)."""
    with read_tx(rt.db) as conn:
        head = read_head(conn)
        new = _tree_size(conn, new_size, head.size, "to")
        if old_size > new:
            raise InvalidData(f"from {old_size} is larger than to {new}",
                              fields={"from": f"at most {new}"})
        hashes = consistency_proof(old_size, new, DbNodes(conn))
    return ConsistencyProof(old_size=old_size, new_size=new, hashes=hashes)


# Offline: a proof document, a checkpoint and the log's public key, nothing else.

def _int(doc: Any, key: str) -> int:
    value = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise CheckpointRejected(f"the proof has no valid {key!r}")
    return value


def decode_hash(text: Any, what: str) -> bytes:
    """A 32-byte hash given as 64 hex digits or base64."""
    if isinstance(text, str):
        try:
            raw = bytes.fromhex(text) if len(text) == 64 else \
                base64.b64decode(text, validate=True)
        except (ValueError, binascii.Error):
            raw = b""
        if len(raw) == 32:
            return raw
    raise CheckpointRejected(f"{what} is not a 32-byte hash in hex or base64: {text!r}")


def _hashes(doc: Any) -> list[bytes]:
    hashes = doc.get("hashes") if isinstance(doc, dict) else None
    if not isinstance(hashes, list):
        raise CheckpointRejected("the proof has no list of 'hashes'")
    return [decode_hash(h, f"proof hash {i}") for i, h in enumerate(hashes)]


def event_leaf_hash(event_hash: str) -> bytes:
    """The leaf hash of an audit event: SHA-256(0x00 ‖ the event hash's 32 bytes)."""
    return hashlib.sha256(b"\x00" + decode_hash(event_hash, "event hash")).digest()


def check_inclusion_offline(checkpoint: str, log_key: Verifier, proof: Any,
                            hashed_leaf: bytes) -> str:
    """What was proven, or CheckpointRejected: the checkpoint must be signed by `log_key`,
    the proof must be for its size, and must lead from `hashed_leaf` to its root."""
    body = open_log_checkpoint(checkpoint, [log_key])
    index, size = _int(proof, "leaf_index"), _int(proof, "tree_size")
    if size != body.size:
        raise CheckpointRejected(f"the proof is for a tree of size {size}, the checkpoint is "
                                 f"of size {body.size}")
    try:
        check_inclusion(hashed_leaf, index, size, _hashes(proof), body.root_hash)
    except ProofError as exc:
        raise CheckpointRejected(f"inclusion proof does not verify: {exc}") from None
    return (f"leaf {index} (hash {b64(hashed_leaf)}) is in {body.origin}'s tree of size "
            f"{size}, root {b64(body.root_hash)}")


def check_consistency_offline(old: str, new: str, log_key: Verifier, proof: Any) -> str:
    """What was proven, or CheckpointRejected: both checkpoints signed by `log_key`, of one
    origin, and the proof leads from the old root to the new one."""
    old_body = open_log_checkpoint(old, [log_key], what="old checkpoint")
    new_body = open_log_checkpoint(new, [log_key], what="checkpoint")
    if old_body.origin != new_body.origin:
        raise CheckpointRejected(f"the checkpoints are of two logs: {old_body.origin!r} and "
                                 f"{new_body.origin!r}")
    m, n = _int(proof, "from"), _int(proof, "to")
    if (m, n) != (old_body.size, new_body.size):
        raise CheckpointRejected(f"the proof is from {m} to {n}, the checkpoints are of sizes "
                                 f"{old_body.size} and {new_body.size}")
    try:
        check_consistency(m, n, old_body.root_hash, new_body.root_hash, _hashes(proof))
    except ProofError as exc:
        raise CheckpointRejected(f"consistency proof does not verify: {exc}") from None
    return (f"{new_body.origin}'s tree of size {n} extends that of size {m}: "
            f"root {b64(old_body.root_hash)} → {b64(new_body.root_hash)}")
