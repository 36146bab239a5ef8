"""Real files as users bring them: every public data set loads through a YAML config.

The configs live in ``tests/configs_external/`` and read ``../shared/data/external/`` (relative to
the repository root), which is not committed here: the tests skip when it is absent. Each config
validates against its data and builds a model (geo panels a hierarchical geo model, reach and
frequency channels their own media term), or (reach and frequency in a geo panel) is refused
with a message naming the missing feature; one is fitted with short chains through the CLI.
"""

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mmm_bayes.cli.app import EXIT_BAD_INPUT, EXIT_OK, app
from mmm_bayes.config import ConfigProblems, check_data, load_config
from mmm_bayes.model import build_inputs, build_model

REPO = Path(__file__).resolve().parents[2]
EXTERNAL = REPO.parent / "shared" / "data" / "external"
CONFIGS = REPO / "tests" / "configs_external"

pytestmark = pytest.mark.skipif(not EXTERNAL.is_dir(), reason=f"{EXTERNAL} is not here")

RF_GEO = "reach-and-frequency channels ['Channel3'] are not available in geo models yet"
#: Configs that must be refused, with the missing features their messages must name.
REFUSED = {"meridian_geo_media_rf.yaml": [RF_GEO]}
#: Files in the external folder that are not model data, and why no config reads them.
NOT_MODEL_DATA = {
    "robyn/dt_prophet_holidays.csv": "a holiday calendar (ds, holiday, country), not a time "
    "series to model; events enter a config as controls (see data.categorical)",
    "robyn/df_curve_reach_freq.csv": "reach-frequency response curves (spend, response, "
    "frequency bucket) from Robyn, not observations over time",
}
#: Configs whose data cannot be fitted (future media plans without a KPI).
NO_KPI = {"meridian_hypothetical_geo_all_channels.yaml": "conversions"}
ALL = sorted(p.name for p in CONFIGS.glob("*.yaml"))
ACCEPTED = [name for name in ALL if name not in REFUSED and name not in NO_KPI]


def test_every_external_file_has_a_config():
    read = set()
    for path in CONFIGS.glob("*.yaml"):
        data = yaml.safe_load(path.read_text())["data"]
        read.add((path.parent / data["path"]).resolve().relative_to(EXTERNAL.resolve()).as_posix())
    files = {p.relative_to(EXTERNAL).as_posix() for p in EXTERNAL.rglob("*.csv")}
    assert files - read == set(NOT_MODEL_DATA), "add a config for the new file(s)"
    assert set(REFUSED) <= set(ALL)


@pytest.mark.parametrize("name", ACCEPTED)
def test_config_validates_and_builds_a_model(name):
    cfg = load_config(CONFIGS / name)
    data = check_data(cfg)
    model = build_model(cfg.model, build_inputs(cfg.model, data))
    assert {"level", "effect_rel", "sigma"} <= {rv.name for rv in model.free_RVs}
    assert model.coords["channel"] == cfg.model.channel_names


@pytest.mark.parametrize("name", sorted(NO_KPI))
def test_data_without_a_kpi_is_refused_naming_the_column(name):
    cfg = load_config(CONFIGS / name)
    with pytest.raises(ConfigProblems, match=f"column '{NO_KPI[name]}' not found"):
        check_data(cfg)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_missing_features_are_named_not_tracebacks(name):
    with pytest.raises(ConfigProblems) as info:
        load_config(CONFIGS / name)
    message = str(info.value)
    for feature in REFUSED[name]:
        assert feature in message
    result = CliRunner().invoke(app, ["validate", str(CONFIGS / name)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "Traceback" not in result.output and REFUSED[name][0] in result.output


def test_exposure_channels_use_their_spend_columns():
    # Meridian: impressions drive the model, ROAS divides by spend
    cfg = load_config(CONFIGS / "meridian_national_media.yaml")
    inputs = build_inputs(cfg.model, check_data(cfg))
    frame = check_data(cfg).frame
    assert inputs.media[:, 0].tolist() == frame["Channel0_impression"].tolist()
    assert inputs.spend[:, 0].tolist() == frame["Channel0_spend"].tolist()
    # Robyn: facebook by impressions, search by clicks; the events text column as indicators
    robyn = load_config(CONFIGS / "robyn_dt_simulated_weekly.yaml")
    data = check_data(robyn)
    assert robyn.model.spend_columns == ("tv_S", "ooh_S", "print_S", "facebook_S", "search_S")
    assert data.frame["events=event1"].sum() == 1 and data.frame["events=event2"].sum() == 1


def test_fit_an_external_file_through_the_cli(tmp_path):
    # PyMC-Marketing's mmm_example: short chains; the checks are that the run folder is
    # complete and its ROAS finite and positive, not that 2 x 50 draws converge
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        ["fit", str(CONFIGS / "pymc_marketing_mmm_example.yaml"), "-o", str(out),
         "--no-figures", "--set", "sampler.draws=50", "--set", "sampler.tune=50"],
    )  # fmt: skip
    assert result.exit_code == EXIT_OK, result.output
    import pandas as pd

    roas = pd.read_csv(out / "roas.csv", index_col="channel")
    assert list(roas.index) == ["x1", "x2"]
    assert (roas["mean"] > 0).all() and roas["mean"].notna().all()


def test_reach_and_frequency_channel_reads_its_columns():
    # Meridian's R&F file: Channel3's media are its reach and frequency, ROAS divides by spend
    cfg = load_config(CONFIGS / "meridian_national_media_rf.yaml")
    frame = check_data(cfg).frame
    inputs = build_inputs(cfg.model, check_data(cfg))
    assert inputs.rf.tolist() == [False, False, False, True]
    assert inputs.media[:, 3].tolist() == frame["Channel3_reach"].tolist()
    assert inputs.frequency[:, 3].tolist() == frame["Channel3_frequency"].tolist()
    assert inputs.spend[:, 3].tolist() == frame["Channel3_spend"].tolist()
    model = build_model(cfg.model, inputs)
    assert model["frequency_lagged"].get_value().shape == (1, len(frame), cfg.model.adstock.l_max)
