"""The plan model as a linear program for HiGHS: bounds and a second MIP.

A CP-SAT model is read from its proto and written as a HiGHS model,
either as its LP relaxation (every variable continuous) or as a MIP
(every variable integral). The LP relaxation gives a bound on the best
plan possible, independent of CP-SAT's own and proven by weak duality
from the duals HiGHS returns, so no solver tolerance can make it too
tight; the MIP lets the benchmark compare CP-SAT with another solver on
the very same model.

Only the constraint kinds the plan model uses are translated: linear
constraints, ``at_most_one``, ``exactly_one``, ``bool_or`` and
``bool_and`` (the last four also with enforcement literals). Any other
kind, and a linear constraint with enforcement literals, is refused with
a ``ValueError`` rather than silently relaxed away.

HiGHS comes with the ``bench`` extra; it is imported only when a
function here is called.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

logger = logging.getLogger(__name__)

UNBOUNDED = 2**62  # CP-SAT writes "no bound" as the int64 extremes
INTEGRAL_TOLERANCE = 1e-9  # relative; rounding noise on a whole bound
LP_TOLERANCE = 1e-4  # PDLP's; the dual bound is valid at any tolerance

CONSTRAINT_KINDS = (
    "linear",
    "at_most_one",
    "exactly_one",
    "bool_or",
    "bool_and",
    "bool_xor",
    "int_prod",
    "int_div",
    "int_mod",
    "lin_max",
    "element",
    "table",
    "automaton",
    "interval",
    "no_overlap",
    "no_overlap_2d",
    "cumulative",
    "circuit",
    "routes",
    "all_diff",
    "reservoir",
    "inverse",
    "dummy_constraint",
)
LITERAL_KINDS = ("at_most_one", "exactly_one", "bool_or", "bool_and")


@dataclass
class MipOutcome:
    """What HiGHS found when it solved the model as a MIP.

    Parameters
    ----------
    objective
        Objective of the best plan found, in the model's own units;
        ``None`` without a plan.
    bound
        HiGHS's dual bound on the objective, in the model's units.
    status
        ``optimal``, ``feasible``, ``infeasible`` or ``unknown`` (no plan
        within the time limit).
    improvements
        ``(seconds, objective)`` each time HiGHS found a better plan,
        seconds counted from the start of the solve.
    values
        The value of every model variable in the best plan, by variable
        index; ``None`` without a plan.
    seconds
        Wall time of the solve.
    """

    objective: float | None
    bound: float | None
    status: str
    improvements: list[tuple[float, float]] = field(default_factory=list)
    values: np.ndarray | None = None
    seconds: float = 0.0

    def value(self, var: cp_model.IntVar) -> float:
        """Return the value of one model variable in the best plan.

        Raises
        ------
        ValueError
            If HiGHS found no plan.
        """
        if self.values is None:
            raise ValueError(f"HiGHS found no plan (status {self.status})")

        return float(self.values[var.index])


def need_highspy():
    """Return the ``highspy`` module, or say how to install it."""
    try:
        import highspy
    except ImportError as err:
        msg = (
            "HiGHS (highspy) is needed to solve the relaxation; install the "
            "bench extra: pip install -e '.[bench]'"
        )
        raise ImportError(msg) from err

    return highspy


class _Rows:
    """Rows of a HiGHS matrix, gathered row by row."""

    def __init__(self, integral: bool):
        self.integral = integral
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.starts: list[int] = [0]
        self.index: list[int] = []
        self.value: list[float] = []

    def add(self, terms, constant: float, lower, upper) -> None:
        """Add ``lower <= sum(terms) + constant <= upper`` as one row."""
        merged: dict[int, float] = {}
        for var, coeff in terms:
            merged[var] = merged.get(var, 0.0) + coeff

        # A constant may move an infinite side: it stays infinite.
        self.lower.append(lower - constant)
        self.upper.append(upper - constant)
        for var, coeff in merged.items():
            if coeff:
                self.index.append(var)
                self.value.append(coeff)

        self.starts.append(len(self.index))


def _literal(ref: int) -> tuple[int, float, float]:
    """Return ``(variable, coefficient, constant)`` of a literal's value.

    A negative reference is the negation of a literal: ``1 - x``.
    """
    if ref >= 0:
        return ref, 1.0, 0.0

    return -ref - 1, -1.0, 1.0


def _variable(ref: int) -> tuple[int, float]:
    """Return ``(variable, sign)`` of an integer variable reference.

    In "vars" fields a negative reference is the integer negation ``-x``,
    as the CP-SAT proto defines it (CP-SAT's own checker rejects these).
    """
    if ref >= 0:
        return ref, 1.0

    return -ref - 1, -1.0


def _unless(enforcement) -> tuple[list, float]:
    """Return ``sum(1 - e)`` over enforcement literals as terms, constant.

    The sum is 0 when every enforcement literal holds and at least 1
    otherwise, which is what relaxes an enforced constraint.
    """
    terms = []
    constant = 0.0
    for ref in enforcement:
        var, coeff, const = _literal(ref)
        terms.append((var, -coeff))
        constant += 1.0 - const

    return terms, constant


def _literal_sum(literals) -> tuple[list, float]:
    """Return the sum of literals as terms and a constant."""
    terms = []
    constant = 0.0
    for ref in literals:
        var, coeff, const = _literal(ref)
        terms.append((var, coeff))
        constant += const

    return terms, constant


def _bounds(domain: list[int], what: str, integral: bool, inf: float):
    """Return the lower and upper end of a domain as HiGHS bounds.

    A domain with holes is relaxed to its hull for an LP, which keeps the
    bound valid; a MIP cannot express the holes and is refused.
    """
    if len(domain) > 2 and integral:
        msg = f"{what} has a domain with holes, which a MIP cannot express"
        raise ValueError(msg)

    lower = -inf if domain[0] <= -UNBOUNDED else float(domain[0])
    upper = inf if domain[-1] >= UNBOUNDED else float(domain[-1])
    return lower, upper


def _kind(ct) -> str | None:
    """Return the kind of a constraint, ``None`` for an empty one."""
    for kind in CONSTRAINT_KINDS:
        has = getattr(ct, f"has_{kind}", None)
        if has is not None and has():
            return kind

    return None


def _add_linear(rows: _Rows, ct, number: int, inf: float) -> None:
    """Add a linear constraint, refusing enforcement literals."""
    if len(ct.enforcement_literal):
        msg = (
            f"constraint {number} (linear) has enforcement literals, which "
            "the relaxation does not express"
        )
        raise ValueError(msg)

    terms = []
    for ref, coeff in zip(ct.linear.vars, ct.linear.coeffs, strict=True):
        var, sign = _variable(ref)
        terms.append((var, sign * coeff))

    domain = list(ct.linear.domain)
    what = f"constraint {number} (linear)"
    lower, upper = _bounds(domain, what, rows.integral, inf)
    rows.add(terms, 0.0, lower, upper)


def _add_literal_constraint(rows: _Rows, ct, kind: str, inf: float) -> None:
    """Add an ``at_most_one``, ``exactly_one``, ``bool_or``, ``bool_and``."""
    literals = list(getattr(ct, kind).literals)
    relax, slack = _unless(ct.enforcement_literal)
    if kind == "bool_and":
        # Each literal holds, unless an enforcement literal is false.
        for ref in literals:
            terms, constant = _literal_sum([ref])
            rows.add(terms + relax, constant + slack, 1.0, inf)

        return

    terms, constant = _literal_sum(literals)
    if kind in ("bool_or", "exactly_one"):
        rows.add(terms + relax, constant + slack, 1.0, inf)

    if kind in ("at_most_one", "exactly_one"):
        # At most one, unless relaxed: then up to all may be true.
        room = max(len(literals) - 1, 0)
        lowered = [(var, -room * coeff) for var, coeff in relax]
        rows.add(terms + lowered, constant - room * slack, -inf, 1.0)


def _objective(proto, num_vars: int) -> tuple[np.ndarray, float, bool]:
    """Return costs, offset and whether to maximise, in model units."""
    costs = np.zeros(num_vars)
    if proto.has_floating_point_objective():
        found = proto.floating_point_objective
        for ref, coeff in zip(found.vars, found.coeffs, strict=True):
            var, sign = _variable(ref)
            costs[var] += sign * coeff

        return costs, float(found.offset), bool(found.maximize)

    if not proto.has_objective():
        return costs, 0.0, False

    found = proto.objective
    # The model's value is scaling_factor * (sum + offset); a maximised
    # model stores its coefficients negated with a factor of -1.
    factor = found.scaling_factor or 1.0
    for ref, coeff in zip(found.vars, found.coeffs, strict=True):
        var, sign = _variable(ref)
        costs[var] += sign * coeff * factor

    return costs, float(found.offset) * factor, factor < 0


def _whole_objective(proto) -> bool:
    """Whether every plan's objective is a whole number of model units."""
    if proto.has_floating_point_objective() or not proto.has_objective():
        return False

    found = proto.objective
    factor = found.scaling_factor or 1.0
    return abs(factor) == 1.0 and float(found.offset).is_integer()


def highs_model(model: cp_model.CpModel, integral: bool = False):
    """Write a CP-SAT model as a HiGHS model.

    Parameters
    ----------
    model
        The CP-SAT model, with its objective set.
    integral
        ``True`` for a MIP with every variable integral; ``False`` for
        the LP relaxation.

    Returns
    -------
    highspy.Highs
        A HiGHS instance holding the model, with its output silenced. Its
        objective is the model's, in the model's units and sense.

    Raises
    ------
    ValueError
        If the model holds a constraint kind the relaxation cannot
        express, a linear constraint with enforcement literals, or (for a
        MIP) a domain with holes.
    ImportError
        If ``highspy`` is not installed.
    """
    highspy = need_highspy()
    inf = highspy.kHighsInf
    proto = model.proto
    start = time.perf_counter()

    num_vars = len(proto.variables)
    lower = np.empty(num_vars)
    upper = np.empty(num_vars)
    for index, variable in enumerate(proto.variables):
        # list() first: the proto wrapper gives wrong values for domain[-1].
        domain = list(variable.domain)
        what = f"variable {index} ({variable.name})"
        lower[index], upper[index] = _bounds(domain, what, integral, inf)

    rows = _Rows(integral)
    for number, ct in enumerate(proto.constraints):
        kind = _kind(ct)
        if kind is None:
            continue

        if kind == "linear":
            _add_linear(rows, ct, number, inf)
        elif kind in LITERAL_KINDS:
            _add_literal_constraint(rows, ct, kind, inf)
        else:
            msg = (
                f"constraint {number} is {kind}, which the relaxation "
                "cannot express"
            )
            raise ValueError(msg)

    costs, offset, maximize = _objective(proto, num_vars)
    lp = highspy.HighsLp()
    lp.num_col_ = num_vars
    lp.num_row_ = len(rows.lower)
    lp.col_cost_ = costs
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.array(rows.lower)
    lp.row_upper_ = np.array(rows.upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array(rows.starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(rows.index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(rows.value)
    lp.offset_ = offset
    lp.sense_ = (
        highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    )
    if integral:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * num_vars

    highs = _quiet_highs(highspy)
    status = highs.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise ValueError("HiGHS refused the converted model")

    logger.info(
        "HiGHS %s of %d variables, %d rows, %d nonzeros in %.1f s",
        "MIP" if integral else "LP relaxation",
        num_vars,
        len(rows.lower),
        len(rows.index),
        time.perf_counter() - start,
    )
    return highs


def _quiet_highs(highspy):
    """Return a HiGHS instance that prints nothing, not even its banner."""

    class QuietHighs(highspy.Highs):
        # The constructor enables callbacks, which logs the banner before
        # any option could be set; silence it first.
        def enableCallbacks(self):  # noqa: N802 (HiGHS names it)
            self.setOptionValue("output_flag", False)
            super().enableCallbacks()

    return QuietHighs()


def lp_bound(
    model: cp_model.CpModel, time_limit: float | None = None
) -> float | None:
    """Return the LP relaxation's bound on the model's objective.

    The relaxation is solved by HiGHS's first-order method (PDLP), which
    scales to province-size models. The bound is not the solver's
    objective but the weak-duality bound of its row duals (see
    ``dual_bound``), which holds for any duals whatever the solver's
    tolerance or time limit; when every plan's objective is a whole
    number of model units, it is rounded to one (down when maximising).

    Parameters
    ----------
    model
        The CP-SAT model, with its objective set.
    time_limit
        Wall time limit of HiGHS in seconds; ``None`` for none. A search
        stopped by it still gives a bound, only a looser one.

    Returns
    -------
    float or None
        The bound, in the model's own objective units (an upper bound
        when maximising, a lower bound when minimising); ``None`` if
        HiGHS returned no duals.

    Raises
    ------
    ValueError
        If the model cannot be converted (see ``highs_model``).
    ImportError
        If ``highspy`` is not installed.
    """
    highspy = need_highspy()
    highs = highs_model(model, integral=False)
    highs.setOptionValue("solver", "pdlp")
    for option in (
        "primal_feasibility_tolerance",
        "dual_feasibility_tolerance",
    ):
        highs.setOptionValue(option, LP_TOLERANCE)
    if time_limit is not None:
        highs.setOptionValue("time_limit", float(time_limit))

    highs.run()
    status = highs.getModelStatus()
    solution = highs.getSolution()
    if not solution.dual_valid:
        logger.warning(
            "HiGHS gave no duals for the LP relaxation: %s",
            highs.modelStatusToString(status),
        )
        return None

    if status != highspy.HighsModelStatus.kOptimal:
        logger.info(
            "HiGHS stopped on the LP relaxation (%s); the bound is looser",
            highs.modelStatusToString(status),
        )

    bound = dual_bound(highs, np.asarray(solution.row_dual, dtype=float))
    if _whole_objective(model.proto):
        bound = _whole(bound, _maximizes(highs))

    return bound


def _maximizes(highs) -> bool:
    """Return whether a HiGHS model maximises its objective."""
    highspy = need_highspy()
    return highs.getObjectiveSense()[1] == highspy.ObjSense.kMaximize


def dual_bound(highs, duals: np.ndarray) -> float:
    """Return the weak-duality bound of row duals on a HiGHS model's LP.

    For any multipliers ``y`` of the rows ``L <= A x <= U`` over the box
    ``l <= x <= u``, every feasible ``x`` has ``c x = y A x + (c - y A) x
    <= sum_i (U_i y_i if y_i > 0 else L_i y_i) + sum_j max_x (c - y A)_j
    x_j`` when maximising (mirrored when minimising). A multiplier whose
    side of its row is infinite is dropped to zero. The bound is valid
    for any ``y``; the LP's optimal duals make it the LP optimum.

    Parameters
    ----------
    highs
        A HiGHS instance holding the model.
    duals
        One multiplier a row, in HiGHS's sign convention or its mirror:
        both signs are tried and the tighter bound is kept.

    Returns
    -------
    float
        The bound, in the model's objective units and with its offset;
        infinite if a variable with a reduced cost has no finite bound.
    """
    highspy = need_highspy()
    lp = highs.getLp()
    inf = highspy.kHighsInf
    sense = 1.0 if _maximizes(highs) else -1.0
    costs = sense * np.asarray(lp.col_cost_)
    row_lower = np.asarray(lp.row_lower_)
    row_upper = np.asarray(lp.row_upper_)
    col_lower = np.asarray(lp.col_lower_)
    col_upper = np.asarray(lp.col_upper_)

    bounds = []
    for y in (duals, -duals):
        # Mirrored for minimising, the same arithmetic bounds -c x.
        y = np.where((y > 0) & (row_upper >= inf), 0.0, y)
        y = np.where((y < 0) & (row_lower <= -inf), 0.0, y)
        rows = np.where(y > 0, y * _finite(row_upper, inf), 0.0)
        rows += np.where(y < 0, y * _finite(row_lower, inf), 0.0)
        reduced = costs - _transposed_product(highspy, lp, y)
        with np.errstate(invalid="ignore"):
            cols = np.maximum(reduced * col_lower, reduced * col_upper)
        cols = np.where(reduced == 0, 0.0, cols)
        bounds.append(float(rows.sum() + cols.sum()))

    return sense * min(bounds) + lp.offset_


def _finite(values: np.ndarray, inf: float) -> np.ndarray:
    """Return the values with HiGHS's infinities set to zero."""
    return np.where(np.abs(values) >= inf, 0.0, values)


def _transposed_product(highspy, lp, y: np.ndarray) -> np.ndarray:
    """Return ``y A`` for the sparse matrix of a HiGHS model."""
    matrix = lp.a_matrix_
    start = np.asarray(matrix.start_, dtype=np.int64)
    index = np.asarray(matrix.index_, dtype=np.int64)
    value = np.asarray(matrix.value_, dtype=float)
    if matrix.format_ == highspy.MatrixFormat.kColwise:
        columns = np.repeat(np.arange(lp.num_col_), np.diff(start))
        weights = value * y[index]
    else:
        columns = index
        weights = value * np.repeat(y, np.diff(start))

    return np.bincount(columns, weights=weights, minlength=lp.num_col_)


def _whole(bound: float, maximize: bool) -> float:
    """Round a bound to the whole number every plan's objective is."""
    nearest = round(bound)
    if abs(bound - nearest) <= INTEGRAL_TOLERANCE * max(1.0, abs(bound)):
        return float(nearest)

    return float(math.floor(bound) if maximize else math.ceil(bound))


def solve_mip(
    model: cp_model.CpModel,
    time_limit: float,
    threads: int = 2,
    on_improve: Callable[[float, float], None] | None = None,
    gap: float = 0.0,
) -> MipOutcome:
    """Solve the model as a MIP with HiGHS.

    Parameters
    ----------
    model
        The CP-SAT model, with its objective set.
    time_limit
        Wall time limit of HiGHS in seconds.
    threads
        Threads HiGHS may use.
    on_improve
        Called with ``(seconds, objective)`` each time HiGHS finds a
        better plan, objective in the model's units.
    gap
        Relative gap at which HiGHS stops; 0 proves the optimum.

    Returns
    -------
    MipOutcome
        Objective, bound, status, improvements and the variables' values.

    Raises
    ------
    ValueError
        If the model cannot be converted (see ``highs_model``).
    ImportError
        If ``highspy`` is not installed.
    """
    highspy = need_highspy()
    highs = highs_model(model, integral=True)
    highs.setOptionValue("time_limit", float(time_limit))
    highs.setOptionValue("threads", int(threads))
    highs.setOptionValue("mip_rel_gap", float(gap))
    improvements: list[tuple[float, float]] = []
    start = time.perf_counter()

    def improved(event) -> None:
        seconds = time.perf_counter() - start
        value = float(event.data_out.objective_function_value)
        improvements.append((seconds, value))
        if on_improve is not None:
            on_improve(seconds, value)

    highs.cbMipImprovingSolution.subscribe(improved)
    highs.run()
    seconds = time.perf_counter() - start

    info = highs.getInfo()
    code = highs.getModelStatus()
    has_plan = info.primal_solution_status == highspy.kSolutionStatusFeasible
    status = _mip_status(highspy, code, has_plan)
    logger.info(
        "HiGHS MIP: %s in %.1f s", highs.modelStatusToString(code), seconds
    )
    bound = float(info.mip_dual_bound)
    bound = bound if math.isfinite(bound) else None
    if not has_plan:
        return MipOutcome(None, bound, status, improvements, None, seconds)

    values = np.array(highs.getSolution().col_value)
    return MipOutcome(
        objective=float(info.objective_function_value),
        bound=bound,
        status=status,
        improvements=improvements,
        values=values,
        seconds=seconds,
    )


def _mip_status(highspy, code, has_plan: bool) -> str:
    """Name a HiGHS MIP status as the planner's results do."""
    if code == highspy.HighsModelStatus.kOptimal:
        return "optimal"

    if code == highspy.HighsModelStatus.kInfeasible:
        return "infeasible"

    return "feasible" if has_plan else "unknown"


def plan_bound(scenario) -> float | None:
    """Return the LP bound on any whole-year plan's value, in risk units.

    The model is the one ``build_model`` makes, with the objective a plan
    is valued by (``scheduler.model.objective``); on two cores, building
    and solving the relaxation takes about 30 s for 8,000 mines and a
    minute for 20,000.

    Parameters
    ----------
    scenario
        A validated scenario.

    Returns
    -------
    float or None
        The bound, or ``None`` if HiGHS did not solve the relaxation.
    """
    from scheduler.model import VALUE_SCALE, build_model, objective

    start = time.perf_counter()
    plan = build_model(scenario)
    plan.model.maximize(objective(plan))
    bound = lp_bound(plan.model)
    if bound is None:
        return None

    seconds = time.perf_counter() - start
    logger.info("LP bound %.1f in %.1f s", bound / VALUE_SCALE, seconds)
    return bound / VALUE_SCALE
