"""The README's quickstart works as written against a real `leadflow demo`."""

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


def readme_block(section: str, marker: str) -> str:
    """The shell block of a README section that contains `marker`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", body, flags=re.S)
    return next(b for b in blocks if marker in b)


def quickstart_script() -> str:
    """The shell block of the Quickstart section that talks to the running demo."""
    return readme_block("Quickstart (HTTP API)", "demo-tokens.sh")


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


def _run_against_demo(tmp_path: Path, script: str) -> str:
    """Start `leadflow demo` on a free port, run `script` with bash, return its output."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {"LEADFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'leadflow.db'}",
                        "LEADFLOW_LOG_FORMAT": "json", "LEADFLOW_URL": url}
    proc = subprocess.Popen([str(LEADFLOW), "demo", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_up(url, proc)
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", script],
                             cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=120, check=False)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_quickstart_runs_against_demo(tmp_path: Path) -> None:
    """Every curl of the quickstart succeeds and shows the statuses the text promises."""
    out = _run_against_demo(tmp_path, quickstart_script())
    assert '{"status":"ok"}' in out
    assert "retry: 200" in out
    assert "stale If-Match: 412" in out
    assert "other county: 404" in out
    assert '"state":"closed"' in out
    assert '"ok":true' in out


def test_readme_intake_and_receipt_follow_up_work(tmp_path: Path) -> None:
    """The README's platform intake gives a receipt code that follows up and reads status."""
    script = readme_block("Lead intake and the reporter's protection", "receipts/info")
    out = _run_against_demo(tmp_path, script)
    code = re.search(r"receipt code: (\S+)", out)
    assert code is not None, out
    assert len(code.group(1)) >= 20
    assert '"follow_ups":1' in out
    assert "张某" not in out  # the public status carries no internal data
