"""Figures of geo models and time-varying coefficients: ROAS per geo, coefficient paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from ._common import central_interval, posterior_mean, require_dims

__all__ = ["plot_geo_roas", "plot_time_varying"]


def plot_geo_roas(
    geo_roas: xr.DataArray,
    *,
    fig: Figure,
    national: xr.DataArray | None = None,
    interval: float = 0.9,
    kpi_label: str = "KPI",
    currency_label: str = "currency",
) -> Figure:
    """One panel per channel: each geo's posterior ROAS (mean and interval), national marked.

    Parameters
    ----------
    geo_roas : DataArray, dims (chain, draw, geo, channel)
        From :func:`mmm_bayes.analysis.geo.geo_roas`.
    fig : Figure
        Figure to draw on (one column of panels per channel).
    national : DataArray, dims (chain, draw, channel), optional
        National ROAS, drawn as a vertical line (mean) and band (interval) on each panel.
    """
    require_dims(geo_roas, ("geo", "channel"), "geo ROAS")
    channels = [str(c) for c in geo_roas["channel"].values]
    geos = [str(g) for g in geo_roas["geo"].values]
    axes = np.atleast_1d(fig.subplots(1, len(channels), sharey=True, squeeze=False)[0])
    mean = posterior_mean(geo_roas)
    lo, hi = central_interval(geo_roas, interval)
    y = np.arange(len(geos))[::-1]
    for ax, c in zip(axes, channels, strict=True):
        m, a, b = (v.sel(channel=c).to_numpy() for v in (mean, lo, hi))
        ax.hlines(y, a, b, color="C0", lw=1.5)
        ax.plot(m, y, "o", color="C0", ms=4)
        if national is not None:
            nm = float(posterior_mean(national).sel(channel=c))
            nl, nh = (float(v.sel(channel=c)) for v in central_interval(national, interval))
            ax.axvspan(nl, nh, color="C1", alpha=0.15, lw=0)
            ax.axvline(nm, color="C1", lw=1.2, label="national")
        ax.set_title(c)
        ax.set_xlabel(f"{kpi_label} per {currency_label}")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, geos, fontsize=7 if len(geos) > 30 else 9)
    if national is not None:
        axes[-1].legend(loc="lower right", fontsize=8)
    fig.suptitle(f"ROAS per geo (mean, {interval:.0%} interval)")
    return fig


def plot_time_varying(
    coef: xr.DataArray,
    *,
    fig: Figure,
    truth: dict[str, np.ndarray] | None = None,
    kpi_label: str = "KPI",
) -> Figure:
    """One panel per time-varying channel: the coefficient's median with 50% and 90% bands.

    Parameters
    ----------
    coef : DataArray, dims (chain, draw, date, channel)
        From :func:`mmm_bayes.analysis.time_varying.time_varying_coefficients`.
    fig : Figure
        Figure to draw on.
    truth : dict of str to ndarray, optional
        Known paths per channel (simulations), drawn dashed.
    """
    require_dims(coef, ("date", "channel"), "time-varying coefficients")
    channels = [str(c) for c in coef["channel"].values]
    axes = np.atleast_1d(fig.subplots(len(channels), 1, sharex=True, squeeze=False)[:, 0])
    dates = pd.DatetimeIndex(coef["date"].values)
    q = coef.quantile([0.05, 0.25, 0.5, 0.75, 0.95], dim=("chain", "draw"))
    for ax, c in zip(axes, channels, strict=True):
        v = q.sel(channel=c).transpose("quantile", "date").to_numpy()
        ax.fill_between(dates, v[0], v[4], color="C0", alpha=0.18, lw=0, label="90%")
        ax.fill_between(dates, v[1], v[3], color="C0", alpha=0.35, lw=0, label="50%")
        ax.plot(dates, v[2], color="C0", lw=1.5, label="median")
        if truth is not None and c in truth:
            ax.plot(dates, np.asarray(truth[c]), "k--", lw=1.2, label="truth")
        ax.set_title(c)
        ax.set_ylabel(f"{kpi_label} / period\nat mean spend")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left", fontsize=8, ncols=4)
    fig.suptitle("Time-varying media effect")
    return fig
