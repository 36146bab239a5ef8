"""Add smoothed copies of columns (a past KPI forecast) to a table, as controls to model with."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mmm_bayes.errors import DataError
from mmm_bayes.spec.granular import SmoothedColumn
from mmm_bayes.transforms.forecast import smooth_forecast

__all__ = ["add_smoothed"]


def add_smoothed(
    frame: pd.DataFrame,
    specs: Sequence[SmoothedColumn | dict],
    *,
    date_col: str,
    source: str = "data",
) -> pd.DataFrame:
    """Return ``frame`` with one smoothed column per spec (see :func:`smooth_forecast`).

    Rows are smoothed in date order (the result is put back in the frame's own order).

    Parameters
    ----------
    frame : DataFrame
        One row per period.
    specs : sequence of SmoothedColumn or dict
        ``column`` to smooth, ``name`` of the new column, ``cutoff_periods``,
        ``spike_threshold``.
    date_col : str
        Date column, to order the periods.
    source : str
        Name of the data in messages.

    Raises
    ------
    DataError
        If a column is missing, not numeric or has missing values, or the new name exists.

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=30, freq="W-MON"),
    ...                    "forecast": np.linspace(100.0, 130.0, 30)})
    >>> out = add_smoothed(df, [{"column": "forecast", "name": "fc_smooth"}], date_col="date")
    >>> bool(np.allclose(out["fc_smooth"], df["forecast"]))   # a straight line passes
    True
    """
    out = frame.copy()
    order = np.argsort(pd.to_datetime(frame[date_col], errors="coerce").to_numpy(), kind="stable")
    for spec in specs:
        spec = SmoothedColumn.model_validate(spec)
        if spec.column not in out.columns:
            raise DataError(
                f"{source}: smooth: column {spec.column!r} not found; the data has columns "
                f"{[str(c) for c in out.columns]}"
            )
        if spec.name in out.columns:
            raise DataError(
                f"{source}: smooth: column {spec.name!r} exists already; choose another name"
            )
        values = pd.to_numeric(out[spec.column], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            rows = ", ".join(str(out.index[i]) for i in bad[:5])
            raise DataError(
                f"{source}: smooth: column {spec.column!r} is missing or not numeric at rows "
                f"{rows}; fill them in (the smoothing needs every period)"
            )
        smooth = np.empty_like(values)
        smooth[order] = smooth_forecast(
            values[order],
            cutoff_periods=spec.cutoff_periods,
            spike_threshold=spec.spike_threshold,
        )
        out[spec.name] = smooth
    return out
