"""Channel-overlap terms per posterior draw, and the rule that splits them back to channels.

The model's term for interaction ``k`` between channels ``a`` and ``b`` is
``coef_k * r_a(t) * r_b(t) * overlap_k(t) * kpi_scale`` (KPI units), ``r_c`` the channel's
saturated media over its value at mean spend (see :mod:`mmm_bayes.model.blocks.interaction`).

**Split rule.** Each interaction is split half and half between its two channels. This is the
Shapley value of a product term: switching off either channel removes the whole term, so each
is pivotal in the same coalitions and gets the same share. Channel attributions then add up to
the total media effect (own terms plus interactions), and a channel's ROAS is its own term plus
half of every interaction it is in, divided by its spend.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from mmm_bayes.analysis.media import SAMPLE_DIMS, channel_contribution, media_params
from mmm_bayes.model.blocks.interaction import interaction_index
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec

__all__ = ["interaction_contribution", "interaction_share"]


def _response(ds: xr.Dataset, inputs: ModelInputs, spec: ModelSpec, extend: bool) -> np.ndarray:
    """Saturated media over its value at mean spend, (chain, draw, channel, date[+tail])."""
    params = media_params(ds, spec, inputs.channels)
    params.pop("multiplier", None)  # interactions act on the saturated media themselves
    params["effect"] = np.ones_like(params["effect"])
    return channel_contribution(inputs.media_scaled.T, params, spec, extend=extend)


def interaction_contribution(
    posterior: xr.Dataset, inputs: ModelInputs, spec: ModelSpec, *, extend: bool = False
) -> np.ndarray:
    """Each interaction term per draw and period, KPI units: (chain, draw, interaction, date).

    With ``extend`` the ``l_max - 1`` periods after the window are appended (spend zero there,
    overlap at its window mean), as ROAS counts the carryover tail.
    """
    first, second = interaction_index(spec)
    response = _response(posterior, inputs, spec, extend)
    overlap = inputs.overlap.T  # (interaction, date)
    if extend:
        tail = np.ones((overlap.shape[0], spec.adstock.l_max - 1))
        overlap = np.concatenate([overlap, tail], axis=-1)
    coef = posterior["interaction_coef"].transpose(*SAMPLE_DIMS, "interaction").to_numpy()
    term = coef[..., None] * response[..., first, :] * response[..., second, :] * overlap
    return term * inputs.kpi_scale


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
