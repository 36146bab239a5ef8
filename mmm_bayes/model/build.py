"""Assemble the PyMC graph from a spec and its inputs. No sampling, no I/O, no plotting."""

from __future__ import annotations

import json

import numpy as np
import pymc as pm

from mmm_bayes.model.blocks.baseline import baseline_block
from mmm_bayes.model.blocks.calibration import lift_block
from mmm_bayes.model.blocks.interaction import interaction_block
from mmm_bayes.model.blocks.likelihood import likelihood_block
from mmm_bayes.model.blocks.media import media_block
from mmm_bayes.model.blocks.time_varying import time_varying_block
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.model.lift import LiftInputs
from mmm_bayes.spec import ModelSpec


def build_model(spec: ModelSpec, inputs: ModelInputs, lift: LiftInputs | None = None) -> pm.Model:
    """Assemble the national MMM.

    ``kpi = (intercept + trend + seasonality + controls + sum_c media_c) * kpi_scale + noise``,
    with ``media_c = effect_c * sat(adstock(spend_c / mean spend_c)) / sat(1)``.

    The sampler does not see ``intercept`` directly: it samples ``level``, the KPI level with
    media at their window average, and ``intercept = level - sum_c mean_t(media_c)``. An
    always-on channel's effect and the intercept trade off almost one for one; the level does
    not, so the posterior is far rounder in these coordinates (no divergences, 5-10x the ESS on
    the example data).

    Every array that depends on the data or on prior numbers is a ``pm.Data`` variable, so
    a compiled model can be refit on new data of the same shape, or with new prior numbers,
    without recompiling.

    ``lift`` (lift tests, :func:`~mmm_bayes.model.lift.build_lift_inputs`) adds one observed
    term per test: the model's predicted lift against the measured one (docs/calibration.md).
    """
    if spec.geo is not None:
        from mmm_bayes.model.geo import build_geo_model

        return build_geo_model(spec, inputs)
    coords = {**inputs.coords, "lag": list(range(spec.adstock.l_max))}
    with pm.Model(coords=coords) as model:
        kpi_scale = pm.Data("kpi_scale", np.asarray(inputs.kpi_scale))
        tv = time_varying_block(spec, inputs.channels, len(inputs.dates))
        media, transform = media_block(spec, inputs, kpi_scale, tv.multiplier)
        pairs = interaction_block(spec, inputs, transform, kpi_scale)  # (date,), or 0
        media_mean = media.mean(axis=0).sum() + pairs.mean()
        mu = baseline_block(spec, inputs, kpi_scale, media_mean=media_mean)
        mu = mu + media.sum(axis=1) + pairs
        if tv.drift is not None:
            mu = mu + tv.drift
        likelihood_block(spec, inputs, mu, kpi_scale)
        if lift is not None:
            lift_block(lift, transform, model["effect"], kpi_scale)
    return model


def shared_values(model: pm.Model) -> dict[str, np.ndarray]:
    """Return the current values of the model's shared variables (data and prior numbers), by name.

    A model built from new data or priors of the same shape gives the values with which a
    compiled model refits without recompiling (``CompiledModel.with_data(**values)``).
    """
    return {var.name: var.get_value() for var in model.data_vars}


def structure_key(spec: ModelSpec, inputs: ModelInputs, lift: LiftInputs | None = None) -> str:
    """Return a key that is equal for models that compile to the same graph.

    Prior numbers, data values, column and channel names do not change the graph (they are
    shared values or labels); distribution families, transforms, terms and array sizes do.
    """

    def strip(obj):
        if isinstance(obj, dict):
            if "dist" in obj:
                return obj["dist"]
            labels = ("name", "column", "spend_column", "kpi")
            rf = {k: obj[k] is not None for k in ("reach_column", "frequency_column") if k in obj}
            return {k: strip(v) for k, v in obj.items() if k not in labels} | rf
        if isinstance(obj, list):
            return [strip(v) for v in obj]
        return obj

    dumped = strip(spec.model_dump(mode="json"))
    dumped.pop("controls", None)
    dumped.pop("date_col", None)
    lift_shape = list(lift.shape_key) if lift is not None else None
    return json.dumps([dumped, list(inputs.shape_key), lift_shape], sort_keys=True)
