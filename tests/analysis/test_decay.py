"""Adstock decay curves: the model's normalized weights, and their summaries."""

import numpy as np
import pytest
import xarray as xr

from mmm_bayes.analysis import adstock_decay, decay_table
from mmm_bayes.testing import example_inputs, example_spec, fake_posterior
from mmm_bayes.transforms import delayed_weights, geometric_weights


@pytest.mark.parametrize("adstock", [{"kind": "geometric"}, {"kind": "delayed", "l_max": 6}])
def test_decay_is_the_models_weights(adstock):
    spec = example_spec(adstock=adstock)
    inputs = example_inputs(spec)
    post = fake_posterior(spec, inputs, draws=20, random_seed=1)
    w = adstock_decay(post, spec, inputs.channels)
    assert w.dims == ("chain", "draw", "channel", "lag")
    assert w.sizes["lag"] == spec.adstock.l_max
    np.testing.assert_allclose(w.sum("lag"), 1.0, rtol=1e-12)
    p = post["posterior"]
    alpha = p["alpha"].transpose("chain", "draw", "channel").to_numpy()
    if adstock["kind"] == "delayed":
        theta = p["theta"].transpose("chain", "draw", "channel").to_numpy()
        expected = delayed_weights(alpha, theta, 6)
    else:
        expected = geometric_weights(alpha, spec.adstock.l_max)
    np.testing.assert_allclose(w.to_numpy(), expected, rtol=1e-12)


def test_decay_table_mean_lag_and_half_life():
    # alpha = 0.5 and l_max = 8: weights 0.5**k / sum; the mean lag is sum(k w_k)
    w = geometric_weights(np.full((1, 2, 1), 0.5), 8)
    da = xr.DataArray(
        w, dims=("chain", "draw", "channel", "lag"), coords={"channel": ["tv"], "lag": np.arange(8)}
    )
    table = decay_table(da)
    k = np.arange(8)
    expected = np.sum(k * 0.5**k) / np.sum(0.5**k)
    assert table.loc["tv", "mean_lag"] == pytest.approx(expected)
    assert table.loc["tv", "half_life"] == 0  # lag 0 already holds just over one half
    slow = xr.DataArray(
        geometric_weights(np.full((1, 2, 1), 0.9), 8), dims=da.dims, coords=da.coords
    )
    assert (
        decay_table(slow).loc["tv", "half_life"] == 3
    )  # 0.9**k: cumulative share 0.48 at lag 2, 0.60 at lag 3
