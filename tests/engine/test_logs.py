"""engine.logs' Logger: bound once per configure(), yet it follows every reconfiguration and
structlog's capture_logs, and redaction still applies."""

from __future__ import annotations

import io
import json

import pytest
import structlog
from structlog.testing import capture_logs

from engine.logs import configure, get_logger


@pytest.fixture(autouse=True)
def _restore_logging() -> object:
    yield
    configure()


def test_a_logger_binds_once_per_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    sink = io.StringIO()
    configure("json", "info", file=sink)
    binds = []
    real = structlog.get_logger
    monkeypatch.setattr(structlog, "get_logger", lambda *a: binds.append(a) or real(*a))
    log = get_logger("probe")
    for i in range(3):
        log.info("step", n=i)
    assert len(binds) == 1
    assert [json.loads(line)["n"] for line in sink.getvalue().splitlines()] == [0, 1, 2]


def test_a_logger_follows_a_reconfiguration_and_redacts() -> None:
    log = get_logger("probe")
    first, second = io.StringIO(), io.StringIO()
    configure("json", "info", file=first)
    log.info("one", token="secret-value")
    configure("json", "warning", file=second)
    log.info("filtered out")
    log.warning("two")
    assert [json.loads(x)["event"] for x in first.getvalue().splitlines()] == ["one"]
    assert json.loads(first.getvalue())["token"] == "[redacted]"
    assert [json.loads(x)["event"] for x in second.getvalue().splitlines()] == ["two"]


def test_capture_logs_sees_a_logger_bound_before_it() -> None:
    configure("json", "info", file=io.StringIO())
    log = get_logger("probe")
    log.info("bound now")
    with capture_logs() as logs:
        log.info("captured", item_id=7)
    assert [(e["event"], e["item_id"]) for e in logs] == [("captured", 7)]
