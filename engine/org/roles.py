"""The scope of each role, declared in the org file and stored in `role_scope`.

```yaml
roles:
  office:  {scope: subtree}          # every item in the jurisdiction and below
  handler: {scope: unit}             # the items of their unit, and those assigned to them
  client:  {scope: own_submissions}  # only what they handed in
```

The section is checked whole before anything is stored, and every problem is reported at
once with its path and a fix, like the workflow loader does. A role's scope is what its users
see and act on, in reads, lists, reports and writes alike (`engine.items.sees_item`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select, update

from engine.errors import OrgError
from engine.kernel import ITEM_SCOPES, ROLES, SCOPE_MEANING, ItemScope, Role
from engine.org.generation import forget_actors
from engine.storage import ROLE_SCOPE

# The scheduler acts across everything; it is never a user, so it has no declared scope.
SCOPED_ROLES = frozenset(ROLES - {Role.system.value})
ROLE_KEYS = ("scope",)


def _scopes_listed() -> str:
    return ", ".join(f"{s} ({SCOPE_MEANING[s]})" for s in sorted(ITEM_SCOPES))


def parse_roles(raw: Any, where: str = "roles") -> dict[str, ItemScope]:
    """The `roles:` section as {role: scope}; OrgError listing every problem otherwise."""
    problems: list[str] = []

    def problem(path: str, what: str, fix: str) -> None:
        problems.append(f"{path}: {what} (fix: {fix})")

    out: dict[str, ItemScope] = {}
    if not isinstance(raw, Mapping):
        problem(where, "must be a mapping of role to its settings",
                "write `roles: {office: {scope: subtree}, handler: {scope: unit}}`")
        raw = {}
    for role, entry in raw.items():
        path = f"{where}.{role}"
        if role == Role.system.value:
            problem(path, "the system role (the scheduler) acts across everything and takes "
                    "no scope", "remove it")
            continue
        if role not in SCOPED_ROLES:
            problem(path, f"unknown role {role!r}",
                    f"use one of: {', '.join(sorted(SCOPED_ROLES))}")
            continue
        if not isinstance(entry, Mapping):
            problem(path, f"must be a mapping, got {entry!r}",
                    f"write `{role}: {{scope: subtree}}`")
            continue
        unknown = sorted(str(k) for k in entry if k not in ROLE_KEYS)
        if unknown:
            problem(path, f"unknown setting(s): {unknown}", f"use {', '.join(ROLE_KEYS)}")
        if "scope" not in entry:
            problem(path, "scope is missing", f"add `scope:`, one of: {_scopes_listed()}")
            continue
        scope = entry["scope"]
        if scope not in ITEM_SCOPES:
            problem(f"{path}.scope", f"unknown scope {scope!r}",
                    f"use one of: {_scopes_listed()}")
            continue
        out[str(role)] = ItemScope(scope)
    if problems:
        raise OrgError(f"{len(problems)} problem(s) in {where}:\n" + "\n".join(problems))
    return out


def store_roles(conn: Connection, scopes: Mapping[str, ItemScope]) -> int:
    """Store each role's scope (a role declared again takes its new scope); returns how many
    rows changed."""
    stored = {r.role: r.scope for r in conn.execute(select(ROLE_SCOPE))}
    changed = 0
    for role, scope in sorted(scopes.items()):
        if role not in stored:
            conn.execute(insert(ROLE_SCOPE).values(role=role, scope=scope.value))
        elif stored[role] != scope.value:
            conn.execute(update(ROLE_SCOPE).where(ROLE_SCOPE.c.role == role)
                         .values(scope=scope.value))
        else:
            continue
        changed += 1
    if changed:
        forget_actors(conn)  # cached actors hold their role's item scope
    return changed


def role_scope(conn: Connection, role: str) -> ItemScope | None:
    """The declared scope of `role`, or None when the org has not declared one."""
    value = conn.execute(select(ROLE_SCOPE.c.scope).where(ROLE_SCOPE.c.role == role)).scalar()
    return None if value is None else ItemScope(value)


def require_scope(conn: Connection, role: str, who: str) -> ItemScope:
    """The declared scope of `role`; OrgError naming `who` and the fix when there is none."""
    scope = role_scope(conn, role)
    if scope is None:
        raise OrgError(undeclared(role, who))
    return scope


def undeclared(role: str, who: str) -> str:
    return (f"{who}: role {role!r} has no declared scope, so its users can see nothing "
            f"(fix: declare it in the org file, e.g. `roles: {{{role}: {{scope: subtree}}}}` "
            f"with one of: {', '.join(sorted(ITEM_SCOPES))}, and load it with "
            "`leadflow org load`)")
