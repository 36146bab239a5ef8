"""Specs of data preparation: granular media rows to aggregate, and smoothed forecast controls.

Both are steps that turn the tables a user has into the one table per period the model reads;
neither changes the model's graph. They sit in a run config's ``data`` section::

    data:
      path: sales.csv                 # date, KPI, controls: one row per week
      kpi_column: sales
      granular:                       # media rows per placement and hour, aggregated to weeks
        path: media_hourly.csv
        timestamp_column: ts
        timezone: Europe/Berlin
        channel_column: channel
        metrics: {spend: cost, impressions: imps}
      smooth:                         # a past forecast of the KPI, as a control
        - {column: forecast, name: forecast_smooth, cutoff_periods: 8}
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["METRICS", "WEEKDAYS", "GranularMedia", "SmoothedColumn"]

_FROZEN = ConfigDict(extra="forbid", frozen=True)

#: Weekday names accepted by ``week_start``, Monday first (pandas' weekday numbers).
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: Media metrics a granular row may carry.
Metric = Literal["spend", "impressions", "clicks", "reach", "frequency"]
METRICS: tuple[str, ...] = ("spend", "impressions", "clicks", "reach", "frequency")


class GranularMedia(BaseModel):
    """Granular media rows (per hour or day, channel, placement) and how to aggregate them.

    The result has one row per period and a column ``<channel>_<metric>`` per channel and
    metric (``youtube_spend``, ``youtube_impressions``), which ``channels`` then name.
    """

    model_config = _FROZEN
    path: str | None = Field(
        None,
        description=(
            "CSV or Parquet file of granular media rows (required in a run config); a relative "
            "path starts from the config file's folder."
        ),
    )
    timestamp_column: str = Field(
        "timestamp",
        description=(
            "Timestamp or date of each row, hourly or daily. With a UTC offset (`2024-03-31T"
            "01:00+01:00`, `...Z`) it is converted to `timezone`; without one it is local time "
            "in `timezone` already."
        ),
    )
    timezone: str = Field(
        "UTC", description="IANA time zone whose calendar days make the periods (Europe/Berlin)."
    )
    channel_column: str = Field("channel", description="Column naming each row's channel.")
    metrics: dict[Metric, str] = Field(
        default_factory=lambda: {"spend": "spend"},
        description=(
            "Columns to aggregate, as `metric: column`; metrics spend, impressions, clicks, "
            "reach, frequency (reach and frequency together give impressions = reach x "
            "frequency)."
        ),
    )
    channels: dict[str, str] | list[str] | None = Field(
        None,
        description=(
            "Known channels: a list, or a mapping `raw name: output name` to rename. Rows of "
            "other channels are dropped for cause. Default: every channel in the file."
        ),
    )
    grain: Literal["week", "day"] = Field(
        "week", description="Modeling grain: `week` (default) or `day`."
    )
    week_start: Literal[WEEKDAYS] = Field(  # type: ignore[valid-type]
        "monday", description="First day of a week; weeks are labelled by this day's date."
    )
    partial_periods: Literal["keep", "drop"] = Field(
        "keep",
        description=(
            "First and last weeks the rows cover only in part: `keep` them (listed in the "
            "summary) or `drop` them (their totals are reported as dropped)."
        ),
    )
    reach: Literal["max", "sum"] = Field(
        "max",
        description=(
            "How daily reach becomes a week's reach (people are counted once per row, so "
            "reach does not add up): `max` (the largest row total, a lower bound) or `sum` "
            "(an upper bound). Frequency is then impressions / reach."
        ),
    )
    bad_rows: Literal["drop", "error"] = Field(
        "drop",
        description=(
            "Rows with an unparseable timestamp, unknown channel, missing spend or a negative "
            "value: `drop` them (listed by row in the summary) or stop with an `error`. A "
            "blank impressions, clicks, reach or frequency is taken as 0 (counted)."
        ),
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {zone!r}; use an IANA name such as 'UTC', "
                "'Europe/Berlin' or 'America/New_York'"
            ) from None
        return zone

    @field_validator("metrics")
    @classmethod
    def _some_metric(cls, metrics: dict[str, str]) -> dict[str, str]:
        if not metrics:
            raise ValueError("name at least one metric column, e.g. {spend: cost}")
        if "frequency" in metrics and "reach" not in metrics:
            raise ValueError("frequency needs reach as well (impressions = reach x frequency)")
        return metrics


class SmoothedColumn(BaseModel):
    """A column (typically a past forecast of the KPI) smoothed into a new control column.

    See :func:`mmm_bayes.transforms.forecast.smooth_forecast`: spikes are replaced by the
    smooth curve, then periods shorter than ``cutoff_periods`` are removed by an FFT low-pass.
    """

    model_config = _FROZEN
    column: str = Field(
        description="Column to smooth, e.g. the KPI forecast budgets were set from."
    )
    name: str = Field(description="Name of the new column; list it in `controls`.")
    cutoff_periods: float | None = Field(
        8.0,
        gt=2,
        description=(
            "Keep cycles at least this many periods long (8 weekly periods: about two "
            "months); null keeps every frequency (spike removal only)."
        ),
    )
    spike_threshold: float | None = Field(
        4.0,
        gt=0,
        description=(
            "Values further than this many robust standard deviations (MAD) from the smooth "
            "curve are spikes and replaced by it; null keeps spikes."
        ),
    )
