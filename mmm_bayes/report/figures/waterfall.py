"""Decomposition waterfall: each component's total contribution over the window."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from ._common import new_axes, posterior_mean, require_vars

_BASE = ("baseline", "trend", "seasonality")


def waterfall_totals(contributions: xr.Dataset) -> list[tuple[str, float]]:
    """Posterior-mean total of each component over the window, base first, then channels.

    Controls and channels are split into their members (each control, each channel); the
    channels are sorted largest first.
    """
    require_vars(contributions, ["baseline", "channels"], "plot_waterfall")
    out = [(n, float(posterior_mean(contributions[n]).sum())) for n in _BASE if n in contributions]
    for group in ("controls", "channels"):
        if group not in contributions:
            continue
        da = posterior_mean(contributions[group]).sum("date")
        dim = next(d for d in da.dims)
        items = [(str(c), float(v)) for c, v in zip(da[dim].values, da.values, strict=True)]
        if group == "channels":
            items.sort(key=lambda kv: -kv[1])
        out += items
    return out


def plot_waterfall(
    contributions: xr.Dataset, *, ax: Axes | None = None, kpi_label: str = "KPI"
) -> Axes:
    """Draw the fitted KPI total as a waterfall of components, each labelled with its share.

    Bars start where the previous one ended; base components are grey, controls purple,
    channels in the channel colours of the other figures; the last bar is the total.

    Parameters
    ----------
    contributions : Dataset
        From :func:`mmm_bayes.analysis.contributions`.
    ax : Axes, optional
        Axes to draw on; a new figure is opened when omitted.
    kpi_label : str, default "KPI"
        Name of the KPI.

    Returns
    -------
    Axes
    """
    totals = waterfall_totals(contributions)
    channels = [str(c) for c in contributions["channels"]["channel"].values]
    controls = []
    if "controls" in contributions:
        controls = [str(c) for c in contributions["controls"]["control"].values]
    grand = sum(v for _, v in totals)
    ax = ax if ax is not None else new_axes((10.0, 4.0))
    start = 0.0
    for i, (name, value) in enumerate(totals):
        if name in channels:
            color = f"C{channels.index(name) % 10}"
        else:
            color = "tab:purple" if name in controls else "0.6"
        ax.bar(i, value, bottom=start, color=color, width=0.7)
        share = round(value / grand, 3) + 0.0  # + 0.0 turns -0.0 into 0.0
        ax.text(
            i, start + max(value, 0), f"{share:.1%}", ha="center", va="bottom", fontsize="small"
        )
        start += value
    n = len(totals)
    ax.bar(n, grand, color="black", width=0.7)
    ax.text(n, grand, "100%", ha="center", va="bottom", fontsize="small")
    ax.set_xticks(
        np.arange(n + 1), [name for name, _ in totals] + ["total"], rotation=30, ha="right"
    )
    ax.set_ylabel(f"{kpi_label}, total over the window")
    ax.set_title(f"Decomposition of fitted {kpi_label} (posterior mean, share of total)")
    ax.grid(axis="y", alpha=0.3)
    return ax
