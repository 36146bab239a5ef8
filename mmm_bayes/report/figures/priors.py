"""Prior against posterior per parameter: 90% intervals side by side, one panel per variable."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mmm_bayes.errors import DataError

from ._common import new_figure

_COLUMNS = (
    "parameter",
    "variable",
    "prior_q05",
    "prior_q95",
    "posterior_q05",
    "posterior_q95",
    "posterior_mean",
    "verdict",
)


def plot_prior_posterior(
    table: pd.DataFrame, *, fig: Figure | None = None, ncols: int = 3
) -> Figure:
    """For every parameter element, the prior's 90% interval (grey) and the posterior's (blue).

    A blue bar much shorter than its grey bar is a parameter the data pinned down; a blue bar
    as long as the grey one is prior-dominated (its label is marked ``*``); a blue bar outside
    the grey one means the prior was misplaced (marked ``!``).

    Parameters
    ----------
    table : DataFrame
        From :func:`mmm_bayes.analysis.prior_posterior_table`.
    fig : Figure, optional
        An empty figure to draw into; a new one is opened when omitted.
    ncols : int, default 3
        Panels per row.

    Returns
    -------
    Figure
        One axes per variable, in the table's order.
    """
    missing = [c for c in _COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"plot_prior_posterior: the table lacks column(s) {missing}.")
    variables = list(dict.fromkeys(table["variable"]))
    ncols = max(1, min(ncols, len(variables)))
    nrows = math.ceil(len(variables) / ncols)
    if fig is None:
        fig = new_figure((4.2 * ncols, 0.6 + 1.9 * nrows))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False).ravel())
    for extra in axes[len(variables) :]:
        fig.delaxes(extra)
    marks = {"prior-dominated": " *", "prior misplaced": " !", "learned": ""}
    for ax, var in zip(axes, variables, strict=False):
        rows = table[table["variable"] == var]
        y = np.arange(len(rows))
        ax.hlines(y, rows["prior_q05"], rows["prior_q95"], color="0.75", lw=7, label="prior 90%")
        ax.hlines(
            y, rows["posterior_q05"], rows["posterior_q95"], color="C0", lw=3, label="posterior 90%"
        )
        ax.plot(rows["posterior_mean"], y, "o", color="C0", ms=4)
        labels = [p.split("[", 1)[1].rstrip("]") if "[" in p else p for p in rows["parameter"]]
        ax.set_yticks(
            y, [lab + marks.get(v, "") for lab, v in zip(labels, rows["verdict"], strict=True)]
        )
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_title(var, fontsize="medium")
        ax.tick_params(labelsize="small")
        ax.grid(axis="x", alpha=0.3)
    axes[0].legend(fontsize="x-small", loc="best")
    fig.suptitle(
        "Prior (grey) vs posterior (blue), 90% intervals;  * prior-dominated,  ! prior misplaced"
    )
    return fig
