"""Named causal scenarios: data simulated from a stated causal graph, with the ground truth.

Every scenario returns a :class:`Scenario`: the data, its :class:`~.truth.Truth`, the causal
graph it was drawn from, and which controls a correct model must include (``controls``) and
must not include (``exclude``). Where a tempting wrong specification exists (an omitted
confounder, an adjusted-for mediator, ignored day-of-week effects), ``wrong_controls`` names it,
so that :mod:`mmm_bayes.validation` can fit the wrong and the right model side by side.

This module holds the shared weekly design and the causal cases (baseline, omitted confounder,
mediator, collinear channels); :mod:`mmm_bayes.simulate.structural` holds the cases that stress
the model's structure (geo panel, drifting coefficient, structural break, daily data), and
:mod:`mmm_bayes.simulate.registry` names them all.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from mmm_bayes.simulate._random import as_generator
from mmm_bayes.simulate.controls import price_index, promo_events
from mmm_bayes.simulate.media import AlwaysOn, Flighted, SeasonalPulses, simulate_spend
from mmm_bayes.simulate.scenarios import simulate_kpi
from mmm_bayes.simulate.truth import ChannelTruth, Truth, channel_contribution, true_roas

#: What the national model needs to fit a scenario as intended: ``national`` (available),
#: ``geo`` (a hierarchical geo model, issue 4), ``tvp`` (time-varying coefficients, issue 4)
#: or ``lift_test`` (lift-test likelihoods, issue 5).
Feature = Literal["national", "geo", "tvp", "lift_test"]


@dataclass(frozen=True)
class CausalGraph:
    """A directed acyclic graph over the scenario's variables, as ``(cause, effect)`` edges.

    Parameters
    ----------
    edges : tuple of (str, str)
        Direct causal effects.
    latent : tuple of str, default ()
        Nodes that are not columns of the data.
    """

    edges: tuple[tuple[str, str], ...]
    latent: tuple[str, ...] = ()

    @property
    def nodes(self) -> list[str]:
        """Every node, in order of first appearance."""
        return list(dict.fromkeys(n for edge in self.edges for n in edge))

    def parents(self, node: str) -> list[str]:
        """Direct causes of ``node``."""
        return [a for a, b in self.edges if b == node]

    def to_text(self) -> str:
        """One line per edge, ``cause -> effect``; latent nodes are marked ``(latent)``."""
        mark = {n: f"{n} (latent)" if n in self.latent else n for n in self.nodes}
        return "\n".join(f"{mark[a]} -> {mark[b]}" for a, b in self.edges)


@dataclass(frozen=True)
class Scenario:
    """One simulated data set with its truth, graph and the specification that recovers it.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"omitted_confounder"``.
    data : DataFrame
        The data as a user would have it (long format with a ``geo`` column for geo panels).
    truth : Truth
        Ground truth; ``truth.true_roas`` is the estimand (for a mediator: the total effect).
    graph : CausalGraph
        The data generating process, as a causal graph.
    controls : tuple of str
        Controls a correct national model must include.
    exclude : tuple of str, default ()
        Columns a correct model must not include as controls (mediators, colliders).
    wrong_controls : tuple of str or None, default None
        The tempting wrong choice of controls, for a wrong-versus-right comparison.
    feature : {"national", "geo", "tvp", "lift_test"}, default "national"
        The model feature the scenario calls for: the validation runner fits it with the model
        made for it (the geo model, time-varying coefficients, the lift-test likelihood) and
        with the simpler comparison (:func:`mmm_bayes.validation.recovery.scenario_fits`).
    l_max : int, default 8
        Longest carryover in the simulation; the fitted model uses the same.
    description : str, default ""
        One paragraph: what the scenario shows and what a correct model gets right.
    fit_data : DataFrame or None, default None
        One row per date for the national model (geo panels summed over geos); ``data`` if None.
    extra : dict, default {}
        Scenario-specific truth (per-geo truths, effect multipliers, spend correlations).
    """

    name: str
    data: pd.DataFrame
    truth: Truth
    graph: CausalGraph
    controls: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    wrong_controls: tuple[str, ...] | None = None
    feature: Feature = "national"
    l_max: int = 8
    description: str = ""
    fit_data: pd.DataFrame | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def channels(self) -> list[str]:
        """Channel names; spend columns are ``f"{name}_spend"``."""
        return self.truth.channel_names

    @property
    def national_data(self) -> pd.DataFrame:
        """The data the national model is fitted on (one row per date)."""
        return self.data if self.fit_data is None else self.fit_data


# --- the shared weekly design ------------------------------------------------------------------

#: Media of the weekly scenarios: a flighted S-shaped TV channel (ROAS about 1.4), an always-on
#: concave search channel (about 2.4) and a pulsed social channel (about 1.0).
BASE_CHANNELS: tuple[ChannelTruth, ...] = (
    ChannelTruth("tv", alpha=0.5, l_max=8, K=1.0, S=2.0, beta=30_000.0),
    ChannelTruth("search", alpha=0.1, l_max=8, K=0.8, S=1.0, beta=25_000.0),
    ChannelTruth("social", alpha=0.3, l_max=8, K=1.0, S=1.5, beta=8_000.0),
)

#: Spend patterns of the weekly scenarios (currency units per week).
BASE_SPEND = {
    "tv": Flighted(level=20_000.0, on_periods=(4, 8), off_periods=(3, 6), cv=0.15),
    "search": AlwaysOn(level=6_000.0, cv=0.25, ar=0.5, seasonal_amplitude=0.2),
    "social": SeasonalPulses(level=8_000.0, peak_days=(105.0, 320.0), width_days=14.0),
}

#: Baseline of the weekly scenarios, sales per week (about 100k a week in all).
BASE_KPI: dict[str, Any] = {
    "intercept": 100_000.0,
    "trend_slope": 8_000.0,
    "season_sin": (5_000.0, -2_000.0),
    "season_cos": (3_000.0, 1_000.0),
    "noise_sigma": 3_000.0,
}

#: Control effects of the weekly scenarios: price per unit of the index (about 1), promo weeks.
BASE_CONTROLS = {"price_index": -50_000.0, "promo": 6_000.0}


def weekly_design(
    n_weeks: int, rng: np.random.Generator, *, start: str = "2023-01-02"
) -> pd.DataFrame:
    """Dates, the :data:`BASE_SPEND` channels and the two controls, one row per week."""
    spend_rng, control_rng = rng.spawn(2)
    dates = pd.date_range(start, periods=n_weeks, freq="W-MON", name="date")
    data = pd.DataFrame({"date": dates})
    spend = simulate_spend(dates, BASE_SPEND, random_seed=spend_rng)
    data = pd.concat([data, spend.reset_index(drop=True)], axis=1)
    data["price_index"] = price_index(dates, control_rng)
    data["promo"] = promo_events(dates, control_rng)
    return data


#: Spread of the baseline scenario's per-seed truth around :data:`BASE_CHANNELS` (see
#: :func:`draw_channel_truth`): standard deviations of the logit of the adstock retention and of
#: the logs of the half-saturation point, the Hill shape and the effect size. Brands differ, so
#: the baseline's coverage is an average over such truths rather than a property of one point.
BASE_TRUTH_SPREAD: dict[str, float] = {"alpha": 0.5, "K": 0.3, "S": 0.2, "beta": 0.3}


def draw_channel_truth(
    channels: tuple[ChannelTruth, ...],
    rng: np.random.Generator,
    spread: dict[str, float] | None = None,
) -> tuple[ChannelTruth, ...]:
    """Each channel's true parameters drawn around ``channels`` (one draw per channel).

    ``logit(alpha)``, ``log K``, ``log S`` and ``log beta`` each move by an independent normal
    step with the standard deviation of ``spread`` (default :data:`BASE_TRUTH_SPREAD`; a
    missing or zero entry keeps that parameter). ``l_max`` and the names stay as they are.
    """
    sd = BASE_TRUTH_SPREAD if spread is None else spread
    drawn = []
    for c in channels:
        z = rng.standard_normal(4) * [sd.get(k, 0.0) for k in ("alpha", "K", "S", "beta")]
        drawn.append(
            dataclasses.replace(
                c,
                alpha=float(expit(logit(c.alpha) + z[0])),
                K=float(c.K * np.exp(z[1])),
                S=float(c.S * np.exp(z[2])),
                beta=float(c.beta * np.exp(z[3])),
            )
        )
    return tuple(drawn)


def _meta(name: str, random_seed: int | np.random.Generator, **more: Any) -> dict[str, Any]:
    seed = random_seed if isinstance(random_seed, int) else None
    return {"scenario": name, "random_seed": seed, **more}


# --- scenarios ---------------------------------------------------------------------------------


def baseline(
    *, random_seed: int | np.random.Generator = 0, n_weeks: int = 104, vary_truth: bool = True
) -> Scenario:
    """Simulate the case the model is built for: exogenous spend, observed controls.

    Graph::

        tv_spend, search_spend, social_spend -> sales
        price_index, promo -> sales
        trend, seasonality -> sales

    Spend is planned independently of anything that moves sales, so the national model with
    ``price_index`` and ``promo`` as controls is correctly specified (same adstock, Hill curve
    and ``l_max``); its ROAS intervals should cover the truth at their nominal rate.

    Each seed draws its own media truth around :data:`BASE_CHANNELS`
    (:func:`draw_channel_truth` with :data:`BASE_TRUTH_SPREAD`): coverage at one fixed
    parameter point says more about where that point sits in the prior than about the model.
    ``vary_truth=False`` keeps :data:`BASE_CHANNELS` itself (the other weekly scenarios do);
    the spend, controls and noise of a seed are the same either way.
    """
    rng, noise_rng, truth_rng = as_generator(random_seed).spawn(3)
    data = weekly_design(n_weeks, rng)
    channels = draw_channel_truth(BASE_CHANNELS, truth_rng) if vary_truth else BASE_CHANNELS
    data, truth = simulate_kpi(
        data,
        channels=channels,
        controls=BASE_CONTROLS,
        random_seed=noise_rng,
        meta=_meta("baseline", random_seed, n_weeks=n_weeks, vary_truth=vary_truth),
        **BASE_KPI,
    )
    sd = BASE_TRUTH_SPREAD
    return Scenario(
        name="baseline",
        data=data,
        truth=truth,
        graph=_media_graph(truth),
        controls=("price_index", "promo"),
        description=(
            "Exogenous spend, observed controls, constant effects: the model is correctly "
            "specified, so its intervals should cover the true ROAS at their nominal rate. "
            "Each seed draws its own media parameters around the reference channels "
            "(`BASE_CHANNELS`), one normal step per parameter and channel with standard "
            f"deviation {sd['alpha']} on the logit of the adstock retention and {sd['K']}, "
            f"{sd['S']} and {sd['beta']} on the logs of the half-saturation point, the Hill "
            "shape and the effect size (`BASE_TRUTH_SPREAD`), so coverage is averaged over "
            "brands rather than measured at one parameter point."
        ),
    )


def _media_graph(truth: Truth, *extra: tuple[str, str]) -> CausalGraph:
    media = [(c.spend_column, truth.kpi) for c in truth.channels]
    controls = [(c, truth.kpi) for c in truth.controls]
    return CausalGraph(tuple(media + controls + list(extra)))


def omitted_confounder(
    *, random_seed: int | np.random.Generator = 0, n_weeks: int = 104, demand_on_spend: float = 0.5
) -> Scenario:
    """Demand drives both search spend and sales: leaving it out credits search with demand.

    Graph::

        demand -> search_spend      (bids and budgets follow demand)
        demand -> sales
        tv_spend, search_spend, social_spend, price_index, promo -> sales

    ``demand`` is a standardized market-demand index (a smooth AR(1), mean 0, sd 1) that adds
    ``8,000`` sales per standard deviation; search spend is multiplied by
    ``exp(demand_on_spend * demand)``. It is an observed column (think of a category search
    index), and the back-door path ``search_spend <- demand -> sales`` is closed only by
    adjusting for it: a correct model **must include** ``demand``. Without it, search's ROAS is
    biased upwards.
    """
    rng, demand_rng, noise_rng = as_generator(random_seed).spawn(3)
    data = weekly_design(n_weeks, rng)
    demand = _ar1(demand_rng, n_weeks, ar=0.8)
    data["demand"] = np.round(demand, 3)
    data["search_spend"] = np.round(data["search_spend"] * np.exp(demand_on_spend * demand))
    controls = BASE_CONTROLS | {"demand": 8_000.0}
    meta = _meta("omitted_confounder", random_seed, n_weeks=n_weeks)
    data, truth = simulate_kpi(
        data,
        channels=BASE_CHANNELS,
        controls=controls,
        random_seed=noise_rng,
        meta=meta,
        **BASE_KPI,
    )
    corr = float(np.corrcoef(data["demand"], data["search_spend"])[0, 1])
    return Scenario(
        name="omitted_confounder",
        data=data,
        truth=truth,
        graph=_media_graph(truth, ("demand", "search_spend")),
        controls=("price_index", "promo", "demand"),
        wrong_controls=("price_index", "promo"),
        description=(
            "Demand drives search spend and sales. Adjusting for the demand index closes the "
            "back-door path; omitting it credits search with the demand it follows."
        ),
        extra={"corr_demand_search_spend": corr},
    )


def _ar1(rng: np.random.Generator, n: int, *, ar: float) -> np.ndarray:
    """Stationary AR(1) with unit variance, standardized over the window."""
    z = rng.standard_normal(n)
    for t in range(1, n):
        z[t] = ar * z[t - 1] + np.sqrt(1.0 - ar**2) * z[t]
    return (z - z.mean()) / z.std()


def mediator(
    *, random_seed: int | np.random.Generator = 0, n_weeks: int = 104, direct_share: float = 0.3
) -> Scenario:
    """TV drives branded search, which drives sales: adjusting for search hides TV's effect.

    Graph::

        tv_spend -> branded_search -> sales
        tv_spend -> sales            (the direct path, ``direct_share`` of TV's total effect)
        search_spend, social_spend, price_index, promo -> sales

    ``branded_search`` is the weekly volume of branded queries (thousands):
    ``50 + 40 * hill(adstock(tv))`` plus noise (sd 3), each thousand queries adding 500 sales
    (organic, not paid: it has no spend). The estimand is TV's **total** effect (direct plus
    through branded search), which ``truth.true_roas`` holds; ``extra["direct_roas"]`` holds the
    direct part. A correct model **must not include** ``branded_search``: conditioning on the
    mediator blocks the indirect path and leaves only the direct effect.
    """
    rng, query_rng, noise_rng = as_generator(random_seed).spawn(3)
    data = weekly_design(n_weeks, rng)
    tv = next(c for c in BASE_CHANNELS if c.name == "tv")
    per_query, queries_per_unit = 500.0, 40.0  # sales per thousand queries; queries at saturation
    indirect = per_query * queries_per_unit
    direct = dataclasses.replace(tv, beta=indirect * direct_share / (1.0 - direct_share))
    spend = data["tv_spend"].to_numpy(dtype=float)
    shape = channel_contribution(
        spend,
        alpha=tv.alpha,
        l_max=tv.l_max,
        K=tv.K,
        S=tv.S,
        beta=1.0,
        scale=spend.mean(),
        extend=False,
    )
    queries = 50.0 + queries_per_unit * shape + query_rng.normal(0.0, 3.0, n_weeks)
    data["branded_search"] = np.round(queries, 3)
    channels = (direct, *(c for c in BASE_CHANNELS if c.name != "tv"))
    controls = BASE_CONTROLS | {"branded_search": per_query}
    meta = _meta("mediator", random_seed, n_weeks=n_weeks, estimand="total effect of tv")
    data, truth = simulate_kpi(
        data, channels=channels, controls=controls, random_seed=noise_rng, meta=meta, **BASE_KPI
    )
    kw = {"alpha": tv.alpha, "l_max": tv.l_max, "K": tv.K, "S": tv.S, "scale": spend.mean()}
    total = float(true_roas(spend, beta=direct.beta + indirect, **kw))
    direct_roas = dict(truth.true_roas)
    truth = dataclasses.replace(truth, true_roas=truth.true_roas | {"tv": total})
    return Scenario(
        name="mediator",
        data=data,
        truth=truth,
        graph=_media_graph(truth, ("tv_spend", "branded_search")),
        controls=("price_index", "promo"),
        exclude=("branded_search",),
        wrong_controls=("price_index", "promo", "branded_search"),
        description=(
            "TV works partly through branded search. Leaving the mediator out estimates TV's "
            "total effect; adding it as a control hides the part that runs through search."
        ),
        extra={"direct_roas": direct_roas["tv"], "total_roas": total},
    )


def collinear_channels(
    *, random_seed: int | np.random.Generator = 0, n_weeks: int = 104, cv: float = 0.15
) -> Scenario:
    """Two channels bought together: the data barely separate them, only their sum.

    Graph::

        campaign_calendar (latent) -> social_spend, display_spend
        tv_spend, search_spend, social_spend, display_spend, price_index, promo -> sales

    ``display_spend`` is about half of ``social_spend`` each week, times independent lognormal
    noise with coefficient of variation ``cv`` (spend correlation about 0.9). Both channels
    have the same true ROAS-scale effect per currency unit. A correct model includes both; the
    honest answer is wide, negatively correlated intervals whose sum is well pinned down, so
    coverage should hold while the error of each channel is large.
    """
    rng, display_rng, noise_rng = as_generator(random_seed).spawn(3)
    data = weekly_design(n_weeks, rng)
    social = data["social_spend"].to_numpy(dtype=float)
    sd = np.sqrt(np.log1p(cv**2))
    noise = np.exp(display_rng.normal(-(sd**2) / 2.0, sd, n_weeks))
    data.insert(
        data.columns.get_loc("social_spend") + 1, "display_spend", np.round(0.5 * social * noise)
    )
    channels = (
        *BASE_CHANNELS,
        ChannelTruth("display", alpha=0.3, l_max=8, K=1.0, S=1.5, beta=4_000.0),
    )
    meta = _meta("collinear_channels", random_seed, n_weeks=n_weeks)
    data, truth = simulate_kpi(
        data,
        channels=channels,
        controls=BASE_CONTROLS,
        random_seed=noise_rng,
        meta=meta,
        **BASE_KPI,
    )
    corr = float(np.corrcoef(data["social_spend"], data["display_spend"])[0, 1])
    return Scenario(
        name="collinear_channels",
        data=data,
        truth=truth,
        graph=CausalGraph(
            (
                ("campaign_calendar", "social_spend"),
                ("campaign_calendar", "display_spend"),
                *_media_graph(truth).edges,
            ),
            latent=("campaign_calendar",),
        ),
        controls=("price_index", "promo"),
        description=(
            "Social and display are bought together (spend correlation about 0.9): each "
            "channel's ROAS is weakly identified, their combined effect is not."
        ),
        extra={"corr_social_display_spend": corr},
    )
