"""One policy for "what may this actor fire now": the item view's available_transitions, the
409 refusal's `allowed` and `leadflow items show` list the same triggers, for every state of
both workflows and every role of the example org, and all three are
`engine.workflow.available_triggers` (role, state, conditions on the stored data)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cli.main import main
from engine.items.scope import sees_item
from engine.items.transition import apply, create_item
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.workflow import all_triggers, available_triggers
from tests.conftest import actors_of
from tests.engine.helpers import item_row, jid
from tests.fixtures.api import Api

# lead v3: sending a lead to investigation records how it is disposed of (处置方式)
ACCEPT = {"disposal": "preliminary_check"}

OFFICE = "市办-线索组"
# one user of each role, all of whom see the city's items
BY_ROLE = {"office": OFFICE, "handler": "市公安-承办人", "supervisor": "省指导组-审计",
           "admin": "省管理员", "client": "检举举报平台"}
CLOSE = {"outcome": "unfounded", "conclusion": "查无实据", "disposal": "preliminary_check"}
LEAD_ROUTES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "received": [], "returned": [("return_for_info", {"reason": "补充"})],
    "transferred": [("transfer", {"unit": "city-police"})],
    "investigating": [("transfer", {"unit": "city-police"}), ("accept", ACCEPT)],
    "suspended": [("transfer", {"unit": "city-police"}), ("accept", ACCEPT),
                  ("suspend", {"reason": "等待鉴定"})],
    "closed": [("transfer", {"unit": "city-police"}), ("accept", ACCEPT), ("close", CLOSE)],
    "parked": [("transfer", {"unit": "city-police"}),
               ("park", {"disposal": "park", "reason": "暂不具备核查条件"})],
    "to_discipline": [("transfer_to_discipline", {"reason": "涉嫌违纪"})],
    "merged": [("merge", {"merge_into": 0})],  # 0: filled in with another lead
}
ASSIGN = ("assign", {"unit": "city-police", "measures": "建立台账"})
RECT_ROUTES: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "identified": [], "assigned": [ASSIGN], "rectifying": [ASSIGN, ("start", {})],
    "submitted": [ASSIGN, ("start", {}), ("submit", {"report": "已整改"})],
    "verified": [ASSIGN, ("start", {}), ("submit", {"report": "已整改"}),
                 ("verify", {"verification": "同意"})],
    "closed": [ASSIGN, ("start", {}), ("submit", {"report": "已整改"}),
               ("verify", {"verification": "同意"}), ("close", {})],
    "withdrawn": [("withdraw", {"reason": "不属于整改范围"})],
}


def _items(rt: Runtime, office: Actor) -> list[tuple[str, int]]:
    """(label, item id) of a lead of each category in each state it can reach, and of a
    rectification item in each state."""
    def new(workflow: str, data: dict[str, Any]) -> int:
        return create_item(rt, actor=office, workflow=workflow,
                           jurisdiction_id=jid(rt, "5101"), title="事项", data=data).item_id

    out = []
    for category in ("violation", "law_enforcement"):
        for state, steps in LEAD_ROUTES.items():
            if state == "to_discipline" and category != "violation":
                continue
            item = new("lead", {"channel": "letter", "category": category})
            for trigger, data in steps:
                data = {"merge_into": new("lead", {"channel": "phone", "category": category})
                        } if trigger == "merge" else data
                apply(rt, actor=office, item_id=item, trigger=trigger, data=data)
            out.append((f"lead/{category}/{state}", item))
    for state, steps in RECT_ROUTES.items():
        item = new("rectification", {"source": "self_inspection"})
        for trigger, data in steps:
            apply(rt, actor=office, item_id=item, trigger=trigger, data=data)
        out.append((f"rectification/{state}", item))
    return out


def _cli(capsys: pytest.CaptureFixture[str], url: str, item: int, user: int) -> list[str]:
    code = main(["--database-url", url, "items", "show", str(item), "--as", str(user)])
    out, err = capsys.readouterr()
    assert code == 0, err
    listed = re.search(r"^available: (.*)$", out, re.M)
    assert listed is not None, out
    return [] if listed[1] == "none" else listed[1].split(", ")


def test_view_refusal_and_cli_list_the_same_triggers(
        api_sqlite: Api, capsys: pytest.CaptureFixture[str]) -> None:
    """For every state of both workflows and every role: GET /v1/items/{id}, the 409 of an
    unknown trigger and `leadflow items show` agree with available_triggers."""
    rt = api_sqlite.rt
    actors = actors_of(rt)
    url = rt.db.url.render_as_string(hide_password=False)
    items = _items(rt, actors[OFFICE])
    reached = {label.rsplit("/", 1)[0] + "/" + item_row(rt, i).state for label, i in items}
    assert reached == {label for label, _ in items}  # each item is in the state it is named for
    narrowed = 0
    for label, item in items:
        row = item_row(rt, item)
        wf = rt.registry.get(row.workflow, row.workflow_version)
        for role, name in BY_ROLE.items():
            actor = actors[name]
            policy = [t.trigger for t in available_triggers(wf, row.state, row.data, role)]
            headers = api_sqlite.as_(name)
            if not sees_item(actor, row):  # out of this actor's scope: nothing to list at all
                assert api_sqlite.client.get(f"/v1/items/{item}",
                                             headers=headers).status_code == 404
                continue
            shown = api_sqlite.client.get(f"/v1/items/{item}", headers=headers).json()
            view = [t["trigger"] for t in shown["available_transitions"]]
            refused = api_sqlite.client.post(f"/v1/items/{item}/transitions", headers=headers,
                                             json={"trigger": "no_such_trigger"})
            assert refused.status_code == 409, (label, role, refused.text)
            cli = _cli(capsys, url, item, actor.user_id or 0)
            assert view == refused.json()["allowed"] == cli == policy, (label, role)
            by_role = [t.trigger for t in all_triggers(wf, row.state) if role in t.roles]
            narrowed += by_role != policy  # a condition on the stored data took one out
    states = {(label.split("/")[0], label.rsplit("/", 1)[1]) for label, _ in items}
    assert states == {(w.name, s) for w in (rt.registry.latest("lead"),
                                            rt.registry.latest("rectification"))
                      for s in w.states}
    assert narrowed > 0  # the check above covered conditions, not only roles
