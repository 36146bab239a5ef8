"""Figures of the statistical validation: ROAS recovery across seeds, and SBC rank histograms."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

#: The model made for a scenario in blue, its comparison (the tempting simpler choice) in red.
_SPEC_COLORS = {
    **dict.fromkeys(("right", "geo_model", "time_varying", "lift"), "#1f77b4"),
    **dict.fromkeys(("wrong", "national_sums", "constant", "no_lift"), "#d62728"),
}


def plot_recovery(rows: pd.DataFrame, *, title: str = "") -> Figure:
    """Estimated over true ROAS per fit: one panel per channel, one interval per seed and spec.

    Parameters
    ----------
    rows : DataFrame
        Rows of :func:`mmm_bayes.validation.fit_scenario`: ``channel, seed, spec, true, mean,
        q05, q25, q75, q95``. Intervals are drawn divided by the true ROAS, so 1 is the truth.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Thick bars are the 50% intervals, thin bars the 90% intervals, dots the means.
    """
    channels = list(dict.fromkeys(rows["channel"]))
    specs = list(dict.fromkeys(rows["spec"]))
    fig = Figure(figsize=(3.2 * len(channels), 3.4), layout="constrained")
    axes = fig.subplots(1, len(channels), sharey=True, squeeze=False)[0]
    for ax, channel in zip(axes, channels, strict=True):
        sub = rows[rows["channel"] == channel]
        seeds = sorted(sub["seed"].unique())
        for k, spec in enumerate(specs):
            part = sub[sub["spec"] == spec].set_index("seed").reindex(seeds)
            x = np.arange(len(seeds)) + (k - (len(specs) - 1) / 2) * 0.3
            t = part["true"].to_numpy()
            color = _SPEC_COLORS.get(spec, f"C{k}")
            ax.vlines(x, part["q05"] / t, part["q95"] / t, color=color, lw=1)
            ax.vlines(x, part["q25"] / t, part["q75"] / t, color=color, lw=3.5)
            ax.plot(
                x,
                part["mean"] / t,
                "o",
                color=color,
                ms=3.5,
                label=f"{spec} spec" if len(specs) > 1 else None,
            )
        ax.axhline(1.0, color="black", lw=0.8, ls="--")
        ax.set_title(channel)
        ax.set_xticks(np.arange(len(seeds)), [str(s) for s in seeds], fontsize=7)
        ax.set_xlabel("seed")
    axes[0].set_ylabel("estimated / true ROAS")
    if len(specs) > 1:
        axes[0].legend(fontsize=7, loc="upper left")
    if title:
        fig.suptitle(title)
    return fig


def plot_sbc_ranks(
    ranks: dict[str, np.ndarray], n_ranks: int, *, bins: int = 10, title: str = ""
) -> Figure:
    """Histogram of SBC ranks per scalar parameter, with the 99% band of a uniform count.

    Parameters
    ----------
    ranks : dict of str to ndarray
        Rank per simulation, by parameter (:class:`~mmm_bayes.analysis.sbc.SBCResult.ranks`).
    n_ranks : int
        Possible ranks, ``L + 1``.
    bins : int, default 10
        Histogram bins (``n_ranks`` must be a multiple).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        The grey band is where each bin's count falls with 99% probability under uniformity
        (Binomial(n_sims, 1 / bins) quantiles, Talts et al. 2018, Fig. 3).
    """
    names = list(ranks)
    ncol = 4
    nrow = -(-len(names) // ncol)
    fig = Figure(figsize=(2.6 * ncol, 1.9 * nrow), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        r = np.asarray(ranks[name])
        counts = np.bincount(r * bins // n_ranks, minlength=bins)
        lo, hi = stats.binom.ppf([0.005, 0.995], r.size, 1.0 / bins)
        ax.axhspan(lo, hi, color="0.85")
        ax.axhline(r.size / bins, color="0.5", lw=0.8)
        ax.bar(np.arange(bins), counts, width=1.0, color="#1f77b4", edgecolor="white")
        ax.set_title(name, fontsize=8)
        ax.set_xticks([])
        ax.tick_params(labelsize=7)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig
