"""A channel's effect at mean spend, from the quantity its prior is put on.

The model's contribution of a channel is ``effect * r_t`` on the scaled KPI, where ``r_t`` is
the saturated, adstocked media divided by its value at steady mean spend (see
:mod:`mmm_bayes.model.blocks.media`). A prior on ROAS, marginal ROAS or contribution share
fixes ``effect`` through the channel's summed response; these functions invert those
definitions. They are plain arithmetic, so the same function serves numpy arrays and PyTensor
variables (no twins needed).

Notation: ``R`` is the response summed over the window plus the ``l_max - 1`` carryover periods
after it (as ROAS counts it, :func:`mmm_bayes.analysis.roas`), ``R_step`` the same at
``(1 + step)`` times the channel's media, ``R_window`` the response summed over the window only,
``spend`` the channel's spend over the window (currency) and ``kpi_scale`` the KPI's scale.
"""

from __future__ import annotations

__all__ = [
    "MROAS_STEP",
    "effect_from_mroas",
    "effect_from_roas",
    "effect_from_share",
]

#: Relative spend step of marginal ROAS: the same forward difference as
#: :func:`mmm_bayes.analysis.marginal_roas`, so a marginal-ROAS prior is on the reported value.
MROAS_STEP = 0.01


def effect_from_roas(roas, R, spend, kpi_scale):
    """``ROAS = effect * R * kpi_scale / spend``, solved for ``effect``."""
    return roas * spend / (kpi_scale * R)


def effect_from_mroas(mroas, R, R_step, spend, kpi_scale, step: float = MROAS_STEP):
    """``mROAS = effect * (R_step - R) * kpi_scale / (step * spend)``, solved for ``effect``."""
    return mroas * step * spend / (kpi_scale * (R_step - R))


def effect_from_share(share, R_window, kpi_total_scaled):
    """``share = effect * R_window / sum_t(kpi_t / kpi_scale)``, solved for ``effect``.

    The share is of the window's total KPI: the channel's contribution over the window (its
    carryover after the window not counted) divided by the KPI summed over the window.
    """
    return share * kpi_total_scaled / R_window
