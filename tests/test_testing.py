"""mmm_bayes.testing: fake posteriors match the PyMC model's variables, dims and deterministics."""

import numpy as np
import pytest

from mmm_bayes import datasets
from mmm_bayes.errors import ConfigError
from mmm_bayes.model import build_model
from mmm_bayes.simulate import Truth
from mmm_bayes.testing import (
    evaluate_deterministics,
    example_inputs,
    example_spec,
    fake_posterior,
    posterior_at,
    posterior_variables,
    true_values,
)

SPECS = {
    "default": {},
    "delayed_logistic_t": {
        "adstock": {"kind": "delayed", "l_max": 6},
        "saturation": {"kind": "logistic"},
        "likelihood": {"kind": "student_t"},
    },
    "bare": {"trend": {"enabled": False}, "seasonality": {"order": 0}, "controls": []},
}


@pytest.fixture(scope="module", params=sorted(SPECS))
def setup(request):
    spec = example_spec(**SPECS[request.param])
    inputs = example_inputs(spec)
    return spec, inputs, build_model(spec, inputs)


def test_fake_posterior_has_the_model_variables_and_dims(setup):
    spec, inputs, model = setup
    post = fake_posterior(spec, inputs, chains=2, draws=7)["posterior"]
    free = {rv.name for rv in model.free_RVs}
    assert set(post.data_vars) == free | {"intercept", "effect"}
    # posterior_variables takes `effect` (scaled KPI); the model samples effect / spend share
    assert set(posterior_variables(spec, inputs)) == free - {"effect_rel"} | {"effect"}
    for name in post.data_vars:
        model_dims = model.named_vars_to_dims.get(name) or ()
        assert post[name].dims == ("chain", "draw", *model_dims), name
    assert post.sizes["chain"] == 2
    assert post.sizes["draw"] == 7
    for dim, values in inputs.coords.items():
        if dim in post.dims:
            assert post[dim].to_numpy().tolist() == list(values)


def test_fake_posterior_intercept_is_the_model_deterministic(setup):
    spec, inputs, model = setup
    post = fake_posterior(spec, inputs, draws=5, random_seed=2)
    got = evaluate_deterministics(model, post, ["intercept"])["intercept"]
    np.testing.assert_allclose(got, post["posterior"]["intercept"].to_numpy(), rtol=1e-12)


def test_fake_posterior_draws_from_the_priors():
    # channel overrides are honoured: a narrow prior on one channel's effect stays narrow
    spec = example_spec(
        channels=[
            {
                "name": "tv",
                "column": "tv_spend",
                "priors": {"effect": {"dist": "Uniform", "lower": 5, "upper": 6}},
            },
            *[
                {"name": c, "column": f"{c}_spend"}
                for c in ("search", "social", "display", "radio")
            ],
        ],
        effect={"dist": "Uniform", "lower": 0, "upper": 1},
    )
    inputs = example_inputs(spec)
    effect = fake_posterior(spec, inputs, draws=200)["posterior"]["effect"]
    assert float(effect.sel(channel="tv").min()) >= 5
    assert float(effect.drop_sel(channel="tv").max()) <= 1


def test_fake_posterior_seed():
    spec = example_spec()
    inputs = example_inputs(spec)
    a = fake_posterior(spec, inputs, draws=5, random_seed=1)["posterior"]
    b = fake_posterior(spec, inputs, draws=5, random_seed=np.random.default_rng(1))["posterior"]
    c = fake_posterior(spec, inputs, draws=5, random_seed=2)["posterior"]
    assert a.identical(b)
    assert not a["effect"].equals(c["effect"])


def test_posterior_at_intercept_or_level():
    spec = example_spec()
    inputs = example_inputs(spec)
    values = true_values(spec, inputs, Truth.from_dict(datasets.truth()))
    post = posterior_at(spec, inputs, values)["posterior"]
    assert post.sizes == {"chain": 1, "draw": 1, "channel": 5, "fourier": 4, "control": 2}
    np.testing.assert_allclose(post["intercept"].item(), values["intercept"], rtol=1e-14)
    values["level"] = post["level"].item()
    del values["intercept"]
    again = posterior_at(spec, inputs, values)["posterior"]
    assert again["intercept"].item() == pytest.approx(post["intercept"].item(), rel=1e-14)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"sigma": None}, r"missing \['sigma'\]"),
        ({"lam": 1.0}, r"unexpected \['lam'\]"),
        ({"level": 1.0}, r"not both"),
        ({"alpha": np.ones(3)}, r"'alpha' has shape \(3,\); dims \('channel',\) need \(5,\)"),
    ],
)
def test_posterior_at_errors(change, match):
    spec = example_spec()
    inputs = example_inputs(spec)
    values = true_values(spec, inputs, Truth.from_dict(datasets.truth()))
    values |= {k: v for k, v in change.items() if v is not None}
    values = {k: v for k, v in values.items() if change.get(k, 0) is not None}
    with pytest.raises(ConfigError, match=match):
        posterior_at(spec, inputs, values)


def test_true_values_need_a_spec_that_can_express_the_truth():
    spec = example_spec(saturation={"kind": "logistic"})
    truth = Truth.from_dict(datasets.truth())
    with pytest.raises(ConfigError, match="geometric adstock with its l_max and Hill"):
        true_values(spec, example_inputs(spec), truth)
    spec = example_spec(seasonality={"order": 1})
    with pytest.raises(ConfigError, match="seasonality order >= 2"):
        true_values(spec, example_inputs(spec), truth)
