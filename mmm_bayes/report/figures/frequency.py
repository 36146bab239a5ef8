"""Reach-and-frequency channels: ROAS against the frequency bought, one panel per channel."""

from __future__ import annotations

import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from mmm_bayes.errors import DataError

from ._common import central_interval, panel_axes, posterior_mean, require_dims


def plot_frequency_response(
    response: xr.DataArray,
    *,
    optimal: pd.DataFrame | None = None,
    interval: float = 0.9,
    fig: Figure | None = None,
    ncols: int = 3,
    kpi_label: str = "KPI",
    currency_label: str = "currency",
) -> Figure:
    """Plot each R&F channel's ROAS against the frequency its budget buys, with a band.

    Parameters
    ----------
    response : DataArray
        :func:`mmm_bayes.analysis.reach_frequency.frequency_response`: dims (chain, draw,
        channel, point) with the coordinate ``frequency`` (channel, point).
    optimal : DataFrame, optional
        :func:`~mmm_bayes.analysis.reach_frequency.optimal_frequency`'s table: marks the
        observed range (shaded), the mean frequency and the optimal one.
    interval : float, default 0.9
        Probability mass of the band.
    fig : Figure, optional
        An empty figure to draw into.
    ncols : int, default 3
        Most panels per row.
    kpi_label, currency_label : str
        Names of the KPI and the currency, for the axis label.

    Returns
    -------
    Figure
        One axes per channel, in ``response.channel`` order.
    """
    require_dims(response, ["channel", "point"], "frequency response")
    channels = [str(c) for c in response["channel"].values]
    if not channels:
        raise DataError("plot_frequency_response: no reach-and-frequency channels.")
    mean = posterior_mean(response).transpose("channel", "point").values
    lo, hi = (q.transpose("channel", "point").values for q in central_interval(response, interval))
    freq = response["frequency"].transpose("channel", "point").values
    fig, axes = panel_axes(fig, len(channels), ncols, (4.2, 3.2))
    for i, (ax, ch) in enumerate(zip(axes, channels, strict=True)):
        ax.fill_between(freq[i], lo[i], hi[i], color="C0", alpha=0.25, linewidth=0,
                        label=f"{interval:.0%} interval")  # fmt: skip
        ax.plot(freq[i], mean[i], color="C0", label="posterior mean")
        if optimal is not None and ch in optimal.index:
            row = optimal.loc[ch]
            ax.axvspan(row["min_seen"], row["max_seen"], color="0.85", zorder=0,
                       label="frequencies in the data")  # fmt: skip
            ax.axvline(row["mean_frequency"], color="0.4", linestyle=":", label="mean frequency")
            ax.axvline(row["optimal_frequency"], color="C3", linestyle="--",
                       label=f"optimal ({row['optimal_frequency']:.2f})")  # fmt: skip
        ax.set_title(ch)
        ax.set_xlabel("frequency (impressions per person reached)")
        ax.set_ylabel(f"ROAS ({kpi_label} per {currency_label})")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="best", fontsize="small")
    return fig
