"""C2SP signed notes (c2sp.org/signed-note), checkpoints (c2sp.org/tlog-checkpoint) and
Ed25519 cosignatures (c2sp.org/tlog-cosignature), compatible with golang.org/x/mod/sumdb/note
and github.com/transparency-dev/formats.

A log signs its checkpoint with an Ed25519 `Signer` (signature type 0x01); a witness signs
the same checkpoint body with a cosigner (type 0x04, `Signer.cosigner()`), whose signature
carries the time it was made. `open_note` verifies both kinds against the keys it is given."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
COSIGNATURE_V1 = 0x04  # timestamped Ed25519 checkpoint cosignature
MAX_SIGNATURES = 100  # as Go's note.Open; the spec asks verifiers to accept at least 16
MAX_TIMESTAMP = 2**63 - 1
_SIG_PREFIX = "— "  # em dash U+2014, space
_TYPES = (ED25519, COSIGNATURE_V1)


class NoteError(ValueError):
    """A malformed note, key, signature or checkpoint."""


class InvalidSignatureError(NoteError):
    """A known key's signature does not verify: the whole note is rejected."""


class UnverifiedNoteError(NoteError):
    """The note is well formed but no known key signed it."""


def key_id(name: str, sig_type: int, public_key: bytes) -> int:
    """SHA-256(name ‖ 0x0A ‖ signature type ‖ public key)[:4], big-endian."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _check_name(name: str) -> None:
    # Names separate fields of keys (by "+") and of signature lines (by a space).
    if not name or "+" in name or any(c.isspace() or c < " " for c in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, what: str, *, canonical: bool = True) -> bytes:
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what} is not base64: {text!r}") from None
    if canonical and _b64(data) != text:
        raise NoteError(f"{what} is not canonical base64: {text!r}")
    return data


def _cosigned_message(timestamp: int, text: bytes) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + text


@dataclass(frozen=True, kw_only=True)
class Verifier:
    """A public key: checks signatures of type 0x01 (note text) or 0x04 (cosignature)."""

    name: str
    sig_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.sig_type not in _TYPES:
            raise NoteError(f"unsupported signature type 0x{self.sig_type:02x}")
        if len(self.public_key) != 32:
            raise NoteError(f"Ed25519 public key has {len(self.public_key)} bytes, not 32")

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.sig_type, self.public_key)

    def encode(self) -> str:
        """The verifier key string: <name>+<hex key ID>+<base64(type ‖ public key)>."""
        return f"{self.name}+{self.key_id:08x}+{_b64(bytes([self.sig_type]) + self.public_key)}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        message = text
        if self.sig_type == COSIGNATURE_V1:
            if len(signature) != 8 + 64:
                return False
            timestamp = int.from_bytes(signature[:8], "big")
            if timestamp > MAX_TIMESTAMP:
                return False
            message, signature = _cosigned_message(timestamp, text), signature[8:]
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True, kw_only=True)
class Signature:
    """One signature line of a note: `signature` is what follows the 4-byte key ID."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        return f"{_SIG_PREFIX}{self.name} {_b64(self.key_id.to_bytes(4, 'big') + self.signature)}\n"

    def cosignature_time(self) -> int:
        """The Unix time a type 0x04 cosignature says it was made."""
        if len(self.signature) != 8 + 64:
            raise NoteError(f"{self.name}'s signature is not an Ed25519 cosignature")
        return int.from_bytes(self.signature[:8], "big")


@dataclass(frozen=True, kw_only=True)
class Signer:
    """A private key (the 32-byte Ed25519 seed) with its name and signature type."""

    name: str
    sig_type: int
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.seed) != 32:
            raise NoteError(f"Ed25519 seed has {len(self.seed)} bytes, not 32")
        self.verifier()  # validates name and type

    def _key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    def verifier(self) -> Verifier:
        public = self._key().public_key().public_bytes_raw()
        return Verifier(name=self.name, sig_type=self.sig_type, public_key=public)

    @property
    def key_id(self) -> int:
        return self.verifier().key_id

    def cosigner(self) -> Signer:
        """The same key as a checkpoint cosigner: the transparency-dev witnesses derive
        their type 0x04 key, and its own key ID, from an ordinary 0x01 note key."""
        return replace(self, sig_type=COSIGNATURE_V1)

    def encode(self) -> str:
        """PRIVATE+KEY+<name>+<hex key ID>+<base64(type ‖ seed)>: keep it secret."""
        key = _b64(bytes([self.sig_type]) + self.seed)
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{key}"

    def sign(self, text: str, *, timestamp: int | None = None) -> Signature:
        """Sign note text. A cosigner needs the Unix `timestamp` to put in its signature
        and only signs checkpoint bodies; an 0x01 signer ignores `timestamp`."""
        data = _check_text(text)
        if self.sig_type == ED25519:
            raw = self._key().sign(data)
        else:
            if timestamp is None or not 0 <= timestamp <= MAX_TIMESTAMP:
                raise NoteError(f"a cosignature needs a timestamp in [0, 2**63), got {timestamp}")
            Checkpoint.parse(text)
            signed = self._key().sign(_cosigned_message(timestamp, data))
            raw = timestamp.to_bytes(8, "big") + signed
        return Signature(name=self.name, key_id=self.key_id, signature=raw)


def _parse_key(text: str, what: str) -> tuple[str, int, int, bytes]:
    parts = text.split("+", 2)  # base64 has "+" too: split as Go's strings.Cut does
    if len(parts) != 3 or not re.fullmatch(r"[0-9a-fA-F]{8}", parts[1]):
        raise NoteError(f"{what} is not <name>+<8 hex digits>+<base64 key>")
    name, hex_id, key = parts[0], int(parts[1], 16), _unb64(parts[2], f"{what}'s key")
    _check_name(name)
    if len(key) != 33:
        raise NoteError(f"{what}'s key is {len(key)} bytes, not a type byte and 32 bytes")
    return name, hex_id, key[0], key[1:]


def parse_verifier(vkey: str) -> Verifier:
    name, claimed, sig_type, public = _parse_key(vkey, "verifier key")
    verifier = Verifier(name=name, sig_type=sig_type, public_key=public)
    if verifier.key_id != claimed:
        raise NoteError(f"verifier key ID {claimed:08x} is not its key's ID {verifier.key_id:08x}")
    return verifier


def parse_signer(skey: str) -> Signer:
    if not skey.startswith("PRIVATE+KEY+"):
        raise NoteError("signer key does not start with PRIVATE+KEY+")
    name, claimed, sig_type, seed = _parse_key(skey[len("PRIVATE+KEY+") :], "signer key")
    signer = Signer(name=name, sig_type=sig_type, seed=seed)
    if signer.key_id != claimed:
        raise NoteError(f"signer key ID {claimed:08x} is not its key's ID {signer.key_id:08x}")
    return signer


def generate_key(name: str) -> tuple[str, str]:
    """A new Ed25519 note key: (signer key, verifier key), as Go's note.GenerateKey."""
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    signer = Signer(name=name, sig_type=ED25519, seed=seed)
    return signer.encode(), signer.verifier().encode()


def _check_text(text: str) -> bytes:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if any(c < " " and c != "\n" for c in text):
        raise NoteError("note text has a control character other than newline")
    try:
        return text.encode()
    except UnicodeEncodeError:
        raise NoteError("note text is not valid Unicode") from None


def format_note(text: str, signatures: Iterable[Signature]) -> str:
    _check_text(text)
    lines = [s.line() for s in signatures]
    if not lines:
        raise NoteError("a signed note needs at least one signature")
    return text + "\n" + "".join(lines)


def sign_note(text: str, signers: Sequence[Signer], *, timestamp: int | None = None) -> str:
    return format_note(text, [s.sign(text, timestamp=timestamp) for s in signers])


@dataclass(frozen=True, kw_only=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]  # verified, in note order
    signed_by: tuple[Verifier, ...]  # the known key of each verified signature
    unverified: tuple[Signature, ...]  # by unknown keys: ignored, kept for re-emitting


def _parse_signature(line: str) -> Signature:
    if not line.startswith(_SIG_PREFIX):
        raise NoteError(f"signature line does not start with an em dash and space: {line!r}")
    name, _, encoded = line[len(_SIG_PREFIX) :].partition(" ")
    _check_name(name)
    raw = _unb64(encoded, f"{name}'s signature", canonical=False)
    if len(raw) < 5:
        raise NoteError(f"{name}'s signature is too short")
    return Signature(name=name, key_id=int.from_bytes(raw[:4], "big"), signature=raw[4:])


def open_note(msg: str | bytes, known: Iterable[Verifier]) -> Note:
    """Parse a signed note and check every signature by a known key (name and key ID).

    Raises InvalidSignatureError if any of them fails, UnverifiedNoteError if there are
    none, NoteError if malformed. Signatures by unknown keys are ignored (the spec says so:
    they may be other witnesses, or a key rotation)."""
    if isinstance(msg, bytes):
        try:
            msg = msg.decode()
        except UnicodeDecodeError:
            raise NoteError("note is not valid UTF-8") from None
    _check_text(msg)
    split = msg.rfind("\n\n")
    if split < 0:
        raise NoteError("note has no blank line before its signatures")
    text, block = msg[: split + 1], msg[split + 2 :]
    lines = block.split("\n")[:-1]
    if not lines:
        raise NoteError("note has no signature lines")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    keys: dict[tuple[str, int], Verifier] = {}
    for v in known:
        if keys.setdefault((v.name, v.key_id), v) != v:
            raise NoteError(f"two known keys are both {v.name}+{v.key_id:08x}")
    data = text.encode()
    verified: dict[tuple[str, int], Signature] = {}
    unverified: dict[Signature, None] = {}  # ordered set: drops repeated lines
    for line in lines:
        sig = _parse_signature(line)
        verifier = keys.get((sig.name, sig.key_id))
        if verifier is None:
            unverified[sig] = None
        elif (sig.name, sig.key_id) not in verified:  # as Go: the first line of a key counts
            if not verifier.verify(data, sig.signature):
                raise InvalidSignatureError(f"invalid signature by {sig.name}+{sig.key_id:08x}")
            verified[(sig.name, sig.key_id)] = sig
    if not verified:
        seen = ", ".join(f"{s.name}+{s.key_id:08x}" for s in unverified)
        raise UnverifiedNoteError(f"note has no signature by a known key (signed by: {seen})")
    return Note(
        text=text,
        signatures=tuple(verified.values()),
        signed_by=tuple(keys[k] for k in verified),
        unverified=tuple(unverified),
    )


_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")
_HASH = re.compile(r"[A-Za-z0-9+/]{43}=")


@dataclass(frozen=True, kw_only=True)
class Checkpoint:
    """A checkpoint body: origin, tree size, root hash, optional extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        lines = [("origin", self.origin), *(("extension line", e) for e in self.extensions)]
        for what, line in lines:
            if not line or any(c < " " for c in line):
                raise NoteError(f"checkpoint {what} {line!r} is empty or has a control character")
        if not 0 <= self.size < 2**64:
            raise NoteError(f"checkpoint tree size {self.size} is not a 64-bit unsigned integer")
        if len(self.root_hash) != 32:
            raise NoteError(f"checkpoint root hash has {len(self.root_hash)} bytes, not 32")

    def format(self) -> str:
        lines = [self.origin, str(self.size), _b64(self.root_hash), *self.extensions]
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        if not text.endswith("\n"):
            raise NoteError("checkpoint body must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError("checkpoint body needs origin, tree size and root hash lines")
        origin, size, root_hash, *extensions = lines
        if not _SIZE.fullmatch(size):
            raise NoteError(f"checkpoint tree size {size!r} is not a decimal without leading zeros")
        if not _HASH.fullmatch(root_hash):
            raise NoteError(f"checkpoint root hash {root_hash!r} is not base64 of 32 bytes")
        digest = _unb64(root_hash, "checkpoint root hash")
        return cls(origin=origin, size=int(size), root_hash=digest, extensions=tuple(extensions))


def open_checkpoint(msg: str | bytes, known: Iterable[Verifier]) -> tuple[Checkpoint, Note]:
    """A signed checkpoint: its parsed body and the opened note (see `open_note`)."""
    note = open_note(msg, known)
    return Checkpoint.parse(note.text), note
