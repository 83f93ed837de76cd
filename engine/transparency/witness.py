"""A witness: it holds the last checkpoint it cosigned in a state file, and over the log's
HTTP API alone fetches the latest one, checks it is signed by the log's key and extends the
one it holds (a consistency proof), records it, then cosigns it and hands the cosignature
back. It refuses (CheckpointRejected) on a bad signature, another log, a smaller tree, or
any inconsistency, and never cosigns two checkpoints that contradict each other: the state
is written before the cosignature leaves."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from engine.errors import CheckpointRejected, ConfigError
from engine.transparency.checkpoints import note_body
from engine.transparency.config import open_log_checkpoint
from engine.transparency.merkle import ProofError, check_consistency
from engine.transparency.note import Checkpoint, Signer, Verifier, format_note
from engine.transparency.proofs import b64, decode_hash

STATE_VERSION = 1


@dataclass(frozen=True, kw_only=True)
class WitnessState:
    log_key: str  # the log's verifier key this state belongs to
    origin: str
    size: int
    root: bytes
    checkpoint: str  # the signed checkpoint as fetched

    def to_json(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, "log_key": self.log_key, "origin": self.origin,
                "size": self.size, "root": b64(self.root), "checkpoint": self.checkpoint}


@dataclass(frozen=True, kw_only=True)
class Witnessed:
    origin: str
    size: int
    root: bytes
    previous_size: int | None  # None: the first checkpoint this witness saw
    cosignature: str  # the signature line handed back


def load_state(path: Path) -> WitnessState | None:
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        state = WitnessState(log_key=str(doc["log_key"]), origin=str(doc["origin"]),
                             size=int(doc["size"]), root=decode_hash(doc["root"], "root"),
                             checkpoint=str(doc["checkpoint"]))
    except (OSError, ValueError, KeyError, TypeError, CheckpointRejected) as exc:
        raise ConfigError(f"witness state {path} is unreadable: {exc}") from None
    if doc.get("version") != STATE_VERSION:
        raise ConfigError(f"witness state {path} has version {doc.get('version')!r}, "
                          f"not {STATE_VERSION}")
    return state


def save_state(path: Path, state: WitnessState) -> None:
    """Write the state atomically (a crash leaves the old or the new one, never half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(state.to_json(), out, indent=2, ensure_ascii=False)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _get(client: httpx.Client, url: str, **params: int) -> httpx.Response:
    try:
        response = client.get(url, params=params)
    except httpx.HTTPError as exc:
        raise ConfigError(f"cannot reach the log at {client.base_url}: {exc}") from None
    if response.status_code != 200:
        raise ConfigError(f"the log answered {response.status_code} to GET {url}: "
                          f"{_detail(response)}")
    return response


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise CheckpointRejected("the log answered a proof that is not JSON") from None


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))[:500]
    except (ValueError, AttributeError):
        return response.text[:500]


def check_extends(state: WitnessState | None, body: Checkpoint, proof: list[bytes] | None
                  ) -> None:
    """CheckpointRejected unless `body` extends the checkpoint held in `state`."""
    if state is None:
        return
    if body.origin != state.origin:
        raise CheckpointRejected(f"the checkpoint is of {body.origin!r}, the witness holds "
                                 f"{state.origin!r}")
    if body.size < state.size:
        raise CheckpointRejected(
            f"the checkpoint has size {body.size}, smaller than the {state.size} this witness "
            "already cosigned: the log was rolled back or truncated")
    try:
        check_consistency(state.size, body.size, state.root, body.root_hash, proof or [])
    except ProofError as exc:
        raise CheckpointRejected(
            f"the checkpoint of size {body.size} is not consistent with the one of size "
            f"{state.size} this witness holds: {exc}") from None


def witness_once(client: httpx.Client, *, state_path: Path, signer: Signer,
                 log_key: Verifier, now: datetime) -> Witnessed:
    """One round against the log `client` talks to (base URL and token set on it)."""
    state = load_state(state_path)
    if state is not None and state.log_key != log_key.encode():
        raise CheckpointRejected(f"the state file {state_path} belongs to the log key "
                                 f"{state.log_key}, not {log_key.encode()}")
    text = _get(client, "/v1/audit/checkpoint").text
    body = open_log_checkpoint(text, [log_key], origin=state.origin if state else None)
    proof = None
    if state is not None and state.size < body.size:
        doc = _json(_get(client, "/v1/audit/proof/consistency",
                         **{"from": state.size, "to": body.size}))
        hashes = doc.get("hashes") if isinstance(doc, dict) else None
        if not isinstance(hashes, list):
            raise CheckpointRejected("the log's consistency proof has no list of hashes")
        proof = [decode_hash(h, f"proof hash {i}") for i, h in enumerate(hashes)]
    check_extends(state, body, proof)
    # recorded before the cosignature leaves: this witness never signs a fork of it
    checkpoint = note_body(text)
    save_state(state_path, WitnessState(log_key=log_key.encode(), origin=body.origin,
                                        size=body.size, root=body.root_hash,
                                        checkpoint=text))
    cosigner = signer.cosigner()
    signature = cosigner.sign(checkpoint, timestamp=int(now.timestamp()))
    try:
        response = client.post("/v1/audit/checkpoint/cosignatures",
                               json={"note": format_note(checkpoint, [signature])})
    except httpx.HTTPError as exc:
        raise ConfigError(f"cannot reach the log at {client.base_url}: {exc}") from None
    if response.status_code != 200:
        raise ConfigError(f"the log refused the cosignature ({response.status_code}): "
                          f"{_detail(response)}")
    return Witnessed(origin=body.origin, size=body.size, root=body.root_hash,
                     previous_size=state.size if state else None,
                     cosignature=signature.line())
