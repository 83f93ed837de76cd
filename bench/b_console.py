"""Benchmark 10: console pages against the JSON API answering the same query, in one run, on
one generated province (the queue data set), through the whole app in-process (ASGI, no
socket: the same for both sides).

- 工作台 (`/work?tab=open`, the county handler's open items, first page of 50, with every
  tab's count) against `GET /v1/items?open=true&order=due&limit=50`;
- the item page (`/items/{id}`: fields, stepper, actions, history, chain badge) against the
  API's two reads of the same things, `GET /v1/items/{id}` and `/v1/items/{id}/history`.

Targets (issue 11): each page's p95 ≤ 2× its API's, and the 工作台's p95 < 50 ms at the quick
size. Rounds alternate page and API so both see the same machine load."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench import datacache
from bench.env import NOW
from bench.harness import Context, Result, percentile, skipped

NAME = "console"
HANDLER_LOGIN = "dc-handler"
PASSWORD = "bench-console-2026"
SECRET = "bench-console-secret"
RATIO = 2.0
WORK_MS = 50.0
ROUNDS = 5


def _timed(fn: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _alternate(cases: dict[str, Callable[[], Any]], samples: int) -> dict[str, list[float]]:
    for fn in cases.values():  # warm caches and statement caches
        for _ in range(3):
            fn()
    out: dict[str, list[float]] = {k: [] for k in cases}
    per_round = max(1, samples // ROUNDS)
    for _ in range(ROUNDS):
        for key, fn in cases.items():
            out[key] += _timed(fn, per_round)
    return out


def _get(client: Any, url: str, **kw: Any) -> Callable[[], Any]:
    def call() -> Any:
        r = client.get(url, **kw)
        if r.status_code != 200:
            raise RuntimeError(f"GET {url}: {r.status_code} {r.text[:200]}")
        return r

    return call


def run(ctx: Context) -> list[Result]:
    try:
        from fastapi.testclient import TestClient
        from pydantic import SecretStr

        from api.app import create_app
    except ModuleNotFoundError as exc:
        return [skipped(NAME, "console pages", f"{exc.name} is not there yet")]
    from sqlalchemy import select

    from engine.items import WorkFilters, list_work
    from engine.kernel.clock import ManualClock
    from engine.org import actor_for_user, issue_token, set_password
    from engine.runtime import Runtime
    from engine.settings import Settings
    from engine.storage import USER, make_engine, read_tx, write_tx
    from engine.workflow import registry_from_db

    n = ctx.sizes.queue_large
    ds = datacache.copy_of(datacache.dataset("mixed", n, n // 20), ctx.workdir / "console.db")
    db = make_engine(ds.url)
    with read_tx(db) as conn:
        rt = Runtime(db=db, registry=registry_from_db(conn), clock=ManualClock(NOW))
    try:
        with write_tx(db) as conn:
            uid = conn.execute(select(USER.c.id).where(USER.c.login == HANDLER_LOGIN)
                               ).scalar_one()
            set_password(conn, user_id=uid, password=PASSWORD, must_change=False, now=NOW)
            token = issue_token(conn, user_id=uid, secret=SECRET, now=NOW).token
            actor = actor_for_user(conn, uid)
            page = list_work(conn, actor, WorkFilters(open=True), now=NOW, limit=1)
        if not page.rows:
            return [skipped(NAME, "console pages", "the handler has no open item")]
        item_id = page.rows[0].id
        app = create_app(rt, Settings(secret=SecretStr(SECRET)))
        browser = TestClient(app, follow_redirects=False)
        form = browser.get("/login")
        csrf = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        signed = browser.post("/login", data={"login": HANDLER_LOGIN, "password": PASSWORD,
                                              "csrf": csrf, "next": "/work"})
        if signed.status_code != 303:
            raise RuntimeError(f"sign-in failed: {signed.status_code}")
        api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
        api_detail = _get(api, f"/v1/items/{item_id}")
        api_history = _get(api, f"/v1/items/{item_id}/history")

        def api_item() -> None:
            api_detail()
            api_history()

        times = _alternate({
            "work": _get(browser, "/work?tab=open"),
            "work_api": _get(api, "/v1/items?open=true&order=due&limit=50"),
            "item": _get(browser, f"/items/{item_id}"),
            "item_api": api_item,
        }, ctx.sizes.queue_samples)
    finally:
        db.dispose()
    p95 = {k: percentile(v, 95) for k, v in times.items()}
    p50 = {k: percentile(v, 50) for k, v in times.items()}
    work_ratio = p95["work"] / p95["work_api"]
    item_ratio = p95["item"] / p95["item_api"]
    common = {"items": n, "samples": len(times["work"]), "rounds": ROUNDS}
    return [
        Result(bench=NAME, case=f"工作台 page (tab 全部在办 + all tab counts), {n:,} items (p95)",
               value=p95["work"], unit="ms", floor=p95["work_api"],
               floor_label="ms GET /v1/items same query", ratio=1 / work_ratio,
               target=f"<= {RATIO:.0f}x API and < {WORK_MS:.0f} ms",
               met=work_ratio <= RATIO and p95["work"] < WORK_MS,
               details={**common, "p50_ms": p50["work"], "api_p50_ms": p50["work_api"],
                        "page_over_api": work_ratio}),
        Result(bench=NAME, case=f"item page (fields, actions, history, chain), {n:,} items "
                                "(p95)",
               value=p95["item"], unit="ms", floor=p95["item_api"],
               floor_label="ms GET /v1/items/{id} + /history", ratio=1 / item_ratio,
               target=f"<= {RATIO:.0f}x API", met=item_ratio <= RATIO,
               details={**common, "p50_ms": p50["item"], "api_p50_ms": p50["item_api"],
                        "page_over_api": item_ratio, "item_id": item_id}),
    ]
