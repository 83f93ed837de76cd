"""What every benchmark shares: the run context, result rows, timing helpers, the machine
description, the printed table and the JSON file.

Machines here are shared and noisy, so each figure is reported as a ratio against a floor
measured in the same run, and engine and floor are measured in alternating rounds."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
CACHE_DIR = BENCH_DIR / ".cache"


@dataclass(frozen=True, kw_only=True)
class Sizes:
    """Problem sizes of one mode."""

    transitions: int          # transitions timed per round
    rounds: int               # alternating engine/floor rounds
    verify_items: int         # items in the audit-verification data set
    queue_small: int          # the "10k" queue case
    queue_large: int          # the "1M" queue case
    queue_samples: int        # timed queries per queue and size
    sweep_sizes: tuple[int, ...]  # open items per sweep case
    sweep_overdue: int        # of which overdue
    http_requests: int        # requests per HTTP round
    http_concurrency: int
    memory_items: int


QUICK = Sizes(transitions=600, rounds=3, verify_items=20_000, queue_small=10_000,
              queue_large=50_000, queue_samples=60, sweep_sizes=(20_000, 50_000),
              sweep_overdue=2_000, http_requests=600, http_concurrency=8,
              memory_items=50_000)
FULL = Sizes(transitions=3000, rounds=5, verify_items=200_000, queue_small=10_000,
             queue_large=1_000_000, queue_samples=200, sweep_sizes=(100_000, 1_000_000),
             sweep_overdue=10_000, http_requests=3000, http_concurrency=16,
             memory_items=1_000_000)


@dataclass(kw_only=True)
class Context:
    mode: str
    sizes: Sizes
    workdir: Path             # a temporary folder removed after the run
    pg_url: str | None        # the throwaway server of scripts/with-postgres, if any


@dataclass(kw_only=True)
class Result:
    """One row of the table. `ratio` is value/floor (or floor/value for latencies, so that
    higher is always better); `met` is None when the row has no target."""

    bench: str
    case: str
    value: float | None = None
    unit: str = ""
    floor: float | None = None
    floor_label: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    skipped: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def skipped(bench: str, case: str, reason: str) -> Result:
    return Result(bench=bench, case=case, skipped=reason)


def timed(fn: Callable[[], Any]) -> float:
    """Seconds taken by one call of `fn`."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def alternate(rounds: int, runs: dict[str, Callable[[], float]]) -> dict[str, float]:
    """Run each named measurement `rounds` times, interleaved, and keep each one's median,
    so that a burst of noise from a neighbour hits both sides of a ratio alike."""
    seen: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            seen[name].append(run())
    return {name: statistics.median(values) for name, values in seen.items()}


def alternate_spread(rounds: int, runs: dict[str, Callable[[], float]]
                     ) -> tuple[dict[str, float], dict[str, list[float]]]:
    """`alternate`, also returning each side's (min, max) over the rounds: the spread the
    tables report beside the median."""
    seen: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            seen[name].append(run())
    spread = {name: [round(min(v), 1), round(max(v), 1)] for name, v in seen.items()}
    return {name: statistics.median(v) for name, v in seen.items()}, spread


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def postgres_version(pg_url: str | None) -> str | None:
    if not pg_url:
        return None
    import psycopg

    with psycopg.connect(libpq_url(pg_url)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return None if row is None else str(row[0])


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as plain libpq understands it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def machine(pg_url: str | None) -> dict[str, Any]:
    return {
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(pg_url),
        "platform": platform.platform(),
    }


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    return f"{text} {unit}".strip()


def table(results: list[Result]) -> str:
    """The results as a Markdown table (printed, and pasted into docs/benchmarks.md)."""
    head = "| benchmark | case | measured | floor | ratio | target | met |"
    lines = [head, "|---|---|---|---|---|---|---|"]
    for r in results:
        if r.skipped:
            lines.append(f"| {r.bench} | {r.case} | skipped: {r.skipped} | | | {r.target} | |")
            continue
        floor = f"{_fmt(r.floor)} {r.floor_label}".strip() if r.floor is not None else "-"
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        lines.append(f"| {r.bench} | {r.case} | {_fmt(r.value, r.unit)} | {floor} | "
                     f"{_fmt(r.ratio)} | {r.target} | {met} |")
    return "\n".join(lines)


def write_json(results: list[Result], info: dict[str, Any], mode: str,
               seconds: float) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"{stamp}-{mode}.json"
    doc = {"mode": mode, "finished_at": stamp, "seconds": round(seconds, 1),
           "machine": info, "results": [asdict(r) for r in results]}
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
