"""Media block: adstock, then saturation, then a non-negative effect per channel.

A reach-and-frequency channel instead saturates its frequency and adstocks the product with
its reach (as Google Meridian does): ``adstock(reach x sat(frequency))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from mmm_bayes.model.blocks.priors import make_rv
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec
from mmm_bayes.spec.model import MEDIA_PRIOR_KINDS
from mmm_bayes.transforms import (
    apply_lag_weights_pt,
    delayed_weights_pt,
    geometric_weights_pt,
    hill_pt,
    lag_stack,
    logistic_saturation_pt,
)
from mmm_bayes.transforms.effect import (
    MROAS_STEP,
    effect_from_mroas,
    effect_from_roas,
    effect_from_share,
)


@dataclass(frozen=True)
class MediaTransform:
    """The registered carryover weights and saturation parameters of every channel.

    Lets other blocks (lift tests, the ROAS parameterization) run any pre-lagged media through
    the same adstock and saturation as the channel's own series.
    """

    kind: str  # saturation kind
    weights: pt.TensorVariable  # (channel, lag), normalized
    params: dict[str, pt.TensorVariable]  # saturation parameters, each (channel,)

    def response(self, lagged, idx=None) -> pt.TensorVariable:
        """Saturated adstock of ``lagged`` over its value at steady mean spend.

        Parameters
        ----------
        lagged : tensor, shape (n, period, lag)
            Media in units of the channel's mean, pre-shifted into lags (:func:`lag_stack`).
        idx : array of int, optional
            The channel of each of the ``n`` rows; default the rows are the channels in order.

        Returns
        -------
        tensor, shape (n, period)
        """
        weights = self.weights if idx is None else self.weights[idx]
        params = self.params if idx is None else {k: v[idx] for k, v in self.params.items()}
        x = apply_lag_weights_pt(lagged, weights)
        ones = pt.ones_like(next(iter(params.values())))[..., None]
        return self._saturate(x, params) / self._saturate(ones, params)

    def rf_response(self, reach_lagged, frequency_lagged, idx) -> pt.TensorVariable:
        """Adstocked effective reach of reach-and-frequency channels ``idx``, (n, period).

        ``adstock(reach x sat(frequency) / sat(1))``: reach and frequency in units of their
        window means (frequency's reach-weighted), both pre-shifted into lags, so the
        response is 1 at steady mean reach and frequency, as :meth:`response` is at mean spend.
        """
        params = {k: v[idx] for k, v in self.params.items()}
        ones = pt.ones_like(next(iter(params.values())))[..., None]
        at_mean = self._saturate(ones, params)[:, :, None]  # (n, 1, 1)
        lagged_params = {k: v[:, None] for k, v in params.items()}  # broadcast over (date, lag)
        curve = self._saturate(frequency_lagged, lagged_params) / at_mean
        return apply_lag_weights_pt(reach_lagged * curve, self.weights[idx])

    def _saturate(self, x, params) -> pt.TensorVariable:
        if self.kind == "logistic":
            return logistic_saturation_pt(x, params["lam"])
        return hill_pt(x, params["K"], params["S"])


def media_transform(spec: ModelSpec) -> MediaTransform:
    """Register the adstock (``alpha`` [, ``theta``]) and saturation parameters per channel."""
    priors, l_max = spec.media_priors(), spec.adstock.l_max
    alpha = make_rv("alpha", priors["alpha"], dims="channel")
    if spec.adstock.kind == "delayed":
        theta = make_rv("theta", priors["theta"], dims="channel")
        weights = delayed_weights_pt(alpha, theta, l_max)
    else:
        weights = geometric_weights_pt(alpha, l_max)
    if spec.saturation.kind == "logistic":
        params = {"lam": make_rv("lam", priors["lam"], dims="channel")}
    else:
        params = {name: make_rv(name, priors[name], dims="channel") for name in ("K", "S")}
    return MediaTransform(spec.saturation.kind, weights, params)


def media_block(
    spec: ModelSpec, inputs: ModelInputs, kpi_scale, multiplier=None
) -> tuple[pt.TensorVariable, MediaTransform]:
    """Per-channel media contribution on the scaled KPI, shape (date, channel).

    The scaled media enter as data already shifted into lags (``media_lagged``, dims channel,
    date, lag), so adstock is a weighted sum over the lag axis: no shifts in the graph. Dividing
    the saturated media by the curve's value at 1.0 (a channel's mean spend) makes ``effect``
    the KPI per period at mean spend, which the data pin down far better than a curve's ceiling.

    Registers ``channel_contribution`` (date, channel) in KPI units and ``effect`` (channel).
    Returns the contribution and the :class:`MediaTransform` for blocks that reuse it.
    ``multiplier`` (date, channel), from time-varying coefficients, scales each period's effect.
    """
    lagged = lag_stack(inputs.media_scaled.T, spec.adstock.l_max)
    media = pm.Data("media_lagged", lagged, dims=("channel", "date", "lag"))
    transform = media_transform(spec)
    response = _response(transform, media, inputs, spec.adstock.l_max)
    effect = effect_block(spec, inputs, kpi_scale, transform, response)
    contribution = (effect[:, None] * response).T
    if multiplier is not None:
        contribution = contribution * multiplier
    pm.Deterministic("channel_contribution", contribution * kpi_scale, dims=("date", "channel"))
    return contribution, transform


def _response(transform: MediaTransform, media, inputs: ModelInputs, l_max: int):
    """Every channel's response (channel, date): R&F channels by reach and frequency."""
    rf = inputs.rf
    if not rf.any():
        return transform.response(media)
    rf_idx, other = np.flatnonzero(rf), np.flatnonzero(~rf)
    model = pm.modelcontext(None)
    model.add_coord("rf_channel", [inputs.channels[i] for i in rf_idx])
    freq = lag_stack(inputs.frequency_scaled.T[rf_idx], l_max)
    freq = pm.Data("frequency_lagged", freq, dims=("rf_channel", "date", "lag"))
    parts = [transform.rf_response(media[rf_idx], freq, rf_idx)]
    if other.size:
        parts.insert(0, transform.response(media[other], other))
    order = np.argsort(np.concatenate([other, rf_idx]))  # back to channel order
    return pt.concatenate(parts, axis=0)[order]


def effect_block(
    spec: ModelSpec, inputs: ModelInputs, kpi_scale, transform: MediaTransform, response
) -> pt.TensorVariable:
    """Register ``effect`` (channel): each channel's KPI per period at mean spend (scaled KPI).

    A channel's prior may be on ``effect`` itself (sampled as ``effect_rel``, per unit of spend
    share: equal values mean equal ROAS, so a small channel is not given the same a-priori KPI
    effect as the biggest), or on its ``roas``, ``mroas`` or ``contribution_share``: then that
    quantity is the sampled parameter and ``effect`` follows from it exactly
    (:mod:`mmm_bayes.transforms.effect`), so the prior is on the number the results report.
    """
    kinds = [kind for kind, _ in spec.media_prior_kinds()]
    if "effect" in kinds:
        # only when used: data that no compiled function reads cannot be swapped in on a refit
        share = pm.Data(
            "spend_share", inputs.spend_scale / inputs.spend_scale.sum(), dims="channel"
        )
    if set(kinds) == {"effect"}:
        effect_rel = make_rv("effect_rel", spec.media_priors()["effect"], dims="channel")
        return pm.Deterministic("effect", effect_rel * share, dims="channel")
    model = pm.modelcontext(None)
    effect = pt.zeros(len(kinds))
    for kind in (k for k in MEDIA_PRIOR_KINDS if k in kinds):
        idx = np.array([i for i, k in enumerate(kinds) if k == kind])
        priors = [p for k, p in spec.media_prior_kinds() if k == kind]
        dim = f"{kind}_channel"
        model.add_coord(dim, [inputs.channels[i] for i in idx])
        name = "effect_rel" if kind == "effect" else kind
        value = make_rv(name, priors, dims=dim)
        effect = pt.set_subtensor(
            effect[idx], _effect_of(kind, value, idx, inputs, kpi_scale, transform, response)
        )
    return pm.Deterministic("effect", effect, dims="channel")


def _effect_of(kind, value, idx, inputs, kpi_scale, transform, response):
    """``effect`` of the channels ``idx`` whose prior is on ``kind``, from its value."""
    if kind == "effect":
        return value * pm.modelcontext(None)["spend_share"][idx]
    if kind == "contribution_share":
        kpi_total = pm.Data("kpi_total_scaled", np.asarray(inputs.kpi.sum() / inputs.kpi_scale))
        return effect_from_share(value, response[idx].sum(axis=1), kpi_total)
    spend = pm.Data(f"{kind}_spend_total", inputs.spend.sum(axis=0)[idx], dims=f"{kind}_channel")
    tail = _tail_data(idx, inputs, kind, transform.weights.type.shape[-1])
    total = _total_response(transform, response[idx], tail, idx, 1.0)
    if kind == "roas":
        return effect_from_roas(value, total, spend, kpi_scale)
    window = transform.response(
        (1.0 + MROAS_STEP) * pm.modelcontext(None)["media_lagged"][idx], idx
    )
    stepped = _total_response(transform, window, tail, idx, 1.0 + MROAS_STEP)
    return effect_from_mroas(value, total, stepped, spend, kpi_scale)


def _tail_data(idx, inputs: ModelInputs, kind: str, l_max: int):
    """Register ``<kind>_media_tail_lagged``: lagged media of the periods after the window.

    The ``l_max - 1`` periods after the window have zero spend but carryover; channels ``idx``.
    Returns None when ``l_max`` is 1.
    """
    if l_max <= 1:
        return None
    x = inputs.media_scaled.T[idx]
    extended = np.concatenate([x, np.zeros((len(idx), l_max - 1))], axis=1)
    return pm.Data(f"{kind}_media_tail_lagged", lag_stack(extended, l_max)[:, x.shape[1] :, :])


def _total_response(transform, window, tail, idx, multiplier) -> pt.TensorVariable:
    """Response summed over the window and the carryover tail after it, as ROAS counts it.

    ``window`` is the response in the window, shape (n, date); the tail is evaluated at
    ``multiplier`` x the media.
    """
    total = window.sum(axis=1)
    if tail is not None:
        total = total + transform.response(multiplier * tail, idx).sum(axis=1)
    return total
