"""Intake fixtures: an identity cipher, a valid lead body, and a helper to create leads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from api.routes.leads import IdentityConfig
from engine.intake.identity import IdentityCipher
from engine.intake.lead import LeadCreated, create_lead, parse_lead, vocabularies
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from tests.api.conftest import Api, make_api

KEY = bytes(range(32))
# Distinctive strings: if they show up anywhere outside the authorised read, it is a leak.
REPORTER_NAME = "举报人甲ZQXV7-name"
REPORTER_CONTACT = "contact-ZQXV7-13900001111"


@pytest.fixture
def cipher() -> IdentityCipher:
    return IdentityCipher(KEY)


def lead_body(**overrides: Any) -> dict[str, Any]:
    """A valid lead as a platform or an operator hands it in."""
    body: dict[str, Any] = {
        "jurisdiction": "510101", "channel": "letter", "category": "law_enforcement",
        "subject": {"name": "张三", "unit": "东城区公安分局", "post": "民警"},
        "allegation": "办案中收受当事人财物",
        "reporter": {"anonymous": False, "name": REPORTER_NAME, "contact": REPORTER_CONTACT},
    }
    body.update(overrides)
    return body


MakeLead = Callable[..., LeadCreated]


@pytest.fixture
def make_lead(rt: Runtime, cipher: IdentityCipher, actors: dict[str, Actor]) -> MakeLead:
    """Create a lead as `actor` (default: the city office) from `lead_body(**overrides)`."""
    def make(actor: Actor | None = None, **overrides: Any) -> LeadCreated:
        lead = parse_lead(lead_body(**overrides), vocabularies(rt))
        return create_lead(rt, actor=actor or actors["市办-线索组"], lead=lead, cipher=cipher)
    return make


@pytest.fixture
def lead_api(rt: Runtime, cipher: IdentityCipher) -> Iterator[Api]:
    """The HTTP API with an identity key configured and office/admin allowed to read."""
    for api in make_api(rt):
        api.app.state.identity = IdentityConfig(cipher, frozenset({"office", "admin"}))
        yield api


@pytest.fixture
def keyless_api(rt: Runtime) -> Iterator[Api]:
    """The HTTP API with no identity key configured."""
    for api in make_api(rt):
        api.app.state.identity = IdentityConfig(None, frozenset({"office", "admin"}))
        yield api
