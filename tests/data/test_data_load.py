import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmm_bayes.data import read_table
from mmm_bayes.errors import DataError


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "week": ["2024-01-01", "2024-01-08", "2024-01-15"],
            "sales": [100.5, 110.25, 120.0],
            "tv": [5, 0, 3],
        }
    )


def test_dataframe_is_returned_as_a_copy(table):
    got = read_table(table)
    assert got is not table
    pd.testing.assert_frame_equal(got, table)
    got.loc[0, "sales"] = -1.0
    assert table.loc[0, "sales"] == 100.5


@pytest.mark.parametrize("name", ["data.csv", "data.CSV", "data.csv.gz"])
def test_csv_round_trip(tmp_path, table, name):
    path = tmp_path / name
    table.to_csv(path, index=False)
    pd.testing.assert_frame_equal(read_table(path), table, check_dtype=False)
    assert read_table(str(path))["tv"].tolist() == [5, 0, 3]


@pytest.mark.parametrize("name", ["data.parquet", "data.pq"])
def test_parquet_round_trip(tmp_path, table, name):
    pytest.importorskip("pyarrow")
    path = tmp_path / name
    table.to_parquet(path, index=False)
    got = read_table(path)
    pd.testing.assert_frame_equal(got, table, check_dtype=False)
    np.testing.assert_array_equal(got["sales"].to_numpy(), table["sales"].to_numpy())


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(DataError, match=rf"{re.escape(str(path))}: file not found"):
        read_table(path)


def test_folder_is_not_a_file(tmp_path):
    with pytest.raises(DataError, match=r"is a folder, not a file"):
        read_table(tmp_path)


def test_unknown_extension_lists_the_formats_read(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_text("x")
    with pytest.raises(DataError, match=r"data\.xlsx: unknown file type '\.xlsx'.*CSV.*Parquet"):
        read_table(path)


def test_no_extension(tmp_path):
    path = tmp_path / "data"
    path.write_text("x")
    with pytest.raises(DataError, match=r"unknown file type '\(no suffix\)'"):
        read_table(path)


def test_empty_csv(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataError, match=r"empty\.csv: the file is empty"):
        read_table(path)


def test_corrupt_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"this is not parquet")
    with pytest.raises(DataError, match=r"bad\.parquet: could not be read as Parquet"):
        read_table(path)


def test_truncated_gzip(tmp_path):
    path = tmp_path / "bad.csv.gz"
    path.write_bytes(gzip.compress(b"week,sales\n2024-01-01,1\n" * 100)[:40])
    with pytest.raises(DataError, match=r"bad\.csv\.gz: could not be read as CSV"):
        read_table(path)


def test_not_utf8_csv(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("wéek,sales\n2024-01-01,1\n".encode("utf-16"))
    with pytest.raises(DataError, match=r"latin\.csv: could not be read as CSV"):
        read_table(path)


def test_other_types_are_a_type_error():
    with pytest.raises(TypeError, match=r"DataFrame or a file path, got int"):
        read_table(3)  # type: ignore[arg-type]


def test_path_is_kept_relative_in_the_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match=r"^missing\.csv: file not found") as err:
        read_table(Path("missing.csv"))
    assert f"relative paths start from {tmp_path}" in str(err.value)


def test_repeated_csv_header_is_refused_before_anything_reads_the_table(tmp_path):
    # pandas renames the second 'tv' to 'tv.1' and the first would be used without a word
    path = tmp_path / "data.csv"
    path.write_text("week,sales,tv,price,tv\n2024-01-01,100,5,1,7\n2024-01-08,110,0,1,8\n")
    with pytest.raises(DataError, match=r"column\(s\) \['tv'\] appear more than once") as err:
        read_table(path)
    assert str(err.value).startswith(str(path))


def test_header_without_repeats_is_read_as_pandas_names_it(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("week,sales,,tv\n2024-01-01,100,1,5\n")
    assert list(read_table(path).columns) == ["week", "sales", "Unnamed: 2", "tv"]


@pytest.mark.parametrize(("sep", "label"), [(";", "';'"), ("\t", "tabs"), ("|", "'|'")])
def test_file_separated_by_another_character_is_named(tmp_path, sep, label):
    # decimal commas make the rows' comma counts differ: pandas alone fails with a ParserError
    path = tmp_path / "data.csv"
    rows = [["week", "sales", "tv"], ["2024-01-01", "15", "2,5"], ["2024-01-08", "1,6", "2,5"]]
    path.write_text("\n".join(sep.join(r) for r in rows) + "\n")
    with pytest.raises(DataError, match=rf"separated by {re.escape(label)}, not commas") as err:
        read_table(path)
    assert str(path) in str(err.value) and "sep=" in str(err.value)


def test_one_column_csv_without_a_separator_is_read(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("sales\n1\n2\n")
    assert read_table(path)["sales"].tolist() == [1, 2]
