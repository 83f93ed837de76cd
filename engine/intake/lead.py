"""Lead intake: validate what a platform, an operator or an import hands in, and create the
lead through `create_item` with its protected parts written in the same transaction.

The item's data gets the channel, category, the person reported on, the allegation, the
attachments' metadata and the operator; never the reporter. The reporter goes encrypted to
`reporter_identity` (engine.intake.identity), an anonymous platform reporter gets a receipt code
(engine.intake.receipts), and leads about the same person and unit are flagged as duplicates."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select

from engine.errors import IdentityKeyError, InvalidData, NotFound
from engine.intake.attachments import Attachment, parse_attachments
from engine.intake.identity import Identity, IdentityCipher, store_identity
from engine.intake.receipts import new_receipt_code, store_receipt
from engine.items import Change, create_item, get_item
from engine.kernel import Actor, Role
from engine.runtime import Runtime
from engine.storage import JUR, LINK, SUBJECT, read_tx

WORKFLOW = "lead"
MAX_TEXT = 200
MAX_ALLEGATION = 20_000


@dataclass(frozen=True, kw_only=True)
class LeadIntake:
    """A validated lead as handed in, before it is stored."""

    title: str
    jurisdiction: str  # code
    unit: str | None  # code of the unit that must handle it, if known
    channel: str
    category: str
    subject_name: str
    subject_unit: str
    subject_post: str
    allegation: str
    attachments: tuple[Attachment, ...] = ()
    reporter: Identity = field(default_factory=lambda: Identity(anonymous=True))

    def item_data(self, actor: Actor) -> dict[str, Any]:
        """What the item itself records: everything but the reporter."""
        data: dict[str, Any] = {
            "channel": self.channel, "category": self.category,
            "subject": {"name": self.subject_name, "unit": self.subject_unit,
                        "post": self.subject_post},
            "allegation": self.allegation,
            "attachments": [a.as_data() for a in self.attachments],
            "reporter_kind": "anonymous" if self.reporter.anonymous else "named",
        }
        if actor.role != Role.client.value:  # staff entering a letter, call, box, ...
            data["operator"] = actor.label
        return data

    @property
    def has_identity(self) -> bool:
        return bool(self.reporter.name or self.reporter.contact)


@dataclass(frozen=True, kw_only=True)
class LeadCreated:
    change: Change
    receipt_code: str | None  # shown once to an anonymous platform reporter, never stored
    possible_duplicates: tuple[int, ...]  # earlier leads about the same person the creator sees


def vocabularies(rt: Runtime) -> Mapping[str, Mapping[str, str]]:
    """Allowed values (with labels) of each enum field the lead workflow declares (channel,
    category, ...), from workflows/lead.yaml."""
    wf = rt.registry.latest(WORKFLOW)
    return {f.name: {c.value: c.label for c in f.choices}
            for f in wf.fields.values() if f.kind == "enum"}


def parse_lead(raw: Mapping[str, Any], vocab: Mapping[str, Mapping[str, str]]) -> LeadIntake:
    """Validate a lead handed in as a mapping (JSON body or import row); every problem is
    reported at once in InvalidData.fields, unknown vocabulary values with the allowed ones."""
    problems: dict[str, str] = {}

    def text(key: str, value: Any, *, required: bool, limit: int = MAX_TEXT) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                problems[key] = "is required"
            return ""
        if not isinstance(value, str | int) or isinstance(value, bool):
            problems[key] = "must be text"
            return ""
        out = str(value).strip()
        if len(out) > limit:
            problems[key] = f"must be at most {limit} characters"
        return out

    for name in ("channel", "category"):
        allowed = vocab.get(name) or {}
        value = raw.get(name)
        if value not in allowed:
            listed = ", ".join(f"{k} ({v})" for k, v in allowed.items())
            problems[name] = f"must be one of: {listed}"
    subject = raw.get("subject")
    if not isinstance(subject, Mapping):
        problems["subject"] = "is required: the person reported on, with name, unit and post"
        subject = {}
    s_name = text("subject.name", subject.get("name"), required=True)
    s_unit = text("subject.unit", subject.get("unit"), required=True)
    s_post = text("subject.post", subject.get("post"), required=False)
    allegation = text("allegation", raw.get("allegation"), required=True, limit=MAX_ALLEGATION)
    jurisdiction = text("jurisdiction", raw.get("jurisdiction"), required=True, limit=32)
    unit = text("unit", raw.get("unit"), required=False, limit=64) or None
    attachments = parse_attachments(raw.get("attachments"), problems)
    reporter = _reporter(raw.get("reporter"), problems)
    title = text("title", raw.get("title"), required=False, limit=500)
    if problems:
        listed = "; ".join(f"{k} {v}" for k, v in problems.items())
        raise InvalidData(f"invalid lead: {listed}", fields=problems)
    category_label = (vocab.get("category") or {}).get(str(raw["category"]), "")
    return LeadIntake(
        title=title or f"{s_name}（{s_unit}）{category_label}问题线索",
        jurisdiction=jurisdiction, unit=unit, channel=str(raw["channel"]),
        category=str(raw["category"]), subject_name=s_name, subject_unit=s_unit,
        subject_post=s_post, allegation=allegation, attachments=attachments,
        reporter=reporter)


def _reporter(raw: Any, problems: dict[str, str]) -> Identity:
    if raw is None:
        return Identity(anonymous=True)
    if not isinstance(raw, Mapping):
        problems["reporter"] = "must be an object with anonymous, name and contact"
        return Identity(anonymous=True)
    anonymous = raw.get("anonymous", False)
    if not isinstance(anonymous, bool):
        problems["reporter.anonymous"] = "must be true or false"
        anonymous = False
    values = {}
    for key in ("name", "contact"):
        v = raw.get(key)
        if v is not None and (not isinstance(v, str) or len(v) > MAX_TEXT):
            problems[f"reporter.{key}"] = f"must be text of at most {MAX_TEXT} characters"
            v = None
        values[key] = v.strip() if isinstance(v, str) and v.strip() else None
    if not anonymous and values["name"] is None:
        problems["reporter.name"] = "is required unless the reporter is anonymous"
    if anonymous and values["name"] is not None:
        problems["reporter.name"] = "must be empty for an anonymous reporter"
    return Identity(anonymous=anonymous, name=values["name"], contact=values["contact"])


def subject_key(name: str, unit: str) -> str:
    """Leads about the same person in the same unit share this key (whitespace, width and
    case differences ignored)."""
    def norm(s: str) -> str:
        return "".join(unicodedata.normalize("NFKC", s).casefold().split())
    return hashlib.sha256(f"{norm(name)}\x1f{norm(unit)}".encode()).hexdigest()


def resolve_jurisdiction(conn: Connection, actor: Actor, code: str) -> int:
    """The id of jurisdiction `code`; a missing one and one out of scope look the same."""
    row = conn.execute(select(JUR.c.id).where(JUR.c.code == code)).first()
    if row is None or not actor.sees(row.id):
        raise InvalidData(f"jurisdiction {code!r} does not exist or is outside your "
                          "jurisdiction", fields={"jurisdiction": "unknown jurisdiction"})
    return int(row.id)


def create_lead(rt: Runtime, *, actor: Actor, lead: LeadIntake,
                cipher: IdentityCipher | None, comment: str = "",
                after: Callable[[Connection, Change], None] | None = None) -> LeadCreated:
    """Create the lead, its encrypted reporter, its receipt (anonymous reporter through a
    client such as the platform) and its duplicate flags: all in one transaction, at whose
    end `after(conn, change)` runs (the importer's record of the file; raising there rolls
    the whole lead back, which is how a dry run checks everything and keeps nothing)."""
    if lead.has_identity and cipher is None:
        raise IdentityKeyError("this lead names its reporter, but LEADFLOW_IDENTITY_KEY is "
                               "not configured, so the identity cannot be stored; nothing "
                               "was saved")
    with read_tx(rt.db) as conn:
        jid = resolve_jurisdiction(conn, actor, lead.jurisdiction)
    receipt = (new_receipt_code()
               if lead.reporter.anonymous and actor.role == Role.client.value else None)
    duplicates: list[int] = []
    visible: list[int] = []

    def protected_rows(conn: Connection, change: Change) -> None:
        key = subject_key(lead.subject_name, lead.subject_unit)
        duplicates.extend(conn.execute(select(SUBJECT.c.item_id).where(
            SUBJECT.c.subject_key == key).order_by(SUBJECT.c.item_id)).scalars())
        conn.execute(insert(SUBJECT).values(item_id=change.item_id, subject_key=key))
        # every duplicate is flagged (whoever sees both leads finds the link), but the
        # creator is told only of those it may see: neither ids nor a count of the others
        visible.extend(d for d in duplicates if _sees_item(conn, actor, d))
        if duplicates:
            conn.execute(insert(LINK), [
                {"item_id": a, "other_id": b, "kind": "duplicate", "actor": actor.label,
                 "created_at": change.at}
                for d in duplicates for a, b in ((change.item_id, d), (d, change.item_id))])
        if lead.has_identity:
            store_identity(conn, cipher, change.item_id, lead.reporter, change.at)
        if receipt is not None:
            store_receipt(conn, change.item_id, receipt, change.at)
        if after is not None:
            after(conn, change)

    change = create_item(rt, actor=actor, workflow=WORKFLOW, jurisdiction_id=jid,
                         title=lead.title, data=lead.item_data(actor), unit=lead.unit,
                         comment=comment, after=protected_rows)
    return LeadCreated(change=change, receipt_code=receipt,
                       possible_duplicates=tuple(visible))


def _sees_item(conn: Connection, actor: Actor, item_id: int) -> bool:
    """The items part's own scope rule (get_item), so this can never disagree with reads."""
    try:
        get_item(conn, actor, item_id)
    except NotFound:
        return False
    return True


def possible_duplicates(conn: Connection, actor: Actor, *, name: str, unit: str) -> list[Any]:
    """Leads already about this person in this unit that the actor may see (the console shows
    them before a new lead is saved); item rows, oldest first."""
    ids = conn.execute(select(SUBJECT.c.item_id).where(
        SUBJECT.c.subject_key == subject_key(name, unit)).order_by(SUBJECT.c.item_id)).scalars()
    found = []
    for item_id in ids:
        try:
            found.append(get_item(conn, actor, item_id))  # the one scope rule
        except NotFound:
            continue
    return found
