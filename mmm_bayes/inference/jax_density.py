"""The model's log density and its gradient as one JAX function, handed to nutpie.

nutpie's own JAX path (``compile_pymc_model(backend="jax")``) passes each of the model's shared
values (data and prior numbers, about two dozen) to the compiled function as a separate argument
on every call, and brings the log density and the gradient back as two arrays. A small MMM's
log density costs about 100 microseconds, so that overhead was about a fifth of the sampling
time of the example model.

:func:`compile_density` builds the same graph (PyMC's ``model.logp()`` with the
``canonicalize`` and ``stabilize`` rewrites, then PyTensor's JAX mode through PyMC's
``compile``, whose rewrite turns an invalid prior parameter into a log density of ``-inf``, or
drops the check under ``check_bounds=False``), but packs every shared
value into one vector that the compiled function slices, and returns the log density and the
gradient in one array. The numbers are the same, so nutpie draws the same chain for the same
seed (``tests/inference/test_jax_density.py``). The result goes to nutpie through its public
``from_pyfunc``; :meth:`JaxDensity.with_data` swaps new data or prior numbers in without
recompiling.

It also compiles the initial point before jitter (PyMC's support points, as a function of the
prior numbers). With it, :meth:`JaxDensity.export` hands chain workers everything they need,
compiled by XLA: :mod:`mmm_bayes.inference.exported`.
"""

from __future__ import annotations

import dataclasses
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm

from mmm_bayes.inference.exported import ExportedDensity, Layout, Traced, pyfunc_model


@dataclass(frozen=True)
class JaxDensity:
    """A compiled log density with its data; :meth:`nutpie_model` is what nutpie samples."""

    n_dim: int
    logp_and_grad: Callable  # jitted (x, packed) -> [logp, *gradient]
    expand: Callable  # jitted (x, packed) -> the traced variables
    start: Callable  # jitted (packed,) -> the initial point before jitter
    layout: Layout
    packed: Any  # a JAX array
    initial_point: Callable[[int], np.ndarray]
    traced: Traced  # what each draw stores: names, shapes, dims, coordinates

    def with_data(self, **values) -> JaxDensity:
        """Return a copy with the shared values named in ``values`` replaced (no recompilation).

        Raises ValueError for a name the compiled function does not read, a value of another
        shape (that needs a new compilation: a different structure key) or of a dtype that does
        not cast safely (a float into an integer or boolean slot).
        """
        known = dict(zip(self.layout.names, range(len(self.layout.names)), strict=True))
        current = self.layout.unpack(np.asarray(self.packed))
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"Unknown data variable: {name}")
            i = known[name]
            if np.shape(value) != self.layout.shapes[i]:
                raise ValueError(
                    f"data variable {name} has shape {np.shape(value)}, the compiled model "
                    f"{self.layout.shapes[i]}; a new shape needs a new compilation"
                )
            dtype = self.layout.dtypes[i]
            if not np.can_cast(np.asarray(value).dtype, dtype, "same_kind"):
                raise ValueError(
                    f"data variable {name} is {np.asarray(value).dtype}, the compiled model "
                    f"holds {dtype}; pass values of that dtype"
                )
            current[i] = value
        import jax.numpy as jnp

        return dataclasses.replace(self, packed=jnp.asarray(self.layout.pack(current)))

    def nutpie_model(self):
        """Return the model as nutpie's ``PyFuncModel``, with this density's data bound in."""
        return pyfunc_model(
            self.n_dim, self.logp_and_grad, self.expand, self.packed, self.initial_point,
            self.traced,
        )  # fmt: skip

    def export(self) -> ExportedDensity:
        """Compile the functions with XLA and serialize them for a chain worker to load.

        The functions do not depend on the data or prior numbers (they take ``packed``), so
        one export serves every refit of the same structure.
        """
        import jax

        x = jax.ShapeDtypeStruct((self.n_dim,), np.float64)
        packed = jax.ShapeDtypeStruct(np.shape(self.packed), np.float64)

        def compiled(fn, *args) -> bytes:
            return ExportedDensity.serialize(fn.lower(*args).compile())

        return ExportedDensity(
            n_dim=self.n_dim,
            n_packed=int(np.size(self.packed)),
            logp_and_grad=compiled(self.logp_and_grad, x, packed),
            expand=compiled(self.expand, x, packed),
            start=compiled(self.start, packed),
            traced=self.traced,
        )


def compile_density(model: pm.Model, var_names: list[str]) -> JaxDensity:
    """Compile ``model``'s log density and gradient, and the variables ``var_names``, with JAX.

    The free parameters travel as one vector in the sampler's (unconstrained) space, in the
    order of ``model.free_RVs``; ``var_names`` (constrained free parameters and deterministics)
    are what each draw stores.
    """
    import jax
    import jax.numpy as jnp
    import pytensor.tensor as pt
    from pymc.initial_point import make_initial_point_expression, make_initial_point_fn
    from pymc.pytensorf import compile as compile_pymc
    from pytensor.compile.sharedvalue import SharedVariable
    from pytensor.graph import clone_replace, rewrite_graph
    from pytensor.graph.traversal import graph_inputs
    from pytensor.link.jax.dispatch import jax_funcify

    value_vars = [model.rvs_to_values[rv] for rv in model.free_RVs]
    # the initial point before jitter, transformed: a graph of the prior numbers only
    starts = make_initial_point_expression(
        free_rvs=model.free_RVs,
        rvs_to_transforms=model.rvs_to_transforms,
        initval_strategies=model.rvs_to_initial_values,
        jitter_rvs=set(),
        return_transformed=True,
    )
    logp = rewrite_graph(model.logp(), include=["canonicalize", "stabilize"])
    keep = set(var_names)
    traced = [v for v in model.unobserved_value_vars if v.name in keep]
    # PyMC builds the start graph on a clone of the model's graph, shared values included:
    # point it back at the model's own, so that each value has one slot
    own = {v.name: v for v in model.data_vars}
    own |= {v.name: v for v in graph_inputs([logp, *traced]) if isinstance(v, SharedVariable)}
    clones = [v for v in graph_inputs(starts) if isinstance(v, SharedVariable) and v.name in own]
    starts = clone_replace(starts, {v: own[v.name] for v in clones if v is not own[v.name]})
    # dims' lengths are part of the structure (a new length compiles anew): constants, so that
    # JAX sees static shapes
    lengths = {
        v: pt.constant(v.get_value(), name=v.name)
        for v in graph_inputs(starts)
        if isinstance(v, SharedVariable) and v.name in model.dim_lengths
    }
    starts = clone_replace(starts, lengths)
    shared = [v for v in graph_inputs([logp, *traced, *starts]) if isinstance(v, SharedVariable)]
    names = [v.name for v in shared]
    if None in names or len(set(names)) != len(names):
        raise ValueError(f"shared variables need unique names to be swapped on refits: {names}")
    inputs = [v.type(name=v.name) for v in shared]
    to_inputs = dict(zip(shared, inputs, strict=True))
    values = [np.asarray(v.get_value()) for v in shared]
    layout = Layout(tuple(names), tuple(v.shape for v in values), tuple(v.dtype for v in values))

    def to_jax(ins, outs):
        with warnings.catch_warnings():  # checks that JAX cannot keep as assertions
            warnings.filterwarnings("ignore", "Skipping Check", UserWarning)
            with model:  # PyMC's rewrites of the prior-parameter checks follow check_bounds
                fn = compile_pymc(ins, outs, mode="JAX", on_unused_input="ignore")
            return jax_funcify(fn.maker.fgraph)

    raw_start = to_jax(inputs, clone_replace(starts, to_inputs))
    packed = jnp.asarray(layout.pack(values))
    # the free parameters' shapes, from tracing the start graph (nothing is computed)
    start_shapes = jax.eval_shape(lambda p: raw_start(*layout.unpack(p)), packed)
    free = Layout(
        tuple(v.name for v in value_vars),
        tuple(tuple(v.shape) for v in start_shapes),
        tuple(np.dtype(v.dtype) for v in value_vars),
    )
    n_dim = int(free.offsets[-1])
    x = pt.TensorType("float64", shape=(n_dim,))("unconstrained_point")
    at_x = dict(zip(value_vars, free.unpack(x), strict=True))
    outputs = clone_replace(clone_replace([logp, *traced], at_x), to_inputs)
    raw_logp, raw_expand = to_jax([x, *inputs], outputs[:1]), to_jax([x, *inputs], outputs[1:])

    def logp_of(point, packed):
        return raw_logp(point, *layout.unpack(packed))[0]

    @jax.jit
    def logp_and_grad(point, packed):
        value, grad = jax.value_and_grad(logp_of)(point, packed)
        return jnp.concatenate([value[None], grad])

    @jax.jit
    def expand(point, packed):
        return raw_expand(point, *layout.unpack(packed))

    @jax.jit
    def start(packed):
        return jnp.concatenate([jnp.ravel(v) for v in raw_start(*layout.unpack(packed))])

    lock = threading.Lock()  # the PyTensor function behind point_fn is not thread-safe
    point_fn = None

    def initial_point(seed: int) -> np.ndarray:
        """PyMC's jittered initial point for ``seed`` (compiled on the first call)."""
        nonlocal point_fn
        with lock:
            if point_fn is None:
                point_fn = make_initial_point_fn(
                    model=model, jitter_rvs=set(model.free_RVs), return_transformed=True
                )
            point = point_fn(seed)
        return free.pack([point[name] for name in free.names])

    traced_names = [v.name for v in traced]
    dims = {n: tuple(model.named_vars_to_dims.get(n, ())) for n in traced_names}
    coords = {d: pd.Index(_coord_values(model, d)) for d in model.coords}
    traced_shapes = [tuple(len(coords[d]) for d in dims[n]) for n in traced_names]
    if any(not dims[n] and v.type.ndim for n, v in zip(traced_names, traced, strict=True)):
        # a variable without dims: its shape from tracing expand (nothing is computed)
        traced_shapes = [v.shape for v in jax.eval_shape(lambda p: expand(start(p), p), packed)]
    used = {d for ds in dims.values() for d in ds}
    dims = {n: ds for n, ds in dims.items() if ds}
    coords = {d: index for d, index in coords.items() if d in used}
    return JaxDensity(
        n_dim=n_dim,
        logp_and_grad=logp_and_grad,
        expand=expand,
        start=start,
        layout=layout,
        packed=packed,
        initial_point=initial_point,
        traced=Traced(tuple(traced_names), tuple(map(tuple, traced_shapes)), dims, coords),
    )


def _coord_values(model: pm.Model, dim: str):
    values = model.coords[dim]
    return values if values is not None else range(int(model.dim_lengths[dim].eval()))
