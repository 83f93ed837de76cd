"""Health, readiness and the workflow definitions as the API shows them."""

from __future__ import annotations

from tests.fixtures.api import DC_HANDLER, Api


def test_healthz_needs_no_token(api_sqlite: Api) -> None:
    """GET /healthz answers 200 without authentication."""
    assert api_sqlite.client.get("/healthz").json() == {"status": "ok"}


def test_readyz_checks_database(api_sqlite: Api) -> None:
    """GET /readyz answers 200 when the database answers."""
    assert api_sqlite.client.get("/readyz").status_code == 200


def test_readyz_is_503_when_database_is_gone(api_sqlite: Api) -> None:
    """GET /readyz answers 503 problem+json when the database cannot be reached."""
    from engine.storage.db import make_engine

    api_sqlite.rt.db = make_engine("sqlite:////nonexistent-dir/x.db")
    r = api_sqlite.client.get("/readyz")
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"


def test_workflow_lists_and_details(api_sqlite: Api) -> None:
    """Workflows list their versions; a definition shows roles, required fields, deadlines."""
    h = api_sqlite.as_(DC_HANDLER)
    names = [w["name"] for w in api_sqlite.client.get("/v1/workflows", headers=h).json()]
    assert names == ["lead", "rectification"]
    lead = api_sqlite.client.get("/v1/workflows/lead", headers=h).json()
    transfer = next(t for t in lead["transitions"] if t["trigger"] == "transfer")
    assert transfer["roles"] == ["office"]
    assert transfer["requires"][0]["name"] == "unit"
    received = next(s for s in lead["states"] if s["name"] == "received")
    assert received["deadline"] == "5 working_days"
    assert lead["vocabularies"]["channel"]["letter"] == "来信"


def test_unknown_workflow_or_version_is_404(api_sqlite: Api) -> None:
    """An unknown workflow name or version is 404."""
    h = api_sqlite.as_(DC_HANDLER)
    assert api_sqlite.client.get("/v1/workflows/nope", headers=h).status_code == 404
    assert api_sqlite.client.get("/v1/workflows/lead", headers=h,
                                 params={"version": 99}).status_code == 404


def test_diagram_is_mermaid(api_sqlite: Api) -> None:
    """The diagram route returns a Mermaid stateDiagram as text."""
    r = api_sqlite.client.get("/v1/workflows/lead/diagram", headers=api_sqlite.as_(DC_HANDLER))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert "stateDiagram" in r.text
