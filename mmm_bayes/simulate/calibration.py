"""A scenario the data alone cannot settle: two channels bought together, and a lift test.

``tv`` and ``online_video`` are bought in the same flights (their weekly spend correlates at
about ``correlation``), so the KPI tells how much the pair returns but hardly how to split it.
A lift test on one of them (``tv`` by default) adds spend in a few weeks and measures the KPI
gained, with a standard error: the causal evidence that separates the two. ``search`` is an
independent always-on channel.

Causal graph: season -> KPI; flights -> {tv, online_video} spend -> KPI; search -> KPI;
price, promo -> KPI. No confounding: a correct model includes price and promo as controls.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm_bayes.simulate._random import as_generator
from mmm_bayes.simulate.controls import price_index, promo_events
from mmm_bayes.simulate.media import AlwaysOn, Flighted
from mmm_bayes.simulate.scenarios import simulate_kpi
from mmm_bayes.simulate.truth import ChannelTruth, Truth

__all__ = ["COLLINEAR_CHANNELS", "COLLINEAR_SPEC", "collinear_lift", "true_lift"]

#: TV is profitable and slow; online video, bought alongside it, returns far less.
COLLINEAR_CHANNELS: tuple[ChannelTruth, ...] = (
    ChannelTruth("tv", alpha=0.5, l_max=8, K=1.0, S=1.5, beta=90_000.0),
    ChannelTruth("online_video", alpha=0.3, l_max=8, K=1.2, S=1.5, beta=15_000.0),
    ChannelTruth("search", alpha=0.1, l_max=8, K=0.8, S=1.0, beta=40_000.0),
)

#: The correct model of :func:`collinear_lift`'s data (a spec dict for ``MMM``): the three
#: channels, price and promo as controls, one pair of Fourier terms (the simulated season).
COLLINEAR_SPEC: dict = {
    "kpi": "sales",
    "channels": [{"name": c.name, "column": c.spend_column} for c in COLLINEAR_CHANNELS],
    "controls": ["price_index", "promo"],
    "seasonality": {"order": 1},
}

_BASELINE = {
    "intercept": 200_000.0,
    "trend_slope": 10_000.0,
    "season_sin": (10_000.0,),
    "season_cos": (5_000.0,),
    "controls": {"price_index": -100_000.0, "promo": 12_000.0},
    "noise_sigma": 6_000.0,
}


def true_lift(
    truth: Truth, data: pd.DataFrame, channel: str, start: int, end: int, spend_delta: float
) -> float:
    """Return the true KPI gained over ``start..end`` when ``spend_delta`` is added there.

    The change is spread over the window in proportion to the data's spend there (evenly if
    there is none), as :func:`mmm_bayes.model.lift.spread` does.

    The channel's adstock and saturation act on the data's spend plus the test's, at the scale
    the data were simulated with (its mean spend), as :mod:`mmm_bayes.model.lift` predicts it.
    """
    c = next(ch for ch in truth.channels if ch.name == channel)
    spend = data[c.spend_column].to_numpy(dtype=float)
    treated = spend.copy()
    window = spend[start : end + 1]
    share = window / window.sum() if window.sum() > 0 else np.full(len(window), 1 / len(window))
    treated[start : end + 1] += spend_delta * share
    scale = truth.spend_scale[channel]
    gain = c.contribution(treated, scale=scale, extend=False) - c.contribution(
        spend, scale=scale, extend=False
    )
    return float(gain[start : end + 1].sum())


def collinear_lift(
    *,
    n_weeks: int = 104,
    correlation: float = 0.9,
    test_channel: str = "tv",
    test_weeks: tuple[int, int] | None = None,
    test_spend_share: float = -1.0,
    lift_se_share: float = 0.1,
    noise_sigma: float = 12_000.0,
    random_seed: int | np.random.Generator = 7,
    start: str = "2024-01-01",
) -> tuple[pd.DataFrame, Truth, pd.DataFrame]:
    """Simulate two collinear channels, an independent one, and a lift test on one channel.

    Parameters
    ----------
    n_weeks : int, default 104
        Weekly periods (``W-MON``).
    correlation : float, default 0.9
        Target correlation of ``tv`` and ``online_video`` weekly spend (achieved within a few
        hundredths; the achieved value is in ``truth.meta["spend_correlation"]``).
    test_channel : str, default "tv"
        Channel of the lift test.
    test_weeks : (int, int), optional
        First and last week index of the test window (inclusive). Default: the 6 weeks of
        the second half with the most spend on ``test_channel``.
    test_spend_share : float, default -1.0
        The test changes the channel's spend over the window by this share of it: -1.0 is a
        go-dark (holdout) test that removes all of it, 0.5 a 50% boost. The measured lift of
        a go-dark test is negative: KPI lost.
    lift_se_share : float, default 0.1
        Standard error of the measured lift, as a share of the true lift.
    noise_sigma : float, default 12,000
        Standard deviation of the weekly KPI noise (the KPI is about 170k a week).
    random_seed : int or Generator, default 7
        Seed of spend, controls, noise and the test's measurement error.
    start : str, default "2024-01-01"
        First Monday.

    Returns
    -------
    data : DataFrame
        ``date, sales, tv_spend, online_video_spend, search_spend, price_index, promo``.
    truth : Truth
        True parameters and ROAS; ``meta`` holds the achieved correlation and the true lift.
    lift_tests : DataFrame
        One lift test in the table form :func:`mmm_bayes.data.lift_tests.read_lift_tests`
        reads: channel, start, end, spend_delta, lift (measured), lift_se.
    """
    if not 0 <= correlation < 1:
        raise ValueError(f"correlation must lie in [0, 1), got {correlation}")
    spend_rng, mix_rng, control_rng, noise_rng, test_rng = as_generator(random_seed).spawn(5)
    dates = pd.date_range(start, periods=n_weeks, freq="W-MON", name="date")
    flights = Flighted(level=1.0, on_periods=(4, 8), off_periods=(2, 6), cv=0.2)
    common = flights.draw(dates, spend_rng)
    # online video runs in tv's flights; only its weekly weight within a flight differs
    video = common * _noise_for_correlation(common, correlation, mix_rng)
    data = pd.DataFrame(
        {
            "date": dates,
            "tv_spend": np.round(40_000.0 * common),
            "online_video_spend": np.round(40_000.0 * video),
            "search_spend": np.round(
                AlwaysOn(level=10_000.0, cv=0.25, ar=0.5).draw(dates, mix_rng)
            ),
            "price_index": price_index(dates, control_rng),
            "promo": promo_events(dates, control_rng),
        }
    )
    achieved = float(np.corrcoef(data["tv_spend"], data["online_video_spend"])[0, 1])
    meta = {
        "scenario": "collinear_lift",
        "spend_correlation": achieved,
        "random_seed": random_seed if isinstance(random_seed, int) else None,
    }
    data, truth = simulate_kpi(
        data,
        channels=COLLINEAR_CHANNELS,
        random_seed=noise_rng,
        meta=meta,
        **(_BASELINE | {"noise_sigma": noise_sigma}),
    )
    column = f"{test_channel}_spend"
    t0, t1 = test_weeks or _busiest_window(data[column].to_numpy(), 6, start=n_weeks // 2)
    delta = float(round(test_spend_share * data[column].iloc[t0 : t1 + 1].sum()))
    if delta == 0:
        raise ValueError(f"{test_channel} spent nothing in weeks {t0}-{t1}; move the test")
    lift = true_lift(truth, data, test_channel, t0, t1, delta)
    se = lift_se_share * abs(lift)
    truth.meta["true_lift"] = lift
    tests = pd.DataFrame(
        {
            "channel": [test_channel],
            "start": [dates[t0].date()],
            "end": [(dates[t1] + pd.Timedelta(days=6)).date()],
            "spend_delta": [delta],
            "lift": [round(lift + test_rng.normal(0.0, se), 2)],
            "lift_se": [round(se, 2)],
        }
    )
    return data, truth, tests


def _noise_for_correlation(
    series: np.ndarray, correlation: float, rng: np.random.Generator
) -> np.ndarray:
    """Mean-one lognormal weights ``e`` such that ``corr(series, series * e)`` is near target.

    The spread is chosen on a grid for the drawn noise, so the result is deterministic.
    """
    z = rng.standard_normal(len(series))
    best, best_gap = np.ones(len(series)), np.inf
    for sigma in np.linspace(0.0, 2.0, 201):
        e = np.exp(sigma * z - sigma**2 / 2)
        gap = abs(np.corrcoef(series, series * e)[0, 1] - correlation)
        if gap < best_gap:
            best, best_gap = e, gap
    return best


def _busiest_window(spend: np.ndarray, length: int, *, start: int) -> tuple[int, int]:
    """First and last index of the ``length``-period window after ``start`` with most spend."""
    sums = np.convolve(spend[start:], np.ones(length), mode="valid")
    t0 = start + int(np.argmax(sums))
    return t0, t0 + length - 1
