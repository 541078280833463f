"""Tests of the scale benchmark: a tiny run end to end, and its verdicts.

The run plans a 40-mine province with every method in child processes
and checks what it writes, never how fast it was.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCALE = ROOT / "benchmarks" / "scale.py"
METHODS = ("ours", "greedy", "highs", "cpsat")


def _scale_module():
    """Import ``benchmarks/scale.py``, which is a script, not a package."""
    spec = importlib.util.spec_from_file_location("scale_benchmark", SCALE)
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up by name while it is executed.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> tuple[dict, str]:
    """Results and output of the benchmark on 40 mines, 3 s a method."""
    pytest.importorskip("highspy")
    out = tmp_path_factory.mktemp("results")
    done = subprocess.run(
        [
            sys.executable,
            str(SCALE),
            "--sizes",
            "40",
            "--budgets",
            "3",
            "--methods",
            ",".join(METHODS),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads((out / "results.json").read_text("utf-8"))
    assert (out / "results.md").read_text("utf-8").startswith("## Methods")
    return results, done.stdout


def test_scale_tiny_run_has_one_row_per_method(tiny_run):
    """Every method gives one row, each with a plan."""
    results, _ = tiny_run

    methods = [row["method"] for row in results["rows"]]

    assert sorted(methods) == sorted(METHODS)
    assert all(row["recount"] is not None for row in results["rows"])


def test_scale_tiny_run_plans_are_valid_and_within_bound(tiny_run):
    """Every plan has no violation and a value at most the best bound."""
    results, _ = tiny_run
    bound = results["bounds"][0]["best_bound"]

    assert bound is not None
    for row in results["rows"]:
        assert row["violations"] == 0, row["first_violations"]
        assert row["recount"] <= bound + 1e-6


def test_scale_tiny_run_recount_matches_each_method(tiny_run):
    """The value recounted from plan.csv is the one the method claimed."""
    results, _ = tiny_run

    for row in results["rows"]:
        assert row["recount"] == pytest.approx(row["claimed"], abs=1e-6)


def test_scale_tiny_run_prints_the_tables(tiny_run):
    """Standard output holds the methods, bounds and targets tables."""
    _, stdout = tiny_run

    for title in ("## Methods", "## Bounds", "## Targets (ours)"):
        assert title in stdout


def test_scale_targets_say_met_or_not_and_by_how_much():
    """A 500-mine run is judged on gap in time, memory and first plan."""
    scale = _scale_module()
    ours = {
        "mines": 500,
        "method": "ours",
        "improvements": [[2.0, 95.0], [8.0, 99.7], [12.0, 100.0]],
        "peak_mb": 600.0,
        "first_plan_s": 2.0,
    }
    results = {
        "sizes": [{"mines": 500, "budget": 10.0}],
        "bounds": [{"mines": 500, "best_bound": 100.0}],
        "rows": [ours],
    }

    targets = scale._targets(results)

    verdicts = [(t["met"], t["margin"]) for t in targets]
    assert verdicts == [
        (True, "0.20 pts under"),
        (False, "88 MB over"),
        (True, "13.0 s under"),
    ]


def test_scale_dead_child_is_recorded_not_raised(tmp_path):
    """A child that fails is a row with status ``died``."""
    scale = _scale_module()

    row = scale._spawn("ours", tmp_path / "missing", 1.0, tmp_path / "p.csv")

    assert row["method"] == "ours"
    assert row["status"] == "died"
    assert row["returncode"] != 0
