"""Channel-overlap terms per posterior draw, and the rule that splits them back to channels.

The model's term for interaction ``k`` between channels ``a`` and ``b`` is
``coef_k * r_a(t) * r_b(t) * overlap_k(t) * kpi_scale`` (KPI units), ``r_c`` the channel's
saturated media over its value at mean spend (see :mod:`mmm_bayes.model.blocks.interaction`).

**Split rule.** Each interaction is split half and half between its two channels. This is the
Shapley value of a product term: switching off either channel removes the whole term, so each
is pivotal in the same coalitions and gets the same share. Channel attributions then add up to
the total media effect (own terms plus interactions), and a channel's ROAS is its own term plus
half of every interaction it is in, divided by its spend, and a channel's response curve
(:func:`mmm_bayes.analysis.roas.response_curves`) is its own term plus half of each of its
interactions, the other channels at their actual spend. Marginal ROAS and the budget optimizer
count the *whole* change of the total KPI instead: raising one channel's spend changes every
interaction it is in by the full amount, and that is what an extra currency unit buys.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from mmm_bayes.analysis.media import (
    SAMPLE_DIMS,
    channel_contribution,
    media_params,
    scaled_frequency,
)
from mmm_bayes.model.blocks.interaction import interaction_index
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec

__all__ = ["channel_interactions", "interaction_contribution", "interaction_share"]


def _response(
    ds: xr.Dataset, inputs: ModelInputs, spec: ModelSpec, extend: bool, multiplier: float = 1.0
) -> np.ndarray:
    """Saturated media over its value at mean spend, (chain, draw, channel, date[+tail]).

    ``multiplier`` scales every channel's media (and so its spend) in every period.
    """
    params = media_params(ds, spec, inputs.channels)
    params.pop("multiplier", None)  # interactions act on the saturated media themselves
    params["effect"] = np.ones_like(params["effect"])
    x = multiplier * inputs.media_scaled.T
    return channel_contribution(x, params, spec, extend=extend, frequency=scaled_frequency(inputs))


def _terms(
    ds: xr.Dataset,
    inputs: ModelInputs,
    spec: ModelSpec,
    first: np.ndarray,
    second: np.ndarray,
    extend: bool,
) -> np.ndarray:
    """Each interaction's ``coef_k * r_a * r_b * overlap_k * kpi_scale``, (chain, draw, k, time).

    ``r_a`` (the pair's first channel) is taken from ``first``, ``r_b`` from ``second``: both
    responses (chain, draw, channel, time), e.g. at different spend.
    """
    a, b = interaction_index(spec)
    overlap = inputs.overlap.T  # (interaction, date)
    if extend:
        tail = np.ones((overlap.shape[0], spec.adstock.l_max - 1))
        overlap = np.concatenate([overlap, tail], axis=-1)
    coef = ds["interaction_coef"].transpose(*SAMPLE_DIMS, "interaction").to_numpy()
    return coef[..., None] * first[..., a, :] * second[..., b, :] * overlap * inputs.kpi_scale


def interaction_contribution(
    posterior: xr.Dataset, inputs: ModelInputs, spec: ModelSpec, *, extend: bool = False
) -> np.ndarray:
    """Each interaction term per draw and period, KPI units: (chain, draw, interaction, date).

    With ``extend`` the ``l_max - 1`` periods after the window are appended (spend zero there,
    overlap at its window mean), as ROAS counts the carryover tail.
    """
    response = _response(posterior, inputs, spec, extend)
    return _terms(posterior, inputs, spec, response, response, extend)


def channel_interactions(
    posterior: xr.Dataset, inputs: ModelInputs, spec: ModelSpec, multiplier: float
) -> np.ndarray:
    """Per channel, the interactions it is in when it alone spends ``multiplier`` x its spend.

    For channel ``c`` the sum over its interactions ``k`` (with channel ``d``) of
    ``sum_t coef_k * r_c(multiplier x spend_c, t) * r_d(spend_d, t) * overlap_k(t) * kpi_scale``
    over the window and its carryover tail (overlap 1 there), the other channels at their
    actual spend. At ``multiplier`` 1 half of it is the channel's Shapley share
    (:func:`interaction_share` summed over time); its change with ``multiplier`` is the whole
    change of the total KPI's interaction part when ``c``'s spend moves.

    Returns
    -------
    ndarray, shape (chain, draw, channel)
        KPI units; zeros when the model has no interactions.
    """
    out = np.zeros((*(posterior.sizes[d] for d in SAMPLE_DIMS), len(inputs.channels)))
    if not spec.interactions:
        return out
    actual = _response(posterior, inputs, spec, True)
    moved = actual if multiplier == 1 else _response(posterior, inputs, spec, True, multiplier)
    first_moves = _terms(posterior, inputs, spec, moved, actual, True).sum(axis=-1)
    if multiplier == 1:  # nothing moved: both channels of a pair see the same terms
        second_moves = first_moves
    else:
        second_moves = _terms(posterior, inputs, spec, actual, moved, True).sum(axis=-1)
    for k, (a, b) in enumerate(zip(*interaction_index(spec), strict=True)):
        out[..., a] += first_moves[..., k]
        out[..., b] += second_moves[..., k]
    return out


def interaction_share(
    posterior: xr.Dataset, inputs: ModelInputs, spec: ModelSpec, *, extend: bool = False
) -> np.ndarray:
    """Each channel's half of the interactions it is in, per draw: (chain, draw, channel, date).

    Zeros when the model has no interactions. See the module docstring for the rule.
    """
    n_time = len(inputs.dates) + (spec.adstock.l_max - 1 if extend else 0)
    sizes = [posterior.sizes[d] for d in SAMPLE_DIMS]
    out = np.zeros((*sizes, len(inputs.channels), n_time))
    if not spec.interactions:
        return out
    terms = interaction_contribution(posterior, inputs, spec, extend=extend)
    for k, (a, b) in enumerate(zip(*interaction_index(spec), strict=True)):
        out[..., a, :] += 0.5 * terms[..., k, :]
        out[..., b, :] += 0.5 * terms[..., k, :]
    return out
