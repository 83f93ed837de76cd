"""A transparency log over the audit trail (docs/transparency.md): one RFC 6962 Merkle log
of every audit event, signed checkpoints, proofs, witnesses' cosignatures, and the check of
the database against a checkpoint.

`merkle` (tree hashes, O(log n) proofs over stored perfect subtrees, their verification) and
`note` (C2SP signed notes, checkpoints, cosignatures) import nothing else of the engine; the
other modules keep the log in the database: `sequencer` appends events after commit,
`checkpoints` signs and stores cosignatures, `proofs` answers the API and checks proofs
offline, `check` verifies the database against a checkpoint, `witness` is the client that
cosigns another installation's checkpoints."""

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
