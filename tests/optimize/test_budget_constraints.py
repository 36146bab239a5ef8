"""Constraints: how rules become bounds, infeasible sets found with clear messages, starts."""

import numpy as np
import pytest

from mmm_bayes.optimize.constraints import (
    InfeasibleBudgetError,
    binding_status,
    check_feasible,
    feasible_starts,
    project,
    resolve_constraints,
)
from mmm_bayes.spec.budget import budget_problem

CH = ("tv", "search", "radio")
CUR = np.array([100.0, 50.0, 20.0])


def resolve(**kw):
    return resolve_constraints(budget_problem(**kw), CH, CUR)


def test_defaults_spend_the_current_total_with_open_bounds():
    c = resolve()
    assert c.total == 170.0 and c.total_mode == "equal"
    np.testing.assert_array_equal(c.lower, 0.0)
    assert np.isinf(c.upper).all() and not c.fixed.any()


def test_currency_ratio_and_max_change_bounds_take_the_tightest():
    c = resolve(
        max_change=0.3,
        channels={"tv": {"min": 90, "max": 200}, "search": {"max_ratio": 1.1, "min_ratio": 0.5}},
    )
    np.testing.assert_allclose(c.lower, [90, 35, 14])  # tv min beats 70; 0.7x search beats 0.5x
    np.testing.assert_allclose(c.upper, [130, 55, 26])  # 1.3x tv beats 200; 1.1x search
    assert c.lower_why[0] == "channels.tv.min" and "max_change=0.3" in c.upper_why[0]
    assert "max_ratio=1.1" in c.upper_why[1]


def test_fixed_channels_pin_the_spend():
    c = resolve(fixed={"tv": 80.0, "radio": "current"}, max_change=0.1)
    np.testing.assert_allclose(c.lower[[0, 2]], [80, 20])
    np.testing.assert_allclose(c.upper[[0, 2]], [80, 20])  # fixed overrides max_change
    assert c.fixed.tolist() == [True, False, True]


def test_groups_and_total_modes_become_linear_rows():
    c = resolve(
        total=150,
        total_mode="at_most",
        groups=[{"name": "g", "channels": ["tv", "radio"], "max": 90}],
    )
    A, lb, ub, names = c.linear_rows()
    np.testing.assert_array_equal(A, [[1, 1, 1], [1, 0, 1]])
    assert lb[0] == -np.inf and ub.tolist() == [150, 90]
    assert names[1] == "group 'g'"


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (
            {"channels": {"tv": {"min": 150}}, "max_change": 0.2},
            r"tv: lower 150 \(channels.tv.min\) > upper 120 \(max_change=0.2 of current 100\)",
        ),
        (
            {"total": 100, "channels": {"tv": {"min": 80}, "search": {"min": 40}}},
            r"lower bounds add up to 120, more than the total budget 100.*"
            r"tv 80 \(channels.tv.min\)",
        ),
        (
            {"total": 300, "max_change": 0.3},
            r"upper bounds add up to 221, less than the total budget 300 that must be spent",
        ),
        (
            {"groups": [{"name": "g", "channels": ["search", "radio"], "min": 100}],
             "channels": {"search": {"max": 40}, "radio": {"max": 30}}},
            r"group 'g' must spend at least 100, but its channels' upper bounds add up to 70",
        ),
        (
            {"groups": [{"name": "g", "channels": ["tv", "radio"], "max": 50}],
             "channels": {"tv": {"min": 60}}},
            r"group 'g' may spend at most 50, but its channels' lower bounds add up to 60",
        ),
        (
            # each rule alone is satisfiable; together they are not: the LP catches it
            {"total": 170, "groups": [{"name": "a", "channels": ["tv", "search"], "max": 100},
                                      {"name": "b", "channels": ["radio"], "max": 30}]},
            r"cannot all hold at once.*group 'a'.*group 'b'",
        ),
    ],
    ids=["channel", "total-low", "total-high", "group-floor", "group-cap", "joint"],
)  # fmt: skip
def test_infeasible_constraints_raise_clear_errors(kw, match):
    with pytest.raises(InfeasibleBudgetError, match=match):
        check_feasible(resolve(**kw))


def test_at_most_total_does_not_need_the_caps_to_reach_it():
    check_feasible(resolve(total=300, total_mode="at_most", max_change=0.3))  # no error


def test_starts_are_feasible_and_distinct():
    c = resolve(max_change=0.5, groups=[{"name": "g", "channels": ["tv", "search"], "max": 145}])
    starts = feasible_starts(c, 6, np.random.default_rng(0))
    assert len(starts) == 6
    for x in starts:
        assert c.violation(x) < 1e-6
    assert len({tuple(np.round(x, 6)) for x in starts}) == 6
    # the first start is the current allocation moved onto the group cap, the nearest point
    np.testing.assert_allclose(starts[0].sum(), 170, rtol=1e-9)
    assert starts[0][:2].sum() == pytest.approx(145, rel=1e-6)


def test_projection_keeps_a_feasible_point():
    c = resolve()
    np.testing.assert_allclose(project(c, CUR), CUR)


def test_binding_status_names_each_reason():
    c = resolve(
        fixed={"radio": 20.0},
        channels={"tv": {"max": 110}},
        groups=[{"name": "g", "channels": ["tv", "search"], "max": 150}],
    )
    assert binding_status(c, np.array([110.0, 40.0, 20.0])) == [
        "at upper bound", "group 'g' at its max", "fixed",
    ]  # fmt: skip
    assert binding_status(c, np.array([100.0, 0.0, 20.0]))[:2] == ["free", "at lower bound"]
