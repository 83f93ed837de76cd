"""Reading the reporter's identity: allowed roles, a reason, an audit event, loud key errors."""

from __future__ import annotations

import pytest
import structlog
from sqlalchemy import select, update

from engine.errors import IdentityKeyError, InvalidData, NotFound, RoleForbidden
from engine.intake.identity import IdentityCipher, read_identity
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.settings import Settings
from engine.storage import EVENT, IDENTITY
from engine.storage.db import read_tx, write_tx
from tests.fixtures.intake import REPORTER_CONTACT, REPORTER_NAME, MakeLead

READERS = frozenset({"office", "admin"})


def _events(rt: Runtime, item_id: int) -> list[str]:
    with read_tx(rt.db) as conn:
        return list(conn.execute(select(EVENT.c.trigger).where(EVENT.c.item_id == item_id)
                                 .order_by(EVENT.c.seq)).scalars())


def test_authorised_read_returns_identity_and_is_audited(
        rt: Runtime, make_lead: MakeLead, actors: dict[str, Actor],
        cipher: IdentityCipher) -> None:
    """An office user with a reason gets the identity; the read is an audit event."""
    made = make_lead()
    office = actors["市办-线索组"]
    who = read_identity(rt, actor=office, item_id=made.change.item_id,
                        reason="核实举报内容需联系举报人", cipher=cipher, allowed_roles=READERS)
    assert (who.name, who.contact, who.anonymous) == (REPORTER_NAME, REPORTER_CONTACT, False)
    with read_tx(rt.db) as conn:
        ev = conn.execute(select(EVENT).where(EVENT.c.item_id == made.change.item_id,
                                              EVENT.c.trigger == "read_identity")).one()
    assert ev.actor == office.label
    assert ev.data == {"reason": "核实举报内容需联系举报人"}
    assert ev.to_state == ev.from_state == "received"


def test_role_not_allowed_is_refused_without_event(
        rt: Runtime, make_lead: MakeLead, actors: dict[str, Actor],
        cipher: IdentityCipher) -> None:
    """A handler (not in the configured roles) is refused and nothing is recorded."""
    made = make_lead(unit="city-police")  # the handler's unit: they may see the lead
    with pytest.raises(RoleForbidden):
        read_identity(rt, actor=actors["市公安-承办人"], item_id=made.change.item_id,
                      reason="想知道是谁举报的", cipher=cipher, allowed_roles=READERS)
    assert _events(rt, made.change.item_id) == ["create"]


def test_out_of_scope_read_is_not_found(rt: Runtime, make_lead: MakeLead,
                                        actors: dict[str, Actor],
                                        cipher: IdentityCipher) -> None:
    """An office of a sibling county cannot tell the lead exists."""
    made = make_lead()
    with pytest.raises(NotFound):
        read_identity(rt, actor=actors["西城办-联络员"], item_id=made.change.item_id,
                      reason="核实举报内容", cipher=cipher, allowed_roles=READERS)


def test_read_needs_a_reason(rt: Runtime, make_lead: MakeLead, actors: dict[str, Actor],
                             cipher: IdentityCipher) -> None:
    """Without a stated reason the read is refused and nothing is recorded."""
    made = make_lead()
    with pytest.raises(InvalidData):
        read_identity(rt, actor=actors["市办-线索组"], item_id=made.change.item_id,
                      reason="  ", cipher=cipher, allowed_roles=READERS)
    assert _events(rt, made.change.item_id) == ["create"]


def test_wrong_key_fails_loudly(rt: Runtime, make_lead: MakeLead,
                                actors: dict[str, Actor]) -> None:
    """Another key is named as the wrong key; no identity, no event."""
    made = make_lead()
    wrong = IdentityCipher(b"\x01" * 32)
    with pytest.raises(IdentityKeyError, match="stored under key"):
        read_identity(rt, actor=actors["市办-线索组"], item_id=made.change.item_id,
                      reason="核实举报内容", cipher=wrong, allowed_roles=READERS)
    assert _events(rt, made.change.item_id) == ["create"]


def test_identity_moved_to_another_item_does_not_decrypt(
        rt: Runtime, make_lead: MakeLead, actors: dict[str, Actor],
        cipher: IdentityCipher) -> None:
    """Ciphertext copied onto another lead fails authentication instead of misleading."""
    first = make_lead()
    second = make_lead(reporter={"anonymous": False, "name": "另一人"})
    with write_tx(rt.db) as conn:
        row = conn.execute(select(IDENTITY).where(
            IDENTITY.c.item_id == first.change.item_id)).one()
        conn.execute(update(IDENTITY).where(IDENTITY.c.item_id == second.change.item_id)
                     .values(nonce=row.nonce, ciphertext=row.ciphertext))
    with pytest.raises(IdentityKeyError, match="altered or moved"):
        read_identity(rt, actor=actors["市办-线索组"], item_id=second.change.item_id,
                      reason="核实举报内容", cipher=cipher, allowed_roles=READERS)


def test_read_without_key_configured_fails_loudly(rt: Runtime, make_lead: MakeLead,
                                                  actors: dict[str, Actor]) -> None:
    """Reading a stored identity with no key configured says the key is missing."""
    made = make_lead()
    with pytest.raises(IdentityKeyError, match="not configured"):
        read_identity(rt, actor=actors["市办-线索组"], item_id=made.change.item_id,
                      reason="核实举报内容", cipher=None, allowed_roles=READERS)


def test_anonymous_lead_reads_as_anonymous(rt: Runtime, make_lead: MakeLead,
                                           actors: dict[str, Actor],
                                           cipher: IdentityCipher) -> None:
    """A lead with no stored identity reads as anonymous, and the read is still recorded."""
    made = make_lead(reporter={"anonymous": True})
    who = read_identity(rt, actor=actors["市办-线索组"], item_id=made.change.item_id,
                        reason="确认是否匿名", cipher=cipher, allowed_roles=READERS)
    assert who.anonymous
    assert who.name is None
    assert _events(rt, made.change.item_id) == ["create", "read_identity"]


def test_identity_repr_hides_the_identity(rt: Runtime, make_lead: MakeLead,
                                          actors: dict[str, Actor],
                                          cipher: IdentityCipher) -> None:
    """An Identity printed in a traceback or a debug line shows no name or contact."""
    made = make_lead()
    who = read_identity(rt, actor=actors["市办-线索组"], item_id=made.change.item_id,
                        reason="核实举报内容", cipher=cipher, allowed_roles=READERS)
    assert REPORTER_NAME not in repr(who)
    assert REPORTER_CONTACT not in repr(who)


def test_malformed_key_is_refused() -> None:
    """A key that is not base64 of 32 bytes is a configuration error, said plainly."""
    with pytest.raises(IdentityKeyError, match="32 bytes"):
        IdentityCipher.from_base64("c2hvcnQ=")
    with pytest.raises(IdentityKeyError, match="base64"):
        IdentityCipher.from_base64("not base64 !!")


def test_settings_read_key_and_roles(monkeypatch: pytest.MonkeyPatch) -> None:
    """LEADFLOW_IDENTITY_KEY and LEADFLOW_IDENTITY_READ_ROLES come from the environment."""
    import base64

    monkeypatch.setenv("LEADFLOW_IDENTITY_KEY", base64.b64encode(b"\x02" * 32).decode())
    monkeypatch.setenv("LEADFLOW_IDENTITY_READ_ROLES", "admin, supervisor")
    settings = Settings()
    assert settings.identity_readers() == {"admin", "supervisor"}
    assert IdentityCipher.from_settings(settings) is not None
    monkeypatch.delenv("LEADFLOW_IDENTITY_KEY")
    assert IdentityCipher.from_settings(Settings()) is None


def test_logs_never_carry_the_identity(rt: Runtime, make_lead: MakeLead,
                                       actors: dict[str, Actor],
                                       cipher: IdentityCipher) -> None:
    """Creating, reading and moving a lead logs nothing of the reporter."""
    with structlog.testing.capture_logs() as logs:
        made = make_lead()
        read_identity(rt, actor=actors["市办-线索组"], item_id=made.change.item_id,
                      reason="核实举报内容", cipher=cipher, allowed_roles=READERS)
    assert logs, "expected the engine to log its changes"
    text = repr(logs)
    assert REPORTER_NAME not in text
    assert REPORTER_CONTACT not in text


def test_new_key_command_prints_a_usable_key(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """`leadflow identity new-key` prints a key the cipher accepts, different each time."""
    from cli.main import main

    monkeypatch.setattr("cli.main.configure", lambda *_a, **_k: None)
    assert main(["identity", "new-key"]) == 0
    assert main(["identity", "new-key"]) == 0
    first, second = capsys.readouterr().out.split()
    assert first != second
    assert IdentityCipher.from_base64(first).key_id != IdentityCipher.from_base64(second).key_id
