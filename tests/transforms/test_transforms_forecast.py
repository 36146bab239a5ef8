"""FFT low-pass, spike removal and forecast smoothing; the data step that adds the column."""

import numpy as np
import pandas as pd
import pytest

from mmm_bayes.config import load_config
from mmm_bayes.config.data import check_data
from mmm_bayes.config.problems import ConfigProblems
from mmm_bayes.data.forecast import add_smoothed
from mmm_bayes.errors import DataError
from mmm_bayes.transforms.forecast import fft_lowpass, remove_spikes, smooth_forecast

T = np.arange(156)


def test_lowpass_keeps_mean_and_linear_trend_exactly():
    line = 50.0 + 0.3 * T
    # the line is removed before the FFT and added back: float64 round-off only
    np.testing.assert_allclose(fft_lowpass(line, 8), line, rtol=1e-12)


def test_lowpass_keeps_slow_cycles_and_removes_fast_ones():
    slow = 10 * np.sin(2 * np.pi * T / 52)
    fast = 3 * np.sin(2 * np.pi * T / 4)
    out = fft_lowpass(100 + slow + fast, 8)
    # the fast 4-period cycle is gone and the yearly cycle kept, up to edge effects of a
    # finite window (mirroring leaves a kink at the ends): within 0.5 of a 10-unit amplitude
    np.testing.assert_allclose(out[10:-10], 100 + slow[10:-10], atol=0.5)
    assert np.std(out - (100 + slow)) < 0.3 < np.std(fast)


def test_lowpass_refuses_cutoffs_at_or_below_two_periods():
    with pytest.raises(ValueError, match="cutoff_periods must be > 2"):
        fft_lowpass(T.astype(float), 2)


def test_remove_spikes_finds_planted_spikes_only():
    rng = np.random.default_rng(4)
    x = 100 + 5 * np.sin(2 * np.pi * T / 52) + rng.normal(0, 1, T.size)
    x[[20, 90]] += [40.0, -35.0]
    cleaned, spikes = remove_spikes(x, 4.0, cutoff_periods=8)
    # 4 robust sd flags ~6e-5 of Gaussian values: with 156 values no false alarm is expected
    assert np.flatnonzero(spikes).tolist() == [20, 90]
    assert abs(cleaned[20] - 100 - 5 * np.sin(2 * np.pi * 20 / 52)) < 3
    np.testing.assert_array_equal(cleaned[~spikes], x[~spikes])


def test_smooth_forecast_options_turn_steps_off():
    x = 100 + np.where(T == 30, 80.0, 0.0) + np.sin(2 * np.pi * T / 3)
    np.testing.assert_array_equal(smooth_forecast(x, cutoff_periods=None, spike_threshold=None), x)
    only_spikes = smooth_forecast(x, cutoff_periods=None)
    assert abs(only_spikes[30] - 100) < 2 and only_spikes[31] == x[31]
    with pytest.raises(ValueError, match="finite values"):
        smooth_forecast(np.r_[x, np.nan])


def test_add_smoothed_orders_by_date_and_reports_bad_values():
    dates = pd.date_range("2024-01-01", periods=40, freq="W-MON")
    df = pd.DataFrame({"date": dates, "fc": 100 + 0.5 * np.arange(40)}).iloc[::-1]
    out = add_smoothed(df, [{"column": "fc", "name": "fc_s"}], date_col="date")
    # a straight line survives both steps, whatever the row order
    np.testing.assert_allclose(out["fc_s"], df["fc"], rtol=1e-12)
    with pytest.raises(DataError, match=r"smooth: column 'fcast' not found"):
        add_smoothed(df, [{"column": "fcast", "name": "x"}], date_col="date")
    with pytest.raises(DataError, match=r"column 'fc' exists already"):
        add_smoothed(df, [{"column": "fc", "name": "fc"}], date_col="date")
    holes = df.assign(fc=df["fc"].where(df.index != 7))
    with pytest.raises(DataError, match=r"'fc' is missing or not numeric at rows 7"):
        add_smoothed(holes, [{"column": "fc", "name": "s"}], date_col="date")


def test_example_config_adds_the_smoothed_control():
    cfg = load_config("configs/forecast_control.yaml")
    data = check_data(cfg)
    raw = pd.read_csv("mmm_bayes/datasets/example_forecast_weekly.csv")["forecast"]
    smooth = data.frame["forecast_smooth"].to_numpy()
    np.testing.assert_allclose(smooth, smooth_forecast(raw.to_numpy()), rtol=1e-12)


def test_config_reports_smoothing_problems_at_data_smooth(tmp_path):
    pd.DataFrame(
        {"date": pd.date_range("2024-01-01", periods=10, freq="W-MON"), "y": 1.0, "s": 1.0}
    ).to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "run.yaml").write_text(
        "data: {path: d.csv, kpi_column: y, smooth: [{column: fc, name: fc_s}]}\nchannels: [s]\n"
    )
    with pytest.raises(ConfigProblems, match=r"data.smooth.*column 'fc' not found"):
        check_data(load_config(tmp_path / "run.yaml"))
