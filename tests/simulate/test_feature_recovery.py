"""Recovery on simulated data with known truth: past-forecast control and channel overlaps.

Slow (real NUTS fits, 2 chains x 400 + 400 draws each). One seed per claim: the truth inside
the 90% interval, or an interval on the right side of zero, is what one fit can show; coverage
over many seeds is the validation runner's job (``benchmarks/bench_forecast.py`` prints the
forecast comparison for several seeds).
"""

import pytest

from mmm_bayes import MMM
from mmm_bayes.data.forecast import add_smoothed
from mmm_bayes.simulate.forecast import forecast_feedback
from mmm_bayes.simulate.interaction import channel_overlap

pytestmark = pytest.mark.slow

FIT = {"draws": 400, "tune": 400, "chains": 2, "progressbar": False, "posterior_predictive": False}


def _forecast_fit(controls, seed=1):
    data, truth = forecast_feedback(random_seed=seed)
    data = add_smoothed(data, [{"column": "forecast", "name": "forecast_smooth"}], date_col="date")
    channels = [{"name": "search", "column": "search_spend"}, {"name": "tv", "column": "tv_spend"}]
    mmm = MMM({"kpi": "sales", "channels": channels, "controls": controls})
    mmm.fit(data, random_seed=seed, **FIT)
    return mmm.roas_summary().loc["search"], truth.true_roas["search"]


def test_forecast_control_removes_upward_roas_bias():
    without, true = _forecast_fit([])
    # budgets follow demand: without the control the whole 90% interval lies above the truth
    assert without["q05"] > true
    with_control, _ = _forecast_fit(["forecast_smooth"])
    assert with_control["q05"] <= true <= with_control["q95"]
    assert abs(with_control["mean"] - true) < abs(without["mean"] - true)


def _overlap_fit(coef, seed):
    data, truth = channel_overlap(coef=coef, random_seed=seed)
    spec = {
        "kpi": "sales",
        "channels": [
            {"name": "youtube", "column": "youtube_spend"},
            {"name": "facebook", "column": "facebook_spend"},
        ],
        "seasonality": {"order": 0},
        "interactions": [{"channels": ["youtube", "facebook"]}],
    }
    mmm = MMM(spec)
    idata = mmm.fit(data, random_seed=seed, **FIT)
    draws = idata["posterior"]["interaction_coef"].sel(interaction="youtube:facebook")
    return draws.quantile([0.05, 0.95]).to_numpy(), truth


@pytest.mark.parametrize("coef", [0.06, -0.06])
def test_interaction_sign_is_recovered(coef):
    (lo, hi), truth = _overlap_fit(coef, seed=3)
    # the 90% interval excludes zero on the true side and holds the truth
    assert (lo > 0) if coef > 0 else (hi < 0)
    assert lo <= truth.coef <= hi


def test_no_interaction_interval_covers_zero():
    (lo, hi), _ = _overlap_fit(0.0, seed=4)
    assert lo < 0 < hi
