"""Measure province-size plans against the best possible, method by method.

Run from the repository root::

    .venv/bin/python benchmarks/scale.py --sizes 500,2000,8000,20000 \\
        --budgets 10,30,120,600 --out benchmarks/results

For each size it writes a synthetic province and plans it with each
method on the same time budget:

``ours``
    ``scheduler.solve.solve`` as ``minesched plan`` runs it (part by part
    from a greedy start above 250 mines), one worker.
``cpsat``
    One CP-SAT model of the whole province, two workers.
``greedy``
    The greedy plan alone.
``highs``
    The same model as a MIP, solved by HiGHS on two threads.

Each method runs in a child process of its own, so that its peak memory
is its own; a child that dies or outlives ``3 * budget + 120`` seconds
is recorded as such. The LP relaxation of the model is solved in one
more child: the best known bound on a plan's value is the lowest of the
LP bound, CP-SAT's bound and HiGHS's. Each plan is written to
``plan.csv``, read back, recounted and checked.

Times are wall seconds from the moment a method starts on the loaded
scenario, model building included. The tables go to standard output and
to ``results.md``, every number to ``results.json``, in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ortools.sat.python import cp_model

METHODS = ("ours", "greedy", "highs", "cpsat")
BOUND = "bound"  # the child that solves the LP relaxation
RESULT_MARK = "scale-result "  # HiGHS prints a banner to stdout, so mark
NEAR = 0.01  # "close to the best possible": within 1 % of the bound
FIRST_PLAN_SECONDS = 15.0
CHILD_MEMORY_GB = 18  # address space of one child; the machine has 24 GB
MB_PER_GB = 1024


@dataclass(frozen=True)
class Target:
    """A target of the scale issue for one province size."""

    mines: int
    gap: float
    seconds: float
    gigabytes: float


TARGETS = (
    Target(500, 0.005, 10, 0.5),
    Target(2000, 0.005, 30, 1),
    Target(8000, 0.01, 120, 3),
    Target(20000, 0.02, 600, 6),
)


@dataclass
class Run:
    """What one method did; seconds count from the start of its solve."""

    status: str
    build_s: float | None
    improvements: list[tuple[float, float]] = field(default_factory=list)
    visits: list | None = None
    claimed: float | None = None
    bound: float | None = None
    source: str = ""


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, or one method of it with ``--child``."""
    args = _parser().parse_args(argv)
    if args.child:
        return _child(args)

    logging.basicConfig(level=logging.WARNING)
    if args.report_from:
        return _report_again(Path(args.report_from), Path(args.out))

    sizes = _numbers(args.sizes, int)
    budgets = _numbers(args.budgets, float)
    if len(budgets) == 1:
        budgets *= len(sizes)

    if len(budgets) != len(sizes):
        raise SystemExit("give one budget, or one budget per size")

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise SystemExit(f"unknown methods: {', '.join(unknown)}")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {"seed": args.seed, "methods": methods, "sizes": []}
    results["bounds"], results["rows"] = [], []
    for mines, budget in zip(sizes, budgets, strict=True):
        bound, rows = _run_size(mines, budget, methods, args)
        results["sizes"].append({"mines": mines, "budget": budget})
        results["bounds"].append(bound)
        results["rows"].extend(rows)

    _write_results(results, out)
    return 0


def _write_results(results: dict, out: Path) -> None:
    """Score the targets, print the tables and write both result files."""
    results["targets"] = _targets(results)
    text = _report(results)
    _say(text)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    (out / "results.md").write_text(text + "\n", "utf-8")


def _report_again(recorded: Path, out: Path) -> int:
    """Score the rows of a recorded results.json again and rewrite it."""
    results = json.loads(recorded.read_text("utf-8"))
    for bound in results["bounds"]:
        rows = [r for r in results["rows"] if r["mines"] == bound["mines"]]
        cpsat = next((r for r in rows if r["method"] == "cpsat"), None)
        for row in rows:
            _score(row, bound["best_bound"], cpsat)

    _write_results(results, out)
    return 0


def _parser() -> argparse.ArgumentParser:
    """Return the command line parser, with the hidden child options."""
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", default="500,2000,8000,20000")
    parser.add_argument("--budgets", default="10,30,120,600")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="benchmarks/results")
    parser.add_argument(
        "--keep-plans",
        action="store_true",
        help="copy each plan.csv into OUT/plans",
    )
    hidden = argparse.SUPPRESS
    parser.add_argument(
        "--report-from",
        help="print and write the tables again from a results.json, "
        "without running anything",
    )
    parser.add_argument("--child", help=hidden)
    parser.add_argument("--folder", help=hidden)
    parser.add_argument("--budget", type=float, help=hidden)
    parser.add_argument("--plan", help=hidden)
    return parser


def _numbers(text: str, kind: Callable) -> list:
    """Return the comma-separated numbers of an option."""
    return [kind(part) for part in text.split(",") if part.strip()]


def _run_size(mines: int, budget: float, methods, args):
    """Plan one province with every method; return its bound and rows."""
    _say(f"{mines} mines, budget {budget:g} s")
    with tempfile.TemporaryDirectory() as temp:
        from scheduler.demo import write_province

        folder = Path(temp) / "province"
        write_province(folder, mines, seed=args.seed)

        # The bound goes first: it is also what the rows are scored by.
        lp = _spawn(BOUND, folder, budget, Path(temp) / "unused.csv")
        rows = []
        for method in methods:
            plan = Path(temp) / "plans" / method / "plan.csv"
            row = _spawn(method, folder, budget, plan)
            if args.keep_plans and plan.exists():
                kept = Path(args.out) / "plans" / f"{mines}-{method}.csv"
                kept.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(plan, kept)

            rows.append({"mines": mines, "budget": budget, **row})

    bound = _best_bound(mines, budget, lp, rows)
    cpsat = next((r for r in rows if r["method"] == "cpsat"), None)
    for row in rows:
        _score(row, bound["best_bound"], cpsat)

    return bound, rows


def _spawn(method: str, folder: Path, budget: float, plan: Path) -> dict:
    """Run one method in a child process and return its result row."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        method,
        "--folder",
        str(folder),
        "--budget",
        str(budget),
        "--plan",
        str(plan),
    ]
    limit = budget * 3 + 120
    _say(f"  {method:<8} running (at most {limit:g} s)")
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=limit,
            preexec_fn=_cap_memory,
        )
    except subprocess.TimeoutExpired:
        return {"method": method, "status": "timed out", "wall_s": limit}

    wall = time.perf_counter() - start
    row = _result_line(done.stdout)
    if done.returncode != 0 or row is None:
        tail = done.stderr.strip().splitlines()[-5:]
        _say(f"  {method:<8} died (exit {done.returncode})")
        return {
            "method": method,
            "status": "died",
            "returncode": done.returncode,
            "error": "\n".join(tail),
            "wall_s": wall,
        }

    _say(f"  {method:<8} {row['status']} in {wall:.1f} s")
    return row


def _cap_memory() -> None:
    """Cap a child's address space, so a method that runs out of memory
    dies alone instead of taking the machine down."""
    cap = int(CHILD_MEMORY_GB * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _result_line(stdout: str) -> dict | None:
    """Return the JSON result a child printed, if it printed one."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])

    return None


def _best_bound(mines: int, budget: float, lp: dict, rows) -> dict:
    """Return the lowest known bound on the plan value and its source."""
    found = {}
    if lp.get("bound") is not None:
        found["LP relaxation"] = lp["bound"]

    for row in rows:
        if row.get("bound") is None:
            continue

        name = "HiGHS MIP" if row["method"] == "highs" else "CP-SAT"
        found[f"{name} ({row['method']})"] = row["bound"]

    # Name every source that reaches the best bound, not just the first.
    best = min(found.values(), default=None)
    sources = [name for name, value in found.items() if value <= best + 1e-9]
    return {
        "mines": mines,
        "budget": budget,
        "best_bound": best,
        "source": ", ".join(sources) or None,
        "candidates": found,
        "lp": lp,
    }


def _score(row: dict, bound: float | None, cpsat: dict | None) -> None:
    """Add first plan, time to 1 %, gap and the ratio to cpsat to a row."""
    improvements = row.get("improvements") or []
    objective = row.get("recount")
    row["first_plan_s"] = improvements[0][0] if improvements else None
    row["to_near_s"] = _time_to(improvements, bound, NEAR)
    row["ratio"] = _ratio(objective, bound)
    row["gap"] = None if row["ratio"] is None else 1 - row["ratio"]

    theirs = None
    if cpsat is not None:
        theirs = _time_to(cpsat.get("improvements") or [], bound, NEAR)

    mine = row["to_near_s"]
    row["vs_cpsat"] = mine / theirs if mine is not None and theirs else None

    # Plain CP-SAT not within 1 % in its budget: its time is above the
    # budget, so the ratio is below ours over the budget.
    row["vs_cpsat_below"] = None
    if mine is not None and cpsat is not None and theirs is None:
        row["vs_cpsat_below"] = mine / cpsat["budget"]


def _ratio(objective: float | None, bound: float | None) -> float | None:
    """Return objective / bound, when both are known."""
    if objective is None or not bound:
        return None

    return objective / bound


def _time_to(improvements, bound: float | None, gap: float):
    """Return when the plan first came within a gap of the bound."""
    if bound is None:
        return None

    for seconds, value in improvements:
        if bound - value <= gap * abs(bound):
            return seconds

    return None


def _gap_by(improvements, bound: float | None, seconds: float):
    """Return the gap of the best plan found by a time, if any."""
    values = [value for at, value in improvements if at <= seconds]
    if bound is None or not values or not bound:
        return None

    return (bound - max(values)) / abs(bound)


def _targets(results: dict) -> list[dict]:
    """Return the issue's targets for ``ours``, met or not and by how much."""
    by_size = {(r["mines"], r["method"]): r for r in results["rows"]}
    bounds = {b["mines"]: b["best_bound"] for b in results["bounds"]}
    found = []
    for size in results["sizes"]:
        mines = size["mines"]
        ours = by_size.get((mines, "ours"))
        if ours is None:
            continue

        improvements = ours.get("improvements") or []
        target = next((t for t in TARGETS if t.mines == mines), None)
        if target is not None:
            gap = _gap_by(improvements, bounds[mines], target.seconds)
            found.append(_gap_target(mines, target, gap))
            found.append(_memory_target(mines, target, ours.get("peak_mb")))

        first = ours.get("first_plan_s")
        found.append(_first_plan_target(mines, first))

    return found


def _gap_target(mines: int, target: Target, gap: float | None) -> dict:
    """Return whether the plan was close enough to the bound in time."""
    wanted = f"within {target.gap:.1%} of the bound in {target.seconds:g} s"
    if gap is None:
        return _verdict(mines, wanted, "no plan or no bound", False, "")

    met = gap <= target.gap
    spare = abs(target.gap - gap) * 100
    margin = f"{spare:.2f} pts {'under' if met else 'over'}"
    measured = f"{gap:.2%} at {target.seconds:g} s"
    return _verdict(mines, wanted, measured, met, margin)


def _memory_target(mines: int, target: Target, peak: float | None) -> dict:
    """Return whether the peak memory stayed within the target."""
    wanted = f"peak memory <= {target.gigabytes:g} GB"
    if peak is None:
        return _verdict(mines, wanted, "not measured", False, "")

    limit = target.gigabytes * MB_PER_GB
    met = peak <= limit
    margin = f"{abs(limit - peak):.0f} MB {'under' if met else 'over'}"
    return _verdict(mines, wanted, f"{peak:.0f} MB", met, margin)


def _first_plan_target(mines: int, first: float | None) -> dict:
    """Return whether the first plan came within 15 seconds."""
    wanted = f"first plan within {FIRST_PLAN_SECONDS:g} s"
    if first is None:
        return _verdict(mines, wanted, "no plan", False, "")

    met = first <= FIRST_PLAN_SECONDS
    spare = abs(FIRST_PLAN_SECONDS - first)
    margin = f"{spare:.1f} s {'under' if met else 'over'}"
    return _verdict(mines, wanted, f"{first:.1f} s", met, margin)


def _verdict(mines, wanted, measured, met: bool, margin: str) -> dict:
    """Return one row of the targets table."""
    return {
        "mines": mines,
        "target": wanted,
        "measured": measured,
        "met": met,
        "margin": margin,
    }


def _report(results: dict) -> str:
    """Return the three tables: methods, bounds and targets."""
    lines = ["## Methods", ""]
    lines += _table(
        (
            "mines",
            "method",
            "status",
            "build s",
            "first plan s",
            "to 1 % s",
            "objective",
            "obj / bound",
            "gap",
            "peak MB",
            "to 1 % / cpsat",
            "violations",
        ),
        [_method_cells(row) for row in results["rows"]],
    )
    lines += ["", "## Bounds", ""]
    lines += _table(
        (
            "mines",
            "budget s",
            "best bound",
            "from",
            "LP bound",
            "LP s",
            "LP peak MB",
        ),
        [_bound_cells(bound) for bound in results["bounds"]],
    )
    lines += ["", "## Targets (ours)", ""]
    lines += _table(
        ("mines", "target", "measured", "met", "by"),
        [
            (
                str(t["mines"]),
                t["target"],
                t["measured"],
                "met" if t["met"] else "not met",
                t["margin"] or "—",
            )
            for t in results["targets"]
        ],
    )
    return "\n".join(lines)


def _method_cells(row: dict) -> tuple[str, ...]:
    """Return the cells of one method row."""
    near = row.get("to_near_s")
    reached = "not reached" if row.get("recount") is not None else "—"
    return (
        str(row["mines"]),
        row["method"],
        row["status"],
        _fixed(row.get("build_s"), 1),
        _fixed(row.get("first_plan_s"), 1),
        reached if near is None else _fixed(near, 1),
        _fixed(row.get("recount"), 3),
        _fixed(row.get("ratio"), 4),
        "—" if row.get("gap") is None else f"{row['gap']:.3%}",
        _fixed(row.get("peak_mb"), 0),
        _versus(row),
        "—" if row.get("violations") is None else str(row["violations"]),
    )


def _versus(row: dict) -> str:
    """Return time to 1 % over plain CP-SAT's, or a ceiling on it."""
    if row.get("vs_cpsat_below") is not None:
        return f"< {row['vs_cpsat_below']:.3f}"

    return _fixed(row.get("vs_cpsat"), 2)


def _bound_cells(bound: dict) -> tuple[str, ...]:
    """Return the cells of one bound row."""
    lp = bound["lp"]
    return (
        str(bound["mines"]),
        f"{bound['budget']:g}",
        _fixed(bound["best_bound"], 3),
        bound["source"] or "none",
        _fixed(lp.get("bound"), 3),
        _fixed(lp.get("wall_s"), 1),
        _fixed(lp.get("peak_mb"), 0),
    )


def _fixed(value: float | None, digits: int) -> str:
    """Format a number with fixed digits, or a dash when unknown."""
    return "—" if value is None else f"{value:.{digits}f}"


def _table(header, rows) -> list[str]:
    """Return the lines of a Markdown table."""
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return lines


def _child(args) -> int:
    """Run one method on the province and print its result line."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from models.loading import load_scenario

    scenario = load_scenario(args.folder)
    start = time.perf_counter()
    run = RUNNERS[args.child](scenario, args.budget)
    wall = time.perf_counter() - start

    row = {
        "method": args.child,
        "status": run.status,
        "source": run.source,
        "build_s": run.build_s,
        "wall_s": wall,
        "claimed": run.claimed,
        "bound": run.bound,
    }
    if run.visits is not None:
        row.update(_recount(scenario, run.visits, Path(args.plan)))
        run.improvements = _with_final(run.improvements, wall, row)

    row["improvements"] = run.improvements
    row.update(_peak_memory())
    _say(RESULT_MARK + json.dumps(row))
    return 0


def _recount(scenario, visits, path: Path) -> dict:
    """Write the plan to ``plan.csv``, read it back, recount and check."""
    from models.plan import number_visits, plan_csv_text, read_plan_csv
    from models.tables import write_text_atomic
    from scheduler.checker import check_plan
    from scheduler.model import plan_value

    text = plan_csv_text(number_visits(list(visits)))
    write_text_atomic(path, text, bom=True)
    planned = read_plan_csv(path)
    report = check_plan(scenario, planned)
    return {
        "visits": len(planned),
        "recount": plan_value(scenario, planned),
        "violations": len(report.violations),
        "first_violations": [str(v) for v in report.violations[:5]],
    }


def _with_final(improvements, wall: float, row: dict) -> list:
    """Add the final plan when it is better than every improvement seen.

    CP-SAT may hand back the greedy start when it does worse, which is
    no improvement of its own; the plan still exists at the end.
    """
    best = max((value for _, value in improvements), default=None)
    if best is None or row["recount"] > best + 1e-9:
        return [*improvements, (wall, row["recount"])]

    return list(improvements)


def _peak_memory() -> dict:
    """Return the peak resident memory of this process, in MB.

    ``ru_maxrss`` carries over the parent's peak through fork and exec,
    so the peak is the high-water mark of this process's own memory
    (``VmHWM``) where Linux reports it; ``ru_maxrss`` is kept beside it.
    """
    rusage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak = rusage
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024

    return {"peak_mb": peak, "ru_maxrss_mb": rusage}


def _run_ours(scenario, budget: float) -> Run:
    """Plan as ``minesched plan`` does: parts above 250 mines."""
    from scheduler.solve import SolveOptions

    options = SolveOptions(time_limit=budget, seed=None, workers=1)
    return _run_solve(scenario, options)


def _run_cpsat(scenario, budget: float) -> Run:
    """Plan with one plain CP-SAT model: no hint, two workers, wall limit.

    This is the straightforward formulation the issue measured first:
    CP-SAT on its own, with none of the tool's greedy start or parts.
    """
    from scheduler.model import VALUE_SCALE, build_model, objective
    from scheduler.solve import extract_visits

    start = time.perf_counter()
    plan = build_model(scenario)
    plan.model.maximize(objective(plan))
    built = time.perf_counter() - start
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = budget
    solver.parameters.random_seed = scenario.seed
    found = _Found(start)
    code = solver.solve(plan.model, found)
    has_plan = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return Run(
        status=solver.status_name(code).lower(),
        build_s=built,
        improvements=found.improvements,
        visits=extract_visits(plan, solver) if has_plan else None,
        claimed=solver.objective_value / VALUE_SCALE if has_plan else None,
        bound=solver.best_objective_bound / VALUE_SCALE,
        source="cp-sat",
    )


class _Found(cp_model.CpSolverSolutionCallback):
    """Record when plain CP-SAT finds each better plan."""

    def __init__(self, start: float):
        super().__init__()
        self._start = start
        self.improvements: list[list[float]] = []

    def on_solution_callback(self) -> None:
        elapsed = time.perf_counter() - self._start
        self.improvements.append([elapsed, self.objective_value / 1000])


def _run_solve(scenario, options) -> Run:
    """Run ``scheduler.solve.solve``; its times count from its start."""
    from scheduler.solve import solve

    result = solve(scenario, options)
    return Run(
        status=result.status,
        build_s=result.build_seconds,
        improvements=[list(p) for p in result.improvements],
        visits=list(result.visits) if result.has_plan else None,
        claimed=result.objective,
        bound=result.best_bound,
        source=result.source,
    )


def _run_greedy(scenario, budget: float) -> Run:
    """Plan with the greedy plan alone; the budget is not needed."""
    from scheduler.model import new_plan_model, plan_value
    from scheduler.solve import visits_from_keys
    from scheduler.warmstart import greedy_plan

    start = time.perf_counter()
    bare = new_plan_model(scenario)
    build = time.perf_counter() - start
    keys = greedy_plan(bare)
    visits = visits_from_keys(scenario, keys)
    value = plan_value(scenario, visits)
    return Run(
        status="feasible",
        build_s=build,
        improvements=[[time.perf_counter() - start, value]],
        visits=visits,
        claimed=value,
        source="greedy",
    )


def _run_highs(scenario, budget: float) -> Run:
    """Plan with HiGHS on the same model as a MIP, two threads."""
    from scheduler.model import (
        VALUE_SCALE,
        build_model,
        model_visit_variables,
        objective,
    )
    from scheduler.relaxation import solve_mip
    from scheduler.solve import visits_from_keys

    start = time.perf_counter()
    plan = build_model(scenario)
    plan.model.maximize(objective(plan))
    built = time.perf_counter()
    outcome = solve_mip(plan.model, budget, threads=2)

    # solve_mip converts the model before its clock starts.
    converted = time.perf_counter() - built - outcome.seconds
    ready = built - start + converted
    improvements = [
        [ready + seconds, value / VALUE_SCALE]
        for seconds, value in outcome.improvements
    ]
    visits = None
    if outcome.values is not None:
        keys = {
            (family, *key)
            for family, key, var in model_visit_variables(plan)
            if outcome.value(var) > 0.5
        }
        visits = visits_from_keys(scenario, keys)

    return Run(
        status=outcome.status,
        build_s=ready,
        improvements=improvements,
        visits=visits,
        claimed=_scaled(outcome.objective, VALUE_SCALE),
        bound=_scaled(outcome.bound, VALUE_SCALE),
        source="highs",
    )


def _run_bound(scenario, budget: float) -> Run:
    """Solve the LP relaxation of the model for a bound on the value."""
    from scheduler.model import VALUE_SCALE, build_model, objective
    from scheduler.relaxation import lp_bound

    start = time.perf_counter()
    plan = build_model(scenario)
    plan.model.maximize(objective(plan))
    build = time.perf_counter() - start
    bound = lp_bound(plan.model, time_limit=budget * 2 + 60)
    return Run(
        status="solved" if bound is not None else "not solved",
        build_s=build,
        bound=_scaled(bound, VALUE_SCALE),
        source="LP relaxation",
    )


def _scaled(value: float | None, scale: int) -> float | None:
    """Return a model-unit value in risk units."""
    return None if value is None else value / scale


RUNNERS: dict[str, Callable[..., Run]] = {
    "ours": _run_ours,
    "cpsat": _run_cpsat,
    "greedy": _run_greedy,
    "highs": _run_highs,
    BOUND: _run_bound,
}


def _say(line: str) -> None:
    """Write one line of the benchmark's report to standard output."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
