"""Console passwords and sessions on both databases: argon2id hashes and the password rules,
sign-in with throttling per account and per address, idle timeout and absolute lifetime,
renewal at sign-in, sign-out (here and everywhere), changing one's password, and the log
lines (never a password)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import structlog
from argon2 import PasswordHasher
from sqlalchemy import select

from engine.errors import InvalidData
from engine.kernel.clock import ManualClock
from engine.org import passwords
from engine.org.passwords import set_password, verify_password
from engine.org.sessions import (
    ACCOUNT_LIMIT,
    ADDRESS_LIMIT,
    THROTTLE_WINDOW,
    SessionPolicy,
    SignInRefused,
    change_password,
    session_for,
    sign_in,
    sign_out,
    sign_out_everywhere,
)
from engine.runtime import Runtime
from engine.storage import PASSWORD, USER, read_tx, write_tx

PW = "correct-horse-1"
POLICY = SessionPolicy(idle=timedelta(minutes=30), lifetime=timedelta(hours=12))


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def uid(rt: Runtime, login: str) -> int:
    with read_tx(rt.db) as conn:
        return int(conn.execute(select(USER.c.id).where(USER.c.login == login)).scalar_one())


def give_password(rt: Runtime, login: str, password: str = PW, must_change: bool = False) -> int:
    user = uid(rt, login)
    with write_tx(rt.db) as conn:
        set_password(conn, user_id=user, password=password, must_change=must_change,
                     now=rt.clock.now())
    return user


def login_as(rt: Runtime, login: str, password: str = PW, address: str = "10.0.0.1",
             previous: str | None = None) -> str:
    return sign_in(rt.db, login=login, password=password, address=address,
                   now=rt.clock.now(), policy=POLICY, previous_token=previous).token


def live(rt: Runtime, token: str) -> bool:
    with write_tx(rt.db) as conn:
        return session_for(conn, token, now=rt.clock.now(), policy=POLICY) is not None


def test_the_example_org_gives_every_user_a_login(rt: Runtime) -> None:
    with read_tx(rt.db) as conn:
        logins = conn.execute(select(USER.c.login)).scalars().all()
    assert len(logins) == 10
    assert None not in logins
    assert "dc-handler" in logins


def test_a_password_is_stored_as_an_argon2id_hash(rt: Runtime) -> None:
    user = give_password(rt, "dc-handler")
    with read_tx(rt.db) as conn:
        stored = conn.execute(select(PASSWORD.c.hash).where(PASSWORD.c.user_id == user)
                              ).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PW not in stored
    assert verify_password(stored, PW)
    assert not verify_password(stored, PW + "x")


def test_the_default_hasher_is_argon2id_with_its_recommended_costs() -> None:
    hasher = PasswordHasher()  # what passwords.HASHER is outside these tests
    params = hasher.hash("x" * 10).split("$")[3]
    assert hasher.type.name == "ID"
    assert params == "m=65536,t=3,p=4"


@pytest.mark.parametrize(("password", "why"), [
    ("short-9ch", "must be at least 10 characters"),
    ("x" * 201, "must be at most 200 characters"),
    ("DC-Handler", "must not be the login name"),
    (" " * 12, "must not be blank"),
])
def test_bad_passwords_are_refused_and_nothing_is_stored(rt: Runtime, password: str,
                                                           why: str) -> None:
    with pytest.raises(InvalidData) as err, write_tx(rt.db) as conn:
        set_password(conn, user_id=uid(rt, "dc-handler"), password=password,
                     must_change=False, now=rt.clock.now())
    assert err.value.fields == {"password": why}
    with read_tx(rt.db) as conn:
        assert conn.execute(select(PASSWORD)).first() is None


def test_sign_in_opens_a_session_for_the_user(rt: Runtime) -> None:
    user = give_password(rt, "dc-handler")
    token = login_as(rt, "DC-Handler ")  # logins are case- and space-insensitive
    with write_tx(rt.db) as conn:
        info = session_for(conn, token, now=rt.clock.now(), policy=POLICY)
    assert info is not None
    assert info.actor.user_id == user
    assert info.actor.role == "handler"
    assert info.must_change is False


@pytest.mark.parametrize("login", ["dc-handler", "nobody-here"])
def test_a_wrong_password_and_an_unknown_login_get_the_same_answer(rt: Runtime,
                                                                   login: str) -> None:
    give_password(rt, "dc-handler")
    with pytest.raises(SignInRefused) as err:
        login_as(rt, login, "wrong-password")
    assert err.value.reason == "credentials"
    assert str(err.value) == "unknown login or wrong password"


def test_a_user_without_a_password_or_inactive_cannot_sign_in(rt: Runtime) -> None:
    with pytest.raises(SignInRefused):
        login_as(rt, "xc-office")  # no password set
    user = give_password(rt, "xc-office")
    with write_tx(rt.db) as conn:
        conn.execute(USER.update().where(USER.c.id == user).values(active=False))
    with pytest.raises(SignInRefused):
        login_as(rt, "xc-office")


def test_failures_per_account_throttle_even_the_right_password(rt: Runtime,
                                                              clock: ManualClock) -> None:
    give_password(rt, "dc-handler")
    for i in range(ACCOUNT_LIMIT):
        with pytest.raises(SignInRefused):
            login_as(rt, "dc-handler", "wrong-password", address=f"10.0.1.{i}")
    with pytest.raises(SignInRefused) as err:
        login_as(rt, "dc-handler", address="10.0.2.1")
    assert err.value.reason == "throttled"
    assert err.value.retry_after_minutes == 15
    clock.advance(THROTTLE_WINDOW / 3)
    with pytest.raises(SignInRefused) as err:
        login_as(rt, "dc-handler")
    assert err.value.retry_after_minutes == 10
    clock.advance(THROTTLE_WINDOW)
    assert live(rt, login_as(rt, "dc-handler"))


def test_failures_per_address_throttle_other_accounts_from_it(rt: Runtime) -> None:
    give_password(rt, "dc-office")
    for i in range(ADDRESS_LIMIT):
        with pytest.raises(SignInRefused):
            login_as(rt, f"guess-{i}", "wrong-password", address="192.0.2.9")
    with pytest.raises(SignInRefused) as err:
        login_as(rt, "dc-office", address="192.0.2.9")
    assert err.value.reason == "throttled"
    assert live(rt, login_as(rt, "dc-office", address="192.0.2.10"))  # another machine


def test_a_success_clears_the_account_count(rt: Runtime) -> None:
    give_password(rt, "dc-handler")
    for _ in range(ACCOUNT_LIMIT - 1):
        with pytest.raises(SignInRefused):
            login_as(rt, "dc-handler", "wrong-password")
    login_as(rt, "dc-handler")
    with pytest.raises(SignInRefused) as err:
        login_as(rt, "dc-handler", "wrong-password")
    assert err.value.reason == "credentials"  # not throttled: counting began again


def test_a_session_ends_after_the_idle_timeout(rt: Runtime, clock: ManualClock) -> None:
    give_password(rt, "dc-handler")
    token = login_as(rt, "dc-handler")
    clock.advance(timedelta(minutes=29))
    assert live(rt, token)  # and this use counts as activity
    clock.advance(timedelta(minutes=29))
    assert live(rt, token)
    clock.advance(timedelta(minutes=30))
    assert not live(rt, token)


def test_a_session_ends_at_its_absolute_lifetime_however_busy(rt: Runtime,
                                                              clock: ManualClock) -> None:
    give_password(rt, "dc-handler")
    token = login_as(rt, "dc-handler")
    for _ in range(12 * 60 // 20 - 1):
        clock.advance(timedelta(minutes=20))
        assert live(rt, token)
    clock.advance(timedelta(minutes=20))
    assert not live(rt, token)


def test_sign_in_renews_the_session_id(rt: Runtime) -> None:
    give_password(rt, "dc-handler")
    first = login_as(rt, "dc-handler")
    second = login_as(rt, "dc-handler", previous=first)
    assert first != second
    assert not live(rt, first)
    assert live(rt, second)


def test_sign_out_and_sign_out_everywhere(rt: Runtime) -> None:
    user = give_password(rt, "dc-handler")
    a, b, c = (login_as(rt, "dc-handler") for _ in range(3))
    with write_tx(rt.db) as conn:
        sign_out(conn, a, rt.clock.now())
    assert not live(rt, a)
    assert live(rt, b)
    with write_tx(rt.db) as conn:
        assert sign_out_everywhere(conn, user, rt.clock.now()) == 2
    assert not live(rt, b)
    assert not live(rt, c)


def test_an_admin_setting_a_password_ends_the_users_sessions(rt: Runtime) -> None:
    give_password(rt, "dc-handler")
    token = login_as(rt, "dc-handler")
    give_password(rt, "dc-handler", "a-new-one-from-admin", must_change=True)
    assert not live(rt, token)
    fresh = login_as(rt, "dc-handler", "a-new-one-from-admin")
    with write_tx(rt.db) as conn:
        info = session_for(conn, fresh, now=rt.clock.now(), policy=POLICY)
    assert info is not None
    assert info.must_change is True


def test_changing_ones_password(rt: Runtime) -> None:
    user = give_password(rt, "dc-handler", must_change=True)
    old = login_as(rt, "dc-handler")
    other = login_as(rt, "dc-handler")
    for current, new, field in ((PW + "x", "brand-new-pass", "current"),
                                (PW, "dc-handler", "new"), (PW, "short", "new"),
                                (PW, PW, "new")):
        with pytest.raises(InvalidData) as err, write_tx(rt.db) as conn:
            change_password(conn, user_id=user, current=current, new=new, address="a",
                            now=rt.clock.now(), policy=POLICY)
        assert list(err.value.fields) == [field]
    assert live(rt, old)  # refused changes changed nothing
    with write_tx(rt.db) as conn:
        fresh = change_password(conn, user_id=user, current=PW, new="brand-new-pass",
                                address="a", now=rt.clock.now(), policy=POLICY)
    assert fresh.must_change is False
    assert not live(rt, old)
    assert not live(rt, other)
    assert live(rt, fresh.token)
    with pytest.raises(SignInRefused):
        login_as(rt, "dc-handler")
    login_as(rt, "dc-handler", "brand-new-pass")


def test_sign_ins_failures_and_sign_outs_are_logged_without_the_password(
        rt: Runtime) -> None:
    user = give_password(rt, "dc-handler")
    with structlog.testing.capture_logs() as logs:
        with pytest.raises(SignInRefused):
            login_as(rt, "dc-handler", "not-the-password")
        token = login_as(rt, "dc-handler")
        with write_tx(rt.db) as conn:
            sign_out(conn, token, rt.clock.now())
    events = [(e["event"], e.get("login"), e.get("user_id")) for e in logs]
    assert ("sign_in_failed", "dc-handler", user) in events
    assert ("sign_in", "dc-handler", user) in events
    assert ("sign_out", None, user) in events
    flat = repr(logs)
    assert PW not in flat
    assert "not-the-password" not in flat
    assert token not in flat
