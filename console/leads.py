"""登记线索 (register a lead), for office staff: channel, category, the person reported on,
the allegation, a named or anonymous reporter. Through lead intake (`engine.intake`), as the
API's POST /v1/leads: checked first, possible duplicates in scope shown before saving, then
saved; an anonymous lead's receipt code (handed in by a client such as the platform) is shown
once. The reporter's identity goes encrypted apart from the lead and never onto a page."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from starlette.datastructures import FormData

from console import labels
from console.auth import Config, PostedForm, SignedIn
from console.directory import directory
from console.identity import identity_access
from console.item_view import state_label
from console.render import Viewer, page
from console.routing import console_router
from console.work import unread_count
from engine.errors import IdentityKeyError, InvalidData, NotFound, RoleForbidden
from engine.intake import (
    create_lead,
    parse_lead,
    possible_duplicates,
    vocabularies,
)
from engine.storage import read_tx

router = console_router()
TEXT_FIELDS = ("jurisdiction", "channel", "category", "subject_name", "subject_unit",
               "subject_post", "allegation", "title", "unit", "reporter_name",
               "reporter_contact", "comment")
# parse_lead's field paths → this form's field names
FIELD_OF = {"subject.name": "subject_name", "subject.unit": "subject_unit",
            "subject.post": "subject_post", "subject": "subject_name",
            "reporter.name": "reporter_name", "reporter.contact": "reporter_contact",
            "reporter": "reporter_name", "reporter.anonymous": "reporter_kind"}
EXTRA_MESSAGES = {
    "is required unless the reporter is anonymous": "具名举报须填写举报人姓名",
    "must be empty for an anonymous reporter": "匿名举报不填写姓名",
    "is required: the person reported on, with name, unit and post": "必填",
}


def _values(form: FormData | None) -> dict[str, str]:
    if form is None:
        return {"reporter_kind": "anonymous"}
    out = {k: str(form.get(k) or "").strip() for k in TEXT_FIELDS}
    out["reporter_kind"] = "named" if form.get("reporter_kind") == "named" else "anonymous"
    return out


def _raw(values: dict[str, str]) -> dict[str, Any]:
    anonymous = values["reporter_kind"] != "named"
    return {
        "jurisdiction": values["jurisdiction"], "channel": values["channel"],
        "category": values["category"],
        "subject": {"name": values["subject_name"], "unit": values["subject_unit"],
                    "post": values["subject_post"] or None},
        "allegation": values["allegation"], "title": values["title"] or None,
        "unit": values["unit"] or None,
        "reporter": {"anonymous": anonymous, "name": values["reporter_name"] or None,
                     "contact": values["reporter_contact"] or None},
    }


def _form_page(request: Request, viewer: Viewer, cfg: Config, values: dict[str, str], *,
               errors: dict[str, str] | None = None, problem: str = "",
               duplicates: list[Any] | None = None, status: int = 200) -> Response:
    rt = cfg.rt
    with read_tx(rt.db) as conn:
        dirs = directory(conn, viewer.actor)
        unread = unread_count(conn, viewer)
    vocab = vocabularies(rt)
    wf = rt.registry.latest("lead")
    return page(request, "console/lead_new.html", viewer, title="登记线索", current="new_lead",
                status=status, unread=unread, values=values, errors=errors or {},
                problem=problem, channels=dict(vocab.get("channel") or {}),
                categories=dict(vocab.get("category") or {}),
                jurisdictions=list(dirs.jurisdictions.values()),
                units=list(dirs.units.values()),
                duplicates=[{"id": d.id, "ref": d.ref, "title": d.title,
                             "state": state_label(wf, d.state)} for d in duplicates or []],
                checked=duplicates is not None)


@router.get("/leads/new")
def new_lead_form(request: Request, viewer: SignedIn, cfg: Config) -> Response:
    with read_tx(cfg.rt.db) as conn:
        dirs = directory(conn, viewer.actor)
    own = dirs.jurisdictions.get(viewer.actor.jurisdiction_id or -1)
    values = dict.fromkeys(TEXT_FIELDS, "") | _values(None)
    values["jurisdiction"] = own.code if own else ""
    return _form_page(request, viewer, cfg, values)


def _errors(exc: InvalidData) -> dict[str, str]:
    return {FIELD_OF.get(k, k): EXTRA_MESSAGES.get(v) or labels.message(v)
            for k, v in exc.fields.items()}


@router.post("/leads/new")
def register(request: Request, viewer: SignedIn, cfg: Config, form: PostedForm) -> Response:
    rt = cfg.rt
    values = _values(form)
    try:
        lead = parse_lead(_raw(values), vocabularies(rt))
    except InvalidData as exc:
        return _form_page(request, viewer, cfg, values, errors=_errors(exc), status=422,
                          problem="登记信息有误，请按提示修改。尚未保存。")
    if form.get("step") != "save":  # first the check: who else reported this person?
        with read_tx(rt.db) as conn:
            dups = possible_duplicates(conn, viewer.actor, name=lead.subject_name,
                                       unit=lead.subject_unit)
        return _form_page(request, viewer, cfg, values, duplicates=dups)
    access = identity_access(request)
    try:
        made = create_lead(rt, actor=viewer.actor, lead=lead, cipher=access.cipher,
                           comment=values["comment"][:2000])
    except InvalidData as exc:
        return _form_page(request, viewer, cfg, values, errors=_errors(exc), status=422,
                          problem="登记信息有误，请按提示修改。尚未保存。")
    except IdentityKeyError:
        return _form_page(request, viewer, cfg, values, status=503, errors={
            "reporter_name": "服务器未配置身份密钥，具名举报暂不能保存；可改为匿名登记"},
            problem="具名举报人的身份须加密保存，但服务器未配置身份密钥。尚未保存。")
    except (RoleForbidden, NotFound):
        return _form_page(request, viewer, cfg, values, status=403,
                          problem="您的角色不能登记线索。尚未保存。")
    response = page(request, "console/lead_saved.html", viewer, title="线索已登记",
                    current="new_lead", item_id=made.change.item_id, ref=made.change.ref,
                    receipt=made.receipt_code, duplicates=len(made.possible_duplicates))
    response.headers["Cache-Control"] = "no-store"  # the receipt code is shown this once
    return response
