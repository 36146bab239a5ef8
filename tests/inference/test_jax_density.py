"""The JAX log density for nutpie against PyMC's own log density, and nutpie's own JAX path."""

import dataclasses
import json

import numpy as np
import pytest

from mmm_bayes.inference.exported import Traced
from mmm_bayes.inference.jax_density import JaxDensity, Layout, compile_density
from mmm_bayes.inference.sample import posterior_var_names
from mmm_bayes.model import build_model, shared_values
from mmm_bayes.testing import example_inputs, example_spec, value_point


@pytest.fixture(scope="module")
def model():
    spec = example_spec()
    return build_model(spec, example_inputs(spec))


@pytest.fixture(scope="module")
def density(model):
    return compile_density(model, posterior_var_names(model))


def _points(density, n=4):
    rng = np.random.default_rng(11)
    start = density.initial_point(3)
    return [start + 0.3 * rng.standard_normal(density.n_dim) for _ in range(n)]


def test_layout_round_trips_every_dtype():
    values = [np.arange(6.0).reshape(2, 3), np.array([1, -2], np.int64), np.array(True), 2.5]
    layout = Layout(
        ("a", "b", "c", "d"),
        tuple(np.shape(v) for v in values),
        tuple(np.asarray(v).dtype for v in values),
    )
    back = layout.unpack(layout.pack(values))
    for got, want in zip(back, values, strict=True):
        assert got.dtype == np.asarray(want).dtype
        np.testing.assert_array_equal(got, want)


def test_log_density_and_gradient_equal_pymc(model, density):
    logp, dlogp = model.compile_logp(), model.compile_dlogp()
    for x in _points(density):
        out = np.asarray(density.logp_and_grad(x, density.packed))
        point = value_point(model, x)
        # same graph, different compilers (JAX vs PyTensor's C/Python): agree to rounding
        np.testing.assert_allclose(out[0], logp(point), rtol=1e-10)
        np.testing.assert_allclose(out[1:], dlogp(point), rtol=1e-8, atol=1e-8)


def test_traced_values_are_the_constrained_parameters_and_deterministics(model, density):
    assert set(density.traced.names) == set(posterior_var_names(model))
    outs = model.replace_rvs_by_values([model[name] for name in density.traced.names])
    fn = model.compile_fn(outs, inputs=model.value_vars, on_unused_input="ignore")
    x = _points(density, 1)[0]
    got = density.expand(x, density.packed)
    for name, a, b in zip(density.traced.names, got, fn(value_point(model, x)), strict=True):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-10, atol=1e-12, err_msg=name)
    assert density.traced.dims["K"] == ("channel",)
    assert list(density.traced.coords["channel"]) == list(model.coords["channel"])


def test_with_data_swaps_values_in_and_refuses_unknown_names_and_shapes(model, density):
    spec = example_spec()
    inputs = example_inputs(spec)
    changed = build_model(spec, dataclasses.replace(inputs, kpi=inputs.kpi * 1.1))
    refit = density.with_data(**shared_values(changed))
    x = _points(density, 1)[0]
    want = changed.compile_logp()(value_point(changed, x))
    np.testing.assert_allclose(np.asarray(refit.logp_and_grad(x, refit.packed))[0], want)
    assert float(density.logp_and_grad(x, density.packed)[0]) != pytest.approx(want)
    with pytest.raises(ValueError, match="Unknown data variable: nope"):
        density.with_data(nope=np.zeros(3))
    with pytest.raises(ValueError, match="kpi_observed has shape"):
        density.with_data(kpi_observed=np.zeros(3))


def test_with_data_refuses_a_float_for_an_integer_slot():
    layout = Layout(("idx",), ((2,),), (np.dtype(np.int64),))
    density = JaxDensity(
        n_dim=1,
        logp_and_grad=None,
        expand=None,
        start=None,
        layout=layout,
        packed=layout.pack([np.array([0, 1])]),
        initial_point=None,
        traced=Traced((), (), {}, {}),
    )
    with pytest.raises(ValueError, match="idx is float64, the compiled model holds int64"):
        density.with_data(idx=np.array([0.5, 1.0]))
    refit = density.with_data(idx=np.array([1, 0], np.int32))  # a safe cast is fine
    np.testing.assert_array_equal(refit.layout.unpack(np.asarray(refit.packed))[0], [1, 0])


def test_an_invalid_prior_number_gives_minus_infinity(model):
    # PyMC's rewrite of the parameter checks: a negative prior scale is outside the support of
    # the prior, so the log density is -inf (not a finite number from the formula, or NaN)
    bad = {"prior__sigma__sigma": np.asarray(-0.2)}
    density = compile_density(model, posterior_var_names(model)).with_data(**bad)
    x = density.initial_point(1)
    assert float(density.logp_and_grad(x, density.packed)[0]) == -np.inf


def test_nutpie_draws_the_same_chain_as_with_its_own_jax_path(model, density):
    import nutpie

    own = nutpie.compile_pymc_model(
        model,
        backend="jax",
        gradient_backend="jax",
        freeze_model=False,
        var_names=posterior_var_names(model),
    )
    # a short run: NUTS amplifies last-bit differences over many iterations, while a real
    # difference in the log density or gradient shows in the first draws
    settings = dict(draws=10, tune=10, chains=1, seed=5, progress_bar=False)
    ours = nutpie.sample(density.nutpie_model(), **settings)["posterior"]
    theirs = nutpie.sample(own, **settings)["posterior"]
    assert set(ours.data_vars) == set(theirs.data_vars)
    for name in theirs.data_vars:
        assert ours[name].dims == theirs[name].dims
        # the same numbers into the same sampler: the same draws, up to floating-point rounding
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-7, err_msg=name)


def test_an_exported_density_loads_elsewhere_and_computes_the_same_numbers(model, density):
    import pickle

    from pymc.initial_point import make_initial_point_fn

    # what a chain worker receives: pickled, then loaded without PyMC, PyTensor or a compiler
    loaded = pickle.loads(pickle.dumps(density.export())).load()
    for x in _points(density, 3):
        np.testing.assert_array_equal(
            np.asarray(loaded.logp_and_grad(x, density.packed)),
            np.asarray(density.logp_and_grad(x, density.packed)),
        )
    got, want = loaded.expand(x, density.packed), density.expand(x, density.packed)
    for name, a, b in zip(density.traced.names, got, want, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=name)
    # the start before jitter is PyMC's initial point without jitter, in the sampler's space
    point = make_initial_point_fn(model=model, jitter_rvs=set(), return_transformed=True)(0)
    want = np.concatenate([np.ravel(point[v.name]) for v in model.value_vars])
    np.testing.assert_allclose(np.asarray(loaded.start(density.packed)), want, rtol=1e-12)


def test_a_refit_sends_new_data_to_the_same_loaded_executables(model, density):
    spec = example_spec()
    inputs = example_inputs(spec)
    changed = build_model(spec, dataclasses.replace(inputs, kpi=inputs.kpi * 1.1))
    refit = density.with_data(**shared_values(changed))
    loaded = density.export().load()
    x = _points(density, 1)[0]
    want = changed.compile_logp()(value_point(changed, x))
    np.testing.assert_allclose(np.asarray(loaded.logp_and_grad(x, refit.packed))[0], want)


def test_jittered_starts_are_within_one_of_the_start_and_follow_the_seed():
    from mmm_bayes.inference.exported import jittered

    start = np.array([0.0, -2.0, 5.0])
    a, b, c = jittered(start, 1), jittered(start, 1), jittered(start, 2)
    np.testing.assert_array_equal(a, b)  # the chain's seed fixes its start
    assert not np.allclose(a, c)
    assert np.all(np.abs(a - start) <= 1.0) and np.all(a != start)


WORKER_IMPORTS_PROBE = """
import json, sys
from mmm_bayes.inference._chain_worker import light_start
light_start()
import nutpie
from mmm_bayes.inference.chains import ExportedChainTask
from mmm_bayes.inference.exported import configure_jax
print(json.dumps({m: m in sys.modules for m in ("pymc", "pytensor", "arviz_stats")}))
"""


def test_a_chain_worker_for_jax_imports_neither_pymc_nor_pytensor():
    # what a worker imports before it takes a task (_chain_worker.main): the model comes
    # compiled, so the libraries that build and convert it stay out (about 1.5 s each worker)
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", WORKER_IMPORTS_PROBE], capture_output=True,
                         text=True, check=True)  # fmt: skip
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"pymc": False, "pytensor": False, "arviz_stats": False}


def test_the_start_follows_new_prior_numbers_without_recompiling(density):
    from pymc.initial_point import make_initial_point_fn

    # new prior numbers are data of the compiled model: the start moves with them
    spec = example_spec(saturation={"kind": "hill", "K": {"dist": "LogNormal", "mu": 0.7,
                                                          "sigma": 0.5}})  # fmt: skip
    changed = build_model(spec, example_inputs(spec))
    refit = density.with_data(**shared_values(changed))
    point = make_initial_point_fn(model=changed, jitter_rvs=set(), return_transformed=True)(0)
    want = np.concatenate([np.ravel(point[v.name]) for v in changed.value_vars])
    np.testing.assert_allclose(np.asarray(refit.start(refit.packed)), want, rtol=1e-12)
    assert not np.allclose(np.asarray(density.start(density.packed)), want)
