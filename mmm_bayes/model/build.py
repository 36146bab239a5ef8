"""Assemble the PyMC graph from a spec and its inputs. No sampling, no I/O, no plotting."""

from __future__ import annotations

import numpy as np
import pymc as pm

from mmm_bayes.model.blocks.baseline import baseline_block
from mmm_bayes.model.blocks.likelihood import likelihood_block
from mmm_bayes.model.blocks.media import media_block
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec


def build_model(spec: ModelSpec, inputs: ModelInputs) -> pm.Model:
    """Assemble the national MMM.

    ``kpi = (intercept + trend + seasonality + controls + sum_c media_c) * kpi_scale + noise``,
    with ``media_c = effect_c * sat(adstock(spend_c / mean spend_c)) / sat(1)``.

    Every array that depends on the data or on prior numbers is a ``pm.Data`` variable, so
    a compiled model can be refit on new data of the same shape, or with new prior numbers,
    without recompiling.
    """
    with pm.Model(coords=inputs.coords) as model:
        kpi_scale = pm.Data("kpi_scale", np.asarray(inputs.kpi_scale))
        media = media_block(spec, inputs, kpi_scale)
        mu = baseline_block(spec, inputs, kpi_scale) + media.sum(axis=1)
        likelihood_block(spec, inputs, mu, kpi_scale)
    return model


def shared_values(model: pm.Model) -> dict[str, np.ndarray]:
    """Return the current values of the model's shared variables (data and prior numbers), by name.

    A model built from new data or priors of the same shape gives the values with which a
    compiled model refits without recompiling (``CompiledModel.with_data(**values)``).
    """
    return {var.name: var.get_value() for var in model.data_vars}
