"""The MMM facade with a reach-and-frequency channel: one tiny fit, its outputs and round trip."""

import numpy as np
import pandas as pd
import pytest

from mmm_bayes import MMM, datasets
from mmm_bayes.errors import MMMError
from mmm_bayes.testing import evaluate_deterministics

SPEC = {
    "kpi": "sales",
    "channels": [
        "tv_spend",
        {"name": "youtube", "reach_column": "youtube_reach",
         "frequency_column": "youtube_frequency", "spend_column": "youtube_spend"},
    ],
    "controls": ["promo"],
    # a time-varying R&F channel: its multiplier must reach the numpy twin too
    "time_varying": {"channels": ["youtube"], "method": "knots", "knot_every": 13},
}  # fmt: skip


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    mmm = MMM(SPEC)
    # a smoke-sized fit: outputs and round trips are tested, not accuracy (the slow test is)
    mmm.fit(datasets.load("rf_weekly"), draws=40, tune=40, chains=2, random_seed=3,
            progressbar=False)  # fmt: skip
    folder = mmm.save(tmp_path_factory.mktemp("run") / "rf")
    return mmm, folder


def test_numpy_contributions_equal_the_graph(fitted):
    mmm, _ = fitted
    model = mmm.build(datasets.load("rf_weekly"))
    graph = evaluate_deterministics(model, mmm.idata, ["channel_contribution"])
    twin = mmm.contributions()["channels"].transpose("chain", "draw", "date", "channel")
    # the graph's deterministic at the real posterior draws against the analysis layer's
    # formula (time-varying multiplier included), float64 both
    np.testing.assert_allclose(twin.to_numpy(), graph["channel_contribution"], rtol=1e-9)


def test_run_folder_has_the_frequency_table_and_figure(fitted):
    mmm, folder = fitted
    table = pd.read_csv(folder / "frequency.csv", index_col="channel")
    pd.testing.assert_frame_equal(table, mmm.optimal_frequency(), check_exact=False, rtol=1e-9)
    assert (folder / "frequency.png").stat().st_size > 10_000
    row = table.loc["youtube"]
    assert row["min_seen"] <= row["optimal_frequency"] <= row["max_seen"]
    assert row["roas_at_optimal"] >= row["roas_at_mean"]  # the optimum of the posterior mean


def test_load_round_trips_reach_and_frequency(fitted):
    mmm, folder = fitted
    loaded = MMM.load(folder)
    assert loaded.spec == mmm.spec and loaded.inputs.rf.tolist() == [False, True]
    np.testing.assert_array_equal(loaded.inputs.frequency, mmm.inputs.frequency)
    pd.testing.assert_frame_equal(loaded.optimal_frequency(), mmm.optimal_frequency())
    np.testing.assert_array_equal(loaded.roas().to_numpy(), mmm.roas().to_numpy())


def test_report_has_the_reach_and_frequency_section(fitted, tmp_path):
    mmm, _ = fitted
    html = mmm.report(tmp_path / "report.html", prior_draws=20).read_text()
    section = html[html.index('id="frequency"') :]
    optimal = mmm.optimal_frequency().loc["youtube", "optimal_frequency"]
    assert "Reach and frequency" in section and f"{optimal:.3g}" in section
    assert section.index("Optimal frequency per channel") < section.index('id="adstock"')


def test_frequency_methods_refuse_models_without_rf():
    mmm = MMM({"kpi": "sales", "channels": ["tv_spend"]})
    mmm.fit(datasets.load("rf_weekly"), draws=10, tune=10, chains=1, random_seed=1,
            progressbar=False, posterior_predictive=False)  # fmt: skip
    with pytest.raises(MMMError, match="no reach-and-frequency channels"):
        mmm.optimal_frequency()
