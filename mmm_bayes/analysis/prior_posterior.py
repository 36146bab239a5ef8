"""Prior against posterior per parameter: how much the data moved each prior.

Two numbers per parameter element (Betancourt 2018, "Calibrating model-based inferences"):

- *contraction* ``1 - var(posterior) / var(prior)``: near 1 the data pinned the parameter
  down, near 0 the posterior is the prior (the data say little about it; its value in the
  results comes from the prior);
- *shift* ``(mean(posterior) - mean(prior)) / sd(prior)``: how far, in prior standard
  deviations, the data moved it. A large shift with a large contraction is learning; a shift
  of several prior sds says the prior was in the wrong place.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm_bayes.analysis.media import SAMPLE_DIMS, posterior_dataset
from mmm_bayes.errors import DataError

__all__ = ["CONTRACTION_WEAK", "prior_posterior_table"]

#: Below this contraction a parameter is called prior-dominated.
CONTRACTION_WEAK = 0.1
#: Above this |shift| (prior sds) the prior is called misplaced.
SHIFT_FAR = 3.0


def _summary(da: xr.DataArray) -> dict[str, np.ndarray]:
    dims = [d for d in SAMPLE_DIMS if d in da.dims]
    q = da.quantile([0.05, 0.95], dim=dims)
    return {
        "mean": da.mean(dims).to_numpy().ravel(),
        "sd": da.std(dims, ddof=1).to_numpy().ravel(),
        "q05": q.isel(quantile=0).to_numpy().ravel(),
        "q95": q.isel(quantile=1).to_numpy().ravel(),
    }


def _labels(name: str, da: xr.DataArray) -> list[str]:
    dims = [d for d in da.dims if d not in SAMPLE_DIMS]
    if not dims:
        return [name]
    index = pd.MultiIndex.from_product([da[d].to_numpy() for d in dims])
    return [f"{name}[{','.join(map(str, i if isinstance(i, tuple) else (i,)))}]" for i in index]


def prior_posterior_table(
    prior: xr.Dataset | xr.DataTree,
    posterior: xr.Dataset | xr.DataTree,
    var_names: list[str] | None = None,
) -> pd.DataFrame:
    """Summarize prior and posterior of every parameter element side by side.

    Parameters
    ----------
    prior : Dataset or DataTree
        Draws from the prior (the ``prior`` group of ``sample_prior_predictive``).
    posterior : Dataset or DataTree
        The posterior.
    var_names : list of str, optional
        Parameters to compare; default every posterior variable that the prior also has.

    Returns
    -------
    DataFrame
        One row per element (``parameter`` such as ``alpha[tv]``, and its ``variable``):
        ``prior_mean``, ``prior_sd``, ``prior_q05``, ``prior_q95``, the same for the
        posterior, ``contraction``, ``shift`` and ``verdict`` (``"learned"``,
        ``"prior-dominated"`` or ``"prior misplaced"``).

    Raises
    ------
    DataError
        If a requested variable is missing from the prior or the posterior.
    """
    pri = prior["prior"].to_dataset() if isinstance(prior, xr.DataTree) else prior
    post = posterior_dataset(posterior)
    names = var_names or [v for v in post.data_vars if v in pri.data_vars]
    missing = [v for v in names if v not in pri.data_vars or v not in post.data_vars]
    if missing:
        raise DataError(
            f"prior vs posterior: variable(s) {missing} are not in both the prior "
            f"({sorted(map(str, pri.data_vars))}) and the posterior draws."
        )
    frames = []
    for name in names:
        a, b = pri[name], post[name].transpose(*pri[name].dims)
        left, right = _summary(a), _summary(b)
        frame = pd.DataFrame(
            {f"prior_{k}": v for k, v in left.items()}
            | {f"posterior_{k}": v for k, v in right.items()}
        )
        frame.insert(0, "variable", name)
        frame.insert(0, "parameter", _labels(str(name), b))
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["contraction"] = 1.0 - (table["posterior_sd"] / table["prior_sd"]) ** 2
        table["shift"] = (table["posterior_mean"] - table["prior_mean"]) / table["prior_sd"]
    table["verdict"] = np.select(
        [table["shift"].abs() > SHIFT_FAR, table["contraction"] < CONTRACTION_WEAK],
        ["prior misplaced", "prior-dominated"],
        "learned",
    )
    return table
