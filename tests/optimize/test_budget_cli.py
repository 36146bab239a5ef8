"""``mmm-bayes optimize``: a run folder in, the result saved into it, clear exit codes."""

import json

import pytest

from mmm_bayes import datasets
from mmm_bayes.data import validate_data
from mmm_bayes.inference.store import save_run
from mmm_bayes.optimize import load_optimization
from mmm_bayes.spec import SamplerSettings
from mmm_bayes.testing import fake_posterior

cli = pytest.importorskip("mmm_bayes.cli.app")


@pytest.fixture(scope="module")
def run(tmp_path_factory, spec, inputs):
    data = validate_data(
        datasets.load(), date_col=spec.date_col, kpi_col=spec.kpi,
        channel_cols=spec.channel_columns, control_cols=spec.controls,
    )  # fmt: skip
    idata = fake_posterior(spec, inputs, draws=50, random_seed=1)
    folder = tmp_path_factory.mktemp("cli") / "run"
    return save_run(folder, idata=idata, spec=spec, sampler=SamplerSettings(), data=data)


def main(argv):
    return cli.run_app(cli.app, [str(a) for a in argv])


def test_optimize_writes_the_result_and_prints_tables(run, tmp_path, capsys):
    yaml = tmp_path / "budget.yaml"
    yaml.write_text(
        "periods: 8\nmax_change: 0.3\nchannels: {radio: {fixed: current}}\n"
        "groups: [{name: digital, channels: [search, social, display], max: 150000}]\n"
    )
    code = main(["optimize", run, "--budget", 400_000, "--constraints", yaml])
    assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "Allocation (expected_kpi)" in printed and "uplift" in printed
    r = load_optimization(run)
    assert r.problem.periods == 8 and r.optimal.sum() == pytest.approx(400_000, rel=1e-6)
    assert r.status[4] == "fixed"
    assert (run / "optimization" / "uplift.png").is_file()


def test_objective_options_and_json(run, capsys):
    code = main(["optimize", run, "--target", 500_000, "--name", "target", "--json",
                 "--no-figures"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    record = json.loads(capsys.readouterr().out)
    assert record["problem"]["objective"] == {"kind": "kpi_target", "target": 500_000.0}
    assert not (run / "target" / "uplift.png").exists()


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--budget", 1_000, "--constraints", "MISSING"], "no such constraints file"),
        (["--target", 1, "--mroas-floor", 1], "at most one of"),
        (["--objective", "expected"], "did you mean 'expected_kpi'"),
    ],
)
def test_bad_input_exits_2_with_a_message(run, capsys, argv, match):
    assert main(["optimize", run, *argv]) == 2
    assert match in capsys.readouterr().err


def test_infeasible_constraints_exit_2(run, tmp_path, capsys):
    yaml = tmp_path / "tight.yaml"
    yaml.write_text("total: 10000000\nmax_change: 0.1\n")
    assert main(["optimize", run, "-c", yaml, "--name", "tight"]) == 2
    assert "upper bounds add up to" in capsys.readouterr().err
    assert not (run / "tight").exists()


def test_existing_result_needs_force(run, capsys):
    assert main(["optimize", run, "--name", "again", "--no-figures"]) == 0
    assert main(["optimize", run, "--name", "again", "--no-figures"]) == 2
    assert "already exists; use --force to replace it" in capsys.readouterr().err
    assert main(["optimize", run, "--name", "again", "--no-figures", "--force"]) == 0
