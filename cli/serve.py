"""`leadflow serve`, `leadflow demo` and `leadflow tokens`: run the HTTP API and manage tokens.

`serve` and `demo` create or upgrade the database on start (open_runtime runs the
migrations), then hand the one app factory (`api.app.create_app`) to uvicorn."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from engine.kernel import Actor
from engine.org import (
    actor_for_user,
    issue_token,
    jurisdiction_by_code,
    load_org,
    read_org_file,
    revoke_token,
    rotate_tokens,
)
from engine.runtime import Runtime, open_runtime
from engine.settings import Settings
from engine.storage import ITEM, USER, read_tx, write_tx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_ORG = ROOT / "examples" / "org.yaml"
DEMO_TOKENS = Path("var") / "demo-tokens.sh"
# Shell variable names for the example org's users, used by the quickstart in docs/api.md.
DEMO_VARIABLES = {
    "市办-线索组": "CITY_OFFICE_TOKEN",
    "市公安-承办人": "CITY_HANDLER_TOKEN",
    "东城办-联络员": "DC_OFFICE_TOKEN",
    "东城公安-承办人": "DC_HANDLER_TOKEN",
    "西城办-联络员": "XC_OFFICE_TOKEN",
    "西城公安-承办人": "XC_HANDLER_TOKEN",
    "南山办-联络员": "NS_OFFICE_TOKEN",
    "省指导组-审计": "SUPERVISOR_TOKEN",
    "省管理员": "ADMIN_TOKEN",
    "检举举报平台": "CLIENT_TOKEN",
}


def register(sub: Any) -> None:
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
    ti.add_argument("user", type=int, help="user id")
    ti.add_argument("--rotate", action="store_true", help="revoke the user's other tokens")
    ti.set_defaults(func=cmd_tokens_issue)
    tr = tsub.add_parser("revoke", help="revoke a token by id")
    tr.add_argument("token_id", type=int)
    tr.set_defaults(func=cmd_tokens_revoke)


def _listen(args: argparse.Namespace, settings: Settings) -> tuple[str, int]:
    return args.host or settings.host, args.port or settings.port


def _serve(rt: Runtime | None, settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from api.app import create_app

    app = create_app(rt, settings, run_scheduler=settings.run_scheduler)
    # our middleware logs each request (without query strings); uvicorn's access log would
    # duplicate it and print raw URLs
    uvicorn.run(app, host=host, port=port, access_log=False, log_config=None)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    host, port = _listen(args, settings)
    print(f"leadflow API on http://{host}:{port}  (docs: http://{host}:{port}/docs)")
    _serve(None, settings, host, port)
    return 0


@dataclass(kw_only=True)
class DemoReport:
    items_created: int
    tokens: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # name→(id,role,tok)


def prepare_demo(rt: Runtime, settings: Settings, org: Path) -> DemoReport:
    """Load the org, create demo items on an empty database, and issue every user a fresh
    token (old ones are revoked: tokens are stored only hashed, so they cannot be re-shown)."""
    now = rt.clock.now()
    secret = settings.secret.get_secret_value()
    with write_tx(rt.db) as conn:
        load_org(conn, read_org_file(org), now)
    with read_tx(rt.db) as conn:
        empty = conn.execute(select(func.count()).select_from(ITEM)).scalar_one() == 0
    created = _demo_items(rt) if empty else 0
    report = DemoReport(items_created=created)
    with write_tx(rt.db) as conn:
        for row in conn.execute(select(USER.c.id, USER.c.name, USER.c.role)
                                .where(USER.c.active.is_(True)).order_by(USER.c.id)).all():
            issued = rotate_tokens(conn, user_id=row.id, secret=secret, now=now)
            report.tokens[row.name] = (row.id, row.role, issued.token)
    return report


def _demo_items(rt: Runtime) -> int:
    from engine.items.transition import apply, create_item

    with read_tx(rt.db) as conn:
        users = {r.name: actor_for_user(conn, r.id)
                 for r in conn.execute(select(USER.c.id, USER.c.name)).all()}
        city = jurisdiction_by_code(conn, "5101").id
        xc = jurisdiction_by_code(conn, "510102").id
    office: Actor = users["市办-线索组"]
    leads = [
        ("反映某派出所民警接处警推诿", "phone", "discipline_conduct", city),
        ("举报某法官违规会见当事人", "reporting_platform", "violation", city),
        ("反映某检察官办案拖延", "letter", "law_enforcement", xc),
    ]
    ids = [create_item(rt, actor=office, workflow="lead", jurisdiction_id=j, title=t,
                       data={"channel": ch, "category": cat}).item_id
           for t, ch, cat, j in leads]
    apply(rt, actor=office, item_id=ids[0], trigger="transfer", data={"unit": "dc-police"})
    apply(rt, actor=users["东城公安-承办人"], item_id=ids[0], trigger="accept")
    create_item(rt, actor=office, workflow="rectification", jurisdiction_id=city,
                title="执法办案中“立而不侦”问题整改", data={"source": "self_inspection"})
    return len(leads) + 1


def write_tokens_file(path: Path, report: DemoReport) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# leadflow demo tokens; regenerated by every `leadflow demo`. Do not commit."]
    for name, (uid, role, token) in report.tokens.items():
        var = DEMO_VARIABLES.get(name, f"USER{uid}_TOKEN")
        lines.append(f"export {var}={token}  # user {uid}: {name} ({role})")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
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
    if not args.no_serve:
        _serve(rt, settings, host, port)
    return 0


def cmd_tokens_issue(args: argparse.Namespace, settings: Settings) -> int:
    rt = open_runtime(settings.database_url, settings.workflows_dir)
    secret, now = settings.secret.get_secret_value(), rt.clock.now()
    with write_tx(rt.db) as conn:
        actor_for_user(conn, args.user)  # NotFound for unknown or inactive users
        issued = (rotate_tokens(conn, user_id=args.user, secret=secret, now=now) if args.rotate
                  else issue_token(conn, user_id=args.user, secret=secret, now=now))
    print(f"token {issued.id} for user {args.user} (shown once):\n{issued.token}")
    return 0


def cmd_tokens_revoke(args: argparse.Namespace, settings: Settings) -> int:
    rt = open_runtime(settings.database_url, settings.workflows_dir)
    with write_tx(rt.db) as conn:
        revoke_token(conn, token_id=args.token_id, now=rt.clock.now())
    print(f"token {args.token_id} revoked")
    return 0
