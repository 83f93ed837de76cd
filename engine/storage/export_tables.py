"""The export log: one row per ledger or report file handed out, so who took which rows
out of the system is on record (an audit record of its own, not an item event)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from engine.storage.types import PortableJSON, UTCDateTime, core_table


class ExportLog(SQLModel, table=True):
    __tablename__ = "export_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=64)  # "user:<id>", as in audit events
    kind: str = Field(max_length=32)  # lead_ledger | rectification_ledger | monthly
    filters: dict[str, Any] = Field(default_factory=dict, sa_type=PortableJSON)
    rows: int
    # SHA-256 of the rows' canonical JSON, one line per row: a file can be matched to it
    rows_sha256: str = Field(max_length=64)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


EXPORT = core_table(ExportLog)
