"""Tests of what-if planning: key figures, compare, sweep and marginal.

The key figures are recounted here from the visits of a demo plan, with
code that shares nothing with ``whatif`` but ``mine_value``. Every other
test plans a tiny province of six mines written to a folder: its county
regulator has one officer for four non-coal mines, so that body alone is
short of capacity, and its supervisor division with one officer fewer
cannot hold the quarterly joint visits (R10).
"""

from __future__ import annotations

import csv
import os
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure

from models.capacity import body_capacity
from models.errors import ScenarioError
from models.loading import load_scenario
from scheduler import whatif
from scheduler.cli import main
from scheduler.model import mine_value
from scheduler.report import compare_charts
from scheduler.solve import SolveOptions, solve
from scheduler.whatif import ScenarioRun

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DEMO = SCENARIOS / "demo"
WHAT_IF = SCENARIOS / "what-if"
OPTIONS = SolveOptions(time_limit=1)
HIGH_RISK = {("coal", "C"), ("non_coal", "C"), ("non_coal", "D")}

TINY_YAML = """\
name: 平安省小型测试
year: 2026
seed: 7
tables:
  mines: mines.csv
  bodies: bodies.csv
policy:
  non_coal_caps: {A: 1, B: 2, C: 3, D: 4}
  reserve_share: 0.1
"""
TINY_BODIES = {
    "REG-P": ("省应急管理厅", "regulator", "province", 2, 300, 100),
    "REG-C": ("平安县应急管理局", "regulator", "county", 1, 170, 45),
    "SUP-1": ("监察执法一处", "supervisor", "division", 2, 350, 80),
}
TINY_MINES = (
    ("M1", "一号煤矿", "coal", "C", "REG-P", "SUP-1", 80, "water"),
    ("M2", "二号煤矿", "coal", "B", "REG-P", "SUP-1", 50, "gas"),
    ("M3", "三号铁矿", "non_coal", "D", "REG-C", "", 70, ""),
    ("M4", "四号铁矿", "non_coal", "D", "REG-C", "", 65, ""),
    ("M5", "五号金矿", "non_coal", "C", "REG-C", "", 60, ""),
    ("M6", "六号金矿", "non_coal", "C", "REG-C", "", 55, ""),
)


def write_tiny(folder: Path, yaml_text: str = TINY_YAML, **bodies) -> Path:
    """Write the tiny province; keyword arguments replace body rows."""
    folder.mkdir(parents=True)
    (folder / "scenario.yaml").write_text(yaml_text, encoding="utf-8")
    rows = {**TINY_BODIES, **bodies}
    _write_csv(
        folder / "bodies.csv",
        (
            "body_id,name,side,level,officers,other_enforcement_days,"
            "non_enforcement_days"
        ),
        [(body_id, *row) for body_id, row in rows.items()],
    )
    _write_csv(
        folder / "mines.csv",
        (
            "mine_id,name,kind,category,regulator_id,supervisor_id,"
            "company_id,risk_score,county,disasters"
        ),
        [(*m[:6], "", m[6], "平安县", m[7]) for m in TINY_MINES],
    )
    return folder


def _write_csv(path: Path, header: str, rows: list[tuple]) -> None:
    """Write a CSV table from a header line and rows."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(header + "\n")
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> dict[str, Path]:
    """The tiny province, a starved variant and a tighter-reserve one."""
    root = tmp_path_factory.mktemp("whatif")
    starved = ("监察执法一处", "supervisor", "division", 1, 0, 240)
    reserve = TINY_YAML.replace("reserve_share: 0.1", "reserve_share: 0.2")
    return {
        "base": write_tiny(root / "base"),
        "starved": write_tiny(root / "starved", **{"SUP-1": starved}),
        "reserve": write_tiny(root / "reserve", reserve),
    }


@pytest.fixture(scope="module")
def compared(province) -> tuple[list[ScenarioRun], list[str]]:
    """The three scenarios compared in local processes, with progress."""
    lines: list[str] = []
    folders = [str(province[name]) for name in ("base", "starved", "reserve")]
    runs = whatif.compare(folders, OPTIONS, progress=lines.append)
    return runs, lines


# ------------------------------------------------------- key figures


def _recount(scenario, visits) -> dict:
    """Recount the key figures from visits, independently of whatif."""
    sides = Counter()
    per_mine = Counter()
    capped = Counter()
    routine = Counter()
    for visit in visits:
        if visit.kind == "company":
            continue

        mine = scenario.mine(visit.target_id)
        both = ("regulator", "supervisor")
        for side in both if visit.side == "joint" else (visit.side,):
            sides[side, mine.kind, mine.category] += 1
            routine[mine.mine_id, side] += visit.kind in ("routine", "joint")

        per_mine[mine.mine_id] += 1
        if visit.counts_toward_caps and visit.side != "supervisor":
            capped[mine.mine_id] += 1

    return {
        "sides": sides,
        "coverage": _coverage(scenario, per_mine),
        "at_cap": _at_cap(scenario, capped),
        "floors_unmet": _floors_unmet(scenario, routine),
        "used": _used(scenario, visits),
        "joint": [
            sum(v.side == "joint" and v.quarter == q for v in visits)
            for q in (1, 2, 3, 4)
        ],
    }


def _coverage(scenario, per_mine: Counter) -> float:
    """Sum each mine's value times the geometric sum of its visits."""
    decay = scenario.policy.weights.decay
    return sum(
        mine_value(scenario.mine(mine_id), scenario)
        * (1 - decay**count)
        / (1 - decay)
        for mine_id, count in per_mine.items()
    )


def _at_cap(scenario, capped: Counter) -> tuple[int, int]:
    """Return high-risk mines at their regulator cap, and all of them."""
    caps = {
        mine.mine_id: scenario.policy.caps(
            mine.kind, mine.category, mine.regulator_id
        ).regulator
        for mine in scenario.mines
        if (mine.kind, mine.category) in HIGH_RISK
    }
    caps = {mine_id: cap for mine_id, cap in caps.items() if cap > 0}
    full = [m for m, cap in caps.items() if capped[m] == cap]
    return len(full), len(caps)


def _floors_unmet(scenario, routine: Counter) -> int:
    """Count mine sides whose routine and joint visits miss the floor."""
    return sum(
        routine[mine.mine_id, side]
        < scenario.policy.floor_for(mine.kind, mine.category, side)
        for mine in scenario.mines
        for side in ("regulator", "supervisor")
    )


def _used(scenario, visits) -> dict[str, float]:
    """Return planned person-days over inspection person-days per body."""
    days = Counter()
    for visit in visits:
        teams = {b: scenario.body(b).team_size for b in visit.body_ids}
        for body_id, team in teams.items():
            days[body_id] += visit.person_days * team / sum(teams.values())

    reserve = scenario.policy.reserve_share
    return {
        body.body_id: days[body.body_id]
        / body_capacity(body, scenario.workdays, reserve).inspection_days
        for body in scenario.bodies
    }


@pytest.mark.parametrize("elastic", [False, True])
def test_key_figures_match_a_recount_of_the_plan(tmp_path, elastic):
    """Every key figure of a demo plan is what its visits add up to."""
    folder = shutil.copytree(DEMO, tmp_path / "demo")
    if elastic:
        # One county officer with eight free days misses floors (R17).
        rows = (folder / "bodies.csv").read_text("utf-8-sig").splitlines()
        cells = rows[3].split(",")
        cells[4:7] = ["1", "0", "240"]
        rows[3] = ",".join(cells)
        (folder / "bodies.csv").write_text("\n".join(rows) + "\n", "utf-8")

    scenario = load_scenario(folder)
    result = solve(scenario, SolveOptions(0.5, elastic=elastic))
    figures = whatif.key_figures(scenario, result)
    recount = _recount(scenario, result.visits)

    assert result.has_plan
    for side, kinds in figures["visits_by_side"].items():
        for kind, row in kinds.items():
            for category, count in row.items():
                assert count == recount["sides"][side, kind, category]

    assert figures["visits"] == len(result.visits)
    assert figures["coverage"] == pytest.approx(recount["coverage"], abs=1e-3)
    at_cap, high_risk = recount["at_cap"]
    assert figures["high_risk_at_cap"] == at_cap
    assert figures["high_risk_mines"] == high_risk
    assert figures["high_risk_at_cap_share"] == pytest.approx(
        at_cap / high_risk
    )
    assert figures["floors_unmet"] == recount["floors_unmet"]
    assert (figures["floors_unmet"] > 0) == elastic
    assert figures["joint_by_quarter"] == recount["joint"]
    for body_id, share in recount["used"].items():
        assert figures["capacity_used"][body_id] == pytest.approx(
            share, abs=1e-3
        )


# ---------------------------------------------------------- compare


def test_compare_keeps_input_order_and_tells_progress(compared):
    """Runs come back in input order; one progress line per plan."""
    runs, lines = compared

    assert [run.label for run in runs] == ["base", "starved", "reserve"]
    assert len(lines) == 3
    assert [line.split("]")[0] for line in lines] == ["[1/3", "[2/3", "[3/3"]
    for run in runs:
        assert sum(f" {run.label}: {run.status}" in x for x in lines) == 1

    planned = [line for line in lines if " visits, coverage " in line]
    assert len(planned) == 2


def test_compare_infeasible_variant_is_a_row_with_its_explanation(compared):
    """A variant without a plan is a row with status and explanation."""
    runs, _ = compared
    starved = runs[1]
    header, rows = whatif.comparison_rows(runs)
    row = rows[1]

    assert starved.status == "infeasible"
    assert starved.figures is None
    assert any("R10" in line for line in starved.explanation)
    assert row[:3] == ["starved", "结果", "无可行计划"]
    assert "R10" in row[header.index("说明")]
    assert row[header.index("风险加权覆盖")] == ""
    difference = rows[3]
    assert difference[0] == "starved 较 base"
    assert (
        difference[2]
        == f"{whatif.status_word(runs[0].status, 0)} → 无可行计划"
    )
    assert difference[-1].startswith("无法比较")


def test_compare_marks_each_difference_by_its_sense(compared):
    """Coverage is better or worse; visit counts only ever change."""
    runs, _ = compared
    base, reserve = runs[0].figures, runs[2].figures
    header, rows = whatif.comparison_rows(runs, lang="en")
    difference = dict(zip(header, rows[4], strict=True))

    delta = round(reserve["coverage"] - base["coverage"], 2)
    expected = {1: "better", -1: "worse"}.get((delta > 0) - (delta < 0))
    assert difference["Risk-weighted coverage"].startswith(expected or "same")
    counts = [h for h in header if h.startswith(("Visits", "Joint visits"))]
    assert len(counts) == 21
    for head in counts:
        assert difference[head].split()[0] in ("same", "changed")


def test_comparison_rows_mark_hand_made_figures():
    """More coverage is better, fewer floors unmet better, visits changed."""
    figures = _hand_figures(coverage=10.0, visits=100, unmet=2, share=0.5)
    variant = _hand_figures(coverage=12.5, visits=120, unmet=0, share=0.25)
    runs = [
        ScenarioRun("a", "a", "optimal", figures),
        ScenarioRun("b", "b", "feasible", variant),
    ]
    header, rows = whatif.comparison_rows(runs)
    difference = dict(zip(header, rows[2], strict=True))

    assert difference["风险加权覆盖"] == "更好 +2.50"
    assert difference["计划检查总次数"] == "变化 +20"
    assert difference["未满足保底检查数"] == "更好 -2"
    assert difference["高风险矿山达监管上限比例(%)"] == "更差 -25.0"
    assert difference["检查次数·监管部门·煤矿·A类"] == "不变"
    assert difference["R-1 执法能力使用率(%)"] == "变化 +10.0"
    assert difference["状态"] == "最优 → 可行"


def _hand_figures(coverage, visits, unmet, share) -> dict:
    """Return key figures made by hand for a comparison."""
    table = {
        side: {kind: dict.fromkeys("ABCD", 1) for kind in ("coal", "non_coal")}
        for side in ("regulator", "supervisor")
    }
    return {
        "status": "optimal",
        "objective": coverage,
        "gap": 0.0,
        "visits": visits,
        "visits_by_side": table,
        "coverage": coverage,
        "high_risk_mines": 4,
        "high_risk_at_cap": int(4 * share),
        "high_risk_at_cap_share": share,
        "capacity_used": {"R-1": 0.5 + (visits - 100) / 200},
        "floors_unmet": unmet,
        "joint_by_quarter": [1, 1, 1, 1],
    }


def test_difference_mark_follows_the_sense_of_a_figure():
    """Each sense judges a rise and a fall its own way."""
    assert whatif.difference_mark("more", 1.0) == "better"
    assert whatif.difference_mark("more", -1.0) == "worse"
    assert whatif.difference_mark("fewer", -1.0) == "better"
    assert whatif.difference_mark("fewer", 1.0) == "worse"
    assert whatif.difference_mark("neutral", 5.0) == "changed"
    assert whatif.difference_mark("more", 0.0) == "same"


def test_key_figure_bars_draw_a_bar_per_planned_scenario():
    """Shares are drawn in per cent; a scenario without a plan says so."""
    ax = Figure().add_subplot()
    figures = [_hand_figures(10.0, 100, 2, 0.5), None]
    key = "high_risk_at_cap_share"

    compare_charts.key_figure_bars(ax, ["a", "b"], figures, key, "en")

    assert [bar.get_height() for bar in ax.patches] == [50.0, 0.0]
    assert [text.get_text() for text in ax.texts] == ["50", "no plan"]


def test_body_load_bars_name_the_scenarios_without_a_plan():
    """Each planned scenario has a bar per body; the others a legend line."""
    ax = Figure().add_subplot()
    figures = [_hand_figures(10.0, 100, 2, 0.5), None]

    compare_charts.body_load_bars(ax, ["a", "b"], figures, "en")

    assert [bar.get_height() for bar in ax.patches] == [50.0]
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["Full capacity (100%)", "a", "b: no plan"]


@pytest.mark.parametrize(
    ("lang", "names"),
    [
        ("zh", whatif.COMPARISON_FILES["zh"]),
        ("en", whatif.COMPARISON_FILES["en"]),
    ],
)
def test_write_comparison_files_read_back(compared, tmp_path, lang, names):
    """CSV (with BOM) and XLSX hold the table; the charts are PNGs."""
    runs, _ = compared
    header, rows = whatif.comparison_rows(runs, lang)
    paths = whatif.write_comparison(tmp_path, runs, lang)

    assert [path.name for path in paths] == list(names)
    assert paths[0].read_bytes().startswith(b"\xef\xbb\xbf")
    with paths[0].open(encoding="utf-8-sig", newline="") as handle:
        read = list(csv.reader(handle))

    assert read[0] == header
    assert read[1:] == [[str(cell) for cell in row] for row in rows]

    sheet = openpyxl.load_workbook(paths[1]).worksheets[0]
    cells = [
        ["" if cell is None else cell for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    assert cells == [header, *rows]
    for chart in paths[2:]:
        assert chart.read_bytes().startswith(b"\x89PNG")


def _die_on_boom(job, options) -> ScenarioRun:
    """Stand in for planning; the process of job 'boom' dies at once."""
    if job.label == "boom":
        os._exit(1)

    return ScenarioRun(job.label, job.folder, "optimal")


def test_a_dying_process_takes_down_only_its_own_scenario():
    """The other jobs are planned again; the dead one is a crashed run."""
    lines: list[str] = []
    jobs = [whatif._Job(name, name) for name in ("a", "boom", "c")]
    tally = whatif._Tally(len(jobs), lines.append)

    runs = whatif._Processes(OPTIONS, tally, _die_on_boom).run(jobs, 2)

    assert [run.label for run in runs] == ["a", "boom", "c"]
    assert [run.status for run in runs] == ["optimal", "crashed", "optimal"]
    assert "ended without a result" in runs[1].explanation[0]
    assert len(lines) == 3


def test_run_scenario_bad_input_is_a_run_with_the_problems(tmp_path):
    """Bad input gives a run naming file, row and column; no exception."""
    folder = write_tiny(tmp_path / "broken")
    text = (folder / "mines.csv").read_text("utf-8")
    (folder / "mines.csv").write_text(text.replace(",C,", ",Z,", 1), "utf-8")

    run = whatif.run_scenario(str(folder), OPTIONS)

    assert run.status == "error"
    assert run.figures is None
    assert any("mines.csv, row 2, column 'category'" in e for e in run.error)


def test_run_scenario_plans_a_variant_folder():
    """A variant (``extends:``) is planned like any folder, edits and all."""
    run = whatif.run_scenario(str(WHAT_IF / "joint-two"), SolveOptions(0.5))

    assert run.label == "joint-two"
    assert run.has_plan
    assert min(run.figures["joint_by_quarter"]) >= 2


# ------------------------------------------------------------ sweep


def test_sweep_plans_every_combination_with_its_settings(province, compared):
    """Each combination is planned with its values applied to the policy."""
    grid = {"joint_minimum": [1, 2], "reserve_share": [0.1, 0.2]}
    runs = whatif.sweep(str(province["base"]), grid, OPTIONS)

    assert [run.label for run in runs] == [
        "joint_minimum=1, reserve_share=0.1",
        "joint_minimum=1, reserve_share=0.2",
        "joint_minimum=2, reserve_share=0.1",
        "joint_minimum=2, reserve_share=0.2",
    ]
    # Coal mines M1 and M2 allow six supervisor visits a year (R6), too
    # few for two joint visits a quarter.
    for run in runs[:2]:
        assert min(run.figures["joint_by_quarter"]) >= 1

    for run in runs[2:]:
        assert run.status == "infeasible"
        assert any("R10" in line for line in run.explanation)

    assert runs[1].figures == compared[0][2].figures


def test_sweep_settings_refuse_unknown_keys_and_bad_values():
    """Every bad key and value is named at once; nothing is planned."""
    grid = {"reserve_share": [0.2, 2], "weights": [1], "joint_scope": ["x"]}

    with pytest.raises(ScenarioError) as caught:
        whatif.sweep_settings(grid)

    problems = [str(issue) for issue in caught.value.issues]
    assert len(problems) == 3
    assert any("'reserve_share'" in p and "'2'" in p for p in problems)
    assert any("'weights'" in p for p in problems)
    assert any("'joint_scope'" in p for p in problems)


# --------------------------------------------------------- marginal


def test_marginal_ranks_bodies_by_the_gain_of_one_more_officer(
    province, tmp_path
):
    """The gain is the coverage of a re-solve with one officer more."""
    rows = whatif.marginal(str(province["base"]), OPTIONS)
    by_body = {row.body_id: row for row in rows}
    county = by_body["REG-C"]

    gains = [row.plus_change for row in rows]
    assert gains == sorted(gains, reverse=True)
    assert county.officers == 1
    assert county.minus_status == "skipped"
    assert county.minus_change is None
    assert by_body["SUP-1"].minus_status == "infeasible"

    more = ("平安县应急管理局", "regulator", "county", 2, 170, 45)
    bigger = write_tiny(tmp_path / "bigger", **{"REG-C": more})
    before = _plan_coverage(province["base"])
    after = _plan_coverage(bigger)
    assert county.plus_change == pytest.approx(after - before, abs=1e-3)
    assert county.plus_change > 0


def _plan_coverage(folder: Path) -> float:
    """Plan a folder here and recount its coverage from the visits."""
    scenario = load_scenario(folder)
    result = solve(scenario, OPTIONS)
    return _recount(scenario, result.visits)["coverage"]


# ------------------------------------------------------------- Dask


def test_dask_gives_the_same_runs_as_local_processes(province, compared):
    """Planned on a Dask cluster, every run and figure is the same."""
    distributed = pytest.importorskip("dask.distributed")
    folders = [str(province["base"]), str(province["reserve"])]
    local = [compared[0][0], compared[0][2]]

    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
    ) as cluster:
        lines: list[str] = []
        remote = whatif.compare(
            folders,
            OPTIONS,
            dask_address=cluster.scheduler_address,
            progress=lines.append,
        )

    assert remote == local
    assert all(run.has_plan for run in remote)
    assert len(lines) == 2


def test_dask_unreachable_scheduler_is_a_clear_error(province, monkeypatch):
    """An address nobody listens on is a WhatIfError, not a hang."""
    monkeypatch.setattr(whatif, "DASK_CONNECT_TIMEOUT", "1s")
    with pytest.raises(whatif.WhatIfError, match="cannot reach"):
        whatif.compare(
            [str(province["base"])],
            OPTIONS,
            dask_address="tcp://127.0.0.1:9",
        )


# -------------------------------------------------------------- CLI


def _run(*args: str):
    """Run minesched and return the result."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_compare_writes_the_comparison(province, tmp_path):
    """`compare` prints a line per plan and writes table and charts."""
    out = tmp_path / "out"
    result = _run(
        "compare",
        str(province["base"]),
        str(province["reserve"]),
        "--out",
        str(out),
        "--time-limit",
        "1",
        "--lang",
        "en",
    )

    assert result.exit_code == 0, result.output
    assert "[2/2]" in result.output
    for name in whatif.COMPARISON_FILES["en"]:
        assert (out / name).is_file()


def test_cli_bad_input_exits_2_and_plans_nothing(province, tmp_path):
    """A broken variant or a bad --set lists problems and exits 2."""
    broken = write_tiny(tmp_path / "broken")
    (broken / "bodies.csv").write_text("body_id\nX\n", "utf-8")
    out = tmp_path / "out"

    compared = _run(
        "compare", str(province["base"]), str(broken), "--out", str(out)
    )
    swept = _run(
        "sweep",
        str(province["base"]),
        "--set",
        "reserve_share=5",
        "--out",
        str(out),
    )
    malformed = _run(
        "sweep",
        str(province["base"]),
        "--set",
        "reserve_share",
        "--out",
        str(out),
    )

    assert compared.exit_code == 2
    assert "bodies.csv" in compared.output
    assert swept.exit_code == 2
    assert "reserve_share" in swept.output
    assert malformed.exit_code == 2
    assert "KEY=V1,V2" in malformed.output
    assert "Traceback" not in compared.output + swept.output
    assert not out.exists()
