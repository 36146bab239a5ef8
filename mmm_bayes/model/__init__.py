"""Model assembly: spec + data -> PyMC model."""

from mmm_bayes.model.build import build_model, shared_values, structure_key
from mmm_bayes.model.inputs import ModelInputs, build_inputs

__all__ = ["ModelInputs", "build_inputs", "build_model", "shared_values", "structure_key"]
