"""A scripted year on the demo province, through the command line."""

import csv
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import main

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"


def _run(*args: str):
    """Run minesched and return the result."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _plan_rows(folder: Path) -> list[dict]:
    """Read a plan.csv as dicts."""
    with (folder / "plan.csv").open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _quarter_of_actuals(plan: list[dict], path: Path) -> str:
    """Write Q1 as done, one visit outside the plan and one over a cap.

    Returns the mine visited outside the plan.
    """
    rows = [
        (
            f"E{n:04d}",
            f"2027-{int(r['month']):02d}-12",
            r["target_id"],
            r["body_ids"],
            r["kind"],
            r["hazard_id"],
            r["campaign_id"],
        )
        for n, r in enumerate(plan)
        if int(r["month"]) <= 3 and r["kind"] != "company"
    ]
    in_march = {r["target_id"] for r in plan if r["month"] == "3"}
    outside = next(
        r
        for r in plan
        if r["kind"] == "routine" and r["target_id"] not in in_march
    )
    rows.append(
        (
            "X1",
            "2027-03-20",
            outside["target_id"],
            outside["body_ids"],
            "routine",
            "",
            "",
        )
    )

    # A coal A mine may have two regulator visits (R5): record three.
    regulator = Counter(
        r["target_id"] for r in plan if r["side"] in ("regulator", "joint")
    )
    mines = _mines()
    coal_a = next(
        m
        for m in mines
        if mines[m]["kind"] == "coal" and mines[m]["category"] == "A"
    )
    body = mines[coal_a]["regulator_id"]
    for day in range(3):
        rows.append(
            (f"Y{day}", f"2027-02-0{day + 1}", coal_a, body, "routine", "", "")
        )

    assert regulator
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            (
                "inspection_id",
                "date",
                "target_id",
                "body_ids",
                "kind",
                "hazard_id",
                "campaign_id",
            )
        )
        writer.writerows(rows)

    return outside["target_id"]


def _mines() -> dict[str, dict]:
    """The demo's mines by id."""
    with (DEMO / "mines.csv").open(encoding="utf-8-sig") as handle:
        return {row["mine_id"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> Path:
    """A workspace with a filed plan and Q1 recorded."""
    root = tmp_path_factory.mktemp("year")
    space = root / "ws"
    assert _run("init", str(space)).exit_code == 0
    planned = _run(
        "plan",
        str(DEMO),
        "--out",
        str(space / "plans" / "v1"),
        "--time-limit",
        "1",
        "--no-package",
        "--workspace",
        str(space),
    )
    assert planned.exit_code == 0, planned.output
    assert _run("file", "1", "--workspace", str(space)).exit_code == 0

    actuals = root / "q1.csv"
    _quarter_of_actuals(_plan_rows(space / "plans" / "v1"), actuals)
    recorded = _run("record", str(actuals), "--workspace", str(space))
    assert recorded.exit_code == 0, recorded.output
    return root


def test_status_flags_outside_plan_and_cap_breach(year):
    """Status lists the out-of-plan visit and exits 1 on the breach."""
    result = _run(
        "status", "--workspace", str(year / "ws"), "--as-of", "2027-04-01"
    )

    assert result.exit_code == 1
    assert "outside the plan" in result.output
    assert "breach" in result.output
    assert "R5" in result.output


def test_replan_after_reclassification_writes_a_checked_version(year):
    """A→C and C→A re-plan keeps facts, writes statement and version."""
    mines = _mines()
    coal = [m for m in mines if mines[m]["kind"] == "coal"]
    a_mine = next(m for m in coal if mines[m]["category"] == "A")
    c_mine = next(m for m in coal if mines[m]["category"] == "C")
    changes = year / "changes.yaml"
    changes.write_text(
        "reason: 一季度分类调整\n"
        "category_changes:\n"
        f"  - {{mine_id: {a_mine}, category: C, effective: 2027-04-01}}\n"
        f"  - {{mine_id: {c_mine}, category: A, effective: 2027-04-01}}\n",
        encoding="utf-8",
    )
    space = year / "ws"
    result = _run(
        "replan",
        "--changes",
        str(changes),
        "--as-of",
        "2027-04-01",
        "--workspace",
        str(space),
        "--no-package",
        "--elastic",
    )

    assert result.exit_code == 0, result.output
    folder = space / "plans" / "v2"
    assert (folder / "调整说明.csv").is_file()
    assert (folder / "changes.yaml").is_file()
    checked = _run("check", str(DEMO), str(folder))
    assert checked.exit_code == 0, checked.output

    done = {
        (r["target_id"], r["month"])
        for r in _plan_rows(space / "plans" / "v1")
        if int(r["month"]) <= 3 and r["kind"] != "company"
    }
    kept = {(r["target_id"], r["month"]) for r in _plan_rows(folder)}
    assert done <= kept

    history = _run("history", "--workspace", str(space))
    assert "version 2" in history.output
    assert "since version 1" in history.output


def test_replan_bad_changes_file_changes_nothing(year):
    """An unknown mine in the changes file: exit 2, no new version."""
    changes = year / "bad.yaml"
    changes.write_text(
        "category_changes:\n"
        "  - {mine_id: NOPE, category: Z, effective: 2027-04-01}\n",
        encoding="utf-8",
    )
    space = year / "ws"
    before = _run("history", "--workspace", str(space)).output
    result = _run(
        "replan",
        "--changes",
        str(changes),
        "--as-of",
        "2027-04-01",
        "--workspace",
        str(space),
        "--no-package",
    )

    assert result.exit_code == 2
    assert "category_changes[0].mine_id" in result.output
    assert "category_changes[0].category" in result.output
    assert _run("history", "--workspace", str(space)).output == before


def test_plan_refuses_to_store_a_variant_in_a_workspace(tmp_path):
    """A variant's base lies outside its folder: refused with exit 2."""
    variant = DEMO.parent / "what-if" / "county-cut"
    space = tmp_path / "ws"
    _run("init", str(space))
    result = _run(
        "plan",
        str(variant),
        "--out",
        str(tmp_path / "out"),
        "--workspace",
        str(space),
    )

    assert result.exit_code == 2
    assert "extends another scenario" in result.output
    assert not (tmp_path / "out").exists()
