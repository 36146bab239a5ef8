"""Return on ad spend, marginal ROAS and response curves, per posterior draw.

Every quantity here counts the carryover of the window's spend into the ``l_max - 1`` periods
after the window (spend there is zero), so late spend gets credit for the KPI it brings; spend
before the first period is taken as zero, as in the model.

Everything is per currency unit of spend. For a channel measured by exposure (impressions,
clicks: a ``spend_column`` in its spec) the model transforms the exposure, ROAS divides by the
spend column, and scaling the channel's spend scales its exposure by the same factor (the cost
per exposure unit is taken as constant at its observed per-period values).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm_bayes.analysis.geo import national_incremental_kpi
from mmm_bayes.analysis.interaction import channel_interactions
from mmm_bayes.analysis.media import (
    SAMPLE_DIMS,
    channel_contribution,
    media_params,
    posterior_dataset,
    scaled_frequency,
)
from mmm_bayes.errors import DataError
from mmm_bayes.model.geo import GeoInputs
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec

__all__ = ["marginal_roas", "response_curves", "roas", "roas_table"]

_ROAS_UNITS = {"units": "KPI per currency unit"}


def _total_spend(inputs: ModelInputs | GeoInputs) -> np.ndarray:
    """Window spend per channel in currency units (all geos); refuse channels that never spent."""
    total = inputs.spend.reshape(-1, inputs.spend.shape[-1]).sum(axis=0)
    if np.any(total <= 0):
        zero = [c for c, t in zip(inputs.channels, total, strict=True) if t <= 0]
        raise DataError(f"ROAS is undefined for channel(s) {zero}: zero spend in every period")
    return total


def _incremental_kpi(
    params: dict[str, np.ndarray], inputs: ModelInputs, spec: ModelSpec, multiplier: float
) -> np.ndarray:
    """Total KPI (window plus carryover tail) from each channel at ``multiplier`` x its spend.

    The model's media input (spend or exposure) is scaled, which scales spend by the same factor.
    """
    x = multiplier * inputs.media_scaled.T
    media = channel_contribution(
        x, params, spec, extend=True, kpi_scale=inputs.kpi_scale, frequency=scaled_frequency(inputs)
    )
    return media.sum(axis=-1)  # (chain, draw, channel)


def _channel_kpi(
    ds: xr.Dataset, inputs: ModelInputs | GeoInputs, spec: ModelSpec, multiplier: float
) -> np.ndarray:
    """Each channel's total KPI at ``multiplier`` x its spend, summed over geos if any."""
    if isinstance(inputs, GeoInputs):
        return national_incremental_kpi(ds, inputs, spec, multiplier)
    return _incremental_kpi(media_params(ds, spec, inputs.channels), inputs, spec, multiplier)


def _curve_point(
    ds: xr.Dataset, inputs: ModelInputs | GeoInputs, spec: ModelSpec, multiplier: float
) -> np.ndarray:
    """Each channel's own KPI plus half its interactions, it alone at ``multiplier`` x spend."""
    kpi = _channel_kpi(ds, inputs, spec, multiplier)
    if spec.interactions:  # the Shapley half, as in roas
        kpi = kpi + 0.5 * channel_interactions(ds, inputs, spec, multiplier)
    return kpi


def _per_channel(
    values: np.ndarray, ds: xr.Dataset, inputs: ModelInputs, name: str
) -> xr.DataArray:
    coords = {d: ds[d] for d in SAMPLE_DIMS} | {"channel": list(inputs.channels)}
    dims = (*SAMPLE_DIMS, "channel")
    return xr.DataArray(values, dims=dims, coords=coords, name=name, attrs=_ROAS_UNITS)


def roas(posterior: xr.Dataset | xr.DataTree, inputs: ModelInputs, spec: ModelSpec) -> xr.DataArray:
    """Return on ad spend of each channel over the window, per draw.

    ``ROAS_c = (KPI with the actual spend - KPI with channel c's spend set to zero over the
    whole window) / (c's spend over the window)``, spend in currency units (the channel's
    ``spend_column`` when its media column is an exposure measure). Spend before the first
    period is zero (as in the model), and the KPI counted includes the ``l_max - 1`` periods
    after the window, so the carryover of late spend is credited. Because media add up, this
    is the channel's contribution summed over the extended window divided by its spend: the
    definition of the simulator's :func:`mmm_bayes.simulate.truth.true_roas`.

    Parameters
    ----------
    posterior : Dataset or DataTree
        The ``posterior`` group (or a tree holding it), dims ``(chain, draw, ...)``.
    inputs : ModelInputs
        The data the model was fitted to: spend and scales.
    spec : ModelSpec
        The fitted model.

    Returns
    -------
    DataArray
        Named ``roas``, dims (chain, draw, channel), in KPI units per currency unit.

    Raises
    ------
    DataError
        If a channel has zero total spend.
    """
    ds = posterior_dataset(posterior)
    # own term plus, with channel overlaps, half of each interaction (Shapley): the curve at 1
    values = _curve_point(ds, inputs, spec, 1.0) / _total_spend(inputs)
    return _per_channel(values, ds, inputs, "roas")


def marginal_roas(
    posterior: xr.Dataset | xr.DataTree,
    inputs: ModelInputs,
    spec: ModelSpec,
    *,
    step: float = 0.01,
) -> xr.DataArray:
    """Extra total KPI per extra currency unit when a channel's spend rises by ``step`` everywhere.

    ``mROAS_c = (KPI((1 + step) x_c) - KPI(x_c)) / (step * spend_c)``, a forward finite
    difference of the model's total KPI (window plus carryover tail, as in :func:`roas`) with
    the other channels unchanged: the channel's own term plus the *whole* change of every
    interaction (channel overlap) it is in. That is what an extra currency unit buys, and what
    the budget optimizer equalizes across channels. ROAS and :func:`response_curves` credit a
    channel only half of each interaction (the Shapley split of
    :mod:`mmm_bayes.analysis.interaction`), so with interactions the slope of a response curve
    is not the mROAS: for a synergy the mROAS is higher (by half the interaction's change).

    Parameters
    ----------
    posterior : Dataset or DataTree
        The ``posterior`` group (or a tree holding it), dims ``(chain, draw, ...)``.
    inputs : ModelInputs
        The data the model was fitted to.
    spec : ModelSpec
        The fitted model.
    step : float, default 0.01
        Relative increase of spend, > 0 (0.01 is 1 % more in every period).

    Returns
    -------
    DataArray
        Named ``marginal_roas``, dims (chain, draw, channel), KPI units per currency unit.

    Raises
    ------
    ValueError
        If ``step`` is not positive.
    DataError
        If a channel has zero total spend.
    """
    if not step > 0:
        raise ValueError(f"step must be > 0 (a relative increase of spend), got {step}")
    ds = posterior_dataset(posterior)
    gain = _channel_kpi(ds, inputs, spec, 1.0 + step) - _channel_kpi(ds, inputs, spec, 1.0)
    if spec.interactions:  # the whole change of each interaction, the partner unchanged
        moved = channel_interactions(ds, inputs, spec, 1.0 + step)
        gain = gain + moved - channel_interactions(ds, inputs, spec, 1.0)
    return _per_channel(gain / (step * _total_spend(inputs)), ds, inputs, "marginal_roas")


def response_curves(
    posterior: xr.Dataset | xr.DataTree,
    inputs: ModelInputs,
    spec: ModelSpec,
    *,
    multipliers: np.ndarray | None = None,
) -> xr.Dataset:
    """Total incremental KPI of each channel when its actual spend pattern is scaled.

    With channel overlaps (``spec.interactions``) channel ``c``'s KPI at multiplier ``m`` is its
    own term plus half of each interaction it is in, ``c`` at ``m`` x its spend and the other
    channels at their actual spend: the Shapley split :func:`roas` uses, so the curve at
    ``m = 1`` divided by the spend is exactly the ROAS. The marginal ROAS
    (:func:`marginal_roas`) counts the whole change of each interaction instead, so it is not
    the curve's slope when the model has interactions.

    Parameters
    ----------
    posterior : Dataset or DataTree
        The ``posterior`` group (or a tree holding it), dims ``(chain, draw, ...)``.
    inputs : ModelInputs
        The data the model was fitted to.
    spec : ModelSpec
        The fitted model.
    multipliers : ndarray, optional
        Factors applied to every period's spend (and so to its exposure, for a channel measured
        by exposure), >= 0; default ``np.linspace(0, 2, 21)``.

    Returns
    -------
    Dataset
        Coords ``channel`` and ``multiplier``; ``spend`` (channel, multiplier), the window's
        total spend in currency units, and ``kpi`` (chain, draw, channel, multiplier), the
        channel's KPI summed over the window and its carryover tail (as in :func:`roas`), half
        of its interactions included.

    Raises
    ------
    ValueError
        If there is no multiplier, or one is negative or not finite.
    """
    m = np.linspace(0.0, 2.0, 21) if multipliers is None else np.asarray(multipliers, float)
    if m.ndim != 1 or m.size == 0 or not np.all(np.isfinite(m) & (m >= 0)):
        raise ValueError(
            f"multipliers must be a 1-d array of finite values >= 0, at least one (multiples of "
            f"actual spend, e.g. np.linspace(0, 2, 21)), got {m}"
        )
    ds = posterior_dataset(posterior)
    kpi = np.stack([_curve_point(ds, inputs, spec, float(k)) for k in m], axis=-1)
    coords = {d: ds[d] for d in SAMPLE_DIMS} | {"channel": list(inputs.channels), "multiplier": m}
    spend = inputs.spend.reshape(-1, len(inputs.channels)).sum(axis=0)[:, None] * m
    return xr.Dataset(
        {
            "spend": (("channel", "multiplier"), spend, {"units": "currency"}),
            "kpi": ((*SAMPLE_DIMS, "channel", "multiplier"), kpi, {"units": "KPI"}),
        },
        coords=coords,
    )


def roas_table(da: xr.DataArray) -> pd.DataFrame:
    """Summarize a per-draw ROAS (or marginal ROAS) by channel.

    Parameters
    ----------
    da : DataArray
        Output of :func:`roas` or :func:`marginal_roas`: dims (chain, draw, channel).

    Returns
    -------
    DataFrame
        Indexed by channel, columns ``mean``, ``median``, ``sd`` (ddof=1), ``q05`` and ``q95``.
    """
    dims = [d for d in da.dims if d != "channel"]
    q = da.quantile([0.05, 0.5, 0.95], dim=dims).transpose("channel", "quantile").to_numpy()
    table = pd.DataFrame(
        {
            "mean": da.mean(dims).to_numpy(),
            "median": q[:, 1],
            "sd": da.std(dims, ddof=1).to_numpy(),
            "q05": q[:, 0],
            "q95": q[:, 2],
        },
        index=pd.Index(da["channel"].to_numpy(), name="channel"),
    )
    return table
