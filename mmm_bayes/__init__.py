"""mmm_bayes: Bayesian marketing mix modeling on PyMC.

>>> from mmm_bayes import MMM, datasets
"""

from mmm_bayes import datasets
from mmm_bayes.errors import ConfigError, DataError, FitError, MMMError
from mmm_bayes.mmm import MMM
from mmm_bayes.spec import ModelSpec, Prior, SamplerSettings, prior

__all__ = [
    "MMM",
    "ConfigError",
    "DataError",
    "FitError",
    "MMMError",
    "ModelSpec",
    "Prior",
    "SamplerSettings",
    "datasets",
    "prior",
]
