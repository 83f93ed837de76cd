"""The quickstart in docs/api.md works as written against a real `leadflow demo`."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
LEADFLOW = Path(sys.executable).parent / "leadflow"


def quickstart_script() -> str:
    """The shell block of the Quickstart section that talks to the running demo."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    section = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return next(b for b in blocks if "demo-tokens.sh" in b)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(300):  # waiting for a server to bind, not for a deadline
        if proc.poll() is not None:
            raise AssertionError(f"leadflow demo exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("leadflow demo did not start")


def test_quickstart_runs_against_demo(tmp_path: Path) -> None:
    """Every curl of the quickstart succeeds and shows the statuses the text promises."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {"LEADFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'leadflow.db'}",
                        "LEADFLOW_LOG_FORMAT": "json", "LEADFLOW_URL": url}
    proc = subprocess.Popen([str(LEADFLOW), "demo", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_up(url, proc)
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", quickstart_script()],
                             cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=120, check=False)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert '{"status":"ok"}' in out
    assert "retry: 200" in out
    assert "stale If-Match: 412" in out
    assert "other county: 404" in out
    assert '"state":"closed"' in out
    assert '"ok":true' in out
