"""Data sets bundled with mmm_bayes, simulated with known truth.

>>> from mmm_bayes import datasets
>>> datasets.names()
['example_weekly']
>>> df = datasets.load("example_weekly")
>>> df.shape
(156, 9)

The files are made by ``python -m mmm_bayes.simulate``; to add a data set, add its generator
there and one entry to ``REGISTRY`` here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pandas as pd

from mmm_bayes.errors import DataError

__all__ = ["REGISTRY", "DatasetInfo", "describe", "load", "names", "truth"]


@dataclass(frozen=True)
class DatasetInfo:
    """Where a bundled data set lives and what it is.

    Parameters
    ----------
    csv : str
        File name of the data, inside this package.
    truth : str or None
        File name of the truth JSON, or None for data without a known truth.
    description : str
        One paragraph for :func:`describe`.
    date_column : str, default "date"
        Column parsed to datetime.
    """

    csv: str
    truth: str | None
    description: str
    date_column: str = "date"


REGISTRY: dict[str, DatasetInfo] = {
    "example_weekly": DatasetInfo(
        "example_weekly.csv",
        "example_weekly_truth.json",
        "Three years (156 weeks from 2023-01-02, W-MON) of simulated weekly sales (~200k a week) "
        "with five media channels (tv and radio flighted; search and display always on; social "
        "pulsed in spring and autumn; spend columns '{channel}_spend') and two controls "
        "(price_index around 1, promo 0/1). "
        "Made by mmm_bayes.simulate.example_weekly(); true parameters and ROAS in truth().",
    ),
    "collinear_weekly": DatasetInfo(
        "collinear_weekly.csv",
        "collinear_weekly_truth.json",
        "Two years (104 weeks from 2024-01-01, W-MON) of simulated weekly sales where tv and "
        "online_video are bought in the same flights (spend correlation 0.9) and search is "
        "always on; controls price_index and promo. The data alone cannot split tv from "
        "online_video: the go-dark lift test on tv in collinear_weekly_lift_tests.csv (bundled "
        "beside it) can. Made by mmm_bayes.simulate.calibration.collinear_lift(random_seed=2).",
    ),
    "geo_weekly": DatasetInfo(
        "geo_weekly.csv",
        "geo_weekly_truth.json",
        "A geo panel: 20 geos x 104 weeks (from 2023-01-02, W-MON), one row per geo and week "
        "(column 'geo', geo_01 largest to geo_20 smallest, sizes 10x apart; 'population' is "
        "each geo's size). Simulated weekly sales with four media channels (tv flighted, search "
        "and display always on, social pulsed; spend columns '{channel}_spend') and a national "
        "promo (0/1). Geo media effects are drawn around national means, adstock and "
        "saturation shared. truth() is the national truth; its meta['geos'] holds each geo's "
        "size, effect multipliers and true ROAS. Made by mmm_bayes.simulate.geo_weekly().",
    ),
    "rf_weekly": DatasetInfo(
        "rf_weekly.csv",
        "rf_weekly_truth.json",
        "Three years (156 weeks from 2023-01-02, W-MON) of simulated weekly sales (~190k a week) "
        "with two spend channels (tv flighted, search always on; '{channel}_spend') and one "
        "reach-and-frequency channel, youtube: youtube_reach (people, flighted), "
        "youtube_frequency (impressions per person reached, about 2-4 week to week, "
        "independent of reach; 0 in dark weeks), youtube_impressions (reach x frequency) and "
        "youtube_spend (a CPM near 5); controls price_index and promo. The frequency curve is "
        "S-shaped, so an optimal frequency exists inside the data; truth()['rf_channels'] holds "
        "youtube's alpha, K, S, beta, reach_mean, frequency_mean and optimal_frequency. "
        "Made by mmm_bayes.simulate.reach_frequency_weekly().",
    ),
}


def names() -> list[str]:
    """Names of the bundled data sets, sorted."""
    return sorted(REGISTRY)


def _info(name: str) -> DatasetInfo:
    try:
        return REGISTRY[name]
    except KeyError:
        raise DataError(f"unknown data set {name!r}; available data sets are {names()}") from None


def _read_text(file_name: str) -> str:
    return resources.files(__name__).joinpath(file_name).read_text(encoding="utf-8")


def load(name: str = "example_weekly") -> pd.DataFrame:
    """Load a bundled data set.

    Parameters
    ----------
    name : str, default "example_weekly"
        One of :func:`names`.

    Returns
    -------
    DataFrame
        One row per period (per geo and period for a panel): the date column as datetime64,
        every other numeric column as float64 (a geo column stays text).

    Raises
    ------
    DataError
        If ``name`` is not a bundled data set (the message lists those that are).

    Examples
    --------
    >>> load("example_weekly").columns[:3].tolist()
    ['date', 'sales', 'tv_spend']
    """
    info = _info(name)
    with resources.files(__name__).joinpath(info.csv).open("r", encoding="utf-8") as f:
        df = pd.read_csv(f, parse_dates=[info.date_column])
    numeric = [
        c for c in df.columns if c != info.date_column and pd.api.types.is_numeric_dtype(df[c])
    ]
    return df.astype(dict.fromkeys(numeric, "float64"))


def truth(name: str = "example_weekly") -> dict[str, Any]:
    """Return the known truth of a simulated data set, the JSON dict of ``Truth.to_dict()``.

    Rebuild the object with ``mmm_bayes.simulate.Truth.from_dict(truth(name))``. Keys include
    ``channels`` (alpha, l_max, K, S, beta per channel), ``true_roas``, ``spend_scale``,
    ``media_share`` and ``components`` (per-date KPI pieces).

    Raises
    ------
    DataError
        If ``name`` is unknown or has no known truth.
    """
    info = _info(name)
    if info.truth is None:
        raise DataError(f"data set {name!r} has no known truth (it is not simulated)")
    return json.loads(_read_text(info.truth))


def describe(name: str = "example_weekly") -> str:
    """Describe a bundled data set in a few lines: contents, size, dates, columns, true ROAS."""
    info = _info(name)
    df = load(name)
    dates = df[info.date_column]
    lines = [
        f"{name}: {info.description}",
        f"{len(df)} rows, {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}",
        f"columns: {', '.join(map(str, df.columns))}",
    ]
    if info.truth is not None:
        roas = truth(name)["true_roas"]
        lines.append("true ROAS: " + ", ".join(f"{c} {v:.2f}" for c, v in roas.items()))
    return "\n".join(lines)
