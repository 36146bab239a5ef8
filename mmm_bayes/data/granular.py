"""Aggregate granular media rows (per hour or day, channel, placement) to the modeling grain.

Media platforms export one row per placement and hour or day with spend, impressions, reach,
frequency and clicks. :func:`aggregate_granular` turns such rows into one row per period (a week
starting on a chosen weekday, or a day) with a column ``<channel>_<metric>`` per channel and
metric, and says what it did: rows kept and dropped (with the cause and the row), partial first
and last periods, and a check that every total is preserved.

Time: a timestamp with a UTC offset (``2024-10-27T01:30+00:00``) is converted to the configured
time zone; one without an offset is taken as local time there already. Each row then belongs to
its *local calendar day*, so a day of 23 or 25 hours at a daylight-saving change is still one
day and its week is the right one.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mmm_bayes.data.load import read_table
from mmm_bayes.errors import DataError, MMMError
from mmm_bayes.spec.granular import WEEKDAYS, GranularMedia

__all__ = ["AggregatedMedia", "aggregate_granular", "merge_media"]

_ADDITIVE = ("spend", "impressions", "clicks")  # metrics that add up across rows
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_SHOW = 5  # rows listed per cause in an error message


@dataclass(frozen=True)
class AggregatedMedia:
    """The result of :func:`aggregate_granular`.

    Attributes
    ----------
    table : DataFrame
        Column ``date`` (period start, naive local date) and one column ``<channel>_<metric>``
        per channel and metric; one row per period, every period from the first to the last
        (a channel without rows in a period has 0 there).
    dropped : DataFrame
        One row per dropped input row: ``row`` (index label of the input; for a file, 0 is the
        first line after the header), ``channel`` and ``cause``.
    partial : tuple of Timestamp
        Periods the rows cover only in part (first and last), kept or dropped per the spec.
    totals : DataFrame
        Per channel and additive metric: ``input`` (kept rows), ``output`` (the table),
        ``partial_dropped`` (rows of dropped partial periods); ``input == output +
        partial_dropped`` is checked. Indexed by (channel, metric).
    rows_in, rows_kept : int
        Rows read and rows aggregated.
    grain : str
        ``"week"`` or ``"day"``.
    filled : dict of str to int
        Rows whose impressions, clicks, reach or frequency was blank, taken as 0 (a channel
        that does not report the metric); a blank spend drops the row instead.
    """

    table: pd.DataFrame
    dropped: pd.DataFrame
    partial: tuple[pd.Timestamp, ...]
    totals: pd.DataFrame
    rows_in: int
    rows_kept: int
    grain: str
    filled: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """Describe the aggregation in a few lines of text (logged by the config loader)."""
        t = self.table["date"]
        lines = [
            f"{self.rows_kept} of {self.rows_in} granular rows aggregated to {len(t)} "
            f"{self.grain}s ({t.min():%Y-%m-%d} to {t.max():%Y-%m-%d}).",
        ]
        for cause, group in self.dropped.groupby("cause", sort=True):
            rows = _list_rows(group["row"].tolist())
            lines.append(f"dropped {len(group)} row(s), {cause}: {rows}")
        for metric, n in self.filled.items():
            lines.append(f"{n} row(s) without {metric}: taken as 0")
        if self.partial:
            days = ", ".join(f"{p:%Y-%m-%d}" for p in self.partial)
            lines.append(f"partial {self.grain}s (not fully covered by the rows): {days}")
        return "\n".join(lines)


def aggregate_granular(
    data: pd.DataFrame | str, spec: GranularMedia | dict, *, source: str | None = None
) -> AggregatedMedia:
    """Aggregate granular media rows to one row per period and channel metric.

    Parameters
    ----------
    data : DataFrame or path
        The granular rows (CSV or Parquet path, or a frame).
    spec : GranularMedia or dict
        Columns, time zone, grain, week start, known channels and rules.
    source : str, optional
        Name of the data in messages (default: the path, or ``"granular data"``).

    Returns
    -------
    AggregatedMedia
        The table, the dropped rows with causes, partial periods and the totals check.

    Raises
    ------
    DataError
        If a named column is missing, no row is usable, or ``bad_rows="error"`` and a row is bad.

    Examples
    --------
    >>> rows = pd.DataFrame({"timestamp": ["2024-01-01T10:00", "2024-01-08T10:00"],
    ...                      "channel": ["tv", "tv"], "spend": [5.0, 7.0]})
    >>> aggregate_granular(rows, {"timezone": "UTC"}).table
            date  tv_spend
    0 2024-01-01       5.0
    1 2024-01-08       7.0
    """
    spec = GranularMedia.model_validate(spec)
    source = source or (str(data) if isinstance(data, str) else "granular data")
    frame = read_table(data)
    _check_columns(frame, spec, source)
    labels = list(frame.index)
    causes = pd.Series("", index=frame.index, dtype=object)
    local = _local_times(frame[spec.timestamp_column], spec.timezone, causes)
    channel = _channels(frame[spec.channel_column], spec, causes)
    filled: dict[str, np.ndarray] = {}  # metric -> rows where it was blank
    values = _metric_values(frame, spec, causes, filled)
    bad = causes != ""
    dropped = pd.DataFrame(
        {"row": labels, "channel": frame[spec.channel_column].astype(str), "cause": causes}
    )[bad.to_numpy()].reset_index(drop=True)
    if bad.all():
        raise DataError(f"{source}: no usable row; {_describe_drops(dropped)}")
    if bad.any() and spec.bad_rows == "error":
        raise DataError(
            f"{source}: {_describe_drops(dropped)}. Fix these rows, or set bad_rows: drop to "
            "leave them out (they are then listed in the summary)."
        )
    keep = ~bad.to_numpy()
    rows = pd.DataFrame({"time": local[keep], "channel": channel[keep]})
    rows = rows.join(values[keep])
    rows["date"] = _period_start(rows["time"], spec)
    table, totals = _aggregate(rows, spec)
    partial = _partial_periods(rows["time"], spec)
    if spec.partial_periods == "drop" and partial:
        gone = table["date"].isin(partial)
        _add_partial(totals, table[gone])
        table = table[~gone].reset_index(drop=True)
    _check_totals(totals, table, source)
    return AggregatedMedia(
        table=table,
        dropped=dropped,
        partial=tuple(partial),
        totals=totals,
        rows_in=len(frame),
        rows_kept=int(keep.sum()),
        grain=spec.grain,
        filled={m: int((b & keep).sum()) for m, b in filled.items() if (b & keep).any()},
    )


def merge_media(
    frame: pd.DataFrame, media: AggregatedMedia, *, date_col: str, source: str = "data"
) -> pd.DataFrame:
    """Add the aggregated media columns to a table with one row per period (KPI, controls).

    Parameters
    ----------
    frame : DataFrame
        The modeling table; its ``date_col`` holds period starts (week start days at weekly
        grain).
    media : AggregatedMedia
        Output of :func:`aggregate_granular`.
    date_col : str
        Date column of ``frame``.
    source : str
        Name of ``frame`` in messages.

    Raises
    ------
    DataError
        If the frame already has a media column, or a date of the frame is not a period of the
        aggregated media (wrong week start, or the media rows do not cover the window).
    """
    media_cols = [c for c in media.table.columns if c != "date"]
    clash = sorted(set(media_cols) & set(map(str, frame.columns)))
    if clash:
        raise DataError(
            f"{source}: already has column(s) {clash} that the granular media produce; rename "
            "them in the file or the channel names in granular.channels."
        )
    dates = pd.to_datetime(frame[date_col], errors="coerce")
    by_date = media.table.set_index("date")
    missing = dates.notna() & ~dates.isin(by_date.index)
    if missing.any():
        shown = ", ".join(f"{d:%Y-%m-%d} ({d:%A})" for d in dates[missing][:_SHOW])
        more = f" and {int(missing.sum()) - _SHOW} more" if missing.sum() > _SHOW else ""
        starts = f"{by_date.index.min():%Y-%m-%d} ({by_date.index.min():%A})"
        raise DataError(
            f"{source}: date(s) {shown}{more} in column {date_col!r} are not periods of the "
            f"granular media, which start on {starts} every {media.grain}. Set "
            "granular.week_start to the weekday of your dates, or supply media rows for "
            "the whole window (dropped partial periods are missing too)."
        )
    added = by_date.reindex(dates.to_numpy()).to_numpy()
    return frame.assign(**{c: added[:, i] for i, c in enumerate(media_cols)})


# --- parsing ---------------------------------------------------------------------------------


def _check_columns(frame: pd.DataFrame, spec: GranularMedia, source: str) -> None:
    named = {
        "timestamp_column": spec.timestamp_column,
        "channel_column": spec.channel_column,
        **{f"metrics.{m}": c for m, c in spec.metrics.items()},
    }
    have = [str(c) for c in frame.columns]
    problems = []
    for key, col in named.items():
        if col not in frame.columns:
            close = difflib.get_close_matches(col, have, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{key}: column {col!r} not found{hint}")
    if problems:
        raise DataError(f"{source}: {'; '.join(problems)}; the file has columns {have}.")


def _local_times(raw: pd.Series, zone: str, causes: pd.Series) -> pd.Series:
    """Naive local times in ``zone``; NaT where the timestamp is missing or unparseable."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        _mark(causes, raw.isna().to_numpy(), "missing timestamp")
        if isinstance(raw.dtype, pd.DatetimeTZDtype):
            raw = raw.dt.tz_convert(zone).dt.tz_localize(None)
        return raw.astype("datetime64[ns]")
    text = raw.astype("string").str.strip()
    has_offset = text.str.contains(_OFFSET, na=False).to_numpy()
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    if has_offset.any():
        utc = pd.to_datetime(text[has_offset], format="ISO8601", utc=True, errors="coerce")
        out[has_offset] = utc.dt.tz_convert(zone).dt.tz_localize(None).astype("datetime64[ns]")
    if (~has_offset).any():
        naive = pd.to_datetime(text[~has_offset], format="ISO8601", errors="coerce")
        out[~has_offset] = naive.astype("datetime64[ns]")
    _mark(causes, text.isna().to_numpy(), "missing timestamp")
    _mark(causes, out.isna().to_numpy() & text.notna().to_numpy(), "unparseable timestamp")
    if has_offset.any() and not has_offset.all():
        mixed = ~has_offset & out.notna().to_numpy()
        _mark(causes, mixed, "timestamp without a UTC offset while other rows have one")
    return out


def _channels(raw: pd.Series, spec: GranularMedia, causes: pd.Series) -> pd.Series:
    names = raw.astype("string").str.strip()
    _mark(causes, (names.isna() | (names == "")).to_numpy(), "missing channel")
    if spec.channels is None:
        return names
    mapping = spec.channels if isinstance(spec.channels, dict) else {c: c for c in spec.channels}
    known = names.isin(list(mapping)).to_numpy()
    _mark(causes, ~known & names.notna().to_numpy(), "unknown channel")
    return names.map(mapping)


def _metric_values(
    frame: pd.DataFrame, spec: GranularMedia, causes: pd.Series, filled: dict
) -> pd.DataFrame:
    out = {}
    for metric, col in spec.metrics.items():
        raw = frame[col]
        num = pd.to_numeric(raw, errors="coerce").astype(float)
        if metric == "spend":
            _mark(causes, raw.isna().to_numpy(), f"missing {metric} ({col!r})")
        else:  # a channel that does not report this metric: 0, counted in the summary
            filled[metric] = raw.isna().to_numpy()
            num = num.where(raw.notna(), 0.0)
        _mark(causes, num.isna().to_numpy() & raw.notna().to_numpy(), f"non-numeric {metric}")
        _mark(causes, ~np.isfinite(num.fillna(0.0)).to_numpy(), f"infinite {metric}")
        _mark(causes, (num < 0).to_numpy(), f"negative {metric} ({col!r})")
        out[metric] = num
    values = pd.DataFrame(out, index=frame.index)
    if "reach" in values and "frequency" in values and "impressions" not in values:
        values["impressions"] = values["reach"] * values["frequency"]
    return values.drop(columns="frequency", errors="ignore")  # recomputed per period


def _mark(causes: pd.Series, mask: np.ndarray, cause: str) -> None:
    """Record ``cause`` on rows of ``mask`` that have no cause yet (the first cause is kept)."""
    fresh = mask & (causes == "").to_numpy()
    causes[fresh] = cause


# --- periods and aggregation -----------------------------------------------------------------


def _period_start(time: pd.Series, spec: GranularMedia) -> pd.Series:
    day = time.dt.normalize()
    if spec.grain == "day":
        return day
    start = WEEKDAYS.index(spec.week_start)
    back = (day.dt.day_of_week - start) % 7
    return day - pd.to_timedelta(back, unit="D")


def _partial_periods(time: pd.Series, spec: GranularMedia) -> list[pd.Timestamp]:
    """First/last periods whose days (or, at daily grain, hours) the rows do not fully cover."""
    first, last = time.min(), time.max()
    hourly = bool((time != time.dt.normalize()).any())
    if spec.grain == "day":
        if not hourly:
            return []
        out = [first.normalize()] if first.hour > 0 else []
        return out + ([last.normalize()] if last.hour < 23 else [])
    starts = _period_start(pd.Series([first, last]), spec)
    out = []
    if first.normalize() > starts[0] or (hourly and first.hour > 0):
        out.append(starts[0])
    if last.normalize() < starts[1] + pd.Timedelta(days=6) or (hourly and last.hour < 23):
        out.append(starts[1])
    return sorted(set(out))


def _aggregate(rows: pd.DataFrame, spec: GranularMedia) -> tuple[pd.DataFrame, pd.DataFrame]:
    additive = [m for m in _ADDITIVE if m in rows.columns]
    agg = {m: "sum" for m in additive}
    if "reach" in rows.columns:
        agg["reach"] = spec.reach
    grouped = rows.groupby(["date", "channel"], sort=True).agg(agg)
    if "reach" in grouped.columns and "impressions" in grouped.columns:
        with np.errstate(divide="ignore", invalid="ignore"):
            freq = grouped["impressions"] / grouped["reach"]
        grouped["frequency"] = freq.where(grouped["reach"] > 0, 0.0)
    wide = grouped.unstack("channel")
    wide.columns = [f"{ch}_{metric}" for metric, ch in wide.columns]
    if spec.grain == "week":
        step = pd.Timedelta(days=7)
    else:
        step = pd.Timedelta(days=1)
    dates = pd.date_range(rows["date"].min(), rows["date"].max(), freq=step)
    wide = wide.reindex(dates).fillna(0.0)
    order = [f"{ch}_{m}" for ch in sorted(rows["channel"].unique()) for m in grouped.columns]
    table = wide[order].rename_axis("date").reset_index()
    inputs = rows.groupby("channel")[additive].sum()
    totals = inputs.stack().rename("input").to_frame()
    totals.index.names = ["channel", "metric"]
    totals["partial_dropped"] = 0.0
    return table, totals


def _add_partial(totals: pd.DataFrame, gone: pd.DataFrame) -> None:
    for ch, metric in totals.index:
        totals.loc[(ch, metric), "partial_dropped"] = gone[f"{ch}_{metric}"].sum()


def _check_totals(totals: pd.DataFrame, table: pd.DataFrame, source: str) -> None:
    """Fill ``output`` and check ``input == output + partial_dropped`` for every total."""
    totals["output"] = [table[f"{ch}_{m}"].sum() for ch, m in totals.index]
    expected = totals["output"] + totals["partial_dropped"]
    # sums of the same float64 numbers in another order: agreement to ~1e-12 relative
    ok = np.isclose(totals["input"], expected, rtol=1e-9, atol=1e-9)
    if not ok.all():
        bad = totals[~ok]
        raise MMMError(f"{source}: totals not preserved by aggregation (a bug): {bad}")


def _describe_drops(dropped: pd.DataFrame) -> str:
    parts = []
    for cause, group in dropped.groupby("cause", sort=True):
        parts.append(f"{cause} at {_list_rows(group['row'].tolist())}")
    return "; ".join(parts)


def _list_rows(rows: list) -> str:
    shown = ", ".join(map(str, rows[:_SHOW]))
    more = f" and {len(rows) - _SHOW} more" if len(rows) > _SHOW else ""
    return f"{'row' if len(rows) == 1 else 'rows'} {shown}{more}"
