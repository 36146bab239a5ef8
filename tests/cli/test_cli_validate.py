"""``mmm-bayes`` help, ``validate`` and ``schema``: messages and exit codes (no fitting)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mmm_bayes.cli.app import EXIT_BAD_INPUT, EXIT_OK, app, main
from mmm_bayes.config.docs import schema_json

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_help_lists_commands_and_exit_codes():
    result = invoke("--help")
    assert result.exit_code == EXIT_OK
    for word in ("validate", "fit", "schema", "Exit codes: 0 success, 1 a fit failed, 2 bad input"):
        assert word in result.output
    for command in ("validate", "fit", "schema"):
        sub = invoke(command, "--help")
        assert sub.exit_code == EXIT_OK, sub.output
        assert "Usage: mmm-bayes" in sub.output or "Usage: " in sub.output
    fit_help = invoke("fit", "--help").output
    for option in ("--force", "--workers", "--scheduler", "MMM_BAYES_SCHEDULER", "--set"):
        assert option in fit_help


def test_console_script_entry_point():
    # `mmm-bayes` (installed by `pip install -e .`) or, if absent, `python -m mmm_bayes.cli`
    script = Path(sys.executable).with_name("mmm-bayes")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "mmm_bayes.cli"]
    result = subprocess.run([*command, "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("mmm-bayes "), result.stderr


def test_no_arguments_shows_help_and_usage_errors_exit_2():
    assert "Usage" in invoke().output
    assert invoke("fit").exit_code == EXIT_BAD_INPUT  # missing argument
    assert invoke("fit", "x.yaml", "--workers", "0").exit_code == EXIT_BAD_INPUT


def test_validate_good_config(make_config):
    path = make_config()
    result = invoke("validate", path)
    assert result.exit_code == EXIT_OK, result.output
    assert "valid (5 channels, 2 controls; data: 156 rows, W-MON; model: " in result.output


def test_validate_reports_every_problem_with_path_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "data: {dataset: example_weekly, kpi_column: sales}\n"
        "channels:\n"
        "  - {name: tv, column: tv_spend}\n"
        "  - {name: search, column: search_spend, priors: {K: {dist: LogNormal, mu: 0,"
        " sigma: -1}}}\n"
        "chanels: []\n"
        "sampler: {draws: 0}\n"
    )
    result = invoke("validate", bad)
    assert result.exit_code == EXIT_BAD_INPUT
    out = result.output
    assert "3 problems" in out
    assert "channels[1].priors.K.sigma (line 4): LogNormal parameter sigma=-1.0 must be > 0" in out
    assert "chanels (line 5): unknown key 'chanels' (did you mean 'channels'?)" in out
    assert "sampler.draws (line 6): expected a value greater than or equal to 1, found 0" in out
    assert "Traceback" not in out


def test_validate_names_the_closest_column(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text("data: {dataset: example_weekly, kpi_column: sale}\nchannels: [tv_spnd]\n")
    result = invoke("validate", path)
    assert result.exit_code == EXIT_BAD_INPUT
    assert "data.kpi_column: column 'sale' not found in dataset 'example_weekly' (did you mean " \
           "'sales'?)" in result.output  # fmt: skip
    assert "channels[0].column: column 'tv_spnd' not found" in result.output
    assert "(did you mean 'tv_spend'?)" in result.output


def test_validate_many_and_folders(tmp_path, make_config):
    good = make_config("good")
    (good.parent / "bad.yaml").write_text("data: {dataset: example_weekly}\n")
    result = invoke("validate", good.parent)
    assert result.exit_code == EXIT_BAD_INPUT
    assert "1 of 2 configs valid" in result.output
    assert invoke("validate", tmp_path / "missing.yaml").exit_code == EXIT_BAD_INPUT


def test_validate_without_data_or_build(tmp_path):
    path = tmp_path / "nodata.yaml"
    path.write_text("data: {path: nowhere.csv, kpi_column: y}\nchannels: [x]\n")
    assert invoke("validate", path, "--no-data").exit_code == EXIT_OK
    result = invoke("validate", path)
    assert result.exit_code == EXIT_BAD_INPUT and "file not found" in result.output
    # --set applies before checking
    fixed = invoke("validate", path, "--set", "data.dataset=example_weekly", "--set",
                   "data.path=null", "--set", "data.kpi_column=sales", "--set",
                   "channels=[tv_spend]", "--no-build")  # fmt: skip
    assert fixed.exit_code == EXIT_OK, fixed.output


def test_main_returns_exit_codes(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("data: {dataset: example_weekly}\n")
    with pytest.raises(SystemExit) as info:
        main(["validate", str(bad)])
    assert info.value.code == EXIT_BAD_INPUT
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == EXIT_OK


def test_schema_command_prints_the_committed_schema(tmp_path):
    result = invoke("schema")
    assert result.exit_code == EXIT_OK
    assert json.loads(result.stdout)["title"] == "mmm-bayes run config"
    assert result.stdout == schema_json()
    assert invoke("schema", "-o", tmp_path / "s.json").exit_code == EXIT_OK
    assert (tmp_path / "s.json").read_text() == (
        REPO / "docs" / "mmm-bayes.schema.json"
    ).read_text()


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["fit", "configs/example.yaml", "--bogus"], "--bogus"),
        (["fit"], "Missing argument 'CONFIG"),
        (["nosuchcmd"], "nosuchcmd"),
        (["fit", "configs/", "--workers", "abc"], "--workers"),
        (["validate", "configs/example.yaml", "--set"], "--set"),
    ],
)
def test_usage_errors_exit_2_with_a_short_message(argv, named, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    output = capsys.readouterr()
    text = output.out + output.err
    assert info.value.code == EXIT_BAD_INPUT, text
    assert named in text
    assert "Traceback" not in text


def test_exit_codes_and_messages_of_a_command_pass_through_run_app(capsys):
    # typer's standalone mode ends in SystemExit: its int code is returned; a message
    # (sys.exit("...")) is printed, as Python would, and counts as a failure
    import typer

    from mmm_bayes.cli._console import EXIT_FAILED, run_app

    toy = typer.Typer()

    @toy.command()
    def stop(code: str) -> None:
        sys.exit(int(code) if code.isdigit() else code)

    assert run_app(toy, ["3"]) == 3
    assert run_app(toy, ["0"]) == EXIT_OK
    assert run_app(toy, ["boom"]) == EXIT_FAILED
    assert "boom" in capsys.readouterr().err


def test_help_through_main_exits_0(capsys):
    for argv in (["--help"], ["fit", "--help"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == EXIT_OK
        assert "Usage" in capsys.readouterr().out


@pytest.fixture
def numpyro_installed(monkeypatch):
    """Pretend numpyro is (True) or is not (False) installed; other modules are looked up."""
    from mmm_bayes.inference import samplers

    def pretend(installed):
        real = samplers.find_spec

        def find_spec(name, *args):
            if name == "numpyro":
                return object() if installed else None
            return real(name, *args)

        monkeypatch.setattr(samplers, "find_spec", find_spec)

    return pretend


def test_validate_reports_a_sampler_that_is_not_installed(make_config, numpyro_installed):
    path = make_config()
    numpyro_installed(False)
    result = invoke("validate", path, "--no-data", "--set", "sampler.sampler=numpyro")
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert "sampler.sampler: the 'numpyro' sampler needs the 'numpyro' package" in result.output
    assert "pip install 'mmm_bayes[jax]'" in result.output
    numpyro_installed(True)
    result = invoke("validate", path, "--no-data", "--set", "sampler.sampler=numpyro")
    assert result.exit_code == EXIT_OK, result.output
    # every problem at once: the missing sampler and a column that is not in the data
    numpyro_installed(False)
    result = invoke(
        "validate", path, "--no-build", "--set", "sampler.sampler=numpyro", "--set",
        "data.kpi_column=sale",
    )  # fmt: skip
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert "2 problems" in result.output
    assert "sampler.sampler: the 'numpyro' sampler" in result.output
    assert "(did you mean 'sales'?)" in result.output


def test_pymc_info_lines_only_with_verbose():
    # `mmm-bayes report` printed PyMC's "Sampling: [K, S, ...]" between its own messages
    import logging

    from mmm_bayes.cli._console import setup_logging

    pymc_log, ours = logging.getLogger("pymc"), logging.getLogger("mmm_bayes")
    levels = pymc_log.level, ours.level
    try:
        setup_logging(verbose=False)
        assert not pymc_log.isEnabledFor(logging.INFO)
        setup_logging(verbose=True)
        assert pymc_log.isEnabledFor(logging.INFO) and ours.isEnabledFor(logging.INFO)
    finally:
        pymc_log.setLevel(levels[0])
        ours.setLevel(levels[1])
