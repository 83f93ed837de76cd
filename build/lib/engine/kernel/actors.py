"""Who is acting: a user (or the scheduler) with a role and the jurisdictions they may see."""

from __future__ import annotations

from dataclasses import dataclass

from engine.kernel.roles import Role


@dataclass(frozen=True, kw_only=True)
class Actor:
    user_id: int | None
    role: str
    jurisdiction_id: int | None
    # ids of the actor's jurisdiction and all below it; None means everything (system)
    scope: frozenset[int] | None
    name: str = ""
    unit_id: int | None = None

    @property
    def label(self) -> str:
        return f"user:{self.user_id}" if self.user_id is not None else "system"

    def sees(self, jurisdiction_id: int) -> bool:
        return self.scope is None or jurisdiction_id in self.scope


SYSTEM = Actor(user_id=None, role=Role.system.value, jurisdiction_id=None, scope=None,
               name="scheduler")
