"""Reading YAML configs: every problem at once, with its YAML path, line, expected and found."""

import textwrap

import pytest

from mmm_bayes.config import (
    ConfigProblems,
    apply_overrides,
    config_paths,
    dump_config,
    load_config,
    parse_config,
)
from mmm_bayes.errors import ConfigError
from mmm_bayes.spec import RunConfig

GOOD = """\
name: demo
data:
  dataset: example_weekly
  kpi_column: sales
channels:
  - {name: tv, column: tv_spend}
  - {name: search, column: search_spend}
  - name: social
    column: social_spend
    priors:
      K: {dist: LogNormal, mu: 0, sigma: 0.3}
controls: [price_index, promo]
adstock: {kind: geometric, l_max: 6}
seed: 3
"""


def problems(text: str) -> dict[str, str]:
    """Map each problem's YAML path to its message."""
    with pytest.raises(ConfigProblems) as info:
        parse_config(textwrap.dedent(text), source="cfg.yaml")
    return {p.where: p.message for p in info.value.problems}


def test_good_config_loads(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(GOOD)
    cfg = load_config(path)
    assert cfg.model.channel_names == ("tv", "search", "social")
    assert cfg.model.channels[2].priors["K"].params == {"mu": 0.0, "sigma": 0.3}
    assert cfg.base_dir == tmp_path and cfg.source == path and cfg.run_name == "demo"


def test_round_trip_yaml_config_yaml(tmp_path):
    # YAML -> config -> YAML -> config: equal configs, and the second dump is the first
    cfg = parse_config(GOOD)
    text = dump_config(cfg)
    again = parse_config(text)
    assert again == cfg
    assert dump_config(again) == text
    assert "random_seed" not in text and "seed: 3" in text  # the seed is written once
    # a header is a comment and changes nothing
    assert parse_config(dump_config(cfg, header="line one\nline two")) == cfg


def test_every_problem_is_reported_at_once_with_paths_and_lines():
    found = problems(
        """\
        data:
          dataset: example_weekly
          kpi_colum: sales
        chanels: []
        channels:
          - {name: tv, column: tv_spend}
          - {name: search, column: search_spend}
          - name: social
            column: social_spend
            saturation: {K: 1}
            priors:
              K: {dist: LogNormal, mu: 0, sigma: -1}
              S: {dist: Gama, alpha: 1, beta: 1}
        adstock: {kind: weibull}
        saturation: {kind: hill, K: {dist: LogNormal, mu: x, sigma: 1}}
        sampler: {draws: -5, sampler: stan}
        """
    )
    assert found["data.kpi_colum"].startswith(
        "unknown key 'kpi_colum' (did you mean 'kpi_column'?)"
    )
    assert found["data.kpi_column"] == "required key 'kpi_column' is missing"
    assert found["chanels"].startswith("unknown key 'chanels' (did you mean 'channels'?)")
    assert (
        "keys allowed here: name, column, spend_column, reach_column, frequency_column, priors"
        in found["channels[2].saturation"]
    )
    # the prior's own parameter is named: channels[2].priors.K.sigma
    assert found["channels[2].priors.K.sigma"] == "LogNormal parameter sigma=-1.0 must be > 0"
    assert found["channels[2].priors.S.dist"].startswith("unknown distribution 'Gama'")
    assert found["adstock.kind"] == "expected one of 'geometric', 'delayed', found 'weibull'"
    assert found["saturation.K.mu"].endswith("found 'x'")
    assert found["sampler.draws"] == "expected a value greater than or equal to 1, found -5"
    assert found["sampler.sampler"] == "expected 'nutpie', 'pymc' or 'numpyro', found 'stan'"
    assert len(found) == 10


def test_problems_carry_lines_and_print_one_per_line():
    with pytest.raises(ConfigProblems) as info:
        text = "data:\n  dataset: example_weekly\n  kpi_column: sales\nchannels: [a]\nfoo: 1\n"
        parse_config(text, source="x.yaml")
    (problem,) = info.value.problems
    assert (problem.path, problem.line) == (("foo",), 5)
    assert str(info.value) == (
        "x.yaml: 1 problem:\n  - foo (line 5): unknown key 'foo'; keys allowed here: name, data, "
        "channels, controls, adstock, saturation, seasonality, trend, level, effect, roas, "
        "control_coef, likelihood, interactions, geo, time_varying, calibration, sampler, seed, "
        "output"
    )


def test_keys_of_the_chosen_kind_are_listed():
    found = problems(
        """\
        data: {dataset: example_weekly, kpi_column: sales}
        channels: [tv_spend]
        adstock: {kind: delayed, thetta: {dist: HalfNormal, sigma: 1}}
        """
    )
    assert found["adstock.thetta"] == (
        "unknown key 'thetta' (did you mean 'theta'?); keys allowed here: kind, l_max, alpha, theta"
    )


def test_repeated_keys_are_errors():
    found = problems("data: {dataset: example_weekly, kpi_column: sales}\nchannels: [a]\nseed: 1\n"
                     "seed: 2\n")  # fmt: skip
    assert found == {"seed": "key 'seed' appears twice (first at line 3); keep one"}


def test_reach_without_frequency_names_the_missing_keys():
    found = problems(
        """\
        data: {dataset: example_weekly, kpi_column: sales}
        channels:
          - {name: yt, spend_column: yt_spend, reach_column: yt_reach}
        """
    )
    assert "needs ['frequency_column'] as well as reach_column" in found["channels[0]"]


def test_cross_field_problems_name_the_field():
    found = problems(
        """\
        data: {dataset: example_weekly, kpi_column: sales}
        channels: [tv_spend, tv_spend]
        """
    )
    assert found == {"channels": "channel names must be unique; repeated: ['tv_spend']"}


def test_misspelt_choices_name_the_closest_one():
    # a prior's key and a union's `kind` are choices, not keys of a model: pydantic lists the
    # choices; the closest one is named as for an unknown key
    found = problems(
        """\
        data: {dataset: example_weekly, kpi_column: sales}
        channels:
          - {name: tv, column: tv_spend, priors: {alpah: {dist: Beta, alpha: 2, beta: 3}}}
        likelihood: {kind: studentt}
        sampler: {sampler: nutpi}
        """
    )
    assert found["channels[0].priors.alpah"].endswith("found 'alpah' (did you mean 'alpha'?)")
    assert found["likelihood.kind"].endswith("found 'studentt' (did you mean 'student_t'?)")
    assert found["sampler.sampler"].endswith("found 'nutpi' (did you mean 'nutpie'?)")


def test_repeated_and_clashing_controls_are_named():
    # before: "(config): control columns must be unique and not a KPI/spend column: []"
    found = problems(
        """        data: {dataset: example_weekly, kpi_column: sales}
        channels: [tv_spend]
        controls: [price_index, promo, promo]
        """
    )
    assert found == {"controls": "control(s) ['promo'] are listed more than once; list each once"}
    found = problems(
        """        data: {dataset: example_weekly, kpi_column: sales}
        channels: [tv_spend]
        controls: [tv_spend, sales]
        """
    )
    assert list(found) == ["controls"]  # at the field, both clashes at once
    assert "control 'sales' is the KPI" in found["controls"]
    assert "control(s) ['tv_spend'] are also a channel's column" in found["controls"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the config is empty"),
        ("- a\n- b\n", "must be a mapping of keys .* found a list"),
        ("data:\n  kpi_column: [sales\n", r"not valid YAML at line \d+, column \d+"),
        ("data:\n\tkpi: 1\n", "not valid YAML"),
        ("!!python/object:os.system {}\n", "not valid YAML"),  # the safe loader builds no objects
    ],
)
def test_unreadable_yaml(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(text, source="bad.yaml")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)


def test_overrides_apply_before_validation():
    cfg = parse_config(
        GOOD,
        overrides=[
            "sampler.draws=50",
            "channels[0].column=radio_spend",
            "adstock.alpha={dist: Beta, alpha: 1, beta: 2}",
            "seed=null",
        ],
    )
    assert cfg.sampler.draws == 50 and cfg.channels[0].column == "radio_spend"
    assert cfg.adstock.alpha.params == {"alpha": 1.0, "beta": 2.0} and cfg.seed is None
    assert apply_overrides({"a": {"b": 1}}, ["a.c.d=2"]) == {"a": {"b": 1, "c": {"d": 2}}}
    for bad, message in [
        ("sampler.draws", "must look like KEY=VALUE"),
        ("channels[9].column=x", r"no list item \[9\]"),
        ("seed.x=1", "'x' is not inside a mapping"),
        ("seed=[1", "not valid YAML"),
    ]:
        with pytest.raises(ConfigError, match=message):
            parse_config(GOOD, overrides=[bad])
    # an overridden value has no line in the file, and the problem names the override
    with pytest.raises(ConfigProblems, match=r"- sampler.draws: expected a value greater"):
        parse_config(GOOD, overrides=["sampler.draws=0"])
    found = problems_with_overrides(["nosuch.key=1", "sampler.draws=abc"])
    # before: "nosuch (line 9): unknown key", line 9 being the file's `name:`
    assert found["nosuch"].line is None and found["sampler.draws"].line is None
    assert found["nosuch"].message.endswith("(from 'nosuch.key=1')")
    assert found["sampler.draws"].message.endswith("(from 'sampler.draws=abc')")


def problems_with_overrides(overrides: list[str]) -> dict:
    with pytest.raises(ConfigProblems) as info:
        parse_config(GOOD, overrides=overrides)
    return {p.where: p for p in info.value.problems}


def test_config_paths_expand_folders(tmp_path):
    for name in ("b.yaml", "a.yml", "notes.txt"):
        (tmp_path / name).write_text(GOOD)
    assert [p.name for p in config_paths([tmp_path])] == ["a.yml", "b.yaml"]
    assert config_paths([tmp_path / "b.yaml", tmp_path / "b.yaml"]) == [tmp_path / "b.yaml"]
    with pytest.raises(ConfigError, match="no such config file or folder"):
        config_paths([tmp_path / "x.yaml"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"holds no \.yaml or \.yml config"):
        config_paths([tmp_path / "empty"])


def test_config_built_in_python_equals_the_yaml_one(tmp_path):
    cfg = parse_config(GOOD)  # relative paths start from the current folder, as in Python
    assert RunConfig.model_validate(cfg.model_dump()) == cfg
    # configs read from different folders differ: their relative paths point elsewhere
    assert parse_config(GOOD, base_dir=tmp_path) != cfg
    assert parse_config(GOOD, base_dir=tmp_path).model_dump() == cfg.model_dump()
