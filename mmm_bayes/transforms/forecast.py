"""Smoothing of a past KPI forecast before it enters the model as a control (numpy only).

When budgets were set from a forecast of demand, the forecast is the path by which demand moved
spend (demand -> forecast -> spend); as a control it blocks that path. A raw forecast also
carries week-to-week noise and one-off spikes (a data error, a promotion planned and cancelled)
that stand for no demand. :func:`smooth_forecast` keeps its slow movements: spikes are replaced
by a smooth curve (a robust, MAD-based rule), then an FFT low-pass keeps cycles of at least
``cutoff_periods`` periods.

There is no PyTensor twin: the smoothing acts on data before the model is built, never on
sampled values.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fft_lowpass", "remove_spikes", "smooth_forecast"]

_MAD_TO_SD = 1.4826  # MAD of a normal distribution times this is its standard deviation


def fft_lowpass(x: np.ndarray, cutoff_periods: float) -> np.ndarray:
    """Keep the cycles of ``x`` at least ``cutoff_periods`` periods long (an ideal FFT low-pass).

    The straight line through the first and last values is removed, the rest mirrored to twice
    its length (so the series is continuous when the FFT wraps it around), frequencies above
    ``1 / cutoff_periods`` cycles per period set to zero, and the line added back. The mean and
    any linear trend pass unchanged; a sinusoid of period ``P`` passes if ``P >= cutoff_periods``
    and is removed if it is well below.

    Parameters
    ----------
    x : ndarray, shape (n_periods,)
        A finite series, e.g. a forecast per week.
    cutoff_periods : float
        Shortest cycle kept, in periods (> 2: a 2-period cycle is the fastest a series has).

    Returns
    -------
    ndarray, shape (n_periods,)
        The smoothed series.
    """
    x = np.asarray(x, dtype=float)
    if not cutoff_periods > 2:
        raise ValueError(f"cutoff_periods must be > 2 periods, got {cutoff_periods}")
    n = x.size
    if n < 3:
        return x.copy()
    line = np.linspace(x[0], x[-1], n)
    mirrored = np.concatenate([x - line, (x - line)[::-1]])
    spectrum = np.fft.rfft(mirrored)
    spectrum[np.fft.rfftfreq(2 * n) > 1.0 / cutoff_periods] = 0.0
    return np.fft.irfft(spectrum, 2 * n)[:n] + line


def _rolling_median(x: np.ndarray, window: int) -> np.ndarray:
    half = window // 2
    padded = np.pad(x, half, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), axis=-1)


def remove_spikes(
    x: np.ndarray, threshold: float, *, cutoff_periods: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Replace values far from a smooth reference curve by the curve.

    The reference is a 5-period rolling median (robust to the spikes themselves), low-passed
    at ``cutoff_periods`` if given. A value is a spike when its distance from the reference
    exceeds ``threshold`` robust standard deviations of all distances (1.4826 x their median
    absolute deviation).

    Parameters
    ----------
    x : ndarray, shape (n_periods,)
        A finite series.
    threshold : float
        Robust z-score above which a value is a spike (> 0; 4 flags about 1 in 16,000 values of
        Gaussian noise).
    cutoff_periods : float, optional
        Low-pass the reference at this cycle length (see :func:`fft_lowpass`).

    Returns
    -------
    cleaned : ndarray, shape (n_periods,)
        ``x`` with spikes replaced by the reference.
    spikes : ndarray of bool, shape (n_periods,)
        Where spikes were found.
    """
    x = np.asarray(x, dtype=float)
    if not threshold > 0:
        raise ValueError(f"threshold must be > 0 robust standard deviations, got {threshold}")
    reference = _rolling_median(x, 5)
    if cutoff_periods is not None:
        reference = fft_lowpass(reference, cutoff_periods)
    resid = x - reference
    scale = _MAD_TO_SD * np.median(np.abs(resid - np.median(resid)))
    if scale == 0:
        spikes = resid != np.median(resid)
    else:
        spikes = np.abs(resid - np.median(resid)) > threshold * scale
    return np.where(spikes, reference, x), spikes


def smooth_forecast(
    x: np.ndarray, *, cutoff_periods: float | None = 8.0, spike_threshold: float | None = 4.0
) -> np.ndarray:
    """Smooth a past forecast for use as a control: remove spikes, then keep slow cycles.

    Parameters
    ----------
    x : ndarray, shape (n_periods,)
        The forecast per period (finite).
    cutoff_periods : float or None, default 8.0
        Shortest cycle kept, in periods (see :func:`fft_lowpass`); None skips the low-pass.
    spike_threshold : float or None, default 4.0
        Robust z-score of a spike (see :func:`remove_spikes`); None keeps spikes.

    Returns
    -------
    ndarray, shape (n_periods,)

    Examples
    --------
    >>> t = np.arange(104)
    >>> x = 100 + 10 * np.sin(2 * np.pi * t / 52) + np.where(t == 30, 80.0, 0.0)
    >>> bool(abs(smooth_forecast(x)[30] - x[30] + 80) < 2)
    True
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or not np.all(np.isfinite(x)):
        raise ValueError("smooth_forecast needs a 1-d series of finite values")
    if spike_threshold is not None:
        x, _ = remove_spikes(x, spike_threshold, cutoff_periods=cutoff_periods)
    if cutoff_periods is not None:
        x = fft_lowpass(x, cutoff_periods)
    return x
