"""ROAS-type priors and lift tests: the parameterization, the lift prediction and bad input."""

import datetime as dt

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from pydantic import ValidationError

from mmm_bayes import analysis
from mmm_bayes.data.lift_tests import read_lift_tests
from mmm_bayes.errors import DataError
from mmm_bayes.model import build_lift_inputs, build_model, structure_key
from mmm_bayes.model.lift import spread
from mmm_bayes.spec import ModelSpec
from mmm_bayes.spec.calibration import LiftTest
from mmm_bayes.spec.priors import Prior
from mmm_bayes.testing import example_inputs, example_spec

CHANNELS = ["tv_spend", "search_spend", "social_spend", "display_spend"]
DRAWS = 2000


def _spec(**priors) -> ModelSpec:
    """Example spec whose channels (by column) carry the given media priors."""
    channels = [
        {"name": c, "column": c, "priors": priors.get(c, {})} for c in CHANNELS
    ]  # the example's radio is left out: four channels are enough
    return example_spec(channels=channels)


def _prior(spec: ModelSpec, lift=None, draws: int = DRAWS):
    inputs = example_inputs(spec)
    model = build_model(spec, inputs, lift)
    with model:
        tree = pm.sample_prior_predictive(
            draws=draws, random_seed=11, compile_kwargs={"mode": "FAST_COMPILE"}
        )
    return tree["prior"], inputs


LOGNORMAL = {"dist": "LogNormal", "median": 1.5, "sigma": 0.4}


def test_roas_prior_is_on_the_reported_roas_and_keeps_its_median_and_spread():
    spec = _spec(tv_spend={"roas": LOGNORMAL}, search_spend={"mroas": LOGNORMAL})
    prior, inputs = _prior(spec)
    roas = analysis.roas(prior, inputs, spec).sel(channel="tv_spend")
    # the parameter is the ROAS the results report, draw by draw (to rounding)
    np.testing.assert_allclose(roas.values, prior["roas"].values[..., 0], rtol=1e-9)
    log_roas = np.log(roas.values.ravel())
    # sample median of a log-normal: SE of log-median ~ 1.25 sigma / sqrt(n) = 0.011 at
    # n = 2000; 4 SE = 0.045. SE of the log-sd ~ sigma / sqrt(2n) = 0.0063; 4 SE = 0.025
    assert abs(np.median(log_roas) - np.log(1.5)) < 0.045
    assert abs(log_roas.std() - 0.4) < 0.025
    marginal = analysis.marginal_roas(prior, inputs, spec).sel(channel="search_spend")
    np.testing.assert_allclose(marginal.values, prior["mroas"].values[..., 0], rtol=1e-7)


def test_model_level_roas_prior_applies_to_channels_without_their_own():
    spec = _spec(tv_spend={"effect": {"dist": "HalfNormal", "sigma": 0.5}})
    spec = spec.model_copy(update={"roas": Prior.model_validate(LOGNORMAL)})
    spec = ModelSpec.model_validate(spec.model_dump())
    kinds = [k for k, _ in spec.media_prior_kinds()]
    assert kinds == ["effect", "roas", "roas", "roas"]
    prior, inputs = _prior(spec, draws=500)
    assert list(prior["roas"].coords["roas_channel"].values) == CHANNELS[1:]
    roas = analysis.roas(prior, inputs, spec).sel(channel=CHANNELS[1:])
    np.testing.assert_allclose(roas.values, prior["roas"].values, rtol=1e-9)


def test_contribution_share_prior_is_the_share_of_the_window_kpi():
    beta = {"dist": "Beta", "alpha": 2.0, "beta": 18.0}
    spec = _spec(social_spend={"contribution_share": beta})
    prior, inputs = _prior(spec, draws=500)
    contrib = analysis.contributions(prior, inputs, spec)["channels"].sel(channel="social_spend")
    share = contrib.sum("date") / inputs.kpi.sum()
    np.testing.assert_allclose(share.values, prior["contribution_share"].values[..., 0], rtol=1e-9)


@pytest.mark.parametrize(
    ("priors", "message"),
    [
        ({"roas": LOGNORMAL, "effect": {"dist": "HalfNormal", "sigma": 1}}, "one prior"),
        ({"contribution_share": LOGNORMAL}, "within 0-1"),
        ({"roas": {"dist": "Normal", "mu": 1, "sigma": 1}}, "positive"),
    ],
)
def test_bad_media_priors_are_refused(priors, message):
    with pytest.raises(ValidationError, match=message):
        _spec(tv_spend=priors)


def test_roas_priors_of_one_kind_share_a_family():
    with pytest.raises(ValidationError, match="one family per kind"):
        _spec(
            tv_spend={"roas": LOGNORMAL},
            search_spend={"roas": {"dist": "Gamma", "alpha": 2, "beta": 2}},
        )


def test_lognormal_by_median_and_bad_median():
    assert Prior.model_validate(LOGNORMAL).params["mu"] == pytest.approx(np.log(1.5))
    with pytest.raises(ValidationError, match="median=0 must be > 0"):
        Prior.model_validate({"dist": "LogNormal", "median": 0, "sigma": 1})


# --- lift tests ---------------------------------------------------------------------------------


def _test(**kw) -> dict:
    base = {"channel": "tv_spend", "start": "2024-03-04", "end": "2024-04-14",
            "spend_delta": 100_000.0, "lift": 150_000.0, "lift_se": 30_000.0}  # fmt: skip
    return base | kw


def test_lift_prediction_matches_its_numpy_twin():
    spec = _spec()
    inputs = example_inputs(spec)
    tests = read_lift_tests([_test(), _test(channel="search_spend", spend_delta=-20_000.0),
                             _test(spend=50_000.0, spend_delta=None, start="2023-06-05",
                                   end="2023-06-25")])  # fmt: skip
    lift = build_lift_inputs(spec, inputs, tests)
    prior, _ = _prior(spec, lift, draws=200)
    numpy_twin = analysis.lift_predictions(prior, lift, inputs, spec)
    np.testing.assert_allclose(numpy_twin.values, prior["lift_predicted"].values, rtol=1e-9)
    # a spend increase adds KPI, a decrease removes it
    assert (numpy_twin.isel(lift_test=0) > 0).all() and (numpy_twin.isel(lift_test=1) < 0).all()


def test_lift_inputs_follow_the_test_window_and_keep_carryover_before_it():
    spec = _spec()
    inputs = example_inputs(spec)
    test = LiftTest.model_validate(_test())
    lift = build_lift_inputs(spec, inputs, [test])
    t0, t1 = lift.periods[0]
    dates = inputs.dates[t0 : t1 + 1]
    assert dates[0] >= pd.Timestamp(test.start) and dates[-1] <= pd.Timestamp(test.end)
    assert lift.mask.sum() == len(dates) == 6
    c = list(inputs.channels).index("tv_spend")
    per_currency = 1 / inputs.spend_scale[c]
    # the treated media add the test's spend (scaled), in proportion to the window's spend
    added = (lift.treated[0, :, 0] - lift.base[0, :, 0]).sum() / per_currency
    assert added == pytest.approx(test.spend_delta)
    # lag 1 of the first window period is the data's spend the period before the window
    assert lift.base[0, 0, 1] == pytest.approx(inputs.media_scaled[t0 - 1, c])


def test_spread_is_proportional_or_even():
    np.testing.assert_allclose(spread(np.array([1.0, 3.0])), [0.25, 0.75])
    np.testing.assert_allclose(spread(np.zeros(4)), [0.25] * 4)


def test_lift_tests_change_the_structure_key_only_by_shape():
    spec = _spec()
    inputs = example_inputs(spec)
    one = build_lift_inputs(spec, inputs, read_lift_tests([_test()]))
    other = build_lift_inputs(spec, inputs, read_lift_tests([_test(lift=1.0)]))
    two = build_lift_inputs(spec, inputs, read_lift_tests([_test(), _test()]))
    assert structure_key(spec, inputs, one) == structure_key(spec, inputs, other)
    assert structure_key(spec, inputs, one) != structure_key(spec, inputs, two)
    assert structure_key(spec, inputs, one) != structure_key(spec, inputs)


@pytest.mark.parametrize(
    ("test", "message"),
    [
        (_test(channel="tv"), "unknown channel 'tv'"),
        (_test(start="2019-01-07", end="2019-02-03"), "outside the data"),
        (_test(end="2026-12-27"), "outside the data"),
        (_test(start="2024-03-04", end="2024-03-06"), "shorter than one period"),
        (_test(spend_delta=-1e9), "removes more than"),
        (_test(geo="north"), "model is national"),
    ],
)
def test_lift_tests_that_do_not_fit_the_data_are_refused(test, message):
    spec = _spec()
    with pytest.raises(DataError, match=message) as err:
        build_lift_inputs(spec, example_inputs(spec), read_lift_tests([test]))
    assert "lift test 0" in str(err.value)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"lift_se": -5.0}, "lift_se=-5.0 must be > 0"),
        ({"spend": 10.0}, "exactly one of `spend_delta`"),
        ({"end": "2024-03-01"}, "before start"),
        ({"start": "not a date"}, "column 'start'"),
    ],
)
def test_bad_lift_test_rows_name_the_line_and_column(tmp_path, row, message):
    frame = pd.DataFrame([_test(), _test(**row)])
    path = tmp_path / "tests.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match=message) as err:
        read_lift_tests(path)
    assert "line 3" in str(err.value) and "tests.csv" in str(err.value)  # header is line 1


def test_lift_test_table_needs_its_columns(tmp_path):
    path = tmp_path / "tests.csv"
    pd.DataFrame([{"channel": "tv", "start": "2024-01-01", "lift": 1.0, "colour": 2}]).to_csv(
        path, index=False
    )
    with pytest.raises(DataError, match=r"unknown column\(s\) \['colour'\].*missing column"):
        read_lift_tests(path)


def test_lift_test_dates_parse_from_csv(tmp_path):
    path = tmp_path / "tests.csv"
    pd.DataFrame([_test(geo=None)]).to_csv(path, index=False)
    (test,) = read_lift_tests(path)
    assert test.start == dt.date(2024, 3, 4) and test.geo is None and test.spend is None
