"""Results in run folders (atomic save, load), the facade method and the figures."""

import json

import numpy as np
import pytest
import xarray as xr
from matplotlib.figure import Figure

from mmm_bayes import MMM, MMMError, datasets
from mmm_bayes.data import validate_data
from mmm_bayes.inference.store import save_run
from mmm_bayes.optimize import load_optimization, save_optimization
from mmm_bayes.report.figures.optimize import (
    FIGURE_FILES,
    plot_allocation,
    plot_budget_response,
    plot_uplift,
    saved_optimization_section,
)
from mmm_bayes.spec import SamplerSettings
from mmm_bayes.testing import fake_posterior


@pytest.fixture(scope="module")
def mmm(spec, inputs):
    model = MMM(spec)
    model.data = validate_data(
        datasets.load(), date_col=spec.date_col, kpi_col=spec.kpi,
        channel_cols=spec.channel_columns, control_cols=spec.controls,
    )  # fmt: skip
    model.inputs = inputs
    model.idata = fake_posterior(spec, inputs, draws=100, random_seed=2)
    return model


@pytest.fixture(scope="module")
def result(mmm):
    return mmm.optimize_budget(periods=8, max_change=0.4, groups=[
        {"name": "offline", "channels": ["tv", "radio"], "max": 150_000}])  # fmt: skip


@pytest.fixture
def run(tmp_path, mmm):
    return save_run(
        tmp_path / "run", idata=mmm.idata, spec=mmm.spec, sampler=SamplerSettings(),
        data=mmm.data,
    )  # fmt: skip


def test_facade_passes_every_option(result, mmm):
    assert result.problem.periods == 8 and result.problem.max_change == 0.4
    assert result.optimal[[0, 4]].sum() <= 150_000 * (1 + 1e-6)
    assert result.draws.sizes == {"chain": 2, "draw": 100, "channel": 5}
    np.testing.assert_allclose(result.current, mmm.inputs.spend.mean(0) * 8)
    assert result.kpi_label == "sales"


def test_facade_accepts_a_yaml_problem(mmm, tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text("periods: 4\nchannels: {tv: {fixed: current}}\n")
    r = mmm.optimize_budget(problem=path, total=1e5)
    assert (
        r.problem.periods == 4 and r.status[0] == "fixed" and r.optimal.sum() == pytest.approx(1e5)
    )


def test_save_and_load_round_trip(result, run, mmm):
    folder = mmm.save_optimization(result, run)
    assert folder == run / "optimization"
    for name in (
        "result.json",
        "allocation.csv",
        "summary.csv",
        "draws.nc",
        *FIGURE_FILES.values(),
    ):
        assert (folder / name).is_file(), name
    back = load_optimization(run)
    np.testing.assert_array_equal(back.optimal, result.optimal)
    np.testing.assert_array_equal(back.upper, result.upper)  # inf survives JSON as null
    assert back.problem == result.problem and back.notes == result.notes
    xr.testing.assert_allclose(back.draws, result.draws)
    xr.testing.assert_allclose(back.curves, result.curves)
    assert back.summary().equals(result.summary())
    record = json.loads((folder / "result.json").read_text())
    assert record["summary"]["uplift"]["mean"] == pytest.approx(result.uplift().mean().item())


def test_save_refuses_to_overwrite_and_stays_atomic(result, run):
    save_optimization(result, run)
    with pytest.raises(MMMError, match="already exists; pass overwrite=True"):
        save_optimization(result, run)

    def broken(tmp):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        save_optimization(result, run, overwrite=True, extra=broken)
    assert load_optimization(run).optimal.tolist() == result.optimal.tolist()  # old one intact
    assert sorted(p.name for p in run.iterdir() if p.name.startswith(".")) == []  # no temp left
    save_optimization(result, run, name="plan_b")
    assert (run / "plan_b" / "result.json").is_file()


def test_save_needs_a_run_folder_and_a_plain_name(result, run, tmp_path):
    with pytest.raises(MMMError, match="no such run folder"):
        save_optimization(result, tmp_path / "nothing")
    for bad in ("../x", "posterior.nc", ".hidden"):
        with pytest.raises(MMMError, match="cannot name a subfolder"):
            save_optimization(result, run, name=bad)


def test_load_says_what_is_missing(run):
    with pytest.raises(MMMError, match=r"no saved optimization \(missing result.json, draws.nc\)"):
        load_optimization(run)


def test_report_section(result, run):
    assert saved_optimization_section(run) is None
    save_optimization(result, run)
    section = saved_optimization_section(run)
    assert section["id"] == "optimization" and section["title"] == "Budget optimization"
    kinds = [b["kind"] for b in section["blocks"]]
    assert kinds.count("figure") == 3 and kinds.count("table") == 2
    tables = [b for b in section["blocks"] if b["kind"] == "table"]
    assert [r[0] for r in tables[0]["rows"]] == ["current", "optimal", "uplift"]
    assert [r[0] for r in tables[1]["rows"]] == list(result.channels)
    for b in section["blocks"]:
        if b["kind"] == "figure":
            assert b["uri"].startswith("data:image/png;base64,")
    texts = [b["text"] for b in section["blocks"] if b["kind"] == "text"]
    assert all(note in texts for note in result.notes)


def test_figures_draw_what_they_claim(result):
    ax = plot_allocation(result, ax=Figure().subplots())
    bars = [p.get_width() for p in ax.patches]
    np.testing.assert_allclose(bars, np.concatenate([result.current, result.optimal]))
    assert [t.get_text() for t in ax.get_yticklabels()] == list(result.channels)

    fig = plot_budget_response(result, fig=Figure())
    assert len(fig.axes) == 5
    star = next(ln for ln in fig.axes[0].lines if ln.get_label() == "optimal")
    assert star.get_xdata()[0] == pytest.approx(result.optimal[0])
    mean_opt = result.draws["kpi_optimal"].isel(channel=0).mean().item()
    assert star.get_ydata()[0] == pytest.approx(mean_opt)

    ax = plot_uplift(result, ax=Figure().subplots())
    p = (result.uplift() > 0).mean().item()
    assert f"P(uplift > 0) = {p:.2f}" in ax.get_title()
