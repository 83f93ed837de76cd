"""`leadflow report performance`: the performance figures of a period, as a table of
numerator / denominator = value per jurisdiction and unit, or as JSON."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import date
from typing import Any

from engine.deadlines import refresh_overrides
from engine.org import actor_for_user
from engine.reports import Figure, Performance, parse_period, performance_report
from engine.runtime import Runtime, open_runtime
from engine.settings import Settings
from engine.storage import read_tx


def add_period_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as", dest="user", type=int, required=True, help="acting user id")
    p.add_argument("--month", help="YYYY-MM (China time)")
    p.add_argument("--quarter", help="YYYY-Qn")
    p.add_argument("--from", dest="date_from", type=date.fromisoformat, help="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", type=date.fromisoformat, help="YYYY-MM-DD")
    p.add_argument("--jurisdiction", help="this jurisdiction's subtree (code)")
    p.add_argument("--workflow")


def register(sub: Any) -> None:
    rp = sub.add_parser("report", help="reports over your scope")
    rsub = rp.add_subparsers(dest="report", required=True, metavar="REPORT")
    perf = rsub.add_parser("performance", help="办结率, 按期办结率, 签收及时率 … of a period")
    add_period_arguments(perf)
    perf.add_argument("--json", action="store_true", help="the API's JSON")
    perf.set_defaults(func=cmd_performance)


def runtime(settings: Settings) -> Runtime:
    rt = open_runtime(settings.database_url, settings.workflows_dir)
    with read_tx(rt.db) as conn:
        refresh_overrides(rt.calendar, conn)
    return rt


def report_from_args(rt: Runtime, args: argparse.Namespace) -> Performance:
    with read_tx(rt.db) as conn:
        actor = actor_for_user(conn, args.user)
    period = parse_period(month=args.month, quarter=args.quarter, date_from=args.date_from,
                          date_to=args.date_to)
    return performance_report(rt, actor, period=period, workflow=args.workflow,
                              jurisdiction_code=args.jurisdiction)


def _cell(f: Figure) -> str:
    if f.denominator is None:
        return f"{f.label} {f.numerator:g}"
    shown = "—" if f.value is None else f"{f.value:g}"
    return f"{f.label} {f.numerator:g}/{f.denominator} = {shown}"


def cmd_performance(args: argparse.Namespace, settings: Settings) -> int:
    report = report_from_args(runtime(settings), args)
    if args.json:
        print(json.dumps(asdict(report), ensure_ascii=False, default=str, indent=2))
        return 0
    print(f"{report.period.label} · {report.jurisdiction_name}")
    print("合计：" + "；".join(_cell(f) for f in report.total))
    for row in (*report.jurisdictions, *report.units):
        print(f"{row.jurisdiction_code} {row.name}：" + "；".join(_cell(f) for f in row.figures))
    return 0
