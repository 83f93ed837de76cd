"""Loading field declarations: the item's `fields:`, each transition's `sets:` and `params:`,
vocabularies as a field's values, conditions on stored fields. Every mistake names file:line,
the path, what is wrong and a fix, like every other problem of a workflow file."""

from __future__ import annotations

import pytest

from engine.workflow.fields import Choice, FieldSpec
from engine.workflow.loader import parse_definition
from tests.engine.workflow.test_loader import MINI, line_of, problems_of

VOCAB = "vocabularies:\n  kind: {a: 甲, b: 乙}\n"
FIELDS = """\
fields:
  kind: {vocabulary: kind, label: 类别, help: 按来源分类}
  info:
    type: object
    label: 详情
    fields:
      name: {type: text, label: 名称, required: true}
  files: {type: list, items: {type: object, fields: {name: text}}}
  place: {type: unit, label: 承办单位}
  due: {type: date, label: 期限, create_roles: [office]}
"""
FINISH = """\
    sets: {kind: required, due: optional}
    params:
      note: {type: text, label: 说明, required: false}
    conditions:
      - {field: kind, equals: a}
"""


def declared(fields: str = FIELDS, finish: str = FINISH, vocab: str = VOCAB) -> str:
    """MINI with declared fields; `finish` is added to its second transition."""
    return MINI + finish + vocab + fields


def test_a_declared_workflow_holds_what_a_form_needs() -> None:
    """Item fields and transition fields come back typed, labelled, with their choices,
    whether required, and whether stored or only recorded in the audit event."""
    wf = parse_definition(declared(), "mini.yaml")
    assert wf.declared
    assert list(wf.fields) == ["kind", "info", "files", "place", "due"]
    kind = wf.fields["kind"]
    assert (kind.kind, kind.label, kind.help, kind.vocabulary, kind.required) == (
        "enum", "类别", "按来源分类", "kind", False)
    assert kind.choices == (Choice(value="a", label="甲"), Choice(value="b", label="乙"))
    assert kind.create_roles == ("office", "handler")  # the workflow's default creators
    assert wf.fields["due"].create_roles == ("office",)
    info = wf.fields["info"]
    assert info.fields == (FieldSpec(name="name", kind="text", label="名称", required=True),)
    files = wf.fields["files"]
    assert files.items is not None
    assert [f.name for f in files.items.fields] == ["name"]
    assert wf.routing_field("unit") == wf.fields["place"]
    finish = wf.transitions[1]
    assert [(f.name, f.required, f.stored) for f in finish.fields] == [
        ("kind", True, True), ("due", False, True), ("note", False, False)]


def test_a_file_without_fields_is_read_the_version_1_way() -> None:
    """No `fields:`: each vocabulary is an optional item field, each `requires:` field is set
    by its transition (and nothing else may be sent)."""
    wf = parse_definition(MINI + "    requires: {reason: {type: text}}\n" + VOCAB, "mini.yaml")
    assert not wf.declared
    assert {n: (f.kind, f.create_roles) for n, f in wf.fields.items()} == {
        "kind": ("enum", ("office", "handler")), "reason": ("text", ())}


# (case id, text, expected path, words of the problem, text of the line it points at)
CASES: list[tuple[str, str, str, str, str]] = [
    ("fields not a mapping", declared(fields="fields: [kind]\n"),
     "fields", "fields must map each item field to its spec", "fields: [kind]"),
    ("unknown field type", declared(FIELDS + "  when: {type: datetime}\n"),
     "fields.when.type", "unknown field type 'datetime'", "when: {type: datetime}"),
    ("unknown vocabulary", declared(FIELDS.replace("vocabulary: kind", "vocabulary: kinds")),
     "fields.kind.vocabulary", "unknown vocabulary 'kinds'", "vocabulary: kinds"),
    ("enum without values", declared(FIELDS + "  level: {type: enum}\n"),
     "fields.level", "an enum field needs a non-empty `values:` or a `vocabulary:`",
     "level: {type: enum}"),
    ("vocabulary and values", declared(FIELDS.replace("vocabulary: kind,",
                                                      "vocabulary: kind, values: [a],")),
     "fields.kind.values", "give either `vocabulary:` or `values:`", "values: [a]"),
    ("values on a text field", declared(FIELDS + "  txt: {type: text, values: [a]}\n"),
     "fields.txt.type", "a text field takes no vocabulary or values", "txt:"),
    ("unknown field setting", declared(FIELDS + "  memo: {type: text, colour: red}\n"),
     "fields.memo.colour", "unknown field setting(s): ['colour']", "memo:"),
    ("bad field name", declared(FIELDS + "  Bad: text\n"),
     "fields.Bad", "field name 'Bad' is not a lower-case identifier", "Bad: text"),
    ("required not a boolean", declared(FIELDS + "  maybe: {type: text, required: often}\n"),
     "fields.maybe.required", "required must be true or false", "maybe:"),
    ("unused vocabulary", declared(vocab=VOCAB + "  spare: [x, y]\n"),
     "vocabularies.spare", "vocabulary 'spare' is not used by any field", "spare: [x, y]"),
    ("create role that cannot create", declared(
        FIELDS + "  by: {type: text, create_roles: [client]}\n"),
     "fields.by.create_roles", "role 'client' may not create items of this workflow", "by:"),
    ("required but not every creator may give it", declared(
        FIELDS + "  must: {type: text, required: true, create_roles: [office]}\n"),
     "fields.must.required", "a field required at creation must be one every creating role "
     "may give; handler may not", "must:"),
    ("two unit fields", declared(FIELDS + "  other_place: {type: unit}\n"),
     "fields.other_place.type", "an item has one unit field, found ['place', 'other_place']",
     "other_place:"),
    ("unit as a parameter", declared(finish=FINISH.replace(
        "note: {type: text, label: 说明, required: false}", "note: {type: unit}")),
     "transitions[1].params.note.type", "a unit field is the item's handling unit and must be "
     "an item field", "note: {type: unit}"),
    ("user inside an object", declared(FIELDS.replace(
        "name: {type: text, label: 名称, required: true}", "name: {type: user}")),
     "fields.info.fields.name.type", "a user field is the item's assignee", "name: {type: user}"),
    ("item_ref inside a list", declared(FIELDS.replace("fields: {name: text}",
                                                       "fields: {name: item_ref}")),
     "fields.files.items.fields.name.type", "an item_ref cannot sit inside an object or list",
     "files:"),
    ("fields of a non-object", declared(FIELDS + "  flat: {type: text, fields: {a: text}}\n"),
     "fields.flat.fields", "only an object field has fields (this is text)", "flat:"),
    ("items of a non-list", declared(FIELDS + "  one: {type: text, items: text}\n"),
     "fields.one.items", "only a list field has items (this is text)", "one:"),
    ("sets an unknown field", declared(finish=FINISH.replace("{kind: required,",
                                                             "{kinds: required,")),
     "transitions[1].sets.kinds", "'kinds' is not an item field", "sets: {kinds"),
    ("sets neither required nor optional", declared(finish=FINISH.replace(
        "kind: required", "kind: always")),
     "transitions[1].sets.kind", "write `required` or `optional` for 'kind', got 'always'",
     "sets: {kind: always"),
    ("parameter named like an item field", declared(finish=FINISH.replace(
        "note: {type: text, label: 说明, required: false}", "kind: {type: text}")),
     "transitions[1].params.kind", "'kind' is an item field, so it cannot be a parameter",
     "      kind: {type: text}"),
    ("requires in a file with fields", declared(finish=FINISH + "    requires: [reason]\n"),
     "transitions[1].requires", "`requires:` is the form of files without `fields:`",
     "requires: [reason]"),
    ("sets in a file without fields", MINI + "    sets: {kind: required}\n",
     "transitions[1].sets", "`sets:` needs a top-level `fields:` section", "sets:"),
    ("condition on a field not stored", declared(finish=FINISH.replace(
        "{field: kind, equals: a}", "{field: place, equals: x}")),
     "transitions[1].conditions[0].field", "condition on 'place', which is not a field "
     "stored in the item's data", "{field: place"),
    ("condition on an unknown field", declared(finish=FINISH.replace(
        "{field: kind, equals: a}", "{field: colour, equals: x}")),
     "transitions[1].conditions[0].field", "condition on 'colour'", "{field: colour"),
    ("condition value outside the vocabulary", declared(finish=FINISH.replace(
        "{field: kind, equals: a}", "{field: kind, equals: c}")),
     "transitions[1].conditions[0].equals", "kind can never be 'c'", "{field: kind, equals: c}"),
    ("condition `in` outside the vocabulary", declared(finish=FINISH.replace(
        "{field: kind, equals: a}", "{field: kind, in: [a, z]}")),
     "transitions[1].conditions[0].in", "kind can never be 'z'", "{field: kind, in: [a, z]}"),
]


@pytest.mark.parametrize(("text", "path", "words", "at"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_field_problem_names_file_line_path_and_fix(text: str, path: str, words: str,
                                                    at: str) -> None:
    """Each mistake in the field declarations points at file:line and its path, says what is
    wrong and how to fix it."""
    found = [p for p in problems_of(text) if p.path == path and words in p.problem]
    assert found, [str(p) for p in problems_of(text)]
    problem = found[0]
    assert problem.file == f"mini.yaml:{line_of(text, at)}"
    assert problem.fix.strip()


def test_the_declared_base_is_valid() -> None:
    """The base of the cases above is itself a valid workflow."""
    assert parse_definition(declared(), "mini.yaml").fields
