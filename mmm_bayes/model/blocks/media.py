"""Media block: adstock, then saturation, then a non-negative effect per channel."""

from __future__ import annotations

import pymc as pm
import pytensor.tensor as pt

from mmm_bayes.model.blocks.priors import make_rv
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec
from mmm_bayes.transforms import (
    delayed_adstock_pt,
    geometric_adstock_pt,
    hill_pt,
    logistic_saturation_pt,
)


def adstock_block(spec: ModelSpec, x: pt.TensorVariable) -> pt.TensorVariable:
    """Adstocked media, shape (channel, date), with per-channel carryover parameters."""
    priors = spec.media_priors()
    alpha = make_rv("alpha", priors["alpha"], dims="channel")
    if spec.adstock.kind == "delayed":
        theta = make_rv("theta", priors["theta"], dims="channel")
        return delayed_adstock_pt(x, alpha, theta, spec.adstock.l_max)
    return geometric_adstock_pt(x, alpha, spec.adstock.l_max)


def saturation_block(spec: ModelSpec, x: pt.TensorVariable) -> pt.TensorVariable:
    """Saturated media divided by its value at steady mean spend, shape (channel, date).

    Dividing by the curve's value at 1.0 (a channel's mean spend) makes ``effect`` the KPI per
    period at mean spend, which the data pins down far better than a curve's ceiling.
    """
    priors = spec.media_priors()
    ones = pt.ones((len(spec.channels), 1))
    if spec.saturation.kind == "logistic":
        lam = make_rv("lam", priors["lam"], dims="channel")
        return logistic_saturation_pt(x, lam) / logistic_saturation_pt(ones, lam)
    K = make_rv("K", priors["K"], dims="channel")
    S = make_rv("S", priors["S"], dims="channel")
    return hill_pt(x, K, S) / hill_pt(ones, K, S)


def media_block(spec: ModelSpec, inputs: ModelInputs, kpi_scale) -> pt.TensorVariable:
    """Per-channel media contribution on the scaled KPI, shape (date, channel).

    Registers ``channel_contribution`` (date, channel) in KPI units as a Deterministic.
    """
    media = pm.Data("media", inputs.media_scaled, dims=("date", "channel"))
    response = saturation_block(spec, adstock_block(spec, media.T))
    effect = make_rv("effect", spec.media_priors()["effect"], dims="channel")
    contribution = (effect[:, None] * response).T
    pm.Deterministic("channel_contribution", contribution * kpi_scale, dims=("date", "channel"))
    return contribution
