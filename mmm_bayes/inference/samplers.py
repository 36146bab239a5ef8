"""Which samplers can run here: their optional packages, looked up without importing them.

Kept apart from :mod:`mmm_bayes.inference.sample` (which imports PyMC) so that
``mmm-bayes validate`` can check a config's sampler quickly.
"""

from __future__ import annotations

from importlib.util import find_spec

#: Samplers that need an optional package: sampler -> (module, pyproject extra).
OPTIONAL_SAMPLERS = {"numpyro": ("numpyro", "jax")}


def sampler_unavailable(sampler: str) -> str | None:
    """Say why ``sampler`` cannot run in this environment; None when it can.

    Parameters
    ----------
    sampler : str
        A ``SamplerSettings.sampler`` value: ``"nutpie"``, ``"pymc"`` or ``"numpyro"``.

    Returns
    -------
    str or None
        The missing package and the command that installs it, or None.

    Examples
    --------
    >>> sampler_unavailable("nutpie") is None
    True
    """
    module, extra = OPTIONAL_SAMPLERS.get(sampler, (None, None))
    if module is None or find_spec(module) is not None:
        return None
    return (
        f"the {sampler!r} sampler needs the {module!r} package, which is not installed; "
        f"install it with: pip install 'mmm_bayes[{extra}]' (or use sampler: nutpie)"
    )
