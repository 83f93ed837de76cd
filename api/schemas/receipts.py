"""Receipt codes: the reporter's follow-up through the platform."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.common import Strict, text_field
from api.schemas.leads import AttachmentIn


class ReceiptIn(Strict):
    code: str = Field(min_length=1, max_length=100, description="the receipt code")
    session: str | None = Field(
        default=None, max_length=100,
        description="the platform's opaque id of the reporter's session, so that one "
                    "reporter's guessing does not lock out the others (default: client address)")


class FollowUpIn(ReceiptIn):
    text: str = text_field(max_length=10_000)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)


class StatusOut(BaseModel):
    status: str = Field(description="received | in_progress | closed")
    label: str
    received_on: str
    status_since: str
    follow_ups: int
