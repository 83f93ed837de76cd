"""The `supervision:` and `extensions:` sections: read into the definition, and every mistake
refused with its file, line, path and fix."""

from __future__ import annotations

import pytest

from engine.workflow.loader import default_workflows_dir, load_dir, parse_definition
from tests.engine.workflow.test_loader import MINI, line_of, problems_of

GOOD = MINI + """\
supervision:
  levels:
    - {code: general, label: 一般}
    - {code: red, label: 红牌}
  issue_roles: [office]
  reply_roles: [handler]
  decide_roles: [office, supervisor]
  reply_working_days: 2
extensions:
  open: {max_count: 2, max_working_days: 5, request_roles: [handler], decide_roles: [office]}
"""


def test_the_sections_are_read_into_the_definition() -> None:
    wf = parse_definition(GOOD, "mini.yaml")
    assert wf.supervision is not None
    assert [(lv.code, lv.label, lv.order) for lv in wf.supervision.levels] == [
        ("general", "一般", 1), ("red", "红牌", 2)]
    assert wf.supervision.above("general") == wf.supervision.levels[1]
    assert wf.supervision.above("red") is None
    assert (wf.supervision.reply_working_days, wf.supervision.on_overdue) == (2, "raise")
    rule = wf.extensions["open"]
    assert (rule.max_count, rule.max_working_days, rule.request_roles, rule.decide_roles) == (
        2, 5, ("handler",), ("office",))


def test_a_file_without_the_sections_allows_neither() -> None:
    wf = parse_definition(MINI, "mini.yaml")
    assert (wf.supervision, dict(wf.extensions)) == (None, {})


@pytest.mark.parametrize(("old", "new", "path", "words", "line_needle"), [
    ("{code: red, label: 红牌}", "{code: general, label: 红牌}", "supervision.levels[1].code",
     "declared twice", "code: general, label: 红牌"),
    ("{code: red, label: 红牌}", "{code: Red, label: 红牌}", "supervision.levels[1].code",
     "lower-case", "code: Red"),
    ("issue_roles: [office]", "issue_roles: [mayor]", "supervision.issue_roles",
     "unknown role 'mayor'", "issue_roles"),
    ("reply_working_days: 2", "reply_working_days: 0", "supervision.reply_working_days",
     "from 1 to", "reply_working_days"),
    ("  reply_working_days: 2\n", "  reply_working_days: 2\n  on_overdue: shout\n",
     "supervision.on_overdue", "on_overdue must be one of", "on_overdue"),
    ("  open: {max_count", "  nowhere: {max_count", "extensions.nowhere", "unknown state",
     "nowhere"),
    ("  open: {max_count", "  working: {max_count", "extensions.working", "no deadline",
     "working: {max_count"),
    ("max_count: 2,", "max_count: 20,", "extensions.open.max_count", "from 1 to 10",
     "max_count"),
    ("decide_roles: [office]}", "decide_roles: [system]}", "extensions.open.decide_roles",
     "unknown role 'system'", "decide_roles: [system]"),
    ("request_roles: [handler], ", "", "extensions.open", "missing request_roles",
     "open: {max_count"),
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


def test_supervision_triggers_are_reserved() -> None:
    text = MINI.replace("trigger: finish", "trigger: supervise")
    assert any("reserved" in p.problem for p in problems_of(text))


def test_both_shipped_workflows_declare_supervision_and_extensions() -> None:
    defs = {d.name: d for d in load_dir(default_workflows_dir())}
    assert all(d.supervision is not None and d.extensions for d in defs.values())
    assert set(defs["lead"].extensions) == {"transferred", "investigating"}
    assert set(defs["rectification"].extensions) == {"rectifying"}
