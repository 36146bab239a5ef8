"""Residual spectrum: the periodogram, Fisher's g test and the peaks it flags."""

import numpy as np
import pandas as pd
import pytest
from scipy import signal

from mmm_bayes.analysis.spectrum import (
    fisher_g_critical,
    fisher_g_pvalue,
    period_of,
    periodogram,
    residual_spectrum,
)
from mmm_bayes.errors import DataError


@pytest.mark.parametrize("n", [50, 51])
def test_periodogram_matches_scipy(n):
    x = np.random.default_rng(0).normal(size=n) + 3.0
    freq, power = periodogram(x)
    f, p = signal.periodogram(x, detrend="constant", scaling="spectrum")
    # scipy's one-sided spectrum is 2|X_k|²/n² away from 0 and Nyquist; ours is |X_k|²/n
    interior = ~np.isclose(f[1:], 0.5)
    np.testing.assert_allclose(freq, f[1:])
    np.testing.assert_allclose(power[interior], p[1:][interior] * n / 2, rtol=1e-10)


def test_white_noise_ordinates_average_the_variance():
    x = np.random.default_rng(1).normal(0, 2.0, size=(4000))
    _, power = periodogram(x)
    assert power.mean() == pytest.approx(4.0, rel=0.05)  # 2000 Exp(1) ordinates: ±2.2%


def test_fisher_g_pvalue_against_simulation():
    # P(G > g) for white noise, by simulation: 20,000 series of n = 41 (m = 20 ordinates)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(20000, 41))
    power = np.abs(np.fft.rfft(x - x.mean(axis=1, keepdims=True), axis=1))[:, 1:] ** 2
    g = power.max(axis=1) / power.sum(axis=1)
    for level in (0.3, 0.4):
        simulated = np.mean(g > level)
        # binomial sd of the simulated share is <= 0.0035
        assert fisher_g_pvalue(level, 20) == pytest.approx(simulated, abs=0.012)
    crit = fisher_g_critical(20, 0.01)
    assert fisher_g_pvalue(crit, 20) == pytest.approx(0.01, rel=1e-6)
    assert fisher_g_pvalue(1.0, 20) == pytest.approx(0.0, abs=1e-12)
    assert fisher_g_pvalue(0.0, 20) == 1.0


def test_missed_cycle_is_flagged_with_its_period_and_strength():
    rng = np.random.default_rng(3)
    t = np.arange(156)
    resid = rng.normal(0, 1.0, 156) + 1.0 * np.sin(2 * np.pi * t / 13)
    sp = residual_spectrum(resid, period_days=7, period_label="weeks")
    assert len(sp.peaks) == 1
    peak = sp.peaks.iloc[0]
    assert peak["period"] == pytest.approx(13.0) and peak["period_days"] == pytest.approx(91)
    assert peak["cycle"] == "quarterly"
    # the sine holds 0.5 of a total variance of about 1.5
    assert peak["share"] == pytest.approx(1 / 3, abs=0.08)
    assert peak["p_value"] < 1e-6
    assert "every 13.0 weeks (91 days, quarterly)" in sp.verdict
    assert sp.threshold < sp.table["power"].max()


def test_weekly_cycle_in_daily_residuals():
    rng = np.random.default_rng(4)
    t = np.arange(364)
    resid = rng.normal(0, 1.0, 364) + 0.8 * np.cos(2 * np.pi * t / 7)
    sp = residual_spectrum(resid, period_days=1, period_label="days")
    assert sp.peaks.iloc[0]["cycle"] == "weekly"
    assert sp.peaks.iloc[0]["period"] == pytest.approx(7.0)


def test_white_noise_flags_nothing():
    resid = np.random.default_rng(5).normal(size=156)
    sp = residual_spectrum(resid, period_days=7)
    assert sp.peaks.empty
    assert sp.verdict.startswith("No periodic structure")
    assert sp.to_dict()["peaks"] == []


def test_two_cycles_are_both_found_strongest_first():
    rng = np.random.default_rng(6)
    t = np.arange(208)
    resid = rng.normal(size=208) + 2 * np.sin(2 * np.pi * t / 52) + np.sin(2 * np.pi * t / 4)
    sp = residual_spectrum(resid, period_days=7, period_label="weeks")
    assert list(sp.peaks["period"].round(1)) == [52.0, 4.0]
    assert sp.peaks.iloc[0]["cycle"] == "yearly"
    assert sp.peaks.iloc[1]["cycle"] == "monthly"


def test_period_of_common_frequencies():
    assert period_of(pd.date_range("2024-01-01", periods=6, freq="D")) == (1.0, "days")
    assert period_of(pd.date_range("2024-01-01", periods=6, freq="W-MON")) == (7.0, "weeks")
    assert period_of(pd.date_range("2024-01-01", periods=6, freq="MS"))[1] == "months"


def test_bad_residuals_say_what_is_wrong():
    with pytest.raises(DataError, match=r"at least 4 finite values.*1 missing"):
        periodogram(np.array([1.0, np.nan, 2.0, 3.0]))
