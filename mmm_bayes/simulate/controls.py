"""Control variables that move the KPI but are not media: a price index and promotion events.

Each generator takes the dates and a generator and returns one series, so a scenario picks
the controls it needs. Confounders (controls that also drive spend) are later additions here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def price_index(
    dates: pd.DatetimeIndex,
    rng: np.random.Generator,
    *,
    level: float = 1.0,
    sd: float = 0.03,
    ar: float = 0.85,
    decimals: int = 3,
) -> np.ndarray:
    """Relative price around ``level``: a stationary AR(1) with standard deviation ``sd``.

    Parameters
    ----------
    dates : DatetimeIndex
        One entry per period.
    rng : numpy.random.Generator
        Source of randomness.
    level : float, default 1.0
        Long-run mean of the index.
    sd : float, default 0.03
        Stationary standard deviation of the index.
    ar : float, default 0.85
        AR(1) coefficient, in [0, 1): prices drift slowly rather than jump each week.
    decimals : int, default 3
        Rounding applied before the KPI is computed, so the written values are the true ones.

    Returns
    -------
    ndarray, shape (len(dates),)
        The price index.
    """
    z = rng.standard_normal(len(dates))
    for t in range(1, len(z)):
        z[t] = ar * z[t - 1] + np.sqrt(1.0 - ar**2) * z[t]
    return np.round(level + sd * z, decimals)


def promo_events(
    dates: pd.DatetimeIndex,
    rng: np.random.Generator,
    *,
    rate: float = 0.06,
    length: tuple[int, int] = (1, 2),
) -> np.ndarray:
    """Promotion indicator, 1 in promotion weeks and 0 elsewhere.

    Promotions start in a period with probability ``rate`` and last a uniformly drawn number
    of periods in the inclusive range ``length``.

    Parameters
    ----------
    dates : DatetimeIndex
        One entry per period.
    rng : numpy.random.Generator
        Source of randomness.
    rate : float, default 0.06
        Probability that a promotion starts in a given period.
    length : tuple of int, default (1, 2)
        Inclusive range of promotion lengths, in periods.

    Returns
    -------
    ndarray, shape (len(dates),)
        0.0/1.0 indicator; at least one period is 1 when there are at least two periods.
    """
    n = len(dates)
    starts = rng.random(n) < rate
    lengths = rng.integers(length[0], length[1] + 1, size=n)
    out = np.zeros(n)
    for t in np.flatnonzero(starts):
        out[t : t + lengths[t]] = 1.0
    if n >= 2 and not out.any():  # an indicator that never fires cannot be estimated
        out[int(rng.integers(0, n))] = 1.0
    return out
