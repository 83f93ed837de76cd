"""Receipt codes: public status and follow-ups for the code holder, nothing else; guessing
is rate-limited and recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidData, NotFound, ReceiptRateLimited
from engine.intake.lead import LeadCreated
from engine.intake.receipts import RateLimit, add_info, code_hash, lookup
from engine.items.transition import apply
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.storage import EVENT, FAILURE, RECEIPT
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
    limit = RateLimit(window=timedelta(minutes=15), per_client=3, per_caller=100)
    for _ in range(3):
        with pytest.raises(NotFound):
            lookup(rt, actor=platform, code=GUESS, client="s1", limit=limit)
    with pytest.raises(ReceiptRateLimited) as exc:
        lookup(rt, actor=platform, code=_code(anonymous), client="s1", limit=limit)
    assert 0 < exc.value.retry_after <= 15 * 60 + 1


def test_rate_limit_is_per_reporter_session(rt: Runtime, anonymous: LeadCreated,
                                            platform: Actor) -> None:
    """One session's guessing does not lock out another reporter on the same platform."""
    limit = RateLimit(per_client=2, per_caller=100)
    for _ in range(2):
        with pytest.raises(NotFound):
            lookup(rt, actor=platform, code=GUESS, client="guesser", limit=limit)
    assert lookup(rt, actor=platform, code=_code(anonymous), client="honest",
                  limit=limit).status == "received"


def test_caller_wide_limit_caps_guessing_across_sessions(
        rt: Runtime, anonymous: LeadCreated, platform: Actor) -> None:
    """Rotating session names does not get around the caller's overall limit."""
    limit = RateLimit(per_client=2, per_caller=4)
    for i in range(4):
        with pytest.raises(NotFound):
            lookup(rt, actor=platform, code=GUESS, client=f"s{i}", limit=limit)
    with pytest.raises(ReceiptRateLimited):
        lookup(rt, actor=platform, code=_code(anonymous), client="fresh", limit=limit)


def test_limit_lifts_when_the_window_passes(rt: Runtime, anonymous: LeadCreated,
                                            platform: Actor, clock: ManualClock) -> None:
    """Once the window has passed, the right code works again."""
    limit = RateLimit(window=timedelta(minutes=15), per_client=1, per_caller=100)
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
    limit = RateLimit(per_client=1, per_caller=100)
    with pytest.raises(NotFound):
        lookup(rt, actor=platform, code=GUESS, client="s1", limit=limit)
    for _ in range(3):
        with pytest.raises(ReceiptRateLimited):
            lookup(rt, actor=platform, code=GUESS, client="s1", limit=limit)
    with read_tx(rt.db) as conn:
        assert conn.execute(select(func.count()).select_from(FAILURE)).scalar_one() == 1
