"""Lift tests through the facade, the run folder, the config and the report (no sampling)."""

import numpy as np
import pandas as pd
import pytest

from mmm_bayes import MMM, datasets
from mmm_bayes.config import ConfigProblems, load_config, load_lift_tests
from mmm_bayes.errors import MMMError
from mmm_bayes.report.sections.robustness import section_calibration
from mmm_bayes.testing import fake_posterior

SPEC = {
    "kpi": "sales",
    "channels": [
        {"name": "tv", "column": "tv_spend"},
        {"name": "online_video", "column": "online_video_spend"},
        {"name": "search", "column": "search_spend"},
    ],
    "controls": ["price_index", "promo"],
}
TESTS = "mmm_bayes/datasets/collinear_weekly_lift_tests.csv"


@pytest.fixture
def fitted():
    """An MMM built with the bundled lift test, prior draws posing as its posterior."""
    mmm = MMM(SPEC)
    mmm.build(datasets.load("collinear_weekly"), lift_tests=TESTS)
    mmm.idata = fake_posterior(mmm.spec, mmm.inputs, draws=20, random_seed=3)
    return mmm


def test_lift_test_table_and_before_after(fitted):
    other = MMM(SPEC)
    other.build(datasets.load("collinear_weekly"))
    other.idata = fake_posterior(other.spec, other.inputs, draws=20, random_seed=4)
    table = fitted.lift_test_table(before=other)
    assert list(table.index) == ["tv 2024-12-30..2025-02-09"]
    row = table.iloc[0]
    assert row["predicted_lower_90"] <= row["predicted_mean"] <= row["predicted_upper_90"]
    # the two posteriors differ, so the before/after columns do too
    assert row["before_mean"] != pytest.approx(row["predicted_mean"])
    section = section_calibration(type("C", (), {"calibration": table, "kpi": "sales"})())
    kinds = [b["kind"] for b in section["blocks"]]
    assert kinds == ["text", "figure", "table"]
    assert section["blocks"][2]["columns"][-1] == "model without tests (90%)"


def test_a_model_fitted_without_tests_asks_for_them(fitted):
    mmm = MMM(SPEC)
    mmm.build(datasets.load("collinear_weekly"))
    mmm.idata = fitted.idata
    with pytest.raises(MMMError, match="fitted without lift tests"):
        mmm.lift_test_table()
    # other tests can still be predicted by any fit
    assert mmm.lift_predictions(TESTS).sizes["lift_test"] == 1


def test_run_folder_keeps_the_tests_and_load_restores_them(fitted, tmp_path):
    folder = fitted.save(tmp_path / "run", figures=True)
    assert (folder / "lift_tests.png").is_file()
    saved = pd.read_csv(folder / "lift_test_check.csv", index_col="lift_test")
    loaded = MMM.load(folder)
    assert loaded.lift is not None
    np.testing.assert_array_equal(loaded.lift.treated, fitted.lift.treated)
    again = loaded.lift_test_table()
    np.testing.assert_allclose(again["predicted_mean"], saved["predicted_mean"], rtol=1e-12)


def _write_config(tmp_path, calibration: str) -> str:
    path = tmp_path / "cal.yaml"
    path.write_text(
        "data: {dataset: collinear_weekly, kpi_column: sales}\n"
        "channels: [{name: tv, column: tv_spend}, {name: search, column: search_spend}]\n"
        f"calibration:\n{calibration}"
    )
    return path


def test_config_reads_lift_tests_from_a_relative_csv_or_inline(tmp_path):
    pd.read_csv(TESTS).to_csv(tmp_path / "tests.csv", index=False)
    cfg = load_config(_write_config(tmp_path, "  lift_tests: tests.csv\n"))
    (test,) = load_lift_tests(cfg)
    assert test.channel == "tv" and test.spend_delta < 0
    inline = (
        "  lift_tests:\n"
        "    - {channel: search, start: 2024-03-04, end: 2024-03-31, spend_delta: 5000,"
        " lift: 9000, lift_se: 2000}\n"
    )
    (test,) = load_lift_tests(load_config(_write_config(tmp_path, inline)))
    assert test.channel == "search" and test.lift == 9000


def test_config_names_an_unknown_lift_test_channel(tmp_path):
    inline = (
        "  lift_tests:\n"
        "    - {channel: radio, start: 2024-03-04, end: 2024-03-31, spend: 5000,"
        " lift: 9000, lift_se: 2000}\n"
    )
    with pytest.raises(ConfigProblems, match=r"calibration.lift_tests\[0\].channel.*'radio'"):
        load_lift_tests(load_config(_write_config(tmp_path, inline)))


def test_config_reports_a_bad_lift_test_file_by_line(tmp_path):
    frame = pd.read_csv(TESTS)
    frame.loc[0, "lift_se"] = -1.0
    frame.to_csv(tmp_path / "tests.csv", index=False)
    with pytest.raises(ConfigProblems, match=r"line 2: lift_se=-1\.0 must be > 0"):
        load_lift_tests(load_config(_write_config(tmp_path, "  lift_tests: tests.csv\n")))
