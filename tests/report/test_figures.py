"""Figures: each plot shows the numbers it is given, and write_figures writes PNGs atomically."""

import logging
import warnings

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from mmm_bayes.errors import DataError
from mmm_bayes.report import (
    plot_contributions,
    plot_fit,
    plot_response_curves,
    plot_roas,
    write_figures,
)
from mmm_bayes.report.figures.fit import fit_scores

CHANNELS = ["tv", "search", "social", "radio"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
N_CHAIN, N_DRAW, N_DATE = 2, 50, 30


@pytest.fixture(autouse=True)
def _close_new_figures():
    before = set(plt.get_fignums())
    yield
    for num in set(plt.get_fignums()) - before:
        plt.close(num)


# --- synthetic results, in the analysis layer's formats -------------------------------------


def _draws(*shape):
    return {"chain": np.arange(N_CHAIN), "draw": np.arange(N_DRAW)}, (N_CHAIN, N_DRAW, *shape)


def make_roas(seed=0, name="roas"):
    rng = np.random.default_rng(seed)
    coords, shape = _draws(len(CHANNELS))
    values = rng.lognormal(np.log([0.6, 2.5, 1.2, 0.9]), 0.3, size=shape)
    return xr.DataArray(
        values,
        dims=("chain", "draw", "channel"),
        coords={**coords, "channel": CHANNELS},
        name=name,
        attrs={"units": "KPI per currency unit"},
    )


def _dates():
    return pd.date_range("2024-01-01", periods=N_DATE, freq="W-MON")


def make_contributions(seed=1, *, optional=True):
    rng = np.random.default_rng(seed)
    coords = {"chain": np.arange(N_CHAIN), "draw": np.arange(N_DRAW), "date": _dates()}
    sd = ("chain", "draw", "date")
    size = (N_CHAIN, N_DRAW, N_DATE)
    t = np.arange(N_DATE)
    parts = {"baseline": (sd, rng.normal(100.0, 5.0, size=size))}
    if optional:
        parts["trend"] = (sd, 0.5 * t + rng.normal(0.0, 0.2, size=size))
        # seasonality and one control change sign, so the stack must still add up with negatives
        parts["seasonality"] = (sd, 8.0 * np.sin(t / 4.0) + rng.normal(0.0, 1.0, size=size))
        ctrl = rng.normal([3.0, -2.0], 1.0, size=(*size, 2))
        parts["controls"] = ((*sd, "control"), ctrl)
    chan = rng.gamma(2.0, 5.0, size=(*size, len(CHANNELS)))
    parts["channels"] = ((*sd, "channel"), chan)
    mu = sum(v if v.ndim == 3 else v.sum(-1) for _, v in parts.values())
    parts["mu"] = (sd, mu)
    return xr.Dataset(
        parts, coords={**coords, "channel": CHANNELS, "control": ["price", "promo"]}
    ).assign_attrs(units="KPI")


def make_curves(seed=2):
    rng = np.random.default_rng(seed)
    multiplier = np.array([0.0, 0.5, 1.0, 1.5, 2.0])
    base_spend = np.array([1000.0, 400.0, 250.0, 120.0])
    spend = base_spend[:, None] * multiplier[None, :]
    top = rng.gamma(5.0, 100.0, size=(N_CHAIN, N_DRAW, len(CHANNELS), 1))
    half = base_spend[None, None, :, None]
    kpi = top * spend / (spend + half)  # saturating in spend, zero at zero spend
    return xr.Dataset(
        {
            "spend": (("channel", "multiplier"), spend),
            "kpi": (("chain", "draw", "channel", "multiplier"), kpi),
        },
        coords={
            "chain": np.arange(N_CHAIN),
            "draw": np.arange(N_DRAW),
            "channel": CHANNELS,
            "multiplier": multiplier,
        },
    )


def make_fit(seed=3):
    rng = np.random.default_rng(seed)
    dates = _dates()
    truth = 200.0 + 20.0 * np.sin(np.arange(N_DATE) / 3.0)
    observed = pd.Series(truth + rng.normal(0.0, 5.0, N_DATE), index=dates, name="sales")
    predictive = xr.DataArray(
        truth + rng.normal(0.0, 6.0, size=(N_CHAIN, N_DRAW, N_DATE)),
        dims=("chain", "draw", "date"),
        coords={"chain": np.arange(N_CHAIN), "draw": np.arange(N_DRAW), "date": dates},
    )
    return observed, predictive


def _pooled(da, **sel):
    return da.sel(**sel).values.reshape(N_CHAIN * N_DRAW, *da.sel(**sel).shape[2:])


def _band_edges(coll, n):
    """Lower and upper edges of a fill_between polygon over n points (no `where` gaps)."""
    v = coll.get_paths()[0].vertices
    return v[1 : n + 1], v[n + 2 : 2 * n + 2][::-1]


def _by_label(artists, label):
    found = [a for a in artists if a.get_label() == label]
    assert len(found) == 1, f"expected one artist labelled {label!r}, got {len(found)}"
    return found[0]


# --- plot_roas -------------------------------------------------------------------------------


@pytest.mark.parametrize("interval", [0.9, 0.5])
def test_roas_interval_and_mean_match_the_draws(interval):
    roas = make_roas()
    ax = plot_roas(roas, interval=interval)
    assert [t.get_text() for t in ax.get_yticklabels()] == CHANNELS
    np.testing.assert_array_equal(ax.get_yticks(), np.arange(len(CHANNELS)))
    segments = _by_label(ax.collections, f"{interval:.0%} interval").get_segments()
    mean_line = _by_label(ax.lines, "posterior mean")
    q = [(1 - interval) / 2, (1 + interval) / 2]
    for i, channel in enumerate(CHANNELS):
        pooled = _pooled(roas, channel=channel)
        np.testing.assert_allclose(segments[i][:, 0], np.quantile(pooled, q), rtol=1e-12)
        np.testing.assert_array_equal(segments[i][:, 1], [i, i])
        assert mean_line.get_xdata()[i] == pytest.approx(pooled.mean(), rel=1e-12)
        assert mean_line.get_ydata()[i] == i


def test_roas_first_channel_on_top_and_break_even_labelled():
    ax = plot_roas(make_roas())
    bottom, top = ax.get_ylim()
    assert top < 0 < len(CHANNELS) - 1 < bottom  # y grows downward: tick 0 is on top
    line = _by_label(ax.lines, "break-even (1.0)")
    np.testing.assert_array_equal(line.get_xdata(), [1.0, 1.0])
    assert "break-even (1.0)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_roas_truth_marked_only_for_given_channels():
    ax = plot_roas(make_roas(), truth={"search": 2.2, "radio": 0.8})
    marks = _by_label(ax.lines, "true value")
    np.testing.assert_array_equal(marks.get_xdata(), [2.2, 0.8])
    np.testing.assert_array_equal(marks.get_ydata(), [1, 3])


def test_roas_labels_titles_and_given_axes():
    fig = Figure()
    given = fig.subplots()
    ax = plot_roas(make_roas(), ax=given, kpi_label="sales", currency_label="EUR")
    assert ax is given
    assert ax.get_xlabel() == "sales per EUR spent"
    assert ax.get_title() == "Return on ad spend"
    marginal = plot_roas(make_roas(name="marginal_roas"), ax=Figure().subplots())
    assert marginal.get_title() == "Marginal return on ad spend"


def test_roas_without_ax_opens_one_pyplot_figure():
    before = len(plt.get_fignums())
    ax = plot_roas(make_roas())
    assert len(plt.get_fignums()) == before + 1
    assert ax.figure.number in plt.get_fignums()


def test_roas_errors_name_the_problem():
    roas = make_roas()
    with pytest.raises(DataError, match=r"'serach' \(did you mean 'search'\?\)"):
        plot_roas(roas, truth={"serach": 2.0})
    with pytest.raises(DataError, match=r"should have dims \(chain, draw, channel\)"):
        plot_roas(roas.expand_dims(geo=["north", "south"]))
    with pytest.raises(DataError, match="no draw dimension"):
        plot_roas(roas.mean(("chain", "draw")))
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        plot_roas(roas, interval=1.0)


# --- plot_contributions ----------------------------------------------------------------------


def test_contributions_stack_adds_up_to_mean_mu():
    ds = make_contributions()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_contributions(ds)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    labels = [b.get_label() for b in bands]
    assert labels == ["baseline", "trend", "seasonality", "controls", *CHANNELS]

    x = mdates.date2num(ds["date"].values)
    lower, _ = _band_edges(bands[0], N_DATE)
    _, upper = _band_edges(bands[-1], N_DATE)
    np.testing.assert_allclose(lower[:, 0], x)
    np.testing.assert_allclose(lower[:, 1], 0.0, atol=0)
    np.testing.assert_allclose(upper[:, 0], x)
    mu_mean = ds["mu"].mean(("chain", "draw")).values
    np.testing.assert_allclose(upper[:, 1], mu_mean, rtol=1e-10)


def test_contributions_each_band_is_its_pieces_mean():
    ds = make_contributions()
    bands = plot_contributions(ds).collections
    mean = ds.mean(("chain", "draw"))
    want = {
        "seasonality": mean["seasonality"].values,
        "controls": mean["controls"].sum("control").values,
        "social": mean["channels"].sel(channel="social").values,
    }
    assert (want["seasonality"] < 0).any() and (want["seasonality"] > 0).any()
    for label, height in want.items():
        lower, upper = _band_edges(_by_label(bands, label), N_DATE)
        np.testing.assert_allclose(upper[:, 1] - lower[:, 1], height, rtol=1e-9, atol=1e-9)


def test_contributions_optional_pieces_and_observed_line():
    ds = make_contributions(optional=False)
    observed = pd.Series(np.linspace(150.0, 180.0, N_DATE), index=ds.indexes["date"])
    ax = plot_contributions(ds, observed=observed.iloc[::-1], kpi_label="sales")
    assert [c.get_label() for c in ax.collections] == ["baseline", *CHANNELS]
    line = _by_label(ax.lines, "observed")
    np.testing.assert_allclose(line.get_ydata(), observed.values)  # aligned by date, not order
    assert ax.get_ylabel() == "sales (contribution)"
    assert ax.get_title() == "Contributions to sales (posterior mean)"


def test_contributions_warn_when_pieces_do_not_add_up():
    ds = make_contributions()
    ds["mu"] = ds["mu"] * 1.1
    with pytest.warns(UserWarning, match="do not add up to mu"):
        ax = plot_contributions(ds)
    dashed = _by_label(ax.lines, "mu (posterior mean)")
    np.testing.assert_allclose(dashed.get_ydata(), ds["mu"].mean(("chain", "draw")).values)


def test_contributions_errors_name_the_problem():
    ds = make_contributions()
    with pytest.raises(DataError, match=r"'channels' \(did you mean 'chanels'\?\)"):
        plot_contributions(ds.rename(channels="chanels"))
    with pytest.raises(DataError, match="no value for 2 of the 30 model dates"):
        plot_contributions(ds, observed=pd.Series(1.0, index=ds.indexes["date"][2:]))
    with pytest.raises(DataError, match="should be datetime64"):
        plot_contributions(ds.assign_coords(date=np.arange(N_DATE)))


# --- plot_response_curves --------------------------------------------------------------------


def test_response_curves_one_panel_per_channel_in_order():
    fig = plot_response_curves(make_curves(), kpi_label="sales", currency_label="EUR")
    assert len(fig.axes) == len(CHANNELS)  # 3 columns x 2 rows, the unused slot removed
    assert [ax.get_title() for ax in fig.axes] == CHANNELS
    assert fig.axes[0].get_xlabel() == "spend (EUR)"
    assert fig.axes[0].get_ylabel() == "incremental sales"


def test_response_curves_marker_at_current_spend_and_band_at_quantiles():
    curves = make_curves()
    fig = plot_response_curves(curves, interval=0.8)
    for ax, channel in zip(fig.axes, CHANNELS, strict=True):
        marker = _by_label(ax.lines, "current spend (x1)")
        spend = curves["spend"].sel(channel=channel, multiplier=1.0).item()
        kpi = _pooled(curves["kpi"], channel=channel, multiplier=1.0)
        np.testing.assert_array_equal(marker.get_xdata(), [spend])
        np.testing.assert_allclose(marker.get_ydata(), [kpi.mean()], rtol=1e-12)
        lower, upper = _band_edges(_by_label(ax.collections, "80% interval"), 5)
        pooled = _pooled(curves["kpi"], channel=channel)
        np.testing.assert_allclose(lower[:, 0], curves["spend"].sel(channel=channel).values)
        np.testing.assert_allclose(lower[:, 1], np.quantile(pooled, 0.1, axis=0), rtol=1e-12)
        np.testing.assert_allclose(upper[:, 1], np.quantile(pooled, 0.9, axis=0), rtol=1e-12)


def test_response_curves_marker_interpolates_between_grid_points():
    curves = make_curves()
    shuffled = curves.isel(multiplier=[3, 0, 4, 2, 1])  # the grid order must not matter
    fig = plot_response_curves(shuffled, current_multiplier=1.25)
    tv = _by_label(fig.axes[0].lines, "current spend (x1.25)")
    assert tv.get_xdata()[0] == pytest.approx(1.25 * 1000.0, rel=1e-12)  # spend is linear


def test_response_curves_draw_into_given_figure_and_reject_off_grid_multiplier():
    fig = Figure()
    assert plot_response_curves(make_curves(), fig=fig, current_multiplier=None) is fig
    assert not [ln for ax in fig.axes for ln in ax.lines if "current" in ln.get_label()]
    with pytest.raises(DataError, match=r"current_multiplier=3 is outside .*\[0, 2\]"):
        plot_response_curves(make_curves(), current_multiplier=3)


# --- plot_fit --------------------------------------------------------------------------------


def test_fit_lines_band_and_scores_in_title():
    observed, predictive = make_fit()
    ax = plot_fit(observed, predictive, kpi_label="sales")
    mean = predictive.mean(("chain", "draw")).values
    r2 = 1 - np.sum((observed.values - mean) ** 2) / np.sum(
        (observed.values - observed.mean()) ** 2
    )
    mape = np.mean(np.abs(observed.values - mean) / observed.values)
    assert 0.5 < r2 < 1.0  # a sanity check that the synthetic fit is neither perfect nor broken
    assert ax.get_title() == f"Posterior predictive fit: R² = {r2:.3f}, MAPE = {mape:.1%}"
    np.testing.assert_allclose(_by_label(ax.lines, "predictive mean").get_ydata(), mean)
    np.testing.assert_allclose(_by_label(ax.lines, "observed").get_ydata(), observed.values)
    lower, upper = _band_edges(_by_label(ax.collections, "90% predictive interval"), N_DATE)
    pooled = _pooled(predictive)
    np.testing.assert_allclose(lower[:, 1], np.quantile(pooled, 0.05, axis=0), rtol=1e-12)
    np.testing.assert_allclose(upper[:, 1], np.quantile(pooled, 0.95, axis=0), rtol=1e-12)
    assert ax.get_ylabel() == "sales"


def test_fit_accepts_a_dataarray_and_aligns_by_date():
    observed, predictive = make_fit()
    as_da = xr.DataArray(observed.values[::-1], coords={"date": observed.index[::-1]})
    ax = plot_fit(as_da, predictive)
    np.testing.assert_allclose(_by_label(ax.lines, "observed").get_ydata(), observed.values)
    with pytest.raises(DataError, match="has 29 values but the model has 30 dates"):
        plot_fit(observed.values[:-1], predictive)


def test_fit_scores_known_values():
    y = np.array([1.0, 2.0, 0.0, 4.0, np.nan])
    r2, mape = fit_scores(y, y)
    assert (r2, mape) == (1.0, 0.0)
    r2, mape = fit_scores(y, np.array([2.0, 2.0, 1.0, 3.0, 9.0]))
    # residuals 1, 0, 1, 1 (NaN skipped); SS_tot = 8.75; MAPE over the nonzero y: (1 + 0 + 1/4) / 3
    assert r2 == pytest.approx(1 - 3 / 8.75)
    assert mape == pytest.approx((1 + 0 + 0.25) / 3)
    with pytest.raises(DataError, match="every observed KPI value is missing"):
        fit_scores(np.array([np.nan]), np.array([1.0]))


# --- write_figures ---------------------------------------------------------------------------


def _png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_write_figures_writes_all_pngs_without_leaks(tmp_path):
    observed, predictive = make_fit()
    before = plt.get_fignums()
    paths = write_figures(
        tmp_path / "figs",
        roas=make_roas(),
        contributions=make_contributions(),
        curves=make_curves(),
        observed=observed,
        predictive=predictive,
        truth={"tv": 0.6},
        kpi_label="sales",
        currency_label="EUR",
    )
    names = ["roas.png", "contributions.png", "response_curves.png", "fit.png"]
    assert [p.name for p in paths] == names
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == sorted(names)  # no temp files
    assert _png_size(tmp_path / "figs" / "fit.png") == (1200, 480)  # 10 x 4 inches at 120 dpi
    assert _png_size(tmp_path / "figs" / "response_curves.png") == (1440, 768)  # 3 x 2 panels
    for p in paths:
        assert p.read_bytes()[:8] == PNG_SIGNATURE
    assert plt.get_fignums() == before


def test_write_figures_writes_only_what_it_can(tmp_path, caplog):
    _, predictive = make_fit()
    with caplog.at_level(logging.WARNING, logger="mmm_bayes.report"):
        paths = write_figures(tmp_path, roas=make_roas(), predictive=predictive, dpi=50)
    assert [p.name for p in paths] == ["roas.png"]
    assert [p.name for p in tmp_path.iterdir()] == ["roas.png"]
    assert "fit.png skipped" in caplog.text
    assert write_figures(tmp_path / "empty") == []


def test_write_figures_failed_save_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "roas.png"
    target.write_bytes(b"old")

    def half_then_fail(self, fh, **kwargs):
        fh.write(PNG_SIGNATURE)
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", half_then_fail)
    before = plt.get_fignums()
    with pytest.raises(OSError, match="disk full"):
        write_figures(tmp_path, roas=make_roas())
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["roas.png"]
    assert plt.get_fignums() == before


def test_write_figures_bad_input_raises_after_earlier_files(tmp_path):
    bad = make_contributions().drop_vars("mu")
    with pytest.raises(DataError, match=r"'mu'"):
        write_figures(tmp_path, roas=make_roas(), contributions=bad)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roas.png"]
