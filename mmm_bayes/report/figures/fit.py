"""Fit plot: observed KPI against the posterior predictive mean and band, with R² and MAPE."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes

from mmm_bayes.errors import DataError

from ._common import central_interval, new_axes, observed_on, posterior_mean, require_dims


def plot_fit(
    observed: pd.Series | xr.DataArray,
    predictive: xr.DataArray,
    *,
    ax: Axes | None = None,
    interval: float = 0.9,
    kpi_label: str = "KPI",
    title: str = "Posterior predictive fit",
) -> Axes:
    """Plot the observed KPI over the posterior predictive mean and central band.

    The title reports two scores of the predictive mean against the observations:
    R² = 1 - SS_res / SS_tot, and MAPE = mean(|y - ŷ| / |y|) over dates where y is not zero.
    Dates with a missing observation are left out of both.

    Parameters
    ----------
    observed : Series or DataArray
        Observed KPI, 1-d over date; aligned to ``predictive.date`` by label when indexed by
        dates, else taken in order.
    predictive : DataArray, dims (chain, draw, date)
        Posterior predictive draws in KPI units.
    ax : Axes, optional
        Axes to draw on; a new figure is opened when omitted.
    interval : float, default 0.9
        Probability mass of the shaded central band.
    kpi_label : str, default "KPI"
        Name of the KPI, used in the y-axis label.
    title : str, default "Posterior predictive fit"
        Start of the title; the scores are appended.

    Returns
    -------
    Axes
        The axes drawn on.

    Raises
    ------
    DataError
        If ``predictive`` has dims other than (chain, draw, date), or ``observed`` cannot be
        lined up with its dates.
    """
    require_dims(predictive, ["date"], "posterior predictive")
    if "date" in predictive.indexes:
        dates = predictive.indexes["date"]
    else:
        dates = pd.RangeIndex(predictive.sizes["date"])
    y = observed_on(observed, dates, "plot_fit")
    mean = posterior_mean(predictive).transpose("date").values
    lo, hi = (q.transpose("date").values for q in central_interval(predictive, interval))

    ax = ax if ax is not None else new_axes((10.0, 4.0))
    ax.fill_between(
        dates,
        lo,
        hi,
        color="C0",
        alpha=0.25,
        linewidth=0,
        label=f"{interval:.0%} predictive interval",
    )
    ax.plot(dates, mean, color="C0", linewidth=1.5, label="predictive mean")
    ax.plot(dates, y, "o-", color="black", markersize=2.5, linewidth=0.8, label="observed")
    r2, mape = fit_scores(y, mean)
    ax.set_title(f"{title}: R² = {r2:.3f}, MAPE = {mape:.1%}")
    ax.set_xlabel("date")
    ax.set_ylabel(kpi_label)
    ax.margins(x=0)
    ax.legend(loc="best", fontsize="small")
    return ax


def fit_scores(observed: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    """Return R² and MAPE of ``predicted`` against ``observed``, skipping missing observations.

    Parameters
    ----------
    observed, predicted : ndarray, shape (n_dates,)
        Observed KPI (NaN where missing) and a point prediction of it.

    Returns
    -------
    r2 : float
        ``1 - sum((y - ŷ)²) / sum((y - mean(y))²)``; NaN when the observations are constant.
    mape : float
        ``mean(|y - ŷ| / |y|)`` as a fraction, over observations that are not zero; NaN if
        every observation is zero.
    """
    observed, predicted = np.asarray(observed, float), np.asarray(predicted, float)
    ok = np.isfinite(observed)
    if not ok.any():
        raise DataError("plot_fit: every observed KPI value is missing; nothing to score.")
    y, yhat = observed[ok], predicted[ok]
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum((y - yhat) ** 2)) / ss_tot if ss_tot > 0 else float("nan")
    nz = y != 0
    mape = float(np.mean(np.abs(y[nz] - yhat[nz]) / np.abs(y[nz]))) if nz.any() else float("nan")
    return r2, mape
