"""Write the standard figures of a run to PNG files, atomically and without leaking figures."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from ._common import save_png_atomic
from .calibration import plot_lift_tests
from .contributions import plot_contributions
from .fit import plot_fit
from .frequency import plot_frequency_response
from .geo import plot_geo_roas, plot_time_varying
from .response import plot_response_curves
from .roas import plot_roas

log = logging.getLogger(__name__)


def write_figures(
    folder: str | os.PathLike[str],
    *,
    roas: xr.DataArray | None = None,
    contributions: xr.Dataset | None = None,
    curves: xr.Dataset | None = None,
    observed: pd.Series | xr.DataArray | None = None,
    predictive: xr.DataArray | None = None,
    truth: dict[str, float] | None = None,
    lift_tests: pd.DataFrame | None = None,
    geo_roas: xr.DataArray | None = None,
    time_varying: xr.DataArray | None = None,
    frequency: tuple[xr.DataArray, pd.DataFrame] | None = None,
    kpi_label: str = "KPI",
    currency_label: str = "currency",
    dpi: float = 120,
) -> list[Path]:
    """Write whichever standard figures the given results allow, as PNG files in ``folder``.

    ============================ =====================================================
    file                         written when
    ============================ =====================================================
    ``roas.png``                 ``roas`` is given (``truth`` marks known values)
    ``contributions.png``        ``contributions`` is given (with ``observed`` if given)
    ``response_curves.png``      ``curves`` is given
    ``fit.png``                  both ``observed`` and ``predictive`` are given
    ``lift_tests.png``           ``lift_tests`` (a lift-test table) is given
    ``geo_roas.png``             ``geo_roas`` is given (``roas`` drawn as the national band)
    ``time_varying.png``         ``time_varying`` (coefficient paths) is given
    ``frequency.png``            ``frequency`` (R&F frequency response and optimum) is given
    ============================ =====================================================

    Each file is saved under a temporary name in ``folder`` and renamed into place, so a reader
    never sees a partial PNG; figures are built off pyplot and released, so none accumulate.

    Parameters
    ----------
    folder : str or PathLike
        Destination folder; created if missing. Existing files of the same names are replaced.
    roas : DataArray, optional
        Posterior ROAS, dims (chain, draw, channel); see `plot_roas`.
    contributions : Dataset, optional
        Posterior contributions over date; see `plot_contributions`.
    curves : Dataset, optional
        Response curves over channel and multiplier; see `plot_response_curves`.
    observed : Series or DataArray, optional
        Observed KPI over date.
    predictive : DataArray, optional
        Posterior predictive draws, dims (chain, draw, date); see `plot_fit`.
    truth : dict of str to float, optional
        Known ROAS per channel, marked on ``roas.png``.
    lift_tests : DataFrame, optional
        Measured vs predicted lift per test; see `plot_lift_tests`.
    geo_roas : DataArray, optional
        ROAS per geo, dims (chain, draw, geo, channel); see `plot_geo_roas`.
    time_varying : DataArray, optional
        Time-varying coefficients, dims (chain, draw, date, channel); see `plot_time_varying`.
    frequency : (DataArray, DataFrame), optional
        ROAS against frequency of the R&F channels and their optimal-frequency table; see
        `plot_frequency_response`.
    kpi_label, currency_label : str
        Names of the KPI and the currency, used in axis labels.
    dpi : float, default 120
        Resolution of the PNG files.

    Returns
    -------
    list of Path
        The files written, in the order of the table above.

    Examples
    --------
    >>> paths = write_figures("run/figures", roas=roas_result, curves=curves, kpi_label="sales")
    >>> [p.name for p in paths]
    ['roas.png', 'response_curves.png']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    kpi, cur = kpi_label, currency_label
    written: list[Path] = []
    if roas is not None:
        size = (6.5, 1.2 + 0.45 * roas.sizes.get("channel", 1))
        with _png(folder / "roas.png", size, dpi, written) as fig:
            plot_roas(roas, ax=fig.subplots(), truth=truth, kpi_label=kpi, currency_label=cur)
    if contributions is not None:
        with _png(folder / "contributions.png", (10.0, 5.0), dpi, written) as fig:
            plot_contributions(contributions, ax=fig.subplots(), observed=observed, kpi_label=kpi)
    if curves is not None:
        with _png(folder / "response_curves.png", _curves_size(curves), dpi, written) as fig:
            plot_response_curves(curves, fig=fig, kpi_label=kpi, currency_label=cur)
    if observed is not None and predictive is not None:
        with _png(folder / "fit.png", (10.0, 4.0), dpi, written) as fig:
            plot_fit(observed, predictive, ax=fig.subplots(), kpi_label=kpi)
    elif predictive is not None:
        log.warning("fit.png skipped: posterior predictive draws were given without `observed`.")
    if lift_tests is not None and len(lift_tests):
        with _png(
            folder / "lift_tests.png", (7.0, 1.6 + 0.7 * len(lift_tests)), dpi, written
        ) as fig:
            plot_lift_tests(lift_tests, ax=fig.subplots(), kpi_label=kpi)
    if geo_roas is not None:
        size = (3.2 * geo_roas.sizes["channel"] + 1.5, 1.5 + 0.22 * geo_roas.sizes["geo"])
        with _png(folder / "geo_roas.png", size, dpi, written) as fig:
            plot_geo_roas(geo_roas, fig=fig, national=roas, kpi_label=kpi, currency_label=cur)
    if time_varying is not None:
        size = (10.0, 1.0 + 2.6 * time_varying.sizes["channel"])
        with _png(folder / "time_varying.png", size, dpi, written) as fig:
            plot_time_varying(time_varying, fig=fig, kpi_label=kpi)
    if frequency is not None:
        response, optimal = frequency
        n = response.sizes["channel"]
        with _png(
            folder / "frequency.png", (4.2 * min(n, 3), 3.2 * -(-n // 3)), dpi, written
        ) as fig:
            plot_frequency_response(
                response, optimal=optimal, fig=fig, kpi_label=kpi, currency_label=cur
            )
    return written


@contextmanager
def _png(
    path: Path, size: tuple[float, float], dpi: float, written: list[Path]
) -> Iterator[Figure]:
    """Yield a bare figure to draw on; on success save it atomically to ``path`` and record it."""
    # A bare Figure never enters pyplot's registry, so nothing stays open, even if drawing fails.
    fig = Figure(figsize=size, layout="constrained")
    try:
        yield fig
        written.append(save_png_atomic(fig, path, dpi=dpi))
        log.info("wrote %s", path)
    finally:
        fig.clear()


def _curves_size(curves: xr.Dataset, ncols: int = 3) -> tuple[float, float]:
    n = max(curves.sizes.get("channel", 1), 1)
    cols = min(ncols, n)
    return 4.0 * cols, 3.2 * -(-n // cols)
