"""Reading and writing tables: the one place that touches file formats.

Planners keep their lists in Excel or CSV. Every table is read as text so
that validation sees what the planner typed, and rows keep their
spreadsheet numbers (the header is row 1) for error messages.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from models.errors import InputIssue


class TableReadError(Exception):
    """A table could not be read at all; carries one input issue."""

    def __init__(self, issue: InputIssue):
        self.issue = issue
        super().__init__(str(issue))


@dataclass(frozen=True)
class Table:
    """The text cells of one table, with spreadsheet row numbers.

    Parameters
    ----------
    file
        The file name as the planner wrote it.
    columns
        Column names, stripped of spaces.
    rows
        One dict per data row, from column name to stripped text; empty
        cells are empty strings.
    row_numbers
        Spreadsheet row number of each data row.
    """

    file: str
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    row_numbers: tuple[int, ...]


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""

    if isinstance(value, float) and value.is_integer():
        return str(int(value))

    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()

    return str(value).strip()


def read_table(path: Path, label: str, sheet: str | None = None) -> Table:
    """Read a CSV (UTF-8, BOM or not) or XLSX table as text cells.

    Parameters
    ----------
    path
        File to read.
    label
        The name to use for the file in error messages.
    sheet
        Sheet of an XLSX file; the first sheet when ``None``.

    Raises
    ------
    TableReadError
        If the file is missing, unreadable or lacks the sheet.
    """
    if not path.is_file():
        issue = InputIssue(label, None, None, str(path), "the file must exist")
        raise TableReadError(issue)

    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = _read_excel(path, label, sheet)
        elif suffix in (".csv", ".txt"):
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8-sig"
            )
        else:
            issue = InputIssue(
                label, None, None, suffix, "use a .csv or .xlsx file"
            )
            raise TableReadError(issue)
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as err:
        issue = InputIssue(
            label,
            None,
            None,
            type(err).__name__,
            "save the file as UTF-8 CSV or as XLSX "
            f"(it could not be read: {str(err).splitlines()[0][:120]})",
        )
        raise TableReadError(issue) from err
    except pd.errors.EmptyDataError as err:
        issue = InputIssue(
            label, None, None, "empty file", "the file needs a header row"
        )
        raise TableReadError(issue) from err

    columns = tuple(str(name).strip() for name in frame.columns)
    rows = []
    for values in frame.itertuples(index=False, name=None):
        rows.append(
            {
                name: _cell_text(value)
                for name, value in zip(columns, values, strict=True)
            }
        )

    numbers = tuple(range(2, 2 + len(rows)))
    return Table(label, columns, tuple(rows), numbers)


def _read_excel(path: Path, label: str, sheet: str | None) -> pd.DataFrame:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as err:
        issue = InputIssue(
            label,
            None,
            None,
            type(err).__name__,
            "the file must be a valid .xlsx workbook",
        )
        raise TableReadError(issue) from err

    with book:
        name = sheet if sheet is not None else book.sheet_names[0]
        if name not in book.sheet_names:
            issue = InputIssue(
                label,
                None,
                "sheet",
                name,
                "name one of the sheets "
                + ", ".join(repr(s) for s in book.sheet_names),
            )
            raise TableReadError(issue)

        return pd.read_excel(book, sheet_name=name, dtype=object)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Return CSV text with a header and rows, Unix line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_text_atomic(path: Path, text: str, bom: bool = False) -> None:
    """Write UTF-8 text to a file so it is either whole or absent.

    The text goes to a temporary file in the same folder first and is then
    renamed over the target, so a crash never leaves half a file.
    """
    data = text.encode("utf-8-sig" if bom else "utf-8")
    write_bytes_atomic(path, data)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write bytes to a file so it is either whole or absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)

        # mkstemp makes owner-only files; give the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
