"""消息 (notifications): reminders and escalations addressed to me, unread first; mark read."""

from __future__ import annotations

from contextlib import suppress

from fastapi import Request, Response

from console.auth import Config, PostedForm, SignedIn
from console.render import page
from console.routing import console_router, redirect
from engine.errors import NotFound
from engine.scheduling import inbox, mark_all_read, mark_read
from engine.storage import read_tx, write_tx

router = console_router()
KIND_LABELS = {"remind": "到期提醒", "overdue": "已超期", "escalate": "督办升级",
               "repeat": "持续超期提醒", "review": "暂存待查定期复查",
               # engine.supervision's notifications
               "supervise": "督办通知", "supervise_reply": "督办反馈",
               "supervise_accept": "督办反馈已认可", "supervise_return": "督办反馈被退回",
               "supervise_raise": "督办提级", "extension_request": "延期申请",
               "extension_approve": "延期已批准", "extension_refuse": "延期未批准"}
# kinds whose `level` is an escalation level (the sweep's); a supervision notice's level is
# its order among the declared levels, which reads wrong as "N 级"
ESCALATION_KINDS = frozenset({"escalate", "repeat", "overdue", "remind"})


@router.get("/notifications")
def notifications(request: Request, viewer: SignedIn, cfg: Config) -> Response:
    with read_tx(cfg.rt.db) as conn:
        box = inbox(conn, viewer.user_id, limit=100)
    return page(request, "console/notifications.html", viewer, title="消息", current="notices",
                unread=box.unread, box=box, kinds=KIND_LABELS, escalation_kinds=ESCALATION_KINDS)


@router.post("/notifications/read")
def read(request: Request, viewer: SignedIn, cfg: Config, form: PostedForm) -> Response:
    ids = [int(str(v)) for v in form.getlist("id") if str(v).isdigit() and len(str(v)) < 12]
    now = cfg.rt.clock.now()
    with write_tx(cfg.rt.db) as conn:
        if form.get("all"):
            mark_all_read(conn, viewer.user_id, now)
        elif ids:
            with suppress(NotFound):  # not theirs: nothing marked, as if it did not exist
                mark_read(conn, viewer.user_id, ids, now)
    return redirect(request, "/notifications")
