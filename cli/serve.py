"""`leadflow serve`, `leadflow demo` and `leadflow tokens`: run the HTTP API and manage tokens.

`serve` and `demo` create or upgrade the database on start (open_runtime runs the
migrations), then hand the one app factory (`api.app.create_app`) to uvicorn."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.runtime import Runtime
    from engine.settings import Settings

DEMO_TOKENS = Path("var") / "demo-tokens.sh"


def register(sub: Any) -> None:
    from cli.demo import EXAMPLE_ORG

    s = sub.add_parser("serve", help="serve the HTTP API (creates/upgrades the database)")
    s.add_argument("--host", help="default: LEADFLOW_HOST or 127.0.0.1")
    s.add_argument("--port", type=int, help="default: LEADFLOW_PORT or 8000")
    s.set_defaults(func=cmd_serve)

    d = sub.add_parser("demo", help="set up a demo database (example org, a few items, "
                                    "fresh tokens for every user) and serve it")
    d.add_argument("--host")
    d.add_argument("--port", type=int)
    d.add_argument("--org", type=Path, default=EXAMPLE_ORG, help="org YAML to load")
    d.add_argument("--tokens-file", type=Path, default=DEMO_TOKENS,
                   help=f"where to write the demo tokens as shell exports ({DEMO_TOKENS})")
    d.add_argument("--no-serve", action="store_true", help="prepare only, do not serve")
    d.set_defaults(func=cmd_demo)

    t = sub.add_parser("tokens", help="issue, rotate or revoke API tokens")
    tsub = t.add_subparsers(dest="tokens_command", required=True, metavar="SUBCOMMAND")
    ti = tsub.add_parser("issue", help="issue a token for a user (printed once)")
    ti.add_argument("user", help="the user: login or id")
    ti.add_argument("--rotate", action="store_true", help="revoke the user's other tokens")
    ti.set_defaults(func=cmd_tokens_issue)
    tr = tsub.add_parser("revoke", help="revoke a token by id")
    tr.add_argument("token_id", type=int)
    tr.set_defaults(func=cmd_tokens_revoke)


def _listen(args: argparse.Namespace, settings: Settings) -> tuple[str, int]:
    """Where to serve; refuses (ConfigError) the default secret on a public address."""
    host = args.host or settings.host
    for warning in settings.check_serving(host):
        print(f"warning: {warning}", file=sys.stderr)
    return host, args.port or settings.port


def _serve(rt: Runtime | None, settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from api.app import create_app

    app = create_app(rt, settings, run_scheduler=settings.run_scheduler)
    # our middleware logs each request (without query strings); uvicorn's access log would
    # duplicate it and print raw URLs
    uvicorn.run(app, host=host, port=port, access_log=False, log_config=None)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    host, port = _listen(args, settings)
    print(f"leadflow console on http://{host}:{port}/  (API: /v1, docs: /docs)")
    _serve(None, settings, host, port)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from cli.demo import DEMO_PASSWORD, DEMO_VARIABLES, prepare_demo, write_tokens_file
    from engine.runtime import open_runtime

    host, port = _listen(args, settings)
    rt = open_runtime(settings.database_url, settings.workflows_dir)
    report = prepare_demo(rt, settings, args.org)
    write_tokens_file(args.tokens_file, report)
    url = rt.db.url.render_as_string(hide_password=True)
    print(f"demo database: {url} ({report.items_created} demo item(s) created)")
    print("demo users and their tokens (shown once; new ones on every `leadflow demo`):")
    for name, (uid, role, token) in report.tokens.items():
        var = DEMO_VARIABLES.get(name, f"USER{uid}_TOKEN")
        print(f"  {var:<20} user {uid:<3} {role:<10} {name}\n      {token}")
    print(f"the same as shell exports: . {args.tokens_file}")
    print(f"interactive API docs: http://{host}:{port}/docs")
    print(f"\nthe console: http://{host}:{port}/ ; sign in as any of these, password "
          f"{DEMO_PASSWORD}:")
    for login, (name, role) in report.logins.items():
        print(f"  {login:<18} {name} ({role})")
    if not args.no_serve:
        _serve(rt, settings, host, port)
    return 0


def cmd_tokens_issue(args: argparse.Namespace, settings: Settings) -> int:
    from engine.org import actor_for_user, issue_token, resolve_user, rotate_tokens
    from engine.runtime import open_runtime
    from engine.storage import write_tx

    rt = open_runtime(settings.database_url, settings.workflows_dir)
    secret, now = settings.secret.get_secret_value(), rt.clock.now()
    with write_tx(rt.db) as conn:
        uid = actor_for_user(conn, resolve_user(conn, args.user).id).user_id  # active only
        assert uid is not None
        issued = (rotate_tokens(conn, user_id=uid, secret=secret, now=now) if args.rotate
                  else issue_token(conn, user_id=uid, secret=secret, now=now))
    print(f"token {issued.id} for user {uid} (shown once):\n{issued.token}")
    return 0


def cmd_tokens_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from engine.org import revoke_token
    from engine.runtime import open_runtime
    from engine.storage import write_tx

    rt = open_runtime(settings.database_url, settings.workflows_dir)
    with write_tx(rt.db) as conn:
        revoke_token(conn, token_id=args.token_id, now=rt.clock.now())
    print(f"token {args.token_id} revoked")
    return 0
