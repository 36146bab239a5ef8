"""Geo panels and time-varying coefficients: data checks, inputs, graphs and their numpy twins."""

import numpy as np
import pandas as pd
import pymc as pm
import pytest
from pydantic import ValidationError

from mmm_bayes import analysis, datasets
from mmm_bayes.data import validate_data
from mmm_bayes.errors import DataError
from mmm_bayes.model import build_inputs, build_model
from mmm_bayes.simulate.structural import geo_panel
from mmm_bayes.spec import ModelSpec, RunConfig
from mmm_bayes.transforms.time_varying import interpolation_matrix, random_walk, random_walk_pt

CHANNELS = ["tv_spend", "search_spend", "social_spend"]


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    df = geo_panel(random_seed=3, n_weeks=40).data
    return df.assign(population=df["geo"].map({"north": 30, "south": 25, "east": 20}).fillna(10))


def geo_spec(**extra) -> ModelSpec:
    geo = {"column": "geo"} | extra.pop("geo", {})
    return ModelSpec(kpi="sales", channels=CHANNELS, controls=["promo"], geo=geo, **extra)


def check(df, **kw):
    return validate_data(
        df,
        date_col="date",
        kpi_col="sales",
        channel_cols=CHANNELS,
        control_cols=["promo"],
        geo_col="geo",
        **kw,
    )


# --- data -------------------------------------------------------------------------------------


def test_panel_is_sorted_by_geo_then_date_and_keeps_every_row(panel):
    shuffled = panel.sample(frac=1.0, random_state=0)
    data = check(shuffled)
    assert len(data.frame) == len(panel)
    assert data.geos == tuple(sorted(panel["geo"].unique()))
    first = data.frame[data.frame["geo"] == data.geos[0]]
    assert first["date"].is_monotonic_increasing
    assert data.freq == "W-MON"


def test_repeated_geo_date_names_the_rows(panel):
    df = pd.concat([panel, panel.iloc[[5]]], ignore_index=True)
    with pytest.raises(DataError, match=rf"north 2023-02-06 at rows 5, {len(panel)}"):
        check(df)


def test_a_geo_missing_a_date_is_named(panel):
    df = panel.drop(index=panel.index[(panel["geo"] == "west")][3])
    with pytest.raises(DataError, match=r"west lacks 1 \(2023-01-23\)"):
        check(df)


def test_one_geo_is_refused(panel):
    with pytest.raises(DataError, match="holds one geo"):
        check(panel[panel["geo"] == "north"])


def test_size_column_must_be_positive(panel):
    df = panel.copy()
    df.loc[7, "population"] = 0.0
    with pytest.raises(DataError, match=r"'population' must be > 0.*7"):
        check(df, scale_col="population")


# --- spec -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"time_varying": {"channels": ["radio"]}}, "not channels"),
        ({"time_varying": {}}, "no channels and intercept is false"),
        ({"roas": {"dist": "LogNormal", "mu": 0.0, "sigma": 0.5}}, "geo models take `effect`"),
        (
            {"interactions": [{"channels": ["tv_spend", "search_spend"]}]},
            "not available in geo models",
        ),
    ],
)
def test_spec_errors_name_the_problem(extra, message):
    with pytest.raises(ValidationError, match=message):
        geo_spec(**extra)


def test_time_varying_channel_cannot_have_a_roas_prior():
    channels = [{"name": "tv", "column": "tv_spend", "priors": {"roas": {"dist": "LogNormal",
                "mu": 0.0, "sigma": 0.5}}}]  # fmt: skip
    with pytest.raises(ValidationError, match="drifting effect has no single ROAS"):
        ModelSpec(kpi="sales", channels=channels, time_varying={"channels": ["tv"]})


def test_config_geo_column_sets_up_a_geo_model_and_must_agree():
    base = {"data": {"dataset": "example_weekly", "kpi_column": "sales", "geo_column": "geo"},
            "channels": ["tv_spend"]}  # fmt: skip
    assert RunConfig.model_validate(base).model.geo.column == "geo"
    with pytest.raises(ValidationError, match="disagree"):
        RunConfig.model_validate(base | {"geo": {"column": "region"}})


# --- inputs -----------------------------------------------------------------------------------


def test_geo_inputs_shapes_and_scales(panel):
    spec = geo_spec()
    inputs = build_inputs(spec, check(panel))
    n_geo, n_date = 5, 40
    assert inputs.spend.shape == (n_geo, n_date, 3)
    assert inputs.kpi.shape == (n_geo, n_date)
    # each geo's media are scaled by its own mean: every series averages exactly 1
    np.testing.assert_allclose(inputs.media_scaled.mean(axis=1), 1.0)
    np.testing.assert_allclose(inputs.kpi_scale, inputs.kpi.mean(axis=1))
    sized = build_inputs(geo_spec(geo={"scale_column": "population"}),
                         check(panel, scale_col="population"))  # fmt: skip
    # with a size column, scales are proportional to size and sum to the national KPI mean
    ratio = sized.kpi_scale / sized.kpi_scale[list(sized.geos).index("north")]
    np.testing.assert_allclose(ratio[list(sized.geos).index("south")], 25 / 30)
    np.testing.assert_allclose(sized.kpi_scale.sum(), inputs.kpi.sum(axis=0).mean())


# --- random walks -----------------------------------------------------------------------------


def test_random_walk_twins_agree_and_are_centred():
    rng = np.random.default_rng(0)
    basis = interpolation_matrix(30, 4)
    z = rng.normal(size=(2, basis.shape[1] - 1))
    sd = np.array([0.1, 0.3])
    numpy_path = random_walk(z, sd, basis)
    np.testing.assert_allclose(numpy_path, random_walk_pt(z, sd, basis).eval(), rtol=1e-10)
    np.testing.assert_allclose(numpy_path.mean(axis=-1), 0.0, atol=1e-12)
    # consecutive knots differ by exactly one innovation
    knots = random_walk(z, sd)
    np.testing.assert_allclose(np.diff(knots, axis=-1), sd[:, None] * z)


def test_interpolation_hits_knots_and_rows_sum_to_one():
    basis = interpolation_matrix(13, 4)
    np.testing.assert_allclose(basis.sum(axis=1), 1.0)
    assert basis[4, 1] == 1.0 and basis[6, 1] == 0.5 and basis[6, 2] == 0.5


# --- graphs against their numpy twins -----------------------------------------------------------


def _model_mu_draws(model, dims=("geo", "date"), draws=6, seed=1):
    """Prior draws of every parameter and of the model's own mean (KPI units)."""
    mu = model["kpi"].owner.inputs[2]  # Normal(rng, size, mu, sigma)
    with model:
        pm.Deterministic("mu_check", mu, dims=dims)
        return pm.sample_prior_predictive(draws=draws, random_seed=seed)


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"time_varying": {"channels": ["search_spend"], "intercept": True, "method": "knots",
                          "knot_every": 6}},
        {"geo": {"per_geo_transforms": True, "centered": True},
         "time_varying": {"channels": ["tv_spend"]}},
    ],
    ids=["shared", "time-varying", "per-geo-centered"],
)  # fmt: skip
def test_geo_graph_matches_numpy_contributions(panel, extra):
    spec = geo_spec(**extra)
    inputs = build_inputs(spec, check(panel))
    prior = _model_mu_draws(build_model(spec, inputs))["prior"]
    mu = prior["mu_check"].sum("geo")
    twin = analysis.contributions(prior, inputs, spec)["mu"]
    np.testing.assert_allclose(twin.transpose(*mu.dims).to_numpy(), mu.to_numpy(), rtol=1e-8)


def test_national_time_varying_graph_matches_numpy_contributions():
    example_data = datasets.load("example_weekly")
    spec = ModelSpec(
        kpi="sales",
        channels=["tv_spend", "search_spend"],
        controls=["price_index"],
        time_varying={"channels": ["tv_spend"], "intercept": True},
    )
    data = validate_data(
        example_data,
        date_col="date",
        kpi_col="sales",
        channel_cols=spec.channel_columns,
        control_cols=["price_index"],
    )
    inputs = build_inputs(spec, data)
    prior = _model_mu_draws(build_model(spec, inputs), dims="date")["prior"]
    twin = analysis.contributions(prior, inputs, spec)["mu"]
    mu = prior["mu_check"]
    np.testing.assert_allclose(twin.transpose(*mu.dims).to_numpy(), mu.to_numpy(), rtol=1e-8)
    # and ROAS counts the drifting effect: zero multiplier variance gives the constant ROAS
    flat = prior.copy()
    flat["effect_multiplier"] = flat["effect_multiplier"] * 0 + 1.0
    constant = ModelSpec(**spec.model_dump(exclude={"time_varying"}))
    np.testing.assert_allclose(
        analysis.roas(flat, inputs, spec).to_numpy(),
        analysis.roas(flat, inputs, constant).to_numpy(),
    )


def test_geo_roas_rolls_up_to_national_roas(panel):
    spec = geo_spec(time_varying={"channels": ["social_spend"]})
    inputs = build_inputs(spec, check(panel))
    prior = _model_mu_draws(build_model(spec, inputs))["prior"]
    by_geo = analysis.geo_roas(prior, inputs, spec)
    spend = inputs.spend.sum(axis=1)  # (geo, channel)
    # national ROAS is the spend-weighted mean of the geo ROAS
    weighted = (by_geo * spend).sum("geo") / spend.sum(axis=0)
    national = analysis.roas(prior, inputs, spec)
    np.testing.assert_allclose(weighted.to_numpy(), national.to_numpy(), rtol=1e-10)
