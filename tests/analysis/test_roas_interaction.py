"""Marginal ROAS and response curves with channel overlaps: whole change vs Shapley half."""

import dataclasses

import numpy as np
import pytest

from mmm_bayes.analysis import marginal_roas, response_curves, roas
from mmm_bayes.analysis.interaction import interaction_contribution
from mmm_bayes.analysis.media import channel_contribution, media_params, posterior_dataset
from mmm_bayes.testing import example_inputs, example_spec, fake_posterior

CHANNELS = [
    {"name": "tv", "column": "tv_spend"},
    {"name": "search", "column": "search_spend"},
    {"name": "social", "column": "social_spend"},
]
#: tv is in both interactions, search and social in one each
PAIRS = [
    {"channels": ["tv", "search"]},
    {"channels": ["social", "tv"], "coef": {"dist": "Normal", "mu": 0.05, "sigma": 0.02}},
]


def _setup(interactions):
    """Spec and inputs; the first interaction gets a varying overlap (over its mean)."""
    spec = example_spec(channels=CHANNELS, interactions=interactions)
    inputs = example_inputs(spec)
    if interactions:
        overlap = inputs.overlap.copy()
        overlap[:, 0] = np.random.default_rng(4).uniform(0.2, 0.6, len(overlap))
        inputs = dataclasses.replace(inputs, overlap=overlap / overlap.mean(axis=0))
    return spec, inputs


@pytest.fixture(scope="module")
def case():
    spec, inputs = _setup(PAIRS)
    post = posterior_dataset(fake_posterior(spec, inputs, draws=6, random_seed=7))
    return spec, inputs, post


def _scaled(inputs, channel: int, factor: float):
    """``inputs`` with one channel's media and spend times ``factor`` in every period."""
    media, spend = inputs.media.copy(), inputs.spend.copy()
    media[:, channel] *= factor
    spend[:, channel] *= factor
    return dataclasses.replace(inputs, media=media, spend=spend)


def _total_media(post, inputs, spec):
    """Own terms plus interaction terms over the window and its tail, (chain, draw), KPI units."""
    params = media_params(post, spec, inputs.channels)
    own = channel_contribution(
        inputs.media_scaled.T, params, spec, extend=True, kpi_scale=inputs.kpi_scale
    )
    pairs = interaction_contribution(post, inputs, spec, extend=True)
    return own.sum(axis=(-1, -2)) + pairs.sum(axis=(-1, -2))


@pytest.mark.parametrize("step", [0.01, 0.3])
def test_marginal_roas_is_the_change_of_the_total_kpi(case, step):
    # the model's total media effect recomputed with one channel's spend raised: the mROAS
    # must be its whole change (own term and full interactions) per extra currency unit
    spec, inputs, post = case
    got = marginal_roas(post, inputs, spec, step=step).to_numpy()
    base = _total_media(post, inputs, spec)
    spend = inputs.spend.sum(axis=0)
    for c in range(len(inputs.channels)):
        raised = _total_media(post, _scaled(inputs, c, 1 + step), spec)
        # same float64 formula, different order of the additions
        np.testing.assert_allclose(got[..., c], (raised - base) / (step * spend[c]), rtol=1e-9)


def test_marginal_roas_counts_the_whole_interaction_and_curves_half(case):
    # the interactions change the answer, and the two rules differ by exactly a factor 2 on
    # the interaction part: (mROAS - own mROAS) = 2 x (curve slope - own curve slope)
    spec, inputs, post = case
    plain = spec.model_copy(update={"interactions": []})
    step = 0.05
    full = marginal_roas(post, inputs, spec, step=step)
    full = full - marginal_roas(post, inputs, plain, step=step)
    assert np.abs(full).min() > 0
    m = np.array([1.0, 1.0 + step])
    spend = inputs.spend.sum(axis=0)

    def slope(s):
        kpi = response_curves(post, inputs, s, multipliers=m)["kpi"]
        return kpi.diff("multiplier").isel(multiplier=0) / (step * spend)

    half = slope(spec) - slope(plain)
    np.testing.assert_allclose(full, 2 * half.transpose(*full.dims), rtol=1e-9)


def test_response_curve_at_one_over_spend_is_the_roas(case):
    spec, inputs, post = case
    curves = response_curves(post, inputs, spec, multipliers=np.array([0.0, 0.5, 1.0, 2.0]))
    at_one = curves["kpi"].sel(multiplier=1.0) / inputs.spend.sum(axis=0)
    np.testing.assert_allclose(at_one, roas(post, inputs, spec), rtol=1e-12)
    np.testing.assert_array_equal(curves["kpi"].sel(multiplier=0.0), 0.0)  # r_c(0) = 0


def test_response_curve_is_own_term_plus_half_its_interactions(case):
    # tv at 1.7 x its spend, search and social at theirs: tv's own term at 1.7 plus half of
    # both interactions it is in, recomputed on inputs with tv's spend scaled
    spec, inputs, post = case
    factor, tv = 1.7, 0
    curve = response_curves(post, inputs, spec, multipliers=np.array([factor]))["kpi"]
    moved = _scaled(inputs, tv, factor)
    own = channel_contribution(
        moved.media_scaled.T, media_params(post, spec, inputs.channels), spec,
        extend=True, kpi_scale=inputs.kpi_scale,
    ).sum(-1)[..., tv]  # fmt: skip
    pairs = interaction_contribution(post, moved, spec, extend=True).sum(-1)  # (.., interaction)
    want = own + 0.5 * pairs.sum(-1)  # tv is in both interactions
    np.testing.assert_allclose(curve.isel(channel=tv, multiplier=0), want, rtol=1e-10)


def test_without_interactions_the_numbers_are_the_own_terms_exactly():
    # no interactions: the old formula, bit for bit; zero coefs: the same numbers
    spec, inputs = _setup([])
    post = posterior_dataset(fake_posterior(spec, inputs, draws=4, random_seed=2))
    params = media_params(post, spec, inputs.channels)

    def own(m):
        return channel_contribution(
            m * inputs.media_scaled.T, params, spec, extend=True, kpi_scale=inputs.kpi_scale
        ).sum(axis=-1)

    spend = inputs.spend.sum(axis=0)
    want = (own(1.01) - own(1.0)) / (0.01 * spend)
    np.testing.assert_array_equal(marginal_roas(post, inputs, spec).to_numpy(), want)
    m = np.array([0.0, 0.5, 1.0, 1.5])
    curves = response_curves(post, inputs, spec, multipliers=m)["kpi"].to_numpy()
    np.testing.assert_array_equal(curves, np.stack([own(k) for k in m], axis=-1))
    with_pairs, pair_inputs = _setup(PAIRS)  # the same media, plus the overlaps
    zero = post.assign(interaction_coef=(("chain", "draw", "interaction"), np.zeros((2, 4, 2))))
    np.testing.assert_array_equal(marginal_roas(zero, pair_inputs, with_pairs).to_numpy(), want)
    zero_curves = response_curves(zero, pair_inputs, with_pairs, multipliers=m)["kpi"].to_numpy()
    np.testing.assert_array_equal(zero_curves, curves)
