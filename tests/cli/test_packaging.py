"""A plain (not editable) install carries everything the demo needs: the workflow files, the
migrations and the example org travel inside the packages, so `leadflow demo --no-serve`
works from any folder. Built offline: the wheel is made from a copy of the tracked files with
the build tools already installed (no build isolation, so nothing is fetched)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tracked_copy(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout to know which files are tracked")
    work = tmp_path_factory.mktemp("pkg")
    src = _tracked_copy(work / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(work / "dist"), str(src)], check=True)
    (wheel,) = (work / "dist").glob("leadflow-*.whl")
    target = work / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    return target


def _run_installed(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Python without site (so the editable install's path hook is not loaded), with the
    unpacked wheel first and the dependencies' site-packages after it."""
    code = ("import sys; sys.path[:0] = sys.argv[1:3]; del sys.argv[1:3]; "
            "from cli.main import main; sys.exit(main(sys.argv[1:]))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADFLOW_")}
    return subprocess.run([sys.executable, "-S", "-c", code, str(target),
                           sysconfig.get_paths()["purelib"], *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_wheel_holds_the_data_files(installed: Path) -> None:
    """Workflow files, migrations and the example org are in the wheel."""
    assert (installed / "workflows" / "lead.yaml").is_file()
    assert (installed / "cli" / "examples" / "org.yaml").is_file()
    assert list((installed / "engine" / "storage" / "migrations" / "versions").glob("0001_*"))
    entry = next(installed.glob("leadflow-*.dist-info")) / "entry_points.txt"
    assert "leadflow = cli.main:main" in entry.read_text()


def test_demo_without_serving_works_from_any_folder(installed: Path, tmp_path: Path) -> None:
    """From a folder with no checkout, the installed demo builds its database and tokens."""
    db = tmp_path / "demo.db"
    out = _run_installed(installed, tmp_path, "--database-url", f"sqlite:///{db}",
                         "demo", "--no-serve")
    assert out.returncode == 0, out.stderr
    assert "demo item(s) created" in out.stdout
    assert "CITY_OFFICE_TOKEN" in out.stdout
    assert (tmp_path / "var" / "demo-tokens.sh").is_file()
    imported = _run_installed(installed, tmp_path, "--help")
    assert imported.returncode == 0
    # the code that ran is the installed copy, not the checkout
    where = subprocess.run([sys.executable, "-S", "-c",
                            "import sys; sys.path[:0] = sys.argv[1:3]; import cli; "
                            "print(cli.__file__)", str(installed),
                            sysconfig.get_paths()["purelib"]],
                           cwd=tmp_path, capture_output=True, text=True, check=True)
    assert where.stdout.strip().startswith(str(installed))
