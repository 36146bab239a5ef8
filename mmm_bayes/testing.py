"""Test helpers: posteriors without sampling, the bundled example as model inputs, and its truth.

:func:`fake_posterior` is like :func:`pymc.testing.mock_sample`, but with numpy only: no model
is built or compiled. The variables, dims and coords are those of
:func:`mmm_bayes.model.build_model`'s free variables, plus the deterministic
``intercept = level - sum_c mean_t(media_c)`` (scaled KPI) that the analysis reads.
:func:`true_values` puts a simulator's truth in the model's units, for :func:`posterior_at`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import xarray as xr
from pytensor.graph.replace import vectorize_graph

from mmm_bayes import datasets
from mmm_bayes.analysis.interaction import interaction_contribution
from mmm_bayes.analysis.media import (
    channel_contribution,
    media_params,
    posterior_dataset,
    scaled_frequency,
)
from mmm_bayes.data import ValidatedData, validate_data
from mmm_bayes.errors import ConfigError
from mmm_bayes.inference.jax_density import Layout
from mmm_bayes.model.inputs import ModelInputs, build_inputs
from mmm_bayes.simulate.truth import Truth
from mmm_bayes.spec import ModelSpec, Prior
from mmm_bayes.transforms import hill

__all__ = [
    "EXAMPLE_CHANNELS",
    "evaluate_deterministics",
    "example_inputs",
    "example_spec",
    "fake_fit",
    "fake_posterior",
    "posterior_at",
    "posterior_variables",
    "true_values",
]

#: Channels of the bundled ``example_weekly`` data; spend columns are ``f"{name}_spend"``.
EXAMPLE_CHANNELS = ("tv", "search", "social", "display", "radio")


def example_spec(**fields: Any) -> ModelSpec:
    """Return a spec for the bundled ``example_weekly`` data; ``fields`` override its fields.

    Examples
    --------
    >>> example_spec(trend={"enabled": False}).trend.enabled
    False
    """
    channels = [{"name": c, "column": f"{c}_spend"} for c in EXAMPLE_CHANNELS]
    base = {"kpi": "sales", "channels": channels, "controls": ["price_index", "promo"]}
    return ModelSpec.model_validate(base | fields)


def value_point(model: pm.Model, x: np.ndarray) -> dict[str, np.ndarray]:
    """Return the value-variable dict of the flat unconstrained vector ``x`` (free_RVs order).

    The layout nutpie and :mod:`mmm_bayes.inference.jax_density` use, so a point of the
    sampler can be scored with PyMC's own ``model.compile_logp()``.
    """
    start = model.initial_point()
    names = tuple(model.rvs_to_values[rv].name for rv in model.free_RVs)
    shapes = tuple(start[name].shape for name in names)
    layout = Layout(names, shapes, tuple(start[name].dtype for name in names))
    return dict(zip(names, layout.unpack(np.asarray(x)), strict=True))


def example_inputs(spec: ModelSpec, name: str = "example_weekly") -> ModelInputs:
    """Validate a bundled data set for ``spec`` and build the model's inputs from it."""
    return build_inputs(spec, validate_data(datasets.load(name), **spec.data_columns()))


def fake_fit(
    spec: ModelSpec | None = None, *, draws: int = 10, random_seed: int = 3
) -> tuple[ModelSpec, ValidatedData, xr.DataTree]:
    """Return the example data validated for ``spec`` and a :func:`fake_posterior` of it.

    No sampling: what :func:`mmm_bayes.inference.store.save_run` needs for a run folder in tests.
    """
    spec = spec if spec is not None else example_spec()
    data = validate_data(datasets.load("example_weekly"), **spec.data_columns())
    idata = fake_posterior(spec, build_inputs(spec, data), draws=draws, random_seed=random_seed)
    return spec, data, idata


def _scalar_priors(spec: ModelSpec, inputs: ModelInputs) -> dict[str, tuple[Prior, str | None]]:
    """Non-media free variables: name -> (prior, dim or None), in the model's order."""
    out: dict[str, tuple[Prior, str | None]] = {"level": (spec.level, None)}
    if spec.trend.enabled:
        out["trend_slope"] = (spec.trend.slope, None)
    if inputs.fourier_names:
        out["season_coef"] = (spec.seasonality.coef, "fourier")
    if inputs.controls:
        out["control_coef"] = (spec.control_coef, "control")
    out["sigma"] = (spec.likelihood.sigma, None)
    if spec.likelihood.kind == "student_t":
        out["nu"] = (spec.likelihood.nu, None)
    return out


def posterior_variables(spec: ModelSpec, inputs: ModelInputs) -> dict[str, tuple[str, ...]]:
    """Names and dims (without chain and draw) of the model's free variables.

    ``effect`` (scaled KPI per period at mean spend) stands for the sampled ``effect_rel``,
    which is derived from it.

    Parameters
    ----------
    spec : ModelSpec
        The model.
    inputs : ModelInputs
        Its inputs (they decide whether seasonality and controls are present).

    Returns
    -------
    dict of str to tuple of str
        For example ``{"alpha": ("channel",), ..., "level": (), "sigma": ()}``.
    """
    media = dict.fromkeys(spec.media_priors(), ("channel",))
    rest = {name: (dim,) if dim else () for name, (_, dim) in _scalar_priors(spec, inputs).items()}
    pairs = {"interaction_coef": ("interaction",)} if spec.interactions else {}
    return media | rest | pairs


def _coords(inputs: ModelInputs, spec: ModelSpec | None = None) -> dict[str, list]:
    return {
        "channel": list(inputs.channels),
        "control": list(inputs.controls),
        "fourier": list(inputs.fourier_names),
        "interaction": [i.name for i in spec.interactions] if spec is not None else [],
    }


def _media_mean(posterior: xr.Dataset, inputs: ModelInputs, spec: ModelSpec) -> xr.DataArray:
    """Sum the time-averaged media terms per draw (scaled KPI), as the model subtracts them."""
    params = media_params(posterior, spec, inputs.channels)
    frequency = scaled_frequency(inputs)
    media = channel_contribution(inputs.media_scaled.T, params, spec, frequency=frequency)
    mean = media.mean(axis=-1).sum(axis=-1)
    if spec.interactions:  # the model's level also holds the interaction terms' mean
        pairs = interaction_contribution(posterior, inputs, spec) / inputs.kpi_scale
        mean = mean + pairs.mean(axis=-1).sum(axis=-1)
    return xr.DataArray(mean, dims=("chain", "draw"))


def _as_tree(
    data: dict, inputs: ModelInputs, spec: ModelSpec, intercept: np.ndarray | None = None
) -> xr.DataTree:
    """Wrap free-variable draws in a DataTree and add the model's ``intercept`` and ``effect_rel``.

    ``effect`` is given (scaled KPI per period at mean spend); the sampled ``effect_rel`` is it
    divided by the channel's spend share, as in the model.

    If ``intercept`` is given, ``level`` is derived from it instead (the model's relation
    reversed).
    """
    used = {d for dims, _ in data.values() for d in dims}
    coords = {k: v for k, v in _coords(inputs, spec).items() if k in used}
    posterior = xr.Dataset(data, coords=coords)
    posterior = posterior.assign_coords(
        {d: np.arange(posterior.sizes[d]) for d in ("chain", "draw")}
    )
    share = inputs.spend_scale / inputs.spend_scale.sum()
    posterior["effect_rel"] = posterior["effect"] / xr.DataArray(share, dims="channel")
    media_mean = _media_mean(posterior, inputs, spec)
    if intercept is not None:
        posterior["level"] = intercept + media_mean
    posterior["intercept"] = posterior["level"] - media_mean
    return xr.DataTree.from_dict({"posterior": posterior})


def fake_posterior(
    spec: ModelSpec,
    inputs: ModelInputs,
    *,
    chains: int = 2,
    draws: int = 50,
    random_seed: int | np.random.Generator = 0,
) -> xr.DataTree:
    """Prior draws posing as a posterior, with the variables, dims and coords of a real fit.

    Parameters
    ----------
    spec : ModelSpec
        The model whose priors are drawn (channel overrides included).
    inputs : ModelInputs
        Supplies the ``channel``, ``control`` and ``fourier`` coords.
    chains, draws : int, default 2 and 50
        Size of the fake sample.
    random_seed : int or numpy.random.Generator, default 0
        Seed; the same seed gives the same draws.

    Returns
    -------
    xarray.DataTree
        One group, ``posterior``: each variable of :func:`posterior_variables` with dims
        ``(chain, draw, *dims)``, and ``intercept`` (chain, draw) derived from ``level``.

    Examples
    --------
    >>> from mmm_bayes import datasets
    >>> from mmm_bayes.data import validate_data
    >>> from mmm_bayes.model import build_inputs
    >>> spec = ModelSpec(kpi="sales", channels=["tv_spend", "search_spend"])
    >>> data = validate_data(datasets.load(), date_col="date", kpi_col="sales",
    ...                      channel_cols=spec.channel_columns)
    >>> idata = fake_posterior(spec, build_inputs(spec, data), draws=10)
    >>> idata["posterior"]["effect"].dims
    ('chain', 'draw', 'channel')
    """
    rng, coords = np.random.default_rng(random_seed), _coords(inputs)
    size, sample = (chains, draws), ("chain", "draw")
    data = {
        name: ([*sample, "channel"], np.stack([p.sample(rng, size) for p in priors], axis=-1))
        for name, priors in spec.media_priors().items()
    }
    for name, (prior, dim) in _scalar_priors(spec, inputs).items():
        dims = (*sample, dim) if dim else sample
        data[name] = (dims, prior.sample(rng, (*size, len(coords[dim])) if dim else size))
    if spec.interactions:
        coefs = np.stack([i.coef.sample(rng, size) for i in spec.interactions], axis=-1)
        data["interaction_coef"] = ([*sample, "interaction"], coefs)
    return _as_tree(data, inputs, spec)


def posterior_at(
    spec: ModelSpec, inputs: ModelInputs, values: Mapping[str, float | np.ndarray]
) -> xr.DataTree:
    """Build a posterior of one chain and one draw at the given parameter values.

    Parameters
    ----------
    spec : ModelSpec
        The model.
    inputs : ModelInputs
        Supplies the coords and decides which variables exist.
    values : mapping of str to float or array
        One entry per variable of :func:`posterior_variables`, shaped like its dims, on the
        model's scale (KPI divided by ``kpi_scale``). ``intercept`` may stand in for ``level``,
        which is then derived from it.

    Returns
    -------
    xarray.DataTree
        Like :func:`fake_posterior` with ``chains=1, draws=1``.

    Raises
    ------
    ConfigError
        If a variable is missing, unknown or of the wrong shape.
    """
    wanted, values = posterior_variables(spec, inputs), dict(values)
    intercept = values.pop("intercept", None)
    names = set(values) | ({"level"} if intercept is not None else set())
    missing, extra = sorted(set(wanted) - names), sorted(names - set(wanted))
    if missing or extra or (intercept is not None and "level" in values):
        raise ConfigError(
            f"posterior_at needs the variables {list(wanted)}, with 'intercept' allowed instead "
            f"of 'level' (not both); missing {missing}, unexpected {extra}"
        )
    coords, data = _coords(inputs, spec), {}
    for name, dims in wanted.items():
        value = np.asarray(intercept if name not in values else values[name], dtype=float)
        shape = tuple(len(coords[d]) for d in dims)
        if value.shape != shape:
            raise ConfigError(
                f"value of {name!r} has shape {value.shape}; dims {dims} need {shape}"
            )
        data[name] = (("chain", "draw", *dims), value[None, None])
    return _as_tree(data, inputs, spec, intercept=intercept)


def true_values(spec: ModelSpec, inputs: ModelInputs, truth: Truth) -> dict[str, np.ndarray]:
    """Put a simulator's truth in the model's units, as values for :func:`posterior_at`.

    The simulator's media term is ``beta * hill(adstock(x), K, S)`` and the model's is
    ``effect * hill(adstock(x), K, S) / hill(1, K, S) * kpi_scale``, so
    ``effect = beta * hill(1, K, S) / kpi_scale``. Controls enter the simulator raw and the model
    standardized, so ``control_coef = gamma * sd / kpi_scale`` and the intercept absorbs
    ``gamma * mean``. Every other term is divided by ``kpi_scale``.

    Parameters
    ----------
    spec : ModelSpec
        Geometric adstock with the truth's ``l_max`` and Hill saturation; channel names as in
        the truth.
    inputs : ModelInputs
        Built from the simulated data (its scales are used).
    truth : Truth
        The simulator's truth.

    Returns
    -------
    dict of str to ndarray
        ``intercept`` (in place of ``level``) and every other variable of
        :func:`posterior_variables`.

    Raises
    ------
    ConfigError
        If the spec cannot express the truth (other adstock or saturation, other ``l_max``,
        fewer Fourier pairs).
    """
    ch = [truth.channel(c) for c in inputs.channels]
    if (spec.adstock.kind, spec.saturation.kind) != ("geometric", "hill") or any(
        c.l_max != spec.adstock.l_max for c in ch
    ):
        raise ConfigError("the truth needs geometric adstock with its l_max and Hill saturation")
    if len(truth.season_sin) > spec.seasonality.order or truth.period_days != 365.25:
        raise ConfigError(f"the truth needs seasonality order >= {len(truth.season_sin)}")
    scale = inputs.kpi_scale
    K, S = np.array([c.K for c in ch]), np.array([c.S for c in ch])
    gamma = np.array([truth.controls[c] for c in inputs.controls])
    season = np.zeros(len(inputs.fourier_names))
    season[0 : 2 * len(truth.season_sin) : 2] = truth.season_sin
    season[1 : 2 * len(truth.season_cos) : 2] = truth.season_cos
    values = {
        # an R&F truth's frequency curve is already over its value at 1 (the model's effect)
        "effect": np.array([c.beta for c in ch])
        * np.where(inputs.rf, 1.0, hill(np.ones((len(ch), 1)), K, S)[:, 0])
        / scale,
        "alpha": np.array([c.alpha for c in ch]),
        "K": K,
        "S": S,
        "intercept": (truth.intercept + gamma @ inputs.control_mean) / scale,
        "trend_slope": truth.trend_slope / scale,
        "season_coef": season / scale,
        "control_coef": gamma * inputs.control_sd / scale,
        "sigma": truth.noise_sigma / scale,
    }
    wanted = {"intercept", *posterior_variables(spec, inputs)}
    return {k: np.asarray(v, dtype=float) for k, v in values.items() if k in wanted}


def evaluate_deterministics(
    model: pm.Model, posterior: xr.Dataset | xr.DataTree, names: Sequence[str]
) -> dict[str, np.ndarray]:
    """Evaluate a model's deterministics at every posterior draw, without sampling.

    The free variables are replaced by batched inputs (:func:`pytensor.graph.replace.
    vectorize_graph`) and the graph is compiled with PyTensor's Python linker, which compiles
    in a fraction of a second (no numba or C).

    Parameters
    ----------
    model : pymc.Model
        The model whose ``names`` are evaluated.
    posterior : Dataset or DataTree
        Holds every free variable of ``model``, dims ``(chain, draw, *dims)`` in model order.
    names : sequence of str
        Deterministics (or any named variables) of ``model``.

    Returns
    -------
    dict of str to ndarray
        Each shaped ``(chain, draw, *shape)``.
    """
    ds = posterior_dataset(posterior)
    sample = (ds.sizes["chain"], ds.sizes["draw"])
    batched = {rv: pt.tensor(rv.name, shape=(None,) * (rv.ndim + 1)) for rv in model.free_RVs}
    outputs = vectorize_graph([model[n] for n in names], replace=batched)
    mode = pytensor.compile.mode.Mode(linker="py", optimizer="fast_compile")
    fn = pytensor.function(list(batched.values()), outputs, mode=mode, on_unused_input="ignore")
    values = [ds[rv.name].transpose("chain", "draw", ...).to_numpy() for rv in model.free_RVs]
    draws = [v.reshape(-1, *v.shape[2:]) for v in values]
    return {
        n: out.reshape(*sample, *out.shape[1:]) for n, out in zip(names, fn(*draws), strict=True)
    }
