"""Media block: adstock, then saturation, then a non-negative effect per channel."""

from __future__ import annotations

import pymc as pm
import pytensor.tensor as pt

from mmm_bayes.model.blocks.priors import make_rv
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec
from mmm_bayes.transforms import (
    apply_lag_weights_pt,
    delayed_weights_pt,
    geometric_weights_pt,
    hill_pt,
    lag_stack,
    logistic_saturation_pt,
)


def adstock_block(spec: ModelSpec, inputs: ModelInputs) -> pt.TensorVariable:
    """Adstocked media, shape (channel, date), with per-channel carryover parameters.

    The scaled spend enters as data already shifted into lags (``media_lagged``, dims channel,
    date, lag), so adstock is a weighted sum over the lag axis: no shifts in the graph.
    """
    priors, l_max = spec.media_priors(), spec.adstock.l_max
    lagged = lag_stack(inputs.media_scaled.T, l_max)
    media = pm.Data("media_lagged", lagged, dims=("channel", "date", "lag"))
    alpha = make_rv("alpha", priors["alpha"], dims="channel")
    if spec.adstock.kind == "delayed":
        theta = make_rv("theta", priors["theta"], dims="channel")
        return apply_lag_weights_pt(media, delayed_weights_pt(alpha, theta, l_max))
    return apply_lag_weights_pt(media, geometric_weights_pt(alpha, l_max))


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
    response = saturation_block(spec, adstock_block(spec, inputs))
    # the prior is on effect per unit of spend share: equal values mean equal ROAS, so a
    # small channel is not given the same a-priori KPI effect as the biggest one
    share = pm.Data("spend_share", inputs.spend_scale / inputs.spend_scale.sum(), dims="channel")
    effect_rel = make_rv("effect_rel", spec.media_priors()["effect"], dims="channel")
    effect = pm.Deterministic("effect", effect_rel * share, dims="channel")
    contribution = (effect[:, None] * response).T
    pm.Deterministic("channel_contribution", contribution * kpi_scale, dims=("date", "channel"))
    return contribution
