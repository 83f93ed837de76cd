"""The reporter-identity configuration the console shares with the API: the cipher and the
roles that may read an identity. Tests (and the API) may set app.state.identity; otherwise it
is read once from LEADFLOW_IDENTITY_KEY / LEADFLOW_IDENTITY_READ_ROLES."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from engine.intake import IdentityCipher, IdentitySettings


@dataclass(frozen=True, kw_only=True)
class IdentityAccess:
    cipher: IdentityCipher | None
    read_roles: frozenset[str]


def identity_access(request: Request) -> IdentityAccess:
    shared = getattr(request.app.state, "identity", None)
    if shared is not None:  # the API's IdentityConfig: the same two attributes
        return IdentityAccess(cipher=shared.cipher, read_roles=frozenset(shared.read_roles))
    cached = getattr(request.app.state, "console_identity", None)
    if cached is None:
        settings = IdentitySettings()
        cached = IdentityAccess(cipher=IdentityCipher.from_settings(settings),
                                read_roles=settings.read_roles())
        request.app.state.console_identity = cached
    assert isinstance(cached, IdentityAccess)
    return cached
