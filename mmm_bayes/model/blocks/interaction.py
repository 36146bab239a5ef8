"""Channel-overlap block: interaction terms between pairs of channels' saturated media.

``interaction_k(t) = coef_k * r_a(t) * r_b(t) * overlap_k(t)`` on the scaled KPI, where ``r_c``
is channel ``c``'s adstocked, saturated media over its value at steady mean spend (the media
block's response, 1 at mean spend) and ``overlap_k`` the measured audience overlap over its
mean (1 without a column). ``coef_k`` has a sign-free prior: synergy (> 0) or cannibalization
(< 0). See :mod:`mmm_bayes.spec.interaction`.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from mmm_bayes.model.blocks.priors import make_rv
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec

__all__ = ["interaction_block", "interaction_index"]


def interaction_index(spec: ModelSpec) -> tuple[np.ndarray, np.ndarray]:
    """Channel positions (in spec order) of the first and second channel of each interaction."""
    names = list(spec.channel_names)
    first = np.array([names.index(i.channels[0]) for i in spec.interactions], dtype=int)
    second = np.array([names.index(i.channels[1]) for i in spec.interactions], dtype=int)
    return first, second


def interaction_block(
    spec: ModelSpec, inputs: ModelInputs, transform, kpi_scale
) -> pt.TensorVariable:
    """Sum of the interaction terms on the scaled KPI, shape (date,); 0 without interactions.

    Registers ``interaction_coef`` (interaction), the data ``interaction_overlap`` (date,
    interaction) and ``interaction_contribution`` (date, interaction) in KPI units.

    Parameters
    ----------
    spec : ModelSpec
        Its ``interactions`` (pairs of channel names, overlap columns, priors).
    inputs : ModelInputs
        ``overlap``: (date, interaction), each column over its mean.
    transform : MediaTransform
        The media block's adstock and saturation (``transform.response(lagged)``), so the
        interaction acts on the same saturated media as the channels' own terms.
    kpi_scale : tensor
        The KPI scale (``kpi_scale`` data).
    """
    if not spec.interactions:
        return pt.as_tensor(0.0)
    model = pm.modelcontext(None)
    model.add_coord("interaction", [i.name for i in spec.interactions])
    first, second = interaction_index(spec)
    response = transform.response(model["media_lagged"])  # (channel, date); merged at compile
    overlap = pm.Data("interaction_overlap", inputs.overlap, dims=("date", "interaction"))
    coef = make_rv("interaction_coef", [i.coef for i in spec.interactions], dims="interaction")
    term = coef * (response[first] * response[second]).T * overlap
    pm.Deterministic("interaction_contribution", term * kpi_scale, dims=("date", "interaction"))
    return term.sum(axis=1)
