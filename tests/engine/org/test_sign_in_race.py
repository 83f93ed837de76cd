"""The sign-in throttle under concurrency (PostgreSQL, two connections): while one wrong
password is being checked, a second attempt on the same login waits for it instead of
counting the same failures, so the limit holds exactly (no extra guess)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text

from engine.org import passwords
from engine.org.passwords import set_password
from engine.org.sessions import ACCOUNT_LIMIT, SessionPolicy, SignInRefused, _sign_in, sign_in
from engine.runtime import Runtime
from engine.storage import SIGN_IN, USER, is_postgres, read_tx, write_tx

POLICY = SessionPolicy(idle=timedelta(minutes=30), lifetime=timedelta(hours=12))
LOGIN = "dc-handler"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _failures(rt: Runtime) -> int:
    with read_tx(rt.db) as conn:
        return int(conn.execute(select(func.count()).select_from(SIGN_IN).where(
            SIGN_IN.c.login == LOGIN, SIGN_IN.c.ok.is_(False))).scalar_one())


def _waiting_on_a_lock(rt: Runtime) -> bool:
    with read_tx(rt.db) as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()")).scalar_one())


def test_two_parallel_wrong_passwords_cannot_both_pass_the_last_check(rt: Runtime) -> None:
    with read_tx(rt.db) as conn:
        if not is_postgres(conn):
            pytest.skip("SQLite's write transactions are serial (BEGIN IMMEDIATE)")
    now = rt.clock.now()
    with write_tx(rt.db) as conn:
        user = conn.execute(select(USER.c.id).where(USER.c.login == LOGIN)).scalar_one()
        set_password(conn, user_id=user, password="correct-horse-1", must_change=False, now=now)
    for _ in range(ACCOUNT_LIMIT - 1):
        with pytest.raises(SignInRefused):
            sign_in(rt.db, login=LOGIN, password="wrong-guess-00", address="10.0.0.1",
                    now=now, policy=POLICY)
    assert _failures(rt) == ACCOUNT_LIMIT - 1
    outcome: list[object] = []

    def second() -> None:
        try:
            sign_in(rt.db, login=LOGIN, password="wrong-guess-02", address="10.0.0.2",
                    now=now, policy=POLICY)
        except SignInRefused as refused:
            outcome.append(refused.reason)

    with rt.db.connect() as first, first.begin():
        # the last allowed attempt, checked and recorded but not committed yet
        refused = _sign_in(first, login=LOGIN, password="wrong-guess-01", address="10.0.0.1",
                           now=now, policy=POLICY, previous_token=None)
        assert isinstance(refused, SignInRefused)
        assert refused.reason == "credentials"
        worker = threading.Thread(target=second)
        worker.start()
        # without the lock the second attempt finishes on its own (one guess too many);
        # with it, it waits for the first transaction
        while worker.is_alive() and not _waiting_on_a_lock(rt):
            worker.join(0.01)
    worker.join()
    assert outcome == ["throttled"]
    assert _failures(rt) == ACCOUNT_LIMIT
