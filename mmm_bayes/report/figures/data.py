"""Data overview: the KPI and each channel's spend over time."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ._common import new_figure


def plot_data_overview(
    kpi: pd.Series,
    spend: pd.DataFrame,
    *,
    fig: Figure | None = None,
    kpi_label: str = "KPI",
    currency_label: str = "currency",
) -> Figure:
    """Two panels over the same dates: the KPI (top) and spend per channel, stacked (bottom).

    Parameters
    ----------
    kpi : Series
        The KPI, indexed by date.
    spend : DataFrame
        Spend per channel (columns), indexed by the same dates.
    fig : Figure, optional
        An empty figure to draw into; a new one is opened when omitted.
    kpi_label, currency_label : str
        Names for the y axes.

    Returns
    -------
    Figure
    """
    fig = fig if fig is not None else new_figure((10.0, 5.0))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1, 1.2])
    top.plot(kpi.index, kpi.to_numpy(), color="black", lw=1)
    top.set_ylabel(kpi_label)
    top.set_title(f"{kpi_label} and media spend over time")
    top.grid(alpha=0.3)
    base = np.zeros(len(spend))
    for i, ch in enumerate(spend.columns):
        values = spend[ch].to_numpy(dtype=float)
        bottom.fill_between(
            spend.index, base, base + values, color=f"C{i % 10}", lw=0, label=str(ch)
        )
        base = base + values
    bottom.set_ylabel(f"spend ({currency_label}), stacked")
    bottom.set_xlabel("date")
    bottom.margins(x=0)
    bottom.grid(alpha=0.3)
    bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return fig
