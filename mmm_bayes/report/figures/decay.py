"""Adstock decay curves: the share of a period's spend felt at each lag, one panel per channel."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from ._common import central_interval, new_figure, posterior_mean, require_dims


def plot_adstock_decay(
    weights: xr.DataArray,
    *,
    fig: Figure | None = None,
    interval: float = 0.9,
    period: str = "periods",
    ncols: int = 5,
) -> Figure:
    """One panel per channel: posterior-mean adstock weight against lag, with its band.

    Panels share both axes, so channels compare at a glance.

    Parameters
    ----------
    weights : DataArray, dims (chain, draw, channel, lag)
        From :func:`mmm_bayes.analysis.adstock_decay`.
    fig : Figure, optional
        An empty figure to draw into; a new one is opened when omitted.
    interval : float, default 0.9
        Probability mass of the shaded band.
    period : str, default "periods"
        Name of one period, plural, for the x axis.
    ncols : int, default 5
        Most panels per row.

    Returns
    -------
    Figure
        One axes per channel, in ``weights.channel`` order.
    """
    require_dims(weights, ["channel", "lag"], "adstock weights")
    mean = posterior_mean(weights).transpose("channel", "lag").values
    lo, hi = (q.transpose("channel", "lag").values for q in central_interval(weights, interval))
    lag, channels = weights["lag"].values, [str(c) for c in weights["channel"].values]
    ncols = max(1, min(ncols, len(channels)))
    nrows = math.ceil(len(channels) / ncols)
    fig = fig if fig is not None else new_figure((2.4 * ncols, 0.6 + 2.4 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True).ravel()
    for extra in axes[len(channels) :]:
        fig.delaxes(extra)
    for i, (ax, ch) in enumerate(zip(axes, channels, strict=False)):
        color = f"C{i % 10}"
        ax.fill_between(lag, lo[i], hi[i], color=color, alpha=0.25, lw=0)
        ax.plot(lag, mean[i], "o-", color=color, ms=3)
        ax.set_title(ch)
        ax.grid(alpha=0.3)
        ax.set_xlabel(f"lag ({period})")
    axes[0].set_ylabel("share of the effect")
    axes[0].set_ylim(0, min(1.0, float(np.nanmax(hi)) * 1.05))
    fig.suptitle(
        f"Adstock decay: share of a period's effect felt k {period} later "
        f"(mean, {interval:.0%} band)"
    )
    return fig
