"""Pure transforms: numpy references and their PyTensor twins (imports numpy and PyTensor only)."""

from mmm_bayes.transforms.adstock import (
    delayed_adstock,
    delayed_adstock_pt,
    geometric_adstock,
    geometric_adstock_pt,
)
from mmm_bayes.transforms.saturation import (
    hill,
    hill_pt,
    logistic_saturation,
    logistic_saturation_pt,
)

__all__ = [
    "delayed_adstock",
    "delayed_adstock_pt",
    "geometric_adstock",
    "geometric_adstock_pt",
    "hill",
    "hill_pt",
    "logistic_saturation",
    "logistic_saturation_pt",
]
