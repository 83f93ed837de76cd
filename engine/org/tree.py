"""The org tree: jurisdictions (province → city → county), units and users.

Subtrees are nested-set ranges: `lft BETWEEN root.lft AND root.rgt`, one indexed query on
both databases. The tree is small and changes rarely, so every change renumbers it whole.

The `add_*` functions take an `actor` when someone acts through the API: then everything they
name must be inside the actor's subtree (NotFound otherwise, like a missing code). An org file
loaded by the operator passes none."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
import yaml
from sqlalchemy import Connection, Select, bindparam, insert, select, update

from engine.errors import Forbidden, NotFound, OrgError
from engine.kernel import ROLES, Actor, ItemScope
from engine.org.generation import forget_actors
from engine.org.logins import check_login
from engine.org.org_file import LEVELS, UNIT_KINDS, org_problems
from engine.org.roles import parse_roles, require_scope, store_roles, undeclared
from engine.storage import JUR, ROLE_SCOPE, UNIT, USER, inserted_id

log = structlog.get_logger("engine.org")


def renumber(conn: Connection) -> None:
    """Recompute lft/rgt/depth for the whole forest (depth-first, children by code)."""
    rows = conn.execute(select(JUR.c.id, JUR.c.parent_id, JUR.c.code)).all()
    children: dict[int | None, list[tuple[str, int]]] = {}
    for r in rows:
        children.setdefault(r.parent_id, []).append((r.code, r.id))
    counter = 0
    values: list[dict[str, int]] = []

    def visit(node: int, depth: int) -> None:
        nonlocal counter
        counter += 1
        lft = counter
        for _, child in sorted(children.get(node, [])):
            visit(child, depth + 1)
        counter += 1
        values.append({"jid": node, "l": lft, "r": counter, "d": depth})

    for _, root in sorted(children.get(None, [])):
        visit(root, 0)
    if values:
        conn.execute(update(JUR).where(JUR.c.id == bindparam("jid")).values(
            lft=bindparam("l"), rgt=bindparam("r"), depth=bindparam("d")), values)


def jurisdiction_by_code(conn: Connection, code: str) -> Any:
    row = conn.execute(select(JUR).where(JUR.c.code == code)).first()
    if row is None:
        raise NotFound(f"no jurisdiction with code {code!r}")
    return row


def _in_scope(conn: Connection, actor: Actor, code: str) -> Any:
    row = jurisdiction_by_code(conn, code)
    if not actor.sees(row.id):
        raise NotFound(f"no jurisdiction with code {code!r}")
    return row


def add_jurisdiction(conn: Connection, *, code: str, name: str, level: str,
                     parent: str | None, actor: Actor | None = None) -> int:
    """A root jurisdiction only by an actor that sees everything (the bootstrap token): an
    admin acts inside their own subtree."""
    if actor is not None:
        if parent is None:
            if actor.scope is not None:
                raise Forbidden("only the bootstrap admin may create a root jurisdiction")
        else:
            _in_scope(conn, actor, parent)
    if level not in LEVELS:
        raise OrgError(f"jurisdiction {code!r}: level {level!r} is not one of {LEVELS}")
    if conn.execute(select(JUR.c.id).where(JUR.c.code == code)).first():
        raise OrgError(f"jurisdiction code {code!r} already exists")
    parent_id = None
    if parent is not None:
        prow = conn.execute(select(JUR.c.id, JUR.c.level).where(JUR.c.code == parent)).first()
        if prow is None:
            raise OrgError(f"jurisdiction {code!r}: parent {parent!r} does not exist "
                           "(list parents before their children)")
        if LEVELS.index(level) <= LEVELS.index(prow.level):
            raise OrgError(f"jurisdiction {code!r}: a {level} cannot sit under a {prow.level}")
        parent_id = prow.id
    jid = inserted_id(conn.execute(insert(JUR).values(code=code, name=name, level=level,
                                          parent_id=parent_id)))
    renumber(conn)
    forget_actors(conn)  # cached actors hold their subtree's ids
    return jid


def subtree_ids_query(root_id: int) -> Select[Any]:
    """SELECT id of every jurisdiction in the subtree of `root_id` (itself included)."""
    root = select(JUR.c.lft, JUR.c.rgt).where(JUR.c.id == root_id).subquery()
    return select(JUR.c.id).where(JUR.c.lft >= root.c.lft, JUR.c.lft <= root.c.rgt)


def subtree_ids(conn: Connection, root_id: int) -> frozenset[int]:
    return frozenset(conn.execute(subtree_ids_query(root_id)).scalars())


def chain_to_root(conn: Connection, jurisdiction_id: int) -> list[Any]:
    """The jurisdiction and its ancestors, nearest first (for escalation)."""
    me = conn.execute(select(JUR).where(JUR.c.id == jurisdiction_id)).one()
    rows = conn.execute(select(JUR).where(JUR.c.lft <= me.lft, JUR.c.rgt >= me.rgt)
                        .order_by(JUR.c.depth.desc())).all()
    return list(rows)


def add_unit(conn: Connection, *, code: str, name: str, kind: str, jurisdiction: str,
             webhook_url: str | None = None, actor: Actor | None = None) -> int:
    if actor is not None:
        _in_scope(conn, actor, jurisdiction)
    if kind not in UNIT_KINDS:
        raise OrgError(f"unit {code!r}: kind {kind!r} is not one of {', '.join(UNIT_KINDS)}")
    if conn.execute(select(UNIT.c.id).where(UNIT.c.code == code)).first():
        raise OrgError(f"unit code {code!r} already exists")
    jid = jurisdiction_by_code(conn, jurisdiction).id
    return inserted_id(conn.execute(insert(UNIT).values(
        code=code, name=name, kind=kind, jurisdiction_id=jid, webhook_url=webhook_url)))


def unit_by_code(conn: Connection, code: str) -> Any:
    row = conn.execute(select(UNIT).where(UNIT.c.code == code)).first()
    if row is None:
        raise NotFound(f"no unit with code {code!r}")
    return row


def add_user(conn: Connection, *, name: str, role: str, jurisdiction: str,
             unit: str | None, now: datetime, actor: Actor | None = None,
             login: str | None = None) -> int:
    """`login`: the name to sign in to the console with (unique; None: no console)."""
    if actor is not None:
        _in_scope(conn, actor, jurisdiction)
    if login is not None:
        login = _free_login(conn, login)
    if role not in ROLES or role == "system":
        raise OrgError(f"user {name!r}: role {role!r} is not one of "
                       f"{', '.join(sorted(ROLES - {'system'}))}")
    require_scope(conn, role, f"user {name!r}")
    jid = jurisdiction_by_code(conn, jurisdiction).id
    unit_id = None
    if unit is not None:
        urow = unit_by_code(conn, unit)
        if urow.jurisdiction_id not in subtree_ids(conn, jid):
            raise OrgError(f"user {name!r}: unit {unit!r} is outside jurisdiction "
                           f"{jurisdiction!r}")
        unit_id = urow.id
    return inserted_id(conn.execute(insert(USER).values(
        name=name, role=role, jurisdiction_id=jid, unit_id=unit_id, active=True,
        created_at=now, login=login)))


def _free_login(conn: Connection, login: str) -> str:
    norm = check_login(login)
    if conn.execute(select(USER.c.id).where(USER.c.login == norm)).first():
        raise OrgError(f"login {norm!r} is already taken")
    return norm


@dataclass(frozen=True, kw_only=True)
class JurisdictionView:
    """A jurisdiction as callers name it: by codes, not ids."""

    code: str
    name: str
    level: str
    parent: str | None


def jurisdictions_in_scope(conn: Connection, actor: Actor) -> list[JurisdictionView]:
    """The jurisdictions the actor may see, in tree order."""
    parent = JUR.alias("parent")
    rows = conn.execute(select(JUR.c.id, JUR.c.code, JUR.c.name, JUR.c.level,
                               parent.c.code.label("parent"))
                        .outerjoin(parent, parent.c.id == JUR.c.parent_id)
                        .order_by(JUR.c.lft)).all()
    return [JurisdictionView(code=r.code, name=r.name, level=r.level, parent=r.parent)
            for r in rows if actor.sees(r.id)]


@dataclass(frozen=True, kw_only=True)
class Placement:
    """Where an actor sits, by code: None for the bootstrap token's jurisdiction, and for a
    user without a unit."""

    jurisdiction: str | None
    unit: str | None


def placement(conn: Connection, actor: Actor) -> Placement:
    return Placement(jurisdiction=_code_of(conn, JUR, actor.jurisdiction_id),
                     unit=_code_of(conn, UNIT, actor.unit_id))


def _code_of(conn: Connection, table: Any, row_id: int | None) -> str | None:
    if row_id is None:
        return None
    code: str | None = conn.execute(select(table.c.code).where(table.c.id == row_id)).scalar()
    return code


def actor_for_user(conn: Connection, user_id: int) -> Actor:
    """The actor a user acts as: their jurisdiction's subtree, and their role's declared
    item scope. A user whose role has no declared scope cannot act (NotFound, logged)."""
    row = conn.execute(
        select(USER, ROLE_SCOPE.c.scope.label("item_scope"))
        .outerjoin(ROLE_SCOPE, ROLE_SCOPE.c.role == USER.c.role)
        .where(USER.c.id == user_id, USER.c.active.is_(True))).first()
    if row is None:
        raise NotFound(f"no active user {user_id}")
    if row.item_scope is None:
        log.warning("role_scope_undeclared", user_id=row.id, role=row.role)
        raise NotFound(undeclared(row.role, f"user {row.id}"))
    return Actor(user_id=row.id, role=row.role, jurisdiction_id=row.jurisdiction_id,
                 scope=subtree_ids(conn, row.jurisdiction_id), name=row.name,
                 unit_id=row.unit_id, item_scope=ItemScope(row.item_scope))


@dataclass(frozen=True, kw_only=True)
class OrgLoadReport:
    jurisdictions: int
    units: int
    users: list[tuple[int, str, str]]  # (id, name, role)
    roles: int = 0  # roles whose scope was declared or changed


def load_org(conn: Connection, doc: Mapping[str, Any], now: datetime) -> OrgLoadReport:
    """Load an org document (see cli/examples/org.yaml). Everything or nothing: the caller runs
    this in one transaction. Existing codes are skipped so a file can be loaded again; the
    `roles:` it declares replace the stored scope of those roles. A bad document is refused
    before anything is written, with every problem named by its entry."""
    if not isinstance(doc, Mapping):
        raise OrgError("org file must be a mapping with roles, jurisdictions, units and users")
    problems = org_problems(conn, doc)
    if problems:
        raise OrgError(f"{len(problems)} problem(s) in the org file, nothing was loaded:\n"
                       + "\n".join(f"  {p}" for p in problems))
    nroles = store_roles(conn, parse_roles(doc["roles"])) if "roles" in doc else 0
    njur = nunit = 0
    for i, j in enumerate(doc.get("jurisdictions") or []):
        _require(j, ("code", "name", "level"), f"jurisdictions[{i}]")
        if conn.execute(select(JUR.c.id).where(JUR.c.code == str(j["code"]))).first():
            continue
        add_jurisdiction(conn, code=str(j["code"]), name=str(j["name"]), level=str(j["level"]),
                         parent=None if j.get("parent") is None else str(j["parent"]))
        njur += 1
    for i, u in enumerate(doc.get("units") or []):
        _require(u, ("code", "name", "kind", "jurisdiction"), f"units[{i}]")
        if conn.execute(select(UNIT.c.id).where(UNIT.c.code == str(u["code"]))).first():
            continue
        add_unit(conn, code=str(u["code"]), name=str(u["name"]), kind=str(u["kind"]),
                 jurisdiction=str(u["jurisdiction"]), webhook_url=u.get("webhook_url"))
        nunit += 1
    users: list[tuple[int, str, str]] = []
    for i, u in enumerate(doc.get("users") or []):
        _require(u, ("name", "role", "jurisdiction"), f"users[{i}]")
        jid = jurisdiction_by_code(conn, str(u["jurisdiction"])).id
        login = None if u.get("login") is None else str(u["login"])
        existing = conn.execute(select(USER.c.id, USER.c.login).where(
            USER.c.name == str(u["name"]), USER.c.jurisdiction_id == jid)).first()
        if existing:
            if login is not None and existing.login is None:  # a file loaded before logins
                conn.execute(update(USER).where(USER.c.id == existing.id)
                             .values(login=_free_login(conn, login)))
            continue
        uid = add_user(conn, name=str(u["name"]), role=str(u["role"]),
                       jurisdiction=str(u["jurisdiction"]),
                       unit=None if u.get("unit") is None else str(u["unit"]), now=now,
                       login=login)
        users.append((uid, str(u["name"]), str(u["role"])))
    _check_every_role_declared(conn)
    return OrgLoadReport(jurisdictions=njur, units=nunit, users=users, roles=nroles)


def _check_every_role_declared(conn: Connection) -> None:
    """After a load, every active user's role has a scope: one left undeclared (a database
    from before scopes existed) is named with its fix rather than left unable to act."""
    missing = conn.execute(
        select(USER.c.role, USER.c.name)
        .outerjoin(ROLE_SCOPE, ROLE_SCOPE.c.role == USER.c.role)
        .where(USER.c.active.is_(True), ROLE_SCOPE.c.role.is_(None))
        .order_by(USER.c.role, USER.c.id)).all()
    first: dict[str, str] = {}
    for role, name in missing:
        first.setdefault(role, name)
    if first:
        raise OrgError("\n".join(undeclared(role, f"user {name!r}")
                                 for role, name in first.items()))


def _require(entry: Any, keys: tuple[str, ...], where: str) -> None:
    if not isinstance(entry, Mapping):
        raise OrgError(f"{where}: must be a mapping")
    missing = [k for k in keys if k not in entry]
    if missing:
        raise OrgError(f"{where}: missing {', '.join(missing)}")


def read_org_file(path: Path) -> Mapping[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise OrgError(f"{path}: not valid YAML: {exc}") from None
    except OSError as exc:  # a missing file is the user's mistake, not a crash
        raise OrgError(f"{path}: cannot read the org file: {exc.strerror}") from None
    if not isinstance(doc, Mapping):
        raise OrgError(f"{path}: must be a mapping with roles, jurisdictions, units and users")
    return doc
