"""Sampler settings: which NUTS implementation runs, how long, and with which seed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from mmm_bayes.spec.model import ModelSpec

SamplerName = Literal["nutpie", "pymc", "numpyro"]

#: NUTS target acceptance when none is given.
DEFAULT_TARGET_ACCEPT = 0.9
#: ... for hierarchical geo models and models with time-varying coefficients. At 0.9 their
#: slowest parameters (geo spreads, random-walk scales ``tv_sd``) get fewer effective draws and
#: the odd divergence; smaller steps double their ESS on the issue's data sets for 10-40% more
#: sampling time (docs/geo.md#sampling, docs/time_varying.md#sampling).
HIERARCHICAL_TARGET_ACCEPT = 0.95


class SamplerSettings(BaseModel):
    """How to run NUTS.

    Parameters
    ----------
    sampler : {"nutpie", "pymc", "numpyro"}
        ``nutpie`` (default) compiles the model once and samples in Rust; ``pymc`` is PyMC's own
        NUTS; ``numpyro`` runs the whole sampler in JAX (install the ``jax`` extra; useful on GPUs).
    backend : {"jax", "numba"}
        nutpie's compiler. ``jax`` compiles a small MMM in seconds where ``numba`` takes minutes
        on a cold cache; ``numba`` samples several times faster once compiled. Ignored by other
        samplers.
    draws, tune, chains : int
        Kept draws per chain, warm-up draws per chain, number of chains.
    target_accept : float or None
        NUTS target acceptance; raise towards 0.99 if the fit reports divergences. ``None``
        (the default) picks it from the model: :data:`DEFAULT_TARGET_ACCEPT`, or
        :data:`HIERARCHICAL_TARGET_ACCEPT` for geo models and models whose coefficients vary
        over time (see :meth:`for_model`).
    adaptation : {"low_rank", "diag"}
        nutpie's mass-matrix adaptation; ``low_rank`` also learns the strongest correlations.
    random_seed : int or None
        Seed for the sampler and predictive draws; ``None`` draws fresh entropy.
    progressbar : bool
        Show a progress bar while sampling.
    chain_method : {"auto", "processes", "threads"}
        How nutpie runs parallel chains. With the ``jax`` backend, chains that share a process
        call the log density through Python one at a time, so ``auto`` runs one worker process
        per chain (kept alive between fits, so refits do not recompile; about a quarter faster
        refits on 2 cores); ``threads`` keeps everything in this process.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    sampler: SamplerName = Field(
        "nutpie", description="NUTS implementation: nutpie (default), pymc, or numpyro (JAX)."
    )
    backend: Literal["jax", "numba"] = Field(
        "jax",
        description=(
            "nutpie's compiler: jax compiles in seconds; numba takes minutes to compile on a "
            "cold cache, then samples several times faster."
        ),
    )
    draws: int = Field(1000, ge=1, description="Kept draws per chain.")
    tune: int = Field(1000, ge=0, description="Warm-up draws per chain (discarded).")
    chains: int = Field(2, ge=1, description="Number of chains (run in parallel).")
    target_accept: float | None = Field(
        None,
        gt=0.0,
        lt=1.0,
        description=(
            "NUTS target acceptance; raise towards 0.99 on divergences. Default: 0.9, or 0.95 "
            "for geo models and models with time-varying coefficients (their spreads and "
            "random walks need smaller steps)."
        ),
    )
    adaptation: Literal["low_rank", "diag"] = Field(
        "low_rank", description="nutpie's mass-matrix adaptation."
    )
    random_seed: int | None = Field(
        None, description="Seed of the sampler; in a run config set the top-level `seed` instead."
    )
    progressbar: bool = Field(True, description="Show the sampler's progress bar.")
    chain_method: Literal["auto", "processes", "threads"] = Field(
        "auto",
        description=(
            "How nutpie runs parallel chains: processes (one worker process per chain), threads "
            "(one process), or auto (processes for the jax backend with 2+ chains and cores)."
        ),
    )

    def for_model(self, spec: ModelSpec | None) -> SamplerSettings:
        """Return these settings with ``target_accept`` filled in for ``spec`` if it is unset."""
        if self.target_accept is not None:
            return self
        hierarchical = spec is not None and (spec.geo is not None or spec.time_varying is not None)
        target = HIERARCHICAL_TARGET_ACCEPT if hierarchical else DEFAULT_TARGET_ACCEPT
        return self.model_copy(update={"target_accept": target})
