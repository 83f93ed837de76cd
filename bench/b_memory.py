"""Benchmark 7: resident memory of `leadflow serve` after serving reads across a large
generated database, against the same server after the same reads on an empty one (the
floor): lists paged through with their cursors, the overdue list, single items by id.
Nothing per item may stay in memory once a response is sent."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import httpx

from bench import datacache
from bench.env import NOW, runtime
from bench.harness import Context, Result, skipped
from bench.servers import SECRET, leadflow_serve, rss_mb
from engine.storage import USER, make_engine, write_tx

NAME = "memory"
TARGET_MB = 50.0
OFFICE = "市办-线索组"
PAGES = 60
SINGLE_READS = 600


def _token(url: str) -> str:
    from sqlalchemy import select

    from engine.org.tokens import issue_token

    db = make_engine(url)
    try:
        with write_tx(db) as conn:
            uid = conn.execute(select(USER.c.id).where(USER.c.name == OFFICE)).scalar_one()
            return issue_token(conn, user_id=uid, secret=SECRET, now=NOW).token
    finally:
        db.dispose()


def _max_id(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT coalesce(max(id), 0) FROM item").fetchone()[0])


def _reads(base: str, token: str, max_id: int) -> int:
    """The same requests on either database; returns how many items came back."""
    seen = 0
    rng = random.Random(7)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=120) as client:
        queries: list[dict[str, str]] = [
            {"limit": "200"}, {"limit": "200", "overdue": "true", "order": "due"},
            {"limit": "200", "open": "true", "workflow": "lead"}]
        for params in queries:
            cursor = None
            for _ in range(PAGES):
                page = client.get("/v1/items", params={**params, **(
                    {"cursor": cursor} if cursor else {})})
                page.raise_for_status()
                seen += len(page.json()["items"])
                cursor = page.json()["next_cursor"]
                if not cursor:
                    break
        for _ in range(SINGLE_READS):
            r = client.get(f"/v1/items/{rng.randint(1, max(max_id, 1))}")
            if r.status_code not in (200, 404):
                r.raise_for_status()
            seen += r.status_code == 200
    return seen


def _serve_and_read(path: Path, max_id: int) -> tuple[float, float, int]:
    url = f"sqlite:///{path}"
    token = _token(url)
    with leadflow_serve(url) as (base, pid):
        started = rss_mb(pid)
        seen = _reads(base, token, max_id)
        return started, rss_mb(pid), seen


def run(ctx: Context) -> list[Result]:
    try:
        import api.app  # noqa: F401
    except ModuleNotFoundError as exc:
        return [skipped(NAME, "RSS of leadflow serve", f"{exc.name} is not there yet")]
    empty = ctx.workdir / "empty.db"
    runtime(f"sqlite:///{empty}").db.dispose()
    ds = datacache.copy_of(datacache.dataset("mixed", ctx.sizes.memory_items,
                                         ctx.sizes.memory_items // 20),
                         ctx.workdir / "memory.db")
    max_id = _max_id(ds.path)
    _, empty_rss, _ = _serve_and_read(empty, max_id)
    start_rss, large_rss, seen = _serve_and_read(ds.path, max_id)
    ds.path.unlink()
    grown = large_rss - empty_rss
    return [Result(
        bench=NAME, case=f"RSS of leadflow serve after reads across {ds.items:,} items",
        value=large_rss, unit="MB", floor=empty_rss, floor_label="MB same reads, empty db",
        ratio=empty_rss / large_rss, target=f"<= empty + {TARGET_MB:.0f} MB",
        met=grown <= TARGET_MB,
        details={"grown_mb": grown, "rss_at_start_mb": start_rss, "items_read": seen})]
