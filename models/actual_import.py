"""Reading actual inspections from an enforcement system's export (R24).

The file is a CSV or XLSX table with the columns of
:data:`models.actuals.ACTUAL_COLUMNS` and, optionally, those of
:data:`models.actuals.OPTIONAL_ACTUAL_COLUMNS`. Every row is checked
against the scenario and against the inspections already recorded, and
every problem is reported at once, each naming its file, row and column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from models.actuals import ACTUAL_COLUMNS, ACTUAL_KINDS, Actual
from models.errors import InputIssue, ScenarioError
from models.loading import parse_date
from models.records import Scenario
from models.tables import Table, TableReadError, read_table

# A date cell of a workbook reads back as a date; one stored as a plain
# number is Excel's day count from its epoch.
SERIAL_PATTERN = re.compile(r"\d{1,6}")
EXCEL_EPOCH = date(1899, 12, 30)

JOINT_SIDES = ["regulator", "supervisor"]

Key = tuple[date, str, tuple[str, ...], str]


def read_actuals(
    path: Path, scenario: Scenario, known: Sequence[Actual] = ()
) -> list[Actual]:
    """Read and check a file of actual inspections.

    Parameters
    ----------
    path
        The CSV or XLSX file.
    scenario
        The scenario of the plan year the inspections belong to.
    known
        Inspections already recorded; a row that repeats one is refused.

    Returns
    -------
    list[Actual]
        The inspections in file order.

    Raises
    ------
    ScenarioError
        Listing every problem, each with its file, row, column, the value
        found and the fix.
    """
    path = Path(path)
    try:
        table = read_table(path, path.name)
    except TableReadError as err:
        raise ScenarioError([err.issue]) from err

    _require_columns(table)
    reader = _RowReader(table.file, scenario)
    rows = []
    for number, cells in zip(table.row_numbers, table.rows, strict=True):
        actual = reader.actual(number, cells)
        if actual is not None:
            rows.append((number, actual))

    reader.check_ids(table)
    reader.check_repeats(rows, known)
    if reader.issues:
        raise ScenarioError(sorted(reader.issues, key=lambda i: i.row or 0))

    return [actual for _, actual in rows]


def _require_columns(table: Table) -> None:
    """Refuse a table without the required columns, or without rows."""
    found = ", ".join(table.columns[:15]) or "none"
    issues = [
        InputIssue(
            table.file,
            None,
            column,
            "(missing)",
            f"add a column headed exactly {column} (columns found: {found})",
        )
        for column in ACTUAL_COLUMNS
        if column not in table.columns
    ]
    if not issues and not table.rows:
        fix = "list one inspection a row below the header row"
        issues.append(InputIssue(table.file, None, None, "no rows", fix))

    if issues:
        raise ScenarioError(issues)


class _RowReader:
    """Turns rows into inspections and collects every problem found."""

    def __init__(self, file: str, scenario: Scenario):
        self.file = file
        self.scenario = scenario
        self.issues: list[InputIssue] = []
        self.mines = {mine.mine_id for mine in scenario.mines}
        self.companies = {c.company_id for c in scenario.companies}
        self.sides = {body.body_id: body.side for body in scenario.bodies}
        self.hazards = {h.hazard_id: h for h in scenario.hazards}
        self.campaigns = {c.campaign_id for c in scenario.campaigns}

    def report(
        self, row: int, column: str | None, value: object, fix: str
    ) -> None:
        """Add one problem."""
        issue = InputIssue(self.file, row, column, str(value), fix)
        self.issues.append(issue)

    def actual(self, row: int, cells: dict[str, str]) -> Actual | None:
        """Return the inspection of a row, or ``None`` if it has problems."""
        start = len(self.issues)
        inspection_id = cells["inspection_id"]
        if not inspection_id:
            self.report(row, "inspection_id", "", "fill in the inspection_id")

        day = self.day(row, cells["date"])
        kind = self.kind(row, cells["kind"])
        target = self.target(row, cells["target_id"], kind)
        bodies = self.bodies(row, cells["body_ids"], kind)
        hazard = cells.get("hazard_id", "")
        campaign = cells.get("campaign_id", "")
        if kind == "recheck":
            self.hazard(row, hazard, target)

        if kind == "special" and campaign not in self.campaigns:
            listing = ", ".join(sorted(self.campaigns)) or "none"
            fix = f"a special inspection names its campaign ({listing})"
            self.report(row, "campaign_id", campaign, fix)

        if len(self.issues) > start or day is None:
            return None

        note = cells.get("note", "")
        return Actual(
            inspection_id, day, target, bodies, kind, hazard, campaign, note
        )

    def day(self, row: int, text: str) -> date | None:
        """Return the date of a row within the plan year."""
        year = self.scenario.year
        day = _as_date(text)
        if day is None:
            fix = "write the date as YYYY-MM-DD (or YYYY/M/D, or a date cell)"
            self.report(row, "date", text, fix)
        elif day.year != year:
            fix = f"the date must fall in {year}, the scenario's plan year"
            self.report(row, "date", text, fix)
            return None

        return day

    def kind(self, row: int, text: str) -> str:
        """Return the kind of a row, lower case."""
        kind = text.strip().lower()
        if kind not in ACTUAL_KINDS:
            fix = "use one of " + ", ".join(ACTUAL_KINDS)
            self.report(row, "kind", text, fix)
            return ""

        return kind

    def target(self, row: int, target: str, kind: str) -> str:
        """Check the target: a company for ``company``, else a mine."""
        if kind == "company" and target not in self.companies:
            fix = "a company inspection targets a company_id of the scenario"
            self.report(row, "target_id", target, fix)
        elif kind not in ("company", "") and target not in self.mines:
            fix = "use a mine_id of the scenario"
            if target in self.companies:
                fix = "a parent company is the target of kind company only"
            self.report(row, "target_id", target, fix)
        elif not kind and target not in self.mines | self.companies:
            fix = "use a mine_id or company_id of the scenario"
            self.report(row, "target_id", target, fix)

        return target

    def bodies(self, row: int, text: str, kind: str) -> tuple[str, ...]:
        """Return the bodies of a row; a joint one needs both sides (R9)."""
        bodies = tuple(b for b in (p.strip() for p in text.split(";")) if b)
        unknown = [body for body in bodies if body not in self.sides]
        if not bodies:
            fix = "list the body_id of each body, separated by ';'"
            self.report(row, "body_ids", text, fix)
        elif unknown:
            fix = f"{', '.join(unknown)}: not a body_id of the scenario; "
            self.report(row, "body_ids", text, fix + "separate ids by ';'")
        elif len(set(bodies)) < len(bodies):
            self.report(row, "body_ids", text, "list each body once")
        elif kind == "joint" and not self.both_sides(bodies):
            fix = "a joint inspection lists one regulator and one supervisor"
            self.report(row, "body_ids", text, fix + " body (R9)")

        return bodies

    def both_sides(self, bodies: tuple[str, ...]) -> bool:
        """Whether the bodies are one regulator and one supervisor."""
        return sorted(self.sides[body] for body in bodies) == JOINT_SIDES

    def hazard(self, row: int, hazard_id: str, target: str) -> None:
        """Check that a re-check names a hazard of its mine (R13)."""
        hazard = self.hazards.get(hazard_id)
        if hazard is None:
            listing = ", ".join(sorted(self.hazards)) or "none"
            fix = f"a recheck names a major hazard of the scenario ({listing})"
            self.report(row, "hazard_id", hazard_id, fix)
        elif hazard.mine_id != target:
            fix = f"hazard {hazard_id} is at mine {hazard.mine_id}, not here"
            self.report(row, "hazard_id", hazard_id, fix)

    def check_ids(self, table: Table) -> None:
        """Report an inspection_id that an earlier row already used."""
        first: dict[str, int] = {}
        for number, cells in zip(table.row_numbers, table.rows, strict=True):
            value = cells["inspection_id"]
            if value in first:
                fix = f"give each inspection its own id: row {first[value]}"
                self.report(number, "inspection_id", value, fix + " has it")
            elif value:
                first[value] = number

    def check_repeats(
        self, rows: list[tuple[int, Actual]], known: Sequence[Actual]
    ) -> None:
        """Report rows that repeat another row or a recorded inspection."""
        seen: dict[Key, int] = {}
        recorded_ids = {actual.inspection_id for actual in known}
        recorded = {_key(actual): actual for actual in known}
        for number, actual in rows:
            key = _key(actual)
            if actual.inspection_id in recorded_ids:
                fix = "this inspection is already recorded; remove the row"
                self.report(number, "inspection_id", actual.inspection_id, fix)
            elif key in recorded:
                other = recorded[key].inspection_id
                fix = f"remove the row: it is already recorded as {other}"
                self.report(number, None, _key_text(actual), fix)
            elif key in seen:
                fix = f"remove the row: it repeats row {seen[key]}"
                self.report(number, None, _key_text(actual), fix)

            seen.setdefault(key, number)


def _key(actual: Actual) -> Key:
    """Date, target, bodies and kind: what makes two rows one inspection."""
    bodies = tuple(sorted(actual.body_ids))
    return (actual.day, actual.target_id, bodies, actual.kind)


def _key_text(actual: Actual) -> str:
    bodies = ";".join(actual.body_ids)
    return f"{actual.day} {actual.target_id} {bodies} {actual.kind}"


def _as_date(text: str) -> date | None:
    """Return the date a cell spells, or ``None``."""
    text = text.strip()
    if SERIAL_PATTERN.fullmatch(text):
        return EXCEL_EPOCH + timedelta(days=int(text))

    return parse_date(text)
