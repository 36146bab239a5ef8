"""The reach-and-frequency simulator (mmm_bayes/simulate/reach_frequency.py): no fitting."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from mmm_bayes import datasets
from mmm_bayes.simulate import Truth, example_weekly
from mmm_bayes.simulate.reach_frequency import (
    RFChannelTruth,
    effective_reach,
    frequency_response,
    optimal_frequency,
    reach_frequency_weekly,
    rf_contribution,
    rf_means,
)

PARAMS = {"alpha": 0.5, "K": 1.3, "S": 2.5, "beta": 7.0, "l_max": 3}


@pytest.fixture(scope="module")
def bundled():
    return datasets.load("rf_weekly"), Truth.from_dict(datasets.truth("rf_weekly"))


def _hand_contribution(reach, frequency, *, alpha, K, S, beta, l_max, n_out):
    """The formula written out period by period, no numpy broadcasting."""
    n = len(reach)
    r_bar = sum(reach) / n
    f_bar = sum(r * f for r, f in zip(reach, frequency, strict=True) if r > 0) / sum(reach)
    hill_1 = 1.0 / (1.0 + K**S)
    m = []
    for r, f in zip(reach, frequency, strict=True):
        x = f / f_bar if r > 0 else 0.0
        m.append(r / r_bar * (x**S / (x**S + K**S)) / hill_1 if r > 0 else 0.0)
    m += [0.0] * (n_out - n)
    w = [alpha**lag for lag in range(l_max)]
    w = [v / sum(w) for v in w]
    return [beta * sum(w[lag] * m[t - lag] for lag in range(l_max) if t - lag >= 0)
            for t in range(n_out)]  # fmt: skip


def test_rf_contribution_matches_a_hand_loop():
    reach = np.array([100.0, 0.0, 250.0, 0.0, 50.0])
    frequency = np.array([2.0, np.nan, 3.5, 0.0, 1.0])  # anything where reach is 0
    got = rf_contribution(reach, frequency, **PARAMS)
    want = _hand_contribution(reach, frequency, **PARAMS, n_out=5)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    extended = rf_contribution(reach, frequency, **PARAMS, extend=True)
    assert extended.shape == (5 + PARAMS["l_max"] - 1,)
    want = _hand_contribution(reach, frequency, **PARAMS, n_out=7)
    np.testing.assert_allclose(extended, want, rtol=1e-12)
    assert extended[5] > 0 and extended[6] > 0  # the tail carries the last reach forward


def test_rf_contribution_broadcasts_over_series():
    rng = np.random.default_rng(5)
    reach = rng.gamma(2.0, 100.0, size=(3, 12))
    frequency = 1.0 + rng.gamma(2.0, 1.0, size=(3, 12))
    alpha = np.array([0.0, 0.3, 0.8])
    got = rf_contribution(reach, frequency, **(PARAMS | {"alpha": alpha}), extend=True)
    for i in range(3):
        row = rf_contribution(reach[i], frequency[i], **(PARAMS | {"alpha": alpha[i]}),
                              extend=True)  # fmt: skip
        np.testing.assert_allclose(got[i], row, rtol=1e-12)


def test_frequency_curve_and_effective_reach_are_one_at_the_means():
    reach = np.array([0.0, 120.0, 80.0, 300.0])
    frequency = np.array([0.0, 1.5, 4.0, 2.2])
    r_bar, f_bar = rf_means(reach, frequency)
    assert r_bar == pytest.approx(125.0)
    assert f_bar == pytest.approx((180.0 + 320.0 + 660.0) / 500.0)
    for K, S in [(0.7, 1.0), (1.0, 2.5), (2.0, 4.0)]:
        assert frequency_response(np.array([f_bar]), frequency_mean=f_bar, K=K, S=S)[0] == (
            pytest.approx(1.0, rel=1e-12)
        )
        m = effective_reach(np.array([r_bar, 0.0]), np.array([f_bar, 9.0]), reach_mean=r_bar,
                            frequency_mean=f_bar, K=K, S=S)  # fmt: skip
        np.testing.assert_allclose(m, [1.0, 0.0], rtol=1e-12)
    # beta is the contribution per period at mean reach and frequency, once adstock settles
    steady = rf_contribution(np.full(30, r_bar), np.full(30, f_bar), **PARAMS,
                             reach_mean=r_bar, frequency_mean=f_bar)  # fmt: skip
    assert steady[-1] == pytest.approx(PARAMS["beta"], rel=1e-12)


@pytest.mark.parametrize(("K", "S"), [(1.0, 2.5), (0.6, 1.5), (2.0, 4.0), (1.3, 1.1)])
def test_optimal_frequency_closed_form_matches_a_grid_search(K, S):
    f_bar = 2.8
    grid = np.linspace(0.01, 20.0, 400_001)
    g = frequency_response(grid, frequency_mean=f_bar, K=K, S=S)
    best = grid[np.argmax(g / grid)]
    got = optimal_frequency(f_bar, K, S, f_min=0.01)
    assert isinstance(got, float)
    assert got == pytest.approx(f_bar * K * (S - 1.0) ** (1.0 / S), rel=1e-12)
    assert got == pytest.approx(best, abs=2 * (grid[1] - grid[0]))


def test_optimal_frequency_is_the_floor_for_concave_curves_or_a_low_optimum():
    assert optimal_frequency(2.8, 1.0, 1.0) == 1.0
    assert optimal_frequency(2.8, 1.0, 0.5, f_min=1.5) == 1.5
    assert optimal_frequency(1.0, 0.5, 2.0) == 1.0  # the interior optimum 0.5 is below f_min
    got = optimal_frequency(np.array([2.0, 2.0]), np.array([1.0, 1.0]), np.array([2.0, 0.8]))
    np.testing.assert_allclose(got, [2.0, 1.0], rtol=1e-12)


def test_rf_means_needs_some_reach():
    with pytest.raises(ValueError, match="reach is zero in every period"):
        rf_contribution(np.zeros(4), np.ones(4), **PARAMS)


def test_bundled_rf_columns_are_consistent(bundled):
    df, truth = bundled
    reach, freq = df["youtube_reach"].to_numpy(), df["youtube_frequency"].to_numpy()
    on = reach > 0
    assert 0.3 < on.mean() < 0.9 and (reach >= 0).all()
    assert (freq[on] >= 1.0).all() and (freq[~on] == 0.0).all()
    np.testing.assert_allclose(df["youtube_impressions"], reach * freq, rtol=1e-9)
    assert ((df["youtube_spend"] > 0) == on).all()
    # identifiable: frequency moves week to week, independently of reach
    assert np.log(freq[on]).std() > 0.2
    assert abs(np.corrcoef(reach[on], freq[on])[0, 1]) < 0.3
    # the true optimum lies well inside the observed frequencies
    rf = truth.channel("youtube")
    lo, hi = np.percentile(freq[on], [10, 90])
    assert truth.rf_channels == (rf,) and rf.S > 1 and lo < rf.optimal_frequency < hi


def test_bundled_true_roas_recomputes_from_the_csv(bundled):
    df, truth = bundled
    rf = truth.channel("youtube")
    reach, freq = df[rf.reach_column].to_numpy(), df[rf.frequency_column].to_numpy()
    np.testing.assert_allclose(rf_means(reach, freq), [rf.reach_mean, rf.frequency_mean],
                               rtol=1e-12)  # fmt: skip
    contribution = rf_contribution(
        reach, freq, alpha=rf.alpha, K=rf.K, S=rf.S, beta=rf.beta, l_max=rf.l_max, extend=True
    )
    roas = contribution.sum() / df[rf.spend_column].sum()
    assert truth.true_roas["youtube"] == pytest.approx(roas, rel=1e-12)
    assert truth.total_spend["youtube"] == df["youtube_spend"].sum()
    np.testing.assert_allclose(truth.components["youtube"], contribution[: len(df)], rtol=1e-12)
    expected = datasets.truth("rf_weekly")["rf_channels"][0]["optimal_frequency"]
    assert expected == pytest.approx(rf.frequency_mean * rf.K * (rf.S - 1) ** (1 / rf.S))


def test_bundled_truth_reconstructs_bundled_sales(bundled):
    df, truth = bundled
    kpi = truth.expected_kpi(df) + truth.components["noise"].to_numpy()
    np.testing.assert_allclose(kpi, df["sales"], rtol=0, atol=0.005 + 1e-6)


def test_media_share_and_roas_are_realistic(bundled):
    _, truth = bundled
    assert 0.10 < sum(truth.media_share.values()) < 0.30
    roas = truth.true_roas
    assert set(roas) == {"tv", "search", "youtube"}
    assert all(0.3 < roas["youtube"] / roas[c] < 3.0 for c in ("tv", "search"))


def test_bundled_files_equal_fresh_regeneration(bundled):
    df, truth = bundled
    fresh_df, fresh = reach_frequency_weekly()
    assert list(df.columns) == list(fresh_df.columns)
    numeric = [c for c in df.columns if c != "date"]
    # rtol 1e-6 allows a last-bit libm difference flipping a cent on another platform
    np.testing.assert_allclose(df[numeric], fresh_df[numeric], rtol=1e-6)
    assert truth.channels == fresh.channels and truth.channel_names == fresh.channel_names
    (got,), (want,) = truth.rf_channels, fresh.rf_channels
    assert (got.name, got.alpha, got.l_max, got.K, got.S, got.beta) == (
        want.name, want.alpha, want.l_max, want.K, want.S, want.beta
    )  # fmt: skip
    np.testing.assert_allclose([got.reach_mean, got.frequency_mean],
                               [want.reach_mean, want.frequency_mean], rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(list(truth.true_roas.values()), list(fresh.true_roas.values()),
                               rtol=1e-6)  # fmt: skip


def test_seeded_reproducibility():
    a_df, a = reach_frequency_weekly(n_periods=40, random_seed=7)
    b_df, b = reach_frequency_weekly(n_periods=40, random_seed=np.random.default_rng(7))
    c_df, _ = reach_frequency_weekly(n_periods=40, random_seed=8)
    pd.testing.assert_frame_equal(a_df, b_df)
    assert a == dataclasses.replace(b, meta=a.meta)
    assert a.meta["random_seed"] == 7 and b.meta["random_seed"] is None
    assert not np.array_equal(a_df["youtube_frequency"], c_df["youtube_frequency"])
    with pytest.raises(ValueError, match="n_periods must be at least 2, got 1"):
        reach_frequency_weekly(n_periods=1)


def test_truth_round_trips_and_stays_compatible():
    _, truth = reach_frequency_weekly(n_periods=30, random_seed=3)
    back = Truth.from_dict(truth.to_dict())
    assert back == truth and isinstance(back.rf_channels[0], RFChannelTruth)
    assert "optimal_frequency" in back.summary().columns
    _, plain = example_weekly(n_weeks=20, random_seed=1)
    assert "rf_channels" not in plain.to_dict() and plain.rf_channels == ()
    assert Truth.from_dict(plain.to_dict()) == plain


def test_describe_lists_rf_weekly():
    text = datasets.describe("rf_weekly")
    assert "rf_weekly" in datasets.names()
    assert "youtube_frequency" in text and "true ROAS: tv " in text and "youtube " in text
