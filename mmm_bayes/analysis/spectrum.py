"""Residual spectrum: a periodogram of the residuals that flags leftover periodic structure.

A model that captured every cycle leaves residuals with a flat spectrum (white noise). A peak
at a period means a cycle the model missed: a yearly season with too few Fourier terms, a
quarterly pattern, a weekly cycle in daily data. Peaks are tested with Fisher's g test
(Fisher 1929), applied in turn to the largest remaining ordinate (Whittle 1952), so at most a
few strong peaks are reported, each with a p-value under the white-noise hypothesis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm_bayes.errors import DataError

__all__ = [
    "ResidualSpectrum",
    "fisher_g_critical",
    "fisher_g_pvalue",
    "period_of",
    "periodogram",
    "residual_spectrum",
]

#: A peak is flagged when Fisher's g test rejects white noise at this level.
ALPHA = 0.01
#: Named cycles (days) and the tolerance (relative) within which a period is given that name.
_CYCLES = {
    "weekly": 7.0,
    "monthly": 30.44,
    "quarterly": 91.31,
    "half-yearly": 182.6,
    "yearly": 365.25,
}
_TOLERANCE = 0.12


def period_of(dates: pd.DatetimeIndex) -> tuple[float, str]:
    """Length of one period of ``dates`` in days (the median gap) and its plural name.

    Examples
    --------
    >>> period_of(pd.date_range("2024-01-01", periods=5, freq="W-MON"))
    (7.0, 'weeks')
    """
    days = float(np.median(np.diff(dates.values).astype("timedelta64[s]").astype(float))) / 86400
    names = {1.0: "days", 7.0: "weeks", 30.44: "months", 91.31: "quarters"}
    best = min(names, key=lambda d: abs(np.log(days / d)))
    return days, names[best] if abs(np.log(days / best)) < 0.15 else "periods"


def periodogram(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Periodogram of a series after removing its mean, by FFT.

    ``I_k = |sum_t (x_t - mean) exp(-2 pi i k t / n)|² / n`` at frequencies ``k / n`` (cycles
    per period), ``k = 1 .. floor(n / 2)``; the zero frequency (the mean) is left out. With
    this scaling the ordinates of white noise of variance s² average s², and each ordinate
    but the Nyquist one is ``s² * Exp(1)``.

    Parameters
    ----------
    x : ndarray, shape (n,)
        Evenly spaced values, n >= 4, no missing values.

    Returns
    -------
    frequency : ndarray
        Cycles per period.
    power : ndarray
        Periodogram ordinates, in squared units of ``x``.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 4 or not np.all(np.isfinite(x)):
        raise DataError(
            f"the residual spectrum needs at least 4 finite values in one series; got shape "
            f"{x.shape} with {int(np.sum(~np.isfinite(x)))} missing."
        )
    n = x.size
    power = np.abs(np.fft.rfft(x - x.mean())) ** 2 / n
    return np.arange(1, n // 2 + 1) / n, power[1:]


def fisher_g_pvalue(g: float, m: int) -> float:
    """P-value of Fisher's g = max ordinate / sum of ``m`` ordinates under white noise.

    ``P(G > g) = sum_{j=1}^{floor(1/g)} (-1)^(j-1) C(m, j) (1 - j g)^(m-1)`` (Fisher 1929).
    """
    if not 0.0 < g <= 1.0 or m < 2:
        return 1.0
    total = 0.0
    for j in range(1, min(int(1.0 / g), m) + 1):
        total += (-1) ** (j - 1) * math.comb(m, j) * (1.0 - j * g) ** (m - 1)
    return float(min(max(total, 0.0), 1.0))


def fisher_g_critical(m: int, alpha: float = ALPHA) -> float:
    """Return the g at which :func:`fisher_g_pvalue` equals ``alpha`` (by bisection)."""
    lo, hi = 1.0 / m, 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if fisher_g_pvalue(mid, m) > alpha else (lo, mid)
    return hi


@dataclass(frozen=True)
class ResidualSpectrum:
    """The periodogram of the residuals and the periodic peaks it flags.

    Attributes
    ----------
    table : DataFrame
        One row per frequency: ``frequency`` (cycles per period), ``period`` (periods per
        cycle), ``period_days``, ``power`` and ``share`` (of the residual variance).
    peaks : DataFrame
        The flagged peaks, strongest first: ``period``, ``period_days``, ``share``,
        ``p_value`` and ``cycle`` (a name such as ``"yearly"`` when the period is close to
        one, else ``""``).
    period_label : str
        The unit of ``period`` (e.g. ``"weeks"``).
    threshold : float
        Power above which the largest ordinate is flagged by the first test.
    """

    table: pd.DataFrame
    peaks: pd.DataFrame
    period_label: str
    threshold: float = float("nan")

    @property
    def verdict(self) -> str:
        """A plain sentence naming the periodic structure left in the residuals, if any."""
        if self.peaks.empty:
            return (
                "No periodic structure is left in the residuals: no peak of the periodogram "
                f"stands out from white noise (Fisher's g test at {ALPHA:.0%})."
            )
        parts = []
        for _, row in self.peaks.iterrows():
            name = f", {row['cycle']}" if row["cycle"] else ""
            parts.append(
                f"every {row['period']:.1f} {self.period_label} ({row['period_days']:.0f} "
                f"days{name}) holding {row['share']:.0%} of the residual variance"
            )
        return (
            "The residuals still cycle: "
            + "; ".join(parts)
            + ". Add that cycle to the model (more Fourier terms, or a control that carries "
            "it) or check the data for a calendar effect."
        )

    def to_dict(self) -> dict:
        """Return the flagged peaks and the verdict as plain data (for JSON)."""
        return {"peaks": self.peaks.to_dict(orient="records"), "verdict": self.verdict}


def _cycle_name(days: float) -> str:
    for name, length in _CYCLES.items():
        if abs(days - length) <= _TOLERANCE * length:
            return name
    return ""


def residual_spectrum(
    residuals: np.ndarray | pd.Series,
    *,
    period_days: float,
    period_label: str = "periods",
    alpha: float = ALPHA,
    max_peaks: int = 3,
) -> ResidualSpectrum:
    """Periodogram of the residuals with the peaks that stand out from white noise.

    Fisher's g test is applied to the largest ordinate among the ``m`` Fourier frequencies
    strictly between 0 and the Nyquist frequency; when it rejects at ``alpha``, the peak is
    flagged, removed and the test repeated on the rest (at most ``max_peaks`` times).

    Parameters
    ----------
    residuals : ndarray or Series, shape (n,)
        Observed minus fitted KPI, evenly spaced in time.
    period_days : float
        Length of one period in days (7 for weekly data), to express periods in days and
        name the cycles (weekly, monthly, quarterly, half-yearly, yearly).
    period_label : str, default "periods"
        Name of one period, plural, for the verdict (``"weeks"``).
    alpha : float, default 0.01
        Level of each test.
    max_peaks : int, default 3
        Most peaks reported.

    Returns
    -------
    ResidualSpectrum
    """
    freq, power = periodogram(np.asarray(residuals, dtype=float))
    period = 1.0 / freq
    table = pd.DataFrame(
        {
            "frequency": freq,
            "period": period,
            "period_days": period * period_days,
            "power": power,
            "share": power / power.sum() if power.sum() > 0 else np.zeros_like(power),
        }
    )
    # the Nyquist ordinate (n even) is chi-square with 1 dof, not 2: keep it out of the test
    testable = list(np.flatnonzero(~np.isclose(freq, 0.5)))
    total = float(power[testable].sum())
    threshold = fisher_g_critical(len(testable), alpha) * total if len(testable) > 1 else np.inf
    peaks = []
    while testable and len(peaks) < max_peaks:
        values = power[testable]
        if values.sum() <= 0:
            break
        i = int(np.argmax(values))
        p = fisher_g_pvalue(float(values[i] / values.sum()), len(values))
        if p >= alpha:
            break
        k = testable.pop(i)
        row = table.iloc[k]
        peaks.append(
            {
                "period": row["period"],
                "period_days": row["period_days"],
                "share": row["share"],
                "p_value": p,
                "cycle": _cycle_name(float(row["period_days"])),
            }
        )
    columns = ["period", "period_days", "share", "p_value", "cycle"]
    return ResidualSpectrum(table, pd.DataFrame(peaks, columns=columns), period_label, threshold)
