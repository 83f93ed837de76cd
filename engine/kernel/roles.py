"""The roles the engine knows, and the scopes a role's items may have. Which role may fire
which trigger comes from workflow files; which scope each role has comes from the org file
(`roles:`, stored in `role_scope`), never from code."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    admin = "admin"
    handler = "handler"  # 承办人: advances the items of their unit and those assigned to them
    office = "office"  # 教育整顿办: coordinates, dispatches, receives escalations
    supervisor = "supervisor"  # read-only auditor, e.g. the provincial guidance group
    client = "client"  # a system such as the reporting platform
    system = "system"  # the scheduler: reminders and escalations


ROLES: frozenset[str] = frozenset(r.value for r in Role)


class ItemScope(StrEnum):
    """Which items a user of a role sees and acts on (reads, lists, reports and writes)."""

    subtree = "subtree"  # every item in the user's jurisdiction and the jurisdictions below
    unit = "unit"  # items of the user's own unit, and items assigned to the user
    own_submissions = "own_submissions"  # only the items the user handed in (created)


ITEM_SCOPES: frozenset[str] = frozenset(s.value for s in ItemScope)
SCOPE_MEANING: dict[str, str] = {
    ItemScope.subtree.value: "every item in the user's jurisdiction and those below it",
    ItemScope.unit.value: "the items of the user's unit and the items assigned to the user",
    ItemScope.own_submissions.value: "only the items the user handed in",
}
