"""Commands for the rest of the year: ``status`` and ``replan`` (R23, R24).

Both read the workspace: the filed plan (or the latest version when none
is filed), its scenario and the inspections recorded so far.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import tempfile
from datetime import date
from pathlib import Path

import click

from models.errors import ScenarioError
from scheduler.cli_workspace import (
    author_option,
    fail,
    opened_workspace,
    print_issues,
    workspace_option,
)

logger = logging.getLogger("minesched")


def _as_of_option(help_text: str):
    """Return the ``--as-of`` option, defaulting to today."""
    return click.option(
        "--as-of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help=help_text + " (YYYY-MM-DD; default: today).",
    )


def _base_version(space):
    """Return the filed version, or the latest one, or exit 2."""
    version = space.current() or space.current(filed=False)
    if version is None:
        fail("the workspace holds no plan version yet; run plan first")

    return version


def _load_version(space, version, temp: Path):
    """Return scenario, plan folder, scenario folder and adjustment."""
    from scheduler.year import version_scenario

    try:
        return version_scenario(space, version.id, temp)
    except ScenarioError as err:
        print_issues(f"version {version.id} has", err, "nothing was done")
        sys.exit(2)


@click.command()
@workspace_option
@_as_of_option("Count inspections up to this date")
def status(workspace, as_of):
    """Compare recorded inspections with the filed plan (R24).

    Lists visits outside the plan, caps broken or about to be, quarters
    without a joint inspection, mines behind plan and what is due next
    month. Exits 1 when a cap or a quarterly joint minimum is breached.
    """
    from models.plan import read_plan_csv
    from scheduler.status import status_report

    day = as_of.date() if as_of else date.today()
    with (
        opened_workspace(workspace) as space,
        tempfile.TemporaryDirectory() as temp,
    ):
        version = _base_version(space)
        scenario, plan_dir, _, adjustment = _load_version(
            space, version, Path(temp)
        )
        planned = read_plan_csv(plan_dir / "plan.csv")
        caps = adjustment.caps if adjustment else None
        report = status_report(scenario, planned, space.actuals(), day, caps)

    click.echo(f"Against version {version.id} ({version.status}):")
    for line in report.lines():
        click.echo(line)

    if report.has_breach:
        sys.exit(1)


@click.command()
@click.option(
    "--changes",
    "changes_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True),
    help="YAML file of the changes (see docs/replanning.md).",
)
@_as_of_option("Inspections before this date are facts")
@workspace_option
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="Folder for the new version (default: WORKSPACE/plans/vN).",
)
@click.option(
    "--whole-year",
    is_flag=True,
    help="Apply a new category's caps to the whole year instead of "
    "prorating them.",
)
@click.option(
    "--keep-next-month/--free-next-month",
    default=True,
    show_default=True,
    help="Keep the visits of the as-of month, already being prepared.",
)
@click.option(
    "--time-limit",
    default=8.0,
    show_default=True,
    type=float,
    help="Work limit in seconds (about wall time; counted "
    "deterministically), split between the two rounds.",
)
@click.option("--seed", type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--strict/--elastic", default=True, show_default=True)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True
)
@click.option(
    "--package/--no-package",
    default=True,
    show_default=True,
    help="Write the re-filing package (workbook, documents, charts).",
)
@author_option
@click.option("--reason", default="", help="Why the plan is adjusted.")
def replan(
    changes_file,
    as_of,
    workspace,
    out,
    whole_year,
    keep_next_month,
    time_limit,
    seed,
    workers,
    strict,
    lang,
    package,
    author,
    reason,
):
    """Re-plan the rest of the year after CHANGES (R23).

    Inspections recorded before --as-of stay as facts; the filed plan
    changes as little as the rules allow. The new version, its change
    statement (调整说明) and its re-filing package are written and stored
    in the workspace as a draft.
    """
    from models.changes import read_changes
    from scheduler.replan import ReplanOptions
    from scheduler.replan import replan as run_replan
    from scheduler.solve import SolveOptions

    day = as_of.date() if as_of else date.today()
    log = _log_buffer()
    with (
        opened_workspace(workspace) as space,
        tempfile.TemporaryDirectory() as temp,
    ):
        version = _base_version(space)
        scenario, plan_dir, scenario_dir, _ = _load_version(
            space, version, Path(temp)
        )
        try:
            changes = read_changes(Path(changes_file), scenario)
        except ScenarioError as err:
            print_issues(f"{changes_file} has", err, "nothing was changed")
            sys.exit(2)

        solve = SolveOptions(time_limit, seed, workers, elastic=not strict)
        options = ReplanOptions(day, keep_next_month, whole_year, solve)
        logger.info("re-planning from %s against version %d", day, version.id)
        filed = space.plan_visits(version.id)
        replanned = run_replan(
            scenario, changes, filed, space.actuals(), options
        )
        if not replanned.result.has_plan:
            click.echo(
                f"No re-plan found ({replanned.result.status}):", err=True
            )
            for line in replanned.result.explanation:
                click.echo(f"  {line}", err=True)

            sys.exit(1)

        folder = Path(out) if out else _next_folder(workspace, space)
        summary = _write_version(
            folder,
            replanned,
            options,
            version,
            (filed, plan_dir, changes_file),
            lang,
            package,
            log,
        )
        new_id = space.add_version(
            scenario_dir, folder, author, reason or changes.reason, version.id
        )
        space.add_change(
            new_id,
            Path(changes_file).name,
            Path(changes_file).read_bytes(),
            reason or changes.reason,
        )

    for note in replanned.notes:
        click.echo(f"  {note}")

    click.echo(
        f"Version {new_id} (draft) adjusts version {version.id}: "
        f"{summary['visits']['total']} visits, files in {folder}. "
        f"File it with: minesched file {new_id}"
    )


def _log_buffer() -> io.StringIO:
    """Show progress on stderr and keep the log for plan.log."""
    from scheduler.cli import setup_logging

    return setup_logging(quiet=False)


def _next_folder(workspace: str, space) -> Path:
    """Return WORKSPACE/plans/vN for the next version."""
    number = len(space.versions()) + 1
    return Path(workspace) / "plans" / f"v{number}"


def _write_version(
    folder, replanned, options, base, files, lang, package, log
) -> dict:
    """Write the re-plan, its statement and package; exit 1 if rejected.

    ``files`` holds the filed visits, the filed plan's folder and the
    changes file applied.
    """
    from scheduler.output import write_plan_folder
    from scheduler.report.package import write_package
    from scheduler.year import adjustment_json, carry_changes

    filed, plan_dir, changes_file = files
    section = adjustment_json(replanned, options, base.id)
    adjusts = {
        "version": base.id,
        "filed": base.created_at[:10],
        "as_of": options.as_of.isoformat(),
    }

    def extra(staging: Path, summary: dict, report) -> None:
        from models.plan import read_plan_csv

        visits = read_plan_csv(staging / "plan.csv")
        carry_changes(plan_dir, Path(changes_file), staging)
        _write_statement(
            staging, replanned, filed, visits, section, adjusts["filed"], lang
        )
        if package:
            write_package(
                staging,
                replanned.scenario,
                visits,
                summary,
                report.rule_rows(),
                lang,
                adjusts=adjusts,
            )

    summary, report = write_plan_folder(
        folder,
        replanned.scenario,
        replanned.result,
        log.getvalue,
        extra,
        adjustment=(replanned.adjustment, section),
    )
    hard = report.hard_violations(replanned.result.mode == "elastic")
    if hard:
        click.echo("Error: the checker rejected the re-plan:", err=True)
        for violation in hard:
            click.echo(f"  - {violation}", err=True)

        sys.exit(1)

    return json.loads((folder / "summary.json").read_text("utf-8"))


def _write_statement(
    folder, replanned, filed, visits, section, filed_day, lang
) -> None:
    """Write the change statement 调整说明 of a re-plan (R23)."""
    from scheduler.changes import diff_plans, explain_changes, write_statement

    changes = explain_changes(
        diff_plans(filed, visits),
        replanned.reasons,
        "R22: the rest of the plan rebalanced after the changes above",
    )
    open_from = section["open_from"]
    changes = [_fact_reason(change, open_from) for change in changes]
    header = {
        "version": section["adjusts_version"],
        "filed": filed_day,
        "as_of": section["as_of"],
        "applied": list(replanned.notes),
        "total_before": replanned.approved_total,
        "total_after": replanned.new_total,
        "total_kept": replanned.approved_total == replanned.new_total,
    }
    write_statement(folder, replanned.scenario, changes, header, lang)


def _fact_reason(change, open_from: int):
    """Give a change that the recorded inspections made its own reason."""
    from dataclasses import replace

    if change.new_month is not None and change.new_month < open_from:
        return replace(
            change,
            reason="R24: inspection recorded as done in month "
            f"{change.new_month}, kept as a fact",
        )

    if change.action == "removed" and change.old_month < open_from:
        return replace(
            change,
            reason=f"R23: planned for month {change.old_month} but not "
            "carried out before the as-of date",
        )

    return change
