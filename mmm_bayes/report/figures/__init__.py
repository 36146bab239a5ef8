"""Figures drawn from analysis results: each takes xarray results, never a model.

One module per figure family: `roas`, `contributions`, `response` (response curves), `fit`,
and for the review report `data`, `ppc`, `spectrum`, `waterfall`, `decay`, `priors` and
`validation`; `write` saves the standard set as PNG files.
"""

from .calibration import plot_lift_tests
from .contributions import plot_contributions
from .data import plot_data_overview
from .decay import plot_adstock_decay
from .fit import plot_fit
from .frequency import plot_frequency_response
from .geo import plot_geo_roas, plot_time_varying
from .ppc import plot_predictive_check, plot_residuals
from .priors import plot_prior_posterior
from .response import plot_response_curves
from .roas import plot_roas
from .spectrum import plot_residual_spectrum
from .validation import plot_holdout, plot_stability
from .waterfall import plot_waterfall
from .write import write_figures

__all__ = [
    "plot_adstock_decay",
    "plot_contributions",
    "plot_data_overview",
    "plot_fit",
    "plot_frequency_response",
    "plot_geo_roas",
    "plot_holdout",
    "plot_lift_tests",
    "plot_predictive_check",
    "plot_prior_posterior",
    "plot_residual_spectrum",
    "plot_residuals",
    "plot_response_curves",
    "plot_roas",
    "plot_stability",
    "plot_time_varying",
    "plot_waterfall",
    "write_figures",
]
