"""Receipt codes over HTTP, for the reporting platform: the public status of a lead and
adding information to it. The code travels in the JSON body, never in the URL, so it cannot
land in an access log; answers are `no-store`. A wrong code is 404; too many wrong codes
from one reporter session are 429 with Retry-After (a caller's overall count only raises an
alert, engine.intake.receipts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.deps import RuntimeDep, roles_required
from api.errors import problems
from api.routes.leads import NO_STORE
from api.schemas import FollowUpIn, ReceiptIn, StatusOut
from engine.intake import PublicStatus, add_info, lookup
from engine.kernel import Actor, Role

router = APIRouter(prefix="/v1/receipts", tags=["receipts"])
RECEIPT_ROLES = frozenset({Role.client.value})


Platform = Annotated[Actor, Depends(roles_required(RECEIPT_ROLES, "use receipt codes"))]


def _client(request: Request, body: ReceiptIn) -> str:
    if body.session:
        return f"session:{body.session}"
    return f"addr:{request.client.host if request.client else 'unknown'}"


def _answer(status: PublicStatus) -> JSONResponse:
    return JSONResponse(StatusOut(**vars(status)).model_dump(), headers=NO_STORE)


@router.post("/status", response_model=StatusOut, responses=problems(401, 403, 404, 422, 429))
def status(body: ReceiptIn, actor: Platform, rt: RuntimeDep,
           request: Request) -> JSONResponse:
    """The public status of the lead behind a receipt code, and nothing else."""
    return _answer(lookup(rt, actor=actor, code=body.code, client=_client(request, body)))


@router.post("/info", response_model=StatusOut, responses=problems(401, 403, 404, 422, 429))
def info(body: FollowUpIn, actor: Platform, rt: RuntimeDep,
         request: Request) -> JSONResponse:
    """Add the reporter's further information to the lead behind a receipt code."""
    return _answer(add_info(rt, actor=actor, code=body.code, client=_client(request, body),
                            text=body.text,
                            attachments=[a.model_dump() for a in body.attachments]))
