"""Benchmark: the lead ledger of a generated data set as XLSX (engine.reports.export_ledger,
openpyxl write-only, rows paged by id), in a process of its own so its peak RSS growth is
its own; RSS is sampled every 1000 rows. Target: 100k rows with RSS growth < 100 MB."""

from __future__ import annotations

import json
import subprocess
import sys

from bench import datacache
from bench.harness import Context, Result

NAME = "export"
TARGET_MB = 100
CHILD = """
import json, os, sys, time
from bench.env import NOW
from engine.kernel import SYSTEM
from engine.kernel.clock import ManualClock
from engine.reports import export_ledger
from engine.runtime import open_runtime
from engine.workflow import default_workflows_dir
rt = open_runtime(sys.argv[1], default_workflows_dir(), clock=ManualClock(NOW), migrate=False)
def rss_kb():  # resident now (not the peak, which start-up may already have set)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
before = peak = rss_kb()
def sample(_n):
    global peak
    peak = max(peak, rss_kb())
start = time.perf_counter()
with open(sys.argv[2], "wb") as out:
    record = export_ledger(rt, SYSTEM, out, workflow="lead", checkpoint=None,
                           progress=sample)
seconds = time.perf_counter() - start
sample(0)
print(json.dumps({"rows": record.rows, "seconds": seconds, "growth_kb": peak - before}))
"""


def run(ctx: Context) -> list[Result]:
    items = 100_000 if ctx.mode == "full" else 20_000
    ds = datacache.copy_of(datacache.dataset("mixed", items, overdue=items // 50),
                           ctx.workdir / "export.db")  # the export log is a write
    out = subprocess.run([sys.executable, "-c", CHILD, ds.url, str(ctx.workdir / "l.xlsx")],
                         check=True, capture_output=True, text=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    growth_mb = got["growth_kb"] / 1024
    return [Result(bench=NAME, case=f"lead ledger XLSX, {got['rows']:,} rows",
                   value=growth_mb, unit="MB RSS growth",
                   target=f"< {TARGET_MB} MB at 100k rows", met=growth_mb < TARGET_MB,
                   details={"rows": got["rows"], "seconds": got["seconds"],
                            "rows_per_s": got["rows"] / got["seconds"]})]
