"""Baseline block: intercept, linear trend, yearly Fourier seasonality and controls."""

from __future__ import annotations

import pymc as pm
import pytensor.tensor as pt

from mmm_bayes.model.blocks.priors import make_rv
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec


def baseline_block(
    spec: ModelSpec, inputs: ModelInputs, kpi_scale, *, media_mean
) -> pt.TensorVariable:
    """Everything but media on the scaled KPI, shape (date,).

    ``level`` is sampled and the intercept derived as ``level - media_mean``, where
    ``media_mean`` is the summed time-average of the media terms (scaled KPI). Registers
    ``intercept`` (scaled KPI), ``trend_contribution``, ``seasonality_contribution`` (date) and
    ``control_contribution`` (date, control) in KPI units, each present only when its term is.
    """
    mu = pm.Deterministic("intercept", make_rv("level", spec.level) - media_mean)
    if spec.trend.enabled:
        time = pm.Data("time", inputs.time, dims="date")
        trend = make_rv("trend_slope", spec.trend.slope) * time
        pm.Deterministic("trend_contribution", trend * kpi_scale, dims="date")
        mu = mu + trend
    if inputs.fourier.shape[1]:
        fourier = pm.Data("fourier_features", inputs.fourier, dims=("date", "fourier"))
        coef = make_rv("season_coef", spec.seasonality.coef, dims="fourier")
        season = fourier @ coef
        pm.Deterministic("seasonality_contribution", season * kpi_scale, dims="date")
        mu = mu + season
    if inputs.controls:
        controls = pm.Data("controls", inputs.controls_scaled, dims=("date", "control"))
        gamma = make_rv("control_coef", spec.control_coef, dims="control")
        contribution = controls * gamma
        pm.Deterministic("control_contribution", contribution * kpi_scale, dims=("date", "control"))
        mu = mu + contribution.sum(axis=1)
    return mu
