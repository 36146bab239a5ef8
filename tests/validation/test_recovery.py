import dataclasses

import numpy as np
import pandas as pd
import pytest

from mmm_bayes import MMM
from mmm_bayes.simulate import scenario
from mmm_bayes.simulate.structural import GEO_SIZES
from mmm_bayes.validation import fit_scenario, scenario_spec, score_roas, summarize
from mmm_bayes.validation.recovery import drifting_channels, scenario_fits


def test_score_roas_counts_coverage_and_error():
    rng = np.random.default_rng(0)
    draws = np.column_stack([rng.normal(2.0, 0.1, 4000), rng.normal(1.0, 0.1, 4000)])
    rows = score_roas(draws, ["tv", "search"], {"tv": 2.0, "search": 1.5}).set_index("channel")
    assert rows.loc["tv", "cover50"] and rows.loc["tv", "cover90"]
    # 1.5 is five posterior sds above the search draws: outside both intervals
    assert not rows.loc["search", "cover90"] and not rows.loc["search", "cover50"]
    assert rows.loc["search", "rel_error"] == pytest.approx(-1 / 3, abs=0.01)


def test_summarize_pools_counts_per_scenario_and_spec():
    rows = pd.DataFrame({
        "scenario": ["a"] * 4 + ["b"] * 2, "spec": ["right"] * 6, "seed": [0, 0, 1, 1, 0, 0],
        "channel": ["x", "y"] * 3, "rel_error": [0.1, -0.1, 0.2, 0.0, 0.5, 0.5],
        "cover50": [True, False, True, True, False, False],
        "cover90": [True, True, True, False, False, True],
        "fit_s": [10.0, 10.0, 20.0, 20.0, 5.0, 5.0], "max_rhat": [1.0, 1.0, 1.02, 1.02, 1.0, 1.0],
        "divergences": [0, 0, 0, 0, 3, 3],
    })  # fmt: skip
    s = summarize(rows).set_index("scenario")
    assert s.loc["a", "fits"] == 2 and s.loc["a", "channel_fits"] == 4
    assert s.loc["a", "cover90"] == 3 and s.loc["a", "share50"] == 0.75
    assert s.loc["a", "mean_abs_rel_error"] == pytest.approx(0.1)
    assert s.loc["a", "median_fit_s"] == 15.0 and s.loc["a", "fits_converged"] == 1
    assert s.loc["b", "divergences"] == 3 and s.loc["b", "fits_converged"] == 0


def test_scenario_spec_uses_the_scenarios_channels_lmax_and_controls():
    sc = scenario("daily_weekly", random_seed=0)
    spec = scenario_spec(sc)
    assert spec.channel_columns == ("search_spend", "social_spend")
    assert spec.adstock.l_max == 14 and spec.controls == list(sc.controls)
    assert scenario_spec(sc, controls=()).controls == []


def test_one_small_recovery_fit_covers_the_truth():
    # CI's guard on recovery: one baseline data set (seed 0), one short fit (2 x 200 x 200).
    # Coverage across seeds is `make validate`'s job (docs/validation.md). If the 90% intervals
    # are calibrated, at least 2 of 3 cover the truth with probability 0.97; TV, the channel the
    # data pin down best (flighted spend, largest effect), is checked within 25% of its ROAS
    # (its posterior sd is about 5% of the ROAS at this seed).
    sc = scenario("baseline", random_seed=0)
    rows = fit_scenario(sc, draws=200, tune=200, chains=2, random_seed=1).set_index("channel")
    assert rows["cover90"].sum() >= 2, rows[["true", "q05", "q95"]]
    assert abs(rows.loc["tv", "rel_error"]) < 0.25, rows.loc["tv"]
    # short chains: R-hat is noisier than at full length, so allow 1.05 here
    assert rows["max_rhat"].iloc[0] < 1.05
    assert rows["fit_s"].iloc[0] > 0 and (rows["spec"] == "right").all()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "channel"), [("omitted_confounder", "search"), ("mediator", "tv")]
)
def test_wrong_spec_is_biased_and_right_spec_is_not(name, channel):
    # seed 0, 2 x 500 x 500: the wrong spec's bias is large (confounder: search credited with
    # demand; mediator: TV loses the 70% of its effect that runs through branded search), so the
    # right spec's error must be smaller by at least 20 points of relative error
    sc = scenario(name, random_seed=0)
    settings = {"draws": 500, "tune": 500, "chains": 2, "random_seed": 1}
    right = fit_scenario(sc, **settings).set_index("channel").loc[channel]
    wrong = fit_scenario(sc, controls=sc.wrong_controls, label="wrong", **settings)
    wrong = wrong.set_index("channel").loc[channel]
    assert abs(wrong["rel_error"]) > abs(right["rel_error"]) + 0.2, (wrong, right)
    assert not wrong["cover90"]


def test_geo_scenario_fits_the_geo_model_on_the_panel_and_the_national_one_on_the_sums():
    sc = scenario("geo_panel", random_seed=0, n_weeks=20)
    fits = scenario_fits(sc)
    assert list(fits) == ["geo_model", "national_sums"]
    geo, national = fits["geo_model"], fits["national_sums"]
    assert geo.spec.geo.column == "geo" and geo.spec.geo.scale_column is None
    assert len(geo.data) == 5 * 20 and geo.data["geo"].nunique() == 5
    assert national.spec.geo is None and len(national.data) == 20 and "geo" not in national.data
    model = MMM(geo.spec).build(geo.data)  # the panel passes the geo model's data checks
    assert set(model.coords["geo"]) == set(GEO_SIZES)


def test_a_panel_with_population_scales_geos_by_it():
    sc = scenario("geo_hierarchy", random_seed=0, n_geos=3, n_weeks=20)
    spec = scenario_fits(sc)["geo_model"].spec
    assert spec.geo.column == "geo" and spec.geo.scale_column == "population"


@pytest.mark.parametrize(
    ("name", "channel"), [("drifting_coefficient", "search"), ("structural_break", "tv")]
)
def test_tvp_scenario_fits_the_drifting_channel_with_time_varying_coefficients(name, channel):
    sc = scenario(name, random_seed=0, n_weeks=30)
    fits = scenario_fits(sc)
    assert list(fits) == ["time_varying", "constant"]
    spec = fits["time_varying"].spec
    assert spec.time_varying.channels == [channel] and spec.time_varying.method == "random_walk"
    assert fits["constant"].spec.time_varying is None
    assert spec.controls == fits["constant"].spec.controls == list(sc.controls)
    model = MMM(spec).build(fits["time_varying"].data)
    assert len(model.coords["date"]) == 30


def test_national_and_lift_scenarios_keep_their_labels():
    assert list(scenario_fits(scenario("omitted_confounder", random_seed=0))) == ["right", "wrong"]
    assert list(scenario_fits(scenario("baseline", random_seed=0))) == ["right"]
    lift = scenario_fits(scenario("lift_test", random_seed=0, n_weeks=60))
    assert list(lift) == ["lift", "no_lift"]
    assert lift["lift"].lift_tests is not None and lift["no_lift"].lift_tests is None


def test_a_tvp_scenario_without_a_recorded_drift_is_refused():
    sc = dataclasses.replace(scenario("baseline", random_seed=0), feature="tvp")
    with pytest.raises(ValueError, match="records no drifting channel"):
        drifting_channels(sc)


def test_one_tiny_geo_fit_scores_the_national_roll_up():
    # a smoke-sized fit (1 chain x 20 x 20): the rows' labels and truth are checked, not accuracy
    sc = scenario("geo_panel", random_seed=1, n_weeks=20)
    fit = scenario_fits(sc)["geo_model"]
    rows = fit_scenario(sc, label="geo_model", fit=fit, draws=20, tune=20, chains=1, random_seed=2)
    assert list(rows["channel"]) == sc.channels and (rows["spec"] == "geo_model").all()
    assert (rows["feature"] == "geo").all() and rows["fit_s"].iloc[0] > 0
    np.testing.assert_allclose(rows["true"], [sc.truth.true_roas[c] for c in sc.channels])
    assert np.isfinite(rows["mean"]).all() and (rows["q05"] <= rows["q95"]).all()
