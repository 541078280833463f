"""The CP-SAT model of an annual plan: one function per rule family.

Decision variables are booleans over mines x sides x months: a regulator
visit, a supervisor visit or a joint visit of a mine in a month, plus
re-checks of hazards (R13), campaign visits (R14) and parent company
visits (R8). Capacity is counted in tenths of a person-day so that every
coefficient is a whole number.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from ortools.sat.python import cp_model

from models.capacity import body_capacity
from models.policy import Caps
from models.records import MONTHS, Body, Hazard, Mine, Scenario, quarter_of
from scheduler.frame import FixedTally, Frame, tally_fixed

TENTHS = 10  # capacity unit: a tenth of a person-day
VALUE_SCALE = 1000  # objective unit: a thousandth of a risk unit
QUARTERS = (1, 2, 3, 4)


def visit_days(mine: Mine, scenario: Scenario) -> float:
    """Return the days one officer spends on one visit of a mine."""
    if mine.visit_days is not None:
        return mine.visit_days

    return scenario.policy.visit_days[mine.kind]


def visit_cost(body: Body, days: float) -> int:
    """Return a body's cost of one visit in tenths of a person-day (R16)."""
    # Rounded up, so that capacity is never overrun by rounding.
    return math.ceil(max(body.team_size, 2) * days * TENTHS - 1e-9)


def recheck_months(hazard: Hazard, year: int) -> tuple[int, ...]:
    """Return the months a hazard may be re-checked in: after its deadline.

    A hazard whose deadline passed before the year may be re-checked in any
    month; one due after the year has no re-check in this plan.
    """
    first_day = hazard.deadline + timedelta(days=1)
    if first_day.year < year:
        return MONTHS

    if first_day.year > year:
        return ()

    return tuple(range(first_day.month, 13))


def campaign_targets(scenario: Scenario, campaign) -> list[Mine]:
    """Return the mines a campaign may visit (R14).

    A body visits the mines it oversees; a province regulator or the
    supervisor bureau may visit any mine of its side.
    """
    body = scenario.body(campaign.body_id)
    wide = body.level in ("province", "bureau")
    targets = []
    for mine in scenario.mines:
        if not campaign.matches(mine):
            continue

        own = body.body_id in (mine.regulator_id, mine.supervisor_id)
        side_ok = body.side == "regulator" or mine.is_coal
        if own or (wide and side_ok):
            targets.append(mine)

    return targets


def mine_value(mine: Mine, scenario: Scenario) -> float:
    """Return the risk value of a first visit to a mine (R21)."""
    weights = scenario.policy.weights
    table = (
        weights.coal_category if mine.is_coal else weights.non_coal_category
    )
    risk = 0.5 + mine.risk_score / 100
    disasters = 1 + weights.disaster * len(mine.disasters)
    return table[mine.category] * risk * disasters


@dataclass
class PlanVariables:
    """The CP-SAT variables of a plan, named after what they mean."""

    regulator_visit: dict[tuple[str, int], cp_model.IntVar] = field(
        default_factory=dict
    )
    supervisor_visit: dict[tuple[str, int], cp_model.IntVar] = field(
        default_factory=dict
    )
    joint_visit: dict[tuple[str, int], cp_model.IntVar] = field(
        default_factory=dict
    )
    recheck_visit: dict[tuple[str, int], cp_model.IntVar] = field(
        default_factory=dict
    )
    special_visit: dict[tuple[str, str, int], cp_model.IntVar] = field(
        default_factory=dict
    )
    company_visit: dict[tuple[str, int], cp_model.IntVar] = field(
        default_factory=dict
    )
    floor_shortfall: dict[tuple[str, str], cp_model.IntVar] = field(
        default_factory=dict
    )
    joint_shortfall: dict[tuple[str, int], cp_model.IntVar] = field(
        default_factory=dict
    )
    recheck_shortfall: dict[str, cp_model.IntVar] = field(default_factory=dict)
    visit_count_reached: dict[tuple[str, int], cp_model.IntVar] = field(
        default_factory=dict
    )
    pre_flood_check: dict[str, cp_model.IntVar] = field(default_factory=dict)


@dataclass
class PlanModel:
    """A CP-SAT model of one scenario with its variables and terms.

    Parameters
    ----------
    scenario
        The scenario being planned.
    elastic
        Whether floors, joint minimums and re-checks may fall short, at a
        penalty, instead of making the model infeasible.
    """

    scenario: Scenario
    elastic: bool = False
    frame: Frame = field(default_factory=Frame)
    tally: FixedTally = field(default_factory=FixedTally)
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    variables: PlanVariables = field(default_factory=PlanVariables)
    caps: dict[str, Caps] = field(default_factory=dict)
    capacity: dict[str, tuple[int, ...]] = field(default_factory=dict)
    visits_of_mine: dict[str, dict[int, list]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    load: dict[tuple[str, int], list] = field(
        default_factory=lambda: defaultdict(list)
    )
    uncapped_months: dict[str, set[int]] = field(
        default_factory=lambda: defaultdict(set)
    )
    value_terms: list = field(default_factory=list)
    penalty_terms: list = field(default_factory=list)
    change_terms: list = field(default_factory=list)
    total_deviation: list = field(default_factory=list)

    def is_free(self, mine_id: str) -> bool:
        """Whether the mine's visits in the open months may change."""
        if mine_id in self.frame.closed:
            return False

        free = self.frame.free_mines
        return free is None or mine_id in free

    def new_bool(self, name: str) -> cp_model.IntVar:
        """Return a new boolean variable."""
        return self.model.new_bool_var(name)

    def shortfall(self, name: str, upper: int) -> cp_model.IntVar | None:
        """Return a shortfall variable in elastic mode, else ``None``."""
        if not self.elastic or upper <= 0:
            return None

        return self.model.new_int_var(0, upper, name)


def build_model(
    scenario: Scenario,
    elastic: bool = False,
    frame: Frame | None = None,
    shared: FixedTally | None = None,
) -> PlanModel:
    """Build the CP-SAT model of a scenario with every rule R4-R22.

    Parameters
    ----------
    scenario
        A validated scenario.
    elastic
        Let floors, joint minimums and re-checks fall short at a penalty.
    frame
        For a re-plan: the fixed visits, open months, changed caps and the
        plan being adjusted (R23). ``None`` plans the whole year.
    shared
        What the rest of the province already uses when the scenario is
        one part of it: body load, joint visits, campaign and company
        visits.

    Returns
    -------
    PlanModel
        The model, its variables and the objective terms.
    """
    plan = new_plan_model(scenario, elastic, frame, shared)
    add_mine_visits(plan)
    add_rechecks(plan)
    add_special_visits(plan)
    add_company_visits(plan)
    add_caps(plan)
    add_spacing(plan)
    add_joint_minimum(plan)
    add_floors(plan)
    add_capacity(plan)
    add_objective(plan)
    add_changes(plan)
    return plan


def new_plan_model(
    scenario: Scenario,
    elastic: bool = False,
    frame: Frame | None = None,
    shared: FixedTally | None = None,
) -> PlanModel:
    """Return a plan model with caps, capacity and fixed tally, no rules."""
    frame = frame or Frame()
    plan = PlanModel(scenario, elastic, frame)
    plan.tally = tally_fixed(scenario, _fixed_visits(frame))
    if shared is not None:
        plan.tally.load.update(shared.load)
        plan.tally.joints.update(shared.joints)
        plan.tally.special.update(shared.special)
        plan.tally.company.update(shared.company)

    plan.caps = {
        mine.mine_id: frame.caps.get(mine.mine_id)
        or scenario.policy.caps(mine.kind, mine.category, mine.regulator_id)
        for mine in scenario.mines
    }
    plan.capacity = {
        body.body_id: tuple(
            math.floor(days * TENTHS)
            for days in body_capacity(
                body, scenario.workdays, scenario.policy.reserve_share
            ).by_month
        )
        for body in scenario.bodies
    }
    return plan


def _fixed_visits(frame: Frame) -> tuple:
    """Return the fixed visits, with the kept visits of mines not free."""
    if frame.free_mines is None:
        return frame.fixed

    kept = tuple(
        visit
        for visit in frame.reference
        if visit.kind != "company"
        and visit.target_id not in frame.free_mines
        and visit.target_id not in frame.closed
    )
    return frame.fixed + kept


def _track(plan: PlanModel, mine: Mine, month: int, var, bodies) -> None:
    """Record a visit variable against its mine and its bodies' load."""
    plan.visits_of_mine[mine.mine_id][month].append(var)
    days = visit_days(mine, plan.scenario)
    for body_id in bodies:
        cost = visit_cost(plan.scenario.body(body_id), days)
        plan.load[body_id, month].append((cost, var))


def add_mine_visits(plan: PlanModel) -> None:
    """Create routine and joint visit variables where caps allow (R5-R7)."""
    variables = plan.variables
    for mine in plan.scenario.mines:
        if not plan.is_free(mine.mine_id):
            continue

        caps = plan.caps[mine.mine_id]
        reg, sup = mine.regulator_id, mine.supervisor_id
        for month in plan.frame.months:
            if caps.regulator > 0:
                var = plan.new_bool(f"regulator_visit[{mine.mine_id},{month}]")
                variables.regulator_visit[mine.mine_id, month] = var
                _track(plan, mine, month, var, (reg,))

            if sup is None or caps.supervisor <= 0:
                continue

            var = plan.new_bool(f"supervisor_visit[{mine.mine_id},{month}]")
            variables.supervisor_visit[mine.mine_id, month] = var
            _track(plan, mine, month, var, (sup,))
            if caps.regulator > 0:
                var = plan.new_bool(f"joint_visit[{mine.mine_id},{month}]")
                variables.joint_visit[mine.mine_id, month] = var
                _track(plan, mine, month, var, (reg, sup))


def add_rechecks(plan: PlanModel) -> None:
    """Each open major hazard gets one re-check after its deadline (R13)."""
    scenario = plan.scenario
    open_months = set(plan.frame.months)
    for hazard in scenario.hazards:
        mine = scenario.mine(hazard.mine_id)
        due = recheck_months(hazard, scenario.year)
        months = [m for m in due if m in open_months]
        done = hazard.hazard_id in plan.tally.rechecked
        if not due or done or not plan.is_free(mine.mine_id):
            continue

        chosen = []
        for month in months:
            name = f"recheck_visit[{hazard.hazard_id},{month}]"
            var = plan.new_bool(name)
            plan.variables.recheck_visit[hazard.hazard_id, month] = var
            _track(plan, mine, month, var, (hazard.found_by,))
            plan.uncapped_months[mine.mine_id].add(month)
            chosen.append(var)

        # A late re-check leaves the hazard open longer, so each month of
        # delay costs a little value.
        first = months[0]
        late = sum(
            (month - first) * var
            for month, var in zip(months, chosen, strict=True)
        )
        plan.penalty_terms.append(5 * late)

        short = plan.shortfall(f"recheck_shortfall[{hazard.hazard_id}]", 1)
        if short is None:
            plan.model.add(sum(chosen) == 1)
        else:
            plan.variables.recheck_shortfall[hazard.hazard_id] = short
            plan.model.add(sum(chosen) + short == 1)


def add_special_visits(plan: PlanModel) -> None:
    """Campaign visits inside their window, at most their bound (R14)."""
    scenario = plan.scenario
    for campaign in scenario.campaigns:
        chosen = []
        months = [m for m in campaign.months if m in plan.frame.months]
        for mine in campaign_targets(scenario, campaign):
            if not plan.is_free(mine.mine_id):
                continue

            for month in months:
                key = (campaign.campaign_id, mine.mine_id, month)
                var = plan.new_bool(
                    f"special_visit[{','.join(map(str, key))}]"
                )
                plan.variables.special_visit[key] = var
                _track(plan, mine, month, var, (campaign.body_id,))
                plan.uncapped_months[mine.mine_id].add(month)
                chosen.append(var)

        used = plan.tally.special[campaign.campaign_id]
        plan.model.add(sum(chosen) <= max(campaign.max_visits - used, 0))


def add_company_visits(plan: PlanModel) -> None:
    """Parent company visits up to what is wanted and the cap (R8)."""
    scenario = plan.scenario
    cap = scenario.policy.company_cap
    days = scenario.policy.company_visit_days
    for company in scenario.companies:
        used = plan.tally.company[company.company_id]
        limit = min(cap, company.visits_wanted) - used
        if limit <= 0:
            continue

        body = scenario.body(company.body_id)
        chosen = []
        for month in plan.frame.months:
            name = f"company_visit[{company.company_id},{month}]"
            var = plan.new_bool(name)
            plan.variables.company_visit[company.company_id, month] = var
            plan.load[body.body_id, month].append(
                (visit_cost(body, days), var)
            )
            chosen.append(var)

        plan.model.add(sum(chosen) <= limit)
        weight = scenario.policy.weights.company * VALUE_SCALE
        plan.value_terms.append(round(weight) * sum(chosen))


def add_caps(plan: PlanModel) -> None:
    """Yearly caps per mine: total, regulator and supervisor side (R4-R9).

    A joint visit counts once toward each side and once toward the total
    (R9). A re-check counts toward the caps unless a supervisor body found
    the hazard (R13); campaign visits never count (R14).
    """
    scenario = plan.scenario
    variables = plan.variables
    regulator = _by_mine(variables.regulator_visit)
    supervisor = _by_mine(variables.supervisor_visit)
    joint = _by_mine(variables.joint_visit)
    counted_rechecks = defaultdict(list)
    for hazard in scenario.hazards:
        if scenario.body(hazard.found_by).side == "supervisor":
            continue

        for month in MONTHS:
            var = variables.recheck_visit.get((hazard.hazard_id, month))
            if var is not None:
                counted_rechecks[hazard.mine_id].append(var)

    tally = plan.tally
    for mine in scenario.mines:
        key = mine.mine_id
        caps = plan.caps[key]
        reg = regulator[key] + counted_rechecks[key]
        sup = supervisor[key]
        both = joint[key]

        # Visits already made use up the cap but never break it (R23).
        room = (
            max(caps.regulator - tally.regulator[key], 0),
            max(caps.supervisor - tally.supervisor[key], 0),
            max(caps.total - tally.total[key], 0),
        )
        if reg or both:
            plan.model.add(sum(reg) + sum(both) <= room[0])

        if sup or both:
            plan.model.add(sum(sup) + sum(both) <= room[1])

        if reg or sup or both:
            plan.model.add(sum(reg) + sum(sup) + sum(both) <= room[2])


def _by_mine(variables: dict) -> dict[str, list]:
    """Group month variables by mine id."""
    grouped = defaultdict(list)
    for (mine_id, _), var in variables.items():
        grouped[mine_id].append(var)

    return grouped


def add_spacing(plan: PlanModel) -> None:
    """At most one visit per mine in any window of the minimum gap (R11).

    With a gap of one month this is at most one visit a month; a joint
    visit is one visit (R9).
    """
    gap = plan.scenario.policy.min_gap_months
    for mine_id, months in plan.visits_of_mine.items():
        taken = plan.tally.months.get(mine_id, [])
        for start in MONTHS:
            span = range(start, min(start + gap, 13))
            window = [var for month in span for var in months.get(month, ())]
            if any(month in span for month in taken):
                # A fixed visit already fills this window.
                for var in window:
                    plan.model.add(var == 0)
            elif len(window) > 1:
                plan.model.add_at_most_one(window)


def add_joint_minimum(plan: PlanModel) -> None:
    """At least the joint minimum of joint visits in every quarter (R10)."""
    scenario = plan.scenario
    minimum = scenario.policy.joint_minimum
    if minimum <= 0:
        return

    groups: dict[str, list] = defaultdict(list)
    by_scope = scenario.policy.joint_scope == "division"
    for (mine_id, month), var in plan.variables.joint_visit.items():
        mine = scenario.mine(mine_id)
        scope = mine.supervisor_id if by_scope else "province"
        groups[scope, quarter_of(month)].append(var)

    scopes = joint_scopes(scenario)
    open_quarters = {quarter_of(month) for month in plan.frame.months}
    for scope in scopes:
        for quarter in QUARTERS:
            # A quarter with no open month is a fact; status reports it.
            need = minimum - plan.tally.joints[scope, quarter]
            if quarter not in open_quarters or need <= 0:
                continue

            chosen = groups.get((scope, quarter), [])
            short = plan.shortfall(f"joint_shortfall[{scope},{quarter}]", need)
            if short is None:
                plan.model.add(sum(chosen) >= need)
            else:
                plan.variables.joint_shortfall[scope, quarter] = short
                plan.model.add(sum(chosen) + short >= need)


def joint_scopes(scenario: Scenario) -> list[str]:
    """Return the scopes R10 is counted over: the province or divisions."""
    if scenario.policy.joint_scope != "division":
        has_coal = any(mine.is_coal for mine in scenario.mines)
        return ["province"] if has_coal else []

    seen = dict.fromkeys(
        mine.supervisor_id for mine in scenario.mines if mine.is_coal
    )
    return list(seen)


def add_floors(plan: PlanModel) -> None:
    """Each mine gets at least its policy floor of visits per side."""
    scenario = plan.scenario
    variables = plan.variables
    regulator = _by_mine(variables.regulator_visit)
    supervisor = _by_mine(variables.supervisor_visit)
    joint = _by_mine(variables.joint_visit)
    sides = {
        "regulator": lambda m: regulator[m] + joint[m],
        "supervisor": lambda m: supervisor[m] + joint[m],
        "any": lambda m: regulator[m] + supervisor[m] + joint[m],
    }
    for mine in scenario.mines:
        if not plan.is_free(mine.mine_id):
            continue

        for side, visits_of in sides.items():
            floor = scenario.policy.floor_for(mine.kind, mine.category, side)
            floor -= plan.tally.floor[mine.mine_id, side]
            if floor <= 0:
                continue

            chosen = visits_of(mine.mine_id)
            name = f"floor_shortfall[{mine.mine_id},{side}]"
            short = plan.shortfall(name, floor)
            if short is None:
                plan.model.add(sum(chosen) >= floor)
            else:
                plan.variables.floor_shortfall[mine.mine_id, side] = short
                plan.model.add(sum(chosen) + short >= floor)


def add_capacity(plan: PlanModel) -> None:
    """Each body's load stays within its monthly capacity (R16, R17)."""
    for body in plan.scenario.bodies:
        capacity = plan.capacity[body.body_id]
        for month in MONTHS:
            terms = plan.load.get((body.body_id, month), [])
            if not terms:
                continue

            fixed = plan.tally.load[body.body_id, month]
            limit = max(capacity[month - 1] - fixed, 0)
            plan.model.add(sum(cost * var for cost, var in terms) <= limit)


def add_objective(plan: PlanModel) -> None:
    """Maximise risk covered with diminishing returns (R21, R22).

    The k-th visit to a mine is worth ``decay ** (k - 1)`` of the first,
    less the burden every visit puts on the mine (§11). Water-hazard mines
    are worth more before the flood season. Every term belongs to one mine
    or company, so the value of a province is the sum of its parts'.
    """
    scenario = plan.scenario
    for mine in scenario.mines:
        months = plan.visits_of_mine.get(mine.mine_id)
        if not months:
            continue

        value = mine_value(mine, scenario) * VALUE_SCALE
        _add_diminishing_value(plan, mine, months, value)
        if "water" in mine.disasters:
            _add_pre_flood_check(plan, mine, months, value)

    plan.model.maximize(
        sum(plan.value_terms) - sum(plan.penalty_terms) - elastic_penalty(plan)
    )


def _add_pre_flood_check(plan, mine, months, value) -> None:
    """Value a water-hazard mine's check before the flood season (R21).

    The bonus is for having such a check at all, not for each visit, so
    that it never pulls all of a mine's visits into spring.
    """
    start = plan.scenario.policy.weights.flood_season_start
    early = [
        var
        for month, vars_ in months.items()
        if month < start
        for var in vars_
    ]
    bonus = round(value * plan.scenario.policy.weights.pre_flood_bonus)
    if not early or bonus <= 0:
        return

    checked = plan.new_bool(f"pre_flood_check[{mine.mine_id}]")
    plan.variables.pre_flood_check[mine.mine_id] = checked
    plan.model.add(checked <= sum(early))
    plan.value_terms.append(bonus * checked)


def _add_diminishing_value(plan, mine, months, value) -> None:
    """Value the k-th visit of a mine at ``decay ** (k - 1)`` (R22)."""
    visits = [var for vars_ in months.values() for var in vars_]
    caps = plan.caps[mine.mine_id]
    counted = min(caps.total, caps.regulator + caps.supervisor)
    uncounted = len(plan.uncapped_months[mine.mine_id])
    slots = math.ceil(12 / plan.scenario.policy.min_gap_months)
    most = min(len(visits), slots, counted + uncounted)
    decay = plan.scenario.policy.weights.decay

    # Fixed visits came first, so new ones continue down the decay.
    done = plan.tally.visits[mine.mine_id]
    steps = []
    for k in range(1, most + 1):
        step = plan.new_bool(f"visit_count_reached[{mine.mine_id},{k}]")
        plan.variables.visit_count_reached[mine.mine_id, k] = step
        steps.append(step)

    plan.model.add(sum(steps) == sum(visits))
    for before, after in zip(steps, steps[1:], strict=False):
        plan.model.add_implication(after, before)

    burden = plan.scenario.policy.weights.visit_burden * VALUE_SCALE
    plan.value_terms.append(
        sum(
            round(value * decay ** (k + done) - burden) * step
            for k, step in enumerate(steps)
        )
    )


def objective(plan: PlanModel) -> cp_model.LinearExpr:
    """Return the objective: risk value less the penalties (R21, R22)."""
    return (
        sum(plan.value_terms) - sum(plan.penalty_terms) - elastic_penalty(plan)
    )


def plan_value(scenario: Scenario, visits) -> float:
    """Return the objective of a whole-year plan's visits, in risk units.

    Term by term as ``add_objective`` and ``add_rechecks`` count it, and
    rounded as the model rounds, so that it equals the solver's value.
    """
    weights = scenario.policy.weights
    burden = weights.visit_burden * VALUE_SCALE
    hazards = {hazard.hazard_id: hazard for hazard in scenario.hazards}
    months: dict[str, list[int]] = defaultdict(list)
    total = 0
    for visit in visits:
        if visit.kind == "company":
            total += round(weights.company * VALUE_SCALE)
            continue

        months[visit.target_id].append(visit.month)
        if visit.kind == "recheck":
            due = recheck_months(hazards[visit.hazard_id], scenario.year)
            total -= 5 * (visit.month - due[0])

    for mine_id, taken in months.items():
        mine = scenario.mine(mine_id)
        value = mine_value(mine, scenario) * VALUE_SCALE
        total += sum(
            round(value * weights.decay**k - burden) for k in range(len(taken))
        )
        if (
            "water" in mine.disasters
            and min(taken) < weights.flood_season_start
        ):
            total += round(value * weights.pre_flood_bonus)

    return total / VALUE_SCALE


def elastic_penalty(plan: PlanModel) -> cp_model.LinearExpr | int:
    """Return the elastic penalty, larger than any value it could buy."""
    shortfalls = [
        *plan.variables.floor_shortfall.values(),
        *plan.variables.joint_shortfall.values(),
        *plan.variables.recheck_shortfall.values(),
    ]
    if not shortfalls:
        return 0

    # Every unit of shortfall costs more than the whole value of a plan,
    # so the elastic model first meets all it can, then optimises value.
    big = 1 + sum(
        round(mine_value(mine, plan.scenario) * VALUE_SCALE) * 13
        for mine in plan.scenario.mines
    )
    big += VALUE_SCALE * 4 * len(plan.scenario.companies)
    return big * sum(shortfalls)


def reference_keys(visits) -> set[tuple]:
    """Return the model keys of planned visits, as the warm start uses."""
    keys = set()
    for visit in visits:
        if visit.kind in ("routine", "joint"):
            keys.add((visit.side, visit.target_id, visit.month))
        elif visit.kind == "recheck":
            keys.add(("recheck", visit.hazard_id, visit.month))
        elif visit.kind == "special":
            keys.add(
                ("special", visit.campaign_id, visit.target_id, visit.month)
            )
        else:
            keys.add(("company", visit.target_id, visit.month))

    return keys


def add_changes(plan: PlanModel) -> None:
    """Count the changes from the plan being adjusted (R23).

    Each visit added or removed is one change, so a visit moved to another
    month counts two. Empty without a reference plan.
    """
    if not plan.frame.reference:
        return

    reference = reference_keys(plan.frame.reference)
    for family, key, var in model_visit_variables(plan):
        planned = (family, *key) in reference
        plan.change_terms.append(1 - var if planned else var)

    if plan.frame.approved_total is not None:
        _add_total_deviation(plan)


def model_visit_variables(plan: PlanModel):
    """Yield ``(family, key, variable)`` for every visit variable."""
    families = {
        "regulator": plan.variables.regulator_visit,
        "supervisor": plan.variables.supervisor_visit,
        "joint": plan.variables.joint_visit,
        "recheck": plan.variables.recheck_visit,
        "special": plan.variables.special_visit,
        "company": plan.variables.company_visit,
    }
    for family, variables in families.items():
        for key, var in variables.items():
            yield family, key, var


def _add_total_deviation(plan: PlanModel) -> None:
    """Measure how far capped visits stray from the approved total."""
    scenario = plan.scenario
    counted = [
        *plan.variables.regulator_visit.values(),
        *plan.variables.supervisor_visit.values(),
        *plan.variables.joint_visit.values(),
    ]
    for (hazard_id, _), var in plan.variables.recheck_visit.items():
        hazard = next(h for h in scenario.hazards if h.hazard_id == hazard_id)
        if scenario.body(hazard.found_by).side != "supervisor":
            counted.append(var)

    fixed = sum(plan.tally.total.values())
    target = plan.frame.approved_total - fixed
    bound = len(counted) + abs(target)
    over = plan.model.new_int_var(0, bound, "total_over_approved")
    under = plan.model.new_int_var(0, bound, "total_under_approved")
    plan.model.add(sum(counted) - over + under == target)
    plan.total_deviation = [over, under]


def risk_coverage(scenario: Scenario, visits) -> float:
    """Return the risk-weighted coverage of visits (R21, R22).

    The sum over mines of the first visit's value (``mine_value``) times
    ``1 + decay + ... + decay ** (n - 1)`` for its ``n`` visits; parent
    company visits are left out.
    """
    counts = Counter(v.target_id for v in visits if v.kind != "company")
    decay = scenario.policy.weights.decay
    return sum(
        mine_value(scenario.mine(mine_id), scenario)
        * sum(decay**k for k in range(count))
        for mine_id, count in counts.items()
    )
