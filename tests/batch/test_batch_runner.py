"""Batch fits: one failure never stops the others; in process, in worker processes, on Dask."""

import os
import stat
import time

import pytest

from mmm_bayes.batch import SUMMARY_COLUMNS, exit_code, read_summary, run_batch, write_summary
from mmm_bayes.batch.executors import Task, run_local
from mmm_bayes.config import load_config
from mmm_bayes.errors import ConfigError, FitError

FAILING_DRAWS = 31  # the fake_fit fixture (conftest.py) fails a config with these draws


def batch_configs(make_config, tmp_path):
    """A good config, one whose fit fails, one with a typo, one with a missing column."""
    runs = tmp_path / "runs"
    good = make_config("good", output=str(runs / "good"))
    failing = make_config("failing", output=str(runs / "failing"))
    failing.write_text(failing.read_text().replace("draws: 20,", f"draws: {FAILING_DRAWS},"))
    typo = good.parent / "typo.yaml"
    typo.write_text("data: {dataset: example_weekly, kpi_column: sales}\nchanels: [tv_spend]\n")
    column = make_config("column")
    column.write_text(column.read_text().replace("kpi_column: sales}", "kpi_column: sale}"))
    return good, failing, typo, column


def test_one_failure_does_not_stop_the_others(make_config, fake_fit, tmp_path):
    configs = batch_configs(make_config, tmp_path)
    seen = []
    summary = tmp_path / "summary.csv"
    outcomes = run_batch(configs, summary=summary, on_done=lambda o: seen.append(o.name))
    assert [o.name for o in outcomes] == ["good", "failing", "typo", "column"]  # input order
    status = {o.name: o.status for o in outcomes}
    assert status == {"good": "warning", "failing": "failed", "typo": "invalid",
                      "column": "invalid"}  # fmt: skip
    by_name = {o.name: o for o in outcomes}
    assert "synthetic failure" in by_name["failing"].error
    assert "unknown key 'chanels'" in by_name["typo"].error
    assert "(did you mean 'sales'?)" in by_name["column"].error
    assert by_name["good"].checks.startswith("max R-hat")  # prior draws do not converge
    assert (tmp_path / "runs" / "good" / "posterior.nc").is_file()
    assert not (tmp_path / "runs" / "failing").exists()
    assert sorted(seen) == sorted(status)
    rows = read_summary(summary)
    assert tuple(rows[0]) == SUMMARY_COLUMNS
    assert [r["status"] for r in rows] == ["warning", "failed", "invalid", "invalid"]
    assert float(rows[0]["seconds"]) > 0 and rows[0]["max_rhat"] != ""
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # atomic write
    assert exit_code(outcomes) == 1
    assert exit_code([o for o in outcomes if o.status != "failed"]) == 2
    assert exit_code([o for o in outcomes if o.succeeded]) == 0


def test_missing_sampler_package_is_bad_input_where_the_fit_runs(make_config, fake_fit, tmp_path,
                                                                 monkeypatch):  # fmt: skip
    # checked in fit_config, so in the process that fits (a Dask worker may differ from here)
    from mmm_bayes.inference import samplers

    monkeypatch.setattr(samplers, "find_spec", lambda name, *args: None)  # nothing installed
    runs = tmp_path / "runs"
    numpyro = make_config("numpyro", output=str(runs / "numpyro"))
    numpyro.write_text(numpyro.read_text().replace("sampler: {", "sampler: {sampler: numpyro, "))
    good = make_config("good", output=str(runs / "good"))
    outcomes = run_batch([numpyro, good], figures=False)
    assert [o.status for o in outcomes] == ["invalid", "warning"]
    assert "sampler.sampler: the 'numpyro' sampler needs the 'numpyro' package" in (
        outcomes[0].error
    )
    assert not (runs / "numpyro").exists()
    assert exit_code(outcomes) == 2


def test_clashing_outputs_and_existing_folders(make_config, fake_fit, tmp_path):
    a = make_config("a", output=str(tmp_path / "same"))
    b = make_config("b", output=str(tmp_path / "same"))
    outcomes = run_batch([a, b], figures=False)
    assert [o.status for o in outcomes] == ["warning", "invalid"]
    assert "is also the output of" in outcomes[1].error
    again = run_batch([a], figures=False)  # the folder exists now
    assert again[0].status == "invalid" and "already exists; pass --force" in again[0].error
    assert run_batch([a], force=True, figures=False)[0].status == "warning"
    with pytest.raises(ConfigError, match="workers must be >= 1"):
        run_batch([a], workers=0)


def test_interrupt_marks_the_rest_cancelled(make_config, fake_fit, monkeypatch, tmp_path):
    from mmm_bayes.mmm import MMM

    first = make_config("first", output=str(tmp_path / "runs" / "first"))
    second = make_config("second", output=str(tmp_path / "runs" / "second"))
    fit = MMM.fit

    def interrupt_second(self, data, **kwargs):
        if self.config.name == "second":
            raise KeyboardInterrupt
        return fit(self, data, **kwargs)

    monkeypatch.setattr(MMM, "fit", interrupt_second)
    summary = tmp_path / "summary.csv"
    with pytest.raises(KeyboardInterrupt):
        run_batch([first, second], summary=summary, figures=False)
    assert [r["status"] for r in read_summary(summary)] == ["warning", "cancelled"]
    assert not (tmp_path / "runs" / "second").exists()


# --- local worker processes ------------------------------------------------------------------
# Tasks are pickled to fresh (spawned) processes, so these subclasses live at module level.


class QuickTask(Task):
    def run(self):
        return self.outcome("ok")


class CrashTask(Task):
    def run(self):
        os._exit(3)  # a crash in compiled code, or the OOM killer, looks like this


class SleepTask(Task):
    def run(self):
        time.sleep(120)
        return self.outcome("ok")


@pytest.fixture
def cfg(make_config):
    return load_config(make_config("task"))


def test_a_dead_worker_fails_only_its_own_config_and_ctrl_c_stops_the_rest(cfg, tmp_path):
    tasks = [CrashTask(0, cfg, tmp_path / "a"), QuickTask(1, cfg, tmp_path / "b"),
             SleepTask(2, cfg, tmp_path / "c")]  # fmt: skip
    done = {}

    def on_done(task, outcome):
        done[task.index] = outcome
        if len(done) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the sleeper still runs

    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_local(tasks, on_done, workers=3)
    assert time.monotonic() - start < 60  # the sleeper was terminated, not waited for
    assert done[0].status == "failed"
    assert "worker process died with exit code 3" in done[0].error
    assert done[1].status == "ok"


def test_worker_processes_run_real_configs(make_config, tmp_path):
    # bad inputs are found inside the workers (no sampling needed to check the plumbing)
    a = make_config("a", extra="controls: [weather]\n")
    a.write_text(a.read_text().replace("controls: [price_index, promo]\n", ""))
    b = make_config("b")
    b.write_text(b.read_text().replace("dataset: example_weekly", "path: missing.csv"))
    outcomes = run_batch([a, b], workers=2)
    assert [o.status for o in outcomes] == ["invalid", "invalid"]
    assert "controls[0]: column 'weather' not found" in outcomes[0].error
    assert "file not found" in outcomes[1].error


# --- Dask ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    # threads in this process: small, fast to start, and the compiled model cache is shared
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster


def test_dask_batch_on_a_local_cluster(cluster, make_config, monkeypatch, tmp_path):
    import mmm_bayes.inference.sample as sampling  # here: spawned workers import this module

    good, failing, typo, _ = batch_configs(make_config, tmp_path)
    real = sampling.sample_posterior

    def fails_at_31(model, settings, **kwargs):
        if settings.draws == FAILING_DRAWS:
            raise FitError("sampling with nutpie failed: synthetic failure")
        return real(model, settings, **kwargs)

    monkeypatch.setattr(sampling, "sample_posterior", fails_at_31)
    summary = tmp_path / "summary.csv"
    outcomes = run_batch(
        [good, failing, typo], scheduler=cluster.scheduler_address, summary=summary, figures=False
    )
    status = {o.name: o.status for o in outcomes}
    assert status["good"] in ("ok", "warning")  # a real (tiny) NUTS fit
    assert (status["failing"], status["typo"]) == ("failed", "invalid")
    assert (tmp_path / "runs" / "good" / "posterior.nc").is_file()
    good_row = next(r for r in read_summary(summary) if r["name"] == "good")
    assert float(good_row["divergences"]) >= 0 and float(good_row["min_ess"]) > 0


def test_unreachable_scheduler_is_bad_input(make_config):
    with pytest.raises(ConfigError, match="could not connect to the Dask scheduler"):
        run_batch([make_config()], scheduler="tcp://127.0.0.1:9", scheduler_timeout=1)


@pytest.mark.slow
def test_real_fits_in_worker_processes(make_config, tmp_path):
    a = make_config("a", output=str(tmp_path / "runs" / "a"))
    b = make_config("b", output=str(tmp_path / "runs" / "b"))
    outcomes = run_batch([a, b], workers=2, figures=False)
    assert all(o.succeeded for o in outcomes), [o.error for o in outcomes]
    assert all((tmp_path / "runs" / n / "posterior.nc").is_file() for n in "ab")


def test_cli_uses_the_scheduler_from_the_environment(cluster, make_config, fake_fit, tmp_path,
                                                      monkeypatch):  # fmt: skip
    from typer.testing import CliRunner

    from mmm_bayes.cli.app import app

    path = make_config("envvar", output=str(tmp_path / "runs" / "envvar"))
    monkeypatch.setenv("MMM_BAYES_SCHEDULER", cluster.scheduler_address)
    summary = tmp_path / "s.csv"
    result = CliRunner().invoke(app, ["fit", str(path), "--summary", str(summary), "--no-figures"])
    assert result.exit_code == 0, result.output
    assert f"on the Dask cluster at {cluster.scheduler_address}" in result.output
    assert read_summary(summary)[0]["status"] == "warning"


def test_summary_gets_the_umask_permissions(tmp_path):
    # tempfile.mkstemp made it 0600, and the rename kept it private on a shared file system
    old = os.umask(0o022)
    try:
        path = write_summary(tmp_path / "summary.csv", [])
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert read_summary(path) == []


def test_min_ess_is_the_smaller_of_bulk_and_tail():
    # the table read "ESS 138" while the row's checks said "min tail ESS 87.94"
    from mmm_bayes.batch.fit import FitOutcome, _record_checks
    from mmm_bayes.inference.diagnostics import Check

    def check(name, value):
        return Check(name=name, value=value, threshold=400.0, status="fail", worst="", advice="")

    outcome = FitOutcome("c.yaml", "c", "ok")
    _record_checks(outcome, [check("min bulk ESS", 137.6), check("min tail ESS", 87.94)])
    assert outcome.min_ess == 87.94
