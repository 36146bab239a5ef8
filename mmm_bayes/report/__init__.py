"""Reporting: figures written from analysis results."""

from .figures import (
    plot_contributions,
    plot_fit,
    plot_response_curves,
    plot_roas,
    write_figures,
)

__all__ = [
    "plot_contributions",
    "plot_fit",
    "plot_response_curves",
    "plot_roas",
    "write_figures",
]
