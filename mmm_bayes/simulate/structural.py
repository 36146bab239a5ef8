"""Scenarios that stress the model's structure: geo panels, drifting and breaking effects, days.

Each returns a :class:`~mmm_bayes.simulate.causal.Scenario`. Geo panels and time-varying
effects call for the geo and time-varying model features (issue 4); their ``feature`` says so.
:func:`simulate_geos`, :func:`sum_geos` and :func:`national_truth` are the geo machinery that
:mod:`mmm_bayes.simulate.geo` (many geos of very different sizes, a random-walk effect) reuses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mmm_bayes.simulate._random import as_generator
from mmm_bayes.simulate.causal import (
    BASE_CHANNELS,
    BASE_CONTROLS,
    BASE_KPI,
    BASE_SPEND,
    CausalGraph,
    Scenario,
    _media_graph,
    _meta,
    weekly_design,
)
from mmm_bayes.simulate.controls import promo_events
from mmm_bayes.simulate.media import AlwaysOn, SeasonalPulses, SpendPattern, simulate_spend
from mmm_bayes.simulate.scenarios import simulate_kpi
from mmm_bayes.simulate.truth import ChannelTruth, Truth


def vary_effect(
    data: pd.DataFrame, truth: Truth, channel: str, multiplier: np.ndarray
) -> tuple[pd.DataFrame, Truth]:
    """Scale one channel's effect per period by ``multiplier`` and update the KPI and truth.

    The channel's contribution in period ``t`` becomes ``multiplier[t]`` times the constant-
    effect one; the carryover past the window keeps the last multiplier. True ROAS is recomputed
    on that definition (total contribution, window plus tail, per unit of spend).

    Parameters
    ----------
    data, truth : DataFrame, Truth
        Output of :func:`~mmm_bayes.simulate.scenarios.simulate_kpi`.
    channel : str
        The channel whose effect varies.
    multiplier : ndarray, shape (n_periods,)
        Effect multiplier per period (1 is the channel's ``beta``).

    Returns
    -------
    data, truth : DataFrame, Truth
        The KPI rebuilt from the new components (rounded to cents), and the truth with the new
        components, true ROAS and ``meta["effect_multiplier"]``.
    """
    c = truth.channel(channel)
    m = np.asarray(multiplier, dtype=float)
    if m.shape != (len(data),):
        raise ValueError(f"multiplier has shape {m.shape}; the data have {len(data)} periods")
    spend = data[c.spend_column].to_numpy(dtype=float)
    full = c.contribution(spend, scale=truth.spend_scale[channel], extend=True)
    m_ext = np.concatenate([m, np.full(len(full) - len(m), m[-1])])
    components = truth.components.copy()
    components[channel] = (full * m_ext)[: len(m)]
    out = data.copy()
    out[truth.kpi] = components.sum(axis=1).round(2).to_numpy()
    roas = truth.true_roas | {channel: float((full * m_ext).sum() / spend.sum())}
    meta = truth.meta | {"effect_multiplier": {channel: m.round(6).tolist()}}
    return out, dataclasses.replace(truth, components=components, true_roas=roas, meta=meta)


def drifting_coefficient(
    *, random_seed: int | np.random.Generator = 0, n_weeks: int = 104, drift: float = 0.8
) -> Scenario:
    """Simulate a search effect that grows from ``1 - drift / 2`` to ``1 + drift / 2`` x ``beta``.

    Graph: the baseline graph, plus ``time -> effect of search_spend on sales`` (effect
    modification, not a new path). Controls: ``price_index``, ``promo``.

    A constant-coefficient model estimates one spend-weighted average effect, so its window ROAS
    can still be close, but it cannot say the channel got better. The scenario calls for
    time-varying coefficients (``feature="tvp"``, issue 4).
    """
    rng, noise_rng = as_generator(random_seed).spawn(2)
    data = weekly_design(n_weeks, rng)
    meta = _meta("drifting_coefficient", random_seed, n_weeks=n_weeks)
    data, truth = simulate_kpi(
        data,
        channels=BASE_CHANNELS,
        controls=BASE_CONTROLS,
        random_seed=noise_rng,
        meta=meta,
        **BASE_KPI,
    )
    multiplier = 1.0 - drift / 2.0 + drift * np.arange(n_weeks) / (n_weeks - 1)
    data, truth = vary_effect(data, truth, "search", multiplier)
    return Scenario(
        name="drifting_coefficient",
        data=data,
        truth=truth,
        graph=_media_graph(truth, ("time", "search_effect")),
        controls=("price_index", "promo"),
        feature="tvp",
        description=(
            f"Search's effect grows linearly from {1 - drift / 2:.1f}x to {1 + drift / 2:.1f}x "
            "its average over the window; a constant-effect model can only find the average."
        ),
        extra={"multiplier": multiplier},
    )


def structural_break(
    *, random_seed: int | np.random.Generator = 0, n_weeks: int = 104, after: float = 0.4
) -> Scenario:
    """TV's effect drops to ``after`` times its level half way through the window.

    Graph: the baseline graph, plus ``period (before/after the break) -> effect of tv_spend``.
    Controls: ``price_index``, ``promo``. A constant-effect model averages the two regimes; a
    model with time-varying coefficients (issue 4) could find the break.
    """
    rng, noise_rng = as_generator(random_seed).spawn(2)
    data = weekly_design(n_weeks, rng)
    meta = _meta("structural_break", random_seed, n_weeks=n_weeks)
    data, truth = simulate_kpi(
        data,
        channels=BASE_CHANNELS,
        controls=BASE_CONTROLS,
        random_seed=noise_rng,
        meta=meta,
        **BASE_KPI,
    )
    multiplier = np.where(np.arange(n_weeks) < n_weeks // 2, 1.0, after)
    data, truth = vary_effect(data, truth, "tv", multiplier)
    return Scenario(
        name="structural_break",
        data=data,
        truth=truth,
        graph=_media_graph(truth, ("break", "tv_effect")),
        controls=("price_index", "promo"),
        feature="tvp",
        description=(
            f"TV's effect falls to {after:.0%} of its level at week {n_weeks // 2}; a "
            "constant-effect model reports a blend of the two regimes."
        ),
        extra={"multiplier": multiplier, "break_period": n_weeks // 2},
    )


#: Relative sizes of the geos of :func:`geo_panel` (population shares, summing to one).
GEO_SIZES = {"north": 0.30, "south": 0.25, "east": 0.20, "west": 0.15, "central": 0.10}


def geo_panel(
    *, random_seed: int | np.random.Generator = 0, n_weeks: int = 104, effect_spread: float = 0.3
) -> Scenario:
    """Five geos with their own spend and sales; media parameters shared, effects per geo.

    Graph (per geo ``g``)::

        tv_spend[g], search_spend[g], social_spend[g], promo -> sales[g]

    Each geo's spend follows the national patterns scaled by its size (:data:`GEO_SIZES`), with
    its own noise and flights; its baseline and ``beta`` scale with its size, times a geo
    effect multiplier drawn from ``LogNormal(0, effect_spread)`` (see :func:`simulate_geos`).
    ``data`` is the long panel (a ``geo`` column), which the hierarchical geo model fits;
    ``fit_data`` sums sales and spend over geos, which the national model fits. The national
    true ROAS is the geos' total contribution (window plus carryover) over their total spend;
    per-geo truths are in ``extra["geo_truths"]``. ``truth.channels`` hold the geo ``beta``
    summed over geos, a description of scale only: Hill of a sum is not the sum of Hills.
    """
    rng = as_generator(random_seed)
    dates = pd.date_range("2023-01-02", periods=n_weeks, freq="W-MON", name="date")
    shared = pd.DataFrame({"promo": promo_events(dates, rng.spawn(1)[0])})
    panel, truths, _ = simulate_geos(
        dates,
        GEO_SIZES,
        rng,
        channels=BASE_CHANNELS,
        spend=BASE_SPEND,
        baseline=BASE_KPI,
        controls={"promo": BASE_CONTROLS["promo"]},
        shared=shared,
        effect_spread=effect_spread,
    )
    national = sum_geos(panel, shared=("promo",))
    truth = national_truth(truths, national, _meta("geo_panel", random_seed, n_weeks=n_weeks))
    return Scenario(
        name="geo_panel",
        data=panel,
        truth=truth,
        graph=_media_graph(truth),
        controls=("promo",),
        feature="geo",
        description=(
            "Five geos with their own spend, baselines and effects (shared adstock and "
            "saturation). The hierarchical geo model fits the panel (data), the national "
            "model the geo sums (fit_data)."
        ),
        fit_data=national,
        extra={"geo_truths": truths, "geo_sizes": dict(GEO_SIZES)},
    )


def simulate_geos(
    dates: pd.DatetimeIndex,
    sizes: Mapping[str, float],
    rng: np.random.Generator,
    *,
    channels: Sequence[ChannelTruth],
    spend: Mapping[str, SpendPattern],
    baseline: Mapping[str, Any],
    controls: Mapping[str, float],
    shared: pd.DataFrame,
    effect_spread: float,
    level_spread: float = 0.0,
) -> tuple[pd.DataFrame, dict[str, Truth], pd.DataFrame]:
    """Simulate one KPI series per geo, each with :func:`~.scenarios.simulate_kpi`.

    Per geo ``g`` of size ``s_g`` (a share of the whole)::

        spend[g, c]   ~ the pattern of c with its level times s_g (own flights and noise)
        beta[g, c]    = beta_c * s_g * exp(effect_spread * z[g, c]),      z ~ Normal(0, 1)
        sales[g, t]   = s_g * exp(level_spread * u_g) * intercept + s_g * (trend + season)
                        + s_g * gamma . controls_t
                        + sum_c beta[g, c] * hill(adstock(spend[g, c] / mean_t spend[g, c]))
                        + Normal(0, noise_sigma * sqrt(s_g)),             u_g ~ Normal(0, 1)

    Adstock and saturation (``alpha, l_max, K, S``) are the same in every geo; each geo's spend
    is scaled by its own mean, so a geo's ``beta`` is its KPI at full saturation.

    Parameters
    ----------
    dates : DatetimeIndex
        The periods, the same for every geo.
    sizes : mapping of str to float
        Geo name to its size (share of the national KPI, spend and population), in row order.
    rng : numpy.random.Generator
        Each geo spawns its own spend, effect and noise generators from it, in geo order.
    channels : sequence of ChannelTruth
        National media parameters; ``beta`` is the national KPI at full saturation.
    spend : mapping of str to SpendPattern
        National spend pattern per channel (``level`` is scaled by each geo's size).
    baseline : mapping
        ``intercept``, ``trend_slope``, ``season_sin``, ``season_cos`` and ``noise_sigma`` of
        the nation (as :data:`~.causal.BASE_KPI`), scaled to each geo as above.
    controls : mapping of str to float
        National effect per unit of each control; a geo's is ``s_g`` times it.
    shared : DataFrame
        The control columns, one row per date, the same in every geo (e.g. national promo).
    effect_spread : float
        Standard deviation of the log effect multiplier ``z`` scale, >= 0.
    level_spread : float, default 0.0
        Standard deviation of the log multiplier of each geo's intercept, >= 0 (drawn after
        the effect multipliers, so 0 leaves the other draws as they are).

    Returns
    -------
    panel : DataFrame
        Long panel, one row per (geo, date): ``date, geo, <kpi>, <channel>_spend..., <controls>``.
    truths : dict of str to Truth
        Each geo's truth (parameters, spend scale, true ROAS, components).
    multipliers : DataFrame
        ``exp(effect_spread * z)``, geos as rows and channels as columns.
    """
    frames, truths, lifts = [], {}, {}
    for geo, size in sizes.items():
        spend_rng, effect_rng, noise_rng = rng.spawn(3)
        patterns = {k: dataclasses.replace(p, level=p.level * size) for k, p in spend.items()}
        drawn = simulate_spend(dates, patterns, random_seed=spend_rng)
        data = pd.concat([pd.DataFrame({"date": dates}), drawn.reset_index(drop=True)], axis=1)
        data = pd.concat([data, shared.reset_index(drop=True)], axis=1)
        lifts[geo] = effect_rng.lognormal(0.0, effect_spread, len(channels))
        level = effect_rng.lognormal(0.0, level_spread) if level_spread > 0 else 1.0
        geo_channels = [
            dataclasses.replace(c, beta=c.beta * size * m)
            for c, m in zip(channels, lifts[geo], strict=True)
        ]
        data, truths[geo] = simulate_kpi(
            data,
            channels=geo_channels,
            controls={k: v * size for k, v in controls.items()},
            random_seed=noise_rng,
            meta={"geo": geo},
            **_geo_baseline(baseline, size, level),
        )
        frames.append(data.assign(geo=geo))
    panel = pd.concat(frames, ignore_index=True)
    panel = panel[["date", "geo", *(c for c in panel.columns if c not in ("date", "geo"))]]
    names = [c.name for c in channels]
    multipliers = pd.DataFrame.from_dict(lifts, orient="index", columns=names).rename_axis("geo")
    return panel, truths, multipliers


def _geo_baseline(baseline: Mapping[str, Any], size: float, level: float) -> dict[str, Any]:
    """Scale the national baseline to a geo: levels x ``size``, intercept x ``level``, sd x root."""
    out = {
        k: tuple(v * size for v in baseline[k])
        if isinstance(baseline[k], tuple)
        else baseline[k] * size
        for k in ("intercept", "trend_slope", "season_sin", "season_cos")
    }
    out["intercept"] *= level
    return out | {"noise_sigma": baseline["noise_sigma"] * np.sqrt(size)}


def sum_geos(panel: pd.DataFrame, *, shared: Sequence[str] = ("promo",)) -> pd.DataFrame:
    """One row per date: the KPI, spend (and any other geo column) summed over geos.

    Columns named in ``shared`` are the same in every geo (national controls) and are kept as
    they are, not summed.
    """
    sums = panel.drop(columns=["geo", *shared]).groupby("date", sort=True).sum()
    for col in shared:
        sums[col] = panel.groupby("date", sort=True)[col].first()
    return sums.reset_index()


def national_truth(truths: Mapping[str, Truth], national: pd.DataFrame, meta: dict) -> Truth:
    """Sum per-geo truths: components, spend, contributions with carryover; ROAS of the sums.

    The national true ROAS of a channel is its contribution summed over geos (window plus
    carryover tail) over its spend summed over geos. ``channels`` hold the geo ``beta`` summed
    over geos, a description of scale only: Hill of a sum is not the sum of Hills.
    """
    first = next(iter(truths.values()))
    names = first.channel_names
    components = sum(t.components for t in truths.values())
    spend = {c: float(national[f"{c}_spend"].sum()) for c in names}
    roas = {}
    for c in names:
        total = sum(t.true_roas[c] * t.total_spend[c] for t in truths.values())
        roas[c] = total / spend[c]
    channels = tuple(
        dataclasses.replace(ch, beta=sum(t.channel(ch.name).beta for t in truths.values()))
        for ch in first.channels
    )
    return dataclasses.replace(
        first,
        channels=channels,
        intercept=sum(t.intercept for t in truths.values()),
        trend_slope=sum(t.trend_slope for t in truths.values()),
        season_sin=tuple(np.sum([t.season_sin for t in truths.values()], axis=0).tolist()),
        season_cos=tuple(np.sum([t.season_cos for t in truths.values()], axis=0).tolist()),
        controls={k: sum(t.controls[k] for t in truths.values()) for k in first.controls},
        noise_sigma=float(np.sqrt(sum(t.noise_sigma**2 for t in truths.values()))),
        spend_scale={c: float(national[f"{c}_spend"].mean()) for c in names},
        total_spend=spend,
        true_roas=roas,
        components=components,
        meta=meta,
    )


#: Media of :func:`daily_weekly`, per day: carryover over two weeks, ``l_max=14``.
DAILY_CHANNELS: tuple[ChannelTruth, ...] = (
    ChannelTruth("search", alpha=0.3, l_max=14, K=0.8, S=1.0, beta=3_000.0),
    ChannelTruth("social", alpha=0.6, l_max=14, K=1.0, S=1.5, beta=1_500.0),
)

#: Day-of-week effect on daily sales (Monday is the reference): weekends sell more.
DAY_EFFECTS = {
    "dow_tue": 300.0,
    "dow_wed": 500.0,
    "dow_thu": 700.0,
    "dow_fri": 1_500.0,
    "dow_sat": 3_500.0,
    "dow_sun": 2_500.0,
}


def daily_weekly(
    *, random_seed: int | np.random.Generator = 0, n_days: int = 364, weekend_spend: float = 0.5
) -> Scenario:
    """Daily data with a day-of-week pattern in sales, and search spend that dips at weekends.

    Graph::

        day_of_week -> sales             (weekends sell more: :data:`DAY_EFFECTS`)
        day_of_week -> search_spend      (weekend spend is ``weekend_spend`` of weekday spend)
        search_spend, social_spend -> sales

    The weekly cycle is a common cause of search spend and sales, so a correct model **must
    include** the six day-of-week indicator columns ``dow_tue`` ... ``dow_sun``. Without them the
    weekend sales peak is unexplained and weekday search spend is credited less than its effect.
    Carryover is over days (``l_max=14``).
    """
    spend_rng, noise_rng = as_generator(random_seed).spawn(2)
    dates = pd.date_range("2023-01-02", periods=n_days, freq="D", name="date")
    patterns = {
        "search": AlwaysOn(level=900.0, cv=0.25, ar=0.7, seasonal_amplitude=0.2),
        "social": SeasonalPulses(level=1_200.0, peak_days=(105.0, 320.0), width_days=10.0),
    }
    spend = simulate_spend(dates, patterns, random_seed=spend_rng)
    weekend = dates.day_of_week >= 5
    spend["search_spend"] = np.round(spend["search_spend"] * np.where(weekend, weekend_spend, 1.0))
    data = pd.concat([pd.DataFrame({"date": dates}), spend.reset_index(drop=True)], axis=1)
    for i, col in enumerate(DAY_EFFECTS, start=1):
        data[col] = (dates.day_of_week == i).astype(float)
    meta = _meta("daily_weekly", random_seed, n_days=n_days)
    data, truth = simulate_kpi(
        data,
        channels=DAILY_CHANNELS,
        controls=DAY_EFFECTS,
        intercept=15_000.0,
        trend_slope=1_000.0,
        season_sin=(800.0,),
        season_cos=(400.0,),
        noise_sigma=600.0,
        random_seed=noise_rng,
        meta=meta,
    )
    return Scenario(
        name="daily_weekly",
        data=data,
        truth=truth,
        graph=CausalGraph(
            (
                ("day_of_week", "search_spend"),
                ("day_of_week", "sales"),
                ("search_spend", "sales"),
                ("social_spend", "sales"),
            )
        ),
        controls=tuple(DAY_EFFECTS),
        wrong_controls=(),
        l_max=14,
        description=(
            "Daily data: sales peak at weekends while search spend dips, so the day of the week "
            "confounds search; the six day-of-week indicators must be controls."
        ),
    )


__all__ = [
    "DAILY_CHANNELS",
    "DAY_EFFECTS",
    "GEO_SIZES",
    "CausalGraph",
    "daily_weekly",
    "drifting_coefficient",
    "geo_panel",
    "national_truth",
    "simulate_geos",
    "structural_break",
    "sum_geos",
    "vary_effect",
]
