"""What the item page shows, read through the engine: the item in scope, its fields with
their labels, the stepper of states passed, the deadline in working days, the actions this
viewer may take now, the history with its chain check, links and notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from console import labels
from console.directory import Directory, directory
from console.forms import field_label, value_label
from console.supervision_view import supervision_context
from engine.intake import read_links
from engine.items import get_item, history, verify
from engine.kernel import Actor
from engine.runtime import Runtime
from engine.scheduling import inbox
from engine.storage import snapshot_tx
from engine.workflow import WorkflowDef, available_triggers

# Events no workflow declares: the engine's own triggers.
RESERVED_LABELS = {
    "create": "登记", "link": "关联线索", "read_identity": "查看举报人",
    "add_info": "举报人补充材料", "escalate": "督办升级", "remind": "到期提醒",
    # engine.supervision's steps
    "supervise": "下达督办通知", "supervise_reply": "督办反馈", "supervise_accept": "认可督办反馈",
    "supervise_return": "退回督办反馈", "supervise_raise": "督办提级",
    "extension_request": "申请延期", "extension_approve": "批准延期",
    "extension_refuse": "不予批准延期",
}
# The data of those steps' events (no workflow declares them as fields).
STEP_DATA_LABELS = {
    "notice_id": "督办通知编号", "level": "督办级别", "requirement": "督办要求",
    "reply_working_days": "反馈期限（工作日）", "reply_due_at": "反馈截止",
    "issuer_jurisdiction": "督办单位", "reply": "反馈内容", "on_time": "按期反馈",
    "reason": "理由", "extension_id": "延期申请编号", "working_days": "工作日数",
    "due_at": "时限", "original_due_at": "原时限", "from_level": "原级别",
    "to_level": "提至级别", "step": "提级方式", "from_jurisdiction": "原督办辖区",
    "to_jurisdiction": "提至辖区", "scheduled_at": "应反馈时间",
}
# Item data shown in its own section (or not at all), not in the field list.
SPECIAL_KEYS = {"subject", "allegation", "attachments", "reporter_kind", "operator"}


def trigger_label(wf: WorkflowDef, trigger: str) -> str:
    if trigger in RESERVED_LABELS:
        return RESERVED_LABELS[trigger]
    return next((t.label for t in wf.transitions if t.trigger == trigger and t.label), trigger)


def state_label(wf: WorkflowDef, state: str | None) -> str:
    if state is None:
        return "—"
    st = wf.states.get(state)
    return st.label if st and st.label else state


@dataclass(frozen=True, kw_only=True)
class Chain:
    ok: bool
    broken_at: int | None
    reason: str


def chain_of(conn: Connection, item_id: int) -> Chain:
    report = verify(conn, item_ids=[item_id])
    if report.ok:
        return Chain(ok=True, broken_at=None, reason="")
    first = report.broken[0]
    return Chain(ok=False, broken_at=first.seq, reason=first.reason)


# event data that names a jurisdiction by code (supervision steps)
JURISDICTION_KEYS = frozenset({"issuer_jurisdiction", "from_jurisdiction", "to_jurisdiction",
                               "target"})


def data_lines(wf: WorkflowDef, data: dict[str, Any], dirs: Directory) -> list[tuple[str, str]]:
    out = []
    for key, value in data.items():
        if key in SPECIAL_KEYS or value is None or value == "":
            continue
        if key == "assignee" and isinstance(value, int):
            shown = dirs.user_name(value)
        elif key == "unit" and isinstance(value, str):
            unit = dirs.unit_by_code(value)
            shown = unit.name if unit else value
        elif isinstance(value, dict | list):
            shown = str(value)
        elif key in JURISDICTION_KEYS and isinstance(value, str):
            shown = dirs.jurisdiction_name(value)
        elif key in ("level", "from_level", "to_level") and isinstance(value, str) \
                and wf.supervision is not None and wf.supervision.level(value) is not None:
            shown = wf.supervision.level(value).label  # type: ignore[union-attr]
        elif key.endswith("_at") and isinstance(value, str):
            shown = _time(value)
        elif key == "on_time" and isinstance(value, bool):
            shown = "是" if value else "否"
        else:
            shown = value_label(wf, key, value)
        label = field_label(wf, key)
        out.append((STEP_DATA_LABELS.get(key, key) if label == key else label, shown))
    return out


def _time(text: str) -> str:
    try:
        return labels.cn_time(datetime.fromisoformat(text))
    except ValueError:
        return text


def item_page_context(rt: Runtime, actor: Actor, item_id: int, viewer_user_id: int,
                      can_read_identity: bool) -> dict[str, Any]:
    now = rt.clock.now()
    with snapshot_tx(rt.db) as conn:
        row = get_item(conn, actor, item_id)  # NotFound: missing or out of scope alike
        dirs = directory(conn, actor)
        events = history(conn, actor, item_id)
        chain = chain_of(conn, item_id)
        notes = [n for n in inbox(conn, viewer_user_id, limit=200).items
                 if n.item_id == item_id]
    links = read_links(rt, actor=actor, item_id=item_id)
    wf = rt.registry.get(row.workflow, row.workflow_version)
    data = dict(row.data or {})
    actions = available_triggers(wf, row.state, data, actor.role)
    return supervision_context(rt, actor, row, wf, dirs, events) | {
        "item": row, "wf": wf, "dirs": dirs, "now": now,
        "state": state_label(wf, row.state),
        "remaining": labels.remaining(rt, now, row),
        "fields": data_lines(wf, data, dirs),
        "subject": data.get("subject") if isinstance(data.get("subject"), dict) else None,
        "allegation": data.get("allegation"),
        "attachments": data.get("attachments") or [],
        "reporter_kind": {"anonymous": "匿名", "named": "具名"}.get(
            str(data.get("reporter_kind")), ""),
        "steps": stepper(wf, events),
        "timeline": timeline(wf, events, dirs),
        "chain": chain,
        "actions": [{"trigger": t.trigger, "label": t.label or t.trigger,
                     "dest": state_label(wf, t.dest)} for t in actions],
        "links": [{"kind": {"related": "相关线索", "duplicate": "可能重复",
                            "merged_into": "已并入", "merged_from": "并入本件"}.get(v.kind, v.kind),
                   "item_id": v.item_id, "ref": v.ref, "title": v.title,
                   "state": state_label(wf, v.state)} for v in links],
        "notes": notes,
        "can_read_identity": can_read_identity and wf.name == "lead",
    }


def stepper(wf: WorkflowDef, events: list[Any]) -> list[dict[str, Any]]:
    """Each state the item entered, in order, with when; the last one is where it is."""
    steps: list[dict[str, Any]] = [
        {"label": state_label(wf, e.to_state), "at": labels.cn_time(e.at), "now": False}
        for e in events if e.from_state != e.to_state]
    if steps:
        steps[-1]["now"] = True
    return steps


def timeline(wf: WorkflowDef, events: list[Any], dirs: Directory) -> list[dict[str, Any]]:
    return [{
        "seq": e.seq, "at": labels.cn_time(e.at), "actor": dirs.actor_name(e.actor),
        "role": labels.role_label(e.actor_role), "trigger": trigger_label(wf, e.trigger),
        "moved": e.from_state != e.to_state, "from": state_label(wf, e.from_state),
        "to": state_label(wf, e.to_state), "comment": e.comment,
        "data": data_lines(wf, dict(e.data or {}), dirs) if e.trigger != "create" else [],
    } for e in reversed(events)]


def last_change(rt: Runtime, actor: Actor, item_id: int) -> tuple[str, datetime, int]:
    """Who changed the item last, when, and its version now (for a stale form's message)."""
    with snapshot_tx(rt.db) as conn:
        row = get_item(conn, actor, item_id)
        last = history(conn, actor, item_id)[-1]
        dirs = directory(conn, actor)
    return dirs.actor_name(last.actor), last.at, int(row.version)
