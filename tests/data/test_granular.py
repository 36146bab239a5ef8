"""Aggregation of granular media rows: time zones, DST, week starts, partial weeks, bad rows."""

import numpy as np
import pandas as pd
import pytest

from mmm_bayes.config import load_config
from mmm_bayes.config.data import check_data
from mmm_bayes.config.problems import ConfigProblems
from mmm_bayes.data.granular import aggregate_granular, merge_media
from mmm_bayes.datasets import load
from mmm_bayes.errors import DataError
from mmm_bayes.simulate.granular import explode_weekly


def _iso(index: pd.DatetimeIndex) -> pd.Index:
    """ISO 8601 text with a ``+hh:mm`` offset, as platforms export it."""
    return index.strftime("%Y-%m-%dT%H:%M%z").str.replace(r"(\d\d)$", r":\1", regex=True)


def test_hourly_utc_rows_across_dst_end_land_in_local_weeks():
    # 2024-10-27: Europe/Berlin falls back, the local day has 25 hours. Every UTC hour from
    # Mon 2024-10-21 00:00 local (22:00 UTC the day before, CEST) up to Sun 2024-11-03
    # 24:00 local (23:00 UTC, CET), exclusive
    ts = pd.date_range("2024-10-20 22:00", "2024-11-03 23:00", freq="h", tz="UTC", inclusive="left")
    rows = pd.DataFrame({"timestamp": _iso(ts), "channel": "tv", "spend": 1.0})
    out = aggregate_granular(rows, {"timezone": "Europe/Berlin"})
    assert list(out.table["date"]) == [pd.Timestamp("2024-10-21"), pd.Timestamp("2024-10-28")]
    # first week holds the 25-hour Sunday: 6 * 24 + 25 hours; the second 7 * 24
    assert out.table["tv_spend"].tolist() == [169.0, 168.0]
    assert out.partial == ()
    assert out.totals.loc[("tv", "spend"), "output"] == len(rows)


def test_naive_local_hours_across_dst_start_daily_grain():
    # America/New_York springs forward on 2024-03-10: 02:xx does not exist, the day has 23 h.
    # Naive timestamps are local time: each row belongs to its own calendar day.
    local = pd.date_range("2024-03-09 00:00", "2024-03-11 23:00", freq="h")
    local = local[~((local.day == 10) & (local.hour == 2))]
    rows = pd.DataFrame({"timestamp": local.astype(str), "channel": "tv", "spend": 2.0})
    out = aggregate_granular(rows, {"timezone": "America/New_York", "grain": "day"})
    assert out.table["tv_spend"].tolist() == [48.0, 46.0, 48.0]


def test_week_start_day_is_configurable():
    days = pd.date_range("2024-01-07", periods=14, freq="D")  # Sunday 7th to Saturday 20th
    rows = pd.DataFrame({"timestamp": days.astype(str), "channel": "radio", "spend": 1.0})
    sunday = aggregate_granular(rows, {"week_start": "sunday"})
    assert sunday.table["date"].tolist() == [pd.Timestamp("2024-01-07"), pd.Timestamp("2024-01-14")]
    assert sunday.table["radio_spend"].tolist() == [7.0, 7.0] and sunday.partial == ()
    monday = aggregate_granular(rows, {"week_start": "monday"})
    assert monday.table["radio_spend"].tolist() == [1.0, 7.0, 6.0]
    assert monday.partial == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-15"))


def test_partial_first_and_last_weeks_kept_or_dropped_with_totals():
    days = pd.date_range("2024-01-03", "2024-01-24", freq="D")  # Wed .. Wed: partial ends
    rows = pd.DataFrame({"timestamp": days.astype(str), "channel": "tv", "spend": 10.0})
    kept = aggregate_granular(rows, {})
    assert kept.partial == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-22"))
    assert kept.table["tv_spend"].tolist() == [50.0, 70.0, 70.0, 30.0]
    assert "partial weeks" in kept.summary() and "2024-01-22" in kept.summary()
    dropped = aggregate_granular(rows, {"partial_periods": "drop"})
    assert dropped.table["tv_spend"].tolist() == [70.0, 70.0]
    total = dropped.totals.loc[("tv", "spend")]
    assert (total["input"], total["output"], total["partial_dropped"]) == (220.0, 140.0, 80.0)


def test_hourly_partial_day_counts_as_partial_week():
    hours = pd.date_range("2024-01-01 06:00", "2024-01-14 23:00", freq="h")  # Mon 06:00 start
    rows = pd.DataFrame({"timestamp": hours.astype(str), "channel": "tv", "spend": 1.0})
    assert aggregate_granular(rows, {}).partial == (pd.Timestamp("2024-01-01"),)


def test_bad_rows_are_dropped_and_reported_by_row():
    rows = pd.DataFrame(
        {
            "timestamp": ["2024-01-01", "2024-01-02", "not a date", "2024-01-04", "2024-01-05"],
            "channel": ["tv", "tv", "tv", "cinema", "tv"],
            "spend": [1.0, -5.0, 1.0, 1.0, 1.0],
        }
    )
    out = aggregate_granular(rows, {"channels": ["tv"]})
    assert out.rows_kept == 2 and out.table["tv_spend"].tolist() == [2.0]
    causes = dict(zip(out.dropped["row"], out.dropped["cause"], strict=True))
    assert causes == {
        1: "negative spend ('spend')",
        2: "unparseable timestamp",
        3: "unknown channel",
    }
    text = out.summary()
    assert "negative spend ('spend'): row 1" in text and "unknown channel: row 3" in text
    with pytest.raises(DataError, match=r"negative spend \('spend'\) at row 1.*bad_rows: drop"):
        aggregate_granular(rows, {"channels": ["tv"], "bad_rows": "error"})


def test_missing_and_non_numeric_values_and_all_bad():
    rows = pd.DataFrame(
        {"timestamp": ["2024-01-01", "2024-01-02"], "channel": ["tv", None], "spend": ["x", 1]}
    )
    with pytest.raises(DataError, match=r"no usable row; missing channel at row 1; "
                       r"non-numeric spend at row 0"):  # fmt: skip
        aggregate_granular(rows, {})


def test_missing_column_names_the_field_and_a_close_match():
    rows = pd.DataFrame({"timestamp": ["2024-01-01"], "channel": ["tv"], "cost": [1.0]})
    with pytest.raises(DataError, match=r"metrics.spend: column 'spnd' not found"):
        aggregate_granular(rows, {"metrics": {"spend": "spnd"}})
    with pytest.raises(DataError, match=r"timestamp_column: column 'time' not found"):
        aggregate_granular(rows, {"timestamp_column": "time", "metrics": {"spend": "cost"}})


def test_mixed_offsets_and_naive_rows_are_refused_per_row():
    rows = pd.DataFrame(
        {"timestamp": ["2024-01-01T10:00+01:00", "2024-01-02T10:00"], "channel": "tv", "spend": 1}
    )
    out = aggregate_granular(rows, {"timezone": "Europe/Berlin"})
    assert out.dropped["cause"].tolist() == [
        "timestamp without a UTC offset while other rows have one"
    ]


def test_reach_and_frequency_aggregate_by_rule():
    rows = pd.DataFrame(
        {
            "timestamp": ["2024-01-01", "2024-01-02"],
            "channel": "yt",
            "spend": [10.0, 20.0],
            "reach": [100.0, 300.0],
            "frequency": [2.0, 3.0],
        }
    )
    metrics = {"spend": "spend", "reach": "reach", "frequency": "frequency"}
    out = aggregate_granular(rows, {"metrics": metrics})
    # impressions = sum(reach * frequency) = 200 + 900; reach = max(100, 300); freq = 1100 / 300
    row = out.table.iloc[0]
    assert (row["yt_impressions"], row["yt_reach"]) == (1100.0, 300.0)
    assert row["yt_frequency"] == pytest.approx(1100 / 300)
    summed = aggregate_granular(rows, {"metrics": metrics, "reach": "sum"}).table.iloc[0]
    assert summed["yt_reach"] == 400.0 and summed["yt_frequency"] == pytest.approx(2.75)


def test_explode_then_aggregate_gives_weekly_spend_back():
    weekly = load("example_weekly").iloc[:20]
    spend = {"tv": "tv_spend", "search": "search_spend"}
    rows = explode_weekly(weekly, spend, placements=3, timezone="Asia/Kolkata", random_seed=3)
    out = aggregate_granular(rows, {"timezone": "Asia/Kolkata"})
    assert out.table["date"].tolist() == weekly["date"].tolist()
    for name, col in spend.items():
        # float sums of 21 shares: agreement to rounding error
        np.testing.assert_allclose(out.table[f"{name}_spend"], weekly[col], rtol=1e-9, atol=1e-6)


def test_merge_refuses_dates_that_are_not_periods():
    days = pd.date_range("2024-01-01", periods=21, freq="D")
    media = aggregate_granular(
        pd.DataFrame({"timestamp": days.astype(str), "channel": "tv", "spend": 1.0}), {}
    )
    kpi = pd.DataFrame({"date": ["2024-01-07", "2024-01-14"], "sales": [1.0, 2.0]})  # Sundays
    with pytest.raises(DataError, match=r"2024-01-07 \(Sunday\).*start on 2024-01-01 \(Monday\)"):
        merge_media(kpi, media, date_col="date")
    good = merge_media(kpi.assign(date=["2024-01-01", "2024-01-15"]), media, date_col="date")
    assert good["tv_spend"].tolist() == [7.0, 7.0]
    with pytest.raises(DataError, match=r"already has column\(s\) \['tv_spend'\]"):
        merge_media(good, media, date_col="date")


def test_example_config_aggregates_to_the_weekly_example():
    cfg = load_config("configs/granular_example.yaml")
    data = check_data(cfg)
    weekly = load("example_weekly")
    # the example rows are the weekly spend split into days, rounded to cents per row
    np.testing.assert_allclose(data.frame["tv_spend"], weekly["tv_spend"], atol=0.2)
    assert data.frame["social_impressions"].gt(0).sum() == weekly["social_spend"].gt(0).sum()


def test_config_reports_granular_problems_at_their_path(tmp_path):
    rows = pd.DataFrame({"timestamp": ["2024-01-01", "bad"], "channel": "tv", "spend": 1.0})
    rows.to_csv(tmp_path / "media.csv", index=False)
    pd.DataFrame({"date": ["2024-01-01"], "sales": [1.0]}).to_csv(tmp_path / "kpi.csv")
    (tmp_path / "run.yaml").write_text(
        "data: {path: kpi.csv, kpi_column: sales, granular: {path: media.csv, bad_rows: error}}\n"
        "channels: [{name: tv, column: tv_spend}]\n"
    )
    cfg = load_config(tmp_path / "run.yaml")
    with pytest.raises(ConfigProblems, match=r"data.granular.*unparseable timestamp at row 1"):
        check_data(cfg)


def test_unknown_time_zone_is_a_config_error():
    from pydantic import ValidationError

    from mmm_bayes.spec.granular import GranularMedia

    with pytest.raises(ValidationError, match="unknown time zone 'Europe/Berln'"):
        GranularMedia(timezone="Europe/Berln")


def test_blank_optional_metric_is_zero_and_counted_but_blank_spend_drops():
    rows = pd.DataFrame(
        {
            "timestamp": pd.date_range("2024-01-01", periods=4, freq="D"),
            "channel": ["yt", "yt", "search", "search"],
            "spend": [1.0, None, 2.0, 3.0],
            "imps": [10.0, 20.0, None, None],
        }
    )
    rows.loc[3, "timestamp"] = pd.NaT
    out = aggregate_granular(rows, {"metrics": {"spend": "spend", "impressions": "imps"}})
    assert out.dropped["cause"].tolist() == ["missing spend ('spend')", "missing timestamp"]
    assert out.filled == {"impressions": 1}
    assert "1 row(s) without impressions: taken as 0" in out.summary()
    assert out.table[["search_spend", "search_impressions", "yt_impressions"]].iloc[0].tolist() == [
        2.0,
        0.0,
        10.0,
    ]
