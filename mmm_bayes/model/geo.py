"""Hierarchical geo model: inputs of a (geo, date) panel and the PyMC graph over it.

Per geo ``g``, on the geo's scaled KPI (``kpi[g, t] / kpi_scale[g]``)::

    mu[g, t] = intercept[g] + trend[t] + season[t] + sum_k gamma[g, k] control[g, t, k]
               + drift[t] + sum_c effect[g, c] * m[t, c] * r[g, c, t]

where ``r`` is the channel's adstocked, saturated media in units of the geo's own mean media,
over its value at 1 (as in the national model), ``m`` the time-varying multipliers (1 for
constant channels) and ``drift`` the intercept drift (0 without). Partial pooling, non-centered
by default except for the levels of geos scaled by a size column, which each geo's series
pins down closely (``GeoSpec.centered_levels``):

- ``level[g] ~ Normal(level, level_geo_sd)`` when centered, else
  ``level + level_geo_sd * level_geo_z[g]``; ``intercept[g] = level[g] - mean_t media``;
- ``effect_rel[g, c] = effect_rel[c] * exp(effect_geo_sd[c] * effect_geo_z[g, c])`` and
  ``effect[g, c] = effect_rel[g, c] * spend_share[g, c]``: pooled on the effect per unit of
  spend share, so geos with equal ``effect_rel`` have equal ROAS when their KPI per currency
  unit of media spend is equal;
- ``gamma[g, k] = control_coef[k] + control_geo_sd * control_geo_z[g, k]``;
- with ``per_geo_transforms``: ``logit alpha[g, c]`` and ``log`` of the other transform
  parameters deviate from the national ones by ``transform_geo_sd * z``.

Trend, seasonality, the noise scale (in units of each geo's KPI scale) and time-varying paths
are shared across geos.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt

if TYPE_CHECKING:
    from mmm_bayes.data import ValidatedData
from mmm_bayes.errors import ConfigError
from mmm_bayes.model.blocks.media import MediaTransform
from mmm_bayes.model.blocks.priors import make_rv
from mmm_bayes.model.blocks.time_varying import time_varying_block
from mmm_bayes.model.inputs import kpi_scale_of
from mmm_bayes.spec import ModelSpec
from mmm_bayes.transforms import delayed_weights_pt, geometric_weights_pt, lag_stack
from mmm_bayes.transforms.seasonality import fourier_features, fourier_names

__all__ = ["GeoInputs", "build_geo_inputs", "build_geo_model"]


@dataclass(frozen=True)
class GeoInputs:
    """A geo panel's arrays, in original units, with each geo's scales.

    Attributes
    ----------
    geos : tuple of str
        Geo names (sorted).
    dates, channels, controls
        As in :class:`~mmm_bayes.model.inputs.ModelInputs`.
    spend, media : ndarray, shape (geo, date, channel)
        Spend in currency units, and the media column the model transforms (spend or exposure).
    kpi : ndarray, shape (geo, date)
        KPI in its own units.
    controls_raw : ndarray, shape (geo, date, control)
    kpi_scale : ndarray, shape (geo,)
        Each geo's KPI scale (KPI units): its KPI mean, or its size share times the panel's
        KPI per unit of size when the spec names a ``scale_column``.
    spend_scale, media_scale : ndarray, shape (geo, channel)
        Each geo's mean spend and mean media per channel (media scale 1 where a geo never
        spent on a channel, whose media are then all zero).
    control_mean, control_sd : ndarray, shape (control,)
        Pooled over the panel.
    time, fourier, fourier_names
        As in the national inputs.
    """

    geos: tuple[str, ...]
    dates: pd.DatetimeIndex
    channels: tuple[str, ...]
    controls: tuple[str, ...]
    spend: np.ndarray
    media: np.ndarray
    kpi: np.ndarray
    controls_raw: np.ndarray
    kpi_scale: np.ndarray
    spend_scale: np.ndarray
    media_scale: np.ndarray
    control_mean: np.ndarray
    control_sd: np.ndarray
    time: np.ndarray
    fourier: np.ndarray
    fourier_names: tuple[str, ...]
    overlap: None = None

    @property
    def media_scaled(self) -> np.ndarray:
        """Media in units of each geo's channel mean, shape (geo, date, channel)."""
        return self.media / self.media_scale[:, None, :]

    @property
    def media_series(self) -> np.ndarray:
        """Scaled media with time last, shape (geo, channel, date)."""
        return np.swapaxes(self.media_scaled, 1, 2)

    @property
    def controls_scaled(self) -> np.ndarray:
        """Standardized controls, shape (geo, date, control)."""
        return (self.controls_raw - self.control_mean) / self.control_sd

    @property
    def spend_share(self) -> np.ndarray:
        """Each channel's share of its geo's mean media spend, shape (geo, channel)."""
        total = self.spend_scale.sum(axis=1, keepdims=True)
        return self.spend_scale / np.where(total > 0, total, 1.0)

    @property
    def coords(self) -> dict[str, list]:
        """PyMC coords: geo, date, channel, control, fourier."""
        return {
            "geo": list(self.geos),
            "date": list(self.dates),
            "channel": list(self.channels),
            "control": list(self.controls),
            "fourier": list(self.fourier_names),
        }

    @property
    def shape_key(self) -> tuple[int, ...]:
        """Sizes that fix the compiled model's structure."""
        return (len(self.geos), len(self.dates), len(self.channels), len(self.controls),
                len(self.fourier_names))  # fmt: skip

    @property
    def national_kpi(self) -> np.ndarray:
        """KPI summed over geos, shape (date,)."""
        return self.kpi.sum(axis=0)


def build_geo_inputs(spec: ModelSpec, data: ValidatedData) -> GeoInputs:
    """Arrange a validated geo panel (sorted by geo, then date) into :class:`GeoInputs`."""
    if data.geo_col is None:
        raise ConfigError(
            f"the spec has geo.column {spec.geo.column!r} but the data were validated without "
            "a geo column; validate them with geo_col (MMM.check_data does)"
        )
    frame = data.frame
    geos = data.geos
    n_geo = len(geos)
    n_date = len(frame) // n_geo

    def cube(cols) -> np.ndarray:
        values = frame[list(cols)].to_numpy(dtype=float).reshape(n_geo, n_date, len(cols))
        return values

    dates = pd.DatetimeIndex(frame[data.date_col].iloc[:n_date], name="date")
    media, spend = cube(spec.channel_columns), cube(spec.spend_columns)
    controls = cube(spec.controls)
    kpi = frame[spec.kpi].to_numpy(dtype=float).reshape(n_geo, n_date)
    flat = controls.reshape(-1, len(spec.controls))
    sd = flat.std(axis=0) if flat.size else np.ones(0)
    media_mean = media.mean(axis=1)
    order = spec.seasonality.order
    return GeoInputs(
        geos=geos,
        dates=dates,
        channels=spec.channel_names,
        controls=tuple(spec.controls),
        spend=spend,
        media=media,
        kpi=kpi,
        controls_raw=controls,
        kpi_scale=geo_kpi_scale(spec, frame, kpi),
        spend_scale=spend.mean(axis=1),
        media_scale=np.where(media_mean > 0, media_mean, 1.0),
        control_mean=flat.mean(axis=0) if flat.size else np.zeros(0),
        control_sd=np.where(sd > 0, sd, 1.0),
        time=np.linspace(0.0, 1.0, n_date) if n_date > 1 else np.zeros(n_date),
        fourier=fourier_features(dates.day_of_year.to_numpy(), order),
        fourier_names=tuple(fourier_names(order)),
    )


def geo_kpi_scale(spec: ModelSpec, frame: pd.DataFrame, kpi: np.ndarray) -> np.ndarray:
    """Each geo's KPI scale: its KPI mean, or its size share of the panel's KPI (scale_column)."""
    if spec.geo.scale_column is None:
        return np.array([kpi_scale_of(k) for k in kpi])
    size = frame[spec.geo.scale_column].to_numpy(dtype=float).reshape(kpi.shape).mean(axis=1)
    return size * kpi_scale_of(kpi.sum(axis=0)) / size.sum()


def build_geo_model(spec: ModelSpec, inputs: GeoInputs) -> pm.Model:
    """Assemble the hierarchical geo MMM (module docstring); every data array is ``pm.Data``.

    Registers ``effect`` (geo, channel), ``intercept`` (geo), the pooled national parameters
    (``effect_rel``, ``level``, ``control_coef``) and their geo spreads (``*_geo_sd``). Per-geo
    contributions are not stored (they would hold draws x geos x dates x channels); the
    analysis functions compute them from the parameters.
    """
    geo, l_max = spec.geo, spec.adstock.l_max
    n_date = len(inputs.dates)
    coords = {**inputs.coords, "lag": list(range(l_max))}
    with pm.Model(coords=coords) as model:
        kpi_scale = pm.Data("kpi_scale", inputs.kpi_scale, dims="geo")
        lagged = lag_stack(inputs.media_series, l_max)
        media = pm.Data("media_lagged", lagged, dims=("geo", "channel", "date", "lag"))
        transform = _geo_transform(spec)
        response = transform.response(media)  # (geo, channel, date)
        effect = _geo_effect(spec, inputs)
        tv = time_varying_block(spec, inputs.channels, n_date)
        contribution = effect[:, :, None] * response
        if tv.multiplier is not None:
            contribution = contribution * tv.multiplier.T[None]
        media_sum = contribution.sum(axis=1)  # (geo, date)
        level = _pooled(
            "level", make_rv("level", spec.level), geo.level_sd, ("geo",), geo.centered_levels
        )
        intercept = pm.Deterministic("intercept", level - media_sum.mean(axis=1), dims="geo")
        mu = intercept[:, None] + media_sum
        if spec.trend.enabled:
            time = pm.Data("time", inputs.time, dims="date")
            mu = mu + make_rv("trend_slope", spec.trend.slope) * time
        if inputs.fourier.shape[1]:
            fourier = pm.Data("fourier_features", inputs.fourier, dims=("date", "fourier"))
            mu = mu + pt.dot(fourier, make_rv("season_coef", spec.seasonality.coef, dims="fourier"))
        if inputs.controls:
            controls = pm.Data("controls", inputs.controls_scaled, dims=("geo", "date", "control"))
            gamma = make_rv("control_coef", spec.control_coef, dims="control")
            gamma = _pooled("control_coef", gamma, geo.control_sd, ("geo", "control"), geo.centered)
            mu = mu + (controls * gamma[:, None, :]).sum(axis=-1)
        if tv.drift is not None:
            mu = mu + tv.drift[None, :]
        kpi = pm.Data("kpi_observed", inputs.kpi, dims=("geo", "date"))
        sigma = make_rv("sigma", spec.likelihood.sigma)
        scale = kpi_scale[:, None]
        if spec.likelihood.kind == "student_t":
            nu = make_rv("nu", spec.likelihood.nu)
            pm.StudentT(
                "kpi", nu=nu, mu=mu * scale, sigma=sigma * scale, observed=kpi, dims=("geo", "date")
            )
        else:
            pm.Normal("kpi", mu=mu * scale, sigma=sigma * scale, observed=kpi, dims=("geo", "date"))
    return model


def _pooled(name: str, national, sd_prior, dims: tuple[str, ...], centered: bool):
    """``national + sd * z`` over ``dims`` (geo first), registered as ``<name>_geo``."""
    sd = make_rv(f"{name}_geo_sd", sd_prior)
    if centered:
        return pm.Normal(f"{name}_geo", mu=national, sigma=sd, dims=dims)
    z = pm.Normal(f"{name}_geo_z", 0.0, 1.0, dims=dims)
    return pm.Deterministic(f"{name}_geo", national + sd * z, dims=dims)


def _geo_effect(spec: ModelSpec, inputs: GeoInputs) -> pt.TensorVariable:
    """Register ``effect`` (geo, channel): geo effects pooled on the log scale (docstring)."""
    national = make_rv("effect_rel", spec.media_priors()["effect"], dims="channel")
    sd = make_rv("effect_geo_sd", spec.geo.effect_sd, dims="channel")
    if spec.geo.centered:
        log_rel = pm.Normal(
            "effect_geo_log", mu=pt.log(national), sigma=sd, dims=("geo", "channel")
        )
        rel = pt.exp(log_rel)
    else:
        z = pm.Normal("effect_geo_z", 0.0, 1.0, dims=("geo", "channel"))
        rel = national * pt.exp(sd * z)
    share = pm.Data("spend_share", inputs.spend_share, dims=("geo", "channel"))
    return pm.Deterministic("effect", rel * share, dims=("geo", "channel"))


def _geo_transform(spec: ModelSpec) -> MediaTransform:
    """Adstock and saturation parameters, shared or with pooled geo deviations."""
    priors, l_max = spec.media_priors(), spec.adstock.l_max
    names = ["alpha"] + (["theta"] if spec.adstock.kind == "delayed" else [])
    names += ["lam"] if spec.saturation.kind == "logistic" else ["K", "S"]
    params = {n: make_rv(n, priors[n], dims="channel") for n in names}
    if spec.geo.per_geo_transforms:
        sd = make_rv("transform_geo_sd", spec.geo.transform_sd)
        for n in names:
            z = pm.Normal(f"{n}_geo_z", 0.0, 1.0, dims=("geo", "channel"))
            value = (
                pm.math.sigmoid(pm.math.logit(params[n]) + sd * z)
                if n == "alpha"
                else params[n] * pt.exp(sd * z)
            )
            params[n] = pm.Deterministic(f"{n}_geo", value, dims=("geo", "channel"))
    if spec.adstock.kind == "delayed":
        weights = delayed_weights_pt(params["alpha"], params["theta"], l_max)
    else:
        weights = geometric_weights_pt(params["alpha"], l_max)
    sat = {n: params[n] for n in names if n not in ("alpha", "theta")}
    return MediaTransform(spec.saturation.kind, weights, sat)
