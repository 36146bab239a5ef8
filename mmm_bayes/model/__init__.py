"""Model assembly: spec + data -> PyMC model."""

from mmm_bayes.model.build import build_model, shared_values, structure_key
from mmm_bayes.model.geo import GeoInputs
from mmm_bayes.model.inputs import ModelInputs, build_inputs
from mmm_bayes.model.lift import LiftInputs, build_lift_inputs

__all__ = [
    "GeoInputs",
    "LiftInputs",
    "ModelInputs",
    "build_inputs",
    "build_lift_inputs",
    "build_model",
    "shared_values",
    "structure_key",
]
