import numpy as np
import pandas as pd
import pytest

from mmm_bayes import datasets
from mmm_bayes.errors import DataError
from mmm_bayes.simulate import Truth, example_weekly


@pytest.fixture(scope="module")
def fresh():
    return example_weekly()


def test_names_lists_registry():
    assert datasets.names() == sorted(datasets.REGISTRY)
    assert "example_weekly" in datasets.names()


def test_load_parses_dates_and_sizes():
    df = datasets.load("example_weekly")
    assert df.shape == (156, 9)
    assert pd.api.types.is_datetime64_any_dtype(df["date"])
    assert all(df[c].dtype == np.float64 for c in df.columns if c != "date")
    assert sum(c.endswith("_spend") for c in df.columns) == 5
    pd.testing.assert_frame_equal(df, datasets.load())  # the default name


def test_bundled_csv_equals_fresh_regeneration(fresh):
    df, _ = fresh
    bundled = datasets.load("example_weekly")
    assert list(bundled.columns) == list(df.columns)
    assert (bundled["date"].to_numpy() == df["date"].to_numpy()).all()
    numeric = [c for c in df.columns if c != "date"]
    # the file holds the exact spend/controls and sales rounded to cents; rtol 1e-6 allows a
    # last-bit libm difference flipping a cent on another platform
    np.testing.assert_allclose(bundled[numeric].to_numpy(), df[numeric].to_numpy(), rtol=1e-6)


def test_bundled_truth_equals_fresh_regeneration(fresh):
    _, truth = fresh
    bundled = Truth.from_dict(datasets.truth("example_weekly"))
    assert [c.name for c in bundled.channels] == truth.channel_names
    assert bundled.channels == truth.channels
    for key in ("true_roas", "spend_scale", "total_spend"):
        got, want = getattr(bundled, key), getattr(truth, key)
        assert got.keys() == want.keys()
        np.testing.assert_allclose(list(got.values()), list(want.values()), rtol=1e-6)
    np.testing.assert_allclose(bundled.components.to_numpy(), truth.components.to_numpy(),
                               rtol=1e-6, atol=1e-6)  # fmt: skip


def test_bundled_truth_reconstructs_bundled_kpi():
    df = datasets.load("example_weekly")
    truth = Truth.from_dict(datasets.truth("example_weekly"))
    kpi = truth.expected_kpi(df) + truth.components["noise"].to_numpy()
    np.testing.assert_allclose(kpi, df["sales"], rtol=0, atol=0.005 + 1e-6)


def test_unknown_name_lists_available():
    with pytest.raises(
        DataError,
        match=r"unknown data set 'nope'; available data sets are \['collinear_weekly', ",
    ):
        datasets.load("nope")
    with pytest.raises(DataError, match="available data sets are"):
        datasets.truth("nope")
    with pytest.raises(DataError, match="available data sets are"):
        datasets.describe("nope")


def test_truth_missing_for_unsimulated(monkeypatch):
    info = datasets.DatasetInfo("example_weekly.csv", None, "real data")
    monkeypatch.setitem(datasets.REGISTRY, "real", info)
    with pytest.raises(DataError, match="'real' has no known truth"):
        datasets.truth("real")
    assert "true ROAS" not in datasets.describe("real")


def test_describe_mentions_size_dates_and_roas():
    text = datasets.describe("example_weekly")
    assert text.startswith("example_weekly: ")
    assert "156 rows, 2023-01-02 to 2025-12-22" in text
    assert "true ROAS: tv " in text and "search_spend" in text
