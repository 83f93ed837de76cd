"""The `reports:` section: which stay is signing for an item and which triggers send it back,
read into the definition (the figures read nothing else), and every mistake refused with its
file, line, path and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.items.transition import apply, create_item
from engine.kernel.clock import ManualClock
from engine.org.tree import load_org, read_org_file
from engine.reports.labels import definitions, semantics
from engine.runtime import open_runtime
from engine.storage.db import write_tx
from engine.workflow import ReportsDef, SignFor
from engine.workflow.loader import default_workflows_dir, load_dir, parse_definition
from tests.conftest import EXAMPLE_ORG, actors_of
from tests.engine.helpers import item_row, jid
from tests.engine.workflow.test_loader import MINI, line_of, problems_of

GOOD = MINI + """\
reports:
  sign_for: {state: open, trigger: start}
  returns: [finish]
"""
V3 = Path(__file__).parent / "legacy_v3"  # lead.yaml and rectification.yaml as shipped in v3


def test_the_section_is_read_into_the_definition() -> None:
    wf = parse_definition(GOOD, "mini.yaml")
    assert wf.reports == ReportsDef(sign_for=SignFor(state="open", trigger="start"),
                                    returns=("finish",))


def test_a_file_without_the_section_declares_neither() -> None:
    wf = parse_definition(MINI, "mini.yaml")
    assert wf.reports == ReportsDef()
    got = semantics([wf])
    assert (got.sign_for, got.returns) == ((), frozenset())


@pytest.mark.parametrize(("old", "new", "path", "words", "line_needle"), [
    ("state: open,", "state: nowhere,", "reports.sign_for.state", "unknown state 'nowhere'",
     "state: nowhere"),
    ("state: open, trigger: start", "state: working, trigger: finish",
     "reports.sign_for.state", "no deadline", "state: working"),
    ("trigger: start}", "trigger: finish}", "reports.sign_for.trigger",
     "no transition 'finish' leaves state 'open'", "trigger: finish}"),
    ("{state: open, trigger: start}", "{state: open}", "reports.sign_for",
     "sign_for must be", "sign_for:"),
    ("returns: [finish]", "returns: [send_back]", "reports.returns[0]",
     "unknown trigger 'send_back'", "send_back"),
    ("returns: [finish]", "returns: finish", "reports.returns", "must be a list",
     "returns: finish"),
    ("returns: [finish]", "returns: [finish]\n  sign_off: x", "reports.sign_off",
     "unknown setting", "sign_off"),
])
def test_mistakes_name_file_line_path_and_fix(old: str, new: str, path: str, words: str,
                                               line_needle: str) -> None:
    text = GOOD.replace(old, new)
    assert text != GOOD
    found = [p for p in problems_of(text) if p.path == path]
    assert found, problems_of(text)
    assert words in found[0].problem
    assert found[0].fix
    assert found[0].file == f"mini.yaml:{line_of(text, line_needle)}"


def test_the_shipped_workflows_declare_what_the_reports_read() -> None:
    """The meaning the reports once assumed is now the files' own declaration."""
    defs = load_dir(default_workflows_dir())
    got = semantics(defs)
    assert sorted(got.sign_for) == [("lead", "transferred", "accept"),
                                    ("rectification", "assigned", "start")]
    assert got.returns == frozenset({"return_for_info", "reject"})


def test_version_3_bodies_without_the_section_still_load() -> None:
    """Stored v3 bodies have no `reports:`; they load (items on them keep working) and
    declare nothing, while the shipped files are a new version with a new body."""
    old = {d.name: d for d in load_dir(V3)}
    new = {d.name: d for d in load_dir(default_workflows_dir())}
    assert {n: d.version for n, d in old.items()} == {"lead": 3, "rectification": 3}
    assert all(d.reports == ReportsDef() for d in old.values())
    assert all(new[n].version > old[n].version and new[n].content_hash != old[n].content_hash
               for n in old)


def test_a_database_on_version_3_upgrades_and_its_items_keep_their_version(
        db_url: str, clock: ManualClock) -> None:
    """A lead started on v3 is signed for on v3 after the v4 files are loaded; the reports
    read the sign-for and return triggers from the newest version."""
    old = open_runtime(db_url, V3, clock=clock)
    with write_tx(old.db) as conn:
        load_org(conn, read_org_file(EXAMPLE_ORG), clock.now())
    office = actors_of(old)["东城办-联络员"]
    lead = create_item(old, actor=office, workflow="lead", jurisdiction_id=jid(old, "510101"),
                       title="旧线索", data={"channel": "letter", "category": "violation"}
                       ).item_id
    apply(old, actor=office, item_id=lead, trigger="transfer", data={"unit": "dc-police"})
    old.db.dispose()
    rt = open_runtime(db_url, default_workflows_dir(), clock=clock)
    try:
        assert rt.registry.versions("lead") == [3, rt.registry.latest("lead").version]
        apply(rt, actor=actors_of(rt)["东城公安-承办人"], item_id=lead, trigger="accept",
              data={"disposal": "preliminary_check"})
        row = item_row(rt, lead)
        assert (row.state, row.workflow_version) == ("investigating", 3)
        got = semantics(definitions(rt.registry))
        assert ("lead", "transferred", "accept") in got.sign_for
        assert "return_for_info" in got.returns
    finally:
        rt.db.dispose()
