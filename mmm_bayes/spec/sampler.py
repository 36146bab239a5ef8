"""Sampler settings: which NUTS implementation runs, how long, and with which seed."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SamplerName = Literal["nutpie", "pymc", "numpyro"]


class SamplerSettings(BaseModel):
    """How to run NUTS.

    Parameters
    ----------
    sampler : {"nutpie", "pymc", "numpyro"}
        ``nutpie`` (default) compiles the model once and samples in Rust; ``pymc`` is PyMC's own
        NUTS; ``numpyro`` runs the whole sampler in JAX (install the ``jax`` extra; useful on GPUs).
    backend : {"jax", "numba"}
        nutpie's compiler. ``jax`` compiles a small MMM in seconds where ``numba`` takes minutes
        on a cold cache; ``numba`` samples a little faster once compiled. Ignored by other samplers.
    draws, tune, chains : int
        Kept draws per chain, warm-up draws per chain, number of chains.
    target_accept : float
        NUTS target acceptance; raise towards 0.99 if the fit reports divergences.
    adaptation : {"low_rank", "diag"}
        nutpie's mass-matrix adaptation; ``low_rank`` also learns the strongest correlations.
    random_seed : int or None
        Seed for the sampler and predictive draws; ``None`` draws fresh entropy.
    progressbar : bool
        Show a progress bar while sampling.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    sampler: SamplerName = "nutpie"
    backend: Literal["jax", "numba"] = "jax"
    draws: int = Field(1000, ge=1)
    tune: int = Field(1000, ge=0)
    chains: int = Field(2, ge=1)
    target_accept: float = Field(0.9, gt=0.0, lt=1.0)
    adaptation: Literal["low_rank", "diag"] = "low_rank"
    random_seed: int | None = None
    progressbar: bool = True
