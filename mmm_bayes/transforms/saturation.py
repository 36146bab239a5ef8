"""Diminishing returns (saturation): numpy references and PyTensor twins.

Inputs are non-negative (adstocked, scaled) spend; parameters broadcast against ``x.shape[:-1]``
after a new last axis is added for time, so one value per channel works for ``x`` of shape
``(n_channels, n_periods)``.
"""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
from pytensor.scalar import upcast


def _per_series(p):
    return np.asarray(p, dtype=float)[..., None]


def hill(x: np.ndarray, K: np.ndarray | float, S: np.ndarray | float) -> np.ndarray:
    """Hill curve ``x**S / (x**S + K**S)``: 0 at 0, 1/2 at ``x = K``, tends to 1.

    Written as ``1 / (1 + (K/x)**S)`` for numerical stability (Jin et al. 2017, Eq. 5).

    Parameters
    ----------
    x : ndarray, shape (..., n_periods)
        Non-negative input, time on the last axis.
    K : float or ndarray
        Half-saturation point, > 0, in the units of ``x``.
    S : float or ndarray
        Shape (slope), > 0; S <= 1 is concave everywhere, S > 1 is S-shaped.

    Examples
    --------
    >>> float(hill(np.array([2.0]), K=2.0, S=1.5)[0])
    0.5
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        ratio = np.where(x > 0, _per_series(K) / np.where(x > 0, x, 1.0), np.inf)
    return 1.0 / (1.0 + ratio ** _per_series(S))


def logistic_saturation(x: np.ndarray, lam: np.ndarray | float) -> np.ndarray:
    """Logistic saturation ``(1 - exp(-lam x)) / (1 + exp(-lam x)) = tanh(lam x / 2)``.

    0 at 0, concave, tends to 1; ``lam`` > 0 sets how fast (PyMC-Marketing's default curve).

    Parameters
    ----------
    x : ndarray, shape (..., n_periods)
        Non-negative input, time on the last axis.
    lam : float or ndarray
        Steepness, > 0, in inverse units of ``x``.
    """
    return np.tanh(_per_series(lam) * np.asarray(x, dtype=float) / 2.0)


# --- PyTensor twins -----------------------------------------------------------------------------


def hill_pt(x, K, S) -> pt.TensorVariable:
    """PyTensor twin of :func:`hill`; differentiable at ``x = 0`` for ``S >= 1``."""
    x, K, S = pt.as_tensor(x), pt.as_tensor(K), pt.as_tensor(S)
    # a Python float such as 0.5 becomes a float32 constant; take log(K) in x's precision
    dtype = upcast(x.dtype, K.dtype, S.dtype, pytensor.config.floatX)
    K, S = K.astype(dtype)[..., None], S.astype(dtype)[..., None]
    xs = pt.switch(x > 0, x, 1.0)
    return pt.switch(x > 0, 1.0 / (1.0 + pt.exp(S * (pt.log(K) - pt.log(xs)))), 0.0)


def logistic_saturation_pt(x, lam) -> pt.TensorVariable:
    """PyTensor twin of :func:`logistic_saturation`."""
    return pt.tanh(pt.as_tensor(lam)[..., None] * pt.as_tensor(x) / 2.0)
