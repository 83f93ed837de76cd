"""Bulk import of leads from CSV or XLSX: every row validated like an API intake, each good
row created by one `create_lead` (one transaction), each bad row reported by its row number
in the file (the header is row 1). A dry run validates and writes nothing."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select

from engine.errors import IdentityKeyError, ImportFileError, InvalidData, LeadflowError
from engine.intake.identity import IdentityCipher
from engine.intake.lead import (
    LeadIntake,
    create_lead,
    parse_lead,
    resolve_jurisdiction,
    vocabularies,
)
from engine.kernel import Actor
from engine.runtime import Runtime
from engine.storage import UNIT, read_tx

# Column names, with the Chinese headers an office spreadsheet is likely to use.
COLUMNS = {
    "title": ("标题",), "jurisdiction": ("辖区", "辖区代码"), "unit": ("承办单位",),
    "channel": ("受理渠道", "渠道"), "category": ("问题类别", "类别"),
    "subject_name": ("被反映人", "被反映人姓名"), "subject_unit": ("被反映人单位", "单位"),
    "subject_post": ("被反映人职务", "职务"), "allegation": ("反映问题", "问题内容"),
    "reporter_anonymous": ("匿名",), "reporter_name": ("举报人", "举报人姓名"),
    "reporter_contact": ("举报人联系方式", "联系方式"),
}
REQUIRED = ("jurisdiction", "channel", "category", "subject_name", "subject_unit", "allegation")
YES = {"1", "true", "yes", "y", "是", "匿名"}
NO = {"0", "false", "no", "n", "否", "实名", ""}


@dataclass(kw_only=True)
class ImportReport:
    dry_run: bool
    rows: int = 0
    imported: list[tuple[int, int, str]] = field(default_factory=list)  # row, item id, ref
    valid: list[int] = field(default_factory=list)  # rows that would import (dry run)
    errors: list[tuple[int, str]] = field(default_factory=list)  # row, problem

    @property
    def ok(self) -> bool:
        return not self.errors


def _header_map(header: list[str]) -> dict[int, str]:
    aliases = {name: name for name in COLUMNS} | {
        alias: name for name, more in COLUMNS.items() for alias in more}
    out: dict[int, str] = {}
    unknown = []
    for i, raw in enumerate(header):
        name = raw.strip()
        if not name:
            continue
        if name not in aliases:
            unknown.append(name)
        else:
            out[i] = aliases[name]
    if unknown:
        raise ImportFileError(f"unknown column(s): {', '.join(unknown)}; "
                              f"known: {', '.join(COLUMNS)}")
    missing = [c for c in REQUIRED if c not in out.values()]
    if missing:
        raise ImportFileError(f"missing column(s): {', '.join(missing)}")
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _raw_rows(path: Path) -> Iterator[list[str]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield from csv.reader(fh)
    elif suffix == ".xlsx":
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            for values in sheet.iter_rows(values_only=True):
                yield [_cell(v) for v in values]
        finally:
            book.close()
    else:
        raise ImportFileError(f"{path.name}: only .csv and .xlsx files can be imported")


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number in the file, {column: text}) for each non-empty data row."""
    rows = _raw_rows(path)
    try:
        header = next(rows)
    except StopIteration:
        raise ImportFileError(f"{path.name}: the file is empty") from None
    except (OSError, ValueError, csv.Error) as exc:
        raise ImportFileError(f"{path.name}: cannot read the file: {exc}") from None
    columns = _header_map(header)
    for number, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        yield number, {name: cells[i].strip() if i < len(cells) else ""
                       for i, name in columns.items()}


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


def _check_places(rt: Runtime, actor: Actor, lead: LeadIntake) -> None:
    """What create_item would refuse about places, checked without writing (for dry runs)."""
    with read_tx(rt.db) as conn:
        resolve_jurisdiction(conn, actor, lead.jurisdiction)
        if lead.unit is not None:
            urow = conn.execute(select(UNIT.c.jurisdiction_id)
                                .where(UNIT.c.code == lead.unit)).first()
            if urow is None or not actor.sees(urow.jurisdiction_id):
                raise InvalidData(f"unit {lead.unit!r} does not exist or is outside your "
                                  "jurisdiction", fields={"unit": "unknown unit"})


def count_rows(path: Path) -> int:
    return sum(1 for _ in read_rows(path))


def import_leads(rt: Runtime, *, actor: Actor, path: Path, cipher: IdentityCipher | None,
                 dry_run: bool = False,
                 progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import every good row of `path`; report the bad ones. `progress(row)` is called after
    each row."""
    vocab = vocabularies(rt)
    report = ImportReport(dry_run=dry_run)
    for number, row in read_rows(path):
        report.rows += 1
        try:
            lead = parse_lead(row_to_raw(row, vocab), vocab)
            if lead.has_identity and cipher is None:
                raise IdentityKeyError("the row names its reporter but LEADFLOW_IDENTITY_KEY "
                                       "is not configured")
            if dry_run:
                _check_places(rt, actor, lead)
                report.valid.append(number)
            else:
                created = create_lead(rt, actor=actor, lead=lead, cipher=cipher,
                                      comment=f"imported from {path.name}, row {number}")
                report.imported.append((number, created.change.item_id, created.change.ref))
        except LeadflowError as exc:
            report.errors.append((number, str(exc)))
        if progress is not None:
            progress(number)
    return report
