"""Parameter stability: windows, and ROAS posteriors compared between them."""

import json
import logging

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from mmm_bayes import datasets
from mmm_bayes.analysis.stability import (
    StabilityResult,
    compare_windows,
    refit_windows,
    split_windows,
)
from mmm_bayes.data import validate_data
from mmm_bayes.errors import ConfigError
from mmm_bayes.model import build_inputs
from mmm_bayes.testing import example_spec, fake_posterior


def _roas(means, sd=0.1, seed=0):
    rng = np.random.default_rng(seed)
    values = rng.normal(means, sd, size=(2, 500, len(means)))
    return xr.DataArray(
        values,
        dims=("chain", "draw", "channel"),
        coords={"channel": ["tv", "search"][: len(means)]},
    )


def test_split_windows_cover_the_series_without_overlap():
    parts = split_windows(156, 3)
    assert [(p.start, p.stop) for p in parts] == [(0, 52), (52, 104), (104, 156)]
    assert split_windows(157, 2)[0].stop in (78, 79)


def test_split_windows_errors():
    with pytest.raises(ConfigError, match="at least 2 windows"):
        split_windows(100, 1)
    with pytest.raises(ConfigError, match="10 windows of 100 periods are 10 periods each"):
        split_windows(100, 10, min_length=16)


def test_same_effect_is_stable_a_change_is_flagged():
    windows = {"2023": _roas([1.0, 2.0], seed=1), "2024": _roas([1.0, 2.6], seed=2)}
    dates = {
        "2023": (pd.Timestamp("2023-01-02"), pd.Timestamp("2023-12-25")),
        "2024": (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-30")),
    }
    result = compare_windows(windows, dates=dates)
    pairs = result.pairs.set_index("channel")
    assert not pairs.loc["tv", "disagree"]  # same mean: the difference's interval covers 0
    assert pairs.loc["search", "disagree"]  # +0.6 with sd 0.14: 4 sd away
    assert pairs.loc["search", "diff_mean"] == pytest.approx(0.6, abs=0.03)
    assert pairs.loc["search", "prob_b_greater"] == pytest.approx(1.0, abs=0.01)
    assert result.flagged == ["search"]
    assert "search (2023 → 2024: +0.60)" in result.verdict
    summary = result.summary.set_index(["window", "channel"])
    assert summary.loc[("2024", "search"), "mean"] == pytest.approx(2.6, abs=0.02)
    assert summary.loc[("2023", "tv"), "start"] == pd.Timestamp("2023-01-02")


def test_round_trip_through_json(tmp_path):
    result = compare_windows({"a": _roas([1.0]), "b": _roas([1.5], seed=3)})
    path = result.save(tmp_path / "stability.json")
    back = StabilityResult.load(path)
    pd.testing.assert_frame_equal(back.pairs, result.pairs, check_dtype=False)
    assert back.flagged == result.flagged == ["tv"]
    assert back.verdict == result.verdict


def test_stable_verdict_and_errors():
    result = compare_windows({"a": _roas([1.0], seed=4), "b": _roas([1.0], seed=5)})
    assert result.verdict.startswith("ROAS is consistent across the 2 windows")
    with pytest.raises(ConfigError, match="at least two windows"):
        compare_windows({"a": _roas([1.0])})


def test_a_failed_refit_makes_the_comparison_unreliable():
    windows = {"a": _roas([1.0], seed=4), "b": _roas([1.0], seed=5)}
    result = compare_windows(windows, diagnosis={"a": "pass", "b": "fail"})
    assert result.failed == ["b"]
    assert result.verdict.startswith(
        "The refits of window(s) b did not converge; their comparison is unreliable"
    )
    assert "ROAS is consistent across the 2 windows" in result.verdict
    converged = compare_windows(windows, diagnosis={"a": "pass", "b": "warn"})
    assert converged.failed == []
    assert converged.verdict.startswith("ROAS is consistent")


def test_diagnosis_round_trips_and_older_files_still_load(tmp_path):
    windows = {"a": _roas([1.0]), "b": _roas([1.5], seed=3)}
    result = compare_windows(windows, diagnosis={"a": "fail", "b": "pass"})
    back = StabilityResult.load(result.save(tmp_path / "stability.json"))
    assert back.diagnosis == {"a": "fail", "b": "pass"}
    assert back.failed == ["a"] and back.verdict == result.verdict
    # a stability.json written before the refits' convergence was recorded
    old = result.to_dict()
    del old["diagnosis"]
    (tmp_path / "old.json").write_text(json.dumps(old))
    back = StabilityResult.load(tmp_path / "old.json")
    assert back.diagnosis == {} and back.failed == []
    assert back.verdict.startswith("ROAS changes between windows for tv")


def test_refit_windows_diagnoses_each_refit_and_names_its_window_in_logs():
    # prior draws posing as posteriors: 4 x 500 independent draws pass every check that needs
    # no sampler statistics (R-hat <= 1.006, ESS > 1,400 for seeds 1-3); 2 x 20 draws cannot
    # reach an ESS of 400, so that refit fails
    spec, frame = example_spec(), datasets.load("example_weekly")
    mmm_log = logging.getLogger("mmm_bayes.mmm")
    sizes = iter([(4, 500), (2, 20)])

    def fit(window):
        data = validate_data(window, **spec.data_columns())
        inputs = build_inputs(spec, data)
        chains, draws = next(sizes)
        mmm_log.warning("max R-hat = %.4g", 1.034)  # as MMM.fit warns
        return fake_posterior(spec, inputs, chains=chains, draws=draws, random_seed=1), inputs

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    mmm_log.addHandler(handler)
    try:
        result = refit_windows(frame, spec, fit, split_windows(len(frame), 2))
        mmm_log.warning("after the refits")
    finally:
        mmm_log.removeHandler(handler)
    first, second = "2023-01-02 to 2024-06-24", "2024-07-01 to 2025-12-22"
    assert result.diagnosis == {first: "pass", second: "fail"}
    assert result.failed == [second]
    assert f"window(s) {second} did not converge" in result.verdict
    assert set(result.summary["window"]) == {first, second}
    assert [r.getMessage() for r in records] == [
        f"window {first}: max R-hat = 1.034",
        f"window {second}: max R-hat = 1.034",
        "after the refits",
    ]
