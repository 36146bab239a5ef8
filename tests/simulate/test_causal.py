import numpy as np
import pandas as pd
import pytest

from mmm_bayes.simulate import CausalGraph, scenario, scenario_names
from mmm_bayes.simulate.causal import baseline, mediator
from mmm_bayes.simulate.structural import DAY_EFFECTS, GEO_SIZES, vary_effect

AVAILABLE = scenario_names(available_only=True)


@pytest.fixture(scope="module")
def scenarios():
    return {name: scenario(name, random_seed=3) for name in AVAILABLE}


def test_registry_lists_every_scenario_of_the_issue():
    assert scenario_names() == [
        "baseline", "omitted_confounder", "mediator", "collinear_channels", "lift_test",
        "geo_panel", "drifting_coefficient", "daily_weekly", "structural_break",
        "geo_hierarchy", "drifting_random_walk",
    ]  # fmt: skip
    assert AVAILABLE == scenario_names()


def test_lift_test_scenario_carries_its_lift_test():
    sc = scenario("lift_test", random_seed=1)
    tests = sc.extra["lift_tests"]
    assert list(tests["channel"]) == ["tv"] and sc.feature == "lift_test"
    # a go-dark test: negative spend change and a negative measured lift
    assert tests["spend_delta"].iloc[0] < 0 and tests["lift"].iloc[0] < 0
    assert sc.extra["spend_correlation"] > 0.8


def test_pending_and_unknown_scenarios_say_why(monkeypatch):
    from mmm_bayes.simulate import registry

    pending = registry.PendingScenario("later", needs="a feature of issue 99")
    monkeypatch.setitem(registry.SCENARIOS, "later", pending)
    assert "later" not in scenario_names(available_only=True)
    with pytest.raises(NotImplementedError, match="issue 99"):
        scenario("later")
    with pytest.raises(KeyError, match=r"'mediater'.*'mediator'"):
        scenario("mediater")


@pytest.mark.parametrize("name", AVAILABLE)
def test_scenario_data_hold_every_named_column_and_the_truth(scenarios, name):
    sc = scenarios[name]
    data = sc.national_data
    named = [*sc.controls, *sc.exclude, *(sc.wrong_controls or ()), "sales"]
    named += [f"{c}_spend" for c in sc.channels]
    assert set(named) <= set(data.columns), set(named) - set(data.columns)
    assert not data[named].isna().any().any()
    assert set(sc.truth.true_roas) == set(sc.channels)
    assert all(np.isfinite(v) and v > 0 for v in sc.truth.true_roas.values())
    assert sc.graph.nodes  # a documented graph
    # for single-table scenarios the KPI is the sum of the truth's components (cents rounding)
    if sc.fit_data is None:
        np.testing.assert_allclose(data["sales"], sc.truth.components.sum(axis=1), atol=0.006)


@pytest.mark.parametrize("name", AVAILABLE)
def test_scenarios_are_reproducible_and_seeded(name):
    a, b = scenario(name, random_seed=5), scenario(name, random_seed=5)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert not scenario(name, random_seed=6).data.equals(a.data)


def test_confounder_drives_spend_and_sales(scenarios):
    sc = scenarios["omitted_confounder"]
    # exp(0.5 * demand) on search spend: the log-spend correlation is far from zero
    assert sc.extra["corr_demand_search_spend"] > 0.5
    assert sc.truth.controls["demand"] > 0
    assert "demand" in sc.controls and "demand" not in sc.wrong_controls
    assert sc.graph.parents("search_spend") == ["demand"]


def test_mediator_truth_is_the_total_effect():
    sc = mediator(random_seed=2, direct_share=0.3)
    # ROAS is linear in beta for a fixed shape, so the direct path is exactly 30% of the total
    np.testing.assert_allclose(sc.extra["direct_roas"], 0.3 * sc.truth.true_roas["tv"], rtol=1e-9)
    assert sc.exclude == ("branded_search",) and "branded_search" in sc.wrong_controls
    # branded search follows TV: strongly correlated with TV's adstocked spend
    tv = sc.data["tv_spend"].rolling(4, min_periods=1).mean()
    assert np.corrcoef(tv, sc.data["branded_search"])[0, 1] > 0.6


def test_collinear_channels_are_collinear(scenarios):
    assert scenarios["collinear_channels"].extra["corr_social_display_spend"] > 0.8


def test_vary_effect_with_unit_multiplier_changes_nothing_and_scales_roas():
    sc = baseline(random_seed=1)
    n = len(sc.data)
    same_data, same_truth = vary_effect(sc.data, sc.truth, "tv", np.ones(n))
    pd.testing.assert_frame_equal(same_data, sc.data)
    assert same_truth.true_roas == pytest.approx(sc.truth.true_roas, rel=1e-12)
    doubled = vary_effect(sc.data, sc.truth, "tv", np.full(n, 2.0))[1]
    assert doubled.true_roas["tv"] == pytest.approx(2 * sc.truth.true_roas["tv"], rel=1e-12)
    with pytest.raises(ValueError, match="multiplier has shape"):
        vary_effect(sc.data, sc.truth, "tv", np.ones(n - 1))


def test_break_and_drift_change_the_truth_against_the_baseline():
    base = baseline(random_seed=4, vary_truth=False).truth.true_roas
    broken = scenario("structural_break", random_seed=4).truth.true_roas
    drift = scenario("drifting_coefficient", random_seed=4)
    # same seed, same spend: TV's effect is 1 then 0.4, so its ROAS lies strictly between
    assert 0.4 * base["tv"] < broken["tv"] < base["tv"]
    assert broken["search"] == pytest.approx(base["search"])
    m = drift.extra["multiplier"]
    assert m[0] == pytest.approx(0.6) and m[-1] == pytest.approx(1.4)


def test_geo_panel_sums_to_the_national_table(scenarios):
    sc = scenarios["geo_panel"]
    assert sorted(sc.data["geo"].unique()) == sorted(GEO_SIZES)
    summed = sc.data.groupby("date")[["sales", "tv_spend"]].sum().to_numpy()
    np.testing.assert_allclose(sc.fit_data[["sales", "tv_spend"]].to_numpy(), summed)
    geo = sc.extra["geo_truths"]
    for c in sc.channels:  # national ROAS: total geo contribution over total spend
        total = sum(t.true_roas[c] * t.total_spend[c] for t in geo.values())
        assert sc.truth.true_roas[c] == pytest.approx(total / sc.fit_data[f"{c}_spend"].sum())


def test_daily_weekly_has_one_hot_days_and_weekend_dips(scenarios):
    sc = scenarios["daily_weekly"]
    days = sc.data[list(DAY_EFFECTS)]
    assert days.sum(axis=1).max() == 1.0
    monday = pd.DatetimeIndex(sc.data["date"]).day_of_week == 0
    assert (days[monday].to_numpy() == 0).all()
    weekend = pd.DatetimeIndex(sc.data["date"]).day_of_week >= 5
    ratio = (
        sc.data.loc[weekend, "search_spend"].mean() / sc.data.loc[~weekend, "search_spend"].mean()
    )
    assert 0.35 < ratio < 0.7  # weekend spend is half of weekday spend, up to noise
    assert sc.wrong_controls == () and sc.l_max == 14


def test_causal_graph_text_marks_latent_nodes():
    g = CausalGraph((("a", "b"), ("c", "b")), latent=("c",))
    assert g.to_text() == "a -> b\nc (latent) -> b"
    assert g.parents("b") == ["a", "c"] and g.nodes == ["a", "b", "c"]


def test_baseline_draws_its_media_truth_per_seed_and_keeps_the_data_design():
    from mmm_bayes.simulate.causal import BASE_CHANNELS, BASE_TRUTH_SPREAD

    varied, fixed = baseline(random_seed=5), baseline(random_seed=5, vary_truth=False)
    # the truth draw has its own random stream: spend and controls are the seed's either way
    cols = ["tv_spend", "search_spend", "social_spend", "price_index", "promo"]
    pd.testing.assert_frame_equal(varied.data[cols], fixed.data[cols])
    assert tuple(fixed.truth.channels) == BASE_CHANNELS
    drawn = {c.name: c for c in varied.truth.channels}
    for ref in BASE_CHANNELS:
        c = drawn[ref.name]
        assert c.l_max == ref.l_max and 0 < c.alpha < 1
        # every parameter moves, by less than 4 standard deviations of its stated spread
        for name, value in (("K", c.K), ("S", c.S), ("beta", c.beta)):
            step = abs(np.log(value / getattr(ref, name)))
            assert 0 < step < 4 * BASE_TRUTH_SPREAD[name], (ref.name, name)
    assert varied.truth.true_roas != fixed.truth.true_roas
    # the same seed draws the same truth; another seed another one
    assert baseline(random_seed=5).truth.true_roas == varied.truth.true_roas
    assert baseline(random_seed=6).truth.true_roas != varied.truth.true_roas


def test_draw_channel_truth_with_zero_spread_keeps_the_channels():
    from mmm_bayes.simulate.causal import BASE_CHANNELS, draw_channel_truth

    rng = np.random.default_rng(0)
    same = draw_channel_truth(BASE_CHANNELS, rng, dict.fromkeys(("alpha", "K", "S", "beta"), 0.0))
    for a, b in zip(same, BASE_CHANNELS, strict=True):
        # alpha goes through logit and back: equal to rounding
        assert a.alpha == pytest.approx(b.alpha, rel=1e-12)
        assert (a.name, a.l_max, a.K, a.S, a.beta) == (b.name, b.l_max, b.K, b.S, b.beta)
    # an entry left out keeps that parameter; the others still move
    only_k = draw_channel_truth(BASE_CHANNELS, rng, {"K": 0.3})
    assert [c.S for c in only_k] == [c.S for c in BASE_CHANNELS]
    assert all(a.K != b.K for a, b in zip(only_k, BASE_CHANNELS, strict=True))
