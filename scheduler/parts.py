"""Plan a large province part by part: a large neighbourhood search.

One CP-SAT model of a province of thousands of mines spends minutes in
presolve before it finds a plan. Here the greedy plan comes first; then
each part of the province (the mines of a few regulator bodies) is
planned again by CP-SAT while the rest of the plan stays fixed. What the
rest uses of the shared rules (body capacity, joint visits for R10,
campaign and company visits) is subtracted before the part is solved, so
every part's plan fits the province's. A part's current plan is always a
solution of its own model, so the province's value never falls; and as
every objective term belongs to one mine or company, the province's
value is the sum of the parts'.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

import numpy as np
from ortools.sat.python import cp_model

from models.records import Scenario, quarter_of
from scheduler.frame import FixedTally
from scheduler.model import (
    VALUE_SCALE,
    build_model,
    joint_scopes,
    model_visit_variables,
    objective,
    recheck_months,
    visit_cost,
    visit_days,
)
from scheduler.warmstart import add_hints

logger = logging.getLogger(__name__)

PART_MINES = 40  # mines in one part: CP-SAT proves such a part in seconds
MAX_SWEEPS = 6  # passes over the province, unless it stops improving
PART_TIME = 0.25  # deterministic seconds one part may search
# Building and presolving a part costs about this much deterministic time
# beyond what CP-SAT counts, so many small parts still respect the limit.
PART_OVERHEAD = 0.02
CONVERGED = 1e-4  # a sweep gaining less than this share of value ends it


@dataclass
class PartsOutcome:
    """What a search over the parts of a province found.

    Parameters
    ----------
    keys
        The visit keys of the best plan found.
    improvements
        ``(seconds, objective)`` each time the plan improved.
    proven
        Whether the last sweep proved every part optimal given the rest.
    stopped
        Whether the search was stopped before its limit.
    """

    keys: set
    improvements: list[tuple[float, float]] = field(default_factory=list)
    proven: bool = False
    stopped: bool = False


@dataclass
class _Usage:
    """Shared rules one visit key uses: body load, joints, campaigns."""

    load: dict[tuple[str, int], int]
    joint: tuple[str, int] | None = None
    campaign: str | None = None
    company: str | None = None


class _Ledger:
    """The mine or company of each visit key and what it uses."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.hazards = {h.hazard_id: h for h in scenario.hazards}
        self.campaigns = {c.campaign_id: c for c in scenario.campaigns}
        self.by_scope = scenario.policy.joint_scope == "division"
        self._cache: dict[tuple, _Usage] = {}

    def owner(self, key: tuple) -> tuple[str, str]:
        """Return ``("mine", id)`` or ``("company", id)`` of a visit key."""
        family = key[0]
        if family == "company":
            return ("company", key[1])

        if family == "recheck":
            return ("mine", self.hazards[key[1]].mine_id)

        if family == "special":
            return ("mine", key[2])

        return ("mine", key[1])

    def usage(self, key: tuple) -> _Usage:
        """Return what a visit key uses of the shared rules."""
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._usage(key)

        return found

    def _usage(self, key: tuple) -> _Usage:
        scenario = self.scenario
        family, month = key[0], key[-1]
        if family == "company":
            company = next(
                c for c in scenario.companies if c.company_id == key[1]
            )
            body = scenario.body(company.body_id)
            cost = visit_cost(body, scenario.policy.company_visit_days)
            return _Usage({(body.body_id, month): cost}, company=key[1])

        mine = scenario.mine(self.owner(key)[1])
        bodies = {
            "regulator": (mine.regulator_id,),
            "supervisor": (mine.supervisor_id,),
            "joint": (mine.regulator_id, mine.supervisor_id),
        }.get(family)
        if family == "recheck":
            bodies = (self.hazards[key[1]].found_by,)
        elif family == "special":
            bodies = (self.campaigns[key[1]].body_id,)

        days = visit_days(mine, scenario)
        load = {(b, month): visit_cost(scenario.body(b), days) for b in bodies}
        usage = _Usage(load)
        if family == "joint":
            scope = mine.supervisor_id if self.by_scope else "province"
            usage.joint = (scope, quarter_of(month))
        elif family == "special":
            usage.campaign = key[1]

        return usage

    def tally(self, keys) -> FixedTally:
        """Return the shared use of a set of visit keys."""
        tally = FixedTally()
        for key in keys:
            usage = self.usage(key)
            tally.load.update(usage.load)
            if usage.joint is not None:
                tally.joints[usage.joint] += 1
            if usage.campaign is not None:
                tally.special[usage.campaign] += 1
            if usage.company is not None:
                tally.company[usage.company] += 1

        return tally


def parts_of(scenario: Scenario, sweep: int, seed: int) -> list[list[str]]:
    """Return the parts of a sweep: lists of mine ids, about PART_MINES.

    Mines of one regulator body stay together, and bodies that share a
    supervisor division sit side by side, so each part holds the mines
    that compete for the same capacity. Each sweep starts the parts at a
    different place, so capacity can move across the edges of the last.
    """
    by_body: dict[str, list[str]] = defaultdict(list)
    division: dict[str, Counter] = defaultdict(Counter)
    for mine in scenario.mines:
        by_body[mine.regulator_id].append(mine.mine_id)
        division[mine.regulator_id][mine.supervisor_id or ""] += 1

    def main_division(body_id: str) -> str:
        return min(division[body_id].items(), key=lambda x: (-x[1], x[0]))[0]

    bodies = sorted(by_body, key=lambda b: (main_division(b), b))
    if sweep >= 2:
        rng = np.random.default_rng([seed, sweep])
        bodies = [bodies[i] for i in rng.permutation(len(bodies))]
        bodies.sort(key=main_division)

    order = [mine_id for body_id in bodies for mine_id in by_body[body_id]]
    shift = (sweep % 2) * PART_MINES // 2
    order = order[shift:] + order[:shift]
    return [
        order[start : start + PART_MINES]
        for start in range(0, len(order), PART_MINES)
    ]


def improve_by_parts(
    scenario: Scenario,
    keys: set,
    time_limit: float,
    seed: int,
    gap: float = 0.0,
    should_stop=lambda: False,
    on_improve=lambda seconds, value: None,
    start_value: float = 0.0,
    target: float | None = None,
) -> PartsOutcome:
    """Improve a complete plan part by part until the time limit.

    Parameters
    ----------
    scenario
        The province.
    keys
        Visit keys of a complete plan, as ``greedy_plan`` returns; it may
        fall short of floors or joint minimums, which the parts then try
        to meet first.
    time_limit
        Work limit in CP-SAT deterministic seconds, summed over parts,
        each part also counting ``PART_OVERHEAD``.
    seed
        Seed of the solver and of the order of parts.
    gap
        Relative gap at which a part's search stops.
    should_stop
        Called between parts; ``True`` stops the search (Ctrl-C).
    on_improve
        Called with the elapsed seconds and the plan's value, in risk
        units, each time the plan improves.
    start_value
        Value of the starting plan, in risk units.
    target
        A value at which the plan is good enough: the search stops once
        it is reached (``--gap`` against a known bound).

    Returns
    -------
    PartsOutcome
        The best plan's keys and how the search went.
    """
    start = time.perf_counter()
    ledger = _Ledger(scenario)
    total = ledger.tally(keys)
    held: dict[tuple[str, str], set] = defaultdict(set)
    for key in keys:
        held[ledger.owner(key)].add(key)

    outcome = PartsOutcome(set(keys))
    value = start_value
    work = 0.0
    by_owner = _company_owners(scenario)
    pieces = _Pieces(scenario)

    def reached(value: float) -> bool:
        return target is not None and value >= target

    for sweep in range(MAX_SWEEPS):
        gained, proven = 0.0, True
        for mine_ids in parts_of(scenario, sweep, seed):
            if work >= time_limit or should_stop() or reached(value):
                outcome.stopped = should_stop()
                break

            companies = [c for m in mine_ids for c in by_owner.get(m, ())]
            members = [("mine", m) for m in mine_ids]
            members += [("company", c) for c in companies]
            own = {key for member in members for key in held[member]}
            shared = _minus(total, ledger.tally(own))
            part = pieces.part(mine_ids, companies)
            found = _solve_part(
                part, shared, own, time_limit - work, seed, gap
            )
            work += found.work + PART_OVERHEAD
            proven &= found.optimal
            if found.keys is None or found.gain <= 0:
                continue

            for member in members:
                held[member].clear()

            for key in found.keys:
                held[ledger.owner(key)].add(key)

            total = _plus(shared, ledger.tally(found.keys))
            value += found.gain / VALUE_SCALE
            gained += found.gain / VALUE_SCALE
            elapsed = time.perf_counter() - start
            outcome.improvements.append((elapsed, value))
            on_improve(elapsed, value)

        if outcome.stopped or work >= time_limit or reached(value):
            break

        logger.info("sweep %d over the parts gained %.1f", sweep + 1, gained)
        outcome.proven = proven and gained <= 1e-9
        # A sweep that gains less than a ten-thousandth has converged.
        if gained <= CONVERGED * abs(value):
            break

    outcome.keys = {key for owned in held.values() for key in owned}
    return outcome


def _company_owners(scenario: Scenario) -> dict[str, list[str]]:
    """Give each company to the first mine of its body, or of the province.

    A company visit uses its body's capacity, so it is planned with the
    part that holds that body's mines.
    """
    first_of_body: dict[str, str] = {}
    for mine in scenario.mines:
        first_of_body.setdefault(mine.regulator_id, mine.mine_id)

    owners: dict[str, list[str]] = defaultdict(list)
    for company in scenario.companies:
        anchor = first_of_body.get(company.body_id, scenario.mines[0].mine_id)
        owners[anchor].append(company.company_id)

    return owners


@dataclass
class _PartResult:
    """The keys a part's search found, what they gain, the work spent."""

    keys: set | None
    gain: float
    work: float
    optimal: bool


class _Pieces:
    """Cut the scenario of one part out of the province's, quickly."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.hazards: dict[str, list] = defaultdict(list)
        for hazard in scenario.hazards:
            self.hazards[hazard.mine_id].append(hazard)

        self.companies = {c.company_id: c for c in scenario.companies}

    def part(self, mine_ids, company_ids) -> Scenario:
        """Return the scenario of a part: its mines, hazards, companies."""
        scenario = self.scenario
        return replace(
            scenario,
            mines=tuple(scenario.mine(m) for m in mine_ids),
            hazards=tuple(h for m in mine_ids for h in self.hazards[m]),
            companies=tuple(self.companies[c] for c in company_ids),
        )


def _solve_part(part, shared, own, left, seed, gap):
    """Plan one part with the rest of the province fixed."""
    plan = build_model(part, elastic=True, shared=shared)
    add_hints(plan, own)
    plan.model.maximize(objective(plan))
    before, work = _value_of_hints(plan.model, seed)
    solver = _part_solver(min(left, PART_TIME), seed, gap)
    code = solver.solve(plan.model)
    work += solver.deterministic_time
    status = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if before is None or not status:
        return _PartResult(None, 0.0, work, False)

    after = round(solver.objective_value)
    chosen = {
        (family, *key)
        for family, key, var in model_visit_variables(plan)
        if solver.boolean_value(var)
    }
    return _PartResult(chosen, after - before, work, code == cp_model.OPTIMAL)


def _minus(total: FixedTally, part: FixedTally) -> FixedTally:
    """Return what the rest of the province uses: total less a part."""
    rest = FixedTally()
    rest.load = total.load - part.load
    rest.joints = total.joints - part.joints
    rest.special = total.special - part.special
    rest.company = total.company - part.company
    return rest


def _plus(rest: FixedTally, part: FixedTally) -> FixedTally:
    """Return the province's use: the rest plus a part."""
    total = FixedTally()
    total.load = rest.load + part.load
    total.joints = rest.joints + part.joints
    total.special = rest.special + part.special
    total.company = rest.company + part.company
    return total


def _part_solver(time_limit: float, seed: int, gap: float):
    """Return a one-worker CP-SAT solver: deterministic for a part."""
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = 1
    solver.parameters.max_deterministic_time = max(time_limit, 0.05)
    solver.parameters.relative_gap_limit = gap
    # Ctrl-C is left to the caller, who stops between parts.
    solver.parameters.catch_sigint_signal = False
    return solver


def _value_of_hints(model: cp_model.CpModel, seed: int):
    """Return the objective of a part's current plan and the work spent.

    The hints fix every visit; the solver only sets the shortfalls.
    """
    solver = _part_solver(PART_TIME, seed, 0.0)
    solver.parameters.fix_variables_to_their_hinted_value = True
    code = solver.solve(model)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, solver.deterministic_time

    return round(solver.objective_value), solver.deterministic_time


def count_keys(scenario: Scenario, keys) -> Counter:
    """Count visit keys per mine side, joint scope and quarter, hazard.

    ``(mine, side)`` counts routine and joint visits toward the floors of
    ``regulator``, ``supervisor`` and ``any``; ``("joint", scope,
    quarter)`` the joint visits for R10; ``("recheck", hazard)`` R13.
    """
    sides = {
        "regulator": ("regulator", "any"),
        "supervisor": ("supervisor", "any"),
        "joint": ("regulator", "supervisor", "any"),
    }
    by_scope = scenario.policy.joint_scope == "division"
    counts: Counter = Counter()
    for family, *rest in keys:
        if family == "recheck":
            counts["recheck", rest[0]] += 1

        for side in sides.get(family, ()):
            counts[rest[0], side] += 1

        if family == "joint":
            mine = scenario.mine(rest[0])
            scope = mine.supervisor_id if by_scope else "province"
            counts["joint", scope, quarter_of(rest[1])] += 1

    return counts


def key_shortfalls(scenario: Scenario, keys) -> list[str]:
    """Return the floors, joint minimums and re-checks a plan misses.

    Counted from the visit keys as ``add_floors``, ``add_joint_minimum``
    and ``add_rechecks`` count them.
    """
    policy = scenario.policy
    got = count_keys(scenario, keys)
    missed = []
    for mine in scenario.mines:
        for side in ("regulator", "supervisor", "any"):
            floor = policy.floor_for(mine.kind, mine.category, side)
            if got[mine.mine_id, side] < floor:
                missed.append(f"floor {mine.mine_id} {side}")

    if policy.joint_minimum > 0:
        for scope in joint_scopes(scenario):
            for quarter in (1, 2, 3, 4):
                if got["joint", scope, quarter] < policy.joint_minimum:
                    missed.append(f"R10 {scope} Q{quarter}")

    for hazard in scenario.hazards:
        due = recheck_months(hazard, scenario.year)
        if due and not got["recheck", hazard.hazard_id]:
            missed.append(f"R13 {hazard.hazard_id}")

    return missed
