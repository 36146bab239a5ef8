"""mmm_bayes: Bayesian marketing mix modeling on PyMC."""
