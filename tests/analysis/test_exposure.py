"""The cost per exposure of channels measured by impressions, estimated from the data."""

import numpy as np
import pytest

from mmm_bayes import datasets
from mmm_bayes.analysis.exposure import exposure_costs
from mmm_bayes.data import validate_data
from mmm_bayes.model import build_inputs
from mmm_bayes.testing import example_spec


def _inputs(impressions):
    df = datasets.load("example_weekly").assign(tv_impressions=impressions)
    channels = [{"name": c, "column": f"{c}_spend"} for c in ("search", "social")]
    channels.insert(0, {"name": "tv", "column": "tv_impressions", "spend_column": "tv_spend"})
    spec = example_spec(channels=channels)
    data = validate_data(
        df, date_col="date", kpi_col="sales", channel_cols=spec.channel_columns,
        control_cols=spec.controls, spend_cols=spec.extra_spend_columns,
    )  # fmt: skip
    return build_inputs(spec, data), spec


def test_exposure_costs_estimate_the_price_per_thousand():
    tv = datasets.load("example_weekly")["tv_spend"].to_numpy()
    inputs, spec = _inputs(tv / 8.0 * 1000.0)
    table = exposure_costs(inputs, spec)
    assert list(table.index) == ["tv"]
    # impressions bought at exactly 8 per 1000 in every period: CV 0 up to rounding
    assert table.loc["tv", "cost_per_1000"] == pytest.approx(8.0, rel=1e-12)
    assert table.loc["tv", "period_cv"] == pytest.approx(0.0, abs=1e-12)
    alternating = np.where(np.arange(len(tv)) % 2, 2.0, 1.0)
    noisy, _ = _inputs(tv / 8.0 * 1000.0 * alternating)
    assert exposure_costs(noisy, spec).loc["tv", "period_cv"] > 0.2
