"""The workspace commands, tried as a planner would."""

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from workspace_factories import demo_scenario, routine, write_plan

from models.workspace import DATABASE, Workspace
from scheduler.cli import main
from scheduler.cli_workspace import file_command, history, init, record

TABLES = ("versions", "files", "changes", "imports", "actuals", "events")

ACTUALS = """\
inspection_id,date,target_id,body_ids,kind,hazard_id,campaign_id,note
E1,2027-03-05,M0001,R-C01-01,routine,,,
E2,2027/3/9,M0001,R-C01-01;S-D01,joint,,,
E3,2027-04-01,G01,R-PROV,company,,,
"""

BAD_ACTUALS = """\
inspection_id,date,target_id,body_ids,kind,hazard_id,campaign_id,note
B1,2027-02-30,M0001,R-C01-01,routine,,,
B2,2027-03-05,M0999,R-C01-01,routine,,,
B3,2027-03-05,M0001,R-C01-01,inspection,,,
"""


def _run(command, *args: str, env: dict | None = None):
    """Invoke a command as the shell would, with stdout and stderr apart."""
    return CliRunner().invoke(command, list(args), env=env)


def _counts(folder: Path) -> dict[str, int]:
    """Rows in each table of a workspace."""
    db = sqlite3.connect(folder / DATABASE)
    try:
        return {
            name: db.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
            for name in TABLES
        }
    finally:
        db.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace holding one draft version of the demo scenario."""
    folder = tmp_path / "ws"
    scenario = demo_scenario(tmp_path / "scenario")
    plan = write_plan(tmp_path / "plan", [routine(1, "M0001")])
    with Workspace.create(folder) as space:
        space.add_version(scenario, plan, "王工", "annual plan")

    return folder


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_init_makes_a_workspace_and_says_what_next(tmp_path):
    """`init DIR` makes the workspace and names the next commands."""
    folder = tmp_path / "new"
    result = _run(init, str(folder))

    assert result.exit_code == 0, result.output
    assert (folder / DATABASE).is_file()
    assert "minesched plan" in result.stdout
    assert "minesched record" in result.stdout
    assert "minesched file" in result.stdout


def test_init_twice_is_one_clear_error(tmp_path):
    """`init` on a workspace exits 2 with one line, no traceback."""
    _run(init, str(tmp_path))
    result = _run(init, str(tmp_path))

    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: {tmp_path} already holds a workspace"
    ]


@pytest.mark.parametrize(
    "command, args",
    [(history, ()), (file_command, ()), (record, ("x.csv",))],
)
def test_commands_without_a_workspace_say_to_run_init(
    tmp_path, monkeypatch, command, args
):
    """Each command outside a workspace says to run `minesched init`."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.csv").write_text("inspection_id\n", encoding="utf-8")
    folder = tmp_path / "none"
    result = _run(command, *args, "--workspace", str(folder))

    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"minesched init {folder}" in lines[0]


def test_workspace_comes_from_the_environment(workspace):
    """MINESCHED_WORKSPACE names the workspace when --workspace is not
    given."""
    result = _run(history, env={"MINESCHED_WORKSPACE": str(workspace)})

    assert result.exit_code == 0, result.output
    assert "annual plan" in result.stdout


def test_record_stores_the_inspections(workspace, tmp_path):
    """`record` checks the file against the stored scenario and stores
    every inspection."""
    path = _write(tmp_path, "q1.csv", ACTUALS)
    result = _run(record, str(path), "--workspace", str(workspace))

    assert result.exit_code == 0, result.output
    assert "Recorded 3 inspection(s)" in result.stdout
    assert "version 1 (draft)" in result.stdout
    with Workspace.open(workspace) as space:
        assert [a.inspection_id for a in space.actuals()] == [
            "E1",
            "E2",
            "E3",
        ]
        (batch,) = space.imports()
        assert (batch.source, batch.count) == (str(path), 3)


def test_record_bad_file_lists_every_issue_and_changes_nothing(
    workspace, tmp_path
):
    """A file with problems exits 2, names each cell, records nothing."""
    path = _write(tmp_path, "bad.csv", BAD_ACTUALS)
    before = _counts(workspace)
    result = _run(record, str(path), "--workspace", str(workspace))

    assert result.exit_code == 2
    assert "3 problem(s); nothing was recorded" in result.stderr
    assert "bad.csv, row 2, column 'date'" in result.stderr
    assert "bad.csv, row 3, column 'target_id'" in result.stderr
    assert "bad.csv, row 4, column 'kind'" in result.stderr
    assert "Traceback" not in result.output
    assert _counts(workspace) == before


def test_record_refuses_inspections_already_recorded(workspace, tmp_path):
    """Importing the same inspections twice is refused the second time."""
    path = _write(tmp_path, "q1.csv", ACTUALS)
    _run(record, str(path), "--workspace", str(workspace))
    before = _counts(workspace)
    again = _write(tmp_path, "again.csv", ACTUALS.replace("E1", "E9"))
    result = _run(record, str(again), "--workspace", str(workspace))

    assert result.exit_code == 2
    assert "row 2: found '2027-03-05 M0001 R-C01-01 routine'" in (
        result.stderr
    )
    assert "already recorded as E1" in result.stderr
    assert "row 3, column 'inspection_id': found 'E2'" in result.stderr
    assert _counts(workspace) == before


def test_record_without_any_version_is_refused(tmp_path):
    """Inspections need a plan version to be checked against."""
    _run(init, str(tmp_path / "ws"))
    path = _write(tmp_path, "q1.csv", ACTUALS)
    result = _run(record, str(path), "--workspace", str(tmp_path / "ws"))

    assert result.exit_code == 2
    assert "holds no plan version yet" in result.stderr


def test_record_a_missing_file_is_one_clear_error(workspace, tmp_path):
    """A file that is not there is named in one line."""
    missing = tmp_path / "none.csv"
    result = _run(record, str(missing), "--workspace", str(workspace))

    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: cannot read {missing}: No such file or directory"
    )


def test_file_files_the_latest_draft_and_supersedes(workspace, tmp_path):
    """`file` files the latest draft; filing again supersedes it."""
    plan = write_plan(tmp_path / "plan2", [routine(2, "M0001")])
    with Workspace.open(workspace) as space:
        space.add_version(tmp_path / "scenario", plan, "王工", "new mine")

    first = _run(file_command, "1", "--workspace", str(workspace))
    second = _run(
        file_command,
        "--workspace",
        str(workspace),
        "--author",
        "李工",
        "--reason",
        "R23 re-filing",
    )

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "Version 2 is now the plan on file." in second.stdout
    assert "Version 1 is superseded." in second.stdout
    with Workspace.open(workspace) as space:
        statuses = [info.status for info in space.versions()]
        assert statuses == ["superseded", "filed"]
        assert space.history()[-1].who == "李工"


def test_file_errors_are_one_line(workspace):
    """An unknown version, or no draft left, is one line and exit 2."""
    unknown = _run(file_command, "5", "--workspace", str(workspace))
    _run(file_command, "--workspace", str(workspace))
    no_draft = _run(file_command, "--workspace", str(workspace))
    again = _run(file_command, "1", "--workspace", str(workspace))

    for result, text in (
        (unknown, "no version 5"),
        (no_draft, "has no draft to file"),
        (again, "version 1 is already filed"),
    ):
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1
        assert text in result.stderr


def test_history_counts_visits_added_removed_and_moved(workspace, tmp_path):
    """History compares each version with the one before it, lists its
    changes files and the import batches."""
    visits = [
        routine(1, "M0001"),
        routine(5, "M0001"),
        routine(3, "M0003"),
        routine(6, "M0004"),
    ]
    second = [
        routine(1, "M0001"),
        routine(7, "M0001"),
        routine(4, "M0003"),
        routine(2, "M0005"),
        routine(8, "M0006"),
    ]
    scenario = tmp_path / "scenario"
    with Workspace.open(workspace) as space:
        one = space.add_version(
            scenario, write_plan(tmp_path / "a", visits), "王工", "base"
        )
        two = space.add_version(
            scenario, write_plan(tmp_path / "b", second), "李工", "new mines"
        )
        space.add_change(two, "changes-0301.yaml", b"x", "two new mines")
        space.file_version(two, "李工", "")

    _run(
        record,
        str(_write(tmp_path, "q1.csv", ACTUALS)),
        "--workspace",
        str(workspace),
    )
    result = _run(history, "--workspace", str(workspace), "--events")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].startswith(f"version {one}  draft ")
    assert lines[3].startswith(f"version {two}  filed ")
    assert "5 visits  new mines" in lines[3]
    assert lines[4] == (
        f"    since version {one}: 2 added, 1 removed, 2 moved, 1 unchanged"
    )
    assert lines[5] == "    changes file changes-0301.yaml: two new mines"
    assert lines[6].startswith("import 1 ")
    assert "3 inspection(s) from" in lines[6]
    assert "Log:" in lines


def test_history_of_real_plans_of_the_demo(tmp_path):
    """A plan made by `minesched plan` is stored, filed and shown."""
    scenario = demo_scenario(tmp_path / "scenario")
    out = tmp_path / "out"
    planned = CliRunner().invoke(
        main,
        [
            "plan",
            str(scenario),
            "--out",
            str(out),
            "--time-limit",
            "0.5",
            "--no-package",
            "--quiet",
        ],
    )
    assert planned.exit_code == 0, planned.output
    folder = tmp_path / "ws"
    _run(init, str(folder))
    with Workspace.open(folder) as space:
        version = space.add_version(scenario, out, "王工", "annual plan")
        space.extract_plan(version, tmp_path / "back")

    for name in ("plan.csv", "summary.json", "check.json", "plan.log"):
        assert (tmp_path / "back" / name).read_bytes() == (
            out / name
        ).read_bytes()

    filed = _run(file_command, "--workspace", str(folder))
    shown = _run(history, "--workspace", str(folder))

    assert filed.exit_code == 0, filed.output
    assert shown.exit_code == 0, shown.output
    visits = len((out / "plan.csv").read_text("utf-8-sig").splitlines()) - 1
    assert "version 1  filed " in shown.stdout
    assert f"{visits} visits  annual plan" in shown.stdout
