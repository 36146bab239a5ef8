"""Check a run config against its data: every column it names, then the data's own checks.

Column problems are reported with the YAML path that names the column (``channels[2].column``)
and the closest existing column; once every column exists, the values are checked by
:func:`mmm_bayes.data.validate_data` (missing values, negative spend, irregular dates, ...).
"""

from __future__ import annotations

import difflib
import logging

import pandas as pd

from mmm_bayes import datasets
from mmm_bayes.config.problems import ConfigProblems, Path_, Problem
from mmm_bayes.data import ValidatedData, read_table, validate_data
from mmm_bayes.data.forecast import add_smoothed
from mmm_bayes.data.granular import aggregate_granular, merge_media
from mmm_bayes.data.lift_tests import read_lift_tests
from mmm_bayes.errors import DataError
from mmm_bayes.spec.calibration import LiftTest
from mmm_bayes.spec.run import FREQUENCY_WORDS, RunConfig

log = logging.getLogger(__name__)

__all__ = ["check_data", "data_label", "encode_categorical", "load_data", "named_columns"]


def data_label(cfg: RunConfig) -> str:
    """Name the data in messages: the resolved file path, or ``dataset 'example_weekly'``."""
    path = cfg.data_path()
    return str(path) if path is not None else f"dataset {cfg.data.dataset!r}"


def load_data(cfg: RunConfig) -> pd.DataFrame:
    """Read the config's table: ``data.path`` (CSV or Parquet) or the bundled ``data.dataset``.

    Raises
    ------
    ConfigProblems
        If the file is missing or unreadable (the problem sits at ``data.path``).
    """
    path = cfg.data_path()
    if path is None:
        frame = datasets.load(cfg.data.dataset)
    else:
        try:
            frame = read_table(path)
        except DataError as err:
            written = f" (written as {cfg.data.path!r}, relative to {cfg.base_dir})"
            problem = Problem(("data", "path"), f"{err}{written}")
            raise ConfigProblems(_source(cfg), [problem]) from None
    return _add_derived(encode_categorical(_add_granular(frame, cfg), cfg), cfg)


def _add_granular(frame: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Aggregate ``data.granular`` media rows and add them as columns (docs/granular.md)."""
    spec = cfg.data.granular
    if spec is None:
        return frame
    path = cfg._resolve(spec.path)
    try:
        media = aggregate_granular(str(path), spec)
        log.info("%s", media.summary())
        return merge_media(frame, media, date_col=cfg.data.date_column, source=data_label(cfg))
    except DataError as err:
        problem = Problem(("data", "granular"), str(err))
        raise ConfigProblems(_source(cfg), [problem]) from None


def _add_derived(frame: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Add the ``data.smooth`` columns (a smoothed past forecast, ...)."""
    if not cfg.data.smooth:
        return frame
    try:
        return add_smoothed(
            frame, cfg.data.smooth, date_col=cfg.data.date_column, source=data_label(cfg)
        )
    except DataError as err:
        raise ConfigProblems(_source(cfg), [Problem(("data", "smooth"), str(err))]) from None


def encode_categorical(frame: pd.DataFrame, cfg: RunConfig) -> pd.DataFrame:
    """Add a 0/1 column ``f"{col}={level}"`` for each non-reference level of ``data.categorical``.

    Raises
    ------
    ConfigProblems
        If a column is missing or has blank cells, or its reference level never occurs.
    """
    problems, added = [], {}
    for col, reference in cfg.data.categorical.items():
        path = ("data", "categorical", col)
        if col not in frame.columns:
            have = [str(c) for c in frame.columns]
            problems.append(Problem(path, _missing_column(col, have, data_label(cfg))))
            continue
        values = frame[col].astype("string").str.strip()
        blank = values.isna() | (values == "")
        if blank.any():
            rows = ", ".join(map(str, frame.index[blank][:5]))
            problems.append(Problem(path, f"column {col!r} is blank at rows {rows}; fill it in"))
            continue
        levels = sorted(set(values))
        if reference not in levels:
            problems.append(
                Problem(path, f"reference level {reference!r} is not in column {col!r}, "
                              f"whose levels are {levels}")
            )  # fmt: skip
            continue
        for level in levels:
            if level != reference:
                added[f"{col}={level}"] = (values == level).astype(float).to_numpy()
    if problems:
        raise ConfigProblems(_source(cfg), problems)
    return frame.assign(**added) if added else frame


def named_columns(cfg: RunConfig) -> list[tuple[Path_, str]]:
    """Return every column the config names, with the YAML path that names it."""
    named: list[tuple[Path_, str]] = [
        (("data", "date_column"), cfg.data.date_column),
        (("data", "kpi_column"), cfg.data.kpi_column),
    ]
    for i, ch in enumerate(cfg.channels):
        named.append((("channels", i, "column"), ch.column))
        if ch.spend_column is not None:
            named.append((("channels", i, "spend_column"), ch.spend_column))
        if ch.frequency_column is not None:
            named.append((("channels", i, "frequency_column"), ch.frequency_column))
    named += [(("controls", i), c) for i, c in enumerate(cfg.controls)]
    named += [
        (("interactions", i, "overlap_column"), inter.overlap_column)
        for i, inter in enumerate(cfg.interactions)
        if inter.overlap_column is not None
    ]
    return named


def check_data(cfg: RunConfig, frame: pd.DataFrame | None = None) -> ValidatedData:
    """Check the config's data and return it validated, or report every problem at once.

    Parameters
    ----------
    cfg : RunConfig
        A valid config.
    frame : DataFrame, optional
        The table, if already read (default: :func:`load_data`).

    Raises
    ------
    ConfigProblems
        Listing each column that is not in the data (with the closest one that is), or the
        data's own problems (missing values, negative spend, irregular dates, ...), or a date
        spacing other than ``data.frequency``.
    """
    frame = load_data(cfg) if frame is None else frame
    have = [str(c) for c in frame.columns]
    problems = [
        Problem(path, _missing_column(col, have, data_label(cfg)))
        for path, col in named_columns(cfg)
        if col not in frame.columns
    ]
    if problems:
        raise ConfigProblems(_source(cfg), problems)
    spec = cfg.model
    try:
        data = validate_data(frame, **spec.data_columns(), source=data_label(cfg))
    except DataError as err:
        problem = Problem(("data",), _geo_hint(str(err), frame, cfg))
        raise ConfigProblems(_source(cfg), [problem]) from None
    if cfg.data.frequency is not None and not frequency_matches(cfg.data.frequency, data.freq):
        message = (
            f"expected {cfg.data.frequency!r} dates, found {data.freq!r} in {data_label(cfg)}; "
            "correct data.frequency, or aggregate the data to that frequency"
        )
        raise ConfigProblems(_source(cfg), [Problem(("data", "frequency"), message)])
    return data


def frequency_matches(expected: str, found: str) -> bool:
    """Tell whether an inferred pandas alias ``found`` is the frequency ``expected``.

    ``expected`` is a pandas alias (``W`` is ``W-SUN``) or one of ``daily``, ``weekly``,
    ``monthly``, which accept any alias of their family.
    """
    from pandas.tseries.frequencies import to_offset

    if expected in FREQUENCY_WORDS:
        base = found.split("-")[0]
        return base in FREQUENCY_WORDS[expected]
    return to_offset(expected) == to_offset(found)


def _missing_column(col: str, have: list[str], label: str) -> str:
    lower = {h.lower(): h for h in have}
    close = difflib.get_close_matches(col.lower(), list(lower), n=1, cutoff=0.6)
    text = f"column {col!r} not found in {label}"
    text += f" (did you mean {lower[close[0]]!r}?)" if close else ""
    return f"{text}; the data has columns {have}"


def _geo_hint(message: str, frame: pd.DataFrame, cfg: RunConfig) -> str:
    """Add a hint when repeated dates come from geo-level data (one row per geo and date)."""
    if "repeats dates" not in message:
        return message
    date = cfg.data.date_column
    for col in frame.columns:
        if col == date or frame[col].dtype.kind in "fc":
            continue
        n = frame[col].nunique()
        if 1 < n < len(frame) and not frame.duplicated([date, col]).any():
            return (
                f"{message}\nColumn {col!r} looks like a geo column ({n} values, one row per "
                f"{col} and date): for a geo model set `geo: {{column: {col}}}` (docs/geo.md), "
                "or aggregate to one national row per date."
            )
    return message


def _source(cfg: RunConfig) -> str:
    return str(cfg.source) if cfg.source is not None else "config"


def load_lift_tests(cfg: RunConfig) -> tuple[LiftTest, ...] | None:
    """Read the config's ``calibration.lift_tests`` (a CSV file or an inline list), or None.

    Raises
    ------
    ConfigProblems
        At ``calibration.lift_tests`` when the file is missing or a row is bad (each row by its
        line), or a test names a channel the config does not have.
    """
    source = cfg.lift_tests_source()
    if source is None:
        return None
    where = ("calibration", "lift_tests")
    try:
        tests = read_lift_tests(source)
    except DataError as err:
        raise ConfigProblems(_source(cfg), [Problem(where, str(err))]) from None
    names = cfg.model.channel_names
    problems = [
        Problem(
            (*where, i, "channel"),
            f"lift test {i} names channel {t.channel!r}, which the config does not have; "
            f"channels are {list(names)}",
        )
        for i, t in enumerate(tests)
        if t.channel not in names
    ]
    if problems:
        raise ConfigProblems(_source(cfg), problems)
    return tests
