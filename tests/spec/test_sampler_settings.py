"""SamplerSettings: target_accept left unset is chosen from the model (spec/sampler.py)."""

import pytest
from pydantic import ValidationError

from mmm_bayes.spec import ModelSpec, SamplerSettings
from mmm_bayes.spec.sampler import DEFAULT_TARGET_ACCEPT, HIERARCHICAL_TARGET_ACCEPT

NATIONAL = {"kpi": "sales", "channels": ["tv", "search"]}


def test_unset_target_is_0_9_for_a_constant_effect_model():
    settings = SamplerSettings()
    assert settings.target_accept is None
    assert settings.for_model(ModelSpec.model_validate(NATIONAL)).target_accept == 0.9
    assert settings.for_model(None).target_accept == DEFAULT_TARGET_ACCEPT == 0.9


@pytest.mark.parametrize(
    "time_varying", [{"channels": ["search"]}, {"intercept": True}], ids=["channel", "intercept"]
)
def test_unset_target_is_0_95_when_coefficients_vary_over_time(time_varying):
    spec = ModelSpec.model_validate(NATIONAL | {"time_varying": time_varying})
    assert SamplerSettings().for_model(spec).target_accept == HIERARCHICAL_TARGET_ACCEPT == 0.95


def test_unset_target_is_0_95_for_a_geo_model():
    spec = ModelSpec.model_validate(NATIONAL | {"geo": {"column": "geo"}})
    assert SamplerSettings().for_model(spec).target_accept == 0.95


def test_a_given_target_is_kept():
    spec = ModelSpec.model_validate(NATIONAL | {"time_varying": {"channels": ["tv"]}})
    settings = SamplerSettings(target_accept=0.8)
    assert settings.for_model(spec) is settings


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.5])
def test_target_outside_0_1_is_refused_naming_the_field(bad):
    with pytest.raises(ValidationError, match="target_accept"):
        SamplerSettings(target_accept=bad)
