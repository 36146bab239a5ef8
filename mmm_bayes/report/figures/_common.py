"""Helpers shared by the figure modules: posterior summaries, checks, axes, atomic PNG writes."""

from __future__ import annotations

import difflib
import os
import uuid
from collections.abc import Hashable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mmm_bayes.errors import DataError

#: Dimensions that index posterior draws; every summary reduces over whichever of them are present.
SAMPLE_DIMS = ("chain", "draw", "sample")


def sample_dims(obj: xr.DataArray | xr.Dataset) -> list[Hashable]:
    """Return the draw-indexing dimensions of ``obj`` (a subset of ``SAMPLE_DIMS``)."""
    return [d for d in SAMPLE_DIMS if d in obj.dims]


def posterior_mean(da: xr.DataArray) -> xr.DataArray:
    """Average ``da`` over its draw dimensions (chain, draw)."""
    return da.mean(sample_dims(da))


def interval_bounds(interval: float) -> tuple[float, float]:
    """Return the quantile levels bounding a central ``interval``: 0.9 gives (0.05, 0.95).

    Raises
    ------
    ValueError
        If ``interval`` is not strictly between 0 and 1.
    """
    if not 0.0 < interval < 1.0:
        raise ValueError(f"interval must be strictly between 0 and 1 (e.g. 0.9), got {interval!r}.")
    return (1.0 - interval) / 2.0, (1.0 + interval) / 2.0


def central_interval(da: xr.DataArray, interval: float) -> tuple[xr.DataArray, xr.DataArray]:
    """Return the lower and upper ends of the central ``interval`` of ``da`` over its draws.

    Quantiles are numpy's default (linear interpolation) over all chains and draws pooled.
    """
    lo, hi = interval_bounds(interval)
    dims = sample_dims(da)
    if not dims:
        raise DataError(
            f"{da.name or 'result'!r} has no draw dimension (one of {list(SAMPLE_DIMS)}); "
            f"its dims are {list(da.dims)}. Pass the posterior draws, not a summary."
        )
    q = da.quantile([lo, hi], dim=dims)
    return q.isel(quantile=0, drop=True), q.isel(quantile=1, drop=True)


def require_dims(da: xr.DataArray, wanted: Iterable[Hashable], what: str) -> None:
    """Raise ``DataError`` unless ``da`` has exactly the ``wanted`` dims besides its draw dims."""
    wanted = list(wanted)
    other = [d for d in da.dims if d not in SAMPLE_DIMS]
    if sorted(map(str, other)) != sorted(map(str, wanted)):
        raise DataError(
            f"{what} should have dims (chain, draw, {', '.join(map(str, wanted))}); "
            f"got {tuple(da.dims)}. Select or sum the extra dimensions away first."
        )


def require_vars(ds: xr.Dataset, wanted: Iterable[str], what: str) -> None:
    """Raise ``DataError`` naming the variables of ``ds`` that are missing, with close matches."""
    have = [str(v) for v in ds.data_vars]
    missing = [v for v in wanted if v not in ds.data_vars]
    if missing:
        hints = {v: difflib.get_close_matches(v, have, n=1) for v in missing}
        detail = ", ".join(
            f"{v!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for v, h in hints.items()
        )
        raise DataError(f"{what}: variable(s) {detail} not found; the dataset has {have}.")


def observed_on(observed: pd.Series | xr.DataArray, dates: pd.Index, what: str) -> np.ndarray:
    """Return ``observed`` as floats lined up with ``dates``.

    A datetime-indexed Series, or a DataArray whose one dimension carries datetimes, is aligned by
    label; any other 1-d input must have one value per date and is taken in order.
    """
    if isinstance(observed, xr.DataArray):
        if observed.ndim != 1:
            raise DataError(
                f"{what}: observed KPI must be 1-d over date; got dims {observed.dims}."
            )
        dim = observed.dims[0]
        index = observed.indexes[dim] if dim in observed.indexes else None
        observed = pd.Series(observed.values, index=index)
    if not isinstance(observed, pd.Series):
        observed = pd.Series(np.asarray(observed))
    if isinstance(observed.index, pd.DatetimeIndex) and isinstance(dates, pd.DatetimeIndex):
        missing = dates.difference(observed.index)
        if len(missing):
            shown = ", ".join(str(d.date()) for d in missing[:3])
            raise DataError(
                f"{what}: observed KPI has no value for {len(missing)} of the {len(dates)} "
                f"model dates ({shown}{', ...' if len(missing) > 3 else ''})."
            )
        return observed.reindex(dates).to_numpy(dtype=float)
    if len(observed) != len(dates):
        raise DataError(
            f"{what}: observed KPI has {len(observed)} values but the model has {len(dates)} "
            "dates; pass a date-indexed Series so the two can be aligned."
        )
    return observed.to_numpy(dtype=float)


def new_axes(figsize: tuple[float, float]) -> Axes:
    """Open a pyplot figure with one constrained-layout axes (shown inline in notebooks)."""
    import matplotlib.pyplot as plt  # lazy: importing mmm_bayes.report must not pick a backend

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def panel_axes(
    fig: Figure | None, n: int, ncols: int, panel: tuple[float, float]
) -> tuple[Figure, list[Axes]]:
    """Lay out ``n`` axes, at most ``ncols`` a row, on ``fig`` (a new figure if None).

    Unused cells of the last row are removed, so exactly ``n`` axes remain, row by row.
    """
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = fig if fig is not None else new_figure((panel[0] * ncols, panel[1] * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for extra in axes[n:]:
        fig.delaxes(extra)
    return fig, list(axes[:n])


def new_figure(figsize: tuple[float, float]) -> Figure:
    """Open a pyplot figure with constrained layout and no axes."""
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout="constrained")


def save_png_atomic(fig: Figure, path: Path, *, dpi: float) -> Path:
    """Write ``fig`` to ``path`` as PNG via a temporary file in the same folder and ``os.replace``.

    A reader never sees a half-written PNG, and a failed save leaves no temporary file behind.
    """
    # "xb" refuses to reuse a name and, unlike mkstemp's 0600, leaves permissions to the umask.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as fh:
            fig.savefig(fh, format="png", dpi=dpi)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
