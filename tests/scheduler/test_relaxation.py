"""Tests of the plan model as a HiGHS LP relaxation and MIP.

The small province is solved to optimality by CP-SAT; its LP relaxation
must bound that optimum from above and HiGHS's MIP must reach it. Small
hand-made models check each constraint kind, negated literals and
enforcement literals against CP-SAT, in both objective senses.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from factories import small_province
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from scheduler.checker import check_plan
from scheduler.model import (
    VALUE_SCALE,
    build_model,
    model_visit_variables,
    objective,
    plan_value,
)
from scheduler.relaxation import (
    dual_bound,
    highs_model,
    lp_bound,
    solve_mip,
)
from scheduler.solve import visits_from_keys

pytest.importorskip("highspy")


@pytest.fixture(scope="module")
def small_plan():
    """The small province's model and CP-SAT's proven optimum."""
    plan = build_model(small_province())
    plan.model.maximize(objective(plan))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = 20
    status = solver.solve(plan.model)
    assert status == cp_model.OPTIMAL
    return plan, solver.objective_value


def _literal_model(maximize: bool) -> cp_model.CpModel:
    """Return a model using every literal constraint kind, with offset."""
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(4)]
    gate = model.new_bool_var("gate")
    count = model.new_int_var(0, 5, "count")
    model.add_at_most_one(x[0], x[1], ~x[2]).only_enforce_if(gate)
    model.add_exactly_one(x[1], x[3])
    model.add_bool_or([~x[0], x[3]]).only_enforce_if(~gate)
    model.add_bool_or([~x[2], ~x[3]]).only_enforce_if(~gate)
    model.add_bool_and([x[2], ~x[1]]).only_enforce_if(gate)
    model.add(count + 2 * x[0] <= 5)
    model.add(count - 3 * x[3] >= 1)
    value = 3 * x[0] + 2 * x[1] + x[2] + 4 * x[3] + count + 5 * gate + 7
    if maximize:
        model.maximize(value)
    else:
        model.minimize(value)

    return model


def _cpsat_optimum(model: cp_model.CpModel) -> float:
    """Return CP-SAT's proven optimum of a small model."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return solver.objective_value


def test_lp_bound_at_least_cpsat_optimum_and_close(small_plan):
    """The LP bound is at or above the proven optimum, within 2 %."""
    plan, optimum = small_plan

    bound = lp_bound(plan.model)

    assert bound is not None
    assert bound >= optimum - 1e-6
    assert (bound - optimum) / optimum < 0.02


def test_solve_mip_reaches_cpsat_optimum(small_plan):
    """HiGHS proves the same optimum as CP-SAT on the small province."""
    plan, optimum = small_plan

    outcome = solve_mip(plan.model, time_limit=20)

    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(optimum)
    assert outcome.bound >= outcome.objective - 1e-6
    assert outcome.improvements[-1][1] == pytest.approx(optimum)


def test_solve_mip_values_give_a_valid_plan_of_its_value(small_plan):
    """The MIP's chosen variables make a checked plan of the same value."""
    plan, optimum = small_plan
    scenario = plan.scenario

    outcome = solve_mip(plan.model, time_limit=20)
    keys = {
        (family, *key)
        for family, key, var in model_visit_variables(plan)
        if outcome.value(var) > 0.5
    }
    visits = visits_from_keys(scenario, keys)

    assert check_plan(scenario, visits).violations == []
    assert plan_value(scenario, visits) == pytest.approx(optimum / VALUE_SCALE)


@pytest.mark.parametrize("maximize", [True, False])
def test_solve_mip_matches_cpsat_on_every_literal_kind(maximize):
    """Negated and enforcement literals, offset and sense match CP-SAT."""
    model = _literal_model(maximize)
    optimum = _cpsat_optimum(model)

    outcome = solve_mip(model, time_limit=10)

    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(optimum)


@pytest.mark.parametrize("maximize", [True, False])
def test_lp_bound_bounds_every_literal_kind_in_its_sense(maximize):
    """The LP bound lies on the right side of the optimum in each sense."""
    model = _literal_model(maximize)
    optimum = _cpsat_optimum(model)

    bound = lp_bound(model)

    if maximize:
        assert bound >= optimum - 1e-6
    else:
        assert bound <= optimum + 1e-6


def test_lp_bound_and_mip_print_nothing(capfd):
    """HiGHS writes neither its banner nor a log to the terminal."""
    model = _literal_model(maximize=True)

    lp_bound(model)
    solve_mip(model, time_limit=10)

    printed = capfd.readouterr()
    assert "HiGHS" not in printed.out + printed.err
    assert printed.out == ""


@pytest.mark.parametrize("maximize", [True, False])
@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), spread=st.sampled_from([0.1, 1, 10]))
def test_dual_bound_holds_for_any_duals(maximize, seed, spread):
    """Weak duality: any row multipliers bound the optimum."""
    model = _literal_model(maximize)
    optimum = _cpsat_optimum(model)
    highs = highs_model(model, integral=False)
    rows = highs.getLp().num_row_
    duals = np.random.default_rng(seed).normal(0.0, spread, rows)

    bound = dual_bound(highs, duals)

    if maximize:
        assert bound >= optimum - 1e-9
    else:
        assert bound <= optimum + 1e-9


def test_dual_bound_of_the_optimal_duals_is_the_lp_optimum(small_plan):
    """With the LP's own duals the bound is the LP's optimal value."""
    plan, _ = small_plan
    highs = highs_model(plan.model, integral=False)
    highs.setOptionValue("solver", "simplex")
    highs.run()
    duals = np.asarray(highs.getSolution().row_dual)

    bound = dual_bound(highs, duals)

    optimum = highs.getInfo().objective_function_value
    assert bound == pytest.approx(optimum, rel=1e-9)


def test_highs_model_refuses_unsupported_kind():
    """A product constraint is refused with its kind named."""
    model = cp_model.CpModel()
    x = model.new_int_var(0, 3, "x")
    y = model.new_int_var(0, 3, "y")
    z = model.new_int_var(0, 9, "z")
    model.add_multiplication_equality(z, [x, y])
    model.maximize(z)

    with pytest.raises(ValueError, match="int_prod"):
        highs_model(model)


def test_highs_model_refuses_enforced_linear_constraint():
    """A linear constraint with an enforcement literal is refused."""
    model = cp_model.CpModel()
    x = model.new_int_var(0, 3, "x")
    gate = model.new_bool_var("gate")
    model.add(x >= 2).only_enforce_if(gate)
    model.maximize(x + gate)

    with pytest.raises(ValueError, match="enforcement"):
        highs_model(model, integral=True)


def test_highs_model_refuses_domain_holes_in_a_mip_only():
    """A domain with holes is relaxed to its hull for an LP, not a MIP."""
    model = cp_model.CpModel()
    x = model.new_int_var_from_domain(cp_model.Domain.from_values([0, 5]), "x")
    model.maximize(x)

    with pytest.raises(ValueError, match="holes"):
        highs_model(model, integral=True)
    assert lp_bound(model) == pytest.approx(5)


def test_highs_model_without_highspy_names_the_bench_extra(monkeypatch):
    """Without highspy the error says which extra to install."""
    monkeypatch.setitem(sys.modules, "highspy", None)
    model = cp_model.CpModel()
    model.maximize(model.new_bool_var("b"))

    with pytest.raises(ImportError, match=r"\.\[bench\]"):
        highs_model(model)
