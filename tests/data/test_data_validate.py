import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmm_bayes.data import ValidatedData, data_fingerprint, read_table, validate_data
from mmm_bayes.errors import DataError

EXTERNAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "external"


def make_frame(n: int = 10, freq: str = "W-MON", start: str = "2024-01-01") -> pd.DataFrame:
    rng = np.random.default_rng(7)
    dates = pd.date_range(start, periods=n, freq=freq)
    return pd.DataFrame(
        {
            "week": dates.strftime("%Y-%m-%d"),
            "sales": rng.normal(1000.0, 50.0, n),
            "tv": rng.gamma(2.0, 50.0, n),
            "search": rng.gamma(2.0, 20.0, n),
            "price": rng.normal(10.0, 1.0, n),
            "unused": ["x"] * n,
        }
    )


def check(df: pd.DataFrame, **roles) -> ValidatedData:
    args = {
        "date_col": "week",
        "kpi_col": "sales",
        "channel_cols": ["tv", "search"],
        "control_cols": ["price"],
    }
    return validate_data(df, **(args | roles))


# --- happy paths ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "start"),
    [
        ("W-SUN", "2024-01-07"),
        ("W-MON", "2024-01-01"),
        ("W-WED", "2024-01-03"),
        ("D", "2024-01-01"),
        ("MS", "2024-01-01"),
        ("ME", "2024-01-31"),
    ],
)
def test_frequency_is_inferred(freq, start):
    data = check(make_frame(12, freq, start))
    assert data.freq == freq


def test_frame_layout_and_dtypes():
    data = check(make_frame())
    assert list(data.frame.columns) == ["week", "sales", "tv", "search", "price"]
    assert data.frame["week"].dtype == np.dtype("datetime64[ns]")
    assert all(data.frame[c].dtype == np.float64 for c in ["sales", "tv", "search", "price"])
    assert isinstance(data.frame.index, pd.RangeIndex)
    assert data.channel_cols == ("tv", "search")
    assert data.control_cols == ("price",)
    assert (data.date_col, data.kpi_col) == ("week", "sales")


def test_unsorted_input_is_sorted_and_nothing_is_lost(caplog):
    df = make_frame(8).set_index(pd.Index([10, 11, 12, 13, 14, 15, 16, 17]))
    shuffled = df.iloc[[3, 0, 7, 5, 1, 6, 2, 4]]
    with caplog.at_level(logging.INFO, logger="mmm_bayes.data.validate"):
        data = check(shuffled)
    assert data.frame["week"].is_monotonic_increasing
    assert len(data.frame) == 8
    np.testing.assert_array_equal(data.frame["sales"], df["sales"])
    assert "all 8 rows kept" in caplog.text
    assert data.fingerprint == check(df).fingerprint


def test_input_frame_is_not_modified():
    df = make_frame().iloc[::-1]
    before = df.copy(deep=True)
    check(df)
    pd.testing.assert_frame_equal(df, before)


def test_integer_boolean_and_numeric_text_columns_become_float():
    df = make_frame(6)
    df["tv"] = [1, 2, 3, 0, 5, 6]
    df["price"] = [True, False, True, True, False, False]
    df["search"] = pd.Series([" 1.5", "2", "3e1", "4", "5", "6"], dtype=object)
    data = check(df)
    np.testing.assert_array_equal(data.frame["search"], [1.5, 2.0, 30.0, 4.0, 5.0, 6.0])
    np.testing.assert_array_equal(data.frame["price"], [1, 0, 1, 1, 0, 0])


def test_negative_kpi_and_controls_are_allowed():
    df = make_frame(5)
    df.loc[2, "sales"] = -3.0
    df.loc[1, "price"] = -1.0
    data = check(df)
    assert data.frame["sales"].min() == -3.0


def test_single_string_is_one_channel():
    data = validate_data(make_frame(), date_col="week", kpi_col="sales", channel_cols="tv")
    assert data.channel_cols == ("tv",)
    assert data.control_cols == ()


def test_datetime_and_timezone_aware_dates_are_accepted():
    df = make_frame(5)
    df["week"] = pd.to_datetime(df["week"]).dt.tz_localize("Europe/Paris")
    assert check(df).freq == "W-MON"


def test_fingerprint_is_stable_and_sensitive():
    df = make_frame()
    first, second = check(df), check(df.copy())
    assert first.fingerprint == second.fingerprint == data_fingerprint(first.frame)
    assert re.fullmatch(r"[0-9a-f]{64}", first.fingerprint)
    changed = df.copy()
    changed.loc[4, "tv"] += 1e-9
    assert check(changed).fingerprint != first.fingerprint
    assert check(df, control_cols=[]).fingerprint != first.fingerprint


def test_fingerprint_ignores_index_and_signed_zero_and_date_resolution():
    frame = pd.DataFrame({"d": pd.to_datetime(["2024-01-01", "2024-01-08"]), "x": [0.0, 1.0]})
    other = frame.set_axis([5, 6]).assign(
        x=[-0.0, 1.0], d=frame["d"].to_numpy().astype("datetime64[s]")
    )
    assert data_fingerprint(frame) == data_fingerprint(other)
    assert data_fingerprint(frame) != data_fingerprint(frame.rename(columns={"x": "y"}))


def test_validated_data_is_frozen():
    data = check(make_frame())
    with pytest.raises(AttributeError):
        data.freq = "D"  # type: ignore[misc]


def test_csv_and_parquet_round_trip(tmp_path):
    df = make_frame(9, "W-SUN", "2024-01-07")
    expected = check(df)
    paths = [tmp_path / "d.csv"]
    df.to_csv(paths[0], index=False)
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        pass
    else:
        paths.append(tmp_path / "d.parquet")
        df.to_parquet(paths[1], index=False)
    for path in paths:
        got = check(read_table(path), source=str(path))
        assert got.freq == "W-SUN"
        pd.testing.assert_frame_equal(got.frame, expected.frame, check_exact=False, rtol=1e-15)


def test_published_pymc_marketing_example():
    path = EXTERNAL / "pymc_marketing" / "mmm_example.csv"
    if not path.exists():
        pytest.skip(f"{path} not present")
    data = validate_data(
        read_table(path),
        date_col="date_week",
        kpi_col="y",
        channel_cols=["x1", "x2"],
        control_cols=["event_1", "event_2"],
        source=str(path),
    )
    assert data.freq == "W-MON"
    assert len(data.frame) == 179
    assert data.frame["date_week"].iloc[0] == pd.Timestamp("2018-04-02")
    assert (data.frame[["x1", "x2"]] >= 0).all().all()


# --- column and role errors ---------------------------------------------------------------------


def test_missing_columns_are_listed_at_once_with_hints():
    df = make_frame()
    msg = (
        r"my\.csv: column\(s\) 'Sales' \(did you mean 'sales'\?\), 'tv_spend' "
        r"\(did you mean 'tv'\?\), 'zzz' not found; the data has columns \['week', 'sales'"
    )
    with pytest.raises(DataError, match=msg):
        check(
            df,
            kpi_col="Sales",
            channel_cols=["tv_spend", "search"],
            control_cols=["zzz"],
            source="my.csv",
        )


def test_substring_hint():
    with pytest.raises(DataError, match=r"'search_spend' \(did you mean 'search'\?\)"):
        check(make_frame(), channel_cols=["tv", "search_spend"])


def test_date_in_the_index_gets_a_hint():
    df = make_frame().set_index("week")
    with pytest.raises(DataError, match=r"'week' \(it is the index: call df\.reset_index\(\)"):
        check(df)


def test_column_in_two_roles():
    with pytest.raises(DataError, match=r"'price' as channel and control"):
        check(make_frame(), channel_cols=["tv", "price"])
    with pytest.raises(DataError, match=r"'sales' as KPI and channel"):
        check(make_frame(), channel_cols=["sales"])
    with pytest.raises(DataError, match=r"'tv' as channel and channel"):
        check(make_frame(), channel_cols=["tv", "tv"])


def test_no_channels():
    with pytest.raises(DataError, match=r"no channel columns given"):
        check(make_frame(), channel_cols=[])


def test_repeated_header_name():
    df = make_frame()
    df.columns = ["week", "sales", "tv", "tv", "price", "unused"]
    with pytest.raises(DataError, match=r"column\(s\) \['tv'\] appear more than once"):
        check(df, channel_cols=["tv"])


def test_too_few_rows():
    with pytest.raises(DataError, match=r"only 2 row\(s\); at least 3"):
        check(make_frame(2))


# --- date errors ------------------------------------------------------------------------------


def test_unparseable_and_missing_dates_show_rows_and_raw_values():
    df = make_frame()
    df.loc[3, "week"] = "2024-13-45"
    df.loc[6, "week"] = None
    msg = (
        r"column 'week' has 2 value\(s\) that are not dates, at rows 3 \('2024-13-45'\), 6 \(nan\)"
    )
    with pytest.raises(DataError, match=msg):
        check(df)


def test_day_first_dates_get_a_hint_naming_the_day():
    # pandas takes 02/01/2024 as 1 February, then cannot read 15/01/2024: the dates are day
    # first, and the message says so instead of calling them a second format only
    df = make_frame(10)
    df["week"] = pd.to_datetime(df["week"]).dt.strftime("%d/%m/%Y")
    with pytest.raises(DataError, match="reads as day first") as err:
        check(df)
    assert "'15/01/2024' is 15 January 2024" in str(err.value)
    assert "pd.to_datetime(df['week'], dayfirst=True)" in str(err.value)


def test_dates_that_do_not_read_day_first_get_no_day_first_hint():
    df = make_frame()
    df.loc[3, "week"] = "2024-13-45"
    with pytest.raises(DataError, match="not dates") as err:
        check(df)
    assert "day first" not in str(err.value)


@pytest.mark.parametrize("value", [0.0, 1234.5])
def test_constant_kpi_is_refused(value):
    # a fit on it "converges" to R-hat 2.7 and ROAS of 1e-17 and reports success
    df = make_frame()
    df["sales"] = value
    with pytest.raises(DataError, match=rf"KPI 'sales' is {value:g} in every period"):
        check(df)


def test_many_bad_dates_are_capped():
    df = make_frame(12)
    df["week"] = [f"bad{i}" for i in range(12)]
    with pytest.raises(DataError, match=r"rows 0 \('bad0'\), .*, 4 \('bad4'\) and 7 more"):
        check(df)


def test_numeric_dates_are_refused():
    df = make_frame()
    df["week"] = pd.to_datetime(df["week"]).dt.strftime("%Y%m%d").astype(int)
    with pytest.raises(DataError, match=r"column 'week' holds numbers \(int64\), not dates"):
        check(df)


def test_duplicate_dates_show_dates_rows_and_say_aggregate():
    df = make_frame(8)
    df.loc[5, "week"] = df.loc[4, "week"]
    msg = r"column 'week' repeats dates: 2024-01-29 at rows 4, 5\. .*aggregate"
    with pytest.raises(DataError, match=msg):
        check(df)


def test_gap_names_missing_periods():
    df = make_frame(10).drop(index=[3, 4])
    msg = r"the data is W-MON but 2 period\(s\) are missing: 2024-01-22, 2024-01-29\. Add a row"
    with pytest.raises(DataError, match=msg):
        check(df)


def test_gap_in_daily_data():
    df = make_frame(20, "D").drop(index=[7])
    with pytest.raises(DataError, match=r"the data is D but 1 period\(s\) are missing: 2024-01-08"):
        check(df)


def test_mixed_spacing_names_off_schedule_rows():
    df = make_frame(10)
    df.loc[6, "week"] = "2024-02-13"  # a Tuesday among Mondays
    msg = r"most dates are W-MON, but these are not on that schedule: row 6 \(2024-02-13\)\."
    with pytest.raises(DataError, match=msg):
        check(df)


def test_irregular_dates_without_a_pattern():
    df = make_frame(5)
    df["week"] = ["2024-01-01", "2024-01-04", "2024-01-12", "2024-01-13", "2024-02-01"]
    with pytest.raises(DataError, match=r"not regularly spaced: gaps between consecutive dates"):
        check(df)


def test_mid_month_monthly_dates_get_a_specific_fix():
    df = make_frame(6)
    df["week"] = [f"2024-0{m}-15" for m in range(1, 7)]
    with pytest.raises(DataError, match=r"look monthly but not on a month's first or last day"):
        check(df)


# --- value errors -----------------------------------------------------------------------------


def test_missing_values_name_column_rows_and_dates():
    df = make_frame()
    df.loc[[2, 5], "tv"] = np.nan
    msg = r"'tv' is missing \(empty or NaN\) at rows 2 \(2024-01-15\), 5 \(2024-02-05\)"
    with pytest.raises(DataError, match=msg):
        check(df)


def test_blank_text_is_missing_not_zero():
    df = make_frame(5)
    df["price"] = pd.Series(["1", " ", "3", "4", "5"], dtype=object)
    with pytest.raises(
        DataError, match=r"'price' is missing \(empty or NaN\) at row 1 \(2024-01-08\)"
    ):
        check(df)


def test_non_numeric_text_shows_raw_values():
    df = make_frame(6)
    df["search"] = ["1", "1,200", "3", "$40", "5", "6"]
    msg = (
        r"'search' has non-numeric text at rows 1 \(2024-01-08: '1,200'\), 3 \(2024-01-22: '\$40'\)"
    )
    with pytest.raises(DataError, match=msg):
        check(df)


def test_infinite_values():
    df = make_frame()
    df.loc[7, "sales"] = np.inf
    with pytest.raises(DataError, match=r"'sales' is infinite at row 7 \(2024-02-19: inf\)"):
        check(df)


def test_negative_spend_names_rows_dates_and_values():
    df = make_frame()
    df.loc[[1, 2], "tv"] = [-5.0, -0.5]
    msg = r"negative spend in 'tv' at rows 1 \(2024-01-08: -5\), 2 \(2024-01-15: -0\.5\)"
    with pytest.raises(DataError, match=msg):
        check(df)


def test_zero_spend_channel_must_be_dropped():
    df = make_frame()
    df["search"] = 0.0
    with pytest.raises(
        DataError, match=r"channel 'search' has zero spend in every period.*drop it"
    ):
        check(df)


def test_all_value_problems_are_reported_together():
    df = make_frame()
    df.loc[0, "sales"] = np.nan
    df.loc[1, "tv"] = -1.0
    df["price"] = df["price"].astype(object)
    df.loc[2, "price"] = "ten"
    with pytest.raises(DataError, match=r"3 problem\(s\) in the values") as info:
        check(df)
    text = str(info.value)
    assert "'sales' is missing" in text and "negative spend in 'tv'" in text and "'ten'" in text
    assert "Rows are index labels" in text


def test_rows_are_index_labels():
    df = make_frame(6).set_axis([100, 101, 102, 103, 104, 105])
    df.loc[103, "tv"] = -2.0
    with pytest.raises(DataError, match=r"negative spend in 'tv' at row 103 \(2024-01-22: -2\)"):
        check(df)


def test_dates_in_a_value_column():
    df = make_frame(5)
    df["price"] = pd.to_datetime(df["week"])
    with pytest.raises(DataError, match=r"'price' holds datetime64\[.*\] values, not numbers"):
        check(df)


def test_durations_in_a_value_column():
    df = make_frame(5)
    df["tv"] = pd.to_timedelta(df.index, unit="D")
    with pytest.raises(DataError, match=r"'tv' holds timedelta64\[.*\] values, not numbers"):
        check(df)


@pytest.mark.parametrize("day", ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"])
def test_weekly_data_on_any_weekday(day):
    dates = pd.date_range("2024-01-01", periods=8, freq=f"W-{day}")
    assert check(make_frame(8).assign(week=dates)).freq == f"W-{day}"
