"""Lift tests as model inputs: each test's media with and without the test's spend change.

For test ``i`` on channel ``c`` over window periods ``t0..t1`` the model predicts::

    lift_i = kpi_scale * effect_c * sum_{t0 <= t <= t1} (r_c(treated)_t - r_c(base)_t)

where ``r_c`` is the channel's normalized saturated adstock (the media block's response).
``base`` is the media the data hold (or zero in the window, for a test given as ``spend``),
``treated`` adds the test's spend change spread over the window in proportion to the data's
spend there (evenly if the data hold none, see :func:`spread`). Both series keep the
spend before the window, so the carryover already built up sets the saturation level at which
the test ran, and both are pre-shifted into lags here, so the graph only weights and sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mmm_bayes.errors import DataError
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec
from mmm_bayes.spec.calibration import LiftTest
from mmm_bayes.transforms import lag_stack

__all__ = ["LiftInputs", "build_lift_inputs", "spread"]


@dataclass(frozen=True)
class LiftInputs:
    """Lift tests as arrays, padded to the longest window.

    Attributes
    ----------
    tests : tuple of LiftTest
        The tests, in order.
    channel_idx : ndarray of int, shape (test,)
        Index of each test's channel in the inputs' channels.
    base, treated : ndarray, shape (test, period, lag)
        Lagged media (units of the channel's mean) of the window's periods without and with the
        test's spend change; zero in padded periods.
    mask : ndarray, shape (test, period)
        1.0 for the window's periods, 0.0 for padding.
    lift, lift_se : ndarray, shape (test,)
        Measured lift and its standard error, KPI units.
    periods : tuple of (int, int)
        First and last period index of each window in the data.
    """

    tests: tuple[LiftTest, ...]
    channel_idx: np.ndarray
    base: np.ndarray
    treated: np.ndarray
    mask: np.ndarray
    lift: np.ndarray
    lift_se: np.ndarray
    periods: tuple[tuple[int, int], ...]

    @property
    def labels(self) -> list[str]:
        """Test labels, made unique with a suffix where two tests share one."""
        labels = [t.label for t in self.tests]
        return [f"{lab} #{i}" if labels.count(lab) > 1 else lab for i, lab in enumerate(labels)]

    @property
    def shape_key(self) -> tuple[int, int]:
        """Sizes that fix the compiled model's structure: tests and longest window."""
        return self.mask.shape


def build_lift_inputs(
    spec: ModelSpec, inputs: ModelInputs, tests: Sequence[LiftTest]
) -> LiftInputs | None:
    """Turn lift tests into the arrays the calibration block observes; None if no tests.

    Raises
    ------
    DataError
        Naming the test when its channel is unknown, its window lies outside the data or is
        shorter than one period, it names a geo in a national model, or it removes more spend
        than the data hold in its window.
    """
    if not tests:
        return None
    if spec.geo is not None:
        raise DataError(
            "lift tests cannot calibrate a geo model yet; fit the tests with a national model "
            "(geo sums), or fit the geo model without them"
        )
    period_days = _period_days(inputs)
    rows, problems = [], []
    for i, test in enumerate(tests):
        try:
            rows.append(_one_test(spec, inputs, test, period_days))
        except DataError as err:
            problems.append(f"lift test {i} ({test.label}): {err}")
    if problems:
        raise DataError("\n".join(problems))
    n_max = max(t1 - t0 + 1 for _, (t0, t1), _, _ in rows)
    l_max = spec.adstock.l_max
    base = np.zeros((len(rows), n_max, l_max))
    treated = np.zeros_like(base)
    mask = np.zeros((len(rows), n_max))
    for k, (_, (t0, t1), b, tr) in enumerate(rows):
        n = t1 - t0 + 1
        base[k, :n], treated[k, :n], mask[k, :n] = b, tr, 1.0
    return LiftInputs(
        tests=tuple(tests),
        channel_idx=np.array([c for c, _, _, _ in rows], dtype=int),
        base=base,
        treated=treated,
        mask=mask,
        lift=np.array([t.lift for t in tests], dtype=float),
        lift_se=np.array([t.lift_se for t in tests], dtype=float),
        periods=tuple(p for _, p, _, _ in rows),
    )


def _period_days(inputs: ModelInputs) -> float:
    if len(inputs.dates) < 2:
        return 1.0
    return float(np.median(np.diff(inputs.dates.values).astype("timedelta64[D]").astype(float)))


def _one_test(spec: ModelSpec, inputs: ModelInputs, test: LiftTest, period_days: float):
    if test.channel in spec.rf_channels:
        raise DataError(
            f"channel {test.channel!r} is measured by reach and frequency, and lift tests of "
            "such channels are not available yet; calibrate it with an `effect` prior, or "
            "model it by impressions (`column`, `spend_column`)"
        )
    if test.channel not in inputs.channels:
        raise DataError(
            f"unknown channel {test.channel!r}; the model's channels are {list(inputs.channels)}"
        )
    if spec.time_varying is not None and test.channel in spec.time_varying.channels:
        raise DataError(
            f"channel {test.channel!r} is time-varying; lift tests calibrate constant effects "
            "only for now: drop the test or make the channel constant"
        )
    if test.geo is not None:
        raise DataError(
            f"geo {test.geo!r} is set but the model is national; leave `geo` empty (the "
            "test's lift then calibrates the national curve)"
        )
    if test.n_days < period_days:
        raise DataError(
            f"the window {test.start}..{test.end} ({test.n_days} days) is shorter than one "
            f"period of the data ({period_days:g} days); a lift test must span whole periods"
        )
    dates = inputs.dates.normalize()
    first, last = dates[0].date(), (dates[-1] + np.timedelta64(int(period_days) - 1, "D")).date()
    if test.start < first or test.end > last:
        raise DataError(
            f"the window {test.start}..{test.end} is outside the data ({first}..{last}); "
            "drop the test or extend the data"
        )
    inside = np.flatnonzero((dates.date >= test.start) & (dates.date <= test.end))
    if inside.size == 0:
        raise DataError(f"no period starts within {test.start}..{test.end}")
    t0, t1 = int(inside[0]), int(inside[-1])
    c = inputs.channels.index(test.channel)
    x = inputs.media_scaled[:, c]
    per_currency = _media_per_currency(inputs, c, t0, t1)  # scaled media per currency unit
    share = spread(inputs.spend[t0 : t1 + 1, c])
    base, treated = x.copy(), x.copy()
    if test.spend is not None:
        base[t0 : t1 + 1] = 0.0
        treated[t0 : t1 + 1] = test.spend * per_currency * share
    else:
        treated[t0 : t1 + 1] += test.spend_delta * per_currency * share
        if np.any(treated < -1e-9):
            have = inputs.spend[t0 : t1 + 1, c].sum()
            raise DataError(
                f"spend_delta={test.spend_delta:g} removes more than the {have:g} the data "
                f"hold for {test.channel!r} in the window; check the sign and the amount"
            )
        treated = np.maximum(treated, 0.0)
    window = slice(t0, t1 + 1)
    return (
        c,
        (t0, t1),
        lag_stack(base, spec.adstock.l_max)[window],
        (lag_stack(treated, spec.adstock.l_max)[window]),
    )


def spread(window_spend: np.ndarray) -> np.ndarray:
    """How a test's spend total is spread over its window's periods (shares summing to one).

    In proportion to the spend the data hold in the window (a 50% boost raises every period by
    half, a go-dark test removes each period's spend), evenly where the data hold none.
    """
    window_spend = np.asarray(window_spend, dtype=float)
    total = window_spend.sum()
    if total > 0:
        return window_spend / total
    return np.full(len(window_spend), 1.0 / len(window_spend))


def _media_per_currency(inputs: ModelInputs, c: int, t0: int, t1: int) -> float:
    """Return the scaled media per currency unit of spend.

    That is 1/mean spend for a spend channel; for an exposure channel, the window's exposure
    per currency unit (the whole data's if the window spent nothing) over the mean exposure.
    """
    spend, media = inputs.spend[t0 : t1 + 1, c].sum(), inputs.media[t0 : t1 + 1, c].sum()
    if spend <= 0:
        spend, media = inputs.spend[:, c].sum(), inputs.media[:, c].sum()
    return float(media / spend / inputs.media_scale[c])
