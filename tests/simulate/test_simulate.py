import json

import numpy as np
import pandas as pd
import pytest

from mmm_bayes.errors import DataError
from mmm_bayes.simulate import (
    AlwaysOn,
    Flighted,
    SeasonalPulses,
    Truth,
    channel_contribution,
    example_weekly,
    simulate_spend,
    true_roas,
)
from mmm_bayes.simulate.__main__ import main

CHANNELS = ["tv", "search", "social", "display", "radio"]
CONTROLS = ["price_index", "promo"]


@pytest.fixture(scope="module")
def example():
    return example_weekly()


# --- independent reference implementation of the data generating process ---------------------


def _adstock_loop(x, alpha, l_max):
    w = alpha ** np.arange(l_max)
    w = w / w.sum()
    return np.array(
        [sum(w[k] * x[t - k] for k in range(l_max) if t - k >= 0) for t in range(len(x))]
    )


def _hill_formula(x, K, S):
    return x**S / (x**S + K**S)


def _baseline(truth, dates, controls):
    n = len(dates)
    t = np.arange(n) / (n - 1)
    doy = np.asarray(dates.day_of_year, dtype=float)
    out = truth.intercept + truth.trend_slope * t
    for k, (a, b) in enumerate(zip(truth.season_sin, truth.season_cos, strict=True), start=1):
        out = (
            out
            + a * np.sin(2 * np.pi * k * doy / 365.25)
            + b * np.cos(2 * np.pi * k * doy / 365.25)
        )
    for name, gamma in truth.controls.items():
        out = out + gamma * controls[name]
    return out


def _media(truth, spend):
    total = 0.0
    for c in truth.channels:
        x = _adstock_loop(spend[c.name] / truth.spend_scale[c.name], c.alpha, c.l_max)
        total = total + c.beta * _hill_formula(x, c.K, c.S)
    return total


# --- the example scenario ---------------------------------------------------------------------


def test_example_sizes_and_columns(example):
    df, truth = example
    assert df.shape == (156, 1 + 1 + 5 + 2)
    assert list(df.columns) == ["date", "sales", *[f"{c}_spend" for c in CHANNELS], *CONTROLS]
    assert truth.channel_names == CHANNELS
    assert list(truth.controls) == CONTROLS
    assert (df["date"].diff().iloc[1:] == pd.Timedelta(days=7)).all()
    assert (df["date"].dt.day_of_week == 0).all()  # Mondays
    assert df["date"].iloc[0] == pd.Timestamp("2023-01-02")
    assert set(df["promo"].unique()) == {0.0, 1.0}
    assert 0.9 < df["price_index"].min() and df["price_index"].max() < 1.1


def test_spend_nonnegative_positive_somewhere_whole_units(example):
    df, _ = example
    spend = df[[f"{c}_spend" for c in CHANNELS]]
    assert (spend >= 0).all().all()
    assert (spend > 0).any().all()
    np.testing.assert_array_equal(spend.to_numpy(), np.round(spend.to_numpy()))
    # flighted channels go dark some weeks, always-on ones never do
    assert (df["tv_spend"] == 0).mean() > 0.2 and (df["radio_spend"] == 0).mean() > 0.2
    assert (df[["search_spend", "social_spend", "display_spend"]] > 0).all().all()


def test_kpi_reconstructs_from_independent_formula(example):
    df, truth = example
    dates = pd.DatetimeIndex(df["date"])
    spend = {c: df[f"{c}_spend"].to_numpy() for c in CHANNELS}
    expected = (
        _baseline(truth, dates, df) + _media(truth, spend) + truth.components["noise"].to_numpy()
    )
    # sales are the exact sum rounded to cents; 1e-6 leaves room for float summation order
    np.testing.assert_allclose(df["sales"].to_numpy(), expected, rtol=0, atol=0.005 + 1e-6)


def test_components_sum_to_kpi_and_match_truth_methods(example):
    df, truth = example
    np.testing.assert_allclose(truth.components.sum(axis=1), df["sales"], rtol=0, atol=0.005 + 1e-6)
    noise = truth.components["noise"].to_numpy()
    np.testing.assert_allclose(truth.expected_kpi(df) + noise, df["sales"], atol=0.005 + 1e-6)
    assert list(truth.components.columns) == [
        "intercept", "trend", "seasonality", *CONTROLS, *CHANNELS, "noise",
    ]  # fmt: skip
    assert list(truth.contributions.columns) == CHANNELS


def test_spend_scale_is_window_mean_including_zero_weeks(example):
    df, truth = example
    for c in CHANNELS:
        assert truth.spend_scale[c] == pytest.approx(df[f"{c}_spend"].mean(), rel=1e-12)
        assert truth.total_spend[c] == pytest.approx(df[f"{c}_spend"].sum(), rel=1e-12)


@pytest.mark.parametrize("channel", CHANNELS)
def test_true_roas_matches_bruteforce_counterfactual(example, channel):
    df, truth = example
    tail = max(c.l_max for c in truth.channels) - 1
    n = len(df)
    dates = pd.date_range(df["date"].iloc[0], periods=n + tail, freq="W-MON")
    controls = {k: np.pad(df[k].to_numpy(), (0, tail), mode="edge") for k in CONTROLS}
    spend = {c: np.pad(df[f"{c}_spend"].to_numpy(), (0, tail)) for c in CHANNELS}
    # trend t/(n-1) keeps rising past the window; it cancels in the difference either way
    base = _baseline(truth, dates, controls)
    with_channel = (base + _media(truth, spend)).sum()
    without = (base + _media(truth, {**spend, channel: np.zeros(n + tail)})).sum()
    brute = (with_channel - without) / df[f"{channel}_spend"].sum()
    assert truth.true_roas[channel] == pytest.approx(brute, rel=1e-10)


def test_true_roas_counts_carryover_after_window(example):
    df, truth = example
    c = truth.channel("tv")
    spend, scale = df["tv_spend"].to_numpy(), truth.spend_scale["tv"]
    window_only = c.contribution(spend, scale=scale, extend=False).sum() / spend.sum()
    assert spend[-1] > 0  # the default seed ends on a TV flight, so the tail carries real credit
    assert truth.true_roas["tv"] > 1.01 * window_only
    np.testing.assert_allclose(
        truth.contributions["tv"], c.contribution(spend, scale=scale, extend=False)
    )


def test_true_parameters_in_documented_ranges(example):
    df, truth = example
    for c in truth.channels:
        assert 0.1 <= c.alpha <= 0.7 and 0.5 <= c.K <= 1.5 and 0.8 <= c.S <= 2.5 and c.l_max == 8
    roas = np.array(list(truth.true_roas.values()))
    assert roas.min() >= 0.45 and roas.max() <= 4.0
    assert (roas < 1).any() and (roas > 1).any()  # some channels lose money, some make it
    kpi_mean = df["sales"].mean()
    assert 150_000 < kpi_mean < 260_000
    assert 0.2 <= sum(truth.media_share.values()) <= 0.4
    assert 0.03 <= truth.noise_sigma / kpi_mean <= 0.05


def test_same_seed_same_data_other_seed_other_data(example):
    df, truth = example
    again, truth_again = example_weekly()
    pd.testing.assert_frame_equal(df, again)
    assert truth == truth_again
    other, _ = example_weekly(random_seed=7)
    assert not np.allclose(other["sales"], df["sales"])


def test_generator_seed_and_length():
    df, truth = example_weekly(n_weeks=60, random_seed=np.random.default_rng(3))
    assert len(df) == 60 and len(truth.components) == 60
    assert truth.meta["random_seed"] is None
    with pytest.raises(ValueError, match="at least 2"):
        example_weekly(n_weeks=1)


def test_print_truth_summary(example):
    _, truth = example
    summary = truth.summary()
    print("\n" + summary[["alpha", "K", "S", "beta", "true_roas", "total_spend", "media_share"]]
          .to_string(float_format="{:,.3f}".format))  # fmt: skip
    assert list(summary.index) == CHANNELS


# --- Truth serialization ----------------------------------------------------------------------


def test_truth_json_round_trip(example):
    _, truth = example
    text = json.dumps(truth.to_dict(), allow_nan=False)
    back = Truth.from_dict(json.loads(text))
    assert back == truth
    pd.testing.assert_frame_equal(back.components, truth.components, check_freq=False,
                                  check_index_type=False)  # fmt: skip
    assert back.true_roas == truth.true_roas
    assert back.to_dict() == truth.to_dict()


def test_truth_from_dict_names_missing_keys(example):
    d = example[1].to_dict()
    del d["true_roas"], d["channels"]
    with pytest.raises(DataError, match=r"lacks key\(s\) \['channels', 'true_roas'\]"):
        Truth.from_dict(d)


def test_truth_channel_lookup_error(example):
    with pytest.raises(KeyError, match="no channel 'tvv'; channels are"):
        example[1].channel("tvv")


# --- pure functions ---------------------------------------------------------------------------


def test_channel_contribution_extension_and_broadcasting():
    spend = np.array([[0.0, 10.0, 0.0, 5.0], [1.0, 1.0, 1.0, 1.0]])
    kw = {
        "alpha": np.array([0.5, 0.2]),
        "l_max": 3,
        "K": 1.0,
        "S": 1.5,
        "beta": np.array([2.0, 4.0]),
    }
    ext = channel_contribution(spend, scale=np.array([3.75, 1.0]), **kw)
    win = channel_contribution(spend, scale=np.array([3.75, 1.0]), extend=False, **kw)
    assert ext.shape == (2, 6) and win.shape == (2, 4)
    np.testing.assert_allclose(ext[:, :4], win)
    assert (ext[:, 4:] > 0).all()  # carryover of the last spend lands after the window
    # constant spend at the scale gives hill(1) = 1/2 of beta once the carryover is full
    np.testing.assert_allclose(win[1, 2:], 4.0 * 0.5)


def test_true_roas_by_hand_and_zero_spend_error():
    # l_max=2, alpha=0.5: weights (2/3, 1/3); spend [3, 0] at scale 1 -> adstock [2, 1] + tail [0]
    got = true_roas(np.array([3.0, 0.0]), alpha=0.5, l_max=2, K=1.0, S=1.0, beta=6.0, scale=1.0)
    assert float(got) == pytest.approx(6.0 * (2 / 3 + 1 / 2) / 3.0)
    with pytest.raises(ValueError, match="zero total spend"):
        true_roas(np.zeros(4), alpha=0.5, l_max=2, K=1.0, S=1.0, beta=1.0, scale=1.0)


# --- spend patterns ---------------------------------------------------------------------------

DATES = pd.date_range("2023-01-02", periods=156, freq="W-MON")


def _runs(on):
    edges = np.diff(np.concatenate([[0], on.astype(int), [0]]))
    return np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)


def test_flighted_runs_within_ranges():
    spend = Flighted(level=50_000.0, on_periods=(4, 8), off_periods=(3, 8)).draw(
        DATES, np.random.default_rng(1)
    )
    on = spend > 0
    runs = _runs(on)
    assert (runs[:-1] >= 4).all() and (runs <= 8).all()  # the last flight may be cut by the end
    gaps = _runs(~on[np.argmax(on) :])  # gaps after the first flight
    assert (gaps[:-1] >= 3).all() and (gaps <= 8).all()
    assert 30_000 < spend[on].mean() < 70_000


def test_always_on_and_pulses_positive_with_expected_level():
    rng = np.random.default_rng(2)
    search = AlwaysOn(level=10_000.0, seasonal_amplitude=0.2).draw(DATES, rng)
    social = SeasonalPulses(level=16_000.0).draw(DATES, rng)
    assert (search > 0).all() and (social > 0).all()
    assert 8_000 < search.mean() < 12_000
    doy = DATES.day_of_year
    in_pulse = (abs(doy - 105) < 7) | (abs(doy - 320) < 7)
    assert social[in_pulse].mean() > 2 * social[(doy > 180) & (doy < 260)].mean()


def test_simulate_spend_names_rounds_and_rejects_dead_channel():
    df = simulate_spend(
        DATES, {"a": AlwaysOn(level=100.0), "b": Flighted(level=50.0)}, random_seed=3
    )
    assert list(df.columns) == ["a_spend", "b_spend"]
    np.testing.assert_array_equal(df.to_numpy(), np.round(df.to_numpy()))
    with pytest.raises(ValueError, match="channel 'dead' drew zero spend"):
        simulate_spend(DATES, {"dead": AlwaysOn(level=0.0)}, random_seed=3)


def test_simulate_spend_channels_independent():
    one = simulate_spend(DATES, {"a": AlwaysOn(level=100.0)}, random_seed=5)
    two = simulate_spend(
        DATES, {"a": AlwaysOn(level=100.0), "b": Flighted(level=9.0)}, random_seed=5
    )
    pd.testing.assert_series_equal(one["a_spend"], two["a_spend"])


# --- the generator entry point ----------------------------------------------------------------


def test_main_writes_loadable_files(tmp_path, example):
    assert main(["--out", str(tmp_path)]) == 0
    df, truth = example
    written = pd.read_csv(tmp_path / "example_weekly.csv", parse_dates=["date"])
    pd.testing.assert_frame_equal(written, df, check_dtype=False)
    back = Truth.from_dict(json.loads((tmp_path / "example_weekly_truth.json").read_text()))
    assert back == truth
    assert not list(tmp_path.glob("*.tmp"))


def test_main_rejects_unknown_name(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["nope", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    available = "['example_weekly', 'geo_weekly', 'rf_weekly']"
    assert f"unknown data set(s) ['nope']; available: {available}" in err
