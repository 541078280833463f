"""What a plan may change: the frame of a re-plan (R23).

A first plan may place visits in every month. A re-plan in mid-year keeps
the inspections already done as facts, keeps the visits being prepared,
and may only change the rest (R23). The frame says which visits are fixed,
which months are open, the caps to count against (a mine reclassified
mid-year gets prorated caps), and the plan being adjusted, so that the
model changes as little of it as it can.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from models.plan import Visit
from models.policy import Caps
from models.records import MONTHS, Scenario, quarter_of


@dataclass(frozen=True)
class Frame:
    """The fixed part of a plan and what may still change.

    Parameters
    ----------
    fixed
        Visits that stay as they are: inspections done (facts) and visits
        already being prepared.
    months
        Months in which new visits may be placed.
    caps
        Yearly caps per mine that replace the policy's (R4-R7), for
        mines whose category changed during the year.
    reference
        The plan being adjusted, in the open months: the model keeps as
        much of it as it can.
    approved_total
        Capped visits of the approved plan; a re-plan keeps the total
        where the rules allow.
    free_mines
        Mines whose open-month visits may change; ``None`` for all. Other
        mines keep their reference visits.
    closed
        Mines closed during the year: no further visit, no floor.
    """

    fixed: tuple[Visit, ...] = ()
    months: tuple[int, ...] = MONTHS
    caps: dict[str, Caps] = field(default_factory=dict)
    reference: tuple[Visit, ...] = ()
    approved_total: int | None = None
    free_mines: frozenset[str] | None = None
    closed: frozenset[str] = frozenset()


@dataclass
class FixedTally:
    """Counts of the fixed visits that the rules of the model use."""

    months: dict[str, list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    regulator: Counter = field(default_factory=Counter)
    supervisor: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    floor: Counter = field(default_factory=Counter)
    visits: Counter = field(default_factory=Counter)
    load: Counter = field(default_factory=Counter)
    joints: Counter = field(default_factory=Counter)
    rechecked: set[str] = field(default_factory=set)
    special: Counter = field(default_factory=Counter)
    company: Counter = field(default_factory=Counter)


def tally_fixed(scenario: Scenario, fixed: tuple[Visit, ...]) -> FixedTally:
    """Count the fixed visits per mine, side, body, month and quarter.

    Person-days come from each visit's own ``person_days``, shared among
    its bodies by team size (R16).
    """
    tally = FixedTally()
    sides = {body.body_id: body.side for body in scenario.bodies}
    teams = {body.body_id: max(body.team_size, 2) for body in scenario.bodies}
    by_scope = scenario.policy.joint_scope == "division"
    for visit in fixed:
        team_total = sum(teams.get(b, 2) for b in visit.body_ids) or 1
        for body_id in visit.body_ids:
            share = visit.person_days * teams.get(body_id, 2) / team_total
            tally.load[body_id, visit.month] += round(share * 10)

        if visit.kind == "company":
            tally.company[visit.target_id] += 1
            continue

        _tally_mine_visit(scenario, tally, visit, sides, by_scope)

    return tally


def _tally_mine_visit(scenario, tally, visit, sides, by_scope) -> None:
    """Count one fixed visit to a mine."""
    mine_id = visit.target_id
    tally.months[mine_id].append(visit.month)
    tally.visits[mine_id] += 1
    visit_sides = {sides.get(b) for b in visit.body_ids}
    if visit.counts_toward_caps:
        tally.total[mine_id] += 1
        tally.regulator[mine_id] += "regulator" in visit_sides
        tally.supervisor[mine_id] += "supervisor" in visit_sides

    if visit.kind in ("routine", "joint"):
        for side in visit_sides:
            tally.floor[mine_id, side] += 1

        tally.floor[mine_id, "any"] += 1

    if visit.kind == "joint":
        mine = scenario.mine(mine_id)
        scope = mine.supervisor_id if by_scope else "province"
        tally.joints[scope, quarter_of(visit.month)] += 1

    if visit.kind == "recheck":
        tally.rechecked.add(visit.hazard_id)

    if visit.kind == "special":
        tally.special[visit.campaign_id] += 1
