"""Benchmark 6: HTTP transitions. `leadflow serve` (one worker) on a SQLite file, loaded by
bench/loadgen.py in a separate process with a bounded number of concurrent clients firing
close/reopen through POST /v1/items/{id}/transitions.

Floor: bench/floor_app.py, a minimal FastAPI endpoint served the same way that runs the raw
sqlite3 transition (bench/raw_floor.py) on the same file. Engine and floor are loaded in
alternating rounds."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from bench.b_transitions import OFFICE, _pool
from bench.env import NOW, actors, runtime
from bench.harness import Context, Result, alternate, skipped
from bench.servers import SECRET, floor_serve, leadflow_serve
from engine.storage import write_tx

NAME = "http"
TARGET = 0.6  # issue 14


def _load(url: str, token: str, ids: list[int], ctx: Context,
          seen: list[dict[str, Any]]) -> Callable[[], float]:
    def run() -> float:
        out = subprocess.run(
            [sys.executable, "-m", "bench.loadgen", url, token, ",".join(map(str, ids)),
             str(ctx.sizes.http_requests), str(ctx.sizes.http_concurrency)],
            check=True, capture_output=True, text=True)
        result = json.loads(out.stdout)
        if result["errors"]:
            raise RuntimeError(f"load generator saw errors: {result['errors']}")
        seen.append(result)
        return float(result["rps"])

    return run


def run(ctx: Context) -> list[Result]:
    try:
        import api.app  # noqa: F401
        from engine.org.tokens import issue_token
    except ModuleNotFoundError as exc:
        return [skipped(NAME, "HTTP transitions", f"{exc.name} is not there yet")]
    path = ctx.workdir / "http.db"
    rt = runtime(f"sqlite:///{path}")
    try:
        office = actors(rt)[OFFICE]
        # each client cycles its own items; a few per client keeps rows hot but distinct
        pool = ctx.sizes.http_concurrency * 4
        engine_ids, floor_ids = _pool(rt, office, pool), _pool(rt, office, pool)
        with write_tx(rt.db) as conn:
            token = issue_token(conn, user_id=office.user_id, secret=SECRET, now=NOW).token
    finally:
        rt.db.dispose()
    engine_runs: list[dict[str, Any]] = []
    floor_runs: list[dict[str, Any]] = []
    with leadflow_serve(f"sqlite:///{path}") as (base, _pid), floor_serve(path, token) as fbase:
        rates = alternate(ctx.sizes.rounds, {
            "floor": _load(f"{fbase}/floor/items/{{id}}/transitions", token, floor_ids, ctx,
                           floor_runs),
            "engine": _load(f"{base}/v1/items/{{id}}/transitions", token, engine_ids, ctx,
                            engine_runs),
        })
    best = max(engine_runs, key=lambda r: r["rps"])
    fbest = max(floor_runs, key=lambda r: r["rps"])
    ratio = rates["engine"] / rates["floor"]
    return [Result(
        bench=NAME,
        case=(f"POST transitions, {ctx.sizes.http_concurrency} clients (p50 "
              f"{best['p50_ms']:.1f} ms, p99 {best['p99_ms']:.1f} ms)"),
        value=rates["engine"], unit="req/s", floor=rates["floor"],
        floor_label="req/s minimal FastAPI+sqlite3", ratio=ratio,
        target=f">= {TARGET} of floor", met=ratio >= TARGET,
        details={"engine_runs": engine_runs, "floor_runs": floor_runs,
                 "floor_p50_ms": fbest["p50_ms"], "floor_p99_ms": fbest["p99_ms"],
                 "requests_per_round": ctx.sizes.http_requests})]
