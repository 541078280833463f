"""Spread each mine's visits over the quarters without losing value.

The objective counts a mine's visits, its one check before the flood
season and the months of re-checks; it does not care in which months the
other visits fall, so a solved plan may bunch a mine's visits in one
quarter. This pass moves a routine visit that shares a quarter with
another visit to its mine into a quarter the mine has none in, when the
body has capacity left that month (R16, R17), the minimum gap holds (R11)
and a water-hazard mine keeps its pre-flood check (R21). Joint visits
stay in their quarter (R10), re-checks, campaign and company visits stay
in their month. The plan's value and every count stay the same.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from models.plan import Visit
from models.records import MONTHS, Scenario, quarter_of
from scheduler.model import new_plan_model, visit_cost, visit_days


def spread_visits(scenario: Scenario, visits) -> list[Visit]:
    """Return the visits with bunched routine visits spread over quarters.

    Parameters
    ----------
    scenario
        The scenario the plan is for.
    visits
        A whole-year plan that meets every rule.

    Returns
    -------
    list[Visit]
        The same visits, some routine ones in other months.
    """
    visits = list(visits)
    left = _capacity_left(scenario, visits)
    by_mine: dict[str, list[int]] = defaultdict(list)
    for index, visit in enumerate(visits):
        if visit.kind != "company":
            by_mine[visit.target_id].append(index)

    for mine in scenario.mines:
        for index in sorted(by_mine[mine.mine_id], reverse=True):
            month = _better_month(scenario, visits, by_mine, left, index)
            if month is not None:
                _move(scenario, visits, left, index, month)

    return visits


def _capacity_left(scenario: Scenario, visits) -> dict:
    """Return each body's capacity left per month, in model units."""
    capacity = new_plan_model(scenario).capacity
    left = {
        (body_id, month): by_month[month - 1]
        for body_id, by_month in capacity.items()
        for month in MONTHS
    }
    for visit in visits:
        for body_id, cost in _costs(scenario, visit).items():
            left[body_id, visit.month] -= cost

    return left


def _costs(scenario: Scenario, visit: Visit) -> dict[str, int]:
    """Return each body's cost of a visit, as the model counts it."""
    if visit.kind == "company":
        days = scenario.policy.company_visit_days
    else:
        days = visit_days(scenario.mine(visit.target_id), scenario)

    return {b: visit_cost(scenario.body(b), days) for b in visit.body_ids}


def _better_month(scenario, visits, by_mine, left, index) -> int | None:
    """Return a month in an empty quarter for a bunched routine visit."""
    visit = visits[index]
    if visit.kind != "routine":
        return None

    months = [visits[i].month for i in by_mine[visit.target_id]]
    others = list(months)
    others.remove(visit.month)
    quarter = quarter_of(visit.month)
    if quarter not in {quarter_of(m) for m in others}:
        return None

    mine = scenario.mine(visit.target_id)
    weights = scenario.policy.weights
    early = weights.flood_season_start
    keeps_check = "water" not in mine.disasters or any(
        m < early for m in others
    )
    gap = scenario.policy.min_gap_months
    taken = {quarter_of(m) for m in months}
    costs = _costs(scenario, visit)
    options = [
        month
        for month in MONTHS
        if quarter_of(month) not in taken
        and all(abs(month - m) >= gap for m in others)
        and (keeps_check or month < early)
        and all(left[b, month] >= cost for b, cost in costs.items())
    ]
    if not options:
        return None

    body = next(iter(costs))
    return max(options, key=lambda m: (left[body, m], -m))


def _move(scenario, visits, left, index, month) -> None:
    """Move one visit to another month, updating capacity left."""
    visit = visits[index]
    for body_id, cost in _costs(scenario, visit).items():
        left[body_id, visit.month] += cost
        left[body_id, month] -= cost

    visits[index] = replace(visit, month=month)
