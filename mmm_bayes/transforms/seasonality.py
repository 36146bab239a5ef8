"""Fourier features for yearly seasonality (data, not parameters: numpy only)."""

from __future__ import annotations

import numpy as np

DAYS_PER_YEAR = 365.25


def fourier_features(day_of_year: np.ndarray, order: int) -> np.ndarray:
    """Sine and cosine pairs ``sin(2 pi k d / 365.25), cos(...)`` for k = 1 .. order.

    Parameters
    ----------
    day_of_year : ndarray, shape (n_periods,)
        Day of the year of each period (1 .. 366); fractional days are fine.
    order : int
        Number of pairs; 0 returns an empty ``(n_periods, 0)`` array.

    Returns
    -------
    ndarray, shape (n_periods, 2 * order)
        Columns ``sin_1, cos_1, sin_2, cos_2, ...``.
    """
    d = np.asarray(day_of_year, dtype=float)[:, None]
    k = np.arange(1, order + 1, dtype=float)[None, :]
    angle = 2.0 * np.pi * k * d / DAYS_PER_YEAR
    out = np.empty((d.shape[0], 2 * order))
    out[:, 0::2], out[:, 1::2] = np.sin(angle), np.cos(angle)
    return out


def fourier_names(order: int) -> list[str]:
    """Column names matching :func:`fourier_features`: ``sin_1, cos_1, ...``."""
    return [f"{f}_{k}" for k in range(1, order + 1) for f in ("sin", "cos")]
