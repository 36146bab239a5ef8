"""Spend columns of channels measured by exposure: validated like spend, kept in the frame."""

import numpy as np
import pytest

from mmm_bayes import datasets
from mmm_bayes.data import validate_data
from mmm_bayes.errors import DataError


@pytest.fixture
def df():
    frame = datasets.load("example_weekly")
    return frame.assign(tv_grps=frame["tv_spend"] / 100.0)


def check(df, **kwargs):
    args = {"date_col": "date", "kpi_col": "sales", "channel_cols": ["tv_grps"]}
    return validate_data(df, **(args | kwargs))


def test_spend_columns_are_kept_and_fingerprinted(df):
    data = check(df, spend_cols=["tv_spend"])
    assert data.spend_cols == ("tv_spend",)
    assert list(data.frame.columns) == ["date", "sales", "tv_grps", "tv_spend"]
    assert data.fingerprint != check(df).fingerprint


def test_spend_columns_are_checked_like_spend(df):
    df.loc[4, "tv_spend"] = np.nan
    df.loc[9, "tv_spend"] = -3.0
    with pytest.raises(DataError) as info:
        check(df, spend_cols=["tv_spend"])
    assert "'tv_spend' is missing (empty or NaN) at row 4" in str(info.value)
    assert "negative spend in 'tv_spend' at row 9" in str(info.value)


def test_a_spend_column_has_one_role(df):
    with pytest.raises(DataError, match="'tv_grps' as channel and spend"):
        check(df, spend_cols=["tv_grps"])
    with pytest.raises(DataError, match=r"column\(s\) 'tv_spnd' \(did you mean 'tv_spend'\?\)"):
        check(df, spend_cols=["tv_spnd"])
