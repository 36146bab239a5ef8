import json
import subprocess
import sys

import pandas as pd

from mmm_bayes.validation import report, run
from mmm_bayes.validation.recovery import relabel_legacy_rows


def _rows(name, seed, spec, feature, mean=2.0):
    return pd.DataFrame({
        "channel": ["tv", "search"], "mean": mean, "scenario": name, "seed": seed, "spec": spec,
        "feature": feature, "fit_s": 1.0,
    })  # fmt: skip


def test_legacy_right_rows_of_geo_and_tvp_scenarios_become_the_national_spec():
    old = pd.concat([
        _rows("baseline", 0, "right", "national"),
        _rows("geo_panel", 0, "right", "geo"),
        _rows("drifting_coefficient", 0, "right", "tvp"),
        _rows("geo_panel", 1, "right", "geo", mean=1.0),
        _rows("geo_panel", 1, "national_sums", "geo", mean=3.0),  # refitted later: it wins
    ])  # fmt: skip
    out = relabel_legacy_rows(old)
    specs = out.drop_duplicates(["scenario", "seed"]).set_index(["scenario", "seed"])["spec"]
    assert specs.to_dict() == {
        ("baseline", 0): "right",
        ("geo_panel", 0): "national_sums",
        ("drifting_coefficient", 0): "constant",
        ("geo_panel", 1): "national_sums",
    }
    assert len(out) == 8 and (out.loc[out["seed"] == 1, "mean"] == 3.0).all()


def test_resumed_run_fits_only_the_new_specs(tmp_path, monkeypatch):
    calls = []

    def fake_fit(sc, *, label, fit, **settings):
        calls.append((sc.name, label, fit.spec.geo is not None, fit.spec.time_varying is not None))
        return _rows(sc.name, sc.truth.meta["random_seed"], label, sc.feature)

    monkeypatch.setattr(run, "fit_scenario", fake_fit)
    legacy = pd.concat([_rows("geo_panel", 0, "right", "geo"), _rows("baseline", 0, "right", "x")])
    legacy.to_csv(tmp_path / "recovery.csv", index=False)
    preset = run.Preset(seeds={"baseline": 1, "geo_panel": 1, "drifting_coefficient": 1})
    done = run.run_recovery(preset, tmp_path)
    # the old national geo fit is kept as national_sums; the geo and tvp models are fitted
    assert calls == [
        ("geo_panel", "geo_model", True, False),
        ("drifting_coefficient", "time_varying", False, True),
        ("drifting_coefficient", "constant", False, False),
    ]
    on_disk = pd.read_csv(tmp_path / "recovery.csv")
    pd.testing.assert_frame_equal(on_disk, done)
    geo_specs = set(on_disk.loc[on_disk["scenario"] == "geo_panel", "spec"])
    assert geo_specs == {"national_sums", "geo_model"}
    assert run.run_recovery(preset, tmp_path).equals(done) and len(calls) == 3  # all on file


def test_the_committed_validation_page_comes_from_the_full_preset():
    # docs/validation.md is written by `make validate` (preset full): the committed result files
    # must hold what that preset runs, or the page's numbers would not come from the command
    from pathlib import Path

    folder = Path(__file__).parents[2] / "docs" / "validation"
    sbc = json.loads((folder / "sbc_settings.json").read_text())
    full = run.FULL
    assert (sbc["correct"]["n_sims"], sbc["narrow_sigma"]["n_sims"]) == (
        full.sbc_sims,
        full.sbc_bad_sims,
    )
    assert {(v["draws"], v["tune"]) for v in sbc.values()} == {(full.sbc_draws, full.sbc_tune)}
    rows = pd.read_csv(folder / "recovery.csv")
    seeds = rows.groupby("scenario")["seed"].nunique().to_dict()
    assert seeds == full.seeds


def test_fresh_run_forgets_the_stages_of_earlier_runs(tmp_path, monkeypatch):
    # the page lists every stage in run.json: after --fresh, a stage of an earlier `--only` run
    # would be reported as fitted separately although this run refitted everything
    folder = tmp_path / "validation"
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps({"recovery: baseline": {"wall_s": 300.0}}))
    monkeypatch.setattr(run, "run_recovery", lambda preset, folder, only=None: None)
    monkeypatch.setattr(report, "write_page", lambda out: None)
    assert run.main(["--preset", "quick", "--out", str(tmp_path), "--fresh", "--skip-sbc"]) == 0
    assert list(json.loads((folder / "run.json").read_text())) == ["recovery"]


def test_validation_log_prints_pymc_lines_once_and_only_our_progress(tmp_path):
    # PyMC prints its INFO lines through a handler of its own; through the root's they came out
    # twice in `make validate`'s log. Other libraries' INFO (JAX's backend probing) stays out,
    # their warnings and our progress come through. A fresh process: the root has no handlers.
    code = (
        "import logging, pymc\n"
        "from mmm_bayes.validation.run import configure_logging\n"
        "configure_logging()\n"
        "logging.getLogger('pymc').info('Sampling: [kpi]')\n"
        "logging.getLogger('jax._src.xla_bridge').info('Unable to initialize backend tpu')\n"
        "logging.getLogger('jax._src.xla_bridge').warning('a jax warning')\n"
        "logging.getLogger('mmm_bayes.validation').info('recovery: baseline seed 1')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    err = done.stderr
    assert err.count("Sampling: [kpi]") == 1
    assert "Unable to initialize backend" not in err
    assert err.count("a jax warning") == 1
    assert err.count("recovery: baseline seed 1") == 1
