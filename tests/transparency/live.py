"""A real HTTP server for the end-to-end tests: uvicorn serving an app in a thread on a free
127.0.0.1 port (as tests/console/browser.py's LiveServer), and an installation to serve: a
database with the example org, a log key, witness keys and a token per user."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from pydantic import SecretStr
from sqlalchemy import select

from api.app import create_app
from engine.kernel.clock import ManualClock
from engine.org.tokens import issue_token
from engine.org.tree import load_org, read_org_file
from engine.runtime import Runtime, open_runtime
from engine.settings import Settings
from engine.storage import USER
from engine.storage.db import write_tx
from engine.workflow.loader import default_workflows_dir
from tests.conftest import EXAMPLE_ORG, START

SECRET = "live-test-secret"


class LiveServer:
    def __init__(self, app: object) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", access_log=False,  # type: ignore[arg-type]
                                ws="none", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:  # waiting for a bind, not timing behaviour
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@dataclass
class Installation:
    """One office's leadflow: its database, its settings (log key, witness keys) and a
    token for each example user by name."""

    rt: Runtime
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)

    def serve(self) -> LiveServer:
        return LiveServer(create_app(self.rt, self.settings))


def installation(url: str, *, signing_key: str, witness_keys: str = "") -> Installation:
    clock = ManualClock(START)
    rt = open_runtime(url, default_workflows_dir(), clock=clock)
    settings = Settings(secret=SecretStr(SECRET), database_url=url,
                        tlog_signing_key=SecretStr(signing_key),
                        tlog_witness_keys=witness_keys)
    inst = Installation(rt=rt, settings=settings)
    with write_tx(rt.db) as conn:
        load_org(conn, read_org_file(EXAMPLE_ORG), clock.now())
        for row in conn.execute(select(USER.c.id, USER.c.name)).all():
            inst.tokens[row.name] = issue_token(conn, user_id=row.id, secret=SECRET,
                                                now=clock.now()).token
    return inst
