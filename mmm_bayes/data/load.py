"""Read a table of dated observations from a DataFrame, a CSV file or a Parquet file."""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from mmm_bayes.errors import DataError

__all__ = ["read_table"]

_CSV_SUFFIXES = (".csv", ".csv.gz")
_PARQUET_SUFFIXES = (".parquet", ".pq")


def read_table(source: pd.DataFrame | str | os.PathLike[str]) -> pd.DataFrame:
    """Read a table as a DataFrame, leaving column types for validation to judge.

    Parameters
    ----------
    source : DataFrame, str or path-like
        A DataFrame (a copy is returned, so the caller's frame is never modified), or the
        path of a CSV file (``.csv``, ``.csv.gz``) or a Parquet file (``.parquet``, ``.pq``).
        The suffix decides the format, case-insensitively.

    Returns
    -------
    DataFrame
        The table as read: no column is renamed, parsed, dropped or filled. Rows of a file
        keep a 0-based ``RangeIndex``, so row 0 is the first line after a CSV header.

    Raises
    ------
    DataError
        If the file does not exist, its suffix is not one of the above, or it cannot be
        read (empty, corrupt, or Parquet support missing); the message names the path.
    TypeError
        If `source` is neither a DataFrame nor a path.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"week": ["2024-01-01"], "sales": [10.0]})
    >>> read_table(frame) is frame
    False
    """
    if isinstance(source, pd.DataFrame):
        return source.copy()
    if not isinstance(source, str | os.PathLike):
        raise TypeError(
            f"read_table expects a DataFrame or a file path, got {type(source).__name__}."
        )
    path = Path(source)
    _check_exists(path)
    name = path.name.lower()
    if name.endswith(_CSV_SUFFIXES):
        return _read(path, _read_csv, "CSV")
    if name.endswith(_PARQUET_SUFFIXES):
        return _read(path, _read_parquet, "Parquet")
    raise DataError(
        f"{path}: unknown file type {path.suffix or '(no suffix)'!r}; read_table reads CSV "
        f"({', '.join(_CSV_SUFFIXES)}) and Parquet ({', '.join(_PARQUET_SUFFIXES)}). Rename "
        "the file if it is one of these, or load it with pandas and pass the DataFrame."
    )


def _check_exists(path: Path) -> None:
    """Raise a DataError naming `path` if it is missing or is a folder."""
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a file; pass the path of a CSV or Parquet file.")
    if not path.exists():
        where = (
            "check the spelling and the folder"
            if path.is_absolute()
            else f"check the spelling, or give an absolute path (relative paths start from "
            f"{Path.cwd()})"
        )
        raise DataError(f"{path}: file not found (resolved to {path.resolve()}); {where}.")


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV file after checking its header line.

    Refused before the table is read: a header whose first name holds a ``;``, tab or ``|``
    (the file is separated by that character, not by commas), and a name that appears twice
    (pandas would rename the copy ``x.1`` and the first would be used without a word).
    """
    header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
    names = [str(n) for n in header.iloc[0]] if len(header) else []
    for sep, label in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
        if names and sep in names[0]:
            raise DataError(
                f"{path}: the header starts {names[0][:60]!r}: the file is separated by "
                f"{label}, not commas (Excel writes ';' in some locales). Save it as CSV with "
                "commas, or read it with pandas (pd.read_csv(path, sep=...), with decimal=',' "
                "if numbers are written 1,5) and pass the DataFrame."
            )
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise DataError(
            f"{path}: column(s) {repeated} appear more than once in the header; rename or drop "
            "the copies so that each name is unique."
        )
    return pd.read_csv(path)


def _read_parquet(path: Path) -> pd.DataFrame:
    """Read a Parquet file, naming the missing extra if no Parquet engine is installed."""
    try:
        return pd.read_parquet(path)
    except ImportError as exc:
        raise DataError(
            f"{path}: reading Parquet needs pyarrow; install it with "
            "`pip install 'mmm_bayes[parquet]'`, or save the table as CSV."
        ) from exc


def _read(path: Path, reader: Callable[[Path], pd.DataFrame], kind: str) -> pd.DataFrame:
    """Call `reader` on `path`, turning any parse or I/O failure into a DataError."""
    try:
        return reader(path)
    except DataError:
        raise
    except pd.errors.EmptyDataError as exc:
        raise DataError(
            f"{path}: the file is empty; expected a {kind} table with a header."
        ) from exc
    except (OSError, ValueError, EOFError, zlib.error) as exc:
        raise DataError(
            f"{path}: could not be read as {kind} ({type(exc).__name__}: {exc}); check that the "
            "file is complete and really is "
            f"{kind} (re-export it if it was truncated or saved in another format)."
        ) from exc
