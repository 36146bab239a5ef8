"""Scenarios for hierarchical geo models and time-varying coefficients (issue 4), with truth.

:func:`geo_hierarchy`: tens to hundreds of geos whose sizes differ ``size_ratio`` times, each with
its own spend, baseline and media effects drawn around national means; adstock and saturation
are shared. :func:`drifting_random_walk`: one national series whose one channel's effect drifts
as the exponential of a Gaussian random walk. Both reuse the geo machinery and
:func:`~mmm_bayes.simulate.structural.vary_effect` of :mod:`mmm_bayes.simulate.structural`.

>>> sc = geo_hierarchy(n_geos=4, n_weeks=10, random_seed=1)
>>> sc.data.shape, sorted(sc.extra["geo_roas"].columns)
((40, 9), ['display', 'search', 'social', 'tv'])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm_bayes.simulate._random import as_generator
from mmm_bayes.simulate.causal import (
    BASE_CHANNELS,
    BASE_CONTROLS,
    BASE_KPI,
    BASE_SPEND,
    Scenario,
    _media_graph,
    _meta,
    weekly_design,
)
from mmm_bayes.simulate.controls import promo_events
from mmm_bayes.simulate.media import AlwaysOn
from mmm_bayes.simulate.scenarios import simulate_kpi
from mmm_bayes.simulate.structural import national_truth, simulate_geos, sum_geos, vary_effect
from mmm_bayes.simulate.truth import ChannelTruth, Truth

__all__ = [
    "GEO_CHANNELS",
    "GEO_SPEND",
    "GEO_WEEKLY_SEED",
    "coefficient_path",
    "drifting_random_walk",
    "geo_hierarchy",
    "geo_sizes",
    "geo_weekly",
    "hill_at_mean",
]

#: Media of :func:`geo_hierarchy`: the weekly scenarios' three channels plus always-on display
#: (national true ROAS about 1.4, 2.4, 1.0 and 1.5).
GEO_CHANNELS: tuple[ChannelTruth, ...] = (
    *BASE_CHANNELS,
    ChannelTruth("display", alpha=0.2, l_max=8, K=0.6, S=1.2, beta=9_000.0),
)

#: National spend patterns of :func:`geo_hierarchy` (each geo's level is its share of these).
GEO_SPEND = BASE_SPEND | {"display": AlwaysOn(level=4_000.0, cv=0.35, ar=0.3)}

#: Population of the whole panel; a geo's ``population`` is its size share of it.
NATIONAL_POPULATION = 50_000_000


def geo_sizes(n_geos: int, size_ratio: float = 10.0) -> dict[str, float]:
    """Geo size shares spread geometrically from largest to smallest, ``size_ratio`` apart.

    Shares are ``size_ratio ** (-i / (n_geos - 1))``, i = 0 .. n_geos-1, normalized to sum to
    one; geos are named ``geo_01``, ``geo_02``, ... (largest first, zero-padded to sort).

    Examples
    --------
    >>> s = geo_sizes(3, 4.0)
    >>> list(s), round(s["geo_1"] / s["geo_3"], 6)
    (['geo_1', 'geo_2', 'geo_3'], 4.0)
    """
    if n_geos < 1 or size_ratio < 1.0:
        raise ValueError(f"need n_geos >= 1 and size_ratio >= 1, got {n_geos}, {size_ratio}")
    raw = size_ratio ** (-np.arange(n_geos) / max(n_geos - 1, 1))
    width = len(str(n_geos))
    return {f"geo_{i + 1:0{width}d}": float(v) for i, v in enumerate(raw / raw.sum())}


def geo_hierarchy(
    n_geos: int = 20,
    n_weeks: int = 104,
    *,
    random_seed: int | np.random.Generator = 0,
    size_ratio: float = 10.0,
    effect_spread: float = 0.25,
    level_spread: float = 0.1,
) -> Scenario:
    """Many geos of very different sizes, media effects drawn around national means.

    Graph (per geo ``g``)::

        tv_spend[g], search_spend[g], social_spend[g], display_spend[g], promo -> sales[g]

    Geo sizes spread geometrically over ``size_ratio`` (:func:`geo_sizes`; the largest geo is
    ``size_ratio`` times the smallest). Each geo's spend follows :data:`GEO_SPEND` scaled by its
    size, with its own flights and noise; its baseline, control effect and ``beta`` scale with
    its size; its ``beta`` of channel ``c`` is also multiplied by ``exp(effect_spread * z)``
    and its intercept by ``exp(level_spread * u)`` (``z, u ~ Normal(0, 1)``); noise sd scales
    with the root of its size. Adstock and saturation (:data:`GEO_CHANNELS`) are shared. See
    :func:`~mmm_bayes.simulate.structural.simulate_geos` for the formula, which is the
    hierarchical geo model's: ``sales[g] / s_g = level_g + ... + sum_c effect[g, c] *
    hill(adstock(spend[g, c] / mean spend[g, c])) + noise`` with ``s_g`` the geo's size.

    True ROAS is the contribution (window plus carryover tail) over spend: per geo in
    ``extra["geo_roas"]``; nationally (``truth.true_roas``) the contributions summed over
    geos over the spend summed over geos.

    Parameters
    ----------
    n_geos : int, default 20
        Number of geos.
    n_weeks : int, default 104
        Number of weeks (``W-MON`` from 2023-01-02).
    random_seed : int or numpy.random.Generator, default 0
        Seed of spend, promotions, geo effects and noise.
    size_ratio : float, default 10.0
        Largest geo size over the smallest.
    effect_spread : float, default 0.25
        Standard deviation of the log geo effect multipliers.
    level_spread : float, default 0.1
        Standard deviation of the log geo intercept multipliers.

    Returns
    -------
    Scenario
        ``data``: the long panel ``date, geo, sales, tv_spend, search_spend, social_spend,
        display_spend, promo, population`` (one row per geo and week, geos in size order);
        ``fit_data``: sums over geos (promo is national); ``truth``: the national truth, whose
        ``meta["geos"]`` holds each geo's size, population, effect multipliers, total spend and
        true ROAS (JSON-ready); ``extra``: ``geo_truths`` (geo -> Truth), ``geo_roas`` and
        ``effect_multiplier`` (geos x channels DataFrames), ``geo_sizes`` (geo -> share).
    """
    rng = as_generator(random_seed)
    sizes = geo_sizes(n_geos, size_ratio)
    dates = pd.date_range("2023-01-02", periods=n_weeks, freq="W-MON", name="date")
    shared = pd.DataFrame({"promo": promo_events(dates, rng.spawn(1)[0])})
    panel, truths, lifts = simulate_geos(
        dates,
        sizes,
        rng,
        channels=GEO_CHANNELS,
        spend=GEO_SPEND,
        baseline=BASE_KPI,
        controls={"promo": BASE_CONTROLS["promo"]},
        shared=shared,
        effect_spread=effect_spread,
        level_spread=level_spread,
    )
    population = {g: round(s * NATIONAL_POPULATION) for g, s in sizes.items()}
    panel["population"] = panel["geo"].map(population).astype(float)
    national = sum_geos(panel, shared=("promo",))
    geo_roas = pd.DataFrame({g: t.true_roas for g, t in truths.items()}).T.rename_axis("geo")
    meta = _meta("geo_hierarchy", random_seed, n_weeks=n_weeks, n_geos=n_geos)
    meta |= {"size_ratio": size_ratio, "effect_spread": effect_spread}
    meta |= {"level_spread": level_spread, "geos": _geo_meta(truths, sizes, population, lifts)}
    truth = national_truth(truths, national, meta)
    return Scenario(
        name="geo_hierarchy",
        data=panel,
        truth=truth,
        graph=_media_graph(truth),
        controls=("promo",),
        feature="geo",
        description=(
            f"{n_geos} geos whose sizes differ {size_ratio:g}x, with media effects drawn "
            f"around national means (log-scale spread {effect_spread:g}) and shared adstock "
            "and saturation: a hierarchical geo model should recover the national ROAS and "
            "beat fitting each geo alone on the geo ROAS."
        ),
        fit_data=national,
        extra={
            "geo_truths": truths,
            "geo_roas": geo_roas,
            "effect_multiplier": lifts,
            "geo_sizes": sizes,
        },
    )


def _geo_meta(
    truths: dict[str, Truth], sizes: dict, population: dict, lifts: pd.DataFrame
) -> dict[str, dict]:
    """Per geo, JSON-ready: size share, population, effect multipliers, spend, true ROAS."""
    return {
        g: {
            "size": sizes[g],
            "population": population[g],
            "effect_multiplier": {c: float(v) for c, v in lifts.loc[g].items()},
            "beta": {c.name: c.beta for c in t.channels},
            "intercept": t.intercept,
            "total_spend": dict(t.total_spend),
            "true_roas": dict(t.true_roas),
        }
        for g, t in truths.items()
    }


def hill_at_mean(channel: ChannelTruth) -> float:
    """Hill curve at the channel's mean spend (``x = 1``): ``1 / (1 + K**S)``."""
    return 1.0 / (1.0 + channel.K**channel.S)


def coefficient_path(truth: Truth, channel: str, multiplier: np.ndarray) -> np.ndarray:
    """KPI per period the channel brings at its mean spend at each time: ``beta m_t hill(1)``.

    This is what a time-varying coefficient estimates in KPI units
    (``MMM.time_varying_coefficients()``): the steady-state contribution of spending the
    channel's mean spend every period, at period ``t``'s effect multiplier ``m_t``.
    """
    c = truth.channel(channel)
    return c.beta * np.asarray(multiplier, dtype=float) * hill_at_mean(c)


def drifting_random_walk(
    n_weeks: int = 156,
    *,
    random_seed: int | np.random.Generator = 0,
    channel: str = "search",
    step_sd: float = 0.04,
) -> Scenario:
    """One channel's effect drifts as ``exp`` of a Gaussian random walk, centred over the window.

    Graph: the baseline graph (``tv``, ``search``, ``social``; controls ``price_index`` and
    ``promo``), plus ``time -> effect of <channel>_spend on sales``. The channel's contribution
    in week ``t`` is ``m_t * beta * hill(adstock(spend / mean spend))`` with
    ``log m_t = w_t - mean(w)``, ``w_t = w_{t-1} + Normal(0, step_sd)``
    (:func:`~mmm_bayes.simulate.structural.vary_effect`), so ``beta`` is the effect at the
    window's geometric-mean multiplier, as in the time-varying model.

    Parameters
    ----------
    n_weeks : int, default 156
        Number of weeks.
    random_seed : int or numpy.random.Generator, default 0
        Seed of spend, controls, the walk and noise.
    channel : str, default "search"
        The drifting channel.
    step_sd : float, default 0.04
        Standard deviation of the weekly innovations of the log multiplier (0.04: the
        multiplier typically moves by a factor of about 1.6 over three years).

    Returns
    -------
    Scenario
        ``extra``: ``channel``, ``step_sd``, ``multiplier`` (the path ``m_t``) and
        ``coefficient`` (a Series over dates: ``beta * m_t * hill(1)``, the KPI per week the
        channel brings at its mean spend, see :func:`coefficient_path`); the multiplier is also
        in ``truth.meta["effect_multiplier"]``.
    """
    rng, noise_rng, walk_rng = as_generator(random_seed).spawn(3)
    data = weekly_design(n_weeks, rng)
    meta = _meta("drifting_random_walk", random_seed, n_weeks=n_weeks, step_sd=step_sd)
    data, truth = simulate_kpi(
        data,
        channels=BASE_CHANNELS,
        controls=BASE_CONTROLS,
        random_seed=noise_rng,
        meta=meta,
        **BASE_KPI,
    )
    walk = np.cumsum(walk_rng.normal(0.0, step_sd, n_weeks))
    multiplier = np.exp(walk - walk.mean())
    data, truth = vary_effect(data, truth, channel, multiplier)
    dates = pd.DatetimeIndex(data["date"], name="date")
    path = pd.Series(coefficient_path(truth, channel, multiplier), index=dates, name=channel)
    return Scenario(
        name="drifting_random_walk",
        data=data,
        truth=truth,
        graph=_media_graph(truth, ("time", f"{channel}_effect")),
        controls=("price_index", "promo"),
        feature="tvp",
        description=(
            f"{channel.capitalize()}'s effect drifts as exp of a Gaussian random walk (weekly "
            f"step sd {step_sd:g}, from {multiplier.min():.2f}x to {multiplier.max():.2f}x its "
            "geometric mean); a time-varying coefficient should follow the path."
        ),
        extra={
            "channel": channel,
            "step_sd": step_sd,
            "multiplier": multiplier,
            "coefficient": path,
        },
    )


#: Seed of the bundled ``geo_weekly`` data set.
GEO_WEEKLY_SEED = 2026


def geo_weekly() -> tuple[pd.DataFrame, Truth]:
    """Simulate the bundled ``geo_weekly`` data set: :func:`geo_hierarchy` with its defaults.

    20 geos x 104 weeks x 4 channels, seed :data:`GEO_WEEKLY_SEED`. The truth's
    ``meta["geos"]`` carries the per-geo sizes, effect multipliers and true ROAS.
    """
    sc = geo_hierarchy(random_seed=GEO_WEEKLY_SEED)
    return sc.data, sc.truth
