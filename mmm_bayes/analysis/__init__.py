"""Posterior analysis: contributions, ROAS, response curves, predictive checks and validation."""

from mmm_bayes.analysis.calibration import lift_predictions, lift_test_table
from mmm_bayes.analysis.contributions import contribution_table, contributions
from mmm_bayes.analysis.decay import adstock_decay, decay_table
from mmm_bayes.analysis.geo import geo_roas
from mmm_bayes.analysis.media import channel_contribution, media_params, posterior_dataset
from mmm_bayes.analysis.ppc import (
    PredictiveCheck,
    band_coverage,
    bayesian_p_values,
    crps_ensemble,
    fit_metrics,
    predictive_bands,
    predictive_check,
    predictive_draws,
)
from mmm_bayes.analysis.prior_posterior import prior_posterior_table
from mmm_bayes.analysis.reach_frequency import frequency_response, optimal_frequency
from mmm_bayes.analysis.roas import marginal_roas, response_curves, roas, roas_table
from mmm_bayes.analysis.spectrum import ResidualSpectrum, periodogram, residual_spectrum
from mmm_bayes.analysis.stability import StabilityResult, compare_windows, split_windows
from mmm_bayes.analysis.time_varying import time_varying_coefficients, time_varying_table
from mmm_bayes.analysis.validation import (
    Fold,
    FoldResult,
    ValidationResult,
    holdout_folds,
    validate,
)

__all__ = [
    "Fold",
    "FoldResult",
    "PredictiveCheck",
    "ResidualSpectrum",
    "StabilityResult",
    "ValidationResult",
    "adstock_decay",
    "band_coverage",
    "bayesian_p_values",
    "channel_contribution",
    "compare_windows",
    "contribution_table",
    "contributions",
    "crps_ensemble",
    "decay_table",
    "fit_metrics",
    "frequency_response",
    "geo_roas",
    "holdout_folds",
    "lift_predictions",
    "lift_test_table",
    "marginal_roas",
    "media_params",
    "optimal_frequency",
    "periodogram",
    "posterior_dataset",
    "predictive_bands",
    "predictive_check",
    "predictive_draws",
    "prior_posterior_table",
    "residual_spectrum",
    "response_curves",
    "roas",
    "roas_table",
    "split_windows",
    "time_varying_coefficients",
    "time_varying_table",
    "validate",
]
