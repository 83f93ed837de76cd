"""The request's actor is resolved on the event loop when the token → actor cache has it,
and on a worker thread (a database read) only when it does not; `ActorCache.cached`
answers only current entries, so a revocation still counts at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

import api.deps
from api.deps import current_actor
from engine.errors import Unauthenticated
from engine.kernel.clock import ManualClock
from engine.org import ActorCache, issue_token, revoke_token
from engine.runtime import Runtime
from engine.storage import write_tx

SECRET = "s" * 32


def _token(rt: Runtime) -> tuple[int, str]:
    from engine.org.tree import add_user

    with write_tx(rt.db) as conn:
        uid = add_user(conn, name="事件循环", role="office", jurisdiction="5101", unit=None,
                       now=rt.clock.now())
        issued = issue_token(conn, user_id=uid, secret=SECRET, now=rt.clock.now())
    return issued.id, issued.token


def _request(cache: ActorCache) -> Any:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(
        secret=SECRET, actor_cache=cache)), state=SimpleNamespace())


def test_a_cached_actor_needs_no_worker_thread(rt_sqlite: Runtime,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    rt = rt_sqlite
    token_id, token = _token(rt)
    cache = ActorCache()
    creds = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    handed_off: list[object] = []
    real = run_in_threadpool

    async def counting(fn: Any, *args: Any, **kwargs: Any) -> Any:
        handed_off.append(fn)
        return await real(fn, *args, **kwargs)

    monkeypatch.setattr(api.deps, "run_in_threadpool", counting)
    request = _request(cache)
    first = asyncio.run(current_actor(request, rt, creds))
    assert len(handed_off) == 1  # not cached yet: read on a worker thread
    again = asyncio.run(current_actor(request, rt, creds))
    assert again == first
    assert len(handed_off) == 1  # answered on the loop
    assert request.state.actor == first.label

    with write_tx(rt.db) as conn:
        revoke_token(conn, token_id=token_id, now=rt.clock.now())
    assert cache.cached(token=token, secret=SECRET, now=rt.clock.now()) is None
    with pytest.raises(Unauthenticated):
        asyncio.run(current_actor(request, rt, creds))
    assert len(handed_off) == 2


def test_cached_answers_only_current_entries(rt_sqlite: Runtime) -> None:
    rt = rt_sqlite
    assert isinstance(rt.clock, ManualClock)
    _, token = _token(rt)
    cache = ActorCache(ttl=timedelta(seconds=5))
    now = rt.clock.now()
    assert cache.cached(token=token, secret=SECRET, now=now) is None
    actor = cache.authenticate(rt.db, token=token, secret=SECRET, now=now)
    assert actor is not None
    assert cache.cached(token=token, secret=SECRET, now=now) == actor
    assert cache.cached(token=token, secret=SECRET, now=now + timedelta(seconds=5)) is None
    assert cache.cached(token=token + "x", secret=SECRET, now=now) is None
