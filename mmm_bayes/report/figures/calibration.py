"""Lift tests against the model: measured lift and its interval beside the model's prediction."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import EngFormatter

from mmm_bayes.errors import DataError

from ._common import new_axes

#: z of a central 90% normal interval, for the measured lift's bar.
_Z90 = 1.6449


def plot_lift_tests(table: pd.DataFrame, *, ax: Axes | None = None, kpi_label: str = "KPI") -> Axes:
    """Plot each test's measured lift (90% interval from its SE) and the model's prediction.

    Parameters
    ----------
    table : DataFrame
        :func:`mmm_bayes.analysis.lift_test_table` output: ``lift``, ``lift_se``,
        ``predicted_mean``/``_lower_90``/``_upper_90`` and optionally the ``before_*`` columns of
        a fit without the tests, one row per test (the index labels the tests).
    ax : Axes, optional
        Axes to draw on; a new figure is opened when omitted.
    kpi_label : str
        Name of the KPI, for the axis label.

    Returns
    -------
    Axes
        Tests run top to bottom; per test the measured lift (black), the calibrated prediction
        (blue) and, if given, the uncalibrated one (grey).
    """
    need = ["lift", "lift_se", "predicted_mean", "predicted_lower_90", "predicted_upper_90"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise DataError(f"plot_lift_tests needs columns {missing}; use lift_test_table()")
    ax = ax if ax is not None else new_axes((7.0, 1.4 + 0.7 * len(table)))
    y = np.arange(len(table))[::-1].astype(float)
    series = [("measured", "lift", "black", 0.0)]
    if "before_mean" in table.columns:
        series.append(("model without tests", "before", "0.6", 0.22))
    series.append(("model" if len(series) == 1 else "model with tests", "predicted", "C0", -0.22))
    for label, key, color, dy in series:
        if key == "lift":
            mid, half = table["lift"].to_numpy(), _Z90 * table["lift_se"].to_numpy()
            lo, hi = mid - half, mid + half
        else:
            mid = table[f"{key}_mean"].to_numpy()
            lo, hi = table[f"{key}_lower_90"].to_numpy(), table[f"{key}_upper_90"].to_numpy()
        ax.errorbar(mid, y + dy, xerr=[mid - lo, hi - mid], fmt="o", color=color, capsize=3,
                    label=label)  # fmt: skip
    ax.axvline(0.0, color="0.8", lw=0.8, zorder=0)
    ax.set_yticks(y, [str(i) for i in table.index])
    ax.xaxis.set_major_formatter(EngFormatter(sep=""))  # -400k, not -400000
    ax.set_xlabel(f"incremental {kpi_label} over the test window (90% intervals)")
    ax.set_title("Lift tests: measured vs model")
    ax.legend(loc="best", fontsize="small")
    return ax
