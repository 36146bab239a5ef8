"""mmm_bayes: Bayesian marketing mix modeling on PyMC.

>>> from mmm_bayes import MMM, datasets
"""

from typing import TYPE_CHECKING

from mmm_bayes import datasets
from mmm_bayes.errors import ConfigError, DataError, FitError, MMMError
from mmm_bayes.spec import ModelSpec, Prior, RunConfig, SamplerSettings, prior

if TYPE_CHECKING:
    from mmm_bayes.mmm import MMM


def __getattr__(name: str):
    """Import the MMM facade (and PyMC with it) on first use, so light tools start fast."""
    if name == "MMM":
        from mmm_bayes.mmm import MMM

        return MMM
    raise AttributeError(f"module 'mmm_bayes' has no attribute {name!r}")


__all__ = [
    "MMM",
    "ConfigError",
    "DataError",
    "FitError",
    "MMMError",
    "ModelSpec",
    "Prior",
    "RunConfig",
    "SamplerSettings",
    "datasets",
    "prior",
]
