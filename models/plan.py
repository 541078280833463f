"""Planned visits and the plan file that holds them (``plan.csv``).

A plan is a list of visits. Each visit is one trip to one mine or parent
company in one month by one body, or by a regulator and a supervisor body
together (a joint visit, R9).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from models.errors import InputIssue
from models.records import VISIT_KINDS, quarter_of
from models.tables import TableReadError, csv_text, read_table

PLAN_COLUMNS = (
    "visit_id",
    "month",
    "quarter",
    "kind",
    "target_id",
    "target_name",
    "body_ids",
    "side",
    "counts_toward_caps",
    "person_days",
    "must_check",
    "hazard_id",
    "campaign_id",
)


@dataclass(frozen=True)
class Visit:
    """One planned visit.

    Parameters
    ----------
    month
        Month of the visit, 1-12.
    kind
        ``routine``, ``joint``, ``recheck``, ``special`` or ``company``.
    target_id
        The mine, or the parent company for ``company`` visits.
    target_name
        Name of the target, for readers of the plan.
    body_ids
        Bodies on the visit; a joint visit lists the regulator body first.
    side
        ``regulator``, ``supervisor`` or ``joint``.
    counts_toward_caps
        Whether the visit counts toward R4-R8 (R9, R13, R14).
    person_days
        Person-days of the visit, all bodies together.
    must_check
        Must-check items (R19).
    hazard_id
        The hazard re-checked, for ``recheck`` visits.
    campaign_id
        The campaign, for ``special`` visits.
    visit_id
        Identifier, set when the plan is numbered.
    """

    month: int
    kind: str
    target_id: str
    target_name: str
    body_ids: tuple[str, ...]
    side: str
    counts_toward_caps: bool
    person_days: float
    must_check: tuple[str, ...] = ()
    hazard_id: str = ""
    campaign_id: str = ""
    visit_id: str = ""

    @property
    def quarter(self) -> int:
        """Calendar quarter of the visit."""
        return quarter_of(self.month)

    def sort_key(self) -> tuple:
        """Key that orders a plan: month, kind, target, bodies."""
        order = VISIT_KINDS.index(self.kind)
        return (
            self.month,
            order,
            self.target_id,
            self.body_ids,
            self.hazard_id,
            self.campaign_id,
        )


def number_visits(visits: list[Visit]) -> list[Visit]:
    """Return the visits sorted and numbered ``V00001``, ``V00002``, …."""
    ordered = sorted(visits, key=Visit.sort_key)
    return [
        replace(visit, visit_id=f"V{index:05d}")
        for index, visit in enumerate(ordered, start=1)
    ]


def _days_text(days: float) -> str:
    """Format person-days without a needless trailing ``.0``."""
    return f"{days:g}"


def plan_csv_text(visits: list[Visit]) -> str:
    """Return the text of ``plan.csv`` for numbered visits."""
    rows = [
        (
            visit.visit_id,
            visit.month,
            visit.quarter,
            visit.kind,
            visit.target_id,
            visit.target_name,
            ";".join(visit.body_ids),
            visit.side,
            "true" if visit.counts_toward_caps else "false",
            _days_text(visit.person_days),
            ";".join(visit.must_check),
            visit.hazard_id,
            visit.campaign_id,
        )
        for visit in visits
    ]
    return csv_text(PLAN_COLUMNS, rows)


class PlanFileError(Exception):
    """``plan.csv`` is missing or malformed; ``issues`` says where."""

    def __init__(self, issues: list[InputIssue]):
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


def read_plan_csv(path: Path) -> list[Visit]:
    """Read the visits of a ``plan.csv`` file.

    Raises
    ------
    PlanFileError
        If the file is missing, lacks columns or holds malformed cells.
    """
    try:
        table = read_table(path, path.name)
    except TableReadError as err:
        raise PlanFileError([err.issue]) from err

    missing = [name for name in PLAN_COLUMNS if name not in table.columns]
    if missing:
        issue = InputIssue(
            path.name,
            1,
            ", ".join(missing),
            "",
            "plan.csv needs the columns " + ", ".join(PLAN_COLUMNS),
        )
        raise PlanFileError([issue])

    visits, issues = [], []
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        try:
            visits.append(_visit_from_row(row))
        except ValueError as err:
            issues.append(
                InputIssue(path.name, number, None, str(row), str(err))
            )

    if issues:
        raise PlanFileError(issues)

    return visits


def _visit_from_row(row: dict[str, str]) -> Visit:
    """Build a visit from one row of ``plan.csv``."""
    month = int(row["month"])
    if not 1 <= month <= 12:
        raise ValueError("month must be 1-12")

    if row["kind"] not in VISIT_KINDS:
        raise ValueError("kind must be one of " + ", ".join(VISIT_KINDS))

    counts = row["counts_toward_caps"].lower()
    if counts not in ("true", "false"):
        raise ValueError("counts_toward_caps must be true or false")

    return Visit(
        month=month,
        kind=row["kind"],
        target_id=row["target_id"],
        target_name=row["target_name"],
        body_ids=tuple(b for b in row["body_ids"].split(";") if b),
        side=row["side"],
        counts_toward_caps=counts == "true",
        person_days=float(row["person_days"]),
        must_check=tuple(m for m in row["must_check"].split(";") if m),
        hazard_id=row["hazard_id"],
        campaign_id=row["campaign_id"],
        visit_id=row["visit_id"],
    )
