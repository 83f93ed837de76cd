"""The transparency log over the audit trail: proofs, the log's key, witnesses'
cosignatures (the checkpoint itself is text/plain, a C2SP signed note). Hashes are base64, as
in the checkpoint's root line."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Strict


class InclusionProofOut(BaseModel):
    event_id: int
    leaf_index: int
    tree_size: int
    leaf_hash: str = Field(description="SHA-256(0x00 ‖ the event's hash), base64")
    hashes: list[str] = Field(description="RFC 9162 inclusion path, leaf side first")
    checkpoint: str | None = Field(
        description="the signed checkpoint of `tree_size`, when the log signed one")


class ConsistencyProofOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: int = Field(alias="from")
    to: int
    hashes: list[str] = Field(description="RFC 9162 consistency proof")


class LogKeyOut(BaseModel):
    origin: str
    verifier_key: str = Field(description="the log's public key as a signed-note verifier key")
    witness_keys: list[str] = Field(description="the cosigner keys whose cosignatures it takes")


class CosignatureIn(Strict):
    note: str = Field(min_length=1, max_length=16_000, description=(
        "a checkpoint of this log with the witness's cosignature line(s), as a signed note"))


class CosignatureOut(BaseModel):
    witness: str
    key_id: str = Field(description="the cosigner key's ID, 8 hex digits")
    signed_at: datetime
    line: str


class CosignaturesOut(BaseModel):
    tree_size: int
    cosignatures: list[CosignatureOut]
