"""Engine errors map to HTTP statuses in one place, one status per error class."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from api.errors import STATUS_OF, _engine_error, status_for
from engine import errors
from engine.errors import LeadflowError, ReceiptRateLimited, Unauthenticated, VersionConflict


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


def test_rate_limit_answer_carries_retry_after() -> None:
    """The one handler of engine errors adds Retry-After to a 429, WWW-Authenticate to a 401."""
    limited = _engine_error(_request(), ReceiptRateLimited(42))
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "42"
    unauthenticated = _engine_error(_request(), Unauthenticated("missing bearer token"))
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["WWW-Authenticate"] == "Bearer"
