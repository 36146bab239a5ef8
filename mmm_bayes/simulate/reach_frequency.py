"""Reach-and-frequency (R&F) channels with known truth, and the bundled ``rf_weekly`` scenario.

An R&F channel is measured per period by its reach ``r_t`` (people reached) and frequency
``f_t`` (impressions per person reached; impressions are ``r_t * f_t``). Its KPI contribution,
the formula the model fits (as in Google Meridian), is::

    r_bar = mean_t r_t                         f_bar = sum_t r_t f_t / sum_t r_t
    g(f)  = hill(f / f_bar; K, S) / hill(1; K, S)
    m_t   = (r_t / r_bar) * g(f_t)             # effective reach: 1 at mean reach and frequency
    contribution_t = beta * sum_{l < l_max} w_l m_{t-l}

with ``w`` the normalized geometric adstock weights and reach before the window zero, so
``beta`` is the KPI per period at mean reach and frequency. True ROAS counts the window and the
``l_max - 1`` periods after it, as :func:`~mmm_bayes.simulate.truth.true_roas` does for spend.
At a fixed price per impression, reach per currency unit is ``1 / (cpi * f)``, so the frequency
that buys the most KPI per currency unit maximizes ``g(f) / f`` (:func:`optimal_frequency`).

>>> df, truth = reach_frequency_weekly()
>>> truth.rf_channels[0].reach_column, round(truth.rf_channels[0].optimal_frequency, 2)
('youtube_reach', 3.26)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mmm_bayes.simulate._random import as_generator
from mmm_bayes.simulate.controls import price_index, promo_events
from mmm_bayes.simulate.media import (
    AlwaysOn,
    Flighted,
    SpendPattern,
    _lognormal_noise,
    simulate_spend,
)
from mmm_bayes.simulate.scenarios import EXAMPLE_BASELINE, simulate_kpi
from mmm_bayes.simulate.truth import ChannelTruth, Truth
from mmm_bayes.transforms import geometric_adstock, hill

__all__ = [
    "RF_CHANNEL",
    "RF_SPEND_CHANNELS",
    "RFChannelTruth",
    "effective_reach",
    "frequency_response",
    "optimal_frequency",
    "reach_frequency_weekly",
    "rf_contribution",
    "rf_means",
]


def _col(p: np.ndarray | float) -> np.ndarray:
    """Parameter as a column against the time axis (shape ``(..., 1)``)."""
    return np.asarray(p, dtype=float)[..., None]


def rf_means(reach: np.ndarray, frequency: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean reach ``r_bar`` and reach-weighted mean frequency ``f_bar`` over the window.

    ``f_bar = sum_t r_t f_t / sum_t r_t``; frequency where reach is zero is ignored (it may be
    0 or NaN there). Time is on the last axis; the results have shape ``reach.shape[:-1]``.

    Raises
    ------
    ValueError
        If reach is zero in every period, where neither mean is defined.
    """
    reach = np.asarray(reach, dtype=float)
    total = reach.sum(axis=-1)
    if np.any(total <= 0):
        raise ValueError("reach is zero in every period; r_bar and f_bar are undefined")
    impressions = np.where(reach > 0, reach * np.asarray(frequency, dtype=float), 0.0)
    return reach.mean(axis=-1), impressions.sum(axis=-1) / total


def frequency_response(
    frequency: np.ndarray,
    *,
    frequency_mean: np.ndarray | float,
    K: np.ndarray | float,
    S: np.ndarray | float,
) -> np.ndarray:
    """Frequency curve ``g(f) = hill(f / f_bar; K, S) / hill(1; K, S)``, 1 at ``f = f_bar``.

    Parameters
    ----------
    frequency : ndarray, shape (..., n_periods)
        Impressions per person reached.
    frequency_mean : float or ndarray
        ``f_bar``, broadcasting against ``frequency.shape[:-1]``.
    K, S : float or ndarray
        Hill half-saturation point (in units of ``f_bar``) and shape (see
        :func:`~mmm_bayes.transforms.hill`).
    """
    x = np.asarray(frequency, dtype=float) / _col(frequency_mean)
    return hill(x, K, S) / hill(np.ones((*np.shape(K), 1)), K, S)


def effective_reach(
    reach: np.ndarray,
    frequency: np.ndarray,
    *,
    reach_mean: np.ndarray | float,
    frequency_mean: np.ndarray | float,
    K: np.ndarray | float,
    S: np.ndarray | float,
) -> np.ndarray:
    """Effective reach ``m_t = (r_t / r_bar) * g(f_t)``, 1 at mean reach and mean frequency.

    Periods without reach give 0 whatever their frequency (0, NaN, ...). Arguments as in
    :func:`frequency_response`; ``reach_mean`` is ``r_bar``.
    """
    reach = np.asarray(reach, dtype=float)
    g = frequency_response(
        np.where(reach > 0, frequency, 0.0), frequency_mean=frequency_mean, K=K, S=S
    )
    return np.where(reach > 0, reach / _col(reach_mean) * g, 0.0)


def rf_contribution(
    reach: np.ndarray,
    frequency: np.ndarray,
    *,
    alpha: np.ndarray | float,
    K: np.ndarray | float,
    S: np.ndarray | float,
    beta: np.ndarray | float,
    l_max: int,
    extend: bool = False,
    reach_mean: np.ndarray | float | None = None,
    frequency_mean: np.ndarray | float | None = None,
) -> np.ndarray:
    """KPI contribution of an R&F channel: ``beta * geometric_adstock(m)`` (module docstring).

    Parameters
    ----------
    reach : ndarray, shape (..., n_periods)
        People reached per period, >= 0; reach before period 0 is zero.
    frequency : ndarray, shape (..., n_periods)
        Impressions per person reached (>= 1 where reach > 0; ignored where reach is 0).
    alpha : float or ndarray
        Adstock retention in [0, 1).
    K, S : float or ndarray
        Hill half-saturation point (in units of ``f_bar``) and shape of the frequency curve.
    beta : float or ndarray
        Contribution per period at mean reach and mean frequency, in KPI units.
    l_max : int
        Longest carryover, in periods (normalized weights ``alpha**lag / sum``).
    extend : bool, default False
        Append ``l_max - 1`` zero-reach periods so carryover landing after the window counts.
    reach_mean, frequency_mean : float or ndarray, optional
        ``r_bar`` and ``f_bar``; by default those of ``reach`` and ``frequency``
        (:func:`rf_means`). Pass the training window's to evaluate other reach or frequency.

    Returns
    -------
    ndarray, shape (..., n_periods + l_max - 1) if ``extend`` else (..., n_periods)
        Contribution per period, in KPI units.

    Examples
    --------
    >>> c = rf_contribution(np.array([2.0, 0.0]), np.array([3.0, 0.0]), alpha=0.5, K=1.0,
    ...                     S=2.0, beta=3.0, l_max=2, extend=True)
    >>> c.round(3).tolist()
    [4.0, 2.0, 0.0]
    """
    if reach_mean is None or frequency_mean is None:
        r_bar, f_bar = rf_means(reach, frequency)
        reach_mean = r_bar if reach_mean is None else reach_mean
        frequency_mean = f_bar if frequency_mean is None else frequency_mean
    m = effective_reach(
        reach, frequency, reach_mean=reach_mean, frequency_mean=frequency_mean, K=K, S=S
    )
    if extend:
        m = np.concatenate([m, np.zeros((*m.shape[:-1], int(l_max) - 1))], axis=-1)
    return _col(beta) * geometric_adstock(m, alpha, l_max, normalize=True)


def optimal_frequency(
    f_mean: np.ndarray | float,
    K: np.ndarray | float,
    S: np.ndarray | float,
    *,
    f_min: float = 1.0,
) -> np.ndarray | float:
    """Frequency maximizing ``g(f) / f``, the KPI per currency unit at a fixed cost per impression.

    Setting the derivative of ``x**(S-1) / (x**S + K**S)`` (``x = f / f_bar``) to zero gives
    ``f* = f_bar * K * (S - 1)**(1/S)`` for ``S > 1``; for ``S <= 1`` the ratio falls with ``f``,
    so the optimum is the lowest frequency allowed. Either way the result is at least ``f_min``.

    Parameters
    ----------
    f_mean : float or ndarray
        ``f_bar``, the reach-weighted mean frequency (impressions per person reached) of the window.
    K, S : float or ndarray
        Hill half-saturation point (in units of ``f_bar``) and shape.
    f_min : float, default 1.0
        Lowest frequency allowed (one impression per person reached).

    Returns
    -------
    float or ndarray
        The optimal frequency; a float when every argument is a scalar.

    Examples
    --------
    >>> round(optimal_frequency(2.0, K=1.0, S=2.0), 6), optimal_frequency(2.0, K=1.0, S=0.8)
    (2.0, 1.0)
    """
    S = np.asarray(S, dtype=float)
    best = np.asarray(f_mean, dtype=float) * K * np.maximum(S - 1.0, 0.0) ** (1.0 / S)
    out = np.maximum(best, f_min)
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class RFChannelTruth:
    """True parameters of one reach-and-frequency channel (formula in the module docstring).

    Parameters
    ----------
    name : str
        Channel name; its columns are ``{name}_reach``, ``{name}_frequency``,
        ``{name}_impressions`` and ``{name}_spend``.
    alpha : float
        Geometric adstock retention, in [0, 1).
    l_max : int
        Longest carryover, in periods.
    K : float
        Hill half-saturation point of the frequency curve, in units of ``frequency_mean``.
    S : float
        Hill shape of the frequency curve.
    beta : float
        Contribution per period at mean reach and mean frequency, in KPI units.
    reach_mean : float
        ``r_bar``, mean reach over the window (zero periods included).
    frequency_mean : float
        ``f_bar``, reach-weighted mean frequency (impressions per person reached) over the window.
    """

    name: str
    alpha: float
    l_max: int
    K: float
    S: float
    beta: float
    reach_mean: float
    frequency_mean: float

    @property
    def reach_column(self) -> str:
        """Name of the reach column."""
        return f"{self.name}_reach"

    @property
    def frequency_column(self) -> str:
        """Name of the frequency column."""
        return f"{self.name}_frequency"

    @property
    def impressions_column(self) -> str:
        """Name of the impressions column (reach x frequency)."""
        return f"{self.name}_impressions"

    @property
    def spend_column(self) -> str:
        """Name of the spend column, what ROAS divides by."""
        return f"{self.name}_spend"

    @property
    def optimal_frequency(self) -> float:
        """True optimal frequency (at least 1), see :func:`optimal_frequency`."""
        return float(optimal_frequency(self.frequency_mean, self.K, self.S))

    def contribution(
        self, reach: np.ndarray, frequency: np.ndarray, *, extend: bool = True
    ) -> np.ndarray:
        """Contribution per period, :func:`rf_contribution` at this channel's ``r_bar, f_bar``."""
        return rf_contribution(
            reach, frequency, alpha=self.alpha, K=self.K, S=self.S, beta=self.beta,
            l_max=self.l_max, extend=extend, reach_mean=self.reach_mean,
            frequency_mean=self.frequency_mean,
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields plus the derived ``optimal_frequency`` (informational)."""
        return vars(self) | {"optimal_frequency": self.optimal_frequency}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RFChannelTruth:
        """Rebuild from :meth:`to_dict` output; derived entries are recomputed, not read."""
        return cls(**{f.name: d[f.name] for f in dataclasses.fields(cls)})


#: Ordinary channels of ``rf_weekly``: flighted, S-shaped, slow-decaying TV and always-on,
#: concave, fast search (true ROAS about 0.65 and 1.7;
#: youtube's is about 1.2; media are about a quarter of sales).
RF_SPEND_CHANNELS: tuple[ChannelTruth, ...] = (
    ChannelTruth("tv", alpha=0.6, l_max=8, K=1.2, S=2.0, beta=45_000.0),
    ChannelTruth("search", alpha=0.1, l_max=8, K=0.8, S=1.0, beta=30_000.0),
)

#: Spend patterns of the ordinary channels of ``rf_weekly`` (~50k a week in flights, ~10k).
RF_SPEND: dict[str, SpendPattern] = {
    "tv": Flighted(level=50_000.0, on_periods=(4, 8), off_periods=(3, 8), cv=0.15),
    "search": AlwaysOn(level=10_000.0, cv=0.25, ar=0.5, seasonal_amplitude=0.2),
}

#: The R&F channel of ``rf_weekly`` as (name, alpha, l_max, K, S, beta); its ``r_bar`` and
#: ``f_bar`` come from the drawn data. With S = 2.5 and K = 1 the optimal frequency is
#: ``1.5**0.4 = 1.18`` times ``f_bar``, inside the observed range.
RF_CHANNEL: dict[str, Any] = {
    "name": "youtube", "alpha": 0.4, "l_max": 8, "K": 1.0, "S": 2.5, "beta": 16_000.0,
}  # fmt: skip


#: Reach pattern of ``youtube`` in ``rf_weekly``: ~1.5M people a week in 3-7 week flights.
RF_REACH = Flighted(level=1_500_000.0, on_periods=(3, 7), off_periods=(2, 5), cv=0.25)


def draw_reach_frequency(
    dates: pd.DatetimeIndex,
    rng: np.random.Generator,
    *,
    name: str = "youtube",
    reach: SpendPattern = RF_REACH,
    frequency_median: float = 2.7,
    frequency_sd: float = 0.3,
    cpm: float = 5.0,
    cpm_cv: float = 0.05,
) -> pd.DataFrame:
    """Draw reach, frequency, impressions and spend of one R&F channel, independently.

    Reach follows ``reach`` (any spend pattern, read as people) rounded to hundreds; frequency
    is log-normal around ``frequency_median`` (sd ``frequency_sd`` in logs), clipped at 1 and
    rounded to cents, and 0 where reach is 0; impressions are ``reach * frequency`` (whole
    numbers); spend is ``cpm`` (slightly noisy, CV ``cpm_cv``) per thousand impressions,
    rounded to whole currency units. The values are final: the truth is computed from them.

    Returns
    -------
    DataFrame
        Index ``dates``; columns ``{name}_reach``, ``{name}_frequency``,
        ``{name}_impressions`` and ``{name}_spend``.
    """
    reach_rng, freq_rng, price_rng = rng.spawn(3)
    n = len(dates)
    people = np.round(np.maximum(reach.draw(dates, reach_rng), 0.0) / 100.0) * 100.0
    draws = np.exp(np.log(frequency_median) + frequency_sd * freq_rng.standard_normal(n))
    frequency = np.where(people > 0, np.round(np.maximum(draws, 1.0), 2), 0.0)
    impressions = np.round(people * frequency)
    spend = np.round(cpm * _lognormal_noise(price_rng, n, cpm_cv) * impressions / 1_000.0)
    columns = {"reach": people, "frequency": frequency, "impressions": impressions}
    return pd.DataFrame({f"{name}_{k}": v for k, v in (columns | {"spend": spend}).items()},
                        index=dates)  # fmt: skip


def _add_rf_channel(
    data: pd.DataFrame, truth: Truth, params: dict[str, Any]
) -> tuple[pd.DataFrame, Truth]:
    """Add an R&F channel's contribution to the KPI and its truth to ``truth``."""
    name = params["name"]
    reach = data[f"{name}_reach"].to_numpy(dtype=float)
    frequency = data[f"{name}_frequency"].to_numpy(dtype=float)
    r_bar, f_bar = rf_means(reach, frequency)
    rf = RFChannelTruth(**params, reach_mean=float(r_bar), frequency_mean=float(f_bar))
    spend = data[rf.spend_column].to_numpy(dtype=float)
    components = truth.components.copy()
    components.insert(list(components.columns).index("noise"), name,
                      rf.contribution(reach, frequency, extend=False))  # fmt: skip
    roas = rf.contribution(reach, frequency, extend=True).sum() / spend.sum()
    out = data.assign(**{truth.kpi: components.sum(axis=1).round(2).to_numpy()})
    return out, dataclasses.replace(
        truth,
        components=components,
        total_spend=truth.total_spend | {name: float(spend.sum())},
        true_roas=truth.true_roas | {name: float(roas)},
        rf_channels=(*truth.rf_channels, rf),
    )


def reach_frequency_weekly(
    *,
    n_periods: int = 156,
    random_seed: int | np.random.Generator = 20260309,
    start: str = "2023-01-02",
) -> tuple[pd.DataFrame, Truth]:
    """Simulate the data set bundled as ``mmm_bayes.datasets.load("rf_weekly")``.

    Weekly (``W-MON``) sales around 190k with two spend channels (``tv`` flighted, ``search``
    always on; :data:`RF_SPEND_CHANNELS`), one R&F channel ``youtube`` (:data:`RF_CHANNEL`,
    drawn by :func:`draw_reach_frequency`: flighted reach, frequency varying week to week
    independently of it, spend at a CPM near 5), controls ``price_index`` and ``promo``, the
    baseline of ``example_weekly``, and noise. The seed drives spend, reach, frequency, controls
    and noise, each from its own child generator.

    Parameters
    ----------
    n_periods : int, default 156
        Number of weeks, at least 2.
    random_seed : int or numpy.random.Generator, default 20260309
        Seed; the default reproduces the bundled file.
    start : str, default "2023-01-02"
        First Monday.

    Returns
    -------
    data : DataFrame
        Columns ``date, sales, tv_spend, search_spend, youtube_reach, youtube_frequency,
        youtube_impressions, youtube_spend, price_index, promo``.
    truth : Truth
        True parameters (youtube's in ``truth.rf_channels``), ROAS and per-week components.

    Examples
    --------
    >>> df, truth = reach_frequency_weekly(n_periods=52, random_seed=1)
    >>> df.shape, truth.channel_names
    ((52, 10), ['tv', 'search', 'youtube'])
    """
    if n_periods < 2:
        raise ValueError(f"n_periods must be at least 2, got {n_periods}")
    spend_rng, rf_rng, control_rng, noise_rng = as_generator(random_seed).spawn(4)
    dates = pd.date_range(start, periods=n_periods, freq="W-MON", name="date")
    media = [simulate_spend(dates, RF_SPEND, random_seed=spend_rng),
             draw_reach_frequency(dates, rf_rng, name=RF_CHANNEL["name"])]  # fmt: skip
    data = pd.concat([pd.DataFrame({"date": dates}), *(m.reset_index(drop=True) for m in media)],
                     axis=1)  # fmt: skip
    data["price_index"] = price_index(dates, control_rng)
    data["promo"] = promo_events(dates, control_rng)
    seed = random_seed if isinstance(random_seed, int) else None
    meta = {"scenario": "reach_frequency_weekly", "n_periods": n_periods, "random_seed": seed,
            "start": start}  # fmt: skip
    data, truth = simulate_kpi(
        data, channels=RF_SPEND_CHANNELS, random_seed=noise_rng, meta=meta, **EXAMPLE_BASELINE
    )
    return _add_rf_channel(data, truth, RF_CHANNEL)
