"""A log density compiled in one process and sampled by nutpie in another.

:func:`mmm_bayes.inference.jax_density.compile_density` turns a PyMC model into JAX functions.
:meth:`~mmm_bayes.inference.jax_density.JaxDensity.export` has XLA compile them and serializes
the executables (``jax.experimental.serialize_executable``) into an :class:`ExportedDensity`,
which pickles. A chain worker (:mod:`mmm_bayes.inference._chain_worker`) loads it with
:meth:`ExportedDensity.load` in about 0.05 s and samples it without PyMC, PyTensor or a
compiler. So a fit converts and compiles its model once, in the parent process, while the
workers start, instead of once in every worker (docs/benchmarks.md).

An executable runs only on the machine and library versions that compiled it: the parent and
its workers share both. This module imports only NumPy at import time (JAX and nutpie when
used): a worker loads it before anything else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Layout:
    """Where each value lives in a packed float64 vector: names, shapes and dtypes, in order."""

    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    dtypes: tuple[np.dtype, ...]

    @property
    def offsets(self) -> np.ndarray:
        """Start of each value in the packed vector, plus its total length at the end."""
        return np.cumsum([0, *(int(np.prod(s)) for s in self.shapes)])

    def pack(self, values: list[np.ndarray]) -> np.ndarray:
        """One float64 vector holding ``values`` (in layout order)."""
        parts = [np.asarray(v, dtype=np.float64).ravel() for v in values]
        return np.concatenate(parts) if parts else np.zeros(0)

    def unpack(self, packed) -> list:
        """Return the values in ``packed`` (NumPy or JAX), each in its shape and dtype."""
        off = self.offsets
        return [
            packed[off[i] : off[i + 1]].reshape(shape).astype(dtype)
            for i, (shape, dtype) in enumerate(zip(self.shapes, self.dtypes, strict=True))
        ]


@dataclass(frozen=True)
class Traced:
    """What each draw stores: the variables' names, shapes, dims and the coordinates.

    ``coords`` maps each dim to a pandas Index (dates stay dates); nutpie imports pandas.
    """

    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    dims: Mapping[str, tuple[str, ...]]
    coords: Mapping[str, Sequence]


def configure_jax() -> None:
    """Set up JAX for a small log density on CPU: float64, and calls run inline.

    * float64: the compiled functions take and return float64 (PyTensor's JAX backend turns it
      on when imported; a chain worker does not import PyTensor).
    * Synchronous dispatch: a small MMM's log density and gradient take tens of microseconds,
      and JAX's asynchronous hand-off to a dispatch thread costs more than that on every call
      (docs/benchmarks.md). The setting is read when JAX creates its CPU client, so it takes
      effect only if no JAX computation has run yet in this process (always true in a chain
      worker), and it changes nothing on GPU.
    """
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_cpu_enable_async_dispatch", False)


def jittered(start: np.ndarray, seed: int) -> np.ndarray:
    """``start`` plus U(-1, 1) jitter on every coordinate, as PyMC jitters initial points.

    The jitter is in the sampler's unconstrained space (PyMC's ``jitter_rvs`` for every free
    variable); ``seed`` is the one nutpie passes for the chain's initial point.
    """
    rng = np.random.default_rng(seed)
    return np.asarray(start, dtype=np.float64) + rng.uniform(-1.0, 1.0, size=np.shape(start))


def pyfunc_model(
    n_dim: int,
    logp_and_grad: Callable,
    expand: Callable,
    packed: Any,
    initial_point: Callable[[int], np.ndarray],
    traced: Traced,
):
    """Return nutpie's ``PyFuncModel`` for a JAX log density with ``packed`` bound in.

    ``logp_and_grad(x, packed)`` returns ``[logp, *gradient]``; ``expand(x, packed)`` the traced
    variables in ``traced``'s order; ``initial_point(seed)`` a starting point.
    """
    from nutpie.compiled_pyfunc import from_pyfunc

    names, shapes = traced.names, traced.shapes

    def make_logp_fn():
        def logp(x):
            out = np.asarray(logp_and_grad(x, packed))
            return float(out[0]), out[1:]

        return logp

    def make_expand_fn(seed1, seed2, chain):
        def expand_point(x):
            values = expand(x, packed)
            return {
                name: np.asarray(value, dtype=np.float64, order="C").reshape(shape)
                for name, value, shape in zip(names, values, shapes, strict=True)
            }

        return expand_point

    return from_pyfunc(
        ndim=n_dim,
        make_logp_fn=make_logp_fn,
        make_expand_fn=make_expand_fn,
        make_initial_point_fn=initial_point,
        expanded_dtypes=[np.dtype(np.float64)] * len(names),
        expanded_shapes=list(shapes),
        expanded_names=list(names),
        dims=dict(traced.dims),
        coords=dict(traced.coords),
    )


@dataclass(frozen=True)
class ExportedDensity:
    """A compiled model's XLA executables, serialized, with what nutpie needs to sample them.

    Each function takes ``(x, packed)`` or ``(packed,)``, where ``x`` is a point in the
    sampler's space (float64, length ``n_dim``) and ``packed`` the model's data and prior
    numbers as one float64 vector of length ``n_packed`` (:class:`Layout`):

    * ``logp_and_grad``: ``[logp, *gradient]``;
    * ``expand``: the traced variables of a draw;
    * ``start``: the initial point before jitter (PyMC's support points, transformed).

    Each field holds ``jax.experimental.serialize_executable.serialize``'s output, pickled.
    """

    n_dim: int
    n_packed: int
    logp_and_grad: bytes
    expand: bytes
    start: bytes
    traced: Traced

    @property
    def digest(self) -> str:
        """A hash of the executables: a worker keeps loaded densities by it."""
        import hashlib

        h = hashlib.sha256()
        for blob in (self.logp_and_grad, self.expand, self.start):
            h.update(hashlib.sha256(blob).digest())
        return h.hexdigest()

    @staticmethod
    def serialize(compiled) -> bytes:
        """Serialize a ``jax.stages.Compiled`` (executable and argument structure)."""
        import pickle

        from jax.experimental import serialize_executable

        return pickle.dumps(serialize_executable.serialize(compiled))

    def load(self) -> LoadedDensity:
        """Load the executables into this process's JAX CPU client (no compilation)."""
        import pickle

        from jax.experimental import serialize_executable

        configure_jax()

        def function(blob: bytes):
            return serialize_executable.deserialize_and_load(*pickle.loads(blob))

        return LoadedDensity(
            self.n_dim,
            self.n_packed,
            function(self.logp_and_grad),
            function(self.expand),
            function(self.start),
            self.traced,
        )


@dataclass(frozen=True)
class LoadedDensity:
    """An :class:`ExportedDensity` loaded in this process, ready to call."""

    n_dim: int
    n_packed: int
    logp_and_grad: Callable
    expand: Callable
    start: Callable
    traced: Traced

    def nutpie_model(self, packed: np.ndarray):
        """Return nutpie's model with the data ``packed`` bound in, jittered starts."""
        import jax.numpy as jnp

        if np.size(packed) != self.n_packed:
            raise ValueError(
                f"the data hold {np.size(packed)} numbers, the compiled model reads "
                f"{self.n_packed}: they belong to another model"
            )
        packed = jnp.asarray(packed, dtype=jnp.float64)
        start = np.asarray(self.start(packed))
        return pyfunc_model(
            self.n_dim,
            self.logp_and_grad,
            self.expand,
            packed,
            lambda seed: jittered(start, seed),
            self.traced,
        )
