"""Errors in a planner's input, each naming where it is and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputIssue:
    """One problem in one cell (or file) of the input.

    Parameters
    ----------
    file
        The file, as the planner named it.
    row
        Spreadsheet row number (the header is row 1), or ``None`` for a
        problem with the whole file or a YAML key.
    column
        Column name or YAML key, or ``None`` for the whole file.
    value
        The value found, as text.
    expected
        What was expected instead, phrased as the fix.
    """

    file: str
    row: int | None
    column: str | None
    value: str
    expected: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"

        if self.column is not None:
            where += f", column '{self.column}'"

        return f"{where}: found {self.value!r}; {self.expected}"


class ScenarioError(Exception):
    """The scenario cannot be planned; ``issues`` lists every problem."""

    def __init__(self, issues: list[InputIssue]):
        self.issues = list(issues)
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        super().__init__(f"{len(self.issues)} problem(s) in input:\n{lines}")
