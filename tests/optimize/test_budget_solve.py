"""Solving budget problems: closed-form optima, every objective and constraint kind."""

import numpy as np
import pytest
from budget_helpers import closed_form_hill, hill_response

from mmm_bayes.optimize import InfeasibleBudgetError, optimize_budget, solve_budget
from mmm_bayes.optimize.constraints import resolve_constraints
from mmm_bayes.spec.budget import budget_problem
from mmm_bayes.testing import example_spec, fake_posterior, posterior_at, true_values

A = np.array([300.0, 500.0])  # F_i(x) = a_i x / (x + b_i): ceilings a, half-saturation b
B = np.array([40.0, 150.0])
CUR = np.array([100.0, 100.0])


def solve(draws, current=CUR, **kw):
    problem = budget_problem(**kw)
    cons = resolve_constraints(problem, draws.channels, np.asarray(current, float))
    return solve_budget(draws, cons, problem)


def test_closed_form_two_channels():
    # the quality bar: the analytic optimum to 1e-3 relative (we get far closer)
    r = solve(hill_response(A, B))
    want = closed_form_hill(A, B, 200.0)
    np.testing.assert_allclose(r.optimal, want, rtol=1e-3)
    mroas = r.draws["mroas_optimal"].mean(("chain", "draw")).to_numpy()
    np.testing.assert_allclose(mroas[0], mroas[1], rtol=1e-3)  # equal marginal ROAS
    assert "equal across the unconstrained channels" in r.notes[0]


def test_closed_form_through_a_posterior(inputs):
    # the whole pipeline (posterior -> response in currency) on a model without carryover and
    # with Hill S = 1: F_c(x) = a_c x / (x + b_c) with a_c = P e_c kpi_scale (1 + K_c),
    # b_c = P K_c spend_scale_c; the analytic optimum to 1e-3 relative
    spec = example_spec(adstock={"kind": "geometric", "l_max": 1})
    values = {
        "effect": np.array([0.05, 0.08, 0.02, 0.01, 0.015]),
        "alpha": np.full(5, 0.5),
        "K": np.array([0.8, 1.5, 1.0, 0.6, 2.0]),
        "S": np.ones(5),
        "level": 1.0, "trend_slope": 0.0, "season_coef": np.zeros(4),
        "control_coef": np.zeros(2), "sigma": 0.1,
    }  # fmt: skip
    post = posterior_at(spec, inputs, values)
    periods = 13
    r = optimize_budget(post, inputs, spec, budget_problem(periods=periods))
    a = periods * values["effect"] * inputs.kpi_scale * (1 + values["K"])
    b = periods * values["K"] * inputs.spend_scale
    want = closed_form_hill(a, b, inputs.spend_scale.sum() * periods)
    assert (want > 0).all()
    np.testing.assert_allclose(r.optimal, want, rtol=1e-3)


def test_average_over_draws_is_optimized():
    # two draws that disagree on which channel is better: the mean objective balances them;
    # its optimum has equal *average* marginal ROAS, which a single draw's optimum lacks
    a = np.array([[300.0, 100.0], [100.0, 500.0]])
    b = np.array([[40.0, 40.0], [40.0, 40.0]])
    r = solve(hill_response(a, b))
    g = r.draws["mroas_optimal"].mean(("chain", "draw")).to_numpy()
    np.testing.assert_allclose(g[0], g[1], rtol=1e-3)
    x0 = closed_form_hill(a[0], b[0], 200.0)
    assert not np.allclose(r.optimal, x0, rtol=1e-2)


def _uncertain_pair():
    # channel 0: certain (a = 300 in every draw); channel 1: same mean ceiling, wide spread
    rng = np.random.default_rng(0)
    n = 400
    a1 = 300.0 * rng.lognormal(-0.5 * 0.8**2, 0.8, n)  # mean 300
    a = np.column_stack([np.full(n, 300.0), a1 * 300.0 / a1.mean()])
    return hill_response(a, np.full((n, 2), 60.0))


@pytest.mark.parametrize(
    "objective",
    [{"kind": "lower_quantile", "quantile": 0.1}, {"kind": "mean_minus_sd", "risk_aversion": 1.0}],
    ids=["lower_quantile", "mean_minus_sd"],
)
def test_risk_adjusted_objectives_prefer_the_certain_channel(objective):
    draws = _uncertain_pair()
    neutral = solve(draws)
    # equal mean curves: the expected-KPI optimum splits evenly (to solver tolerance)
    np.testing.assert_allclose(neutral.optimal, [100, 100], rtol=1e-3)
    cautious = solve(draws, objective=objective)
    assert cautious.optimal[0] > neutral.optimal[0] + 10  # budget moves to the certain channel
    assert cautious.objective["optimal"] >= cautious.objective["current"]
    y_c, y_n = cautious.total_kpi().to_numpy().ravel(), neutral.total_kpi().to_numpy().ravel()
    if objective["kind"] == "mean_minus_sd":
        assert y_c.std() < y_n.std()  # it buys lower spread with a little mean
    else:
        assert np.quantile(y_c, 0.1) > np.quantile(y_n, 0.1)
    assert any("risk-adjusted objective" in n for n in cautious.notes)


def test_mean_minus_sd_with_zero_lambda_is_the_expected_kpi():
    draws = _uncertain_pair()
    a = solve(draws, objective={"kind": "mean_minus_sd", "risk_aversion": 0.0})
    np.testing.assert_allclose(a.optimal, solve(draws).optimal, rtol=1e-4)


def test_min_spend_to_reach_a_kpi_target():
    # closed form: equal marginals x_i + b_i = c sqrt(a_i b_i) with
    # sum a_i x_i / (x_i + b_i) = T  =>  c = sum sqrt(a_i b_i) / (sum a_i - T)
    target = 400.0
    r = solve(hill_response(A, B), objective={"kind": "kpi_target", "target": target})
    c = np.sqrt(A * B).sum() / (A.sum() - target)
    want = c * np.sqrt(A * B) - B
    np.testing.assert_allclose(r.optimal, want, rtol=1e-3)
    assert r.total_kpi().mean() == pytest.approx(target, rel=1e-6)


def test_unreachable_kpi_target_is_an_error():
    with pytest.raises(InfeasibleBudgetError, match=r"KPI target 900 cannot be reached.*"):
        solve(hill_response(A, B), objective={"kind": "kpi_target", "target": 900.0}, total=5000)
    # without a cap: the curves saturate at 300 + 500, so 850 is out of reach at any spend
    with pytest.raises(InfeasibleBudgetError, match=r"even at 100x the current spend"):
        solve(hill_response(A, B), objective={"kind": "kpi_target", "target": 850.0})


def test_max_spend_with_marginal_roas_above_a_threshold():
    # F_i'(x) = a_i b_i / (x + b_i)^2 = tau  =>  x_i = sqrt(a_i b_i / tau) - b_i
    tau = 0.5
    r = solve(hill_response(A, B), objective={"kind": "marginal_roas_floor", "threshold": tau})
    np.testing.assert_allclose(r.optimal, np.sqrt(A * B / tau) - B, rtol=1e-3)
    mroas = r.draws["mroas_optimal"].mean(("chain", "draw")).to_numpy()
    np.testing.assert_allclose(mroas, tau, rtol=1e-3)
    assert "at the threshold 0.5" in r.notes[0]


def test_threshold_with_a_binding_cap_spends_the_cap():
    r = solve(
        hill_response(A, B), total=150, objective={"kind": "marginal_roas_floor", "threshold": 0.5}
    )
    assert r.optimal.sum() == pytest.approx(150, rel=1e-6)
    mroas = r.draws["mroas_optimal"].mean(("chain", "draw")).to_numpy()
    assert (mroas > 0.5).all()  # the cap stops spend before the threshold is reached


def test_upper_bound_binds_and_the_note_says_why():
    want = closed_form_hill(A, B, 200.0)
    cap = 0.8 * want[1]
    r = solve(hill_response(A, B, names=["tv", "search"]), bounds={"search": (None, cap)})
    assert r.optimal[1] == pytest.approx(cap, rel=1e-6)
    assert r.optimal.sum() == pytest.approx(200, rel=1e-9)
    assert r.status == ("free", "at upper bound")
    note = next(n for n in r.notes if n.startswith("search is at upper bound"))
    assert "channels.search.max" in note and "above the unconstrained channels'" in note


def test_ratio_bounds_max_change_and_fixed_channels():
    names = ["tv", "search", "radio"]
    a, b, cur = np.array([300.0, 500.0, 200.0]), np.array([40.0, 150.0, 30.0]), [100, 100, 100]
    draws = hill_response(a, b, names=names)
    r = solve(draws, current=cur, max_change=0.2)
    assert (r.optimal >= 80 - 1e-6).all() and (r.optimal <= 120 + 1e-6).all()
    r = solve(draws, current=cur, channels={"search": {"min_ratio": 1.5}})
    assert r.optimal[1] >= 150 - 1e-6
    r = solve(draws, current=cur, fixed=["tv"])
    assert r.optimal[0] == pytest.approx(100) and r.status[0] == "fixed"
    assert r.optimal.sum() == pytest.approx(300, rel=1e-9)


def test_group_cap_binds():
    names = ["tv", "search", "radio"]
    draws = hill_response(
        np.array([300.0, 500.0, 200.0]), np.array([40.0, 150.0, 30.0]), names=names
    )
    free = solve(draws, current=[100, 100, 100])
    assert free.optimal[1:].sum() > 200  # the cap below binds
    group = {"name": "digital", "channels": ["search", "radio"], "max": 200}
    r = solve(draws, current=[100, 100, 100], groups=[group])
    assert r.optimal[1:].sum() == pytest.approx(200, rel=1e-6)
    assert r.status[1:] == ("group 'digital' at its max",) * 2
    g = r.draws["mroas_optimal"].mean(("chain", "draw")).to_numpy()
    np.testing.assert_allclose(g[1], g[2], rtol=1e-3)  # equal within the group...
    assert g[1] > g[0]  # ...and above the free channel: the group would take more


def test_total_at_most_is_used_when_returns_are_positive():
    r = solve(hill_response(A, B), total=250, total_mode="at_most")
    assert r.optimal.sum() == pytest.approx(250, rel=1e-6)
    assert not any("current allocation" in n for n in r.notes)  # 200 <= 250: it is feasible


def test_a_new_total_is_noted_and_shown_in_the_summary():
    r = solve(hill_response(A, B), total=150)
    assert any("it spends 200, the budget is 150" in n for n in r.notes)
    assert r.summary()["spend"].tolist() == pytest.approx([200, 150, -50])


def test_infeasible_budget_is_an_error_not_a_result():
    with pytest.raises(InfeasibleBudgetError, match=r"upper bounds add up to 180, less than"):
        solve(hill_response(A, B), bounds={"ch0": (0, 90), "ch1": (0, 90)})


def test_result_tables_and_text(inputs, spec, truth):
    post = posterior_at(spec, inputs, true_values(spec, inputs, truth))
    r = optimize_budget(post, inputs, spec, budget_problem(periods=13, max_change=0.5))
    s = r.summary()
    assert list(s.index) == ["current", "optimal", "uplift"]
    assert s.loc["uplift", "mean"] == pytest.approx(
        s.loc["optimal", "mean"] - s.loc["current", "mean"]
    )
    t = r.allocation_table()
    assert list(t.index) == list(inputs.channels)
    np.testing.assert_allclose(t["current"], inputs.spend.mean(0) * 13)
    text = str(r)
    assert "P(uplift > 0)" in text and "tv" in text
    assert r.solver["starts"] == 5 and r.solver["successful_starts"] >= 1


def test_marginal_roas_is_equalized_on_a_wide_posterior(spec, inputs):
    # prior draws as a posterior: some Hill shapes S < 1, whose curves are infinitely steep at
    # zero spend, the hard case for SLSQP's curvature model (fixed by restarts)
    post = fake_posterior(spec, inputs, draws=50, random_seed=0)
    r = optimize_budget(post, inputs, spec, budget_problem(periods=13, total=600_000))
    free = [i for i, s in enumerate(r.status) if s == "free"]
    assert len(free) >= 3
    g = r.draws["mroas_optimal"].mean(("chain", "draw")).to_numpy()[free]
    np.testing.assert_allclose(g, g.mean(), rtol=5e-3)
    values = np.array(r.solver["objective_by_start"])
    np.testing.assert_allclose(values, values.max(), rtol=1e-6)  # every start agrees


@pytest.mark.parametrize(
    "pins",
    [
        {"max_change": 0},
        {"fixed": ["tv", "search"]},
        {"bounds": {"tv": (100, 100), "search": (100, 100)}},
    ],
    ids=["max_change=0", "fixed", "bounds"],
)
def test_every_channel_pinned_is_the_fixed_plan_not_a_crash(pins):
    # SLSQP has no free variable then (scipy's result lacks `nit`): no optimization is run
    r = solve(hill_response(A, B, names=["tv", "search"]), **pins)
    np.testing.assert_array_equal(r.optimal, CUR)
    assert r.status == ("fixed", "fixed")
    assert r.summary().loc["uplift", "mean"] == 0
    assert r.notes[0].startswith("Every channel is fixed: tv at 100 (")
    assert "Nothing was free to move" in r.notes[0] and "(zero uplift)" in r.notes[0]
    assert r.solver["starts"] == 0 and r.solver["method"] == "none"


def test_channels_pinned_away_from_current_spend_are_the_plan():
    r = solve(hill_response(A, B, names=["tv", "search"]), total=130,
              bounds={"tv": (50, 50), "search": (80, 80)})  # fmt: skip
    np.testing.assert_array_equal(r.optimal, [50, 80])
    assert "tv at 50 (channels.tv.min)" in r.notes[0] and "zero uplift" not in r.notes[0]
    assert r.summary().loc["uplift", "mean"] < 0


def test_a_kpi_target_out_of_reach_of_pinned_channels_is_infeasible():
    with pytest.raises(InfeasibleBudgetError, match=r"KPI target 1,000,000 cannot be reached.*"
                       r"every channel is fixed: ch0 at 100 \(max_change=0"):  # fmt: skip
        solve(hill_response(A, B), max_change=0, objective={"kind": "kpi_target", "target": 1e6})
