"""办理记录检索 (audit-event search) of the 督导看板: events of the items in the viewer's
scope (engine.items.list_events, the one scope rule), by actor, trigger and China dates,
oldest first, paged by event id. The query lives in the URL like the 工作台's; a bad value
is named next to its field and left out of the search."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response

from console import labels
from console.auth import Config, SignedIn
from console.directory import Directory, directory
from console.item_view import RESERVED_LABELS, state_label, trigger_label
from console.render import page
from console.routing import console_router
from console.supervise import require_supervisor
from console.work import latest_workflows, unread_count
from engine.items import EventFilters, list_events
from engine.storage import read_tx
from engine.workflow import WorkflowDef

router = console_router()
PAGE_SIZE = 50
KEYS = ("actor", "trigger", "from", "to")


def trigger_choices(workflows: list[WorkflowDef]) -> dict[str, str]:
    """Every trigger an event may carry, with its label(s): the engine's own and each
    workflow's (one name in two workflows shows both labels)."""
    out = dict(RESERVED_LABELS)
    for wf in workflows:
        for t in wf.transitions:
            label = t.label or t.trigger
            out[t.trigger] = label if out.get(t.trigger) in (None, label) else \
                f"{out[t.trigger]} / {label}"
    return out


def _parse(request: Request, dirs: Directory, triggers: dict[str, str]
           ) -> tuple[dict[str, str], EventFilters, int | None, dict[str, str]]:
    params = request.query_params
    values = {k: params[k].strip()[:100] for k in KEYS if params.get(k, "").strip()}
    errors: dict[str, str] = {}
    f: dict[str, Any] = {}
    if "actor" in values:
        who = values["actor"]
        if who == "system" or (who.startswith("user:") and who[5:].isdigit()
                               and int(who[5:]) in dirs.users):
            f["actor"] = who
        else:  # unknown and out of scope alike
            errors["actor"] = "请从列表中选择"
    if "trigger" in values:
        if values["trigger"] in triggers:
            f["trigger"] = values["trigger"]
        else:
            errors["trigger"] = "请从列表中选择"
    days: dict[str, date] = {}
    for key, attr, shift in (("from", "at_from", 0), ("to", "at_to", 1)):
        if key in values:
            try:
                days[key] = date.fromisoformat(values[key])
                f[attr] = labels.day_start(days[key] + timedelta(days=shift))
            except ValueError:
                errors[key] = "日期格式应为 2026-03-02"
    if "from" in days and "to" in days and days["to"] < days["from"]:
        errors["to"] = "截止日期不能早于起始日期"
        f.pop("at_to")
    after_text = params.get("after", "")
    after = int(after_text) if after_text.isdigit() and len(after_text) < 19 else None
    return values, EventFilters(**f), after, errors


def _row(e: Any, rt_registry: Any, dirs: Directory) -> dict[str, Any]:
    wf = rt_registry.get(e.workflow, e.workflow_version)
    return {"id": e.id, "at": labels.cn_time(e.at), "item_id": e.item_id, "ref": e.ref,
            "actor": dirs.actor_name(e.actor), "role": labels.role_label(e.actor_role),
            "trigger": trigger_label(wf, e.trigger),
            "from": state_label(wf, e.from_state) if e.from_state else "—",
            "to": state_label(wf, e.to_state), "comment": e.comment}


@router.get("/supervise/events")
def events(request: Request, viewer: SignedIn, cfg: Config) -> Response:
    require_supervisor(viewer)
    rt = cfg.rt
    triggers = trigger_choices(latest_workflows(rt))
    with read_tx(rt.db) as conn:
        dirs = directory(conn, viewer.actor)
        values, filters, after, errors = _parse(request, dirs, triggers)
        result = list_events(conn, viewer.actor, filters, limit=PAGE_SIZE, after=after)
        unread = unread_count(conn, viewer)
    rows = [_row(e, rt.registry, dirs) for e in result.rows]
    next_url = ("/supervise/events?" + urlencode({**values, "after": result.next_cursor})
                if result.next_cursor else None)
    actors = [("system", "系统（到期提醒与督办）")] + [
        (f"user:{u.id}", u.name) for u in dirs.users.values()]
    return page(request, "console/events.html", viewer, title="办理记录检索",
                current="supervise", unread=unread, values=values, errors=errors, rows=rows,
                next_url=next_url, first_url="/supervise/events?" + urlencode(values)
                if after else None, actors=actors, triggers=sorted(triggers.items()))
