"""Reading an import file: CSV or XLSX, its header mapped to the lead's columns (English or
the Chinese headers an office spreadsheet is likely to use), its non-empty rows numbered as
in the file (the header is row 1), and the SHA-256 of its canonical rows.

CSV from Excel on a Chinese Windows is GB18030/GBK unless saved as "CSV UTF-8", so the text
is read as UTF-8 (with or without BOM), else UTF-16 with a BOM (Excel's "Unicode text"),
else GB18030 (a superset of GBK); anything else is refused with how to save it as UTF-8.

The canonical rows are each row's non-empty columns, by column name, in file order: the same
leads give the same hash whether the file is CSV or XLSX, in whichever encoding, column
order or header language."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from engine.errors import ImportFileError

COLUMNS = {
    "title": ("标题",), "jurisdiction": ("辖区", "辖区代码"), "unit": ("承办单位",),
    "channel": ("受理渠道", "渠道"), "category": ("问题类别", "类别"),
    "subject_name": ("被反映人", "被反映人姓名"), "subject_unit": ("被反映人单位", "单位"),
    "subject_post": ("被反映人职务", "职务"), "allegation": ("反映问题", "问题内容"),
    "reporter_anonymous": ("匿名",), "reporter_name": ("举报人", "举报人姓名"),
    "reporter_contact": ("举报人联系方式", "联系方式"),
}
REQUIRED = ("jurisdiction", "channel", "category", "subject_name", "subject_unit", "allegation")
SAVE_AS_UTF8 = ("in Excel choose 文件 → 另存为 → \"CSV UTF-8 (逗号分隔)(*.csv)\", or save it "
                "as .xlsx, and import that file")


@dataclass(frozen=True, kw_only=True)
class ImportFile:
    """A file's rows as read, before any is checked."""

    name: str
    encoding: str  # UTF-8, UTF-16, GB18030, or XLSX
    rows: tuple[tuple[int, Mapping[str, str]], ...]  # (row number in the file, {column: text})
    rows_sha256: str


def _header_map(header: list[str], encoding: str) -> dict[int, str]:
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
    hint = (f" (the file was read as {encoding}; if these names look garbled, "
            f"{SAVE_AS_UTF8})" if encoding not in ("UTF-8", "XLSX") else "")
    if unknown:
        raise ImportFileError(f"unknown column(s): {', '.join(unknown)}; "
                              f"known: {', '.join(COLUMNS)}{hint}")
    missing = [c for c in REQUIRED if c not in out.values()]
    if missing:
        raise ImportFileError(f"missing column(s): {', '.join(missing)}{hint}")
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def decode_csv(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding) of a CSV file's bytes; ImportFileError with the fix otherwise."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "UTF-8"
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16"), "UTF-16"
    except UnicodeDecodeError:
        raise ImportFileError(f"{name}: the file says it is Unicode but is not valid; "
                              f"{SAVE_AS_UTF8}") from None
    for codec, label in (("utf-8", "UTF-8"), ("gb18030", "GB18030")):
        try:
            return data.decode(codec), label
        except UnicodeDecodeError:
            continue
    raise ImportFileError(f"{name}: the text is neither UTF-8 nor GBK/GB18030; "
                          f"{SAVE_AS_UTF8}")


def _csv_rows(path: Path) -> tuple[str, Iterator[list[str]]]:
    text, encoding = decode_csv(path.read_bytes(), path.name)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","  # Excel's Unicode text
    return encoding, csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    finally:
        book.close()


def read_import_file(path: Path) -> ImportFile:
    """Read `path` whole: its header checked, its non-empty rows, their hash."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ImportFileError(f"{path.name}: only .csv and .xlsx files can be imported")
    try:
        encoding, raw = _csv_rows(path) if suffix == ".csv" else ("XLSX", _xlsx_rows(path))
        header = next(raw, None)
        if header is None:
            raise ImportFileError(f"{path.name}: the file is empty")
        columns = _header_map(header, encoding)
        rows = tuple(
            (number, {name: cells[i].strip() if i < len(cells) else ""
                      for i, name in columns.items()})
            for number, cells in enumerate(raw, start=2) if any(c.strip() for c in cells))
    except (OSError, ValueError, KeyError, csv.Error, BadZipFile, InvalidFileException) as exc:
        raise ImportFileError(f"{path.name}: cannot read the file: {exc}") from None
    return ImportFile(name=path.name, encoding=encoding, rows=rows,
                      rows_sha256=canonical_hash(row for _, row in rows))


def canonical_hash(rows: Iterator[Mapping[str, str]]) -> str:
    canonical = [{k: v for k, v in sorted(row.items()) if v} for row in rows]
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
