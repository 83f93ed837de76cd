"""工作台 (my work): tabs with counts, the filtered list in order of working days left,
keyset pages, auto-refresh of the list, and the start of bulk actions (console/bulk.py).

Filters live in the URL (`/work?tab=overdue&workflow=lead&channel=letter`), so a view can be
bookmarked and shared; a bad value is named next to its field and left out of the query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from sqlalchemy import Connection

from console import labels
from console.auth import Config, SignedIn
from console.directory import Directory, directory
from console.queues import DEFAULT_TAB, Tab, tabs
from console.render import Viewer, page
from console.routing import console_router
from engine.errors import InvalidData
from engine.items import WorkFilters, count_work_tabs, list_work
from engine.runtime import Runtime
from engine.scheduling import inbox
from engine.storage import read_tx
from engine.workflow import WorkflowDef, available_triggers

router = console_router()
PAGE_SIZE = 50
FILTER_KEYS = ("workflow", "state", "channel", "category", "jurisdiction", "unit", "level",
               "notice", "from", "to", "closed_from", "closed_to", "q")
MAX_LEVEL = 9


@dataclass(kw_only=True)
class Query:
    """The work page's URL parameters, checked: `errors` name the fields that were left out."""

    tab: str = DEFAULT_TAB
    values: dict[str, str] = field(default_factory=dict)  # as typed, to refill the form
    filters: WorkFilters = field(default_factory=WorkFilters)
    cursor: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def url(self, **changes: str | None) -> str:
        params = {"tab": self.tab, **self.values}
        params.update({k: v for k, v in changes.items() if v is not None})
        return "/work?" + urlencode({k: v for k, v in params.items()
                                     if v and not (k == "cursor" and changes.get(k) == "")})


def latest_workflows(rt: Runtime) -> list[WorkflowDef]:
    return [rt.registry.latest(name) for name in rt.registry.names()]


def vocabulary(workflows: list[WorkflowDef], name: str) -> dict[str, str]:
    for wf in workflows:
        vocab = (wf.extra.get("vocabularies") or {}).get(name)
        if vocab:
            return dict(vocab)
    return {}


def notice_levels(workflows: list[WorkflowDef]) -> dict[str, str]:
    """The supervision notice levels the workflows declare, code → label (in their order)."""
    out: dict[str, str] = {}
    for wf in workflows:
        for lv in wf.supervision.levels if wf.supervision is not None else ():
            out.setdefault(lv.code, lv.label)
    return out


def notice_counts(wf: WorkflowDef, counts: dict[str, int] | None) -> str:
    """The item's notices by level, as 黄牌×1 红牌×2 (the workflow's labels, its order)."""
    if not counts or wf.supervision is None:
        return ""
    return " ".join(f"{lv.label}×{counts[lv.code]}" for lv in wf.supervision.levels
                    if counts.get(lv.code))


def _date(text: str) -> date:
    return date.fromisoformat(text)


def parse_query(request: Request, workflows: list[WorkflowDef], dirs: Directory) -> Query:
    params = request.query_params
    q = Query(tab=params.get("tab") or DEFAULT_TAB, cursor=params.get("cursor") or None)
    values = {k: params[k].strip()[:200] for k in FILTER_KEYS if params.get(k, "").strip()}
    q.values = values
    f: dict[str, Any] = {}
    names = {wf.name for wf in workflows}
    if "workflow" in values:
        if values["workflow"] in names:
            f["workflow"] = values["workflow"]
        else:
            q.errors["workflow"] = "没有这个流程"
    if "state" in values:
        states = {s for wf in workflows for s in wf.states}
        if values["state"] in states:
            f["states"] = (values["state"],)
        else:
            q.errors["state"] = "没有这个状态"
    for key in ("channel", "category"):
        if key in values:
            if values[key] in vocabulary(workflows, key):
                f[key] = values[key]
            else:
                q.errors[key] = "请从列表中选择"
    if "unit" in values:
        unit = dirs.unit_by_code(values["unit"])
        if unit is None:
            q.errors["unit"] = labels.message("unknown unit")
        else:
            f["unit_id"] = unit.id
    if "jurisdiction" in values:
        jur = next((j for j in dirs.jurisdictions.values()
                    if j.code == values["jurisdiction"]), None)
        if jur is None:  # unknown and out of scope alike
            q.errors["jurisdiction"] = "没有这个辖区"
        else:
            f["jurisdiction_id"] = jur.id
    if "level" in values:
        if values["level"].isdigit() and int(values["level"]) <= MAX_LEVEL:
            f["escalation_level"] = int(values["level"])
        else:
            q.errors["level"] = "升级层级应为 0 到 9 的整数"
    if "notice" in values:
        if values["notice"] in notice_levels(workflows):
            f["notice_level"] = values["notice"]
        else:
            q.errors["notice"] = "没有这个督办级别"
    for key, attr, shift in (("from", "created_from", 0), ("to", "created_to", 1),
                             ("closed_from", "closed_from", 0), ("closed_to", "closed_to", 1)):
        if key in values:
            try:
                f[attr] = labels.day_start(_date(values[key]) + timedelta(days=shift))
            except ValueError:
                q.errors[key] = "日期格式应为 2026-03-02"
    if "q" in values:
        f["text"] = values["q"]
    q.filters = WorkFilters(**f)
    if q.tab not in TAB_KEYS:
        q.errors["tab"] = "没有这个分类"
        q.tab = DEFAULT_TAB
    return q


TAB_KEYS = ("incoming", "mine", "today", "tomorrow", "week", "overdue", "returned", "closed",
            "open", "all")


def row_view(row: Any, rt: Runtime, dirs: Directory, now: datetime) -> dict[str, Any]:
    wf = rt.registry.get(row.workflow, row.workflow_version)
    state = wf.states.get(row.state)
    return {
        "id": row.id, "ref": row.ref, "title": row.title, "workflow": wf.title,
        "state": state.label if state and state.label else row.state,
        "unit": dirs.unit_name(row.unit_id), "assignee": dirs.user_name(row.assignee_id),
        "remaining": labels.remaining(rt, now, row),
        "due": labels.cn_time(row.due_at), "escalation": labels.escalation_label(
            row.escalation_level),
        "escalation_level": row.escalation_level,
        "notices": notice_counts(wf, row.supervision_counts),
    }


def bulk_choices(rows: list[Any], rt: Runtime, viewer: Viewer) -> list[dict[str, str]]:
    """The triggers the viewer may fire now on at least one row of the page (the engine's
    `available_triggers` for each item), as "workflow:trigger" with their labels."""
    seen: dict[str, str] = {}
    for row in rows:
        wf = rt.registry.get(row.workflow, row.workflow_version)
        for t in available_triggers(wf, row.state, row.data or {}, viewer.actor.role):
            seen.setdefault(f"{wf.name}:{t.trigger}", f"{wf.title} · {t.label or t.trigger}")
    return [{"value": k, "label": v} for k, v in sorted(seen.items())]


def unread_count(conn: Connection, viewer: Viewer) -> int:
    return inbox(conn, viewer.user_id, limit=1).unread


def _counts(conn: Connection, viewer: Viewer, all_tabs: list[Tab], base: WorkFilters,
            now: datetime) -> dict[str, int]:
    """Every tab narrows the URL's filters (`base`), so one grouped query counts them all."""
    return count_work_tabs(conn, viewer.actor, {t.key: t.filters for t in all_tabs},
                           within=base, now=now)


@router.get("/work")
def work(request: Request, viewer: SignedIn, cfg: Config) -> Response:
    rt = cfg.rt
    now = rt.clock.now()
    workflows = latest_workflows(rt)
    with read_tx(rt.db) as conn:
        dirs = directory(conn, viewer.actor)
        q = parse_query(request, workflows, dirs)
        all_tabs = tabs(viewer.actor, workflows, rt.calendar, now, q.filters)
        current = next(t for t in all_tabs if t.key == q.tab)
        try:
            result = list_work(conn, viewer.actor, current.filters, now=now, limit=PAGE_SIZE,
                               cursor=q.cursor)
        except InvalidData:
            q.errors["cursor"] = "翻页位置已失效，已回到第一页"
            q.cursor = None
            result = list_work(conn, viewer.actor, current.filters, now=now, limit=PAGE_SIZE)
        counts = _counts(conn, viewer, all_tabs, q.filters, now)
        unread = unread_count(conn, viewer)
    context: dict[str, Any] = {
        "q": q, "tabs": all_tabs, "counts": counts, "current_tab": current,
        "rows": [row_view(r, rt, dirs, now) for r in result.rows],
        "next_url": q.url(cursor=result.next_cursor) if result.next_cursor else None,
        "first_url": q.url(cursor="") if q.cursor else None,
        "refresh_url": q.url(cursor=q.cursor or None),
        "bulk": bulk_choices(result.rows, rt, viewer),
        "workflows": workflows, "units": list(dirs.units.values()),
        "jurisdictions": list(dirs.jurisdictions.values()),
        "channels": vocabulary(workflows, "channel"),
        "notice_levels": notice_levels(workflows),
        "categories": vocabulary(workflows, "category"),
        "now": now,
    }
    template = ("console/_work_list.html" if request.headers.get("hx-request")
                else "console/work.html")
    return page(request, template, viewer, title="工作台", current="work", unread=unread,
                **context)

