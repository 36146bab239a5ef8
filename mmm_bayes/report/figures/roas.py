"""ROAS forest plot: posterior mean and central interval per channel, with break-even marked."""

from __future__ import annotations

import difflib

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from mmm_bayes.errors import DataError

from ._common import central_interval, new_axes, posterior_mean, require_dims

_TITLES = {"roas": "Return on ad spend", "marginal_roas": "Marginal return on ad spend"}


def plot_roas(
    roas: xr.DataArray,
    *,
    ax: Axes | None = None,
    interval: float = 0.9,
    truth: dict[str, float] | None = None,
    kpi_label: str = "KPI",
    currency_label: str = "currency",
    title: str | None = None,
) -> Axes:
    """Plot each channel's posterior ROAS as a point (mean) on a horizontal interval.

    Parameters
    ----------
    roas : DataArray, dims (chain, draw, channel)
        Posterior ROAS or marginal ROAS, KPI units per currency unit, as the analysis layer
        returns it (named ``"roas"`` or ``"marginal_roas"``; the name picks the default title).
    ax : Axes, optional
        Axes to draw on; a new figure is opened when omitted.
    interval : float, default 0.9
        Probability mass of the central interval drawn around each mean.
    truth : dict of str to float, optional
        Known ROAS per channel (from a simulation), drawn as open diamonds. Channels left out of
        the dict get no marker.
    kpi_label, currency_label : str
        Names of the KPI and the currency, used in the axis label.
    title : str, optional
        Axes title; defaults to one chosen by ``roas.name``.

    Returns
    -------
    Axes
        The axes drawn on. Channels run top to bottom in ``roas.channel`` order, one y tick each.

    Raises
    ------
    DataError
        If ``roas`` has dims other than (chain, draw, channel), or ``truth`` names a channel that
        ``roas`` does not have.

    Examples
    --------
    >>> ax = plot_roas(result, truth={"tv": 1.8, "search": 3.1}, kpi_label="sales")
    >>> ax.figure.savefig("roas.png")
    """
    require_dims(roas, ["channel"], "ROAS")
    channels = [str(c) for c in roas["channel"].values]
    _check_truth(truth, channels)
    mean = posterior_mean(roas).transpose("channel").values
    lo, hi = (q.transpose("channel").values for q in central_interval(roas, interval))
    y = np.arange(len(channels))

    ax = ax if ax is not None else new_axes((6.5, 1.2 + 0.45 * len(channels)))
    ax.hlines(y, lo, hi, color="C0", linewidth=2.5, label=f"{interval:.0%} interval")
    ax.plot(mean, y, "o", color="C0", markersize=7, label="posterior mean", zorder=3)
    if truth:
        ty = [i for i, c in enumerate(channels) if c in truth]
        tx = [truth[channels[i]] for i in ty]
        ax.plot(tx, ty, "D", mfc="none", mec="C3", mew=1.5, ms=8, label="true value", zorder=4)
    ax.axvline(1.0, color="0.35", linestyle="--", linewidth=1, label="break-even (1.0)", zorder=1)

    ax.set_yticks(y, channels)
    ax.set_ylim(len(channels) - 0.5, -0.5)  # first channel on top
    ax.set_xlabel(f"{kpi_label} per {currency_label} spent")
    ax.set_title(title if title is not None else _TITLES.get(str(roas.name), "ROAS"))
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax


def _check_truth(truth: dict[str, float] | None, channels: list[str]) -> None:
    unknown = [c for c in (truth or {}) if c not in channels]
    if unknown:
        hints = {c: difflib.get_close_matches(c, channels, n=1) for c in unknown}
        detail = ", ".join(
            f"{c!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for c, h in hints.items()
        )
        raise DataError(f"truth names channel(s) {detail} not in the ROAS result {channels}.")
