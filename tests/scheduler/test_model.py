"""Tests of the plan model: each rule family met, or reported unmeetable.

For every family the solved plan is recounted from its visits; a scenario
that makes the family impossible is ``infeasible`` in strict mode, and in
elastic mode gives a plan with a shortfall naming the rule.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest
from factories import small_province, with_policy

from models.capacity import body_capacity
from models.policy import Floor, Weights
from models.records import Campaign, Company, Hazard, Mine, Scenario
from scheduler.checker import check_plan
from scheduler.model import plan_value
from scheduler.solve import SolveOptions, solve

OPTIONS = SolveOptions(time_limit=3, workers=1)
ELASTIC = replace(OPTIONS, elastic=True)
REGULAR_ITEMS = ("major_risk", "major_hazards", "principal_duty")


def coal(mine_id: str, category: str, risk: float = 50, **changes) -> Mine:
    """Return a coal mine of county REG-C and division SUP-1."""
    fields = dict(
        mine_id=mine_id,
        name=f"{mine_id}煤矿",
        kind="coal",
        category=category,
        regulator_id="REG-C",
        supervisor_id="SUP-1",
        company_id=None,
        risk_score=risk,
        county="平安县",
    )
    return Mine(**{**fields, **changes})


def non_coal(mine_id: str, category: str, risk: float = 50, **changes):
    """Return a non-coal mine of county REG-C."""
    mine = coal(mine_id, category, risk, name=f"{mine_id}矿")
    return replace(mine, kind="non_coal", supervisor_id=None, **changes)


def province(*mines: Mine, **policy) -> Scenario:
    """Return the small province's bodies with these mines only.

    Companies, hazards and campaigns are dropped, and the joint minimum
    (R10) is off unless the policy changes given say otherwise.
    """
    scenario = small_province(
        mines=mines, companies=(), hazards=(), campaigns=()
    )
    return with_policy(scenario, **{"joint_minimum": 0, **policy})


def hazard(mine_id: str, found_by: str, deadline: date, hid: str = "H1"):
    """Return an open major hazard."""
    return Hazard(hid, mine_id, found_by, deadline)


def planned(scenario: Scenario, options: SolveOptions = OPTIONS):
    """Solve a scenario and insist that it has a plan."""
    result = solve(scenario, options)
    assert result.has_plan, result.explanation
    return result


def of_mine(visits, mine_id: str) -> list:
    """Return the visits to one mine."""
    return [visit for visit in visits if visit.target_id == mine_id]


def counted(scenario: Scenario, visits, mine_id: str) -> Counter:
    """Recount a mine's capped visits: total, regulator and supervisor.

    Routine and joint visits count; a re-check counts when a regulator
    body found the hazard (R13); campaign visits never count (R14).
    """
    counts = Counter()
    for visit in of_mine(visits, mine_id):
        sides = {scenario.body(b).side for b in visit.body_ids}
        is_capped = visit.kind in ("routine", "joint") or (
            visit.kind == "recheck" and sides == {"regulator"}
        )
        if not is_capped:
            continue

        counts["total"] += 1
        for side in sides:
            counts[side] += 1

    return counts


def assert_infeasible(scenario: Scenario) -> None:
    """Assert that strict mode finds no plan and says why."""
    result = solve(scenario, OPTIONS)

    assert result.status == "infeasible"
    assert result.visits == ()
    assert result.explanation


def shortfalls(result) -> set[tuple[str, str]]:
    """Return the (rule, target) pairs an elastic plan falls short of."""
    assert result.mode == "elastic"
    return {(item.rule, item.target) for item in result.shortfalls}


@pytest.fixture(scope="module")
def small_plan():
    """The strict plan of the small province."""
    scenario = small_province()
    return scenario, planned(scenario).visits


# R4 total cap


def test_caps_total_cap_is_met():
    """R4: a high-risk mine gets no more capped visits than the total cap."""
    mine = coal("M1", "C", 100, disasters=("gas", "water", "dust"))
    scenario = province(mine, total_cap=3)

    visits = planned(scenario).visits

    assert 1 <= counted(scenario, visits, "M1")["total"] <= 3


def test_caps_total_cap_below_floor_is_infeasible():
    """R4: a floor of two visits under a total cap of one is infeasible."""
    floors = (Floor("coal", ("C",), "any", 2),)
    scenario = province(coal("M1", "C"), total_cap=1, floors=floors)

    assert_infeasible(scenario)


def test_caps_total_cap_below_floor_elastic_falls_short():
    """R4: the elastic plan keeps the total cap and reports the floor."""
    floors = (Floor("coal", ("C",), "any", 2),)
    scenario = province(coal("M1", "C"), total_cap=1, floors=floors)

    result = planned(scenario, ELASTIC)

    assert counted(scenario, result.visits, "M1")["total"] == 1
    assert [(s.rule, s.target, s.planned) for s in result.shortfalls] == [
        ("floor", "M1", 1)
    ]


# R5 regulator caps of coal mines


def test_caps_coal_regulator_cap_is_met():
    """R5: regulator-side visits to a coal mine stay within its cap."""
    mine = coal("M1", "C", 100, disasters=("gas", "water"))
    caps = {"A": 2, "B": 4, "C": 2, "D": 4}
    scenario = province(mine, coal_regulator_caps=caps)

    visits = planned(scenario).visits

    assert 1 <= counted(scenario, visits, "M1")["regulator"] <= 2


def test_caps_coal_regulator_floor_above_cap_is_infeasible():
    """R5: three regulator visits to a coal A mine (cap 2) is infeasible."""
    floors = (Floor("coal", ("A",), "regulator", 3),)
    scenario = province(coal("M1", "A"), floors=floors)

    assert_infeasible(scenario)


def test_caps_coal_regulator_floor_above_cap_elastic_falls_short():
    """R5: the elastic plan gives the A mine its 2 visits, 1 short."""
    floors = (Floor("coal", ("A",), "regulator", 3),)
    scenario = province(coal("M1", "A"), floors=floors)

    result = planned(scenario, ELASTIC)

    assert counted(scenario, result.visits, "M1")["regulator"] == 2
    assert [(s.rule, s.target, s.planned) for s in result.shortfalls] == [
        ("floor", "M1", 2)
    ]


# R6 supervisor caps of coal mines


def test_caps_coal_supervisor_cap_is_met():
    """R6: supervisor-side visits to a coal mine stay within its cap."""
    mine = coal("M1", "C", 100, disasters=("gas", "water"))
    caps = {"A": 1, "B": 2, "C": 1, "D": 0}
    scenario = province(mine, coal_supervisor_caps=caps)

    visits = planned(scenario).visits

    assert counted(scenario, visits, "M1")["supervisor"] <= 1


def test_caps_coal_d_mine_gets_no_supervisor_visit_by_default():
    """R6: by default no supervisor body visits an idle coal D mine."""
    scenario = province(coal("M1", "D", 100, disasters=("gas",)))

    visits = planned(scenario).visits

    assert all("SUP-1" not in v.body_ids for v in visits)


def test_caps_coal_supervisor_floor_above_cap_is_infeasible():
    """R6: a supervisor floor on a coal D mine (cap 0) is infeasible."""
    floors = (Floor("coal", ("D",), "supervisor", 1),)
    scenario = province(coal("M1", "D"), floors=floors)

    assert_infeasible(scenario)


def test_caps_coal_supervisor_floor_above_cap_elastic_falls_short():
    """R6: the elastic plan reports the D mine's supervisor floor."""
    floors = (Floor("coal", ("D",), "supervisor", 1),)
    scenario = province(coal("M1", "D"), floors=floors)

    result = planned(scenario, ELASTIC)

    assert counted(scenario, result.visits, "M1")["supervisor"] == 0
    assert shortfalls(result) == {("floor", "M1")}


# R7 caps of non-coal mines


def test_caps_non_coal_cap_is_met():
    """R7: a non-coal D mine gets no more than the input table allows."""
    mine = non_coal("N1", "D", 100, disasters=("tailings", "water"))
    scenario = province(mine, non_coal_caps={"A": 1, "B": 1, "C": 1, "D": 2})

    visits = planned(scenario).visits

    assert 1 <= counted(scenario, visits, "N1")["regulator"] <= 2
    assert counted(scenario, visits, "N1")["supervisor"] == 0


def test_caps_non_coal_cap_of_the_body_overrides_the_table():
    """R7: a regulator body's own cap table wins over the policy table."""
    mine = non_coal("N1", "D", 100, disasters=("tailings", "water"))
    own = {"REG-C": {"A": 1, "B": 1, "C": 1, "D": 1}}
    scenario = province(mine, non_coal_caps_by_body=own)

    visits = planned(scenario).visits

    assert counted(scenario, visits, "N1")["regulator"] == 1


def test_caps_non_coal_floor_above_cap_is_infeasible():
    """R7: a floor of three visits over a cap of two is infeasible."""
    floors = (Floor("non_coal", ("B",), "regulator", 3),)
    scenario = province(non_coal("N1", "B"), floors=floors)

    assert_infeasible(scenario)


def test_caps_non_coal_floor_above_cap_elastic_falls_short():
    """R7: the elastic plan gives the mine its cap and reports the floor."""
    floors = (Floor("non_coal", ("B",), "regulator", 3),)
    scenario = province(non_coal("N1", "B"), floors=floors)

    result = planned(scenario, ELASTIC)

    assert counted(scenario, result.visits, "N1")["regulator"] == 2
    assert shortfalls(result) == {("floor", "N1")}


# R8 parent company cap; it has no minimum, so it is never infeasible


@pytest.mark.parametrize(("cap", "wanted"), [(2, 5), (1, 5), (2, 1)])
def test_caps_company_visits_stay_within_cap_and_wish(cap, wanted):
    """R8: company visits are at most the cap and what is wanted."""
    company = Company("CO1", "集团", "REG-P", wanted)
    scenario = replace(
        province(coal("M1", "B", company_id="CO1"), company_cap=cap),
        companies=(company,),
    )

    visits = planned(scenario).visits
    company_visits = [v for v in visits if v.kind == "company"]

    assert 1 <= len(company_visits) <= min(cap, wanted)
    assert all(v.counts_toward_caps for v in company_visits)


# R9 a joint visit counts once per side and once in the total


def test_caps_joint_visit_meets_both_floors_under_total_cap_one():
    """R9: one joint visit meets floors of both sides under a cap of 1."""
    floors = (
        Floor("coal", ("C",), "regulator", 1),
        Floor("coal", ("C",), "supervisor", 1),
    )
    scenario = province(coal("M1", "C"), total_cap=1, floors=floors)

    visits = planned(scenario).visits

    assert [(v.kind, v.body_ids) for v in of_mine(visits, "M1")] == [
        ("joint", ("REG-C", "SUP-1"))
    ]


def test_caps_joint_visits_count_toward_regulator_cap():
    """R9: four quarterly joints at a mine with regulator cap 3 fail."""
    caps = {"A": 2, "B": 4, "C": 3, "D": 4}
    scenario = province(
        coal("M1", "C"), coal_regulator_caps=caps, joint_minimum=1
    )

    assert_infeasible(scenario)


def test_caps_joint_visits_over_regulator_cap_elastic_falls_short():
    """R9: the elastic plan holds 3 joints and misses R10 in one quarter."""
    caps = {"A": 2, "B": 4, "C": 3, "D": 4}
    scenario = province(
        coal("M1", "C"), coal_regulator_caps=caps, joint_minimum=1
    )

    result = planned(scenario, ELASTIC)
    joints = [v for v in result.visits if v.kind == "joint"]

    assert len(joints) == 3
    assert [s.rule for s in result.shortfalls] == ["R10"]


# R10 quarterly joint minimum


def test_joint_minimum_every_quarter_holds_a_joint_visit(small_plan):
    """R10: the province holds a joint visit in every quarter."""
    _, visits = small_plan

    quarters = {v.quarter for v in visits if v.kind == "joint"}

    assert quarters == {1, 2, 3, 4}
    assert all(
        v.side == "joint" and len(v.body_ids) == 2
        for v in visits
        if v.kind == "joint"
    )


def test_joint_minimum_per_division_holds_in_each_division():
    """R10: with division scope every division has a joint each quarter."""
    scenario = province(
        coal("M1", "C"),
        coal("M2", "C", supervisor_id="SUP-B"),
        joint_minimum=1,
        joint_scope="division",
    )

    visits = planned(scenario).visits
    held = {
        (scenario.mine(v.target_id).supervisor_id, v.quarter)
        for v in visits
        if v.kind == "joint"
    }

    assert held == {(d, q) for d in ("SUP-1", "SUP-B") for q in range(1, 5)}


def test_joint_minimum_without_supervisor_caps_is_infeasible():
    """R10: with every coal supervisor cap at 0 no joint is possible."""
    zero = {"A": 0, "B": 0, "C": 0, "D": 0}
    scenario = province(
        coal("M1", "C"), coal_supervisor_caps=zero, joint_minimum=1
    )

    assert_infeasible(scenario)


def test_joint_minimum_without_supervisor_caps_elastic_falls_short():
    """R10: the elastic plan reports each of the four quarters short."""
    zero = {"A": 0, "B": 0, "C": 0, "D": 0}
    scenario = province(
        coal("M1", "C"), coal_supervisor_caps=zero, joint_minimum=1
    )

    result = planned(scenario, ELASTIC)

    assert shortfalls(result) == {("R10", f"Q{q}") for q in range(1, 5)}


def test_joint_minimum_per_division_is_infeasible_for_an_a_division():
    """R10: a division whose one mine is coal A (cap 1) cannot hold 4."""
    mines = (coal("M1", "C"), coal("M2", "A", supervisor_id="SUP-B"))

    assert planned(province(*mines, joint_minimum=1)).has_plan
    assert_infeasible(
        province(*mines, joint_minimum=1, joint_scope="division")
    )


def test_joint_minimum_per_division_elastic_names_the_division():
    """R10: the elastic plan reports three quarters short for SUP-B."""
    scenario = province(
        coal("M1", "C"),
        coal("M2", "A", supervisor_id="SUP-B"),
        joint_minimum=1,
        joint_scope="division",
    )

    result = planned(scenario, ELASTIC)

    assert [(s.rule, s.body) for s in result.shortfalls] == [
        ("R10", "SUP-B")
    ] * 3


# R11 spacing of visits to one mine


def test_spacing_one_visit_a_month_per_mine(small_plan):
    """R11: no mine gets two visits in one month, of any kind."""
    _, visits = small_plan

    mine_months = Counter(
        (v.target_id, v.month) for v in visits if v.kind != "company"
    )

    assert max(mine_months.values()) == 1


def test_spacing_gap_of_two_months_is_kept():
    """R11: with a gap of 2 any two visits to a mine are 2 months apart."""
    mine = coal("M1", "C", 100, disasters=("gas", "water"))
    campaign = Campaign("CP1", "专项", "REG-P", 3, 8, 3)
    scenario = replace(
        province(mine, min_gap_months=2, joint_minimum=1),
        hazards=(hazard("M1", "SUP-1", date(2026, 4, 30)),),
        campaigns=(campaign,),
    )

    months = sorted(v.month for v in planned(scenario).visits)

    assert len(months) >= 4
    assert all(b - a >= 2 for a, b in zip(months, months[1:], strict=False))


def test_spacing_floor_beyond_gap_is_infeasible():
    """R11: three visits a year cannot be six months apart."""
    floors = (Floor("coal", ("C",), "any", 3),)
    scenario = province(coal("M1", "C"), min_gap_months=6, floors=floors)

    assert_infeasible(scenario)


def test_spacing_floor_beyond_gap_elastic_falls_short():
    """R11: the elastic plan fits two visits six months apart."""
    floors = (Floor("coal", ("C",), "any", 3),)
    scenario = province(coal("M1", "C"), min_gap_months=6, floors=floors)

    result = planned(scenario, ELASTIC)
    months = sorted(v.month for v in result.visits)

    assert len(months) == 2 and months[1] - months[0] >= 6
    assert [(s.rule, s.target, s.planned) for s in result.shortfalls] == [
        ("floor", "M1", 2)
    ]


# R13 major hazard re-checks


def test_rechecks_supervisor_hazard_rechecked_after_deadline_uncapped():
    """R13: a supervisor-found hazard is re-checked later, outside caps."""
    scenario = replace(
        province(coal("M1", "B")),
        hazards=(hazard("M1", "SUP-1", date(2026, 3, 31)),),
    )

    visits = planned(scenario).visits
    rechecks = [v for v in visits if v.kind == "recheck"]

    assert [(v.hazard_id, v.body_ids) for v in rechecks] == [
        ("H1", ("SUP-1",))
    ]
    assert rechecks[0].month >= 4
    assert rechecks[0].counts_toward_caps is False
    assert rechecks[0].must_check == ("hazard:H1",)


def test_rechecks_regulator_hazard_counts_toward_caps():
    """R13: a regulator-found re-check counts and shares the R5 cap."""
    mine = coal("M1", "A", 100, disasters=("gas", "water"))
    scenario = replace(
        province(mine),
        hazards=(hazard("M1", "REG-C", date(2026, 6, 30)),),
    )

    visits = planned(scenario).visits
    rechecks = [v for v in visits if v.kind == "recheck"]

    assert len(rechecks) == 1 and rechecks[0].month >= 7
    assert rechecks[0].counts_toward_caps is True
    assert counted(scenario, visits, "M1")["regulator"] <= 2


@pytest.mark.parametrize(
    "deadline", [date(2026, 12, 31), date(2027, 1, 31), date(2028, 5, 1)]
)
def test_rechecks_deadline_after_the_year_has_no_recheck(deadline):
    """R13: a hazard due at or after the year's end is not re-checked."""
    scenario = replace(
        province(coal("M1", "B")),
        hazards=(hazard("M1", "SUP-1", deadline),),
    )

    visits = planned(scenario).visits

    assert [v for v in visits if v.kind == "recheck"] == []


def test_rechecks_deadline_before_the_year_is_rechecked_once():
    """R13: a hazard overdue from last year is re-checked once."""
    scenario = replace(
        province(coal("M1", "B")),
        hazards=(hazard("M1", "REG-C", date(2025, 11, 30)),),
    )

    visits = planned(scenario).visits

    assert [v.hazard_id for v in visits if v.kind == "recheck"] == ["H1"]


def test_rechecks_regulator_hazard_over_cap_is_infeasible():
    """R13: floor plus a counted re-check over a cap of 1 is infeasible."""
    caps = {"A": 1, "B": 4, "C": 6, "D": 4}
    found_by_regulator = replace(
        province(coal("M1", "A"), coal_regulator_caps=caps),
        hazards=(hazard("M1", "REG-C", date(2026, 3, 31)),),
    )
    found_by_supervisor = replace(
        found_by_regulator,
        hazards=(hazard("M1", "SUP-1", date(2026, 3, 31)),),
    )

    assert_infeasible(found_by_regulator)
    assert planned(found_by_supervisor).has_plan


def test_rechecks_two_hazards_due_in_december_are_infeasible():
    """R13: two re-checks of one mine both due in December collide."""
    scenario = replace(
        province(coal("M1", "B")),
        hazards=(
            hazard("M1", "SUP-1", date(2026, 11, 30), "H1"),
            hazard("M1", "SUP-1", date(2026, 11, 30), "H2"),
        ),
    )

    assert_infeasible(scenario)


def test_rechecks_two_hazards_due_in_december_elastic_falls_short():
    """R13: the elastic plan re-checks one hazard and reports the other."""
    scenario = replace(
        province(coal("M1", "B")),
        hazards=(
            hazard("M1", "SUP-1", date(2026, 11, 30), "H1"),
            hazard("M1", "SUP-1", date(2026, 11, 30), "H2"),
        ),
    )

    result = planned(scenario, ELASTIC)
    rechecks = [v for v in result.visits if v.kind == "recheck"]

    assert [v.month for v in rechecks] == [12]
    assert [(s.rule, s.body) for s in result.shortfalls] == [("R13", "SUP-1")]
    assert {rechecks[0].hazard_id, result.shortfalls[0].target} == {
        "H1",
        "H2",
    }


# R14 special campaigns; they have no minimum, so never infeasible


def test_campaigns_visits_keep_window_bound_and_filter(small_plan):
    """R14: campaign visits lie in the window, bound and filter."""
    scenario, visits = small_plan
    campaign = scenario.campaigns[0]

    special = [v for v in visits if v.kind == "special"]

    assert 1 <= len(special) <= campaign.max_visits
    for visit in special:
        assert campaign.first_month <= visit.month <= campaign.last_month
        assert campaign.matches(scenario.mine(visit.target_id))
        assert visit.body_ids == (campaign.body_id,)
        assert visit.campaign_id == campaign.campaign_id
        assert visit.counts_toward_caps is False


def test_campaigns_county_body_visits_only_its_own_mines():
    """R14: a county campaign stays with its mines and matching kinds."""
    mines = (
        non_coal("N1", "D", 90, disasters=("water",)),
        non_coal("N2", "D", 90, regulator_id="REG-P"),
        coal("M1", "C", 90),
    )
    campaign = Campaign(
        "CP1", "非煤专项", "REG-C", 2, 6, 4, kinds=("non_coal",)
    )
    scenario = replace(province(*mines), campaigns=(campaign,))

    visits = planned(scenario).visits
    special = [v for v in visits if v.kind == "special"]

    assert special
    assert {v.target_id for v in special} == {"N1"}
    assert all(2 <= v.month <= 6 for v in special)


def test_campaigns_bound_of_zero_plans_no_visit():
    """R14: a campaign approved for no visits gets none."""
    campaign = Campaign("CP1", "专项", "REG-P", 1, 12, 0)
    scenario = replace(province(coal("M1", "C", 90)), campaigns=(campaign,))

    visits = planned(scenario).visits

    assert [v for v in visits if v.kind == "special"] == []


# R16, R17 teams and capacity


def officer_days(scenario: Scenario, visit) -> float:
    """Days one officer spends on a visit, from the scenario (R17)."""
    if visit.kind == "company":
        return scenario.policy.company_visit_days

    mine = scenario.mine(visit.target_id)
    if mine.visit_days is not None:
        return mine.visit_days

    return scenario.policy.visit_days[mine.kind]


def over_capacity(scenario: Scenario, visits) -> list[tuple[str, int]]:
    """Return the body-months whose recounted load exceeds capacity."""
    load = Counter()
    for visit in visits:
        for body_id in visit.body_ids:
            team = max(scenario.body(body_id).team_size, 2)
            load[body_id, visit.month] += team * officer_days(scenario, visit)

    reserve = scenario.policy.reserve_share
    return [
        (body.body_id, month)
        for body in scenario.bodies
        for month, have in enumerate(
            body_capacity(body, scenario.workdays, reserve).by_month, 1
        )
        if load[body.body_id, month] > have + 1e-9
    ]


def test_capacity_monthly_load_within_capacity(small_plan):
    """R17: no body plans more person-days in a month than it has."""
    scenario, visits = small_plan

    assert over_capacity(scenario, visits) == []


def test_capacity_fractional_visit_days_stay_within_capacity():
    """R17: 0.75-day visits by teams of 3 (2.25 person-days) still fit.

    One officer with 22 person-days in January, nothing after: ten such
    visits need 22.5 person-days, so at most nine fit, and the floors of
    ten mines cannot all be met in strict mode.
    """
    mines = [non_coal(f"N{i}", "D", 90, visit_days=0.75) for i in range(10)]
    scenario = with_body(
        replace(
            province(*mines, reserve_share=0.0),
            workdays=(22,) + (0,) * 11,
        ),
        "REG-C",
        officers=1,
        other_enforcement_days=0,
        non_enforcement_days=0,
        team_size=3,
    )

    result = solve(scenario, OPTIONS)

    assert over_capacity(scenario, result.visits) == []
    assert result.status == "infeasible"


def test_capacity_person_days_are_exact_for_fractional_days():
    """R16: a joint 0.75-day visit by two teams of 3 is 4.5 person-days."""
    scenario = province(coal("M1", "C", 90, visit_days=0.75), joint_minimum=1)
    scenario = with_body(scenario, "REG-C", team_size=3)
    scenario = with_body(scenario, "SUP-1", team_size=3)

    visits = planned(scenario).visits

    assert {v.person_days for v in visits if v.kind == "joint"} == {4.5}


def test_capacity_team_size_sets_person_days():
    """R16: each body sends its team, never fewer than two officers."""
    scenario = with_body(
        province(coal("M1", "C", 90), joint_minimum=1), "REG-C", team_size=3
    )

    visits = planned(scenario).visits
    days = {v.body_ids: v.person_days for v in visits}

    assert days[("REG-C", "SUP-1")] == (3 + 2) * 2.0
    assert all(v.person_days >= 2 * 2.0 * len(v.body_ids) for v in visits)


def with_body(scenario: Scenario, body_id: str, **changes) -> Scenario:
    """Return the scenario with some fields of one body replaced."""
    bodies = tuple(
        replace(b, **changes) if b.body_id == body_id else b
        for b in scenario.bodies
    )
    return replace(scenario, bodies=bodies)


def weak_county(scenario: Scenario) -> Scenario:
    """Return the scenario with REG-C cut to one officer, fully busy."""
    return with_body(scenario, "REG-C", officers=1)


def test_capacity_floors_beyond_capacity_are_infeasible():
    """R17: floors REG-C has no officers for are infeasible."""
    scenario = weak_county(
        province(coal("M1", "A"), coal("M2", "B"), non_coal("N1", "B"))
    )

    assert_infeasible(scenario)


def test_capacity_floors_beyond_capacity_elastic_falls_short():
    """R17: the elastic plan reports floors short for body REG-C."""
    scenario = weak_county(
        province(coal("M1", "A"), coal("M2", "B"), non_coal("N1", "B"))
    )

    result = planned(scenario, ELASTIC)

    assert result.shortfalls
    assert {(s.rule, s.body) for s in result.shortfalls} == {
        ("floor", "REG-C")
    }


# Floors


def test_floors_every_mine_but_idle_coal_gets_a_regulator_visit():
    """Floors: non-coal and coal A-C mines get a regulator-side visit."""
    mines = (
        coal("M1", "A", 0),
        coal("M2", "B", 0),
        coal("M3", "C", 0),
        coal("M4", "D", 0),
        non_coal("N1", "A", 0),
        non_coal("N2", "D", 0),
    )
    # A visit burden above any value leaves only what the floors force.
    weights = Weights(visit_burden=100)
    scenario = province(*mines, weights=weights)

    visits = planned(scenario).visits

    for mine in mines:
        got = counted(scenario, visits, mine.mine_id)["regulator"]
        wanted = 0 if mine.is_coal and mine.category == "D" else 1
        assert got >= wanted, mine.mine_id


# R19 must-check items


def test_must_check_lists_every_disaster(small_plan):
    """R19: regular and special visits list all must-check items."""
    scenario, visits = small_plan

    for visit in visits:
        if visit.kind not in ("routine", "joint", "special"):
            continue

        mine = scenario.mine(visit.target_id)
        wanted = {*REGULAR_ITEMS, *(f"disaster:{d}" for d in mine.disasters)}
        assert wanted <= set(visit.must_check), visit.visit_id


# Determinism and the objective (R21, R22)


def test_solve_same_seed_gives_identical_visits():
    """The same scenario and seed give the very same plan."""
    # Equal mines leave the solver many equally good plans to choose from;
    # two workers exercise the interleaved, deterministic portfolio.
    scenario = province(
        coal("M1", "B"),
        coal("M2", "B"),
        coal("M3", "C"),
        non_coal("N1", "C"),
        non_coal("N2", "C"),
        joint_minimum=1,
    )
    options = SolveOptions(time_limit=0.5, seed=7, workers=2)

    first = solve(scenario, options)
    second = solve(scenario, options)

    assert first.has_plan
    assert first.visits == second.visits


def test_objective_prefers_high_risk_mines_when_capacity_is_tight():
    """R21: with little capacity a risky C mine outranks a safe A mine."""
    mines = (
        coal("MA", "A", 10, visit_days=10.0),
        coal("MC", "C", 90, visit_days=10.0),
    )
    zero = {"A": 0, "B": 0, "C": 0, "D": 0}
    # One officer with no other duties: a 20 person-day visit fits only
    # in the two months of 23 workdays.
    scenario = with_body(
        province(*mines, floors=(), coal_supervisor_caps=zero),
        "REG-C",
        officers=1,
        other_enforcement_days=0,
        non_enforcement_days=0,
    )

    visits = planned(scenario).visits
    per_mine = Counter(v.target_id for v in visits)

    assert per_mine["MC"] >= 1
    assert per_mine["MC"] >= per_mine["MA"]


def test_solve_falls_back_to_the_checked_warm_start():
    """With no time to search, the greedy plan is returned and valid."""
    scenario = small_province()
    result = solve(scenario, SolveOptions(time_limit=1e-6))

    assert result.status == "feasible"
    assert result.source == "warm start"
    assert result.best_bound is None
    assert result.visits
    assert check_plan(scenario, list(result.visits)).violations == []


# The objective (R21, R22)


def test_plan_value_recounts_the_solver_objective():
    """The value of the written visits is the solver's objective."""
    scenario = small_province()

    result = planned(scenario)

    assert plan_value(scenario, result.visits) == pytest.approx(
        result.objective, abs=1e-6
    )


def test_pre_flood_check_is_valued_once_per_water_mine():
    """R21: one visit before the flood season earns the bonus, not each."""
    mine = coal("M1", "C", 100, disasters=("water",))
    scenario = province(mine)
    visit = planned(scenario).visits[0]
    spring = [replace(visit, month=m) for m in (2, 4)]
    spread = [replace(visit, month=m) for m in (2, 9)]
    autumn = [replace(visit, month=m) for m in (8, 10)]

    assert plan_value(scenario, spring) == plan_value(scenario, spread)
    assert plan_value(scenario, spread) > plan_value(scenario, autumn)


def test_water_mine_gets_a_visit_before_the_flood_season():
    """R21: a water-hazard mine is checked before the flood season."""
    mine = coal("M1", "C", 100, disasters=("water",))
    scenario = province(mine)
    start = scenario.policy.weights.flood_season_start

    months = [v.month for v in planned(scenario).visits]

    assert min(months) < start
