"""Definition versions: every loaded body is stored; a changed body needs a new version; items
stay on the version they started on while new items start on the newest."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from structlog.testing import capture_logs

from engine.errors import DefinitionConflict, TransitionRefused
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime, load_workflows, open_runtime
from engine.storage import DEF
from engine.storage.db import read_tx
from engine.workflow.loader import default_workflows_dir, parse_definition
from tests.engine.helpers import events, item_row, jid

LEAD_TEXT = (default_workflows_dir() / "lead.yaml").read_text("utf-8")
V = parse_definition(LEAD_TEXT, "lead.yaml").version  # the shipped version
RECTIFICATION_V = parse_definition(
    (default_workflows_dir() / "rectification.yaml").read_text("utf-8"), "r.yaml").version
# The next version adds a way to dismiss a lead right after receiving it (初核了结).
LEAD_V2 = (LEAD_TEXT.replace(f"version: {V}", f"version: {V + 1}", 1)
           .replace("\ntransitions:\n", "\n  dismissed:\n    label: 初核了结\n    final: true\n"
                    "\ntransitions:\n", 1)
           .replace("\nescalation:\n", "\n  - trigger: dismiss\n    source: received\n"
                    "    dest: dismissed\n    roles: [office]\n\nescalation:\n", 1))


LEAD = {"channel": "letter", "category": "law_enforcement"}


def stored(rt: Runtime) -> list[tuple[str, int, str, str]]:
    with read_tx(rt.db) as conn:
        rows = conn.execute(select(DEF.c.name, DEF.c.version, DEF.c.content_hash, DEF.c.body)
                            .order_by(DEF.c.name, DEF.c.version)).all()
    return [tuple(r) for r in rows]


def folder(tmp_path: Path, name: str, **files: str) -> Path:
    d = tmp_path / name
    d.mkdir()
    for fname, text in files.items():
        (d / f"{fname}.yaml").write_text(text, "utf-8")
    return d


def test_loaded_definitions_are_stored_with_hash_and_body(rt: Runtime) -> None:
    """Each shipped workflow is stored by name and version with its exact body and SHA-256."""
    rows = stored(rt)
    assert [(n, v) for n, v, _, _ in rows] == [("lead", V), ("rectification", RECTIFICATION_V)]
    lead = rows[0]
    assert lead[3] == LEAD_TEXT
    assert lead[2] == hashlib.sha256(LEAD_TEXT.encode("utf-8")).hexdigest()


def test_loading_the_same_files_again_stores_nothing_new(rt: Runtime,
                                                         clock: ManualClock) -> None:
    """Reloading unchanged files is a no-op."""
    before = stored(rt)
    assert load_workflows(rt.db, default_workflows_dir(), clock) == []
    assert stored(rt) == before


def test_changed_body_under_an_old_version_is_refused(rt: Runtime, clock: ManualClock,
                                                      tmp_path: Path) -> None:
    """Editing lead.yaml without raising `version` raises DefinitionConflict naming the file."""
    changed = LEAD_TEXT.replace("title: 问题线索", "title: 问题线索（修订）")
    d = folder(tmp_path, "wf", lead=changed)
    with pytest.raises(DefinitionConflict) as info:
        load_workflows(rt.db, d, clock)
    assert str(d / "lead.yaml") in str(info.value)
    assert "raise `version:`" in str(info.value)


def test_a_refused_load_stores_nothing_at_all(rt: Runtime, clock: ManualClock,
                                              tmp_path: Path) -> None:
    """One conflicting file keeps the other, valid new version in the same load out too."""
    before = stored(rt)
    d = folder(tmp_path, "wf", a_lead_v2=LEAD_V2,
               b_lead_v1=LEAD_TEXT.replace("title: 问题线索", "title: 改"))
    with pytest.raises(DefinitionConflict):
        load_workflows(rt.db, d, clock)
    assert stored(rt) == before


def test_running_items_stay_on_their_version(rt: Runtime, actors: dict[str, Actor],
                                             clock: ManualClock, tmp_path: Path) -> None:
    """After the next version is loaded, a lead begun on the shipped one still follows it:
    it cannot be dismissed."""
    office = actors["市办-线索组"]
    old = create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                      title="旧线索", data=LEAD).item_id
    assert load_workflows(rt.db, folder(tmp_path, "wf", lead=LEAD_V2), clock) == [
        f"lead v{V + 1} stored ({hashlib.sha256(LEAD_V2.encode()).hexdigest()[:12]})"]
    rt.reload_registry()
    with pytest.raises(TransitionRefused):
        apply(rt, actor=office, item_id=old, trigger="dismiss")
    apply(rt, actor=office, item_id=old, trigger="transfer", data={"unit": "city-police"})
    assert item_row(rt, old).workflow_version == V
    assert {e.workflow_version for e in events(rt, old)} == {V}


def test_new_items_start_on_the_newest_version(rt: Runtime, actors: dict[str, Actor],
                                               clock: ManualClock, tmp_path: Path) -> None:
    """After the next version is loaded, a new lead starts on it and can be dismissed."""
    office = actors["市办-线索组"]
    load_workflows(rt.db, folder(tmp_path, "wf", lead=LEAD_V2), clock)
    rt.reload_registry()
    new = create_item(rt, actor=office, workflow="lead", jurisdiction_id=jid(rt, "5101"),
                      title="新线索", data=LEAD).item_id
    apply(rt, actor=office, item_id=new, trigger="dismiss")
    row = item_row(rt, new)
    assert (row.workflow_version, row.state) == (V + 1, "dismissed")
    assert [e.workflow_version for e in events(rt, new)] == [V + 1, V + 1]


def test_old_versions_come_from_the_database_not_the_files(
        db_url: str, clock: ManualClock, tmp_path: Path) -> None:
    """A runtime opened on a folder holding only the next version still knows the shipped
    one from the database."""
    open_runtime(db_url, default_workflows_dir(), clock=clock).db.dispose()
    rt2 = open_runtime(db_url, folder(tmp_path, "wf", lead=LEAD_V2), clock=clock)
    try:
        assert rt2.registry.versions("lead") == [V, V + 1]
        assert rt2.registry.latest("lead").version == V + 1
        assert rt2.registry.get("lead", V).body == LEAD_TEXT
    finally:
        rt2.db.dispose()


def test_a_running_process_follows_a_version_stored_by_another(
        rt: Runtime, actors: dict[str, Actor], db_url: str, clock: ManualClock,
        tmp_path: Path) -> None:
    """A runtime started before the next version existed can still move an item another
    process began on it."""
    office = actors["市办-线索组"]
    newer = open_runtime(db_url, folder(tmp_path, "wf", lead=LEAD_V2), clock=clock)
    try:
        item = create_item(newer, actor=office, workflow="lead",
                           jurisdiction_id=jid(rt, "5101"), title="新节点受理",
                           data=LEAD).item_id
    finally:
        newer.db.dispose()
    assert rt.registry.versions("lead") == [V]
    apply(rt, actor=office, item_id=item, trigger="dismiss")
    assert item_row(rt, item).state == "dismissed"
    assert rt.registry.versions("lead") == [V, V + 1]


def test_latest_finds_a_version_another_process_stored_since(
        rt: Runtime, actors: dict[str, Actor], db_url: str, clock: ManualClock,
        tmp_path: Path) -> None:
    """A runtime started on the shipped version creates new leads on the next one another
    process stored later,
    without a reload."""
    other = open_runtime(db_url, folder(tmp_path, "wf", lead=LEAD_V2), clock=clock)
    other.db.dispose()
    assert rt.registry.latest("lead").version == V + 1
    new = create_item(rt, actor=actors["市办-线索组"], workflow="lead",
                      jurisdiction_id=jid(rt, "5101"), title="新线索", data=LEAD)
    assert new.workflow_version == V + 1


def test_a_reader_never_sees_a_version_without_its_machine(
        rt: Runtime, db_url: str, clock: ManualClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """While one thread compiles a late version, what another thread reads is whole: every
    version it can see has its machine (the read runs inside the compile, deterministically,
    standing in for a second thread)."""
    import engine.workflow.registry as registry_module

    open_runtime(db_url, folder(tmp_path, "wf", lead=LEAD_V2), clock=clock).db.dispose()
    compile_machine = registry_module.compile_machine
    seen: list[list[int]] = []

    def compile_and_read(wf: Any) -> Any:
        machine = compile_machine(wf)
        if wf.version == V + 1:
            visible = rt.registry.versions("lead")
            seen.append(visible)
            for v in visible:
                rt.registry.machine("lead", v)
        return machine

    monkeypatch.setattr(registry_module, "compile_machine", compile_and_read)
    assert rt.registry.get("lead", V + 1).version == V + 1
    assert seen == [[V]]
    assert rt.registry.versions("lead") == [V, V + 1]


def test_threads_missing_a_new_version_load_it_once(
        rt: Runtime, db_url: str, clock: ManualClock, tmp_path: Path) -> None:
    """Eight threads asking at once for a version stored by another process all get it,
    and it is parsed and compiled once."""
    open_runtime(db_url, folder(tmp_path, "wf", lead=LEAD_V2), clock=clock).db.dispose()
    barrier = threading.Barrier(8)
    got: list[int] = []

    def ask() -> None:
        barrier.wait()
        got.append(rt.registry.get("lead", V + 1).version)

    with capture_logs() as logs:
        threads = [threading.Thread(target=ask) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert got == [V + 1] * 8
    assert [e["version"] for e in logs if e["event"] == "workflow_loaded_late"] == [V + 1]
