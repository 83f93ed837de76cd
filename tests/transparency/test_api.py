"""The log over HTTP, on both databases: the checkpoint as a signed note with its
cosignatures, proofs that the offline verifier and the reference implementation accept,
the scope of every audit route (an event of an item out of scope is 404), witnesses handing
in cosignatures, and the leaf index in an item's history."""

from __future__ import annotations

import base64

import pytest

from engine.transparency import (
    check_consistency_offline,
    check_inclusion_offline,
    event_leaf_hash,
    make_checkpoint,
    sequence,
)
from engine.transparency.note import format_note, open_checkpoint
from tests.fixtures.api import (
    ADMIN,
    CITY_OFFICE,
    DC_HANDLER,
    DC_OFFICE,
    SUPERVISOR,
    XC_OFFICE,
    Api,
)
from tests.transparency import reference
from tests.transparency.helpers import event_hashes_in_leaf_order, log_config, signer

WITNESS = signer("city-witness", 9)


@pytest.fixture
def logged(api: Api) -> Api:
    """The API with a log key and one witness key; two leads, one of them in 东城区."""
    api.app.state.tlog = log_config(witnesses=(WITNESS,))
    api.create_lead(title="市级线索")
    api.create_lead(who=DC_OFFICE, jurisdiction="510101", title="东城区线索")
    return api


def _checkpoint(api: Api) -> str:
    sequence(api.rt)
    return make_checkpoint(api.rt, api.app.state.tlog).note


def _history(api: Api, item_id: int, who: str = CITY_OFFICE) -> list[dict[str, object]]:
    r = api.client.get(f"/v1/items/{item_id}/history", headers=api.as_(who))
    assert r.status_code == 200, r.text
    events: list[dict[str, object]] = r.json()["events"]
    return events


def test_the_checkpoint_route(logged: Api) -> None:
    api = logged
    r = api.client.get("/v1/audit/checkpoint", headers=api.as_(SUPERVISOR))
    assert r.status_code == 404
    note = _checkpoint(api)
    r = api.client.get("/v1/audit/checkpoint", headers=api.as_(SUPERVISOR))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    body, _ = open_checkpoint(r.text, [signer().verifier()])
    assert r.text == note
    assert body.size == 2
    key = api.client.get("/v1/audit/log-key", headers=api.as_(CITY_OFFICE)).json()
    assert key["verifier_key"] == signer().verifier().encode()
    assert key["origin"] == body.origin
    assert len(key["witness_keys"]) == 1
    api.app.state.tlog = log_config().__class__(origin="")
    assert api.client.get("/v1/audit/log-key", headers=api.as_(ADMIN)).status_code == 404


def test_history_shows_each_events_leaf(logged: Api) -> None:
    api = logged
    item = api.create_lead(title="第三条")["id"]
    assert [e["leaf_index"] for e in _history(api, item)] == [None]
    sequence(api.rt)
    assert [e["leaf_index"] for e in _history(api, item)] == [2]


def test_an_inclusion_proof_checks_offline_and_against_the_reference(logged: Api) -> None:
    api = logged
    item = api.create_lead(title="待证明")["id"]
    checkpoint = _checkpoint(api)
    event = _history(api, item)[0]
    r = api.client.get("/v1/audit/proof/inclusion", params={"event": event["id"]},
                       headers=api.as_(CITY_OFFICE))
    assert r.status_code == 200, r.text
    proof = r.json()
    assert (proof["leaf_index"], proof["tree_size"], proof["checkpoint"]) == (2, 3, checkpoint)
    leaf = event_leaf_hash(str(event["hash"]))
    assert base64.b64decode(proof["leaf_hash"]) == leaf
    said = check_inclusion_offline(checkpoint, signer().verifier(), proof, leaf)
    assert "leaf 2" in said
    hashes = event_hashes_in_leaf_order(api.rt)
    assert [base64.b64decode(h) for h in proof["hashes"]] == reference.path(2, hashes)


def test_an_event_committed_since_the_last_run_is_sequenced_for_its_proof(
        logged: Api) -> None:
    api = logged
    _checkpoint(api)
    item = api.create_lead(title="刚提交")["id"]
    event = _history(api, item)[0]
    assert event["leaf_index"] is None
    r = api.client.get("/v1/audit/proof/inclusion", params={"event": event["id"], "size": 3},
                       headers=api.as_(SUPERVISOR))
    assert r.status_code == 200, r.text
    assert r.json()["leaf_index"] == 2
    assert r.json()["checkpoint"] is None
    # against the latest checkpoint (size 2) it is not there yet
    r = api.client.get("/v1/audit/proof/inclusion", params={"event": event["id"]},
                       headers=api.as_(SUPERVISOR))
    assert r.status_code == 422
    assert "next checkpoint" in r.json()["detail"]


def test_proofs_are_scoped_like_the_audit_trail(logged: Api) -> None:
    api = logged
    _checkpoint(api)
    dc_item = next(i for i in api.client.get(
        "/v1/items", headers=api.as_(DC_OFFICE)).json()["items"])
    event_id = _history(api, dc_item["id"], DC_OFFICE)[0]["id"]
    url = "/v1/audit/proof/inclusion"
    assert api.client.get(url, params={"event": event_id},
                          headers=api.as_(DC_OFFICE)).status_code == 200
    assert api.client.get(url, params={"event": event_id},
                          headers=api.as_(XC_OFFICE)).status_code == 404  # another county
    assert api.client.get(url, params={"event": 99_999},
                          headers=api.as_(SUPERVISOR)).status_code == 404
    for route in (url, "/v1/audit/checkpoint", "/v1/audit/proof/consistency",
                  "/v1/audit/log-key"):
        r = api.client.get(route, params={"event": event_id, "from": 0},
                           headers=api.as_(DC_HANDLER))
        assert r.status_code == 403, route  # handlers do not read the audit trail
        assert api.client.get(route).status_code == 401


def test_a_consistency_proof_checks_offline(logged: Api) -> None:
    api = logged
    old = _checkpoint(api)
    for i in range(5):
        api.create_lead(title=f"后续 {i}")
    new = _checkpoint(api)
    r = api.client.get("/v1/audit/proof/consistency", params={"from": 2},
                       headers=api.as_(SUPERVISOR))
    assert r.status_code == 200, r.text
    proof = r.json()
    assert (proof["from"], proof["to"]) == (2, 7)
    hashes = event_hashes_in_leaf_order(api.rt)
    assert [base64.b64decode(h) for h in proof["hashes"]] == reference.proof(2, hashes)
    assert "extends" in check_consistency_offline(old, new, signer().verifier(), proof)
    too_far = api.client.get("/v1/audit/proof/consistency", params={"from": 2, "to": 8},
                             headers=api.as_(SUPERVISOR))
    backwards = api.client.get("/v1/audit/proof/consistency", params={"from": 5, "to": 3},
                               headers=api.as_(SUPERVISOR))
    assert (too_far.status_code, backwards.status_code) == (422, 422)


def test_witnesses_hand_in_cosignatures(logged: Api) -> None:
    api = logged
    note = _checkpoint(api)
    text = note[: note.rfind("\n\n") + 1]
    cosigned = format_note(text, [WITNESS.cosigner().sign(text, timestamp=1_767_225_600)])
    url = "/v1/audit/checkpoint/cosignatures"
    assert api.client.post(url, json={"note": cosigned},
                           headers=api.as_(CITY_OFFICE)).status_code == 403
    r = api.client.post(url, json={"note": cosigned}, headers=api.as_(SUPERVISOR))
    assert r.status_code == 200, r.text
    assert [c["witness"] for c in r.json()["cosignatures"]] == ["city-witness"]
    witnessed = api.client.get("/v1/audit/checkpoint", headers=api.as_(SUPERVISOR)).text
    assert witnessed.startswith(note)
    assert witnessed != note
    listed = api.client.get(f"{url}?size=2", headers=api.as_(SUPERVISOR)).json()
    assert listed == r.json()
    bad = api.client.post(url, json={"note": note}, headers=api.as_(ADMIN))  # no cosignature
    assert bad.status_code == 422
    assert "witness" in bad.json()["detail"]
    assert api.client.post(url, json={"note": "x"}, headers=api.as_(ADMIN)).status_code == 422
