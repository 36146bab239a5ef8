"""ROAS, marginal ROAS and response curves: tied to the simulator's truth and to the model."""

import dataclasses

import numpy as np
import pytest

from mmm_bayes import datasets
from mmm_bayes.analysis import marginal_roas, response_curves, roas, roas_table
from mmm_bayes.errors import DataError
from mmm_bayes.model import build_model
from mmm_bayes.simulate import Truth, true_roas
from mmm_bayes.testing import (
    evaluate_deterministics,
    example_inputs,
    example_spec,
    fake_posterior,
    posterior_at,
    true_values,
)

SPECS = {
    "geometric_hill": {},
    "delayed_logistic": {
        "adstock": {"kind": "delayed", "l_max": 5},
        "saturation": {"kind": "logistic"},
    },
}


@pytest.fixture(scope="module", params=sorted(SPECS))
def case(request):
    spec = example_spec(**SPECS[request.param])
    inputs = example_inputs(spec)
    post = fake_posterior(spec, inputs, chains=2, draws=10, random_seed=5)
    return spec, inputs, post


@pytest.fixture(scope="module")
def truth_case():
    spec = example_spec()
    inputs = example_inputs(spec)
    truth = Truth.from_dict(datasets.truth())
    return spec, inputs, truth, posterior_at(spec, inputs, true_values(spec, inputs, truth))


def test_roas_at_the_truth_is_the_true_roas(truth_case):
    # ties our definition (zero the channel over the window, count the carryover tail) to the
    # simulator's: the bundled truth file and true_roas() recomputed from the data
    spec, inputs, truth, post = truth_case
    got = roas(post, inputs, spec).to_numpy()[0, 0]
    want = np.array([truth.true_roas[c] for c in inputs.channels])
    np.testing.assert_allclose(got, want, rtol=1e-8)
    ch = [truth.channel(c) for c in inputs.channels]
    recomputed = true_roas(
        inputs.spend.T,
        alpha=np.array([c.alpha for c in ch]),
        l_max=spec.adstock.l_max,
        K=np.array([c.K for c in ch]),
        S=np.array([c.S for c in ch]),
        beta=np.array([c.beta for c in ch]),
        scale=inputs.spend_scale,
    )
    np.testing.assert_allclose(got, recomputed, rtol=1e-12)


def test_roas_without_carryover_is_the_model_contribution_over_spend():
    # with l_max = 1 nothing lands after the window, so ROAS is the PyMC model's own
    # channel_contribution summed over the window, divided by spend
    spec = example_spec(adstock={"kind": "geometric", "l_max": 1})
    inputs = example_inputs(spec)
    post = fake_posterior(spec, inputs, draws=10, random_seed=1)
    media = evaluate_deterministics(build_model(spec, inputs), post, ["channel_contribution"])
    want = media["channel_contribution"].sum(axis=2) / inputs.spend.sum(axis=0)
    np.testing.assert_allclose(roas(post, inputs, spec).to_numpy(), want, rtol=1e-10)


def test_roas_counts_the_carryover_tail(case):
    spec, inputs, post = case
    model = build_model(spec, inputs)
    window = evaluate_deterministics(model, post, ["channel_contribution"])["channel_contribution"]
    window_roas = window.sum(axis=2) / inputs.spend.sum(axis=0)
    got = roas(post, inputs, spec).to_numpy()
    # every channel spends in the last l_max weeks of the example, so the tail adds KPI
    assert (inputs.spend[-spec.adstock.l_max :] > 0).any(axis=0).all()
    assert (got > window_roas).all()


def test_roas_dims_and_units(case):
    spec, inputs, post = case
    r = roas(post, inputs, spec)
    assert r.name == "roas"
    assert r.dims == ("chain", "draw", "channel")
    assert r.attrs["units"] == "KPI per currency unit"
    assert list(r["channel"].to_numpy()) == list(inputs.channels)
    assert roas(post["posterior"].to_dataset(), inputs, spec).identical(r)
    m = marginal_roas(post, inputs, spec)
    assert (m.name, m.dims, m.attrs["units"]) == ("marginal_roas", r.dims, r.attrs["units"])


def test_response_curve_ends(case):
    spec, inputs, post = case
    curves = response_curves(post, inputs, spec)
    np.testing.assert_allclose(curves["multiplier"], np.linspace(0, 2, 21))
    assert curves["kpi"].dims == ("chain", "draw", "channel", "multiplier")
    assert curves["spend"].dims == ("channel", "multiplier")
    total = inputs.spend.sum(axis=0)
    np.testing.assert_allclose(curves["spend"].sel(multiplier=1.0), total, rtol=1e-14)
    np.testing.assert_allclose(curves["spend"].sel(multiplier=2.0), 2 * total, rtol=1e-14)
    np.testing.assert_array_equal(curves["kpi"].sel(multiplier=0.0), 0.0)
    at_one = curves["kpi"].sel(multiplier=1.0)
    np.testing.assert_allclose(at_one, roas(post, inputs, spec) * total, rtol=1e-12)


def test_response_curves_increase(case):
    # Hill and logistic curves increase in spend, and adstock is linear and non-negative
    spec, inputs, post = case
    kpi = response_curves(post, inputs, spec, multipliers=np.linspace(0, 3, 13))["kpi"]
    assert (kpi.diff("multiplier") > 0).all()


def _with_media(post, **values):
    ds = post["posterior"].to_dataset()
    return ds.assign({k: ds[k] * 0 + v for k, v in values.items()})


def test_marginal_below_average_for_concave_curves(case):
    spec, inputs, post = case
    ds = post["posterior"].to_dataset()
    if spec.saturation.kind == "hill":  # concave only for S <= 1
        ds = ds.assign(S=ds["S"].clip(max=1.0))
    assert (marginal_roas(ds, inputs, spec) < roas(ds, inputs, spec)).all()


def test_marginal_above_average_below_an_s_curve_knee():
    # an S-shaped Hill (S = 3) with spend far below its half-saturation point K = 10 is convex
    # there: one more unit of spend returns more than the average unit did
    spec = example_spec()
    inputs = example_inputs(spec)
    ds = _with_media(fake_posterior(spec, inputs, draws=5), S=3.0, K=10.0)
    assert (marginal_roas(ds, inputs, spec) > roas(ds, inputs, spec)).all()


def test_marginal_roas_is_the_derivative():
    # l_max = 1 and S = 1: f(x) = e * s * (1 + K) x / (x + K) per period, so
    # d/dm sum_t f(m x_t) at m = 1 is sum_t x_t f'(x_t), with f'(x) = e s (1 + K) K / (x + K)**2;
    # a forward difference of step h is off by O(h), so h = 1e-6 agrees to ~1e-5
    spec = example_spec(adstock={"kind": "geometric", "l_max": 1})
    inputs = example_inputs(spec)
    K, e = np.array([0.5, 1.0, 2.0, 3.0, 0.8]), np.array([0.1, 0.2, 0.05, 0.3, 0.15])
    ds = _with_media(fake_posterior(spec, inputs, chains=1, draws=1), S=1.0)
    ds = ds.assign(K=ds["K"] * 0 + K, effect=ds["effect"] * 0 + e)
    x = inputs.media_scaled
    slope = e * inputs.kpi_scale * (1 + K) * K / (x + K) ** 2
    want = (x * slope).sum(axis=0) / inputs.spend.sum(axis=0)
    got = marginal_roas(ds, inputs, spec, step=1e-6).to_numpy()[0, 0]
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_roas_table(case):
    spec, inputs, post = case
    r = roas(post, inputs, spec)
    table = roas_table(r)
    assert list(table.columns) == ["mean", "median", "sd", "q05", "q95"]
    assert list(table.index) == list(inputs.channels)
    assert table.index.name == "channel"
    flat = r.transpose("channel", ...).to_numpy().reshape(len(inputs.channels), -1)
    np.testing.assert_allclose(table["mean"], flat.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(table["median"], np.median(flat, axis=1), rtol=1e-12)
    np.testing.assert_allclose(table["sd"], flat.std(axis=1, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(table["q05"], np.quantile(flat, 0.05, axis=1), rtol=1e-12)
    np.testing.assert_allclose(table["q95"], np.quantile(flat, 0.95, axis=1), rtol=1e-12)
    assert list(roas_table(marginal_roas(post, inputs, spec)).index) == list(inputs.channels)


def test_errors(case):
    spec, inputs, post = case
    with pytest.raises(ValueError, match="step must be > 0"):
        marginal_roas(post, inputs, spec, step=0.0)
    with pytest.raises(ValueError, match="multipliers must be a 1-d array of finite values >= 0"):
        response_curves(post, inputs, spec, multipliers=np.array([1.0, -0.5]))
    spend = inputs.spend.copy()
    spend[:, 1] = 0.0
    no_search = dataclasses.replace(
        inputs, spend=spend, spend_scale=np.where(spend.sum(0) > 0, inputs.spend_scale, 1.0)
    )
    with pytest.raises(DataError, match=r"undefined for channel\(s\) \['search'\]"):
        roas(post, no_search, spec)
