"""Slow: on collinear channels, a lift test improves both channels' ROAS (make test-slow)."""

import logging

import pytest

from mmm_bayes import MMM, datasets
from mmm_bayes.simulate.calibration import COLLINEAR_SPEC as SPEC
from mmm_bayes.simulate.calibration import collinear_lift

pytestmark = pytest.mark.slow


def _roas(data, lift_tests):
    mmm = MMM(SPEC)
    mmm.fit(data, lift_tests=lift_tests, draws=1000, tune=1000, chains=2, random_seed=2,
            progressbar=False, posterior_predictive=False)  # fmt: skip
    roas = mmm.roas()
    return (
        roas.mean(("chain", "draw")).to_series(),
        roas.quantile(0.05, ("chain", "draw")).to_series(),
        roas.quantile(0.95, ("chain", "draw")).to_series(),
    )


def test_lift_test_on_one_of_two_collinear_channels_improves_both(caplog):
    caplog.set_level(logging.ERROR)
    data, truth, tests = collinear_lift(random_seed=2)
    assert data.equals(datasets.load("collinear_weekly"))  # the bundled file is this draw
    assert truth.meta["spend_correlation"] == pytest.approx(0.9, abs=0.03)
    true = truth.true_roas
    without, _, _ = _roas(data, None)
    with_test, lo, hi = _roas(data, tests)
    for ch in ("tv", "online_video"):
        # the bar: with the test, the error of both collinear channels drops
        assert abs(with_test[ch] / true[ch] - 1) < abs(without[ch] / true[ch] - 1), ch
    # and the tested channel's true ROAS lies in its 90% interval
    assert lo["tv"] <= true["tv"] <= hi["tv"]
