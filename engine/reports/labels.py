"""Every Chinese label and every workflow-specific meaning the reports use, in one place, read
from the engine's workflow definitions where they declare it (state, transition and
vocabulary labels; the sign-for stay and the return triggers of `reports:`), so a change of
the workflow field model touches this module only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.workflow import Registry, WorkflowDef

# Figure keys → their Chinese labels (formulas: docs/reports.md)
FIGURE_LABELS: dict[str, str] = {
    "received": "受理数",
    "closed": "办结数",
    "closure_rate": "办结率",
    "on_time_rate_of_closed": "按期办结率（占办结数）",
    "on_time_rate_of_due": "按期办结率（占应办结数）",
    "overdue_open": "超期未结",
    "closed_late": "超期办结",
    "sign_for_rate": "签收及时率",
    "handling_days_mean": "平均办理时长（工作日）",
    "handling_days_median": "办理时长中位数（工作日）",
    "return_rate": "退回率",
    "reopen_rate": "重办率",
}
NO_UNIT = "未分配承办单位"
DISPOSAL_FIELD = "disposal"  # the item field a workflow declares its disposal methods on
DISPOSAL_TOTAL = "处置数"


@dataclass(frozen=True, kw_only=True)
class Semantics:
    """The triggers and states a report looks for, over the given workflows."""

    sign_for: tuple[tuple[str, str, str], ...]  # (workflow, state, trigger)
    returns: frozenset[str]
    reopens: frozenset[str]
    disposals: tuple[tuple[str, str], ...] = ()  # (code, label) of the declared methods


def definitions(registry: Registry) -> list[WorkflowDef]:
    """The newest version of every workflow: where the labels come from."""
    return [registry.latest(n) for n in registry.names()]


def semantics(defs: Iterable[WorkflowDef]) -> Semantics:
    sign_for: list[tuple[str, str, str]] = []
    returns: set[str] = set()
    reopens: set[str] = set()
    for wf in defs:
        # which stay is signing for an item and which triggers send it back: `reports:`
        if wf.reports.sign_for is not None:
            sign_for.append((wf.name, wf.reports.sign_for.state, wf.reports.sign_for.trigger))
        returns |= set(wf.reports.returns)
        # a reopening is declared: any transition out of a closed state into an open one
        for td in wf.transitions:
            if any(wf.states[s].closed for s in td.sources) and not wf.states[td.dest].closed:
                reopens.add(td.trigger)
    return Semantics(sign_for=tuple(sign_for), returns=frozenset(returns),
                     reopens=frozenset(reopens), disposals=disposal_methods(defs))


def disposal_methods(defs: Iterable[WorkflowDef]) -> tuple[tuple[str, str], ...]:
    """(code, label) of every disposal method (处置方式) the workflows declare on their
    `disposal` field, in file order."""
    out: dict[str, str] = {}
    for wf in defs:
        spec = wf.fields.get(DISPOSAL_FIELD)
        for choice in spec.choices if spec is not None else ():
            out.setdefault(choice.value, choice.label)
    return tuple(out.items())


def state_label(defs: Iterable[WorkflowDef], workflow: str, state: str) -> str:
    """The state's label in its workflow; the code only if no definition knows it."""
    for wf in defs:
        if wf.name == workflow and state in wf.states:
            return wf.states[state].label or state
    return state


def vocabulary_label(wf: WorkflowDef, field: str, code: object) -> str:
    """The label the workflow declares for a field's value; the code if it declares none."""
    if code is None:
        return ""
    spec = wf.fields.get(field)
    choices = spec.choices if spec is not None else ()
    return next((c.label for c in choices if c.value == str(code)), str(code))


# Ledger columns (key, header) per workflow; headers of declared fields come from the
# workflow's `labels` where it has them, else these.
_LEDGER: dict[str, tuple[tuple[str, str], ...]] = {
    "lead": (("seq", "序号"), ("ref", "编号"), ("received", "受理日期"),
             ("channel", "来源渠道"), ("category", "类别"), ("subject_unit", "被反映人单位"),
             ("unit", "承办单位"), ("due", "时限"), ("state", "状态"),
             ("days_left", "剩余工作日"), ("light", "预警"), ("supervisions", "督办次数"),
             ("disposal", "处置方式"), ("closed", "办结日期"), ("outcome", "办理结果")),
    "rectification": (("seq", "序号"), ("ref", "编号"), ("received", "梳理日期"),
                      ("source", "问题来源"), ("unit", "责任单位"), ("measures", "整改措施"),
                      ("due", "时限"), ("state", "状态"), ("days_left", "剩余工作日"),
                      ("light", "预警"), ("supervisions", "督办次数"),
                      ("closed", "销号日期"), ("verification", "验收意见")),
}
LEDGER_COLUMNS = _LEDGER
LEDGER_TITLES = {"lead": "问题线索台账", "rectification": "整改事项台账"}
