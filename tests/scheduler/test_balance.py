"""Spreading a mine's visits over quarters keeps the value and the rules."""

from __future__ import annotations

from factories import small_province

from models.records import quarter_of
from scheduler.balance import spread_visits
from scheduler.checker import check_plan
from scheduler.model import plan_value
from scheduler.solve import visits_from_keys


def _plan(*keys):
    """Return the small province and the visits of these keys."""
    scenario = small_province(hazards=(), campaigns=(), companies=())
    return scenario, visits_from_keys(scenario, set(keys))


def test_spread_visits_moves_a_bunched_visit_to_an_empty_quarter():
    """Two Q1 visits end up in two quarters; value and checks unchanged."""
    scenario, visits = _plan(("regulator", "N1", 1), ("regulator", "N1", 2))

    spread = spread_visits(scenario, visits)

    assert len({quarter_of(v.month) for v in spread}) == 2
    assert plan_value(scenario, spread) == plan_value(scenario, visits)
    before = check_plan(scenario, visits).hard_violations(False)
    assert check_plan(scenario, spread).hard_violations(False) == before


def test_spread_visits_keeps_the_pre_flood_check_of_a_water_mine():
    """R21: a water-hazard mine keeps a visit before the flood season."""
    scenario, visits = _plan(("regulator", "M2", 2), ("regulator", "M2", 3))
    start = scenario.policy.weights.flood_season_start

    spread = spread_visits(scenario, visits)

    assert min(v.month for v in spread) < start
    assert len({quarter_of(v.month) for v in spread}) == 2
    assert plan_value(scenario, spread) == plan_value(scenario, visits)


def test_spread_visits_leaves_joint_visits_in_their_quarter():
    """R10: joint visits count per quarter, so they never move."""
    scenario, visits = _plan(("joint", "M2", 1), ("joint", "M2", 2))

    spread = spread_visits(scenario, visits)

    assert sorted(v.month for v in spread) == [1, 2]


def test_spread_visits_keeps_visits_that_already_differ_in_quarter():
    """Visits in different quarters stay in their months."""
    scenario, visits = _plan(("regulator", "N1", 2), ("regulator", "N1", 8))

    spread = spread_visits(scenario, visits)

    assert sorted(v.month for v in spread) == [2, 8]
