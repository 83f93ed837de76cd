"""Bulk import of leads from CSV or XLSX (engine.intake.import_file reads the file): every row
goes through `create_lead`, the same call as an API intake, in its own transaction; good rows
become leads, bad rows are reported by their row number in the file.

A dry run takes the very same path and rolls each row's transaction back at its last step,
so it checks everything the real import checks (role, places, fields, identity key, the
database's own constraints) and keeps nothing: no item, no event, no reference number.

The same rows imported again are refused, in a dry run too, unless `force`: the file's
canonical rows are hashed (import_file.py) and stored with the first row imported."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from engine.deadlines import CHINA_TZ
from engine.errors import ImportFileError, LeadflowError
from engine.intake.identity import IdentityCipher
from engine.intake.import_file import ImportFile, read_import_file
from engine.intake.lead import create_lead, parse_lead, vocabularies
from engine.items import Change
from engine.kernel import Actor
from engine.runtime import Runtime
from engine.storage import IMPORT_BATCH, inserted_id, read_tx

YES = {"1", "true", "yes", "y", "是", "匿名"}
NO = {"0", "false", "no", "n", "否", "实名", ""}


@dataclass(kw_only=True)
class ImportReport:
    dry_run: bool
    encoding: str = ""
    rows: int = 0
    imported: list[tuple[int, int, str]] = field(default_factory=list)  # row, item id, ref
    valid: list[int] = field(default_factory=list)  # rows that would import (dry run)
    errors: list[tuple[int, str]] = field(default_factory=list)  # row, problem

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rehearsed(Exception):  # not an error: how a dry-run row rolls back
    """Raised at the end of a dry-run row's transaction, after every check passed."""


def row_to_raw(row: Mapping[str, str], vocab: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """A flat row as the nested mapping `parse_lead` takes; vocabulary labels (来信) are
    accepted as well as codes (letter)."""
    def code(name: str) -> str:
        value = row.get(name, "")
        labels = {label: key for key, label in (vocab.get(name) or {}).items()}
        return labels.get(value, value)

    anonymous_text = row.get("reporter_anonymous", "").lower()
    if anonymous_text in YES:
        anonymous: Any = True
    elif anonymous_text in NO:
        anonymous = not row.get("reporter_name")
    else:
        anonymous = anonymous_text  # parse_lead reports it
    return {
        "title": row.get("title") or None, "jurisdiction": row.get("jurisdiction"),
        "unit": row.get("unit") or None, "channel": code("channel"),
        "category": code("category"),
        "subject": {"name": row.get("subject_name"), "unit": row.get("subject_unit"),
                    "post": row.get("subject_post") or None},
        "allegation": row.get("allegation"),
        "reporter": {"anonymous": anonymous, "name": row.get("reporter_name") or None,
                     "contact": row.get("reporter_contact") or None},
    }


def _refuse_second_import(rt: Runtime, file: ImportFile) -> None:
    with read_tx(rt.db) as conn:
        before = conn.execute(select(IMPORT_BATCH).where(
            IMPORT_BATCH.c.rows_sha256 == file.rows_sha256)
            .order_by(IMPORT_BATCH.c.id.desc()).limit(1)).first()
    if before is not None:
        when = before.created_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
        raise ImportFileError(
            f"{file.name}: these rows were already imported on {when} (China time) by "
            f"{before.actor} from {before.file_name}: {before.imported} of {before.rows} "
            f"row(s) became leads (import batch {before.id}). Nothing was imported; to "
            "import them again anyway, pass --force")


def import_leads(rt: Runtime, *, actor: Actor, path: Path, cipher: IdentityCipher | None,
                 dry_run: bool = False, force: bool = False,
                 progress: Callable[[int], None] | None = None,
                 file: ImportFile | None = None) -> ImportReport:
    """Import every good row of `path` (or of `file`, already read); report the bad ones.
    `progress(row)` is called after each row. ImportFileError for a file that cannot be
    read, or whose rows were imported before (unless `force`)."""
    file = file or read_import_file(path)
    if not force:
        _refuse_second_import(rt, file)
    vocab = vocabularies(rt)
    report = ImportReport(dry_run=dry_run, encoding=file.encoding, rows=len(file.rows))
    batch: list[int] = []  # the import_batch row, once the first lead is in
    pending: list[int] = []  # the one the current row's transaction inserts

    def record(conn: Connection, change: Change) -> None:
        if dry_run:
            raise _Rehearsed
        if batch:
            conn.execute(update(IMPORT_BATCH).where(IMPORT_BATCH.c.id == batch[0])
                         .values(imported=IMPORT_BATCH.c.imported + 1))
        else:
            pending.append(inserted_id(conn.execute(insert(IMPORT_BATCH).values(
                rows_sha256=file.rows_sha256, file_name=file.name[:255], actor=actor.label,
                rows=len(file.rows), imported=1, created_at=change.at))))

    for number, row in file.rows:
        pending.clear()
        try:
            lead = parse_lead(row_to_raw(row, vocab), vocab)
            created = create_lead(rt, actor=actor, lead=lead, cipher=cipher,
                                  comment=f"imported from {file.name}, row {number}",
                                  after=record)
            report.imported.append((number, created.change.item_id, created.change.ref))
            batch.extend(pending)  # only once its transaction committed
        except _Rehearsed:
            report.valid.append(number)
        except LeadflowError as exc:
            report.errors.append((number, str(exc)))
        if progress is not None:
            progress(number)
    return report
