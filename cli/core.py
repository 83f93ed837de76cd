"""Core commands: init, workflows check/diagram, org load, verify, and item commands that
go through the engine's one transition function like every other writer."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.runtime import command_runtime
from engine.errors import DefinitionError, InvalidData
from engine.kernel import SystemClock

if TYPE_CHECKING:
    from engine.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("init", help="create or upgrade the database and load the workflows")
    p.set_defaults(func=cmd_init)

    wf = sub.add_parser("workflows", help="check workflow files or draw a diagram")
    wsub = wf.add_subparsers(dest="wf_command", required=True, metavar="SUBCOMMAND")
    c = wsub.add_parser("check", help="validate workflow files (exit 1 on any problem)")
    c.add_argument("path", nargs="?", type=Path,
                   help="a folder of *.yaml or one workflow file (default: the configured "
                        "folder, LEADFLOW_WORKFLOWS_DIR)")
    c.set_defaults(func=cmd_workflows_check, database=False)
    d = wsub.add_parser("diagram", help="print a Mermaid state diagram")
    d.add_argument("name")
    d.add_argument("--version", type=int, help="a stored version (default: the file's)")
    d.set_defaults(func=cmd_workflows_diagram, database=False)  # --version checks its own

    org = sub.add_parser("org", help="load jurisdictions, units and users")
    osub = org.add_subparsers(dest="org_command", required=True, metavar="SUBCOMMAND")
    ol = osub.add_parser("load", help="load an org YAML file (all or nothing)")
    ol.add_argument("file", type=Path)
    ol.set_defaults(func=cmd_org_load)

    v = sub.add_parser("verify", help="verify every audit chain; exit 1 if any is broken")
    v.add_argument("--json", action="store_true", help="print the report as JSON")
    v.add_argument("--workers", type=positive_int, default=min(os.cpu_count() or 1, 4),
                   help="processes to split large databases over (default: CPUs, at most 4)")
    v.add_argument("--checkpoint", type=Path, help="also check the transparency log against "
                                                   "this signed checkpoint, saved earlier")
    v.add_argument("--log-key", help="the log's verifier key, or @FILE (default: that of "
                                     "LEADFLOW_TLOG_SIGNING_KEY)")
    v.set_defaults(func=cmd_verify)

    it = sub.add_parser("items", help="create items and fire triggers as a user")
    isub = it.add_subparsers(dest="items_command", required=True, metavar="SUBCOMMAND")
    ic = isub.add_parser("create", help="create an item")
    ic.add_argument("--as", dest="user", required=True, help="acting user: login or id")
    ic.add_argument("--workflow", required=True)
    ic.add_argument("--jurisdiction", required=True, help="jurisdiction code")
    ic.add_argument("--title", required=True)
    ic.add_argument("--data", default="{}", help="JSON object")
    ic.set_defaults(func=cmd_items_create)
    fi = isub.add_parser("fire", help="fire a trigger on an item")
    fi.add_argument("item", type=int)
    fi.add_argument("trigger")
    fi.add_argument("--as", dest="user", required=True, help="acting user: login or id")
    fi.add_argument("--data", default="{}", help="JSON object")
    fi.add_argument("--comment", default="")
    fi.set_defaults(func=cmd_items_fire)
    sh = isub.add_parser("show", help="an item's state and the triggers a user may fire now")
    sh.add_argument("item", type=int)
    sh.add_argument("--as", dest="user", type=int, required=True, help="acting user id")
    sh.set_defaults(func=cmd_items_show)


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _json_object(text: str, flag: str = "--data") -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidData(f"{flag} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidData(f"{flag} must be a JSON object, e.g. '{{\"reason\": \"...\"}}'")
    return value


def cmd_init(args: argparse.Namespace, settings: Settings) -> int:
    from engine.runtime import load_workflows
    from engine.storage import make_engine, upgrade

    db = make_engine(settings.database_url)
    try:
        upgrade(db)
        for line in load_workflows(db, settings.workflows_dir, SystemClock()):
            print(line)
        if settings.bootstrap_admin_token is not None:
            from engine.org import install_bootstrap_token

            install_bootstrap_token(db, settings, SystemClock().now())
            print("bootstrap admin token installed (from LEADFLOW_BOOTSTRAP_ADMIN_TOKEN)")
    finally:
        db.dispose()
    print(f"database ready: {db.url.render_as_string(hide_password=True)}")
    return 0


def cmd_workflows_check(args: argparse.Namespace, settings: Settings) -> int:
    from engine.workflow import load_dir, load_file

    path: Path = args.path or settings.workflows_dir
    if not path.exists():
        print(f"error: {path} does not exist; give a folder of *.yaml workflow files or "
              "one workflow file", file=sys.stderr)
        return 1
    try:
        defs = [load_file(path)] if path.is_file() else load_dir(path)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {path}: {exc}", file=sys.stderr)
        return 1
    except DefinitionError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found", file=sys.stderr)
        return 1
    for d in defs:
        print(f"ok  {d.source_file}: {d.name} v{d.version}, {len(d.states)} states, "
              f"{len(d.transitions)} transitions")
    return 0


def cmd_workflows_diagram(args: argparse.Namespace, settings: Settings) -> int:
    from cli.database import require_database
    from engine.storage import make_engine, read_tx
    from engine.workflow import load_dir, mermaid, registry_from_db

    if args.version is None:
        defs = {d.name: d for d in load_dir(settings.workflows_dir)}
        if args.name not in defs:
            print(f"error: no workflow named {args.name!r}; have: {', '.join(sorted(defs))}",
                  file=sys.stderr)
            return 1
        print(mermaid(defs[args.name]), end="")
        return 0
    require_database(settings.database_url)
    db = make_engine(settings.database_url)
    try:
        with read_tx(db) as conn:
            wf = registry_from_db(conn).get(args.name, args.version)
    finally:
        db.dispose()
    print(mermaid(wf), end="")
    return 0


def cmd_org_load(args: argparse.Namespace, settings: Settings) -> int:
    from engine.org import load_org, read_org_file
    from engine.storage import make_engine, write_tx

    doc = read_org_file(args.file)
    db = make_engine(settings.database_url)  # main() checked it exists and is initialised
    try:
        with write_tx(db) as conn:
            report = load_org(conn, doc, SystemClock().now())
    finally:
        db.dispose()
    print(f"loaded {report.jurisdictions} jurisdiction(s), {report.units} unit(s), "
          f"{len(report.users)} user(s)")
    for uid, name, role in report.users:
        print(f"  user {uid}: {name} ({role})")
    return 0


def cmd_verify(args: argparse.Namespace, settings: Settings) -> int:
    from engine.items import verify_all

    report = verify_all(settings.database_url, workers=args.workers)
    if args.json:
        print(json.dumps({"items": report.items, "events": report.events, "ok": report.ok,
                          "broken": [b.__dict__ for b in report.broken]}, ensure_ascii=False))
    else:
        print(f"checked {report.items} item(s), {report.events} event(s)")
        for b in report.broken:
            print(f"BROKEN item {b.item_id} ({b.ref}) at event {b.seq}: {b.reason}")
        print("all chains verify" if report.ok else f"{len(report.broken)} broken chain(s)")
    ok = report.ok
    if args.checkpoint is not None:
        from cli.transparency import verify_log

        ok = verify_log(args, settings) and ok
    return 0 if ok else 1


def cmd_items_create(args: argparse.Namespace, settings: Settings) -> int:
    from engine.items import create_item
    from engine.org import actor_for_user, jurisdiction_by_code, resolve_user
    from engine.storage import read_tx

    with command_runtime(settings) as rt:
        with read_tx(rt.db) as conn:
            actor = actor_for_user(conn, resolve_user(conn, args.user).id)
            jid = jurisdiction_by_code(conn, args.jurisdiction).id
        change = create_item(rt, actor=actor, workflow=args.workflow, jurisdiction_id=jid,
                             title=args.title, data=_json_object(args.data))
    print(f"created item {change.item_id} {change.ref} in state {change.to_state}")
    return 0


def cmd_items_fire(args: argparse.Namespace, settings: Settings) -> int:
    from engine.items import apply
    from engine.org import actor_for_user, resolve_user
    from engine.storage import read_tx

    with command_runtime(settings) as rt:
        with read_tx(rt.db) as conn:
            actor = actor_for_user(conn, resolve_user(conn, args.user).id)
        change = apply(rt, actor=actor, item_id=args.item, trigger=args.trigger,
                       data=_json_object(args.data), comment=args.comment)
    print(f"item {change.item_id} {change.ref}: {change.from_state} → {change.to_state} "
          f"(version {change.version})")
    return 0


def cmd_items_show(args: argparse.Namespace, settings: Settings) -> int:
    """The triggers come from the engine's one policy, as in the API's item view and in a
    refusal, so the three lists never disagree."""
    from engine.items import get_item
    from engine.org import actor_for_user
    from engine.storage import read_tx
    from engine.workflow import available_triggers

    with command_runtime(settings) as rt:
        with read_tx(rt.db) as conn:
            actor = actor_for_user(conn, args.user)
            row = get_item(conn, actor, args.item)
        wf = rt.registry.get(row.workflow, row.workflow_version)  # may read a late version
    names = [t.trigger for t in available_triggers(wf, row.state, row.data, actor.role)]
    print(f"item {row.id} {row.ref} ({row.workflow} v{row.workflow_version}): {row.state}")
    print(f"available: {', '.join(names) or 'none'}")
    return 0
