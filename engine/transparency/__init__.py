"""A transparency log over the audit trail (docs/transparency.md): one RFC 6962 Merkle log
of every audit event, signed checkpoints, proofs, witnesses' cosignatures, and the check of
the database against a checkpoint.

`merkle` (tree hashes, O(log n) proofs over stored perfect subtrees, their verification) and
`note` (C2SP signed notes, checkpoints, cosignatures) import nothing else of the engine; the
other modules keep the log in the database: `sequencer` appends events after commit,
`checkpoints` signs and stores cosignatures, `proofs` answers the API and checks proofs
offline, `check` verifies the database against a checkpoint, `witness` is the client that
cosigns another installation's checkpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.kernel import lazy_attribute

if TYPE_CHECKING:
    from engine.transparency.check import LogProblem, LogReport, check_log
    from engine.transparency.checkpoints import (
        Cosignature,
        SignedCheckpoint,
        Tick,
        add_cosignatures,
        cosignatures,
        latest_checkpoint,
        latest_checkpoint_line,
        make_checkpoint,
        note_body,
        sequence_and_checkpoint,
        witnessed_note,
    )
    from engine.transparency.config import (
        SEQUENCE_INTERVAL_S,
        LogConfig,
        cosigner_verifier,
        open_log_checkpoint,
        parse_log_key,
    )
    from engine.transparency.merkle import MemoryTree, ProofError, leaf_hash
    from engine.transparency.note import (
        Checkpoint,
        Signer,
        Verifier,
        generate_key,
        parse_signer,
        parse_verifier,
    )
    from engine.transparency.proofs import (
        ConsistencyProof,
        InclusionProof,
        check_consistency_offline,
        check_inclusion_offline,
        decode_hash,
        event_inclusion,
        event_leaf_hash,
        log_consistency,
    )
    from engine.transparency.sequencer import Sequenced, sequence
    from engine.transparency.witness import Witnessed, WitnessState, load_state, witness_once

__all__ = [
    "SEQUENCE_INTERVAL_S",
    "Checkpoint",
    "ConsistencyProof",
    "Cosignature",
    "InclusionProof",
    "LogConfig",
    "LogProblem",
    "LogReport",
    "MemoryTree",
    "ProofError",
    "Sequenced",
    "SignedCheckpoint",
    "Signer",
    "Tick",
    "Verifier",
    "WitnessState",
    "Witnessed",
    "add_cosignatures",
    "check_consistency_offline",
    "check_inclusion_offline",
    "check_log",
    "cosignatures",
    "cosigner_verifier",
    "decode_hash",
    "event_inclusion",
    "event_leaf_hash",
    "generate_key",
    "latest_checkpoint",
    "latest_checkpoint_line",
    "leaf_hash",
    "load_state",
    "log_consistency",
    "make_checkpoint",
    "note_body",
    "open_log_checkpoint",
    "parse_log_key",
    "parse_signer",
    "parse_verifier",
    "sequence",
    "sequence_and_checkpoint",
    "witness_once",
    "witnessed_note",
]

# PEP 562: a name's module is imported when the name is first asked for, so a caller
# (or `leadflow --help`) pays only for the modules it uses. mypy sees the imports above;
# __getattr__ is hidden from it so that a misspelt name stays an error.
_MODULE_OF = {
    "LogProblem": "check", "LogReport": "check", "check_log": "check",
    "Cosignature": "checkpoints", "SignedCheckpoint": "checkpoints", "Tick": "checkpoints",
    "add_cosignatures": "checkpoints", "cosignatures": "checkpoints",
    "latest_checkpoint": "checkpoints", "latest_checkpoint_line": "checkpoints",
    "make_checkpoint": "checkpoints", "note_body": "checkpoints",
    "sequence_and_checkpoint": "checkpoints", "witnessed_note": "checkpoints",
    "SEQUENCE_INTERVAL_S": "config", "LogConfig": "config", "cosigner_verifier": "config",
    "open_log_checkpoint": "config", "parse_log_key": "config",
    "MemoryTree": "merkle", "ProofError": "merkle", "leaf_hash": "merkle",
    "Checkpoint": "note", "Signer": "note", "Verifier": "note", "generate_key": "note",
    "parse_signer": "note", "parse_verifier": "note",
    "ConsistencyProof": "proofs", "InclusionProof": "proofs",
    "check_consistency_offline": "proofs", "check_inclusion_offline": "proofs",
    "decode_hash": "proofs", "event_inclusion": "proofs", "event_leaf_hash": "proofs",
    "log_consistency": "proofs",
    "Sequenced": "sequencer", "sequence": "sequencer",
    "Witnessed": "witness", "WitnessState": "witness", "load_state": "witness",
    "witness_once": "witness",
}

if not TYPE_CHECKING:
    def _module(name: str) -> object:
        """Import one module of the part, explicitly (tests/test_layering.py)."""
        if name == "check":
            import engine.transparency.check as module
        elif name == "checkpoints":
            import engine.transparency.checkpoints as module
        elif name == "config":
            import engine.transparency.config as module
        elif name == "merkle":
            import engine.transparency.merkle as module
        elif name == "note":
            import engine.transparency.note as module
        elif name == "proofs":
            import engine.transparency.proofs as module
        elif name == "sequencer":
            import engine.transparency.sequencer as module
        elif name == "witness":
            import engine.transparency.witness as module
        return module

    __getattr__ = lazy_attribute(globals(), _MODULE_OF, _module)
