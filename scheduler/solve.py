"""Solve the plan model and turn the solution into visits.

``solve`` never raises on an infeasible scenario: it returns a result with
status ``infeasible`` and an explanation in the planner's terms.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from models.plan import Visit, number_visits
from models.records import Scenario, quarter_of
from scheduler.model import (
    VALUE_SCALE,
    PlanModel,
    build_model,
    elastic_penalty,
    model_visit_variables,
    risk_coverage,
    visit_days,
)
from scheduler.warmstart import add_hints, greedy_plan

logger = logging.getLogger(__name__)

STATUS_NAMES = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.UNKNOWN: "unknown",
}

REGULAR_ITEMS = ("major_risk", "major_hazards", "principal_duty")


@dataclass(frozen=True)
class SolveOptions:
    """How to solve a plan.

    Parameters
    ----------
    time_limit
        Solver work limit in seconds. It is counted in CP-SAT's
        deterministic time, so the same input and seed give the same plan
        on any machine; wall time may differ a little.
    seed
        Random seed of the solver; ``None`` uses the scenario's seed.
    workers
        Parallel search workers.
    elastic
        Plan anyway when floors, joint minimums or re-checks cannot all
        be met, and report what falls short.
    """

    time_limit: float = 5.0
    seed: int | None = None
    workers: int = 1
    elastic: bool = False


@dataclass(frozen=True)
class Shortfall:
    """A floor, joint minimum or re-check the plan could not meet.

    Parameters
    ----------
    rule
        ``floor``, ``R10`` or ``R13``.
    target
        The mine, hazard or joint scope concerned.
    body
        The body that would have had to visit.
    wanted, planned
        What the rule asks for and what the plan holds.
    message
        The shortfall in the planner's words.
    """

    rule: str
    target: str
    body: str
    wanted: int
    planned: int
    message: str


@dataclass(frozen=True)
class PlanResult:
    """The outcome of solving a scenario.

    Parameters
    ----------
    status
        ``optimal``, ``feasible``, ``infeasible`` or ``unknown`` (no plan
        found within the time limit).
    visits
        The planned visits, numbered; empty without a plan.
    objective, best_bound
        Objective value and the solver's bound, in risk units.
    gap
        Relative gap between objective and bound.
    solve_seconds
        Wall time spent solving.
    seed, workers, time_limit, mode
        How the plan was solved.
    shortfalls
        What an elastic plan could not meet.
    explanation
        Why no plan exists, in the planner's terms.
    source
        ``cp-sat``, or ``warm start`` when the solver found nothing in its
        time limit and the checked greedy plan is returned (no bound).
    """

    status: str
    visits: tuple[Visit, ...] = ()
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    solve_seconds: float = 0.0
    seed: int = 0
    workers: int = 1
    time_limit: float = 0.0
    mode: str = "strict"
    shortfalls: tuple[Shortfall, ...] = ()
    explanation: tuple[str, ...] = field(default_factory=tuple)
    source: str = "cp-sat"

    @property
    def has_plan(self) -> bool:
        """Whether the result holds a plan that meets every hard rule."""
        return self.status in ("optimal", "feasible")


class _Progress(cp_model.CpSolverSolutionCallback):
    """Log each improved solution so long solves show progress."""

    def __init__(self, start: float):
        super().__init__()
        self._start = start
        self._count = 0

    def on_solution_callback(self) -> None:
        self._count += 1
        logger.info(
            "solution %d after %.1f s: value %.1f (bound %.1f)",
            self._count,
            time.perf_counter() - self._start,
            self.objective_value / VALUE_SCALE,
            self.best_objective_bound / VALUE_SCALE,
        )


def solver_for(options: SolveOptions, seed: int) -> cp_model.CpSolver:
    """Return a CP-SAT solver set up for reproducible plans."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.random_seed = seed
    params.num_workers = max(options.workers, 1)
    params.max_deterministic_time = options.time_limit
    # One worker searches deterministically; several are interleaved so
    # that the portfolio stays deterministic, which a byte-identical plan
    # needs.
    params.interleave_search = options.workers > 1
    return solver


def run_solver(model, options: SolveOptions, seed: int, callback=None):
    """Solve a model with the options; return the solver and its status.

    With several workers the hints are dropped: CP-SAT 9.15 can abort the
    process on hints with interleaved workers on some infeasible models.
    """
    if options.workers > 1:
        model.clear_hints()

    solver = solver_for(options, seed)
    code = solver.solve(model, callback) if callback else solver.solve(model)
    return solver, _status(solver, code)


def solve(scenario: Scenario, options: SolveOptions) -> PlanResult:
    """Plan a scenario and return the result, never raising if infeasible.

    Parameters
    ----------
    scenario
        A validated scenario.
    options
        Time limit, seed, workers and strict or elastic mode.

    Returns
    -------
    PlanResult
        The plan with its status; for an infeasible strict scenario, an
        explanation and the smallest relaxation the elastic model finds.
    """
    seed = scenario.seed if options.seed is None else options.seed
    result = solve_once(scenario, options, seed)
    if result.status != "infeasible" or options.elastic:
        return result

    from scheduler.explain import explain_infeasible

    logger.info("no plan meets every rule; looking for the reason")
    # The smallest relaxation needs a proven elastic plan, so it gets at
    # least a few seconds whatever the limit of the failed plan.
    longer = replace(options, time_limit=max(options.time_limit, 5.0))
    lines, shortfalls = explain_infeasible(scenario, longer, seed)
    return PlanResult(
        status="infeasible",
        solve_seconds=result.solve_seconds,
        seed=seed,
        workers=options.workers,
        time_limit=options.time_limit,
        mode="strict",
        shortfalls=tuple(shortfalls),
        explanation=tuple(lines),
    )


def solve_once(
    scenario: Scenario, options: SolveOptions, seed: int
) -> PlanResult:
    """Build and solve the model once, strict or elastic as asked.

    Parameters
    ----------
    scenario
        A validated scenario.
    options
        Solve options.
    seed
        Solver seed.
    """
    start = time.perf_counter()
    plan = build_model(scenario, elastic=options.elastic)
    greedy = greedy_plan(plan)
    add_hints(plan, greedy)
    proto = plan.model.proto
    logger.info(
        "model built in %.1f s: %d variables, %d constraints",
        time.perf_counter() - start,
        len(proto.variables),
        len(proto.constraints),
    )

    start = time.perf_counter()
    solver, status = _solve_in_two_rounds(plan, options, seed, start)
    seconds = time.perf_counter() - start

    logger.info("solver finished: %s in %.1f s", status, seconds)
    mode = "elastic" if options.elastic else "strict"
    common = dict(
        seed=seed,
        workers=options.workers,
        time_limit=options.time_limit,
        mode=mode,
        solve_seconds=seconds,
    )
    if status in ("optimal", "feasible") and _worse_than(plan, solver, greedy):
        logger.warning(
            "the solver's plan covers less risk than the greedy warm start "
            "in the time allowed; the warm start is used"
        )
        status = "unknown"

    if status == "unknown":
        logger.warning(
            "the solver found no plan within the time limit; checking the "
            "greedy warm start instead (raise --time-limit for a better "
            "plan)"
        )
        # Value the warm start by the same objective as a solved plan.
        plan.model.maximize(
            sum(plan.value_terms)
            - sum(plan.penalty_terms)
            - elastic_penalty(plan)
        )
        solver, status = _complete_warm_start(plan, seed)
        common["source"] = "warm start"

    if status not in ("optimal", "feasible"):
        return PlanResult(status=status, **common)

    if common.get("source") == "warm start":
        return PlanResult(
            status="feasible",
            visits=tuple(number_visits(extract_visits(plan, solver))),
            objective=round(solver.objective_value / VALUE_SCALE, 3),
            shortfalls=tuple(read_shortfalls(plan, solver)),
            **common,
        )

    objective = solver.objective_value / VALUE_SCALE
    bound = solver.best_objective_bound / VALUE_SCALE
    gap = abs(bound - objective) / max(abs(objective), 1e-9)
    return PlanResult(
        status=status,
        visits=tuple(number_visits(extract_visits(plan, solver))),
        objective=round(objective, 3),
        best_bound=round(bound, 3),
        gap=round(gap, 6),
        shortfalls=tuple(read_shortfalls(plan, solver)),
        **common,
    )


def _worse_than(plan: PlanModel, solver, greedy: set) -> bool:
    """Whether a solved plan covers less risk than the greedy one."""
    found = extract_visits(plan, solver)
    start = visits_of_keys(plan, greedy)
    scenario = plan.scenario
    return risk_coverage(scenario, found) < risk_coverage(scenario, start)


def visits_of_keys(plan: PlanModel, keys: set) -> list[Visit]:
    """Return the visits a set of model keys names, by their variables."""

    class _Chosen:
        """Answers ``boolean_value`` from the keys, like a solver."""

        def __init__(self, chosen: set[int]):
            self.chosen = chosen

        def boolean_value(self, var) -> bool:
            return var.index in self.chosen

    chosen = {
        var.index
        for family, key, var in model_visit_variables(plan)
        if (family, *key) in keys
    }
    return extract_visits(plan, _Chosen(chosen))


def _solve_in_two_rounds(plan: PlanModel, options, seed: int, start):
    """Maximise risk value, then even out the plan without losing any.

    The evenness terms make the model much harder to prove, so the value
    of R21/R22 is maximised first with half the time; then, holding that
    value, the rest of the objective is improved. If the second round
    finds nothing, the first round's plan stands.
    """
    value = sum(plan.value_terms) - elastic_penalty(plan)
    plan.model.maximize(value)
    half = replace(options, time_limit=options.time_limit / 2)
    first, status = run_solver(plan.model, half, seed, _Progress(start))
    logger.info("round 1, risk value: %s", status)
    if status not in ("optimal", "feasible"):
        return first, status

    plan.model.add(value >= round(first.objective_value))
    plan.model.clear_hints()
    for index in range(len(plan.model.proto.variables)):
        var = plan.model.get_int_var_from_proto_index(index)
        plan.model.add_hint(var, first.value(var))

    plan.model.maximize(value - sum(plan.penalty_terms))
    left = max(options.time_limit - first.deterministic_time, 0.1)
    rest = replace(options, time_limit=left)
    second, second_status = run_solver(plan.model, rest, seed)
    logger.info("round 2, evenness: %s", second_status)
    if second_status not in ("optimal", "feasible"):
        return first, "feasible"

    return second, second_status


def _status(solver: cp_model.CpSolver, code) -> str:
    """Return the status name, refusing a model CP-SAT found invalid."""
    status = STATUS_NAMES.get(code)
    if status is None:
        msg = f"CP-SAT rejected the model: {solver.status_name(code)}"
        raise RuntimeError(msg)

    return status


def _complete_warm_start(plan: PlanModel, seed: int):
    """Solve with the greedy plan's visits fixed, to value and check it.

    Used when the solver found no plan in its time limit: the greedy plan
    is still a plan if the model accepts it, though with no bound.
    """
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = 1
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.max_deterministic_time = 60
    code = solver.solve(plan.model)
    status = STATUS_NAMES.get(code, "unknown")
    if status == "optimal":
        status = "feasible"

    logger.info("greedy warm start: %s", status)
    return solver, status


def visit_person_days(scenario: Scenario, bodies, days: float) -> float:
    """Return the person-days of a visit, all bodies together."""
    teams = sum(max(scenario.body(b).team_size, 2) for b in bodies)
    return round(teams * days, 4)


def must_check(mine, kind: str, reference: str = "") -> tuple[str, ...]:
    """Return the must-check items of a visit to a mine (R19)."""
    if kind == "recheck":
        return (f"hazard:{reference}",)

    disasters = tuple(f"disaster:{name}" for name in mine.disasters)
    items = ("major_risk", *disasters, "major_hazards", "principal_duty")
    if kind == "special":
        return (f"campaign:{reference}", *items)

    return items


def extract_visits(plan: PlanModel, solver: cp_model.CpSolver) -> list[Visit]:
    """Return the visits chosen in a solution."""
    scenario = plan.scenario
    variables = plan.variables
    visits: list[Visit] = []
    routine = (
        ("regulator", variables.regulator_visit),
        ("supervisor", variables.supervisor_visit),
        ("joint", variables.joint_visit),
    )
    for side, chosen in routine:
        for (mine_id, month), var in chosen.items():
            if solver.boolean_value(var):
                visits.append(_mine_visit(scenario, mine_id, month, side))

    hazards = {h.hazard_id: h for h in scenario.hazards}
    for (hazard_id, month), var in variables.recheck_visit.items():
        if solver.boolean_value(var):
            hazard = hazards[hazard_id]
            visits.append(_recheck_visit(scenario, hazard, month))

    campaigns = {c.campaign_id: c for c in scenario.campaigns}
    for (campaign_id, mine_id, month), var in variables.special_visit.items():
        if solver.boolean_value(var):
            campaign = campaigns[campaign_id]
            visits.append(_special_visit(scenario, campaign, mine_id, month))

    companies = {c.company_id: c for c in scenario.companies}
    for (company_id, month), var in variables.company_visit.items():
        if solver.boolean_value(var):
            company = companies[company_id]
            visits.append(_company_visit(scenario, company, month))

    return visits


def _mine_visit(scenario, mine_id: str, month: int, side: str) -> Visit:
    """Return a routine or joint visit to a mine."""
    mine = scenario.mine(mine_id)
    bodies = {
        "regulator": (mine.regulator_id,),
        "supervisor": (mine.supervisor_id,),
        "joint": (mine.regulator_id, mine.supervisor_id),
    }[side]
    kind = "joint" if side == "joint" else "routine"
    return Visit(
        month=month,
        kind=kind,
        target_id=mine_id,
        target_name=mine.name,
        body_ids=bodies,
        side=side,
        counts_toward_caps=True,
        person_days=visit_person_days(
            scenario, bodies, visit_days(mine, scenario)
        ),
        must_check=must_check(mine, kind),
    )


def _one_body_visit(scenario, mine, body_id: str, month: int, **fields):
    """Return a re-check or campaign visit by one body to a mine."""
    body = scenario.body(body_id)
    days = visit_days(mine, scenario)
    return Visit(
        month=month,
        target_id=mine.mine_id,
        target_name=mine.name,
        body_ids=(body_id,),
        side=body.side,
        person_days=visit_person_days(scenario, (body_id,), days),
        **fields,
    )


def _recheck_visit(scenario, hazard, month: int) -> Visit:
    """Return the re-check of a major hazard (R13)."""
    mine = scenario.mine(hazard.mine_id)
    found_by = scenario.body(hazard.found_by)
    return _one_body_visit(
        scenario,
        mine,
        hazard.found_by,
        month,
        kind="recheck",
        counts_toward_caps=found_by.side != "supervisor",
        must_check=must_check(mine, "recheck", hazard.hazard_id),
        hazard_id=hazard.hazard_id,
    )


def _special_visit(scenario, campaign, mine_id: str, month: int) -> Visit:
    """Return a campaign visit, outside the caps (R14)."""
    mine = scenario.mine(mine_id)
    return _one_body_visit(
        scenario,
        mine,
        campaign.body_id,
        month,
        kind="special",
        counts_toward_caps=False,
        must_check=must_check(mine, "special", campaign.campaign_id),
        campaign_id=campaign.campaign_id,
    )


def _company_visit(scenario, company, month: int) -> Visit:
    """Return a parent company visit (R8)."""
    body = scenario.body(company.body_id)
    days = scenario.policy.company_visit_days
    return Visit(
        month=month,
        kind="company",
        target_id=company.company_id,
        target_name=company.name,
        body_ids=(body.body_id,),
        side=body.side,
        counts_toward_caps=True,
        person_days=visit_person_days(scenario, (body.body_id,), days),
        must_check=REGULAR_ITEMS,
    )


def read_shortfalls(
    plan: PlanModel, solver: cp_model.CpSolver
) -> list[Shortfall]:
    """Return the floors, joint minimums and re-checks left unmet.

    Each is recounted from the chosen visits: a shortfall variable may be
    slack when the solver stopped before proving its plan.
    """
    scenario = plan.scenario
    variables = plan.variables
    got = _chosen_counts(plan, solver)
    found = []
    for mine_id, side in variables.floor_shortfall:
        mine = scenario.mine(mine_id)
        wanted = scenario.policy.floor_for(mine.kind, mine.category, side)
        missing = wanted - got[mine_id, side]
        if missing <= 0:
            continue

        body = (
            mine.supervisor_id if side == "supervisor" else mine.regulator_id
        )
        message = (
            f"floor: mine {mine_id} ({mine.name}, {mine.kind} "
            f"{mine.category}) gets {wanted - missing} of its {wanted} "
            f"{side}-side visit(s) from {body}"
        )
        found.append(
            Shortfall(
                "floor", mine_id, body or "", wanted, wanted - missing, message
            )
        )

    minimum = scenario.policy.joint_minimum
    for scope, quarter in variables.joint_shortfall:
        missing = minimum - got["joint", scope, quarter]
        if missing > 0:
            message = (
                f"R10: {scope} holds {minimum - missing} of {minimum} "
                f"joint visit(s) in Q{quarter}"
            )
            found.append(
                Shortfall(
                    "R10",
                    f"Q{quarter}",
                    scope,
                    minimum,
                    minimum - missing,
                    message,
                )
            )

    for hazard_id in variables.recheck_shortfall:
        if not got["recheck", hazard_id]:
            hazard = next(
                h for h in scenario.hazards if h.hazard_id == hazard_id
            )
            message = (
                f"R13: hazard {hazard_id} at mine {hazard.mine_id} gets no "
                f"re-check by {hazard.found_by} after {hazard.deadline}"
            )
            found.append(
                Shortfall("R13", hazard_id, hazard.found_by, 1, 0, message)
            )

    return found


def _chosen_counts(plan: PlanModel, solver: cp_model.CpSolver):
    """Count chosen and fixed visits per mine side, joint scope, hazard."""
    scenario = plan.scenario
    tally = plan.tally
    counts = Counter(tally.floor)
    by_scope = scenario.policy.joint_scope == "division"
    for (scope, quarter), number in tally.joints.items():
        counts["joint", scope, quarter] += number

    sides = {
        "regulator": ("regulator", "any"),
        "supervisor": ("supervisor", "any"),
        "joint": ("regulator", "supervisor", "any"),
    }
    for family, key, var in model_visit_variables(plan):
        if not solver.boolean_value(var):
            continue

        if family == "recheck":
            counts["recheck", key[0]] += 1
        for side in sides.get(family, ()):
            counts[key[0], side] += 1

        if family == "joint":
            mine = scenario.mine(key[0])
            scope = mine.supervisor_id if by_scope else "province"
            counts["joint", scope, quarter_of(key[1])] += 1

    for hazard_id in tally.rechecked:
        counts["recheck", hazard_id] += 1

    return counts
