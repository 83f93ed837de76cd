"""/docs and /redoc through the TestClient: they answer, load only files of this origin (each
with the integrity hash of the file served), have no inline script or style, and carry the
security headers. The browser test (test_docs_browser.py) checks that they also render."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from console.apidocs import REDOC_CSP, SWAGGER_CSP, mount_apidocs, mount_static
from console.assets import lock, sri
from console.security import CSP, DEFAULT_HEADERS, SecurityHeaders, content_security_policy
from tests.console.docs_app import SUMMARY_GET, make_docs_app
from tests.console.offline import (
    foreign_css_references,
    foreign_js_references,
    foreign_references,
    referenced_assets,
    scan_html,
)
from tests.console.test_assets import KNOWN_FOREIGN

PAGES = {"/docs": SWAGGER_CSP, "/redoc": REDOC_CSP}
HOST = "testserver"  # the TestClient's


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(make_docs_app()) as client:
        yield client


def test_the_policy_is_the_one_agreed() -> None:
    assert CSP == ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                   "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
                   "form-action 'self'")
    assert SWAGGER_CSP == CSP
    # ReDoc's differs in exactly two directives (see console/apidocs.py).
    expected = content_security_policy(
        style_src="'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' "
                  "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
        worker_src="'self' blob:")
    assert expected == REDOC_CSP
    assert "unsafe" not in REDOC_CSP


@pytest.mark.parametrize("path", PAGES)
def test_the_docs_page_answers_with_the_security_headers(client: TestClient,
                                                         path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == PAGES[path]
    for name, value in DEFAULT_HEADERS.items():
        if name != "Content-Security-Policy":
            assert response.headers[name] == value
    assert len(response.headers.get_list("content-security-policy")) == 1


@pytest.mark.parametrize("path", PAGES)
def test_the_docs_page_loads_nothing_from_another_host(client: TestClient, path: str) -> None:
    html = client.get(path).text
    assert foreign_references(html) == []
    assert foreign_references(html, allowed_hosts=[HOST]) == []


@pytest.mark.parametrize("path", PAGES)
def test_the_docs_page_has_no_inline_script_or_style(client: TestClient, path: str) -> None:
    scan = scan_html(client.get(path).text)
    assert scan.inline_scripts == []
    assert scan.inline_styles == []
    assert scan.style_attributes == []
    assert scan.event_handlers == []


@pytest.mark.parametrize("path", PAGES)
def test_every_file_the_page_loads_is_local_and_matches_its_integrity(
        client: TestClient, path: str) -> None:
    assets = referenced_assets(client.get(path).text)
    assert [tag for tag, _, _ in assets].count("script") == 2  # the bundle, then the init
    locked = {f"/static/vendor/{entry['path']}": entry["integrity"]
              for entry in lock()["assets"]}
    for tag, url, integrity in assets:
        assert url.startswith("/static/"), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["x-content-type-options"] == "nosniff"
        if url in locked:
            assert integrity == locked[url], f"{url}: integrity is not the lock file's"
        if tag == "script" or url.endswith(".css"):
            assert integrity == sri(response.content), f"{url}: integrity does not match"
        text = response.content.decode("utf-8")
        if url.endswith(".css"):
            assert foreign_css_references(text) == [], url
            assert response.headers["content-type"].startswith("text/css")
        elif url.endswith(".js"):
            known = KNOWN_FOREIGN.get(url.removeprefix("/static/vendor/"), set())
            assert set(foreign_js_references(text)) == known, url
            assert "javascript" in response.headers["content-type"]


@pytest.mark.parametrize("path", PAGES)
def test_the_page_points_its_init_script_at_the_openapi_document(client: TestClient,
                                                                 path: str) -> None:
    html = client.get(path).text
    assert 'data-openapi-url="/openapi.json"' in html
    assert client.get("/openapi.json").json()["paths"]["/v1/leads/{lead_id}"]["get"][
        "summary"] == SUMMARY_GET


def test_the_docs_pages_are_not_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/docs", "/redoc"} & set(paths)
    assert not any(p.startswith("/static") for p in paths)


@pytest.mark.parametrize("path", PAGES)
def test_under_a_root_path_every_url_has_the_prefix(path: str) -> None:
    with TestClient(make_docs_app(), root_path="/leadflow") as client:
        html = client.get(path).text
    assert 'data-openapi-url="/leadflow/openapi.json"' in html
    urls = [url for _, url, _ in referenced_assets(html)]
    assert urls
    assert all(url.startswith("/leadflow/static/") for url in urls), urls


def test_the_title_is_escaped() -> None:
    app = FastAPI(title="<script>alert(1)</script> 线索", docs_url=None, redoc_url=None)
    mount_apidocs(app)
    html = TestClient(app).get("/docs").text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 线索" in html


def test_fastapis_own_docs_pages_must_be_off() -> None:
    with pytest.raises(ValueError, match="docs_url=None"):
        mount_apidocs(FastAPI())
    with pytest.raises(ValueError, match="docs_url=None"):
        mount_apidocs(FastAPI(docs_url=None))
    with pytest.raises(ValueError, match="openapi_url"):
        mount_apidocs(FastAPI(docs_url=None, redoc_url=None, openapi_url=None))


def test_mounting_twice_mounts_static_once() -> None:
    app = FastAPI(docs_url=None, redoc_url=None)
    mount_apidocs(app)
    mount_static(app)
    assert [getattr(route, "name", None) for route in app.routes].count("static") == 1


# SecurityHeaders on its own.

def _app_with(headers: list[tuple[bytes, bytes]]) -> SecurityHeaders:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            assert message["type"] == "lifespan.startup"
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"{}"})

    return SecurityHeaders(app)


def test_security_headers_are_added_to_every_response() -> None:
    with TestClient(_app_with([(b"content-type", b"application/json")])) as client:
        response = client.get("/anything")
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"


def test_a_header_the_app_set_is_left_alone() -> None:
    own = [(b"Content-Security-Policy", b"default-src 'none'"), (b"x-frame-options", b"DENY")]
    response = TestClient(_app_with(own)).get("/")
    assert response.headers.get_list("content-security-policy") == ["default-src 'none'"]
    assert response.headers.get_list("x-frame-options") == ["DENY"]
    assert response.headers["referrer-policy"] == "same-origin"


def test_other_headers_can_be_configured() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    response = TestClient(SecurityHeaders(app, {"X-Test": "1"})).get("/")
    assert response.headers["x-test"] == "1"
    assert "content-security-policy" not in response.headers


def test_non_http_scopes_pass_through() -> None:
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept", "headers": []})

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    asyncio.run(SecurityHeaders(app)({"type": "websocket"}, receive, send))
    assert sent == [{"type": "websocket.accept", "headers": []}]
