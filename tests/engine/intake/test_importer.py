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
from engine.storage import COUNTER, EVENT, IDENTITY, IMPORT_BATCH, ITEM, LINK, SUBJECT
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


def _write_csv(path: Path, rows: list[list[str]], encoding: str, delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


@pytest.mark.parametrize("who", ["市办-线索组", "东城办-联络员", "东城公安-承办人", "省指导组-审计",
                                 "检举举报平台", "省管理员"])
@pytest.mark.parametrize("keyed", [True, False])
def test_a_dry_run_says_exactly_what_the_import_then_does(
        rt: Runtime, actors: dict[str, Actor], csv_file: Path, cipher: IdentityCipher,
        who: str, keyed: bool) -> None:
    """For every kind of importer, with and without an identity key: the rows a dry run
    calls good are the rows the import brings in, and its errors are the import's errors,
    word for word (roles included: a supervisor may not create leads at all)."""
    actor, key = actors[who], (cipher if keyed else None)
    dry = import_leads(rt, actor=actor, path=csv_file, cipher=key, dry_run=True)
    assert (_count(rt, ITEM), _count(rt, EVENT)) == (0, 0)
    real = import_leads(rt, actor=actor, path=csv_file, cipher=key)
    assert dry.valid == [n for n, _, _ in real.imported]
    assert dry.errors == real.errors
    assert _count(rt, ITEM) == len(real.imported)


def test_a_supervisor_dry_run_is_refused_like_the_import(
        rt: Runtime, actors: dict[str, Actor], cipher: IdentityCipher, csv_file: Path) -> None:
    """The role is checked in a dry run: no row 'would import' for a role that may not
    create leads."""
    report = import_leads(rt, actor=actors["省指导组-审计"], path=csv_file, cipher=cipher,
                          dry_run=True)
    assert report.valid == []
    assert "role 'supervisor' may not" in dict(report.errors)[2]


def test_a_dry_run_leaves_no_trace(rt: Runtime, actors: dict[str, Actor],
                                   cipher: IdentityCipher, csv_file: Path) -> None:
    """Every row's transaction is rolled back: no item, event, reporter, subject, link,
    import record or reference number; the real import after it starts at 000001."""
    office = actors["市办-线索组"]
    import_leads(rt, actor=office, path=csv_file, cipher=cipher, dry_run=True)
    for table in (ITEM, EVENT, IDENTITY, SUBJECT, LINK, COUNTER, IMPORT_BATCH):
        assert _count(rt, table) == 0, table.name
    real = import_leads(rt, actor=office, path=csv_file, cipher=cipher)
    assert real.imported[0][2].endswith("-000001")


CHINESE_HEADER = ["辖区", "受理渠道", "问题类别", "被反映人", "被反映人单位", "被反映人职务",
                  "反映问题", "举报人", "举报人联系方式", "承办单位"]


@pytest.mark.parametrize(("encoding", "delimiter", "read_as"), [
    ("gb18030", ",", "GB18030"), ("gbk", ",", "GB18030"), ("utf-8-sig", ",", "UTF-8"),
    ("utf-16", "\t", "UTF-16"),
])
def test_excel_encodings_are_detected(rt: Runtime, actors: dict[str, Actor],
                                      cipher: IdentityCipher, tmp_path: Path, encoding: str,
                                      delimiter: str, read_as: str) -> None:
    """Excel's CSV on a Chinese Windows (GBK/GB18030), CSV UTF-8 (with a BOM) and its
    "Unicode text" (UTF-16, tab separated) import like a UTF-8 file, Chinese headers too."""
    path = _write_csv(tmp_path / "leads.csv", [CHINESE_HEADER, *ROWS], encoding, delimiter)
    report = import_leads(rt, actor=actors["市办-线索组"], path=path, cipher=cipher)
    assert report.encoding == read_as
    assert [n for n, _, _ in report.imported] == [2, 4]
    with read_tx(rt.db) as conn:
        names = sorted(r.data["subject"]["name"] for r in conn.execute(select(ITEM)))
    assert names == ["张三", "王五"]


def test_text_in_no_known_encoding_is_refused_with_the_fix(
        rt: Runtime, actors: dict[str, Actor], tmp_path: Path) -> None:
    """Neither UTF-8 nor GB18030: refused before any row, saying how to save as UTF-8."""
    path = tmp_path / "leads.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\n510101,letter,caf\xe9\n")
    with pytest.raises(ImportFileError, match=r"neither UTF-8 nor GBK/GB18030; .*CSV UTF-8"):
        import_leads(rt, actor=actors["市办-线索组"], path=path, cipher=None)
    assert _count(rt, ITEM) == 0


def test_the_same_rows_imported_twice_are_refused(
        rt: Runtime, actors: dict[str, Actor], cipher: IdentityCipher, csv_file: Path,
        xlsx_file: Path, tmp_path: Path) -> None:
    """A second import of the same rows (the same file, or the same rows as XLSX or in
    another encoding) is refused whole, in a dry run too, naming the first import; --force
    imports them again; other rows are not affected."""
    office = actors["市办-线索组"]
    import_leads(rt, actor=office, path=csv_file, cipher=cipher)
    with read_tx(rt.db) as conn:
        batch = conn.execute(select(IMPORT_BATCH)).one()
    assert (batch.file_name, batch.rows, batch.imported, batch.actor) == (
        "leads.csv", 6, 2, office.label)
    gbk = _write_csv(tmp_path / "gbk.csv", [HEADER, *ROWS], "gb18030")
    for path, dry in ((csv_file, False), (csv_file, True), (xlsx_file, False), (gbk, False)):
        with pytest.raises(ImportFileError, match=r"already imported on 2026-03-02 09:00 "
                           r"\(China time\) by user:\d+ from leads\.csv: 2 of 6 row\(s\) "
                           r"became leads .* pass --force"):
            import_leads(rt, actor=office, path=path, cipher=cipher, dry_run=dry)
    assert _count(rt, ITEM) == 2
    changed = _write_csv(tmp_path / "more.csv", [HEADER, *ROWS[:1]], "utf-8")
    assert len(import_leads(rt, actor=office, path=changed, cipher=cipher).imported) == 1
    again = import_leads(rt, actor=office, path=csv_file, cipher=cipher, force=True)
    assert len(again.imported) == 2
    assert _count(rt, ITEM) == 5


def test_a_file_whose_rows_all_failed_may_be_imported_again(
        rt: Runtime, actors: dict[str, Actor], csv_file: Path, cipher: IdentityCipher) -> None:
    """Nothing imported, nothing recorded: the same file after fixing the setup (here the
    importer: a supervisor may not create leads) is not refused."""
    import_leads(rt, actor=actors["省指导组-审计"], path=csv_file, cipher=cipher)
    assert _count(rt, IMPORT_BATCH) == 0
    assert len(import_leads(rt, actor=actors["市办-线索组"], path=csv_file,
                            cipher=cipher).imported) == 2


def test_cli_prints_no_line_per_row_and_groups_repeated_errors(
        db_url: str, rt: Runtime, actors: dict[str, Actor], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Good rows get no line, not even a log line (a progress bar shows on a terminal); one
    problem shared by many rows is one line naming them; a second import is one line."""
    good = [r for r in ROWS if r[0] == "510101" and r[1] == "letter" and r[3]][:1]
    path = _write_csv(tmp_path / "many.csv", [HEADER, *(good * 30)], "utf-8")
    args = ["--database-url", db_url, "import", "leads", str(path)]
    office, supervisor = actors["市办-线索组"], actors["省指导组-审计"]
    monkeypatch.delenv("LEADFLOW_IDENTITY_KEY", raising=False)
    assert main([*args, "--as", str(office.user_id)]) == 1  # names a reporter, no key
    out, err = capsys.readouterr()
    assert out == ("imported 0 of 30 row(s); 30 row(s) with errors were not imported\n")
    assert err.startswith("rows 2-31 (30 rows): ")
    assert len(err.splitlines()) == 1
    import base64

    monkeypatch.setenv("LEADFLOW_IDENTITY_KEY", base64.b64encode(bytes(32)).decode())
    assert main([*args, "--as", str(supervisor.user_id), "--dry-run"]) == 1
    out, err = capsys.readouterr()
    assert err.startswith("rows 2-31 (30 rows): role 'supervisor' may not")
    assert main([*args, "--as", str(office.user_id)]) == 0
    out, err = capsys.readouterr()
    assert (out, err) == ("imported 30 of 30 row(s); 0 row(s) with errors were not "
                          "imported\n", "")
    assert main([*args, "--as", str(office.user_id)]) == 1
    assert "already imported" in capsys.readouterr().err


def test_progress_is_reported_for_every_row(rt: Runtime, actors: dict[str, Actor],
                                            cipher: IdentityCipher, csv_file: Path) -> None:
    """The progress callback hears each non-empty row once, good or bad, in file order."""
    seen: list[int] = []
    import_leads(rt, actor=actors["市办-线索组"], path=csv_file, cipher=cipher, dry_run=True,
                 progress=seen.append)
    assert seen == [2, 3, 4, 5, 7, 8]
