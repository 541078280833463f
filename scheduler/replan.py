"""Re-plan mid-year: keep what was done, change as little as possible (R23).

A re-plan takes the filed plan, the inspections recorded so far and a
changes file (reclassified, added or closed mines, officers, hazards,
campaigns). Inspections before the as-of date are facts and never move;
by default the visits of the month being prepared stay as they are. The
rest is re-planned in two rounds: first the fewest changes (after meeting
every rule and keeping the approved total where the rules allow), then the
best value with that many changes.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

from ortools.sat.python import cp_model

from models.actuals import UNPLANNED_KINDS, Actual
from models.changes import Changes
from models.plan import Visit, number_visits
from models.policy import Caps
from models.records import Scenario
from scheduler.checker import Adjustment
from scheduler.frame import Frame
from scheduler.model import (
    VALUE_SCALE,
    PlanModel,
    build_model,
    model_visit_variables,
    reference_keys,
    visit_days,
)
from scheduler.solve import (
    PlanResult,
    SolveOptions,
    extract_visits,
    must_check,
    read_shortfalls,
    run_solver,
    visit_person_days,
)
from scheduler.warmstart import add_hints

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplanOptions:
    """How to re-plan.

    Parameters
    ----------
    as_of
        Inspections before this date are facts.
    keep_next_month
        Keep the visits of the as-of month, already being prepared.
    whole_year
        Apply a new category's caps to the whole year instead of
        prorating them by the share of the year under each category.
    solve
        Time limit, seed, workers and strict or elastic mode.
    """

    as_of: date
    keep_next_month: bool = True
    whole_year: bool = False
    solve: SolveOptions = field(default_factory=SolveOptions)


@dataclass(frozen=True)
class ReplanResult:
    """A re-plan, what it kept and why it changed what it changed.

    Parameters
    ----------
    result
        The plan of the whole year: facts, kept visits and new visits.
    scenario
        The scenario with the changes applied.
    adjustment
        Caps, closed mines and first open month, for the checker.
    reasons
        Why each changed mine changed, by mine id.
    approved_total, new_total
        Capped visits of the filed plan and of the re-plan.
    notes
        What the re-plan did, in the planner's words.
    """

    result: PlanResult
    scenario: Scenario
    adjustment: Adjustment
    reasons: dict[str, str]
    approved_total: int
    new_total: int
    notes: tuple[str, ...] = ()


def prorated_caps(
    scenario: Scenario, mine_id: str, old: str, new: str, day: date
) -> Caps:
    """Return a mine's caps after a change of category on ``day``.

    Each cap is the old and the new category's cap weighted by the share
    of the year under each, rounded up (R4-R7, R23).
    """
    mine = scenario.mine(mine_id)
    policy = scenario.policy
    before = policy.caps(mine.kind, old, mine.regulator_id)
    after = policy.caps(mine.kind, new, mine.regulator_id)
    year_days = (date(day.year, 12, 31) - date(day.year, 1, 1)).days + 1
    share = (date(day.year, 12, 31) - day).days / year_days + 1 / year_days

    def mix(a: int, b: int) -> int:
        return math.ceil(a * (1 - share) + b * share - 1e-9)

    return Caps(
        mix(before.total, after.total),
        mix(before.regulator, after.regulator),
        mix(before.supervisor, after.supervisor),
    )


def fact_visits(scenario: Scenario, actuals: list[Actual], as_of: date):
    """Return recorded inspections before ``as_of`` as visits (facts).

    Unplanned verifications (R15) come out of the reserve and count
    toward no cap, so they are not part of the plan.
    """
    sides = {body.body_id: body.side for body in scenario.bodies}
    supervisors_found = {
        h.hazard_id
        for h in scenario.hazards
        if sides.get(h.found_by) == "supervisor"
    }
    visits = []
    for actual in actuals:
        if actual.day >= as_of or actual.kind in UNPLANNED_KINDS:
            continue

        if actual.kind == "company":
            days = scenario.policy.company_visit_days
            names = {c.company_id: c.name for c in scenario.companies}
            name, items = names.get(actual.target_id, ""), ()
        else:
            mine = scenario.mine(actual.target_id)
            days = visit_days(mine, scenario)
            name = mine.name
            reference = actual.hazard_id or actual.campaign_id
            items = must_check(mine, actual.kind, reference)

        body_sides = {sides[b] for b in actual.body_ids}
        side = "joint" if len(body_sides) > 1 else body_sides.pop()
        counts = actual.kind in ("routine", "joint", "company") or (
            actual.kind == "recheck"
            and actual.hazard_id not in supervisors_found
        )
        visits.append(
            Visit(
                month=actual.month,
                kind=actual.kind,
                target_id=actual.target_id,
                target_name=name,
                body_ids=actual.body_ids,
                side=side,
                counts_toward_caps=counts,
                person_days=visit_person_days(scenario, actual.body_ids, days),
                must_check=items,
                hazard_id=actual.hazard_id,
                campaign_id=actual.campaign_id,
            )
        )

    return visits


def counted_total(visits) -> int:
    """Return the visits to mines that count toward the caps."""
    return sum(
        1 for v in visits if v.counts_toward_caps and v.kind != "company"
    )


def _frozen(reference, facts, months) -> list[Visit]:
    """Return planned visits of the kept months not already done."""
    done = {(v.target_id, v.month) for v in facts}
    return [
        visit
        for visit in reference
        if visit.month in months and (visit.target_id, visit.month) not in done
    ]


def _changed_mines(scenario: Scenario, changes: Changes) -> set[str]:
    """Return the mines a change touches directly.

    A body whose officers change shares its new capacity among all its
    mines, so they are all touched; so are a new campaign's targets.
    """
    mines = {c.mine_id for c in changes.category_changes}
    mines |= {m.mine_id for m in changes.mines_added}
    mines |= {h.mine_id for h in changes.hazards}
    bodies = {c.body_id for c in changes.officers}
    bodies |= {c.body_id for c in changes.campaigns}
    return mines | _mines_of(scenario, bodies)


def _mines_of(scenario: Scenario, bodies: set[str]) -> set[str]:
    """Return the mines a regulator or supervisor body oversees."""
    return {
        mine.mine_id
        for mine in scenario.mines
        if mine.regulator_id in bodies or mine.supervisor_id in bodies
    }


def _diverged(filed, facts, before_month: int) -> set[str]:
    """Return the mines whose inspections so far differ from the plan.

    A visit missed or made outside the plan changes what the rest of the
    year needs (floors, caps, gaps), so such a mine is re-planned too.
    """

    def done(visits) -> Counter:
        return Counter(
            (v.target_id, v.month, v.kind, v.side)
            for v in visits
            if v.month < before_month and v.kind != "company"
        )

    planned, made = done(filed), done(facts)
    return {key[0] for key in (planned - made) + (made - planned)}


def _neighbourhoods(
    scenario: Scenario, changes: Changes, diverged: set[str]
) -> list:
    """Return the sets of mines to re-plan, smallest first.

    First only the mines a change touches or whose year so far differs
    from the plan; then every mine of their bodies, so a visit taken from
    one mine can go to another of the same body; then the whole province.
    """
    changed = _changed_mines(scenario, changes) | diverged
    bodies = {scenario.mine(m).regulator_id for m in changed}
    bodies |= {scenario.mine(m).supervisor_id for m in changed} - {None}
    wider = changed | _mines_of(scenario, bodies)
    stages = [frozenset(changed), frozenset(wider), None]
    return [s for i, s in enumerate(stages) if s not in stages[:i]]


def replan(
    scenario: Scenario,
    changes: Changes,
    filed: list[Visit],
    actuals: list[Actual],
    options: ReplanOptions,
) -> ReplanResult:
    """Re-plan the rest of the year after changes (R23).

    Parameters
    ----------
    scenario
        The scenario of the filed plan.
    changes
        The changes to apply.
    filed
        The visits of the filed plan.
    actuals
        The inspections recorded so far.
    options
        As-of date, months kept, cap rule and solve options.

    Returns
    -------
    ReplanResult
        The new plan of the year with what changed and why; its result
        has status ``infeasible`` with an explanation if no plan exists.
    """
    new_scenario, caps, reasons = changes.apply(
        scenario, options.as_of, options.whole_year, prorated_caps
    )
    facts = fact_visits(new_scenario, actuals, options.as_of)
    first_open = options.as_of.month + (1 if options.keep_next_month else 0)
    kept_months = range(options.as_of.month, first_open)
    closed = frozenset(c.mine_id for c in changes.mines_closed)
    frozen = _frozen(filed, facts, kept_months)
    reference = tuple(
        v for v in filed if v.month >= first_open and v.target_id not in closed
    )
    caps = _caps_with_facts(new_scenario, caps, facts)
    frozen = _within_caps(new_scenario, caps, facts, frozen)
    approved = counted_total(filed)
    frame = Frame(
        fixed=tuple(facts) + tuple(frozen),
        months=tuple(range(first_open, 13)),
        caps=caps,
        reference=reference,
        approved_total=approved,
        closed=closed,
    )
    result = None
    diverged = _diverged(filed, facts, options.as_of.month)
    for free in _neighbourhoods(new_scenario, changes, diverged):
        # The whole province is only worth its time when nothing smaller
        # gave a plan at all.
        if free is None and result is not None and result.has_plan:
            break

        attempt = _solve_frame(
            new_scenario, replace(frame, free_mines=free), options.solve
        )
        if result is None or (attempt.has_plan and not result.has_plan):
            result = attempt

        if attempt.has_plan and counted_total(attempt.visits) == approved:
            result = attempt
            break

        logger.info(
            "re-planning %s mine(s) %s; widening",
            "all" if free is None else len(free),
            "found no plan" if not attempt.has_plan else "changes the total",
        )

    adjustment = Adjustment(caps=caps, closed=closed, open_from=first_open)
    new_total = counted_total(result.visits)
    notes = _notes(changes, approved, new_total, result)
    return ReplanResult(
        result, new_scenario, adjustment, reasons, approved, new_total, notes
    )


def _caps_with_facts(scenario, caps, facts) -> dict[str, Caps]:
    """Raise changed caps to what was already done (never retroactive)."""
    done = _side_counts(scenario, facts)

    return {
        mine_id: Caps(
            max(cap.total, done[mine_id, "total"]),
            max(cap.regulator, done[mine_id, "regulator"]),
            max(cap.supervisor, done[mine_id, "supervisor"]),
        )
        for mine_id, cap in caps.items()
    }


def _within_caps(scenario, caps, facts, frozen) -> list[Visit]:
    """Drop kept visits of mines whose new caps they would break.

    A visit being prepared is kept only while the rules allow it; a mine
    reclassified to a lower cap may already have used it (R5-R7, R23).
    """
    counted = _side_counts(scenario, facts + frozen)
    over = {
        mine_id
        for mine_id, cap in caps.items()
        if counted[mine_id, "total"] > cap.total
        or counted[mine_id, "regulator"] > cap.regulator
        or counted[mine_id, "supervisor"] > cap.supervisor
    }
    return [visit for visit in frozen if visit.target_id not in over]


def _side_counts(scenario, visits) -> Counter:
    """Count capped visits per mine: in total and per side (R9)."""
    sides = {body.body_id: body.side for body in scenario.bodies}
    counts = Counter()
    for visit in visits:
        if not visit.counts_toward_caps or visit.kind == "company":
            continue

        counts[visit.target_id, "total"] += 1
        for side in {sides[b] for b in visit.body_ids}:
            counts[visit.target_id, side] += 1

    return counts


def _notes(changes, approved, new_total, result) -> tuple[str, ...]:
    """Say what the re-plan did with the approved total."""
    notes = [f"changes applied: {line}" for line in changes.describe()]
    if not result.has_plan:
        return tuple(notes)

    if new_total == approved:
        notes.append(f"the approved total of {approved} capped visits is kept")
    else:
        notes.append(
            f"the approved total of {approved} capped visits could not be "
            f"kept within the rules: the re-plan holds {new_total}"
        )

    return tuple(notes)


def _solve_frame(
    scenario: Scenario, frame: Frame, options: SolveOptions
) -> PlanResult:
    """Solve a framed model: fewest changes first, then best value."""
    start = time.perf_counter()
    plan = build_model(scenario, elastic=options.elastic, frame=frame)
    add_hints(plan, reference_keys(frame.reference))

    logger.info(
        "re-plan model built in %.1f s: %d variables",
        time.perf_counter() - start,
        len(plan.model.proto.variables),
    )
    seed = scenario.seed if options.seed is None else options.seed
    changes_expr = _lexicographic_changes(plan)
    plan.model.minimize(changes_expr)
    half = replace(options, time_limit=options.time_limit / 2)
    solver, status, _ = run_solver(plan.model, half, seed)
    logger.info("fewest changes: %s", status)
    if status not in ("optimal", "feasible"):
        return _no_plan(scenario, frame, options, status, seed)

    # Second round: keep that few changes, find the best value.
    fewest = round(solver.objective_value)
    plan.model.add(changes_expr <= fewest)
    plan.model.clear_hints()
    for _, _, var in model_visit_variables(plan):
        plan.model.add_hint(var, solver.boolean_value(var))

    plan.model.maximize(sum(plan.value_terms) - sum(plan.penalty_terms))
    first = solver
    solver, status, _ = run_solver(plan.model, half, seed)
    logger.info("best value with %d change(s): %s", fewest, status)
    if status not in ("optimal", "feasible"):
        # The fewest-changes plan is a plan too; keep it, without a bound.
        solver, status = first, "feasible"

    visits = list(_kept(frame)) + extract_visits(plan, solver)
    objective = bound = gap = None
    if solver is not first:
        objective = round(solver.objective_value / VALUE_SCALE, 3)
        bound = round(solver.best_objective_bound / VALUE_SCALE, 3)
        gap = round(abs(bound - objective) / max(abs(objective), 1e-9), 6)

    return PlanResult(
        status=status,
        visits=tuple(number_visits(visits)),
        objective=objective,
        best_bound=bound,
        gap=gap,
        solve_seconds=time.perf_counter() - start,
        seed=seed,
        workers=options.workers,
        time_limit=options.time_limit,
        mode="elastic" if options.elastic else "strict",
        shortfalls=tuple(read_shortfalls(plan, solver)),
    )


def _kept(frame: Frame) -> list[Visit]:
    """Return the fixed visits and the kept visits of mines not free."""
    kept = list(frame.fixed)
    if frame.free_mines is not None:
        kept += [
            v
            for v in frame.reference
            if v.kind != "company"
            and v.target_id not in frame.free_mines
            and v.target_id not in frame.closed
        ]

    return kept


def _lexicographic_changes(plan: PlanModel) -> cp_model.LinearExpr:
    """Return shortfalls, then total deviation, then changes, as one sum.

    Each level weighs more than everything below it could add up to.
    """
    changes = sum(plan.change_terms) if plan.change_terms else 0
    most_changes = len(plan.change_terms) + 1
    deviation = sum(plan.total_deviation) if plan.total_deviation else 0
    most_deviation = (len(plan.change_terms) + 1) * 2 + 1
    shortfalls = [
        *plan.variables.floor_shortfall.values(),
        *plan.variables.joint_shortfall.values(),
        *plan.variables.recheck_shortfall.values(),
    ]
    short = sum(shortfalls) if shortfalls else 0
    weight = most_changes * most_deviation
    return weight * short + most_changes * deviation + changes


def _no_plan(scenario, frame, options, status, seed) -> PlanResult:
    """Return a result without a plan, explained where infeasible."""
    explanation: tuple[str, ...] = ()
    if status == "infeasible":
        explanation = (
            "No re-plan keeps every rule with the inspections done and "
            "the kept visits fixed.",
        )
        if not options.elastic:
            elastic = _solve_frame(
                scenario, frame, replace(options, elastic=True)
            )
            explanation += (
                "The smallest relaxation the elastic re-plan finds (run "
                "with --elastic to plan with it):",
                *(f"  - {item.message}" for item in elastic.shortfalls),
            )

    return PlanResult(
        status=status,
        seed=seed,
        workers=options.workers,
        time_limit=options.time_limit,
        mode="elastic" if options.elastic else "strict",
        explanation=explanation,
    )
