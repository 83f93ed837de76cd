"""GET /v1/workflows/{name} publishes every section the file declares beyond states and
transitions: each state's review, the lights rule, supervision, extensions by state and what
the reports look for; compared here with the files themselves."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from engine.workflow.loader import default_workflows_dir, parse_definition
from tests.fixtures.api import DC_HANDLER, Api


def _file(name: str) -> tuple[str, dict[str, Any]]:
    text = (default_workflows_dir() / f"{name}.yaml").read_text("utf-8")
    return text, yaml.safe_load(text)


def _duration(raw: dict[str, Any] | None) -> str | None:
    if raw is None:
        return None
    (unit, amount), = raw.items()
    return f"{amount} {unit}"


@pytest.mark.parametrize("name", ["lead", "rectification"])
def test_the_response_holds_what_the_file_declares(api_sqlite: Api, name: str) -> None:
    _, raw = _file(name)
    got = api_sqlite.client.get(f"/v1/workflows/{name}",
                                headers=api_sqlite.as_(DC_HANDLER)).json()
    assert got["version"] == raw["version"]
    assert {s["name"]: s["review"] for s in got["states"]} == {
        s: _duration((spec or {}).get("review", {}).get("every"))
        for s, spec in raw["states"].items()}
    sup = got["supervision"]
    assert [{"code": lv["code"], "label": lv["label"]} for lv in sup.pop("levels")] == \
        raw["supervision"]["levels"]
    assert sup == {k: v for k, v in raw["supervision"].items() if k != "levels"}
    assert got["extensions"] == raw["extensions"]
    assert got["reports"] == raw["reports"]
    assert got["lights"] == {"yellow_before": None}  # neither file declares `lights:`


def test_levels_are_numbered_mildest_first(api_sqlite: Api) -> None:
    got = api_sqlite.client.get("/v1/workflows/lead", headers=api_sqlite.as_(DC_HANDLER)).json()
    assert [(lv["code"], lv["order"]) for lv in got["supervision"]["levels"]] == [
        ("general", 1), ("yellow", 2), ("red", 3)]


def test_a_declared_lights_rule_and_absent_sections_are_published(api_sqlite: Api) -> None:
    """A version declaring `lights:` and no supervision, extensions or reports shows just
    that: the rule, and null / empty for what it leaves out."""
    text, raw = _file("lead")
    body = text.split("\nsupervision:\n")[0].replace(
        f"\nversion: {raw['version']}\n", f"\nversion: {raw['version'] + 1}\n") + \
        "\nlights:\n  yellow: {before: {working_days: 3}}\n"
    api_sqlite.rt.registry.add(parse_definition(body, "lead.yaml"))
    got = api_sqlite.client.get("/v1/workflows/lead", headers=api_sqlite.as_(DC_HANDLER),
                                params={"version": raw["version"] + 1}).json()
    assert got["lights"] == {"yellow_before": "3 working_days"}
    assert (got["supervision"], got["extensions"]) == (None, {})
    assert got["reports"] == {"sign_for": None, "returns": []}


def test_the_openapi_document_describes_the_sections(api_sqlite: Api) -> None:
    schemas = api_sqlite.app.openapi()["components"]["schemas"]
    assert {"lights", "supervision", "extensions", "reports"} <= set(
        schemas["WorkflowOut"]["properties"])
    assert "review" in schemas["StateOut"]["properties"]
    assert set(schemas["ReportsOut"]["properties"]) == {"sign_for", "returns"}
    assert set(schemas["SupervisionRulesOut"]["properties"]) == {
        "levels", "issue_roles", "reply_roles", "decide_roles", "reply_working_days",
        "on_overdue"}
