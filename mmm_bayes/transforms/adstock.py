"""Carryover (adstock): numpy references and PyTensor twins.

Every function takes ``x`` with time on the **last** axis, shape ``(..., n_periods)``, and
parameters that broadcast against ``x.shape[:-1]`` (one value per channel, or per posterior draw
and channel). Periods before the first one are taken as zero spend. The PyTensor twins loop over
lags (at most ``l_max``, a small constant), never over dates.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt


def _lags(l_max: int) -> np.ndarray:
    if int(l_max) != l_max or l_max < 1:
        raise ValueError(f"l_max must be a positive integer, got {l_max!r}")
    return np.arange(int(l_max), dtype=float)


def geometric_weights(
    alpha: np.ndarray | float, l_max: int, *, normalize: bool = True
) -> np.ndarray:
    """Weights ``alpha**lag`` for lag = 0 .. l_max-1 (Jin et al. 2017, Eq. 1), on a new last axis.

    Parameters
    ----------
    alpha : float or ndarray
        Retention per period, in [0, 1).
    l_max : int
        Longest carryover, in periods.
    normalize : bool, default True
        Scale the weights to sum to one.
    """
    w = np.asarray(alpha, dtype=float)[..., None] ** _lags(l_max)
    return w / w.sum(axis=-1, keepdims=True) if normalize else w


def delayed_weights(
    alpha: np.ndarray | float, theta: np.ndarray | float, l_max: int, *, normalize: bool = True
) -> np.ndarray:
    """Weights ``alpha**((lag - theta)**2)`` peaking at lag ``theta`` (Jin et al. 2017, Eq. 3)."""
    alpha = np.asarray(alpha, dtype=float)[..., None]
    theta = np.asarray(theta, dtype=float)[..., None]
    w = alpha ** ((_lags(l_max) - theta) ** 2)
    return w / w.sum(axis=-1, keepdims=True) if normalize else w


def convolve_weights(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Apply lag weights ``w`` (shape ``(..., l_max)``) to ``x`` (shape ``(..., n_periods)``).

    ``out[..., t] = sum_lag w[..., lag] * x[..., t - lag]``, with ``x`` zero before period 0.
    """
    x = np.asarray(x, dtype=float)
    shape = (*np.broadcast_shapes(x.shape[:-1], w.shape[:-1]), x.shape[-1])
    out, n = np.zeros(shape), x.shape[-1]
    for lag in range(min(w.shape[-1], n)):
        out[..., lag:] += w[..., lag : lag + 1] * x[..., : n - lag]
    return out


def geometric_adstock(
    x: np.ndarray, alpha: np.ndarray | float, l_max: int, *, normalize: bool = True
) -> np.ndarray:
    """Carry spend forward with weights ``alpha**lag``, lag < l_max (Jin et al. 2017, Eq. 1-2).

    Parameters
    ----------
    x : ndarray, shape (..., n_periods)
        Spend or exposure, time on the last axis.
    alpha : float or ndarray
        Retention per period in [0, 1), broadcasting against ``x.shape[:-1]``.
    l_max : int
        Longest carryover, in periods.
    normalize : bool, default True
        Weights sum to one, so the result is a weighted average of recent spend.

    Returns
    -------
    ndarray
        Adstocked series, shape ``broadcast(x.shape[:-1], alpha.shape) + (n_periods,)``.

    Examples
    --------
    >>> geometric_adstock(np.array([1.0, 0.0, 0.0]), 0.5, l_max=3, normalize=False)
    array([1.  , 0.5 , 0.25])
    """
    return convolve_weights(x, geometric_weights(alpha, l_max, normalize=normalize))


def delayed_adstock(
    x: np.ndarray,
    alpha: np.ndarray | float,
    theta: np.ndarray | float,
    l_max: int,
    *,
    normalize: bool = True,
) -> np.ndarray:
    """Carryover whose effect peaks ``theta`` periods after spend (Jin et al. 2017, Eq. 3).

    Weights are ``alpha**((lag - theta)**2)`` for lag < l_max; ``theta = 0`` gives a decay like
    geometric adstock but with squared lags.

    Parameters
    ----------
    x : ndarray, shape (..., n_periods)
        Spend or exposure, time on the last axis.
    alpha : float or ndarray
        Retention in (0, 1).
    theta : float or ndarray
        Delay of the peak effect, in periods, in [0, l_max - 1].
    l_max : int
        Longest carryover, in periods.
    normalize : bool, default True
        Weights sum to one.
    """
    return convolve_weights(x, delayed_weights(alpha, theta, l_max, normalize=normalize))


def lag_stack(x: np.ndarray, l_max: int) -> np.ndarray:
    """Stack lagged copies of ``x``: ``out[..., t, lag] = x[..., t - lag]`` (zero before period 0).

    Parameters
    ----------
    x : ndarray, shape (..., n_periods)
        Spend or exposure, time on the last axis.
    l_max : int
        Number of lags, 0 .. l_max-1.

    Returns
    -------
    ndarray, shape (..., n_periods, l_max)
        ``convolve_weights(x, w) == (lag_stack(x, l_max) * w[..., None, :]).sum(-1)``.
    """
    x = np.asarray(x, dtype=float)
    out = np.zeros((*x.shape, len(_lags(l_max))))
    n = x.shape[-1]
    for lag in range(min(int(l_max), n)):
        out[..., lag:, lag] = x[..., : n - lag]
    return out


# --- PyTensor twins -----------------------------------------------------------------------------


def _lags_pt(l_max: int) -> pt.TensorVariable:
    return pt.as_tensor(_lags(l_max))


def convolve_weights_pt(x, w) -> pt.TensorVariable:
    """PyTensor twin of :func:`convolve_weights`: ``l_max`` shifted, weighted copies of ``x``."""
    x = pt.as_tensor(x)
    w = pt.as_tensor(w)
    n_lags = w.type.shape[-1]
    if n_lags is None:
        raise ValueError("the lag axis of the weights must have a static length")
    out = w[..., 0:1] * x
    for lag in range(1, n_lags):
        pad = pt.zeros_like(x[..., :lag])
        shifted = pt.concatenate([pad, x[..., :-lag]], axis=-1)
        out = out + w[..., lag : lag + 1] * shifted
    return out


def apply_lag_weights_pt(x_lagged, w) -> pt.TensorVariable:
    """Adstock from pre-shifted data: ``(x_lagged * w[..., None, :]).sum(-1)``.

    ``x_lagged`` is :func:`lag_stack`'s output, shape ``(..., n_periods, l_max)``; ``w`` has
    shape ``(..., l_max)``. Same result as :func:`convolve_weights_pt` on the unshifted series.
    """
    return (pt.as_tensor(x_lagged) * pt.as_tensor(w)[..., None, :]).sum(axis=-1)


def geometric_weights_pt(alpha, l_max: int, *, normalize: bool = True) -> pt.TensorVariable:
    """PyTensor twin of :func:`geometric_weights`."""
    alpha = pt.as_tensor(alpha)[..., None]
    # lag 0 is a constant 1: alpha**0 would give the gradient 0 * alpha**-1 = NaN at alpha = 0
    w = pt.concatenate([pt.ones_like(alpha), alpha ** _lags_pt(l_max)[1:]], axis=-1)
    w = pt.specify_shape(w, (*([None] * (w.ndim - 1)), int(l_max)))
    return w / w.sum(axis=-1, keepdims=True) if normalize else w


def delayed_weights_pt(alpha, theta, l_max: int, *, normalize: bool = True) -> pt.TensorVariable:
    """PyTensor twin of :func:`delayed_weights`."""
    alpha = pt.as_tensor(alpha)[..., None]
    theta = pt.as_tensor(theta)[..., None]
    w = alpha ** ((_lags_pt(l_max) - theta) ** 2)
    w = pt.specify_shape(w, (*([None] * (w.ndim - 1)), int(l_max)))
    return w / w.sum(axis=-1, keepdims=True) if normalize else w


def geometric_adstock_pt(x, alpha, l_max: int, *, normalize: bool = True) -> pt.TensorVariable:
    """PyTensor twin of :func:`geometric_adstock` (same arguments, same result)."""
    return convolve_weights_pt(x, geometric_weights_pt(alpha, l_max, normalize=normalize))


def delayed_adstock_pt(x, alpha, theta, l_max: int, *, normalize: bool = True) -> pt.TensorVariable:
    """PyTensor twin of :func:`delayed_adstock` (same arguments, same result)."""
    return convolve_weights_pt(x, delayed_weights_pt(alpha, theta, l_max, normalize=normalize))
