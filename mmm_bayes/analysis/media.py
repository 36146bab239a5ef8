"""Media response per posterior draw, in numpy: the model's media block without PyTensor.

The model's contribution of channel ``c`` in period ``t`` is::

    effect_c * sat(adstock(spend_c / spend_scale_c))_t / sat(1.0) * kpi_scale

with normalized adstock weights and spend before the first period taken as zero (see
:mod:`mmm_bayes.model.blocks.media`). Here the same formula runs on arrays of parameters with
leading sample dims, so every draw is computed at once.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

from mmm_bayes.spec import ModelSpec
from mmm_bayes.transforms import (
    convolve_weights,
    delayed_weights,
    geometric_weights,
    hill,
    logistic_saturation,
)

__all__ = [
    "SAMPLE_DIMS",
    "adstock_weights",
    "channel_contribution",
    "media_params",
    "posterior_dataset",
    "saturate",
    "scaled_frequency",
]

#: Dims of a posterior sample, leading every posterior variable.
SAMPLE_DIMS = ("chain", "draw")


def posterior_dataset(posterior: xr.Dataset | xr.DataTree) -> xr.Dataset:
    """Return the ``posterior`` group of a DataTree as a Dataset; a Dataset is returned as is."""
    if isinstance(posterior, xr.DataTree):
        node = posterior["posterior"] if "posterior" in posterior.children else posterior
        return node.to_dataset()
    return posterior


def media_params(
    posterior: xr.Dataset | xr.DataTree, spec: ModelSpec, channels: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """Return the media parameters of every draw as arrays of shape (chain, draw, channel).

    Parameters
    ----------
    posterior : Dataset or DataTree
        Posterior with ``effect`` and the adstock and saturation parameters of ``spec``.
    spec : ModelSpec
        Names the parameters (``alpha`` [, ``theta``], ``K`` and ``S`` or ``lam``).
    channels : tuple of str
        Channel order of the result (that of the inputs' spend).
    """
    ds = posterior_dataset(posterior)
    sel = {"channel": list(channels)}
    params = {
        name: ds[name].sel(sel).transpose(*SAMPLE_DIMS, "channel").to_numpy()
        for name in spec.media_priors()
    }
    multiplier = effect_multiplier(ds, channels)
    if multiplier is not None:
        params["multiplier"] = multiplier
    return params


def effect_multiplier(ds: xr.Dataset, channels: tuple[str, ...]) -> np.ndarray | None:
    """Time-varying effect multipliers, shape (chain, draw, channel, date); None if none.

    Channels with a constant effect get ones.
    """
    if "effect_multiplier" not in ds:
        return None
    m = ds["effect_multiplier"].transpose(*SAMPLE_DIMS, "tv_channel", "date")
    out = np.ones((*m.shape[:2], len(channels), m.shape[-1]))
    for c in m["tv_channel"].values:
        out[:, :, list(channels).index(str(c))] = m.sel(tv_channel=c).to_numpy()
    return out


def adstock_weights(params: Mapping[str, np.ndarray], spec: ModelSpec) -> np.ndarray:
    """Return the normalized carryover weights, shape ``(*params["alpha"].shape, l_max)``."""
    l_max = spec.adstock.l_max
    if spec.adstock.kind == "delayed":
        return delayed_weights(params["alpha"], params["theta"], l_max)
    return geometric_weights(params["alpha"], l_max)


def _adstock(x: np.ndarray, params: Mapping[str, np.ndarray], spec: ModelSpec) -> np.ndarray:
    return convolve_weights(x, adstock_weights(params, spec))


def saturate(x: np.ndarray, params: Mapping[str, np.ndarray], spec: ModelSpec) -> np.ndarray:
    """Apply the spec's saturation curve to ``x`` (..., series, time), parameters (..., series)."""
    if spec.saturation.kind == "logistic":
        return logistic_saturation(x, params["lam"])
    return hill(x, params["K"], params["S"])


_saturation = saturate


def channel_contribution(
    spend_scaled: np.ndarray,
    params: Mapping[str, np.ndarray],
    spec: ModelSpec,
    *,
    extend: bool = False,
    kpi_scale: float = 1.0,
    frequency: np.ndarray | None = None,
) -> np.ndarray:
    """Contribution of each channel per period, for every draw at once.

    ``effect * sat(adstock(x)) / sat(1.0) * kpi_scale``, the model's media formula; for a
    reach-and-frequency channel ``x`` is its reach and the formula is
    ``effect * adstock(x * sat(frequency) / sat(1.0)) * kpi_scale``.

    Parameters
    ----------
    spend_scaled : ndarray, shape (..., channel, date)
        Spend in units of each channel's mean spend (``inputs.media_scaled.T``), time last.
    params : mapping of str to ndarray
        ``effect``, ``alpha`` [, ``theta``], ``K`` and ``S`` or ``lam``, each shaped
        (..., channel) and broadcasting against ``spend_scaled.shape[:-1]``, e.g. (chain, draw,
        channel) as from :func:`media_params`; optionally ``multiplier`` (..., channel, date),
        time-varying effect multipliers (the last one holds in the carryover periods).
    spec : ModelSpec
        Chooses the adstock and saturation (and ``l_max``).
    extend : bool, default False
        Append ``l_max - 1`` zero-spend periods, so carryover landing after the last period is
        counted.
    kpi_scale : float, default 1.0
        Multiplier of the result: 1.0 gives the scaled KPI the model samples on,
        ``inputs.kpi_scale`` gives KPI units.
    frequency : ndarray, shape (channel, date), optional
        Frequency in units of its mean (``inputs.frequency_scaled.T``); needed when the spec has
        reach-and-frequency channels (its rows for the other channels are not used). Scaling
        ``x`` then scales reach at the observed frequency.

    Returns
    -------
    ndarray, shape (..., channel, date) or (..., channel, date + l_max - 1) if ``extend``
        Contribution per period.
    """
    x = np.asarray(spend_scaled, dtype=float)
    if extend:
        x = np.concatenate([x, np.zeros((*x.shape[:-1], spec.adstock.l_max - 1))], axis=-1)
    at_mean = _saturation(np.ones((*np.shape(params["effect"]), 1)), params, spec)
    response = _saturation(_adstock(x, params, spec), params, spec) / at_mean
    rf = np.array([c.is_rf for c in spec.channels], dtype=bool)
    if rf.any():
        if frequency is None:
            raise ValueError("R&F channels need frequency= (inputs.frequency_scaled.T)")
        f = np.asarray(frequency, dtype=float)
        f = np.concatenate([f, np.ones((*f.shape[:-1], x.shape[-1] - f.shape[-1]))], axis=-1)
        effective = x * (_saturation(f, params, spec) / at_mean)  # reach x frequency curve
        response = np.where(rf[:, None], _adstock(effective, params, spec), response)
    if params.get("multiplier") is not None:
        response = response * extend_multiplier(params["multiplier"], x.shape[-1])
    return np.asarray(params["effect"], dtype=float)[..., None] * response * kpi_scale


def scaled_frequency(inputs) -> np.ndarray | None:
    """Frequency over its mean, (channel, date), for :func:`channel_contribution`; None: no R&F."""
    frequency = getattr(inputs, "frequency_scaled", None)
    return None if frequency is None else frequency.T


def extend_multiplier(multiplier: np.ndarray, n_periods: int) -> np.ndarray:
    """Pad a (..., date) multiplier to ``n_periods`` with its last value (carryover periods)."""
    m = np.asarray(multiplier, dtype=float)
    extra = n_periods - m.shape[-1]
    if extra <= 0:
        return m[..., :n_periods]
    return np.concatenate([m, np.repeat(m[..., -1:], extra, axis=-1)], axis=-1)
