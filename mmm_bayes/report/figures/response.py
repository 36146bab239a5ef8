"""Response curves: incremental KPI against total spend, one panel per channel."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from mmm_bayes.errors import DataError

from ._common import central_interval, panel_axes, posterior_mean, require_dims, require_vars


def plot_response_curves(
    curves: xr.Dataset,
    *,
    current_multiplier: float | None = 1.0,
    interval: float = 0.9,
    fig: Figure | None = None,
    ncols: int = 3,
    kpi_label: str = "KPI",
    currency_label: str = "currency",
) -> Figure:
    """Plot each channel's incremental KPI against its total spend, with a marker at current spend.

    Parameters
    ----------
    curves : Dataset
        Response curves from the analysis layer, with coordinates ``channel`` and ``multiplier``
        (of the spend in the window): ``spend`` (channel, multiplier), total spend in currency
        units, and ``kpi`` (chain, draw, channel, multiplier), total incremental KPI.
    current_multiplier : float or None, default 1.0
        Multiplier of today's spend; the marker is placed there, interpolated linearly in
        ``multiplier`` when it falls between grid points. ``None`` draws no marker.
    interval : float, default 0.9
        Probability mass of the shaded central band.
    fig : Figure, optional
        An empty figure to draw into; a new one is opened when omitted.
    ncols : int, default 3
        Most panels per row.
    kpi_label, currency_label : str
        Names of the KPI and the currency, used in the axis labels.

    Returns
    -------
    Figure
        The figure, with exactly one axes per channel in ``curves.channel`` order.

    Raises
    ------
    DataError
        If ``spend`` or ``kpi`` is missing or has unexpected dims, or ``current_multiplier``
        lies outside the multiplier grid.
    """
    require_vars(curves, ["spend", "kpi"], "plot_response_curves")
    require_dims(curves["spend"], ["channel", "multiplier"], "response-curve 'spend'")
    require_dims(curves["kpi"], ["channel", "multiplier"], "response-curve 'kpi'")
    curves = curves.sortby("multiplier")
    grid = curves["multiplier"].values.astype(float)
    if current_multiplier is not None and not grid[0] <= current_multiplier <= grid[-1]:
        raise DataError(
            f"current_multiplier={current_multiplier} is outside the response-curve grid "
            f"[{grid[0]:g}, {grid[-1]:g}]; widen the multipliers or pass one inside them."
        )
    order = ("channel", "multiplier")
    spend = curves["spend"].transpose(*order).values
    mean = posterior_mean(curves["kpi"]).transpose(*order).values
    lo, hi = (q.transpose(*order).values for q in central_interval(curves["kpi"], interval))

    channels = [str(c) for c in curves["channel"].values]
    if not channels:
        raise DataError("plot_response_curves: the response curves have no channels.")
    fig, axes = panel_axes(fig, len(channels), ncols, (4.0, 3.2))
    for i, (ax, channel) in enumerate(zip(axes, channels, strict=True)):
        ax.fill_between(
            spend[i],
            lo[i],
            hi[i],
            color="C0",
            alpha=0.25,
            linewidth=0,
            label=f"{interval:.0%} interval",
        )
        ax.plot(spend[i], mean[i], color="C0", label="posterior mean")
        if current_multiplier is not None:
            x = np.interp(current_multiplier, grid, spend[i])
            y = np.interp(current_multiplier, grid, mean[i])
            ax.plot(
                [x],
                [y],
                "o",
                color="C3",
                zorder=3,
                label=f"current spend (x{current_multiplier:g})",
            )
        ax.set_title(channel)
        ax.set_xlabel(f"spend ({currency_label})")
        ax.set_ylabel(f"incremental {kpi_label}")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="best", fontsize="small")
    return fig
