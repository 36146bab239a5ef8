"""Granular media rows from weekly spend: the inverse of :func:`mmm_bayes.data.aggregate_granular`.

Used for the bundled example of granular data (``example_media_daily.csv.gz`` with the KPI table
``example_kpi_weekly.csv``) and for round-trip tests: splitting weekly spend into days and
placements, then aggregating, must give the weekly spend back.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from mmm_bayes.simulate._random import as_generator

__all__ = ["explode_weekly", "write_granular_example"]


def explode_weekly(
    weekly: pd.DataFrame,
    spend_columns: dict[str, str],
    *,
    placements: int = 2,
    timezone: str = "Europe/Berlin",
    cpm: dict[str, float] | None = None,
    random_seed: int | np.random.Generator = 0,
) -> pd.DataFrame:
    """Split each week's spend into daily rows per placement, timestamped with a UTC offset.

    Parameters
    ----------
    weekly : DataFrame
        One row per week (column ``date``: the week's first day) with spend columns.
    spend_columns : dict of str to str
        Channel name -> weekly spend column.
    placements : int, default 2
        Placements per channel; each day's spend is split among them at random.
    timezone : str, default "Europe/Berlin"
        Rows are stamped at local midnight there, written with their UTC offset
        (``2023-03-27T00:00:00+02:00``).
    cpm : dict of str to float, optional
        Cost per thousand impressions per channel: those channels also get ``impressions``
        (spend / cpm * 1000, with 10% noise per row) and ``reach`` (impressions / 2.5).
    random_seed : int or Generator, default 0
        Seed of the daily and placement splits.

    Returns
    -------
    DataFrame
        Columns ``timestamp`` (text), ``channel``, ``placement``, ``spend``, ``impressions``
        and ``reach`` (0 for channels without a CPM). Days with no spend have no row.
    """
    rng = as_generator(random_seed)
    cpm = cpm or {}
    frames = []
    for channel, col in spend_columns.items():
        week_spend = weekly[col].to_numpy(dtype=float)
        n = len(week_spend)
        split = rng.dirichlet(np.ones(7 * placements) * 4.0, size=n)  # (week, day*placement)
        spend = (week_spend[:, None] * split).ravel()
        days = pd.DatetimeIndex(weekly["date"]).repeat(7 * placements)
        offset = np.tile(np.repeat(np.arange(7), placements), n)
        local = (days + pd.to_timedelta(offset, unit="D")).tz_localize(timezone)
        frame = pd.DataFrame(
            {
                "timestamp": local.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(
                    r"(\d\d)$", r":\1", regex=True
                ),
                "channel": channel,
                "placement": [f"{channel}_p{i + 1}" for i in np.tile(range(placements), 7 * n)],
                "spend": spend,
            }
        )
        if channel in cpm:
            noise = rng.lognormal(0.0, 0.1, size=len(frame))
            frame["impressions"] = np.round(spend / cpm[channel] * 1000 * noise)
            frame["reach"] = np.round(frame["impressions"] / 2.5)
        else:
            frame["impressions"] = 0.0
            frame["reach"] = 0.0
        frames.append(frame[frame["spend"] > 0])
    return pd.concat(frames, ignore_index=True)


def write_granular_example(directory: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write ``example_kpi_weekly.csv`` and ``example_media_daily.csv.gz`` into ``directory``.

    The KPI table is the bundled ``example_weekly`` without its spend columns; the media rows
    are its weekly spend split into days and two placements per channel (social and display
    with impressions and reach), so aggregating them gives ``example_weekly``'s spend back.
    """
    from mmm_bayes.datasets import load

    weekly = load("example_weekly")
    channels = {c: f"{c}_spend" for c in ("tv", "search", "social", "display", "radio")}
    rows = explode_weekly(weekly, channels, cpm={"social": 6.0, "display": 2.5}, random_seed=8)
    rows["spend"] = rows["spend"].round(2)
    directory = Path(directory)
    kpi_path = directory / "example_kpi_weekly.csv"
    media_path = directory / "example_media_daily.csv.gz"
    kpi = weekly.drop(columns=list(channels.values()))
    kpi.to_csv(kpi_path, index=False, date_format="%Y-%m-%d")
    rows.to_csv(media_path, index=False, compression={"method": "gzip", "mtime": 0})
    return kpi_path, media_path
