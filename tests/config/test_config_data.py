"""Checking a config against its data: columns by YAML path with the closest match, all at once."""

import numpy as np
import pandas as pd
import pytest

from mmm_bayes import datasets
from mmm_bayes.config import ConfigProblems, check_data, frequency_matches, load_data, parse_config
from mmm_bayes.config.data import encode_categorical


def write_config(folder, text, data: pd.DataFrame | None = None, name="cfg.yaml"):
    folder.mkdir(parents=True, exist_ok=True)
    if data is not None:
        (folder / "data").mkdir(exist_ok=True)
        data.to_csv(folder / "data" / "sales.csv", index=False)
    (folder / name).write_text(text)
    return folder / name


def config(folder, text):
    from mmm_bayes.config import load_config

    return load_config(write_config(folder, text))


@pytest.fixture
def example():
    return datasets.load("example_weekly")


def problems_of(cfg, frame=None):
    with pytest.raises(ConfigProblems) as info:
        check_data(cfg, frame)
    return {p.where: p.message for p in info.value.problems}


def test_bundled_dataset_validates():
    cfg = parse_config("data: {dataset: example_weekly, kpi_column: sales, frequency: W-MON}\n"
                       "channels: [tv_spend, search_spend]\ncontrols: [promo]\n")  # fmt: skip
    data = check_data(cfg)
    assert data.freq == "W-MON" and len(data.frame) == 156


def test_missing_columns_are_named_by_path_with_the_closest_column(tmp_path, example):
    write_config(tmp_path, "", example)
    cfg = config(
        tmp_path,
        """\
        data: {path: data/sales.csv, date_column: Date, kpi_column: sale}
        channels:
          - {name: tv, column: tv_spend}
          - {name: fb, column: fb_impressions, spend_column: social_spnd}
          - {name: search, column: serch_spend}
        controls: [promo, price]
        """.replace("        ", ""),
    )
    found = problems_of(cfg)
    assert set(found) == {
        "data.date_column", "data.kpi_column", "channels[1].column", "channels[1].spend_column",
        "channels[2].column", "controls[1]",
    }  # fmt: skip
    assert found["data.kpi_column"].startswith(
        f"column 'sale' not found in {tmp_path / 'data' / 'sales.csv'} (did you mean 'sales'?)"
    )
    assert "(did you mean 'date'?)" in found["data.date_column"]  # case-insensitive
    assert "(did you mean 'search_spend'?)" in found["channels[2].column"]
    assert "(did you mean 'social_spend'?)" in found["channels[1].spend_column"]
    assert "(did you mean 'price_index'?)" in found["controls[1]"]
    assert "did you mean" not in found["channels[1].column"]  # nothing close to fb_impressions
    assert "the data has columns ['date', 'sales', 'tv_spend'" in found["channels[1].column"]


def test_data_problems_come_from_validation(tmp_path, example):
    bad = example.copy()
    bad.loc[3, "tv_spend"] = -5.0
    bad.loc[7, "promo"] = np.nan
    path = write_config(tmp_path, "data: {path: data/sales.csv, kpi_column: sales}\n"
                        "channels: [tv_spend]\ncontrols: [promo]\n", bad)  # fmt: skip
    from mmm_bayes.config import load_config

    found = problems_of(load_config(path))
    assert list(found) == ["data"]
    assert "negative spend in 'tv_spend' at row 3 (2023-01-23: -5)" in found["data"]
    assert "'promo' is missing (empty or NaN) at row 7" in found["data"]


def test_missing_file_is_a_problem_at_data_path(tmp_path):
    cfg = config(tmp_path, "data: {path: nowhere.csv, kpi_column: y}\nchannels: [x]\n")
    found = problems_of(cfg)
    assert "file not found" in found["data.path"]
    assert f"written as 'nowhere.csv', relative to {tmp_path}" in found["data.path"]
    # the config resolved the path from its own folder: no word of the working directory
    assert "relative paths start from" not in found["data.path"]


def test_frequency_must_match(tmp_path):
    cfg = parse_config("data: {dataset: example_weekly, kpi_column: sales, frequency: D}\n"
                       "channels: [tv_spend]\n")  # fmt: skip
    assert problems_of(cfg) == {
        "data.frequency": "expected 'D' dates, found 'W-MON' in dataset 'example_weekly'; "
        "correct data.frequency, or aggregate the data to that frequency"
    }


@pytest.mark.parametrize(
    ("expected", "found", "ok"),
    [("W-MON", "W-MON", True), ("W", "W-SUN", True), ("weekly", "W-MON", True),
     ("W-SUN", "W-MON", False), ("daily", "W-MON", False), ("monthly", "MS", True),
     ("D", "D", True), ("MS", "ME", False)],
)  # fmt: skip
def test_frequency_matches(expected, found, ok):
    assert frequency_matches(expected, found) is ok


def test_spend_columns_are_validated_too(tmp_path, example):
    df = example.assign(tv_grps=example["tv_spend"] / 50.0)
    df.loc[5, "tv_spend"] = -1.0
    text = "data: {path: data/sales.csv, kpi_column: sales}\n"
    text += "channels: [{name: tv, column: tv_grps, spend_column: tv_spend}]\n"
    path = write_config(tmp_path, text, df)
    from mmm_bayes.config import load_config

    assert "negative spend in 'tv_spend' at row 5" in problems_of(load_config(path))["data"]
    df.loc[:, "tv_spend"] = 0.0
    df.to_csv(tmp_path / "data" / "sales.csv", index=False)
    found = problems_of(load_config(path))["data"]
    assert "spend column 'tv_spend' is zero in every period, so the channel's ROAS" in found


def test_geo_data_without_geo_column_gets_a_hint(example):
    long = pd.concat([example.assign(region="north"), example.assign(region="south")])
    cfg = parse_config("data: {dataset: example_weekly, kpi_column: sales}\nchannels: [tv_spend]\n")
    found = problems_of(cfg, long.reset_index(drop=True))["data"]
    assert "repeats dates" in found
    assert "Column 'region' looks like a geo column (2 values" in found
    assert "for a geo model set `geo: {column: region}`" in found


def test_categorical_columns_become_indicators(tmp_path, example):
    events = np.where(np.arange(156) % 50 == 7, "sale", "none").astype(object)
    events[100] = "launch"
    df = example.assign(events=events)
    path = write_config(
        tmp_path,
        "data: {path: data/sales.csv, kpi_column: sales, categorical: {events: none}}\n"
        "channels: [tv_spend]\ncontrols: [events=sale, events=launch]\n",
        df,
    )
    from mmm_bayes.config import load_config

    cfg = load_config(path)
    frame = load_data(cfg)
    assert frame["events=sale"].sum() == 3 and frame["events=launch"].sum() == 1
    assert "events=none" not in frame
    data = check_data(cfg, frame)
    assert data.control_cols == ("events=sale", "events=launch")
    bad = parse_config(
        "data: {dataset: example_weekly, kpi_column: sales,\n"
        "       categorical: {events: na, promo_x: a}}\nchannels: [tv_spend]\n"
    )
    with pytest.raises(ConfigProblems) as info:
        encode_categorical(df, bad)
    found = {p.where: p.message for p in info.value.problems}
    assert found["data.categorical.events"] == (
        "reference level 'na' is not in column 'events', whose levels are "
        "['launch', 'none', 'sale']"
    )
    assert "column 'promo_x' not found" in found["data.categorical.promo_x"]
