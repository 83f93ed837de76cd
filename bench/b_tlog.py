"""Benchmark: what the transparency log's sequencer costs a transition.

The same close/reopen cycle through `apply()` as bench/b_transitions.py, in alternating
rounds without and with the sequencer running concurrently: a thread with its own engine in
the same process, as `leadflow serve` runs the scheduler's tick, calling `sequence()` after
each pause. The figure is the ratio of transitions/s with it to without it, measured in the
same run. The target (the log costs a transition no more than 10 %) is for a pause of 1 s,
ten times as often as the tick's SEQUENCE_INTERVAL_S; a pause of 50 ms is reported too,
without a target, to show what sequencing in many small batches costs. Every round's
events are in the log afterwards (checked)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from bench.b_transitions import OFFICE, POOL, _engine_runner, _pool
from bench.env import NOW, actors, pg_schema, runtime
from bench.harness import Context, Result, alternate, skipped
from engine.kernel import ManualClock
from engine.runtime import Runtime
from engine.storage import make_engine, read_tx
from engine.transparency import sequence
from engine.transparency.store import read_head

NAME = "tlog"
TARGET = 0.90
PAUSES_S = (1.0, 0.05)  # the first has the target
MIN_ROUNDS = 5  # more than quick mode's 3: the ratio of two medians is noisy on a shared box


def _with_sequencer(rt: Runtime, url: str, run: Callable[[], float], appended: list[int],
                    pause: float) -> Callable[[], float]:
    def measured() -> float:
        own = Runtime(db=make_engine(url), registry=rt.registry, clock=rt.clock)
        stop = threading.Event()

        def loop() -> None:
            while not stop.is_set():
                appended[0] += sequence(own).appended
                stop.wait(pause)

        thread = threading.Thread(target=loop, name="sequencer", daemon=True)
        thread.start()
        try:
            return run()
        finally:
            stop.set()
            thread.join()
            own.db.dispose()

    return measured


def _measure(ctx: Context, url: str, label: str, pause: float) -> Result:
    clock = ManualClock(NOW)
    rt = runtime(url, clock)
    rounds = max(ctx.sizes.rounds, MIN_ROUNDS)
    try:
        office = actors(rt)[OFFICE]
        plain_ids, logged_ids = _pool(rt, office, POOL), _pool(rt, office, POOL)
        sequence(rt)  # the pools' own events: the rounds start from an empty backlog
        n = ctx.sizes.transitions
        appended = [0]
        rates = alternate(rounds, {
            "without": _engine_runner(rt, clock, office, plain_ids, n),
            "with": _with_sequencer(rt, url, _engine_runner(rt, clock, office, logged_ids, n),
                                    appended, pause),
        })
        backlog = sequence(rt).appended
        with read_tx(rt.db) as conn:
            size = read_head(conn).size
    finally:
        rt.db.dispose()
    expected = 6 * POOL + 2 * n * rounds  # the pools' events, then every transition
    if size != expected:
        raise RuntimeError(f"the log has {size} leaves, expected {expected}")
    ratio = rates["with"] / rates["without"]
    targeted = pause == PAUSES_S[0]
    return Result(bench=NAME, case=f"{label}: apply() with the sequencer every {pause:g} s",
                  value=rates["with"], unit="tx/s", floor=rates["without"],
                  floor_label="tx/s without it", ratio=ratio,
                  target=f">= {TARGET}" if targeted else "",
                  met=ratio >= TARGET if targeted else None,
                  details={"transitions_per_round": n, "rounds": rounds,
                           "sequenced_concurrently": appended[0],
                           "left_for_the_last_run": backlog, "pause_s": pause})


def run(ctx: Context) -> list[Result]:
    results = [_measure(ctx, f"sqlite:///{ctx.workdir / f'tlog-{i}.db'}", "SQLite", pause)
               for i, pause in enumerate(PAUSES_S)]
    if ctx.pg_url is None:
        results.append(skipped(NAME, "PostgreSQL: apply() with the sequencer running",
                               "LEADFLOW_TEST_PG_URL not set (run via make bench)"))
        return results
    for pause in PAUSES_S:
        with pg_schema(ctx.pg_url) as url:
            results.append(_measure(ctx, url, "PostgreSQL", pause))
    return results
