"""The KPI a budget buys, per posterior draw, and the risk measures the optimizer maximizes.

A budget ``x_c`` for channel ``c`` over a planning window of ``P`` periods is spent by a pattern
``u_c`` (``P`` weights summing to one; flat by default). The model's media term is linear in
spend up to the saturation, so the adstocked, scaled spend of period ``t`` is ``x_c * e_{c,t}``
with the *exposure per currency unit*::

    e_{c,t} = (u_c * w_c)_t / spend_scale_c,      t = 0 .. P + l_max - 2

(``*`` the adstock convolution with the draw's lag weights ``w_c``). The periods after the
window (where ``u`` is zero) carry the adstock tail, so spend placed late in the window is
credited with the KPI it brings after the window ends; spend before the window is taken as zero,
as in :func:`mmm_bayes.analysis.roas`. The channel's incremental KPI, window plus tail, is::

    F_c(x_c) = effect_c * kpi_scale / sat(1) * sum_t sat(x_c * e_{c,t})

for every draw at once. With channel overlaps (``spec.interactions``) each interaction ``k``
between channels ``a`` and ``b`` adds, the overlap at its window mean (1) over the plan::

    I_k(x_a, x_b) = coef_k * kpi_scale * sum_t r_a(x_a, t) * r_b(x_b, t),
    r_c(x, t) = sat(x * e_{c,t}) / sat(1)

(:mod:`mmm_bayes.model.blocks.interaction`), so a draw's total KPI is ``sum_c F_c + sum_k I_k``.
In per-channel numbers each channel is credited half of each interaction it is in (the Shapley
split of ROAS), so they add up to the total; the marginal ROAS is the derivative of the *total*
KPI, the whole change of every interaction included, which is what the optimizer equalizes.

The exposure depends only on the posterior, so it is computed once; the optimizer's function is
the saturation sum, compiled once with PyTensor and vectorized over draws, returning each draw's
per-channel KPI and the derivative of its total KPI (the marginal ROAS).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytensor
import pytensor.tensor as pt
import xarray as xr
from scipy.special import betainc

from mmm_bayes.analysis.media import SAMPLE_DIMS, media_params, posterior_dataset
from mmm_bayes.analysis.reach_frequency import frequency_efficiency
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec
from mmm_bayes.spec.budget import (
    ExpectedKPI,
    KPITarget,
    LowerQuantile,
    MarginalROASFloor,
    MeanMinusSd,
)
from mmm_bayes.transforms import (
    convolve_weights,
    delayed_weights,
    geometric_weights,
    hill,
    hill_pt,
    logistic_saturation,
    logistic_saturation_pt,
)

__all__ = [
    "KPIFunction",
    "ResponseDraws",
    "expected_value",
    "exposure_per_unit",
    "lower_quantile",
    "mean_minus_sd",
    "response_draws",
    "risk_measure",
    "saturate",
    "window_pattern",
]

#: Saturation parameters by curve, in the order the compiled function takes them.
SATURATION_PARAMS = {"hill": ("K", "S"), "logistic": ("lam",)}

#: (total KPI per draw (S,), its gradient (S, C)) -> (value, gradient (C,))
RiskMeasure = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]


# --- the response of a window budget ------------------------------------------------------------


def window_pattern(periods: int, channels: tuple[str, ...], pattern=None) -> np.ndarray:
    """Spend weights per channel and period of the window, each row summing to one.

    Parameters
    ----------
    periods : int
        Periods in the planning window.
    channels : tuple of str
        Row order.
    pattern : mapping of str to sequence of float, optional
        Relative spend per period for some channels; the others spend evenly.

    Returns
    -------
    ndarray, shape (channel, periods)
    """
    out = np.full((len(channels), periods), 1.0 / periods)
    for i, name in enumerate(channels):
        if pattern and name in pattern:
            w = np.asarray(pattern[name], dtype=float)
            out[i] = w / w.sum()
    return out


def exposure_per_unit(unit: np.ndarray, weights: np.ndarray, spend_scale: np.ndarray) -> np.ndarray:
    """Adstocked, scaled spend per currency unit of window budget, the tail included.

    Parameters
    ----------
    unit : ndarray, shape (channel, periods)
        Spend pattern per channel, rows summing to one (:func:`window_pattern`).
    weights : ndarray, shape (..., channel, l_max)
        Adstock lag weights of each draw.
    spend_scale : ndarray, shape (channel,)
        The model's spend scale (mean spend per period), currency units.

    Returns
    -------
    ndarray, shape (..., channel, periods + l_max - 1)
        ``convolve_weights([unit, 0 ... 0], weights) / spend_scale``. With normalized weights
        each channel's row sums to ``1 / spend_scale``: the whole budget is counted.
    """
    l_max = weights.shape[-1]
    padded = np.concatenate([unit, np.zeros((unit.shape[0], l_max - 1))], axis=-1)
    return convolve_weights(padded, weights) / np.asarray(spend_scale, dtype=float)[:, None]


def saturate(kind: str, z: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
    """Saturation ``kind`` at ``z`` (..., time), parameters shaped like ``z.shape[:-1]``."""
    if kind == "logistic":
        return logistic_saturation(z, params["lam"])
    return hill(z, params["K"], params["S"])


@dataclass(frozen=True, eq=False)
class ResponseDraws:
    """What each posterior draw says a window budget buys, per channel.

    ``F[s, c](x_c) = scale[s, c] * sum_t sat(x_c * exposure[s, c, t]; params[s, c])``, the
    channel's incremental KPI over the window and its carryover tail (module docstring). With
    channel overlaps, interaction ``k`` between channels ``a, b = pairs[k]`` adds
    ``pair_scale[s, k] * sum_t sat(x_a * exposure[s, a, t]) * sat(x_b * exposure[s, b, t])``.

    Attributes
    ----------
    channels : tuple of str
        Channel order of the last axes.
    exposure : ndarray, shape (sample, channel, time)
        Saturation input per currency unit of budget (:func:`exposure_per_unit`).
    scale : ndarray, shape (sample, channel)
        KPI units per period at saturation ``sat(.) = 1``: ``effect * kpi_scale / sat(1)``.
    saturation : {"hill", "logistic"}
        The saturation curve.
    params : dict of str to ndarray, shape (sample, channel)
        ``K`` and ``S`` (Hill) or ``lam`` (logistic).
    sample_coords : dict of str to ndarray
        ``chain`` and ``draw`` labels; ``sample`` is their flattening (chain-major).
    linear : ndarray of bool, shape (channel,), optional
        Channels whose KPI is linear in the budget, ``sat(z) = z``: reach-and-frequency
        channels planned at a fixed frequency (their ``scale`` then holds the frequency's
        efficiency, :mod:`mmm_bayes.optimize.frequency`). None: no such channel.
    pairs : ndarray of int, shape (interaction, 2)
        Channel positions of each interaction's two channels; none by default.
    pair_scale : ndarray, shape (sample, interaction), optional
        KPI units per period when both channels' saturation is 1:
        ``coef * kpi_scale / (sat_a(1) * sat_b(1))``. Required when there are ``pairs``.
    """

    channels: tuple[str, ...]
    exposure: np.ndarray
    scale: np.ndarray
    saturation: str
    params: dict[str, np.ndarray]
    sample_coords: dict[str, np.ndarray]
    linear: np.ndarray | None = None
    pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=int))
    pair_scale: np.ndarray | None = None

    def __post_init__(self) -> None:
        """Check that interaction pairs come with a scale per draw and interaction."""
        object.__setattr__(self, "pairs", np.asarray(self.pairs, dtype=int).reshape(-1, 2))
        want = (self.n_samples, len(self.pairs))
        if self.has_interactions and np.shape(self.pair_scale) != want:
            raise ValueError(
                f"pair_scale must be (sample, interaction) = {want} for {len(self.pairs)} "
                f"pairs, got shape {np.shape(self.pair_scale)}"
            )

    @property
    def n_samples(self) -> int:
        """Number of posterior draws (chains times draws)."""
        return self.exposure.shape[0]

    @property
    def has_interactions(self) -> bool:
        """Whether any channel overlap term is part of the KPI."""
        return len(self.pairs) > 0

    def incidence(self) -> np.ndarray:
        """Which channels each interaction involves: ones and zeros, (interaction, channel)."""
        out = np.zeros((len(self.pairs), len(self.channels)))
        for k, (a, b) in enumerate(self.pairs):
            out[k, [a, b]] = 1.0
        return out

    def kpi(self, x: np.ndarray) -> np.ndarray:
        """Incremental KPI of each channel per draw for budgets ``x`` (channel,), numpy twin.

        With interactions each channel's KPI includes half of each interaction it is in (the
        rows add up to the draw's total KPI; :meth:`pair_kpi` gives the interactions apart).

        Returns
        -------
        ndarray, shape (sample, channel)
            KPI units, window plus carryover tail.
        """
        sat = self._saturation(x)
        own = self.scale * sat.sum(axis=-1)
        if not self.has_interactions:
            return own
        return own + 0.5 * self._pairs(sat) @ self.incidence()

    def pair_kpi(self, x: np.ndarray) -> np.ndarray:
        """Each interaction's KPI per draw for budgets ``x``, shape (sample, interaction)."""
        return self._pairs(self._saturation(x))

    def _saturation(self, x: np.ndarray) -> np.ndarray:
        z = np.asarray(x, dtype=float)[None, :, None] * self.exposure
        sat = saturate(self.saturation, z, self.params)
        if self.linear is None:
            return sat
        return np.where(np.asarray(self.linear, dtype=bool)[None, :, None], z, sat)

    def _pairs(self, sat: np.ndarray) -> np.ndarray:
        if not self.has_interactions:
            return np.zeros((self.n_samples, 0))
        first, second = self.pairs[:, 0], self.pairs[:, 1]
        return self.pair_scale * (sat[:, first] * sat[:, second]).sum(axis=-1)

    def unstack(self, values: np.ndarray, dims: tuple[str, ...] = (), **coords) -> xr.DataArray:
        """Label an array with a leading ``sample`` axis as (chain, draw, *dims)."""
        chain, draw = self.sample_coords["chain"], self.sample_coords["draw"]
        shaped = np.asarray(values).reshape(len(chain), len(draw), *np.shape(values)[1:])
        return xr.DataArray(
            shaped, dims=(*SAMPLE_DIMS, *dims), coords={"chain": chain, "draw": draw, **coords}
        )


def _adstock_weights(params: dict[str, np.ndarray], spec: ModelSpec) -> np.ndarray:
    if spec.adstock.kind == "delayed":
        return delayed_weights(params["alpha"], params["theta"], spec.adstock.l_max)
    return geometric_weights(params["alpha"], spec.adstock.l_max)


def response_draws(
    posterior: xr.Dataset | xr.DataTree,
    inputs: ModelInputs,
    spec: ModelSpec,
    *,
    periods: int,
    pattern=None,
    frequency: dict[str, float] | None = None,
) -> ResponseDraws:
    """Collect the per-draw response of a window budget from a fitted posterior.

    Parameters
    ----------
    posterior : Dataset or DataTree
        The posterior (``effect`` and the adstock and saturation parameters).
    inputs : ModelInputs
        The data the model was fitted to (spend and KPI scales).
    spec : ModelSpec
        The fitted model.
    periods : int
        Periods in the planning window.
    pattern : mapping of str to sequence of float, optional
        Spend pattern over the window per channel (:func:`window_pattern`).
    frequency : mapping of str to float, optional
        Planned frequency of reach-and-frequency channels (all of them; see
        :func:`mmm_bayes.optimize.frequency.planned_frequency`).

    Returns
    -------
    ResponseDraws
    """
    ds = posterior_dataset(posterior)
    params = media_params(ds, spec, inputs.channels)  # (chain, draw, channel)
    multiplier = params.pop("multiplier", None)
    if multiplier is not None:  # time-varying effects: plan at the latest period's effect
        params["effect"] = params["effect"] * multiplier[..., -1]
    flat = {k: v.reshape(-1, v.shape[-1]) for k, v in params.items()}
    unit = window_pattern(periods, inputs.channels, pattern)
    exposure = exposure_per_unit(unit, _adstock_weights(flat, spec), inputs.spend_scale)
    kind = spec.saturation.kind
    sat_params = {k: flat[k] for k in SATURATION_PARAMS[kind]}
    at_mean = saturate(kind, np.ones((*flat["effect"].shape, 1)), sat_params)[..., 0]
    scale = flat["effect"] * inputs.kpi_scale / at_mean
    linear = None
    if inputs.rf.any():  # reach and frequency: linear in the budget at the planned frequency
        linear = inputs.rf.copy()
        scale = np.where(linear, flat["effect"] * inputs.kpi_scale, scale)
        scale = scale * rf_efficiency(flat, inputs, spec, frequency or {})
    return ResponseDraws(
        channels=tuple(inputs.channels),
        exposure=exposure,
        scale=scale,
        saturation=kind,
        params=sat_params,
        sample_coords={d: ds[d].to_numpy() for d in SAMPLE_DIMS},
        linear=linear,
        **_interaction_fields(ds, inputs, spec, at_mean),
    )


def _interaction_fields(
    ds: xr.Dataset, inputs: ModelInputs, spec: ModelSpec, at_mean: np.ndarray
) -> dict[str, np.ndarray]:
    """``pairs`` and ``pair_scale`` of :class:`ResponseDraws`; empty without interactions.

    The overlap is taken at its window mean (1) over the plan; ``at_mean`` is each draw's and
    channel's ``sat(1)``, (sample, channel).
    """
    if not spec.interactions:
        return {}
    names = list(inputs.channels)
    pairs = np.array([[names.index(c) for c in i.channels] for i in spec.interactions])
    coef = ds["interaction_coef"].transpose(*SAMPLE_DIMS, "interaction").to_numpy()
    coef = coef.reshape(-1, len(pairs))  # (sample, interaction), chain-major as the rest
    at_pair = at_mean[:, pairs[:, 0]] * at_mean[:, pairs[:, 1]]
    return {"pairs": pairs, "pair_scale": coef * inputs.kpi_scale / at_pair}


def rf_efficiency(
    flat: dict[str, np.ndarray], inputs: ModelInputs, spec: ModelSpec, frequency: dict[str, float]
) -> np.ndarray:
    """``h(f / f̄)`` per draw for the R&F channels at their planned frequency; 1 elsewhere.

    ``flat`` holds the parameters as (sample, channel); the result is (sample, channel). A
    budget ``x`` then buys ``effect * kpi_scale * h * x / spend_scale`` over the window and its
    tail (:mod:`mmm_bayes.analysis.reach_frequency`).
    """
    out = np.ones_like(flat["effect"])
    for i in np.flatnonzero(inputs.rf):
        name = inputs.channels[i]
        if name not in frequency:
            raise ValueError(
                f"no planned frequency for reach-and-frequency channel {name!r}: pass "
                f"frequency={{{name!r}: f}} (optimize.frequency.planned_frequency gives them)"
            )
        phi = np.full((out.shape[0], 1), frequency[name] / inputs.frequency_scale[i])
        sat = {k: flat[k][:, i] for k in spec.saturation.priors}
        out[:, i] = frequency_efficiency(phi, sat, spec)[:, 0]
    return out


# --- the compiled function ----------------------------------------------------------------------


@functools.cache
def _compiled(saturation: str, interactions: bool = False, linear: bool = False):
    """Compile ``(x, exposure, scale, *params) -> (F, dY/dx)`` once per saturation curve.

    With ``linear`` it takes a last input ``linear`` (channel,), 1 for a channel whose KPI is
    linear in its budget (``sat(z) = z``: R&F channels at a planned frequency), 0 otherwise.

    With ``interactions`` the function also takes ``first``, ``second`` (interaction,), the
    channel positions of each pair, ``pair_scale`` (sample, interaction) and the incidence
    matrix (interaction, channel), and adds half of each interaction to each of its channels'
    ``F``; compiled apart, so the plain function stays as small and fast as before.
    """
    x = pt.matrix("x")  # (sample, channel): the budget repeated per draw
    exposure = pt.tensor3("exposure")
    scale = pt.matrix("scale")
    params = [pt.matrix(name) for name in SATURATION_PARAMS[saturation]]
    z = x[:, :, None] * exposure
    sat = logistic_saturation_pt(z, *params) if saturation == "logistic" else hill_pt(z, *params)
    args = [x, exposure, scale, *params]
    linear_in = pt.vector("linear")
    if linear:
        mask = linear_in[None, :, None]
        sat = mask * z + (1.0 - mask) * sat
    kpi = scale * sat.sum(axis=-1)
    if interactions:
        first, second = pt.lvector("first"), pt.lvector("second")
        pair_scale, incidence = pt.matrix("pair_scale"), pt.matrix("incidence")
        pair = pair_scale * (sat[:, first] * sat[:, second]).sum(axis=-1)  # (sample, interaction)
        kpi = kpi + 0.5 * pt.dot(pair, incidence)
        args += [first, second, pair_scale, incidence]
    if linear:
        args.append(linear_in)
    # row s of F depends on row s of x alone, so the gradient of the sum is, per draw, the
    # derivative of that draw's total KPI Y_s = sum_c F[s, c] w.r.t. each channel's budget
    grad = pytensor.grad(kpi.sum(), x)
    return pytensor.function(args, [kpi, grad])


class KPIFunction:
    """Each draw's incremental KPI per channel and the derivative of its total, compiled once.

    Without interactions channel ``c``'s KPI depends on its budget alone and the derivative is
    ``dF_c/dx_c``; with interactions the per-channel KPI includes half of each interaction the
    channel is in (as :meth:`ResponseDraws.kpi`) and the derivative is that of the draw's total
    KPI, ``dY/dx_c``, the whole change of every interaction included: the marginal ROAS.

    Parameters
    ----------
    draws : ResponseDraws
        The posterior's response.

    Examples
    --------
    >>> f = KPIFunction(draws)                    # doctest: +SKIP
    >>> kpi, marginal = f(np.array([1e5, 2e5]))   # (sample, channel) each  # doctest: +SKIP
    """

    def __init__(self, draws: ResponseDraws) -> None:
        self.draws = draws
        linear = draws.linear is not None and bool(np.any(draws.linear))
        self._fn = _compiled(draws.saturation, draws.has_interactions, linear)
        self._args = [
            np.ascontiguousarray(draws.exposure, dtype=float),
            np.ascontiguousarray(draws.scale, dtype=float),
            *(np.ascontiguousarray(draws.params[k], dtype=float)
              for k in SATURATION_PARAMS[draws.saturation]),
        ]  # fmt: skip
        if draws.has_interactions:
            pairs = np.asarray(draws.pairs, dtype=np.int64)
            self._args += [
                np.ascontiguousarray(pairs[:, 0]),
                np.ascontiguousarray(pairs[:, 1]),
                np.ascontiguousarray(draws.pair_scale, dtype=float),
                draws.incidence(),
            ]
        if linear:
            self._args.append(np.asarray(draws.linear, dtype=float))
        self.calls = 0

    def __call__(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return ``F`` (KPI) and ``dY/dx`` (KPI per currency unit), each (sample, channel)."""
        self.calls += 1
        xs = np.repeat(np.asarray(x, dtype=float)[None, :], self.draws.n_samples, axis=0)
        kpi, grad = self._fn(xs, *self._args)
        return kpi, grad


# --- risk measures: value and gradient of a summary of the total KPI over draws -----------------


def expected_value(y: np.ndarray, dy: np.ndarray) -> tuple[float, np.ndarray]:
    """Posterior mean of ``y`` (sample,) and its gradient, given ``dy`` (sample, channel)."""
    return float(y.mean()), dy.mean(axis=0)


def mean_minus_sd(y: np.ndarray, dy: np.ndarray, risk_aversion: float) -> tuple[float, np.ndarray]:
    """``mean(y) - lambda * sd(y)`` (sd with ddof=1) and its gradient.

    ``d sd / dx = sum_s (y_s - mean) dy_s / ((n - 1) sd)``; where sd is 0 the gradient of the
    sd term is taken as 0.
    """
    n = y.shape[0]
    mean, grad_mean = expected_value(y, dy)
    if n < 2:
        return mean, grad_mean
    dev = y - mean
    sd = float(np.sqrt((dev**2).sum() / (n - 1)))
    grad_sd = dev @ dy / ((n - 1) * sd) if sd > 0 else np.zeros(dy.shape[1])
    return mean - risk_aversion * sd, grad_mean - risk_aversion * grad_sd


@functools.cache
def _harrell_davis_weights(n: int, q: float) -> np.ndarray:
    """Weights of the order statistics in the Harrell-Davis estimate of quantile ``q``."""
    a, b = (n + 1) * q, (n + 1) * (1 - q)
    return np.diff(betainc(a, b, np.arange(n + 1) / n))


def lower_quantile(y: np.ndarray, dy: np.ndarray, q: float) -> tuple[float, np.ndarray]:
    """Quantile ``q`` of ``y`` over draws (Harrell-Davis estimate) and its gradient.

    ``Q = sum_i w_i y_(i)``, a weighted average of the order statistics with weights
    ``w_i = I((i/n); a, b) - I(((i-1)/n); a, b)``, ``I`` the regularized incomplete beta function,
    ``a = (n+1) q``, ``b = (n+1)(1-q)`` (Harrell and Davis 1982, Biometrika 69, 635-640). Unlike
    the sample quantile, which follows the one or two draws at position ``(n-1) q``, it is
    continuous in every draw with a gradient that changes little when draws swap ranks, so
    SLSQP converges on it; the value is close to ``np.quantile(y, q)``. The gradient is
    ``sum_i w_i dy_(i)``.
    """
    order = np.argsort(y, kind="stable")
    w = _harrell_davis_weights(y.shape[0], float(q))
    return float(w @ y[order]), w @ dy[order]


def risk_measure(objective) -> RiskMeasure:
    """Return the risk measure of an objective (the mean for the two spend-choosing kinds).

    Parameters
    ----------
    objective : ExpectedKPI, LowerQuantile, MeanMinusSd, KPITarget or MarginalROASFloor

    Returns
    -------
    callable
        ``(y, dy) -> (value, gradient)`` with ``y`` the total KPI per draw.
    """
    if isinstance(objective, LowerQuantile):
        return functools.partial(lower_quantile, q=objective.quantile)
    if isinstance(objective, MeanMinusSd):
        return functools.partial(mean_minus_sd, risk_aversion=objective.risk_aversion)
    if isinstance(objective, ExpectedKPI | KPITarget | MarginalROASFloor):
        return expected_value
    raise TypeError(f"unknown objective {objective!r}")
