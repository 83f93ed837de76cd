"""The token → actor cache: a revocation, rotation or deactivation in this process counts at
once; one made by another process (the database changed under the cache) counts once the
entry's TTL has passed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.org import (
    ActorCache,
    deactivate_user,
    issue_token,
    revoke_token,
    rotate_tokens,
)
from engine.runtime import Runtime
from engine.storage import TOKEN, write_tx
from tests.engine.helpers import jid

SECRET = "s" * 32
TTL = timedelta(seconds=5)


def _user_token(rt: Runtime, name: str = "缓存测试") -> tuple[int, int, str]:
    from engine.org.tree import add_user

    with write_tx(rt.db) as conn:
        uid = add_user(conn, name=name, role="office", jurisdiction="5101", unit=None,
                       now=rt.clock.now())
        issued = issue_token(conn, user_id=uid, secret=SECRET, now=rt.clock.now())
    return uid, issued.id, issued.token


def _who(cache: ActorCache, rt: Runtime, token: str) -> int | None:
    actor = cache.authenticate(rt.db, token=token, secret=SECRET, now=rt.clock.now())
    return None if actor is None else actor.user_id


def test_a_cached_token_is_refused_at_once_after_revoke_rotate_or_deactivate(
        rt: Runtime, actors: dict[str, Actor]) -> None:
    assert jid(rt, "5101")
    cache = ActorCache(ttl=TTL)
    for change in ("revoke", "rotate", "deactivate"):
        uid, tid, token = _user_token(rt, f"缓存测试-{change}")
        assert _who(cache, rt, token) == uid
        assert _who(cache, rt, token) == uid  # now from the cache
        with write_tx(rt.db) as conn:
            if change == "revoke":
                revoke_token(conn, token_id=tid, now=rt.clock.now())
            elif change == "rotate":
                rotate_tokens(conn, user_id=uid, secret=SECRET, now=rt.clock.now())
            else:
                deactivate_user(conn, actor=actors["省管理员"], user_id=uid,
                                now=rt.clock.now())
        assert _who(cache, rt, token) is None, change


def test_another_process_revoking_counts_after_the_ttl(rt: Runtime,
                                                       clock: ManualClock) -> None:
    cache = ActorCache(ttl=TTL)
    uid, tid, token = _user_token(rt)
    assert _who(cache, rt, token) == uid
    with write_tx(rt.db) as conn:  # as another process would: no word to this one's cache
        conn.execute(update(TOKEN).where(TOKEN.c.id == tid).values(revoked_at=clock.now()))
    assert _who(cache, rt, token) == uid  # the cached answer, within its TTL
    clock.advance(TTL)
    assert _who(cache, rt, token) is None


def test_unknown_tokens_are_not_cached(rt: Runtime) -> None:
    cache = ActorCache(ttl=TTL)
    assert _who(cache, rt, "not-a-token") is None
    assert cache._entries == {}
