"""The command line, tried as a planner would."""

import csv
import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import main

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A copy of the bundled demo scenario that a test may break."""
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    return folder


def _run(*args: str):
    """Run minesched with arguments and return the result."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _plan(scenario: Path, out: Path, *options: str):
    """Run `minesched plan` with a short time limit and more options."""
    return _run(
        "plan",
        str(scenario),
        "--out",
        str(out),
        "--time-limit",
        "1",
        *options,
    )


def _rewrite_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a CSV table (row 2 is the first data row)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))

    rows[row - 2][column] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _starve_county_body(folder: Path) -> None:
    """Leave the first county body one officer with 8 free days."""
    bodies = folder / "bodies.csv"
    _rewrite_cell(bodies, 4, "officers", "1")
    _rewrite_cell(bodies, 4, "other_enforcement_days", "0")
    _rewrite_cell(bodies, 4, "non_enforcement_days", "240")


def test_plan_writes_a_checked_plan_of_the_demo(demo_copy, tmp_path):
    """`plan` on the demo writes plan files that `check` accepts."""
    out = tmp_path / "out"
    result = _plan(demo_copy, out, "--no-package")

    assert result.exit_code == 0, result.output
    assert "Checker: no violation" in result.output
    for name in ("plan.csv", "summary.json", "check.json", "plan.log"):
        assert (out / name).is_file()

    assert (out / "plan.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    checked = _run("check", str(demo_copy), str(out))
    assert checked.exit_code == 0, checked.output
    assert "No violation" in checked.output


def test_plan_bad_input_exits_2_and_writes_nothing(demo_copy, tmp_path):
    """Bad input names file, row and column, exits 2, writes nothing."""
    _rewrite_cell(demo_copy / "mines.csv", 3, "category", "E")
    _rewrite_cell(demo_copy / "bodies.csv", 2, "officers", "0")
    out = tmp_path / "out"
    result = _run("plan", str(demo_copy), "--out", str(out))

    assert result.exit_code == 2
    assert "mines.csv, row 3, column 'category'" in result.output
    assert "bodies.csv, row 2, column 'officers'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_plan_infeasible_explains_in_planner_terms(demo_copy, tmp_path):
    """A body without enough officers for its floors is named, exit 1."""
    _starve_county_body(demo_copy)
    out = tmp_path / "out"
    result = _plan(demo_copy, out)

    assert result.exit_code == 1
    assert "infeasible" in result.output
    assert "R17" in result.output
    assert "person-days" in result.output
    assert "smallest relaxation" in result.output
    assert not (out / "plan.csv").exists()


def test_plan_elastic_plans_anyway_and_reports_shortfalls(demo_copy, tmp_path):
    """--elastic writes a plan and lists each floor it could not meet."""
    _starve_county_body(demo_copy)
    out = tmp_path / "out"
    result = _plan(demo_copy, out, "--elastic", "--no-package")

    assert result.exit_code == 0, result.output
    assert "shortfall: floor" in result.output
    checked = _run("check", str(demo_copy), str(out))
    assert checked.exit_code == 0
    assert "shortfall (elastic plan)" in checked.output


def test_plan_same_seed_gives_identical_plan(demo_copy, tmp_path):
    """The same scenario and seed give a byte-identical plan.csv."""
    texts = []
    for name in ("a", "b"):
        out = tmp_path / name
        result = _plan(demo_copy, out, "--seed", "3", "--no-package")
        assert result.exit_code == 0, result.output
        texts.append((out / "plan.csv").read_bytes())

    assert texts[0] == texts[1]


def test_check_reports_a_broken_plan_with_rule_ids(demo_copy, tmp_path):
    """`check` exits 1 and cites the rule when a cap is broken."""
    out = tmp_path / "out"
    _plan(demo_copy, out, "--no-package")
    plan = out / "plan.csv"
    with plan.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))

    first = next(r for r in rows if r["kind"] == "routine")
    for month in range(1, 13):
        rows.append({**first, "month": str(month), "visit_id": f"X{month}"})

    with plan.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    result = _run("check", str(demo_copy), str(out))
    assert result.exit_code == 1
    assert "VIOLATION: R4" in result.output
    assert "VIOLATION: R11" in result.output


def test_demo_writes_a_scenario_that_loads(tmp_path):
    """`demo` writes a province folder that `plan` can read."""
    folder = tmp_path / "province"
    result = _run("demo", "--mines", "40", "--out", str(folder))

    assert result.exit_code == 0, result.output
    assert (folder / "scenario.yaml").is_file()
    assert (folder / "mines.csv").is_file()


def test_plan_unwritable_out_is_a_clear_error(demo_copy, tmp_path):
    """An output folder that cannot be made gives an error, not a trace."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = _plan(
        demo_copy, blocker / "out", "--time-limit", "0.5", "--no-package"
    )

    assert result.exit_code == 1
    assert "cannot write the plan" in result.output
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_plan_part_by_part_with_bound_reports_a_gap(demo_copy, tmp_path):
    """`--method parts --bound` gives the plan an LP bound and a gap."""
    out = tmp_path / "out"
    result = _plan(
        demo_copy, out, "--no-package", "--method", "parts", "--bound"
    )

    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["source"] == "parts"
    assert summary["best_bound"] >= summary["objective"] - 1e-6
    assert 0 <= summary["gap"] < 0.05
    assert summary["stopped_early"] is False


def test_plan_bound_without_highs_exits_2_before_any_work(
    demo_copy, tmp_path, monkeypatch
):
    """`--bound` without HiGHS says which extra to install; no output."""
    monkeypatch.setitem(sys.modules, "highspy", None)
    out = tmp_path / "out"

    result = CliRunner().invoke(
        main, ["plan", str(demo_copy), "--out", str(out), "--bound"]
    )

    assert result.exit_code == 2
    assert "pip install -e '.[bench]'" in result.output
    assert not out.exists()


def test_plan_stopped_while_bounding_writes_nothing(
    demo_copy, tmp_path, monkeypatch
):
    """Ctrl-C during `--bound` exits 1 with a message and no output."""
    import scheduler.relaxation

    def interrupted(scenario):
        raise KeyboardInterrupt

    monkeypatch.setattr(scheduler.relaxation, "plan_bound", interrupted)
    out = tmp_path / "out"

    result = _plan(demo_copy, out, "--no-package", "--bound")

    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert not out.exists()
