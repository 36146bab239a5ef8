"""Convergence diagnostics as values: divergences, R-hat, bulk ESS, each with advice."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import arviz as az
import numpy as np
import xarray as xr

#: Thresholds: Vehtari et al. (2021) recommend R-hat <= 1.01 and bulk ESS >= 100 per chain.
MAX_RHAT = 1.01
MIN_ESS = 400


@dataclass(frozen=True)
class Check:
    """One diagnostic: its value, the threshold, pass/fail, and what to do if it fails."""

    name: str
    status: Literal["pass", "fail"]
    value: float
    threshold: float
    worst: str
    advice: str

    def to_dict(self) -> dict:
        """Return the check as a plain dict (for JSON)."""
        return asdict(self)


def convergence_checks(idata: xr.DataTree, var_names: list[str] | None = None) -> list[Check]:
    """Return the divergence, R-hat and bulk-ESS checks of a posterior.

    ``worst`` names the parameter (and element) with the worst value, so a failure says where
    to look, e.g. ``effect[display]``.
    """
    post = idata["posterior"].to_dataset()
    names = var_names or list(post.data_vars)
    rhat = az.rhat(idata, var_names=names)
    ess = az.ess(idata, var_names=names, method="bulk")
    worst_rhat, max_rhat = _extreme(rhat, np.nanargmax)
    worst_ess, min_ess = _extreme(ess, np.nanargmin)
    div = int(idata["sample_stats"]["diverging"].sum()) if "sample_stats" in idata else 0
    return [
        Check(
            "divergences", "pass" if div == 0 else "fail", float(div), 0.0, "",
            "raise target_accept (e.g. 0.95) or tighten the priors of weakly identified "
            "channels; divergences mean the posterior was not fully explored",
        ),
        Check(
            "max R-hat", "pass" if max_rhat <= MAX_RHAT else "fail", max_rhat, MAX_RHAT,
            worst_rhat,
            "chains disagree: run longer (tune, draws) or more chains, and look at the trace "
            "of the parameter named in 'worst'",
        ),
        Check(
            "min bulk ESS", "pass" if min_ess >= MIN_ESS else "fail", min_ess, MIN_ESS,
            worst_ess,
            "too few effective draws for stable intervals: raise draws, or tighten the prior "
            "of the parameter named in 'worst'",
        ),
    ]  # fmt: skip


def _extreme(ds: xr.Dataset, pick) -> tuple[str, float]:
    """Return the label (``name[coord,...]``) and value that ``pick`` (argmin/argmax) selects."""
    labels, values = [], []
    for name, da in ds.data_vars.items():
        flat = da.stack(_element=da.dims) if da.ndim else da.expand_dims("_element")
        for element, value in zip(flat["_element"].values, flat.values, strict=True):
            parts = element if isinstance(element, tuple) else (element,)
            labels.append(f"{name}[{','.join(map(str, parts))}]" if da.ndim else name)
            values.append(float(value))
    values = np.asarray(values)
    if not np.isfinite(values).any():
        return "", float("nan")
    i = int(pick(values))
    return labels[i], float(values[i])
