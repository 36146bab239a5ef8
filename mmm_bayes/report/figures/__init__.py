"""Figures drawn from analysis results: each takes xarray results, never a model.

One module per figure family: `roas`, `contributions`, `response` (response curves) and `fit`;
`write` saves the standard set as PNG files.
"""

from .contributions import plot_contributions
from .fit import plot_fit
from .response import plot_response_curves
from .roas import plot_roas
from .write import write_figures

__all__ = [
    "plot_contributions",
    "plot_fit",
    "plot_response_curves",
    "plot_roas",
    "write_figures",
]
