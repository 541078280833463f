"""Legal workdays of each month of a plan year (R17).

China's statutory holidays and adjusted workdays (调休) come from the
``chinese_calendar`` package for the years it knows. For other years a
scenario may give an override file; without one, the workdays are
estimated from the latest known year and the plan says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Workdays:
    """Workdays per month of one year and where the numbers come from.

    Parameters
    ----------
    year
        The plan year.
    by_month
        Legal workdays of each month, January first.
    source
        ``"package"``, ``"override"`` or ``"estimate"``.
    """

    year: int
    by_month: tuple[int, ...]
    source: str

    @property
    def total(self) -> int:
        """Legal workdays of the whole year."""
        return sum(self.by_month)


def _days(year: int) -> Iterable[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def weekdays_by_month(year: int) -> tuple[int, ...]:
    """Return Monday-to-Friday days of each month, ignoring holidays."""
    counts = [0] * 12
    for day in _days(year):
        if day.weekday() < 5:
            counts[day.month - 1] += 1

    return tuple(counts)


def package_knows(year: int) -> bool:
    """Whether the calendar package has the holidays of this year."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False

    return True


def _package_workdays(year: int) -> tuple[int, ...]:
    counts = [0] * 12
    for day in _days(year):
        if chinese_calendar.is_workday(day):
            counts[day.month - 1] += 1

    return tuple(counts)


def _latest_known_year(year: int) -> int:
    known = year
    while not package_knows(known) and known > 2004:
        known -= 1

    return known


def _estimate(year: int) -> tuple[int, ...]:
    # Holidays fall in the same months from year to year, so the weekdays
    # the latest known year lost to them are taken off this year's too.
    known = _latest_known_year(year)
    lost = [
        weekdays - workdays
        for weekdays, workdays in zip(
            weekdays_by_month(known), _package_workdays(known), strict=True
        )
    ]
    return tuple(
        max(weekdays - off, 0)
        for weekdays, off in zip(weekdays_by_month(year), lost, strict=True)
    )


def apply_exceptions(
    year: int, exceptions: dict[date, bool]
) -> tuple[int, ...]:
    """Return workdays per month from weekdays and listed exceptions.

    Parameters
    ----------
    year
        The plan year.
    exceptions
        Days that differ from the Monday-to-Friday week: ``False`` for a
        holiday on a weekday, ``True`` for an adjusted workday (调休) on a
        weekend.
    """
    counts = [0] * 12
    for day in _days(year):
        working = exceptions.get(day, day.weekday() < 5)
        counts[day.month - 1] += int(working)

    return tuple(counts)


def workdays_for(
    year: int, exceptions: dict[date, bool] | None = None
) -> Workdays:
    """Return the legal workdays of each month of a year.

    An override (``exceptions``) wins over the package; without either the
    workdays are estimated and a warning is logged.
    """
    if exceptions is not None:
        return Workdays(year, apply_exceptions(year, exceptions), "override")

    if package_knows(year):
        return Workdays(year, _package_workdays(year), "package")

    logger.warning(
        "The calendar package does not know the holidays of %d: workdays "
        "are ESTIMATED from %d. Add a calendar override file to the "
        "scenario once the State Council publishes the %d holidays.",
        year,
        _latest_known_year(year),
        year,
    )
    return Workdays(year, _estimate(year), "estimate")
