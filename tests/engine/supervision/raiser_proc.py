"""A supervision raiser in its own process, for the two-process test.

    python -m tests.engine.supervision.raiser_proc URL NOW_ISO GO_FILE

Waits for GO_FILE (a start line shared by several processes), raises the overdue notices at
NOW on a ManualClock and prints how many it raised as JSON."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

from engine.kernel.clock import ManualClock
from engine.logs import configure
from engine.runtime import open_runtime
from engine.supervision import raise_overdue_notices
from engine.workflow.loader import default_workflows_dir


def main() -> int:
    url, now, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    configure("console", "warning")
    rt = open_runtime(url, default_workflows_dir(),
                      clock=ManualClock(datetime.fromisoformat(now)), migrate=False)
    while not go.exists():
        time.sleep(0.005)
    report = raise_overdue_notices(rt, batch_size=10)
    print(json.dumps({"raised": report.raised, "climbed": report.climbed}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
