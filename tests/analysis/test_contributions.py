"""Contributions: numpy decomposition against the PyMC model's deterministics and the simulator."""

import numpy as np
import pandas as pd
import pytest

from mmm_bayes import datasets
from mmm_bayes.analysis import channel_contribution, contribution_table, contributions
from mmm_bayes.model import build_model
from mmm_bayes.simulate import Truth
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
        "seasonality": {"order": 3},
    },
    "no_trend_season_controls": {
        "trend": {"enabled": False},
        "seasonality": {"order": 0},
        "controls": [],
    },
}
MODEL_NAMES = {
    "channels": "channel_contribution",
    "trend": "trend_contribution",
    "seasonality": "seasonality_contribution",
    "controls": "control_contribution",
}
# Same float64 formulas on both sides, only the order of operations differs: agreement to
# ~1e-15 relative is expected; 1e-10 leaves room and still catches any wrong term or scale.
RTOL = 1e-10


@pytest.fixture(scope="module", params=sorted(SPECS))
def case(request):
    spec = example_spec(**SPECS[request.param])
    inputs = example_inputs(spec)
    post = fake_posterior(spec, inputs, chains=2, draws=10, random_seed=3)
    return spec, inputs, post, contributions(post, inputs, spec)


def test_terms_match_the_pymc_model(case):
    spec, inputs, post, ds = case
    model = build_model(spec, inputs)
    present = [k for k in MODEL_NAMES if k in ds]
    want = evaluate_deterministics(model, post, [MODEL_NAMES[k] for k in present])
    atol = RTOL * inputs.kpi_scale  # terms cross zero: relative to an average period's KPI
    for name in present:
        got = ds[name].transpose("chain", "draw", "date", ...).to_numpy()
        np.testing.assert_allclose(got, want[MODEL_NAMES[name]], rtol=RTOL, atol=atol)
    intercept = post["posterior"]["intercept"].to_numpy()[..., None] * inputs.kpi_scale
    np.testing.assert_allclose(ds["baseline"].to_numpy(), np.broadcast_to(intercept, (2, 10, 156)))


def test_mu_is_the_sum_of_the_terms(case):
    _, _, _, ds = case
    terms = [ds[k] for k in ds.data_vars if k != "mu"]
    total = sum(t.sum([d for d in t.dims if d in ("channel", "control")]) for t in terms)
    np.testing.assert_allclose(ds["mu"], total.transpose(*ds["mu"].dims), rtol=1e-12)


def test_dims_units_and_absent_terms(case):
    spec, inputs, _, ds = case
    expected = {"baseline", "channels", "mu"}
    expected |= {"trend"} if spec.trend.enabled else set()
    expected |= {"seasonality"} if spec.seasonality.order else set()
    expected |= {"controls"} if spec.controls else set()
    assert set(ds.data_vars) == expected
    assert ds.attrs["units"] == "KPI"
    for name, da in ds.data_vars.items():
        assert da.attrs["units"] == "KPI"
        assert da.dims[:3] == ("chain", "draw", "date"), name
    assert ds["channels"].dims == ("chain", "draw", "date", "channel")
    assert list(ds["channel"].to_numpy()) == list(inputs.channels)
    assert (ds["date"].to_numpy() == inputs.dates.to_numpy()).all()
    if spec.controls:
        assert ds["controls"].dims == ("chain", "draw", "date", "control")


def test_accepts_dataset_or_datatree(case):
    spec, inputs, post, ds = case
    assert contributions(post["posterior"].to_dataset(), inputs, spec).identical(ds)


def test_contributions_at_the_truth_reproduce_the_simulator():
    # the model at the simulator's true parameters gives the simulated KPI before noise,
    # term by term: this ties scaling, standardized controls and Hill normalization together
    spec = example_spec()
    inputs = example_inputs(spec)
    truth = Truth.from_dict(datasets.truth())
    ds = contributions(posterior_at(spec, inputs, true_values(spec, inputs, truth)), inputs, spec)
    comp = truth.components
    kpi = comp.drop(columns="noise").sum(axis=1).to_numpy()
    np.testing.assert_allclose(ds["mu"].to_numpy()[0, 0], kpi, rtol=1e-12)
    channels = ds["channels"].to_numpy()[0, 0]
    np.testing.assert_allclose(
        channels, comp[list(inputs.channels)].to_numpy(), rtol=1e-12, atol=1e-9
    )
    np.testing.assert_allclose(ds["trend"].to_numpy()[0, 0], comp["trend"], atol=1e-9)
    np.testing.assert_allclose(ds["seasonality"].to_numpy()[0, 0], comp["seasonality"], atol=1e-9)


def test_channel_contribution_extend_adds_the_carryover_tail():
    spec = example_spec()
    inputs = example_inputs(spec)
    params = {"effect": np.ones(5), "alpha": np.full(5, 0.5), "K": np.ones(5), "S": np.ones(5)}
    window = channel_contribution(inputs.media_scaled.T, params, spec)
    extended = channel_contribution(inputs.media_scaled.T, params, spec, extend=True)
    assert window.shape == (5, 156)
    assert extended.shape == (5, 156 + spec.adstock.l_max - 1)
    np.testing.assert_array_equal(extended[:, :156], window)
    # channels spending in the last week carry over into the tail
    assert (extended[:, 156:] > 0).any(axis=1).tolist() == (inputs.spend[-1] > 0).tolist()
    # at steady mean spend the response is exactly `effect` (Hill normalized at 1.0)
    steady = channel_contribution(np.ones((5, 30)), params, spec, kpi_scale=2.0)
    np.testing.assert_allclose(steady[:, spec.adstock.l_max :], 2.0, rtol=1e-14)


def test_contribution_table(case):
    spec, inputs, _, ds = case
    table = contribution_table(ds)
    assert list(table.columns) == ["date", "term", "component", "mean", "q05", "q95"]
    components = ["baseline", *inputs.channels]
    components += ["trend"] * spec.trend.enabled + ["seasonality"] * bool(spec.seasonality.order)
    components += list(inputs.controls)
    assert sorted(table["component"].unique()) == sorted(components)
    assert len(table) == len(inputs.dates) * len(components)
    assert "mu" not in set(table["term"])
    # means are linear: the components of a date sum to the mean of mu
    by_date = table.groupby("date")["mean"].sum()
    mu = ds["mu"].mean(("chain", "draw")).to_series()
    pd.testing.assert_series_equal(by_date, mu, check_names=False, rtol=1e-12)
    assert (table["q05"] <= table["q95"]).all()
    tv = table[table["component"] == "tv"].set_index("date")
    np.testing.assert_allclose(
        tv["q95"], ds["channels"].sel(channel="tv").quantile(0.95, ("chain", "draw"))
    )
