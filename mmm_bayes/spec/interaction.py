"""Channel overlaps: an interaction term between two channels' saturated media effects.

``interaction_t = coef * r_a(t) * r_b(t) * overlap_t`` (scaled KPI), where ``r_c`` is channel
``c``'s adstocked, saturated media divided by its value at steady mean spend (1 at mean spend,
as in the media block) and ``overlap_t`` a measured audience overlap divided by its window mean
(1 without an overlap column). ``coef`` is the extra KPI per period, in units of the mean KPI,
when both channels run at their mean spend (and the overlap at its mean): positive is synergy,
negative cannibalization.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mmm_bayes.spec.priors import Prior, prior

__all__ = ["ChannelInteraction"]


class ChannelInteraction(BaseModel):
    """Two channels whose audiences overlap, e.g. ``{channels: [youtube, facebook]}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    channels: tuple[str, str] = Field(
        description="The two channel names (as in `channels`), e.g. [youtube, facebook]."
    )
    overlap_column: str | None = Field(
        None,
        description=(
            "Column of measured audience overlap per period (>= 0, e.g. the share of reach "
            "seen on both); the term scales with it (divided by its mean). Default: constant."
        ),
    )
    coef: Prior = Field(
        prior("Normal", mu=0, sigma=0.1),
        description=(
            "Extra KPI per period when both channels run at mean spend, in units of the mean "
            "KPI; sign free (> 0 synergy, < 0 cannibalization)."
        ),
    )

    @field_validator("channels")
    @classmethod
    def _two_channels(cls, channels: tuple[str, str]) -> tuple[str, str]:
        if channels[0] == channels[1]:
            raise ValueError(f"an interaction needs two different channels, got {channels}")
        return channels

    @property
    def name(self) -> str:
        """Label in results: ``"youtube:facebook"``."""
        return ":".join(self.channels)


def check_interactions(spec) -> None:
    """Check a ModelSpec's interactions: known, distinct channels; overlap columns of their own.

    Raises
    ------
    ValueError
        Naming the interaction (``interactions.0``) and the fix.
    """
    names = set(spec.channel_names)
    seen: set[frozenset[str]] = set()
    taken = {spec.kpi, *spec.channel_columns, *spec.spend_columns, *spec.controls}
    for i, inter in enumerate(spec.interactions):
        unknown = [c for c in inter.channels if c not in names]
        if unknown:
            raise ValueError(
                f"interactions.{i}: channel(s) {unknown} are not channel names; the channels "
                f"are {sorted(names)}"
            )
        pair = frozenset(inter.channels)
        if pair in seen:
            raise ValueError(f"interactions.{i}: the pair {list(inter.channels)} is repeated")
        seen.add(pair)
        if inter.overlap_column in taken:
            raise ValueError(
                f"interactions.{i}: overlap_column {inter.overlap_column!r} is already the KPI, "
                "a media, spend or control column; give the overlap its own column"
            )
    families = {i.coef.dist for i in spec.interactions}
    if len(families) > 1:
        raise ValueError(
            f"interactions use different distribution families for coef ({sorted(families)}); "
            "use one family (the parameters of each interaction's prior may differ)"
        )
