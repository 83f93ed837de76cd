"""The `reports:` section of a workflow file: which stay is "signing for" an item (签收: the
deadline of that state, met by that trigger) and which triggers send an item back (退回).
The figures of engine.reports read these; a workflow that declares none has no sign-for or
return figure of its own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.workflow.problems import ProblemCollector

if TYPE_CHECKING:  # model holds a ReportsDef; these are only read here
    from engine.workflow.model import StateDef, TransitionDef

REPORTS_KEYS = frozenset({"sign_for", "returns"})
EXAMPLE = "write `reports: {sign_for: {state: transferred, trigger: accept}, " \
          "returns: [return_for_info]}`"


@dataclass(frozen=True, kw_only=True)
class SignFor:
    state: str  # the stay whose deadline is the sign-for deadline
    trigger: str  # the transition out of it that signs for the item


@dataclass(frozen=True, kw_only=True)
class ReportsDef:
    sign_for: SignFor | None = None
    returns: tuple[str, ...] = ()  # triggers that send an item back


def _sign_for(raw: Any, states: Mapping[str, StateDef], transitions: Iterable[TransitionDef],
              c: ProblemCollector) -> SignFor | None:
    path = "reports.sign_for"
    if not isinstance(raw, Mapping) or set(map(str, raw)) != {"state", "trigger"} \
            or not all(isinstance(v, str) for v in raw.values()):
        c.add(path, f"sign_for must be `{{state: S, trigger: T}}`, got {raw!r}",
              "write `sign_for: {state: transferred, trigger: accept}`")
        return None
    state, trigger = str(raw["state"]), str(raw["trigger"])
    if state not in states:
        c.add(f"{path}.state", f"unknown state {state!r}", f"use one of: {', '.join(states)}")
        return None
    if states[state].deadline is None:
        c.add(f"{path}.state", f"state {state!r} has no deadline to sign for within",
              f"give {state!r} a `deadline:` or name the state an item is signed for in")
        return None
    out = sorted({t.trigger for t in transitions if state in t.sources})
    if trigger not in out:
        c.add(f"{path}.trigger", f"no transition {trigger!r} leaves state {state!r}",
              f"use one of the triggers out of {state!r}: {', '.join(out) or '(none)'}")
        return None
    return SignFor(state=state, trigger=trigger)


def parse_reports(raw: Any, states: Mapping[str, StateDef],
                  transitions: tuple[TransitionDef, ...], c: ProblemCollector) -> ReportsDef:
    """The `reports:` section; left out: no sign-for stay and no return triggers."""
    if raw is None:
        return ReportsDef()
    if not isinstance(raw, Mapping):
        c.add("reports", f"reports must be a mapping, got {raw!r}", EXAMPLE)
        return ReportsDef()
    for key in sorted(set(map(str, raw)) - REPORTS_KEYS):
        c.add(f"reports.{key}", f"unknown setting {key!r}",
              f"use: {', '.join(sorted(REPORTS_KEYS))}")
    sign_for = _sign_for(raw["sign_for"], states, transitions, c) if "sign_for" in raw \
        else None
    returns: list[str] = []
    raw_returns = raw.get("returns", [])
    if not isinstance(raw_returns, list) or not all(isinstance(t, str) for t in raw_returns):
        c.add("reports.returns", f"returns must be a list of triggers, got {raw_returns!r}",
              "write `returns: [return_for_info]`")
        raw_returns = []
    declared = sorted({t.trigger for t in transitions})
    for i, trigger in enumerate(raw_returns):
        if trigger not in declared:
            c.add(f"reports.returns[{i}]", f"unknown trigger {trigger!r}",
                  f"use one of the declared triggers: {', '.join(declared)}")
        elif trigger not in returns:
            returns.append(trigger)
    return ReportsDef(sign_for=sign_for, returns=tuple(returns))
