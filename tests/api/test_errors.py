"""Engine errors map to HTTP statuses in one place, one status per error class."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from api.errors import STATUS_OF, status_for
from engine import errors
from engine.errors import LeadflowError, VersionConflict


def _request(*headers: tuple[bytes, bytes]) -> Request:
    return Request({"type": "http", "method": "POST", "path": "/", "headers": list(headers)})


def _error_classes() -> list[type[LeadflowError]]:
    return [c for c in vars(errors).values()
            if isinstance(c, type) and issubclass(c, LeadflowError) and c is not LeadflowError]


@pytest.mark.parametrize("cls", _error_classes(), ids=lambda c: c.__name__)
def test_every_engine_error_has_a_status(cls: type[LeadflowError]) -> None:
    """Each error class of engine/errors.py is mapped; a new class without a status fails."""
    assert cls in STATUS_OF


def test_version_conflict_is_412_with_if_match_else_409() -> None:
    """A version conflict is a failed precondition only when the client sent one."""
    exc = VersionConflict(item_id=1, expected=1, actual=2)
    assert status_for(exc, _request((b"if-match", b'"1"'))) == 412
    assert status_for(exc, _request()) == 409
