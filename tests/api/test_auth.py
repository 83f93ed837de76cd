"""Authentication: bearer tokens, keyed hashes, revocation, rotation, the bootstrap token."""

from __future__ import annotations

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from api.app import create_app
from engine.org.tokens import TOKEN, hash_token
from engine.settings import Settings
from engine.storage.db import read_tx
from tests.fixtures.api import ADMIN, BOOTSTRAP, DC_HANDLER, SECRET, Api


def test_no_token_is_401_problem(api_sqlite: Api) -> None:
    """A request without a bearer token is 401 problem+json with WWW-Authenticate."""
    r = api_sqlite.client.get("/v1/me")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json()["detail"]


def test_unknown_token_is_401(api_sqlite: Api) -> None:
    """A token the server never issued is 401."""
    r = api_sqlite.client.get("/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401


def test_me_describes_the_caller(api_sqlite: Api) -> None:
    """GET /v1/me returns the caller's role, jurisdiction and unit by code."""
    r = api_sqlite.client.get("/v1/me", headers=api_sqlite.as_(DC_HANDLER))
    assert r.status_code == 200
    assert r.json() == {"id": api_sqlite.user_ids[DC_HANDLER], "name": DC_HANDLER,
                        "role": "handler", "jurisdiction": "510101", "unit": "dc-police"}


def test_tokens_are_stored_only_as_keyed_hash(api: Api) -> None:
    """The database holds HMAC-SHA256(secret, token), never the token itself."""
    token = api.tokens[DC_HANDLER]
    with read_tx(api.rt.db) as conn:
        hashes = set(conn.execute(select(TOKEN.c.token_hash)).scalars())
    assert hash_token(SECRET, token) in hashes
    assert token not in hashes


def test_created_user_gets_a_working_token(api: Api) -> None:
    """POST /v1/users returns the user and a token, shown once, that authenticates."""
    r = api.client.post("/v1/users", headers=api.as_(ADMIN), json={
        "name": "南山司法-承办人", "role": "handler", "jurisdiction": "510103",
        "unit": "ns-justice"})
    assert r.status_code == 201
    token = r.json()["token"]
    me = api.client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["unit"] == "ns-justice"


def test_rotation_revokes_old_token(api: Api) -> None:
    """Rotating a user's token issues a new one and the old one stops working."""
    uid = api.user_ids[DC_HANDLER]
    r = api.client.post(f"/v1/users/{uid}/tokens", headers=api.as_(ADMIN))
    assert r.status_code == 201
    new = {"Authorization": f"Bearer {r.json()['token']}"}
    assert api.client.get("/v1/me", headers=api.as_(DC_HANDLER)).status_code == 401
    assert api.client.get("/v1/me", headers=new).status_code == 200


def test_revoked_token_is_401(api: Api) -> None:
    """DELETE /v1/tokens/{id} revokes: 204, then the token is refused."""
    uid = api.user_ids[DC_HANDLER]
    issued = api.client.post(f"/v1/users/{uid}/tokens", headers=api.as_(ADMIN)).json()
    r = api.client.delete(f"/v1/tokens/{issued['token_id']}", headers=api.as_(ADMIN))
    assert r.status_code == 204
    gone = api.client.get("/v1/me", headers={"Authorization": f"Bearer {issued['token']}"})
    assert gone.status_code == 401


def test_a_token_in_use_is_refused_at_once_when_revoked(api: Api) -> None:
    """The token -> actor cache (engine/org/token_cache.py) never outlives a revocation made
    through this server: used, revoked, then refused on the very next request."""
    uid = api.user_ids[DC_HANDLER]
    issued = api.client.post(f"/v1/users/{uid}/tokens", headers=api.as_(ADMIN)).json()
    mine = {"Authorization": f"Bearer {issued['token']}"}
    assert api.client.get("/v1/me", headers=mine).status_code == 200
    assert api.client.get("/v1/me", headers=mine).status_code == 200  # from the cache
    assert api.client.delete(f"/v1/tokens/{issued['token_id']}",
                             headers=api.as_(ADMIN)).status_code == 204
    assert api.client.get("/v1/me", headers=mine).status_code == 401


def test_revoking_unknown_token_is_404(api_sqlite: Api) -> None:
    """Revoking a token that does not exist is 404."""
    r = api_sqlite.client.delete("/v1/tokens/999999", headers=api_sqlite.as_(ADMIN))
    assert r.status_code == 404


def test_non_admin_may_not_rotate_or_revoke(api_sqlite: Api) -> None:
    """Admin routes answer 403 to other roles."""
    uid = api_sqlite.user_ids[DC_HANDLER]
    h = api_sqlite.as_(DC_HANDLER)
    assert api_sqlite.client.post(f"/v1/users/{uid}/tokens", headers=h).status_code == 403
    assert api_sqlite.client.delete("/v1/tokens/1", headers=h).status_code == 403


def test_rotating_unknown_user_is_404(api_sqlite: Api) -> None:
    """Rotating the token of a user that does not exist is 404."""
    r = api_sqlite.client.post("/v1/users/999999/tokens", headers=api_sqlite.as_(ADMIN))
    assert r.status_code == 404


def test_bootstrap_token_authenticates_as_admin(api_sqlite: Api) -> None:
    """LEADFLOW_BOOTSTRAP_ADMIN_TOKEN authenticates as an admin without a user."""
    r = api_sqlite.client.get("/v1/me", headers=api_sqlite.as_("bootstrap"))
    assert r.status_code == 200
    assert r.json()["role"] == "admin"
    assert r.json()["id"] is None


def test_revoked_bootstrap_token_stays_revoked_after_restart(api_sqlite: Api) -> None:
    """Revoking the bootstrap token sticks, even if the server restarts with the variable."""
    h = api_sqlite.as_("bootstrap")
    with read_tx(api_sqlite.rt.db) as conn:
        token_id = conn.execute(select(TOKEN.c.id).where(TOKEN.c.user_id.is_(None))).scalar()
    assert api_sqlite.client.delete(f"/v1/tokens/{token_id}", headers=h).status_code == 204
    settings = Settings(secret=SecretStr(SECRET), bootstrap_admin_token=SecretStr(BOOTSTRAP))
    restarted = TestClient(create_app(api_sqlite.rt, settings))
    assert restarted.get("/v1/me", headers=h).status_code == 401
