"""The 督办 section of the item page: the item's supervision notices (督办通知) and extension
requests (延期), read through engine.supervision, and the steps this viewer may take on them
now. Which steps are offered follows the workflow's `supervision:` and `extensions:`
sections (roles, states); the engine decides again when a step is taken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console import labels
from console.directory import Directory
from engine.kernel import Actor
from engine.runtime import Runtime
from engine.supervision import ExtensionRecord, NoticeRecord, list_extensions, list_notices
from engine.workflow import WorkflowDef

NOTICE_STATES = {"open": "待反馈", "replied": "已反馈，待认可", "accepted": "已认可",
                 "returned": "已退回，待重新反馈"}
EXTENSION_STATES = {"requested": "待审批", "approved": "已批准", "refused": "未批准"}


@dataclass(frozen=True, kw_only=True)
class Step:
    """One supervision step a viewer may take: its URL part, label and what it acts on."""

    step: str
    label: str
    of: int | None = None  # the notice or extension it acts on

    @property
    def query(self) -> str:
        return f"?of={self.of}" if self.of is not None else ""


STEP_LABELS = {"issue": "下达督办通知", "reply": "督办反馈", "accept": "认可反馈",
               "return": "退回反馈", "extension": "申请延期", "approve": "批准延期",
               "refuse": "不予批准"}
ON_NOTICE = frozenset({"reply", "accept", "return"})
ON_EXTENSION = frozenset({"approve", "refuse"})


def reply_left(rt: Runtime, now: datetime, due: datetime) -> str:
    """Working days left to reply, as the deadline column says it."""
    today, due_day = labels.china_day(now), labels.china_day(due)
    if now > due:
        late = labels.working_days_between(rt.calendar, due_day, today)
        return f"超期 {late} 个工作日" if late else "今日超期"
    left = labels.working_days_between(rt.calendar, today, due_day)
    return f"剩 {left} 个工作日" if left else "今日到期"


def _replies(events: list[Any], notice_id: int) -> list[dict[str, str]]:
    """Each reply to the notice and each return of one, oldest first (from its history)."""
    out = []
    for e in events:
        data = dict(e.data or {})
        if data.get("notice_id") != notice_id:
            continue
        if e.trigger == "supervise_reply":
            out.append({"kind": "反馈", "at": labels.cn_time(e.at),
                        "text": str(data.get("reply", ""))})
        elif e.trigger == "supervise_return":
            out.append({"kind": "退回", "at": labels.cn_time(e.at),
                        "text": str(data.get("reason", ""))})
        elif e.trigger == "supervise_accept":
            out.append({"kind": "认可", "at": labels.cn_time(e.at), "text": e.comment or ""})
    return out


def notice_view(rt: Runtime, now: datetime, n: NoticeRecord, events: list[Any],
                dirs: Directory) -> dict[str, Any]:
    waiting = n.state in ("open", "returned")
    return {"id": n.id, "level": n.level, "level_label": n.level_label,
            "requirement": n.requirement, "issuer": dirs.actor_name(n.issuer),
            "issued_at": labels.cn_time(n.issued_at), "due": labels.cn_time(n.reply_due_at),
            "left": reply_left(rt, now, n.reply_due_at) if waiting else "—",
            "late": waiting and now > n.reply_due_at,
            "state": NOTICE_STATES.get(n.state, n.state), "raises": n.raises,
            "replies": _replies(events, n.id)}


def extension_view(wf: WorkflowDef, e: ExtensionRecord, dirs: Directory) -> dict[str, Any]:
    st = wf.states.get(e.item_state)
    return {"id": e.id, "item_state": st.label if st and st.label else e.item_state,
            "asked": e.days_asked, "granted": e.days_granted, "reason": e.reason,
            "state": EXTENSION_STATES.get(e.state, e.state), "decision": e.decision or "",
            "requested_by": dirs.actor_name(e.requested_by),
            "requested_at": labels.cn_time(e.requested_at),
            "original_due": labels.cn_time(e.original_due_at),
            "new_due": labels.cn_time(e.new_due_at) if e.new_due_at else "—"}


def steps_now(actor: Actor, row: Any, wf: WorkflowDef, dirs: Directory, now: datetime,
              notices: list[NoticeRecord], extensions: list[ExtensionRecord]) -> list[Step]:
    """The supervision steps `actor` may take on the item now."""
    closed = row.closed_at is not None or wf.states[row.state].closed
    if closed:
        return []
    out: list[Step] = []
    sup = wf.supervision
    if sup is not None:
        if actor.role in sup.issue_roles:
            out.append(Step(step="issue", label=STEP_LABELS["issue"]))
        codes = {j.code for j in dirs.jurisdictions.values()}
        for n in notices:
            if n.state in ("open", "returned") and actor.role in sup.reply_roles:
                out.append(Step(step="reply", label=f"反馈督办通知 #{n.id}", of=n.id))
            if n.state == "replied" and actor.role in sup.decide_roles and (
                    actor.scope is None or n.issuer_jurisdiction in codes):
                out += [Step(step="accept", label=f"认可反馈 #{n.id}", of=n.id),
                        Step(step="return", label=f"退回反馈 #{n.id}", of=n.id)]
    rule = wf.extensions.get(row.state)
    if rule is not None:
        pending = [e for e in extensions if e.state == "requested"
                   and e.item_state == row.state]
        if actor.role in rule.request_roles and not pending and row.due_at is not None \
                and now < row.due_at:
            out.append(Step(step="extension", label=STEP_LABELS["extension"]))
        if actor.role in rule.decide_roles:
            for e in pending:
                out += [Step(step="approve", label=f"批准延期 #{e.id}", of=e.id),
                        Step(step="refuse", label=f"不予批准延期 #{e.id}", of=e.id)]
    return out


def supervision_context(rt: Runtime, actor: Actor, row: Any, wf: WorkflowDef,
                        dirs: Directory, events: list[Any]) -> dict[str, Any]:
    """What the item page's 督办 section shows; nothing when the workflow has neither."""
    if wf.supervision is None and not wf.extensions:
        return {"supervision": None}
    now = rt.clock.now()
    notices = list_notices(rt, actor, row.id)
    extensions = list_extensions(rt, actor, row.id)
    return {"supervision": {
        "notices": [notice_view(rt, now, n, events, dirs) for n in notices],
        "extensions": [extension_view(wf, e, dirs) for e in extensions],
        "steps": steps_now(actor, row, wf, dirs, now, notices, extensions),
    }}
