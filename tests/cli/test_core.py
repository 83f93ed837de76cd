"""The `leadflow` command line, run in-process against a temporary SQLite database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text, update

from cli.main import main
from engine.storage.db import make_engine, write_tx
from engine.workflow.loader import default_workflows_dir
from tests.conftest import EXAMPLE_ORG
from tests.engine.helpers import EVENT
from tests.engine.workflow.test_loader import MINI

LEAD = '{"channel": "letter", "category": "violation"}'


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def loaded(capsys: pytest.CaptureFixture[str], url: str) -> dict[str, int]:
    """init + org load; return user ids by name as printed by `org load`."""
    assert run(capsys, "--database-url", url, "init")[0] == 0
    code, out, _ = run(capsys, "--database-url", url, "org", "load", str(EXAMPLE_ORG))
    assert code == 0
    return {m[1]: int(m[0]) for m in re.findall(r"user (\d+): (\S+) \(", out)}


def test_init_creates_the_database_and_stores_workflows(
        capsys: pytest.CaptureFixture[str], url: str) -> None:
    """init migrates and stores both workflows; a second init stores nothing new."""
    code, out, _ = run(capsys, "--database-url", url, "init")
    assert code == 0
    assert re.search(r"^lead v4 stored \([0-9a-f]{12}\)$", out, re.M)
    assert re.search(r"^rectification v4 stored", out, re.M)
    assert f"database ready: {url}" in out
    code, again, _ = run(capsys, "--database-url", url, "init")
    assert code == 0
    assert "stored" not in again


def test_workflows_check_passes_the_shipped_folder(capsys: pytest.CaptureFixture[str]) -> None:
    """check on a good folder exits 0 with one line per workflow."""
    code, out, _ = run(capsys, "workflows", "check", str(default_workflows_dir()))
    assert code == 0
    assert f"ok  {default_workflows_dir() / 'lead.yaml'}: lead v4, 9 states, 13 transitions" \
        in out
    assert "rectification v4, 7 states, 7 transitions" in out


def test_workflows_check_reports_a_broken_file(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    """check on a folder with a broken file exits 1 and prints file:line, path and fix."""
    (tmp_path / "mini.yaml").write_text(MINI.replace("dest: done", "dest: nowhere"), "utf-8")
    code, out, err = run(capsys, "workflows", "check", str(tmp_path))
    assert code == 1
    assert out == ""
    assert (f"{tmp_path / 'mini.yaml'}:18: at transitions[1].dest: unknown destination state "
            "'nowhere' (fix: use one of the states: open, working, done)") in err
    assert err.rstrip().endswith("3 problem(s) found")  # plus the two it causes


def test_workflows_diagram_prints_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    """diagram lead prints a Mermaid state diagram with every transition and final state."""
    code, out, _ = run(capsys, "workflows", "diagram", "lead")
    assert code == 0
    front, body = out.split("---\n")[1:]
    assert front == 'title: "问题线索 (lead v4)"\n'
    assert body.startswith("stateDiagram-v2\n")
    assert '  state "returned 退回补充 (clock paused)" as returned\n' in body
    assert "  transferred --> investigating: accept\n" in body
    assert "  [*] --> received\n" in body
    assert body.endswith("  to_discipline --> [*]\n  merged --> [*]\n")


def test_workflows_diagram_of_an_unknown_name_fails(capsys: pytest.CaptureFixture[str]) -> None:
    """diagram of a name that is not defined exits 1 and lists the names there are."""
    code, _, err = run(capsys, "workflows", "diagram", "nope")
    assert code == 1
    assert "have: lead, rectification" in err


def test_org_load_prints_the_users(capsys: pytest.CaptureFixture[str], url: str) -> None:
    """org load reports counts and each user's id, so later commands can act as them."""
    users = loaded(capsys, url)
    assert len(users) == 10
    assert "市办-线索组" in users


def test_items_create_and_fire(capsys: pytest.CaptureFixture[str], url: str) -> None:
    """items create then items fire move a lead and print its ref and states."""
    users = loaded(capsys, url)
    office = str(users["市办-线索组"])
    code, out, _ = run(capsys, "--database-url", url, "items", "create", "--as", office,
                       "--workflow", "lead", "--jurisdiction", "5101", "--title", "线索",
                       "--data", '{"channel": "letter", "category": "violation"}')
    assert code == 0
    match = re.search(r"created item (\d+) (5101-\d{4}-000001) in state received", out)
    assert match
    code, out, _ = run(capsys, "--database-url", url, "items", "fire", match[1], "transfer",
                       "--as", office, "--data", '{"unit": "city-police"}')
    assert code == 0
    assert f"item {match[1]} {match[2]}: received → transferred (version 2)" in out


def test_items_fire_refused_prints_the_allowed_triggers(capsys: pytest.CaptureFixture[str],
                                                        url: str) -> None:
    """A refused trigger exits 1 with the engine's message on stderr."""
    users = loaded(capsys, url)
    office = str(users["市办-线索组"])
    run(capsys, "--database-url", url, "items", "create", "--as", office, "--workflow", "lead",
        "--jurisdiction", "5101", "--title", "线索", "--data", LEAD)
    code, _, err = run(capsys, "--database-url", url, "items", "fire", "1", "close", "--as",
                       office)
    assert code == 1
    assert "error: trigger 'close' is not allowed from state 'received'; allowed now: " in err


def test_verify_passes_then_fails_after_tampering(capsys: pytest.CaptureFixture[str],
                                                  url: str) -> None:
    """verify exits 0 on an intact trail and 1, naming item and event, after tampering."""
    users = loaded(capsys, url)
    office = str(users["市办-线索组"])
    run(capsys, "--database-url", url, "items", "create", "--as", office, "--workflow", "lead",
        "--jurisdiction", "5101", "--title", "线索", "--data", LEAD)
    run(capsys, "--database-url", url, "items", "fire", "1", "transfer", "--as", office,
        "--data", '{"unit": "city-police"}')
    code, out, _ = run(capsys, "--database-url", url, "verify")
    assert (code, out) == (0, "checked 1 item(s), 2 event(s)\nall chains verify\n")
    db = make_engine(url)
    with write_tx(db) as conn:
        conn.execute(text("DROP TRIGGER audit_event_no_update"))
        conn.execute(update(EVENT).where(EVENT.c.seq == 2).values(comment="改过"))
    db.dispose()
    code, out, _ = run(capsys, "--database-url", url, "verify")
    assert code == 1
    assert "BROKEN item 1 (5101-" in out
    assert "at event 2: content does not match its hash" in out
    code, out, _ = run(capsys, "--database-url", url, "verify", "--json")
    report = json.loads(out)
    assert (report["ok"], report["broken"][0]["seq"]) == (False, 2)


def test_org_load_of_a_missing_file_fails_cleanly(capsys: pytest.CaptureFixture[str],
                                                  url: str, tmp_path: Path) -> None:
    """org load of a file that does not exist exits 1 with one error line."""
    assert run(capsys, "--database-url", url, "init")[0] == 0
    code, _, err = run(capsys, "--database-url", url, "org", "load", str(tmp_path / "x.yaml"))
    assert code == 1
    assert err.strip().endswith("cannot read the org file: No such file or directory")


def test_workflows_check_of_a_missing_path_says_so(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    """A path that does not exist is named as such, not as a folder without workflows."""
    code, out, err = run(capsys, "workflows", "check", str(tmp_path / "nope"))
    assert (code, out) == (1, "")
    assert err == (f"error: {tmp_path / 'nope'} does not exist; give a folder of *.yaml "
                   "workflow files or one workflow file\n")


def test_workflows_check_accepts_a_single_file(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    """One workflow file is checked on its own: ok, or its problems with file:line."""
    code, out, _ = run(capsys, "workflows", "check", str(default_workflows_dir() / "lead.yaml"))
    assert code == 0
    assert out == (f"ok  {default_workflows_dir() / 'lead.yaml'}: lead v4, 9 states, "
                   "13 transitions\n")
    broken = tmp_path / "mini.yaml"
    broken.write_text(MINI.replace("dest: done", "dest: nowhere"), "utf-8")
    code, out, err = run(capsys, "workflows", "check", str(broken))
    assert (code, out) == (1, "")
    assert f"{broken}:18: at transitions[1].dest: unknown destination state 'nowhere'" in err


def test_org_load_reports_every_problem_and_loads_nothing(
        capsys: pytest.CaptureFixture[str], url: str, tmp_path: Path) -> None:
    """Every bad entry is named at once, by section, index and name; nothing is loaded."""
    assert run(capsys, "--database-url", url, "init")[0] == 0
    org = tmp_path / "org.yaml"
    org.write_text(EXAMPLE_ORG.read_text("utf-8").replace(
        "unit: dc-police}", "unit: dc-polise}").replace(
        "role: handler, jurisdiction: \"510102\"", "role: handlr, jurisdiction: \"510102\""),
        "utf-8")
    code, out, err = run(capsys, "--database-url", url, "org", "load", str(org))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "error: 2 problem(s) in the org file, nothing was loaded:",
        "  users[5] (东城公安-承办人): unknown unit 'dc-polise'",
        "  users[7] (西城公安-承办人): role 'handlr' is not one of admin, client, handler, "
        "office, supervisor",
    ]
    code, out, _ = run(capsys, "--database-url", url, "org", "load", str(EXAMPLE_ORG))
    assert code == 0
    assert "loaded 5 jurisdiction(s), 15 unit(s), 10 user(s)" in out
