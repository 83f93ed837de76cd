"""Lead intake: the lead with its subject, attachments and reporter, links between leads,
and the audited read of the reporter."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas.common import Strict, text_field
from api.schemas.items import ItemDetail


class SubjectIn(Strict):
    name: str = text_field(max_length=200, description="被反映人姓名")
    unit: str = text_field(max_length=200, description="被反映人单位")
    post: str | None = Field(default=None, max_length=200, description="职务")


class AttachmentIn(Strict):
    name: str = text_field(max_length=255)
    size: int = Field(ge=0, le=2**53 - 1, description="bytes")
    sha256: str = Field(min_length=64, max_length=64)


class ReporterIn(Strict):
    anonymous: bool = False
    name: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=200)


class LeadIn(Strict):
    jurisdiction: str = text_field(max_length=32, description="jurisdiction code")
    channel: str = Field(max_length=64, description="see GET /v1/leads/vocabularies")
    category: str = Field(max_length=64, description="see GET /v1/leads/vocabularies")
    subject: SubjectIn
    allegation: str = text_field(max_length=20_000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)
    reporter: ReporterIn = Field(default_factory=lambda: ReporterIn(anonymous=True))
    title: str | None = Field(default=None, max_length=500)
    unit: str | None = Field(default=None, max_length=64, description="handling unit code")
    comment: str = Field(default="", max_length=2000)


class LeadCreatedOut(BaseModel):
    item: ItemDetail
    receipt_code: str | None = Field(
        description="only for an anonymous report through a client such as the platform; "
                    "shown this once and stored only as a hash")
    possible_duplicates: list[int]


class Vocabularies(BaseModel):
    channel: dict[str, str]
    category: dict[str, str]


class LinkIn(Strict):
    other_id: int = Field(ge=1, le=2**31 - 1)
    note: str = Field(default="", max_length=1000)


class LinkOut(BaseModel):
    kind: str
    item_id: int
    ref: str
    title: str
    state: str
    at: Any


class ReasonIn(Strict):
    # engine/intake/identity.py MIN_REASON: four characters once stripped
    reason: str = text_field(min_length=4, max_length=1000, pattern=r"\S[\s\S]{2,}\S",
                             description="why you need to know")


class ReporterOut(BaseModel):
    anonymous: bool
    name: str | None
    contact: str | None
