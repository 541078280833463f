"""Measure planning at province scale: load, solve, check and package.

Run from the repository root::

    .venv/bin/python benchmarks/plan_scale.py --mines 8000 --time-limit 5

It writes a synthetic province into a temporary folder, plans it with the
library (as ``minesched plan`` does), and prints the wall time of each step
and the peak memory of the process.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import tempfile
import time
from pathlib import Path

from models.loading import load_scenario
from models.plan import read_plan_csv
from scheduler.checker import check_plan
from scheduler.demo import write_province
from scheduler.output import filing_package_writer, write_plan_folder
from scheduler.solve import SolveOptions, solve


def main() -> None:
    """Run the benchmark and print one line per step."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mines", type=int, default=8000)
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / "province"
        write_province(folder, args.mines, seed=args.seed)

        start = time.perf_counter()
        scenario = load_scenario(folder)
        _step("load", start)

        start = time.perf_counter()
        options = SolveOptions(args.time_limit, None, args.workers)
        result = solve(scenario, options)
        _step(f"solve ({result.status}, {result.source})", start)
        _say(f"  visits {len(result.visits)}, objective {result.objective}")

        out = Path(temp) / "plan"
        start = time.perf_counter()
        _, report = write_plan_folder(out, scenario, result, lambda: "")
        _step("write and check plan", start)
        if report.violations:
            for violation in report.violations[:10]:
                _say(f"  {violation}")

            raise SystemExit("the checker rejected the plan")

        start = time.perf_counter()
        visits = read_plan_csv(out / "plan.csv")
        summary_path = out / "summary.json"
        summary = json.loads(summary_path.read_text("utf-8"))
        report = check_plan(scenario, visits)
        filing_package_writer(scenario, "zh")(out, summary, report)
        _step("filing package", start)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _say(f"peak memory {peak:.0f} MB")


def _step(name: str, start: float) -> None:
    """Print the wall time of one step."""
    _say(f"{name:<40} {time.perf_counter() - start:7.1f} s")


def _say(line: str) -> None:
    """Write one line of the benchmark's report to standard output."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
