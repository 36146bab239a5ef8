"""Figures of the review report: each draws the numbers it is given."""

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.figure import Figure

from mmm_bayes.analysis import (
    compare_windows,
    predictive_check,
    prior_posterior_table,
    residual_spectrum,
)
from mmm_bayes.errors import DataError
from mmm_bayes.report.figures import (
    plot_adstock_decay,
    plot_data_overview,
    plot_holdout,
    plot_predictive_check,
    plot_prior_posterior,
    plot_residual_spectrum,
    plot_residuals,
    plot_stability,
    plot_waterfall,
)
from mmm_bayes.report.figures.waterfall import waterfall_totals

DATES = pd.date_range("2024-01-01", periods=40, freq="W-MON")


def _ax():
    return Figure().subplots()


def test_predictive_check_marks_observations_outside_the_band():
    rng = np.random.default_rng(0)
    draws = xr.DataArray(
        rng.normal(size=(2, 200, 40)), dims=("chain", "draw", "date"), coords={"date": DATES}
    )
    y = rng.normal(size=40)
    y[[3, 17]] = 6.0  # far outside
    check = predictive_check(y, draws)
    ax = plot_predictive_check(check, ax=_ax(), kpi_label="sales")
    outside = next(line for line in ax.lines if line.get_label().startswith("observed, outside"))
    lo, hi = check.bands["q05"].to_numpy(), check.bands["q95"].to_numpy()
    assert len(outside.get_xdata()) == int(np.sum((y < lo) | (y > hi))) >= 2
    assert "90% band covers" in ax.get_title()
    assert ax.get_ylabel() == "sales"


def test_residuals_and_spectrum_plots():
    t = np.arange(104)
    resid = pd.Series(
        np.random.default_rng(1).normal(size=104) + 2 * np.sin(2 * np.pi * t / 13),
        index=pd.date_range("2023-01-02", periods=104, freq="W-MON"),
    )
    ax = plot_residuals(resid, ax=_ax())
    assert len(ax.lines) == 4  # zero, ±2 sd and the residuals
    sp = residual_spectrum(resid.to_numpy(), period_days=7, period_label="weeks")
    ax = plot_residual_spectrum(sp, ax=_ax())
    assert [t.get_text() for t in ax.texts] == ["13.0 weeks (quarterly)"]
    assert ax.get_xscale() == "log" and ax.get_ylabel() == "% of residual variance"
    heights = ax.collections[0].get_segments()
    assert max(seg[1][1] for seg in heights) == pytest.approx(100 * sp.table["share"].max())


def _contributions():
    rng = np.random.default_rng(2)
    shape = (2, 10, len(DATES))
    ds = xr.Dataset(
        {
            "baseline": (("chain", "draw", "date"), np.full(shape, 100.0)),
            "seasonality": (("chain", "draw", "date"), rng.normal(0, 1, shape)),
            "controls": (("chain", "draw", "date", "control"), np.full((*shape, 1), -5.0)),
            "channels": (
                ("chain", "draw", "date", "channel"),
                np.stack([np.full(shape, 10.0), np.full(shape, 30.0)], -1),
            ),
        },
        coords={"date": DATES, "control": ["price"], "channel": ["tv", "search"]},
    )
    ds["mu"] = (
        ds["baseline"]
        + ds["seasonality"]
        + ds["controls"].sum("control")
        + ds["channels"].sum("channel")
    )
    return ds


def test_waterfall_totals_and_bars():
    ds = _contributions()
    totals = dict(waterfall_totals(ds))
    assert list(totals) == ["baseline", "seasonality", "price", "search", "tv"]  # largest first
    assert totals["baseline"] == pytest.approx(4000) and totals["price"] == pytest.approx(-200)
    ax = plot_waterfall(ds, ax=_ax())
    bars = ax.patches
    assert len(bars) == 6
    assert bars[-1].get_height() == pytest.approx(sum(totals.values()))
    # each bar starts where the previous one ended
    assert bars[3].get_y() == pytest.approx(4000 + totals["seasonality"] - 200)
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "total"
    with pytest.raises(DataError, match="'channels'"):
        waterfall_totals(ds.drop_vars("channels"))


def test_adstock_decay_one_panel_per_channel():
    w = np.full((2, 5, 3, 4), 0.25)
    da = xr.DataArray(
        w,
        dims=("chain", "draw", "channel", "lag"),
        coords={"channel": ["a", "b", "c"], "lag": np.arange(4)},
    )
    fig = plot_adstock_decay(da, fig=Figure(), ncols=2)
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c"]
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), 0.25)


def test_prior_posterior_panels_and_marks():
    rng = np.random.default_rng(3)
    prior = xr.Dataset(
        {
            "a": (("chain", "draw", "channel"), rng.normal(0, 1, (1, 500, 2))),
            "b": (("chain", "draw"), rng.normal(0, 1, (1, 500))),
        },
        coords={"channel": ["tv", "radio"]},
    )
    post = xr.Dataset(
        {
            "a": (
                ("chain", "draw", "channel"),
                np.stack([rng.normal(0, 0.1, (1, 500)), rng.normal(0, 1, (1, 500))], -1),
            ),
            "b": (("chain", "draw"), rng.normal(0.2, 0.1, (1, 500))),
        },
        coords={"channel": ["tv", "radio"]},
    )
    fig = plot_prior_posterior(prior_posterior_table(prior, post), fig=Figure())
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["tv", "radio *"]
    with pytest.raises(DataError, match="lacks column"):
        plot_prior_posterior(pd.DataFrame({"parameter": []}))


def test_holdout_plot_starts_before_the_first_test_window(fake_review):
    _, validation, _, _ = fake_review
    mmm = fake_review[0]
    observed = pd.Series(mmm.inputs.kpi, index=mmm.inputs.dates)
    ax = plot_holdout(validation, observed, ax=_ax(), context=2)
    line = ax.lines[0]
    first = pd.Timestamp(np.asarray(line.get_xdata())[0])
    assert first == mmm.inputs.dates[len(observed) - 13 - 2 * 13]
    assert "MAPE" in ax.get_legend().get_texts()[1].get_text()


def test_stability_plot_colours_flagged_channels():
    rng = np.random.default_rng(4)
    windows = {
        k: xr.DataArray(
            rng.normal(m, 0.05, (2, 100, 2)),
            dims=("chain", "draw", "channel"),
            coords={"channel": ["tv", "search"]},
        )
        for k, m in (("w1", [1.0, 2.0]), ("w2", [1.0, 3.0]))
    }
    ax = plot_stability(compare_windows(windows), ax=_ax())
    colors = {t.get_text(): mcolors.to_hex(t.get_color()) for t in ax.get_yticklabels()}
    assert colors["search"] == mcolors.to_hex("C3") != colors["tv"]


def test_data_overview_stacks_spend():
    spend = pd.DataFrame({"tv": np.full(40, 3.0), "search": np.full(40, 2.0)}, index=DATES)
    kpi = pd.Series(np.arange(40.0), index=DATES)
    fig = plot_data_overview(kpi, spend, fig=Figure(), kpi_label="sales")
    top, bottom = fig.axes
    assert top.get_ylabel() == "sales"
    assert len(bottom.collections) == 2
    upper = bottom.collections[-1].get_paths()[0].vertices[:, 1]
    assert upper.max() == pytest.approx(5.0)


def test_compact_ticks_leave_category_and_date_axes_alone():
    from mmm_bayes.report.sections.blocks import compact_ticks

    ax = plot_waterfall(_contributions(), ax=_ax())
    ax.set_ylim(0, 2_000_000)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    compact_ticks(ax.figure)
    ax.figure.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == labels  # category names kept
    assert "2M" in [t.get_text() for t in ax.get_yticklabels()]
