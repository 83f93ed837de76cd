"""The floor for HTTP transitions: a minimal FastAPI app served the same way as
`leadflow serve` (uvicorn, one worker, sync endpoint in the thread pool) whose one endpoint
checks a bearer token, runs the raw sqlite3 transition of bench/raw_floor.py and answers
with the item row read back.

Run: `python -m bench.floor_app DB_PATH TOKEN PORT`."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, Header, HTTPException

from bench.raw_floor import sqlite_connect, sqlite_transition


def make_app(db_path: str, token: str) -> FastAPI:
    app = FastAPI()
    local = threading.local()

    @app.post("/floor/items/{item_id}/transitions")
    def transition(item_id: int, body: dict[str, Any],
                   authorization: str = Header(default="")) -> dict[str, Any]:
        if authorization != f"Bearer {token}":
            raise HTTPException(status_code=401)
        if not hasattr(local, "conn"):  # one connection per worker thread
            local.conn = sqlite_connect(db_path)
        sqlite_transition(local.conn, item_id, datetime.now(UTC), "user:3")
        # answer with the item as it is now, as the engine's endpoint does
        row = local.conn.execute("SELECT * FROM item WHERE id=?", (item_id,)).fetchone()
        return {**dict(row), "trigger": body.get("trigger")}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


if __name__ == "__main__":
    path, secret, port = sys.argv[1:4]
    uvicorn.run(make_app(path, secret), host="127.0.0.1", port=int(port), access_log=False,
                log_config=None)
