"""Time-varying coefficients: random-walk multipliers of channel effects, and intercept drift."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from mmm_bayes.model.blocks.priors import make_rv
from mmm_bayes.spec import ModelSpec
from mmm_bayes.transforms.time_varying import interpolation_matrix, random_walk_pt


@dataclass(frozen=True)
class TimeVarying:
    """What the block adds: a multiplier per (date, channel) and an intercept drift (date,)."""

    multiplier: pt.TensorVariable | None  # (date, channel), ones for constant channels
    drift: pt.TensorVariable | None  # (date,), scaled KPI


def walk_basis(spec: ModelSpec, n_periods: int) -> tuple[np.ndarray | None, int, float]:
    """Interpolation basis (or None), number of walk points, and the per-step scale factor.

    With knots every ``k`` periods a step spans ``k`` periods, so its innovation scale is
    ``sqrt(k)`` times the per-period one: the prior means the same drift per period either way.
    """
    tv = spec.time_varying
    if tv.method == "knots" and n_periods > tv.knot_every:
        basis = interpolation_matrix(n_periods, tv.knot_every)
        return basis, basis.shape[1], float(np.sqrt(tv.knot_every))
    return None, n_periods, 1.0


def time_varying_block(spec: ModelSpec, channels: tuple[str, ...], n_periods: int) -> TimeVarying:
    """Register the random walks of ``spec.time_varying`` in the current model.

    Each time-varying channel gets ``tv_sd`` (per-period innovation scale of its log-multiplier)
    and innovations ``tv_z`` (non-centered), and ``effect_multiplier`` (date, tv_channel):
    ``exp`` of a random walk centred over the window. The intercept drift is
    ``intercept_drift`` (date), in mean-KPI units, from ``intercept_drift_sd`` and
    ``intercept_drift_z``.
    """
    tv = spec.time_varying
    if tv is None:
        return TimeVarying(None, None)
    model = pm.modelcontext(None)
    basis, points, step = walk_basis(spec, n_periods)
    if "tv_step" not in model.coords:
        model.add_coord("tv_step", list(range(points - 1)))
    multiplier = drift = None
    if tv.channels:
        model.add_coord("tv_channel", list(tv.channels))
        sd = make_rv("tv_sd", tv.innovation_sd, dims="tv_channel")
        z = pm.Normal("tv_z", 0.0, 1.0, dims=("tv_channel", "tv_step"))
        path = random_walk_pt(z, sd * step, basis)  # (tv_channel, date)
        mult = pm.Deterministic("effect_multiplier", pt.exp(path).T, dims=("date", "tv_channel"))
        idx = np.array([channels.index(c) for c in tv.channels])
        multiplier = pt.set_subtensor(pt.ones((n_periods, len(channels)))[:, idx], mult)
    if tv.intercept:
        sd = make_rv("intercept_drift_sd", tv.intercept_sd)
        z = pm.Normal("intercept_drift_z", 0.0, 1.0, dims="tv_step")
        drift = pm.Deterministic(
            "intercept_drift", random_walk_pt(z, sd * step, basis), dims="date"
        )
    return TimeVarying(multiplier, drift)
