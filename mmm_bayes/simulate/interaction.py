"""Two channels whose audiences overlap: a scenario with a known interaction term.

``sales = base + beta_a r_a(t) + beta_b r_b(t) + gamma * mean(sales) * r_a(t) r_b(t) + noise``,
with ``r_c`` the model's own media response (normalized geometric adstock, Hill saturation on
spend over its mean, divided by its value at mean spend), so the model's ``interaction_coef``
is ``gamma`` exactly (in units of the mean KPI). ``gamma > 0`` is synergy, ``< 0``
cannibalization, 0 no interaction.

>>> data, truth = channel_overlap(coef=0.05, random_seed=1)
>>> sorted(data.columns), round(truth.coef, 2)
(['date', 'facebook_spend', 'sales', 'youtube_spend'], 0.05)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mmm_bayes.simulate._random import as_generator
from mmm_bayes.transforms import geometric_adstock, hill

__all__ = ["OverlapTruth", "channel_overlap"]


@dataclass(frozen=True)
class OverlapTruth:
    """Truth of :func:`channel_overlap`.

    Attributes
    ----------
    coef : float
        The interaction per period at both channels' mean spend, in units of the mean KPI
        (the model's ``interaction_coef``).
    interaction_total : float
        The interaction term summed over the window, KPI units.
    """

    coef: float
    interaction_total: float


def _response(spend: np.ndarray, alpha: float, K: float, S: float) -> np.ndarray:
    x = geometric_adstock(spend / spend.mean(), alpha, 8, normalize=True)
    return hill(x, K, S) / hill(np.ones(1), K, S)


def channel_overlap(
    *,
    coef: float = 0.05,
    n_periods: int = 156,
    base: float = 100_000.0,
    noise_sd: float = 0.02,
    random_seed: int | np.random.Generator = 0,
) -> tuple[pd.DataFrame, OverlapTruth]:
    """Simulate weekly sales from YouTube and Facebook with an interaction of size ``coef``.

    Both channels run in independent flights (on about half the weeks, lognormal spend when on)
    so periods with one, the other, both and neither occur and the product term is identified.

    Parameters
    ----------
    coef : float, default 0.05
        True interaction at mean spend of both, in units of the mean KPI (sign free).
    n_periods : int, default 156
        Weeks, from Monday 2023-01-02.
    base : float, default 100,000
        Sales per week without media.
    noise_sd : float, default 0.02
        KPI noise as a share of ``base``.
    random_seed : int or Generator, default 0
        Seed.

    Returns
    -------
    data : DataFrame
        ``date``, ``sales``, ``youtube_spend``, ``facebook_spend``.
    truth : OverlapTruth
    """
    rng = as_generator(random_seed)
    dates = pd.date_range("2023-01-02", periods=n_periods, freq="W-MON")
    spend = {}
    for name, level in (("youtube", 15_000.0), ("facebook", 10_000.0)):
        on = np.repeat(rng.random(n_periods // 4 + 1) < 0.5, 4)[:n_periods]
        spend[name] = np.where(on, level * rng.lognormal(0.0, 0.4, n_periods), 0.0)
    r_yt = _response(spend["youtube"], 0.4, 1.0, 1.5)
    r_fb = _response(spend["facebook"], 0.3, 0.8, 1.2)
    media = 12_000.0 * r_yt + 9_000.0 * r_fb
    product = r_yt * r_fb
    # the model's coef is per mean KPI; the mean KPI itself contains the interaction, so solve
    # mean = base + mean(media) + coef * mean * mean(product) for the mean first
    mean_kpi = (base + media.mean()) / (1.0 - coef * product.mean())
    interaction = coef * mean_kpi * product
    noise = rng.normal(0.0, noise_sd * base, n_periods)
    sales = base + media + interaction + noise
    data = pd.DataFrame(
        {
            "date": dates,
            "sales": sales,
            "youtube_spend": spend["youtube"],
            "facebook_spend": spend["facebook"],
        }
    )
    return data, OverlapTruth(coef=coef, interaction_total=float(interaction.sum()))
