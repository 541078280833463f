"""The ``minesched`` command line: a thin layer over the library.

Exit codes: 0 success; 1 no plan (infeasible, or none found in time) or
a check found violations; 2 bad input.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import time
from pathlib import Path

import click

from models.errors import ScenarioError
from models.plan import PlanFileError, read_plan_csv

logger = logging.getLogger("minesched")


class _Elapsed(logging.Formatter):
    """Prefix each message with the seconds since the command started."""

    def __init__(self):
        super().__init__()
        self._start = time.perf_counter()

    def format(self, record: logging.LogRecord) -> str:
        elapsed = time.perf_counter() - self._start
        return f"[{elapsed:6.1f}s] {record.getMessage()}"


def setup_logging(quiet: bool) -> io.StringIO:
    """Log progress to stderr and everything to a buffer for plan.log."""
    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(logging.INFO)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(_Elapsed())
    console.setLevel(logging.WARNING if quiet else logging.INFO)
    root.addHandler(console)

    buffer = io.StringIO()
    record = logging.StreamHandler(buffer)
    record.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root.addHandler(record)
    return buffer


def _load(folder: str):
    """Load a scenario or exit 2 with every input problem listed."""
    from models.loading import load_scenario

    try:
        return load_scenario(Path(folder))
    except ScenarioError as err:
        click.echo(
            f"Error: the scenario {folder} has {len(err.issues)} "
            "problem(s); nothing was written.",
            err=True,
        )
        for issue in err.issues:
            click.echo(f"  - {issue}", err=True)

        sys.exit(2)


@click.group()
@click.version_option(package_name="minesched")
def main() -> None:
    """Plan a year of mine-safety inspections under 矿安〔2025〕14号."""


@main.command()
@click.argument("scenario", type=click.Path(file_okay=False))
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to write the plan into.",
)
@click.option(
    "--time-limit",
    default=5.0,
    show_default=True,
    type=float,
    help="Work limit in seconds: about the wall time on 2 cores, counted "
    "deterministically so the same input gives the same plan.",
)
@click.option(
    "--gap",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0.0, 1.0),
    help="Stop once the plan is within this relative gap of the bound "
    "(e.g. 0.01); part by part, each part stops within it.",
)
@click.option(
    "--method",
    type=click.Choice(["auto", "single", "parts"]),
    default="auto",
    show_default=True,
    help="One model, or part by part from a greedy plan (auto: part by "
    "part above 250 mines).",
)
@click.option(
    "--bound",
    is_flag=True,
    help="First bound the best plan possible by the LP relaxation "
    "(HiGHS, the bench extra): progress, the summary and --gap then "
    "measure against it for any method.",
)
@click.option("--seed", type=int, help="Solver seed (default: scenario's).")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Solver workers; more than one are interleaved to stay "
    "deterministic, which on this model is rarely faster.",
)
@click.option(
    "--strict/--elastic",
    default=True,
    show_default=True,
    help="Fail when a floor or minimum cannot be met, or plan anyway "
    "and report the shortfalls.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the filing package.",
)
@click.option(
    "--package/--no-package",
    default=True,
    show_default=True,
    help="Write the filing package (workbook, documents, charts).",
)
@click.option(
    "--workspace",
    type=click.Path(file_okay=False),
    help="Also store the plan as a draft version in this workspace.",
)
@click.option("--author", default="", help="Who made the plan (workspace).")
@click.option("--reason", default="", help="Why the plan was made.")
@click.option("--quiet", is_flag=True, help="Show warnings and errors only.")
def plan(
    scenario,
    out,
    time_limit,
    gap,
    method,
    bound,
    seed,
    workers,
    strict,
    lang,
    package,
    workspace,
    author,
    reason,
    quiet,
):
    """Plan SCENARIO for its year and write the plan to --out.

    Ctrl-C stops the search: the best plan found so far is checked and
    written, and marked as stopped early.
    """
    from scheduler.output import filing_package_writer, write_plan_folder
    from scheduler.solve import SolveOptions, solve
    from scheduler.summary import summary_lines

    log = setup_logging(quiet)
    if workspace:
        _refuse_variant(scenario)

    if bound:
        _need_highs()

    logger.info("[1/4] loading scenario %s", scenario)
    data = _load(scenario)
    logger.info(
        "%d mines, %d bodies, %d hazards, %d campaigns; calendar: %s",
        len(data.mines),
        len(data.bodies),
        len(data.hazards),
        len(data.campaigns),
        data.calendar_source,
    )

    logger.info("[2/4] solving (limit %g s, %d workers)", time_limit, workers)
    try:
        options = SolveOptions(
            time_limit,
            seed,
            workers,
            not strict,
            gap=gap,
            method=method,
            bound=_plan_bound(data) if bound else None,
        )
        result = solve(data, options)
    except KeyboardInterrupt:
        click.echo("Stopped before any plan was found; nothing was written.")
        sys.exit(1)

    if not result.has_plan:
        _report_no_plan(result)
        sys.exit(1)

    logger.info("[3/4] checking the written plan and saving to %s", out)
    extra = filing_package_writer(data, lang) if package else None
    try:
        summary, report = write_plan_folder(
            Path(out),
            data,
            result,
            log.getvalue,
            extra,
            scenario_path=str(Path(scenario).resolve()),
        )
    except OSError as err:
        click.echo(
            f"Error: cannot write the plan to {out} ({err.strerror}: "
            f"{err.filename}); choose a folder you can write to.",
            err=True,
        )
        sys.exit(1)

    hard = report.hard_violations(result.mode == "elastic")
    if hard:
        click.echo(
            "Error: the checker rejected the plan; nothing was written:",
            err=True,
        )
        for violation in hard:
            click.echo(f"  - {violation}", err=True)

        sys.exit(1)

    logger.info("[4/4] done")
    for line in summary_lines(summary):
        click.echo(line)

    for item in result.shortfalls:
        click.echo(f"  shortfall: {item.message}")

    click.echo(f"Checker: no violation of any rule. Files in {out}")
    if workspace:
        _store_version(workspace, scenario, out, author, reason)


def _need_highs() -> None:
    """Exit 2, before any work, when --bound is asked without HiGHS."""
    from scheduler.relaxation import need_highspy

    try:
        need_highspy()
    except ImportError as err:
        click.echo(f"Error: --bound needs HiGHS. {err}", err=True)
        sys.exit(2)


def _plan_bound(data) -> float | None:
    """Return the LP relaxation's bound on the best plan of a scenario."""
    from scheduler.relaxation import plan_bound

    logger.info("bounding the best plan possible (LP relaxation, HiGHS)")
    return plan_bound(data)


def _refuse_variant(scenario: str) -> None:
    """Refuse to store a variant, whose base lies outside its folder.

    A workspace version keeps a snapshot of one scenario folder; a variant
    (``extends:``) would lose its base, so it is planned without one.
    """
    import yaml

    try:
        config = yaml.safe_load(
            (Path(scenario) / "scenario.yaml").read_text("utf-8-sig")
        )
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return

    if isinstance(config, dict) and "extends" in config:
        click.echo(
            f"Error: {scenario} extends another scenario; a workspace "
            "keeps one scenario folder per version, so store the plan of "
            "a plain scenario (copy the variant's base and edits into one "
            "folder), or plan the variant without --workspace.",
            err=True,
        )
        sys.exit(2)


def _store_version(workspace, scenario, out, author, reason) -> None:
    """Store a new plan as a draft version of a workspace (R25)."""
    from scheduler.cli_workspace import login_name, opened_workspace

    with opened_workspace(workspace) as space:
        version = space.add_version(
            Path(scenario),
            Path(out),
            author or login_name(),
            reason or "annual plan",
        )

    click.echo(
        f"Stored as version {version} (draft) in {workspace}; file it "
        f"with: minesched file {version} --workspace {workspace}"
    )


def _report_no_plan(result) -> None:
    """Tell the planner why there is no plan."""
    if result.status == "infeasible":
        click.echo("No plan meets every rule (infeasible). Why:", err=True)
        for line in result.explanation:
            click.echo(f"  {line}", err=True)

        return

    click.echo(
        f"No plan found within the time limit ({result.status}); "
        "raise --time-limit.",
        err=True,
    )


@main.command()
@click.argument("scenario", type=click.Path(file_okay=False))
@click.argument("plan_dir", type=click.Path(file_okay=False))
def check(scenario, plan_dir):
    """Recount PLAN_DIR/plan.csv against every rule of SCENARIO."""
    from scheduler.checker import check_plan

    setup_logging(quiet=True)
    data = _load(scenario)
    folder = Path(plan_dir)
    try:
        visits = read_plan_csv(folder / "plan.csv")
    except PlanFileError as err:
        click.echo(f"Error: cannot read the plan in {plan_dir}:", err=True)
        for issue in err.issues:
            click.echo(f"  - {issue}", err=True)

        sys.exit(2)

    from scheduler.year import adjusted

    elastic = _plan_mode(folder) == "elastic"
    data, adjustment = _adjusted_or_exit(adjusted, data, folder)
    report = check_plan(data, visits, adjustment)
    for row in report.rule_rows():
        click.echo(
            f"  {row['rule']:<6} {row['clause']:<12} {row['title']:<52} "
            f"checked {row['checked']:>6}, violations {row['violations']}"
        )

    for violation in report.violations:
        relaxed = elastic and violation not in report.hard_violations(True)
        label = "shortfall (elastic plan)" if relaxed else "VIOLATION"
        click.echo(f"{label}: {violation}")

    hard = report.hard_violations(elastic)
    if hard:
        click.echo(f"{len(hard)} violation(s) found.", err=True)
        sys.exit(1)

    click.echo(f"No violation in {len(visits)} visits.")


def _adjusted_or_exit(adjusted, data, folder: Path):
    """Apply a re-plan's changes file again, or exit 2 if it is broken."""
    try:
        return adjusted(data, folder)
    except ScenarioError as err:
        click.echo(f"Error: the changes file in {folder} is broken:", err=True)
        for issue in err.issues:
            click.echo(f"  - {issue}", err=True)

        sys.exit(2)


def _plan_mode(folder: Path) -> str:
    """Return the mode the plan was made in, from summary.json."""
    return _summary_of(folder).get("mode", "strict")


@main.command()
@click.argument("plan_dir", type=click.Path(file_okay=False, exists=True))
@click.option(
    "--scenario",
    type=click.Path(file_okay=False),
    help="Scenario folder (default: the one recorded in summary.json).",
)
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
)
def report(plan_dir, scenario, lang):
    """Write the filing package of the plan in PLAN_DIR."""
    from scheduler.output import rewrite_package

    setup_logging(quiet=False)
    folder = Path(plan_dir)
    if scenario is None:
        scenario = _summary_of(folder).get("scenario_path") or None

    if scenario is None:
        click.echo(
            f"Error: {plan_dir}/summary.json names no scenario; give "
            "--scenario FOLDER.",
            err=True,
        )
        sys.exit(2)

    data = _load(scenario)
    try:
        result = rewrite_package(folder, data, lang)
    except PlanFileError as err:
        click.echo(f"Error: cannot read the plan in {plan_dir}:", err=True)
        for issue in err.issues:
            click.echo(f"  - {issue}", err=True)

        sys.exit(2)

    hard = result.hard_violations(_plan_mode(folder) == "elastic")
    if hard:
        click.echo(
            "Error: the plan breaks rules; no package written:", err=True
        )
        for violation in hard:
            click.echo(f"  - {violation}", err=True)

        sys.exit(1)

    click.echo(f"Filing package written to {plan_dir}")


def _summary_of(folder: Path) -> dict:
    """Return the plan's summary.json, or an empty dict."""
    try:
        return json.loads((folder / "summary.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}


@main.command()
@click.option(
    "--mines",
    default=60,
    show_default=True,
    type=click.IntRange(1, 20_000),
    help="Number of mines.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to write the scenario into.",
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--year", default=2027, show_default=True, type=int)
def demo(mines, out, seed, year):
    """Write a synthetic but realistic province as a scenario folder."""
    from scheduler.demo import write_province

    setup_logging(quiet=False)
    folder = write_province(Path(out), mines, seed=seed, year=year)
    click.echo(f"Wrote a province of {mines} mines to {folder}")


def _register_year_commands() -> None:
    """Add the commands that run the year from a workspace (R23-R25)."""
    from scheduler import cli_whatif, cli_workspace, cli_year

    for command in (
        cli_workspace.init,
        cli_workspace.record,
        cli_workspace.history,
        cli_workspace.file_command,
        cli_year.status,
        cli_year.replan,
        cli_whatif.compare,
        cli_whatif.sweep,
        cli_whatif.marginal,
    ):
        main.add_command(command)


_register_year_commands()


if __name__ == "__main__":
    main()
