"""Solve a budget problem on the posterior: several SLSQP starts with exact gradients.

The objective is a summary over posterior draws (the mean, a lower quantile, or mean minus
lambda sd) of the total incremental KPI (channel overlaps included), each draw's KPI and the
gradient of its total coming from one compiled PyTensor function
(:class:`mmm_bayes.optimize.objective.KPIFunction`). Variables are scaled to
multiples of each channel's current spend and the objective to the current allocation's KPI, so
SLSQP's tolerances mean the same thing for any currency or KPI unit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import xarray as xr
from scipy import optimize as sopt
from scipy.optimize import brentq

from mmm_bayes.errors import MMMError
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.optimize.constraints import (
    Constraints,
    InfeasibleBudgetError,
    binding_status,
    check_feasible,
    feasible_starts,
    project,
    resolve_constraints,
    scaled_bounds,
    slsqp_constraints,
    spend_range,
    spend_scale,
)
from mmm_bayes.optimize.frequency import frequency_notes, frequency_plan, planned_frequency
from mmm_bayes.optimize.objective import (
    KPIFunction,
    ResponseDraws,
    response_draws,
    risk_measure,
)
from mmm_bayes.optimize.result import BudgetResult, explain_marginals
from mmm_bayes.spec import ModelSpec
from mmm_bayes.spec.budget import BudgetProblem, check_channels

log = logging.getLogger(__name__)

__all__ = ["OptimizationError", "current_allocation", "optimize_budget", "solve_budget"]

#: SLSQP settings: ``ftol`` on the objective scaled to about one (the current plan's KPI).
SLSQP_OPTIONS = {"ftol": 1e-11, "maxiter": 1000}


class OptimizationError(MMMError, RuntimeError):
    """No optimizer start reached a feasible allocation."""


@dataclass
class SolverReport:
    """How the multi-start search went: one entry per start."""

    method: str = "SLSQP"
    values: list[float] = field(default_factory=list)
    success: list[bool] = field(default_factory=list)
    iterations: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    best: int = -1
    seconds: float = 0.0
    evaluations: int = 0

    def to_dict(self) -> dict:
        """JSON-ready summary."""
        return {
            "method": self.method,
            "starts": len(self.values),
            "successful_starts": int(sum(self.success)),
            "best_start": self.best,
            "objective_by_start": self.values,
            "iterations_by_start": self.iterations,
            "messages": sorted(set(self.messages)),
            "seconds": round(self.seconds, 4),
            "function_evaluations": self.evaluations,
        }


def current_allocation(problem: BudgetProblem, inputs: ModelInputs) -> np.ndarray:
    """Return the current spend per channel over the window, currency units.

    ``problem.current`` if given, else the history's mean spend per period times ``periods``.
    """
    if problem.current is not None:
        return np.array([problem.current[c] for c in inputs.channels], dtype=float)
    return np.asarray(inputs.spend, dtype=float).mean(axis=0) * problem.periods


def optimize_budget(
    posterior: xr.Dataset | xr.DataTree,
    inputs: ModelInputs,
    spec: ModelSpec,
    problem: BudgetProblem,
    *,
    kpi_label: str | None = None,
) -> BudgetResult:
    """Find the allocation of a window's budget that maximizes the problem's objective.

    Parameters
    ----------
    posterior : Dataset or DataTree
        The fitted posterior; every draw is used.
    inputs : ModelInputs
        The data the model was fitted to (scales, historical spend).
    spec : ModelSpec
        The fitted model.
    problem : BudgetProblem
        Window, budget, constraints and objective.
    kpi_label : str, optional
        Name of the KPI in results (default: the spec's KPI column).

    Returns
    -------
    BudgetResult
        Current and optimal allocations, their KPI with intervals, the uplift, marginal ROAS.

    Raises
    ------
    ConfigError
        If the problem names unknown channels.
    InfeasibleBudgetError
        If no allocation meets the constraints (or a KPI target cannot be reached).
    OptimizationError
        If no start reaches a feasible point (should not happen for linear constraints).
    """
    check_channels(problem, inputs.channels)
    cons = resolve_constraints(problem, tuple(inputs.channels), current_allocation(problem, inputs))
    check_feasible(cons)
    planned = planned_frequency(posterior, inputs, spec, problem)  # {} without R&F channels
    draws = response_draws(
        posterior,
        inputs,
        spec,
        periods=problem.periods,
        pattern=problem.pattern,
        frequency={c: f for c, (f, _) in planned.items()},
    )
    result = solve_budget(draws, cons, problem, kpi_label=kpi_label or spec.kpi)
    if not planned:
        return result
    plan = frequency_plan(inputs, planned, result.optimal, problem.periods)
    return replace(result, frequency_plan=plan, notes=(*result.notes, *frequency_notes(plan)))


def solve_budget(
    draws: ResponseDraws, cons: Constraints, problem: BudgetProblem, *, kpi_label: str = "KPI"
) -> BudgetResult:
    """Solve ``problem`` for given response draws and constraints (no posterior needed).

    See :func:`optimize_budget`; this is the part that does not read a fitted model, so tests
    and benchmarks can hand it any response.
    """
    check_feasible(cons)
    f = KPIFunction(draws)
    rng = np.random.default_rng(problem.random_seed)
    started = time.perf_counter()
    kind = problem.objective.kind
    if cons.fixed.all():  # nothing to optimize (and SLSQP cannot run without a free variable)
        x, report = _pinned(f, cons, problem)
    elif kind == "kpi_target":
        x, report = _min_spend_for_target(f, cons, problem.objective.target, problem.n_starts, rng)
    else:
        x, report = _maximize(f, cons, _objective(problem), problem.n_starts, rng)
    report.seconds = time.perf_counter() - started
    report.evaluations = f.calls
    log.info("budget optimized in %.2fs (%d evaluations)", report.seconds, f.calls)
    return _result(draws, f, cons, problem, x, report, kpi_label)


# --- objectives on the (x, F, G) of one evaluation -------------------------------------------

#: (x, F (sample, channel), G (sample, channel)) -> (value to maximize, gradient (channel,))
Target = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[float, np.ndarray]]


def _objective(problem: BudgetProblem) -> Target:
    """Return the function of the allocation that the problem maximizes."""
    risk = risk_measure(problem.objective)
    if problem.objective.kind == "marginal_roas_floor":
        tau = problem.objective.threshold

        def profit(x, kpi, grad):
            value, g = risk(kpi.sum(axis=1), grad)
            return value - tau * float(x.sum()), g - tau

        return profit
    return lambda x, kpi, grad: risk(kpi.sum(axis=1), grad)


def _reference(f: KPIFunction, cons: Constraints, x0: np.ndarray) -> float:
    """Return a positive KPI amount of the problem's size, to scale the objective to about one."""
    for x in (x0, np.full(len(x0), cons.money_scale / len(x0))):
        value = abs(float(f(x)[0].sum(axis=1).mean()))
        if value > 0:
            return value
    return 1.0


def _slsqp(fun, z0, bounds, constraints, restarts: int = 5):
    """Run SLSQP, then restart it from its end point while that still improves the objective.

    SLSQP's quasi-Newton model of the curvature can go stale where curves bend sharply (a
    saturation with shape below one near zero spend) and it then stops early; a restart begins
    from a fresh model, and costs one iteration when the point is already optimal.
    """
    best = sopt.minimize(fun, z0, jac=True, method="SLSQP", bounds=bounds,
                         constraints=constraints, options=SLSQP_OPTIONS)  # fmt: skip
    nit = int(best.nit)
    for _ in range(restarts):
        res = sopt.minimize(fun, best.x, jac=True, method="SLSQP", bounds=bounds,
                            constraints=constraints, options=SLSQP_OPTIONS)  # fmt: skip
        nit += int(res.nit)
        if not res.fun < best.fun - SLSQP_OPTIONS["ftol"] * max(1.0, abs(best.fun)):
            break
        best = res
    return best, nit


def _run_starts(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    starts: list[np.ndarray],
    cons: Constraints,
    s: np.ndarray,
    extra: list | None = None,
    accept: Callable[[np.ndarray], bool] = lambda x: True,
) -> tuple[np.ndarray, SolverReport]:
    """Minimize ``fun`` (of ``z = x / s``) from each start; return the best acceptable ``x``."""
    report, best_x, best_value = SolverReport(), None, np.inf
    for i, start in enumerate(starts):
        res, nit = _slsqp(fun, start / s, scaled_bounds(cons, s), slsqp_constraints(cons, s, extra))
        x = np.clip(res.x * s, cons.lower, cons.upper)
        ok = cons.violation(x) <= 1e-6 * cons.money_scale and accept(x)
        value = float(fun(x / s)[0])
        report.values.append(value)
        report.success.append(bool(ok))  # feasible (SLSQP's own verdict is in messages)
        report.iterations.append(nit)
        report.messages.append(str(res.message))
        if ok and value < best_value:
            best_x, best_value, report.best = x, value, i
    if best_x is None:
        raise OptimizationError(
            f"none of the {len(starts)} optimizer starts reached an allocation meeting the "
            f"constraints ({sorted(set(report.messages))}); try more starts (n_starts)."
        )
    return best_x, report


def _maximize(
    f: KPIFunction,
    cons: Constraints,
    target: Target,
    n_starts: int,
    rng: np.random.Generator,
    starts: list[np.ndarray] | None = None,
) -> tuple[np.ndarray, SolverReport]:
    """Maximize ``target`` over the feasible set from ``starts`` (default: random feasible)."""
    starts = feasible_starts(cons, n_starts, rng) if starts is None else starts
    s, ref = spend_scale(cons), _reference(f, cons, starts[0])

    def fun(z):
        x = z * s
        value, grad = target(x, *f(x))
        return -value / ref, -grad * s / ref

    x, report = _run_starts(fun, starts, cons, s)
    report.values = [-v * ref for v in report.values]  # the objective at each start's end
    return x, report


def _pinned(
    f: KPIFunction, cons: Constraints, problem: BudgetProblem
) -> tuple[np.ndarray, SolverReport]:
    """Return the only allocation when bounds pin every channel (a KPI target must hold)."""
    x = np.array(cons.lower, dtype=float)
    if problem.objective.kind == "kpi_target":
        reached = _expected_kpi(x, *f(x))[0]
        if reached < problem.objective.target * (1 - 1e-9):
            raise InfeasibleBudgetError(
                f"the KPI target {problem.objective.target:,.0f} cannot be reached: the "
                f"fixed allocation's expected incremental KPI is {reached:,.0f}, and every "
                f"channel is fixed: {_pinned_by(cons)}. Lower the target or free a channel."
            )
    message = "every channel is fixed: nothing to optimize"
    return x, SolverReport(method="none", messages=[message])


def _pinned_by(cons: Constraints) -> str:
    """Each channel with the rule that pins it, e.g. ``tv at 100 (max_change=0 ...)``."""
    pins = zip(cons.channels, cons.lower, cons.lower_why, strict=True)
    return ", ".join(f"{c} at {x:,.0f} ({why})" for c, x, why in pins)


def _expected_kpi(x, kpi, grad):
    return float(kpi.sum(axis=1).mean()), grad.mean(axis=0)


def _with_total(cons: Constraints, total: float) -> Constraints:
    """``cons`` with the total spend fixed at ``total``."""
    return replace(cons, total=float(total), total_mode="equal")


def _boxed(cons: Constraints) -> Constraints:
    """``cons`` with open upper bounds closed at 100 times the problem's money scale."""
    cap = 100.0 * max(cons.money_scale, float(cons.current.sum()))
    return replace(
        cons, upper=np.where(np.isfinite(cons.upper), cons.upper, np.maximum(cap, cons.lower))
    )


def _min_spend_for_target(
    f: KPIFunction, cons: Constraints, kpi_target: float, n_starts: int, rng
) -> tuple[np.ndarray, SolverReport]:
    """Least total spend whose expected KPI reaches ``kpi_target``.

    The best expected KPI for a given total spend ``B``, ``K(B)``, does not decrease with
    ``B`` (responses increase with spend), and at the least spend reaching the target the
    allocation is the KPI-maximizing one for that spend (the same optimality conditions). So
    the target is first checked against ``K`` at the largest feasible spend, then ``K(B) =
    target`` is solved for ``B`` with Brent's method, each ``K(B)`` a warm-started SLSQP, and
    the final allocation is searched from ``n_starts`` starts.
    """
    bounded = cons if cons.total is not None or np.isfinite(cons.upper).all() else _boxed(cons)
    low, high = spend_range(bounded)
    best, _ = _maximize(f, _with_total(bounded, high), _expected_kpi, n_starts, rng)
    reachable = _expected_kpi(best, *f(best))[0]
    if reachable < kpi_target * (1 - 1e-9):
        where = "within the constraints" if bounded is cons else "even at 100x the current spend"
        raise InfeasibleBudgetError(
            f"the KPI target {kpi_target:,.0f} cannot be reached: the most expected incremental "
            f"KPI {where} is {reachable:,.0f} (spending {best.sum():,.0f}). Lower the target, "
            "or raise the total budget or the channel caps."
        )
    warm = [best]

    def gap(total: float) -> float:
        c = _with_total(bounded, total)
        start = project(c, warm[-1] * total / max(warm[-1].sum(), 1e-300))
        x, _ = _maximize(f, c, _expected_kpi, 1, rng, starts=[start])
        warm.append(x)
        return _expected_kpi(x, *f(x))[0] - kpi_target

    if gap(low) >= 0:  # the least feasible spend already reaches the target
        total = low
    else:
        total = brentq(gap, low, high, xtol=1e-10 * high, rtol=1e-12)
    c = _with_total(bounded, total)
    starts = [project(c, warm[-1]), *feasible_starts(c, n_starts - 1, rng)[1:]]
    return _maximize(f, c, _expected_kpi, n_starts, rng, starts=starts)


# --- result -------------------------------------------------------------------------------------


def _curves(draws: ResponseDraws, cur: np.ndarray, opt: np.ndarray, n: int = 31) -> xr.Dataset:
    """Summarize each channel's KPI against its budget over draws: mean and 90% interval.

    The grid runs to 1.5x the larger of the current and optimal budget. Without interactions
    the other channels do not matter, as media add up; with interactions a channel's KPI is its
    own term plus half of each interaction it is in (the split of ROAS), the other channels at
    the optimal allocation, so the curve passes through the optimum's per-channel KPI.
    """
    top = 1.5 * np.maximum(np.maximum(cur, opt), 1e-9)
    grid = np.linspace(0.0, 1.0, n)[None, :] * top[:, None]  # (channel, point)
    kpi = np.stack([_curve_kpi(draws, grid[:, k], opt) for k in range(n)], axis=-1)
    q = np.quantile(kpi, [0.05, 0.95], axis=0)
    dims = ("channel", "point")
    return xr.Dataset(
        {
            "curve_spend": (dims, grid, {"units": "currency"}),
            "curve_mean": (dims, kpi.mean(axis=0), {"units": "KPI"}),
            "curve_lower": (dims, q[0], {"units": "KPI", "quantile": 0.05}),
            "curve_upper": (dims, q[1], {"units": "KPI", "quantile": 0.95}),
        },
        coords={"channel": list(draws.channels), "point": np.arange(n)},
    )


def _curve_kpi(draws: ResponseDraws, budgets: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Each channel's KPI at its entry of ``budgets``, the others at ``others``: (sample, ch)."""
    if not draws.has_interactions:  # one evaluation gives every channel's point
        return draws.kpi(budgets)
    out = np.empty((draws.n_samples, len(budgets)))
    for c, budget in enumerate(budgets):
        x = np.array(others, dtype=float)
        x[c] = budget
        out[:, c] = draws.kpi(x)[:, c]
    return out


def _result(draws, f, cons, problem, x, report, kpi_label) -> BudgetResult:
    cur = cons.current
    kpi_cur, kpi_opt = draws.kpi(cur), draws.kpi(x)  # numpy twin for the reported numbers
    g_cur, g_opt = f(cur)[1], f(x)[1]  # derivative of each draw's total KPI: marginal ROAS
    label = {"channel": list(draws.channels)}
    ds = xr.Dataset(
        {
            "kpi_current": draws.unstack(kpi_cur, ("channel",), **label),
            "kpi_optimal": draws.unstack(kpi_opt, ("channel",), **label),
            "mroas_current": draws.unstack(g_cur, ("channel",), **label),
            "mroas_optimal": draws.unstack(g_opt, ("channel",), **label),
        }
    )
    for name in ("kpi_current", "kpi_optimal"):
        ds[name].attrs["units"] = "KPI"
    for name in ("mroas_current", "mroas_optimal"):
        ds[name].attrs["units"] = "KPI per currency unit"
    objective = _objective(problem) if problem.objective.kind != "kpi_target" else None
    if objective is None:  # the target's objective is the spend, its marginal 1 everywhere
        value_cur, value_opt = float(cur.sum()), float(x.sum())
        marginal = g_opt.mean(0)
    else:
        value_cur = objective(cur, kpi_cur, g_cur)[0]
        value_opt, marginal = objective(x, kpi_opt, g_opt)
    status = binding_status(cons, x)
    notes = explain_marginals(problem, cons, x, status, g_opt.mean(0), np.asarray(marginal))
    notes += _solver_notes(report, problem)
    if cons.fixed.all():
        same = np.allclose(x, cur, rtol=1e-9, atol=0.0)
        notes.insert(
            0,
            f"Every channel is fixed: {_pinned_by(cons)}. Nothing was free to move, so the "
            "plan is that allocation"
            + (", the same as the current one (zero uplift)." if same else "."),
        )
    if cons.violation(cur) > 1e-6 * cons.money_scale:
        off_total = cons.total is not None and (
            cur.sum() > cons.total * (1 + 1e-6)
            or (cons.total_mode == "equal" and cur.sum() < cons.total * (1 - 1e-6))
        )
        why = (
            f"it spends {cur.sum():,.0f}, the budget is {cons.total:,.0f}"
            if off_total
            else "a channel or group is outside its bounds"
        )
        notes.append(
            f"The current allocation does not meet the constraints ({why}); the uplift "
            "compares the optimal allocation with it all the same (see the spend column)."
        )
    return BudgetResult(
        problem=problem,
        channels=tuple(draws.channels),
        current=cur,
        optimal=x,
        lower=cons.lower,
        upper=cons.upper,
        status=tuple(status),
        draws=ds,
        curves=_curves(draws, cur, x),
        objective={"kind": problem.objective.kind, "current": value_cur, "optimal": value_opt},
        notes=tuple(notes),
        solver=report.to_dict(),
        kpi_label=kpi_label,
    )


def _solver_notes(report: SolverReport, problem: BudgetProblem) -> list[str]:
    good = [v for v, ok in zip(report.values, report.success, strict=True) if ok]
    if len(good) < 2:
        return []
    spread = (max(good) - min(good)) / max(abs(max(good)), 1e-12)
    if spread > 1e-4:
        what = "expected KPI" if problem.objective.kind == "kpi_target" else "objective"
        return [
            f"The optimizer's starts ended at different optima ({what} from {min(good):,.4g} "
            f"to {max(good):,.4g}): the problem has local optima (S-shaped Hill curves make "
            "spending on a channel worthwhile only past a threshold); the best is reported. "
            "More starts (n_starts) make missing the global one less likely."
        ]
    return []
