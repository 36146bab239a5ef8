"""Budget optimization on the posterior: how to split a budget across channels.

>>> from mmm_bayes.optimize import optimize_budget, BudgetResult   # doctest: +SKIP

``objective`` (the KPI a budget buys per draw, compiled once with PyTensor; risk measures),
``constraints`` (bounds, total, groups; feasibility), ``solve`` (multi-start SLSQP) and
``result`` (the answer, its tables and its files in a run folder). See ``docs/optimizer.md``.
"""

from mmm_bayes.optimize.constraints import Constraints, InfeasibleBudgetError, resolve_constraints
from mmm_bayes.optimize.objective import KPIFunction, ResponseDraws, response_draws
from mmm_bayes.optimize.result import (
    BudgetResult,
    load_optimization,
    save_optimization,
    saved_optimizations,
)
from mmm_bayes.optimize.solve import (
    OptimizationError,
    current_allocation,
    optimize_budget,
    solve_budget,
)
from mmm_bayes.spec.budget import BudgetProblem, budget_problem, load_budget_problem

__all__ = [
    "BudgetProblem",
    "BudgetResult",
    "Constraints",
    "InfeasibleBudgetError",
    "KPIFunction",
    "OptimizationError",
    "ResponseDraws",
    "budget_problem",
    "current_allocation",
    "load_budget_problem",
    "load_optimization",
    "optimize_budget",
    "resolve_constraints",
    "response_draws",
    "save_optimization",
    "saved_optimizations",
    "solve_budget",
]
