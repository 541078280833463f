"""Checks and reminders during the plan year: actuals against the plan.

R24 (§1, §11) asks that actual inspections be compared with the plan as
the year goes on. ``status_report`` takes the plan, the inspections
recorded so far and a date, and reports in the planner's words:

- inspections made outside the plan (a warning);
- caps broken (a breach) or about to be broken (a warning), recounted
  as the checker does: a joint inspection once per side and once in
  total (R9); re-checks of hazards a supervisor found (R13), special
  inspections (R14) and unplanned verifications (R15) never count;
- quarters that ended without a joint inspection (R10, a breach);
- mines behind their plan (a warning);
- for each body, the visits planned in the month after the status date
  (a reminder).

Unplanned verifications (R15) are never outside the plan: they are
listed apart as exempt.
"""

from __future__ import annotations

import calendar
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

from models.actuals import UNPLANNED_KINDS, Actual
from models.plan import Visit
from models.policy import Caps
from models.records import Mine, Scenario

logger = logging.getLogger(__name__)

Severity = Literal["breach", "warning", "reminder"]
Topic = Literal[
    "outside_plan", "cap", "joint_quarter", "behind_plan", "reminder"
]

SEVERITIES: tuple[Severity, ...] = ("breach", "warning", "reminder")
PLURALS = {
    "breach": "breaches",
    "warning": "warnings",
    "reminder": "reminders",
}

CLAUSES = {
    "R4": "§3",
    "R5": "§3",
    "R6": "§3",
    "R7": "§3",
    "R8": "§3",
    "R10": "§3",
    "R15": "§3",
    "R24": "§1, §11",
}

# Routine and joint inspections are both regular inspections: a planned
# routine visit done jointly is still done. Other kinds match their own.
FAMILIES = {"routine": "regular", "joint": "regular"}


@dataclass(frozen=True)
class Finding:
    """One thing the planner should know, with its rule and severity.

    Parameters
    ----------
    rule
        The rule ID (``R4`` … ``R24``).
    severity
        ``breach`` (a rule is broken), ``warning`` (the plan is not being
        followed, or a rule is about to break) or ``reminder``.
    topic
        What the finding is about: ``outside_plan``, ``cap``,
        ``joint_quarter``, ``behind_plan`` or ``reminder``.
    subject
        The inspection, mine, company, scope or body concerned.
    message
        What was found, in the planner's words.
    """

    rule: str
    severity: Severity
    topic: Topic
    subject: str
    message: str

    @property
    def clause(self) -> str:
        """The clause of the notice the rule comes from."""
        return CLAUSES[self.rule]

    def __str__(self) -> str:
        return f"{self.severity} {self.rule} ({self.clause}): {self.message}"


@dataclass(frozen=True)
class StatusReport:
    """Where the year stands against the plan on one date (R24).

    Parameters
    ----------
    as_of
        The status date; only inspections on or before it count.
    findings
        Every finding, in the order: outside the plan, caps, joint
        quarters, behind plan, reminders.
    exempt
        Unplanned verifications (R15) made so far: outside the plan and
        the caps by design, listed so the record is complete.
    """

    as_of: date
    findings: tuple[Finding, ...]
    exempt: tuple[Actual, ...] = ()

    @property
    def has_breach(self) -> bool:
        """Whether any finding is a breach of a rule."""
        return any(f.severity == "breach" for f in self.findings)

    def about(self, topic: Topic) -> list[Finding]:
        """Return the findings on one topic."""
        return [f for f in self.findings if f.topic == topic]

    def lines(self) -> list[str]:
        """Return the report in English, breaches first, one per line.

        Returns
        -------
        list[str]
            A headline with the counts of each severity, then each
            finding (breaches, warnings, reminders), then each exempt
            inspection.
        """
        ranked = sorted(
            self.findings, key=lambda f: SEVERITIES.index(f.severity)
        )
        counts = Counter(f.severity for f in self.findings)
        headline = f"Status on {self.as_of.isoformat()}: " + ", ".join(
            f"{counts[severity]} {PLURALS[severity]}"
            for severity in SEVERITIES
        )
        exempt = [_exempt_line(actual) for actual in self.exempt]
        return [headline, *map(str, ranked), *exempt]


def status_report(
    scenario: Scenario,
    planned: list[Visit],
    actuals: list[Actual],
    as_of: date,
    caps: dict[str, Caps] | None = None,
) -> StatusReport:
    """Compare the inspections made so far with the plan (R24).

    Parameters
    ----------
    scenario
        The scenario the plan was made for.
    planned
        The planned visits, as read from ``plan.csv``.
    actuals
        The inspections recorded; only those in the plan year and on or
        before ``as_of`` count.
    as_of
        The status date. A month or quarter counts as ended when its last
        day is before this date.
    caps
        Caps of single mines that replace the policy's, for example after
        a mine was reclassified during the year (R23).

    Returns
    -------
    StatusReport
        The findings. A planned visit is matched by at most one actual
        inspection: same target and month, a body in common, and a
        compatible kind (routine and joint are interchangeable; re-check,
        special and company visits match their own kind). The visits
        still ahead are the unmatched ones of months not yet ended;
        visits of ended months that were missed count as behind plan,
        not as ahead. Reminders cover the month after the month of
        ``as_of``, so a report run at a month's end prepares the next.
    """
    counting = _Counting.of(scenario)
    done = _to_date(scenario, actuals, as_of)
    exempt = tuple(a for a in done if a.kind in UNPLANNED_KINDS)
    made = [a for a in done if a.kind not in UNPLANNED_KINDS]
    matched, outside = _match(planned, made)

    ahead = _ahead(scenario.year, planned, matched, as_of)
    findings = [
        *_outside_plan(outside),
        *_mine_caps(scenario, counting, made, ahead, caps or {}),
        *_company_caps(scenario, made, ahead),
        *_joint_quarters(scenario, made, as_of),
        *_behind_plan(scenario.year, planned, matched, as_of),
        *_reminders(scenario, planned, as_of),
    ]
    return StatusReport(as_of, tuple(findings), exempt)


def _to_date(scenario, actuals, as_of) -> list[Actual]:
    """Return the actuals of the plan year made on or before ``as_of``."""
    kept = [
        a for a in actuals if a.day.year == scenario.year and a.day <= as_of
    ]
    if len(kept) < len(actuals):
        logger.info(
            "R24: %d of %d inspection(s) fall after %s or outside %d "
            "and are left out",
            len(actuals) - len(kept),
            len(actuals),
            as_of.isoformat(),
            scenario.year,
        )

    return kept


def _month_end(year: int, month: int) -> date:
    """Last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def _month_ended(year: int, month: int, as_of: date) -> bool:
    """Whether the whole month lies before the status date."""
    return _month_end(year, month) < as_of


def _ahead(year, planned, matched, as_of) -> list[Visit]:
    """Planned visits not made yet whose month has not ended."""
    return [
        visit
        for index, visit in enumerate(planned)
        if index not in matched and not _month_ended(year, visit.month, as_of)
    ]


def _first(item: Visit | Actual) -> str:
    """The first body of an item, or '' if it names none."""
    return item.body_ids[0] if item.body_ids else ""


@dataclass(frozen=True)
class _Counting:
    """What the caps count: the side of each body, the finder of hazards."""

    sides: dict[str, str]
    finders: dict[str, str]

    @classmethod
    def of(cls, scenario: Scenario) -> _Counting:
        """Build the lookups of a scenario."""
        sides = {body.body_id: body.side for body in scenario.bodies}
        finders = {h.hazard_id: h.found_by for h in scenario.hazards}
        return cls(sides, finders)

    def capped_sides(self, item: Visit | Actual) -> frozenset[str] | None:
        """Sides whose caps the item counts toward; None if outside them."""
        if item.kind == "recheck":
            # R13: a re-check is made by the hazard's finder; one that a
            # supervisor found is outside the caps.
            finder = self.finders.get(item.hazard_id) or _first(item)
            if self.sides.get(finder) == "supervisor":
                return None

        elif item.kind not in ("routine", "joint"):
            return None

        return frozenset(
            self.sides[b] for b in item.body_ids if b in self.sides
        )

    def tally(self, items: Iterable[Visit | Actual]) -> Counter:
        """Count capped items per (target, side) and per (target, total)."""
        tally: Counter = Counter()
        for item in items:
            sides = self.capped_sides(item)
            if sides is None:
                continue

            # R9: a joint inspection is one visit: once in the total and
            # once for each side.
            tally[item.target_id, "total"] += 1
            for side in sides:
                tally[item.target_id, side] += 1

        return tally


def _match(planned, made) -> tuple[set[int], list[Actual]]:
    """Pair actuals with planned visits; return matched and unmatched."""
    slots = defaultdict(list)
    for index, visit in enumerate(planned):
        slots[visit.target_id, visit.month].append(index)

    groups = defaultdict(list)
    for actual in made:
        groups[actual.target_id, actual.month].append(actual)

    matched: set[int] = set()
    outside: list[Actual] = []
    for key, group in groups.items():
        indices = slots.get(key, [])
        owner = _pair(group, [planned[i] for i in indices])
        matched.update(indices[v] for v in owner)
        paired = set(owner.values())
        outside.extend(a for n, a in enumerate(group) if n not in paired)

    return matched, outside


def _pair(group: list[Actual], visits: list[Visit]) -> dict[int, int]:
    """Pair as many actuals as possible; map visit to actual position."""
    options = [_options(actual, visits) for actual in group]
    owner: dict[int, int] = {}
    for position in range(len(group)):
        _augment(position, options, owner, set())

    return owner


def _options(actual: Actual, visits: list[Visit]) -> list[int]:
    """Visits the actual may fulfil, those of its very kind first."""
    family = FAMILIES.get(actual.kind, actual.kind)
    bodies = set(actual.body_ids)
    fits = [
        n
        for n, visit in enumerate(visits)
        if FAMILIES.get(visit.kind, visit.kind) == family
        and bodies.intersection(visit.body_ids)
    ]
    return sorted(fits, key=lambda n: visits[n].kind != actual.kind)


def _augment(position, options, owner, seen) -> bool:
    """Find a visit for an actual, moving others along (Kuhn's method)."""
    # A target has few visits a month, so the search stays tiny; it pairs
    # the most actuals, where taking the first free visit might not.
    for n in options[position]:
        if n in seen:
            continue

        seen.add(n)
        if n not in owner or _augment(owner[n], options, owner, seen):
            owner[n] = position
            return True

    return False


def _outside_plan(outside: list[Actual]) -> Iterator[Finding]:
    """Warn of each inspection no planned visit accounts for (R24)."""
    for actual in sorted(outside, key=lambda a: (a.day, a.inspection_id)):
        family = FAMILIES.get(actual.kind, actual.kind)
        wanted = "routine or joint" if family == "regular" else actual.kind
        bodies = ";".join(actual.body_ids)
        yield Finding(
            "R24",
            "warning",
            "outside_plan",
            actual.inspection_id,
            f"inspection {actual.inspection_id} ({_kind_words(actual)}) of "
            f"{actual.target_id} by {bodies} on {actual.day.isoformat()} "
            f"is outside the plan: no {wanted} visit there by {bodies} is "
            f"planned in month {actual.month}, or left to account for it",
        )


def _mine_caps(scenario, counting, made, ahead, caps) -> Iterator[Finding]:
    """Breach or warn for each mine cap broken or about to be (R4-R9)."""
    done = counting.tally(made)
    still = counting.tally(ahead)
    policy = scenario.policy
    for mine in scenario.mines:
        limit = caps.get(mine.mine_id) or policy.caps(
            mine.kind, mine.category, mine.regulator_id
        )
        label = _mine_label(mine, mine.mine_id in caps)
        for rule, key, cap, what in _cap_rows(mine, limit):
            count = (done[mine.mine_id, key], still[mine.mine_id, key])
            finding = _cap_finding(rule, mine.mine_id, label, what, count, cap)
            if finding is not None:
                yield finding


def _cap_rows(mine: Mine, limit: Caps) -> tuple:
    """The caps of one mine: rule, tally key, cap, what is counted."""
    side_rule = "R5" if mine.is_coal else "R7"
    return (
        ("R4", "total", limit.total, "visit(s) by all bodies"),
        (side_rule, "regulator", limit.regulator, "regulator-side visit(s)"),
        ("R6", "supervisor", limit.supervisor, "supervisor-side visit(s)"),
    )


def _mine_label(mine: Mine, overridden: bool) -> str:
    """Name a mine with its kind and category for a message."""
    kind = "coal" if mine.is_coal else "non-coal"
    override = ", caps overridden" if overridden else ""
    return (
        f"mine {mine.mine_id} {mine.name} ({kind} {mine.category}{override})"
    )


def _cap_finding(rule, subject, label, what, count, cap) -> Finding | None:
    """A breach above the cap, a warning if the plan would pass it."""
    done, ahead = count
    if done > cap:
        message = f"{label}: {done} {what} made, cap {cap}"
        return Finding(rule, "breach", "cap", subject, message)

    if done + ahead > cap:
        message = (
            f"{label}: {done} {what} made and {ahead} more planned, "
            f"cap {cap}: about to be broken"
        )
        return Finding(rule, "warning", "cap", subject, message)

    return None


def _company_caps(scenario, made, ahead) -> Iterator[Finding]:
    """Breach or warn for each parent company over its cap (R8)."""
    done = Counter(a.target_id for a in made if a.kind == "company")
    still = Counter(v.target_id for v in ahead if v.kind == "company")
    cap = scenario.policy.company_cap
    for company in scenario.companies:
        key = company.company_id
        label = f"company {key} {company.name}"
        count = (done[key], still[key])
        finding = _cap_finding("R8", key, label, "visit(s)", count, cap)
        if finding is not None:
            yield finding


def _joint_quarters(scenario, made, as_of) -> Iterator[Finding]:
    """Breach for each ended quarter and scope short of joints (R10)."""
    minimum = scenario.policy.joint_minimum
    coal = [mine for mine in scenario.mines if mine.is_coal]
    ended = [
        q for q in (1, 2, 3, 4) if _month_end(scenario.year, 3 * q) < as_of
    ]
    if minimum <= 0 or not coal or not ended:
        return

    by_division = scenario.policy.joint_scope == "division"
    scopes = sorted({m.supervisor_id for m in coal}) if by_division else []
    divisions = {mine.mine_id: mine.supervisor_id for mine in scenario.mines}
    held: Counter = Counter()
    for actual in made:
        if actual.kind == "joint" and actual.target_id in divisions:
            scope = divisions[actual.target_id] if by_division else None
            held[scope, actual.quarter] += 1

    for scope in scopes or [None]:
        for quarter in ended:
            if held[scope, quarter] < minimum:
                yield _missing_joint(scope, quarter, held, minimum, scenario)


def _missing_joint(scope, quarter, held, minimum, scenario) -> Finding:
    """The breach of one scope without its joint inspections (R10)."""
    where = f"division {scope}" if scope else "the province"
    end = _month_end(scenario.year, 3 * quarter).isoformat()
    message = (
        f"{where}: {held[scope, quarter]} joint inspection(s) in "
        f"Q{quarter} (ended {end}), at least {minimum} needed"
    )
    subject = scope or "province"
    return Finding("R10", "breach", "joint_quarter", subject, message)


def _behind_plan(year, planned, matched, as_of) -> Iterator[Finding]:
    """Warn of each target missing planned visits of ended months (R24)."""
    due: Counter = Counter()
    missed = defaultdict(list)
    for index, visit in enumerate(planned):
        if not _month_ended(year, visit.month, as_of):
            continue

        due[visit.target_id] += 1
        if index not in matched:
            missed[visit.target_id].append(visit)

    for target_id in sorted(missed):
        yield _behind(target_id, due[target_id], missed[target_id])


def _behind(target_id: str, due: int, missed: list[Visit]) -> Finding:
    """The warning of one target behind its plan (R24)."""
    first = missed[0]
    what = "company" if first.kind == "company" else "mine"
    listed = "; ".join(
        f"month {v.month} {v.kind} by {';'.join(v.body_ids)}"
        for v in sorted(missed, key=Visit.sort_key)
    )
    message = (
        f"{what} {target_id} {first.target_name} is behind its plan: "
        f"{due} visit(s) planned in the months ended so far, "
        f"{due - len(missed)} made; missing: {listed}"
    )
    return Finding("R24", "warning", "behind_plan", target_id, message)


def _next_month(as_of: date) -> tuple[int, int]:
    """Year and month of the month after the status date."""
    if as_of.month == 12:
        return as_of.year + 1, 1

    return as_of.year, as_of.month + 1


def _reminders(scenario, planned, as_of) -> Iterator[Finding]:
    """Remind each body of its visits planned for next month (R24)."""
    # A reminder names a month, so it is for the bodies only, never for
    # the mines: inspections stay unannounced (R18).
    year, month = _next_month(as_of)
    if year != scenario.year:
        return

    targets = defaultdict(list)
    for visit in planned:
        if visit.month == month:
            for body_id in visit.body_ids:
                targets[body_id].append(visit.target_id)

    names = {
        body.body_id: f"{body.body_id} {body.name}" for body in scenario.bodies
    }
    for body_id in sorted(targets):
        ids = ", ".join(sorted(set(targets[body_id])))
        message = (
            f"{names.get(body_id, body_id)}: "
            f"{len(targets[body_id])} visit(s) planned in "
            f"{year}-{month:02d}, to {ids}"
        )
        yield Finding("R24", "reminder", "reminder", body_id, message)


def _kind_words(actual: Actual) -> str:
    """The kind of an inspection in words."""
    return actual.kind.replace("_", " ")


def _exempt_line(actual: Actual) -> str:
    """One line for an unplanned verification (R15)."""
    return (
        f"exempt R15 ({CLAUSES['R15']}): inspection "
        f"{actual.inspection_id} ({_kind_words(actual)}) of "
        f"{actual.target_id} by {';'.join(actual.body_ids)} on "
        f"{actual.day.isoformat()}: unplanned verification, outside the "
        f"plan and the caps"
    )
