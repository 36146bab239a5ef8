"""Contribution area plot: posterior-mean base pieces and channels stacked over time."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes

from mmm_bayes.errors import DataError

from ._common import new_axes, observed_on, posterior_mean, require_dims, require_vars

#: Base pieces in stacking order (bottom first); each is optional except ``baseline``.
BASE_PIECES = ("baseline", "trend", "seasonality", "controls")


def plot_contributions(
    contributions: xr.Dataset,
    *,
    ax: Axes | None = None,
    observed: pd.Series | xr.DataArray | None = None,
    kpi_label: str = "KPI",
    title: str | None = None,
) -> Axes:
    """Stack the posterior-mean contribution of each base piece and each channel over time.

    Bands are stacked cumulatively, base pieces first (baseline, trend, seasonality, controls
    summed over ``control``; grey) and then one coloured band per channel, so the top of the last
    band is the sum of all pieces, which is the posterior-mean ``mu`` of an additive model. A piece
    that is negative on some dates (seasonality, a price control) pulls the stack down there.

    Parameters
    ----------
    contributions : Dataset
        KPI-unit contributions from the analysis layer: ``baseline`` (chain, draw, date), optional
        ``trend`` and ``seasonality`` (chain, draw, date), optional ``controls``
        (chain, draw, date, control), ``channels`` (chain, draw, date, channel) and ``mu``
        (chain, draw, date), with a datetime64 ``date`` coordinate.
    ax : Axes, optional
        Axes to draw on; a new figure is opened when omitted.
    observed : Series or DataArray, optional
        Observed KPI over date, drawn as a black line; aligned to ``date`` by label when it is
        indexed by dates, else taken in order.
    kpi_label : str, default "KPI"
        Name of the KPI, used in the y-axis label.
    title : str, optional
        Axes title; defaults to "Contributions to <kpi_label> (posterior mean)"; "" for none.

    Returns
    -------
    Axes
        The axes drawn on; each band is a ``fill_between`` collection labelled with its piece or
        channel name.

    Raises
    ------
    DataError
        If a required variable is missing or a variable has unexpected dims.

    Warns
    -----
    UserWarning
        If the stacked pieces do not add up to the posterior-mean ``mu`` (a non-additive model);
        ``mu`` is then drawn as a dashed line so the gap is visible.
    """
    base, channels = _mean_pieces(contributions)
    mu = posterior_mean(contributions["mu"]).transpose("date").values
    dates = pd.DatetimeIndex(contributions["date"].values)

    ax = ax if ax is not None else new_axes((10.0, 5.0))
    greys = [str(g) for g in np.linspace(0.55, 0.85, len(base))]
    colors = greys + [f"C{i % 10}" for i in range(len(channels))]
    bottom = np.zeros(len(dates))
    for color, (name, values) in zip(colors, base + channels, strict=True):
        top = bottom + values
        ax.fill_between(dates, bottom, top, color=color, linewidth=0, label=name)
        bottom = top

    scale = max(float(np.max(np.abs(mu), initial=0.0)), 1.0)
    if not np.allclose(bottom, mu, rtol=1e-6, atol=1e-9 * scale):
        gap = float(np.max(np.abs(bottom - mu)))
        warnings.warn(
            f"The contributions do not add up to mu (largest gap {gap:.4g} {kpi_label}); "
            "the model is probably not additive on the KPI scale. mu is drawn dashed.",
            UserWarning,
            stacklevel=2,
        )
        ax.plot(dates, mu, "--", color="0.1", linewidth=1.2, label="mu (posterior mean)")
    if observed is not None:
        y = observed_on(observed, dates, "plot_contributions")
        ax.plot(dates, y, color="black", linewidth=1.3, label="observed")

    ax.set_xlabel("date")
    ax.set_ylabel(f"{kpi_label} (contribution)")
    ax.set_title(title if title is not None else f"Contributions to {kpi_label} (posterior mean)")
    ax.margins(x=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return ax


def _mean_pieces(
    contributions: xr.Dataset,
) -> tuple[list[tuple[str, np.ndarray]], list[tuple[str, np.ndarray]]]:
    """Posterior means of the base pieces present and of each channel, as (name, (date,)) pairs."""
    require_vars(contributions, ["baseline", "channels", "mu"], "plot_contributions")
    if not np.issubdtype(contributions["date"].dtype, np.datetime64):
        raise DataError(
            f"plot_contributions: the date coordinate should be datetime64; "
            f"got {contributions['date'].dtype}."
        )
    base = []
    for name in BASE_PIECES:
        if name not in contributions:
            continue
        da = contributions[name]
        require_dims(da, ["date", "control"] if name == "controls" else ["date"], repr(name))
        mean = posterior_mean(da)
        base.append((name, (mean.sum("control") if name == "controls" else mean).values))
    require_dims(contributions["mu"], ["date"], "'mu'")
    channels = contributions["channels"]
    require_dims(channels, ["date", "channel"], "'channels'")
    mean = posterior_mean(channels).transpose("channel", "date")
    media = [(str(c), row) for c, row in zip(mean["channel"].values, mean.values, strict=True)]
    if "interactions" in contributions:  # channel overlaps: one band each, after the channels
        pairs = posterior_mean(contributions["interactions"]).transpose("interaction", "date")
        media += [(str(k), row) for k, row in zip(pairs["interaction"].values, pairs.values,
                                                  strict=True)]  # fmt: skip
    return base, media
