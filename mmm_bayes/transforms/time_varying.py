"""Random-walk paths for time-varying coefficients, in numpy and PyTensor.

A path is a Gaussian random walk built from standard-normal innovations ``z`` (non-centered),
``w_k = sd * (z_1 + ... + z_k)`` with ``w_0 = 0``, optionally interpolated from knots to
periods, then centred to mean zero over the periods: a coefficient ``exp(w_t)`` times a
constant then has geometric mean one over the window, so the constant keeps its meaning.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt

__all__ = [
    "interpolation_matrix",
    "knot_count",
    "random_walk",
    "random_walk_pt",
]


def knot_count(n_periods: int, every: int) -> int:
    """Knots of a grid with a knot every ``every`` periods that spans ``n_periods`` periods."""
    if n_periods < 1 or every < 1:
        raise ValueError(f"need n_periods >= 1 and every >= 1, got {n_periods}, {every}")
    return int(np.ceil((n_periods - 1) / every)) + 1


def interpolation_matrix(n_periods: int, every: int) -> np.ndarray:
    """Linear interpolation from knots every ``every`` periods to each period.

    Returns
    -------
    ndarray, shape (n_periods, n_knots)
        Row ``t`` holds the weights of the two knots around period ``t`` (summing to one);
        knot ``k`` sits at period ``k * every`` (the last knot may lie past the last period).

    Examples
    --------
    >>> interpolation_matrix(5, 2).round(2).tolist()
    [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0]]
    """
    k = knot_count(n_periods, every)
    position = np.arange(n_periods) / every
    left = np.minimum(np.floor(position).astype(int), k - 2) if k > 1 else np.zeros(n_periods, int)
    frac = position - left
    out = np.zeros((n_periods, k))
    out[np.arange(n_periods), left] = 1.0 - frac
    if k > 1:
        out[np.arange(n_periods), left + 1] += frac
    return out


def random_walk(z: np.ndarray, sd: np.ndarray | float, basis: np.ndarray | None = None):
    """Centred random-walk path from innovations.

    Parameters
    ----------
    z : ndarray, shape (..., n_steps)
        Standard-normal innovations; the walk has ``n_steps + 1`` points, starting at 0.
    sd : float or ndarray, shape (...)
        Innovation scale per step.
    basis : ndarray, shape (n_periods, n_steps + 1), optional
        Interpolation from the walk's points (knots) to periods; default the points are the
        periods.

    Returns
    -------
    ndarray, shape (..., n_periods)
        The path, mean zero over the periods.
    """
    z = np.asarray(z, dtype=float)
    steps = np.asarray(sd, dtype=float)[..., None] * z
    walk = np.concatenate([np.zeros((*steps.shape[:-1], 1)), np.cumsum(steps, axis=-1)], axis=-1)
    if basis is not None:
        walk = walk @ np.asarray(basis).T
    return walk - walk.mean(axis=-1, keepdims=True)


def random_walk_pt(z, sd, basis: np.ndarray | None = None) -> pt.TensorVariable:
    """PyTensor twin of :func:`random_walk`."""
    z, sd = pt.as_tensor(z), pt.as_tensor(sd)
    steps = sd[..., None] * z
    zero = pt.zeros_like(steps[..., :1])
    walk = pt.concatenate([zero, pt.cumsum(steps, axis=-1)], axis=-1)
    if basis is not None:
        walk = pt.dot(walk, pt.as_tensor(np.asarray(basis).T))
    return walk - walk.mean(axis=-1, keepdims=True)
