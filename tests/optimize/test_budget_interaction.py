"""The budget optimizer with channel overlaps: the total KPI, its gradient, and the optimum."""

import dataclasses

import numpy as np
import pytest
from budget_helpers import hill_response
from scipy.optimize import minimize_scalar

from mmm_bayes import datasets
from mmm_bayes.analysis import marginal_roas, response_curves, roas
from mmm_bayes.data import validate_data
from mmm_bayes.model import build_inputs
from mmm_bayes.optimize import solve_budget
from mmm_bayes.optimize.constraints import resolve_constraints
from mmm_bayes.optimize.objective import (
    KPIFunction,
    ResponseDraws,
    _compiled,
    response_draws,
    saturate,
)
from mmm_bayes.spec.budget import budget_problem
from mmm_bayes.testing import example_inputs, example_spec, fake_posterior

PAIRS = [{"channels": ["tv", "search"]}, {"channels": ["social", "tv"]}]
X = np.array([3e5, 1e5, 5e4, 8e4, 2e4])  # a 13-week budget for the example's five channels


def _positive_coefs(post, values):
    ds = post["posterior"].to_dataset()
    coef = ds["interaction_coef"]
    return ds.assign(interaction_coef=coef * 0 + np.asarray(values))


@pytest.fixture(scope="module", params=["hill", "logistic"])
def setup(request):
    spec = example_spec(saturation={"kind": request.param}, interactions=PAIRS)
    inputs = example_inputs(spec)  # with the (all ones) overlap of the interactions
    post = _positive_coefs(fake_posterior(spec, inputs, draws=20, random_seed=4), [0.08, 0.03])
    return spec, post, response_draws(post, inputs, spec, periods=13)


def test_numpy_kpi_adds_half_of_each_interaction(setup):
    # the per-channel KPI is the own term plus half of each interaction; the rows add up to the
    # own terms plus the whole interactions
    _, _, draws = setup
    x = X
    plain = dataclasses.replace(draws, pairs=np.zeros((0, 2), int), pair_scale=None)
    own, pairs = plain.kpi(x), draws.pair_kpi(x)
    assert (pairs > 0).all()
    tv, search, social = (draws.channels.index(c) for c in ("tv", "search", "social"))
    want = own.copy()
    want[:, tv] += 0.5 * (pairs[:, 0] + pairs[:, 1])
    want[:, search] += 0.5 * pairs[:, 0]
    want[:, social] += 0.5 * pairs[:, 1]
    np.testing.assert_allclose(draws.kpi(x), want, rtol=1e-12)
    np.testing.assert_allclose(draws.kpi(x).sum(1), own.sum(1) + pairs.sum(1), rtol=1e-12)


def test_compiled_function_matches_numpy_and_the_total_kpis_derivative(setup):
    x, draws = X, setup[2]
    kpi, grad = KPIFunction(draws)(x)
    np.testing.assert_allclose(kpi, draws.kpi(x), rtol=1e-10)  # twins: summation order only
    steps = np.diag(1e-4 * x)  # central differences: error O(h^2), ~1e-8 relative
    total = [(draws.kpi(x + e).sum(1) - draws.kpi(x - e).sum(1)) / (2 * e.sum()) for e in steps]
    # the derivative of each draw's TOTAL KPI, not of the channel's own (half-credited) KPI
    np.testing.assert_allclose(grad, np.column_stack(total), rtol=1e-6)
    tv = draws.channels.index("tv")
    e = steps[tv]
    own = (draws.kpi(x + e)[:, tv] - draws.kpi(x - e)[:, tv]) / (2 * e.sum())
    assert np.abs(grad[:, tv] / own - 1).min() > 1e-3  # the two differ with interactions


def _history_case(interactions):
    df = datasets.load("example_weekly")
    channels = [{"name": c, "column": f"{c}_spend"} for c in ("tv", "search", "social")]
    spec = example_spec(channels=channels, interactions=interactions)
    data = validate_data(
        df, date_col="date", kpi_col="sales", channel_cols=spec.channel_columns,
        control_cols=spec.controls,
    )  # fmt: skip
    inputs = build_inputs(spec, data)
    post = _positive_coefs(fake_posterior(spec, inputs, draws=8, random_seed=9), [0.06, 0.04])
    pattern = dict(zip(inputs.channels, inputs.media.T.tolist(), strict=True))
    draws = response_draws(post, inputs, spec, periods=len(df), pattern=pattern)
    return spec, inputs, post, draws


def test_window_equal_to_history_reproduces_roas_curves_and_marginal_roas():
    # window = the data's dates with the historical pattern (overlap 1, no overlap column): the
    # optimizer's numbers must be the analysis layer's, interactions included
    spec, inputs, post, draws = _history_case(PAIRS)
    spend = inputs.spend.sum(axis=0)
    shape = (draws.n_samples, len(spend))
    flat = roas(post, inputs, spec).transpose("chain", "draw", "channel").to_numpy()
    np.testing.assert_allclose(draws.kpi(spend), flat.reshape(shape) * spend, rtol=1e-10)
    m = np.array([0.4, 1.6])
    curves = response_curves(post, inputs, spec, multipliers=m)["kpi"]
    for i, k in enumerate(m):
        want = curves.isel(multiplier=i).transpose("chain", "draw", "channel").to_numpy()
        for c in range(len(spend)):  # channel c alone at k x its spend: its curve point
            x = spend.copy()
            x[c] *= k
            got = draws.kpi(x)[:, c]
            np.testing.assert_allclose(got, want.reshape(shape)[:, c], rtol=1e-10)
    # the gradient is the derivative of the total KPI: a tiny forward step of marginal_roas
    grad = KPIFunction(draws)(spend)[1]
    mroas = marginal_roas(post, inputs, spec, step=1e-7).transpose("chain", "draw", "channel")
    np.testing.assert_allclose(grad, mroas.to_numpy().reshape(shape), rtol=1e-5)


def _with_pair(draws: ResponseDraws, pairs, q) -> ResponseDraws:
    q = np.broadcast_to(np.asarray(q, float), (draws.n_samples, len(pairs)))
    return dataclasses.replace(draws, pairs=np.array(pairs), pair_scale=q)


def solve(draws, total):
    problem = budget_problem(total=total)
    current = np.full(len(draws.channels), total / len(draws.channels))
    cons = resolve_constraints(problem, draws.channels, current)
    return solve_budget(draws, cons, problem)


def test_two_channel_optimum_against_a_one_dimensional_search():
    # F_i = a_i u_i with u_i = x_i / (x_i + b_i), plus q P u_0 u_1 (P = 4 periods) summed over
    # the period; with x_1 = T - x_0 the optimum is a 1-d problem, solved here by a bounded
    # scalar search on the numpy KPI, independent of SLSQP and of the compiled gradient
    a, b, total = np.array([[300.0, 500.0], [200.0, 450.0]]), np.full((2, 2), 80.0), 200.0
    draws = _with_pair(hill_response(a, b), [[0, 1]], [[60.0], [90.0]])

    def loss(x0):
        return -draws.kpi(np.array([x0, total - x0])).sum(1).mean()

    best = minimize_scalar(loss, bounds=(0.0, total), method="bounded",
                           options={"xatol": 1e-9 * total})  # fmt: skip
    r = solve(draws, total)
    np.testing.assert_allclose(r.optimal, [best.x, total - best.x], rtol=1e-5)
    plain = solve(hill_response(a, b), total)
    assert r.optimal[0] > plain.optimal[0] + 1.0  # the synergy evens the split out
    mroas = r.draws["mroas_optimal"].mean(("chain", "draw")).to_numpy()
    np.testing.assert_allclose(mroas[0], mroas[1], rtol=1e-4)  # total KPI's marginals equal
    assert "is equal across the unconstrained channels" in r.notes[0]
    # the result's totals count the whole interaction
    np.testing.assert_allclose(r.total_kpi().to_numpy().ravel(), draws.kpi(r.optimal).sum(1))
    own = hill_response(a, b).kpi(r.optimal).sum(1)
    assert (r.total_kpi().to_numpy().ravel() > own + 1.0).all()


@pytest.mark.parametrize("q, more", [(40.0, True), (-20.0, False)], ids=["synergy", "cannibal"])
def test_an_interaction_moves_budget_toward_or_away_from_the_pair(q, more):
    # three identical channels split evenly; a synergy between the first two draws budget from
    # the third to them, a cannibalization pushes it to the third
    draws = hill_response(np.full(3, 300.0), np.full(3, 60.0))
    r = solve(_with_pair(draws, [[0, 1]], q), 300.0)
    np.testing.assert_allclose(solve(draws, 300.0).optimal, 100.0, rtol=1e-6)
    np.testing.assert_allclose(r.optimal[0], r.optimal[1], rtol=1e-6)
    assert (r.optimal[0] > 100.0 + 1.0) == more
    assert (r.optimal[2] < 100.0 - 1.0) == more
    # the optimizer's budget curves hold the other channels at the optimum, so each passes
    # through the channel's KPI there (to interpolation: the grid point nearest the optimum)
    curves, kpi_opt = r.curves, r.draws["kpi_optimal"].mean(("chain", "draw")).to_numpy()
    for c in range(3):
        got = np.interp(r.optimal[c], curves["curve_spend"][c], curves["curve_mean"][c])
        np.testing.assert_allclose(got, kpi_opt[c], rtol=2e-3)


def test_without_interactions_the_numbers_are_the_old_ones(inputs):
    spec = example_spec()
    post = fake_posterior(spec, inputs, draws=10, random_seed=2)
    draws = response_draws(post, inputs, spec, periods=13)
    assert not draws.has_interactions and draws.pair_scale is None
    x = X
    z = x[None, :, None] * draws.exposure
    want = draws.scale * saturate("hill", z, draws.params).sum(axis=-1)  # the old formula
    np.testing.assert_array_equal(draws.kpi(x), want)
    f = KPIFunction(draws)
    assert f._fn is _compiled("hill", False, False)  # the plain graph: no extra inputs
    assert len(f._fn.maker.fgraph.inputs) == 5  # x, exposure, scale, K, S
    # zero coefs: the interaction variant gives the same numbers (adding exact zeros)
    zero = _with_pair(draws, [[0, 1]], 0.0)
    kpi, grad = f(x)
    kpi0, grad0 = KPIFunction(zero)(x)
    np.testing.assert_array_equal(zero.kpi(x), draws.kpi(x))
    np.testing.assert_allclose(kpi0, kpi, rtol=1e-14)
    np.testing.assert_allclose(grad0, grad, rtol=1e-14)


def test_pair_scale_must_match_the_pairs():
    draws = hill_response(np.full(2, 300.0), np.full(2, 60.0))
    with pytest.raises(ValueError, match=r"pair_scale must be \(sample, interaction\) = \(1, 1\)"):
        dataclasses.replace(draws, pairs=np.array([[0, 1]]))
