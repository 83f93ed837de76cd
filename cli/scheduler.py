"""Scheduler commands: `sweep --once`, `scheduler`, `digest daily|weekly`, `webhooks
deliver`, and `calendar load FILE` / `calendar list` / `calendar check`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.runtime import with_runtime

if TYPE_CHECKING:
    from engine.deadlines import (
        Step,
    )
    from engine.runtime import Runtime
    from engine.settings import Settings


def register(sub: Any) -> None:
    sw = sub.add_parser("sweep", help="one deadline sweep now: remind and escalate due "
                                          "items (needs --once)",
                        description="Run one deadline sweep now and print what it did. For "
                                    "sweeps that keep running, use `leadflow scheduler` (or "
                                    "`leadflow serve`, which sweeps in-process).")
    sw.add_argument("--once", action="store_true",
                    help="required: run one sweep now and print what it did")
    sw.add_argument("--batch", type=int, default=500, help="items per transaction")
    sw.add_argument("--verbose", "-v", action="store_true", help="print every step")
    sw.set_defaults(func=cmd_sweep, usage=_sweep_usage)

    sc = sub.add_parser("scheduler", help="run the scheduler (sweep, webhooks, digests) "
                                          "until stopped")
    sc.set_defaults(func=cmd_scheduler)

    dg = sub.add_parser("digest", help="produce the current digest now (once per period)")
    dg.add_argument("kind", choices=["daily", "weekly"])
    dg.set_defaults(func=cmd_digest)

    wh = sub.add_parser("webhooks", help="office webhook delivery")
    whsub = wh.add_subparsers(dest="webhooks_command", required=True, metavar="SUBCOMMAND")
    wd = whsub.add_parser("deliver", help="post the deliveries that are due")
    wd.set_defaults(func=cmd_webhooks_deliver)

    cal = sub.add_parser("calendar", help="working-day calendar overrides")
    csub = cal.add_subparsers(dest="calendar_command", required=True, metavar="SUBCOMMAND")
    cl = csub.add_parser(
        "load", help="load days off / working days from a YAML file (all or nothing)",
        description="Load days_off and working_days from a YAML file, all or nothing. A year "
                    "counts as published (no more 'unpublished year' warning) only when the "
                    "file lists it in published_years: [YYYY], i.e. the file holds that "
                    "year's whole schedule; a file of a few days leaves it unpublished. "
                    "Running API processes pick the days up before their next deadline.")
    cl.add_argument("file", type=Path, help="YAML with note, days_off, working_days and "
                                            "optionally published_years")
    cl.set_defaults(func=cmd_calendar_load)
    cls = csub.add_parser("list", help="list the overrides and the years loaded complete")
    cls.add_argument("--year", type=int)
    cls.set_defaults(func=cmd_calendar_list)
    cc = csub.add_parser("check", help="warn about years whose schedule is unknown (neither in "
                                       "the holidays package nor loaded as published_years)")
    cc.set_defaults(func=cmd_calendar_check)


def _sweep_usage(args: argparse.Namespace) -> str | None:
    if args.once:
        return None
    return ("this command runs one sweep and exits, so it needs --once (`leadflow sweep "
            "--once`); to keep sweeping every LEADFLOW_SWEEP_INTERVAL_SECONDS, run `leadflow "
            "scheduler`, or `leadflow serve`, which sweeps in-process")


@with_runtime
def cmd_sweep(args: argparse.Namespace, settings: Settings, rt: Runtime) -> int:
    from engine.scheduling import run_sweep
    from engine.supervision import raise_overdue_notices

    def show(item_id: int, step: Step) -> None:
        print(f"item {item_id}: {step.kind} level {step.level} (due {step.at.isoformat()})")

    report = run_sweep(rt, batch_size=args.batch, progress=show if args.verbose else None)
    print(report.summary())
    for item_id, error in report.failed:
        print(f"  failed: item {item_id}: {error}")
    # as the tick does: unanswered supervision notices past their reply deadline go up
    raised = raise_overdue_notices(rt, batch_size=args.batch)
    print(f"supervision notices: {raised.raised} raised a level, {raised.climbed} raised to "
          "the parent office")
    for notice_id, error in raised.failed:
        print(f"  failed: notice {notice_id}: {error}")
    return 1 if report.failed or raised.failed else 0


@with_runtime
def cmd_scheduler(args: argparse.Namespace, settings: Settings, rt: Runtime) -> int:
    from engine.scheduling import run_forever
    from engine.transparency import LogConfig

    print(f"scheduler running (sweep every {settings.sweep_interval_seconds} s); "
          "Ctrl-C to stop", flush=True)
    run_forever(rt, sweep_interval_s=settings.sweep_interval_seconds,
                tlog=LogConfig.from_settings(settings))
    return 0


@with_runtime
def cmd_digest(args: argparse.Namespace, settings: Settings, rt: Runtime) -> int:
    from engine.scheduling import daily_digest, weekly_summary

    report = daily_digest(rt) if args.kind == "daily" else weekly_summary(rt)
    print(f"{report.kind} digest {report.period}: produced for {report.produced} "
          f"jurisdictions, {report.skipped} already had it")
    return 0


@with_runtime
def cmd_webhooks_deliver(args: argparse.Namespace, settings: Settings, rt: Runtime) -> int:
    from engine.scheduling import deliver_pending

    report = deliver_pending(rt)
    print(f"delivered {report.delivered}, retrying {report.retrying}, gave up "
          f"{report.gave_up}, deferred {report.deferred}")
    return 0


@with_runtime
def cmd_calendar_load(args: argparse.Namespace, settings: Settings, rt: Runtime) -> int:
    from engine.deadlines import ChinaCalendar, parse_override_file, store_overrides
    from engine.storage import write_tx

    loaded = parse_override_file(args.file)
    with write_tx(rt.db) as conn:
        n = store_overrides(conn, loaded.days, rt.clock.now(),
                            published_years=loaded.published_years, note=loaded.note)
    off = sum(1 for d in loaded.days if not d.working)
    print(f"loaded {n} days from {args.file}: {off} days off, {n - off} working days")
    for year in loaded.published_years:
        print(f"{year}: published (the file holds its whole schedule)")
    partial = sorted({d.day.year for d in loaded.days} - set(loaded.published_years))
    cal = rt.calendar
    for year in partial:
        if isinstance(cal, ChinaCalendar) and not cal.published_years([year])[year]:
            print(f"{year}: still unpublished; when a file holds its whole schedule, add "
                  f"`published_years: [{year}]` to it")
    return 0


@with_runtime
def cmd_calendar_list(args: argparse.Namespace, settings: Settings, rt: Runtime) -> int:
    from engine.deadlines import read_overrides, read_published_years
    from engine.storage import read_tx

    with read_tx(rt.db) as conn:
        days = read_overrides(conn)
        years = read_published_years(conn)
    for d in days:
        if args.year is None or d.day.year == args.year:
            print(f"{d.day.isoformat()}  {'working' if d.working else 'day off'}  {d.note}")
    for year in years:
        if args.year is None or year == args.year:
            print(f"{year}  published (loaded complete)")
    return 0


@with_runtime
def cmd_calendar_check(args: argparse.Namespace, settings: Settings, rt: Runtime) -> int:
    from engine.deadlines import calendar_warnings

    warnings = calendar_warnings(rt.calendar, rt.clock.now())
    for w in warnings:
        print(f"warning: {w}")
    if not warnings:
        print("calendar: every year a deadline set now can reach is known")
    return 1 if warnings else 0
