"""Chains in worker processes: seeds, joining, reproducibility and compiled-model reuse."""

import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from mmm_bayes import MMM, FitError, datasets
from mmm_bayes.inference._chain_worker import ARVIZ_BASE_NAMES
from mmm_bayes.inference.chains import POOL, chain_seeds, join_chains, worker_cpus
from mmm_bayes.inference.sample import sample_posterior
from mmm_bayes.model import build_model
from mmm_bayes.spec import SamplerSettings
from mmm_bayes.testing import example_spec


def test_chain_seeds_are_reproducible_and_distinct():
    assert chain_seeds(7, 4) == chain_seeds(7, 4)
    assert len(set(chain_seeds(7, 4))) == 4
    assert chain_seeds(7, 2) != chain_seeds(8, 2)
    assert chain_seeds(None, 2) != chain_seeds(None, 2)  # fresh entropy each time
    assert all(0 <= s < 2**63 for s in chain_seeds(7, 4))


def _trace(value: float) -> xr.DataTree:
    post = xr.Dataset({"a": (("chain", "draw"), np.full((1, 3), value))})
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((1, 3), bool))})
    return xr.DataTree.from_dict({"posterior": post, "sample_stats": stats})


def test_worker_cpus_pin_only_when_the_chains_fill_every_cpu():
    # as many chains as CPUs (or more): one CPU each, in order, wrapping round
    assert worker_cpus(2, {1, 0}) == [{0}, {1}]
    assert worker_cpus(3, [4, 6]) == [{4}, {6}, {4}]
    # CPUs to spare: every worker may use all of them
    assert worker_cpus(2, range(8)) == [set(range(8))] * 2


def test_join_chains_numbers_chains_in_order():
    joined = join_chains([_trace(0.0), _trace(1.0), _trace(2.0)])
    post = joined["posterior"]["a"]
    assert post.sizes == {"chain": 3, "draw": 3}
    np.testing.assert_array_equal(post["chain"], [0, 1, 2])
    np.testing.assert_array_equal(post.isel(draw=0), [0.0, 1.0, 2.0])
    assert joined["sample_stats"]["diverging"].sizes["chain"] == 3


@pytest.fixture(scope="module")
def df():
    return datasets.load("example_weekly")


def test_process_chains_are_seeded_and_refits_do_not_recompile(df):
    settings = dict(draws=30, tune=30, chains=2, progressbar=False, posterior_predictive=False)
    first = MMM(example_spec())
    first.fit(df, random_seed=5, chain_method="processes", **settings)
    post = first.idata["posterior"]
    assert post.sizes["chain"] == 2
    # two chains from different seeds do not repeat each other
    assert not np.allclose(post["level"].sel(chain=0), post["level"].sel(chain=1))

    compiled = POOL.compilations
    again = MMM(example_spec())
    again.fit(df, random_seed=5, chain_method="processes", **settings)
    assert POOL.compilations == compiled  # same structure: the workers reuse their models
    # same seed, same draws (attributes such as the creation time differ)
    xr.testing.assert_equal(again.idata["posterior"].to_dataset(), post.to_dataset())

    changed = MMM(example_spec())
    changed.fit(df.assign(sales=df["sales"] * 1.1), random_seed=5, chain_method="processes",
                **settings)  # fmt: skip
    assert POOL.compilations == compiled  # new data of the same shape: still no compile
    assert float(changed.idata["posterior"]["level"].mean()) != float(post["level"].mean())

    # the workers run where worker_cpus puts them (Linux only)
    if hasattr(os, "sched_getaffinity"):
        workers = POOL._workers[:2]
        expected = worker_cpus(2, os.sched_getaffinity(0))
        assert [os.sched_getaffinity(w.process.pid) for w in workers] == expected


def test_a_failing_worker_raises_fit_error_and_the_pool_recovers(df, monkeypatch):
    from mmm_bayes.inference.sample import COMPILED

    model = MMM(example_spec())
    built = model.build(df)
    # a recipe the workers cannot run (the numba backend sends recipes): their error comes
    # back as a FitError that says so
    settings = SamplerSettings(draws=5, tune=5, chains=2, chain_method="processes", backend="numba")
    with pytest.raises(FitError, match="failed in its worker process"):
        sample_posterior(built, settings, rebuild=(build_model, (model.spec, None)))
    # JAX sends the compiled model: an executable the workers cannot load fails the same way
    real = COMPILED.exported

    def broken(key, density):
        return dataclasses.replace(real(key, density), logp_and_grad=b"not an executable")

    monkeypatch.setattr(COMPILED, "exported", broken)
    jax_settings = SamplerSettings(draws=5, tune=5, chains=2, chain_method="processes")
    with pytest.raises(FitError, match="failed in its worker process"):
        sample_posterior(built, jax_settings, cache_key="broken-export")
    monkeypatch.undo()
    # the failed workers were replaced: the next fit runs normally
    model.fit(df, draws=20, tune=20, chains=2, progressbar=False, posterior_predictive=False,
              chain_method="processes", random_seed=1)  # fmt: skip
    assert model.idata["posterior"].sizes["chain"] == 2


def test_thread_chains_reuse_the_in_process_compiled_model(df):
    from mmm_bayes.inference.sample import COMPILED

    settings = dict(draws=20, tune=20, chains=2, progressbar=False, posterior_predictive=False,
                    chain_method="threads", random_seed=3)  # fmt: skip
    MMM(example_spec()).fit(df, **settings)
    n = len(COMPILED._models)
    refit = MMM(example_spec())
    refit.fit(df.assign(sales=df["sales"] * 0.9), **settings)
    assert len(COMPILED._models) == n
    assert refit.idata["posterior"].sizes["chain"] == 2

    # the swapped-in data are exactly what a fresh compile on them sees: same seed, same draws
    COMPILED.clear()
    fresh = MMM(example_spec())
    fresh.fit(df.assign(sales=df["sales"] * 0.9), **settings)
    xr.testing.assert_equal(
        fresh.idata["posterior"].to_dataset(), refit.idata["posterior"].to_dataset()
    )


def test_arviz_reexports_the_trace_builders_the_worker_takes_from_arviz_base():
    # the worker hands nutpie arviz_base's functions in place of arviz's: they must be the same
    import arviz
    import arviz_base

    for name in ARVIZ_BASE_NAMES:
        assert getattr(arviz, name) is getattr(arviz_base, name)


LIGHT_START_PROBE = """
import json, sys
from mmm_bayes.inference._chain_worker import light_start
light_start()
import nutpie, pytensor
import mmm_bayes.inference.sample, mmm_bayes.model
seen = {"arviz_stats": "arviz_stats" in sys.modules, "matplotlib": "matplotlib" in sys.modules,
        "cxx": pytensor.config.cxx, "floatX": pytensor.config.floatX}
import inspect
inspect.stack()  # asks every module, the stand-in too, for __file__ (lazy_loader does this)
seen["after_inspect"] = "arviz_stats" in sys.modules
import arviz, arviz_base
seen["from_dict"] = arviz.from_dict is arviz_base.from_dict
seen["still_light"] = "arviz_stats" in sys.modules
arviz.summary  # anything else loads the real ArviZ
real = sys.modules["arviz"]
seen["real_after"] = type(real).__name__ == "module" and "arviz_stats" in sys.modules
print(json.dumps(seen))
"""


def test_a_worker_starts_without_arviz_or_the_c_compiler_and_keeps_the_users_flags():
    env = os.environ | {"PYTENSOR_FLAGS": "floatX=float64"}
    out = subprocess.run([sys.executable, "-c", LIGHT_START_PROBE], env=env, capture_output=True,
                         text=True, check=True)  # fmt: skip
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    # nutpie, pymc and the model code import neither ArviZ's statistics nor its plotting
    assert not seen["arviz_stats"] and not seen["matplotlib"]
    assert seen["cxx"] == "" and seen["floatX"] == "float64"  # the user's flags stay
    assert not seen["after_inspect"]  # dunder lookups never import the real ArviZ
    assert seen["from_dict"] and not seen["still_light"]
    assert seen["real_after"]


def test_workers_rebuild_the_model_when_its_executables_cannot_be_serialized(df, monkeypatch):
    from mmm_bayes.inference.jax_density import JaxDensity
    from mmm_bayes.inference.sample import COMPILED

    def unsupported(self):
        raise ValueError("Compilation does not support serialization")

    COMPILED.clear()
    monkeypatch.setattr(JaxDensity, "export", unsupported)
    before = POOL.compilations
    model = MMM(example_spec(seasonality={"order": 3}))  # a structure no worker has yet
    model.fit(df, draws=20, tune=20, chains=2, progressbar=False, posterior_predictive=False,
              chain_method="processes", random_seed=2)  # fmt: skip
    assert model.idata["posterior"].sizes["chain"] == 2
    assert POOL.compilations == before + 2  # each worker built and compiled it from the recipe


def test_workers_keep_loaded_models_by_their_executables_not_by_the_key_alone(df):
    # a key can come back for another model (an object id, a cleared cache): the worker must
    # sample the model it was sent, not the one it loaded under that key before
    from mmm_bayes.inference.sample import CompiledCache

    settings = SamplerSettings(draws=10, tune=10, chains=2, chain_method="processes",
                               progressbar=False, random_seed=4)  # fmt: skip
    first = MMM(example_spec()).build(df)
    sample_posterior(first, settings, cache_key="reused-key", cache=CompiledCache())
    other = MMM(example_spec(seasonality={"order": 4})).build(df)
    trace = sample_posterior(other, settings, cache_key="reused-key", cache=CompiledCache())
    assert trace["posterior"].sizes["fourier"] == 8  # the second model's own 4 pairs


def test_closing_the_pool_stops_workers_that_are_still_starting():
    from mmm_bayes.inference.chains import ChainPool

    pool = ChainPool()
    pool.start(2)
    procs = [p for launch in pool._launches for p in launch.procs]
    pool.close()  # at once: it does not wait for their imports
    assert len(procs) == 2 and all(p.poll() is not None for p in procs)
    assert not pool._launches and not pool._workers


def test_a_worker_that_dies_while_starting_fails_the_fit_quickly():
    import time

    from mmm_bayes.inference.chains import ChainPool

    pool = ChainPool()
    pool.start(2)
    procs = [p for launch in pool._launches for p in launch.procs]
    procs[0].kill()
    t = time.monotonic()
    with pytest.raises(FitError, match="exited while starting"):
        pool.run([None, None], progressbar=False)
    assert time.monotonic() - t < 30  # not the 120 s start timeout
    assert all(p.poll() is not None for p in procs)  # the healthy one was stopped too
    pool.close()


def test_an_unserializable_model_without_a_recipe_raises_fit_error(df, monkeypatch):
    from mmm_bayes.inference.jax_density import JaxDensity
    from mmm_bayes.inference.sample import CompiledCache

    def unsupported(self):
        raise ValueError("Compilation does not support serialization")

    monkeypatch.setattr(JaxDensity, "export", unsupported)
    settings = SamplerSettings(draws=5, tune=5, chains=2, chain_method="processes",
                               progressbar=False)  # fmt: skip
    cache = CompiledCache()
    for _ in range(2):  # the second time from the remembered failure, without compiling
        with pytest.raises(FitError, match="does not support serialization"):
            sample_posterior(MMM(example_spec()).build(df), settings, cache_key="k", cache=cache)
