"""Benchmark 2: audit verification, events per second, by `engine.items.audit.verify` and by the
`leadflow verify` command, on a generated data set of valid chains (bench/datagen.py, cached
by bench/datacache.py).

Floor: the sqlite3 module reading the same columns in the same order and feeding each row to
hashlib.sha256, with no canonical JSON, no chain logic and no type conversion."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import datacache
from bench.env import runtime
from bench.harness import Context, Result, alternate
from engine.items import verify
from engine.storage import make_engine, read_tx

NAME = "verify"
TARGET = 100_000  # events/s
COLUMNS = ("item_id, seq, at, actor, actor_role, trigger, from_state, to_state, data, "
           "comment, workflow, workflow_version, prev_hash, hash")


def _engine(url: str, events: int) -> Callable[[], float]:
    db = make_engine(url)

    def run() -> float:
        start = time.perf_counter()
        with read_tx(db) as conn:
            report = verify(conn)
        seconds = time.perf_counter() - start
        if not report.ok or report.events != events:
            raise RuntimeError(f"verification failed on generated data: {report.broken[:3]}")
        return events / seconds

    return run


def _floor(path: Path, events: int) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        sha256, n = hashlib.sha256, 0
        for row in conn.execute(f"SELECT {COLUMNS} FROM audit_event "
                                "ORDER BY item_id, seq"):
            sha256("\x1f".join(map(str, row)).encode()).hexdigest()
            n += 1
        conn.close()
        seconds = time.perf_counter() - start
        assert n == events
        return events / seconds

    return run


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _cli(url: str, events: int, cpu: list[float] | None = None) -> Callable[[], float]:
    """`leadflow verify` as a process; each run's CPU seconds (its workers' included) go to
    `cpu`: on a loaded machine its wall time counts the neighbours' too."""
    leadflow = Path(sys.executable).with_name("leadflow")
    env = dict(os.environ, LEADFLOW_DATABASE_URL=url, LEADFLOW_LOG_LEVEL="warning")

    def run() -> float:
        start, used = time.perf_counter(), _children_cpu()
        out = subprocess.run([str(leadflow), "verify", "--json"], env=env, check=True,
                             capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if cpu is not None:
            cpu.append(_children_cpu() - used)
        report = json.loads(out.stdout)
        if not report["ok"] or report["events"] != events:
            raise RuntimeError(f"leadflow verify disagrees: {out.stdout[:300]}")
        return events / seconds

    return run


def _startup(ctx: Context) -> tuple[float, float]:
    """Seconds `leadflow verify` takes on an empty database, wall and CPU: the process's
    fixed cost."""
    path = ctx.workdir / "verify-empty.db"
    runtime(f"sqlite:///{path}").db.dispose()
    cpu: list[float] = []
    rate = _cli(f"sqlite:///{path}", 0, cpu)
    start = time.perf_counter()
    rate()
    return time.perf_counter() - start, cpu[0]


def run(ctx: Context) -> list[Result]:
    ds = datacache.dataset("mixed", ctx.sizes.verify_items, overdue=ctx.sizes.verify_items // 20)
    cli_cpu: list[float] = []
    rates = alternate(ctx.sizes.rounds, {
        "floor": _floor(ds.path, ds.events),
        "engine": _engine(ds.url, ds.events),
        "cli": _cli(ds.url, ds.events, cli_cpu),
    })
    startup, startup_cpu = _startup(ctx)
    details = {"items": ds.items, "events": ds.events, "rounds": ctx.sizes.rounds,
               "cli_startup_s": startup, "cli_startup_cpu_s": startup_cpu,
               "cli_cpu_s": statistics.median(cli_cpu),
               "cli_events_per_s_after_startup": ds.events / (ds.events / rates["cli"] - startup)
               if ds.events / rates["cli"] > startup else None}
    rows = []
    for key, case in (("engine", "engine.items.audit.verify"),
                      ("cli", f"`leadflow verify` (process, {startup:.1f} s of it start-up)")):
        rows.append(Result(
            bench=NAME, case=f"{case}, {ds.events:,} events", value=rates[key],
            unit="events/s", floor=rates["floor"], floor_label="events/s sqlite3+sha256",
            ratio=rates[key] / rates["floor"], target=f">= {TARGET:,} events/s",
            met=rates[key] >= TARGET, details=details))
    return rows
