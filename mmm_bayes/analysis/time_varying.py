"""Time-varying coefficients: each drifting channel's effect per period, in KPI units."""

from __future__ import annotations

import pandas as pd
import xarray as xr

from mmm_bayes.analysis.media import SAMPLE_DIMS, posterior_dataset
from mmm_bayes.errors import MMMError
from mmm_bayes.model.geo import GeoInputs
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec

__all__ = ["time_varying_coefficients", "time_varying_table"]


def time_varying_coefficients(
    posterior: xr.Dataset | xr.DataTree, inputs: ModelInputs | GeoInputs, spec: ModelSpec
) -> xr.DataArray:
    """Return the KPI per period each time-varying channel brings at its mean spend.

    ``coefficient[t, c] = effect_c * multiplier[t, c] * kpi_scale`` (summed over geos in a geo
    model): the steady-state contribution of the channel at its window-average spend, with the
    effectiveness of period ``t``. Its path over time is what the random walk estimates.

    Returns
    -------
    DataArray
        Named ``coefficient``, dims (chain, draw, date, channel) over the time-varying
        channels, KPI units per period.

    Raises
    ------
    MMMError
        If the model has no time-varying channels.
    """
    ds = posterior_dataset(posterior)
    if "effect_multiplier" not in ds:
        raise MMMError(
            "the model has no time-varying channels: set time_varying: {channels: [...]} in the "
            "spec (docs/time_varying.md)"
        )
    mult = ds["effect_multiplier"].transpose(*SAMPLE_DIMS, "date", "tv_channel")
    channels = [str(c) for c in mult["tv_channel"].values]
    effect = ds["effect"].sel(channel=channels)
    if isinstance(inputs, GeoInputs):
        scale = xr.DataArray(inputs.kpi_scale, dims="geo", coords={"geo": list(inputs.geos)})
        level = (effect * scale).sum("geo")
    else:
        level = effect * float(inputs.kpi_scale)
    level = level.rename(channel="tv_channel").transpose(*SAMPLE_DIMS, "tv_channel")
    values = mult.to_numpy() * level.to_numpy()[:, :, None, :]
    return xr.DataArray(
        values,
        dims=(*SAMPLE_DIMS, "date", "channel"),
        coords={d: ds[d] for d in SAMPLE_DIMS} | {"date": inputs.dates, "channel": channels},
        name="coefficient",
        attrs={"units": "KPI per period at mean spend"},
    )


def time_varying_table(coef: xr.DataArray, interval: float = 0.9) -> pd.DataFrame:
    """Summarize :func:`time_varying_coefficients`: date, channel, mean, median, lower, upper."""
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    q = coef.quantile([lo, 0.5, hi], dim=SAMPLE_DIMS)
    frame = pd.DataFrame(
        {
            "mean": coef.mean(SAMPLE_DIMS).to_series(),
            "median": q.sel(quantile=0.5, drop=True).to_series(),
            f"q{round(lo * 100):02d}": q.sel(quantile=lo, drop=True).to_series(),
            f"q{round(hi * 100):02d}": q.sel(quantile=hi, drop=True).to_series(),
        }
    )
    return frame.reset_index()
