"""Inference: sampling (nutpie, PyMC, NumPyro) and the run-folder store."""
