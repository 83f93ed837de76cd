"""Loading workflow files: both shipped workflows load, and every validation error names the
file (with line), the path inside it, what is wrong and how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import DefinitionError, DefinitionProblem
from engine.kernel.durations import Duration, DurationUnit
from engine.workflow.fields import Choice
from engine.workflow.loader import default_workflows_dir, load_dir, load_file, parse_definition

# A small valid workflow; each error case below breaks it in one place.
MINI = """\
name: mini
version: 1
title: Mini
states:
  open:
    initial: true
    deadline: {days: 2}
  working: {}
  done:
    final: true
transitions:
  - trigger: start
    source: open
    dest: working
    roles: [office]
  - trigger: finish
    source: working
    dest: done
    roles: [office]
"""

EXTRA_TRANSITION = """\
  - trigger: {trigger}
    source: {source}
    dest: {dest}
    roles: [office]
"""


def problems_of(text: str, file: str = "mini.yaml") -> list[DefinitionProblem]:
    with pytest.raises(DefinitionError) as info:
        parse_definition(text, file)
    assert str(info.value) == "\n".join(str(p) for p in info.value.problems)
    return info.value.problems


def line_of(text: str, needle: str) -> int:
    """1-based number of the last line containing `needle`."""
    return max(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def with_transition(trigger: str, source: str, dest: str, text: str = MINI) -> str:
    return text + EXTRA_TRANSITION.format(trigger=trigger, source=source, dest=dest)


def with_state(name: str, settings: str = "{}", text: str = MINI) -> str:
    return text.replace("  done:\n", f"  {name}: {settings}\n  done:\n")


# (case id, broken text, expected path, words of the problem, line the problem points at)
CASES: list[tuple[str, str, str, str, str]] = [
    ("unknown destination", MINI.replace("dest: done", "dest: nowhere"),
     "transitions[1].dest", "unknown destination state 'nowhere'", "dest: nowhere"),
    ("unknown source", MINI.replace("source: working", "source: limbo"),
     "transitions[1].source", "unknown source state 'limbo'", "source: limbo"),
    ("unreachable state", with_transition("leave", "orphan", "done", with_state("orphan")),
     "states.orphan", "cannot be reached from the initial state", "orphan: {}"),
    ("no way out", with_transition("detour", "open", "stuck", with_state("stuck")),
     "states.stuck", "non-final state 'stuck' has no way out", "stuck: {}"),
    ("final with outgoing", with_transition("revive", "done", "working"),
     "transitions[2].source", "final state 'done' cannot have outgoing transitions",
     "source: done"),
    ("trigger twice from one source", with_transition("start", "open", "done"),
     "transitions[2].trigger", "trigger 'start' is defined twice from state 'open'",
     "trigger: start"),
    ("unknown role", MINI.replace("roles: [office]\n  - trigger: finish",
                                  "roles: [boss]\n  - trigger: finish"),
     "transitions[0].roles", "unknown role 'boss'", "roles: [boss]"),
    ("bad duration unit", MINI.replace("{days: 2}", "{weeks: 2}"),
     "states.open.deadline.weeks", "unknown duration unit 'weeks'", "weeks"),
    ("non-positive duration", MINI.replace("{days: 2}", "{days: 0}"),
     "states.open.deadline.days", "duration must be a positive number", "deadline"),
    ("missing transition keys", MINI.replace("    dest: done\n", ""),
     "transitions[1]", "transition is missing dest", "trigger: finish"),
    ("missing states", MINI.split("states:")[0] + "transitions: []\n",
     "states", "states must be a non-empty mapping", "name: mini"),  # missing: the top
    ("missing name", MINI.replace("name: mini\n", ""),
     "name", "name must be a lower-case identifier, got None", "version: 1"),
    ("bad version", MINI.replace("version: 1", "version: '1'"),
     "version", "version must be a positive integer", "version: '1'"),
    ("no initial state", MINI.replace("    initial: true\n", ""),
     "states", "exactly one state must be initial, found none", "states:"),
    ("two initial states", MINI.replace("  working: {}", "  working: {initial: true}"),
     "states", "exactly one state must be initial, found ['open', 'working']", "states:"),
    ("no final state", MINI.replace("    final: true\n", "    closed: true\n"),
     "states", "no final state", "states:"),
    ("reserved trigger escalate", MINI.replace("trigger: finish", "trigger: escalate"),
     "transitions[1].trigger", "trigger 'escalate' is reserved for the engine",
     "trigger: escalate"),
    ("reserved trigger create", MINI.replace("trigger: start", "trigger: create"),
     "transitions[0].trigger", "trigger 'create' is reserved for the engine", "trigger: create"),
    ("unknown top-level key", MINI + "colour: blue\n",
     "colour", "unknown top-level key 'colour'", "colour: blue"),
    ("unknown field type", MINI.replace(
        "    roles: [office]\n  - trigger: finish",
        "    roles: [office]\n    requires: {note: {type: date}}\n  - trigger: finish"),
     "transitions[0].requires.note.type", "unknown field type 'date'", "requires:"),
    ("empty enum", MINI + "    requires: {outcome: {enum: []}}\n",
     "transitions[1].requires.outcome.enum", "enum needs a non-empty list", "requires:"),
    ("unknown condition operator", MINI + "    conditions: [{field: category, like: x}]\n",
     "transitions[1].conditions[0]", "a condition needs exactly one operator",
     "conditions:"),
    ("reminder without deadline", MINI.replace(
        "  working: {}", "  working: {reminder: {at_fraction: 0.5}}"),
     "states.working.reminder", "a reminder needs a deadline", "working:"),
    ("deadline on a final state", MINI.replace(
        "    final: true\n", "    final: true\n    deadline: {hours: 1}\n"),
     "states.done.deadline", "a final or closed state cannot have a deadline",
     "deadline: {hours: 1}"),
    ("unknown state setting", MINI.replace("  working: {}", "  working: {colour: red}"),
     "states.working.colour", "unknown state setting(s): ['colour']", "working:"),
    ("bad escalation level", MINI + "escalation: {max_level: 7}\n",
     "escalation.max_level", "max_level must be 0..3, got 7", "escalation:"),
    ("destination not a name", MINI.replace("dest: done", "dest: [done]"),
     "transitions[1].dest", "unknown destination state ['done']", "dest: [done]"),
    ("key written twice", MINI.replace("  working: {}\n", "  working: {}\n  working: {x: 1}\n"),
     "states.working", "states.working is written twice", "working: {x: 1}"),
    ("vocabularies not a mapping", MINI + "vocabularies: [channel]\n",
     "vocabularies", "vocabularies must map a field name to its values", "vocabularies:"),
    ("empty vocabulary", MINI + "vocabularies: {channel: []}\n",
     "vocabularies.channel", "vocabulary 'channel' needs a non-empty mapping", "vocabularies:"),
]


@pytest.mark.parametrize(("text", "path", "words", "at"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_validation_error_names_file_line_path_and_fix(text: str, path: str, words: str,
                                                        at: str) -> None:
    """Each validation error points at file:line and the path, says what is wrong and a fix."""
    found = [p for p in problems_of(text) if p.path == path and words in p.problem]
    assert found, [str(p) for p in problems_of(text)]
    problem = found[0]
    assert problem.file == f"mini.yaml:{line_of(text, at)}"
    assert problem.fix.strip()
    assert str(problem).startswith(f"mini.yaml:{line_of(text, at)}: at {path}: ")


def test_invalid_yaml_names_the_line_of_the_syntax_error() -> None:
    """Text that is not YAML is one problem at the line where parsing failed."""
    text = MINI.replace("    roles: [office]\n  - trigger: finish",
                        "    roles: [office\n  - trigger: finish")
    (problem,) = problems_of(text)
    assert problem.path == "<yaml>"
    assert "not valid YAML" in problem.problem
    assert problem.file.startswith("mini.yaml:")
    broken = text.splitlines().index("    roles: [office") + 1
    assert int(problem.file.split(":")[1]) in (broken, broken + 1)  # where parsing gave up
    assert "YAML syntax" in problem.fix


def test_a_file_that_is_not_a_mapping_is_refused() -> None:
    """A YAML list at the top is refused with a hint on how a workflow starts."""
    (problem,) = problems_of("- a\n- b\n")
    assert problem.path == "<top>"
    assert "name:" in problem.fix


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    """Several mistakes in one file come back together, not one per attempt."""
    text = MINI.replace("dest: done", "dest: nowhere").replace("{days: 2}", "{weeks: 2}")
    paths = {p.path for p in problems_of(text)}
    assert {"transitions[1].dest", "states.open.deadline.weeks"} <= paths


def test_mini_workflow_is_valid() -> None:
    """The base of the error cases is itself a valid workflow."""
    wf = parse_definition(MINI, "mini.yaml")
    assert wf.initial_state == "open"
    assert wf.states["open"].deadline == Duration(unit=DurationUnit.days, amount=2)
    assert [t.trigger for t in wf.transitions_from("open")] == ["start"]


def test_requires_accepts_a_plain_list_of_text_fields() -> None:
    """`requires: [reason]` (a file without `fields:`) means one required text field named
    reason, stored on the item as version-1 files did."""
    wf = parse_definition(MINI + "    requires: [reason]\n", "mini.yaml")
    (spec,) = wf.transitions[1].fields
    assert (spec.name, spec.kind, spec.required, spec.stored) == ("reason", "text", True, True)


def test_shipped_lead_workflow_loads() -> None:
    """workflows/lead.yaml loads with its states, triggers, deadlines and escalation."""
    wf = load_file(default_workflows_dir() / "lead.yaml")
    assert (wf.name, wf.version, wf.title) == ("lead", 4, "问题线索")
    assert wf.initial_state == "received"
    assert {s for s, d in wf.states.items() if d.final} == {"to_discipline", "merged"}
    assert wf.states["closed"].closed
    assert not wf.states["closed"].final
    assert {s for s, d in wf.states.items() if d.pauses_clock} == {"returned", "suspended",
                                                                   "parked"}
    assert wf.states["parked"].review == Duration(unit=DurationUnit.working_days, amount=20)
    assert wf.states["investigating"].deadline == Duration(unit=DurationUnit.working_days,
                                                           amount=30)
    assert wf.escalation.max_level == 3
    close = wf.transition("investigating", "close")
    assert close is not None
    assert {f.name: f.kind for f in close.fields} == {"outcome": "enum", "conclusion": "text",
                                                      "disposal": "enum"}
    assert {f.name: f.stored for f in wf.transitions[1].fields} == {"reason": False}
    assert set(wf.vocabularies) == {"channel", "category", "outcome", "reporter_kind",
                                    "disposal"}
    assert wf.declared
    assert wf.fields["channel"].choices[2] == Choice(value="letter", label="来信")


def test_shipped_rectification_workflow_loads() -> None:
    """workflows/rectification.yaml loads with rejection leading back to rectifying."""
    wf = load_file(default_workflows_dir() / "rectification.yaml")
    assert (wf.name, wf.version) == ("rectification", 4)
    assert wf.initial_state == "identified"
    reject = wf.transition("submitted", "reject")
    assert reject is not None
    assert reject.dest == "rectifying"
    assert {s for s, d in wf.states.items() if d.final} == {"closed", "withdrawn"}


def test_load_dir_loads_both_shipped_workflows() -> None:
    """The shipped folder holds exactly the lead and rectification workflows, both valid."""
    assert sorted(d.name for d in load_dir(default_workflows_dir())) == ["lead", "rectification"]


def test_load_dir_reports_problems_of_several_files_at_once(tmp_path: Path) -> None:
    """Two broken files in one folder: one error lists the problems of both."""
    (tmp_path / "a.yaml").write_text(MINI.replace("dest: done", "dest: nowhere"), "utf-8")
    (tmp_path / "b.yaml").write_text(MINI.replace("name: mini", "name: other")
                                     .replace("roles: [office]", "roles: [boss]"), "utf-8")
    (tmp_path / "c.yaml").write_text(MINI.replace("name: mini", "name: fine"), "utf-8")
    with pytest.raises(DefinitionError) as info:
        load_dir(tmp_path)
    files = {p.file.split(":")[0] for p in info.value.problems}
    assert files == {str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")}


def test_load_dir_refuses_one_version_defined_in_two_files(tmp_path: Path) -> None:
    """Two files declaring the same name and version are a problem naming both files."""
    (tmp_path / "a.yaml").write_text(MINI, "utf-8")
    (tmp_path / "b.yaml").write_text(MINI.replace("title: Mini", "title: Other"), "utf-8")
    with pytest.raises(DefinitionError) as info:
        load_dir(tmp_path)
    (problem,) = info.value.problems
    assert problem.path == "version"
    assert str(tmp_path / "a.yaml") in problem.problem


def test_load_dir_of_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    """A folder without workflow files is an error, not an empty engine."""
    with pytest.raises(DefinitionError, match=r"no \*\.yaml workflow files"):
        load_dir(tmp_path)
