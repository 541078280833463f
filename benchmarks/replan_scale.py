"""Measure a mid-year re-plan at province scale (R23).

Run from the repository root::

    .venv/bin/python benchmarks/replan_scale.py --mines 8000 --changes 400

It writes a synthetic province, plans it, records the first quarter as
done exactly as planned, reclassifies ``--changes`` random mines from
1 April, re-plans, and prints the wall time of the re-plan, whether the
approved total was kept, and what the independent checker found.
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from models.actuals import Actual
from models.changes import CategoryChange, Changes
from models.loading import load_scenario
from scheduler.checker import check_plan
from scheduler.demo import write_province
from scheduler.replan import ReplanOptions, replan
from scheduler.solve import SolveOptions, solve


def main() -> None:
    """Run the benchmark and print one line per step."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mines", type=int, default=8000)
    parser.add_argument("--changes", type=int, default=400)
    parser.add_argument("--time-limit", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "province"
        write_province(folder, args.mines, seed=args.seed)
        scenario = load_scenario(folder)

    start = time.perf_counter()
    filed = list(solve(scenario, SolveOptions(time_limit=5)).visits)
    _say(f"{'annual plan (setup)':<32} {time.perf_counter() - start:7.1f} s")

    year = scenario.year
    actuals = [
        Actual(
            f"A{i}",
            date(year, v.month, 10),
            v.target_id,
            v.body_ids,
            v.kind,
            v.hazard_id,
            v.campaign_id,
        )
        for i, v in enumerate(filed)
        if v.month <= 3
    ]
    rng = random.Random(args.seed)
    picked = rng.sample(
        [m for m in scenario.mines if m.category in "ABC"], args.changes
    )
    changes = Changes(
        category_changes=tuple(
            CategoryChange(
                m.mine_id,
                rng.choice([c for c in "ABC" if c != m.category]),
                date(year, 4, 1),
            )
            for m in picked
        )
    )
    options = ReplanOptions(
        date(year, 4, 1), solve=SolveOptions(time_limit=args.time_limit)
    )

    start = time.perf_counter()
    replanned = replan(scenario, changes, filed, actuals, options)
    _say(f"{'re-plan':<32} {time.perf_counter() - start:7.1f} s")
    _say(f"  status {replanned.result.status}; {replanned.notes[-1]}")
    if not replanned.result.has_plan:
        return

    report = check_plan(
        replanned.scenario, list(replanned.result.visits), replanned.adjustment
    )
    _say(f"  checker: {len(report.violations)} violation(s)")


def _say(line: str) -> None:
    """Write one line of the benchmark's report to standard output."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
