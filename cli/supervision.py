"""`leadflow supervise issue|reply|accept|return|list` (督办) and `leadflow extension
request|approve|refuse|list` (延期): the steps of docs/supervision.md as a user, through the
same engine calls as the API, so the rules, audit events and notifications are the same."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from cli.runtime import command_runtime
from engine.kernel import Actor

if TYPE_CHECKING:
    from engine.runtime import Runtime
    from engine.settings import Settings
    from engine.supervision import (
        ExtensionRecord,
        NoticeRecord,
    )


def _common(p: argparse.ArgumentParser, *ids: str) -> None:
    p.add_argument("item", type=int, help="the item's id")
    for name in ids:
        p.add_argument(name, type=int, help=f"the {name}'s id")
    p.add_argument("--as", dest="user", required=True, help="acting user: login or id")


def register(sub: Any) -> None:
    sp = sub.add_parser("supervise", help="督办: supervision notices on an item")
    ssub = sp.add_subparsers(dest="step", required=True, metavar="STEP")
    p = ssub.add_parser("issue", help="issue a notice: level, requirement, reply days")
    _common(p)
    p.add_argument("--level", required=True, help="a level code, e.g. general, yellow, red")
    p.add_argument("--requirement", required=True)
    p.add_argument("--days", type=int, help="working days to reply (the workflow's default)")
    p.set_defaults(func=cmd_issue)
    p = ssub.add_parser("reply", help="the unit's reply (反馈)")
    _common(p, "notice")
    p.add_argument("--text", required=True)
    p.set_defaults(func=cmd_reply)
    p = ssub.add_parser("accept", help="accept the reply")
    _common(p, "notice")
    p.add_argument("--comment", default="")
    p.set_defaults(func=cmd_accept)
    p = ssub.add_parser("return", help="send the reply back for a new one")
    _common(p, "notice")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_return)
    p = ssub.add_parser("list", help="the item's notices and extension requests")
    _common(p)
    p.set_defaults(func=cmd_list)

    ep = sub.add_parser("extension", help="延期: extensions of an item's deadline")
    esub = ep.add_subparsers(dest="step", required=True, metavar="STEP")
    p = esub.add_parser("request", help="ask for more working days, with a reason")
    _common(p)
    p.add_argument("--days", type=int, required=True, help="working days asked for")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_request)
    p = esub.add_parser("approve", help="grant a request (perhaps fewer days)")
    _common(p, "extension")
    p.add_argument("--days", type=int, help="working days granted (all those asked)")
    p.add_argument("--comment", default="")
    p.set_defaults(func=cmd_approve)
    p = esub.add_parser("refuse", help="refuse a request, with a reason")
    _common(p, "extension")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_refuse)
    p = esub.add_parser("list", help="the item's notices and extension requests")
    _common(p)
    p.set_defaults(func=cmd_list)


def _run(settings: Settings, args: argparse.Namespace,
         step: Callable[[Runtime, Actor], Iterable[str]]) -> int:
    """Run one step as the acting user and print its lines."""
    from engine.org import actor_for_user, resolve_user
    from engine.storage import read_tx

    with command_runtime(settings) as rt:
        with read_tx(rt.db) as conn:
            actor = actor_for_user(conn, resolve_user(conn, args.user).id)
        for line in step(rt, actor):
            print(line)
    return 0


def _local(at: Any) -> str:
    from engine.deadlines import CHINA_TZ

    return str(at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")) if at else "-"


def _notice(n: NoticeRecord) -> str:
    return (f"notice {n.id} of item {n.item_id}: {n.level} ({n.level_label}) {n.state}, "
            f"reply due {_local(n.reply_due_at)}, issued by {n.issuer_jurisdiction}")


def _extension(e: ExtensionRecord) -> str:
    days = f"{e.days_granted}/{e.days_asked}" if e.days_granted else f"{e.days_asked}"
    moved = f" → {_local(e.new_due_at)}" if e.new_due_at else ""
    return (f"extension {e.id} of item {e.item_id} ({e.item_state}): {e.state}, {days} "
            f"working days, due {_local(e.original_due_at)}{moved}")


def cmd_issue(args: argparse.Namespace, settings: Settings) -> int:
    from engine.supervision import issue_notice

    return _run(settings, args, lambda rt, actor: [_notice(issue_notice(
        rt, actor=actor, item_id=args.item, level=args.level, requirement=args.requirement,
        reply_days=args.days))])


def cmd_reply(args: argparse.Namespace, settings: Settings) -> int:
    from engine.supervision import reply_notice

    return _run(settings, args, lambda rt, actor: [_notice(reply_notice(
        rt, actor=actor, item_id=args.item, notice_id=args.notice, reply=args.text))])


def cmd_accept(args: argparse.Namespace, settings: Settings) -> int:
    from engine.supervision import accept_reply

    return _run(settings, args, lambda rt, actor: [_notice(accept_reply(
        rt, actor=actor, item_id=args.item, notice_id=args.notice, comment=args.comment))])


def cmd_return(args: argparse.Namespace, settings: Settings) -> int:
    from engine.supervision import return_reply

    return _run(settings, args, lambda rt, actor: [_notice(return_reply(
        rt, actor=actor, item_id=args.item, notice_id=args.notice, reason=args.reason))])


def cmd_request(args: argparse.Namespace, settings: Settings) -> int:
    from engine.supervision import request_extension

    return _run(settings, args, lambda rt, actor: [_extension(request_extension(
        rt, actor=actor, item_id=args.item, working_days=args.days, reason=args.reason))])


def cmd_approve(args: argparse.Namespace, settings: Settings) -> int:
    from engine.supervision import approve_extension

    return _run(settings, args, lambda rt, actor: [_extension(approve_extension(
        rt, actor=actor, item_id=args.item, extension_id=args.extension,
        working_days=args.days, comment=args.comment))])


def cmd_refuse(args: argparse.Namespace, settings: Settings) -> int:
    from engine.supervision import refuse_extension

    return _run(settings, args, lambda rt, actor: [_extension(refuse_extension(
        rt, actor=actor, item_id=args.item, extension_id=args.extension,
        reason=args.reason))])


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from engine.supervision import list_extensions, list_notices

    def lines(rt: Runtime, actor: Actor) -> list[str]:
        notices = list_notices(rt, actor, args.item)
        extensions = list_extensions(rt, actor, args.item)
        out = [_notice(n) for n in notices] + [_extension(e) for e in extensions]
        return out or [f"item {args.item}: no supervision notices, no extension requests"]

    return _run(settings, args, lines)
