"""Channel-overlap interactions: spec checks, the PyTensor block against numpy, ROAS split."""

import numpy as np
import pytest
from pydantic import ValidationError

from mmm_bayes import datasets
from mmm_bayes.analysis import contributions, roas
from mmm_bayes.analysis.interaction import interaction_contribution, interaction_share
from mmm_bayes.analysis.media import channel_contribution, media_params, posterior_dataset
from mmm_bayes.data import validate_data
from mmm_bayes.errors import ConfigError
from mmm_bayes.model import build_inputs, build_model, structure_key
from mmm_bayes.spec import ModelSpec
from mmm_bayes.testing import evaluate_deterministics, fake_posterior

CHANNELS = [
    {"name": "tv", "column": "tv_spend"},
    {"name": "search", "column": "search_spend"},
    {"name": "social", "column": "social_spend"},
]


def _setup(interactions, *, overlap=None):
    frame = datasets.load("example_weekly")
    if overlap is not None:
        frame = frame.assign(overlap=overlap)
    spec = ModelSpec(kpi="sales", channels=CHANNELS, interactions=interactions)
    data = validate_data(
        frame,
        date_col="date",
        kpi_col="sales",
        channel_cols=spec.channel_columns,
        control_cols=spec.overlap_columns,
    )
    return spec, build_inputs(spec, data)


def test_spec_refuses_unknown_repeated_and_same_channel_pairs():
    with pytest.raises(ValidationError, match=r"interactions.0: channel\(s\) \['radio'\]"):
        ModelSpec(kpi="sales", channels=CHANNELS, interactions=[{"channels": ["tv", "radio"]}])
    with pytest.raises(ValidationError, match=r"interactions.1: the pair"):
        ModelSpec(
            kpi="sales",
            channels=CHANNELS,
            interactions=[{"channels": ["tv", "search"]}, {"channels": ["search", "tv"]}],
        )
    with pytest.raises(ValidationError, match="two different channels"):
        ModelSpec(kpi="sales", channels=CHANNELS, interactions=[{"channels": ["tv", "tv"]}])
    with pytest.raises(ValidationError, match="overlap_column 'tv_spend' is already"):
        ModelSpec(
            kpi="sales",
            channels=CHANNELS,
            interactions=[{"channels": ["tv", "search"], "overlap_column": "tv_spend"}],
        )


def test_zero_or_negative_overlap_column_is_refused():
    pair = [{"channels": ["tv", "search"], "overlap_column": "overlap"}]
    with pytest.raises(ConfigError, match="overlap_column 'overlap' is zero in every period"):
        _setup(pair, overlap=0.0)
    with pytest.raises(ConfigError, match="'overlap' is negative at rows 3; an audience"):
        _setup(pair, overlap=np.where(np.arange(156) == 3, -1.0, 0.5))


def test_structure_key_changes_with_interactions_but_not_prior_numbers():
    plain, inputs = _setup([])
    one, _ = _setup([{"channels": ["tv", "search"]}])
    wider, _ = _setup(
        [{"channels": ["tv", "search"], "coef": {"dist": "Normal", "mu": 0, "sigma": 1}}]
    )
    assert structure_key(plain, inputs) != structure_key(one, inputs)
    assert structure_key(one, inputs) == structure_key(wider, inputs)


def test_block_matches_numpy_twin_and_contributions_add_up():
    overlap = np.random.default_rng(2).uniform(0.2, 0.6, 156)
    pairs = [
        {"channels": ["tv", "search"], "overlap_column": "overlap"},
        {"channels": ["search", "social"]},
    ]
    spec, inputs = _setup(pairs, overlap=overlap)
    model = build_model(spec, inputs)
    assert list(model.coords["interaction"]) == ["tv:search", "search:social"]
    post = fake_posterior(spec, inputs, draws=5, random_seed=3)
    got = evaluate_deterministics(model, post, ["interaction_contribution", "intercept"])
    want = interaction_contribution(posterior_dataset(post), inputs, spec)
    # float64 both sides, same formula: only operation order differs
    np.testing.assert_allclose(got["interaction_contribution"], np.swapaxes(want, -1, -2),
                               rtol=1e-9)  # fmt: skip
    # the fake posterior's intercept is derived with the interactions' mean, as the model's
    np.testing.assert_allclose(got["intercept"], post["posterior"]["intercept"], rtol=1e-9)
    parts = contributions(post, inputs, spec)
    assert "interactions" in parts and parts["interactions"].sizes["interaction"] == 2
    total = sum(parts[k].sum([d for d in parts[k].dims if d in ("channel", "interaction",
                                                                  "control")])
                for k in parts.data_vars if k != "mu")  # fmt: skip
    np.testing.assert_allclose(total, parts["mu"], rtol=1e-12)


def test_overlap_column_scales_the_term():
    pair = [{"channels": ["tv", "search"], "overlap_column": "overlap"}]
    spec, flat = _setup(pair, overlap=1.0)
    _, doubled_late = _setup(pair, overlap=np.r_[np.ones(78), 3 * np.ones(78)])
    post = posterior_dataset(fake_posterior(spec, flat, draws=3, random_seed=1))
    a = interaction_contribution(post, flat, spec)
    b = interaction_contribution(post, doubled_late, spec)
    # overlap / mean: 1/2 in the first half, 3/2 in the second
    np.testing.assert_allclose(b[..., :78], 0.5 * a[..., :78], rtol=1e-12)
    np.testing.assert_allclose(b[..., 78:], 1.5 * a[..., 78:], rtol=1e-12)


def test_roas_credits_each_channel_half_of_its_interactions():
    spec, inputs = _setup([{"channels": ["tv", "search"]}])
    post = posterior_dataset(fake_posterior(spec, inputs, draws=4, random_seed=5))
    value = roas(post, inputs, spec).to_numpy()
    spend = inputs.spend.sum(axis=0)
    own = channel_contribution(
        inputs.media_scaled.T, media_params(post, spec, inputs.channels), spec,
        extend=True, kpi_scale=inputs.kpi_scale,
    ).sum(-1)  # fmt: skip
    term = interaction_contribution(post, inputs, spec, extend=True).sum(-1)[..., 0]
    np.testing.assert_allclose(value[..., 0] * spend[0], own[..., 0] + term / 2, rtol=1e-10)
    np.testing.assert_allclose(value[..., 1] * spend[1], own[..., 1] + term / 2, rtol=1e-10)
    np.testing.assert_allclose(value[..., 2] * spend[2], own[..., 2], rtol=1e-10)
    # the split hands out the whole term: attributions add up to own terms plus interactions
    share = interaction_share(post, inputs, spec, extend=True).sum(axis=(-1, -2))
    np.testing.assert_allclose(share, term, rtol=1e-12)


def test_contribution_figure_stacks_interactions_without_a_gap(recwarn):
    import matplotlib

    matplotlib.use("Agg")
    from mmm_bayes.report.figures.contributions import plot_contributions

    spec, inputs = _setup([{"channels": ["tv", "search"]}])
    post = fake_posterior(spec, inputs, draws=3, random_seed=2)
    ax = plot_contributions(contributions(post, inputs, spec))
    assert "tv:search" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert not [w for w in recwarn if "do not add up" in str(w.message)]
