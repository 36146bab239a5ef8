"""Lift tests against the model: each test's measured lift beside the posterior's prediction.

The prediction is the numpy twin of the calibration block (:mod:`mmm_bayes.model.lift`):
the test channel's effect times the summed difference of its response with and without the
test's spend change over the test window, in KPI units, for every draw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm_bayes.analysis.media import (
    SAMPLE_DIMS,
    adstock_weights,
    media_params,
    posterior_dataset,
    saturate,
)
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.model.lift import LiftInputs
from mmm_bayes.spec import ModelSpec

__all__ = ["lift_predictions", "lift_test_table"]


def lift_predictions(
    posterior: xr.Dataset | xr.DataTree, lift: LiftInputs, inputs: ModelInputs, spec: ModelSpec
) -> xr.DataArray:
    """Predicted lift of each test per draw, KPI units, dims (chain, draw, lift_test).

    Works on any posterior of the spec (or prior draws), whether or not it was fitted with
    the tests, so an uncalibrated fit's predictions can be set beside a calibrated one's.
    """
    ds = posterior_dataset(posterior)
    params = media_params(ds, spec, inputs.channels)
    params.pop("multiplier", None)  # lift tests are on constant-effect channels only
    weights = adstock_weights(params, spec)  # (chain, draw, channel, lag)
    out = []
    for k, c in enumerate(lift.channel_idx):
        p = {name: v[..., c : c + 1] for name, v in params.items()}  # (chain, draw, 1)
        w = weights[..., c : c + 1, :]  # (chain, draw, 1, lag)
        n = int(lift.mask[k].sum())
        treated = _response(lift.treated[k, :n], p, w, spec)
        diff = (treated - _response(lift.base[k, :n], p, w, spec)).sum(axis=-1)[..., 0]
        out.append(p["effect"][..., 0] * diff * inputs.kpi_scale)
    coords = {d: ds[d] for d in SAMPLE_DIMS} | {"lift_test": lift.labels}
    return xr.DataArray(
        np.stack(out, axis=-1),
        dims=(*SAMPLE_DIMS, "lift_test"),
        coords=coords,
        name="predicted_lift",
        attrs={"units": "KPI"},
    )


def _response(lagged: np.ndarray, p: dict, w: np.ndarray, spec: ModelSpec) -> np.ndarray:
    """Return the normalized response of one test's lagged media (period, lag), every draw."""
    x = (lagged[None, None, None] * w[..., None, :]).sum(axis=-1)  # (chain, draw, 1, period)
    at_mean = saturate(np.ones((*p["effect"].shape, 1)), p, spec)
    return saturate(x, p, spec) / at_mean


def lift_test_table(
    lift: LiftInputs,
    predicted: xr.DataArray,
    *,
    before: xr.DataArray | None = None,
    prob: float = 0.9,
) -> pd.DataFrame:
    """Measured lift beside the predicted lift (mean and central ``prob`` interval).

    Parameters
    ----------
    lift : LiftInputs
        The tests.
    predicted : DataArray
        :func:`lift_predictions` of the (calibrated) fit.
    before : DataArray, optional
        :func:`lift_predictions` of a fit without the tests: adds ``before_*`` columns.
    prob : float, default 0.9
        Interval mass.

    Returns
    -------
    DataFrame
        One row per test: channel, start, end, spend change, measured lift and SE, the
        measured lift's z-score against the predicted mean, and the predicted mean and interval.
    """
    rows = pd.DataFrame(
        {
            "channel": [t.channel for t in lift.tests],
            "start": [t.start for t in lift.tests],
            "end": [t.end for t in lift.tests],
            "spend_delta": [t.spend_delta for t in lift.tests],
            "spend": [t.spend for t in lift.tests],
            "lift": lift.lift,
            "lift_se": lift.lift_se,
        },
        index=pd.Index(lift.labels, name="lift_test"),
    )
    parts = [rows, _summary(predicted, prob, lift, "predicted")]
    if before is not None:
        parts.append(_summary(before, prob, lift, "before"))
    return pd.concat(parts, axis=1)


def _summary(pred: xr.DataArray, prob: float, lift: LiftInputs, prefix: str) -> pd.DataFrame:
    flat = pred.stack(sample=SAMPLE_DIMS).transpose("lift_test", "sample").to_numpy()
    lo, hi = np.quantile(flat, [(1 - prob) / 2, (1 + prob) / 2], axis=1)
    mean, sd = flat.mean(axis=1), flat.std(axis=1)
    # the measured lift's distance from the prediction, in the combined standard error
    z = (lift.lift - mean) / np.sqrt(lift.lift_se**2 + sd**2)
    pct = f"{round(100 * prob)}"
    return pd.DataFrame(
        {
            f"{prefix}_mean": mean,
            f"{prefix}_lower_{pct}": lo,
            f"{prefix}_upper_{pct}": hi,
            f"{prefix}_z": z,
        },
        index=pd.Index(lift.labels, name="lift_test"),
    )
