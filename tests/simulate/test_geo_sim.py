"""Fast checks of the issue-4 simulators (mmm_bayes/simulate/geo.py): no fitting."""

import numpy as np
import pandas as pd
import pytest

from mmm_bayes import datasets
from mmm_bayes.simulate import Truth, scenario, true_roas
from mmm_bayes.simulate.geo import (
    GEO_CHANNELS,
    coefficient_path,
    drifting_random_walk,
    geo_hierarchy,
    geo_sizes,
    geo_weekly,
    hill_at_mean,
)
from mmm_bayes.transforms import hill


@pytest.fixture(scope="module")
def geo():
    return geo_hierarchy(random_seed=3)


@pytest.fixture(scope="module")
def walk():
    return drifting_random_walk(random_seed=3)


def test_geo_sizes_spread_geometrically_over_the_ratio():
    sizes = geo_sizes(20, 10.0)
    v = np.array(list(sizes.values()))
    assert v.sum() == pytest.approx(1.0)
    assert v.max() / v.min() == pytest.approx(10.0)
    assert np.allclose(v[1:] / v[:-1], 10.0 ** (-1 / 19))  # geometric: a constant ratio
    assert list(sizes)[:2] == ["geo_01", "geo_02"] and sorted(sizes) == list(sizes)
    assert list(geo_sizes(100))[-1] == "geo_100" and sorted(geo_sizes(100)) == list(geo_sizes(100))
    with pytest.raises(ValueError, match="size_ratio >= 1"):
        geo_sizes(5, 0.5)


def test_geo_panel_is_long_with_sizes_10x_apart(geo):
    data = geo.data
    assert list(data.columns) == [
        "date", "geo", "sales", "tv_spend", "search_spend", "social_spend", "display_spend",
        "promo", "population",
    ]  # fmt: skip
    assert data.shape == (20 * 104, 9) and not data.isna().any().any()
    assert data.groupby("geo").size().eq(104).all()
    pop = data.groupby("geo")["population"].first()
    assert pop.max() / pop.min() == pytest.approx(10.0, rel=1e-6)
    # sales and spend follow size: the largest geo sells and spends several times the smallest
    # (noise, flights and effect draws blur the 10x, so only a loose bound is asserted)
    means = data.groupby("geo")[["sales", "tv_spend", "search_spend"]].mean()
    assert (means.loc["geo_01"] / means.loc["geo_20"] > 4).all()
    # promo is national: the same in every geo
    assert data.groupby("date")["promo"].nunique().eq(1).all()
    assert geo.feature == "geo" and geo.channels == [c.name for c in GEO_CHANNELS]


def test_national_truth_is_the_sum_of_geo_truths(geo):
    truths, national = geo.extra["geo_truths"], geo.fit_data
    summed = geo.data.groupby("date")[["sales", "tv_spend", "display_spend"]].sum()
    np.testing.assert_allclose(national[["sales", "tv_spend", "display_spend"]], summed)
    for c in geo.channels:
        contribution = sum(t.true_roas[c] * t.total_spend[c] for t in truths.values())
        assert geo.truth.total_spend[c] == pytest.approx(national[f"{c}_spend"].sum())
        assert geo.truth.true_roas[c] == pytest.approx(contribution / geo.truth.total_spend[c])
        # window contributions add up per date too
        window = sum(t.components[c] for t in truths.values())
        np.testing.assert_allclose(geo.truth.components[c], window, rtol=1e-12)
    # the national KPI is the geo KPIs' sum (each rounded to cents: 20 x 0.005 at most)
    np.testing.assert_allclose(national["sales"], geo.truth.components.sum(axis=1), atol=0.1)


def test_geo_roas_matches_the_simulator_definition(geo):
    roas = geo.extra["geo_roas"]
    assert roas.shape == (20, 4) and list(roas.columns) == geo.channels
    assert list(roas.index) == list(geo.extra["geo_sizes"])
    for g, t in geo.extra["geo_truths"].items():
        rows = geo.data[geo.data["geo"] == g]
        for c in t.channels:
            spend = rows[c.spend_column].to_numpy()
            want = true_roas(spend, alpha=c.alpha, l_max=c.l_max, K=c.K, S=c.S, beta=c.beta,
                             scale=spend.mean())  # fmt: skip
            assert roas.loc[g, c.name] == pytest.approx(float(want), rel=1e-12)
            # each geo's spend is scaled by its own mean spend
            assert t.spend_scale[c.name] == pytest.approx(spend.mean())
    # geo effects vary around the national means: neither all equal nor wildly off
    assert (roas.std() / roas.mean()).between(0.05, 0.6).all()


def test_geo_effects_are_drawn_around_national_effects(geo):
    lifts = geo.extra["effect_multiplier"]
    assert lifts.shape == (20, 4)
    # log multipliers ~ Normal(0, 0.25): 80 draws have a mean within 4 standard errors of 0
    logs = np.log(lifts.to_numpy())
    assert abs(logs.mean()) < 4 * 0.25 / np.sqrt(logs.size)
    assert 0.15 < logs.std() < 0.35
    size = geo.extra["geo_sizes"]
    for g, t in geo.extra["geo_truths"].items():
        for c, national in zip(t.channels, GEO_CHANNELS, strict=True):
            want = national.beta * size[g] * lifts.loc[g, c.name]
            assert c.beta == pytest.approx(want, rel=1e-12)
            assert (c.alpha, c.K, c.S) == (national.alpha, national.K, national.S)  # shared


def test_geo_truth_meta_is_json_ready_and_complete(geo):
    meta = geo.truth.meta["geos"]
    assert list(meta) == list(geo.extra["geo_sizes"])
    one = meta["geo_07"]
    assert one["true_roas"] == geo.extra["geo_truths"]["geo_07"].true_roas
    assert one["population"] == geo.data.loc[geo.data["geo"] == "geo_07", "population"].iloc[0]
    rebuilt = Truth.from_dict(geo.truth.to_dict())
    assert rebuilt.meta["geos"]["geo_07"]["effect_multiplier"] == one["effect_multiplier"]


def test_registry_scenarios_and_their_options():
    sc = scenario("geo_hierarchy", random_seed=1, n_geos=5, n_weeks=30, size_ratio=3.0)
    assert sc.data["geo"].nunique() == 5 and sc.data["date"].nunique() == 30
    pop = sc.data.groupby("geo")["population"].first()
    assert pop.max() / pop.min() == pytest.approx(3.0, rel=1e-5)
    rw = scenario("drifting_random_walk", random_seed=1, n_weeks=60, channel="tv")
    assert rw.feature == "tvp" and rw.extra["channel"] == "tv" and len(rw.data) == 60


def test_random_walk_multiplier_and_coefficient_path_are_stored(walk):
    m, path = walk.extra["multiplier"], walk.extra["coefficient"]
    assert walk.extra["channel"] == "search" and len(walk.data) == 156
    assert m.shape == (156,) and np.mean(np.log(m)) == pytest.approx(0.0, abs=1e-12)
    # a random walk: its weekly log steps have the stated sd (155 steps: sd within ~25%)
    steps = np.diff(np.log(m))
    assert steps.std() == pytest.approx(0.04, rel=0.25)
    # the multiplier stored in the truth is the same path
    np.testing.assert_allclose(walk.truth.meta["effect_multiplier"]["search"], m, atol=1e-6)
    # coefficient = beta * m_t * hill(1; K, S), in KPI per week, indexed by date
    c = walk.truth.channel("search")
    assert hill_at_mean(c) == pytest.approx(float(hill(np.ones(1), c.K, c.S)[0]))
    np.testing.assert_allclose(path.to_numpy(), c.beta * m * hill_at_mean(c), rtol=1e-12)
    assert (path.index == pd.DatetimeIndex(walk.data["date"])).all()
    np.testing.assert_allclose(coefficient_path(walk.truth, "search", m), path.to_numpy())


def test_random_walk_scales_only_its_channels_contribution(walk):
    m = walk.extra["multiplier"]
    for c in walk.truth.channels:
        spend = walk.data[c.spend_column].to_numpy()
        constant = c.contribution(spend, scale=spend.mean(), extend=False)
        factor = m if c.name == "search" else 1.0
        np.testing.assert_allclose(walk.truth.components[c.name], factor * constant, rtol=1e-12)
    np.testing.assert_allclose(walk.data["sales"], walk.truth.components.sum(axis=1), atol=0.006)


def test_bundled_geo_weekly_is_the_simulator_draw():
    df = datasets.load("geo_weekly")
    fresh, truth = geo_weekly()
    assert df.shape == (20 * 104, 9) and df["geo"].nunique() == 20
    assert df["geo"].dtype != np.float64 and df["sales"].dtype == np.float64
    numeric = [c for c in df.columns if c not in ("date", "geo")]
    # spend and population are whole numbers, sales in cents; rtol 1e-6 allows a last-bit
    # libm difference flipping a cent on another platform
    np.testing.assert_allclose(df[numeric].to_numpy(), fresh[numeric].to_numpy(), rtol=1e-6)
    assert (df["geo"] == fresh["geo"]).all()
    bundled = Truth.from_dict(datasets.truth("geo_weekly"))
    assert bundled.true_roas == pytest.approx(truth.true_roas, rel=1e-9)
    assert list(bundled.meta["geos"]) == sorted(df["geo"].unique())
    assert "true ROAS: tv" in datasets.describe("geo_weekly")
