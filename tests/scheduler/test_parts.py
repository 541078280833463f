"""Planning part by part: complete, never worse, reproducible, stoppable."""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

import pytest
from factories import small_province, with_policy

from models.loading import load_scenario
from scheduler.checker import check_plan
from scheduler.demo import write_province
from scheduler.model import new_plan_model, plan_value
from scheduler.parts import improve_by_parts, key_shortfalls, parts_of
from scheduler.solve import SolveOptions, solve, visits_from_keys
from scheduler.warmstart import greedy_plan


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """A synthetic province of 260 mines: three parts of about 100."""
    folder = tmp_path_factory.mktemp("parts") / "province"
    write_province(folder, 260, seed=5)
    return load_scenario(folder)


@pytest.fixture(scope="module")
def greedy(province):
    """The greedy plan of the province, as visit keys."""
    return greedy_plan(new_plan_model(province))


def _value(scenario, keys) -> float:
    """Return the objective of a plan given by its keys."""
    return plan_value(scenario, visits_from_keys(scenario, keys))


@pytest.mark.parametrize("sweep", [0, 1, 2])
def test_parts_of_hold_every_mine_once(province, sweep):
    """Each sweep's parts split the province: every mine in one part."""
    parts = parts_of(province, sweep, seed=1)

    counts = Counter(mine_id for part in parts for mine_id in part)
    assert set(counts) == {mine.mine_id for mine in province.mines}
    assert set(counts.values()) == {1}


def test_greedy_plan_meets_every_rule(province, greedy):
    """The greedy start is a complete plan the checker accepts."""
    visits = visits_from_keys(province, greedy)

    assert key_shortfalls(province, greedy) == []
    assert check_plan(province, visits).hard_violations(False) == []


def test_improve_by_parts_never_lowers_the_value(province, greedy):
    """The search only accepts better parts, and the result is a plan."""
    start = _value(province, greedy)

    outcome = improve_by_parts(province, greedy, 1.5, seed=1)

    assert _value(province, outcome.keys) >= start
    visits = visits_from_keys(province, outcome.keys)
    assert check_plan(province, visits).hard_violations(False) == []
    values = [value for _, value in outcome.improvements]
    assert values == sorted(values)


def test_improve_by_parts_is_reproducible(province, greedy):
    """Same plan, seed and limit: the same keys."""
    first = improve_by_parts(province, greedy, 1.0, seed=3)
    second = improve_by_parts(province, greedy, 1.0, seed=3)

    assert first.keys == second.keys


def test_improve_by_parts_stops_when_asked(province, greedy):
    """A stop request before the first part keeps the starting plan."""
    outcome = improve_by_parts(
        province, greedy, 10.0, seed=1, should_stop=lambda: True
    )

    assert outcome.stopped
    assert outcome.keys == set(greedy)


def test_key_shortfalls_name_a_missing_floor_joint_and_recheck(
    province, greedy
):
    """Dropping visits shows up as floor, R10 and R13 shortfalls."""
    dropped = {
        key
        for key in greedy
        if key[0] not in ("joint", "recheck")
        and not (key[0] == "regulator" and key[1] == "M0001")
    }

    missed = key_shortfalls(province, dropped)

    assert "floor M0001 regulator" in missed
    assert any(item.startswith("R10 ") for item in missed)
    if province.hazards:
        assert any(item.startswith("R13 ") for item in missed)


def test_solve_by_parts_returns_a_checked_plan_with_its_value(province):
    """Part by part, the plan's objective is its recounted value."""
    options = SolveOptions(time_limit=1.5, method="parts")

    result = solve(province, options)

    assert result.has_plan
    assert result.source == "parts"
    assert result.objective == pytest.approx(
        plan_value(province, result.visits), abs=1e-6
    )
    assert result.improvements[0][1] <= result.objective
    report = check_plan(province, list(result.visits))
    assert report.hard_violations(False) == []


def test_solve_by_parts_falls_back_to_one_model_when_a_rule_is_missed():
    """A missed joint minimum goes to the one model, which explains it."""
    impossible = with_policy(small_province(), joint_minimum=50)
    options = SolveOptions(time_limit=1.0, method="parts")

    result = solve(impossible, options)

    assert result.status == "infeasible"
    assert any("R10" in line for line in result.explanation)


@pytest.mark.parametrize("method", ["single", "parts"])
def test_ctrl_c_stops_the_search_with_the_best_plan_so_far(province, method):
    """Ctrl-C mid-search returns a checked plan marked as stopped."""
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        result = solve(province, SolveOptions(time_limit=300, method=method))
    finally:
        timer.cancel()

    assert result.stopped
    assert result.has_plan
    report = check_plan(province, list(result.visits))
    assert report.hard_violations(False) == []


def test_improve_by_parts_stops_once_the_target_is_reached(province, greedy):
    """With the target already met, the search keeps the starting plan."""
    start = _value(province, greedy)

    outcome = improve_by_parts(
        province, greedy, 10.0, seed=1, start_value=start, target=start
    )

    assert not outcome.stopped
    assert outcome.keys == set(greedy)
    assert outcome.improvements == []
