"""`leadflow users list` and `leadflow users set-password LOGIN`: who can sign in to the
console, and an admin's (initial or reset) password, which the user must change at their
next sign-in. A password is read from the terminal (twice) or from standard input, never
from the command line, where `ps` and the shell history would show it."""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from typing import TYPE_CHECKING, Any

from engine.kernel import SystemClock

if TYPE_CHECKING:
    from engine.settings import Settings


def register(sub: Any) -> None:
    users = sub.add_parser("users", help="list users, set console passwords")
    usub = users.add_subparsers(dest="users_command", required=True, metavar="SUBCOMMAND")
    ls = usub.add_parser("list", help="every user: id, login, name, role, jurisdiction, unit")
    ls.set_defaults(func=cmd_users_list)
    sp = usub.add_parser("set-password", help="set a user's console password (they must "
                                              "change it at their next sign-in)")
    sp.add_argument("user", help="the user: login or id")
    how = sp.add_mutually_exclusive_group()
    how.add_argument("--stdin", action="store_true",
                     help="read the password from the first line of standard input")
    how.add_argument("--generate", action="store_true",
                     help="make a random password and print it once")
    sp.add_argument("--no-change-required", action="store_true",
                    help="do not ask the user to change it at first sign-in")
    sp.set_defaults(func=cmd_users_set_password)


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from engine.storage import JUR, PASSWORD, UNIT, USER, make_engine, read_tx, upgrade

    db = make_engine(settings.database_url)
    upgrade(db)
    with read_tx(db) as conn:
        rows = conn.execute(
            select(USER.c.id, USER.c.login, USER.c.name, USER.c.role, USER.c.active,
                   JUR.c.code.label("jurisdiction"), UNIT.c.code.label("unit"),
                   PASSWORD.c.must_change)
            .join(JUR, JUR.c.id == USER.c.jurisdiction_id)
            .outerjoin(UNIT, UNIT.c.id == USER.c.unit_id)
            .outerjoin(PASSWORD, PASSWORD.c.user_id == USER.c.id)
            .order_by(USER.c.id)).all()
    print(f"{'id':>4}  {'login':<18} {'role':<10} {'jurisdiction':<12} {'unit':<18} "
          f"{'console':<14} name")
    for r in rows:
        console = ("inactive" if not r.active else "no password" if r.must_change is None
                   else "must change" if r.must_change else "ok")
        print(f"{r.id:>4}  {r.login or '-':<18} {r.role:<10} {r.jurisdiction:<12} "
              f"{r.unit or '-':<18} {console:<14} {r.name}")
    return 0


def _read_password(args: argparse.Namespace, login: str | None) -> str | None:
    from engine.org import MIN_LENGTH, password_problem

    if args.generate:
        return secrets.token_urlsafe(12)
    if args.stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"new password for {login} (at least {MIN_LENGTH} characters): ")
    why = password_problem(login, first)
    if why is not None:
        print(f"error: the password {why}; nothing was changed", file=sys.stderr)
        return None
    if getpass.getpass("the same again: ") != first:
        print("error: the two passwords differ; nothing was changed", file=sys.stderr)
        return None
    return first


def cmd_users_set_password(args: argparse.Namespace, settings: Settings) -> int:
    from engine.org import resolve_user, set_password
    from engine.storage import make_engine, read_tx, upgrade, write_tx

    db = make_engine(settings.database_url)
    upgrade(db)
    with read_tx(db) as conn:
        user = resolve_user(conn, args.user)
    if user.login is None:
        print(f"error: user {user.id} ({user.name}) has no login name, so cannot sign in; "
              "give them one in the org file (login: …) and load it again", file=sys.stderr)
        return 1
    password = _read_password(args, user.login)
    if password is None:
        return 1
    must_change = not args.no_change_required
    with write_tx(db) as conn:
        set_password(conn, user_id=user.id, password=password, must_change=must_change,
                     now=SystemClock().now())
    print(f"password set for {user.login} (user {user.id}, {user.name}); "
          + ("they must change it at their next sign-in" if must_change
             else "no change required") + "; their console sessions were ended")
    if args.generate:
        print(f"password (shown once): {password}")
    return 0
