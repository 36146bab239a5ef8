"""Helpers of the optimizer tests: response builders with known answers, the true KPI."""

import numpy as np

from mmm_bayes.optimize.objective import ResponseDraws
from mmm_bayes.simulate import Truth


def hill_response(a, b, *, periods: int = 4, names=None) -> ResponseDraws:
    """Response with ``F_c(x) = a_c x / (x + b_c)`` per draw: Hill S=1, no carryover.

    ``a`` and ``b`` are (draw, channel) or (channel,) arrays; with exposure ``1/P`` in every
    period, ``K = b/P`` and ``scale = a/P`` give exactly that curve.
    """
    a, b = np.atleast_2d(a).astype(float), np.atleast_2d(b).astype(float)
    n, c = a.shape
    names = tuple(names or [f"ch{i}" for i in range(c)])
    return ResponseDraws(
        channels=names,
        exposure=np.full((n, c, periods), 1.0 / periods),
        scale=a / periods,
        saturation="hill",
        params={"K": b / periods, "S": np.ones((n, c))},
        sample_coords={"chain": np.arange(1), "draw": np.arange(n)},
    )


def closed_form_hill(a, b, total):
    """Maximizer of sum a_i x_i / (x_i + b_i) with sum x_i = total (all x_i > 0 assumed).

    Equal marginals a_i b_i / (x_i + b_i)**2 give x_i + b_i = c sqrt(a_i b_i), and the total
    fixes c.
    """
    r = np.sqrt(a * b)
    return r * (total + b.sum()) / r.sum() - b


def true_window_kpi(truth: Truth, allocation: dict, periods: int) -> float:
    """True incremental KPI (window + carryover tail) of spending ``allocation`` evenly."""
    total = 0.0
    for ch in truth.channels:
        spend = np.full(periods, allocation[ch.name] / periods)
        total += ch.contribution(spend, scale=truth.spend_scale[ch.name], extend=True).sum()
    return float(total)
