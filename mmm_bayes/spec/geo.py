"""Geo hierarchies and time-varying coefficients (docs/geo.md, docs/time_varying.md).

A geo model fits a long panel, one row per geo and date. Each geo's KPI is divided by its own
scale (its KPI mean, or its share of a population column times the KPI mean per head), so every
geo sits near 1 and its parameters are comparable: per-geo levels, media effects and control
effects are partially pooled toward national means, with the spread across geos learnt from the
data (``*_sd`` priors). Adstock and saturation are shared across geos unless
``per_geo_transforms`` asks for geo deviations of them too.

A time-varying coefficient multiplies a channel's effect by ``exp(w_t)``, where ``w`` is a
Gaussian random walk centred on zero over the window (so the channel's ``effect`` is its
effect at the window's geometric-average multiplier); the intercept may drift additively.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mmm_bayes.spec.priors import Prior, prior

__all__ = ["GeoSpec", "TimeVaryingSpec"]

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class GeoSpec(BaseModel):
    """A hierarchical geo model: ``{column: geo, scale_column: population}``."""

    model_config = _FROZEN
    column: str = Field(description="Geo column: one row per geo and date in the data.")
    scale_column: str | None = Field(
        None,
        description=(
            "Column of each geo's size, e.g. population (>= 0, constant or varying over time). "
            "Each geo's KPI scale is its mean size share x the panel's KPI per unit of size. "
            "Default: each geo's own KPI mean."
        ),
    )
    centered: bool = Field(
        False,
        description=(
            "Centered parameterization of the geo deviations. The default non-centered one "
            "samples better when geos carry little information each (the usual case)."
        ),
    )
    level_centered: bool | None = Field(
        None,
        description=(
            "Centered parameterization of the geo levels (intercepts); media and control "
            "deviations follow `centered`. Default: centered with a `scale_column` (each geo's "
            "series pins down a level of its own, where the centered form samples better), "
            "non-centered without one (every geo's KPI is divided by its own mean, so the "
            "levels sit at 1 and their spread near 0, where the non-centered form does; "
            "docs/geo.md)."
        ),
    )

    @property
    def centered_levels(self) -> bool:
        """Whether the geo levels are centered: ``level_centered``, or its default."""
        if self.level_centered is not None:
            return self.level_centered
        return self.scale_column is not None

    per_geo_transforms: bool = Field(
        False,
        description=(
            "Give each geo its own adstock and saturation parameters, pooled toward the "
            "national ones (spread `transform_sd`). Default: shared across geos."
        ),
    )
    level_sd: Prior = Field(
        prior("HalfNormal", sigma=0.2),
        description="Spread of the geo levels around the national level, in units of geo KPI.",
    )
    effect_sd: Prior = Field(
        prior("HalfNormal", sigma=0.3),
        description=(
            "Spread of each channel's geo effects around the national effect, on the log "
            "scale (0.3: geo effects mostly within x/÷ 1.8 of the national one)."
        ),
    )
    control_sd: Prior = Field(
        prior("HalfNormal", sigma=0.1),
        description="Spread of the geo control coefficients around the national ones.",
    )
    transform_sd: Prior = Field(
        prior("HalfNormal", sigma=0.2),
        description=(
            "Spread of geo adstock/saturation parameters around the national ones (logit scale "
            "for retention, log scale for the others); only with per_geo_transforms."
        ),
    )


class TimeVaryingSpec(BaseModel):
    """Channels (and the intercept) whose coefficients drift: ``{channels: [tv]}``."""

    model_config = _FROZEN
    channels: list[str] = Field(
        default_factory=list,
        description="Channel names whose effect multiplies by exp(random walk) over time.",
    )
    intercept: bool = Field(
        False,
        description=(
            "Let the baseline level drift as a random walk (consider trend.enabled: false, "
            "which the drift subsumes)."
        ),
    )
    method: Literal["random_walk", "knots"] = Field(
        "random_walk",
        description=(
            "random_walk: one innovation per period; knots: a random walk on knots every "
            "`knot_every` periods, linearly interpolated (smoother and cheaper for long "
            "series)."
        ),
    )
    knot_every: int = Field(4, ge=2, le=104, description="Periods between knots (method: knots).")
    innovation_sd: Prior = Field(
        prior("HalfNormal", sigma=0.05),
        description=(
            "Per-period innovation scale of a channel's log-multiplier (0.05: about ±50% drift "
            "over two years of weeks at most)."
        ),
    )
    intercept_sd: Prior = Field(
        prior("HalfNormal", sigma=0.02),
        description="Per-period innovation scale of the intercept drift, in mean-KPI units.",
    )
