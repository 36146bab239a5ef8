"""The known truth behind a simulated data set, and the pure functions that define it.

The data generating process of the simulated scenarios is, per period ``t`` of ``n``::

    kpi_t = intercept + trend_slope * t / (n - 1)
            + sum_k a_k sin(2 pi k doy_t / 365.25) + b_k cos(2 pi k doy_t / 365.25)
            + sum_j gamma_j control_{j,t}
            + sum_c beta_c * hill(geometric_adstock(spend_c / scale_c, alpha_c, l_max_c), K_c, S_c)
            + noise_t,            noise_t ~ Normal(0, sigma)

with normalized adstock weights, ``scale_c`` the mean of the channel's spend over the window
(zero weeks included) and ``beta_c`` in KPI units. True ROAS follows :func:`true_roas`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm_bayes.errors import DataError
from mmm_bayes.transforms import geometric_adstock, hill

if TYPE_CHECKING:  # reach_frequency builds on this module, so it is imported late at run time
    from mmm_bayes.simulate.reach_frequency import RFChannelTruth


def channel_contribution(
    spend: np.ndarray,
    *,
    alpha: np.ndarray | float,
    l_max: int,
    K: np.ndarray | float,
    S: np.ndarray | float,
    beta: np.ndarray | float,
    scale: np.ndarray | float,
    extend: bool = True,
) -> np.ndarray:
    """KPI contribution of one channel: ``beta * hill(geometric_adstock(spend / scale), K, S)``.

    Parameters
    ----------
    spend : ndarray, shape (..., n_periods)
        Spend in currency units, time on the last axis; spend before period 0 is zero.
    alpha : float or ndarray
        Adstock retention in [0, 1), broadcasting against ``spend.shape[:-1]``.
    l_max : int
        Longest carryover, in periods (normalized weights ``alpha**lag / sum``).
    K : float or ndarray
        Hill half-saturation point, in units of ``scale``.
    S : float or ndarray
        Hill shape, > 0.
    beta : float or ndarray
        Contribution at full saturation, in KPI units per period.
    scale : float or ndarray
        Spend scale (the mean spend over the window), in currency units.
    extend : bool, default True
        Append ``l_max - 1`` zero-spend periods so carryover landing after the window counts.

    Returns
    -------
    ndarray, shape (..., n_periods + l_max - 1) if ``extend`` else (..., n_periods)
        Contribution per period, in KPI units.

    Examples
    --------
    >>> c = channel_contribution(np.array([2.0, 0.0]), alpha=0.5, l_max=2, K=1.0, S=1.0,
    ...                          beta=3.0, scale=1.0)
    >>> c.round(3).tolist()
    [1.714, 1.2, 0.0]
    """
    x = np.asarray(spend, dtype=float) / np.asarray(scale, dtype=float)[..., None]
    if extend:
        pad = np.zeros((*x.shape[:-1], int(l_max) - 1))
        x = np.concatenate([x, pad], axis=-1)
    saturated = hill(geometric_adstock(x, alpha, l_max, normalize=True), K, S)
    return np.asarray(beta, dtype=float)[..., None] * saturated


def true_roas(
    spend: np.ndarray,
    *,
    alpha: np.ndarray | float,
    l_max: int,
    K: np.ndarray | float,
    S: np.ndarray | float,
    beta: np.ndarray | float,
    scale: np.ndarray | float,
) -> np.ndarray:
    """Return on ad spend: total contribution (window plus carryover tail) per unit of spend.

    ``ROAS = sum_t contribution_t / sum_t spend_t``, where the contribution is
    :func:`channel_contribution` with ``extend=True``: spend before the window is zero and the
    ``l_max - 1`` periods after it are counted, so late spend gets credit for its carryover.
    Because media enter the KPI additively, this equals the drop in total KPI (window plus
    tail) when the channel's spend is set to zero, divided by its spend.

    Parameters
    ----------
    spend : ndarray, shape (..., n_periods)
        Spend in currency units over the window.
    alpha, l_max, K, S, beta, scale
        As in :func:`channel_contribution`.

    Returns
    -------
    ndarray, shape ``spend.shape[:-1]`` broadcast with the parameters
        KPI units per currency unit (a 0-d array for one series).

    Raises
    ------
    ValueError
        If the total spend is zero, where ROAS is undefined.
    """
    spend = np.asarray(spend, dtype=float)
    total = spend.sum(axis=-1)
    if np.any(total <= 0):
        raise ValueError("ROAS is undefined for a channel with zero total spend")
    contribution = channel_contribution(
        spend, alpha=alpha, l_max=l_max, K=K, S=S, beta=beta, scale=scale, extend=True
    )
    return contribution.sum(axis=-1) / total


def fourier_seasonality(
    dates: pd.DatetimeIndex,
    sin: tuple[float, ...],
    cos: tuple[float, ...],
    *,
    period_days: float = 365.25,
) -> np.ndarray:
    """Yearly seasonality ``sum_k a_k sin(2 pi k doy / P) + b_k cos(2 pi k doy / P)``, k = 1, 2, ...

    ``doy`` is the day of year of each date (1 on 1 January) and ``P`` is ``period_days``;
    ``sin`` and ``cos`` hold ``a_1, a_2, ...`` and ``b_1, b_2, ...`` in KPI units.
    """
    doy = np.asarray(pd.DatetimeIndex(dates).day_of_year, dtype=float)
    out = np.zeros(len(doy))
    for k, (a, b) in enumerate(zip(sin, cos, strict=True), start=1):
        angle = 2.0 * np.pi * k * doy / period_days
        out += a * np.sin(angle) + b * np.cos(angle)
    return out


def linear_trend(n_periods: int, slope: float) -> np.ndarray:
    """Trend ``slope * t / (n - 1)`` for t = 0 .. n-1: zero at the start, ``slope`` at the end."""
    return slope * np.arange(n_periods) / max(n_periods - 1, 1)


@dataclass(frozen=True)
class ChannelTruth:
    """True media parameters of one channel (see the module docstring for the formula).

    Parameters
    ----------
    name : str
        Channel name; its spend column is ``f"{name}_spend"``.
    alpha : float
        Geometric adstock retention, in [0, 1).
    l_max : int
        Longest carryover, in periods.
    K : float
        Hill half-saturation point, in units of the channel's mean spend.
    S : float
        Hill shape.
    beta : float
        Contribution at full saturation, in KPI units per period.
    """

    name: str
    alpha: float
    l_max: int
    K: float
    S: float
    beta: float

    @property
    def spend_column(self) -> str:
        """Name of the spend column in the simulated data."""
        return f"{self.name}_spend"

    def contribution(self, spend: np.ndarray, *, scale: float, extend: bool = True) -> np.ndarray:
        """Contribution per period of ``spend``, see :func:`channel_contribution`."""
        return channel_contribution(
            spend, alpha=self.alpha, l_max=self.l_max, K=self.K, S=self.S, beta=self.beta,
            scale=scale, extend=extend,
        )  # fmt: skip


_REQUIRED = (
    "channels", "intercept", "trend_slope", "seasonality", "controls", "noise_sigma",
    "spend_scale", "total_spend", "true_roas", "components",
)  # fmt: skip


@dataclass(frozen=True)
class Truth:
    """Everything known about how a simulated data set was made.

    Parameters
    ----------
    channels : tuple of ChannelTruth
        Media parameters, in column order.
    intercept : float
        KPI level at ``t = 0`` before seasonality, controls and media, in KPI units.
    trend_slope : float
        Change of the KPI over the whole window, in KPI units (trend ``slope * t / (n - 1)``).
    season_sin, season_cos : tuple of float
        Fourier coefficients ``a_k`` and ``b_k``, k = 1, 2, ..., in KPI units.
    controls : dict of str to float
        Coefficient per control column, in KPI units per unit of the control.
    noise_sigma : float
        Standard deviation of the Normal noise, in KPI units.
    spend_scale : dict of str to float
        Mean spend over the window per channel, the ``scale`` dividing spend before adstock.
    total_spend : dict of str to float
        Spend per channel summed over the window.
    true_roas : dict of str to float
        True ROAS per channel, as defined by :func:`true_roas`.
    components : DataFrame
        Additive pieces of the KPI per date (index named after ``date_column``): ``intercept``,
        ``trend``, ``seasonality``, one column per control, one per channel (window only, no
        tail) and ``noise``. Row sums are the KPI before it is rounded to cents.
    kpi : str, default "sales"
        KPI column name.
    date_column : str, default "date"
        Date column name.
    period_days : float, default 365.25
        Period of the Fourier seasonality, in days.
    meta : dict, default {}
        Scenario name, seed and other provenance (JSON-serializable values).
    rf_channels : tuple of RFChannelTruth, default ()
        Reach-and-frequency channels (:mod:`mmm_bayes.simulate.reach_frequency`), after
        ``channels`` in :attr:`channel_names`; their spend is in ``total_spend``, not in
        ``spend_scale`` (their scales are their own ``reach_mean`` and ``frequency_mean``).
    """

    channels: tuple[ChannelTruth, ...]
    intercept: float
    trend_slope: float
    season_sin: tuple[float, ...]
    season_cos: tuple[float, ...]
    controls: dict[str, float]
    noise_sigma: float
    spend_scale: dict[str, float]
    total_spend: dict[str, float]
    true_roas: dict[str, float]
    components: pd.DataFrame = field(compare=False, repr=False)
    kpi: str = "sales"
    date_column: str = "date"
    period_days: float = 365.25
    meta: dict[str, Any] = field(default_factory=dict)
    rf_channels: tuple[RFChannelTruth, ...] = ()

    @property
    def channel_names(self) -> list[str]:
        """Channel names, in order: spend channels, then reach-and-frequency channels."""
        return [c.name for c in (*self.channels, *self.rf_channels)]

    def channel(self, name: str) -> ChannelTruth | RFChannelTruth:
        """Return the truth of channel ``name``."""
        for c in (*self.channels, *self.rf_channels):
            if c.name == name:
                return c
        raise KeyError(f"no channel {name!r}; channels are {self.channel_names}")

    @property
    def contributions(self) -> pd.DataFrame:
        """True media contribution per date (rows) and channel (columns), window only."""
        return self.components[self.channel_names]

    @property
    def media_share(self) -> dict[str, float]:
        """Each channel's window contribution as a share of the total (unrounded) KPI."""
        total = float(self.components.to_numpy().sum())
        return {c: float(self.components[c].sum()) / total for c in self.channel_names}

    def baseline(self, data: pd.DataFrame) -> np.ndarray:
        """Intercept + trend + seasonality + controls for the rows of ``data`` (no media)."""
        dates = pd.DatetimeIndex(data[self.date_column])
        out = self.intercept + linear_trend(len(dates), self.trend_slope)
        out = out + fourier_seasonality(
            dates, self.season_sin, self.season_cos, period_days=self.period_days
        )
        for column, gamma in self.controls.items():
            out = out + gamma * data[column].to_numpy(dtype=float)
        return out

    def expected_kpi(self, data: pd.DataFrame) -> np.ndarray:
        """Noise-free KPI for the rows of ``data``, with media scaled by ``spend_scale``."""
        out = self.baseline(data)
        for c in self.channels:
            spend = data[c.spend_column].to_numpy(dtype=float)
            out = out + c.contribution(spend, scale=self.spend_scale[c.name], extend=False)
        for rf in self.rf_channels:
            reach, frequency = (data[col].to_numpy(dtype=float)
                                for col in (rf.reach_column, rf.frequency_column))  # fmt: skip
            out = out + rf.contribution(reach, frequency, extend=False)
        return out

    def summary(self) -> pd.DataFrame:
        """One row per channel: parameters, spend, contribution, true ROAS and media share."""
        rows = {
            c.name: {
                "alpha": c.alpha, "l_max": c.l_max, "K": c.K, "S": c.S, "beta": c.beta,
                "spend_scale": self.spend_scale[c.name], "total_spend": self.total_spend[c.name],
                "contribution": float(self.components[c.name].sum()),
                "true_roas": self.true_roas[c.name], "media_share": self.media_share[c.name],
            }
            for c in self.channels
        }  # fmt: skip
        for c in self.rf_channels:  # their scales are reach_mean and frequency_mean
            rows[c.name] = {k: v for k, v in c.to_dict().items() if k != "name"} | {
                "total_spend": self.total_spend[c.name],
                "contribution": float(self.components[c.name].sum()),
                "true_roas": self.true_roas[c.name], "media_share": self.media_share[c.name],
            }  # fmt: skip
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("channel")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; :meth:`from_dict` reads it back. ``summary`` is informational."""
        comp = self.components
        components = {self.date_column: [d.strftime("%Y-%m-%d") for d in comp.index]}
        components |= {col: comp[col].astype(float).tolist() for col in comp.columns}
        rf = {"rf_channels": [c.to_dict() for c in self.rf_channels]} if self.rf_channels else {}
        return {
            "kpi": self.kpi,
            "date_column": self.date_column,
            "channels": [vars(c).copy() for c in self.channels],
            **rf,  # only when there are reach-and-frequency channels: old files stay as they were
            "intercept": self.intercept,
            "trend_slope": self.trend_slope,
            "seasonality": {
                "period_days": self.period_days,
                "sin": list(self.season_sin),
                "cos": list(self.season_cos),
            },
            "controls": dict(self.controls),
            "noise_sigma": self.noise_sigma,
            "spend_scale": dict(self.spend_scale),
            "total_spend": dict(self.total_spend),
            "true_roas": dict(self.true_roas),
            "media_share": self.media_share,
            "meta": dict(self.meta),
            "components": components,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Truth:
        """Rebuild a :class:`Truth` from :meth:`to_dict` output (e.g. read from JSON)."""
        missing = [k for k in _REQUIRED if k not in d]
        if missing:
            raise DataError(f"truth dict lacks key(s) {missing}; it has {sorted(d)}")
        date_column = d.get("date_column", "date")
        comp = dict(d["components"])
        index = pd.DatetimeIndex(pd.to_datetime(comp.pop(date_column)), name=date_column)
        season = d["seasonality"]
        return cls(
            channels=tuple(ChannelTruth(**c) for c in d["channels"]),
            intercept=float(d["intercept"]),
            trend_slope=float(d["trend_slope"]),
            season_sin=tuple(float(v) for v in season["sin"]),
            season_cos=tuple(float(v) for v in season["cos"]),
            controls={k: float(v) for k, v in d["controls"].items()},
            noise_sigma=float(d["noise_sigma"]),
            spend_scale={k: float(v) for k, v in d["spend_scale"].items()},
            total_spend={k: float(v) for k, v in d["total_spend"].items()},
            true_roas={k: float(v) for k, v in d["true_roas"].items()},
            components=pd.DataFrame(comp, index=index, dtype=float),
            kpi=d.get("kpi", "sales"),
            date_column=date_column,
            period_days=float(season.get("period_days", 365.25)),
            meta=dict(d.get("meta", {})),
            rf_channels=_rf_channels(d.get("rf_channels", ())),
        )


def _rf_channels(entries: Any) -> tuple[RFChannelTruth, ...]:
    """Rebuild reach-and-frequency channel truths from their :meth:`Truth.to_dict` entries."""
    if not entries:
        return ()
    from mmm_bayes.simulate.reach_frequency import RFChannelTruth  # late: it imports this module

    return tuple(RFChannelTruth.from_dict(c) for c in entries)
