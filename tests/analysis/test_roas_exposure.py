"""Channels measured by exposure (impressions, clicks): the model uses the exposure column, and
ROAS, marginal ROAS and response curves are per currency unit of the spend column."""

import numpy as np
import pytest

from mmm_bayes import MMM, datasets
from mmm_bayes.analysis import marginal_roas, response_curves, roas
from mmm_bayes.analysis.media import channel_contribution, media_params
from mmm_bayes.data import validate_data
from mmm_bayes.model import build_inputs, build_model
from mmm_bayes.testing import example_spec, fake_posterior

CHANNELS = ("tv", "search", "social", "display", "radio")


def frame_with_impressions(cpm):
    """The example data plus ``tv_impressions`` bought at ``cpm`` (currency per 1000)."""
    df = datasets.load("example_weekly")
    return df.assign(tv_impressions=df["tv_spend"] / cpm * 1000.0)


def exposure_spec():
    channels = [{"name": c, "column": f"{c}_spend"} for c in CHANNELS]
    channels[0] = {"name": "tv", "column": "tv_impressions", "spend_column": "tv_spend"}
    return example_spec(channels=channels)


def inputs_of(spec, df):
    data = validate_data(
        df, date_col="date", kpi_col="sales", channel_cols=spec.channel_columns,
        control_cols=spec.controls, spend_cols=spec.extra_spend_columns,
    )  # fmt: skip
    return build_inputs(spec, data)


def test_inputs_keep_media_and_spend_apart():
    df = frame_with_impressions(cpm=np.linspace(5.0, 15.0, 156))
    spec = exposure_spec()
    inputs = inputs_of(spec, df)
    np.testing.assert_array_equal(inputs.media[:, 0], df["tv_impressions"])
    np.testing.assert_array_equal(inputs.spend[:, 0], df["tv_spend"])
    np.testing.assert_allclose(
        inputs.media_scaled[:, 0], df["tv_impressions"] / df["tv_impressions"].mean()
    )
    np.testing.assert_allclose(inputs.spend_scale[0], df["tv_spend"].mean())
    # the other channels: spend is the media input
    np.testing.assert_array_equal(inputs.media[:, 1:], inputs.spend[:, 1:])
    # the model transforms impressions; its effect prior is per unit of *spend* share
    model = build_model(spec, inputs)
    lagged = model["media_lagged"].get_value()
    np.testing.assert_allclose(lagged[0, :, 0], inputs.media_scaled[:, 0])
    share = model["spend_share"].get_value()
    np.testing.assert_allclose(share, inputs.spend_scale / inputs.spend_scale.sum())


def test_constant_cpm_gives_the_roas_of_the_spend_model():
    # impressions proportional to spend scale to the same model input, so the same posterior
    # gives the same ROAS: the exposure column changes nothing but the units
    df = frame_with_impressions(cpm=8.0)
    spend_spec, exposure = example_spec(), exposure_spec()
    spend_inputs, exposure_inputs = inputs_of(spend_spec, df), inputs_of(exposure, df)
    post = fake_posterior(spend_spec, spend_inputs, draws=20, random_seed=4)
    got = roas(post, exposure_inputs, exposure)
    want = roas(post, spend_inputs, spend_spec)
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-10)


def test_roas_divides_by_spend_and_curves_are_in_currency():
    cpm = np.where(np.arange(156) < 78, 6.0, 12.0)  # impressions got twice as dear
    df = frame_with_impressions(cpm=cpm)
    spec = exposure_spec()
    inputs = inputs_of(spec, df)
    post = fake_posterior(spec, inputs, draws=20, random_seed=2)
    params = media_params(post, spec, inputs.channels)
    extended = channel_contribution(
        inputs.media_scaled.T, params, spec, extend=True, kpi_scale=inputs.kpi_scale
    ).sum(axis=-1)
    want = extended / df[["tv_spend", *[f"{c}_spend" for c in CHANNELS[1:]]]].sum().to_numpy()
    np.testing.assert_allclose(roas(post, inputs, spec).to_numpy(), want, rtol=1e-10)
    curves = response_curves(post, inputs, spec, multipliers=np.array([0.0, 1.0, 2.0]))
    np.testing.assert_allclose(
        curves["spend"].sel(channel="tv"), np.array([0.0, 1.0, 2.0]) * df["tv_spend"].sum()
    )
    np.testing.assert_allclose(
        curves["kpi"].sel(channel="tv", multiplier=1.0), extended[..., 0], rtol=1e-10
    )
    # marginal ROAS: extra KPI per extra currency unit, so it scales with 1 / spend
    mroas = marginal_roas(post, inputs, spec).sel(channel="tv")
    higher = marginal_roas(post, inputs_of(spec, df.assign(tv_spend=2 * df["tv_spend"])), spec)
    np.testing.assert_allclose(higher.sel(channel="tv"), mroas / 2, rtol=1e-10)


def test_facade_reports_spend_and_round_trips(tmp_path):
    df = frame_with_impressions(cpm=np.linspace(5.0, 15.0, 156))
    mmm = MMM(exposure_spec())
    mmm.build(df)
    mmm.idata = fake_posterior(mmm.spec, mmm.inputs, draws=10, random_seed=1)
    table = mmm.roas_summary()
    assert table.loc["tv", "spend"] == pytest.approx(df["tv_spend"].sum())
    mmm.save(tmp_path / "run", figures=False)
    loaded = MMM.load(tmp_path / "run")  # the spend column is kept in the run's data
    np.testing.assert_array_equal(loaded.inputs.spend, mmm.inputs.spend)
    np.testing.assert_array_equal(loaded.inputs.media, mmm.inputs.media)


def test_date_column_with_another_name():
    # regression: a date column not called "date" once broke the contributions' coords
    df = datasets.load("example_weekly").rename(columns={"date": "week"})
    spec = example_spec(date_col="week")
    mmm = MMM(spec)
    mmm.build(df)
    mmm.idata = fake_posterior(spec, mmm.inputs, draws=5, random_seed=1)
    assert mmm.contributions()["mu"].dims == ("chain", "draw", "date")
