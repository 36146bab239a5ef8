"""Run NUTS on a built model: nutpie (default), PyMC or NumPyro; prior and posterior predictive.

nutpie compiles a model once; :class:`CompiledCache` keeps compiled models by structure, so a refit
on new data of the same shape, or with new prior numbers, only swaps shared values
(``JaxDensity.with_data`` for the JAX backend, nutpie's ``with_data`` for Numba) and never
recompiles. With the JAX backend and several chains, each chain runs in its own worker process
(:mod:`mmm_bayes.inference.chains`): this process compiles the model to JAX once, while the
workers start, and sends it to them serialized (:mod:`mmm_bayes.inference.exported`); each
worker keeps what it loaded, so a refit compiles and loads nothing, only its data change.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Hashable

import numpy as np
import pymc as pm
import xarray as xr

from mmm_bayes.errors import FitError
from mmm_bayes.inference.chains import POOL, ChainTask, ExportedChainTask, chain_seeds
from mmm_bayes.inference.exported import ExportedDensity, configure_jax
from mmm_bayes.inference.jax_density import JaxDensity, compile_density
from mmm_bayes.inference.samplers import sampler_unavailable
from mmm_bayes.model import shared_values
from mmm_bayes.spec.sampler import SamplerSettings

log = logging.getLogger(__name__)

#: Deterministics worth keeping beside the free parameters; the rest are recomputed in analysis.
KEEP_DETERMINISTICS = (
    "intercept",
    "effect",
    # time-varying coefficients (model/blocks/time_varying.py)
    "effect_multiplier",
    "intercept_drift",
    # geo models (model/geo.py): pooled per-geo values
    "level_geo",
    "control_coef_geo",
    "alpha_geo",
    "theta_geo",
    "K_geo",
    "S_geo",
    "lam_geo",
)


def posterior_var_names(model: pm.Model) -> list[str]:
    """Return the free parameters plus :data:`KEEP_DETERMINISTICS` present in ``model``."""
    names = [rv.name for rv in model.free_RVs]
    return names + [d.name for d in model.deterministics if d.name in KEEP_DETERMINISTICS]


class CompiledCache:
    """Compiled nutpie models by (structure key, backend); refits reuse them with new data."""

    def __init__(self) -> None:
        self._models: dict[tuple[Hashable, str], object] = {}
        self._exports: dict[Hashable, ExportedDensity | Exception] = {}
        #: How many models this cache compiled (refits of a known structure add none).
        self.compilations = 0

    def get(self, key: Hashable, model: pm.Model, backend: str):
        """Return ``model`` for ``nutpie.sample``; compile on the first call for ``key`` only."""
        compiled = self.compiled(key, model, backend)
        return compiled.nutpie_model() if isinstance(compiled, JaxDensity) else compiled

    def compiled(self, key: Hashable, model: pm.Model, backend: str):
        """``model`` compiled (a :class:`JaxDensity` for JAX) with its current data swapped in."""
        compiled = self._models.get((key, backend))
        if compiled is None:
            compiled = self._models[(key, backend)] = compile_nutpie(model, backend)
            self.compilations += 1
            return compiled
        return with_model_data(compiled, model)

    def exported(self, key: Hashable, density: JaxDensity) -> ExportedDensity:
        """``density`` compiled by XLA and serialized for chain workers (once per ``key``).

        A failure is remembered too: a refit raises it again without compiling again.
        """
        if key not in self._exports:
            try:
                self._exports[key] = density.export()
            except Exception as err:
                self._exports[key] = err
                raise
        found = self._exports[key]
        if isinstance(found, Exception):
            raise found
        return found

    def clear(self) -> None:
        """Forget every compiled model."""
        self._models.clear()
        self._exports.clear()


def compile_nutpie(model: pm.Model, backend: str):
    """Compile ``model`` for nutpie with its data and prior numbers left as shared values.

    The JAX backend compiles the log density here (:mod:`mmm_bayes.inference.jax_density`);
    the Numba backend through ``nutpie.compile_pymc_model``.
    """
    log.info("compiling the model with nutpie (%s backend)", backend)
    if backend == "jax":
        configure_jax()
        return compile_density(model, posterior_var_names(model))
    import nutpie

    return nutpie.compile_pymc_model(model, backend=backend, var_names=posterior_var_names(model))


def with_model_data(compiled, model: pm.Model):
    """``compiled`` with ``model``'s data and prior numbers swapped in (no recompilation)."""
    return compiled.with_data(**shared_values(model))


#: The process-wide cache the facade uses.
COMPILED = CompiledCache()


def sample_posterior(
    model: pm.Model,
    settings: SamplerSettings,
    *,
    cache_key: Hashable | None = None,
    cache: CompiledCache = COMPILED,
    rebuild: tuple[Callable, tuple] | None = None,
) -> xr.DataTree:
    """Draw from the posterior of ``model`` with NUTS.

    Parameters
    ----------
    model : pymc.Model
        A model from :func:`mmm_bayes.model.build_model`.
    settings : SamplerSettings
        Sampler, draws, tune, chains, target acceptance, seed, progress bar.
    cache_key : hashable, optional
        Structure key of ``model`` (see :func:`mmm_bayes.model.structure_key`); with nutpie, a
        model of the same key is compiled once per process.
    cache : CompiledCache
        Where compiled nutpie models live.
    rebuild : (callable, args), optional
        A picklable recipe, ``build(*args)``, that builds the same model in another process.
        With it, nutpie chains run in worker processes by default (``chain_method="auto"``);
        the JAX backend sends the compiled model instead and needs it only for that default,
        other backends rebuild the model from it in each worker.

    Returns
    -------
    xarray.DataTree
        ``posterior`` (free parameters and ``intercept``) and ``sample_stats`` groups.
    """
    settings = settings.for_model(None)  # the facade fills target_accept in for its model
    try:
        if settings.sampler == "nutpie" and _use_processes(settings, rebuild):
            return _sample_nutpie_processes(model, settings, cache_key, rebuild, cache)
        if settings.sampler == "nutpie":
            return _sample_nutpie(model, settings, cache_key, cache)
        return _sample_pymc(model, settings)
    except FitError:
        raise
    except Exception as err:  # the sampler's own message, with what to try next
        raise FitError(
            f"sampling with {settings.sampler} failed: {err}. Check the data and priors, or try "
            "sampler='pymc' for a pure-Python run that reports the failing variable."
        ) from err


def _sample_nutpie(model, settings, cache_key, cache) -> xr.DataTree:
    import nutpie

    key = cache_key if cache_key is not None else id(model)
    compiled = cache.get(key, model, settings.backend)
    return nutpie.sample(
        compiled,
        draws=settings.draws,
        tune=settings.tune,
        chains=settings.chains,
        cores=min(settings.chains, os.cpu_count() or 1),
        seed=settings.random_seed,
        target_accept=settings.target_accept,
        adaptation=settings.adaptation,
        progress_bar=settings.progressbar,
        save_warmup=False,
    )


def _use_processes(settings: SamplerSettings, rebuild) -> bool:
    if settings.chain_method == "threads" or settings.chains < 2:
        return False
    if settings.chain_method == "processes":
        if rebuild is None and settings.backend != "jax":
            raise FitError(
                f"chain_method='processes' with the {settings.backend} backend needs a model "
                "recipe; use the MMM facade"
            )
        return True
    return rebuild is not None and settings.backend == "jax" and (os.cpu_count() or 1) > 1


def _sample_nutpie_processes(model, settings, cache_key, rebuild, cache) -> xr.DataTree:
    key = str(cache_key if cache_key is not None else id(model))
    seeds = chain_seeds(settings.random_seed, settings.chains)
    run = dict(
        draws=settings.draws,
        tune=settings.tune,
        target_accept=settings.target_accept,
        adaptation=settings.adaptation,
    )
    shipped = None
    if settings.backend == "jax":
        shipped = _compile_for_workers(model, key, settings, rebuild, cache)
    if shipped is not None:
        exported, packed = shipped
        tasks = [ExportedChainTask(exported, packed, seed=seed, **run) for seed in seeds]
    else:
        build, args = rebuild
        tasks = [
            ChainTask(build=build, args=args, key=key, backend=settings.backend, seed=seed, **run)
            for seed in seeds
        ]
    return POOL.run(tasks, progressbar=settings.progressbar)


def _compile_for_workers(model, key: str, settings, rebuild, cache):
    """Compile ``model`` here while the workers start; return its executables and data.

    Returns None (send the recipe instead) when this JAX cannot serialize the executables.
    """
    POOL.start(settings.chains)  # the workers import while this process compiles
    with _status("compiling the model while the chain workers start", settings.progressbar):
        density = cache.compiled(key, model, "jax")
        try:
            return cache.exported(key, density), np.asarray(density.packed)
        except Exception as err:
            if rebuild is None:
                raise
            log.info("sending the model recipe to the chain workers instead: %s", err)
            return None


def _status(message: str, enabled: bool):
    """Return a spinner showing ``message`` while a block runs (a no-op when not ``enabled``)."""
    if not enabled:
        return contextlib.nullcontext()
    from rich.console import Console

    return Console().status(message)


def _sample_pymc(model, settings) -> xr.DataTree:
    problem = sampler_unavailable(settings.sampler)
    if problem is not None:
        raise FitError(problem)
    with model:
        return pm.sample(
            draws=settings.draws,
            tune=settings.tune,
            chains=settings.chains,
            cores=min(settings.chains, os.cpu_count() or 1),
            target_accept=settings.target_accept,
            random_seed=settings.random_seed,
            progressbar=settings.progressbar,
            nuts_sampler=settings.sampler,
            var_names=posterior_var_names(model),
            compute_convergence_checks=False,
        )


def sample_prior_predictive(
    model: pm.Model, *, draws: int = 500, random_seed: int | None = None
) -> xr.DataTree:
    """Draw parameters and KPI series from the priors alone (``prior``, ``prior_predictive``).

    Use it to check that the priors allow KPI paths of the right size before fitting.
    """
    with model:
        return pm.sample_prior_predictive(
            draws=draws, random_seed=random_seed, compile_kwargs={"mode": "FAST_COMPILE"}
        )


def sample_posterior_predictive(
    model: pm.Model, idata: xr.DataTree, *, random_seed: int | None = None, progressbar=False
) -> xr.DataTree:
    """Draw KPI series (KPI units) from the posterior: the ``posterior_predictive`` group."""
    with model:
        return pm.sample_posterior_predictive(
            idata,
            var_names=["kpi"],
            freeze_vars=[name for name in idata["posterior"].data_vars if name in model],
            random_seed=random_seed,
            progressbar=progressbar,
            compile_kwargs={"mode": "FAST_COMPILE"},
        )
