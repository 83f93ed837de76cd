"""Every error a caller can get, in one tree: the engine raises them, and the API raises
Unauthenticated and Forbidden while checking the token, so no layer defines its own.

    LeadflowError
    ├── ConfigError                the configuration cannot work (e.g. the default secret served
    │   │                          on a public address)
    │   └── IdentityKeyError       no identity key, a malformed one, or not the key an identity
    │                              was stored under
    ├── DefinitionError            a workflow file is invalid (names file, path, problem, fix)
    ├── DefinitionConflict         a changed body was loaded under an existing version
    ├── OrgError                   an org file or org change is invalid
    ├── ImportFileError            an import file as a whole cannot be read (type, columns)
    ├── Unauthenticated            no credentials, or an unknown or revoked token
    ├── Forbidden                  the actor may not do this at all (e.g. the bootstrap token
    │                              handling items, a non-admin administering the org)
    ├── NotFound                   the item (or other object) does not exist *or is out of scope*
    ├── TransitionRefused          the trigger is not allowed from the current state
    ├── RoleForbidden              the actor's role may not fire this trigger
    ├── InvalidData                required fields are missing or invalid, or a condition fails
    ├── VersionConflict            the item changed since it was read (optimistic lock)
    ├── ReceiptRateLimited         too many failed receipt lookups; carries `retry_after`
    ├── CheckpointRejected         a checkpoint, cosignature or proof is not signed by a known
    │                              key, does not verify, or contradicts what its holder has
    └── AuditBroken                an audit chain does not verify
        └── LogBroken              the transparency log disagrees with itself or with a
                                   checkpoint it signed (it refuses to sign again)

`api/errors.py` maps each class to exactly one HTTP status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class LeadflowError(Exception):
    """Base of every error the engine raises on purpose."""


class ConfigError(LeadflowError):
    """The configuration cannot work as given: a setting is missing, malformed or unsafe."""


class IdentityKeyError(ConfigError):
    """No identity key is configured, it is malformed, or it is not the key an identity was
    stored under. A configuration problem, never bad input."""


@dataclass(frozen=True, kw_only=True)
class DefinitionProblem:
    """One problem in one workflow file: where it is, what is wrong, how to fix it."""

    file: str
    path: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}: at {self.path}: {self.problem} (fix: {self.fix})"


class DefinitionError(LeadflowError):
    """A workflow file is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[DefinitionProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DefinitionConflict(LeadflowError):
    """A definition with a different body is already stored under this name and version."""


class OrgError(LeadflowError):
    """An org file or org change is invalid (unknown parent, duplicate code, ...)."""


class ImportFileError(LeadflowError):
    """The file as a whole cannot be imported (unreadable, unknown or missing columns)."""


class Unauthenticated(LeadflowError):
    """No credentials, or a token that is unknown or revoked."""


class Forbidden(LeadflowError):
    """Authenticated, but the actor may not do this whatever the item or state (RoleForbidden
    is the refusal of one trigger)."""


class NotFound(LeadflowError):
    """The object does not exist, or the actor may not see it (the two look the same)."""


class TransitionRefused(LeadflowError):
    """The trigger cannot be fired from the item's current state by this actor."""

    def __init__(self, *, trigger: str, state: str, allowed: Sequence[str]) -> None:
        self.trigger = trigger
        self.state = state
        self.allowed = list(allowed)
        listed = ", ".join(self.allowed) if self.allowed else "none"
        super().__init__(
            f"trigger {trigger!r} is not allowed from state {state!r}; allowed now: {listed}"
        )


class RoleForbidden(LeadflowError):
    """The trigger exists from this state but the actor's role may not fire it."""

    def __init__(self, *, trigger: str, role: str, roles: Sequence[str]) -> None:
        self.trigger = trigger
        self.role = role
        self.roles = list(roles)
        super().__init__(
            f"role {role!r} may not fire {trigger!r}; it needs one of: {', '.join(self.roles)}"
        )


class InvalidData(LeadflowError):
    """Required fields are missing or invalid, or a condition on the item's data fails."""

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None) -> None:
        self.fields = dict(fields or {})
        super().__init__(message)


class VersionConflict(LeadflowError):
    """The item's version is no longer the one that was read; re-read and try again."""

    def __init__(self, *, item_id: int, expected: int, actual: int | None) -> None:
        self.item_id = item_id
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"item {item_id} changed: expected version {expected}, it is now {actual}"
        )


class ReceiptRateLimited(LeadflowError):
    """Too many failed receipt lookups from this client; try again after `retry_after`."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed receipt lookups; retry in {retry_after} s")


class CheckpointRejected(LeadflowError):
    """A checkpoint, cosignature or proof is refused: no known key signed it, a signature or
    proof does not verify, or it contradicts what the one checking holds."""


class AuditBroken(LeadflowError):
    """An audit chain does not verify."""


class LogBroken(AuditBroken):
    """The transparency log's stored state disagrees with itself or with a checkpoint it
    signed: signing another checkpoint would sign two inconsistent views."""
