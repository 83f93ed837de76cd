"""`leadflow report performance`: the performance figures of a period, as a table of
numerator / denominator = value per jurisdiction and unit, or as JSON."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.runtime import with_runtime
from engine.errors import InvalidData
from engine.kernel import Actor

if TYPE_CHECKING:
    from engine.reports import (
        ExportRecord,
        Figure,
        Performance,
        Period,
    )
    from engine.runtime import Runtime
    from engine.settings import Settings


def add_period_arguments(p: argparse.ArgumentParser) -> None:
    """--as, one period (a ledger may go without), --jurisdiction, --workflow."""
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
    ex = sub.add_parser("export", help="ledgers 台账 and the monthly report 月报表 as XLSX")
    xsub = ex.add_subparsers(dest="export", required=True, metavar="FILE")
    led = xsub.add_parser("ledger", help="the ledger of a workflow's items")
    add_period_arguments(led)
    led.add_argument("--open", action=argparse.BooleanOptionalAction, default=None,
                     help="only open (--open) or closed (--no-open) items")
    led.add_argument("output", type=Path)
    led.set_defaults(func=cmd_export_ledger)
    mon = xsub.add_parser("monthly", help="the performance figures of a month per unit")
    add_period_arguments(mon)
    mon.add_argument("output", type=Path)
    mon.set_defaults(func=cmd_export_monthly)


def _actor(rt: Runtime, args: argparse.Namespace) -> Actor:
    from engine.org import actor_for_user
    from engine.storage import read_tx

    with read_tx(rt.db) as conn:
        return actor_for_user(conn, args.user)


def _period(args: argparse.Namespace) -> Period:
    from engine.reports import parse_period

    return parse_period(month=args.month, quarter=args.quarter, date_from=args.date_from,
                        date_to=args.date_to)


def report_from_args(rt: Runtime, args: argparse.Namespace) -> Performance:
    from engine.reports import performance_report

    actor, period = _actor(rt, args), _period(args)
    return performance_report(rt, actor, period=period, workflow=args.workflow,
                              jurisdiction_code=args.jurisdiction)


def _cell(f: Figure) -> str:
    if f.denominator is None:
        return f"{f.label} {f.numerator:g}"
    shown = "—" if f.value is None else f"{f.value:g}"
    return f"{f.label} {f.numerator:g}/{f.denominator} = {shown}"


@with_runtime
def cmd_performance(args: argparse.Namespace, settings: Settings, rt: Runtime) -> int:
    report = report_from_args(rt, args)
    if args.json:
        print(json.dumps(asdict(report), ensure_ascii=False, default=str, indent=2))
        return 0
    print(f"{report.period.label} · {report.jurisdiction_name}")
    print("合计：" + "；".join(_cell(f) for f in report.total))
    if report.disposals:
        print("处置方式：" + "；".join(_cell(f) for f in report.disposals))
    for row in (*report.jurisdictions, *report.units):
        print(f"{row.jurisdiction_code} {row.name}：" + "；".join(_cell(f) for f in row.figures))
    return 0


def _checkpoint(rt: Runtime) -> str | None:
    """The transparency log's latest checkpoint, for the file's title block."""
    from engine.storage import read_tx
    from engine.transparency import latest_checkpoint_line

    with read_tx(rt.db) as conn:
        return latest_checkpoint_line(conn)


def _done(record: ExportRecord, output: Path) -> int:
    print(f"{output}: {record.rows} rows, export {record.id}, sha256 {record.rows_sha256}")
    return 0


@with_runtime
def cmd_export_ledger(args: argparse.Namespace, settings: Settings, rt: Runtime) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from engine.reports import export_ledger

    if args.workflow is None:
        raise InvalidData("--workflow is required (lead or rectification)",
                          fields={"workflow": "lead | rectification"})
    actor = _actor(rt, args)
    any_period = any(v is not None for v in (args.month, args.quarter, args.date_from,
                                             args.date_to))
    with args.output.open("wb") as out, Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("台账", total=None)
        record = export_ledger(rt, actor, out, workflow=args.workflow,
                               period=_period(args) if any_period else None,
                               jurisdiction_code=args.jurisdiction, open_only=args.open,
                               checkpoint=_checkpoint(rt),
                               progress=lambda n: bar.update(task, completed=n))
    return _done(record, args.output)


@with_runtime
def cmd_export_monthly(args: argparse.Namespace, settings: Settings, rt: Runtime) -> int:
    from engine.reports import export_monthly

    with args.output.open("wb") as out:
        record = export_monthly(rt, _actor(rt, args), out, period=_period(args),
                                workflow=args.workflow, jurisdiction_code=args.jurisdiction,
                                checkpoint=_checkpoint(rt))
    return _done(record, args.output)
