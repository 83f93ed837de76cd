"""GET /metrics: off by default, a token or loopback when on, counts from the database,
latency by route template."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.exc import OperationalError

from api.app import create_app
from engine.kernel.clock import ManualClock
from engine.runtime import Runtime
from engine.scheduling.heartbeat import record_sweep
from engine.scheduling.sweep import run_sweep
from engine.settings import Settings
from engine.storage import HEARTBEAT, read_tx, write_tx
from tests.fixtures.api import BOOTSTRAP, SECRET, Api

TOKEN = "metrics-token-for-tests"


def client(rt: Runtime, **settings: object) -> TestClient:
    return TestClient(create_app(rt, Settings(secret=SecretStr(SECRET),
                                              bootstrap_admin_token=SecretStr(BOOTSTRAP),
                                              **settings)))  # type: ignore[arg-type]


def test_metrics_are_off_by_default_and_need_the_token(api: Api) -> None:
    assert api.client.get("/metrics").status_code == 404
    on = client(api.rt, metrics="token", metrics_token=SecretStr(TOKEN))
    assert on.get("/metrics").status_code == 404
    assert on.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 404
    assert on.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    # the test client is not on the loopback interface
    assert client(api.rt, metrics="loopback").get("/metrics").status_code == 404


def test_metrics_count_from_the_database_by_route_template(api: Api) -> None:
    on = client(api.rt, metrics="token", metrics_token=SecretStr(TOKEN))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    item = api.create_lead(jurisdiction="510101")
    api.fire(item["id"], "transfer", data={"unit": "dc-police"})
    on.get(f"/v1/items/{item['id']}", headers=api.as_("市办-线索组"))
    text = on.get("/metrics", headers=auth).text
    assert 'leadflow_transitions_total{trigger="transfer",workflow="lead"} 1.0' in text
    assert 'leadflow_open_items{light="green",state="transferred",workflow="lead"} 1.0' in text
    assert 'route="/v1/items/{item_id}"' in text
    assert f'/v1/items/{item["id"]}"' not in text  # no raw paths
    assert item["ref"] not in text


def test_serving_without_migrating_leaves_the_schema_alone(tmp_path: Path) -> None:
    """LEADFLOW_MIGRATE_ON_START=false: a process that serves never runs the migrations."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    with pytest.raises(OperationalError):
        create_app(None, Settings(database_url=url, migrate_on_start=False,
                                  secret=SecretStr(SECRET)))
    engine = create_engine(url)
    try:
        assert "alembic_version" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_the_sweeps_heartbeat_is_read_from_the_database(api: Api, clock: ManualClock) -> None:
    """Sweeps run elsewhere (here: no HTTP involved) are seen at scrape time: the time of
    the last success on the engine's clock and the duration histogram of all runs."""
    on = client(api.rt, metrics="token", metrics_token=SecretStr(TOKEN))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert "leadflow_sweep" not in on.get("/metrics", headers=auth).text  # absent: alertable
    run_sweep(api.rt)
    clock.advance(timedelta(minutes=1))
    run_sweep(api.rt, worker="another-scheduler")
    text = on.get("/metrics", headers=auth).text
    samples = {(s.name, s.labels.get("le")): s.value
               for family in text_string_to_metric_families(text) for s in family.samples
               if s.name.startswith("leadflow_sweep")}
    assert samples[("leadflow_sweep_last_success_timestamp_seconds", None)] == \
        clock.now().timestamp()
    assert samples[("leadflow_sweep_duration_seconds_bucket", "+Inf")] == 2
    assert samples[("leadflow_sweep_duration_seconds_count", None)] == 2
    assert samples[("leadflow_sweep_duration_seconds_bucket", "300.0")] == 2
    assert "another-scheduler" not in text  # no unbounded labels


def test_two_schedulers_both_count_and_the_last_success_never_goes_back(
        api: Api, clock: ManualClock) -> None:
    later, earlier = clock.now() + timedelta(seconds=30), clock.now()
    with write_tx(api.rt.db) as conn:
        record_sweep(conn, finished_at=later, duration_s=0.05, worker="a")
        record_sweep(conn, finished_at=earlier, duration_s=7.0, worker="b")
    with read_tx(api.rt.db) as conn:
        row = conn.execute(select(HEARTBEAT)).one()
    assert (row.last_success_at, row.runs, row.duration_sum_s) == (later, 2, 7.05)
    assert (row.le_0_1, row.le_5, row.le_15, row.le_300) == (1, 1, 2, 2)
