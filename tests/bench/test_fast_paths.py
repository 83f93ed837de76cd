"""The hand-written fast paths of the audit trail produce exactly what the generic code
would: a changed byte would make every stored hash fail to verify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from engine.items.audit import _at_text
from engine.kernel.canonical import body_text, dumps, event_body, timestamp

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False,
                                                          allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8)
aware = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 1, 1),
                     timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))]))


def _strftime(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@given(at=aware)
def test_timestamp_equals_strftime(at: datetime) -> None:
    """timestamp() renders any aware datetime as the strftime form hashes were defined in."""
    assert timestamp(at) == _strftime(at)


@given(item_id=st.integers(min_value=1), seq=st.integers(min_value=1), at=aware,
       texts=st.lists(st.text(), min_size=7, max_size=7),
       from_state=st.none() | st.text(), data=st.dictionaries(st.text(), json_values),
       version=st.integers(min_value=1))
def test_event_body_equals_sorted_dumps(item_id: int, seq: int, at: datetime,
                                        texts: list[str], from_state: str | None,
                                        data: dict[str, Any], version: int) -> None:
    """event_body() is byte for byte dumps() of the event dict with sorted keys."""
    actor, role, trigger, to_state, comment, workflow, prev = texts
    expected = dumps({"item": item_id, "seq": seq, "at": timestamp(at), "actor": actor,
                      "role": role, "trigger": trigger, "from": from_state, "to": to_state,
                      "data": data, "comment": comment, "workflow": workflow,
                      "version": version, "prev": prev})
    assert event_body(item_id=item_id, seq=seq, at=at, actor=actor, role=role,
                      trigger=trigger, from_state=from_state, to_state=to_state, data=data,
                      comment=comment, workflow=workflow, version=version,
                      prev=prev) == expected


@given(at=aware)
def test_stored_sqlite_text_gives_the_same_timestamp(at: datetime) -> None:
    """The naive-UTC text SQLite stores maps to the timestamp of the datetime it came from."""
    stored = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    assert _at_text(stored) == timestamp(at)
    assert _at_text(at) == timestamp(at)


@given(item_id=st.integers(min_value=1), seq=st.integers(min_value=1), at=aware,
       texts=st.lists(st.text(), min_size=7, max_size=7),
       from_state=st.none() | st.text(), data=st.dictionaries(st.text(), json_values),
       version=st.integers(min_value=1))
def test_verify_s_positional_body_equals_event_body(item_id: int, seq: int, at: datetime,
                                                    texts: list[str], from_state: str | None,
                                                    data: dict[str, Any], version: int) -> None:
    """What verify hashes per event (body_text of the ints as read, the SQLite time text
    turned into its timestamp, the payload's dumps text) is event_body's bytes."""
    actor, role, trigger, to_state, comment, workflow, prev = texts
    stored = _at_text(at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"))
    assert body_text(item_id, seq, stored, actor, role, trigger, from_state, to_state,
                     dumps(data).decode(), comment, workflow, version, prev).encode() == \
        event_body(item_id=item_id, seq=seq, at=at, actor=actor, role=role, trigger=trigger,
                   from_state=from_state, to_state=to_state, data=data, comment=comment,
                   workflow=workflow, version=version, prev=prev)
