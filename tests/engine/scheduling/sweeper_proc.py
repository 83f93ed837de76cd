"""A sweeper in its own process, for the multi-process and SIGKILL tests.

    python -m tests.engine.scheduling.sweeper_proc URL NOW_ISO [--batch N] [--block-after K]
        [--go FILE]

Waits for FILE to exist (a start line shared by several processes), runs one sweep at NOW on
a ManualClock, prints the report as JSON. With --block-after K it prints "blocked" after its
K-th step, inside the open transaction, and waits there to be killed."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from engine.deadlines.plan import Step
from engine.kernel.clock import ManualClock
from engine.logs import configure
from engine.runtime import open_runtime
from engine.scheduling.sweep import run_sweep
from engine.workflow.loader import default_workflows_dir


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("now")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--block-after", type=int, default=0)
    p.add_argument("--go", type=Path)
    args = p.parse_args()
    configure("console", "warning")  # logs to stderr; stdout carries the protocol
    rt = open_runtime(args.url, default_workflows_dir(),
                      clock=ManualClock(datetime.fromisoformat(args.now)), migrate=False)
    steps = 0

    def progress(_item_id: int, _step: Step) -> None:
        nonlocal steps
        steps += 1
        if steps == args.block_after:
            print("blocked", flush=True)
            threading.Event().wait()  # hold the transaction open until SIGKILL

    while args.go is not None and not args.go.exists():
        time.sleep(0.005)
    report = run_sweep(rt, batch_size=args.batch, progress=progress)
    print(json.dumps({"items": report.items, "escalations": report.escalations,
                      "failed": report.failed}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
