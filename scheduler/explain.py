"""Why no plan meets every rule, in the planner's terms.

Two sources feed the explanation. Direct counts find the plain collisions
(a floor above a cap, a body whose floors need more person-days than it
has). The elastic model then finds the smallest relaxation: which floors,
joint minimums or re-checks to give up, and how many officers would have
to be added instead.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace

from models.capacity import body_capacity
from models.records import Scenario
from scheduler.model import (
    TENTHS,
    recheck_months,
    visit_cost,
    visit_days,
)

QUARTER_MONTHS = {q: (3 * q - 2, 3 * q - 1, 3 * q) for q in (1, 2, 3, 4)}


def cap_conflicts(scenario: Scenario) -> list[str]:
    """Return floors and re-checks that a mine's caps cannot hold."""
    policy = scenario.policy
    lines = []
    seen = set()
    for mine in scenario.mines:
        caps = policy.caps(mine.kind, mine.category, mine.regulator_id)
        limits = {
            "regulator": caps.regulator,
            "supervisor": caps.supervisor,
            "any": min(caps.total, caps.regulator + caps.supervisor),
        }
        for side, cap in limits.items():
            floor = policy.floor_for(mine.kind, mine.category, side)
            key = (mine.kind, mine.category, side)
            if floor > cap and key not in seen:
                seen.add(key)
                rule = _cap_rule(mine.kind, side)
                lines.append(
                    f"{rule} and floors collide: {mine.kind} "
                    f"{mine.category} mines must get {floor} {side}-side "
                    f"visit(s) but the cap is {cap} (e.g. mine "
                    f"{mine.mine_id})."
                )

    lines += _recheck_cap_conflicts(scenario)
    return lines


def _cap_rule(kind: str, side: str) -> str:
    """Return the rule ID of the cap for a kind and side."""
    if side == "supervisor":
        return "R6"

    if side == "any":
        return "R4"

    return "R5" if kind == "coal" else "R7"


def _recheck_cap_conflicts(scenario: Scenario) -> list[str]:
    """Return mines whose capped re-checks exceed the regulator cap."""
    counted = defaultdict(int)
    for hazard in scenario.hazards:
        body = scenario.body(hazard.found_by)
        if body.side != "supervisor" and recheck_months(hazard, scenario.year):
            counted[hazard.mine_id] += 1

    lines = []
    for mine_id, count in counted.items():
        mine = scenario.mine(mine_id)
        caps = scenario.policy.caps(
            mine.kind, mine.category, mine.regulator_id
        )
        floor = scenario.policy.floor_for(
            mine.kind, mine.category, "regulator"
        )
        if count + floor > caps.regulator:
            lines.append(
                f"R13 and {_cap_rule(mine.kind, 'regulator')} collide: "
                f"mine {mine_id} ({mine.kind} {mine.category}) needs "
                f"{count} re-check(s) that count toward its caps and "
                f"{floor} floor visit(s), but its regulator cap is "
                f"{caps.regulator}."
            )

    return lines


def body_needs(scenario: Scenario) -> dict[str, float]:
    """Return the person-days each body needs for floors and re-checks."""
    policy = scenario.policy
    need = defaultdict(float)
    for mine in scenario.mines:
        days = visit_days(mine, scenario)
        for side, body_id in (
            ("regulator", mine.regulator_id),
            ("supervisor", mine.supervisor_id),
        ):
            floor = policy.floor_for(mine.kind, mine.category, side)
            if floor > 0 and body_id is not None:
                cost = visit_cost(scenario.body(body_id), days)
                need[body_id] += floor * cost / TENTHS

    for hazard in scenario.hazards:
        if recheck_months(hazard, scenario.year):
            mine = scenario.mine(hazard.mine_id)
            body = scenario.body(hazard.found_by)
            cost = visit_cost(body, visit_days(mine, scenario))
            need[body.body_id] += cost / TENTHS

    return need


def capacity_conflicts(scenario: Scenario) -> list[str]:
    """Return bodies whose floors and re-checks exceed their capacity."""
    lines = []
    needs = body_needs(scenario)
    reserve = scenario.policy.reserve_share
    for body in scenario.bodies:
        need = needs.get(body.body_id, 0.0)
        capacity = body_capacity(body, scenario.workdays, reserve)
        have = capacity.inspection_days
        if need > have + 1e-6:
            extra = officers_for(scenario, need - have)
            lines.append(
                f"R17: {body.name} ({body.body_id}) has {have:.1f} "
                f"inspection person-days in {scenario.year} but its "
                f"floors and re-checks need {need:.1f}; it would need "
                f"{extra} more certified officer(s)."
            )
            continue

        lines += _quarter_conflicts(scenario, body, capacity)

    return lines


def _quarter_conflicts(scenario, body, capacity) -> list[str]:
    """Return quarters where a body's fixed re-checks exceed capacity."""
    need = defaultdict(float)
    for hazard in scenario.hazards:
        months = recheck_months(hazard, scenario.year)
        if hazard.found_by != body.body_id or not months:
            continue

        for quarter, quarter_months in QUARTER_MONTHS.items():
            if set(months) <= set(quarter_months):
                mine = scenario.mine(hazard.mine_id)
                cost = visit_cost(body, visit_days(mine, scenario))
                need[quarter] += cost / TENTHS

    lines = []
    for quarter, days in sorted(need.items()):
        have = sum(capacity.by_month[m - 1] for m in QUARTER_MONTHS[quarter])
        if days > have + 1e-6:
            lines.append(
                f"R13 and R17 collide: {body.name} ({body.body_id}) has "
                f"{have:.1f} person-days in Q{quarter} but its re-checks "
                f"due then need {days:.1f}."
            )

    return lines


def joint_conflicts(scenario: Scenario) -> list[str]:
    """Return why the quarterly joint minimum cannot be met, if plain."""
    policy = scenario.policy
    if policy.joint_minimum <= 0:
        return []

    coal = [mine for mine in scenario.mines if mine.is_coal]
    able = []
    for mine in coal:
        caps = policy.caps("coal", mine.category, mine.regulator_id)
        if min(caps.regulator, caps.supervisor) > 0:
            able.append(mine)

    if coal and not able:
        return [
            "R10 and R5/R6 collide: no coal mine may take a joint visit "
            "(a joint visit needs room under both side caps), so no "
            f"quarter can hold {policy.joint_minimum} joint visit(s)."
        ]

    gap = policy.min_gap_months
    if coal and able and len(able) * math.ceil(3 / gap) < policy.joint_minimum:
        return [
            f"R10 and R11 collide: {len(able)} coal mine(s) can take "
            f"joint visits, too few for {policy.joint_minimum} a quarter "
            f"with visits {gap} month(s) apart."
        ]

    return []


def officers_for(scenario: Scenario, person_days: float) -> int:
    """Return how many more officers would bring these person-days."""
    per_officer = sum(scenario.workdays) * (1 - scenario.policy.reserve_share)
    return math.ceil(person_days / per_officer) if per_officer > 0 else 0


def explain_infeasible(scenario: Scenario, options, seed: int):
    """Explain why no strict plan exists and find the smallest relaxation.

    Parameters
    ----------
    scenario
        The infeasible scenario.
    options
        The solve options used; the elastic model reuses them.
    seed
        The solver seed.

    Returns
    -------
    tuple[list[str], list]
        Lines of explanation and the shortfalls of the elastic plan.
    """
    from scheduler.solve import solve_once

    lines = [
        *cap_conflicts(scenario),
        *capacity_conflicts(scenario),
        *joint_conflicts(scenario),
    ]
    elastic = solve_once(scenario, replace(options, elastic=True), seed)
    shortfalls = list(elastic.shortfalls) if elastic.has_plan else []
    if shortfalls:
        lines.append(
            "The smallest relaxation the elastic model finds "
            "(run with --elastic to plan with it):"
        )
        lines += [f"  - {item.message}" for item in shortfalls]
        lines += _relaxation_by_body(scenario, shortfalls)

    if not lines:
        lines.append(
            "No single rule family explains the collision; run with "
            "--elastic to see which floors and minimums fall short."
        )

    return lines, shortfalls


def _relaxation_by_body(scenario: Scenario, shortfalls) -> list[str]:
    """Sum unmet floors per body and say what staff would meet them."""
    missing = defaultdict(float)
    mines = defaultdict(list)
    for item in shortfalls:
        if item.rule != "floor" or not item.body:
            continue

        mine = scenario.mine(item.target)
        body = scenario.body(item.body)
        cost = visit_cost(body, visit_days(mine, scenario)) / TENTHS
        missing[item.body] += (item.wanted - item.planned) * cost
        mines[item.body].append(item.target)

    lines = []
    for body_id, days in missing.items():
        body = scenario.body(body_id)
        lines.append(
            f"{body.name} ({body_id}): {len(mines[body_id])} mine(s) "
            f"short of their floor need {days:.1f} more person-days: add "
            f"{officers_for(scenario, days)} certified officer(s), cut "
            "other enforcement days, or lower the floor."
        )

    return lines
