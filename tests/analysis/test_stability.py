"""Parameter stability: windows, and ROAS posteriors compared between them."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from mmm_bayes.analysis.stability import StabilityResult, compare_windows, split_windows
from mmm_bayes.errors import ConfigError


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
