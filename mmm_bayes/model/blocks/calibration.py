"""Calibration block: each lift test's measured lift observed around the model's prediction."""

from __future__ import annotations

import pymc as pm
import pytensor.tensor as pt

from mmm_bayes.model.blocks.media import MediaTransform
from mmm_bayes.model.lift import LiftInputs


def lift_block(lift: LiftInputs, transform: MediaTransform, effect, kpi_scale) -> pt.TensorVariable:
    """Observe ``lift`` (KPI units, dims lift_test) ~ Normal(predicted lift, the test's SE).

    The predicted lift of a test is its channel's effect times the summed difference of the
    channel's response with and without the test's spend change over the test window (see
    :mod:`mmm_bayes.model.lift`), so adstock and saturation act at the spend level of the test.
    Every array is ``pm.Data``: new test numbers of the same shape refit without recompiling.
    """
    model = pm.modelcontext(None)
    model.add_coord("lift_test", lift.labels)
    model.add_coord("lift_period", list(range(lift.mask.shape[1])))
    dims = ("lift_test", "lift_period", "lag")
    idx = pm.Data("lift_channel_idx", lift.channel_idx, dims="lift_test")
    base = pm.Data("lift_base_lagged", lift.base, dims=dims)
    treated = pm.Data("lift_treated_lagged", lift.treated, dims=dims)
    mask = pm.Data("lift_mask", lift.mask, dims=dims[:2])
    diff = (transform.response(treated, idx) - transform.response(base, idx)) * mask
    predicted = pm.Deterministic(
        "lift_predicted", effect[idx] * diff.sum(axis=1) * kpi_scale, dims="lift_test"
    )
    se = pm.Data("lift_se", lift.lift_se, dims="lift_test")
    observed = pm.Data("lift_observed", lift.lift, dims="lift_test")
    return pm.Normal("lift", mu=predicted, sigma=se, observed=observed, dims="lift_test")
