"""Transparency-log commands: `keys new`, `checkpoint`, `witness`, `audit verify-proof`,
and the log half of `verify --checkpoint` (docs/transparency.md).

A key or token argument may be given as `@FILE` to read it from a file, so that secrets
need not appear in the process list or the shell history."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import CheckpointRejected, ConfigError
from engine.kernel import SystemClock

if TYPE_CHECKING:
    from engine.settings import Settings
    from engine.transparency import (
        LogReport,
        Verifier,
    )

WITNESS_TIMEOUT_S = 30


def register(sub: Any) -> None:
    keys = sub.add_parser("keys", help="signed-note keys for checkpoints and witnesses")
    ksub = keys.add_subparsers(dest="keys_command", required=True, metavar="SUBCOMMAND")
    kn = ksub.add_parser("new", help="print a new Ed25519 signer key and its verifier key")
    kn.add_argument("--name", help="the key's name (default: LEADFLOW_TLOG_ORIGIN, else "
                                   "leadflow); a log's key is usually named as its origin")
    kn.set_defaults(func=cmd_keys_new, database=False)

    cp = sub.add_parser("checkpoint", help="sequence the audit events and sign a checkpoint "
                                           "of the transparency log")
    cp.add_argument("--output", "-o", type=Path, help="also write the signed checkpoint here")
    cp.set_defaults(func=cmd_checkpoint)

    w = sub.add_parser("witness", help="check another log's latest checkpoint against the "
                                       "last one witnessed, and cosign it")
    w.add_argument("--url", required=True, help="the log's API, e.g. https://county.example")
    w.add_argument("--token", required=True, help="an API token (or @FILE) of a supervisor "
                                                  "or admin of that installation")
    w.add_argument("--state", type=Path, required=True,
                   help="the witness's state file (created on first use)")
    w.add_argument("--key", required=True, help="the witness's signer key (or @FILE)")
    w.add_argument("--log-key", required=True, help="the log's verifier key (or @FILE)")
    w.set_defaults(func=cmd_witness, database=False)  # works from the HTTP API alone

    audit = sub.add_parser("audit", help="offline proof checks")
    asub = audit.add_subparsers(dest="audit_command", required=True, metavar="SUBCOMMAND")
    vp = asub.add_parser("verify-proof", help="check an inclusion or consistency proof "
                                              "from a checkpoint and the log's key alone")
    vp.add_argument("--checkpoint", type=Path, required=True, help="a signed checkpoint")
    vp.add_argument("--log-key", required=True, help="the log's verifier key (or @FILE)")
    kind = vp.add_mutually_exclusive_group(required=True)
    kind.add_argument("--inclusion", type=Path, help="an inclusion proof (JSON, from "
                                                     "GET /v1/audit/proof/inclusion)")
    kind.add_argument("--consistency", type=Path, help="a consistency proof (JSON, from "
                                                       "GET /v1/audit/proof/consistency)")
    leaf = vp.add_mutually_exclusive_group()
    leaf.add_argument("--leaf-hash", help="with --inclusion: the leaf hash (hex or base64)")
    leaf.add_argument("--event-hash", help="with --inclusion: the audit event's hash (hex, "
                                           "as in the item's history)")
    vp.add_argument("--old", type=Path, help="with --consistency: the older checkpoint")
    vp.set_defaults(func=cmd_verify_proof, database=False)  # offline: files only


def _value(text: str, what: str) -> str:
    """An argument's value, or the contents of the file it names with a leading @."""
    if not text.startswith("@"):
        return text.strip()
    try:
        return Path(text[1:]).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read {what} from {text[1:]}: {exc.strerror}") from None


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror}") from None


def cmd_keys_new(args: argparse.Namespace, settings: Settings) -> int:
    from engine.transparency import generate_key

    name = args.name or settings.tlog_origin or "leadflow"
    try:
        signer, verifier = generate_key(name)
    except ValueError as exc:
        raise ConfigError(f"key name {name!r}: {exc}") from None
    print("signer key (secret: LEADFLOW_TLOG_SIGNING_KEY of the log, or a witness's --key):")
    print(signer)
    print("verifier key (public: give it to witnesses and auditors):")
    print(verifier)
    return 0


def cmd_checkpoint(args: argparse.Namespace, settings: Settings) -> int:
    from engine.runtime import open_runtime
    from engine.transparency import LogConfig, make_checkpoint, sequence

    config = LogConfig.from_settings(settings)
    config.require_signer()  # before touching the database
    rt = open_runtime(settings.database_url, settings.workflows_dir)
    try:
        sequenced = sequence(rt)
        signed = make_checkpoint(rt, config)
    finally:
        rt.db.dispose()
    if args.output is not None:
        args.output.write_text(signed.note, encoding="utf-8")
    print(f"sequenced {sequenced.appended} event(s); log size {sequenced.size}; "
          f"{'signed a new' if signed.new else 'the latest'} checkpoint of size "
          f"{signed.size}:", file=sys.stderr)
    print(signed.note, end="")
    return 0


def cmd_witness(args: argparse.Namespace, settings: Settings) -> int:
    import httpx

    from engine.transparency import parse_log_key, parse_signer, witness_once

    try:
        signer = parse_signer(_value(args.key, "the witness key"))
    except ValueError:
        raise ConfigError("--key is not a signer key (PRIVATE+KEY+...; `leadflow keys new` "
                          "makes one)") from None
    log_key = parse_log_key(_value(args.log_key, "the log key"), "--log-key")
    token = _value(args.token, "the token")
    with httpx.Client(base_url=args.url, timeout=WITNESS_TIMEOUT_S,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        done = witness_once(client, state_path=args.state, signer=signer, log_key=log_key,
                            now=SystemClock().now())
    since = ("first checkpoint seen: nothing to compare it with, state started"
             if done.previous_size is None else
             f"consistent with the size {done.previous_size} witnessed before")
    print(f"cosigned {done.origin} at size {done.size} ({since})")
    print(done.cosignature, end="")
    return 0


def cmd_verify_proof(args: argparse.Namespace, settings: Settings) -> int:
    from engine.transparency import (
        check_consistency_offline,
        check_inclusion_offline,
        decode_hash,
        event_leaf_hash,
        parse_log_key,
    )

    log_key = parse_log_key(_value(args.log_key, "the log key"), "--log-key")
    checkpoint = _read(args.checkpoint, "checkpoint")
    if args.inclusion is not None:
        if args.leaf_hash is None and args.event_hash is None:
            raise ConfigError("--inclusion needs --leaf-hash or --event-hash")
        leaf = decode_hash(args.leaf_hash, "--leaf-hash") if args.leaf_hash else \
            event_leaf_hash(args.event_hash)
        said = check_inclusion_offline(checkpoint, log_key, _json(args.inclusion), leaf)
    else:
        if args.old is None:
            raise ConfigError("--consistency needs --old, the older checkpoint")
        said = check_consistency_offline(_read(args.old, "checkpoint"), checkpoint, log_key,
                                         _json(args.consistency))
    print(f"OK: {said}")
    return 0


def _json(path: Path) -> Any:
    try:
        return json.loads(_read(path, "proof"))
    except json.JSONDecodeError as exc:
        raise CheckpointRejected(f"the proof {path} is not JSON: {exc}") from None


def _log_key(args: argparse.Namespace, settings: Settings) -> Verifier:
    from engine.transparency import LogConfig, parse_log_key

    if args.log_key:
        return parse_log_key(_value(args.log_key, "the log key"), "--log-key")
    verifier = LogConfig.from_settings(settings).verifier
    if verifier is None:
        raise ConfigError("--checkpoint needs the log's key: --log-key, or "
                          "LEADFLOW_TLOG_SIGNING_KEY")
    return verifier


def verify_log(args: argparse.Namespace, settings: Settings) -> bool:
    """`leadflow verify --checkpoint FILE`: print every problem the log has against the
    checkpoint; whether there is none. A checkpoint not signed by the log key is refused."""
    from engine.storage import make_engine, snapshot_tx
    from engine.transparency import check_log, open_log_checkpoint

    key = _log_key(args, settings)
    body = open_log_checkpoint(_read(args.checkpoint, "checkpoint"), [key])
    db = make_engine(settings.database_url)
    try:
        with snapshot_tx(db) as conn:
            report = check_log(conn, body, [key])
    finally:
        db.dispose()
    _print_log_report(report, body.origin)
    return report.ok


def _print_log_report(report: LogReport, origin: str) -> None:
    print(f"checked {report.leaves} leaves of the log against the checkpoint of {origin} at "
          f"size {report.checkpoint_size}; {report.unsequenced} event(s) not in the log yet")
    for problem in report.problems:
        print(f"LOG {problem}")
    if report.more_problems:
        print(f"LOG ... and {report.more_problems} more problem(s)")
    print("the log matches the checkpoint" if report.ok else
          f"{len(report.problems) + report.more_problems} log problem(s)")
