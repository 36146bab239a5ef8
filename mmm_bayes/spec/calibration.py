"""Experiment results that calibrate a model: lift tests (geo-lift, conversion-lift, go-dark).

A :class:`LiftTest` is one experiment on one channel: over the test window (``start`` to
``end``, both inclusive) the channel's spend changed, and the experiment measured the
incremental KPI with a standard error. Each test adds a likelihood term to the model: the
model's prediction of that lift, through the channel's adstock and saturation at the spend of
the test, is observed with the test's standard error (see docs/calibration.md).

The spend change is given one of two ways:

- ``spend_delta``: currency added to (positive) or removed from (negative, e.g. a go-dark or
  holdout test) the channel's spend over the window, relative to the spend the data hold.
  Predicted lift = KPI(data's spend + delta) - KPI(data's spend).
- ``spend``: the channel's spend during the window when the comparison is with no spend at all.
  Predicted lift = KPI(window spend = ``spend``) - KPI(window spend = 0).

Either total is spread over the window's periods in proportion to the channel's spend in the
data there (a 50% boost raises each period by half; a go-dark test removes each period's
spend), or evenly if the data hold no spend in the window. The lift counts the window's periods
only (carryover past ``end`` is not measured by most tests, so it is not predicted either).
"""

from __future__ import annotations

import datetime as dt
import math

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["LIFT_TEST_COLUMNS", "CalibrationConfig", "LiftTest"]

_FROZEN = ConfigDict(extra="forbid", frozen=True)


class LiftTest(BaseModel):
    """One experiment's result on one channel.

    Examples
    --------
    >>> LiftTest(channel="tv", start="2024-03-04", end="2024-04-22", spend_delta=200_000,
    ...          lift=310_000, lift_se=60_000).n_days
    50
    """

    model_config = _FROZEN
    channel: str = Field(description="Channel name, as in the model's `channels`.")
    start: dt.date = Field(description="First day of the test window.")
    end: dt.date = Field(description="Last day of the test window (inclusive).")
    geo: str | None = Field(
        None,
        description="Geo the test ran in (geo models only; leave empty for national models).",
    )
    spend_delta: float | None = Field(
        None,
        description=(
            "Spend added (positive) or removed (negative) over the window, currency units, "
            "relative to the spend in the data. Give this or `spend`."
        ),
    )
    spend: float | None = Field(
        None,
        description=(
            "Spend over the window when the comparison is with no spend at all (currency "
            "units). Give this or `spend_delta`."
        ),
    )
    lift: float = Field(description="Measured incremental KPI over the window, in KPI units.")
    lift_se: float = Field(description="Standard error of `lift`, in KPI units (> 0).")
    name: str | None = Field(None, description="Label in tables and plots; default channel+dates.")

    @model_validator(mode="after")
    def _check(self) -> LiftTest:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}; swap them")
        if (self.spend is None) == (self.spend_delta is None):
            raise ValueError(
                "give exactly one of `spend_delta` (spend change vs the data) and `spend` "
                "(spend vs none)"
            )
        for field in ("spend", "spend_delta", "lift", "lift_se"):
            value = getattr(self, field)
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{field}={value} must be a finite number")
        if not self.lift_se > 0:
            raise ValueError(
                f"lift_se={self.lift_se} must be > 0: a standard error is positive (an exact "
                "lift would be infinitely informative)"
            )
        if self.spend is not None and self.spend <= 0:
            raise ValueError(f"spend={self.spend} must be > 0 (use spend_delta for a decrease)")
        if self.spend_delta == 0:
            raise ValueError("spend_delta=0: a test that changes no spend cannot measure lift")
        return self

    @property
    def n_days(self) -> int:
        """Length of the window in days, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """``name``, else ``"<channel> <start>..<end>"``."""
        return self.name or f"{self.channel} {self.start}..{self.end}"


#: Columns of a lift-test table (CSV or DataFrame), in order; ``geo``, ``spend``/``spend_delta``
#: (one of them) and ``name`` may be left out.
LIFT_TEST_COLUMNS: tuple[str, ...] = tuple(LiftTest.model_fields)


class CalibrationConfig(BaseModel):
    """The ``calibration`` section of a run config."""

    model_config = _FROZEN
    lift_tests: str | list[LiftTest] = Field(
        default_factory=list,
        description=(
            "Lift-test results: a CSV file (columns channel, start, end, spend_delta or spend, "
            "lift, lift_se, optional geo and name; a relative path starts from the config "
            "file's folder) or a list of tests written inline."
        ),
    )
    compare_uncalibrated: bool = Field(
        False,
        description=(
            "Also fit the model without the lift tests (same seed) and report each test's "
            "predicted lift and each channel's ROAS before and after calibration. Doubles the "
            "fit time."
        ),
    )
