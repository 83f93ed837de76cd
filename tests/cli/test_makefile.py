"""`make run` and `make test` as a newcomer types them (dry runs of make, nothing installed):
run installs the runtime dependencies only and takes PORT and HOST; test brings the dev
tools; each has its own stamp, so neither leaves the other thinking it is set up."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _make(*args: str, env: dict[str, str] | None = None, venv: Path) -> list[str]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(["make", "-n", "--no-print-directory", "-C", str(ROOT),
                             f"VENV={venv}", *args],
                            capture_output=True, text=True, check=True, timeout=60,
                            env=env)
    return result.stdout.splitlines()


def test_run_installs_the_runtime_dependencies_only(tmp_path: Path) -> None:
    """A fresh `make run`: a venv, `pip install -e .` (no [dev]), then the demo."""
    lines = _make("run", venv=tmp_path / "v")
    installs = [line for line in lines if "pip install" in line and "--upgrade pip" not in line]
    assert installs == [f"{tmp_path / 'v'}/bin/pip install --quiet -e ."]
    assert lines[-1].rstrip() == f"{tmp_path / 'v'}/bin/leadflow demo"


def test_run_takes_port_and_host(tmp_path: Path) -> None:
    """`make run PORT=8080 HOST=0.0.0.0` hands both to the demo."""
    lines = _make("run", "PORT=8080", "HOST=0.0.0.0", venv=tmp_path / "v")
    assert lines[-1] == f"{tmp_path / 'v'}/bin/leadflow demo --host 0.0.0.0 --port 8080"


def test_a_port_variable_in_the_environment_is_not_taken(tmp_path: Path) -> None:
    """Only PORT given to make counts (LEADFLOW_PORT is the environment's way), so a PORT
    exported for something else does not move the demo."""
    import os

    lines = _make("run", venv=tmp_path / "v", env=dict(os.environ, PORT="5555"))
    assert "5555" not in lines[-1]


def test_test_installs_the_dev_tools_with_their_own_stamp(tmp_path: Path) -> None:
    """`make test` on a fresh clone installs `.[dev]`, and does so even after `make run`
    set up the runtime (its stamp is not the run's)."""
    venv = tmp_path / "v"
    lines = _make("test", venv=venv)
    assert f"{venv}/bin/pip install --quiet -e '.[dev]'" in lines
    assert lines[-1] == f"scripts/with-postgres {venv}/bin/pytest -q"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    (venv / ".installed-run").touch()
    assert f"{venv}/bin/pip install --quiet -e '.[dev]'" in _make("test", venv=venv)
