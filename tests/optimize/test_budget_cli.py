"""``mmm-bayes optimize``: a run folder in, the result saved into it, clear exit codes."""

import json

import numpy as np
import pytest
import yaml

from mmm_bayes import datasets
from mmm_bayes.data import validate_data
from mmm_bayes.inference.store import save_run
from mmm_bayes.optimize import load_optimization
from mmm_bayes.spec import SamplerSettings
from mmm_bayes.testing import EXAMPLE_CHANNELS, fake_posterior

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


ALL_FIXED = {"channels": {c: {"fixed": "current"} for c in EXAMPLE_CHANNELS}}


@pytest.mark.parametrize(
    "text", ["max_change: 0\n", yaml.safe_dump(ALL_FIXED)], ids=["max_change=0", "all fixed"]
)
def test_every_channel_pinned_is_a_plan_not_a_traceback(run, tmp_path, capsys, text):
    path = tmp_path / "pinned.yaml"
    path.write_text(text)
    code = main(["optimize", run, "-c", path, "--name", "pinned", "--no-figures", "--force"])
    assert code == 0, capsys.readouterr().err
    assert "Nothing was free to move" in capsys.readouterr().out
    r = load_optimization(run, "pinned")
    np.testing.assert_allclose(r.optimal, r.current, rtol=1e-12)
    assert set(r.status) == {"fixed"}


def test_failing_convergence_checks_are_a_warning_and_a_note(run, capsys):
    # the fake posterior (2 chains x 50 prior draws) fails R-hat and ESS, as `diagnose` says
    assert main(["optimize", run, "--name", "unconverged", "--no-figures", "--json"]) == 0
    captured = capsys.readouterr()
    assert "convergence checks fail (" in captured.err
    assert f"`mmm-bayes diagnose {run}`" in captured.err
    note = json.loads(captured.out)["notes"][0]  # stdout stays JSON
    assert note.startswith("The fit's convergence checks fail (") and "min bulk ESS" in note
    assert load_optimization(run, "unconverged").notes[0] == note


def test_passing_convergence_checks_add_no_warning(tmp_path, spec, inputs, capsys):
    data = validate_data(
        datasets.load(), date_col=spec.date_col, kpi_col=spec.kpi,
        channel_cols=spec.channel_columns, control_cols=spec.controls,
    )  # fmt: skip
    idata = fake_posterior(spec, inputs, chains=4, draws=150, random_seed=1)
    folder = save_run(tmp_path / "run", idata=idata, spec=spec, sampler=SamplerSettings(),
                      data=data)  # fmt: skip
    assert main(["optimize", folder, "--no-figures", "--json"]) == 0
    captured = capsys.readouterr()
    assert "convergence" not in captured.err
    assert not any("convergence" in n for n in json.loads(captured.out)["notes"])


def test_every_problem_of_a_constraints_file_is_reported_at_once(run, tmp_path, capsys):
    path = tmp_path / "typo.yaml"
    path.write_text("max_chnge: 0.3\nchannels: {serach: {max: 1000}}\n")
    assert main(["optimize", run, "-c", path, "--name", "typo"]) == 2
    printed = capsys.readouterr().err
    assert "2 problems" in printed and "max_chnge: Extra inputs are not permitted" in printed
    assert "channels.serach: 'serach' (did you mean 'search'?)" in printed
    assert not (run / "typo").exists()


def test_python_plans_get_the_same_note_and_every_problem_at_once(run, tmp_path):
    # MMM.optimize_budget, not only the command: the convergence note, and a constraints file's
    # unknown channel reported with its schema errors
    from mmm_bayes import MMM
    from mmm_bayes.errors import ConfigError

    mmm = MMM.load(run)
    plan = mmm.optimize_budget(periods=13, max_change=0.3)
    assert plan.notes[0].startswith("The fit's convergence checks fail (")
    path = tmp_path / "typo.yaml"
    path.write_text("max_chnge: 0.3\nchannels: {serach: {max: 1000}}\n")
    with pytest.raises(ConfigError, match="2 problems") as err:
        mmm.optimize_budget(problem=path)
    assert "(did you mean 'search'?)" in str(err.value)
