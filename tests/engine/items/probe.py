"""Small workflows beside the shipped ones, for what they do not declare. `probe`: a
transition that sets the field its own condition tests, an optional item_ref, an object field
whose keys are free. `refs`, written the version-1 way (no `fields:`): a transition with an
optional item_ref.

Import `probe_rt` (and `probe_actors`) into a test module to use them as fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from tests.conftest import actors_of
from tests.fixtures.workflows import runtime_with

PROBE = """\
name: probe
version: 1
title: 探针
create_roles: [office]
vocabularies:
  grade: {a: 甲, b: 乙}
fields:
  grade: {vocabulary: grade, label: 等级}
  extra: {type: object, label: 其他}
  related: {type: item_ref, label: 关联事项, create_roles: []}
  unit: {type: unit, label: 承办单位}
  assignee: {type: user, label: 承办人}
states:
  open: {initial: true}
  graded: {}
  done: {final: true}
transitions:
  - trigger: grade
    source: open
    dest: graded
    roles: [office]
    sets: {grade: required}
  - trigger: approve
    source: [open, graded]
    dest: done
    roles: [office]
    sets: {grade: optional, related: optional}
    params:
      note: {type: text, label: 意见, required: false}
    conditions:
      - {field: grade, equals: a}
"""
REFS = """\
name: refs
version: 1
create_roles: [office]
states:
  open: {initial: true}
  done: {final: true}
transitions:
  - trigger: finish
    source: open
    dest: done
    roles: [office]
    requires:
      related: {type: item_ref, optional: true}
"""


@pytest.fixture
def probe_rt(sqlite_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[Runtime]:
    """The shipped workflows plus `probe`, with the example org (SQLite)."""
    with runtime_with(sqlite_url, clock, tmp_path / "workflows",
                      {"probe.yaml": PROBE, "refs.yaml": REFS}) as rt:
        yield rt


@pytest.fixture
def probe_actors(probe_rt: Runtime) -> dict[str, Actor]:
    return actors_of(probe_rt)
