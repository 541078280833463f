"""Re-planning mid-year: facts stay, caps are recounted, little changes."""

from dataclasses import replace
from datetime import date

import pytest
from factories import small_province

from models.actuals import Actual
from models.changes import CategoryChange, Changes, Closure, OfficerChange
from models.records import Hazard
from scheduler.checker import check_plan
from scheduler.replan import ReplanOptions, prorated_caps, replan
from scheduler.solve import SolveOptions, solve

AS_OF = date(2026, 4, 1)


@pytest.fixture(scope="module")
def filed():
    """A solved plan of the small province, as filed."""
    result = solve(small_province(), SolveOptions(time_limit=2))
    assert result.has_plan
    return list(result.visits)


def _actuals(visits, last_month: int = 3) -> list[Actual]:
    """Record every planned visit up to a month as done on the 10th."""
    return [
        Actual(
            f"A{index}",
            date(2026, visit.month, 10),
            visit.target_id,
            visit.body_ids,
            visit.kind,
            visit.hazard_id,
            visit.campaign_id,
        )
        for index, visit in enumerate(visits)
        if visit.month <= last_month
    ]


def _options(elastic: bool = False, **changes) -> ReplanOptions:
    """Re-plan options from April with a short time limit."""
    solve_options = SolveOptions(time_limit=2, elastic=elastic)
    return ReplanOptions(AS_OF, solve=solve_options, **changes)


def _key(visit) -> tuple:
    """What identifies a visit across versions, with its month."""
    return (visit.month, visit.kind, visit.target_id, visit.body_ids)


def test_prorated_caps_weigh_each_category_by_its_share_of_year():
    """A→C from 1 April: 3/4 of the year at C caps, rounded up (R5, R6)."""
    scenario = small_province()
    caps = prorated_caps(scenario, "M1", "A", "C", date(2026, 4, 1))

    share = 275 / 365
    assert caps.regulator == -(-(2 * (1 - share) + 6 * share) // 1)
    assert caps.supervisor == -(-(1 * (1 - share) + 4 * share) // 1)
    assert caps.total == 12


def test_replan_never_moves_what_was_done(filed):
    """Every recorded inspection before the as-of date is in the new plan."""
    actuals = _actuals(filed)
    changes = Changes(
        category_changes=(CategoryChange("M1", "C", AS_OF),),
    )
    replanned = replan(small_province(), changes, filed, actuals, _options())

    assert replanned.result.has_plan
    new = [_key(v) for v in replanned.result.visits]
    for actual in actuals:
        key = (actual.month, actual.kind, actual.target_id, actual.body_ids)
        assert key in new


def test_replan_keeps_the_as_of_month_as_planned(filed):
    """The visits of the month being prepared stay unchanged by default."""
    changes = Changes(
        category_changes=(CategoryChange("M1", "C", AS_OF),),
    )
    replanned = replan(
        small_province(), changes, filed, _actuals(filed), _options()
    )

    april_before = sorted(_key(v) for v in filed if v.month == 4)
    april_after = sorted(
        _key(v) for v in replanned.result.visits if v.month == 4
    )
    assert april_after == april_before


def test_replan_counts_caps_by_the_stated_rule(filed):
    """C→A after using its A cap: the rest of the year respects the new
    prorated cap, and done visits are never a violation (R23).

    The small province then has too few coal mines with room for the
    quarterly joint visits, so the re-plan is elastic.
    """
    changes = Changes(
        category_changes=(CategoryChange("M3", "A", AS_OF),),
    )
    replanned = replan(
        small_province(),
        changes,
        filed,
        _actuals(filed),
        _options(elastic=True),
    )

    caps = replanned.adjustment.caps["M3"]
    expected = prorated_caps(small_province(), "M3", "C", "A", AS_OF)
    done = sum(
        1
        for actual in _actuals(filed)
        if actual.target_id == "M3"
        and actual.kind in ("routine", "joint")
        and "REG-P" in actual.body_ids
    )
    assert caps.regulator == max(expected.regulator, done)
    report = check_plan(
        replanned.scenario, list(replanned.result.visits), replanned.adjustment
    )
    assert report.hard_violations(elastic=True) == []


def test_replan_strict_c_to_a_explains_the_joint_shortfall(filed):
    """With its cap used up, strict mode explains what falls short."""
    changes = Changes(
        category_changes=(CategoryChange("M3", "A", AS_OF),),
    )
    # Supervisor visits in Q1 use up the caps of M1 (A) and M2 (B), so
    # only M3 could hold the joint visits of Q2 to Q4 (R10).
    used_up = [
        Actual(f"S{i}", date(2026, month, 20), mine, ("SUP-1",), "routine")
        for i, (mine, month) in enumerate(
            [("M1", 1), ("M2", 2), ("M2", 3), ("M3", 1), ("M3", 3)]
        )
    ]
    actuals = [a for a in _actuals(filed) if "SUP-1" not in a.body_ids]
    replanned = replan(
        small_province(), changes, filed, actuals + used_up, _options()
    )

    assert replanned.result.status == "infeasible"
    assert any("R10" in line for line in replanned.result.explanation)


def test_replan_whole_year_applies_the_new_category_caps(filed):
    """With whole_year the new category's caps replace prorating."""
    changes = Changes(
        category_changes=(CategoryChange("M1", "C", AS_OF),),
    )
    replanned = replan(
        small_province(),
        changes,
        filed,
        _actuals(filed),
        _options(whole_year=True),
    )

    assert "M1" not in replanned.adjustment.caps
    assert replanned.scenario.mine("M1").category == "C"
    report = check_plan(
        replanned.scenario, list(replanned.result.visits), replanned.adjustment
    )
    assert report.violations == []


def test_replan_without_changes_keeps_the_plan(filed):
    """Nothing changed and everything done as planned: nothing moves."""
    replanned = replan(
        small_province(), Changes(), filed, _actuals(filed), _options()
    )

    assert sorted(_key(v) for v in replanned.result.visits) == sorted(
        _key(v) for v in filed
    )
    assert replanned.new_total == replanned.approved_total


def test_replan_drops_the_visits_of_a_closed_mine(filed):
    """A closed mine gets no visit after the as-of month, and no floor."""
    changes = Changes(mines_closed=(Closure("N1", AS_OF),))
    replanned = replan(
        small_province(), changes, filed, _actuals(filed), _options()
    )

    assert replanned.result.has_plan
    later = [
        v
        for v in replanned.result.visits
        if v.target_id == "N1" and v.month >= replanned.adjustment.open_from
    ]
    assert later == []
    report = check_plan(
        replanned.scenario, list(replanned.result.visits), replanned.adjustment
    )
    assert report.violations == []


def test_replan_officer_cut_is_infeasible_in_strict_mode(filed):
    """A body left with one officer cannot meet its floors (R17)."""
    scenario = small_province()
    body = scenario.body("REG-C")
    scenario = replace(
        scenario,
        bodies=tuple(
            replace(b, non_enforcement_days=240, other_enforcement_days=0)
            if b.body_id == body.body_id
            else b
            for b in scenario.bodies
        ),
    )
    changes = Changes(officers=(OfficerChange("REG-C", 1),))
    replanned = replan(scenario, changes, filed, [], _options())

    assert replanned.result.status == "infeasible"
    assert replanned.result.explanation


def test_replan_plans_an_added_mine_and_a_new_hazard(filed):
    """An added mine gets its floor visit; a new hazard its re-check."""
    scenario = small_province()
    added = replace(scenario.mine("N1"), mine_id="N9", name="新增铁矿")
    hazard = Hazard("H9", "M2", "REG-C", date(2026, 6, 30))
    changes = Changes(mines_added=(added,), hazards=(hazard,))
    replanned = replan(
        scenario, changes, filed, _actuals(filed), _options(elastic=True)
    )

    visits = replanned.result.visits
    assert any(v.target_id == "N9" and v.kind == "routine" for v in visits)
    rechecks = [v for v in visits if v.hazard_id == "H9"]
    assert len(rechecks) == 1
    assert rechecks[0].month >= 7
    report = check_plan(replanned.scenario, list(visits), replanned.adjustment)
    assert report.hard_violations(elastic=True) == []
