"""The log's keys and settings, read from `Settings` once by the entry point, and opening a
checkpoint against the log's public key with messages that say what is wrong."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from engine.errors import CheckpointRejected, ConfigError
from engine.settings import Settings
from engine.transparency.note import (
    COSIGNATURE_V1,
    ED25519,
    Checkpoint,
    InvalidSignatureError,
    NoteError,
    Signer,
    UnverifiedNoteError,
    Verifier,
    open_checkpoint,
    parse_signer,
    parse_verifier,
)

SEQUENCE_INTERVAL_S = 10  # how often the scheduler's tick runs the sequencer


@dataclass(frozen=True, kw_only=True)
class LogConfig:
    """`signer` signs checkpoints (None: this process only sequences and serves proofs);
    `witnesses` are the cosigner keys (type 0x04) whose cosignatures the log accepts."""

    origin: str
    signer: Signer | None = field(default=None, repr=False)
    witnesses: tuple[Verifier, ...] = ()
    period: timedelta = timedelta(minutes=5)

    @classmethod
    def from_settings(cls, settings: Settings) -> LogConfig:
        signer = None
        secret = settings.tlog_signing_key.get_secret_value() if settings.tlog_signing_key \
            else ""
        if secret.strip():
            try:
                signer = parse_signer(secret.strip())
            except NoteError:
                # never echo the key: the message says what it should look like
                raise ConfigError(
                    "LEADFLOW_TLOG_SIGNING_KEY is not a note signer key "
                    "(PRIVATE+KEY+<name>+<key id>+<base64>; make one with `leadflow keys "
                    "new`)") from None
            if signer.sig_type != ED25519:
                raise ConfigError("LEADFLOW_TLOG_SIGNING_KEY must be an Ed25519 (type 0x01) "
                                  "note key, not a cosigner key")
        origin = settings.tlog_origin.strip() or (signer.name if signer else "")
        if settings.tlog_checkpoint_period_seconds < 1:
            raise ConfigError("LEADFLOW_TLOG_CHECKPOINT_PERIOD_SECONDS must be at least 1")
        return cls(origin=origin, signer=signer,
                   witnesses=tuple(parse_witness_keys(settings.tlog_witness_keys)),
                   period=timedelta(seconds=settings.tlog_checkpoint_period_seconds))

    @property
    def verifier(self) -> Verifier | None:
        return self.signer.verifier() if self.signer else None

    def require_signer(self) -> Signer:
        if self.signer is None:
            raise ConfigError("no checkpoint signing key: set LEADFLOW_TLOG_SIGNING_KEY "
                              "(`leadflow keys new` makes one)")
        if not self.origin:
            raise ConfigError("the checkpoint origin is empty: set LEADFLOW_TLOG_ORIGIN")
        return self.signer

    def require_verifier(self) -> Verifier:
        return self.require_signer().verifier()


def cosigner_verifier(key: Verifier) -> Verifier:
    """A witness's cosignature key: the type 0x04 key of an ordinary note key (the
    transparency-dev witnesses derive theirs the same way), or the key itself if it is one."""
    if key.sig_type == COSIGNATURE_V1:
        return key
    return Verifier(name=key.name, sig_type=COSIGNATURE_V1, public_key=key.public_key)


def parse_witness_keys(text: str) -> list[Verifier]:
    """Verifier keys separated by commas or whitespace (LEADFLOW_TLOG_WITNESS_KEYS)."""
    keys = []
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        try:
            keys.append(cosigner_verifier(parse_verifier(part)))
        except NoteError as exc:
            raise ConfigError(f"LEADFLOW_TLOG_WITNESS_KEYS: {part!r} is not a verifier key: "
                              f"{exc}") from None
    return keys


def parse_log_key(text: str, what: str = "log key") -> Verifier:
    """A log's public key as given on a command line or in a file; ConfigError if malformed."""
    try:
        key = parse_verifier(text.strip())
    except NoteError as exc:
        raise ConfigError(f"{what} {text.strip()!r} is not a verifier key: {exc}") from None
    if key.sig_type != ED25519:
        raise ConfigError(f"{what} is a cosigner key; a log signs with an Ed25519 note key")
    return key


def open_log_checkpoint(text: str | bytes, log_keys: Iterable[Verifier], *,
                        origin: str | None = None, what: str = "checkpoint") -> Checkpoint:
    """The body of a checkpoint signed by one of `log_keys` (and of `origin`, when given);
    CheckpointRejected otherwise, saying whether it is malformed, signed by nobody known,
    badly signed, or another log's."""
    keys = list(log_keys)
    known = ", ".join(k.encode() for k in keys)
    try:
        checkpoint, _note = open_checkpoint(text, keys)
    except UnverifiedNoteError as exc:
        raise CheckpointRejected(f"{what} is not signed by the log key {known}: {exc}") from None
    except InvalidSignatureError as exc:
        raise CheckpointRejected(f"{what} has a bad signature: {exc}") from None
    except NoteError as exc:
        raise CheckpointRejected(f"{what} is malformed: {exc}") from None
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointRejected(f"{what} is of the log {checkpoint.origin!r}, not {origin!r}")
    return checkpoint
