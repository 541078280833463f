"""What-if commands: ``compare``, ``sweep`` and ``marginal``.

Each plans several versions of a scenario in parallel, in local
processes or on a Dask cluster (``--dask ADDRESS``), prints a line as each
plan finishes and writes what it found. Exit codes: 0 done (a scenario
without a plan is a row with its explanation, not a failure); 1 the
output cannot be written; 2 bad input or options, nothing is planned.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
import yaml

from models.errors import ScenarioError
from scheduler.cli_workspace import fail, print_issues

FOLDER = click.Path(exists=True, file_okay=False)

# Columns of the marginal table printed: rank, body, name, side,
# officers, and the change with one officer more and one fewer.
RANKING_COLUMNS = (0, 1, 2, 3, 4, 5, 7)

time_limit_option = click.option(
    "--time-limit",
    default=5.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Work limit per plan in seconds (about wall time; counted "
    "deterministically).",
)
seed_option = click.option(
    "--seed", type=int, help="Solver seed (default: the scenario's)."
)
lang_option = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the tables and charts.",
)
jobs_option = click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Plans solved at once on this machine (default: one per CPU).",
)
dask_option = click.option(
    "--dask",
    "dask_address",
    metavar="ADDRESS",
    help="Solve on the Dask scheduler at ADDRESS (tcp://host:port) "
    "instead; scenario folders must be at the same path on its workers.",
)
elastic_option = click.option(
    "--elastic",
    is_flag=True,
    help="Plan anyway when floors or minimums cannot be met and count "
    "what falls short.",
)


def _out_option(required: bool, help_text: str):
    """Return the ``--out`` option."""
    return click.option(
        "--out",
        required=required,
        type=click.Path(file_okay=False),
        help=help_text,
    )


def _solve_options(time_limit: float, seed: int | None, elastic: bool):
    """Return the solve options every plan of a command shares."""
    from scheduler.solve import SolveOptions

    return SolveOptions(time_limit=time_limit, seed=seed, elastic=elastic)


def _check_scenarios(folders: list[str]) -> None:
    """Load each scenario once; list every input problem and exit 2."""
    from models.loading import load_scenario

    broken = False
    for folder in folders:
        try:
            load_scenario(folder)
        except ScenarioError as err:
            print_issues(f"the scenario {folder} has", err, "nothing planned")
            broken = True

    if broken:
        sys.exit(2)


def _planned(run, *args, **kwargs):
    """Run a what-if function; a missing or unreachable Dask exits 2."""
    from scheduler.whatif import WhatIfError

    try:
        return run(*args, progress=click.echo, **kwargs)
    except WhatIfError as err:
        fail(str(err))


def _written(write, out: str, *args) -> list[Path]:
    """Write results into a folder, or exit 1 if it cannot be written."""
    try:
        written = write(Path(out), *args)
    except OSError as err:
        _cannot_write(out, err)

    return written if isinstance(written, list) else [written]


def _cannot_write(out: str, err: OSError) -> NoReturn:
    """Say that the output folder cannot be written and exit 1."""
    click.echo(
        f"Error: cannot write to {out} ({err.strerror}: {err.filename}); "
        "choose a folder you can write to.",
        err=True,
    )
    sys.exit(1)


def _report_files(paths: list[Path]) -> None:
    """List the files written."""
    for path in paths:
        click.echo(f"Wrote {path}")


@click.command()
@click.argument("base", type=FOLDER)
@click.argument("variants", nargs=-1, required=True, type=FOLDER)
@_out_option(True, "Folder to write the comparison into.")
@time_limit_option
@seed_option
@lang_option
@jobs_option
@dask_option
@elastic_option
def compare(
    base, variants, out, time_limit, seed, lang, jobs, dask_address, elastic
):
    """Plan BASE and each VARIANT and compare their key figures.

    Writes 比较.csv and 比较.xlsx (comparison.csv and .xlsx with --lang
    en) and two charts into --out: one row of key figures per scenario,
    then each variant's difference from BASE. Coverage, high-risk mines
    at their cap and floors unmet are marked better or worse; visit
    counts only changed, as more visits are not better in themselves
    (R22). A scenario without a plan is a row with its explanation.
    """
    from scheduler import whatif

    folders = [base, *variants]
    _check_scenarios(folders)
    options = _solve_options(time_limit, seed, elastic)
    runs = _planned(
        whatif.compare,
        folders,
        options,
        workers=jobs,
        dask_address=dask_address,
    )
    _report_files(_written(whatif.write_comparison, out, runs, lang))


@click.command()
@click.argument("scenario", type=FOLDER)
@click.option(
    "--set",
    "settings",
    multiple=True,
    required=True,
    metavar="KEY=V1,V2",
    help="Policy setting and the values to try; repeat for more settings "
    "(every combination is planned). Keys: joint_minimum, joint_scope, "
    "min_gap_months, reserve_share, total_cap, company_cap, "
    "company_visit_days.",
)
@_out_option(True, "Folder to write the comparison into.")
@time_limit_option
@seed_option
@lang_option
@jobs_option
@dask_option
@elastic_option
def sweep(
    scenario,
    settings,
    out,
    time_limit,
    seed,
    lang,
    jobs,
    dask_address,
    elastic,
):
    """Plan SCENARIO for every combination of policy values.

    The first combination (the first value of every --set) is the base
    that the others are compared with; the comparison is written as by
    `compare`.
    """
    from scheduler import whatif

    grid = _grid(settings)
    try:
        whatif.sweep_settings(grid)
    except ScenarioError as err:
        print_issues("--set has", err, "nothing planned")
        sys.exit(2)

    _check_scenarios([scenario])
    options = _solve_options(time_limit, seed, elastic)
    runs = _planned(
        whatif.sweep,
        scenario,
        grid,
        options,
        workers=jobs,
        dask_address=dask_address,
    )
    _report_files(_written(whatif.write_comparison, out, runs, lang))


def _grid(settings: tuple[str, ...]) -> dict[str, list]:
    """Read ``KEY=V1,V2`` options into a grid of YAML scalar values."""
    grid: dict[str, list] = {}
    for text in settings:
        key, equals, values = text.partition("=")
        key = key.strip()
        if not equals or not key or not values.strip():
            raise click.BadParameter(
                f"{text!r}: write KEY=V1,V2, e.g. joint_minimum=1,2",
                param_hint="--set",
            )

        if key in grid:
            raise click.BadParameter(
                f"{key} is given twice; list all its values in one --set",
                param_hint="--set",
            )

        grid[key] = [_scalar(value) for value in values.split(",")]

    return grid


def _scalar(text: str) -> object:
    """Read one value as YAML does in scenario.yaml (2, 0.1, province)."""
    try:
        return yaml.safe_load(text.strip())
    except yaml.YAMLError:
        return text.strip()


@click.command()
@click.argument("scenario", type=FOLDER)
@_out_option(False, "Also write the ranking as CSV into this folder.")
@time_limit_option
@seed_option
@lang_option
@jobs_option
@dask_option
@elastic_option
def marginal(
    scenario, out, time_limit, seed, lang, jobs, dask_address, elastic
):
    """Rank the bodies of SCENARIO by what one more officer would add.

    Method: SCENARIO is planned as given, then once for each body with
    one certified officer more and, unless it has only one, once with one
    fewer; other and non-enforcement days stay as they are (R17). Every
    plan uses the same seed and deterministic time limit, so the ranking
    is reproducible. A change is the risk-weighted coverage counted from
    that plan's visits minus the base plan's; changes within the plans'
    gap may be solver noise, which a longer --time-limit narrows.
    """
    from scheduler import whatif

    options = _solve_options(time_limit, seed, elastic)
    try:
        rows = _planned(
            whatif.marginal,
            scenario,
            options,
            workers=jobs,
            dask_address=dask_address,
        )
    except ScenarioError as err:
        print_issues(f"the scenario {scenario} has", err, "nothing planned")
        sys.exit(2)

    header, table = whatif.marginal_table(rows, lang)
    _print_ranking(header, table)
    if out:
        _report_files(_written(whatif.write_marginal, out, rows, lang))


def _print_ranking(header: list[str], table: list[list]) -> None:
    """Print the ranking in aligned columns, a status where no change."""
    from scheduler.report.workbook import display_width

    lines = [[header[i] for i in RANKING_COLUMNS]]
    for row in table:
        cells = [row[0], row[1], row[2], row[3], row[4]]
        cells += [_change_text(row[5], row[6]), _change_text(row[7], row[8])]
        lines.append(cells)

    widths = [
        max(display_width(line[i]) for line in lines)
        for i in range(len(RANKING_COLUMNS))
    ]
    for line in lines:
        padded = [
            str(cell) + " " * (width - display_width(cell))
            for cell, width in zip(line, widths, strict=True)
        ]
        click.echo("  ".join(padded).rstrip())


def _change_text(change, status: str) -> str:
    """Return a coverage change, or the status when there is none."""
    return status if change == "" else f"{change:+.3f}"
