"""Posterior analysis: contributions, ROAS, response curves."""

from mmm_bayes.analysis.contributions import contribution_table, contributions
from mmm_bayes.analysis.media import channel_contribution, media_params, posterior_dataset
from mmm_bayes.analysis.roas import marginal_roas, response_curves, roas, roas_table

__all__ = [
    "channel_contribution",
    "contribution_table",
    "contributions",
    "marginal_roas",
    "media_params",
    "posterior_dataset",
    "response_curves",
    "roas",
    "roas_table",
]
