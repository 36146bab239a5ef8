"""Prior vs posterior: contraction and shift per parameter element."""

import numpy as np
import pytest
import xarray as xr

from mmm_bayes.analysis import prior_posterior_table
from mmm_bayes.errors import DataError


def _ds(rng, **vars_):
    data = {}
    for name, (mean, sd) in vars_.items():
        mean = np.atleast_1d(mean)
        values = rng.normal(mean, sd, size=(2, 2000, len(mean)))
        data[name] = (("chain", "draw", f"{name}_dim"), values)
    return xr.Dataset(data, coords={"ch_dim": ["tv", "search"]})


def test_contraction_and_shift_by_hand():
    rng = np.random.default_rng(0)
    prior = xr.Dataset(
        {
            "a": (("chain", "draw"), rng.normal(0, 1, (2, 4000))),
            "b": (("chain", "draw", "channel"), rng.normal(0, 1, (2, 4000, 2))),
        },
        coords={"channel": ["tv", "search"]},
    )
    post = xr.Dataset(
        {
            "a": (("chain", "draw"), rng.normal(0.5, 0.1, (2, 4000))),
            "b": (
                ("chain", "draw", "channel"),
                np.stack([rng.normal(5, 0.2, (2, 4000)), rng.normal(0, 0.98, (2, 4000))], -1),
            ),
        },
        coords={"channel": ["tv", "search"]},
    )
    t = prior_posterior_table(prior, post).set_index("parameter")
    assert list(t.index) == ["a", "b[tv]", "b[search]"]
    # 8,000 draws: sample sds are within ~1.6% of their true values
    assert t.loc["a", "contraction"] == pytest.approx(1 - 0.1**2, abs=0.005)
    assert t.loc["a", "shift"] == pytest.approx(0.5, abs=0.05)
    assert t.loc["a", "verdict"] == "learned"
    assert t.loc["b[tv]", "verdict"] == "prior misplaced"  # 5 prior sds away
    assert t.loc["b[search]", "verdict"] == "prior-dominated"  # contraction ~0.04
    assert t.loc["b[search]", "variable"] == "b"
    assert t.loc["a", "prior_q95"] == pytest.approx(1.645, abs=0.06)


def test_missing_variables_are_named():
    prior = xr.Dataset({"a": (("chain", "draw"), np.zeros((1, 5)))})
    post = xr.Dataset({"a": (("chain", "draw"), np.zeros((1, 5)))})
    with pytest.raises(DataError, match=r"\['zeta'\] are not in both"):
        prior_posterior_table(prior, post, var_names=["zeta"])
