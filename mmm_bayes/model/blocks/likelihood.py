"""Likelihood block: the KPI, in its own units, around the model's mean."""

from __future__ import annotations

import pymc as pm
import pytensor.tensor as pt

from mmm_bayes.model.blocks.priors import make_rv
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec


def likelihood_block(spec: ModelSpec, inputs: ModelInputs, mu: pt.TensorVariable, kpi_scale):
    """Observe ``kpi`` (KPI units) with mean ``mu * kpi_scale``; noise priors are on the scaled KPI.

    Observing in KPI units keeps predictive draws in KPI units while the sampler still works on
    scaled parameters (the log-density differs only by a constant).
    """
    kpi = pm.Data("kpi_observed", inputs.kpi, dims="date")
    sigma = make_rv("sigma", spec.likelihood.sigma)
    if spec.likelihood.kind == "student_t":
        nu = make_rv("nu", spec.likelihood.nu)
        return pm.StudentT(
            "kpi", nu=nu, mu=mu * kpi_scale, sigma=sigma * kpi_scale, observed=kpi, dims="date"
        )
    return pm.Normal("kpi", mu=mu * kpi_scale, sigma=sigma * kpi_scale, observed=kpi, dims="date")
