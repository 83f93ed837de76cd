"""The engine's vocabulary, shared by every part and depending on none: actors and roles, the
clock, durations, canonical JSON for hashing, plain-JSON checks."""

from engine.kernel.actors import SYSTEM, Actor
from engine.kernel.canonical import body_text, dumps, event_body, timestamp
from engine.kernel.clock import Clock, ManualClock, SystemClock
from engine.kernel.durations import Duration, DurationUnit
from engine.kernel.faces import lazy_attribute
from engine.kernel.plain_json import MAX_ROW_ID, check_text, is_row_id, plain_json
from engine.kernel.roles import ITEM_SCOPES, ROLES, SCOPE_MEANING, ItemScope, Role

__all__ = [
    "ITEM_SCOPES",
    "MAX_ROW_ID",
    "ROLES",
    "SCOPE_MEANING",
    "SYSTEM",
    "Actor",
    "Clock",
    "Duration",
    "DurationUnit",
    "ItemScope",
    "ManualClock",
    "Role",
    "SystemClock",
    "body_text",
    "check_text",
    "dumps",
    "event_body",
    "is_row_id",
    "lazy_attribute",
    "plain_json",
    "timestamp",
]
