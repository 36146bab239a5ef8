"""``mmm-bayes report / diagnose / validate-holdout / stability`` on small real run folders.

The fits are short (1 chain x 50 + 50 draws, refits 1 x 80 + 80): these tests check the
commands, files and exit codes, not inference quality.
"""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mmm_bayes import MMM, datasets
from mmm_bayes.cli.app import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, app
from mmm_bayes.testing import example_spec

runner = CliRunner()
REFIT = ("--draws", "80", "--tune", "80", "--chains", "1")


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    # one chain of 50 draws after 50 tuning steps: a fit nobody should trust, and the cheapest
    # real run folder to refit and report on
    mmm = MMM(example_spec())
    mmm.fit(
        datasets.load("example_weekly"),
        draws=50,
        tune=50,
        chains=1,
        random_seed=2,
        progressbar=False,
    )
    return mmm.save(tmp_path_factory.mktemp("runs") / "small", figures=False)


def test_diagnose_flags_the_broken_run(run):
    broken = run
    result = invoke("diagnose", broken, "--json")
    assert result.exit_code == EXIT_OK, result.output
    data = json.loads(result.output)
    checks = {c["name"]: c for c in data["checks"]}
    assert data["status"] == "fail"
    assert checks["max R-hat"]["status"] == "fail"  # one chain: no R-hat
    assert checks["min bulk ESS"]["status"] == "fail"
    assert invoke("diagnose", broken, "--strict").exit_code == EXIT_FAILED
    text = invoke("diagnose", broken).output
    assert "Do not use this posterior yet" in text
    assert "max R-hat: chains disagree: run longer" in text  # was "try chains disagree"
    assert "This fit: 1 chain x (50 tune + 50 draws)" in text and "sampler.tune=" in text


def test_validate_holdout_saves_the_result(run):
    result = invoke("validate-holdout", run, "--holdout", 8, *REFIT)
    assert result.exit_code == EXIT_OK, result.output
    saved = json.loads((run / "validation.json").read_text())
    assert saved["holdout"] == 8 and len(saved["folds"]) == 1
    assert len(saved["folds"][0]["predictions"]) == 8
    assert 0 < saved["summary"]["mape"] < 0.2  # a short refit still tracks the KPI
    assert "out-of-sample MAPE" in result.output


def test_stability_saves_the_result(run):
    result = invoke("stability", run, "--windows", 2, *REFIT)
    assert result.exit_code == EXIT_OK, result.output
    saved = json.loads((run / "stability.json").read_text())
    assert {r["window"] for r in saved["summary"]} == {
        "2023-01-02 to 2024-06-24",
        "2024-07-01 to 2025-12-22",
    }
    assert len(saved["pairs"]) == 5
    # one chain per refit: no R-hat, so neither refit converged and the verdict says so
    assert saved["diagnosis"] == {
        "2023-01-02 to 2024-06-24": "fail",
        "2024-07-01 to 2025-12-22": "fail",
    }
    assert "did not converge; their comparison is unreliable" in saved["verdict"]
    assert "did not converge; their comparison is unreliable" in result.output


def test_report_includes_the_saved_results(run):
    # runs after the two tests above (pytest keeps file order), so both JSON files exist
    result = invoke("report", run, "--prior-draws", 100)
    assert result.exit_code == EXIT_OK, result.output
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "Out-of-sample check: each fold refitted" not in page  # figure text is in the PNG
    assert page.count("<img ") == 13  # holdout and stability figures included
    assert "Change of ROAS between windows" in page
    assert str(run) in page


def test_bad_inputs_exit_2(tmp_path, run):
    result = invoke("report", tmp_path / "nowhere")
    assert result.exit_code == EXIT_BAD_INPUT
    assert "no such run folder" in result.output
    result = invoke("validate-holdout", run, "--holdout", 100)
    assert result.exit_code == EXIT_BAD_INPUT
    assert "it needs at least 200" in result.output
    assert invoke("validate-holdout", run, "--window", "rolling").exit_code == EXIT_BAD_INPUT


def test_damaged_run_folder_exits_2_without_traceback(tmp_path):
    # a fake posterior is enough: loading fails before anything reads the draws
    from mmm_bayes.inference.store import save_run
    from mmm_bayes.spec import SamplerSettings
    from mmm_bayes.testing import fake_fit

    spec, data, idata = fake_fit()
    folder = save_run(
        tmp_path / "run", idata=idata, spec=spec, sampler=SamplerSettings(), data=data
    )
    path = folder / "posterior.nc"
    path.write_bytes(path.read_bytes()[:1000])
    result = invoke("diagnose", folder)
    assert result.exit_code == EXIT_BAD_INPUT
    assert "posterior.nc: cannot read the posterior" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, no escaped error


@pytest.fixture
def fake_run(tmp_path):
    from mmm_bayes.inference.store import save_run
    from mmm_bayes.spec import SamplerSettings
    from mmm_bayes.testing import fake_fit

    spec, data, idata = fake_fit()
    return save_run(tmp_path / "run", idata=idata, spec=spec, sampler=SamplerSettings(), data=data)


def test_report_out_must_name_a_file(fake_run, tmp_path):
    # checked before the run is loaded: a folder, a name without extension ("newdir/"), a
    # path under a file; each used to end in a traceback (IsADirectoryError) or a stray file
    (tmp_path / "notes.txt").write_text("a file")
    cases = [
        (tmp_path, f"{tmp_path} is a folder; the report is one HTML file"),
        (f"{tmp_path}/newdir/", f"{tmp_path / 'newdir'} has no file extension"),
        (tmp_path / "notes.txt" / "r.html", f"{tmp_path / 'notes.txt'} is a file"),
    ]
    for out, want in cases:
        result = invoke("report", fake_run, "--out", out)
        assert result.exit_code == EXIT_BAD_INPUT, result.output
        assert want in result.output and len(result.output.strip().splitlines()) == 1
        assert isinstance(result.exception, SystemExit)  # a clean exit, no escaped error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "run"]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_unwritable_report_path_exits_2_naming_it(fake_run):
    result = invoke("report", fake_run, "--out", "/proc/r.html", "--prior-draws", 10)
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert "cannot write the report to /proc/r.html: " in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
