"""Benchmark: start-up of the `leadflow` command line: the wall time of `leadflow <command>
--help` (parsing needs the command's own module and what it imports, nothing else), median
of several runs, against the bare interpreter (`python -c pass`) in the same rounds."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import Context, Result

NAME = "startup"
TARGET_S = 0.3
COMMANDS = (["verify"], ["sweep"], ["report"], ["import"], ["serve"], ["audit"])
RUNS = 5


def _seconds(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def run(ctx: Context) -> list[Result]:
    leadflow = str(Path(sys.executable).with_name("leadflow"))
    results = []
    for command in COMMANDS:
        engine, floor = [], []
        for _ in range(RUNS):
            floor.append(_seconds([sys.executable, "-c", "pass"]))
            engine.append(_seconds([leadflow, *command, "--help"]))
        value, base = statistics.median(engine), statistics.median(floor)
        results.append(Result(
            bench=NAME, case=f"`leadflow {' '.join(command)} --help` start-up", value=value,
            unit="s", floor=base, floor_label="s python -c pass", ratio=base / value,
            target=f"< {TARGET_S} s", met=value < TARGET_S,
            details={"runs": RUNS, "spread": [round(min(engine), 3), round(max(engine), 3)]}))
    return results
