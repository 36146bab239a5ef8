"""``mmm-bayes fit``: run folders, --force, exit codes, and no half-written folder on failure.

One real fit, tiny (2 chains x 20 + 20 draws); the other tests replace NUTS by prior draws
(the ``fake_fit`` fixture): they check the plumbing, not inference.
"""

import json

import pytest
from typer.testing import CliRunner

from mmm_bayes.batch import read_summary
from mmm_bayes.cli.app import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, app, main
from mmm_bayes.config import load_config
from mmm_bayes.mmm import MMM

runner = CliRunner()
FAILING_DRAWS = 31  # the fake_fit fixture (conftest.py) fails a config with these draws


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def leftovers(folder):
    """Hidden temporary or old run folders left beside the run folders."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def run(tmp_path_factory, write_tiny_config):
    """One tiny fit through the CLI, shared by the tests that read its run folder."""
    root = tmp_path_factory.mktemp("fit")
    path = write_tiny_config(root / "configs", "tiny")
    result = invoke("fit", path, "--no-figures")
    return root, path, result


def test_fit_writes_the_run_folder(run):
    root, path, result = run
    assert result.exit_code == EXIT_OK, result.output
    folder = root / "configs" / "runs" / "tiny"  # `output` is relative to the config file
    assert "run folder written" in result.output and str(folder) in result.output
    for name in ("posterior.nc", "spec.json", "config.yaml", "roas.csv", "diagnostics.json"):
        assert (folder / name).is_file(), name
    assert "ROAS (KPI per currency unit)" in result.output  # the summary table
    # the run's config.yaml loads back, with absolute paths, and describes the same model
    saved = load_config(folder / "config.yaml")
    assert saved.model == load_config(path).model
    assert saved.output_path() == folder
    assert MMM.load(folder).config.model == saved.model
    assert json.loads((folder / "sampler.json").read_text())["random_seed"] == 1
    assert leftovers(folder.parent) == []


def test_existing_folder_is_refused_without_force(run):
    root, path, _ = run
    folder = root / "configs" / "runs" / "tiny"
    before = (folder / "posterior.nc").stat().st_mtime_ns
    result = invoke("fit", path)
    assert result.exit_code == EXIT_BAD_INPUT
    assert "already exists; pass --force" in result.output
    assert (folder / "posterior.nc").stat().st_mtime_ns == before


def test_force_replaces_the_folder_and_a_failed_fit_keeps_the_old_one(run, fake_fit):
    root, path, _ = run
    folder = root / "configs" / "runs" / "tiny"
    (folder / "marker.txt").write_text("old run")
    result = invoke("fit", path, "--force", "--set", f"sampler.draws={FAILING_DRAWS}")
    assert result.exit_code == EXIT_FAILED
    assert "the fit failed" in result.output and "synthetic failure" in result.output
    assert (folder / "marker.txt").read_text() == "old run"  # untouched
    result = invoke("fit", path, "--force", "--no-figures")
    assert result.exit_code == EXIT_OK, result.output
    assert not (folder / "marker.txt").exists()  # replaced by the new run
    assert leftovers(folder.parent) == []


def test_interrupted_save_leaves_no_folder(make_config, monkeypatch, tmp_path, fake_fit):
    path = make_config("interrupted", output=str(tmp_path / "runs" / "interrupted"))

    def interrupt(self, folder, results):
        (folder / "half-written.csv").write_text("x")
        raise KeyboardInterrupt

    monkeypatch.setattr(MMM, "_write_tables", interrupt)
    with pytest.raises(SystemExit) as info:
        main(["fit", str(path), "--no-figures"])
    assert info.value.code == EXIT_INTERRUPTED
    runs = tmp_path / "runs"
    assert not (runs / "interrupted").exists()
    assert not runs.exists() or leftovers(runs) == []


def test_missing_sampler_is_bad_input_before_any_work(make_config, monkeypatch, tmp_path):
    from mmm_bayes.inference import samplers

    monkeypatch.setattr(samplers, "find_spec", lambda name, *args: None)  # nothing installed
    out = tmp_path / "runs" / "numpyro"
    path = make_config("numpyro", output=str(out))
    result = invoke("fit", path, "--set", "sampler.sampler=numpyro")
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert "sampler.sampler: the 'numpyro' sampler needs the 'numpyro' package" in result.output
    assert "pip install 'mmm_bayes[jax]'" in result.output
    assert "checking the data" not in result.output and not out.exists()


def test_bad_data_is_bad_input(make_config):
    path = make_config("bad", extra="controls: [price_index, promo, weather]\n")
    # the repeated key is reported, as is the missing column once the YAML is fixed
    assert "appears twice" in invoke("fit", path).output
    path.write_text(path.read_text().replace("controls: [price_index, promo]\n", ""))
    result = invoke("fit", path)
    assert result.exit_code == EXIT_BAD_INPUT
    assert "controls[2]: column 'weather' not found" in result.output


def test_output_option_needs_one_config(make_config, tmp_path):
    a, b = make_config("a"), make_config("b")
    result = invoke("fit", a, b, "-o", tmp_path / "x")
    assert result.exit_code == EXIT_BAD_INPUT and "--output needs a single config" in result.output


def test_batch_records_failures_and_goes_on(make_config, fake_fit, tmp_path):
    good = make_config("good", output=str(tmp_path / "runs" / "good"))
    failing = make_config("failing", output=str(tmp_path / "runs" / "failing"))
    failing.write_text(failing.read_text().replace("draws: 20,", f"draws: {FAILING_DRAWS},"))
    broken = good.parent / "broken.yaml"
    broken.write_text("data: {dataset: example_weekly, kpi_column: sales}\nchanels: [tv_spend]\n")
    summary = tmp_path / "summary.csv"
    result = invoke("fit", good.parent, "--summary", summary, "--no-figures")
    assert result.exit_code == EXIT_FAILED, result.output  # a fit failed: 1 beats 2
    rows = {r["name"]: r for r in read_summary(summary)}
    assert [r["name"] for r in read_summary(summary)] == [
        "broken",
        "failing",
        "good",
    ]  # input order
    # prior draws fail the convergence checks: "warning" is a written run too
    assert rows["good"]["status"] == "warning" and rows["broken"]["status"] == "invalid"
    assert rows["failing"]["status"] == "failed" and "synthetic failure" in rows["failing"]["error"]
    assert "unknown key 'chanels'" in rows["broken"]["error"]
    assert float(rows["good"]["max_rhat"]) > 0 and rows["good"]["output"].endswith("good")
    assert (tmp_path / "runs" / "good" / "posterior.nc").is_file()
    assert not (tmp_path / "runs" / "failing").exists()
    assert "Batch summary" in result.output
    assert leftovers(tmp_path) == []  # the summary was written atomically


def test_batch_of_only_bad_inputs_exits_2(tmp_path):
    (tmp_path / "a.yaml").write_text("data: {dataset: example_weekly}\n")
    result = invoke("fit", tmp_path / "a.yaml", "--summary", tmp_path / "s.csv")
    assert result.exit_code == EXIT_BAD_INPUT
    assert read_summary(tmp_path / "s.csv")[0]["status"] == "invalid"
