"""The reporter's identity: encrypted at rest, read only by an allowed role with a reason.

The key is LEADFLOW_IDENTITY_KEY (base64 of 32 bytes), from configuration only; the database
holds ciphertext and a key fingerprint. The item id is bound into each ciphertext (AES-GCM
associated data), so an identity copied onto another item does not decrypt. Without a key
the rest of the system works; only storing or reading an identity refuses, loudly."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, insert, select

from engine.errors import IdentityKeyError, InvalidData, RoleForbidden
from engine.items import annotate
from engine.kernel import Actor
from engine.runtime import Runtime
from engine.settings import Settings
from engine.storage import IDENTITY, write_tx

MIN_REASON = 4  # characters: "查看" alone says nothing about why


@dataclass(frozen=True, kw_only=True)
class Identity:
    """Who reported a lead. Never logged, never put on the item."""

    anonymous: bool
    name: str | None = None
    contact: str | None = None

    def payload(self) -> dict[str, Any]:
        return {"anonymous": self.anonymous, "name": self.name, "contact": self.contact}

    def __repr__(self) -> str:  # keeps the identity out of tracebacks and debug output
        return f"Identity(anonymous={self.anonymous}, <redacted>)"


class IdentityCipher:
    """AES-GCM with one 256-bit key; `key_id` is a fingerprint of the key, safe to store."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise IdentityKeyError(f"identity key must be 32 bytes, got {len(key)}")
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(b"leadflow-identity-key:" + key).hexdigest()[:16]

    @classmethod
    def from_base64(cls, text: str) -> IdentityCipher:
        try:
            key = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise IdentityKeyError("LEADFLOW_IDENTITY_KEY is not valid base64") from None
        return cls(key)

    @classmethod
    def from_settings(cls, settings: Settings) -> IdentityCipher | None:
        """The configured cipher, or None when no key is configured; `settings` are the ones
        the entry point read once."""
        if settings.identity_key is None or not settings.identity_key.get_secret_value():
            return None
        return cls.from_base64(settings.identity_key.get_secret_value())

    def __repr__(self) -> str:
        return f"IdentityCipher(key_id={self.key_id})"

    def encrypt(self, item_id: int, identity: Identity) -> tuple[bytes, bytes]:
        nonce = os.urandom(12)
        plain = json.dumps(identity.payload(), ensure_ascii=False).encode()
        return nonce, self._aead.encrypt(nonce, plain, _aad(item_id))

    def decrypt(self, item_id: int, key_id: str, nonce: bytes, ciphertext: bytes) -> Identity:
        if key_id != self.key_id:
            raise IdentityKeyError(
                f"the reporter identity of item {item_id} was stored under key {key_id}, "
                f"but the configured LEADFLOW_IDENTITY_KEY is {self.key_id}")
        try:
            plain = self._aead.decrypt(nonce, ciphertext, _aad(item_id))
        except InvalidTag:
            raise IdentityKeyError(f"the reporter identity of item {item_id} does not decrypt "
                                   "with the configured key: it was altered or moved") from None
        body = json.loads(plain)
        return Identity(anonymous=bool(body["anonymous"]), name=body.get("name"),
                        contact=body.get("contact"))


def _aad(item_id: int) -> bytes:
    return f"leadflow:reporter:item:{item_id}".encode()


def generate_key() -> str:
    """A fresh key for LEADFLOW_IDENTITY_KEY, base64."""
    return base64.b64encode(os.urandom(32)).decode()


def store_identity(conn: Connection, cipher: IdentityCipher | None, item_id: int,
                   identity: Identity, now: datetime) -> None:
    """Write the encrypted identity of a new item (inside create_item's transaction)."""
    if cipher is None:
        raise IdentityKeyError("a reporter identity cannot be stored: LEADFLOW_IDENTITY_KEY "
                               "is not configured (anonymous leads without contact details "
                               "still work)")
    nonce, ciphertext = cipher.encrypt(item_id, identity)
    conn.execute(insert(IDENTITY).values(item_id=item_id, key_id=cipher.key_id, nonce=nonce,
                                         ciphertext=ciphertext, created_at=now))


def has_identity(conn: Connection, item_id: int) -> bool:
    return conn.execute(select(IDENTITY.c.item_id).where(IDENTITY.c.item_id == item_id)
                        ).first() is not None


def read_identity(rt: Runtime, *, actor: Actor, item_id: int, reason: str,
                  cipher: IdentityCipher | None, allowed_roles: frozenset[str]) -> Identity:
    """Return the reporter of `item_id` to an allowed role that states why, recording the
    read (who, when, why) as an audit event of the item in the same transaction. A lead
    with no stored identity reads as anonymous, and that read is recorded too.

    Raises NotFound (missing or out of scope, checked first), RoleForbidden, InvalidData
    (no reason), IdentityKeyError (no key, or not the key it was stored under)."""
    reason = reason.strip()
    with write_tx(rt.db) as conn:
        found: list[Identity] = []

        def check_and_decrypt(conn: Connection, _change: Any) -> None:
            # runs after annotate() has checked scope; any error here rolls the event back
            if actor.role not in allowed_roles:
                raise RoleForbidden(trigger="read_identity", role=actor.role,
                                    roles=sorted(allowed_roles))
            if len(reason) < MIN_REASON:
                raise InvalidData(f"a reason of at least {MIN_REASON} characters is required "
                                  "to read the reporter's identity",
                                  fields={"reason": "is required"})
            row = conn.execute(select(IDENTITY).where(IDENTITY.c.item_id == item_id)).first()
            if row is None:
                found.append(Identity(anonymous=True))
                return
            if cipher is None:
                raise IdentityKeyError("the reporter identity cannot be read: "
                                       "LEADFLOW_IDENTITY_KEY is not configured")
            found.append(cipher.decrypt(item_id, row.key_id, row.nonce, row.ciphertext))

        annotate(rt, actor=actor, item_id=item_id, trigger="read_identity",
                 data={"reason": reason}, after=check_and_decrypt, conn=conn)
    return found[0]
