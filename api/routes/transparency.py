"""The transparency log over the audit trail (docs/transparency.md): the latest signed
checkpoint with its witnesses' cosignatures, inclusion and consistency proofs, the log's
public key, and witnesses handing in cosignatures.

Readable by the roles that read the audit trail. A proof holds hashes only; an inclusion
proof for an event of an item outside the caller's scope is 404, as the item is."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse

from api.deps import Auditor, RuntimeDep, roles_required
from api.errors import problems
from api.schemas import (
    ConsistencyProofOut,
    CosignatureIn,
    CosignatureOut,
    CosignaturesOut,
    InclusionProofOut,
    LogKeyOut,
)
from engine.errors import NotFound
from engine.kernel import Actor, Role
from engine.storage import read_tx
from engine.transparency import (
    Cosignature,
    LogConfig,
    add_cosignatures,
    cosignatures,
    event_inclusion,
    latest_checkpoint,
    log_consistency,
    witnessed_note,
)

router = APIRouter(prefix="/v1/audit", tags=["transparency"])

WITNESS_ROLES = frozenset({Role.supervisor.value, Role.admin.value})
Witness = Annotated[Actor, Depends(roles_required(WITNESS_ROLES, "hand in cosignatures"))]
Size = Annotated[int | None, Query(ge=0, le=2**62, description=(
    "a tree size; default: the latest checkpoint's"))]
NOTE_TEXT: dict[int | str, dict[str, Any]] = {200: {
    "content": {"text/plain": {"schema": {"type": "string"}}},
    "description": "A C2SP signed note"}}


def log_config(request: Request) -> LogConfig:
    config: LogConfig = request.app.state.tlog
    return config


LogDep = Annotated[LogConfig, Depends(log_config)]


def _cosignatures_out(size: int, found: list[Cosignature]) -> CosignaturesOut:
    return CosignaturesOut(tree_size=size, cosignatures=[
        CosignatureOut(witness=c.witness, key_id=f"{c.key_id:08x}", signed_at=c.signed_at,
                       line=c.line) for c in found])


@router.get("/checkpoint", response_class=PlainTextResponse,
            responses=problems(401, 403, 404, 422, ok=NOTE_TEXT))
def checkpoint(_actor: Auditor, rt: RuntimeDep, size: Size = None) -> PlainTextResponse:
    """The latest signed checkpoint (or that of `size`) as a signed note: the log's
    signature, then every witness's cosignature line."""
    with read_tx(rt.db) as conn:
        note = witnessed_note(conn, size)
    if note is None:
        raise NotFound("no such checkpoint" if size is not None else "no checkpoint yet")
    return PlainTextResponse(note)


@router.get("/checkpoint/cosignatures", response_model=CosignaturesOut,
            responses=problems(401, 403, 404, 422))
def list_cosignatures(_actor: Auditor, rt: RuntimeDep, size: Size = None) -> CosignaturesOut:
    """The witnesses' cosignatures of the latest checkpoint (or that of `size`)."""
    with read_tx(rt.db) as conn:
        signed = latest_checkpoint(conn, size)
        if signed is None:
            raise NotFound("no such checkpoint" if size is not None else "no checkpoint yet")
        return _cosignatures_out(signed.size, cosignatures(conn, signed.size))


@router.post("/checkpoint/cosignatures", response_model=CosignaturesOut,
             responses=problems(401, 403, 422))
def submit_cosignatures(body: CosignatureIn, _actor: Witness, rt: RuntimeDep,
                        config: LogDep) -> CosignaturesOut:
    """Hand in a witness's cosignature: the checkpoint as this log signed it, with the
    witness's cosignature line, by a key configured in LEADFLOW_TLOG_WITNESS_KEYS. Sending
    it again changes nothing."""
    size, found = add_cosignatures(rt, config, body.note)
    return _cosignatures_out(size, found)


@router.get("/proof/inclusion", response_model=InclusionProofOut,
            responses=problems(401, 403, 404, 422))
def inclusion(actor: Auditor, rt: RuntimeDep,
              event: Annotated[int, Query(ge=1, le=2**31 - 1, description="an audit event id")],
              size: Size = None) -> InclusionProofOut:
    """Proof that the event is a leaf of the log's tree of `size` leaves."""
    proof = event_inclusion(rt, actor, event, size)
    return InclusionProofOut(**proof.to_json())


@router.get("/proof/consistency", response_model=ConsistencyProofOut,
            responses=problems(401, 403, 404, 422))
def consistency(_actor: Auditor, rt: RuntimeDep,
                from_: Annotated[int, Query(alias="from", ge=0, le=2**62,
                                            description="the older tree size")],
                to: Size = None) -> ConsistencyProofOut:
    """Proof that the tree of `from` leaves is a prefix of that of `to` leaves."""
    return ConsistencyProofOut(**log_consistency(rt, from_, to).to_json())


@router.get("/log-key", response_model=LogKeyOut, responses=problems(401, 403, 404))
def log_key(_actor: Auditor, config: LogDep) -> LogKeyOut:
    """The public key the log signs its checkpoints with, and the witness keys it accepts;
    404 while no signing key is configured."""
    if config.verifier is None:
        raise NotFound("this log has no signing key configured")
    return LogKeyOut(origin=config.origin, verifier_key=config.verifier.encode(),
                     witness_keys=[w.encode() for w in config.witnesses])
