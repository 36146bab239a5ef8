"""Residual periodogram: power against period, with the white-noise level and flagged peaks."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from mmm_bayes.analysis.spectrum import ResidualSpectrum

from ._common import new_axes


def plot_residual_spectrum(spectrum: ResidualSpectrum, *, ax: Axes | None = None) -> Axes:
    """Plot the periodogram of the residuals against the period, longest periods on the left.

    Each ordinate is drawn as its share of the residual variance. The dotted line is the
    average share (what white noise would show everywhere); the dashed line is the share
    above which the strongest peak is flagged (Fisher's g test); flagged peaks are marked in
    red with their period.

    Parameters
    ----------
    spectrum : ResidualSpectrum
        From :func:`mmm_bayes.analysis.residual_spectrum`.
    ax : Axes, optional
        Axes to draw on; a new figure is opened when omitted.

    Returns
    -------
    Axes
    """
    table, unit = spectrum.table, spectrum.period_label
    total = float(table["power"].sum())
    share = 100 * table["share"]
    ax = ax if ax is not None else new_axes((10.0, 3.2))
    ax.vlines(table["period"], 0, share, color="C0", lw=1.5)
    ax.plot(table["period"], share, "o", color="C0", ms=3, label="periodogram")
    ax.axhline(float(share.mean()), color="0.4", ls=":", label="white-noise level")
    if np.isfinite(spectrum.threshold) and total > 0:
        ax.axhline(
            100 * spectrum.threshold / total,
            color="C3",
            ls="--",
            lw=1,
            label="flagged above (Fisher's g, 1%)",
        )
    for _, peak in spectrum.peaks.iterrows():
        row = table.iloc[int(np.argmin(np.abs(table["period"] - peak["period"])))]
        ax.plot([row["period"]], [100 * row["share"]], "o", color="C3", ms=7)
        name = f" ({peak['cycle']})" if peak["cycle"] else ""
        ax.annotate(
            f"{peak['period']:.1f} {unit}{name}",
            (row["period"], 100 * row["share"]),
            textcoords="offset points",
            xytext=(6, 4),
            color="C3",
            fontsize="small",
        )
    ax.set_xscale("log")
    ax.invert_xaxis()
    ax.set_xlabel(f"period ({unit} per cycle, log scale)")
    ax.set_ylabel("% of residual variance")
    ax.set_title("Residual spectrum: periodic structure left in the residuals")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize="small")
    return ax
