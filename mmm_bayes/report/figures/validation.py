"""Validation figures: holdout predictions against the observed KPI, and ROAS by time window."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from mmm_bayes.analysis.stability import StabilityResult
from mmm_bayes.analysis.validation import ValidationResult

from ._common import new_axes


def plot_holdout(
    result: ValidationResult,
    observed: pd.Series,
    *,
    ax: Axes | None = None,
    kpi_label: str = "KPI",
    context: int = 3,
) -> Axes:
    """Plot the observed KPI with each fold's out-of-sample 50% and 90% bands.

    A dotted vertical line marks each fold's forecast origin (the last training period).

    Parameters
    ----------
    result : ValidationResult
        From ``MMM.validate``.
    observed : Series
        The observed KPI over every date, indexed by date.
    ax : Axes, optional
        Axes to draw on; a new figure is opened when omitted.
    kpi_label : str, default "KPI"
        Name of the KPI.
    context : int, default 3
        The plot starts ``context`` holdout lengths before the first test window.

    Returns
    -------
    Axes
    """
    ax = ax if ax is not None else new_axes((10.0, 4.0))
    first = min(f.test_start for f in result.folds)
    start = observed.index.searchsorted(first) - context * result.holdout
    observed = observed.iloc[max(start, 0) :]
    ax.plot(
        observed.index, observed.to_numpy(), "o-", color="black", lw=0.9, ms=2.5, label="observed"
    )
    for f in result.folds:
        p, color = f.predictions, f"C{(f.fold + 1) % 10}"
        ax.fill_between(p.index, p["q05"], p["q95"], color=color, alpha=0.2, lw=0)
        ax.fill_between(p.index, p["q25"], p["q75"], color=color, alpha=0.4, lw=0)
        ax.plot(
            p.index,
            p["mean"],
            color=color,
            lw=1.4,
            label=f"fold {f.fold}: MAPE {f.metrics['mape']:.1%}, "
            f"90% coverage {f.metrics['coverage_90']:.0%}",
        )
        ax.axvline(f.train_end, color=color, ls=":", lw=1)
    ax.set_title(
        f"Out-of-sample check: each fold refitted without its last {result.holdout} periods "
        "(bands 50% / 90%)"
    )
    ax.set_xlabel("date")
    ax.set_ylabel(kpi_label)
    ax.margins(x=0)
    ax.grid(alpha=0.3)
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize="small", ncols=3, frameon=False
    )
    return ax


def plot_stability(
    result: StabilityResult,
    *,
    ax: Axes | None = None,
    kpi_label: str = "KPI",
    currency_label: str = "currency",
) -> Axes:
    """ROAS per channel from each window's fit, side by side; disagreeing channels in red.

    Parameters
    ----------
    result : StabilityResult
        From ``MMM.stability``.
    ax : Axes, optional
        Axes to draw on; a new figure is opened when omitted.
    kpi_label, currency_label : str
        Names for the x axis.

    Returns
    -------
    Axes
    """
    s = result.summary
    channels = list(dict.fromkeys(s["channel"]))
    windows = list(dict.fromkeys(s["window"]))
    ax = ax if ax is not None else new_axes((8.0, 1.2 + 0.6 * len(channels)))
    offsets = np.linspace(-0.25, 0.25, len(windows)) if len(windows) > 1 else np.zeros(1)
    for j, window in enumerate(windows):
        rows = s[s["window"] == window].set_index("channel").loc[channels]
        y = np.arange(len(channels)) + offsets[j]
        ax.hlines(y, rows["q05"], rows["q95"], color=f"C{j}", lw=2.5)
        ax.plot(rows["mean"], y, "o", color=f"C{j}", ms=6, label=window)
    ax.set_yticks(np.arange(len(channels)), channels)
    for label in ax.get_yticklabels():
        if label.get_text() in result.flagged:
            label.set_color("C3")
            label.set_fontweight("bold")
    ax.set_ylim(len(channels) - 0.5, -0.5)
    ax.axvline(1.0, color="0.35", ls="--", lw=1)
    ax.set_xlabel(f"ROAS ({kpi_label} per {currency_label}), 90% intervals")
    ax.set_title("ROAS by time window (channels in red disagree between windows)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize="small", title="window", loc="best")
    return ax
