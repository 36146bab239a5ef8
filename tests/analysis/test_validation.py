"""Out-of-sample validation: folds, inputs on the training scales, and holdout scores."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from mmm_bayes import datasets
from mmm_bayes.analysis.validation import (
    Fold,
    ValidationResult,
    evaluate_fold,
    extend_inputs,
    holdout_folds,
    slice_inputs,
    validate,
)
from mmm_bayes.errors import ConfigError
from mmm_bayes.model import build_inputs
from mmm_bayes.simulate import Truth
from mmm_bayes.testing import example_inputs, example_spec, posterior_at, true_values


def test_single_holdout_takes_the_last_periods():
    (fold,) = holdout_folds(156, holdout=13)
    assert (fold.train, fold.test) == (slice(0, 143), slice(143, 156))


def test_rolling_origin_folds_expanding_and_sliding():
    exp = holdout_folds(100, holdout=10, folds=3, step=5)
    assert [(f.train.start, f.train.stop, f.test.stop) for f in exp] == [
        (0, 80, 90),
        (0, 85, 95),
        (0, 90, 100),
    ]
    sld = holdout_folds(100, holdout=10, folds=3, step=5, window="sliding")
    assert [(f.train.start, f.train.stop) for f in sld] == [(0, 80), (5, 85), (10, 90)]
    assert {f.train.stop - f.train.start for f in sld} == {80}  # one compile for every refit


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"holdout": 0}, "must be >= 1"),
        ({"holdout": 13, "folds": 11}, "leave the first fold 13 of the 156 periods"),
        ({"holdout": 60}, r"at least 120 \(twice the holdout, and at least 8\)"),
        # was "only -344 of 156 periods ...": the data allow a holdout of at most 52
        (
            {"holdout": 500},
            "fold 0 of the 156 periods .* longest holdout these data allow here is 52",
        ),
    ],
)
def test_fold_errors_say_what_to_change(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        holdout_folds(156, **kwargs)


@pytest.fixture(scope="module")
def case():
    spec = example_spec()
    full = example_inputs(spec)
    truth = Truth.from_dict(datasets.truth())
    return spec, full, truth


def _train_inputs(spec, frame):
    from mmm_bayes.data import validate_data

    data = validate_data(
        frame,
        date_col="date",
        kpi_col="sales",
        channel_cols=spec.channel_columns,
        control_cols=spec.controls,
    )
    return build_inputs(spec, data)


def test_extend_inputs_keeps_the_training_scales(case):
    spec, full, _ = case
    frame = datasets.load("example_weekly")
    train = _train_inputs(spec, frame.iloc[20:120].reset_index(drop=True))
    ext = extend_inputs(train, full, train_start=20)
    assert ext.kpi_scale == train.kpi_scale != full.kpi_scale
    np.testing.assert_array_equal(ext.spend_scale, train.spend_scale)
    np.testing.assert_array_equal(ext.media_scale, train.media_scale)
    np.testing.assert_array_equal(ext.control_sd, train.control_sd)
    np.testing.assert_allclose(ext.time[20:120], train.time, atol=1e-12)
    assert ext.time[120] == pytest.approx(1 + 1 / 99)  # the trend continues past the window
    np.testing.assert_array_equal(ext.kpi, full.kpi)
    part = slice_inputs(ext, slice(20, 120))
    np.testing.assert_allclose(part.media_scaled, train.media_scaled, rtol=1e-12)
    np.testing.assert_allclose(part.controls_scaled, train.controls_scaled, rtol=1e-12)
    assert part.dates.equals(train.dates)


def _truth_fit(spec, truth, draws=400):
    """A ``fit`` for validate(): the true parameters on the training window's scales."""

    def fit(frame):
        inputs = _train_inputs(spec, frame)
        one = posterior_at(spec, inputs, true_values(spec, inputs, truth))["posterior"]
        post = one.to_dataset().isel(draw=[0] * draws).assign_coords(draw=np.arange(draws))
        return xr.DataTree.from_dict({"posterior": post}), inputs

    return fit


def test_the_true_model_scores_like_its_noise(case):
    # the data were simulated with noise sd 8,000 on a KPI near 217,000 (3.7%): at the true
    # parameters the holdout MAPE is near E|N(0, 8000)| / 217,000 = 2.9% and the bands are
    # calibrated. 26 holdout periods: coverage of the 90% band lies in [0.75, 1] unless
    # something is off.
    spec, full, truth = case
    frame = datasets.load("example_weekly")
    folds = holdout_folds(len(frame), holdout=13, folds=2)
    result = validate(frame, full, spec, _truth_fit(spec, truth), folds, random_seed=1)
    s = result.summary
    assert s["mape"] == pytest.approx(0.029, abs=0.012)
    assert s["mape"] < s["naive_mape"]
    assert 0.75 <= s["coverage_90"] <= 1.0
    assert s["train_mape"] == pytest.approx(0.029, abs=0.01)
    # CRPS of a calibrated normal forecast is about 0.59 sd on average (Gneiting 2007)
    assert s["crps"] == pytest.approx(0.59 * 8000, rel=0.3)
    table = result.table()
    assert list(table.index) == [0, 1]
    assert table.loc[1, "test_end"] == pd.Timestamp(frame["date"].iloc[-1])
    # a made-up fit repeats one draw: R-hat cannot be computed, so the refit is not trusted
    assert (table["diagnosis"] == "fail").all()
    f = result.folds[1]
    assert list(f.predictions.columns[:3]) == ["observed", "mean", "median"]
    np.testing.assert_array_equal(f.predictions["observed"], frame["sales"].iloc[-13:])
    assert set(f.roas.index) == set(full.channels)
    assert "out-of-sample MAPE" in result.verdict


def test_a_wrong_model_loses_to_its_own_training_fit(case):
    # halve every media effect: the holdout error grows well past the noise level
    spec, full, truth = case
    fit = _truth_fit(spec, truth, draws=100)

    def wrong(frame):
        tree, inputs = fit(frame)
        post = tree["posterior"].to_dataset()
        post["effect"] = post["effect"] * 0.0
        post["intercept"] = post["intercept"] * 0.8
        return xr.DataTree.from_dict({"posterior": post}), inputs

    frame = datasets.load("example_weekly")
    (fold,) = holdout_folds(len(frame), holdout=13)
    result = evaluate_fold(
        wrong(frame.iloc[fold.train])[0],
        _train_inputs(spec, frame.iloc[fold.train]),
        full,
        spec,
        fold,
    )
    assert result.metrics["mape"] > 0.15
    assert result.metrics["coverage_90"] < 0.3


def test_result_round_trips_through_json(case, tmp_path):
    spec, full, truth = case
    frame = datasets.load("example_weekly")
    folds = holdout_folds(len(frame), holdout=8, folds=2, window="sliding")
    result = validate(frame, full, spec, _truth_fit(spec, truth, draws=50), folds, window="sliding")
    path = result.save(tmp_path / "validation.json")
    back = ValidationResult.load(path)
    assert back.window == "sliding" and back.holdout == 8 and back.kpi == "sales"
    pd.testing.assert_frame_equal(back.table(), result.table(), check_dtype=False)
    pd.testing.assert_frame_equal(
        back.folds[0].predictions,
        result.folds[0].predictions,
        check_freq=False,
        check_index_type=False,
    )
    assert back.verdict == result.verdict
    assert not list(tmp_path.glob(".*tmp"))  # written atomically, nothing left behind


def test_fold_is_a_plain_value():
    assert dataclasses.asdict(Fold(slice(0, 5), slice(5, 7)))["test"] == slice(5, 7)
