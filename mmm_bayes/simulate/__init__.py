"""Simulated data with known truth: spend patterns, controls, the KPI process and scenarios.

>>> from mmm_bayes.simulate import example_weekly
>>> data, truth = example_weekly()
>>> sorted(truth.true_roas)
['display', 'radio', 'search', 'social', 'tv']
"""

from mmm_bayes.simulate.causal import CausalGraph, Scenario
from mmm_bayes.simulate.controls import price_index, promo_events
from mmm_bayes.simulate.export import write_dataset
from mmm_bayes.simulate.geo import drifting_random_walk, geo_hierarchy, geo_sizes, geo_weekly
from mmm_bayes.simulate.media import (
    AlwaysOn,
    Flighted,
    SeasonalPulses,
    SpendPattern,
    simulate_spend,
)
from mmm_bayes.simulate.reach_frequency import (
    RFChannelTruth,
    optimal_frequency,
    reach_frequency_weekly,
    rf_contribution,
)
from mmm_bayes.simulate.registry import SCENARIOS, scenario, scenario_names
from mmm_bayes.simulate.scenarios import (
    EXAMPLE_BASELINE,
    EXAMPLE_CHANNELS,
    EXAMPLE_SPEND,
    example_weekly,
    simulate_kpi,
)
from mmm_bayes.simulate.truth import (
    ChannelTruth,
    Truth,
    channel_contribution,
    fourier_seasonality,
    linear_trend,
    true_roas,
)

__all__ = [
    "EXAMPLE_BASELINE",
    "EXAMPLE_CHANNELS",
    "EXAMPLE_SPEND",
    "SCENARIOS",
    "AlwaysOn",
    "CausalGraph",
    "ChannelTruth",
    "Flighted",
    "RFChannelTruth",
    "Scenario",
    "SeasonalPulses",
    "SpendPattern",
    "Truth",
    "channel_contribution",
    "drifting_random_walk",
    "example_weekly",
    "fourier_seasonality",
    "geo_hierarchy",
    "geo_sizes",
    "geo_weekly",
    "linear_trend",
    "optimal_frequency",
    "price_index",
    "promo_events",
    "reach_frequency_weekly",
    "rf_contribution",
    "scenario",
    "scenario_names",
    "simulate_kpi",
    "simulate_spend",
    "true_roas",
    "write_dataset",
]
