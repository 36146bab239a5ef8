"""The budget optimizer with a reach-and-frequency channel: linear at the planned frequency."""

import numpy as np
import pytest

from mmm_bayes import datasets
from mmm_bayes.analysis.reach_frequency import optimal_frequency, roas_at_frequency
from mmm_bayes.data import validate_data
from mmm_bayes.errors import ConfigError
from mmm_bayes.inference.store import save_run
from mmm_bayes.optimize import load_optimization, optimize_budget, save_optimization
from mmm_bayes.optimize.objective import KPIFunction, response_draws
from mmm_bayes.spec import ModelSpec, SamplerSettings
from mmm_bayes.spec.budget import budget_problem
from mmm_bayes.testing import example_inputs, fake_posterior

YOUTUBE = {"name": "youtube", "reach_column": "youtube_reach",
           "frequency_column": "youtube_frequency", "spend_column": "youtube_spend"}  # fmt: skip


@pytest.fixture(scope="module")
def fitted():
    spec = ModelSpec(kpi="sales", channels=["tv_spend", "search_spend", YOUTUBE],
                     controls=["price_index", "promo"])  # fmt: skip
    inputs = example_inputs(spec, "rf_weekly")
    return spec, inputs, fake_posterior(spec, inputs, draws=25, random_seed=7)


def test_rf_budget_buys_roas_at_frequency_times_budget(fitted):
    spec, inputs, post = fitted
    draws = response_draws(post, inputs, spec, periods=13, frequency={"youtube": 4.0})
    x = np.array([2e5, 1e5, 1.5e5])
    kpi = draws.kpi(x)[:, 2]
    # over the window and its carryover tail the normalized adstock counts every currency unit
    rate = roas_at_frequency(post, inputs, spec, "youtube", np.array([4.0])).reshape(-1)
    np.testing.assert_allclose(kpi, rate * 1.5e5, rtol=1e-10)
    np.testing.assert_allclose(draws.kpi(2 * x)[:, 2], 2 * kpi, rtol=1e-12)  # linear


def test_compiled_function_matches_numpy_twin_and_finite_differences(fitted):
    spec, inputs, post = fitted
    draws = response_draws(post, inputs, spec, periods=13, frequency={"youtube": 2.5})
    f = KPIFunction(draws)
    x = np.array([2e5, 1e5, 1.5e5])
    kpi, grad = f(x)
    np.testing.assert_allclose(kpi, draws.kpi(x), rtol=1e-10)
    for c in range(3):
        h = 1e-4 * x[c]
        up, down = x.copy(), x.copy()
        up[c], down[c] = x[c] + h, x[c] - h
        fd = (draws.kpi(up).sum(1) - draws.kpi(down).sum(1)) / (2 * h)
        # central differences of a smooth function: error O(h^2), far below 1e-6 relative
        np.testing.assert_allclose(grad[:, c], fd, rtol=1e-6)


def test_optimum_equalizes_the_spend_channels_mroas_with_the_rf_rate(fitted):
    spec, inputs, post = fitted
    problem = budget_problem(None, periods=13, total=6e5, channels={"tv_spend": {"fixed": 2e5}})
    result = optimize_budget(post, inputs, spec, problem)
    table = result.allocation_table()
    planned = optimal_frequency(post, inputs, spec).loc["youtube", "optimal_frequency"]
    assert result.frequency_plan.loc["youtube", "frequency"] == planned
    rate = roas_at_frequency(post, inputs, spec, "youtube", np.array([planned])).mean()
    assert table.loc["youtube", "mroas_optimal"] == pytest.approx(rate, rel=1e-9)
    # an interior optimum (both free): search's diminishing return meets youtube's constant one
    assert list(table.loc[["search_spend", "youtube"], "status"]) == ["free", "free"]
    assert table.loc["search_spend", "mroas_optimal"] == pytest.approx(rate, rel=1e-3)
    plan = result.frequency_plan.loc["youtube"]
    np.testing.assert_allclose(plan["reach_per_period"] * plan["frequency"],
                               plan["impressions_per_period"], rtol=1e-12)  # fmt: skip
    assert any("planned at frequency" in n for n in result.notes)


def test_reach_beyond_the_data_is_noted(fitted):
    spec, inputs, post = fitted
    fixed = {"tv_spend": {"fixed": 1e5}, "search_spend": {"fixed": 1e5}}
    problem = budget_problem(None, periods=13, total=5e7, channels=fixed)
    result = optimize_budget(post, inputs, spec, problem)
    assert any("more than any period of the data" in n for n in result.notes)


def test_frequency_errors(fitted):
    spec, inputs, post = fitted
    problem = budget_problem(None, periods=13, frequency={"tv_spend": 3.0})
    with pytest.raises(ConfigError, match=r"frequency.tv_spend: \['tv_spend'\] not measured"):
        optimize_budget(post, inputs, spec, problem)
    with pytest.raises(ConfigError, match=r"frequency.youtube: .*greater than or equal to 1"):
        budget_problem(None, periods=13, frequency={"youtube": 0.5})
    with pytest.raises(ConfigError, match=r"unknown channel\(s\) frequency.yt: 'yt'"):
        optimize_budget(post, inputs, spec, budget_problem(None, frequency={"yt": 3.0}))


def test_frequency_plan_round_trips(fitted, tmp_path):
    spec, inputs, post = fitted
    result = optimize_budget(post, inputs, spec, budget_problem(None, frequency={"youtube": 3}))
    data = validate_data(datasets.load("rf_weekly"), **spec.data_columns())
    run = save_run(tmp_path / "run", idata=post, spec=spec, sampler=SamplerSettings(), data=data)
    save_optimization(result, run)
    loaded = load_optimization(run)
    assert loaded.frequency_plan.equals(result.frequency_plan)
    assert "youtube" in str(loaded) and (run / "optimization" / "frequency_plan.csv").is_file()
