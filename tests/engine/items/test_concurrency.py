"""Optimistic locking on both databases: of two writers that read the same item version,
exactly one succeeds and exactly one audit event is added."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

import pytest

from engine.errors import LeadflowError, TransitionRefused, VersionConflict
from engine.items.audit import verify
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.kernel.clock import Clock
from engine.runtime import Runtime
from engine.storage.db import is_postgres, read_tx
from tests.engine.helpers import event_count, events, item_row, jid

# lead v3: sending a lead to investigation records how it is disposed of (处置方式)
ACCEPT = {"disposal": "preliminary_check"}

OFFICE, HANDLER = "市办-线索组", "市公安-承办人"
LEAD = {"channel": "letter", "category": "law_enforcement"}


class BarrierClock:
    """Meets a barrier when asked the time; apply() asks right after reading the item and
    before writing it, so every thread has read the item before any thread writes it."""

    def __init__(self, inner: Clock, parties: int) -> None:
        self.inner = inner
        self.barrier = threading.Barrier(parties)

    def now(self) -> datetime:
        self.barrier.wait(timeout=20)
        return self.inner.now()


def transferred_lead(rt: Runtime, actors: dict[str, Actor]) -> int:
    office = actors[OFFICE]
    item = create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                       title="并发", data=LEAD).item_id
    apply(rt, actor=office, item_id=item, trigger="transfer", data={"unit": "city-police"})
    return item


def run_threads(jobs: list[Callable[[], object]]) -> list[object]:
    """Run each job in its own thread; return what each returned or raised, in order."""
    results: list[object] = [None] * len(jobs)

    def run(i: int) -> None:
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def assert_chain_ok(rt: Runtime, item: int) -> None:
    with read_tx(rt.db) as conn:
        report = verify(conn, item_ids=[item])
    assert report.ok, report.broken


def test_stale_expected_version_is_a_conflict(rt: Runtime, actors: dict[str, Actor]) -> None:
    """Two actors read version 2; the first to fire wins, the second gets VersionConflict."""
    item = transferred_lead(rt, actors)
    seen = item_row(rt, item).version
    n = event_count(rt)
    apply(rt, actor=actors[HANDLER], item_id=item, trigger="accept", data=ACCEPT,
          expected_version=seen)
    with pytest.raises(VersionConflict) as info:
        apply(rt, actor=actors[OFFICE], item_id=item, trigger="return_for_info",
              data={"reason": "x"}, expected_version=seen)
    assert (info.value.expected, info.value.actual) == (seen, seen + 1)
    assert event_count(rt) == n + 1
    assert item_row(rt, item).state == "investigating"


def test_threads_with_the_same_expected_version(rt: Runtime,
                                                actors: dict[str, Actor]) -> None:
    """Two threads read the same version, then fire at once: one wins, one conflicts."""
    item = transferred_lead(rt, actors)
    barrier = threading.Barrier(2)
    n = event_count(rt)

    def fire(actor: Actor, trigger: str, data: dict[str, str]) -> Callable[[], object]:
        def job() -> object:
            seen = item_row(rt, item).version
            barrier.wait(timeout=20)
            return apply(rt, actor=actor, item_id=item, trigger=trigger, data=data,
                         expected_version=seen)
        return job

    results = run_threads([fire(actors[HANDLER], "accept", ACCEPT),
                           fire(actors[OFFICE], "suspend", {"reason": "x"})])
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert sum(isinstance(r, VersionConflict) for r in results) == 1
    assert event_count(rt) == n + 1
    assert item_row(rt, item).version == 3
    assert_chain_ok(rt, item)


def test_threads_racing_without_expected_version(rt: Runtime,
                                                 actors: dict[str, Actor]) -> None:
    """Two threads fire 'accept' at once: one moves the item, the other changes nothing."""
    # On PostgreSQL both read the item before either writes (a barrier inside apply), so the
    # loser hits the version check in the UPDATE. SQLite's BEGIN IMMEDIATE serialises the
    # two transactions, so the loser reads the new state and is refused.
    item = transferred_lead(rt, actors)
    n = event_count(rt)
    if is_postgres(rt.db):
        rt.clock = BarrierClock(rt.clock, 2)
        expected_loss: type[LeadflowError] = VersionConflict
    else:
        expected_loss = TransitionRefused
    start = threading.Barrier(2)

    def accept() -> object:
        start.wait(timeout=20)
        return apply(rt, actor=actors[HANDLER], item_id=item, trigger="accept", data=ACCEPT)

    results = run_threads([accept, accept])
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert sum(isinstance(r, expected_loss) for r in results) == 1
    row = item_row(rt, item)
    assert (row.state, row.version, row.audit_seq) == ("investigating", 3, 3)
    assert event_count(rt) == n + 1
    assert_chain_ok(rt, item)


def test_many_threads_keep_counter_and_chain_consistent(rt: Runtime,
                                                        actors: dict[str, Actor]) -> None:
    """Four threads toggling return/resubmit: version and audit seq count the successes."""
    office = actors[OFFICE]
    item = create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                       title="并发", data=LEAD).item_id
    start = threading.Barrier(4)
    wins: list[int] = []
    lock = threading.Lock()

    def toggler() -> object:
        start.wait(timeout=20)
        for _ in range(8):
            row = item_row(rt, item)
            trigger, data = (("return_for_info", {"reason": "补充"}) if row.state == "received"
                             else ("resubmit", {}))
            try:
                apply(rt, actor=office, item_id=item, trigger=trigger, data=data,
                      expected_version=row.version)
            except (VersionConflict, TransitionRefused):
                continue
            with lock:
                wins.append(1)
        return None

    results = run_threads([toggler] * 4)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert wins  # each round, some thread read the current version and won
    row = item_row(rt, item)
    assert row.version == row.audit_seq == 1 + len(wins)
    trail = events(rt, item)
    assert [e.seq for e in trail] == list(range(1, len(wins) + 2))
    assert trail[-1].to_state == row.state
    assert_chain_ok(rt, item)


def test_concurrent_creators_get_distinct_sequential_refs(rt: Runtime,
                                                          actors: dict[str, Actor]) -> None:
    """Six threads creating at once in one jurisdiction get refs 1..6, none twice."""
    office = actors[OFFICE]
    start = threading.Barrier(6)

    def create() -> object:
        start.wait(timeout=20)
        return create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "510102"),
                           title="同时受理", data=LEAD).ref

    refs = run_threads([create] * 6)
    assert sorted(str(r) for r in refs) == [f"510102-2026-{n:06d}" for n in range(1, 7)]
