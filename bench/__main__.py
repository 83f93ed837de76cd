"""`python -m bench --quick|--full [--only NAME ...]`: run the benchmarks, print the table,
write bench/results/<timestamp>-<mode>.json."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.env import quiet_production_logging
from bench.harness import FULL, QUICK, Context, Result, machine, skipped, table, write_json

# One module per benchmark, in order of priority.
BENCHMARKS = ("transitions", "verify", "queues", "sweep", "http", "memory", "tlog", "reports",
              "export", "console", "startup")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small sizes (default)")
    mode.add_argument("--full", action="store_true", help="full sizes (1M items)")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these")
    args = parser.parse_args()
    name = "full" if args.full else "quick"
    sizes = FULL if args.full else QUICK
    pg_url = os.environ.get("LEADFLOW_TEST_PG_URL")
    quiet_production_logging()
    started = time.perf_counter()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="leadflow-bench-") as tmp:
        ctx = Context(mode=name, sizes=sizes, workdir=Path(tmp), pg_url=pg_url)
        for bench in args.only or BENCHMARKS:
            t0 = time.perf_counter()
            print(f"running {bench} ...", file=sys.stderr, flush=True)
            module = importlib.import_module(f"bench.b_{bench}")
            try:
                rows = module.run(ctx)
            except Exception as exc:  # a broken benchmark is reported, the others still run
                traceback.print_exc()
                rows = [skipped(bench, "-", f"failed: {type(exc).__name__}: {exc}")]
            results.extend(rows)
            print(f"  {bench}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    info = machine(pg_url)
    print(f"\n{name} mode, {seconds:.0f} s; CPU {info['cpu']} x{info['cpus']}, Python "
          f"{info['python']}, SQLite {info['sqlite']}, PostgreSQL {info['postgresql']}\n")
    print(table(results))
    path = write_json(results, info, name, seconds)
    print(f"\nresults written to {path}")
    failed = [r for r in results if r.skipped.startswith("failed")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
