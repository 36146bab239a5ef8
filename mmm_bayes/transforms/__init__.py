"""Pure transforms: numpy references and their PyTensor twins (imports numpy and PyTensor only)."""

from mmm_bayes.transforms.adstock import (
    apply_lag_weights_pt,
    convolve_weights,
    delayed_adstock,
    delayed_adstock_pt,
    delayed_weights,
    delayed_weights_pt,
    geometric_adstock,
    geometric_adstock_pt,
    geometric_weights,
    geometric_weights_pt,
    lag_stack,
)
from mmm_bayes.transforms.saturation import (
    hill,
    hill_pt,
    logistic_saturation,
    logistic_saturation_pt,
)
from mmm_bayes.transforms.seasonality import fourier_features, fourier_names

__all__ = [
    "apply_lag_weights_pt",
    "convolve_weights",
    "delayed_adstock",
    "delayed_adstock_pt",
    "delayed_weights",
    "delayed_weights_pt",
    "fourier_features",
    "fourier_names",
    "geometric_adstock",
    "geometric_adstock_pt",
    "geometric_weights",
    "geometric_weights_pt",
    "hill",
    "hill_pt",
    "lag_stack",
    "logistic_saturation",
    "logistic_saturation_pt",
]
