"""The reporter-identity configuration the console shares with the API: the cipher and the
roles that may read an identity, built once by the app factory (`app.state.identity`)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from engine.intake import IdentityCipher


@dataclass(frozen=True, kw_only=True)
class IdentityAccess:
    cipher: IdentityCipher | None
    read_roles: frozenset[str]


def identity_access(request: Request) -> IdentityAccess:
    shared = request.app.state.identity  # api.deps.IdentityConfig: the same two attributes
    return IdentityAccess(cipher=shared.cipher, read_roles=frozenset(shared.read_roles))
