"""Workspace commands: ``init``, ``record``, ``history`` and ``file``.

A workspace keeps every plan version, the actual inspections and a log of
who did what (R23-R25). Each command names its workspace with
``--workspace DIR``, or the environment variable ``MINESCHED_WORKSPACE``,
or works in the current folder. Exit codes: 0 success, 2 a problem with
the input or the workspace; every error is told on stderr, never as a
traceback.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from models.errors import ScenarioError
from models.records import Scenario
from models.workspace import (
    DATABASE,
    ImportInfo,
    VersionInfo,
    Workspace,
    WorkspaceError,
)

NEXT_STEPS = """\
Next:
  1. minesched plan SCENARIO --out PLAN --workspace {folder}
       plans the year and stores the plan as a draft version;
  2. minesched file --workspace {folder}
       marks the latest draft as the plan on file;
  3. minesched record INSPECTIONS.csv --workspace {folder}
       records the inspections done (CSV or XLSX);
  4. minesched history --workspace {folder}
       shows every version, what changed and what was recorded."""

workspace_option = click.option(
    "--workspace",
    default=".",
    show_default=True,
    envvar="MINESCHED_WORKSPACE",
    type=click.Path(file_okay=False),
    help="Workspace folder (or set MINESCHED_WORKSPACE).",
)


def login_name() -> str:
    """Return the login name, the default author of a change."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


author_option = click.option(
    "--author",
    default=login_name,
    help="Who does this, for the record (default: your login name).",
)


def fail(message: str) -> NoReturn:
    """Tell the error in one line and exit 2."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


@contextmanager
def opened_workspace(folder: str) -> Iterator[Workspace]:
    """Open a workspace; a workspace problem ends the command with exit 2."""
    try:
        with Workspace.open(Path(folder)) as workspace:
            yield workspace
    except WorkspaceError as err:
        fail(str(err))
    except sqlite3.Error as err:
        fail(f"the workspace database in {folder} failed: {err}")


@click.command()
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False))
def init(folder):
    """Make a workspace in DIR, creating the folder if needed."""
    try:
        Workspace.create(Path(folder)).close()
    except WorkspaceError as err:
        fail(str(err))

    click.echo(f"Made a workspace in {folder} ({DATABASE}).")
    click.echo(NEXT_STEPS.format(folder=folder))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@workspace_option
@author_option
def record(file, workspace, author):
    """Record the actual inspections listed in FILE (CSV or XLSX).

    Rows are checked against the scenario of the filed plan (or of the
    latest version, when none is filed) and against the inspections
    already recorded. With any problem nothing is recorded.
    """
    from models.actual_import import read_actuals

    path = Path(file)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as err:
        fail(f"cannot read {file}: {err.strerror}")

    with opened_workspace(workspace) as space:
        version = space.current() or space.current(filed=False)
        if version is None:
            fail(
                f"the workspace {workspace} holds no plan version yet; add "
                "one first, so that inspections can be checked against it"
            )

        scenario = _scenario_of(space, version)
        try:
            actuals = read_actuals(path, scenario, space.actuals())
        except ScenarioError as err:
            print_issues(f"{file} has", err, "nothing was recorded")
            sys.exit(2)

        batch = space.add_actuals(actuals, file, digest, author)

    click.echo(
        f"Recorded {len(actuals)} inspection(s) from {file} as import "
        f"batch {batch}, checked against version {version.id} "
        f"({version.status})."
    )


def _scenario_of(space: Workspace, version: VersionInfo) -> Scenario:
    """Load the scenario stored with a version, or exit 2 with its issues."""
    from models.loading import load_scenario

    with tempfile.TemporaryDirectory(prefix="minesched-") as temp:
        folder = space.extract_scenario(version.id, Path(temp) / "scenario")
        # Warnings about planning, such as an estimated calendar, do not
        # concern recording what was done.
        logging.disable(logging.WARNING)
        try:
            return load_scenario(folder)
        except ScenarioError as err:
            where = f"the scenario of version {version.id} has"
            print_issues(where, err, "nothing was recorded")
            sys.exit(2)
        finally:
            logging.disable(logging.NOTSET)


def print_issues(where: str, err: ScenarioError, outcome: str) -> None:
    """Print every input problem on stderr."""
    count = len(err.issues)
    click.echo(f"Error: {where} {count} problem(s); {outcome}:", err=True)
    for issue in err.issues:
        click.echo(f"  - {issue}", err=True)


@click.command()
@workspace_option
@click.option(
    "--events", is_flag=True, help="Also show the log of every action."
)
def history(workspace, events):
    """List the plan versions, what changed, and the inspections recorded.

    Versions and import batches are shown in the order they were made.
    Each version after the first is compared with the one before: visits
    added, removed and moved to another month.
    """
    with opened_workspace(workspace) as space:
        versions = space.versions()
        imports = space.imports()
        if not versions and not imports:
            click.echo(f"The workspace {workspace} is empty.")

        since = _diffs(space, versions)
        changes = space.changes()
        for item in _timeline(versions, imports):
            if isinstance(item, ImportInfo):
                click.echo(_import_line(item))
                continue

            click.echo(_version_line(item))
            if item.id in since:
                click.echo(f"    since version {since[item.id]}")

            for change in changes:
                if change.version_id == item.id:
                    reason = f": {change.reason}" if change.reason else ""
                    click.echo(f"    changes file {change.name}{reason}")

        if events:
            click.echo("Log:")
            for event in space.history():
                click.echo(f"  {event.at}  {event.who}: {event.what}")


def _diffs(space: Workspace, versions: list[VersionInfo]) -> dict[int, str]:
    """Return what changed in each version since the one before it."""
    from models.plan_diff import diff_plans

    since = {}
    before, visits = None, []
    for info in versions:
        current = space.plan_visits(info.id)
        if before is not None:
            diff = diff_plans(visits, current)
            since[info.id] = f"{before.id}: {diff.text()}"

        before, visits = info, current

    return since


def _timeline(
    versions: list[VersionInfo], imports: list[ImportInfo]
) -> list[VersionInfo | ImportInfo]:
    """Return versions and import batches in the order they were made."""
    items: list[VersionInfo | ImportInfo] = [*versions, *imports]
    return sorted(
        items,
        key=lambda item: (
            item.created_at,
            isinstance(item, ImportInfo),
            item.id,
        ),
    )


def _version_line(info: VersionInfo) -> str:
    label = f" [{info.label}]" if info.label else ""
    return (
        f"version {info.id}{label}  {info.status:<10}  {info.created_at}  "
        f"{info.author}  {info.visits} visits  {info.reason}"
    )


def _import_line(batch: ImportInfo) -> str:
    return (
        f"import {batch.id}  {batch.created_at}  {batch.author}  "
        f"{batch.count} inspection(s) from {batch.source}"
    )


@click.command(name="file")
@click.argument("version", required=False, type=int)
@workspace_option
@author_option
@click.option("--reason", default="", help="Why the version is filed.")
def file_command(version, workspace, author, reason):
    """Mark VERSION as the plan on file (default: the latest draft).

    The version filed before it is marked superseded (R23, R25).
    """
    with opened_workspace(workspace) as space:
        if version is None:
            drafts = [v for v in space.versions() if v.status == "draft"]
            if not drafts:
                fail(f"the workspace {workspace} has no draft to file")

            version = drafts[-1].id

        previous = space.current()
        space.file_version(version, author, reason)

    click.echo(f"Version {version} is now the plan on file.")
    if previous is not None:
        click.echo(f"Version {previous.id} is superseded.")
