"""Reach-and-frequency channels: the return at each frequency a plan could buy, and its optimum.

A reach-and-frequency (R&F) channel's media term is ``effect * adstock(r_t / r̄ * g(f_t))`` with
``g(f) = sat(f / f̄) / sat(1)`` (:mod:`mmm_bayes.model.blocks.media`; ``r̄`` the window's mean
reach, ``f̄`` its reach-weighted mean frequency, total impressions over total reach). At the
window's average cost per impression ``cpi = sum spend / sum impressions``, a budget ``x`` buys
``x / cpi`` impressions; at frequency ``f`` they reach ``x / (cpi f)`` people. The adstock
weights sum to one, so over the window and its carryover tail the KPI per currency unit is

    ROAS(f) = effect * kpi_scale / spend_scale * h(f / f̄),   h(phi) = sat(phi) / (phi sat(1))

(``spend_scale`` the mean spend per period): linear in the budget at a fixed frequency, and a
trade between reach and frequency through ``h``. More frequency per person helps while ``sat``
rises faster than linearly (an S-shaped Hill curve, ``S > 1``) and wastes impressions after: for
Hill, ``h`` peaks at ``phi* = K (S - 1)**(1/S)``; for ``S <= 1`` or the logistic curve the lowest
frequency is best (every impression should reach someone new).

The optimum reported here maximizes the posterior mean of ``ROAS(f)`` over the frequencies the
data saw (from the lowest to the highest frequency of a period with reach); outside that range
the curve is an extrapolation of the frequency curve.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm_bayes.analysis.media import SAMPLE_DIMS, media_params, posterior_dataset, saturate
from mmm_bayes.errors import MMMError
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec

__all__ = [
    "frequency_efficiency",
    "frequency_range",
    "frequency_response",
    "optimal_frequency",
    "roas_at_frequency",
]

#: Points of the frequency grid the optimum is searched on (relative error ~1/1000 of the range).
GRID_POINTS = 1001


def frequency_efficiency(phi: np.ndarray, params: dict[str, np.ndarray], spec: ModelSpec):
    """``h(phi) = sat(phi) / (phi sat(1))``: effective reach per impression at relative frequency.

    Parameters
    ----------
    phi : ndarray, shape (..., n)
        Frequency over the channel's mean frequency, > 0, on the last axis.
    params : dict of str to ndarray
        Saturation parameters (``K`` and ``S``, or ``lam``) shaped like ``phi.shape[:-1]``.
    spec : ModelSpec
        Chooses the saturation curve.

    Returns
    -------
    ndarray, shape of ``phi`` broadcast with the parameters
        1 at ``phi = 1``.
    """
    phi = np.asarray(phi, dtype=float)
    at_mean = saturate(np.ones((*np.shape(next(iter(params.values()))), 1)), params, spec)
    return saturate(phi, params, spec) / (phi * at_mean)


def frequency_range(inputs: ModelInputs, channel: str) -> tuple[float, float]:
    """Lowest and highest frequency of the periods in which ``channel`` reached anyone."""
    i = _rf_index(inputs, channel)
    freq = inputs.frequency[inputs.media[:, i] > 0, i]
    return float(freq.min()), float(freq.max())


def _rf_index(inputs: ModelInputs, channel: str) -> int:
    if channel not in inputs.rf_channels:
        raise MMMError(
            f"channel {channel!r} is not measured by reach and frequency; the R&F channels "
            f"are {list(inputs.rf_channels)} (give a channel reach_column and frequency_column)"
        )
    return list(inputs.channels).index(channel)


def roas_at_frequency(
    posterior: xr.Dataset | xr.DataTree,
    inputs: ModelInputs,
    spec: ModelSpec,
    channel: str,
    frequencies: np.ndarray,
) -> np.ndarray:
    """KPI per currency unit of ``channel`` when bought at each frequency, per draw.

    Returns
    -------
    ndarray, shape (chain, draw, len(frequencies))
        ``ROAS(f)`` of the module docstring; time-varying effects count at the latest period.
    """
    i = _rf_index(inputs, channel)
    params = media_params(posterior_dataset(posterior), spec, inputs.channels)
    effect = params["effect"][..., i]
    if params.get("multiplier") is not None:
        effect = effect * params["multiplier"][..., i, -1]
    sat = {k: params[k][..., i] for k in spec.saturation.priors}
    phi = np.asarray(frequencies, dtype=float) / inputs.frequency_scale[i]
    h = frequency_efficiency(np.broadcast_to(phi, (*effect.shape, phi.size)), sat, spec)
    return (effect * inputs.kpi_scale / inputs.spend_scale[i])[..., None] * h


def frequency_response(
    posterior: xr.Dataset | xr.DataTree,
    inputs: ModelInputs,
    spec: ModelSpec,
    *,
    points: int = 60,
) -> xr.DataArray:
    """ROAS of each R&F channel against the frequency it is bought at, per draw.

    Parameters
    ----------
    posterior : Dataset or DataTree
        The fitted posterior.
    inputs : ModelInputs
        The data the model was fitted to.
    spec : ModelSpec
        The fitted model (with at least one reach-and-frequency channel).
    points : int, default 60
        Grid points per channel, from frequency 1 to 1.5 x the highest observed frequency.

    Returns
    -------
    DataArray
        Named ``roas``, dims (chain, draw, channel, point), KPI per currency unit, with the
        coordinate ``frequency`` (channel, point) in impressions per person reached.
    """
    channels = inputs.rf_channels
    if not channels:
        raise MMMError("the model has no reach-and-frequency channels")
    grids, values = [], []
    for ch in channels:
        grid = np.linspace(1.0, 1.5 * frequency_range(inputs, ch)[1], points)
        grids.append(grid)
        values.append(roas_at_frequency(posterior, inputs, spec, ch, grid))
    ds = posterior_dataset(posterior)
    coords = {d: ds[d] for d in SAMPLE_DIMS}
    coords |= {"channel": list(channels), "point": np.arange(points)}
    coords["frequency"] = (("channel", "point"), np.stack(grids))
    return xr.DataArray(
        np.stack(values, axis=-2),
        dims=(*SAMPLE_DIMS, "channel", "point"),
        coords=coords,
        name="roas",
        attrs={"units": "KPI per currency unit"},
    )


def optimal_frequency(
    posterior: xr.Dataset | xr.DataTree,
    inputs: ModelInputs,
    spec: ModelSpec,
) -> pd.DataFrame:
    """Find the frequency at which each R&F channel returns most per currency unit, in the data.

    Returns
    -------
    DataFrame
        Indexed by channel: ``mean_frequency`` (reach-weighted, the window's), ``min_seen``
        and ``max_seen`` (the observed range searched), ``optimal_frequency`` (maximizes the
        posterior mean ROAS), ``draw_q05`` / ``draw_q95`` (5% and 95% quantiles of each draw's
        own optimum: how sure the optimum is), ``roas_at_mean`` and ``roas_at_optimal``
        (posterior means of ROAS(f)), ``roas_optimal_q05`` / ``q95`` and ``gain`` (relative
        ROAS gain of buying at the optimal frequency instead of the mean one).
    """
    channels = inputs.rf_channels
    if not channels:
        raise MMMError("the model has no reach-and-frequency channels")
    rows = {}
    for ch in channels:
        lo, hi = frequency_range(inputs, ch)
        mean = float(inputs.frequency_scale[list(inputs.channels).index(ch)])
        grid = np.union1d(np.linspace(lo, hi, GRID_POINTS), [mean])  # the mean is a candidate
        flat = roas_at_frequency(posterior, inputs, spec, ch, grid).reshape(-1, grid.size)
        best = int(np.argmax(flat.mean(axis=0)))
        at_mean = flat[:, int(np.searchsorted(grid, mean))]
        draw_best = grid[np.argmax(flat, axis=1)]
        rows[ch] = {
            "mean_frequency": mean,
            "min_seen": lo,
            "max_seen": hi,
            "optimal_frequency": float(grid[best]),
            "draw_q05": float(np.quantile(draw_best, 0.05)),
            "draw_q95": float(np.quantile(draw_best, 0.95)),
            "roas_at_mean": float(at_mean.mean()),
            "roas_at_optimal": float(flat[:, best].mean()),
            "roas_optimal_q05": float(np.quantile(flat[:, best], 0.05)),
            "roas_optimal_q95": float(np.quantile(flat[:, best], 0.95)),
        }
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("channel")
    table["gain"] = table["roas_at_optimal"] / table["roas_at_mean"] - 1.0
    return table
