import numpy as np
import pytensor.tensor as pt
import pytest

from mmm_bayes.model import build_model, structure_key
from mmm_bayes.testing import example_inputs, example_spec
from mmm_bayes.transforms import (
    apply_lag_weights_pt,
    convolve_weights,
    geometric_weights,
    lag_stack,
)


@pytest.mark.parametrize("l_max", [1, 3, 8])
def test_lag_stack_reproduces_the_convolution(l_max):
    x = np.random.default_rng(5).gamma(2.0, 10.0, size=(3, 30))
    w = geometric_weights(np.array([0.1, 0.5, 0.9]), l_max)
    got = apply_lag_weights_pt(pt.as_tensor(lag_stack(x, l_max)), pt.as_tensor(w)).eval()
    # same products summed in a different order: agreement to rounding
    np.testing.assert_allclose(got, convolve_weights(x, w), rtol=1e-12)


def test_lag_stack_shifts_and_zero_fills():
    out = lag_stack(np.array([1.0, 2.0, 3.0]), 2)
    np.testing.assert_array_equal(out, [[1.0, 0.0], [2.0, 1.0], [3.0, 2.0]])


def test_model_has_named_dims_and_kpi_units():
    spec = example_spec()
    inputs = example_inputs(spec)
    model = build_model(spec, inputs)
    assert model.named_vars_to_dims["channel_contribution"] == ("date", "channel")
    assert model.named_vars_to_dims["effect_rel"] == ("channel",)
    assert list(model.coords["channel"]) == list(inputs.channels)
    np.testing.assert_array_equal(model["kpi_observed"].get_value(), inputs.kpi)
    # prior numbers are shared data, so new priors do not recompile
    assert "prior__effect_rel__sigma" in {v.name for v in model.data_vars}


def test_structure_key_ignores_numbers_and_names_but_not_structure():
    spec = example_spec()
    inputs = example_inputs(spec)
    key = structure_key(spec, inputs)
    renamed = spec.model_copy(
        update={"effect": spec.effect.model_copy(update={"params": {"sigma": 1.0}})}
    )
    assert structure_key(renamed, inputs) == key
    logistic = example_spec(saturation={"kind": "logistic"})
    assert structure_key(logistic, example_inputs(logistic)) != key
