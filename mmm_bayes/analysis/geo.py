"""Geo models: media response per geo and draw, ROAS per geo, national roll-ups, contributions.

The numpy twin of :mod:`mmm_bayes.model.geo`. Per-geo arrays get large (draws x geos x
channels x periods), so draws are processed in chunks and only sums are kept.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import xarray as xr

from mmm_bayes.analysis.media import (
    SAMPLE_DIMS,
    channel_contribution,
    effect_multiplier,
    posterior_dataset,
)
from mmm_bayes.model.geo import GeoInputs
from mmm_bayes.spec import ModelSpec

__all__ = ["geo_contributions", "geo_incremental_kpi", "geo_media_params", "geo_roas"]

_CHUNK = 64  # draws per chunk: 64 x 100 geos x 4 channels x 110 periods is ~20 MB


def geo_media_params(ds: xr.Dataset, spec: ModelSpec, inputs: GeoInputs) -> dict[str, np.ndarray]:
    """Media parameters per draw and geo, each (sample, geo, channel), samples flattened.

    Shared adstock/saturation parameters are repeated over geos; with per-geo transforms their
    ``<name>_geo`` values are used. ``multiplier`` (sample, 1, channel, date) is added for
    time-varying effects.
    """
    n_geo, channels = len(inputs.geos), list(inputs.channels)
    out = {}
    for name in spec.media_priors():
        var = ds[f"{name}_geo"] if f"{name}_geo" in ds else ds[name]
        var = var.sel(channel=channels)
        if "geo" in var.dims:
            arr = var.sel(geo=list(inputs.geos)).transpose(*SAMPLE_DIMS, "geo", "channel")
            arr = arr.to_numpy()
        else:
            arr = var.transpose(*SAMPLE_DIMS, "channel").to_numpy()[:, :, None, :]
            arr = np.broadcast_to(arr, (*arr.shape[:2], n_geo, len(channels)))
        out[name] = arr.reshape(-1, n_geo, len(channels))
    multiplier = effect_multiplier(ds, inputs.channels)
    if multiplier is not None:
        out["multiplier"] = multiplier.reshape(-1, 1, *multiplier.shape[2:])
    return out


def _chunked(
    params: dict[str, np.ndarray], x: np.ndarray, spec: ModelSpec, *, extend: bool
) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield (draws, contribution) per chunk of draws; contribution (chunk, geo, channel, date)."""
    n = len(params["effect"])
    for start in range(0, n, _CHUNK):
        part = slice(start, min(start + _CHUNK, n))
        p = {k: v[part] for k, v in params.items()}
        yield part, channel_contribution(x, p, spec, extend=extend)


def geo_incremental_kpi(
    params: dict[str, np.ndarray], inputs: GeoInputs, spec: ModelSpec, multiplier: float = 1.0
) -> np.ndarray:
    """KPI (window plus carryover tail) from each channel in each geo, (sample, geo, channel).

    Every geo's media of the channel are scaled by ``multiplier`` (so is its spend).
    """
    x = multiplier * inputs.media_series  # (geo, channel, date)
    out = np.empty(params["effect"].shape)
    for part, media in _chunked(params, x, spec, extend=True):
        out[part] = media.sum(axis=-1) * inputs.kpi_scale[:, None]
    return out


def _sample_coords(ds: xr.Dataset) -> dict:
    return {d: ds[d] for d in SAMPLE_DIMS}


def _unflatten(values: np.ndarray, ds: xr.Dataset) -> np.ndarray:
    return values.reshape(ds.sizes["chain"], ds.sizes["draw"], *values.shape[1:])


def geo_roas(
    posterior: xr.Dataset | xr.DataTree, inputs: GeoInputs, spec: ModelSpec
) -> xr.DataArray:
    """ROAS of each channel in each geo, per draw, dims (chain, draw, geo, channel).

    The definition of :func:`mmm_bayes.analysis.roas.roas` within each geo: the geo's
    contribution of the channel (window plus carryover tail) over its spend there. NaN where a
    geo never spent on the channel.
    """
    ds = posterior_dataset(posterior)
    kpi = geo_incremental_kpi(geo_media_params(ds, spec, inputs), inputs, spec)
    spend = inputs.spend.sum(axis=1)  # (geo, channel)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(spend > 0, kpi / np.where(spend > 0, spend, 1.0), np.nan)
    coords = _sample_coords(ds) | {"geo": list(inputs.geos), "channel": list(inputs.channels)}
    return xr.DataArray(
        _unflatten(values, ds),
        dims=(*SAMPLE_DIMS, "geo", "channel"),
        coords=coords,
        name="geo_roas",
        attrs={"units": "KPI per currency unit"},
    )


def national_incremental_kpi(
    posterior: xr.Dataset | xr.DataTree, inputs: GeoInputs, spec: ModelSpec, multiplier: float
) -> np.ndarray:
    """Each channel's KPI summed over geos at ``multiplier`` x its spend, (chain, draw, channel)."""
    ds = posterior_dataset(posterior)
    kpi = geo_incremental_kpi(geo_media_params(ds, spec, inputs), inputs, spec, multiplier)
    return _unflatten(kpi.sum(axis=1), ds)


def geo_contributions(
    posterior: xr.Dataset | xr.DataTree, inputs: GeoInputs, spec: ModelSpec
) -> dict[str, xr.DataArray]:
    """Return the additive terms of the modelled KPI summed over geos, per draw and date.

    Returns the terms :func:`mmm_bayes.analysis.contributions.contributions` assembles:
    ``baseline`` (intercepts plus any intercept drift), ``trend``, ``seasonality``,
    ``controls`` (date, control) and ``channels`` (channel, date), each with sample dims.
    """
    ds = posterior_dataset(posterior)
    scale = inputs.kpi_scale  # (geo,)
    dates = {"date": inputs.dates}
    total = float(scale.sum())
    intercept = ds["intercept"].sel(geo=list(inputs.geos)).transpose(*SAMPLE_DIMS, "geo")
    base = (intercept.to_numpy() * scale).sum(axis=-1)[..., None] * np.ones(len(inputs.dates))
    if "intercept_drift" in ds:
        base = base + ds["intercept_drift"].transpose(*SAMPLE_DIMS, "date").to_numpy() * total
    terms = {"baseline": xr.DataArray(base, dims=(*SAMPLE_DIMS, "date"), coords=dates)}
    if spec.trend.enabled:
        time = xr.DataArray(inputs.time, dims="date", coords=dates)
        terms["trend"] = ds["trend_slope"] * time * total
    if inputs.fourier_names:
        fourier = xr.DataArray(
            inputs.fourier,
            dims=("date", "fourier"),
            coords=dates | {"fourier": list(inputs.fourier_names)},
        )
        terms["seasonality"] = xr.dot(fourier, ds["season_coef"], dim="fourier") * total
    if inputs.controls:
        gamma = ds["control_coef_geo"].sel(geo=list(inputs.geos), control=list(inputs.controls))
        gamma = gamma.transpose(*SAMPLE_DIMS, "geo", "control").to_numpy()
        weighted = inputs.controls_scaled * scale[:, None, None]  # (geo, date, control)
        values = np.einsum("cdgk,gtk->cdtk", gamma, weighted)
        terms["controls"] = xr.DataArray(
            values,
            dims=(*SAMPLE_DIMS, "date", "control"),
            coords=dates | {"control": list(inputs.controls)},
        )
    params = geo_media_params(ds, spec, inputs)
    media = np.empty((len(params["effect"]), len(inputs.channels), len(inputs.dates)))
    for part, chunk in _chunked(params, inputs.media_series, spec, extend=False):
        media[part] = (chunk * scale[:, None, None]).sum(axis=1)
    terms["channels"] = xr.DataArray(
        _unflatten(media, ds),
        dims=(*SAMPLE_DIMS, "channel", "date"),
        coords=dates | {"channel": list(inputs.channels)},
    )
    return terms
