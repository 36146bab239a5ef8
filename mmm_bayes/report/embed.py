"""Embed matplotlib figures in HTML as base64 PNG data URIs."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

from matplotlib.figure import Figure

__all__ = ["DPI", "figure_uri"]

#: Resolution of embedded figures.
DPI = 100


def figure_uri(
    draw: Callable[[Figure], object], size: tuple[float, float], *, dpi: float = DPI
) -> str:
    """Draw on a new bare figure and return it as a ``data:image/png;base64,...`` URI.

    The figure never enters pyplot's registry, so nothing is left open, even if ``draw``
    fails.

    Parameters
    ----------
    draw : callable
        ``draw(fig)`` draws on the empty figure.
    size : (float, float)
        Figure size in inches.
    dpi : float, default 100
        Resolution.
    """
    fig = Figure(figsize=size, layout="constrained")
    try:
        draw(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
    finally:
        fig.clear()
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
