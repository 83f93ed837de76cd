"""The `supervision:` (督办) and `extensions:` (延期) sections of a workflow file: the notice
levels and who may issue, reply to and decide on a notice; per state, how many extensions
of how many working days may be asked for and by whom. Read here with the house's problems
(file, line, fix); enforced by engine.supervision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.kernel import ROLES
from engine.workflow.problems import ProblemCollector

CODE_KEYS = frozenset({"code", "label"})
SUPERVISION_KEYS = frozenset({"levels", "issue_roles", "reply_roles", "decide_roles",
                              "reply_working_days", "on_overdue"})
EXTENSION_KEYS = frozenset({"max_count", "max_working_days", "request_roles", "decide_roles"})
ON_OVERDUE = ("raise", "none")
MAX_DAYS = 365  # working days; more than a year is a typo, not an extension


@dataclass(frozen=True, kw_only=True)
class NoticeLevel:
    code: str
    label: str
    order: int  # 1 = the mildest; the file's order


@dataclass(frozen=True, kw_only=True)
class SupervisionDef:
    """How supervision notices work on this workflow's items."""

    levels: tuple[NoticeLevel, ...]
    issue_roles: tuple[str, ...]
    reply_roles: tuple[str, ...]
    decide_roles: tuple[str, ...]  # accept or return a reply
    reply_working_days: int  # the reply deadline when the issuer gives none
    # raise: an unanswered notice past its reply deadline goes up one level; at the top it
    # climbs to the parent office (提级督办). none: it stays as it is.
    on_overdue: str = "raise"

    def level(self, code: str) -> NoticeLevel | None:
        return next((lv for lv in self.levels if lv.code == code), None)

    def above(self, code: str) -> NoticeLevel | None:
        """The next level up, None at the top."""
        lv = self.level(code)
        return None if lv is None or lv.order >= len(self.levels) else self.levels[lv.order]


@dataclass(frozen=True, kw_only=True)
class ExtensionRule:
    """Extensions of the deadline of one state."""

    state: str
    max_count: int  # per stay in the state
    max_working_days: int  # per extension
    request_roles: tuple[str, ...]
    decide_roles: tuple[str, ...]


def _roles(raw: Any, path: str, c: ProblemCollector) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw or not all(isinstance(r, str) for r in raw):
        c.add(path, f"roles must be a non-empty list of role names, got {raw!r}",
              "write e.g. `[office, supervisor]`")
        return ()
    for r in raw:
        if r not in ROLES or r == "system":
            c.add(path, f"unknown role {r!r}",
                  f"use one of: {', '.join(sorted(ROLES - {'system'}))}")
    return tuple(raw)


def _count(raw: Any, path: str, c: ProblemCollector, high: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= high:
        c.add(path, f"must be a whole number from 1 to {high}, got {raw!r}",
              f"write a number from 1 to {high}")
        return 1
    return raw


def _unknown(raw: Mapping[Any, Any], allowed: frozenset[str], path: str,
             c: ProblemCollector) -> None:
    for key in sorted(set(map(str, raw)) - allowed):
        c.add(f"{path}.{key}", f"unknown setting {key!r}", f"use: {', '.join(sorted(allowed))}")


def _levels(raw: Any, c: ProblemCollector) -> tuple[NoticeLevel, ...]:
    path = "supervision.levels"
    if not isinstance(raw, list) or not raw:
        c.add(path, "levels must be a non-empty list, mildest first",
              "write `levels: [{code: general, label: 一般}, {code: yellow, label: 黄牌}]`")
        return ()
    out: list[NoticeLevel] = []
    for i, spec in enumerate(raw):
        where = f"{path}[{i}]"
        if not isinstance(spec, Mapping) or not isinstance(spec.get("code"), str) \
                or not isinstance(spec.get("label"), str) or not spec["label"].strip():
            c.add(where, f"a level needs a `code` and a `label`, got {spec!r}",
                  "write `{code: yellow, label: 黄牌}`")
            continue
        _unknown(spec, CODE_KEYS, where, c)
        code = spec["code"]
        if not code.isidentifier() or code.lower() != code or len(code) > 32:
            c.add(f"{where}.code", f"level code {code!r} is not a lower-case identifier",
                  "use lower-case letters, digits and underscores (at most 32)")
        if any(lv.code == code for lv in out):
            c.add(f"{where}.code", f"level {code!r} is declared twice",
                  "give each level its own code")
            continue
        out.append(NoticeLevel(code=code, label=spec["label"].strip(), order=len(out) + 1))
    return tuple(out)


def parse_supervision(raw: Any, c: ProblemCollector) -> SupervisionDef | None:
    """The `supervision:` section, or None when the file has none (no notices allowed)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        c.add("supervision", "supervision must be a mapping",
              "write `supervision: {levels: [...], issue_roles: [office], ...}` "
              "(docs/supervision.md)")
        return None
    _unknown(raw, SUPERVISION_KEYS, "supervision", c)
    for key in ("levels", "issue_roles", "reply_roles", "decide_roles", "reply_working_days"):
        if key not in raw:
            c.add("supervision", f"supervision is missing `{key}`",
                  "declare levels, issue_roles, reply_roles, decide_roles and "
                  "reply_working_days")
    on_overdue = raw.get("on_overdue", "raise")
    if on_overdue not in ON_OVERDUE:
        c.add("supervision.on_overdue", f"on_overdue must be one of {ON_OVERDUE}, "
              f"got {on_overdue!r}", "write `on_overdue: raise` (or `none`)")
        on_overdue = "raise"
    return SupervisionDef(
        levels=_levels(raw.get("levels"), c),
        issue_roles=_roles(raw.get("issue_roles"), "supervision.issue_roles", c)
        if "issue_roles" in raw else (),
        reply_roles=_roles(raw.get("reply_roles"), "supervision.reply_roles", c)
        if "reply_roles" in raw else (),
        decide_roles=_roles(raw.get("decide_roles"), "supervision.decide_roles", c)
        if "decide_roles" in raw else (),
        reply_working_days=_count(raw.get("reply_working_days"),
                                  "supervision.reply_working_days", c, MAX_DAYS)
        if "reply_working_days" in raw else 1,
        on_overdue=str(on_overdue))


def parse_extensions(raw: Any, states: Mapping[str, Any], c: ProblemCollector
                     ) -> dict[str, ExtensionRule]:
    """The `extensions:` section: state name → its rule. A state without one takes none."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        c.add("extensions", "extensions must be a mapping of state name to its rule",
              "write `extensions: {investigating: {max_count: 2, max_working_days: 10, "
              "request_roles: [handler], decide_roles: [office]}}`")
        return {}
    out: dict[str, ExtensionRule] = {}
    for state, spec in raw.items():
        path = f"extensions.{state}"
        if state not in states:
            c.add(path, f"unknown state {state!r}", f"use one of: {', '.join(states)}")
            continue
        if states[state].deadline is None:
            c.add(path, f"state {state!r} has no deadline to extend",
                  f"give {state!r} a `deadline:` or remove its extension rule")
            continue
        if not isinstance(spec, Mapping):
            c.add(path, "an extension rule must be a mapping",
                  "write `{max_count: 2, max_working_days: 10, request_roles: [handler], "
                  "decide_roles: [office]}`")
            continue
        _unknown(spec, EXTENSION_KEYS, path, c)
        missing = sorted(EXTENSION_KEYS - set(map(str, spec)))
        if missing:
            c.add(path, f"the rule is missing {', '.join(missing)}",
                  "declare max_count, max_working_days, request_roles and decide_roles")
            continue
        out[str(state)] = ExtensionRule(
            state=str(state), max_count=_count(spec["max_count"], f"{path}.max_count", c, 10),
            max_working_days=_count(spec["max_working_days"], f"{path}.max_working_days", c,
                                    MAX_DAYS),
            request_roles=_roles(spec["request_roles"], f"{path}.request_roles", c),
            decide_roles=_roles(spec["decide_roles"], f"{path}.decide_roles", c))
    return out
