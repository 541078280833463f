"""The summary of a plan: figures for ``summary.json`` and the console."""

from __future__ import annotations

import platform
from collections import defaultdict
from importlib import metadata

from models.capacity import body_capacity
from models.plan import Visit
from models.records import CATEGORIES, Scenario
from scheduler.solve import PlanResult


def library_versions() -> dict[str, str]:
    """Return the versions of Python and the libraries that made a plan."""
    versions = {"python": platform.python_version()}
    for name in ("ortools", "pandas", "numpy", "minesched"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"

    return versions


def visit_counts(scenario: Scenario, visits: list[Visit]) -> dict:
    """Return visits in total, by kind, and by side, kind and category."""
    sides = {body.body_id: body.side for body in scenario.bodies}
    by_kind: dict[str, int] = defaultdict(int)
    table = {
        "regulator": {
            kind: dict.fromkeys(CATEGORIES, 0) for kind in ("coal", "non_coal")
        },
        "supervisor": {"coal": dict.fromkeys(CATEGORIES, 0)},
    }
    for visit in visits:
        by_kind[visit.kind] += 1
        if visit.kind == "company":
            continue

        mine = scenario.mine(visit.target_id)
        for side in {sides[b] for b in visit.body_ids}:
            row = table[side].setdefault(
                mine.kind, dict.fromkeys(CATEGORIES, 0)
            )
            row[mine.category] += 1

    return {"total": len(visits), "by_kind": dict(by_kind), "table": table}


def used_by_month(scenario: Scenario, visits: list[Visit]) -> dict:
    """Return planned person-days per body and month."""
    used = defaultdict(lambda: [0.0] * 12)
    for visit in visits:
        share = visit.person_days / sum(
            scenario.body(b).team_size for b in visit.body_ids
        )
        for body_id in visit.body_ids:
            team = scenario.body(body_id).team_size
            used[body_id][visit.month - 1] += round(share * team, 2)

    return used


def capacity_table(scenario: Scenario, visits: list[Visit]) -> dict:
    """Return the method 2017 arithmetic and planned use of each body."""
    used = used_by_month(scenario, visits)
    table = {}
    for body in scenario.bodies:
        capacity = body_capacity(
            body, scenario.workdays, scenario.policy.reserve_share
        )
        table[body.body_id] = {
            "name": body.name,
            "side": body.side,
            "level": body.level,
            "officers": capacity.officers,
            "workdays": capacity.workdays,
            "total_days": capacity.total_days,
            "other_enforcement_days": capacity.other_enforcement_days,
            "non_enforcement_days": capacity.non_enforcement_days,
            "reserve_days": capacity.reserve_days,
            "inspection_days": capacity.inspection_days,
            "by_month": list(capacity.by_month),
            "used_by_month": [round(d, 2) for d in used[body.body_id]],
        }

    return table


def build_summary(
    scenario: Scenario, result: PlanResult, scenario_path: str = ""
) -> dict:
    """Return the content of ``summary.json`` for a solved scenario."""
    visits = list(result.visits)
    return {
        "scenario": scenario.name,
        "scenario_path": scenario_path,
        "year": scenario.year,
        "digest": scenario.digest,
        "status": result.status,
        "mode": result.mode,
        "source": result.source,
        "stopped_early": result.stopped,
        "objective": result.objective,
        "best_bound": result.best_bound,
        "gap": result.gap,
        "solve_seconds": round(result.solve_seconds, 2),
        "seed": result.seed,
        "workers": result.workers,
        "time_limit": result.time_limit,
        "versions": library_versions(),
        "calendar_source": scenario.calendar_source,
        "workdays": list(scenario.workdays),
        "capacity": capacity_table(scenario, visits),
        "visits": visit_counts(scenario, visits),
        "shortfalls": [item.__dict__ for item in result.shortfalls],
        "explanation": list(result.explanation),
    }


def summary_lines(summary: dict) -> list[str]:
    """Return the console summary of a plan, in English."""
    visits = summary["visits"]
    lines = [
        f"Plan for {summary['scenario']} ({summary['year']}): "
        f"{visits['total']} visits",
        "  by kind: "
        + ", ".join(f"{k} {n}" for k, n in sorted(visits["by_kind"].items())),
        "  by side and category (joint visits count on both sides, R9):",
    ]
    for side, kinds in visits["table"].items():
        for kind, row in kinds.items():
            cells = "  ".join(f"{cat} {row[cat]:>4}" for cat in CATEGORIES)
            lines.append(f"    {side:<10} {kind:<8} {cells}")

    lines.append(
        "  capacity (method 2017, R17; person-days): officers x workdays "
        "- other - non-enforcement - reserve = inspection; used"
    )
    for body_id, row in summary["capacity"].items():
        used = sum(row["used_by_month"])
        share = used / row["inspection_days"] if row["inspection_days"] else 0
        lines.append(
            f"    {body_id:<12} {row['officers']:>3} x {row['workdays']} "
            f"= {row['total_days']:g} - {row['other_enforcement_days']:g} "
            f"- {row['non_enforcement_days']:g} - {row['reserve_days']:g} "
            f"= {row['inspection_days']:g}; used {used:.1f} ({share:.0%})"
        )

    gap = summary["gap"]
    bound = (
        f"best bound {summary['best_bound']}, gap {gap:.2%}"
        if gap is not None
        else "no bound (plan --bound computes the LP bound)"
    )
    source = summary.get("source", "cp-sat")
    lines.append(
        f"  solver: {summary['status']} ({source}), objective "
        f"{summary['objective']}, {bound}"
    )
    if summary.get("stopped_early"):
        lines.append("  stopped early (Ctrl-C): the best plan found so far")

    return lines
