"""督导看板 (supervisor dashboard): counts by state, channel, category and unit over the
viewer's scope (engine.items.summary), a table rolled up over the jurisdiction tree with the
month's on-time figures (console/rollup.py), overdue items by escalation level, bar charts
drawn as inline SVG on the server, and "verify all chains" with its result. Each count links
to the work list it counts. The audit-event search is console/events.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response

from console import labels
from console.auth import Config, PostedForm, SignedIn
from console.directory import directory
from console.render import Viewer, page
from console.rollup import rollup
from console.routing import console_router
from console.work import latest_workflows, unread_count, vocabulary
from engine.errors import InvalidData, NotFound
from engine.items import counts_by_jurisdiction, item_ids_in_scope, summary, verify
from engine.kernel import Role
from engine.reports import Period, parse_period, performance_report
from engine.storage import read_tx, snapshot_tx

router = console_router()
ROLES = frozenset({Role.supervisor.value, Role.office.value, Role.admin.value})
UNSET = "(none)"


def _bars(counts: dict[str, int], names: dict[str, str], link: str) -> dict[str, Any]:
    """An SVG bar chart's rows: label, count, bar width (of 300), and its list's URL."""
    top = max(counts.values(), default=0) or 1
    rows = [{"label": names.get(k, "未填" if k == UNSET else k), "n": n,
             "width": max(2, round(300 * n / top)), "y": 24 * i,
             "url": f"/work?{urlencode({'tab': 'all', link: k})}" if k != UNSET else None}
            for i, (k, n) in enumerate(sorted(counts.items(), key=lambda kv: -kv[1]))]
    return {"rows": rows, "height": 24 * len(rows) + 4}


def _period(request: Request, cfg: Config) -> tuple[Period, str, dict[str, str]]:
    """The month of the on-time figures (?month=2026-03; default: this month, China time)."""
    this_month = labels.china_day(cfg.rt.clock.now()).strftime("%Y-%m")
    month = (request.query_params.get("month") or "").strip()[:20] or this_month
    try:
        return parse_period(month=month), month, {}
    except InvalidData:
        return parse_period(month=this_month), month, {"month": "月份格式应为 2026-03"}


def _context(request: Request, viewer: Viewer, cfg: Config) -> dict[str, Any]:
    rt = cfg.rt
    workflows = latest_workflows(rt)
    period, month, errors = _period(request, cfg)
    with read_tx(rt.db) as conn:
        dirs = directory(conn, viewer.actor)
        s = summary(conn, viewer.actor, now=rt.clock.now())
        by_jur = counts_by_jurisdiction(conn, viewer.actor, now=rt.clock.now())
        unread = unread_count(conn, viewer)
    report = performance_report(rt, viewer.actor, period=period)
    levels = max((wf.escalation.max_level for wf in workflows), default=3)
    # a state name two workflows share (closed: 办结 / 销号) shows both labels
    states: dict[str, str] = {}
    for wf in workflows:
        for n, st in wf.states.items():
            label = st.label or n
            states[n] = label if states.get(n) in (None, label) else f"{states[n]} / {label}"
    units = {u.code: u.name for u in dirs.units.values()}
    return {
        "s": s, "unread": unread, "rollup": rollup(dirs, by_jur, levels, report),
        "levels": levels, "period": period, "month": month, "errors": errors,
        "charts": [
            ("按状态", _bars(s.by_state, states, "state")),
            ("按受理渠道", _bars(s.by_channel, vocabulary(workflows, "channel"), "channel")),
            ("按问题类别", _bars(s.by_category, vocabulary(workflows, "category"),
                            "category")),
            ("按承办单位", _bars(s.by_unit, units, "unit")),
        ],
        "overdue_levels": sorted((int(k), n) for k, n in
                                 s.overdue_by_escalation_level.items()),
    }


def require_supervisor(viewer: Viewer) -> None:
    """The supervision pages are for the roles in ROLES; to anyone else they do not exist
    (404, as for an item out of scope: the console never tells a user what they may not see)."""
    if viewer.actor.role not in ROLES:
        raise NotFound("no such page")


@router.get("/supervise")
def dashboard(request: Request, viewer: SignedIn, cfg: Config) -> Response:
    require_supervisor(viewer)
    return page(request, "console/supervise.html", viewer, title="督导看板",
                current="supervise", verified=None, **_context(request, viewer, cfg))


@router.post("/supervise/verify")
def verify_all_chains(request: Request, viewer: SignedIn, cfg: Config,
                      form: PostedForm) -> Response:
    require_supervisor(viewer)
    with snapshot_tx(cfg.rt.db) as conn:
        report = verify(conn, item_ids=item_ids_in_scope(conn, viewer.actor))
    return page(request, "console/supervise.html", viewer, title="督导看板",
                current="supervise", verified=report, **_context(request, viewer, cfg))
