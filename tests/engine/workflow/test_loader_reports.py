"""The `reports:` section: which stay is signing for an item and which triggers send it back,
read into the definition (the figures read nothing else), and every mistake refused with its
file, line, path and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.reports.labels import semantics
from engine.workflow import ReportsDef, SignFor
from engine.workflow.loader import default_workflows_dir, load_dir, parse_definition
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
