"""Budgets set from a forecast of demand: a confounded scenario with known truth.

Demand moves slowly (cycles of a few months, not the yearly season the model has terms for) and
raises the KPI directly. Planners see a noisy forecast of demand and set the search budget from
it, so search spend rises when demand does: demand -> forecast -> spend, and demand -> KPI. A
model without the forecast credits search with the demand's effect (ROAS biased upward); with
the (smoothed) forecast as a control the path through the forecast is blocked.

>>> data, truth = forecast_feedback(random_seed=1)
>>> sorted(data.columns)
['date', 'forecast', 'sales', 'search_spend', 'tv_spend']
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mmm_bayes.simulate._random import as_generator
from mmm_bayes.simulate.truth import channel_contribution, true_roas
from mmm_bayes.transforms.forecast import fft_lowpass

__all__ = ["ForecastTruth", "forecast_feedback", "write_forecast_example"]

_L_MAX = 8


@dataclass(frozen=True)
class ForecastTruth:
    """What :func:`forecast_feedback` drew: true ROAS per channel and the hidden demand.

    Attributes
    ----------
    true_roas : dict of str to float
        KPI per currency unit, carryover tail included (the model's definition).
    demand : ndarray, shape (n_periods,)
        The hidden demand, KPI units per period above the base level.
    spend_demand_corr : float
        Correlation of log search spend with demand (how strong the confounding is).
    """

    true_roas: dict[str, float]
    demand: np.ndarray
    spend_demand_corr: float


def _slow_demand(rng: np.random.Generator, n: int, sd: float) -> np.ndarray:
    """White noise low-passed to cycles of 8-26 periods, scaled to standard deviation ``sd``."""
    x = fft_lowpass(rng.normal(size=n + 60), 8.0)[30:-30]
    x = x - fft_lowpass(x, 40.0)  # no yearly or longer movement: the model's terms take those
    return sd * (x - x.mean()) / x.std()


def forecast_feedback(
    *,
    n_periods: int = 156,
    base: float = 100_000.0,
    demand_sd: float = 0.08,
    forecast_noise: float = 0.03,
    sensitivity: float = 3.0,
    spend_noise: float = 0.35,
    noise_sd: float = 0.015,
    random_seed: int | np.random.Generator = 0,
) -> tuple[pd.DataFrame, ForecastTruth]:
    """Simulate weekly sales where the search budget follows a noisy forecast of demand.

    ``sales = base * (1 + demand) + tv + search + noise``, with ``forecast = demand + e``,
    ``search_spend = 10,000 * exp(sensitivity * forecast) * lognormal(spend_noise)`` and TV in
    independent flights. Media follow the model's own form (normalized geometric adstock, Hill
    saturation on spend in units of its mean).

    Parameters
    ----------
    n_periods : int, default 156
        Weeks, from Monday 2023-01-02.
    base : float, default 100,000
        Sales per week without media and demand swings.
    demand_sd : float, default 0.08
        Standard deviation of demand, as a share of ``base``.
    forecast_noise : float, default 0.03
        Standard deviation of the forecast's error (white noise), as a share of ``base``.
    sensitivity : float, default 3.0
        How strongly the search budget follows the forecast (log spend per unit of demand).
    spend_noise : float, default 0.35
        Log-scale noise of search spend not explained by the forecast (execution, auctions).
    noise_sd : float, default 0.015
        KPI noise, as a share of ``base``.
    random_seed : int or Generator, default 0
        Seed.

    Returns
    -------
    data : DataFrame
        ``date``, ``sales``, ``search_spend``, ``tv_spend`` and ``forecast`` (the forecast of
        sales without media that the planners saw, in KPI units).
    truth : ForecastTruth
        True ROAS per channel and the hidden demand.
    """
    rng = as_generator(random_seed)
    dates = pd.date_range("2023-01-02", periods=n_periods, freq="W-MON")
    demand = _slow_demand(rng, n_periods, demand_sd)
    forecast = demand + rng.normal(0.0, forecast_noise, n_periods)
    search = 10_000.0 * np.exp(sensitivity * forecast + rng.normal(0, spend_noise, n_periods))
    on = (np.arange(n_periods) // 6) % 3 == 0  # TV: 6 weeks on, 12 off
    tv = np.where(on, 20_000.0 * rng.lognormal(0.0, 0.2, n_periods), 0.0)
    spend = np.stack([search, tv])
    params = {
        "alpha": np.array([0.2, 0.6]),
        "K": np.array([1.0, 1.2]),
        "S": np.array([1.5, 2.0]),
        "beta": np.array([25_000.0, 30_000.0]),
        "scale": spend.mean(axis=1),
    }
    media = channel_contribution(spend, l_max=_L_MAX, extend=False, **params)
    noise = rng.normal(0.0, noise_sd * base, n_periods)
    sales = base * (1.0 + demand) + media.sum(axis=0) + noise
    roas = true_roas(spend, l_max=_L_MAX, **params)
    data = pd.DataFrame(
        {
            "date": dates,
            "sales": sales,
            "search_spend": search,
            "tv_spend": tv,
            "forecast": base * (1.0 + forecast),
        }
    )
    corr = float(np.corrcoef(np.log(search), demand)[0, 1])
    truth = ForecastTruth(
        true_roas={"search": float(roas[0]), "tv": float(roas[1])},
        demand=base * demand,
        spend_demand_corr=corr,
    )
    return data, truth


def write_forecast_example(directory: str | os.PathLike[str]) -> Path:
    """Write ``example_forecast_weekly.csv`` (seed 1, values rounded to cents) into ``directory``.

    The data behind ``configs/forecast_control.yaml``; its truth is
    ``forecast_feedback(random_seed=1)[1]`` (rounding aside).
    """
    data, _ = forecast_feedback(random_seed=1)
    path = Path(directory) / "example_forecast_weekly.csv"
    data = data.assign(**{c: data[c].round(2) for c in data.columns if c != "date"})
    data.to_csv(path, index=False, date_format="%Y-%m-%d")
    return path
