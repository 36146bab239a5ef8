"""Check a table of dated observations before modelling: every error names column, rows and fix.

Nothing is filled, dropped or invented: a missing value, a repeated date or a missing period
is an error that says what to change. Only the row order may change (rows are sorted by date).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import warnings
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from mmm_bayes.errors import DataError

__all__ = ["ValidatedData", "data_fingerprint", "validate_data"]

logger = logging.getLogger(__name__)

_SHOW = 5  # rows, dates or values listed in a message before "and N more"
_MIN_ROWS = 3  # pd.infer_freq needs three dates
_WINDOWS = 60  # windows of three dates tried when guessing the frequency of irregular dates
_ROWS_NOTE = (
    "Rows are index labels of the input frame (for a file read with read_table: 0-based, "
    "row 0 is the first line after the header)."
)


@dataclass(frozen=True, eq=False)
class ValidatedData:
    """A table that passed every check, sorted by date, with the roles of its columns.

    Attributes
    ----------
    frame : DataFrame
        Columns `date_col` (datetime64[ns], ascending, unique), `kpi_col`, then each channel
        and each control column, all float64 and finite; a fresh ``RangeIndex``.
    date_col, kpi_col : str
        Names of the date and KPI columns.
    channel_cols, control_cols : tuple of str
        Names of the media columns and of the control columns, in the order given.
    freq : str
        Pandas offset alias of the dates, e.g. ``"W-MON"``, ``"D"``, ``"MS"``.
    fingerprint : str
        SHA-256 hex digest of `frame`, see `data_fingerprint`.
    """

    frame: pd.DataFrame
    date_col: str
    kpi_col: str
    channel_cols: tuple[str, ...]
    control_cols: tuple[str, ...]
    freq: str
    fingerprint: str
    spend_cols: tuple[str, ...] = ()
    geo_col: str | None = None
    scale_col: str | None = None

    @property
    def geos(self) -> tuple[str, ...]:
        """Geo names in frame order (empty for national data)."""
        if self.geo_col is None:
            return ()
        return tuple(dict.fromkeys(self.frame[self.geo_col]))


@dataclass(frozen=True)
class _Rows:
    """Index labels and dates of the input rows, to point at rows in messages."""

    labels: list[object]
    dates: np.ndarray | None = None

    def describe(self, mask: np.ndarray, shown: Sequence[object] | None = None) -> str:
        """List the rows where `mask` holds: ``rows 3 (2024-01-15: 'n/a'), 7 (...) and 2 more``."""
        where = np.flatnonzero(mask)
        items = []
        for i in where[:_SHOW]:
            detail = [_show_date(self.dates[i])] if self.dates is not None else []
            detail += [_show_value(shown[i])] if shown is not None else []
            items.append(f"{self.labels[i]} ({': '.join(detail)})")
        return f"{'row' if len(where) == 1 else 'rows'} {', '.join(items)}{_more(len(where))}"


def validate_data(
    df: pd.DataFrame,
    *,
    date_col: str,
    kpi_col: str,
    channel_cols: Sequence[str],
    control_cols: Sequence[str] = (),
    spend_cols: Sequence[str] = (),
    geo_col: str | None = None,
    scale_col: str | None = None,
    source: str = "data",
    media_kinds: Mapping[str, str] | None = None,
) -> ValidatedData:
    """Check a table and return it sorted by date, typed, with its frequency and fingerprint.

    Parameters
    ----------
    df : DataFrame
        One row per period; other columns than the named ones are ignored. Never modified.
    date_col : str
        Column of dates (strings or datetimes); one per row, unique, regularly spaced.
    kpi_col : str
        Column of the outcome, e.g. sales; finite numbers, not the same in every row.
    channel_cols : sequence of str
        Media columns (spend, or exposure such as impressions): finite, >= 0, and not zero in
        every period. A single string is taken as one column.
    control_cols : sequence of str, default ()
        Control columns (prices, events, ...): any finite number.
    spend_cols : sequence of str, default ()
        Spend columns of channels whose media column is an exposure measure: finite, >= 0 and
        not zero in every period (ROAS divides by them).
    geo_col : str, optional
        Geo column of a panel: one row per geo and date, every geo with the same dates.
        The frame is then sorted by geo, then date.
    scale_col : str, optional
        A geo panel's size column (e.g. population): finite and > 0.
    source : str, default "data"
        Label starting every error message, e.g. the file path.
    media_kinds : mapping of str to str, optional
        What a channel or spend column measures when it is not spend, for the messages:
        ``{"yt_reach": "reach", "yt_freq": "frequency"}`` (``ModelSpec.media_kinds``).

    Returns
    -------
    ValidatedData
        The checked frame and its column roles, frequency and fingerprint.

    Raises
    ------
    DataError
        If a column is missing or given two roles; a date is missing, unparseable or repeated;
        the dates skip periods or are irregularly spaced; a value is missing, not a number or
        infinite; a spend is negative; a channel has zero spend throughout; or the KPI is the
        same in every row. The message names the column, the rows (index labels, with their
        dates) and the fix.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({
    ...     "week": ["2024-01-15", "2024-01-01", "2024-01-08"],
    ...     "sales": [120.0, 100.0, 110.0],
    ...     "tv": [5.0, 0.0, 3.0],
    ... })
    >>> data = validate_data(df, date_col="week", kpi_col="sales", channel_cols=["tv"])
    >>> data.freq, data.frame["sales"].tolist()
    ('W-MON', [100.0, 110.0, 120.0])
    """
    channels, controls = _as_names(channel_cols), _as_names(control_cols)
    spends = _as_names(spend_cols)
    if geo_col is not None:
        return _validate_panel(
            df, date_col, kpi_col, channels, controls, spends, geo_col, scale_col, source
        )
    _check_roles(date_col, kpi_col, channels, controls, spends, source=source)
    value_cols = (kpi_col, *channels, *spends, *controls)
    _check_columns(df, (date_col, *value_cols), source=source)
    if len(df) < _MIN_ROWS:
        raise DataError(
            f"{source}: only {len(df)} row(s); at least {_MIN_ROWS} dated rows are needed to "
            "infer the frequency (a useful model needs far more, e.g. two years of weeks)."
        )
    labels = df.index.tolist()
    dates = _parse_dates(df[date_col], date_col, rows=_Rows(labels), source=source)
    rows = _Rows(labels, dates)
    _check_unique_dates(dates, date_col, rows=rows, source=source)
    values = _check_values(
        df, value_cols, channels=channels, spends=spends, rows=rows, source=source,
        kinds=media_kinds or {}, kpi=kpi_col,
    )  # fmt: skip
    order = np.argsort(dates, kind="stable")
    freq = _infer_frequency(
        dates[order], date_col, labels=[labels[i] for i in order], source=source
    )
    if np.any(order != np.arange(len(order))):
        logger.info("%s: rows sorted by %r; all %d rows kept.", source, date_col, len(order))
    frame = pd.DataFrame({date_col: dates[order], **{c: values[c][order] for c in value_cols}})
    return ValidatedData(
        frame=frame,
        date_col=date_col,
        kpi_col=kpi_col,
        channel_cols=channels,
        control_cols=controls,
        freq=freq,
        fingerprint=data_fingerprint(frame),
        spend_cols=spends,
    )


def _validate_panel(
    df: pd.DataFrame,
    date_col: str,
    kpi_col: str,
    channels: tuple[str, ...],
    controls: tuple[str, ...],
    spends: tuple[str, ...],
    geo_col: str,
    scale_col: str | None,
    source: str,
) -> ValidatedData:
    """:func:`validate_data` for a geo panel: one row per (geo, date), the same dates per geo."""
    extra = (scale_col,) if scale_col is not None else ()
    _check_roles(date_col, kpi_col, channels, (*controls, geo_col, *extra), spends, source=source)
    value_cols = (kpi_col, *channels, *spends, *controls, *extra)
    _check_columns(df, (date_col, geo_col, *value_cols), source=source)
    labels = df.index.tolist()
    blank = np.array([_is_blank(v) for v in df[geo_col]], dtype=bool)
    if blank.any():
        raise DataError(
            f"{source}: geo column {geo_col!r} is empty at {_Rows(labels).describe(blank)}; give "
            f"every row its geo. {_ROWS_NOTE}"
        )
    geo = df[geo_col].astype(str).to_numpy()
    dates = _parse_dates(df[date_col], date_col, rows=_Rows(labels), source=source)
    rows = _Rows(labels, dates)
    key = pd.DataFrame({"geo": geo, "date": dates})
    repeated = key.duplicated(keep=False).to_numpy()
    if repeated.any():
        groups = key[repeated].groupby(["geo", "date"], sort=True).groups
        items = [
            f"{g} {_show_date(d)} at rows {', '.join(str(labels[i]) for i in idx)}"
            for (g, d), idx in list(groups.items())[:_SHOW]
        ]
        raise DataError(
            f"{source}: {len(groups)} (geo, date) pair(s) repeat in columns {geo_col!r}, "
            f"{date_col!r}: {'; '.join(items)}{_more(len(groups))}. Each geo needs exactly one "
            f"row per period: aggregate first (df.groupby([{geo_col!r}, {date_col!r}], "
            f"as_index=False).sum()); rows are never dropped for you. {_ROWS_NOTE}"
        )
    geos = sorted(set(geo))
    if len(geos) < 2:
        raise DataError(
            f"{source}: geo column {geo_col!r} holds one geo ({geos[0]!r}); a geo model needs at "
            "least two. Fit a national model (leave `geo` out) instead."
        )
    values = _check_values(
        df, value_cols, channels=channels, spends=spends, rows=rows, source=source, kpi=kpi_col
    )
    if scale_col is not None:
        bad = ~(values[scale_col] > 0)
        if bad.any():
            raise DataError(
                f"{source}: geo size column {scale_col!r} must be > 0, but is not at "
                f"{rows.describe(bad, values[scale_col])}. {_ROWS_NOTE}"
            )
    all_dates = np.unique(dates)
    short = {g: all_dates[~np.isin(all_dates, dates[geo == g])] for g in geos}
    short = {g: d for g, d in short.items() if len(d)}
    if short:
        items = [
            f"{g} lacks {len(d)} ({', '.join(_show_date(x) for x in d[:_SHOW])}{_more(len(d))})"
            for g, d in list(short.items())[:_SHOW]
        ]
        raise DataError(
            f"{source}: every geo needs a row for every date of the panel, but "
            f"{'; '.join(items)}{_more(len(short))}. Add the missing rows (spend 0 where "
            "nothing was spent, the KPI as observed) or trim the dates; rows are never "
            "invented for you."
        )
    first = geo == geos[0]
    freq = _infer_frequency(
        np.sort(dates[first]), date_col, labels=[labels[i] for i in np.flatnonzero(first)],
        source=source,
    )  # fmt: skip
    order = np.lexsort((dates, np.searchsorted(geos, geo)))
    frame = pd.DataFrame(
        {date_col: dates[order], geo_col: geo[order], **{c: values[c][order] for c in value_cols}}
    )
    return ValidatedData(
        frame=frame,
        date_col=date_col,
        kpi_col=kpi_col,
        channel_cols=channels,
        control_cols=controls,
        freq=freq,
        fingerprint=data_fingerprint(frame),
        spend_cols=spends,
        geo_col=geo_col,
        scale_col=scale_col,
    )


def data_fingerprint(frame: pd.DataFrame) -> str:
    """Hash a frame's column names and values, the same on every run and platform.

    Datetime columns are hashed as ISO strings (nanoseconds, UTC if time-zone aware), numeric
    and boolean columns as little-endian float64 bytes (``-0.0`` counted as ``0.0``), other
    columns as JSON text. The index is not hashed.

    Parameters
    ----------
    frame : DataFrame
        Usually `ValidatedData.frame`.

    Returns
    -------
    str
        SHA-256 hex digest (64 characters).
    """
    digest = hashlib.sha256(b"mmm_bayes.data_fingerprint.v1\n")
    digest.update(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(len(frame).to_bytes(8, "little"))
    for i in range(frame.shape[1]):
        kind, payload = _canonical_bytes(frame.iloc[:, i])
        digest.update(kind + len(payload).to_bytes(8, "little") + payload)
    return digest.hexdigest()


def _canonical_bytes(col: pd.Series) -> tuple[bytes, bytes]:
    """Encode one column as platform-independent bytes, with a tag naming the encoding."""
    if ptypes.is_datetime64_any_dtype(col.dtype):
        if getattr(col.dt, "tz", None) is not None:
            col = col.dt.tz_convert("UTC").dt.tz_localize(None)
        iso = np.datetime_as_string(col.to_numpy(dtype="datetime64[ns]"), unit="ns")
        return b"datetime", "\n".join(iso).encode()
    if ptypes.is_bool_dtype(col.dtype) or ptypes.is_numeric_dtype(col.dtype):
        arr = col.to_numpy(dtype="float64", na_value=np.nan) + 0.0
        arr[np.isnan(arr)] = np.nan  # one NaN bit pattern
        return b"float64", arr.astype("<f8").tobytes()
    text = [None if _is_blank(v) else str(v) for v in col]
    return b"text", json.dumps(text).encode()


def _as_names(cols: Sequence[str]) -> tuple[str, ...]:
    """Return column names as a tuple, taking a lone string as one name (not its letters)."""
    return (cols,) if isinstance(cols, str) else tuple(cols)


def _check_roles(
    date_col: str,
    kpi_col: str,
    channels: tuple[str, ...],
    controls: tuple[str, ...],
    spends: tuple[str, ...] = (),
    *,
    source: str,
) -> None:
    """Require at least one channel and give each column at most one role."""
    if not channels:
        raise DataError(
            f"{source}: no channel columns given; pass channel_cols=[...] naming at least one "
            "media spend column."
        )
    roles: dict[str, list[str]] = {}
    named = [("date", date_col), ("KPI", kpi_col)]
    named += [("channel", c) for c in channels] + [("control", c) for c in controls]
    named += [("spend", c) for c in spends]
    for role, col in named:
        roles.setdefault(col, []).append(role)
    clashes = [f"{col!r} as {' and '.join(r)}" for col, r in roles.items() if len(r) > 1]
    if clashes:
        raise DataError(
            f"{source}: each column can have one role, but {'; '.join(clashes)}. Name each "
            "column once across date_col, kpi_col, channel_cols, control_cols and spend_cols."
        )


def _check_columns(df: pd.DataFrame, wanted: Sequence[str], *, source: str) -> None:
    """Require every wanted column, once; list all missing ones with a close match each."""
    have = [str(c) for c in df.columns]
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        detail = ", ".join(_with_hint(c, have, index_name=df.index.name) for c in missing)
        raise DataError(
            f"{source}: column(s) {detail} not found; the data has columns {have}. Correct the "
            "names given as date_col, kpi_col, channel_cols or control_cols, or rename the columns."
        )
    repeated = [c for c in wanted if int((df.columns == c).sum()) > 1]
    if repeated:
        raise DataError(
            f"{source}: column(s) {repeated} appear more than once in the header; rename or drop "
            "the copies so that each name is unique."
        )


def _with_hint(name: str, have: list[str], *, index_name: object) -> str:
    """Quote `name`, adding the closest existing column (case-insensitive) as a suggestion."""
    if name == index_name:
        return f"{name!r} (it is the index: call df.reset_index() first)"
    lower = {h.lower(): h for h in have}
    close = difflib.get_close_matches(name.lower(), list(lower), n=1)
    close = close or [h for h in lower if h in name.lower() or name.lower() in h][:1]
    return f"{name!r}" + (f" (did you mean {lower[close[0]]!r}?)" if close else "")


def _parse_dates(raw: pd.Series, date_col: str, *, rows: _Rows, source: str) -> np.ndarray:
    """Parse the date column to datetime64[ns]; every value must be a date."""
    if ptypes.is_numeric_dtype(raw.dtype) and not ptypes.is_datetime64_any_dtype(raw.dtype):
        raise DataError(
            f"{source}: column {date_col!r} holds numbers ({raw.dtype}), not dates; convert it "
            f"first, e.g. pd.to_datetime(df[{date_col!r}].astype(str), format='%Y%m%d') for "
            "values like 20240101."
        )
    try:
        with warnings.catch_warnings():  # a bad format is reported below, row by row
            warnings.filterwarnings("ignore", "Could not infer format", UserWarning)
            parsed = pd.to_datetime(raw, errors="coerce")
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"{source}: column {date_col!r} could not be read as dates ({exc}); write every date "
            "in one format without time zones, e.g. ISO 2024-01-01."
        ) from exc
    if parsed.dt.tz is not None:
        parsed = parsed.dt.tz_localize(None)
    bad = parsed.isna().to_numpy()
    if bad.any():
        raise DataError(
            f"{source}: column {date_col!r} has {int(bad.sum())} value(s) that are not dates, "
            f"at {rows.describe(bad, raw.tolist())}. Give every row a date, all in one format "
            f"(e.g. ISO 2024-01-01; a second format is read as not a date)."
            f"{_day_first(raw, bad, date_col)} {_ROWS_NOTE}"
        )
    return parsed.to_numpy(dtype="datetime64[ns]")


def _day_first(raw: pd.Series, bad: np.ndarray, date_col: str) -> str:
    """Say so when every date reads day first: pandas took the first ones as month first."""
    if bad.all() or raw.isna().any():
        return ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            dayfirst = pd.to_datetime(raw, errors="coerce", dayfirst=True)
        except (ValueError, TypeError):
            return ""
    if dayfirst.isna().any():
        return ""
    example, day = raw[bad].iloc[0], dayfirst[bad].iloc[0]
    return (
        f" Every date reads as day first ({example!r} is {day:%d %B %Y}), but the first ones "
        "were taken as month first: write the dates as ISO dates (2024-01-31), or in Python "
        f"parse them first with pd.to_datetime(df[{date_col!r}], dayfirst=True)."
    )


def _check_unique_dates(dates: np.ndarray, date_col: str, *, rows: _Rows, source: str) -> None:
    """Refuse repeated dates, listing each with its rows; rows are never dropped silently."""
    repeated = pd.Series(dates).duplicated(keep=False).to_numpy()
    if not repeated.any():
        return
    groups = pd.Series(np.flatnonzero(repeated)).groupby(dates[repeated], sort=True)
    items = [
        f"{_show_date(d)} at rows {', '.join(str(rows.labels[i]) for i in idx)}"
        for d, idx in list(groups)[:_SHOW]
    ]
    raise DataError(
        f"{source}: column {date_col!r} repeats dates: {'; '.join(items)}{_more(groups.ngroups)}. "
        "Each period needs exactly one row: aggregate the rows of a period first (e.g. "
        f"df.groupby({date_col!r}, as_index=False).sum()); rows are never dropped for you. "
        f"{_ROWS_NOTE}"
    )


def _check_values(
    df: pd.DataFrame,
    cols: Sequence[str],
    *,
    channels: tuple[str, ...],
    spends: tuple[str, ...] = (),
    rows: _Rows,
    source: str,
    kinds: Mapping[str, str] | None = None,
    kpi: str | None = None,
) -> dict[str, np.ndarray]:
    """Convert each value column to float64, reporting every problem of every column at once.

    The ``kpi`` column must also vary: a constant KPI leaves the model nothing to explain.
    """
    values: dict[str, np.ndarray] = {}
    problems: list[str] = []
    for col in cols:
        role = "channel" if col in channels else "spend" if col in spends else None
        kind = (kinds or {}).get(col)
        values[col], found = _column_values(df[col], col, role=role, rows=rows, kind=kind)
        if col == kpi and not found and np.ptp(values[col]) == 0:
            found = [
                f"KPI {col!r} is {values[col][0]:g} in every period, so there is nothing for "
                "the model to explain; check that the KPI column is the right one and filled in."
            ]
        problems += found
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise DataError(
            f"{source}: {len(problems)} problem(s) in the values:\n{listed}\n{_ROWS_NOTE}"
        )
    return values


def _column_values(
    raw: pd.Series, col: str, *, role: str | None, rows: _Rows, kind: str | None = None
) -> tuple[np.ndarray, list[str]]:
    """Return one column as float64 and the problems found in it (never filled with 0).

    ``role`` is ``"channel"`` (a media column), ``"spend"`` (the spend of an exposure-measured
    channel) or None; both roles must be >= 0 and not zero throughout.
    """
    if raw.dtype.kind in "mM":  # datetimes or durations
        return np.full(len(raw), np.nan), [f"{col!r} holds {raw.dtype} values, not numbers."]
    values, blank, text = _as_float(raw)
    problems = []
    if blank.any():
        problems.append(
            f"{col!r} is missing (empty or NaN) at {rows.describe(blank)}; fill in the real "
            "values (write 0 only where the true value is zero), or trim the date range to the "
            "periods where it is known."
        )
    if text.any():
        problems.append(
            f"{col!r} has non-numeric text at {rows.describe(text, raw.tolist())}; write plain "
            "numbers (no currency symbols, thousands separators or units)."
        )
    infinite = np.isinf(values)
    if infinite.any():
        problems.append(
            f"{col!r} is infinite at {rows.describe(infinite, values)}; use finite numbers."
        )
    if role is not None and kind is not None:  # reach or frequency of an R&F channel
        return values, problems + _rf_problems(values, col, kind, rows)
    if role is not None:
        negative = np.isfinite(values) & (values < 0)
        if negative.any():
            problems.append(
                f"negative spend in {col!r} at {rows.describe(negative, values)}; spend must be "
                ">= 0 (net refunds or corrections out of the spend upstream)."
            )
        if not problems and not np.any(values) and role == "channel":
            problems.append(
                f"channel {col!r} has zero spend in every period, so its effect cannot be "
                "estimated; drop it from channel_cols."
            )
        elif not problems and not np.any(values):
            problems.append(
                f"spend column {col!r} is zero in every period, so the channel's ROAS is "
                "undefined; check the column, or drop the channel."
            )
    return values, problems


def _rf_problems(values: np.ndarray, col: str, kind: str, rows: _Rows) -> list[str]:
    """Problems of a reach or frequency column: negative values, or zero throughout."""
    negative = np.isfinite(values) & (values < 0)
    if negative.any():
        what = "people reached" if kind == "reach" else "impressions per person reached"
        return [
            f"negative {kind} in {col!r} at {rows.describe(negative, values)}; {kind} counts "
            f"{what} and must be >= 0."
        ]
    if not np.any(values):
        return [
            f"{kind} column {col!r} is zero in every period, so the channel's effect cannot be "
            "estimated; check the column, or drop the channel."
        ]
    return []


def _as_float(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (float64 values, blank mask, non-numeric-text mask) of one column."""
    if ptypes.is_bool_dtype(raw.dtype) or ptypes.is_numeric_dtype(raw.dtype):
        values = raw.to_numpy(dtype="float64", na_value=np.nan)
        return values, np.isnan(values), np.zeros(len(values), dtype=bool)
    cells = raw.astype(object)
    blank = np.array([_is_blank(v) for v in cells], dtype=bool)
    numbers = pd.to_numeric(cells.where(~blank, np.nan), errors="coerce")
    values = numbers.to_numpy(dtype="float64", na_value=np.nan)
    return values, blank, ~blank & np.isnan(values)


def _infer_frequency(dates: np.ndarray, date_col: str, *, labels: list[object], source: str) -> str:
    """Return the offset alias of sorted unique dates, or say which periods are missing or off."""
    index = pd.DatetimeIndex(dates)
    freq = _infer_freq(index)
    if freq is not None:
        return freq
    rows = _Rows(labels, dates)
    start = f"{source}: column {date_col!r} is not regularly spaced"
    candidate = _most_common_freq(index)
    if candidate is not None:
        grid = pd.date_range(index[0], index[-1], freq=candidate)
        off = ~index.isin(grid)
        missing = grid.difference(index)
        if not off.any() and len(missing):
            shown = ", ".join(_show_date(d) for d in missing[:_SHOW]) + _more(len(missing))
            raise DataError(
                f"{start}: the data is {candidate} but {len(missing)} period(s) are missing: "
                f"{shown}. Add a row for each (spend 0 if nothing was spent; the KPI must be "
                "the observed value); rows are never invented for you."
            )
        if off.any():
            raise DataError(
                f"{start}: most dates are {candidate}, but these are not on that schedule: "
                f"{rows.describe(off)}. Put every date on one {candidate} schedule, or aggregate "
                f"the raw data to it (e.g. df.resample({candidate!r}, on={date_col!r}).sum()). "
                f"{_ROWS_NOTE}"
            )
    raise DataError(f"{start}: {_spacing(index)}. {_spacing_fix(index, date_col)}")


def _infer_freq(index: pd.DatetimeIndex) -> str | None:
    """Call pd.infer_freq, returning a string alias on pandas 2 and 3 without warnings."""
    try:
        with pd.option_context("future.infer_freq_returns_offset", True):
            freq = pd.infer_freq(index)
    except pd.errors.OptionError:  # pandas < 3: the option does not exist, a string comes back
        freq = pd.infer_freq(index)
    return None if freq is None else getattr(freq, "freqstr", freq)


def _most_common_freq(index: pd.DatetimeIndex) -> str | None:
    """Return the frequency inferred most often over windows of three consecutive dates.

    At most `_WINDOWS` windows, evenly spread, are tried: enough for the common spacing to win.
    """
    starts = np.unique(np.linspace(0, len(index) - 3, num=min(_WINDOWS, len(index) - 2)).round())
    found = (_infer_freq(index[i : i + 3]) for i in starts.astype(int))
    counts = Counter(f for f in found if f is not None)
    return counts.most_common(1)[0][0] if counts else None


def _spacing(index: pd.DatetimeIndex) -> str:
    """Summarize the gaps between consecutive dates, most common first."""
    counts = Counter(index.to_series().diff().dropna())
    shown = [f"{_show_delta(d)} ({n} times)" for d, n in counts.most_common(_SHOW)]
    return "gaps between consecutive dates are " + ", ".join(shown) + _more(len(counts))


def _spacing_fix(index: pd.DatetimeIndex, date_col: str) -> str:
    """Suggest a fix for irregular dates, with a specific one for mid-month monthly dates."""
    days = np.diff(index.asi8) / 86_400e9
    if np.all((days >= 28) & (days <= 31)):
        return (
            "The dates look monthly but not on a month's first or last day; move them to the "
            f"first: df[{date_col!r}] = df[{date_col!r}].dt.to_period('M').dt.to_timestamp()."
        )
    return (
        "Aggregate the data to one regular frequency first, e.g. weekly with "
        f"df.resample('W-MON', on={date_col!r}).sum(), and check no period is empty."
    )


def _is_blank(value: object) -> bool:
    """Tell whether a cell is None, NaN, NA, NaT or an empty or whitespace-only string."""
    if isinstance(value, str):
        return not value.strip()
    return bool(ptypes.is_scalar(value) and pd.isna(value))


def _show_value(value: object) -> str:
    """Format a cell for a message: strings quoted, floats short."""
    if isinstance(value, float | np.floating):
        return f"{float(value):g}"
    return repr(value) if isinstance(value, str) else str(value)


def _show_date(value: object) -> str:
    """Format a date as ``2024-01-01``, adding the time of day only when it is not midnight."""
    ts = pd.Timestamp(value)
    return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat(sep=" ")


def _show_delta(delta: pd.Timedelta) -> str:
    """Format a gap as ``7 days`` or, below a day, as pandas prints it."""
    return f"{delta.days} days" if delta == pd.Timedelta(days=delta.days) else str(delta)


def _more(n: int) -> str:
    """Return `` and N more`` when `n` items exceed what a message shows."""
    return f" and {n - _SHOW} more" if n > _SHOW else ""
