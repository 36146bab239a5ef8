"""Read and check the tables a model is fitted to."""

from mmm_bayes.data.load import read_table
from mmm_bayes.data.validate import ValidatedData, data_fingerprint, validate_data

__all__ = ["ValidatedData", "data_fingerprint", "read_table", "validate_data"]
