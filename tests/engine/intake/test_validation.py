"""Lead intake validation: clear errors, vocabularies from the workflow file."""

from __future__ import annotations

import pytest

from engine.errors import InvalidData
from engine.intake.lead import parse_lead, vocabularies
from engine.runtime import Runtime
from tests.fixtures.intake import lead_body


def test_unknown_channel_lists_allowed_values(rt_sqlite: Runtime) -> None:
    """An unknown channel is refused with every allowed channel and its label."""
    with pytest.raises(InvalidData) as exc:
        parse_lead(lead_body(channel="carrier_pigeon"), vocabularies(rt_sqlite))
    assert "channel" in exc.value.fields
    for code, label in vocabularies(rt_sqlite)["channel"].items():
        assert f"{code} ({label})" in exc.value.fields["channel"]
    assert len(vocabularies(rt_sqlite)["channel"]) == 9


def test_unknown_category_lists_allowed_values(rt_sqlite: Runtime) -> None:
    """An unknown category is refused with the four categories listed."""
    with pytest.raises(InvalidData) as exc:
        parse_lead(lead_body(category="gossip"), vocabularies(rt_sqlite))
    assert "violation (违纪违法)" in exc.value.fields["category"]


def test_every_problem_is_reported_at_once(rt_sqlite: Runtime) -> None:
    """Missing subject fields and allegation are all listed in one error."""
    body = lead_body(subject={"post": "科长"}, allegation="  ")
    with pytest.raises(InvalidData) as exc:
        parse_lead(body, vocabularies(rt_sqlite))
    assert set(exc.value.fields) >= {"subject.name", "subject.unit", "allegation"}


def test_named_reporter_needs_a_name(rt_sqlite: Runtime) -> None:
    """A reporter who is not anonymous must be named."""
    with pytest.raises(InvalidData) as exc:
        parse_lead(lead_body(reporter={"anonymous": False, "contact": "x"}),
                   vocabularies(rt_sqlite))
    assert "reporter.name" in exc.value.fields


def test_anonymous_reporter_cannot_be_named(rt_sqlite: Runtime) -> None:
    """An anonymous reporter with a name is contradictory and refused."""
    with pytest.raises(InvalidData) as exc:
        parse_lead(lead_body(reporter={"anonymous": True, "name": "李四"}),
                   vocabularies(rt_sqlite))
    assert "reporter.name" in exc.value.fields


def test_attachment_metadata_is_checked(rt_sqlite: Runtime) -> None:
    """Attachments need a name, a byte size and a SHA-256 in hex."""
    body = lead_body(attachments=[{"name": "a.pdf", "size": -1, "sha256": "xyz"}])
    with pytest.raises(InvalidData) as exc:
        parse_lead(body, vocabularies(rt_sqlite))
    assert set(exc.value.fields) == {"attachments[0].size", "attachments[0].sha256"}


def test_valid_attachments_are_kept(rt_sqlite: Runtime) -> None:
    """Well-formed attachment metadata is kept, hash in lower case."""
    digest = "AB" * 32
    lead = parse_lead(lead_body(attachments=[{"name": "信.pdf", "size": 1024,
                                              "sha256": digest}]), vocabularies(rt_sqlite))
    assert lead.attachments[0].sha256 == digest.lower()
    assert lead.attachments[0].size == 1024


def test_title_defaults_to_subject_and_category(rt_sqlite: Runtime) -> None:
    """Without a title, the lead is titled after the person, unit and category."""
    lead = parse_lead(lead_body(), vocabularies(rt_sqlite))
    assert lead.title == "张三（东城区公安分局）执法办案问题线索"
