"""Lead intake over HTTP: the platform or an operator hands in a lead; staff link leads and,
with a stated reason, read a reporter's identity.

The identity travels only in the intake body and in the answer of the audited read; it is
never part of an item, a list or a history. Reads answer `Cache-Control: no-store`."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from api.deps import IdentityDep, Person, RuntimeDep, ScopedItem
from api.errors import problems
from api.schemas import (
    LeadCreatedOut,
    LeadIn,
    LinkIn,
    LinkOut,
    ReasonIn,
    ReporterOut,
    Vocabularies,
)
from api.views import item_detail
from engine.intake import (
    create_lead,
    link_leads,
    parse_lead,
    read_identity,
    read_links,
    vocabularies,
)
from engine.items import get_item
from engine.storage import read_tx

router = APIRouter(tags=["leads"])
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/v1/leads/vocabularies", response_model=Vocabularies,
            responses=problems(401, 403))
def lead_vocabularies(actor: Person, rt: RuntimeDep) -> Vocabularies:
    """The channels and categories a lead may have, code → label."""
    vocab = vocabularies(rt)
    return Vocabularies(channel=dict(vocab.get("channel") or {}),
                        category=dict(vocab.get("category") or {}))


@router.post("/v1/leads", status_code=201, response_model=LeadCreatedOut,
             responses=problems(401, 403, 404, 422, 503))
def intake(body: LeadIn, actor: Person, rt: RuntimeDep, ident: IdentityDep) -> Response:
    """Take in a lead; the reporter is stored encrypted apart from it. An anonymous report
    from the platform gets its receipt code in this answer, once."""
    raw = body.model_dump(mode="json")
    lead = parse_lead(raw, vocabularies(rt))
    made = create_lead(rt, actor=actor, lead=lead, cipher=ident.cipher, comment=body.comment)
    with read_tx(rt.db) as conn:
        row = get_item(conn, actor, made.change.item_id)
    out = LeadCreatedOut(item=item_detail(row, rt, actor), receipt_code=made.receipt_code,
                         possible_duplicates=list(made.possible_duplicates))
    return JSONResponse(out.model_dump(mode="json"), status_code=201,
                        headers=NO_STORE | {"Location": f"/v1/items/{made.change.item_id}"})


@router.get("/v1/items/{item_id}/links", response_model=list[LinkOut],
            responses=problems(401, 403, 404, 422))
def links(item: ScopedItem, actor: Person, rt: RuntimeDep) -> list[LinkOut]:
    """Leads related to this one, flagged as its possible duplicates, or merged with it;
    only those you may see."""
    return [LinkOut(**vars(v)) for v in read_links(rt, actor=actor, item_id=item.id)]


@router.post("/v1/items/{item_id}/links", status_code=201, response_model=list[LinkOut],
             responses=problems(401, 403, 404, 422, ok={200: {
                 "model": list[LinkOut],
                 "description": "The two were linked already: nothing changed"}}))
def link(item: ScopedItem, body: LinkIn, actor: Person, rt: RuntimeDep) -> JSONResponse:
    """Link a related lead without merging; both leads' histories record it. Linking an
    already linked pair changes nothing (200)."""
    created = link_leads(rt, actor=actor, item_id=item.id, other_id=body.other_id,
                         note=body.note)
    out = [LinkOut(**vars(v)).model_dump(mode="json")
           for v in read_links(rt, actor=actor, item_id=item.id)]
    return JSONResponse(out, status_code=201 if created else 200)


@router.post("/v1/items/{item_id}/reporter", response_model=ReporterOut,
             responses=problems(401, 403, 404, 422, 503))
def reporter(item: ScopedItem, body: ReasonIn, actor: Person, rt: RuntimeDep,
             ident: IdentityDep) -> Response:
    """The reporter's identity, for a role allowed by configuration, with a reason. The
    read is an audit event of the item (who, when, why)."""
    who = read_identity(rt, actor=actor, item_id=item.id, reason=body.reason,
                        cipher=ident.cipher, allowed_roles=ident.read_roles)
    out = ReporterOut(anonymous=who.anonymous, name=who.name, contact=who.contact)
    return JSONResponse(out.model_dump(mode="json"), headers=NO_STORE)
