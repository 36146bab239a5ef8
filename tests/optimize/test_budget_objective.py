"""The KPI a window budget buys: PyTensor against numpy, the carryover tail, the risk measures."""

import numpy as np
import pytest
from budget_helpers import hill_response, true_window_kpi
from scipy.stats.mstats import hdquantiles

from mmm_bayes import datasets
from mmm_bayes.analysis import response_curves
from mmm_bayes.analysis.media import channel_contribution, media_params
from mmm_bayes.data import validate_data
from mmm_bayes.model import build_inputs
from mmm_bayes.optimize.objective import (
    KPIFunction,
    expected_value,
    exposure_per_unit,
    lower_quantile,
    mean_minus_sd,
    response_draws,
    window_pattern,
)
from mmm_bayes.testing import example_spec, fake_posterior, posterior_at, true_values
from mmm_bayes.transforms import geometric_weights


@pytest.fixture(scope="module", params=["hill", "logistic"])
def setup(request, inputs):
    spec = example_spec(saturation={"kind": request.param})
    post = fake_posterior(spec, inputs, draws=30, random_seed=3)
    return spec, post, response_draws(post, inputs, spec, periods=13)


def test_numpy_twin_matches_the_analysis_layer(setup, inputs):
    # the optimizer's response must be the model's media formula: compare with the function
    # ROAS uses, on the window's flat spend padded by the carryover tail
    spec, post, draws = setup
    x = np.array([3e5, 1e5, 5e4, 8e4, 2e4])
    spend_scaled = (x / inputs.spend_scale)[:, None] * np.full(13, 1 / 13)
    params = media_params(post, spec, inputs.channels)
    want = channel_contribution(spend_scaled, params, spec, extend=True, kpi_scale=inputs.kpi_scale)
    got = draws.kpi(x).reshape(want.shape[:-1])
    np.testing.assert_allclose(got, want.sum(-1), rtol=1e-12)  # same float64 formula


def test_pytensor_function_matches_numpy_and_finite_differences(setup):
    _, _, draws = setup
    f = KPIFunction(draws)
    x = np.array([3e5, 1e5, 5e4, 8e4, 2e4])
    kpi, grad = f(x)
    np.testing.assert_allclose(kpi, draws.kpi(x), rtol=1e-10)  # twins: summation order only
    h = 1e-3 * x  # central differences: error O(h^2) ~ 1e-6 relative on these smooth curves
    for c in range(len(x)):
        e = np.zeros_like(x)
        e[c] = h[c]
        fd = (draws.kpi(x + e)[:, c] - draws.kpi(x - e)[:, c]) / (2 * h[c])
        np.testing.assert_allclose(grad[:, c], fd, rtol=1e-5)


def test_response_at_the_truth_is_the_simulators_response(spec, inputs, truth):
    # posterior_at the true values: the model's response in currency must equal the
    # simulator's true response curves (window + tail), so the units conversion is right
    post = posterior_at(spec, inputs, true_values(spec, inputs, truth))
    draws = response_draws(post, inputs, spec, periods=13)
    x = dict(zip(inputs.channels, [2e5, 1.5e5, 1e5, 6e4, 3e4], strict=True))
    got = draws.kpi(np.array(list(x.values()))).sum()
    np.testing.assert_allclose(got, true_window_kpi(truth, x, 13), rtol=1e-10)


def test_the_carryover_tail_counts_the_whole_budget():
    # normalized adstock weights spread each unit of spend over l_max periods; with the tail
    # appended, the exposure of a window sums to budget / spend_scale for any retention
    unit = window_pattern(4, ("a", "b"), {"b": [0, 0, 0, 1]})  # b spends in the last period
    w = geometric_weights(np.array([[0.2, 0.9]]), 8)  # (draw, channel, lag)
    e = exposure_per_unit(unit, w, np.array([10.0, 20.0]))
    assert e.shape == (1, 2, 4 + 7)
    np.testing.assert_allclose(e.sum(-1), [[1 / 10.0, 1 / 20.0]], rtol=1e-12)
    # without the tail the late spender would lose most of it
    assert e[0, 1, :4].sum() < 0.2 * e[0, 1].sum()


def test_pattern_weights_are_normalized():
    u = window_pattern(3, ("a", "b"), {"a": [1, 1, 2]})
    np.testing.assert_allclose(u, [[0.25, 0.25, 0.5], [1 / 3, 1 / 3, 1 / 3]])


def _numeric_grad(fun, y, dy, eps=1e-6):
    # the measures take y = Y0 + dy @ t; differentiate in t at 0
    out = []
    for c in range(dy.shape[1]):
        step = dy[:, c] * eps
        out.append((fun(y + step, dy)[0] - fun(y - step, dy)[0]) / (2 * eps))
    return np.array(out)


@pytest.mark.parametrize(
    "measure",
    [
        expected_value,
        lambda y, dy: mean_minus_sd(y, dy, 1.5),
        lambda y, dy: lower_quantile(y, dy, 0.1),
    ],
    ids=["mean", "mean_minus_sd", "lower_quantile"],
)
def test_risk_measure_gradients(measure):
    rng = np.random.default_rng(5)
    y, dy = rng.normal(100, 20, 400), rng.normal(1, 0.3, (400, 3))
    _value, grad = measure(y, dy)
    # smooth measures: central differences agree to ~1e-6 relative (eps 1e-6, values ~100)
    np.testing.assert_allclose(grad, _numeric_grad(measure, y, dy), rtol=1e-5)


def test_risk_measure_values():
    y = np.random.default_rng(6).gamma(3.0, 10.0, 1000)
    dy = np.ones((1000, 1))
    assert expected_value(y, dy)[0] == pytest.approx(y.mean())
    assert mean_minus_sd(y, dy, 2.0)[0] == pytest.approx(y.mean() - 2 * y.std(ddof=1))
    q, _ = lower_quantile(y, dy, 0.1)
    assert q == pytest.approx(hdquantiles(y, prob=[0.1])[0], rel=1e-10)  # the same estimator
    # Harrell-Davis is close to the sample quantile: within 2% here (n = 1000)
    assert q == pytest.approx(np.quantile(y, 0.1), rel=0.02)


def test_hill_response_helper_is_the_stated_curve():
    d = hill_response(np.array([3.0, 5.0]), np.array([2.0, 7.0]))
    x = np.array([4.0, 1.0])
    np.testing.assert_allclose(d.kpi(x)[0], [3 * 4 / 6, 5 * 1 / 8], rtol=1e-12)


@pytest.mark.parametrize("exposure", [False, True], ids=["spend", "impressions"])
def test_window_equal_to_history_reproduces_the_response_curves(exposure):
    # with the window = the data's dates and each channel's historical media pattern, a budget
    # of k times the historical spend must buy what analysis.response_curves says multiplier k
    # buys; for a channel measured by impressions (varying cost per impression) this checks that
    # a currency unit buys exposure at the window's average cost
    df = datasets.load("example_weekly")
    channels = [{"name": c, "column": f"{c}_spend"} for c in ("tv", "search", "radio")]
    if exposure:
        cpm = 1.0 + 0.5 * np.sin(np.arange(len(df)) / 5.0)  # cost per impression varies
        df["tv_impressions"] = df["tv_spend"] / cpm
        channels[0] = {"name": "tv", "column": "tv_impressions", "spend_column": "tv_spend"}
    spec = example_spec(channels=channels)
    data = validate_data(
        df, date_col="date", kpi_col="sales", channel_cols=spec.channel_columns,
        control_cols=spec.controls, spend_cols=spec.extra_spend_columns,
    )  # fmt: skip
    inputs = build_inputs(spec, data)
    post = fake_posterior(spec, inputs, draws=10, random_seed=8)
    pattern = dict(zip(inputs.channels, inputs.media.T.tolist(), strict=True))
    draws = response_draws(post, inputs, spec, periods=len(df), pattern=pattern)
    k = np.array([0.5, 1.0, 1.7])
    curves = response_curves(post, inputs, spec, multipliers=k)
    for i, m in enumerate(k):
        got = draws.kpi(m * inputs.spend.sum(axis=0))
        want = curves["kpi"].isel(multiplier=i).transpose("chain", "draw", "channel").to_numpy()
        np.testing.assert_allclose(got, want.reshape(got.shape), rtol=1e-10)
