"""GET /metrics: off by default, a token or loopback when on, counts from the database,
latency by route template."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import OperationalError

from api.app import create_app
from engine.runtime import Runtime
from engine.settings import Settings
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
