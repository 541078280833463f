"""What-if planning: compare scenarios, sweep policy settings, price staff.

Each scenario is planned by ``solve`` in a process of its own, on this
machine (``concurrent.futures``) or on a Dask cluster, and reduced to its
key figures, recounted from the plan's visits. A scenario without a plan,
or with bad input, comes back as a run carrying its status and the reason,
never as an exception. ``solve`` counts its time limit in deterministic
time, so one seed gives the same figures wherever a plan is made.

A local process that dies while planning (CP-SAT can abort on some
infeasible models, or memory can run out) takes down only its own
scenario: the unfinished ones are planned again, one process each, and
the dead one is a run with status ``crashed``.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from models.errors import InputIssue, ScenarioError
from models.loading import POLICY_PARSERS, load_scenario
from models.plan import Visit
from models.records import CATEGORIES, KINDS, SIDES, Scenario
from models.tables import csv_text, write_text_atomic
from scheduler.model import risk_coverage
from scheduler.solve import PlanResult, SolveOptions, solve
from scheduler.summary import capacity_table

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

# Coal C mines are the least safe coal mines (R1); non-coal C and D carry
# significant and major risk (R2).
HIGH_RISK = frozenset({("coal", "C"), ("non_coal", "C"), ("non_coal", "D")})

# Policy settings a sweep may vary: the single-valued ones, which a
# command line can give as a list of values.
SWEEP_SETTINGS = (
    "joint_minimum",
    "joint_scope",
    "min_gap_months",
    "reserve_share",
    "total_cap",
    "company_cap",
    "company_visit_days",
)

GRID_FILE = "sweep grid"

# How long to try reaching a Dask scheduler before giving up.
DASK_CONNECT_TIMEOUT = "20s"

# Statuses of a run beyond those of ``solve``.
INPUT_ERROR = "error"
CRASHED = "crashed"


class WhatIfError(Exception):
    """The plans cannot be run: Dask is missing or its scheduler is away."""


@dataclass(frozen=True)
class ScenarioRun:
    """The outcome of planning one scenario, small enough to send back.

    Parameters
    ----------
    label
        Name of the scenario in tables and charts: the folder name, or
        the settings of a sweep.
    folder
        The scenario folder planned.
    status
        ``optimal``, ``feasible``, ``infeasible`` or ``unknown`` as
        ``solve`` says; ``error`` for bad input; ``crashed`` when the
        solving process died.
    figures
        The key figures of the plan (see ``key_figures``); ``None``
        without a plan.
    explanation
        Why there is no plan, in the planner's terms; for an elastic plan,
        what falls short.
    error
        The input problems, each naming file, row and column.
    settings
        The policy settings changed from the folder's, as (key, value)
        pairs.
    """

    label: str
    folder: str
    status: str
    figures: dict | None = None
    explanation: tuple[str, ...] = ()
    error: tuple[str, ...] = ()
    settings: tuple[tuple[str, object], ...] = ()

    @property
    def has_plan(self) -> bool:
        """Whether the run holds the figures of a plan."""
        return self.figures is not None


@dataclass(frozen=True)
class MarginalRow:
    """What one officer more or fewer at one body changes (R16, R17).

    Parameters
    ----------
    body_id, name, side
        The body.
    officers
        Its certified officers in the scenario.
    plus_change
        Risk-weighted coverage of the plan with one officer more, minus
        the base plan's; ``None`` when either has no plan.
    minus_change
        The same with one officer fewer; ``None`` when skipped or when
        either has no plan.
    plus_status, minus_status
        Status of those plans; ``skipped`` for a body of one officer.
    """

    body_id: str
    name: str
    side: str
    officers: int
    plus_change: float | None
    minus_change: float | None
    plus_status: str
    minus_status: str


@dataclass(frozen=True)
class _Job:
    """One scenario to plan: a folder and what to change after loading."""

    folder: str
    label: str
    settings: tuple[tuple[str, object], ...] = ()
    officers: tuple[tuple[str, int], ...] = ()


# ------------------------------------------------------------ key figures


def key_figures(scenario: Scenario, result: PlanResult) -> dict:
    """Return the key figures of a plan, recounted from its visits.

    Parameters
    ----------
    scenario
        The scenario planned.
    result
        The plan.

    Returns
    -------
    dict
        ``status``, ``objective`` and ``gap`` of the solve;
        ``visits``: every planned visit, parent company visits included;
        ``visits_by_side``: visits to mines by side, mine kind and
        category (``[side][kind][category]``), a joint visit counting on
        both sides (R9) and re-checks and campaign visits on the side of
        their body;
        ``coverage``: risk-weighted coverage, the sum over mines of
        ``mine_value x (1 + decay + ... + decay ** (n - 1))`` where ``n``
        is the mine's visits of any kind: the diminishing value the plan
        maximises (R21, R22) without the burden, flood-season bonus and
        evenness terms;
        ``high_risk_mines``: coal C and non-coal C and D mines with a
        regulator cap above zero; ``high_risk_at_cap`` those whose
        regulator-side visits counting toward the caps (joint ones
        included) reach the regulator cap (R5, R7), and
        ``high_risk_at_cap_share`` their share (``None`` without such
        mines);
        ``capacity_used``: planned person-days over inspection
        person-days of each body (R17);
        ``floors_unmet``: floors an elastic plan leaves short;
        ``joint_by_quarter``: joint visits in each quarter (R10).
    """
    visits = list(result.visits)
    at_cap, high_risk = _high_risk_at_cap(scenario, visits)
    return {
        "status": result.status,
        "objective": result.objective,
        "gap": result.gap,
        "visits": len(visits),
        "visits_by_side": _visits_by_side(scenario, visits),
        "coverage": round(risk_coverage(scenario, visits), 3),
        "high_risk_mines": high_risk,
        "high_risk_at_cap": at_cap,
        "high_risk_at_cap_share": at_cap / high_risk if high_risk else None,
        "capacity_used": _capacity_used(scenario, visits),
        "floors_unmet": sum(
            1 for item in result.shortfalls if item.rule == "floor"
        ),
        "joint_by_quarter": _joint_by_quarter(visits),
    }


def _mine_visits(visits: Sequence[Visit]) -> list[Visit]:
    """Return the visits to mines, leaving parent companies out."""
    return [visit for visit in visits if visit.kind != "company"]


def _visits_by_side(scenario: Scenario, visits: Sequence[Visit]) -> dict:
    """Count visits to mines by side, kind and category (R9)."""
    sides = {body.body_id: body.side for body in scenario.bodies}
    table = {
        side: {kind: dict.fromkeys(CATEGORIES, 0) for kind in KINDS}
        for side in SIDES
    }
    for visit in _mine_visits(visits):
        mine = scenario.mine(visit.target_id)
        for side in {sides[body_id] for body_id in visit.body_ids}:
            table[side][mine.kind][mine.category] += 1

    return table


def _high_risk_at_cap(
    scenario: Scenario, visits: Sequence[Visit]
) -> tuple[int, int]:
    """Return high-risk mines at their regulator cap, and all of them."""
    counted = Counter(
        visit.target_id
        for visit in _mine_visits(visits)
        if visit.counts_toward_caps and visit.side in ("regulator", "joint")
    )
    at_cap = mines = 0
    for mine in scenario.mines:
        if (mine.kind, mine.category) not in HIGH_RISK:
            continue

        policy = scenario.policy
        cap = policy.caps(mine.kind, mine.category, mine.regulator_id)
        if cap.regulator > 0:
            mines += 1
            at_cap += counted[mine.mine_id] >= cap.regulator

    return at_cap, mines


def _capacity_used(
    scenario: Scenario, visits: Sequence[Visit]
) -> dict[str, float]:
    """Return planned over inspection person-days of each body (R17)."""
    table = capacity_table(scenario, list(visits))
    used = {}
    for body_id, row in table.items():
        planned = sum(row["used_by_month"])
        available = row["inspection_days"]
        used[body_id] = round(planned / available, 4) if available else 0.0

    return used


def _joint_by_quarter(visits: Sequence[Visit]) -> list[int]:
    """Return the joint visits of each quarter (R10)."""
    counts = Counter(v.quarter for v in visits if v.side == "joint")
    return [counts[quarter] for quarter in (1, 2, 3, 4)]


# ------------------------------------------------------------- one run


def run_scenario(folder: str, options: SolveOptions) -> ScenarioRun:
    """Plan one scenario folder and return its key figures.

    Never raises for an infeasible scenario or bad input: the run carries
    the status with the explanation, or the input problems.

    Parameters
    ----------
    folder
        The scenario folder.
    options
        Time limit, seed, workers and mode of the solve.

    Returns
    -------
    ScenarioRun
        Labelled with the folder name.
    """
    return _run_job(_job_of(folder), options)


def _job_of(folder: str, **changes) -> _Job:
    """Return the job of a folder, with an absolute path for any worker."""
    path = Path(folder)
    return _Job(str(path.resolve()), path.resolve().name, **changes)


def _run_job(job: _Job, options: SolveOptions) -> ScenarioRun:
    """Load, change and plan one scenario: the work of every worker."""
    run = ScenarioRun(
        job.label, job.folder, INPUT_ERROR, settings=job.settings
    )
    try:
        scenario = load_scenario(job.folder)
    except ScenarioError as err:
        return replace(run, error=tuple(str(issue) for issue in err.issues))

    scenario = _changed(scenario, job)
    result = solve(scenario, options)
    if not result.has_plan:
        why = _why_no_plan(result, options)
        return replace(run, status=result.status, explanation=why)

    return replace(
        run,
        status=result.status,
        figures=key_figures(scenario, result),
        explanation=tuple(item.message for item in result.shortfalls),
    )


def _changed(scenario: Scenario, job: _Job) -> Scenario:
    """Return the scenario with the job's policy settings and officers."""
    if job.settings:
        policy = replace(scenario.policy, **dict(job.settings))
        scenario = replace(scenario, policy=policy)

    if job.officers:
        change = dict(job.officers)
        bodies = tuple(
            replace(body, officers=body.officers + change.get(body.body_id, 0))
            for body in scenario.bodies
        )
        scenario = replace(scenario, bodies=bodies)

    return scenario


def _why_no_plan(result: PlanResult, options: SolveOptions) -> tuple:
    """Return why a solve gave no plan, in the planner's terms."""
    if result.explanation:
        return result.explanation

    return (
        f"no plan found within the time limit ({options.time_limit:g} s of "
        "deterministic time); raise the time limit",
    )


def _crashed(job: _Job) -> ScenarioRun:
    """Return the run of a job whose solving process died."""
    why = (
        "the process planning this scenario ended without a result (a "
        "fault in the solver library, or the machine ran out of memory); "
        "plan it alone with `minesched plan` to see the message",
    )
    return ScenarioRun(
        job.label, job.folder, CRASHED, explanation=why, settings=job.settings
    )


# ------------------------------------------------------------- runners


def compare(
    folders: list[str],
    options: SolveOptions,
    workers: int | None = None,
    dask_address: str | None = None,
    progress: Progress | None = None,
) -> list[ScenarioRun]:
    """Plan several scenario folders in parallel and return their runs.

    Parameters
    ----------
    folders
        Scenario folders; the first is the base of a comparison.
    options
        Solve options shared by every plan.
    workers
        Local processes at most; by default one per scenario up to the
        number of CPUs. Each process runs ``options.workers`` solver
        threads. Ignored with ``dask_address``.
    dask_address
        Address of a Dask scheduler to plan on instead of local
        processes. The folders must be readable at the same absolute
        paths on every Dask worker.
    progress
        Called with one line as each plan finishes, such as ``[2/3]
        variant: feasible, 160 visits, coverage 123.4``.

    Returns
    -------
    list of ScenarioRun
        In the order of ``folders``; identical figures whether planned
        locally or on Dask.

    Raises
    ------
    WhatIfError
        If Dask is asked for but not installed, or its scheduler cannot
        be reached.

    Notes
    -----
    Local processes are started fresh (``spawn``), so that none inherits
    the threads of this one: a script that calls this function must keep
    its top-level code under ``if __name__ == "__main__":``. They log
    errors only; load a scenario here to see its warnings once.
    """
    jobs = [_job_of(folder) for folder in folders]
    return _execute(jobs, options, workers, dask_address, progress)


def sweep(
    folder: str,
    grid: dict[str, list],
    options: SolveOptions,
    workers: int | None = None,
    dask_address: str | None = None,
    progress: Progress | None = None,
) -> list[ScenarioRun]:
    """Plan a scenario for every combination of policy settings.

    Parameters
    ----------
    folder
        The scenario folder.
    grid
        Values of each policy setting to try, such as ``{"joint_minimum":
        [1, 2], "reserve_share": [0.1, 0.2]}``; the keys are among
        ``SWEEP_SETTINGS`` and the values are checked like those of
        ``scenario.yaml``.
    options, workers, dask_address, progress
        As for ``compare``.

    Returns
    -------
    list of ScenarioRun
        One per combination, the first value of every setting first (the
        base of a comparison), labelled ``key=value, ...``.

    Raises
    ------
    ScenarioError
        If a key cannot be swept or a value is out of range; nothing is
        planned then.
    WhatIfError
        As for ``compare``.
    """
    settings = sweep_settings(grid)
    keys = list(settings)
    jobs = []
    for values in itertools.product(*settings.values()):
        chosen = tuple(zip(keys, values, strict=True))
        label = ", ".join(f"{key}={value}" for key, value in chosen)
        jobs.append(replace(_job_of(folder, settings=chosen), label=label))

    return _execute(jobs, options, workers, dask_address, progress)


def sweep_settings(grid: dict[str, list]) -> dict[str, list]:
    """Check a sweep grid and return its values as the policy holds them.

    Parameters
    ----------
    grid
        Values of each policy setting, as Python values or as the text of
        a YAML scalar.

    Returns
    -------
    dict
        The same keys with values converted, such as ``2.0`` to ``2``
        for a whole-number setting.

    Raises
    ------
    ScenarioError
        Naming every key that cannot be swept and every bad value.
    """
    issues = _GridIssues()
    if not grid:
        issues.key("", "", "give at least one setting to sweep")

    parsed = {}
    for key, values in grid.items():
        if key not in SWEEP_SETTINGS:
            issues.key(key, key, "sweep one of " + ", ".join(SWEEP_SETTINGS))
        elif not values:
            issues.key(key, "", "give at least one value")
        else:
            parse = POLICY_PARSERS[key]
            parsed[key] = [parse(value, key, issues) for value in values]

    if issues.found:
        raise ScenarioError(issues.found)

    return parsed


class _GridIssues:
    """Collect bad sweep values the way the loader's parsers report them.

    The parsers of ``models.loading.POLICY_PARSERS`` report through an
    object with ``key`` and ``found``; this one names the grid instead of
    ``scenario.yaml``, so the checks and their wording stay the loader's.
    """

    def __init__(self) -> None:
        self.found: list[InputIssue] = []

    def key(self, key: str, value: object, expected: str) -> None:
        """Add a problem with one setting of the grid."""
        issue = InputIssue(GRID_FILE, None, key or None, str(value), expected)
        self.found.append(issue)


def marginal(
    folder: str,
    options: SolveOptions,
    workers: int | None = None,
    dask_address: str | None = None,
    progress: Progress | None = None,
) -> list[MarginalRow]:
    """Rank the bodies by what one more certified officer would add.

    Method: the scenario is planned as given, then once for each body
    with one officer more and, unless it has only one, once with one
    officer fewer; its other and non-enforcement days stay as they are
    (R17). Every plan uses the same seed and deterministic time limit,
    so the ranking is reproducible. A change is the risk-weighted
    coverage recounted from that plan's visits minus the base plan's
    (see ``risk_coverage``); changes within the plans' gap may be solver
    noise, which a longer time limit narrows.

    Parameters
    ----------
    folder
        The scenario folder.
    options, workers, dask_address, progress
        As for ``compare``.

    Returns
    -------
    list of MarginalRow
        One per body, the largest gain from one more officer first; rows
        without a gain last, then by body id.

    Raises
    ------
    ScenarioError
        If the scenario has bad input.
    WhatIfError
        As for ``compare``.
    """
    scenario = load_scenario(folder)
    jobs = {(None, 0): _job_of(folder)}
    for body in scenario.bodies:
        for change in (1, -1):
            if body.officers + change >= 1:
                job = _job_of(folder, officers=((body.body_id, change),))
                label = f"{body.body_id} {change:+d} officer"
                jobs[body.body_id, change] = replace(job, label=label)

    runs = _execute(
        list(jobs.values()), options, workers, dask_address, progress
    )
    found = dict(zip(jobs, runs, strict=True))
    rows = [_marginal_row(body, found) for body in scenario.bodies]
    return sorted(rows, key=_rank_key)


def _marginal_row(body, runs: dict) -> MarginalRow:
    """Return one body's coverage changes against the base plan."""
    base = runs[None, 0]
    plus = runs[body.body_id, 1]
    minus = runs.get((body.body_id, -1))
    return MarginalRow(
        body_id=body.body_id,
        name=body.name,
        side=body.side,
        officers=body.officers,
        plus_change=_coverage_change(plus, base),
        minus_change=_coverage_change(minus, base),
        plus_status=plus.status,
        minus_status=minus.status if minus else "skipped",
    )


def _coverage_change(run, base: ScenarioRun) -> float | None:
    """Return a run's coverage minus the base's, if both have plans."""
    if run is None or not (run.has_plan and base.has_plan):
        return None

    return round(run.figures["coverage"] - base.figures["coverage"], 3)


def _rank_key(row: MarginalRow) -> tuple:
    """Order rows by gain from one more officer, then by body id."""
    gain = row.plus_change
    return (gain is None, -(gain or 0.0), row.body_id)


# ----------------------------------------------------------- execution


class _Tally:
    """Count finished plans and tell the progress callback of each."""

    def __init__(self, total: int, progress: Progress | None):
        self.total = total
        self.done = 0
        self.progress = progress

    def __call__(self, run: ScenarioRun) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(progress_line(run, self.done, self.total))


def progress_line(run: ScenarioRun, done: int, total: int) -> str:
    """Return the line that tells a plan has finished.

    Parameters
    ----------
    run
        The finished run.
    done, total
        Plans finished so far, this one included, and in all.

    Returns
    -------
    str
        Such as ``[2/3] variant: feasible, 160 visits, coverage 123.4``.
    """
    head = f"[{done}/{total}] {run.label}: {run.status}"
    if run.has_plan:
        figures = run.figures
        return (
            f"{head}, {figures['visits']} visits, coverage "
            f"{figures['coverage']:.1f}"
        )

    if run.error:
        return f"{head}, {len(run.error)} input problem(s): {run.error[0]}"

    return f"{head}: {_first_reason(run.explanation)}"


def _first_reason(explanation: Sequence[str]) -> str:
    """Return the first line of an explanation that names a reason."""
    lines = [line.strip().lstrip("- ") for line in explanation]
    reasons = [line for line in lines if line and not line.endswith(":")]
    return (reasons or lines or ["no plan"])[0]


def _execute(
    jobs: list[_Job],
    options: SolveOptions,
    workers: int | None,
    dask_address: str | None,
    progress: Progress | None,
) -> list[ScenarioRun]:
    """Plan the jobs locally or on Dask; runs in the order of the jobs."""
    if not jobs:
        return []

    tally = _Tally(len(jobs), progress)
    if dask_address:
        return _on_dask(jobs, options, dask_address, tally)

    count = min(workers or os.cpu_count() or 1, len(jobs))
    return _Processes(options, tally).run(jobs, count)


class _Processes:
    """Plans jobs in local processes, isolating any process that dies.

    Parameters
    ----------
    options
        Solve options of every plan.
    tally
        Told of every finished run.
    work
        What a process does with one job; ``_run_job`` but in tests.
    """

    def __init__(
        self,
        options: SolveOptions,
        tally: _Tally,
        work: Callable[[_Job, SolveOptions], ScenarioRun] = _run_job,
    ):
        self.options = options
        self.tally = tally
        self.work = work
        self.runs: dict[int, ScenarioRun] = {}

    def run(self, jobs: list[_Job], count: int) -> list[ScenarioRun]:
        """Plan the jobs in ``count`` processes; runs in the jobs' order."""
        try:
            self._pool(dict(enumerate(jobs)), count)
        except BrokenProcessPool:
            # Which job killed the pool is unknown, so every unfinished
            # one is planned again in a process of its own.
            logger.warning(
                "a planning process ended abruptly; planning the remaining "
                "scenarios one process each"
            )
            for index, job in enumerate(jobs):
                if index not in self.runs:
                    self._alone(index, job)

        return [self.runs[index] for index in range(len(jobs))]

    def _pool(self, jobs: dict[int, _Job], count: int) -> None:
        """Plan jobs in a pool of processes, keeping runs as they finish."""
        # Spawned processes inherit no threads or locks from this one,
        # which may run solver or Dask threads of its own.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            count, mp_context=context, initializer=_quiet_worker
        ) as pool:
            futures = {
                pool.submit(self.work, job, self.options): index
                for index, job in jobs.items()
            }
            for future in as_completed(futures):
                index = futures[future]
                self.runs[index] = future.result()
                self.tally(self.runs[index])

    def _alone(self, index: int, job: _Job) -> None:
        """Plan one job in a process of its own; its death is its run."""
        try:
            self._pool({index: job}, 1)
        except BrokenProcessPool:
            self.runs[index] = _crashed(job)
            self.tally(self.runs[index])


def _quiet_worker() -> None:
    """Log errors only in a worker process.

    Every worker would repeat the warnings of loading its scenario, such
    as estimated workdays, which the caller sees once when it loads the
    scenario itself; what a plan lacks is in its run.
    """
    logging.getLogger().setLevel(logging.ERROR)


def _on_dask(
    jobs: list[_Job], options: SolveOptions, address: str, tally: _Tally
) -> list[ScenarioRun]:
    """Plan the jobs on a Dask cluster; runs in the order of the jobs."""
    distributed = _distributed()
    with _client(distributed, address) as client:
        futures = client.map(_run_job, jobs, options=options, pure=False)
        position = {future.key: index for index, future in enumerate(futures)}
        runs: dict[int, ScenarioRun] = {}
        for future in distributed.as_completed(futures):
            index = position[future.key]
            runs[index] = _dask_run(distributed, client, future, jobs[index])
            tally(runs[index])

    return [runs[index] for index in range(len(jobs))]


def _distributed():
    """Import ``dask.distributed``, or say how to install it."""
    try:
        from dask import distributed
    except ImportError as err:
        msg = (
            "planning on Dask needs dask.distributed, which is not "
            "installed: pip install 'minesched[dask]'"
        )
        raise WhatIfError(msg) from err

    return distributed


def _client(distributed, address: str):
    """Connect to the Dask scheduler at an address."""
    # An address without a port is a ValueError and one with an unknown
    # protocol fails an assertion inside distributed.
    try:
        return distributed.Client(address, timeout=DASK_CONNECT_TIMEOUT)
    except (OSError, ValueError, KeyError, AssertionError) as err:
        reason = str(err) or "unknown protocol"
        msg = (
            f"cannot reach the Dask scheduler at {address} ({reason}); "
            "give the address it listens on, such as tcp://host:8786"
        )
        raise WhatIfError(msg) from err


def _dask_run(distributed, client, future, job: _Job) -> ScenarioRun:
    """Return the run of a finished Dask task; a lost worker is a crash."""
    try:
        return client.gather(future)
    except distributed.KilledWorker:
        return _crashed(job)


# --------------------------------------------------------- comparison

MARKS = {
    "better": ("更好", "better"),
    "worse": ("更差", "worse"),
    "same": ("不变", "same"),
    "changed": ("变化", "changed"),
}
STATUS_WORDS = {
    "optimal": ("最优", "optimal"),
    "feasible": ("可行", "feasible"),
    "infeasible": ("无可行计划", "infeasible"),
    "unknown": ("限时内未找到计划", "no plan in time"),
    INPUT_ERROR: ("输入有误", "input error"),
    CRASHED: ("求解进程异常终止", "solver crashed"),
    "skipped": ("不适用(仅1人)", "skipped (one officer)"),
}
TABLE_WORDS = {
    "scenario": ("方案", "Scenario"),
    "row": ("行类型", "Row"),
    "result": ("结果", "result"),
    "difference": ("差异", "difference"),
    "status": ("状态", "Status"),
    "explanation": ("说明", "Explanation"),
    "versus": ("{label} 较 {base}", "{label} vs {base}"),
    "no_comparison": (
        "无法比较：至少一方没有计划",
        "not comparable: a plan is missing",
    ),
    "separator": ("；", "; "),
    "title": ("方案比较", "Scenario comparison"),
}
SIDE_WORDS = {
    "regulator": ("监管部门", "regulator"),
    "supervisor": ("省级局(监察)", "supervisor"),
}
KIND_WORDS = {"coal": ("煤矿", "coal"), "non_coal": ("非煤矿山", "non-coal")}
QUARTER_WORDS = ("第一季度", "第二季度", "第三季度", "第四季度")
COMPARISON_FILES = {
    "zh": ("比较.csv", "比较.xlsx", "比较-关键指标.png", "比较-执法能力.png"),
    "en": (
        "comparison.csv",
        "comparison.xlsx",
        "comparison-key-figures.png",
        "comparison-body-load.png",
    ),
}


@dataclass(frozen=True)
class _Column:
    """One key figure of the comparison table and how to judge it.

    ``sense`` is ``more`` or ``fewer`` when that is better, ``neutral``
    when a change is neither; ``digits`` rounds the figure.
    """

    heads: tuple[str, str]
    read: Callable[[dict], float | int | None]
    sense: str = "neutral"
    digits: int = 0


def _figure(key: str) -> Callable[[dict], object]:
    """Return a reader of one key figure."""
    return lambda figures: figures[key]


def _percent(key: str) -> Callable[[dict], float | None]:
    """Return a reader of a share, in per cent."""

    def read(figures: dict) -> float | None:
        share = figures[key]
        return None if share is None else share * 100

    return read


def _side_count(side: str, kind: str, category: str) -> Callable:
    """Return a reader of one side, kind and category visit count."""
    return lambda figures: figures["visits_by_side"][side][kind][category]


def _joint(quarter: int) -> Callable[[dict], int]:
    """Return a reader of the joint visits of one quarter, 1-4."""
    return lambda figures: figures["joint_by_quarter"][quarter - 1]


def _body_load(body_id: str) -> Callable[[dict], float | None]:
    """Return a reader of one body's capacity used, in per cent."""

    def read(figures: dict) -> float | None:
        share = figures["capacity_used"].get(body_id)
        return None if share is None else share * 100

    return read


RISK_COLUMNS = (
    _Column(
        ("风险加权覆盖", "Risk-weighted coverage"),
        _figure("coverage"),
        "more",
        2,
    ),
    _Column(("高风险矿山数", "High-risk mines"), _figure("high_risk_mines")),
    _Column(
        (
            "高风险矿山达监管上限比例(%)",
            "High-risk mines at regulator cap (%)",
        ),
        _percent("high_risk_at_cap_share"),
        "more",
        1,
    ),
    _Column(
        ("未满足保底检查数", "Floors unmet"), _figure("floors_unmet"), "fewer"
    ),
)
SOLVER_COLUMNS = (
    _Column(("目标值", "Objective"), _figure("objective"), digits=3),
    _Column(("最优性差距(%)", "Gap (%)"), _percent("gap"), digits=2),
)


def comparison_rows(
    runs: Sequence[ScenarioRun], lang: str = "zh"
) -> tuple[list[str], list[list]]:
    """Return the comparison table of runs: figures, then differences.

    Parameters
    ----------
    runs
        The runs; the first is the base.
    lang
        ``"zh"`` (default) or ``"en"`` for headers and words.

    Returns
    -------
    header : list of str
        Scenario, row kind, status, each key figure, explanation.
    rows : list of list
        One row per run with its figures (shares in per cent); a run
        without a plan shows its status and explanation. Then one row per
        variant with its difference from the base in each figure, marked
        better or worse for coverage, high-risk mines at cap and floors
        unmet (fewer is better), and only changed or same for every
        other figure: more visits are not better in themselves (R22).

    Raises
    ------
    ValueError
        If ``lang`` is not ``zh`` or ``en``.
    """
    pick = _language(lang)
    columns = _columns(runs)
    header = [
        TABLE_WORDS["scenario"][pick],
        TABLE_WORDS["row"][pick],
        TABLE_WORDS["status"][pick],
        *(column.heads[pick] for column in columns),
        TABLE_WORDS["explanation"][pick],
    ]
    rows = [_result_row(run, columns, pick) for run in runs]
    rows += [_difference_row(run, runs[0], columns, pick) for run in runs[1:]]
    return header, rows


def _language(lang: str) -> int:
    """Return the index of a language in the word tables."""
    if lang not in ("zh", "en"):
        msg = f"lang must be 'zh' or 'en', not {lang!r}."
        raise ValueError(msg)

    return 0 if lang == "zh" else 1


def _columns(runs: Sequence[ScenarioRun]) -> list[_Column]:
    """Return the key figure columns, with a capacity column per body."""
    visits = _Column(("计划检查总次数", "Visits planned"), _figure("visits"))
    sides = [
        _Column(
            _side_heads(side, kind, category),
            _side_count(side, kind, category),
        )
        for side in SIDES
        for kind in KINDS
        for category in CATEGORIES
    ]
    joint = [
        _Column(
            (
                f"{QUARTER_WORDS[quarter - 1]}联合执法次数",
                f"Joint visits Q{quarter}",
            ),
            _joint(quarter),
        )
        for quarter in (1, 2, 3, 4)
    ]
    bodies = [
        _Column(
            (f"{body_id} 执法能力使用率(%)", f"{body_id} capacity used (%)"),
            _body_load(body_id),
            digits=1,
        )
        for body_id in _bodies(runs)
    ]
    return [visits, *sides, *RISK_COLUMNS, *joint, *bodies, *SOLVER_COLUMNS]


def _side_heads(side: str, kind: str, category: str) -> tuple[str, str]:
    """Return the headers of one side, kind and category count (R9)."""
    zh = f"检查次数·{SIDE_WORDS[side][0]}·{KIND_WORDS[kind][0]}·{category}类"
    en = f"Visits {SIDE_WORDS[side][1]} {KIND_WORDS[kind][1]} {category}"
    return zh, en


def _bodies(runs: Sequence[ScenarioRun]) -> list[str]:
    """Return every body of the runs' plans, in order of first sight."""
    seen: dict[str, None] = {}
    for run in runs:
        if run.has_plan:
            seen.update(dict.fromkeys(run.figures["capacity_used"]))

    return list(seen)


def _result_row(run: ScenarioRun, columns: list[_Column], pick: int) -> list:
    """Return the row of one run's figures, or of why it has none."""
    values = [_cell(column, run.figures) for column in columns]
    reasons = run.error or run.explanation
    return [
        run.label,
        TABLE_WORDS["result"][pick],
        status_word(run.status, pick),
        *values,
        TABLE_WORDS["separator"][pick].join(reasons),
    ]


def _cell(column: _Column, figures: dict | None):
    """Return one figure rounded for the table, empty when missing."""
    value = None if figures is None else column.read(figures)
    if value is None:
        return ""

    return round(value, column.digits) if column.digits else value


def _difference_row(
    run: ScenarioRun, base: ScenarioRun, columns: list[_Column], pick: int
) -> list:
    """Return a variant's differences from the base, each marked."""
    words = TABLE_WORDS
    label = words["versus"][pick].format(label=run.label, base=base.label)
    if run.has_plan and base.has_plan:
        cells = [
            _difference(c, run.figures, base.figures, pick) for c in columns
        ]
        note = ""
    else:
        cells = [""] * len(columns)
        note = words["no_comparison"][pick]

    return [
        label,
        words["difference"][pick],
        _status_change(run.status, base.status, pick),
        *cells,
        note,
    ]


def _difference(column: _Column, figures: dict, base: dict, pick: int) -> str:
    """Return one figure's change from the base with its mark."""
    value, before = _cell(column, figures), _cell(column, base)
    if value == "" or before == "":
        return ""

    delta = round(value - before, column.digits)
    mark = difference_mark(column.sense, delta)
    word = MARKS[mark][pick]
    if mark == "same":
        return word

    # The mark comes first: a cell starting with a sign would be read as
    # a formula by a spreadsheet.
    return f"{word} {delta:+.{column.digits}f}"


def difference_mark(sense: str, delta: float) -> str:
    """Return how a figure's change from the base is judged.

    Parameters
    ----------
    sense
        ``more`` when more is better (coverage, high-risk mines at cap),
        ``fewer`` when fewer is better (floors unmet), ``neutral`` for a
        figure that is neither: visit counts (R22: more visits are not
        better in themselves), capacity used, objective and gap.
    delta
        The variant's value minus the base's.

    Returns
    -------
    str
        ``better``, ``worse``, ``changed`` or ``same``.
    """
    if delta == 0:
        return "same"

    if sense == "neutral":
        return "changed"

    return "better" if (delta > 0) == (sense == "more") else "worse"


def status_word(status: str, pick: int) -> str:
    """Return a run's status as the comparison table words it.

    Parameters
    ----------
    status
        The status of a run, or ``skipped`` in the marginal table.
    pick
        0 for Chinese, 1 for English.

    Returns
    -------
    str
        Such as ``无可行计划`` or ``infeasible``; an unknown status as is.
    """
    return STATUS_WORDS.get(status, (status, status))[pick]


def _status_change(status: str, base: str, pick: int) -> str:
    """Return the change of status from the base."""
    if status == base:
        return MARKS["same"][pick]

    return f"{status_word(base, pick)} → {status_word(status, pick)}"


# -------------------------------------------------------------- files


def write_comparison(
    out: Path, runs: Sequence[ScenarioRun], lang: str = "zh"
) -> list[Path]:
    """Write the comparison of runs as a table, a workbook and charts.

    Parameters
    ----------
    out
        Folder to write into; made if missing.
    runs
        The runs; the first is the base.
    lang
        ``"zh"`` (default) or ``"en"``.

    Returns
    -------
    list of Path
        ``比较.csv`` (UTF-8 with BOM) and ``比较.xlsx`` with the table of
        ``comparison_rows``, then the charts ``比较-关键指标.png`` (key
        figures side by side) and ``比较-执法能力.png`` (capacity used
        per body); in English ``comparison.csv``, ``comparison.xlsx``,
        ``comparison-key-figures.png`` and ``comparison-body-load.png``.

    Raises
    ------
    ValueError
        If ``lang`` is not ``zh`` or ``en``.
    OSError
        If the folder cannot be written.
    """
    header, rows = comparison_rows(runs, lang)
    names = COMPARISON_FILES[lang]
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        write_csv(out / names[0], header, rows),
        _write_xlsx(out / names[1], header, rows, lang),
        *_write_charts(out, names[2:], runs, lang),
    ]
    logger.info("Wrote the comparison of %d scenarios to %s", len(runs), out)
    return paths


def write_csv(path: Path, header: Sequence[str], rows: list[list]) -> Path:
    """Write a table as CSV, UTF-8 with BOM so that Excel opens it.

    Parameters
    ----------
    path
        File to write, whole or not at all.
    header, rows
        The table.

    Returns
    -------
    Path
        ``path``.
    """
    write_text_atomic(path, csv_text(header, rows), bom=True)
    return path


def _write_xlsx(path: Path, header, rows, lang: str) -> Path:
    """Write a table as a one-sheet workbook with no dates."""
    # Imported here, as are the charts: worker processes import this
    # module to plan and start faster without the report libraries.
    from scheduler.report.workbook import Column, TableBook, display_width

    title = TABLE_WORDS["title"][_language(lang)]
    book = TableBook(title, created=None)
    columns = [
        Column(head, _width(display_width, [head, *(r[i] for r in rows)]))
        for i, head in enumerate(header)
    ]
    book.sheet(title, columns).table(rows)
    return book.save(path)


def _width(measure: Callable[[object], int], values: list) -> float:
    """Return a column width that fits its values, within reason."""
    longest = max(measure(value) for value in values)
    return min(max(longest + 2, 8), 60)


def _write_charts(
    out: Path, names: Sequence[str], runs: Sequence[ScenarioRun], lang: str
) -> list[Path]:
    """Draw the comparison charts and save them as PNG files."""
    from scheduler.report.compare_charts import save_comparison_charts

    paths = [out / name for name in names]
    labels = [run.label for run in runs]
    figures = [run.figures for run in runs]
    save_comparison_charts(paths, labels, figures, lang)
    return paths


# ----------------------------------------------------------- marginal

MARGINAL_FILES = {"zh": "边际效益.csv", "en": "marginal.csv"}
MARGINAL_HEADS = (
    ("排名", "Rank"),
    ("执法主体", "Body"),
    ("名称", "Name"),
    ("执法方", "Side"),
    ("持证执法人员", "Officers"),
    ("增加1人覆盖变化", "Coverage change, +1 officer"),
    ("增加1人状态", "Status, +1 officer"),
    ("减少1人覆盖变化", "Coverage change, -1 officer"),
    ("减少1人状态", "Status, -1 officer"),
)


def marginal_table(
    rows: Sequence[MarginalRow], lang: str = "zh"
) -> tuple[list[str], list[list]]:
    """Return the ranked marginal table of ``marginal``.

    Parameters
    ----------
    rows
        The rows of ``marginal``, ranked.
    lang
        ``"zh"`` (default) or ``"en"``.

    Returns
    -------
    header : list of str
        Rank, body, name, side, officers, then change and status of the
        plan with one officer more and with one fewer.
    rows : list of list
        One per body; a change is empty when a plan is missing.
    """
    pick = _language(lang)
    header = [head[pick] for head in MARGINAL_HEADS]
    table = [
        [
            rank,
            row.body_id,
            row.name,
            SIDE_WORDS[row.side][pick],
            row.officers,
            "" if row.plus_change is None else row.plus_change,
            status_word(row.plus_status, pick),
            "" if row.minus_change is None else row.minus_change,
            status_word(row.minus_status, pick),
        ]
        for rank, row in enumerate(rows, start=1)
    ]
    return header, table


def write_marginal(
    out: Path, rows: Sequence[MarginalRow], lang: str = "zh"
) -> Path:
    """Write the marginal table as ``边际效益.csv`` (``marginal.csv``).

    Parameters
    ----------
    out
        Folder to write into; made if missing.
    rows
        The rows of ``marginal``, ranked.
    lang
        ``"zh"`` (default) or ``"en"``.

    Returns
    -------
    Path
        The CSV file, UTF-8 with BOM.
    """
    header, table = marginal_table(rows, lang)
    return write_csv(out / MARGINAL_FILES[lang], header, table)
