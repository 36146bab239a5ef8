"""Turn :class:`~mmm_bayes.spec.Prior` specs into PyMC variables with shared-data parameters.

A prior's numbers are ``pm.Data`` named ``prior__<variable>__<parameter>``, so a refit with new
prior numbers swaps data instead of recompiling.
"""

from __future__ import annotations

import numpy as np
import pymc as pm

from mmm_bayes.spec import Prior


def prior_data_name(var: str, param: str) -> str:
    """Name of the shared variable that holds ``param`` of ``var``'s prior."""
    return f"prior__{var}__{param}"


def prior_values(name: str, priors: Prior | list[Prior]) -> dict[str, np.ndarray]:
    """Return the shared-data values for ``name``'s prior(s): one entry per parameter."""
    many = isinstance(priors, list)
    items = priors if many else [priors]
    return {
        prior_data_name(name, p): np.asarray(
            [pr.params[p] for pr in items] if many else items[0].params[p]
        )
        for p in items[0].params
    }


def make_rv(name: str, priors: Prior | list[Prior], *, dims: str | tuple[str, ...] | None = None):
    """Register ``name`` in the current model with the given prior.

    Parameters
    ----------
    name : str
        Variable name.
    priors : Prior or list of Prior
        One prior (scalar or shared across ``dims``), or one per element of a 1-d ``dims``;
        a list must use one distribution family.
    dims : str or tuple of str, optional
        PyMC dims of the variable.
    """
    first = priors[0] if isinstance(priors, list) else priors
    values = prior_values(name, priors)
    data_dims = dims if isinstance(priors, list) else None
    params = {
        p: pm.Data(prior_data_name(name, p), values[prior_data_name(name, p)], dims=data_dims)
        for p in first.params
    }
    return getattr(pm, first.dist)(name, **params, dims=dims)
