"""Reach-and-frequency channels: spec, data checks, graph against its numpy twin, ROAS(f)."""

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from pydantic import ValidationError

from mmm_bayes.analysis import reach_frequency as rf
from mmm_bayes.analysis.media import channel_contribution, media_params, scaled_frequency
from mmm_bayes.data import validate_data
from mmm_bayes.errors import DataError
from mmm_bayes.model import build_inputs, build_lift_inputs, build_model
from mmm_bayes.spec import ModelSpec
from mmm_bayes.spec.calibration import LiftTest
from mmm_bayes.testing import fake_posterior, posterior_at

YT = {
    "name": "youtube",
    "reach_column": "yt_reach",
    "frequency_column": "yt_freq",
    "spend_column": "yt_spend",
}


def _frame(n=60, seed=3):
    rng = np.random.default_rng(seed)
    reach = rng.gamma(4.0, 2.5e5, n) * (rng.random(n) < 0.8)
    freq = np.where(reach > 0, 1.0 + rng.gamma(3.0, 0.6, n), 0.0)
    spend = reach * freq * 0.012 * rng.uniform(0.9, 1.1, n)
    return pd.DataFrame(
        {
            "date": pd.date_range("2024-01-01", periods=n, freq="W-MON"),
            "sales": 1e5 + rng.normal(0, 1e3, n),
            "tv": rng.gamma(2.0, 5e3, n),
            "yt_reach": reach,
            "yt_freq": freq,
            "yt_spend": spend,
            "promo": rng.integers(0, 2, n).astype(float),
        }
    )


def _spec(**fields):
    return ModelSpec(kpi="sales", channels=["tv", YT], controls=["promo"], **fields)


def _inputs(spec, frame=None):
    frame = _frame() if frame is None else frame
    data = validate_data(frame, **spec.data_columns())
    return build_inputs(spec, data)


def test_spec_fills_column_and_names_columns():
    spec = _spec()
    yt = spec.channels[1]
    assert yt.is_rf and yt.column == "yt_reach" and spec.rf_channels == ("youtube",)
    assert spec.extra_value_columns == ("yt_spend", "yt_freq")


@pytest.mark.parametrize(
    ("channel", "match"),
    [
        ({**YT, "frequency_column": None}, r"needs \['frequency_column'\]"),
        ({k: v for k, v in YT.items() if k != "spend_column"}, r"needs \['spend_column'\]"),
        ({**YT, "column": "yt_impressions"}, "leave out `column` \\('yt_impressions'\\)"),
        ({"name": "yt", "column": "yt_reach", "frequency_column": "f"}, "without reach_column"),
        ({**YT, "frequency_column": "tv"}, "frequency_column must belong to one channel"),
    ],
)
def test_spec_errors_name_the_channel_and_fix(channel, match):
    with pytest.raises(ValidationError, match=match):
        ModelSpec(kpi="sales", channels=["tv", channel])


def test_features_not_available_for_rf_channels_are_refused():
    with pytest.raises(ValidationError, match=r"channel\(s\) \['youtube'\] have 'roas' priors"):
        ModelSpec(kpi="sales", channels=["tv", {**YT, "priors": {"roas": {"dist": "LogNormal",
                  "median": 1.0, "sigma": 0.5}}}])  # fmt: skip
    with pytest.raises(ValidationError, match="interactions with reach-and-frequency"):
        _spec(interactions=[{"channels": ["tv", "youtube"]}])
    with pytest.raises(ValidationError, match="not available in geo models yet"):
        _spec(geo={"column": "geo"})
    spec = _spec()
    test = LiftTest(channel="youtube", start="2024-03-04", end="2024-03-25", spend_delta=-1000.0,
                    lift=-500.0, lift_se=100.0)  # fmt: skip
    with pytest.raises(DataError, match="'youtube' is measured by reach and frequency"):
        build_lift_inputs(spec, _inputs(spec), [test])


def test_frequency_below_one_with_reach_names_the_rows():
    frame = _frame()
    frame.loc[[4, 9], "yt_freq"] = 0.5
    frame.loc[[4, 9], "yt_reach"] = 1000.0
    # rows 4 and 9 are the weeks of 2024-01-29 and 2024-03-04
    with pytest.raises(DataError, match=r"below 1 on 2024-01-29 \(0.5\), 2024-03-04 \(0.5\)"):
        _inputs(_spec(), frame)


def test_negative_or_empty_reach_and_frequency_are_named_as_such():
    frame = _frame()
    frame.loc[7, "yt_freq"] = -1.0
    with pytest.raises(DataError, match=r"negative frequency in 'yt_freq' at row 7 .*>= 0"):
        _inputs(_spec(), frame)
    frame = _frame()
    frame["yt_reach"] = 0.0
    with pytest.raises(DataError, match="reach column 'yt_reach' is zero in every period"):
        _inputs(_spec(), frame)


def test_inputs_scale_frequency_by_its_impression_weighted_mean():
    frame, spec = _frame(), _spec()
    inputs = _inputs(spec, frame)
    want = (frame.yt_reach * frame.yt_freq).sum() / frame.yt_reach.sum()
    assert inputs.rf.tolist() == [False, True]
    np.testing.assert_allclose(inputs.frequency_scale, [1.0, want], rtol=1e-12)
    np.testing.assert_allclose(inputs.media[:, 1], frame.yt_reach, rtol=0)


@pytest.mark.parametrize("saturation", ["hill", "logistic"])
def test_graph_matches_numpy_twin(saturation):
    spec = _spec(saturation={"kind": saturation})
    inputs = _inputs(spec)
    model = build_model(spec, inputs)
    with model:
        prior = pm.sample_prior_predictive(draws=20, random_seed=5)["prior"]
    params = media_params(prior, spec, inputs.channels)
    got = channel_contribution(inputs.media_scaled.T, params, spec, kpi_scale=inputs.kpi_scale,
                               frequency=scaled_frequency(inputs))  # fmt: skip
    want = prior["channel_contribution"].transpose("chain", "draw", "channel", "date")
    # float64 on both sides; only the order of the sums differs
    np.testing.assert_allclose(got, want.to_numpy(), rtol=1e-10, atol=1e-9)


def test_twin_needs_frequency():
    spec = _spec()
    inputs = _inputs(spec)
    params = media_params(fake_posterior(spec, inputs, draws=2)["posterior"], spec, inputs.channels)
    with pytest.raises(ValueError, match="frequency="):
        channel_contribution(inputs.media_scaled.T, params, spec)


def _point(spec, inputs, *, K=1.1, S=2.5, alpha=0.4, effect=0.05):
    values = {
        "alpha": np.array([0.3, alpha]),
        "K": np.array([1.0, K]),
        "S": np.array([1.0, S]),
        "effect": np.array([0.1, effect]),
        "level": 1.0,
        "trend_slope": 0.0,
        "season_coef": np.zeros(4),
        "control_coef": np.zeros(1),
        "sigma": 0.1,
    }
    return posterior_at(spec, inputs, values)


def test_steady_mean_reach_and_frequency_gives_the_effect():
    frame = _frame()
    frame["yt_reach"], frame["yt_freq"] = 5e5, 3.0
    spec = _spec()
    inputs = _inputs(spec, frame)
    post = _point(spec, inputs)["posterior"]
    contribution = channel_contribution(inputs.media_scaled.T, media_params(post, spec,
        inputs.channels), spec, frequency=scaled_frequency(inputs))  # fmt: skip
    # after the l_max-period warm-up the response is 1, so the term is the effect
    np.testing.assert_allclose(contribution[0, 0, 1, 8:], 0.05, rtol=1e-12)


def test_roas_at_frequency_equals_the_counterfactual_buy():
    """ROAS(f) in closed form = the model's KPI if the same impressions had been bought at f."""
    frame, spec = _frame(), _spec()
    inputs = _inputs(spec, frame)
    post = _point(spec, inputs)["posterior"]
    params = media_params(post, spec, inputs.channels)
    mean_f = inputs.frequency_scale[1]
    for f in (1.5, 3.0, 6.0):
        x = inputs.media_scaled.T.copy()
        x[1] = frame.yt_reach * frame.yt_freq / f / inputs.media_scale[1]  # same impressions
        freq = np.ones_like(x)
        freq[1] = f / mean_f
        kpi = channel_contribution(x, params, spec, extend=True, kpi_scale=inputs.kpi_scale,
                                   frequency=freq)[0, 0, 1].sum()  # fmt: skip
        closed = rf.roas_at_frequency(post, inputs, spec, "youtube", np.array([f]))[0, 0, 0]
        np.testing.assert_allclose(closed, kpi / frame.yt_spend.sum(), rtol=1e-9)


def test_optimal_frequency_is_the_hill_optimum_inside_the_data():
    spec = _spec()
    inputs = _inputs(spec)
    lo, hi = rf.frequency_range(inputs, "youtube")
    mean_f = inputs.frequency_scale[1]
    for K, S in ((0.9, 2.5), (1.2, 3.0)):
        table = rf.optimal_frequency(_point(spec, inputs, K=K, S=S), inputs, spec)
        want = np.clip(mean_f * K * (S - 1) ** (1 / S), lo, hi)
        # the search grid has 1001 points over the observed range
        assert abs(table.loc["youtube", "optimal_frequency"] - want) <= (hi - lo) / 1000
        assert table.loc["youtube", "gain"] >= 0
    # a concave curve (S <= 1): every impression should reach someone new
    table = rf.optimal_frequency(_point(spec, inputs, S=0.8), inputs, spec)
    assert table.loc["youtube", "optimal_frequency"] == pytest.approx(lo)


def test_frequency_response_grid_and_units():
    spec = _spec()
    inputs = _inputs(spec)
    post = fake_posterior(spec, inputs, draws=30, random_seed=2)
    da = rf.frequency_response(post, inputs, spec, points=25)
    assert da.dims == ("chain", "draw", "channel", "point") and list(da.channel) == ["youtube"]
    assert da["frequency"].values[0, 0] == 1.0
    at = rf.roas_at_frequency(post, inputs, spec, "youtube", da["frequency"].values[0])
    np.testing.assert_allclose(da.values[:, :, 0], at, rtol=1e-12)
    with pytest.raises(Exception, match="'tv' is not measured by reach and frequency"):
        rf.roas_at_frequency(post, inputs, spec, "tv", np.array([2.0]))
