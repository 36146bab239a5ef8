"""Decompose the modelled KPI into its additive terms, per posterior draw, in KPI units.

``mu = baseline + trend + seasonality + sum(controls) + sum(channels)``, each term as in
:func:`mmm_bayes.model.build_model`, scaled back by ``kpi_scale``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm_bayes.analysis.geo import geo_contributions
from mmm_bayes.analysis.interaction import interaction_contribution
from mmm_bayes.analysis.media import (
    SAMPLE_DIMS,
    channel_contribution,
    media_params,
    posterior_dataset,
    scaled_frequency,
)
from mmm_bayes.model.geo import GeoInputs
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec

__all__ = ["contribution_table", "contributions"]

_UNITS = {"units": "KPI"}


def _data(inputs: ModelInputs, values: np.ndarray, *dims: str) -> xr.DataArray:
    coords = {"date": inputs.dates, "channel": list(inputs.channels)}
    coords |= {"control": list(inputs.controls), "fourier": list(inputs.fourier_names)}
    return xr.DataArray(values, dims=dims, coords={d: coords[d] for d in dims if d in coords})


def _baseline_terms(ds: xr.Dataset, inputs: ModelInputs, spec: ModelSpec) -> dict:
    ones = _data(inputs, np.ones(len(inputs.dates)), "date")
    terms = {"baseline": ds["intercept"] * ones}
    if "intercept_drift" in ds:  # time-varying intercept
        terms["baseline"] = terms["baseline"] + ds["intercept_drift"]
    if spec.trend.enabled:
        terms["trend"] = ds["trend_slope"] * _data(inputs, inputs.time, "date")
    if inputs.fourier_names:
        fourier = _data(inputs, inputs.fourier, "date", "fourier")
        terms["seasonality"] = xr.dot(fourier, ds["season_coef"], dim="fourier")
    if inputs.controls:
        controls = _data(inputs, inputs.controls_scaled, "date", "control")
        terms["controls"] = controls * ds["control_coef"].sel(control=list(inputs.controls))
    return terms


def contributions(
    posterior: xr.Dataset | xr.DataTree, inputs: ModelInputs, spec: ModelSpec
) -> xr.Dataset:
    """Every additive term of the modelled KPI, per draw and period, in KPI units.

    Parameters
    ----------
    posterior : Dataset or DataTree
        The ``posterior`` group (or a tree holding it) with the model's free variables, dims
        ``(chain, draw, ...)``.
    inputs : ModelInputs
        The data the model was fitted to.
    spec : ModelSpec
        The fitted model.

    Returns
    -------
    Dataset
        ``baseline`` (chain, draw, date), the intercept; ``trend`` (chain, draw, date) if the
        trend is enabled; ``seasonality`` (chain, draw, date) if the Fourier order is > 0;
        ``controls`` (chain, draw, date, control) if there are controls; ``channels``
        (chain, draw, date, channel), media in the window (no carryover past its end);
        ``interactions`` (chain, draw, date, interaction) if the model has channel overlaps
        (split to channels by :func:`mmm_bayes.analysis.interaction.interaction_share`); and
        ``mu``, the sum of all of them. The dataset and every variable have
        ``attrs["units"] == "KPI"``.
    """
    ds = posterior_dataset(posterior)
    if isinstance(inputs, GeoInputs):  # summed over geos
        terms = geo_contributions(ds, inputs, spec)
    else:
        terms = {k: v * inputs.kpi_scale for k, v in _baseline_terms(ds, inputs, spec).items()}
        media = channel_contribution(
            inputs.media_scaled.T,
            media_params(ds, spec, inputs.channels),
            spec,
            kpi_scale=inputs.kpi_scale,
            frequency=scaled_frequency(inputs),
        )
        terms["channels"] = _data(inputs, media, *SAMPLE_DIMS, "channel", "date")
    if spec.interactions:  # channel overlaps, reported apart (analysis.interaction splits them)
        pairs = interaction_contribution(ds, inputs, spec)
        names = [i.name for i in spec.interactions]
        dims = (*SAMPLE_DIMS, "interaction", "date")
        terms["interactions"] = _data(inputs, pairs, *dims).assign_coords(interaction=names)
    extra = ("channel", "control", "interaction")
    mu = sum(t.sum([d for d in t.dims if d in extra]) for t in terms.values())
    terms["mu"] = mu
    out = xr.Dataset(
        {k: v.transpose(*SAMPLE_DIMS, "date", ...).assign_attrs(_UNITS) for k, v in terms.items()}
    )
    return out.assign_coords({d: ds[d] for d in SAMPLE_DIMS}).assign_attrs(_UNITS)


def contribution_table(ds: xr.Dataset) -> pd.DataFrame:
    """Summarize :func:`contributions` as a tidy table: one row per date and component.

    Parameters
    ----------
    ds : Dataset
        Output of :func:`contributions`.

    Returns
    -------
    DataFrame
        Columns ``date``; ``term`` (the variable: ``baseline``, ``trend``, ``seasonality``,
        ``controls`` or ``channels``); ``component`` (the term's name, or the control's or
        channel's name); and the posterior ``mean``, ``q05`` and ``q95`` in KPI units. ``mu``
        is left out, so the means of a date sum to the mean of ``mu``.
    """
    frames = []
    for term, da in ds.data_vars.items():
        if term == "mu":
            continue
        extra = [d for d in da.dims if d not in (*SAMPLE_DIMS, "date")]
        da = da.rename({extra[0]: "component"}) if extra else da.expand_dims(component=[term])
        q = da.quantile([0.05, 0.95], dim=SAMPLE_DIMS)
        summary = xr.Dataset(
            {
                "mean": da.mean(SAMPLE_DIMS),
                "q05": q.sel(quantile=0.05, drop=True),
                "q95": q.sel(quantile=0.95, drop=True),
            }
        )
        frames.append(summary.to_dataframe().reset_index().assign(term=str(term)))
    table = pd.concat(frames, ignore_index=True)
    return table[["date", "term", "component", "mean", "q05", "q95"]]
