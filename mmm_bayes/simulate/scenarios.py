"""Scenarios with known truth: the bundled ``example_weekly`` data set and the KPI builder under it.

:func:`simulate_kpi` turns spend and controls into a KPI by the process in
:mod:`mmm_bayes.simulate.truth` and returns the data with its :class:`~.truth.Truth`;
a scenario (:func:`example_weekly`) only chooses dates, spend patterns, controls and parameters.
Later scenarios (geo, lift tests, confounders, drifting coefficients) reuse the same pieces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mmm_bayes.simulate._random import as_generator
from mmm_bayes.simulate.controls import price_index, promo_events
from mmm_bayes.simulate.media import (
    AlwaysOn,
    Flighted,
    SeasonalPulses,
    SpendPattern,
    simulate_spend,
)
from mmm_bayes.simulate.truth import (
    ChannelTruth,
    Truth,
    fourier_seasonality,
    linear_trend,
    true_roas,
)

#: Media parameters of ``example_weekly``. K is in units of the channel's mean spend; beta in
#: sales per week at full saturation. TV is a slow-decaying, S-shaped, break-even channel; search
#: a fast, concave, very profitable one; social and display lose money; radio is profitable.
EXAMPLE_CHANNELS: tuple[ChannelTruth, ...] = (
    ChannelTruth("tv", alpha=0.6, l_max=8, K=1.2, S=2.0, beta=80_000.0),
    ChannelTruth("search", alpha=0.1, l_max=8, K=0.8, S=1.0, beta=65_000.0),
    ChannelTruth("social", alpha=0.3, l_max=8, K=1.0, S=1.5, beta=12_000.0),
    ChannelTruth("display", alpha=0.2, l_max=8, K=0.6, S=1.2, beta=3_200.0),
    ChannelTruth("radio", alpha=0.45, l_max=8, K=0.9, S=2.5, beta=9_000.0),
)

#: Spend patterns of ``example_weekly``: TV ~50k a week in 4-8 week flights, search ~10k and
#: display ~4k always on, social pulsing to ~16k (mean ~7.5k) in spring and autumn, radio ~5k
#: in 3-6 week flights.
EXAMPLE_SPEND: dict[str, SpendPattern] = {
    "tv": Flighted(level=50_000.0, on_periods=(4, 8), off_periods=(3, 8), cv=0.15),
    "search": AlwaysOn(level=10_000.0, cv=0.25, ar=0.5, seasonal_amplitude=0.2),
    "social": SeasonalPulses(level=16_000.0, peak_days=(105.0, 320.0), width_days=14.0),
    "display": AlwaysOn(level=4_000.0, cv=0.35, ar=0.3),
    "radio": Flighted(level=5_000.0, on_periods=(3, 6), off_periods=(3, 8), cv=0.1),
}

#: Baseline of ``example_weekly``, in sales per week. The price coefficient is per unit of the
#: index (around 1), so a 1% price rise costs 1,200 sales; a promotion week adds 15,000.
EXAMPLE_BASELINE: dict[str, Any] = {
    "intercept": 250_000.0,
    "trend_slope": 20_000.0,
    "season_sin": (12_000.0, -4_000.0),
    "season_cos": (6_000.0, 3_000.0),
    "controls": {"price_index": -120_000.0, "promo": 15_000.0},
    "noise_sigma": 8_000.0,
}


def simulate_kpi(
    data: pd.DataFrame,
    *,
    channels: Sequence[ChannelTruth],
    intercept: float,
    trend_slope: float,
    season_sin: tuple[float, ...],
    season_cos: tuple[float, ...],
    controls: Mapping[str, float],
    noise_sigma: float,
    random_seed: int | np.random.Generator,
    kpi: str = "sales",
    date_column: str = "date",
    period_days: float = 365.25,
    meta: Mapping[str, Any] | None = None,
) -> tuple[pd.DataFrame, Truth]:
    """Add a KPI column built from ``data``'s dates, controls and spend, and return its truth.

    Parameters
    ----------
    data : DataFrame
        One row per period: ``date_column``, each control in ``controls`` and each channel's
        ``spend_column``. Values are used as they are (round them first if they will be
        written rounded).
    channels : sequence of ChannelTruth
        Media parameters; each channel's spend scale is its mean spend over ``data``.
    intercept, trend_slope, season_sin, season_cos, controls, noise_sigma
        Baseline and noise parameters, see :class:`~.truth.Truth`.
    random_seed : int or numpy.random.Generator
        Seed of the noise (the only randomness here).
    kpi : str, default "sales"
        Name of the new KPI column, placed after ``date_column`` and rounded to cents.
    date_column : str, default "date"
        Name of the date column.
    period_days : float, default 365.25
        Period of the Fourier seasonality, in days.
    meta : mapping, optional
        Provenance stored in ``Truth.meta``.

    Returns
    -------
    data : DataFrame
        A copy of ``data`` with the KPI column.
    truth : Truth
        Parameters, spend scales, true ROAS and the per-date KPI components.
    """
    dates = pd.DatetimeIndex(data[date_column], name=date_column)
    n = len(dates)
    parts: dict[str, np.ndarray] = {
        "intercept": np.full(n, float(intercept)),
        "trend": linear_trend(n, trend_slope),
        "seasonality": fourier_seasonality(dates, season_sin, season_cos, period_days=period_days),
    }
    parts |= {col: gamma * data[col].to_numpy(dtype=float) for col, gamma in controls.items()}
    scale, total, roas = {}, {}, {}
    for c in channels:
        spend = data[c.spend_column].to_numpy(dtype=float)
        scale[c.name], total[c.name] = float(spend.mean()), float(spend.sum())
        parts[c.name] = c.contribution(spend, scale=scale[c.name], extend=False)
        roas[c.name] = float(
            true_roas(spend, alpha=c.alpha, l_max=c.l_max, K=c.K, S=c.S, beta=c.beta,
                      scale=scale[c.name])
        )  # fmt: skip
    parts["noise"] = as_generator(random_seed).normal(0.0, noise_sigma, size=n)
    if len(parts) != 4 + len(controls) + len(channels):
        raise ValueError("control and channel names must differ from each other and from "
                         "'intercept', 'trend', 'seasonality' and 'noise'")  # fmt: skip
    components = pd.DataFrame(parts, index=dates)
    out = data.copy()
    out.insert(
        list(out.columns).index(date_column) + 1, kpi, components.sum(axis=1).round(2).values
    )
    truth = Truth(
        channels=tuple(channels),
        intercept=float(intercept),
        trend_slope=float(trend_slope),
        season_sin=tuple(map(float, season_sin)),
        season_cos=tuple(map(float, season_cos)),
        controls={k: float(v) for k, v in controls.items()},
        noise_sigma=float(noise_sigma),
        spend_scale=scale,
        total_spend=total,
        true_roas=roas,
        components=components,
        kpi=kpi,
        date_column=date_column,
        period_days=float(period_days),
        meta=dict(meta or {}),
    )
    return out, truth


def example_weekly(
    *,
    n_weeks: int = 156,
    random_seed: int | np.random.Generator = 20261123,
    start: str = "2023-01-02",
) -> tuple[pd.DataFrame, Truth]:
    """Simulate the data set bundled as ``mmm_bayes.datasets.load("example_weekly")``.

    Three years of weekly (``W-MON``) sales around 200k a week with five channels (``tv``,
    ``search``, ``social``, ``display``, ``radio``; columns ``{name}_spend``) and two controls
    (``price_index`` around 1, ``promo`` 0/1). Parameters are fixed in :data:`EXAMPLE_CHANNELS`,
    :data:`EXAMPLE_SPEND` and :data:`EXAMPLE_BASELINE`; the seed drives only spend, controls and
    noise, each from its own child generator. Spend is drawn in whole currency units and the
    price index to three decimals *before* the KPI is computed, so the truth is exact for the
    values in the file; only sales are rounded (to cents) after.

    Parameters
    ----------
    n_weeks : int, default 156
        Number of weeks, at least 2.
    random_seed : int or numpy.random.Generator, default 20261123
        Seed; the default reproduces the bundled file.
    start : str, default "2023-01-02"
        First Monday.

    Returns
    -------
    data : DataFrame
        Columns ``date, sales, tv_spend, search_spend, social_spend, display_spend,
        radio_spend, price_index, promo``, one row per week.
    truth : Truth
        True parameters, ROAS and per-week components.

    Examples
    --------
    >>> df, truth = example_weekly()
    >>> df.shape, sorted(truth.true_roas) == sorted(truth.channel_names)
    ((156, 9), True)
    """
    if n_weeks < 2:
        raise ValueError(f"n_weeks must be at least 2, got {n_weeks}")
    spend_rng, control_rng, noise_rng = as_generator(random_seed).spawn(3)
    dates = pd.date_range(start, periods=n_weeks, freq="W-MON", name="date")
    spend = simulate_spend(dates, EXAMPLE_SPEND, random_seed=spend_rng)
    data = pd.DataFrame({"date": dates})
    data = pd.concat([data, spend.reset_index(drop=True)], axis=1)
    data["price_index"] = price_index(dates, control_rng)
    data["promo"] = promo_events(dates, control_rng)
    seed = random_seed if isinstance(random_seed, int) else None
    meta = {"scenario": "example_weekly", "n_weeks": n_weeks, "random_seed": seed, "start": start}
    return simulate_kpi(
        data, channels=EXAMPLE_CHANNELS, random_seed=noise_rng, meta=meta, **EXAMPLE_BASELINE
    )
