"""End to end over a real HTTP server on 127.0.0.1, on both databases: a county installation
signs checkpoints (`leadflow checkpoint`), the city office's witness (`leadflow witness`)
checks each against the last it holds and cosigns it through the API alone, the county's
checkpoint then carries the cosignature, proofs fetched over HTTP check offline with
`leadflow audit verify-proof`, and the witness refuses, exit 1 and its state untouched, a
checkpoint signed by another key, badly signed, inconsistent with what it holds, or
smaller than it (a restored backup)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert

from bench.env import pg_schema
from cli.main import main
from engine.kernel.actors import Actor
from engine.storage import TLOG_CHECKPOINT
from engine.storage.db import write_tx
from engine.transparency import (
    cosigner_verifier,
    generate_key,
    parse_signer,
    parse_verifier,
    sequence,
)
from engine.transparency.note import Checkpoint, open_checkpoint, sign_note
from tests.conftest import PG_URL, actors_of
from tests.fixtures.api import SUPERVISOR
from tests.transparency.helpers import make_items
from tests.transparency.live import Installation, installation

ORIGIN = "dc.leadflow.test/510101"


@pytest.fixture
def keys() -> dict[str, tuple[str, str]]:
    return {"county": generate_key(ORIGIN), "city": generate_key("city-witness.5101"),
            "other": generate_key(ORIGIN)}


@pytest.fixture
def county(db_url: str, keys: dict[str, tuple[str, str]]) -> Iterator[Installation]:
    inst = installation(db_url, signing_key=keys["county"][0], witness_keys=keys["city"][1])
    try:
        yield inst
    finally:
        inst.rt.db.dispose()


@pytest.fixture
def restored_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database on the same backend: the county restored from a backup."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    assert PG_URL
    with pg_schema(PG_URL) as url:
        yield url


def leadflow(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class Witness:
    """The city office's witness of one county: its key, state file and token there."""

    def __init__(self, tmp: Path, key: str, log_key: str, token: str) -> None:
        self.state = tmp / "witness" / "county.json"
        (tmp / "witness.key").write_text(key, encoding="utf-8")
        (tmp / "token").write_text(token, encoding="utf-8")
        self.tmp, self.log_key = tmp, log_key

    def run(self, capsys: pytest.CaptureFixture[str], url: str,
            log_key: str | None = None) -> tuple[int, str, str]:
        return leadflow(capsys, "witness", "--url", url, "--token", f"@{self.tmp / 'token'}",
                        "--state", str(self.state), "--key", f"@{self.tmp / 'witness.key'}",
                        "--log-key", log_key or self.log_key)


def _checkpoint(capsys: pytest.CaptureFixture[str], inst: Installation,
                monkeypatch: pytest.MonkeyPatch, out: Path) -> str:
    monkeypatch.setenv("LEADFLOW_TLOG_SIGNING_KEY",
                       inst.settings.tlog_signing_key.get_secret_value())  # type: ignore[union-attr]
    code, _out, err = leadflow(capsys, "--database-url", inst.settings.database_url,
                               "checkpoint", "-o", str(out))
    assert code == 0, err
    return out.read_text(encoding="utf-8")


def _items(inst: Installation, n: int) -> None:
    actors: dict[str, Actor] = actors_of(inst.rt)
    make_items(inst.rt, actors, n)


def _sign_raw(inst: Installation, key: str, size: int, root: bytes) -> None:
    """The key holder misbehaving: a checkpoint the log's own checks would never sign."""
    note = sign_note(Checkpoint(origin=ORIGIN, size=size, root_hash=root).format(),
                     [parse_signer(key)])
    with write_tx(inst.rt.db) as conn:
        conn.execute(insert(TLOG_CHECKPOINT).values(size=size, root=root, note=note,
                                                    created_at=inst.rt.clock.now()))


def test_the_city_witnesses_the_countys_checkpoints(
        county: Installation, keys: dict[str, tuple[str, str]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    witness = Witness(tmp_path, keys["city"][0], keys["county"][1], county.tokens[SUPERVISOR])
    _items(county, 2)
    first = _checkpoint(capsys, county, monkeypatch, tmp_path / "cp1.txt")
    with county.serve() as server:
        code, out, err = witness.run(capsys, server.url)
        assert code == 0, err
        assert f"cosigned {ORIGIN} at size 6 (first checkpoint seen" in out
        _items(county, 3)
        _checkpoint(capsys, county, monkeypatch, tmp_path / "cp2.txt")
        code, out, err = witness.run(capsys, server.url)
        assert code == 0, err
        assert "at size 15 (consistent with the size 6 witnessed before)" in out
        state = json.loads(witness.state.read_text(encoding="utf-8"))
        assert state["size"] == 15

        auth = {"Authorization": f"Bearer {county.tokens[SUPERVISOR]}"}
        with httpx.Client(base_url=server.url, headers=auth) as http:
            witnessed = http.get("/v1/audit/checkpoint").text
            inclusion = http.get("/v1/audit/proof/inclusion", params={"event": 2}).json()
            consistency = http.get("/v1/audit/proof/consistency",
                                   params={"from": 6}).json()
            history = http.get("/v1/items/1/history").json()["events"]

    city_key = cosigner_verifier(parse_verifier(keys["city"][1]))
    county_key = parse_verifier(keys["county"][1])
    _body, note = open_checkpoint(witnessed, [county_key, city_key])
    assert note.signed_by == (county_key, city_key)  # the log's signature and the city's

    # offline, with the checkpoints, the proofs and the county's public key only
    (tmp_path / "inclusion.json").write_text(json.dumps(inclusion), encoding="utf-8")
    (tmp_path / "consistency.json").write_text(json.dumps(consistency), encoding="utf-8")
    (tmp_path / "witnessed.txt").write_text(witnessed, encoding="utf-8")
    event_hash = history[1]["hash"]
    assert history[1]["id"] == 2
    assert history[1]["leaf_index"] == inclusion["leaf_index"]
    code, out, err = leadflow(capsys, "audit", "verify-proof", "--checkpoint",
                              str(tmp_path / "witnessed.txt"), "--log-key", keys["county"][1],
                              "--inclusion", str(tmp_path / "inclusion.json"),
                              "--event-hash", event_hash)
    assert code == 0, err
    assert out.startswith(f"OK: leaf {inclusion['leaf_index']} ")
    code, out, err = leadflow(capsys, "audit", "verify-proof", "--checkpoint",
                              str(tmp_path / "cp2.txt"), "--log-key", keys["county"][1],
                              "--consistency", str(tmp_path / "consistency.json"),
                              "--old", str(tmp_path / "cp1.txt"))
    assert code == 0, err
    assert "tree of size 15 extends that of size 6" in out
    # another event's hash, a flipped proof hash, another log's key: each refused
    other = history[2]["hash"]
    code, _, err = leadflow(capsys, "audit", "verify-proof", "--checkpoint",
                            str(tmp_path / "witnessed.txt"), "--log-key", keys["county"][1],
                            "--inclusion", str(tmp_path / "inclusion.json"),
                            "--event-hash", other)
    assert code == 1
    assert "inclusion proof does not verify" in err
    consistency["hashes"][0] = consistency["hashes"][1]
    (tmp_path / "consistency.json").write_text(json.dumps(consistency), encoding="utf-8")
    code, _, err = leadflow(capsys, "audit", "verify-proof", "--checkpoint",
                            str(tmp_path / "cp2.txt"), "--log-key", keys["county"][1],
                            "--consistency", str(tmp_path / "consistency.json"),
                            "--old", str(tmp_path / "cp1.txt"))
    assert code == 1
    assert "consistency proof does not verify" in err
    code, _, err = leadflow(capsys, "audit", "verify-proof", "--checkpoint",
                            str(tmp_path / "cp2.txt"), "--log-key", keys["other"][1],
                            "--consistency", str(tmp_path / "consistency.json"),
                            "--old", str(tmp_path / "cp1.txt"))
    assert code == 1
    assert "not signed by the log key" in err
    assert first.startswith(f"{ORIGIN}\n6\n")


def test_the_witness_refuses_what_it_must_not_cosign(
        county: Installation, restored_url: str, keys: dict[str, tuple[str, str]],
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    witness = Witness(tmp_path, keys["city"][0], keys["county"][1], county.tokens[SUPERVISOR])
    _items(county, 2)
    _checkpoint(capsys, county, monkeypatch, tmp_path / "cp.txt")
    with county.serve() as server:
        code, _out, err = witness.run(capsys, server.url, keys["other"][1])
        assert code == 1
        assert "checkpoint is not signed by the log key" in err
        assert not witness.state.exists()
        assert witness.run(capsys, server.url)[0] == 0
        held = witness.state.read_text(encoding="utf-8")

        def refused(why: str, log_key: str | None = None, url: str = server.url) -> None:
            code, out, err = witness.run(capsys, url, log_key)
            assert code == 1, out
            assert why in err
            assert witness.state.read_text(encoding="utf-8") == held

        refused("belongs to the log key", log_key=keys["other"][1])

        # the county's key signs a tree of 9 leaves whose root is not the log's
        _items(county, 1)
        sequence(county.rt)
        _sign_raw(county, keys["county"][0], 9, b"\x13" * 32)
        refused("is not consistent with the one of size 6 this witness holds")

        # a badly signed checkpoint (a bigger one, so it is the latest)
        _items(county, 1)
        sequence(county.rt)
        good = sign_note(Checkpoint(origin=ORIGIN, size=12, root_hash=b"\x14" * 32).format(),
                         [parse_signer(keys["county"][0])])
        sig_at = good.rindex(" ") + 30  # inside the signature, past the key ID
        bad = good[:sig_at] + ("A" if good[sig_at] != "A" else "B") + good[sig_at + 1:]
        with write_tx(county.rt.db) as conn:
            conn.execute(insert(TLOG_CHECKPOINT).values(size=12, root=b"\x14" * 32, note=bad,
                                                        created_at=county.rt.clock.now()))
        refused("has a bad signature")

    # the county restored from an older backup: its log is smaller than what was witnessed
    restored = installation(restored_url, signing_key=keys["county"][0])
    try:
        _items(restored, 1)
        _checkpoint(capsys, restored, monkeypatch, tmp_path / "restored.txt")
        with restored.serve() as old:
            token = restored.tokens[SUPERVISOR]
            (tmp_path / "token").write_text(token, encoding="utf-8")
            refused("has size 3, smaller than the 6 this witness already cosigned", url=old.url)
    finally:
        restored.rt.db.dispose()


def test_the_log_refuses_a_cosignature_by_a_key_it_does_not_know(
        county: Installation, keys: dict[str, tuple[str, str]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    stranger = Witness(tmp_path, generate_key("stranger")[0], keys["county"][1],
                       county.tokens[SUPERVISOR])
    _items(county, 1)
    _checkpoint(capsys, county, monkeypatch, tmp_path / "cp.txt")
    with county.serve() as server:
        code, _out, err = stranger.run(capsys, server.url)
    assert code == 1
    assert "the log refused the cosignature (422)" in err
    assert "no configured witness key" in err
