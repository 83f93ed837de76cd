"""Bulk import from CSV and XLSX: good rows in, bad rows reported by number, dry run inert."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from cli.main import main
from engine.errors import ImportFileError
from engine.intake.identity import IdentityCipher
from engine.intake.importer import import_leads
from engine.kernel.actors import Actor
from engine.runtime import Runtime
from engine.storage import EVENT, ITEM
from engine.storage.db import read_tx

HEADER = ["jurisdiction", "channel", "category", "subject_name", "subject_unit",
          "subject_post", "allegation", "reporter_name", "reporter_contact", "unit"]
ROWS = [
    ["510101", "letter", "law_enforcement", "张三", "东城区公安分局", "民警", "违规办案",
     "实名甲", "139", ""],                                                    # row 2: good
    ["510101", "carrier_pigeon", "law_enforcement", "李四", "东城区法院", "", "x", "", "",
     ""],                                                                   # row 3: channel
    ["510102", "来电", "纪律作风", "王五", "西城县公安局", "", "酒驾", "", "", "xc-police"],
    # row 4: good, labels instead of codes, handling unit given
    ["510101", "phone", "violation", "", "东城区法院", "", "", "", "", ""],    # row 5: blanks
    ["", "", "", "", "", "", "", "", "", ""],                                # row 6: empty, skipped
    ["999999", "letter", "violation", "赵六", "某单位", "", "问题", "", "", ""],  # row 7: place
    ["510101", "letter", "violation", "钱七", "东城区法院", "", "问题", "", "", "nowhere"],
    # row 8: unknown unit
]


def _count(rt: Runtime, table: object) -> int:
    with read_tx(rt.db) as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "leads.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *ROWS])
    return path


@pytest.fixture
def xlsx_file(tmp_path: Path) -> Path:
    path = tmp_path / "leads.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, *ROWS]:
        sheet.append([int(c) if c.isdigit() and len(c) > 3 else (c or None) for c in row])
    book.save(path)
    return path


def test_dry_run_writes_nothing(rt: Runtime, actors: dict[str, Actor],
                                cipher: IdentityCipher, csv_file: Path) -> None:
    """A dry run reports which rows would import and which are bad, and writes nothing."""
    report = import_leads(rt, actor=actors["市办-线索组"], path=csv_file, cipher=cipher,
                          dry_run=True)
    assert report.valid == [2, 4]
    assert [n for n, _ in report.errors] == [3, 5, 7, 8]
    assert _count(rt, ITEM) == 0
    assert _count(rt, EVENT) == 0


def test_real_run_imports_exactly_the_good_rows(rt: Runtime, actors: dict[str, Actor],
                                                cipher: IdentityCipher,
                                                csv_file: Path) -> None:
    """Good rows become leads (one event each); bad rows are reported by row number."""
    report = import_leads(rt, actor=actors["市办-线索组"], path=csv_file, cipher=cipher)
    assert [n for n, _, _ in report.imported] == [2, 4]
    errors = dict(report.errors)
    assert "channel must be one of" in errors[3]
    assert "subject.name is required" in errors[5]
    assert "allegation is required" in errors[5]
    assert "jurisdiction '999999'" in errors[7]
    assert "unit 'nowhere'" in errors[8]
    assert _count(rt, ITEM) == 2
    assert _count(rt, EVENT) == 2


def test_imported_rows_keep_labels_units_and_operator(rt: Runtime, actors: dict[str, Actor],
                                                      cipher: IdentityCipher,
                                                      csv_file: Path) -> None:
    """Chinese labels map to codes, the handling unit is set, the importer is the operator."""
    office = actors["市办-线索组"]
    report = import_leads(rt, actor=office, path=csv_file, cipher=cipher)
    item_id = report.imported[1][1]
    with read_tx(rt.db) as conn:
        item = conn.execute(select(ITEM).where(ITEM.c.id == item_id)).one()
    assert (item.data["channel"], item.data["category"]) == ("phone", "discipline_conduct")
    assert item.unit_id is not None
    assert item.data["operator"] == office.label
    assert "实名甲" not in repr(item.data)


def test_xlsx_imports_like_csv(rt: Runtime, actors: dict[str, Actor], cipher: IdentityCipher,
                               xlsx_file: Path) -> None:
    """An XLSX file gives the same rows and the same errors as the CSV."""
    report = import_leads(rt, actor=actors["市办-线索组"], path=xlsx_file, cipher=cipher)
    assert [n for n, _, _ in report.imported] == [2, 4]
    assert [n for n, _ in report.errors] == [3, 5, 7, 8]


def test_named_reporter_rows_fail_without_key(rt: Runtime, actors: dict[str, Actor],
                                              csv_file: Path) -> None:
    """Without an identity key, rows naming their reporter are reported, the rest import."""
    report = import_leads(rt, actor=actors["市办-线索组"], path=csv_file, cipher=None)
    assert [n for n, _, _ in report.imported] == [4]
    assert "LEADFLOW_IDENTITY_KEY" in dict(report.errors)[2]


def test_unknown_column_refuses_the_whole_file(rt: Runtime, actors: dict[str, Actor],
                                               tmp_path: Path) -> None:
    """A misspelt column is reported before any row is read."""
    path = tmp_path / "bad.csv"
    path.write_text("jurisdiction,chanel,category\n510101,letter,violation\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="unknown column"):
        import_leads(rt, actor=actors["市办-线索组"], path=path, cipher=None)


def test_other_file_types_are_refused(rt: Runtime, actors: dict[str, Actor],
                                      tmp_path: Path) -> None:
    """Only .csv and .xlsx are imported."""
    path = tmp_path / "leads.xls"
    path.write_bytes(b"\xd0\xcf")
    with pytest.raises(ImportFileError, match=r"only \.csv and \.xlsx"):
        import_leads(rt, actor=actors["市办-线索组"], path=path, cipher=None)


def test_cli_import_reports_rows_and_exit_code(db_url: str, rt: Runtime,
                                               actors: dict[str, Actor], csv_file: Path,
                                               capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`leadflow import leads FILE` prints each bad row and exits 1; --dry-run writes nothing."""
    import base64

    monkeypatch.setenv("LEADFLOW_IDENTITY_KEY", base64.b64encode(bytes(32)).decode())
    # main() points structlog at this test's captured stderr, closed after the test
    monkeypatch.setattr("cli.main.configure", lambda *_a, **_k: None)
    office = actors["市办-线索组"]
    args = ["--database-url", db_url, "import", "leads", str(csv_file),
            "--as", str(office.user_id)]
    assert main([*args, "--dry-run"]) == 1
    dry = capsys.readouterr()
    assert "row 3:" in dry.err
    assert "nothing was written" in dry.out
    assert _count(rt, ITEM) == 0
    assert main(args) == 1
    real = capsys.readouterr()
    assert "imported 2 of 6 row(s)" in real.out
    assert "row 8:" in real.err
    assert _count(rt, ITEM) == 2


def test_progress_is_reported_for_every_row(rt: Runtime, actors: dict[str, Actor],
                                            cipher: IdentityCipher, csv_file: Path) -> None:
    """The progress callback hears each non-empty row once, good or bad, in file order."""
    seen: list[int] = []
    import_leads(rt, actor=actors["市办-线索组"], path=csv_file, cipher=cipher, dry_run=True,
                 progress=seen.append)
    assert seen == [2, 3, 4, 5, 7, 8]
