"""Write a plan folder, whole or not at all, checked from its own files.

All files go to a staging folder first. The independent checker reads
``plan.csv`` back from there; only a plan that passes is moved into the
output folder, file by file with atomic renames. Files of the folder that
the plan does not write are left alone.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from models.plan import plan_csv_text, read_plan_csv
from models.records import Scenario
from scheduler.checker import Adjustment, CheckReport, check_plan
from scheduler.solve import PlanResult
from scheduler.summary import build_summary


def check_json(report: CheckReport, elastic: bool) -> dict:
    """Return the content of ``check.json``."""
    hard = report.hard_violations(elastic)
    return {
        "ok": not hard,
        "rules": report.rule_rows(),
        "violations": [
            {"rule": v.rule, "clause": v.clause, "message": v.message}
            for v in report.violations
        ],
    }


def json_text(data: dict) -> str:
    """Return stable, readable JSON text."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_plan_folder(
    out: Path,
    scenario: Scenario,
    result: PlanResult,
    log_text: Callable[[], str],
    extra: Callable[[Path, dict, CheckReport], None] | None = None,
    scenario_path: str = "",
    adjustment: tuple[Adjustment, dict] | None = None,
) -> tuple[dict, CheckReport]:
    """Write and check a plan folder.

    Parameters
    ----------
    out
        The output folder; created if missing.
    scenario
        The scenario planned.
    result
        A result that holds a plan.
    log_text
        Returns the run's log so far; called last so the log is complete.
    extra
        Writes further files (the filing package) into the staging folder,
        given the folder, the summary and the check report.
    scenario_path
        Where the scenario folder is, recorded so that the plan can be
        reported on later.
    adjustment
        For a re-plan: how the checker counts it, and the ``adjustment``
        section of its summary (R23).

    Returns
    -------
    tuple[dict, CheckReport]
        The summary written and what the checker found. When the checker
        finds a hard violation nothing is moved into ``out``.
    """
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out, prefix=".staging-"))
    try:
        plan_path = staging / "plan.csv"
        plan_path.write_bytes(
            plan_csv_text(list(result.visits)).encode("utf-8-sig")
        )
        rules = adjustment[0] if adjustment else None
        report = check_plan(scenario, read_plan_csv(plan_path), rules)
        summary = build_summary(scenario, result, scenario_path)
        if adjustment:
            summary["adjustment"] = adjustment[1]

        elastic = result.mode == "elastic"
        summary["check"] = check_json(report, elastic)
        if report.hard_violations(elastic):
            return summary, report

        _write(staging / "summary.json", json_text(summary))
        _write(staging / "check.json", json_text(summary["check"]))
        if extra is not None:
            extra(staging, summary, report)

        _write(staging / "plan.log", log_text())
        _move_all(staging, out)
        return summary, report
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def filing_package_writer(scenario: Scenario, lang: str):
    """Return an ``extra`` hook that writes the filing package.

    The package is built from ``plan.csv`` as read back from disk, so each
    number in it is what the checker recounted.
    """
    from scheduler.report.package import write_package

    def write(folder: Path, summary: dict, report: CheckReport) -> None:
        visits = read_plan_csv(folder / "plan.csv")
        write_package(
            folder, scenario, visits, summary, report.rule_rows(), lang
        )

    return write


def rewrite_package(
    plan_dir: Path, scenario: Scenario, lang: str
) -> CheckReport:
    """Write the filing package of an existing plan folder.

    The plan is checked first; with a hard violation nothing is written.
    """
    from scheduler.year import adjusted

    scenario, rules = adjusted(scenario, plan_dir)
    visits = read_plan_csv(plan_dir / "plan.csv")
    report = check_plan(scenario, visits, rules)
    summary = json.loads((plan_dir / "summary.json").read_text("utf-8"))
    if report.hard_violations(summary.get("mode") == "elastic"):
        return report

    from scheduler.report.package import write_package

    staging = Path(tempfile.mkdtemp(dir=plan_dir, prefix=".staging-"))
    try:
        write_package(
            staging, scenario, visits, summary, report.rule_rows(), lang
        )
        _move_all(staging, plan_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    return report


def _write(path: Path, text: str) -> None:
    """Write UTF-8 text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _move_all(staging: Path, out: Path) -> None:
    """Move every staged file into the output folder by atomic renames."""
    for source in sorted(staging.rglob("*")):
        if source.is_dir():
            continue

        target = out / source.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
