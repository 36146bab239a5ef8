"""Recovery of a reach-and-frequency channel on simulated data with known truth (slow).

``rf_weekly`` (mmm_bayes.simulate.reach_frequency): youtube by reach and frequency (true Hill
S = 2.5 on frequency, so the best frequency, 3.26, lies inside the data's 1.17-6.74), tv and
search by spend. One fit at the default 2 chains x 1000 x 1000, one seed: the claims are what one
fit can show (truth inside the 90% interval); coverage over seeds is the validation runner's job.
"""

import numpy as np
import pytest

from mmm_bayes import MMM, datasets
from mmm_bayes.simulate.reach_frequency import optimal_frequency

pytestmark = pytest.mark.slow

SPEC = {
    "kpi": "sales",
    "channels": [
        {"name": "tv", "column": "tv_spend"},
        {"name": "search", "column": "search_spend"},
        {"name": "youtube", "reach_column": "youtube_reach",
         "frequency_column": "youtube_frequency", "spend_column": "youtube_spend"},
    ],
    "controls": ["price_index", "promo"],
}  # fmt: skip


@pytest.fixture(scope="module")
def fitted():
    mmm = MMM(SPEC)
    mmm.fit(datasets.load("rf_weekly"), draws=1000, tune=1000, chains=2, random_seed=1,
            progressbar=False)  # fmt: skip
    return mmm, datasets.truth("rf_weekly")


def test_sampling_is_clean(fitted):
    mmm, _ = fitted
    assert all(c.status == "pass" for c in mmm.diagnostics()), mmm.diagnose().verdict


def test_true_roas_of_the_rf_channel_inside_the_90_interval(fitted):
    mmm, truth = fitted
    row = mmm.roas_summary().loc["youtube"]
    # the R&F channel is the claim here; the spend channels' recovery is the core model's (in
    # this fit tv's 90% interval ends 1% below its truth: docs/channels.md lists all three)
    assert row["q05"] <= truth["true_roas"]["youtube"] <= row["q95"], row


def test_true_frequency_curve_inside_the_90_band(fitted):
    mmm, truth = fitted
    yt = next(c for c in truth["rf_channels"] if c["name"] == "youtube")
    response = mmm.frequency_response(points=40)
    freq = response["frequency"].sel(channel="youtube").to_numpy()
    lo, hi = response.sel(channel="youtube").quantile([0.05, 0.95], dim=("chain", "draw"))
    # the true ROAS(f) = beta / mean spend * h(f / f_bar), h from the true Hill curve
    phi = freq / yt["frequency_mean"]
    h = (phi ** yt["S"] / (phi ** yt["S"] + yt["K"] ** yt["S"])) / phi * (1 + yt["K"] ** yt["S"])
    spend_mean = mmm.inputs.spend_scale[list(mmm.inputs.channels).index("youtube")]
    true = yt["beta"] / spend_mean * h
    seen = (freq >= 1.17) & (freq <= 6.74)  # the frequencies the data saw
    inside = (lo.to_numpy() <= true) & (true <= hi.to_numpy())
    # pointwise 90% bands: the true curve inside at >= 80% of the grid points of the observed
    # range (seed 1: 22 of 24; the two misses are at f < 1.5, where the data have few weeks)
    share = inside[seen].mean()
    assert share >= 0.8, (share, np.round(np.c_[freq, lo, true, hi][seen], 3))


def test_true_optimal_frequency_inside_the_draws_range(fitted):
    mmm, truth = fitted
    yt = next(c for c in truth["rf_channels"] if c["name"] == "youtube")
    true = optimal_frequency(yt["frequency_mean"], yt["K"], yt["S"])
    row = mmm.optimal_frequency().loc["youtube"]
    # each draw's optimum: the truth lies within their 90% range (a wide one: see the docs)
    assert row["draw_q05"] <= true <= row["draw_q95"], row
