"""Solve the plan model and turn the solution into visits.

``solve`` never raises on an infeasible scenario: it returns a result with
status ``infeasible`` and an explanation in the planner's terms.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from models.plan import Visit, number_visits
from models.records import Scenario
from scheduler.balance import spread_visits
from scheduler.model import (
    VALUE_SCALE,
    PlanModel,
    build_model,
    model_visit_variables,
    new_plan_model,
    objective,
    plan_value,
    risk_coverage,
    visit_days,
)
from scheduler.parts import count_keys, improve_by_parts, key_shortfalls
from scheduler.warmstart import add_hints, greedy_plan

logger = logging.getLogger(__name__)

STATUS_NAMES = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.UNKNOWN: "unknown",
}

REGULAR_ITEMS = ("major_risk", "major_hazards", "principal_duty")
PARTS_FROM = 250  # provinces with more mines are planned part by part
# CP-SAT's deterministic time runs about four times slower than the wall
# clock on the 2-core machines we measure on (see README); limits are
# given in seconds and converted, so a run takes about as long as asked
# while its plan stays the same on any machine.
WORK_PER_SECOND = 0.25
METHODS = ("auto", "single", "parts")


@dataclass(frozen=True)
class SolveOptions:
    """How to solve a plan.

    Parameters
    ----------
    time_limit
        Work limit in seconds: about the wall time on a 2-core machine.
        It is counted in CP-SAT's deterministic time (``WORK_PER_SECOND``
        of it per second), so the same input and seed give the same plan
        on any machine, however fast.
    seed
        Random seed of the solver; ``None`` uses the scenario's seed.
    workers
        Parallel search workers.
    elastic
        Plan anyway when floors, joint minimums or re-checks cannot all
        be met, and report what falls short.
    gap
        Stop once the plan is proven within this relative gap of the
        best possible: of CP-SAT's bound for one model; part by part, of
        ``bound`` when it is given (each part also stops within it).
    bound
        A known upper bound on any plan's value, in risk units, such as
        the LP bound of ``scheduler.relaxation.plan_bound``: shown in the
        progress, kept in the result, and the mark ``gap`` is measured
        against part by part.
    method
        ``single`` solves one model of the whole province; ``parts``
        starts from the greedy plan and plans the province again part by
        part (``scheduler.parts``); ``auto`` takes parts above
        ``PARTS_FROM`` mines.
    """

    time_limit: float = 5.0
    seed: int | None = None
    workers: int = 1
    elastic: bool = False
    gap: float = 0.0
    method: str = "auto"
    bound: float | None = None


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
        ``cp-sat``; ``parts`` when planned part by part (no bound for the
        province); or ``warm start`` when the solver found nothing in its
        time limit and the checked greedy plan is returned (no bound).
    stopped
        Whether the user stopped the search (Ctrl-C): the plan is the
        best found so far.
    improvements
        ``(seconds, objective)`` each time a better plan was found, the
        seconds counted from the start, model building included.
    build_seconds
        Wall time spent building the model (or, part by part, the caps
        and capacity the greedy plan needs).
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
    stopped: bool = False
    improvements: tuple[tuple[float, float], ...] = ()
    build_seconds: float = 0.0

    @property
    def has_plan(self) -> bool:
        """Whether the result holds a plan that meets every hard rule."""
        return self.status in ("optimal", "feasible")


class Progress(cp_model.CpSolverSolutionCallback):
    """Log elapsed time, value, bound and gap as better plans are found.

    Also records each improvement, so a benchmark can tell when the first
    plan came and when the plan got within a gap of the bound.
    """

    def __init__(self, start: float):
        super().__init__()
        self._start = start
        self.improvements: list[tuple[float, float]] = []

    def on_solution_callback(self) -> None:
        elapsed = time.perf_counter() - self._start
        value = self.objective_value / VALUE_SCALE
        bound = self.best_objective_bound / VALUE_SCALE
        self.improvements.append((elapsed, value))
        log_progress(elapsed, value, bound)


def log_progress(elapsed: float, value: float, bound: float | None) -> None:
    """Log one line of progress: elapsed time, value, bound and gap."""
    if bound is None:
        logger.info("%7.1f s  plan value %.1f", elapsed, value)
        return

    gap = abs(bound - value) / max(abs(bound), 1e-9)
    logger.info(
        "%7.1f s  plan value %.1f  bound %.1f  gap %.2f%%",
        elapsed,
        value,
        bound,
        100 * gap,
    )


def solve_interruptibly(solver, model, callback=None) -> tuple[int, bool]:
    """Solve in a thread so that Ctrl-C stops the search cleanly.

    Returns the solver's status code and whether the user stopped it; the
    best plan found so far stays in the solver.
    """
    solver.parameters.catch_sigint_signal = False
    outcome = {}

    def work() -> None:
        args = (model, callback) if callback is not None else (model,)
        outcome["code"] = solver.solve(*args)

    thread = threading.Thread(target=work, daemon=True)
    with _StopOnInterrupt() as stop:
        thread.start()
        while thread.is_alive():
            thread.join(0.2)
            if stop.stopped:
                solver.stop_search()

    stopped = stop.stopped
    return outcome["code"], stopped


def solver_for(options: SolveOptions, seed: int) -> cp_model.CpSolver:
    """Return a CP-SAT solver set up for reproducible plans."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.random_seed = seed
    params.num_workers = max(options.workers, 1)
    params.max_deterministic_time = options.time_limit * WORK_PER_SECOND
    # One worker searches deterministically; several are interleaved so
    # that the portfolio stays deterministic, which a byte-identical plan
    # needs.
    params.interleave_search = options.workers > 1
    return solver


def run_solver(model, options: SolveOptions, seed: int, callback=None):
    """Solve a model; return the solver, its status and if it was stopped.

    With several workers the hints are dropped: CP-SAT 9.15 can abort the
    process on hints with interleaved workers on some infeasible models.
    """
    if options.workers > 1:
        model.clear_hints()

    solver = solver_for(options, seed)
    solver.parameters.relative_gap_limit = options.gap
    code, stopped = solve_interruptibly(solver, model, callback)
    return solver, _status(solver, code), stopped


def solve(scenario: Scenario, options: SolveOptions) -> PlanResult:
    """Plan a scenario and return the result, never raising if infeasible.

    Parameters
    ----------
    scenario
        A validated scenario.
    options
        Time limit, seed, workers, gap, method and strict or elastic mode.

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
    """Solve once, by one model or part by part, strict or elastic.

    Part by part serves strict plans only; when its plan still misses a
    floor, joint minimum or re-check, the one model decides (and proves
    the scenario infeasible if it is).

    Parameters
    ----------
    scenario
        A validated scenario.
    options
        Solve options.
    seed
        Solver seed.
    """
    method = options.method
    if method == "auto":
        large = len(scenario.mines) > PARTS_FROM
        method = "parts" if large and not options.elastic else "single"

    if method == "parts":
        result = _solve_by_parts(scenario, options, seed)
        if result is not None:
            return with_bound(result, options.bound)

        logger.info("part by part missed a rule; solving one model")

    return with_bound(_solve_single(scenario, options, seed), options.bound)


def _solve_single(scenario, options: SolveOptions, seed: int) -> PlanResult:
    """Solve one CP-SAT model of the whole province."""
    begin = time.perf_counter()
    plan = build_model(scenario, elastic=options.elastic)
    build_seconds = time.perf_counter() - begin
    greedy = greedy_plan(plan)
    add_hints(plan, greedy)
    plan.model.maximize(objective(plan))
    proto = plan.model.proto
    logger.info(
        "model built in %.1f s: %d variables, %d constraints",
        build_seconds,
        len(proto.variables),
        len(proto.constraints),
    )

    start = time.perf_counter()
    progress = Progress(begin)
    solver, status, stopped = run_solver(plan.model, options, seed, progress)
    seconds = time.perf_counter() - start
    logger.info("solver finished: %s in %.1f s", status, seconds)
    common = dict(
        seed=seed,
        workers=options.workers,
        time_limit=options.time_limit,
        mode="elastic" if options.elastic else "strict",
        solve_seconds=seconds,
        stopped=stopped,
        improvements=tuple(progress.improvements),
        build_seconds=build_seconds,
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
        plan.model.clear_hints()
        add_hints(plan, greedy)
        solver, status = _complete_warm_start(plan, seed)
        common["source"] = "warm start"

    if status not in ("optimal", "feasible"):
        return PlanResult(status=status, **common)

    visits = extract_visits(plan, solver)
    visits = tuple(number_visits(spread_visits(scenario, visits)))
    shortfalls = tuple(read_shortfalls(plan, solver))
    value = solver.objective_value / VALUE_SCALE
    if common.get("source") == "warm start":
        return PlanResult(
            status="feasible",
            visits=visits,
            objective=round(value, 3),
            shortfalls=shortfalls,
            **common,
        )

    bound = solver.best_objective_bound / VALUE_SCALE
    return PlanResult(
        status=status,
        visits=visits,
        objective=round(value, 3),
        best_bound=round(bound, 3),
        gap=round(abs(bound - value) / max(abs(bound), 1e-9), 6),
        shortfalls=shortfalls,
        **common,
    )


def with_bound(result: PlanResult, bound: float | None) -> PlanResult:
    """Return the result with a further bound, keeping the tighter one.

    Parameters
    ----------
    result
        A result with a plan.
    bound
        An upper bound on the value of any plan, such as the LP bound of
        ``scheduler.relaxation.plan_bound``; ``None`` changes nothing.
    """
    if bound is None or result.objective is None:
        return result

    if result.best_bound is not None:
        bound = min(bound, result.best_bound)

    gap = abs(bound - result.objective) / max(abs(bound), 1e-9)
    return replace(result, best_bound=round(bound, 3), gap=round(gap, 6))


def _solve_by_parts(scenario, options: SolveOptions, seed: int):
    """Plan part by part from the greedy plan; ``None`` if a rule is missed.

    The greedy plan is the first plan, within seconds at any size; the
    parts then improve it (``scheduler.parts``).
    """
    start = time.perf_counter()
    bare = new_plan_model(scenario)
    build_seconds = time.perf_counter() - start
    greedy = greedy_plan(bare)
    first = plan_value(scenario, visits_from_keys(scenario, greedy))
    elapsed = time.perf_counter() - start
    log_progress(elapsed, first, options.bound)
    logger.info("greedy plan in %.1f s; improving it part by part", elapsed)

    stop = _StopOnInterrupt()
    with stop:
        outcome = improve_by_parts(
            scenario,
            greedy,
            options.time_limit * WORK_PER_SECOND,
            seed,
            gap=options.gap,
            should_stop=stop.requested,
            on_improve=_EverySecond(elapsed, options.bound),
            start_value=first,
            target=_target(options),
        )

    seconds = time.perf_counter() - start
    missed = key_shortfalls(scenario, outcome.keys)
    if missed:
        logger.info("part by part misses: %s", "; ".join(missed[:5]))
        return None

    visits = visits_from_keys(scenario, outcome.keys)
    visits = tuple(number_visits(spread_visits(scenario, visits)))
    value = plan_value(scenario, visits)
    improvements = [(elapsed, first)] + [
        (elapsed + t, v) for t, v in outcome.improvements
    ]
    return PlanResult(
        status="feasible",
        visits=visits,
        objective=round(value, 3),
        solve_seconds=seconds,
        seed=seed,
        workers=options.workers,
        time_limit=options.time_limit,
        mode="strict",
        source="parts",
        stopped=stop.stopped or outcome.stopped,
        improvements=tuple(improvements),
        build_seconds=build_seconds,
    )


def _target(options: SolveOptions) -> float | None:
    """Return the value at which part by part may stop, if any."""
    if options.bound is None or options.gap <= 0:
        return None

    return options.bound - options.gap * abs(options.bound)


class _EverySecond:
    """Log part-by-part progress at most once a second, not every part."""

    def __init__(self, offset: float, bound: float | None):
        self._offset = offset
        self._bound = bound
        self._last = -1.0

    def __call__(self, seconds: float, value: float) -> None:
        if seconds - self._last >= 1.0:
            self._last = seconds
            log_progress(self._offset + seconds, value, self._bound)


class _StopOnInterrupt:
    """Turn Ctrl-C into a request to stop between parts."""

    def __init__(self):
        self.stopped = False
        self._previous = None

    def requested(self) -> bool:
        """Whether the user asked to stop."""
        return self.stopped

    def _handle(self, signum, frame) -> None:
        logger.warning("stopping at the user's request (Ctrl-C)")
        self.stopped = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


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


def visits_from_keys(scenario: Scenario, keys) -> list[Visit]:
    """Return the visits named by model keys, without a model."""
    hazards = {h.hazard_id: h for h in scenario.hazards}
    campaigns = {c.campaign_id: c for c in scenario.campaigns}
    companies = {c.company_id: c for c in scenario.companies}
    visits = []
    for family, *rest in sorted(keys, key=str):
        if family in ("regulator", "supervisor", "joint"):
            mine_id, month = rest
            visits.append(_mine_visit(scenario, mine_id, month, family))
        elif family == "recheck":
            hazard_id, month = rest
            visits.append(_recheck_visit(scenario, hazards[hazard_id], month))
        elif family == "special":
            campaign_id, mine_id, month = rest
            campaign = campaigns[campaign_id]
            visits.append(_special_visit(scenario, campaign, mine_id, month))
        else:
            company_id, month = rest
            visits.append(
                _company_visit(scenario, companies[company_id], month)
            )

    return visits


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
    code, _ = solve_interruptibly(solver, plan.model)
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
    tally = plan.tally
    chosen = [
        (family, *key)
        for family, key, var in model_visit_variables(plan)
        if solver.boolean_value(var)
    ]
    counts = count_keys(plan.scenario, chosen)
    counts.update(tally.floor)
    for (scope, quarter), number in tally.joints.items():
        counts["joint", scope, quarter] += number

    for hazard_id in tally.rechecked:
        counts["recheck", hazard_id] += 1

    return counts
