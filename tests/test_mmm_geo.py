"""The MMM facade on a geo panel with a time-varying channel: one tiny fit, every output."""

import numpy as np
import pytest

from mmm_bayes import MMM
from mmm_bayes.errors import MMMError
from mmm_bayes.simulate.structural import geo_panel


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    df = geo_panel(random_seed=2, n_weeks=30).data
    spec = {
        "kpi": "sales",
        "channels": ["tv_spend", "search_spend", "social_spend"],
        "controls": ["promo"],
        "geo": {"column": "geo"},
        "time_varying": {"channels": ["search_spend"], "method": "knots", "knot_every": 5},
    }
    mmm = MMM(spec)
    # a smoke-sized fit: the outputs' shapes and round trips are tested, not their accuracy
    mmm.fit(df, draws=40, tune=40, chains=2, random_seed=3, progressbar=False)
    folder = mmm.save(tmp_path_factory.mktemp("run") / "geo")
    return mmm, folder


def test_national_roas_is_the_spend_weighted_geo_roas(fitted):
    mmm, _ = fitted
    by_geo = mmm.geo_roas()
    assert by_geo.dims == ("chain", "draw", "geo", "channel")
    spend = mmm.inputs.spend.sum(axis=1)
    weighted = (by_geo * spend).sum("geo") / spend.sum(axis=0)
    np.testing.assert_allclose(weighted.to_numpy(), mmm.roas().to_numpy(), rtol=1e-10)
    table = mmm.geo_roas_table()
    assert len(table) == 5 * 3 and (table["q05"] <= table["q95"]).all()


def test_contributions_add_up_to_the_national_fit(fitted):
    mmm, _ = fitted
    c = mmm.contributions()
    parts = c["baseline"] + c["trend"] + c["seasonality"] + c["controls"].sum("control")
    parts = parts + c["channels"].sum("channel")
    np.testing.assert_allclose(parts.to_numpy(), c["mu"].to_numpy(), rtol=1e-10)
    assert c["mu"].sizes["date"] == 30


def test_time_varying_path_has_a_value_per_week(fitted):
    mmm, _ = fitted
    coef = mmm.time_varying_coefficients()
    assert coef.sizes["date"] == 30 and list(coef["channel"].values) == ["search_spend"]
    assert np.all(coef.to_numpy() > 0)


def test_run_folder_round_trips(fitted):
    mmm, folder = fitted
    for name in ("geo_roas.csv", "geo_roas.png", "time_varying.csv", "time_varying.png"):
        assert (folder / name).is_file(), name
    loaded = MMM.load(folder)
    np.testing.assert_allclose(loaded.geo_roas().to_numpy(), mmm.geo_roas().to_numpy())
    assert loaded.data.geo_col == "geo"


def test_national_only_features_say_so(fitted):
    mmm, _ = fitted
    with pytest.raises(MMMError, match="geo models is not available yet"):
        mmm.optimize_budget()
    with pytest.raises(MMMError, match="validate\\(\\) refits national models only"):
        mmm.validate()
    check = mmm.predictive_check()  # on the national sums of the geo fit
    assert len(check.observed) == 30
    np.testing.assert_allclose(check.observed.to_numpy(), mmm.inputs.kpi.sum(axis=0))


def test_geo_fit_defaults_to_target_accept_095(fitted):
    # the default of geo and time-varying models (spec/sampler.py): the fit records what it
    # ran with, and the saved run keeps it
    mmm, folder = fitted
    assert mmm.sampler.target_accept == 0.95
    assert MMM.load(folder).sampler.target_accept == 0.95
