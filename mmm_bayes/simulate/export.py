"""Write a simulated data set and its truth to disk, atomically (temporary file, then rename)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from mmm_bayes.simulate.truth import Truth


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; package data must be world-readable
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def to_csv_text(data: pd.DataFrame, *, date_column: str = "date") -> str:
    """CSV text of ``data``: ISO dates, whole-valued numeric columns as integers.

    Other floats are written with Python's shortest round-trip repr, so reading the file back
    gives exactly the values in ``data``.
    """
    out = data.copy()
    for col in out.columns:
        values = out[col]
        if col != date_column and values.dtype.kind == "f":
            if np.all(np.isfinite(values)) and np.all(values == np.round(values)):
                out[col] = values.astype("int64")
    return out.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n")


def write_dataset(
    data: pd.DataFrame, truth: Truth, *, directory: str | os.PathLike[str], name: str
) -> tuple[Path, Path]:
    """Write ``{name}.csv`` and ``{name}_truth.json`` into ``directory``, each atomically.

    Parameters
    ----------
    data : DataFrame
        The simulated data, with a ``truth.date_column`` column.
    truth : Truth
        Its truth, written with :meth:`Truth.to_dict`.
    directory : path-like
        Existing folder to write into.
    name : str
        Data set name, the stem of both files.

    Returns
    -------
    tuple of Path
        The CSV path and the JSON path.
    """
    directory = Path(directory)
    csv_path = directory / f"{name}.csv"
    json_path = directory / f"{name}_truth.json"
    _write_atomic(csv_path, to_csv_text(data, date_column=truth.date_column))
    _write_atomic(json_path, json.dumps(truth.to_dict(), indent=1, allow_nan=False) + "\n")
    return csv_path, json_path
