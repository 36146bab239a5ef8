"""Specs are data: frozen, validated pydantic models shared by Python and YAML."""

from mmm_bayes.spec.geo import GeoSpec, TimeVaryingSpec
from mmm_bayes.spec.model import (
    ChannelSpec,
    DelayedAdstock,
    GeometricAdstock,
    HillSaturation,
    LogisticSaturation,
    ModelSpec,
    NormalLikelihood,
    Seasonality,
    StudentTLikelihood,
    Trend,
)
from mmm_bayes.spec.priors import DISTRIBUTIONS, Prior, prior
from mmm_bayes.spec.run import DataConfig, RunConfig
from mmm_bayes.spec.sampler import SamplerSettings

__all__ = [
    "DISTRIBUTIONS",
    "ChannelSpec",
    "DataConfig",
    "DelayedAdstock",
    "GeoSpec",
    "GeometricAdstock",
    "HillSaturation",
    "LogisticSaturation",
    "ModelSpec",
    "NormalLikelihood",
    "Prior",
    "RunConfig",
    "SamplerSettings",
    "Seasonality",
    "StudentTLikelihood",
    "TimeVaryingSpec",
    "Trend",
    "prior",
]
