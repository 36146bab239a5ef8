"""Predictive-check figures: the observed KPI against predictive bands, and residuals over time."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from mmm_bayes.analysis.ppc import PredictiveCheck

from ._common import new_axes

_TITLES = {"posterior": "Posterior predictive check", "prior": "Prior predictive check"}


def plot_predictive_check(
    check: PredictiveCheck,
    *,
    ax: Axes | None = None,
    kpi_label: str = "KPI",
    title: str | None = None,
) -> Axes:
    """Draw the 90% and 50% predictive bands, the predictive median and the observed KPI.

    Observations outside the 90% band are drawn in red, so misfit periods stand out; the
    title gives the coverage of both bands.

    Parameters
    ----------
    check : PredictiveCheck
        From :func:`mmm_bayes.analysis.predictive_check` (prior or posterior).
    ax : Axes, optional
        Axes to draw on; a new figure is opened when omitted.
    kpi_label : str, default "KPI"
        Name of the KPI, for the y axis.
    title : str, optional
        Start of the title; default by ``check.kind``.

    Returns
    -------
    Axes
    """
    bands, y = check.bands, check.observed.to_numpy()
    x = bands.index
    ax = ax if ax is not None else new_axes((10.0, 4.0))
    ax.fill_between(
        x, bands["q05"], bands["q95"], color="C0", alpha=0.18, lw=0, label="90% predictive band"
    )
    ax.fill_between(
        x, bands["q25"], bands["q75"], color="C0", alpha=0.35, lw=0, label="50% predictive band"
    )
    ax.plot(x, bands["median"], color="C0", lw=1.2, label="predictive median")
    outside = (y < bands["q05"].to_numpy()) | (y > bands["q95"].to_numpy())
    ax.plot(x, y, color="black", lw=0.8, label="observed")
    ax.plot(x[~outside], y[~outside], "o", color="black", ms=2.5)
    ax.plot(x[outside], y[outside], "o", color="C3", ms=4, label="observed, outside 90% band")
    cov = ", ".join(f"{lvl:.0%} band covers {share:.0%}" for lvl, share in check.coverage.items())
    ax.set_title(f"{title or _TITLES[check.kind]}: {cov} of observations")
    ax.set_xlabel("date")
    ax.set_ylabel(kpi_label)
    ax.margins(x=0)
    ax.grid(alpha=0.3)
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize="small", ncols=5, frameon=False
    )
    return ax


def plot_residuals(residuals: pd.Series, *, ax: Axes | None = None, kpi_label: str = "KPI") -> Axes:
    """Residuals (observed minus posterior-mean fit) over time, with ±2 sd lines.

    Parameters
    ----------
    residuals : Series
        Indexed by date, KPI units.
    ax : Axes, optional
        Axes to draw on; a new figure is opened when omitted.
    kpi_label : str, default "KPI"
        Name of the KPI, for the y axis.

    Returns
    -------
    Axes
    """
    ax = ax if ax is not None else new_axes((10.0, 3.0))
    sd = float(np.nanstd(residuals.to_numpy(), ddof=1))
    ax.axhline(0.0, color="0.3", lw=0.8)
    for k in (-2, 2):
        ax.axhline(k * sd, color="0.5", lw=0.8, ls="--")
    ax.plot(residuals.index, residuals.to_numpy(), "o-", color="C2", ms=2.5, lw=0.8)
    ax.set_title("Residuals: observed minus posterior-mean fit (dashed: ±2 sd)")
    ax.set_xlabel("date")
    ax.set_ylabel(f"{kpi_label} residual")
    ax.margins(x=0)
    ax.grid(alpha=0.3)
    return ax
