"""RunConfig: the whole-run schema reuses ModelSpec and SamplerSettings, and resolves paths."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from mmm_bayes import MMM
from mmm_bayes.spec import ChannelSpec, ModelSpec, RunConfig, SamplerSettings

BASE = {
    "data": {"dataset": "example_weekly", "kpi_column": "sales"},
    "channels": [{"name": "tv", "column": "tv_spend"}, "search_spend"],
    "controls": ["price_index"],
}


def run_config(**fields):
    return RunConfig.model_validate(BASE | fields)


def test_every_model_and_sampler_option_is_reachable():
    # "every option the Python API has is reachable from YAML": ModelSpec's fields are
    # RunConfig's (kpi and date column live in `data`), SamplerSettings is the sampler section
    fields = set(RunConfig.model_fields)
    assert set(ModelSpec.model_fields) - {"kpi", "date_col"} <= fields
    for name in set(ModelSpec.model_fields) - {"kpi", "date_col"}:
        # the same field definitions (defaults, bounds, descriptions), not copies
        assert RunConfig.model_fields[name].default == ModelSpec.model_fields[name].default
        assert RunConfig.model_fields[name].annotation == ModelSpec.model_fields[name].annotation
    assert RunConfig.model_fields["sampler"].annotation is SamplerSettings


def test_model_and_sampler_go_to_the_python_api():
    cfg = run_config(
        adstock={"kind": "delayed", "l_max": 5},
        saturation={"kind": "logistic"},
        likelihood={"kind": "student_t"},
        sampler={"draws": 123, "chains": 3},
        seed=9,
    )
    spec = cfg.model
    assert isinstance(spec, ModelSpec)
    assert (spec.kpi, spec.date_col) == ("sales", "date")
    assert spec.channel_names == ("tv", "search_spend")
    assert (spec.adstock.kind, spec.saturation.kind, spec.likelihood.kind) == (
        "delayed", "logistic", "student_t",
    )  # fmt: skip
    assert cfg.sampler == SamplerSettings(draws=123, chains=3, random_seed=9)
    mmm = MMM.from_config(cfg)
    assert mmm.spec == spec and mmm.sampler == cfg.sampler and mmm.config is cfg
    assert MMM.from_config(cfg.model_dump()).spec == spec  # the dict form too


def test_seed_lives_at_the_top_and_reaches_the_sampler():
    assert run_config(seed=4).sampler.random_seed == 4
    assert run_config(sampler={"random_seed": 5}).seed == 5  # given only in the sampler section
    assert run_config().seed is None and run_config().sampler.random_seed is None
    with pytest.raises(ValidationError, match=r"seed=1 and sampler\.random_seed=2 disagree"):
        run_config(seed=1, sampler={"random_seed": 2})
    # the dump writes the seed once, at the top
    dumped = run_config(seed=4).model_dump()
    assert dumped["seed"] == 4 and "random_seed" not in dumped["sampler"]


def test_dump_validates_back_to_an_equal_config():
    cfg = run_config(name="x", seed=3, output="out", adstock={"kind": "delayed"})
    assert RunConfig.model_validate(cfg.model_dump(mode="json")) == cfg


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kpi_column": "sales"}, "give exactly one of `path`"),
        ({"kpi_column": "s", "path": "a.csv", "dataset": "example_weekly"}, "found path='a.csv'"),
        ({"kpi_column": "s", "dataset": "nope"}, r"unknown bundled data set 'nope'; choose one"),
        ({"kpi_column": "s", "dataset": "example_weekly", "frequency": "fortnightly"},
         "unknown frequency 'fortnightly'"),
        ({"dataset": "example_weekly"}, "kpi_column"),
    ],
)  # fmt: skip
def test_data_section_errors(data, message):
    with pytest.raises(ValidationError, match=message):
        run_config(data=data)


@pytest.mark.parametrize("freq", ["W-MON", "D", "MS", "weekly", "daily", "monthly"])
def test_frequencies_accepted(freq):
    assert run_config(data=BASE["data"] | {"frequency": freq}).data.frequency == freq


def test_model_spec_checks_run_and_name_the_field():
    with pytest.raises(ValidationError, match=r"data.kpi_column|control .sales. is the KPI"):
        run_config(controls=["sales"])
    with pytest.raises(ValidationError, match=r"channel 'tv' sets priors \['lam'\]"):
        run_config(channels=[{"name": "tv", "column": "tv_spend", "priors": {"lam": {
            "dist": "Gamma", "alpha": 1, "beta": 1}}}])  # fmt: skip


def test_paths_resolve_from_the_base_folder(tmp_path, monkeypatch):
    cfg = run_config(data={"path": "data/x.csv", "kpi_column": "y"}, output="../runs/r")
    monkeypatch.chdir(tmp_path)
    assert cfg.data_path() == tmp_path / "data/x.csv"  # no base folder: the current one
    moved = cfg.with_base_dir(tmp_path / "configs", source=tmp_path / "configs" / "brand.yaml")
    assert moved.data_path() == tmp_path / "configs" / "data" / "x.csv"
    assert moved.output_path() == tmp_path / "runs" / "r"
    assert moved.run_name == "brand" and moved.source.name == "brand.yaml"
    assert moved == cfg.with_base_dir(tmp_path / "configs", source=moved.source)
    monkeypatch.setenv("MMM_DATA", str(tmp_path / "elsewhere"))
    env = run_config(data={"path": "${MMM_DATA}/x.csv", "kpi_column": "y"})
    assert env.data_path() == tmp_path / "elsewhere" / "x.csv"
    # no output: runs/<name> under the current folder
    assert run_config(name="n").output_path() == Path.cwd() / "runs" / "n"
    assert run_config().run_name == "run"


def test_spend_column_is_the_roas_denominator():
    ch = ChannelSpec(name="fb", column="fb_impressions", spend_column="fb_spend")
    assert ch.spend == "fb_spend"
    assert ChannelSpec.model_validate("tv").spend == "tv"
    spec = ModelSpec(kpi="y", channels=[ch, "tv"])
    assert spec.channel_columns == ("fb_impressions", "tv")
    assert spec.spend_columns == ("fb_spend", "tv")
    assert spec.extra_spend_columns == ("fb_spend",)


@pytest.mark.parametrize(
    ("channels", "controls", "message"),
    [
        ([{"name": "a", "column": "a_i", "spend_column": "s"},
          {"name": "b", "column": "b_i", "spend_column": "s"}], [], r"repeated: \['s'\]"),
        ([{"name": "a", "column": "a_i", "spend_column": "b"}, "b"], [], r"repeated: \['b'\]"),
        ([{"name": "a", "column": "a_i", "spend_column": "a_s"}], ["a_s"], "also a chan"),
    ],
)  # fmt: skip
def test_spend_column_clashes(channels, controls, message):
    with pytest.raises(ValidationError, match=message):
        ModelSpec(kpi="y", channels=channels, controls=controls)


def test_pickles_with_its_base_folder(tmp_path):
    # batch workers receive configs pickled: relative paths must still start from the same folder
    import pickle

    cfg = run_config(data={"path": "x.csv", "kpi_column": "y"}).with_base_dir(
        tmp_path, source=tmp_path / "c.yaml"
    )
    again = pickle.loads(pickle.dumps(cfg))
    assert again == cfg and again.data_path() == tmp_path / "x.csv" and again.run_name == "c"
