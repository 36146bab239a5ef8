"""Read lift-test results from a table (DataFrame, CSV or Parquet) or a list of records.

Every problem is reported at once, each naming the row (as numbered in the file: the header is
line 1) and the column, so a user can fix the file in one pass.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

import pandas as pd
from pydantic import ValidationError

from mmm_bayes.data.load import read_table
from mmm_bayes.errors import DataError
from mmm_bayes.spec.calibration import LIFT_TEST_COLUMNS, LiftTest

__all__ = ["lift_tests_frame", "read_lift_tests"]

LiftTestsLike = pd.DataFrame | str | os.PathLike | Iterable[LiftTest | Mapping]


def read_lift_tests(source: LiftTestsLike) -> tuple[LiftTest, ...]:
    """Return the lift tests in ``source``, checked row by row.

    Parameters
    ----------
    source : DataFrame, path, or iterable of LiftTest or dict
        A table with columns ``channel``, ``start``, ``end``, ``spend_delta`` or ``spend``,
        ``lift``, ``lift_se`` (optional ``geo``, ``name``), a CSV/Parquet file of it, or the
        tests themselves.

    Raises
    ------
    DataError
        Listing every bad row: unknown or missing columns, unparseable dates, a negative
        standard error, an end before the start, both or neither spend column.
    """
    if isinstance(source, pd.DataFrame | str | os.PathLike):
        where = str(source) if isinstance(source, str | os.PathLike) else "lift tests"
        frame = read_table(source)
        return _from_frame(frame, where, first_line=2 if where != "lift tests" else 0)
    tests, problems = [], []
    for i, item in enumerate(source):
        if isinstance(item, LiftTest):
            tests.append(item)
            continue
        try:
            tests.append(LiftTest.model_validate(item))
        except ValidationError as err:
            problems.append(f"test {i}: {_messages(err)}")
    _raise(problems, "lift tests")
    return tuple(tests)


def lift_tests_frame(tests: Iterable[LiftTest]) -> pd.DataFrame:
    """Return the tests as a table of :data:`LIFT_TEST_COLUMNS` (as ``lift_tests.csv``)."""
    rows = [t.model_dump() for t in tests]
    return pd.DataFrame(rows, columns=list(LIFT_TEST_COLUMNS))


def _from_frame(frame: pd.DataFrame, where: str, *, first_line: int) -> tuple[LiftTest, ...]:
    unknown = [c for c in frame.columns if c not in LIFT_TEST_COLUMNS]
    required = ("channel", "start", "end", "lift", "lift_se")
    missing = [c for c in required if c not in frame.columns]
    if "spend" not in frame.columns and "spend_delta" not in frame.columns:
        missing.append("spend_delta (or spend)")
    if unknown or missing:
        raise DataError(
            f"{where}: "
            + (f"unknown column(s) {unknown}; " if unknown else "")
            + (f"missing column(s) {missing}; " if missing else "")
            + f"a lift-test table has columns {list(LIFT_TEST_COLUMNS)}"
        )
    tests, problems = [], []
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for i, record in enumerate(records):
        line = i + first_line
        label = f"line {line}" if first_line else f"row {i}"
        record = {k: v for k, v in record.items() if v is not None and v != ""}
        try:
            tests.append(LiftTest.model_validate(record))
        except ValidationError as err:
            problems.append(f"{label}: {_messages(err)}")
    _raise(problems, where)
    return tuple(tests)


def _messages(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        field = ".".join(str(p) for p in e["loc"])
        message = e["msg"].removeprefix("Value error, ")
        parts.append(f"column {field!r}: {message}" if field else message)
    return "; ".join(parts)


def _raise(problems: list[str], where: str) -> None:
    if problems:
        lines = "\n  ".join(problems)
        raise DataError(f"{where}: {len(problems)} bad lift test(s):\n  {lines}")
