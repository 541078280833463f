"""The independent checker: recount a written plan against every rule.

The checker reads ``plan.csv`` and the scenario and recounts caps, floors,
gaps, joint minimums, re-checks, campaigns and capacity with its own code.
It shares nothing with the CP-SAT model, so a modelling error shows up
here as a violation with its rule ID.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from models.plan import Visit
from models.records import Scenario

RULE_TITLES = {
    "R3": ("§2", "visits only by the mine's own regulator or supervisor"),
    "R4": ("§3", "total cap per mine"),
    "R5": ("§3", "regulator cap per coal mine"),
    "R6": ("§3", "supervisor cap per coal mine"),
    "R7": ("§3", "regulator cap per non-coal mine"),
    "R8": ("§3", "parent company cap"),
    "R9": ("§3", "joint visits count once per side"),
    "R10": ("§3", "joint visits every quarter"),
    "R11": ("§3", "one visit a month and the minimum gap per mine"),
    "R12": ("§3", "no separate general-hazard re-checks"),
    "R13": ("§3", "major hazard re-checks after the deadline"),
    "R14": ("§3", "special campaigns within window and bound"),
    "R16": ("§4", "teams of at least two certified officers"),
    "R17": ("method 2017", "capacity per body and month"),
    "R19": ("§6", "must-check items of regular visits"),
    "floor": ("policy", "minimum visits per mine"),
}

# Rules the notice words as 原则上 or the policy sets: an elastic plan may
# fall short of them and says so, instead of breaking them silently.
RELAXABLE = ("floor", "R10", "R13")

REGULAR_ITEMS = ("major_risk", "major_hazards", "principal_duty")


@dataclass(frozen=True)
class Violation:
    """One breach of one rule, with the rule ID and clause."""

    rule: str
    message: str

    @property
    def clause(self) -> str:
        """The clause of the notice (or method 2017) the rule comes from."""
        return RULE_TITLES[self.rule][0]

    def __str__(self) -> str:
        return f"{self.rule} ({self.clause}): {self.message}"


@dataclass
class CheckReport:
    """What the checker counted and found.

    Parameters
    ----------
    checked
        How many items (mines, visits, quarters, body-months) each rule
        was checked on.
    violations
        Every breach found.
    """

    checked: Counter = field(default_factory=Counter)
    violations: list[Violation] = field(default_factory=list)

    def breach(self, rule: str, message: str) -> None:
        """Record a violation of a rule."""
        self.violations.append(Violation(rule, message))

    def count(self, rule: str, items: int = 1) -> None:
        """Record that a rule was checked on some items."""
        self.checked[rule] += items

    def hard_violations(self, elastic: bool = False) -> list[Violation]:
        """Return breaches; an elastic plan may fall short of floors."""
        if not elastic:
            return list(self.violations)

        return [v for v in self.violations if v.rule not in RELAXABLE]

    def rule_rows(self) -> list[dict]:
        """Return one row per rule: rule, clause, title, checked, found."""
        found = Counter(v.rule for v in self.violations)
        return [
            {
                "rule": rule,
                "clause": clause,
                "title": title,
                "checked": self.checked[rule],
                "violations": found[rule],
            }
            for rule, (clause, title) in RULE_TITLES.items()
        ]


@dataclass(frozen=True)
class Adjustment:
    """How a re-planned year is checked (R23).

    Parameters
    ----------
    caps
        Caps that replace the policy's for mines reclassified mid-year.
    closed
        Mines closed during the year: they need no floor or re-check.
    open_from
        First month the re-plan could change. Earlier months hold facts,
        so gaps, capacity and joint quarters lying wholly before it are
        not the plan's doing and are not counted against it.
    """

    caps: dict = field(default_factory=dict)
    closed: frozenset[str] = frozenset()
    open_from: int = 1


def check_plan(
    scenario: Scenario,
    visits: list[Visit],
    adjustment: Adjustment | None = None,
) -> CheckReport:
    """Recount a plan against every rule and return what was found.

    Parameters
    ----------
    scenario
        The scenario the plan was made for.
    visits
        The visits as read back from ``plan.csv``.
    adjustment
        For a re-planned year: changed caps, closed mines and the first
        month the re-plan could change.
    """
    context = adjustment or Adjustment()
    report = CheckReport()
    _check_targets_and_teams(scenario, visits, report)

    # Visits to unknown targets or by unknown bodies are already reported
    # under R3; the other rules can only be recounted on the rest.
    visits = _known_visits(scenario, visits)
    mine_visits = [v for v in visits if v.kind != "company"]
    _check_caps(scenario, mine_visits, report, context)
    _check_company_cap(scenario, visits, report)
    _check_joint_quarters(scenario, mine_visits, report, context)
    _check_spacing(scenario, mine_visits, report, context)
    _check_rechecks(scenario, mine_visits, report, context)
    _check_campaigns(scenario, mine_visits, report)
    _check_capacity(scenario, visits, report, context)
    _check_must_check(scenario, mine_visits, report)
    _check_floors(scenario, mine_visits, report, context)
    return report


def _known_visits(scenario: Scenario, visits: list[Visit]) -> list[Visit]:
    """Return the visits whose target and bodies exist in the scenario."""
    bodies = {body.body_id for body in scenario.bodies}
    mines = {mine.mine_id for mine in scenario.mines}
    companies = {company.company_id for company in scenario.companies}
    known = []
    for visit in visits:
        targets = companies if visit.kind == "company" else mines
        if (
            visit.target_id in targets
            and visit.body_ids
            and all(b in bodies for b in visit.body_ids)
        ):
            known.append(visit)

    return known


def _days_of(scenario: Scenario, visit: Visit) -> float:
    """Days one officer spends on the visit."""
    if visit.kind == "company":
        return scenario.policy.company_visit_days

    mine = scenario.mine(visit.target_id)
    if mine.visit_days is not None:
        return mine.visit_days

    return scenario.policy.visit_days[mine.kind]


def _check_targets_and_teams(scenario, visits, report) -> None:
    """Targets and bodies exist, bodies are the right ones (R3, R16)."""
    mines = {mine.mine_id for mine in scenario.mines}
    companies = {c.company_id for c in scenario.companies}
    bodies = {body.body_id: body for body in scenario.bodies}
    for visit in visits:
        report.count("R3")
        report.count("R16")
        known = companies if visit.kind == "company" else mines
        if visit.target_id not in known:
            report.breach(
                "R3", f"{visit.visit_id}: unknown target {visit.target_id}"
            )
            continue

        unknown = [b for b in visit.body_ids if b not in bodies]
        if unknown or not visit.body_ids:
            report.breach("R3", f"{visit.visit_id}: unknown bodies {unknown}")
            continue

        if visit.kind in ("routine", "joint"):
            _check_own_bodies(scenario.mine(visit.target_id), visit, report)

        days = _days_of(scenario, visit)
        teams = [bodies[b].team_size for b in visit.body_ids]
        expected = sum(max(team, 2) * days for team in teams)
        if min(teams) < 2 or not math.isclose(
            expected, visit.person_days, abs_tol=0.05
        ):
            report.breach(
                "R16",
                f"{visit.visit_id}: {visit.person_days} person-days, "
                f"expected {expected:g} (teams of at least 2 officers)",
            )


def _check_own_bodies(mine, visit, report) -> None:
    """A regular visit is made by the mine's own bodies (R3, R9)."""
    if visit.kind == "joint":
        wanted = (mine.regulator_id, mine.supervisor_id)
    elif visit.side == "supervisor":
        wanted = (mine.supervisor_id,)
    else:
        wanted = (mine.regulator_id,)

    if tuple(visit.body_ids) != wanted or None in wanted:
        report.breach(
            "R3",
            f"{visit.visit_id}: mine {mine.mine_id} is visited by "
            f"{';'.join(visit.body_ids)}, but its bodies are "
            f"{';'.join(str(b) for b in wanted)}",
        )


def _counts(scenario, visit) -> bool:
    """Whether a visit counts toward the caps (R9, R13, R14)."""
    if visit.kind in ("routine", "joint", "company"):
        return True

    if visit.kind == "special":
        return False

    found_by = scenario.body(visit.body_ids[0])
    return found_by.side != "supervisor"


def _check_caps(scenario, visits, report, context) -> None:
    """Recount each mine's capped visits per side and in total (R4-R9)."""
    sides = {body.body_id: body.side for body in scenario.bodies}
    total = Counter()
    regulator = Counter()
    supervisor = Counter()
    for visit in visits:
        report.count("R9")
        if visit.counts_toward_caps != _counts(scenario, visit):
            rule = {"special": "R14", "recheck": "R13"}.get(visit.kind, "R9")
            report.breach(
                rule,
                f"{visit.visit_id}: counts_toward_caps is "
                f"{str(visit.counts_toward_caps).lower()} for a "
                f"{visit.kind} visit",
            )

        if not _counts(scenario, visit):
            continue

        # A joint visit is one visit: once in the total, once per side.
        total[visit.target_id] += 1
        visit_sides = {sides.get(b) for b in visit.body_ids}
        regulator[visit.target_id] += "regulator" in visit_sides
        supervisor[visit.target_id] += "supervisor" in visit_sides

    for mine in scenario.mines:
        caps = context.caps.get(mine.mine_id) or scenario.policy.caps(
            mine.kind, mine.category, mine.regulator_id
        )
        label = f"mine {mine.mine_id} ({mine.kind} {mine.category})"
        side_rule = "R5" if mine.is_coal else "R7"
        checks = (
            ("R4", total[mine.mine_id], caps.total, "all bodies"),
            (
                side_rule,
                regulator[mine.mine_id],
                caps.regulator,
                "regulator side",
            ),
            (
                "R6",
                supervisor[mine.mine_id],
                caps.supervisor,
                "supervisor side",
            ),
        )
        for rule, count, cap, who in checks:
            report.count(rule)
            if count > cap:
                report.breach(
                    rule,
                    f"{label}: {count} visits by {who}, cap {cap}",
                )


def _check_company_cap(scenario, visits, report) -> None:
    """Each parent company is visited at most the R8 cap."""
    counts = Counter(v.target_id for v in visits if v.kind == "company")
    cap = scenario.policy.company_cap
    for company in scenario.companies:
        report.count("R8")
        if counts[company.company_id] > cap:
            report.breach(
                "R8",
                f"company {company.company_id}: "
                f"{counts[company.company_id]} visits, cap {cap}",
            )


def _check_joint_quarters(scenario, visits, report, context) -> None:
    """Each scope holds the joint minimum in every quarter (R10)."""
    minimum = scenario.policy.joint_minimum
    coal = [mine for mine in scenario.mines if mine.is_coal]
    if minimum <= 0 or not coal:
        return

    by_division = scenario.policy.joint_scope == "division"
    scopes = (
        sorted({mine.supervisor_id for mine in coal})
        if by_division
        else ["province"]
    )
    held = Counter()
    for visit in visits:
        if visit.kind != "joint":
            continue

        mine = scenario.mine(visit.target_id)
        scope = mine.supervisor_id if by_division else "province"
        held[scope, visit.quarter] += 1

    for scope in scopes:
        for quarter in (1, 2, 3, 4):
            if 3 * quarter < context.open_from:
                continue

            report.count("R10")
            if held[scope, quarter] < minimum:
                report.breach(
                    "R10",
                    f"{scope}: {held[scope, quarter]} joint visit(s) in "
                    f"Q{quarter}, at least {minimum} needed",
                )


def _check_spacing(scenario, visits, report, context) -> None:
    """Visits to one mine lie at least the minimum gap apart (R11)."""
    gap = scenario.policy.min_gap_months
    months = defaultdict(list)
    for visit in visits:
        months[visit.target_id].append(visit.month)

    for mine_id, taken in months.items():
        report.count("R11")
        taken.sort()
        for before, after in zip(taken, taken[1:], strict=False):
            if after - before < gap and after >= context.open_from:
                report.breach(
                    "R11",
                    f"mine {mine_id}: visits in months {before} and "
                    f"{after}, less than {gap} month(s) apart",
                )


def _first_recheck_month(hazard, year) -> int | None:
    """First month a re-check may happen, or None if after the year."""
    day = hazard.deadline + timedelta(days=1)
    if day.year > year:
        return None

    return 1 if day.year < year else day.month


def _check_rechecks(scenario, visits, report, context) -> None:
    """Each major hazard is re-checked once, after its deadline (R12, R13)."""
    hazards = {hazard.hazard_id: hazard for hazard in scenario.hazards}
    done = defaultdict(list)
    for visit in visits:
        if visit.kind != "recheck":
            continue

        report.count("R12")
        hazard = hazards.get(visit.hazard_id)
        if hazard is None or hazard.mine_id != visit.target_id:
            report.breach(
                "R12",
                f"{visit.visit_id}: a re-check of mine {visit.target_id} "
                f"for no open major hazard ({visit.hazard_id or 'none'})",
            )
            continue

        done[hazard.hazard_id].append(visit)

    for hazard in scenario.hazards:
        if hazard.mine_id in context.closed:
            continue

        first = _first_recheck_month(hazard, scenario.year)
        if first is None:
            for visit in done[hazard.hazard_id]:
                report.breach(
                    "R13",
                    f"{visit.visit_id}: hazard {hazard.hazard_id} is "
                    f"re-checked before its deadline {hazard.deadline}",
                )
            continue

        report.count("R13")
        _check_one_recheck(hazard, first, done[hazard.hazard_id], report)


def _check_one_recheck(hazard, first, rechecks, report) -> None:
    """One hazard has exactly one re-check, by its finder, in time."""
    label = f"hazard {hazard.hazard_id} at mine {hazard.mine_id}"
    if len(rechecks) != 1:
        report.breach(
            "R13",
            f"{label}: {len(rechecks)} re-checks planned, exactly 1 needed "
            f"after {hazard.deadline}",
        )
        return

    visit = rechecks[0]
    if visit.body_ids != (hazard.found_by,):
        report.breach(
            "R13",
            f"{label}: re-checked by {';'.join(visit.body_ids)}, but "
            f"{hazard.found_by} found it",
        )

    if visit.month < first:
        report.breach(
            "R13",
            f"{label}: re-checked in month {visit.month}, before the "
            f"deadline {hazard.deadline}",
        )


def _check_campaigns(scenario, visits, report) -> None:
    """Campaign visits stay in window, filter and bound (R14)."""
    campaigns = {c.campaign_id: c for c in scenario.campaigns}
    used = Counter()
    for visit in visits:
        if visit.kind != "special":
            continue

        report.count("R14")
        campaign = campaigns.get(visit.campaign_id)
        if campaign is None:
            report.breach(
                "R14",
                f"{visit.visit_id}: unknown campaign {visit.campaign_id!r}",
            )
            continue

        used[campaign.campaign_id] += 1
        mine = scenario.mine(visit.target_id)
        problem = _campaign_problem(scenario, campaign, mine, visit)
        if problem:
            report.breach("R14", f"{visit.visit_id}: {problem}")

    for campaign in scenario.campaigns:
        if used[campaign.campaign_id] > campaign.max_visits:
            report.breach(
                "R14",
                f"campaign {campaign.campaign_id}: "
                f"{used[campaign.campaign_id]} visits, at most "
                f"{campaign.max_visits} approved",
            )


def _campaign_problem(scenario, campaign, mine, visit) -> str:
    """Return why a campaign visit is out of bounds, or ''."""
    if not campaign.first_month <= visit.month <= campaign.last_month:
        return (
            f"month {visit.month} outside the window "
            f"{campaign.first_month}-{campaign.last_month}"
        )

    if visit.body_ids != (campaign.body_id,):
        return f"made by {';'.join(visit.body_ids)}, not {campaign.body_id}"

    if not campaign.matches(mine):
        return f"mine {mine.mine_id} is not a target of the campaign"

    body = scenario.body(campaign.body_id)
    own = body.body_id in (mine.regulator_id, mine.supervisor_id)
    wide = body.level in ("province", "bureau") and (
        body.side == "regulator" or mine.is_coal
    )
    if not (own or wide):
        return f"{body.body_id} does not oversee mine {mine.mine_id}"

    return ""


def _capacity(body, workdays, reserve) -> list[float]:
    """Inspection person-days of each month, recounted (method 2017)."""
    year = sum(workdays)
    off = body.other_enforcement_days + body.non_enforcement_days
    return [
        max(body.officers * days - off * days / year, 0.0) * (1 - reserve)
        for days in workdays
    ]


def _check_capacity(scenario, visits, report, context) -> None:
    """No body plans more person-days in a month than it has (R17)."""
    load = defaultdict(float)
    for visit in visits:
        days = _days_of(scenario, visit)
        for body_id in visit.body_ids:
            body = scenario.body(body_id)
            load[body_id, visit.month] += max(body.team_size, 2) * days

    reserve = scenario.policy.reserve_share
    for body in scenario.bodies:
        capacity = _capacity(body, scenario.workdays, reserve)
        for month in range(context.open_from, 13):
            report.count("R17")
            used = load[body.body_id, month]
            if used > capacity[month - 1] + 1e-6:
                report.breach(
                    "R17",
                    f"{body.body_id} ({body.name}): {used:g} person-days "
                    f"planned in month {month}, capacity "
                    f"{capacity[month - 1]:.1f}",
                )


def _check_must_check(scenario, visits, report) -> None:
    """Regular visits list every must-check item (R19)."""
    for visit in visits:
        if visit.kind not in ("routine", "joint", "special"):
            continue

        report.count("R19")
        mine = scenario.mine(visit.target_id)
        wanted = set(REGULAR_ITEMS)
        wanted.update(f"disaster:{name}" for name in mine.disasters)
        missing = sorted(wanted - set(visit.must_check))
        if missing:
            report.breach(
                "R19",
                f"{visit.visit_id}: must-check items missing: "
                f"{', '.join(missing)}",
            )


def _check_floors(scenario, visits, report, context) -> None:
    """Each mine gets at least its policy floor per side."""
    sides = {body.body_id: body.side for body in scenario.bodies}
    got = Counter()
    for visit in visits:
        if visit.kind not in ("routine", "joint"):
            continue

        visit_sides = {sides.get(b) for b in visit.body_ids}
        for side in visit_sides:
            got[visit.target_id, side] += 1

        got[visit.target_id, "any"] += 1

    for mine in scenario.mines:
        if mine.mine_id in context.closed:
            continue

        for side in ("regulator", "supervisor", "any"):
            floor = scenario.policy.floor_for(mine.kind, mine.category, side)
            if floor <= 0:
                continue

            report.count("floor")
            if got[mine.mine_id, side] < floor:
                report.breach(
                    "floor",
                    f"mine {mine.mine_id} ({mine.kind} {mine.category}): "
                    f"{got[mine.mine_id, side]} {side}-side visit(s), "
                    f"floor {floor}",
                )
