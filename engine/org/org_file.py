"""Every problem of an org document, found before anything is written and each naming its
entry, e.g. `users[3] (东城公安-承办人): unknown unit 'dc-polise'`, so that whoever keeps the
file fixes it in one go instead of one error per attempt.

The checks mirror what `load_org` (tree.py) would refuse while loading, against what the
file itself defines (in file order) and what the database already holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select

from engine.kernel import ROLES
from engine.storage import JUR, UNIT

LEVELS = ("province", "city", "county")
UNIT_KINDS = ("committee", "police", "procuratorate", "court", "justice", "office", "discipline")
PERSON_ROLES = sorted(ROLES - {"system"})


class _Tree:
    """Jurisdictions (code → level, parent code) and units (code → jurisdiction code), from
    the database and then the file as far as it has been read."""

    def __init__(self, conn: Connection) -> None:
        parent = JUR.alias("parent")
        self.levels: dict[str, str] = {}
        self.parents: dict[str, str | None] = {}
        for r in conn.execute(select(JUR.c.code, JUR.c.level, parent.c.code.label("parent"))
                              .outerjoin(parent, parent.c.id == JUR.c.parent_id)):
            self.levels[r.code], self.parents[r.code] = r.level, r.parent
        self.stored = frozenset(self.levels)
        self.units: dict[str, str] = {
            r.code: r.jur for r in conn.execute(
                select(UNIT.c.code, JUR.c.code.label("jur"))
                .join(JUR, JUR.c.id == UNIT.c.jurisdiction_id))}
        self.stored_units = frozenset(self.units)

    def within(self, code: str, root: str) -> bool:
        """Whether jurisdiction `code` is `root` or below it."""
        seen: set[str] = set()
        node: str | None = code
        while node is not None and node not in seen:
            if node == root:
                return True
            seen.add(node)
            node = self.parents.get(node)
        return False


def _text(entry: Mapping[str, Any], key: str) -> str | None:
    value = entry.get(key)
    return None if value is None or str(value).strip() == "" else str(value)


def _entries(doc: Mapping[str, Any], section: str, problems: list[str]) -> list[Any]:
    raw = doc.get(section)
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(f"{section}: must be a list of entries")
        return []
    return raw


def _shape(entry: Any, where: str, keys: tuple[str, ...], label_key: str,
           problems: list[str]) -> tuple[str, Mapping[str, Any] | None]:
    """`where (label)` for messages, and the entry if it has every key."""
    if not isinstance(entry, Mapping):
        problems.append(f"{where}: must be a mapping with {', '.join(keys)}")
        return where, None
    label = _text(entry, label_key)
    named = f"{where} ({label})" if label else where
    missing = [k for k in keys if _text(entry, k) is None]
    if missing:
        problems.append(f"{named}: missing {', '.join(missing)}")
        return named, None
    return named, entry


def org_problems(conn: Connection, doc: Mapping[str, Any]) -> list[str]:
    """Every problem of `doc`, in file order; empty when load_org can load it whole."""
    problems: list[str] = []
    tree = _Tree(conn)
    _jurisdictions(_entries(doc, "jurisdictions", problems), tree, problems)
    _units(_entries(doc, "units", problems), tree, problems)
    _users(_entries(doc, "users", problems), tree, problems)
    return problems


def _jurisdictions(entries: list[Any], tree: _Tree, problems: list[str]) -> None:
    later = {str(e["code"]): i for i, e in enumerate(entries)
             if isinstance(e, Mapping) and _text(e, "code")}
    first: dict[str, int] = {}
    for i, raw in enumerate(entries):
        where, j = _shape(raw, f"jurisdictions[{i}]", ("code", "name", "level"), "code",
                          problems)
        if j is None:
            continue
        code, level, parent = str(j["code"]), str(j["level"]), _text(j, "parent")
        if code in first:
            problems.append(f"{where}: code {code!r} is listed twice "
                            f"(also jurisdictions[{first[code]}])")
            continue
        first[code] = i
        if level not in LEVELS:
            problems.append(f"{where}: level {level!r} is not one of {', '.join(LEVELS)}")
        if code in tree.stored:
            continue  # already loaded: load_org skips it
        if parent is not None and parent not in tree.levels:
            problems.append(
                f"{where}: parent {parent!r} is listed after it (list parents first)"
                if parent in later else f"{where}: unknown parent {parent!r}")
        elif parent is not None and level in LEVELS and tree.levels[parent] in LEVELS and \
                LEVELS.index(level) <= LEVELS.index(tree.levels[parent]):
            problems.append(f"{where}: a {level} cannot sit under the "
                            f"{tree.levels[parent]} {parent!r}")
        tree.levels[code], tree.parents[code] = level, parent


def _units(entries: list[Any], tree: _Tree, problems: list[str]) -> None:
    first: dict[str, int] = {}
    for i, raw in enumerate(entries):
        where, u = _shape(raw, f"units[{i}]", ("code", "name", "kind", "jurisdiction"), "code",
                          problems)
        if u is None:
            continue
        code, kind, jur = str(u["code"]), str(u["kind"]), str(u["jurisdiction"])
        if code in first:
            problems.append(f"{where}: code {code!r} is listed twice (also units[{first[code]}])")
            continue
        first[code] = i
        if kind not in UNIT_KINDS:
            problems.append(f"{where}: kind {kind!r} is not one of {', '.join(UNIT_KINDS)}")
        if code in tree.stored_units:
            continue
        if jur not in tree.levels:
            problems.append(f"{where}: unknown jurisdiction {jur!r}")
        tree.units[code] = jur


def _users(entries: list[Any], tree: _Tree, problems: list[str]) -> None:
    for i, raw in enumerate(entries):
        where, u = _shape(raw, f"users[{i}]", ("name", "role", "jurisdiction"), "name",
                          problems)
        if u is None:
            continue
        role, jur, unit = str(u["role"]), str(u["jurisdiction"]), _text(u, "unit")
        if role not in PERSON_ROLES:
            problems.append(f"{where}: role {role!r} is not one of {', '.join(PERSON_ROLES)}")
        if jur not in tree.levels:
            problems.append(f"{where}: unknown jurisdiction {jur!r}")
        if unit is not None:
            if unit not in tree.units:
                problems.append(f"{where}: unknown unit {unit!r}")
            elif jur in tree.levels and not tree.within(tree.units[unit], jur):
                problems.append(f"{where}: unit {unit!r} is outside jurisdiction {jur!r}")
