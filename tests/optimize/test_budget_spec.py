"""The budget problem schema: YAML, shorthands, overrides and error messages with paths."""

import re
from pathlib import Path

import pytest
import yaml

from mmm_bayes.errors import ConfigError
from mmm_bayes.spec.budget import (
    BudgetProblem,
    LowerQuantile,
    budget_problem,
    channel_problems,
    check_channels,
    load_budget_problem,
)

YAML = """
periods: 8
total: 500000
max_change: 0.3
channels:
  tv: {min: 100000, max: 300000}
  radio: {fixed: current}
  search: {min_ratio: 1.0}
groups:
  - {name: digital, channels: [search, social, display], max: 200000}
objective: {kind: lower_quantile, quantile: 0.2}
"""


def test_yaml_round_trip(tmp_path):
    path = tmp_path / "budget.yaml"
    path.write_text(YAML)
    p = load_budget_problem(path)
    assert p.periods == 8 and p.total == 500_000 and p.max_change == 0.3
    assert p.channels["tv"].max == 300_000 and p.channels["radio"].fixed == "current"
    assert p.groups[0].channels == ["search", "social", "display"]
    assert p.objective == LowerQuantile(quantile=0.2)
    assert BudgetProblem.model_validate(p.model_dump()) == p


def test_every_error_is_named_by_its_path(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "periods: 0\nchannels:\n  tv: {max_ratio: -1}\nobjective: {kind: kpi_target}\ntotl: 5\n"
    )
    with pytest.raises(ConfigError) as err:
        load_budget_problem(path)
    msg = str(err.value)
    assert str(path) in msg
    for where in ("periods", "channels.tv.max_ratio", "objective.kpi_target.target", "totl"):
        assert where in msg, where
    assert "4 problems" in msg


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"channels": {"tv": {"min": 5, "max": 1}}}, r"min=5 exceeds max=1"),
        ({"channels": {"tv": {"fixed": 1, "max": 3}}}, r"'fixed' excludes the other bounds"),
        ({"groups": [{"name": "g", "channels": ["a"]}]}, r"group 'g' needs 'min' and/or 'max'"),
        ({"groups": [{"name": "g", "channels": ["a", "a"], "max": 1}]}, r"lists channel"),
        ({"pattern": {"tv": [1, 2]}, "periods": 3}, r"pattern of 'tv' has 2 weights; periods"),
        ({"objective": "expected_kpis"}, r"did you mean 'expected_kpi'"),
        ({"objective": "kpi_target"}, r"needs a target"),
        ({"objective": {"kind": "lower_quantile", "quantile": 0.7}}, r"quantile"),
        ({"total": -3}, r"total: Input should be greater than 0"),
    ],
)
def test_bad_problems_say_what_is_wrong(data, match):
    with pytest.raises(ConfigError, match=match):
        budget_problem(data)


def test_missing_and_non_mapping_files(tmp_path):
    with pytest.raises(ConfigError, match="no such constraints file"):
        load_budget_problem(tmp_path / "nope.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_budget_problem(tmp_path / "list.yaml")
    (tmp_path / "broken.yaml").write_text("a: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_budget_problem(tmp_path / "broken.yaml")


def test_keyword_overrides_merge_into_a_base(tmp_path):
    path = tmp_path / "budget.yaml"
    path.write_text(YAML)
    p = budget_problem(path, total=9e5, bounds={"social": (None, 5e4)}, fixed={"tv": 2e5})
    assert p.total == 9e5 and p.periods == 8  # override and kept field
    assert p.channels["social"].max == 5e4 and p.channels["social"].min is None
    assert p.channels["tv"].fixed == 2e5  # fixed replaces the file's tv bounds
    assert p.channels["search"].min_ratio == 1.0


def test_default_total_mode_follows_the_objective():
    assert budget_problem().resolved_total_mode == "equal"
    target = budget_problem(objective={"kind": "kpi_target", "target": 10})
    assert target.resolved_total_mode == "at_most" and target.spend_is_chosen


def test_unknown_channels_get_a_suggestion():
    p = budget_problem(
        bounds={"serach": (0, 1)}, groups=[{"name": "g", "channels": ["tvv"], "max": 1}]
    )
    with pytest.raises(ConfigError, match=r"channels.serach: 'serach' \(did you mean 'search'\?\)"):
        check_channels(p, ["tv", "search"])
    with pytest.raises(ConfigError, match=r"groups.g.channels: 'tvv' \(did you mean 'tv'\?\)"):
        check_channels(p, ["tv", "search"])
    with pytest.raises(ConfigError, match=r"'current' must give every channel's spend; missing"):
        check_channels(budget_problem(current={"tv": 1.0}), ["tv", "search"])


def test_the_yaml_in_the_docs_is_a_valid_problem():
    docs = Path(__file__).resolve().parents[2] / "docs" / "optimizer.md"
    blocks = re.findall(r"```yaml\n(.*?)```", docs.read_text(), flags=re.S)
    assert blocks
    for text in blocks:
        p = budget_problem(yaml.safe_load(text))
        check_channels(p, ["tv", "search", "social", "display", "radio"])


def test_one_fixed_channel_name_is_a_list_of_one():
    # it used to be iterated as letters: "unknown channel(s) channels.t: 't'"
    assert budget_problem(fixed="tv").channels == budget_problem(fixed=["tv"]).channels
    assert budget_problem(fixed="tv").channels["tv"].fixed == "current"
    with pytest.raises(ConfigError, match=r"^fixed: give a channel name, a list of names"):
        budget_problem(fixed=5)


@pytest.mark.parametrize("pair", [(1, 2, 3), (1,), 5, "ab", {"min": 1, "max": 2}])
def test_bounds_that_are_not_pairs_name_the_channel(pair):
    # (1, 2, 3) used to raise "too many values to unpack (expected 2)"
    with pytest.raises(ConfigError, match=r"^bounds\['tv'\]: got .*: bounds are \(lower, upper\)"):
        budget_problem(bounds={"tv": pair})


def test_unknown_channels_come_with_the_other_problems_of_a_file(tmp_path):
    # the channel check ran only after validation passed, so a file's second problem was lost
    path = tmp_path / "typo.yaml"
    path.write_text("max_chnge: 0.3\nchannels:\n  tv: {min: 100}\n  serach: {max: 1000}\n")
    for load in (load_budget_problem, budget_problem):
        with pytest.raises(ConfigError) as err:
            load(path, model_channels=["tv", "search"])
        msg = str(err.value)
        assert msg.startswith(f"{path}: 2 problems in the budget problem:")
        assert "\n  max_chnge: Extra inputs are not permitted" in msg
        assert "\n  channels.serach: 'serach' (did you mean 'search'?): not one of" in msg


def test_channel_problems_read_unvalidated_data():
    data = {"channels": {"tvv": {}}, "current": {"tv": 1}, "groups": [{"channels": ["x"]}, 3]}
    assert channel_problems(data, ["tv", "search"]) == [
        "channels.tvv: 'tvv' (did you mean 'tv'?): not one of the model's channels "
        "['tv', 'search']",
        "groups.0.channels: 'x': not one of the model's channels ['tv', 'search']",
        "current: must give every channel's spend; missing ['search']",
    ]
