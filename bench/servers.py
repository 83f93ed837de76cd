"""Start and stop the HTTP servers the benchmarks load: `leadflow serve` (one uvicorn
worker, as deployed) and the floor app, each in its own process, logs to /dev/null."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

SECRET = "bench-secret-not-for-production"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url} within {timeout:.0f} s")


@contextlib.contextmanager
def _process(cmd: list[str], env: dict[str, str], health: str) -> Iterator[int]:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        _wait_ready(health, proc)
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def leadflow_serve(database_url: str) -> Iterator[tuple[str, int]]:
    """(base URL, pid) of `leadflow serve` on `database_url`."""
    port = free_port()
    leadflow = Path(sys.executable).with_name("leadflow")
    env = dict(os.environ, LEADFLOW_DATABASE_URL=database_url, LEADFLOW_SECRET=SECRET,
               LEADFLOW_LOG_FORMAT="json", LEADFLOW_LOG_LEVEL="info",
               LEADFLOW_RUN_SCHEDULER="false")
    base = f"http://127.0.0.1:{port}"
    with _process([str(leadflow), "serve", "--port", str(port)], env,
                  f"{base}/healthz") as pid:
        yield base, pid


@contextlib.contextmanager
def floor_serve(db_path: Path, token: str) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with _process([sys.executable, "-m", "bench.floor_app", str(db_path), token, str(port)],
                  dict(os.environ), f"{base}/healthz"):
        yield base


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")
