"""Inspection capacity of each body by method 2017 (R16, R17, R15).

Capacity is counted in person-days. A body's year holds ``officers x
workdays`` person-days; other enforcement days and non-enforcement days
are taken off, spread over the months in proportion to their workdays,
and the reserve share (R15) is kept back for unplanned checks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.records import Body


@dataclass(frozen=True)
class BodyCapacity:
    """The method 2017 arithmetic of one body for one year.

    Parameters
    ----------
    body_id
        The body.
    officers
        Certified officers (R16).
    workdays
        Legal workdays of the year.
    total_days
        ``officers x workdays`` person-days.
    other_enforcement_days, non_enforcement_days
        Person-days taken off for other work (R17).
    reserve_days
        Person-days kept for unplanned verification (R15).
    inspection_days
        Person-days left for planned inspections.
    by_month
        Inspection person-days of each month, January first.
    """

    body_id: str
    officers: int
    workdays: int
    total_days: float
    other_enforcement_days: float
    non_enforcement_days: float
    reserve_days: float
    inspection_days: float
    by_month: tuple[float, ...]


def body_capacity(
    body: Body, workdays: tuple[int, ...], reserve_share: float
) -> BodyCapacity:
    """Return the inspection capacity of a body by method 2017.

    Parameters
    ----------
    body
        The enforcement body.
    workdays
        Legal workdays of each month of the year.
    reserve_share
        Share of capacity kept for unplanned checks (R15).
    """
    year_days = sum(workdays)
    off_days = body.other_enforcement_days + body.non_enforcement_days
    by_month = []
    for month_days in workdays:
        share = month_days / year_days if year_days else 0.0
        free = body.officers * month_days - off_days * share
        # Rounded down, so the model never plans beyond the true capacity.
        days = max(free, 0.0) * (1 - reserve_share)
        by_month.append(math.floor(days * 100 + 1e-9) / 100)

    total = body.officers * year_days
    before_reserve = max(total - off_days, 0.0)
    return BodyCapacity(
        body_id=body.body_id,
        officers=body.officers,
        workdays=year_days,
        total_days=float(total),
        other_enforcement_days=body.other_enforcement_days,
        non_enforcement_days=body.non_enforcement_days,
        reserve_days=round(before_reserve * reserve_share, 2),
        inspection_days=round(sum(by_month), 2),
        by_month=tuple(by_month),
    )
