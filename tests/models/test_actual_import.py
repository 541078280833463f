"""Reading actual inspections: every row checked, every problem named."""

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from factories import small_province

from models.actual_import import read_actuals
from models.actuals import (
    ACTUAL_COLUMNS,
    ACTUAL_KINDS,
    OPTIONAL_ACTUAL_COLUMNS,
    Actual,
)
from models.errors import ScenarioError

HEADER = ",".join(ACTUAL_COLUMNS + OPTIONAL_ACTUAL_COLUMNS)


def _csv(folder: Path, *rows: str, header: str = HEADER) -> Path:
    """Write an actuals CSV with a header and rows."""
    path = folder / "actuals.csv"
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def _issues(path: Path, known=()) -> list[str]:
    """The problems read_actuals finds, as text."""
    with pytest.raises(ScenarioError) as caught:
        read_actuals(path, small_province(), known)

    return [str(issue) for issue in caught.value.issues]


def test_read_actuals_reads_every_kind(tmp_path):
    """Valid rows of each planned kind read back as inspections."""
    path = _csv(
        tmp_path,
        "I1,2026-03-05,M1,REG-C,routine,,,first",
        "I2,2026/3/6,M2,REG-C;SUP-1,joint,,,",
        "I3,2026-04-01,M2,SUP-1,recheck,H1,,",
        "I4,2026-06-01,M2,REG-P,special,,CP1,",
        "I5,2026-07-01,CO1,REG-P,company,,,",
        "I6,2026-07-02,N1,REG-C,Complaint,,,举报",
    )

    actuals = read_actuals(path, small_province())

    assert [actual.inspection_id for actual in actuals] == [
        f"I{n}" for n in range(1, 7)
    ]
    assert actuals[0] == Actual(
        "I1", date(2026, 3, 5), "M1", ("REG-C",), "routine", note="first"
    )
    assert actuals[1].day == date(2026, 3, 6)
    assert actuals[1].body_ids == ("REG-C", "SUP-1")
    assert actuals[2].hazard_id == "H1"
    assert actuals[3].campaign_id == "CP1"
    assert actuals[5].kind == "complaint"


def test_read_actuals_needs_no_optional_columns(tmp_path):
    """hazard_id, campaign_id and note may be left out of the file."""
    header = "inspection_id,date,target_id,body_ids,kind"
    path = _csv(tmp_path, "I1,2026-03-05,M1,REG-C,routine", header=header)

    (actual,) = read_actuals(path, small_province())

    assert (actual.hazard_id, actual.campaign_id, actual.note) == ("", "", "")


def test_read_actuals_reads_excel_dates(tmp_path):
    """An XLSX file may hold date cells or Excel day numbers."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["inspection_id", "date", "target_id", "body_ids", "kind"])
    sheet.append(["I1", datetime(2026, 3, 5), "M1", "REG-C", "routine"])
    sheet.append(["I2", 46091, "M3", "REG-P", "routine"])
    path = tmp_path / "actuals.xlsx"
    book.save(path)

    actuals = read_actuals(path, small_province())

    assert [actual.day for actual in actuals] == [
        date(2026, 3, 5),
        date(2026, 3, 10),
    ]


def test_read_actuals_names_every_missing_column(tmp_path):
    """Each missing required column is reported, all at once."""
    path = _csv(tmp_path, "I1,M1", header="inspection_id,target_id")

    issues = _issues(path)

    assert len(issues) == 3
    for column in ("date", "body_ids", "kind"):
        assert any(f"column '{column}'" in issue for issue in issues)


def test_read_actuals_refuses_a_file_without_rows(tmp_path):
    """A header without inspections is a problem, not an empty import."""
    assert "no rows" in _issues(_csv(tmp_path))[0]


def test_read_actuals_refuses_a_missing_file(tmp_path):
    """A missing file is one problem naming it."""
    assert "the file must exist" in _issues(tmp_path / "none.csv")[0]


def test_read_actuals_reports_every_bad_cell(tmp_path):
    """Every row is checked and each problem names row and column."""
    path = _csv(
        tmp_path,
        "I1,2026-13-01,M1,REG-C,routine,,,",
        "I2,2025-12-31,M1,REG-C,routine,,,",
        "I3,2026-03-01,M9,REG-C,routine,,,",
        "I4,2026-03-01,M1,REG-P,company,,,",
        "I5,2026-03-01,CO1,REG-P,routine,,,",
        "I6,2026-03-01,M1,REG-X,routine,,,",
        "I7,2026-03-01,M1,REG-C,visit,,,",
        "I8,2026-03-01,M1,REG-C;REG-P,joint,,,",
        "I9,2026-03-01,M1,SUP-1,joint,,,",
        "I10,2026-03-01,M2,SUP-1,recheck,H9,,",
        "I11,2026-03-01,M1,SUP-1,recheck,H1,,",
        "I12,2026-06-01,M2,REG-P,special,,CP9,",
        ",2026-06-02,M2,REG-P,routine,,,",
        "I14,2026-06-03,M2,,routine,,,",
    )

    issues = _issues(path)

    expected = [
        "row 2, column 'date': found '2026-13-01'",
        "row 3, column 'date': found '2025-12-31'; the date must fall in 2026",
        "row 4, column 'target_id': found 'M9'",
        "row 5, column 'target_id': found 'M1'; a company inspection",
        "row 6, column 'target_id': found 'CO1'; a parent company",
        "row 7, column 'body_ids': found 'REG-X'; REG-X: not a body_id",
        "row 8, column 'kind': found 'visit'; use one of "
        + ", ".join(ACTUAL_KINDS),
        "row 9, column 'body_ids': found 'REG-C;REG-P'; a joint inspection "
        "lists one regulator and one supervisor body (R9)",
        "row 10, column 'body_ids': found 'SUP-1'; a joint",
        "row 11, column 'hazard_id': found 'H9'",
        "row 12, column 'hazard_id': found 'H1'; hazard H1 is at mine M2",
        "row 13, column 'campaign_id': found 'CP9'",
        "row 14, column 'inspection_id'",
        "row 15, column 'body_ids'",
    ]
    assert len(issues) == len(expected)
    for issue, text in zip(issues, expected, strict=True):
        assert issue.startswith(f"actuals.csv, {text}"), issue


def test_read_actuals_finds_a_repeated_inspection_id(tmp_path):
    """An inspection_id used twice in the file is named at its second row."""
    path = _csv(
        tmp_path,
        "I1,2026-03-05,M1,REG-C,routine,,,",
        "I1,2026-03-06,M3,REG-P,routine,,,",
    )

    (issue,) = _issues(path)

    assert "row 3, column 'inspection_id': found 'I1'" in issue
    assert "row 2" in issue


def test_read_actuals_finds_a_repeated_row(tmp_path):
    """A row with the date, target, bodies and kind of another is named,
    whatever the order of its bodies."""
    path = _csv(
        tmp_path,
        "I1,2026-03-05,M2,REG-C;SUP-1,joint,,,",
        "I2,2026-03-05,M2,SUP-1;REG-C,joint,,,",
        "I3,2026-03-05,M2,REG-C,routine,,,",
    )

    (issue,) = _issues(path)

    assert issue.startswith("actuals.csv, row 3:")
    assert "repeats row 2" in issue


def test_read_actuals_finds_rows_already_recorded(tmp_path):
    """A row with a recorded id, or repeating a recorded inspection, is
    refused; new rows are not."""
    known = [
        Actual("OLD1", date(2026, 3, 5), "M1", ("REG-C",), "routine"),
        Actual("OLD2", date(2026, 3, 6), "M3", ("REG-P",), "routine"),
    ]
    path = _csv(
        tmp_path,
        "OLD1,2026-04-05,M1,REG-C,routine,,,",
        "NEW1,2026-03-06,M3,REG-P,routine,,,",
        "NEW2,2026-03-07,M3,REG-P,routine,,,",
    )

    issues = _issues(path, known)

    assert len(issues) == 2
    assert "row 2, column 'inspection_id': found 'OLD1'" in issues[0]
    assert "already recorded" in issues[0]
    assert issues[1].startswith("actuals.csv, row 3:")
    assert "already recorded as OLD2" in issues[1]
