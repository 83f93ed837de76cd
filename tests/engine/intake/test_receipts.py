"""Receipt codes: public status and follow-ups for the code holder, nothing else; guessing
is rate-limited and recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from structlog.testing import capture_logs

from engine.errors import InvalidData, NotFound, ReceiptRateLimited
from engine.intake.lead import LeadCreated
from engine.intake.receipts import RateLimit, add_info, code_hash, lookup
from engine.items.transition import apply
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.storage import EVENT, FAILURE, NOTE, RECEIPT, USER
from engine.storage.db import read_tx
from tests.fixtures.intake import MakeLead

GUESS = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH"


@pytest.fixture
def platform(actors: dict[str, Actor]) -> Actor:
    return actors["检举举报平台"]


@pytest.fixture
def anonymous(make_lead: MakeLead, platform: Actor) -> LeadCreated:
    return make_lead(platform, channel="reporting_platform", reporter={"anonymous": True})


def _code(made: LeadCreated) -> str:
    assert made.receipt_code is not None
    return made.receipt_code


def test_code_is_stored_only_as_its_hash(rt: Runtime, anonymous: LeadCreated) -> None:
    """The database holds the SHA-256 of the code, never the code."""
    with read_tx(rt.db) as conn:
        row = conn.execute(select(RECEIPT)).one()
    assert row.code_hash == code_hash(_code(anonymous))
    assert _code(anonymous).replace("-", "") not in repr(tuple(row))


def test_codes_are_unique_and_high_entropy(make_lead: MakeLead, platform: Actor) -> None:
    """Codes carry 160 random bits: 32 base32 characters, never repeated."""
    codes = {_code(make_lead(platform, channel="reporting_platform",
                             reporter={"anonymous": True})) for _ in range(5)}
    assert len(codes) == 5
    assert all(len(c.replace("-", "")) == 32 for c in codes)


def test_lookup_shows_public_status_only(rt: Runtime, anonymous: LeadCreated,
                                         platform: Actor) -> None:
    """A lookup gives a coarse status and dates: no ref, unit, handler or text."""
    status = lookup(rt, actor=platform, code=_code(anonymous), client="s1")
    assert status.status == "received"
    assert status.received_on == "2026-03-02"
    assert set(vars(status)) == {"status", "label", "received_on", "status_since",
                                 "follow_ups"}


def test_status_follows_the_lead(rt: Runtime, anonymous: LeadCreated, platform: Actor,
                                 actors: dict[str, Actor]) -> None:
    """After transfer the reporter sees 'in progress', not the internal state."""
    apply(rt, actor=actors["市办-线索组"], item_id=anonymous.change.item_id,
          trigger="transfer", data={"unit": "dc-police"})
    status = lookup(rt, actor=platform, code=_code(anonymous), client="s1")
    assert status.status == "in_progress"


def test_code_is_accepted_without_dashes_or_case(rt: Runtime, anonymous: LeadCreated,
                                                 platform: Actor) -> None:
    """A code typed in lower case without dashes still works."""
    typed = _code(anonymous).replace("-", "").lower()
    assert lookup(rt, actor=platform, code=typed, client="s1").status == "received"


def test_follow_up_lands_in_the_history(rt: Runtime, anonymous: LeadCreated,
                                        platform: Actor) -> None:
    """Information added with the code is an add_info event of that lead, without the code."""
    status = add_info(rt, actor=platform, code=_code(anonymous), client="s1",
                      text="补充：当事人还收受了购物卡")
    assert status.follow_ups == 1
    with read_tx(rt.db) as conn:
        ev = conn.execute(select(EVENT).where(EVENT.c.trigger == "add_info")).one()
    assert ev.item_id == anonymous.change.item_id
    assert ev.data["text"] == "补充：当事人还收受了购物卡"
    assert _code(anonymous) not in repr(tuple(ev))


def test_empty_follow_up_is_refused(rt: Runtime, anonymous: LeadCreated,
                                    platform: Actor) -> None:
    """A follow-up needs some text."""
    with pytest.raises(InvalidData):
        add_info(rt, actor=platform, code=_code(anonymous), client="s1", text=" ")


def test_a_code_reaches_only_its_own_lead(rt: Runtime, make_lead: MakeLead,
                                          platform: Actor) -> None:
    """Adding information with one code never touches another lead."""
    first = make_lead(platform, channel="reporting_platform", reporter={"anonymous": True})
    second = make_lead(platform, channel="reporting_platform", reporter={"anonymous": True})
    add_info(rt, actor=platform, code=_code(first), client="s1", text="补充材料")
    with read_tx(rt.db) as conn:
        triggers = list(conn.execute(select(EVENT.c.trigger).where(
            EVENT.c.item_id == second.change.item_id)).scalars())
    assert triggers == ["create"]


def test_wrong_code_is_not_found_and_recorded(rt: Runtime, anonymous: LeadCreated,
                                              platform: Actor) -> None:
    """A guessed code is NotFound and the failure is stored (who, from where, when)."""
    with pytest.raises(NotFound):
        lookup(rt, actor=platform, code=GUESS, client="session-9")
    with read_tx(rt.db) as conn:
        row = conn.execute(select(FAILURE)).one()
    assert row.caller == platform.label
    assert row.client == f"{platform.label}|session-9"
    assert GUESS not in repr(tuple(row))


def test_guessing_is_rate_limited(rt: Runtime, anonymous: LeadCreated,
                                  platform: Actor) -> None:
    """After the allowed failures even the right code is refused until the window passes."""
    limit = RateLimit(window=timedelta(minutes=15), per_client=3)
    for _ in range(3):
        with pytest.raises(NotFound):
            lookup(rt, actor=platform, code=GUESS, client="s1", limit=limit)
    with pytest.raises(ReceiptRateLimited) as exc:
        lookup(rt, actor=platform, code=_code(anonymous), client="s1", limit=limit)
    assert 0 < exc.value.retry_after <= 15 * 60 + 1


def test_rate_limit_is_per_reporter_session(rt: Runtime, anonymous: LeadCreated,
                                            platform: Actor) -> None:
    """One session's guessing does not lock out another reporter on the same platform."""
    limit = RateLimit(per_client=2)
    for _ in range(2):
        with pytest.raises(NotFound):
            lookup(rt, actor=platform, code=GUESS, client="guesser", limit=limit)
    assert lookup(rt, actor=platform, code=_code(anonymous), client="honest",
                  limit=limit).status == "received"


def test_other_sessions_failures_never_refuse_a_right_code(
        rt: Runtime, anonymous: LeadCreated, platform: Actor) -> None:
    """A guesser rotating session names past the caller-wide threshold does not lock out the
    platform's other reporters: a right code from a fresh session is answered."""
    limit = RateLimit(per_client=2, caller_alert=4)
    for i in range(6):
        with pytest.raises(NotFound):
            lookup(rt, actor=platform, code=GUESS, client=f"s{i}", limit=limit)
    assert lookup(rt, actor=platform, code=_code(anonymous), client="fresh",
                  limit=limit).status == "received"


def _alerts(rt: Runtime) -> list[tuple[str, str]]:
    with read_tx(rt.db) as conn:
        return [(r.name, r.subject) for r in conn.execute(
            select(USER.c.name, NOTE.c.subject).join(USER, USER.c.id == NOTE.c.recipient_id)
            .where(NOTE.c.kind == "receipt_guessing").order_by(USER.c.name))]


def test_caller_wide_guessing_raises_one_alert_per_window(
        rt: Runtime, anonymous: LeadCreated, platform: Actor, clock: ManualClock) -> None:
    """At the caller-wide threshold the offices and admins of the platform's jurisdiction
    and above get one notification and a warning is logged; more failures in the same
    window add none; the next window may alert again."""
    limit = RateLimit(window=timedelta(minutes=15), per_client=2, caller_alert=4)
    with capture_logs() as logs:
        for i in range(3):
            with pytest.raises(NotFound):
                lookup(rt, actor=platform, code=GUESS, client=f"s{i}", limit=limit)
        assert _alerts(rt) == []
        for i in range(3, 8):
            with pytest.raises(NotFound):
                lookup(rt, actor=platform, code=GUESS, client=f"s{i}", limit=limit)
    subject = f"receipt code guessing suspected: {platform.label} (检举举报平台)"
    assert _alerts(rt) == [("市办-线索组", subject), ("省管理员", subject)]
    warned = [e for e in logs if e["event"] == "receipt_guessing_suspected"]
    assert [(e["log_level"], e["failures"], e["caller"]) for e in warned] == [
        ("warning", 4, platform.label)]
    clock.advance(timedelta(minutes=16))
    for i in range(4):
        with pytest.raises(NotFound):
            lookup(rt, actor=platform, code=GUESS, client=f"t{i}", limit=limit)
    assert len(_alerts(rt)) == 4


def test_the_session_limit_holds_under_parallel_requests(
        rt: Runtime, anonymous: LeadCreated, platform: Actor,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Many parallel wrong lookups of one session store exactly the allowed failures and
    refuse the rest. Each lookup waits (inside its transaction, after counting) for the
    others to have counted too, so without the session lock all would count 0 and go on;
    with it they take turns and the wait gives up."""
    import contextlib
    import threading

    import engine.intake.receipts as receipts

    parallel, allowed = 8, 3
    limit = RateLimit(per_client=allowed, caller_alert=1000)
    barrier = threading.Barrier(parallel)
    real_hash = receipts.code_hash

    def hash_after_everyone_counted(code: str) -> str:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=2)
        return real_hash(code)

    monkeypatch.setattr(receipts, "code_hash", hash_after_everyone_counted)
    outcomes: list[str] = []

    def guess() -> None:
        try:
            lookup(rt, actor=platform, code=GUESS, client="one-session", limit=limit)
        except (NotFound, ReceiptRateLimited) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=guess) for _ in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["NotFound"] * allowed + \
        ["ReceiptRateLimited"] * (parallel - allowed)
    with read_tx(rt.db) as conn:
        assert conn.execute(select(func.count()).select_from(FAILURE)).scalar_one() == allowed


def test_limit_lifts_when_the_window_passes(rt: Runtime, anonymous: LeadCreated,
                                            platform: Actor, clock: ManualClock) -> None:
    """Once the window has passed, the right code works again."""
    limit = RateLimit(window=timedelta(minutes=15), per_client=1)
    with pytest.raises(NotFound):
        lookup(rt, actor=platform, code=GUESS, client="s1", limit=limit)
    with pytest.raises(ReceiptRateLimited):
        lookup(rt, actor=platform, code=_code(anonymous), client="s1", limit=limit)
    clock.advance(timedelta(minutes=16))
    assert lookup(rt, actor=platform, code=_code(anonymous), client="s1",
                  limit=limit).status == "received"


def test_refused_lookups_are_not_counted_again(rt: Runtime, anonymous: LeadCreated,
                                               platform: Actor) -> None:
    """Being rate-limited does not add failures, so the lock does not extend itself."""
    limit = RateLimit(per_client=1)
    with pytest.raises(NotFound):
        lookup(rt, actor=platform, code=GUESS, client="s1", limit=limit)
    for _ in range(3):
        with pytest.raises(ReceiptRateLimited):
            lookup(rt, actor=platform, code=GUESS, client="s1", limit=limit)
    with read_tx(rt.db) as conn:
        assert conn.execute(select(func.count()).select_from(FAILURE)).scalar_one() == 1
