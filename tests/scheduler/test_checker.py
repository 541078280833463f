"""Tests of the independent checker: each broken rule is named exactly.

A valid plan of the small province is solved once; each test breaks one
rule by changing, adding or removing visits (or, where visits alone cannot
break a rule by itself, by tightening the scenario) and asserts that the
checker reports that rule ID and no other.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest
from factories import small_province, with_policy

from models.capacity import body_capacity
from models.plan import Visit
from models.records import MONTHS, Scenario
from scheduler.checker import RULE_TITLES, check_plan
from scheduler.solve import SolveOptions, must_check, solve

# Every rule the checker knows; the small province exercises them all.
FAMILIES = tuple(RULE_TITLES)


@pytest.fixture(scope="module")
def plan() -> tuple[Scenario, list[Visit]]:
    """The small province and its valid strict plan."""
    scenario = small_province()
    result = solve(scenario, SolveOptions(time_limit=3, workers=1))
    assert result.has_plan
    return scenario, list(result.visits)


def rules(scenario: Scenario, visits: list[Visit]) -> set[str]:
    """Return the rule IDs the checker finds broken."""
    return {v.rule for v in check_plan(scenario, visits).violations}


def officer_days(scenario: Scenario, target_id: str, kind: str) -> float:
    """Days one officer spends on a visit to a mine or company."""
    if kind == "company":
        return scenario.policy.company_visit_days

    mine = scenario.mine(target_id)
    if mine.visit_days is not None:
        return mine.visit_days

    return scenario.policy.visit_days[mine.kind]


def person_days(scenario, target_id, kind, body_ids) -> float:
    """Person-days of a visit: each body's team times the days (R16)."""
    days = officer_days(scenario, target_id, kind)
    teams = [max(scenario.body(b).team_size, 2) for b in body_ids]
    return sum(teams) * days


def mine_visit(scenario, mine_id, month, side, **changes) -> Visit:
    """Return a well-formed routine or joint visit to a mine."""
    mine = scenario.mine(mine_id)
    body_ids = {
        "regulator": (mine.regulator_id,),
        "supervisor": (mine.supervisor_id,),
        "joint": (mine.regulator_id, mine.supervisor_id),
    }[side]
    kind = "joint" if side == "joint" else "routine"
    visit = Visit(
        month=month,
        kind=kind,
        target_id=mine_id,
        target_name=mine.name,
        body_ids=body_ids,
        side=side,
        counts_toward_caps=True,
        person_days=person_days(scenario, mine_id, kind, body_ids),
        must_check=must_check(mine, kind),
    )
    return replace(visit, **changes)


def load(scenario: Scenario, visits: list[Visit]) -> Counter:
    """Return the person-days each body spends in each month."""
    used = Counter()
    for visit in visits:
        days = officer_days(scenario, visit.target_id, visit.kind)
        for body_id in visit.body_ids:
            team = max(scenario.body(body_id).team_size, 2)
            used[body_id, visit.month] += team * days

    return used


def has_room(scenario, visits, visit: Visit) -> bool:
    """Whether the visit's bodies have capacity left in its month."""
    used = load(scenario, [*visits, visit])
    reserve = scenario.policy.reserve_share
    return all(
        used[body_id, visit.month]
        <= body_capacity(
            scenario.body(body_id), scenario.workdays, reserve
        ).by_month[visit.month - 1]
        for body_id in visit.body_ids
    )


def add_in_spare_month(scenario, visits, visit, months=MONTHS):
    """Return the visits plus the visit, moved to a month it fits in.

    The month has no other visit to the target (R11) and room in every
    body on the visit (R17).
    """
    for month in months:
        moved = replace(visit, month=month)
        taken = any(
            v.target_id == visit.target_id and v.month == month for v in visits
        )
        if not taken and has_room(scenario, visits, moved):
            return [*visits, moved]

    pytest.fail(f"no spare month for {visit}")


def first(visits, **wanted) -> Visit:
    """Return the first visit whose fields have the wanted values."""
    return next(
        v
        for v in visits
        if all(getattr(v, name) == value for name, value in wanted.items())
    )


def swap(visits, old: Visit, new: Visit) -> list[Visit]:
    """Return the visits with one visit replaced."""
    return [new if v is old else v for v in visits]


def test_check_plan_valid_plan_has_no_violation(plan):
    """A solved plan of the small province breaks no rule."""
    scenario, visits = plan

    report = check_plan(scenario, visits)

    assert report.violations == []
    assert report.hard_violations() == []


def test_check_plan_rule_rows_count_every_family(plan):
    """Each rule family is checked on at least one item of the plan."""
    scenario, visits = plan

    rows = {
        row["rule"]: row for row in check_plan(scenario, visits).rule_rows()
    }

    for rule in FAMILIES:
        assert rows[rule]["checked"] > 0, rule
        assert rows[rule]["violations"] == 0, rule


def test_check_plan_total_over_cap_is_r4(plan):
    """R4: a mine visited more than the total cap is reported.

    Under the notice's side caps (at most 6 + 4 for coal) visits alone
    cannot break the total cap of 12 by itself, so the cap is lowered.
    """
    scenario, visits = plan
    most = max(
        Counter(v.target_id for v in visits if v.counts_toward_caps).values()
    )

    assert rules(with_policy(scenario, total_cap=most - 1), visits) == {"R4"}


def test_check_plan_coal_regulator_over_cap_is_r5(plan):
    """R5: a third regulator visit to a coal A mine (cap 2) is reported."""
    scenario, visits = plan
    while (
        sum(v.target_id == "M1" and v.side != "supervisor" for v in visits) < 3
    ):
        visit = mine_visit(scenario, "M1", 1, "regulator")
        visits = add_in_spare_month(scenario, visits, visit)

    assert rules(scenario, visits) == {"R5"}


def test_check_plan_coal_supervisor_over_cap_is_r6(plan):
    """R6: a supervisor visit to an idle coal D mine (cap 0) is reported."""
    scenario, visits = plan
    visit = mine_visit(scenario, "M4", 1, "supervisor")

    broken = add_in_spare_month(scenario, visits, visit)

    assert rules(scenario, broken) == {"R6"}


def test_check_plan_non_coal_over_cap_is_r7(plan):
    """R7: a third visit to a non-coal B mine (cap 2) is reported."""
    scenario, visits = plan
    while sum(v.target_id == "N1" for v in visits) < 3:
        visit = mine_visit(scenario, "N1", 1, "regulator")
        visits = add_in_spare_month(scenario, visits, visit)

    assert rules(scenario, visits) == {"R7"}


def test_check_plan_company_over_cap_is_r8(plan):
    """R8: a third visit to a parent company is reported."""
    scenario, visits = plan
    company = scenario.companies[0]
    body_ids = (company.body_id,)
    visit = Visit(
        month=1,
        kind="company",
        target_id=company.company_id,
        target_name=company.name,
        body_ids=body_ids,
        side="regulator",
        counts_toward_caps=True,
        person_days=person_days(
            scenario, company.company_id, "company", body_ids
        ),
        must_check=("major_risk", "major_hazards", "principal_duty"),
    )
    while sum(v.kind == "company" for v in visits) < 3:
        visits = add_in_spare_month(scenario, visits, visit)

    assert rules(scenario, visits) == {"R8"}


@pytest.mark.parametrize(
    ("kind", "rule"),
    [
        ("routine", "R9"),
        ("joint", "R9"),
        ("recheck", "R13"),
        ("special", "R14"),
    ],
)
def test_check_plan_wrong_counts_toward_caps_is_reported(plan, kind, rule):
    """R9, R13, R14: a visit marked wrongly as counted or not counted."""
    scenario, visits = plan
    old = first(visits, kind=kind)
    new = replace(old, counts_toward_caps=not old.counts_toward_caps)

    assert rules(scenario, swap(visits, old, new)) == {rule}


def test_check_plan_quarter_without_joint_is_r10(plan):
    """R10: a quarter whose joint visits become regulator visits."""
    scenario, visits = plan
    broken = [
        mine_visit(scenario, v.target_id, v.month, "regulator")
        if v.kind == "joint" and v.quarter == 2
        else v
        for v in visits
    ]

    assert broken != visits
    assert rules(scenario, broken) == {"R10"}


def test_check_plan_two_visits_in_one_month_is_r11(plan):
    """R11: a routine visit moved into a month the mine is visited in."""
    scenario, visits = plan
    for old in visits:
        if old.kind != "routine":
            continue

        others = [
            v.month
            for v in visits
            if v.target_id == old.target_id and v.month != old.month
        ]
        rest = [v for v in visits if v is not old]
        for month in others:
            new = replace(old, month=month)
            if has_room(scenario, rest, new):
                broken = [*rest, new]
                assert rules(scenario, broken) == {"R11"}
                return

    pytest.fail("no routine visit could be moved")


def test_check_plan_recheck_before_deadline_is_r13(plan):
    """R13: a re-check in the month of its deadline is too early."""
    scenario, visits = plan
    recheck = first(visits, kind="recheck")
    month = recheck.month
    late = date(scenario.year, month, 28 if month == 2 else 30)
    hazards = tuple(
        replace(h, deadline=late) if h.hazard_id == recheck.hazard_id else h
        for h in scenario.hazards
    )

    assert rules(replace(scenario, hazards=hazards), visits) == {"R13"}


def test_check_plan_recheck_by_another_body_is_r13(plan):
    """R13: a re-check by a body other than the finder is reported."""
    scenario, visits = plan
    old = first(visits, kind="recheck")
    new = replace(old, body_ids=("SUP-B",))

    assert rules(scenario, swap(visits, old, new)) == {"R13"}


def test_check_plan_missing_recheck_is_r13(plan):
    """R13: an open major hazard without a re-check is reported."""
    scenario, visits = plan
    broken = [v for v in visits if v.kind != "recheck"]

    assert rules(scenario, broken) == {"R13"}


@pytest.mark.parametrize("hazard_id", ["", "H9", "H1"])
def test_check_plan_recheck_without_major_hazard_is_r12(plan, hazard_id):
    """R12: a re-check of a mine with no such open major hazard."""
    scenario, visits = plan
    mine = scenario.mine("M4")
    body_ids = ("SUP-1",)
    visit = Visit(
        month=1,
        kind="recheck",
        target_id="M4",
        target_name=mine.name,
        body_ids=body_ids,
        side="supervisor",
        counts_toward_caps=False,
        person_days=person_days(scenario, "M4", "recheck", body_ids),
        must_check=(f"hazard:{hazard_id}",),
        hazard_id=hazard_id,
    )

    broken = add_in_spare_month(scenario, visits, visit)

    assert rules(scenario, broken) == {"R12"}


def test_check_plan_special_outside_window_is_r14(plan):
    """R14: a campaign visit moved out of the campaign's window."""
    scenario, visits = plan
    campaign = scenario.campaigns[0]
    old = first(visits, kind="special")
    outside = [m for m in MONTHS if m not in campaign.months]

    rest = [v for v in visits if v is not old]
    broken = add_in_spare_month(scenario, rest, old, outside)

    assert rules(scenario, broken) == {"R14"}


def test_check_plan_special_over_bound_is_r14(plan):
    """R14: more campaign visits than the campaign was approved for."""
    scenario, visits = plan
    campaign = scenario.campaigns[0]
    template = first(visits, kind="special")
    while sum(v.kind == "special" for v in visits) <= campaign.max_visits:
        visits = add_in_spare_month(
            scenario, visits, template, campaign.months
        )

    assert rules(scenario, visits) == {"R14"}


def test_check_plan_special_at_non_matching_mine_is_r14(plan):
    """R14: a water campaign visit to a mine without water hazard."""
    scenario, visits = plan
    campaign = scenario.campaigns[0]
    mine = scenario.mine("N1")
    body_ids = (campaign.body_id,)
    visit = Visit(
        month=1,
        kind="special",
        target_id="N1",
        target_name=mine.name,
        body_ids=body_ids,
        side="regulator",
        counts_toward_caps=False,
        person_days=person_days(scenario, "N1", "special", body_ids),
        must_check=must_check(mine, "special", campaign.campaign_id),
        campaign_id=campaign.campaign_id,
    )

    assert not campaign.matches(mine)
    broken = add_in_spare_month(scenario, visits, visit, campaign.months)

    assert rules(scenario, broken) == {"R14"}


def test_check_plan_wrong_person_days_is_r16(plan):
    """R16: a visit whose person-days do not match a full team."""
    scenario, visits = plan
    old = first(visits, kind="routine")
    new = replace(old, person_days=old.person_days / 2)

    assert rules(scenario, swap(visits, old, new)) == {"R16"}


def test_check_plan_team_of_one_officer_is_r16(plan):
    """R16: a body sending teams of one officer breaks the rule."""
    scenario, visits = plan
    bodies = tuple(
        replace(b, team_size=1) if b.body_id == "REG-C" else b
        for b in scenario.bodies
    )

    assert rules(replace(scenario, bodies=bodies), visits) == {"R16"}


def test_check_plan_over_capacity_is_r17(plan):
    """R17: the busiest body planned beyond what it has left is reported.

    Extra visits would break caps or spacing too, so the body loses its
    officers instead.
    """
    scenario, visits = plan
    (body_id, _), _ = load(scenario, visits).most_common(1)[0]
    bodies = tuple(
        replace(b, officers=1) if b.body_id == body_id else b
        for b in scenario.bodies
    )

    assert rules(replace(scenario, bodies=bodies), visits) == {"R17"}


def test_check_plan_missing_must_check_item_is_r19(plan):
    """R19: a regular visit that leaves out one of the mine's disasters."""
    scenario, visits = plan
    old = next(
        v for v in visits if v.kind == "routine" and v.target_id == "M2"
    )
    kept = tuple(item for item in old.must_check if item != "disaster:gas")
    new = replace(old, must_check=kept)

    assert rules(scenario, swap(visits, old, new)) == {"R19"}


def test_check_plan_unmet_floor_is_reported(plan):
    """Floor: a non-coal mine left without any visit is reported."""
    scenario, visits = plan
    broken = [v for v in visits if v.target_id != "N1"]

    report = check_plan(scenario, broken)

    assert {v.rule for v in report.violations} == {"floor"}
    assert report.hard_violations(elastic=True) == []
    assert report.hard_violations() == report.violations


def test_check_plan_visit_by_another_regulator_is_r3(plan):
    """R3: a routine visit made by a regulator that is not the mine's."""
    scenario, visits = plan
    for old in visits:
        if old.target_id != "N1":
            continue

        new = replace(old, body_ids=("REG-P",))
        rest = [v for v in visits if v is not old]
        if has_room(scenario, rest, new):
            assert rules(scenario, [*rest, new]) == {"R3"}
            return

    pytest.fail("REG-P has no room for a visit to N1")


def test_check_plan_joint_with_bodies_swapped_is_r3(plan):
    """R3: a joint visit lists the regulator body first."""
    scenario, visits = plan
    old = first(visits, kind="joint")
    new = replace(old, body_ids=old.body_ids[::-1])

    assert rules(scenario, swap(visits, old, new)) == {"R3"}


def test_check_plan_recheck_of_hazard_due_after_the_year_is_r13(plan):
    """R13: a re-check planned before a deadline after the year's end."""
    scenario, visits = plan
    recheck = first(visits, kind="recheck")
    hazards = tuple(
        replace(h, deadline=date(scenario.year + 1, 1, 31))
        if h.hazard_id == recheck.hazard_id
        else h
        for h in scenario.hazards
    )

    assert rules(replace(scenario, hazards=hazards), visits) == {"R13"}


def test_check_plan_unknown_mine_is_r3(plan):
    """R3: a visit to a mine the scenario does not have is reported."""
    scenario, visits = plan
    old = first(visits, kind="routine")
    new = replace(old, target_id="M99")

    assert "R3" in rules(scenario, swap(visits, old, new))


def test_check_plan_unknown_body_is_r3(plan):
    """R3: a visit by a body the scenario does not have is reported."""
    scenario, visits = plan
    old = first(visits, kind="routine")
    new = replace(old, body_ids=("REG-X",))

    assert "R3" in rules(scenario, swap(visits, old, new))


def test_check_plan_recheck_without_body_is_r3(plan):
    """R3: a re-check that names no body is reported."""
    scenario, visits = plan
    old = first(visits, kind="recheck")
    new = replace(old, body_ids=())

    assert "R3" in rules(scenario, swap(visits, old, new))
