"""Predictive checks: coverage, p-values, CRPS, fit metrics and numpy predictive draws."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

from mmm_bayes import datasets
from mmm_bayes.analysis import contributions
from mmm_bayes.analysis.ppc import (
    band_coverage,
    bayesian_p_values,
    coverage_range,
    crps_ensemble,
    fit_metrics,
    predictive_bands,
    predictive_check,
    predictive_draws,
)
from mmm_bayes.errors import DataError
from mmm_bayes.report.figures.fit import fit_scores
from mmm_bayes.simulate import Truth
from mmm_bayes.testing import (
    example_inputs,
    example_spec,
    fake_posterior,
    posterior_at,
    true_values,
)


def _draws(values: np.ndarray) -> xr.DataArray:
    """(chain, draw, date) DataArray from an array (sample, date)."""
    n, t = values.shape
    return xr.DataArray(
        values.reshape(2, n // 2, t),
        dims=("chain", "draw", "date"),
        coords={"date": pd.date_range("2024-01-01", periods=t, freq="W-MON")},
    )


def tile(tree: xr.DataTree, draws: int) -> xr.DataTree:
    """Repeat a one-draw posterior ``draws`` times (so predictive noise has many draws)."""
    post = tree["posterior"].to_dataset().isel(draw=[0] * draws)
    post = post.assign_coords(draw=np.arange(draws))
    return xr.DataTree.from_dict({"posterior": post})


def test_coverage_of_a_calibrated_forecast_is_nominal():
    rng = np.random.default_rng(0)
    y = rng.normal(size=2000)
    draws = _draws(rng.normal(size=(1000, 2000)))
    cov = band_coverage(y, draws)
    # 2000 observations: the sd of a coverage share is <= sqrt(0.25 / 2000) = 0.011
    assert cov[0.5] == pytest.approx(0.5, abs=0.035)
    assert cov[0.9] == pytest.approx(0.9, abs=0.035)
    lo, hi = coverage_range(0.9, 2000)
    assert lo < cov[0.9] < hi


def test_overconfident_forecast_undercovers():
    rng = np.random.default_rng(1)
    y = rng.normal(size=500)
    cov = band_coverage(y, _draws(0.3 * rng.normal(size=(400, 500))))
    assert cov[0.9] < 0.5  # P(|N(0,1)| < 1.645 * 0.3) = 0.38


def test_bands_are_the_quantiles_of_the_draws():
    rng = np.random.default_rng(2)
    values = rng.gamma(2.0, size=(200, 12))
    bands = predictive_bands(_draws(values))
    np.testing.assert_allclose(bands["q05"], np.quantile(values, 0.05, axis=0))
    np.testing.assert_allclose(bands["q75"], np.quantile(values, 0.75, axis=0))
    np.testing.assert_allclose(bands["mean"], values.mean(axis=0))
    assert list(bands.columns) == ["mean", "median", "q25", "q75", "q05", "q95"]
    assert isinstance(bands.index, pd.DatetimeIndex)


def test_p_values_flag_what_the_draws_cannot_reproduce():
    rng = np.random.default_rng(3)
    t = np.arange(100)
    observed = 10 + np.sin(2 * np.pi * t / 20)  # smooth: highly autocorrelated
    draws = _draws(10 + rng.normal(0, 0.7, size=(400, 100)))  # white noise of the same sd
    table = bayesian_p_values(observed, draws)
    assert table.loc["lag-1 autocorrelation", "p_value"] == 0.0
    assert table.loc["lag-1 autocorrelation", "flag"]
    assert not table.loc["mean", "flag"]  # same mean: p near 1/2
    assert 0.2 < table.loc["mean", "p_value"] < 0.8


def test_p_value_counts_ties_as_half():
    draws = _draws(np.ones((4, 3)))
    table = bayesian_p_values(np.ones(3), draws, {"mean": lambda y: y.mean(axis=-1)})
    assert table.loc["mean", "p_value"] == 0.5


def test_crps_matches_the_pairwise_definition_and_the_normal_closed_form():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(300, 3))
    y = np.array([0.0, 1.0, -2.5])
    pairwise = np.abs(x - y).mean(axis=0) - 0.5 * np.abs(x[:, None, :] - x[None, :, :]).mean(
        axis=(0, 1)
    )
    np.testing.assert_allclose(crps_ensemble(y, _draws(x)), pairwise, rtol=1e-12)
    # CRPS(N(0,1), y) = y(2Phi(y) - 1) + 2phi(y) - 1/sqrt(pi) (Gneiting and Raftery 2007)
    big = rng.normal(size=(40000, 3))
    closed = y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / np.sqrt(np.pi)
    # 40,000 draws: Monte Carlo error of the ensemble estimate is ~0.005
    np.testing.assert_allclose(crps_ensemble(y, _draws(big)), closed, atol=0.02)


def test_crps_of_a_point_forecast_is_the_absolute_error():
    x = np.full((10, 2), 3.0)
    np.testing.assert_allclose(crps_ensemble(np.array([1.0, 5.0]), _draws(x)), [2.0, 2.0])


def test_fit_metrics_agree_with_the_fit_plot_and_by_hand():
    y = np.array([100.0, 120.0, np.nan, 90.0, 110.0])
    yhat = np.array([98.0, 125.0, 50.0, 95.0, 108.0])
    m = fit_metrics(y, yhat)
    r2, mape = fit_scores(y, yhat)
    assert m["r2"] == pytest.approx(r2) and m["mape"] == pytest.approx(mape)
    ok = np.isfinite(y)
    rmse = np.sqrt(np.mean((y[ok] - yhat[ok]) ** 2))
    assert m["nrmse"] == pytest.approx(rmse / 30.0)


def test_shape_mismatch_is_an_error_naming_both_sizes():
    with pytest.raises(DataError, match=r"shape \(4,\) but the predictive draws cover 3 dates"):
        band_coverage(np.ones(4), _draws(np.ones((2, 3))))
    with pytest.raises(DataError, match="dims"):
        predictive_bands(xr.DataArray(np.ones((3, 2)), dims=("x", "y")))


@pytest.fixture(scope="module")
def truth_case():
    spec = example_spec()
    inputs = example_inputs(spec)
    values = true_values(spec, inputs, Truth.from_dict(datasets.truth()))
    return spec, inputs, tile(posterior_at(spec, inputs, values), 600)


def test_predictive_draws_at_the_truth_reproduce_the_data(truth_case):
    spec, inputs, post = truth_case
    draws = predictive_draws(post, inputs, spec, random_seed=1)
    assert draws.dims == ("chain", "draw", "date") and draws.attrs["units"] == "KPI"
    mu = contributions(post, inputs, spec)["mu"].isel(chain=0, draw=0).to_numpy()
    noise = draws.to_numpy().reshape(-1, draws.sizes["date"]) - mu
    sigma = float(post["posterior"]["sigma"][0, 0]) * inputs.kpi_scale
    # 600 x 156 standard normal draws: their sd is 1 within ~0.2%
    assert noise.std() == pytest.approx(sigma, rel=0.01)
    check = predictive_check(inputs.kpi, draws)
    # the data were simulated from this very model with this noise: calibrated bands
    for level, share in check.coverage.items():
        lo, hi = coverage_range(level, len(inputs.kpi))
        assert lo <= share <= hi, (level, share)
    # the data are one realization of this model, so each p-value is uniform; for this data
    # set they lie in [0.2, 0.98] (sd and max are a little low), none near 0 or 1
    p = check.p_values["p_value"]
    assert p.between(0.01, 0.99).all(), check.p_values
    # noise sd 8,000 against a KPI sd of 24,500: the truth itself explains 1 - (8/24.5)² = 0.89
    assert check.metrics["r2"] == pytest.approx(0.89, abs=0.03)
    assert check.verdict.startswith("The model misses something") == check.p_values["flag"].any()


def test_student_t_noise_uses_nu():
    spec = example_spec(likelihood={"kind": "student_t"})
    inputs = example_inputs(spec)
    post = fake_posterior(spec, inputs, chains=2, draws=200, random_seed=3)
    post["posterior"]["nu"] = xr.full_like(post["posterior"]["sigma"], 3.0)
    post["posterior"]["sigma"] = xr.full_like(post["posterior"]["sigma"], 0.01)
    draws = predictive_draws(post, inputs, spec, random_seed=2)
    mu = contributions(post, inputs, spec)["mu"]
    z = ((draws - mu) / (0.01 * inputs.kpi_scale)).to_numpy().ravel()
    # t with 3 dof: excess kurtosis is infinite, P(|t| > 5) = 0.0154 (normal: 6e-7)
    assert np.mean(np.abs(z) > 5) == pytest.approx(2 * stats.t.sf(5, 3), rel=0.15)


def test_predictive_draws_agree_with_pymc(truth_case):
    # the numpy twin of the likelihood against PyMC's own posterior predictive
    import pymc as pm

    from mmm_bayes.inference.sample import sample_posterior_predictive
    from mmm_bayes.model import build_model

    spec = example_spec()
    inputs = example_inputs(spec)
    post = fake_posterior(spec, inputs, chains=2, draws=100, random_seed=8)
    ours = predictive_draws(post, inputs, spec, random_seed=3)
    model = build_model(spec, inputs)
    free = [rv.name for rv in model.free_RVs]
    tree = xr.DataTree.from_dict({"posterior": post["posterior"].to_dataset()[free]})
    theirs = sample_posterior_predictive(model, tree, random_seed=3)["posterior_predictive"]["kpi"]
    assert pm  # PyMC drew these
    sd = float((post["posterior"]["sigma"] * inputs.kpi_scale).mean())
    # same parameters, independent noise: per-date means over 200 draws differ by about
    # sd * sqrt(2 / 200) = 0.1 sd; 0.5 sd is a loose bound that still catches a wrong term
    diff = ours.mean(("chain", "draw")).to_numpy() - theirs.mean(("chain", "draw")).to_numpy()
    assert np.max(np.abs(diff)) < 0.5 * sd
    spread = ours.std(("chain", "draw")) / theirs.std(("chain", "draw"))
    assert 0.7 < float(spread.mean()) < 1.3
