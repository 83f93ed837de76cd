"""A minimal app with the API docs mounted the way the app factory will: FastAPI's own docs
pages off, console.apidocs on, SecurityHeaders on every response. Its routes have Chinese
summaries, tags and descriptions, so the browser test shows whether Chinese text renders."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel, Field

from console.apidocs import mount_apidocs
from console.security import security_headers

SUMMARY_GET = "查看问题线索"
SUMMARY_POST = "登记问题线索"
TAG = "问题线索"


class Lead(BaseModel):
    id: int
    title: str = Field(description="线索标题")


class NewLead(BaseModel):
    title: str = Field(description="线索标题", examples=["某单位违规发放津补贴"])


def make_docs_app() -> FastAPI:
    app = FastAPI(title="leadflow 文档测试", version="1", docs_url=None, redoc_url=None,
                  description="问题线索（tip-off leads）与整改事项（rectification items）。")

    @app.get("/v1/leads/{lead_id}", summary=SUMMARY_GET, tags=[TAG])
    def get_lead(lead_id: int) -> Lead:
        return Lead(id=lead_id, title="示例线索")

    @app.post("/v1/leads", summary=SUMMARY_POST, tags=[TAG], status_code=201)
    def create_lead(body: NewLead) -> Lead:
        return Lead(id=1, title=body.title)

    mount_apidocs(app)
    security_headers(app)
    return app
