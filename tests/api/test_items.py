"""POST/GET /v1/items and transitions: every status the contract names, on both backends."""

from __future__ import annotations

from tests.fixtures.api import (
    CITY_OFFICE,
    CLIENT,
    DC_HANDLER,
    LEAD,
    SUPERVISOR,
    XC_OFFICE,
    Api,
)


def test_create_returns_201_with_location_and_etag(api: Api) -> None:
    """Creating an item answers 201 with Location, ETag and the item in its initial state."""
    r = api.client.post("/v1/items", headers=api.as_(CITY_OFFICE), json={
        "workflow": "lead", "jurisdiction": "5101", "title": "线索一", "data": LEAD})
    assert r.status_code == 201
    body = r.json()
    assert r.headers["Location"] == f"/v1/items/{body['id']}"
    assert r.headers["ETag"] == '"1"'
    assert body["state"] == "received"
    assert body["version"] == 1
    assert body["jurisdiction"] == "5101"
    assert body["due_at"] is not None


def test_idempotent_retry_returns_same_item_once(api: Api) -> None:
    """The same Idempotency-Key and body returns the same item with 200 and creates nothing."""
    body = {"workflow": "lead", "jurisdiction": "5101", "title": "线索", "data": LEAD}
    headers = api.as_(CITY_OFFICE) | {"Idempotency-Key": "k-1"}
    first = api.client.post("/v1/items", json=body, headers=headers)
    second = api.client.post("/v1/items", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    listed = api.client.get("/v1/items", headers=api.as_(CITY_OFFICE)).json()["items"]
    assert len(listed) == 1


def test_idempotency_key_with_other_body_is_422(api: Api) -> None:
    """Reusing an Idempotency-Key with a different body is refused with 422."""
    headers = api.as_(CITY_OFFICE) | {"Idempotency-Key": "k-2"}
    body = {"workflow": "lead", "jurisdiction": "5101", "title": "线索", "data": LEAD}
    assert api.client.post("/v1/items", json=body, headers=headers).status_code == 201
    r = api.client.post("/v1/items", json=body | {"title": "另一条"}, headers=headers)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in r.json()["fields"]


def test_create_by_role_not_in_create_roles_is_403(api_sqlite: Api) -> None:
    """A supervisor (read-only) may not create items: 403."""
    r = api_sqlite.client.post("/v1/items", headers=api_sqlite.as_(SUPERVISOR), json={
        "workflow": "lead", "jurisdiction": "5101", "title": "x", "data": LEAD})
    assert r.status_code == 403


def test_client_creates_lead_in_its_jurisdiction(api_sqlite: Api) -> None:
    """The reporting platform (client role) may create leads in its jurisdiction."""
    item = api_sqlite.create_lead(who=CLIENT, jurisdiction="510101")
    assert item["jurisdiction"] == "510101"


def test_create_outside_scope_is_404(api_sqlite: Api) -> None:
    """Creating in a jurisdiction outside the caller's scope looks like a missing one: 404."""
    r = api_sqlite.client.post("/v1/items", headers=api_sqlite.as_(XC_OFFICE), json={
        "workflow": "lead", "jurisdiction": "510101", "title": "x", "data": LEAD})
    assert r.status_code == 404


def test_create_with_bad_vocabulary_is_422_with_fields(api_sqlite: Api) -> None:
    """A channel outside the workflow's vocabulary is 422 naming the field."""
    r = api_sqlite.client.post("/v1/items", headers=api_sqlite.as_(CITY_OFFICE), json={
        "workflow": "lead", "jurisdiction": "5101", "title": "x", "data": {"channel": "fax"}})
    assert r.status_code == 422
    assert "channel" in r.json()["fields"]


def test_create_with_missing_title_is_422(api_sqlite: Api) -> None:
    """A body without a title is 422 problem+json."""
    r = api_sqlite.client.post("/v1/items", headers=api_sqlite.as_(CITY_OFFICE),
                               json={"workflow": "lead", "jurisdiction": "5101"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert "title" in r.json()["detail"]


def test_read_item_has_etag_and_available_transitions(api: Api) -> None:
    """GET /v1/items/{id} carries the version as ETag and the triggers this user may fire."""
    item = api.create_lead()
    r = api.client.get(f"/v1/items/{item['id']}", headers=api.as_(CITY_OFFICE))
    assert r.status_code == 200
    assert r.headers["ETag"] == '"1"'
    available = {t["trigger"]: t for t in r.json()["available_transitions"]}
    # transfer_to_discipline needs category=violation, so it is not offered for this lead
    assert set(available) == {"transfer", "return_for_info", "merge"}
    wf = api.rt.registry.latest("lead")
    declared = wf.transition("received", "transfer")
    assert declared is not None
    fields = {f["name"]: f for f in available["transfer"]["requires"]}
    assert list(fields) == [spec.name for spec in declared.fields]
    assert fields["unit"]["required"] is True
    assert (fields["unit"]["type"], fields["unit"]["label"]) == ("unit", "承办单位")
    assert fields["assignee"]["required"] is False


def test_handler_sees_only_own_triggers(api: Api) -> None:
    """available_transitions follows the workflow's roles: a handler may only accept."""
    item = api.create_lead()
    api.fire(item["id"], "transfer", data={"unit": "dc-police"})
    r = api.client.get(f"/v1/items/{item['id']}", headers=api.as_(DC_HANDLER))
    assert [t["trigger"] for t in r.json()["available_transitions"]] == [
        "return_for_info", "accept"]


def test_transition_returns_200_with_new_item(api: Api) -> None:
    """A permitted transition answers 200 with the moved item and its new ETag."""
    item = api.create_lead()
    r = api.fire(item["id"], "transfer", data={"unit": "dc-police"}, **{"If-Match": '"1"'})
    assert r.status_code == 200
    assert r.json()["state"] == "transferred"
    assert r.json()["jurisdiction"] == "510101"
    assert r.headers["ETag"] == '"2"'


def test_transition_not_allowed_from_state_is_409_listing_allowed(api: Api) -> None:
    """A trigger that does not exist from this state is 409 and lists what this user may
    fire now: exactly the item view's list (transfer_to_discipline needs a violation)."""
    item = api.create_lead()
    r = api.fire(item["id"], "close", data={"outcome": "unfounded", "conclusion": "x"})
    assert r.status_code == 409
    assert r.json()["allowed"] == ["transfer", "return_for_info", "merge"]
    shown = api.client.get(f"/v1/items/{item['id']}", headers=api.as_(CITY_OFFICE)).json()
    assert [t["trigger"] for t in shown["available_transitions"]] == r.json()["allowed"]


def test_undeclared_data_is_422_listing_what_the_trigger_accepts(api: Api) -> None:
    """Data a trigger does not take is 422 problem+json naming the key and the accepted
    fields; the item does not move."""
    item = api.create_lead()
    r = api.fire(item["id"], "transfer", data={"unit": "dc-police", "category": "violation"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["fields"] == {
        "category": "is not accepted by transfer (accepted: unit, assignee)"}
    again = api.client.get(f"/v1/items/{item['id']}", headers=api.as_(CITY_OFFICE)).json()
    assert (again["state"], again["data"]["category"]) == ("received", "law_enforcement")


def test_create_with_undeclared_data_is_422(api_sqlite: Api) -> None:
    """A key that is no field of the workflow is 422 listing the fields one may give."""
    r = api_sqlite.client.post("/v1/items", headers=api_sqlite.as_(CITY_OFFICE), json={
        "workflow": "lead", "jurisdiction": "5101", "title": "x",
        "data": LEAD | {"priority": "high"}})
    assert r.status_code == 422
    assert "accepted: channel, category, " in r.json()["fields"]["priority"]


def test_create_with_a_unit_lands_in_the_units_jurisdiction(api_sqlite: Api) -> None:
    """POST /v1/items with a unit routes the item like a transfer: 东城's handler sees it."""
    item = api_sqlite.create_lead(unit="dc-police")
    assert (item["jurisdiction"], item["unit"]) == ("510101", "dc-police")
    r = api_sqlite.client.get(f"/v1/items/{item['id']}", headers=api_sqlite.as_(DC_HANDLER))
    assert r.status_code == 200


def test_workflow_definition_exposes_the_declared_fields(api_sqlite: Api) -> None:
    """GET /v1/workflows/lead lists the item's fields with type, label, choices (with labels),
    required and who may give them, and marks a transition's parameters as not stored: what
    a form needs."""
    lead = api_sqlite.client.get("/v1/workflows/lead", headers=api_sqlite.as_(DC_HANDLER)
                                 ).json()
    fields = {f["name"]: f for f in lead["fields"]}
    channel = fields["channel"]
    assert (channel["type"], channel["label"], channel["required"], channel["vocabulary"]) == (
        "enum", "受理渠道", True, "channel")
    assert {"value": "letter", "label": "来信"} in channel["choices"]
    assert [f["name"] for f in fields["subject"]["fields"]] == ["name", "unit", "post"]
    assert fields["attachments"]["items"]["type"] == "object"
    assert fields["operator"]["create_roles"] == ["office", "handler", "admin"]
    assert fields["outcome"]["create_roles"] == []
    close = next(t for t in lead["transitions"] if t["trigger"] == "close")
    assert [(f["name"], f["required"], f["stored"]) for f in close["requires"]] == [
        ("outcome", True, True), ("conclusion", True, True), ("disposal", True, True)]
    # close offers only the disposal methods that end a lead's investigation
    assert [c["label"] for c in close["requires"][2]["choices"]] == [
        "谈话函询", "初步核实", "予以了结", "移送审查"]
    suspend = next(t for t in lead["transitions"] if t["trigger"] == "suspend")
    assert [(f["name"], f["stored"]) for f in suspend["requires"]] == [("reason", False)]


def test_transition_by_wrong_role_is_403(api: Api) -> None:
    """A handler firing an office-only trigger on an item of their unit is 403."""
    item = api.create_lead(jurisdiction="510101", unit="dc-police")
    r = api.fire(item["id"], "transfer", who=DC_HANDLER, data={"unit": "dc-police"})
    assert r.status_code == 403


def test_transition_missing_required_field_is_422(api: Api) -> None:
    """A transition without its required fields is 422 naming them."""
    item = api.create_lead()
    r = api.fire(item["id"], "transfer")
    assert r.status_code == 422
    assert r.json()["fields"] == {"unit": "is required"}


def test_stale_if_match_is_412(api: Api) -> None:
    """If-Match with an old version is 412 and nothing changes."""
    item = api.create_lead()
    api.fire(item["id"], "transfer", data={"unit": "dc-police"})
    r = api.fire(item["id"], "return_for_info", data={"reason": "补充"}, **{"If-Match": '"1"'})
    assert r.status_code == 412
    assert r.json()["current_version"] == 2
    again = api.client.get(f"/v1/items/{item['id']}", headers=api.as_(CITY_OFFICE)).json()
    assert again["state"] == "transferred"


def test_unparseable_if_match_is_412(api_sqlite: Api) -> None:
    """An If-Match that is no version we issued cannot match: 412."""
    item = api_sqlite.create_lead()
    r = api_sqlite.fire(item["id"], "transfer", data={"unit": "dc-police"},
                        **{"If-Match": '"abc"'})
    assert r.status_code == 412


def test_transition_on_missing_item_is_404(api_sqlite: Api) -> None:
    """A transition on an item that does not exist is 404."""
    assert api_sqlite.fire(999999, "transfer", data={"unit": "dc-police"}).status_code == 404


def test_history_lists_events_in_order_with_hashes(api: Api) -> None:
    """History returns every audit event in order, each linked to the previous hash."""
    item = api.create_lead()
    api.fire(item["id"], "transfer", data={"unit": "dc-police"})
    r = api.client.get(f"/v1/items/{item['id']}/history", headers=api.as_(CITY_OFFICE))
    assert r.status_code == 200
    events = r.json()["events"]
    assert [e["trigger"] for e in events] == ["create", "transfer"]
    assert events[1]["prev_hash"] == events[0]["hash"]


def test_bootstrap_token_may_not_handle_items(api_sqlite: Api) -> None:
    """The bootstrap admin token administers the org only: item routes answer 403."""
    r = api_sqlite.client.get("/v1/items", headers=api_sqlite.as_("bootstrap"))
    assert r.status_code == 403
