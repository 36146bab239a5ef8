"""Budget constraints as arrays: per-channel bounds, the total and group caps; feasibility.

All amounts are currency over the whole planning window. A channel's bounds combine every rule
that applies to it (currency bounds, ratio bounds, ``max_change``), the tightest on each side;
``fixed`` overrides them. Before any optimization :func:`check_feasible` proves that some
allocation satisfies everything, or raises :class:`InfeasibleBudgetError` naming the
constraints that clash and what to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize as sopt

from mmm_bayes.errors import ConfigError
from mmm_bayes.spec.budget import BudgetProblem

__all__ = [
    "Constraints",
    "InfeasibleBudgetError",
    "binding_status",
    "check_feasible",
    "feasible_starts",
    "project",
    "resolve_constraints",
    "spend_range",
]


class InfeasibleBudgetError(ConfigError):
    """No allocation satisfies the budget's constraints (the message says which clash)."""


@dataclass(frozen=True)
class Group:
    """A channel group: member indices and its floor/cap (``-inf``/``inf`` when open)."""

    name: str
    members: np.ndarray
    lower: float
    upper: float


@dataclass(frozen=True)
class Constraints:
    """The feasible set ``{x : lower <= x <= upper, total rule, group rules}``, currency units.

    Attributes
    ----------
    channels : tuple of str
        Order of every array.
    current : ndarray (channel,)
        The comparison allocation.
    lower, upper : ndarray (channel,)
        Per-channel bounds (``upper`` may be ``inf``).
    lower_why, upper_why : tuple of str
        Which rule set each bound, for messages.
    total : float or None
        The window's budget (None: no rule on the total).
    total_mode : {"equal", "at_most"}
    groups : tuple of Group
    """

    channels: tuple[str, ...]
    current: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    lower_why: tuple[str, ...]
    upper_why: tuple[str, ...]
    total: float | None
    total_mode: str
    groups: tuple[Group, ...] = field(default=())

    @property
    def fixed(self) -> np.ndarray:
        """Channels whose bounds pin the spend (boolean mask)."""
        finite = np.isfinite(self.upper)
        gap = np.where(finite, self.upper - self.lower, np.inf)
        return gap <= 1e-9 * np.maximum(np.where(finite, self.upper, 1.0), 1.0)

    @property
    def money_scale(self) -> float:
        """A typical amount (the total, else the current total), to scale constraints by."""
        ref = self.total if self.total is not None else float(self.current.sum())
        return ref if ref > 0 else 1.0

    def linear_rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """Rows ``lb <= A @ x <= ub`` of the total and group rules, with a name per row."""
        rows, lbs, ubs, names = [], [], [], []
        if self.total is not None:
            rows.append(np.ones(len(self.channels)))
            lbs.append(self.total if self.total_mode == "equal" else -np.inf)
            ubs.append(self.total)
            names.append(f"total ({self.total_mode} {self.total:,.0f})")
        for g in self.groups:
            row = np.zeros(len(self.channels))
            row[g.members] = 1.0
            rows.append(row)
            lbs.append(g.lower)
            ubs.append(g.upper)
            names.append(f"group {g.name!r}")
        A = np.array(rows).reshape(len(rows), len(self.channels))
        return A, np.array(lbs, dtype=float), np.array(ubs, dtype=float), names

    def violation(self, x: np.ndarray) -> float:
        """Largest violation of any rule by ``x``, in currency (0 when feasible)."""
        worst = max(np.max(self.lower - x, initial=0.0), np.max(x - self.upper, initial=0.0))
        A, lb, ub, _ = self.linear_rows()
        if len(A):
            ax = A @ x
            worst = max(worst, np.max(lb - ax, initial=0.0), np.max(ax - ub, initial=0.0))
        return float(worst)


def _tighten(value, why, candidate, reason, pick):
    if candidate is None:
        return value, why
    return (candidate, reason) if pick(candidate, value) else (value, why)


def resolve_constraints(
    problem: BudgetProblem, channels: tuple[str, ...], current: np.ndarray
) -> Constraints:
    """Turn a problem's rules into per-channel bounds, the total and groups (currency arrays).

    Parameters
    ----------
    problem : BudgetProblem
        Its channel names must be the model's (see :func:`mmm_bayes.spec.budget.check_channels`).
    channels : tuple of str
        The model's channels, in order.
    current : ndarray (channel,)
        Current spend over the window (the base of ratio bounds).

    Returns
    -------
    Constraints
    """
    lower, upper, lower_why, upper_why = [], [], [], []
    for name, cur in zip(channels, current, strict=True):
        lo, lo_why, hi, hi_why = 0.0, "spend >= 0", np.inf, "no upper bound"
        b = problem.channels.get(name)
        if b is not None and b.fixed is not None:
            value = float(cur if b.fixed == "current" else b.fixed)
            why = f"channels.{name}.fixed={b.fixed}"
            lower.append(value), upper.append(value), lower_why.append(why), upper_why.append(why)
            continue
        if problem.max_change is not None:
            m = problem.max_change
            lo, lo_why = max(0.0, (1 - m) * cur), f"max_change={m:g} of current {cur:,.0f}"
            hi, hi_why = (1 + m) * cur, f"max_change={m:g} of current {cur:,.0f}"
        if b is not None:
            ratio = f"of current {cur:,.0f}"
            lo, lo_why = _tighten(lo, lo_why, b.min, f"channels.{name}.min", np.greater)
            lo, lo_why = _tighten(
                lo, lo_why, None if b.min_ratio is None else b.min_ratio * cur,
                f"channels.{name}.min_ratio={b.min_ratio} {ratio}", np.greater,
            )  # fmt: skip
            hi, hi_why = _tighten(hi, hi_why, b.max, f"channels.{name}.max", np.less)
            hi, hi_why = _tighten(
                hi, hi_why, None if b.max_ratio is None else b.max_ratio * cur,
                f"channels.{name}.max_ratio={b.max_ratio} {ratio}", np.less,
            )  # fmt: skip
        lower.append(lo), upper.append(hi), lower_why.append(lo_why), upper_why.append(hi_why)
    current = np.asarray(current, dtype=float)
    total = problem.total
    if total is None and not problem.spend_is_chosen:
        total = float(current.sum())
    index = {c: i for i, c in enumerate(channels)}
    groups = tuple(
        Group(
            name=g.name,
            members=np.array([index[c] for c in g.channels]),
            lower=-np.inf if g.min is None else g.min,
            upper=np.inf if g.max is None else g.max,
        )
        for g in problem.groups
    )
    return Constraints(
        channels=tuple(channels),
        current=current,
        lower=np.array(lower, dtype=float),
        upper=np.array(upper, dtype=float),
        lower_why=tuple(lower_why),
        upper_why=tuple(upper_why),
        total=total,
        total_mode=problem.resolved_total_mode,
        groups=groups,
    )


def _money(v: float) -> str:
    return "unbounded" if not np.isfinite(v) else f"{v:,.0f}"


def _list(c: Constraints, idx, bounds, whys) -> str:
    return ", ".join(f"{c.channels[i]} {_money(bounds[i])} ({whys[i]})" for i in idx)


def check_feasible(c: Constraints) -> None:
    """Raise :class:`InfeasibleBudgetError` unless some allocation meets every rule.

    The common clashes get a message of their own (a channel whose lower bound exceeds its upper
    bound; bounds that cannot add up to the total; a group floor above its members' caps or a
    group cap below their floors); anything else is found by a linear program over all rules.
    """
    clash = np.flatnonzero(c.lower > c.upper * (1 + 1e-12))
    if clash.size:
        detail = "; ".join(
            f"{c.channels[i]}: lower {_money(c.lower[i])} ({c.lower_why[i]}) > upper "
            f"{_money(c.upper[i])} ({c.upper_why[i]})"
            for i in clash
        )
        raise InfeasibleBudgetError(f"infeasible channel bounds: {detail}. Loosen one side.")
    every = range(len(c.channels))
    if c.total is not None:
        if c.lower.sum() > c.total * (1 + 1e-9):
            raise InfeasibleBudgetError(
                f"the channels' lower bounds add up to {_money(c.lower.sum())}, more than the "
                f"total budget {_money(c.total)}: {_list(c, every, c.lower, c.lower_why)}. "
                "Raise the total or lower the bounds."
            )
        if c.total_mode == "equal" and c.upper.sum() < c.total * (1 - 1e-9):
            raise InfeasibleBudgetError(
                f"the channels' upper bounds add up to {_money(c.upper.sum())}, less than the "
                f"total budget {_money(c.total)} that must be spent: "
                f"{_list(c, every, c.upper, c.upper_why)}. Raise the caps, lower the total, "
                "or use total_mode: at_most."
            )
    for g in c.groups:
        lo, hi = c.lower[g.members].sum(), c.upper[g.members].sum()
        if g.lower > hi * (1 + 1e-9):
            raise InfeasibleBudgetError(
                f"group {g.name!r} must spend at least {_money(g.lower)}, but its channels' "
                f"upper bounds add up to {_money(hi)}: "
                f"{_list(c, g.members, c.upper, c.upper_why)}."
            )
        if g.upper < lo * (1 - 1e-9):
            raise InfeasibleBudgetError(
                f"group {g.name!r} may spend at most {_money(g.upper)}, but its channels' lower "
                f"bounds add up to {_money(lo)}: {_list(c, g.members, c.lower, c.lower_why)}."
            )
    if _lp_point(c, np.zeros(len(c.channels))) is None:
        _, _, _, names = c.linear_rows()
        raise InfeasibleBudgetError(
            "the budget constraints cannot all hold at once (each is satisfiable alone): "
            f"{', '.join(names)} with bounds {_list(c, every, c.lower, c.lower_why)} and "
            f"{_list(c, every, c.upper, c.upper_why)}. Loosen the total or a group cap."
        )


def _lp_point(c: Constraints, cost: np.ndarray, box: np.ndarray | None = None) -> np.ndarray | None:
    """Return a vertex of the feasible set minimizing ``cost @ x`` (None if infeasible)."""
    A, lb, ub, _ = c.linear_rows()
    upper = c.upper if box is None else np.minimum(c.upper, box)
    eq = np.isfinite(lb) & (lb == ub)  # equalities as such: two opposite inequalities are fragile
    above, below = ~eq & np.isfinite(ub), ~eq & np.isfinite(lb)
    A_ub = np.vstack([A[above], -A[below]])
    b_ub = np.concatenate([ub[above], -lb[below]])
    res = sopt.linprog(
        cost,
        A_ub=A_ub if len(A_ub) else None,
        b_ub=b_ub if len(A_ub) else None,
        A_eq=A[eq] if eq.any() else None,
        b_eq=lb[eq] if eq.any() else None,
        bounds=list(zip(c.lower, np.where(np.isfinite(upper), upper, None), strict=True)),
        method="highs",
    )
    return res.x if res.status == 0 else None


def spend_range(c: Constraints) -> tuple[float, float]:
    """Return the least and the most total spend of any feasible allocation (bounded ``c``)."""
    ones = np.ones(len(c.channels))
    low, high = _lp_point(c, ones), _lp_point(c, -ones)
    if low is None or high is None:
        raise InfeasibleBudgetError("no feasible allocation (call check_feasible for details)")
    return float(low.sum()), float(high.sum())


def project(c: Constraints, x: np.ndarray) -> np.ndarray:
    """Return the feasible allocation closest to ``x``, relative to each channel's scale.

    Solves ``min sum(((y - x) / s)**2)`` over the feasible set with SLSQP, from a feasible
    vertex, with ``s`` the current spend (or the mean amount where current spend is 0).
    """
    start = _lp_point(c, np.zeros(len(c.channels)))
    if start is None:
        raise InfeasibleBudgetError("no feasible allocation (call check_feasible for details)")
    if c.violation(x) <= 1e-9 * c.money_scale:
        return np.clip(x, c.lower, c.upper)
    s = spend_scale(c)
    res = sopt.minimize(
        lambda z: (float(((z - x / s) ** 2).sum()), 2 * (z - x / s)),
        start / s,
        jac=True,
        method="SLSQP",
        bounds=scaled_bounds(c, s),
        constraints=slsqp_constraints(c, s),
        options={"ftol": 1e-12, "maxiter": 500},
    )
    y = np.clip(res.x * s, c.lower, c.upper)
    return y if c.violation(y) <= 1e-6 * c.money_scale else start


def spend_scale(c: Constraints) -> np.ndarray:
    """Per-channel unit of the optimizer's variables: current spend, or the mean where it is 0."""
    mean = c.money_scale / len(c.channels)
    return np.where(c.current > 0, c.current, mean)


def scaled_bounds(c: Constraints, s: np.ndarray) -> list[tuple[float, float | None]]:
    """Bounds on ``z = x / s`` for scipy (None for an open upper side)."""
    return [
        (lo / si, hi / si if np.isfinite(hi) else None)
        for lo, hi, si in zip(c.lower, c.upper, s, strict=True)
    ]


def slsqp_constraints(c: Constraints, s: np.ndarray, extra: list | None = None) -> list[dict]:
    """Return the total and group rules on ``z = x / s`` as SLSQP dicts, scaled to order one."""
    A, lb, ub, _ = c.linear_rows()
    m = c.money_scale
    out = list(extra or [])
    for row, lo, hi in zip(A, lb, ub, strict=True):
        a = row * s / m
        if np.isfinite(lo) and lo == hi:
            out.append(_linear("eq", a, lo / m))
            continue
        if np.isfinite(hi):
            out.append(_linear("ineq", -a, -hi / m))
        if np.isfinite(lo):
            out.append(_linear("ineq", a, lo / m))
    return out


def _linear(kind: str, a: np.ndarray, b: float) -> dict:
    """SLSQP constraint ``a @ z - b == 0`` (``kind="eq"``) or ``>= 0`` (``"ineq"``)."""
    return {"type": kind, "fun": lambda z: a @ z - b, "jac": lambda z: a}


def feasible_starts(c: Constraints, n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``n`` feasible allocations: the current one projected, then random interior points.

    Each random start lies on the segment from the projected current allocation to a random
    vertex of the feasible set (a linear program with a random cost), so it is feasible by
    convexity. Open upper bounds are boxed at three times the largest relevant amount for the
    vertices only.
    """
    base = project(c, c.current)
    starts = [base]
    box = np.full(len(c.channels), 3.0 * max(c.money_scale, float(c.lower.max(initial=0.0))))
    for _ in range(max(n - 1, 0)):
        vertex = _lp_point(c, rng.normal(size=len(c.channels)), box=box)
        if vertex is None:
            break
        starts.append(base + rng.uniform(0.3, 1.0) * (vertex - base))
    return starts


def binding_status(c: Constraints, x: np.ndarray, *, rtol: float = 1e-4) -> list[str]:
    """Say why each channel sits where it does.

    One of ``fixed``, ``at lower bound``, ``at upper bound``, ``group 'g' at its max`` (or
    ``min``), or ``free``; a bound counts as reached within ``rtol`` of the money scale.
    """
    tol = rtol * c.money_scale
    out = []
    for i in range(len(c.channels)):
        if c.fixed[i]:
            out.append("fixed")
        elif x[i] <= c.lower[i] + tol:
            out.append("at lower bound")
        elif x[i] >= c.upper[i] - tol:
            out.append("at upper bound")
        else:
            out.append("free")
    for g in c.groups:
        spent = x[g.members].sum()
        side = "max" if spent >= g.upper - tol else "min" if spent <= g.lower + tol else None
        if side:
            for i in g.members:
                if out[i] == "free":
                    out[i] = f"group {g.name!r} at its {side}"
    return out
