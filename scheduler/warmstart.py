"""A greedy plan: the first plan of every solve, found in seconds.

The greedy plan places re-checks, the quarterly joint visits and floors
first, then parent company and campaign visits, then visits by value per
person-day while capacity lasts, each in the month that keeps a water
mine's pre-flood check, a new quarter and the most capacity. One model
gets it as a hint; part by part starts from it (``scheduler.parts``). It
only ever speeds the search and never changes which plans are allowed.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass, field

from models.records import MONTHS, Mine, quarter_of
from scheduler.model import (
    PlanModel,
    campaign_targets,
    mine_value,
    model_visit_variables,
    recheck_months,
    visit_cost,
    visit_days,
)


@dataclass
class _State:
    """Capacity left, months taken and visits counted so far."""

    left: dict[tuple[str, int], int]
    gap: int
    taken: dict[str, list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    regulator: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    supervisor: dict[str, int] = field(
        default_factory=lambda: defaultdict(int)
    )
    rechecks: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    chosen: set = field(default_factory=set)

    def free(self, mine_id: str, month: int) -> bool:
        """Whether a visit in this month keeps the minimum gap (R11)."""
        return all(abs(month - m) >= self.gap for m in self.taken[mine_id])

    def fits(self, costs: dict[str, int], month: int) -> bool:
        """Whether every body has the capacity for the visit this month."""
        return all(self.left[b, month] >= c for b, c in costs.items())

    def take(self, key: tuple, mine_id: str | None, costs, month) -> None:
        """Record a visit: capacity, month and the hint key."""
        for body_id, cost in costs.items():
            self.left[body_id, month] -= cost

        if mine_id is not None:
            self.taken[mine_id].append(month)

        self.chosen.add(key)


def _costs(plan: PlanModel, mine: Mine, bodies) -> dict[str, int]:
    """Return each body's cost of a visit to the mine."""
    days = visit_days(mine, plan.scenario)
    return {b: visit_cost(plan.scenario.body(b), days) for b in bodies}


def _best_month(
    state: _State, mine_id, costs, months, early_before: int = 0
) -> int | None:
    """Return the best allowed month for a visit, if any.

    A month before ``early_before`` first (a water-hazard mine's check
    before the flood season, R21), then a quarter the mine has no visit
    in yet, then the month with the most capacity left.
    """
    options = [
        month
        for month in months
        if state.free(mine_id, month) and state.fits(costs, month)
    ]
    if not options:
        return None

    body = next(iter(costs))
    quarters = {quarter_of(m) for m in state.taken[mine_id]}
    if any(m < early_before for m in state.taken[mine_id]):
        early_before = 0

    return max(
        options,
        key=lambda m: (
            m < early_before,
            quarter_of(m) not in quarters,
            state.left[body, m],
            -m,
        ),
    )


def greedy_plan(plan: PlanModel) -> set:
    """Return the keys of the visits of a greedy plan.

    Keys are ``(family, ...)`` tuples matching the model's variables:
    ``("regulator", mine, month)``, ``("joint", mine, month)`` and so on.
    """
    state = _State(
        left={
            (body_id, month): capacity[month - 1]
            for body_id, capacity in plan.capacity.items()
            for month in MONTHS
        },
        gap=plan.scenario.policy.min_gap_months,
    )
    _place_rechecks(plan, state)
    _place_joint_minimum(plan, state)
    _place_floors(plan, state)
    _place_companies(plan, state)
    _place_campaigns(plan, state)
    _place_valuable(plan, state)
    return state.chosen


def _place_rechecks(plan: PlanModel, state: _State) -> None:
    """Re-check each hazard in the first month that fits (R13)."""
    scenario = plan.scenario
    for hazard in scenario.hazards:
        mine = scenario.mine(hazard.mine_id)
        costs = _costs(plan, mine, (hazard.found_by,))
        counted = scenario.body(hazard.found_by).side != "supervisor"
        for month in recheck_months(hazard, scenario.year):
            if state.free(mine.mine_id, month) and state.fits(costs, month):
                key = ("recheck", hazard.hazard_id, month)
                state.take(key, mine.mine_id, costs, month)
                # Capped re-checks use the cap but meet no floor (R13).
                state.rechecks[mine.mine_id] += counted
                break


def _room(plan: PlanModel, state: _State, mine: Mine, side: str) -> bool:
    """Whether the mine's caps leave room for one more visit (R4-R9)."""
    caps = plan.caps[mine.mine_id]
    reg = state.regulator[mine.mine_id] + state.rechecks[mine.mine_id]
    sup = state.supervisor[mine.mine_id]
    more_reg = side in ("regulator", "joint")
    more_sup = side in ("supervisor", "joint")
    return (
        reg + more_reg <= caps.regulator
        and sup + more_sup <= caps.supervisor
        and reg + sup + 1 <= caps.total
    )


def _allowed(plan: PlanModel, mine: Mine, side: str) -> bool:
    """Whether the model has visits of this side for the mine (R5-R7)."""
    caps = plan.caps[mine.mine_id]
    regulator = caps.regulator > 0
    supervisor = mine.supervisor_id is not None and caps.supervisor > 0
    return {
        "regulator": regulator,
        "supervisor": supervisor,
        "joint": regulator and supervisor,
    }[side] and plan.is_free(mine.mine_id)


def _add_visit(plan, state, mine: Mine, side: str, months) -> bool:
    """Add a routine or joint visit in the best month; report success."""
    if not _allowed(plan, mine, side) or not _room(plan, state, mine, side):
        return False

    bodies = {
        "regulator": (mine.regulator_id,),
        "supervisor": (mine.supervisor_id,),
        "joint": (mine.regulator_id, mine.supervisor_id),
    }[side]
    costs = _costs(plan, mine, bodies)
    weights = plan.scenario.policy.weights
    early = weights.flood_season_start if "water" in mine.disasters else 0
    month = _best_month(state, mine.mine_id, costs, months, early)
    if month is None:
        return False

    state.take((side, mine.mine_id, month), mine.mine_id, costs, month)
    state.regulator[mine.mine_id] += side in ("regulator", "joint")
    state.supervisor[mine.mine_id] += side in ("supervisor", "joint")
    return True


def _place_joint_minimum(plan: PlanModel, state: _State) -> None:
    """Put the quarterly joint minimum on the riskiest coal mines (R10)."""
    scenario = plan.scenario
    minimum = scenario.policy.joint_minimum
    by_scope = scenario.policy.joint_scope == "division"
    ranked = sorted(
        (m for m in scenario.mines if m.is_coal),
        key=lambda m: -mine_value(m, scenario),
    )
    scopes = defaultdict(list)
    for mine in ranked:
        scopes[mine.supervisor_id if by_scope else "province"].append(mine)

    for mines in scopes.values():
        for quarter in (1, 2, 3, 4):
            months = [m for m in MONTHS if quarter_of(m) == quarter]
            placed = 0
            for mine in mines:
                if placed >= minimum:
                    break

                placed += _add_visit(plan, state, mine, "joint", months)


def _place_floors(plan: PlanModel, state: _State) -> None:
    """Give every mine its floor of visits per side, riskiest first."""
    scenario = plan.scenario
    ranked = sorted(scenario.mines, key=lambda m: -mine_value(m, scenario))
    for mine in ranked:
        for side in ("regulator", "supervisor"):
            floor = scenario.policy.floor_for(mine.kind, mine.category, side)
            have = state.regulator if side == "regulator" else state.supervisor
            while have[mine.mine_id] < floor:
                if not _add_visit(plan, state, mine, side, MONTHS):
                    break


def _place_valuable(plan: PlanModel, state: _State) -> None:
    """Add visits by falling value per person-day while value is gained.

    Value per day, not value alone, because capacity is what runs out: a
    coal visit takes twice the days of a non-coal one.
    """
    scenario = plan.scenario
    heap = []
    for index, mine in enumerate(scenario.mines):
        done = len(state.taken[mine.mine_id])
        gain = _marginal(scenario, mine, done)
        heapq.heappush(heap, (-gain, index, done))

    while heap:
        negative, index, done = heapq.heappop(heap)
        if negative >= 0:
            break

        mine = scenario.mines[index]
        added = any(
            _add_visit(plan, state, mine, side, MONTHS)
            for side in ("regulator", "supervisor")
        )
        if added:
            gain = _marginal(scenario, mine, done + 1)
            heapq.heappush(heap, (-gain, index, done + 1))


def _sides_by_slack(plan: PlanModel, state: _State, mine: Mine):
    """Return the mine's sides, the one whose body has more room first."""
    bodies = {"regulator": mine.regulator_id, "supervisor": mine.supervisor_id}

    def room(side: str) -> float:
        body_id = bodies[side]
        if body_id is None:
            return -1.0

        total = sum(plan.capacity[body_id]) or 1
        left = sum(state.left[body_id, month] for month in MONTHS)
        return left / total

    return sorted(bodies, key=lambda side: -room(side))


def _marginal(scenario, mine: Mine, done: int) -> float:
    """Return the value per person-day of a mine's next visit (R22)."""
    weights = scenario.policy.weights
    value = mine_value(mine, scenario) * weights.decay**done
    return (value - weights.visit_burden) / visit_days(mine, scenario)


def _place_companies(plan: PlanModel, state: _State) -> None:
    """Visit each parent company as often as wanted and allowed (R8)."""
    scenario = plan.scenario
    days = scenario.policy.company_visit_days
    for company in scenario.companies:
        body = scenario.body(company.body_id)
        costs = {body.body_id: visit_cost(body, days)}
        wanted = min(scenario.policy.company_cap, company.visits_wanted)
        months: list[int] = []
        for _ in range(wanted):
            options = [
                m for m in MONTHS if m not in months and state.fits(costs, m)
            ]
            if not options:
                break

            month = max(
                options, key=lambda m: (state.left[body.body_id, m], -m)
            )
            key = ("company", company.company_id, month)
            state.take(key, None, costs, month)
            months.append(month)


def _place_campaigns(plan: PlanModel, state: _State) -> None:
    """Fill each campaign up to its bound with its riskiest targets (R14)."""
    scenario = plan.scenario
    for campaign in scenario.campaigns:
        targets = sorted(
            campaign_targets(scenario, campaign),
            key=lambda m: -mine_value(m, scenario),
        )
        placed = 0
        for mine in targets:
            if placed >= campaign.max_visits:
                break

            costs = _costs(plan, mine, (campaign.body_id,))
            month = _best_month(state, mine.mine_id, costs, campaign.months)
            if month is not None:
                key = ("special", campaign.campaign_id, mine.mine_id, month)
                state.take(key, mine.mine_id, costs, month)
                placed += 1


def add_hints(plan: PlanModel, chosen: set) -> None:
    """Hint every visit variable of the model with the greedy plan."""
    for family, key, var in model_visit_variables(plan):
        plan.model.add_hint(var, (family, *key) in chosen)

    visits = defaultdict(int)
    first = {}
    hazard_mine = {h.hazard_id: h.mine_id for h in plan.scenario.hazards}
    for family, *rest in chosen:
        if family == "company":
            continue

        mine_id = {"recheck": hazard_mine.get(rest[0]), "special": rest[1]}
        mine_id = mine_id.get(family, rest[0])
        visits[mine_id] += 1
        first[mine_id] = min(first.get(mine_id, 13), rest[-1])

    for (mine_id, k), var in plan.variables.visit_count_reached.items():
        plan.model.add_hint(var, visits[mine_id] >= k)

    start = plan.scenario.policy.weights.flood_season_start
    for mine_id, var in plan.variables.pre_flood_check.items():
        plan.model.add_hint(var, first.get(mine_id, 13) < start)
