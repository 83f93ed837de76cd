"""`leadflow supervise …` and `leadflow extension …` walk a notice and an extension end to end
on both databases, with audit events and notifications; a refusal is one line on stderr,
exit 1, and writes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from cli.main import main
from engine.items import verify
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.storage import EVENT, NOTE
from engine.storage.db import read_tx
from tests.engine.supervision.helpers import investigating_lead


def run(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--database-url", url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> str:
    code, out, err = run(capsys, url, *argv)
    assert code == 0, err
    return out


def triggers(rt: Runtime, item_id: int) -> list[str]:
    with read_tx(rt.db) as conn:
        return list(conn.execute(select(EVENT.c.trigger).where(EVENT.c.item_id == item_id)
                                 .order_by(EVENT.c.seq)).scalars())


def kinds(rt: Runtime) -> set[str]:
    with read_tx(rt.db) as conn:
        return set(conn.execute(select(NOTE.c.kind)).scalars())


def test_a_notice_and_an_extension_over_the_cli(capsys: pytest.CaptureFixture[str],
                                                rt: Runtime, db_url: str, clock: ManualClock,
                                                actors: dict[str, Actor]) -> None:
    # the commands run on the system clock: the lead is made at the same time
    clock.set(datetime.now(UTC))
    item = str(investigating_lead(rt, actors))
    out = ok(capsys, db_url, "supervise", "issue", item, "--as", "dc-office", "--level", "red",
             "--requirement", "限期报告", "--days", "2")
    notice = re.search(r"notice (\d+) of item \d+: red \(红牌\) open", out)[1]  # type: ignore[index]
    code, _, err = run(capsys, db_url, "supervise", "accept", item, notice, "--as", "dc-office")
    assert (code, err.count("\n")) == (1, 1)
    assert "not allowed" in err
    assert "replied" in ok(capsys, db_url, "supervise", "reply", item, notice, "--as",
                           "dc-handler", "--text", "已报告")
    assert "returned" in ok(capsys, db_url, "supervise", "return", item, notice, "--as",
                            "dc-office", "--reason", "不具体")
    ok(capsys, db_url, "supervise", "reply", item, notice, "--as", "dc-handler", "--text", "补充")
    assert "accepted" in ok(capsys, db_url, "supervise", "accept", item, notice,
                            "--as", "dc-office")

    code, _, err = run(capsys, db_url, "extension", "request", item, "--as", "dc-handler",
                       "--days", "99", "--reason", "x")
    assert code == 1
    assert "working_days" in err
    out = ok(capsys, db_url, "extension", "request", item, "--as", "dc-handler", "--days", "5",
             "--reason", "需调取档案")
    ext = re.search(r"extension (\d+) of item", out)[1]  # type: ignore[index]
    out = ok(capsys, db_url, "extension", "approve", item, ext, "--as", "dc-office",
             "--days", "3")
    assert re.search(r"approved, 3/5 working days, due .+ → ", out)
    listed = ok(capsys, db_url, "supervise", "list", item, "--as", "dc-handler")
    assert "accepted" in listed
    assert "approved" in listed

    assert triggers(rt, int(item))[-7:] == [
        "supervise", "supervise_reply", "supervise_return", "supervise_reply",
        "supervise_accept", "extension_request", "extension_approve"]
    assert {"supervise", "supervise_reply", "extension_request",
            "extension_approve"} <= kinds(rt)
    with read_tx(rt.db) as conn:
        assert verify(conn, item_ids=[int(item)]).ok
    code, _, err = run(capsys, db_url, "supervise", "list", item, "--as", "xc-office")
    assert code == 1
    assert "not found" in err
