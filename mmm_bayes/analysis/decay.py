"""Adstock decay curves: how a period's spend is spread over the following periods, per draw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm_bayes.analysis.media import SAMPLE_DIMS, media_params, posterior_dataset
from mmm_bayes.spec import ModelSpec
from mmm_bayes.transforms import delayed_weights, geometric_weights

__all__ = ["adstock_decay", "decay_table"]


def adstock_decay(
    posterior: xr.Dataset | xr.DataTree, spec: ModelSpec, channels: tuple[str, ...]
) -> xr.DataArray:
    """Adstock weights per lag for every draw: the share of one period's spend felt k periods on.

    The weights are the model's normalized adstock weights (they sum to one over ``lag``):
    ``alpha**k`` for geometric adstock, ``alpha**((k - theta)**2)`` for delayed adstock
    (Jin et al. 2017, Eq. 1 and 3).

    Parameters
    ----------
    posterior : Dataset or DataTree
        Holds ``alpha`` (and ``theta`` for delayed adstock), dims (chain, draw, channel).
    spec : ModelSpec
        The adstock kind and ``l_max``.
    channels : tuple of str
        Channel order of the result.

    Returns
    -------
    DataArray
        Named ``adstock_weight``, dims (chain, draw, channel, lag), lag = 0 .. l_max - 1.
    """
    ds = posterior_dataset(posterior)
    params, l_max = media_params(ds, spec, channels), spec.adstock.l_max
    if spec.adstock.kind == "delayed":
        weights = delayed_weights(params["alpha"], params["theta"], l_max)
    else:
        weights = geometric_weights(params["alpha"], l_max)
    coords = {d: ds[d] for d in SAMPLE_DIMS} | {"channel": list(channels), "lag": np.arange(l_max)}
    return xr.DataArray(
        weights, dims=(*SAMPLE_DIMS, "channel", "lag"), coords=coords, name="adstock_weight"
    )


def decay_table(weights: xr.DataArray) -> pd.DataFrame:
    """Per channel: the mean lag and the lag by which half of the effect has arrived.

    Parameters
    ----------
    weights : DataArray
        Output of :func:`adstock_decay`.

    Returns
    -------
    DataFrame
        Indexed by channel: ``mean_lag`` (``sum_k k w_k``, periods; posterior mean and 5%/95%
        quantiles as ``mean_lag_q05``, ``mean_lag_q95``) and ``half_life`` (posterior median
        of the first lag at which the cumulative weight reaches one half).
    """
    lag = weights["lag"]
    mean_lag = (weights * lag).sum("lag")
    reached = weights.cumsum("lag") >= 0.5
    half = reached.argmax("lag")
    q = mean_lag.quantile([0.05, 0.95], dim=list(SAMPLE_DIMS))
    return pd.DataFrame(
        {
            "mean_lag": mean_lag.mean(SAMPLE_DIMS).to_numpy(),
            "mean_lag_q05": q.sel(quantile=0.05).to_numpy(),
            "mean_lag_q95": q.sel(quantile=0.95).to_numpy(),
            "half_life": half.median(SAMPLE_DIMS).to_numpy(),
        },
        index=pd.Index(weights["channel"].to_numpy(), name="channel"),
    )
