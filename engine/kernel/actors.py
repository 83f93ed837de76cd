"""Who is acting: a user (or the scheduler) with a role, the jurisdictions they may see and
which of the items there they may see (their role's declared scope)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.kernel.roles import ItemScope, Role


@dataclass(frozen=True, kw_only=True)
class Actor:
    user_id: int | None
    role: str
    jurisdiction_id: int | None
    # ids of the actor's jurisdiction and all below it; None means everything (system). This
    # bounds the org the actor sees (jurisdictions, units, users) and, for the `subtree`
    # item scope, the items too.
    scope: frozenset[int] | None
    name: str = ""
    unit_id: int | None = None
    # which items: `engine.org.actor_for_user` sets it from the role's declared scope; the
    # default is only for actors that are no user (the scheduler, the bootstrap token),
    # whose `scope` of None makes `subtree` mean everything
    item_scope: ItemScope = ItemScope.subtree

    @property
    def label(self) -> str:
        return f"user:{self.user_id}" if self.user_id is not None else "system"

    def sees(self, jurisdiction_id: int) -> bool:
        """Whether the jurisdiction (and its units and users) is in the actor's org scope.
        Items are decided by `engine.items.sees_item`, which also looks at the item scope."""
        return self.scope is None or jurisdiction_id in self.scope


SYSTEM = Actor(user_id=None, role=Role.system.value, jurisdiction_id=None, scope=None,
               name="scheduler")
