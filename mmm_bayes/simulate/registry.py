"""The named scenarios: ``scenario("omitted_confounder", random_seed=3)``.

>>> from mmm_bayes.simulate import scenario, scenario_names
>>> "mediator" in scenario_names()
True
>>> s = scenario("baseline", random_seed=1)
>>> sorted(s.truth.true_roas)
['search', 'social', 'tv']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mmm_bayes.simulate.causal import (
    CausalGraph,
    Scenario,
    baseline,
    collinear_channels,
    mediator,
    omitted_confounder,
)
from mmm_bayes.simulate.geo import drifting_random_walk, geo_hierarchy
from mmm_bayes.simulate.structural import (
    daily_weekly,
    drifting_coefficient,
    geo_panel,
    structural_break,
)


@dataclass(frozen=True)
class PendingScenario:
    """A scenario whose simulator waits on another part of the toolkit.

    Parameters
    ----------
    name : str
        Registry name.
    needs : str
        What it waits for, and where the simulator will come from.
    """

    name: str
    needs: str


def lift_test(*, random_seed: int | np.random.Generator = 0, n_weeks: int = 104) -> Scenario:
    """Two collinear channels and a go-dark lift test on one of them (issue 5's simulation).

    Graph::

        flights (latent) -> tv_spend, online_video_spend
        tv_spend, online_video_spend, search_spend, price_index, promo -> sales
        tv_spend (test window) -> measured lift

    The data are :func:`mmm_bayes.simulate.calibration.collinear_lift`: ``tv`` and
    ``online_video`` are bought in the same flights (spend correlation about 0.9), so the KPI
    barely splits their effect; the lift test (``extra["lift_tests"]``, the table
    ``MMM.fit(lift_tests=...)`` reads) measures TV's effect directly. A correct model includes
    ``price_index`` and ``promo``, and is fitted with and without the lift test.
    """
    from mmm_bayes.simulate.calibration import collinear_lift  # issue 5's simulator

    data, truth, tests = collinear_lift(random_seed=random_seed, n_weeks=n_weeks)
    media = [(c.spend_column, truth.kpi) for c in truth.channels]
    edges = [("flights", "tv_spend"), ("flights", "online_video_spend"), *media]
    edges += [("price_index", truth.kpi), ("promo", truth.kpi), ("tv_spend", "measured_lift")]
    return Scenario(
        name="lift_test",
        data=data,
        truth=truth,
        graph=CausalGraph(tuple(edges), latent=("flights",)),
        controls=("price_index", "promo"),
        feature="lift_test",
        description=(
            "TV and online video are bought together, so the data alone hardly split their "
            "effect; a go-dark lift test on TV measures it directly. Fitted with the lift test "
            "(spec `lift`) and without it (spec `no_lift`)."
        ),
        extra={"lift_tests": tests, "spend_correlation": truth.meta.get("spend_correlation")},
    )


#: Every named scenario, in the order the validation report lists them.
SCENARIOS: dict[str, Callable[..., Scenario] | PendingScenario] = {
    "baseline": baseline,
    "omitted_confounder": omitted_confounder,
    "mediator": mediator,
    "collinear_channels": collinear_channels,
    "lift_test": lift_test,
    "geo_panel": geo_panel,
    "drifting_coefficient": drifting_coefficient,
    "daily_weekly": daily_weekly,
    "structural_break": structural_break,
    "geo_hierarchy": geo_hierarchy,
    "drifting_random_walk": drifting_random_walk,
}


def scenario_names(*, available_only: bool = False) -> list[str]:
    """Names of the registered scenarios (only those that can be simulated now, if asked)."""
    return [
        n for n, s in SCENARIOS.items() if not (available_only and isinstance(s, PendingScenario))
    ]


def scenario(name: str, *, random_seed: int | np.random.Generator = 0, **options) -> Scenario:
    """Simulate the named scenario.

    Parameters
    ----------
    name : str
        One of :func:`scenario_names`.
    random_seed : int or numpy.random.Generator, default 0
        Seed of spend, controls and noise.
    **options
        Scenario options (``n_weeks``, and the knobs each scenario documents).

    Returns
    -------
    Scenario
        Data, truth, causal graph and the controls a correct model must (not) include.

    Raises
    ------
    KeyError
        For an unknown name (the message lists the known ones).
    NotImplementedError
        For a scenario that waits on another feature (``lift_test``: issue 5).
    """
    if name not in SCENARIOS:
        raise KeyError(f"no scenario {name!r}; the scenarios are {scenario_names()}")
    make = SCENARIOS[name]
    if isinstance(make, PendingScenario):
        raise NotImplementedError(f"scenario {name!r} needs {make.needs}")
    return make(random_seed=random_seed, **options)
