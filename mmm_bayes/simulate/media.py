"""Realistic media spend: flighted bursts, always-on noise and seasonal pulses.

Each pattern is a small frozen dataclass with one method, ``draw(dates, rng)``, returning a
non-negative spend series in currency units per period. :func:`simulate_spend` draws one series
per channel from independent child generators, so adding a channel never changes the others.
New patterns (budget shifts, spend that reacts to demand for confounding) are new classes with
the same ``draw`` method.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from mmm_bayes.simulate._random import as_generator


class SpendPattern(Protocol):
    """Anything with ``draw(dates, rng) -> ndarray`` of non-negative spend, one value per date."""

    def draw(self, dates: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
        """Draw a spend series, shape ``(len(dates),)``."""
        ...


def _lognormal_noise(rng: np.random.Generator, n: int, cv: float, ar: float = 0.0) -> np.ndarray:
    """Mean-one multiplicative noise, coefficient of variation ``cv``, AR(1) memory ``ar``."""
    sd = np.sqrt(np.log1p(cv**2))
    z = rng.standard_normal(n)
    for t in range(1, n):
        z[t] = ar * z[t - 1] + np.sqrt(1.0 - ar**2) * z[t]
    return np.exp(sd * z - sd**2 / 2.0)


def _seasonal_bumps(
    dates: pd.DatetimeIndex, peaks: tuple[float, ...], width_days: float
) -> np.ndarray:
    """Sum of circular Gaussian bumps (height one) centred on days of year ``peaks``."""
    doy = np.asarray(dates.day_of_year, dtype=float)
    out = np.zeros(len(dates))
    for peak in peaks:
        d = np.abs(doy - peak)
        d = np.minimum(d, 365.25 - d)
        out += np.exp(-0.5 * (d / width_days) ** 2)
    return out


@dataclass(frozen=True)
class Flighted:
    """On/off bursts: flights of ``on_periods`` at about ``level`` per period, then a gap.

    Typical of TV and radio, bought in campaigns of a few weeks with dark weeks between them.

    Parameters
    ----------
    level : float
        Mean spend per period while a flight is on, in currency units.
    on_periods : tuple of int, default (4, 8)
        Inclusive range of flight lengths, drawn uniformly.
    off_periods : tuple of int, default (3, 8)
        Inclusive range of gap lengths, drawn uniformly.
    cv : float, default 0.15
        Coefficient of variation of spend within a flight.
    """

    level: float
    on_periods: tuple[int, int] = (4, 8)
    off_periods: tuple[int, int] = (3, 8)
    cv: float = 0.15

    def draw(self, dates: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
        """Draw a flighted series; the first flight starts within the first gap's length."""
        n = len(dates)
        on = np.zeros(n, dtype=bool)
        t = int(rng.integers(0, self.off_periods[1] + 1))  # random phase at the start
        while t < n:
            length = int(rng.integers(self.on_periods[0], self.on_periods[1] + 1))
            on[t : t + length] = True
            t += length + int(rng.integers(self.off_periods[0], self.off_periods[1] + 1))
        if not on.any():  # a window shorter than the opening gap still gets one flight
            on[: self.on_periods[0]] = True
        return np.where(on, self.level * _lognormal_noise(rng, n, self.cv), 0.0)


@dataclass(frozen=True)
class AlwaysOn:
    """Spend every period around ``level``, with persistent noise and an optional yearly swell.

    Typical of search, display and social. The swell is ``1 + seasonal_amplitude * cos(...)``,
    largest on day of year ``peak_day``.

    Parameters
    ----------
    level : float
        Mean spend per period, in currency units.
    cv : float, default 0.25
        Coefficient of variation of the multiplicative noise.
    ar : float, default 0.5
        AR(1) memory of the noise on the log scale, in [0, 1).
    seasonal_amplitude : float, default 0.0
        Relative size of the yearly swell, in [0, 1).
    peak_day : float, default 330.0
        Day of year at which the swell peaks (330 is late November).
    """

    level: float
    cv: float = 0.25
    ar: float = 0.5
    seasonal_amplitude: float = 0.0
    peak_day: float = 330.0

    def draw(self, dates: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
        """Draw an always-on series (strictly positive)."""
        doy = np.asarray(dates.day_of_year, dtype=float)
        swell = 1.0 + self.seasonal_amplitude * np.cos(2.0 * np.pi * (doy - self.peak_day) / 365.25)
        return self.level * swell * _lognormal_noise(rng, len(dates), self.cv, self.ar)


@dataclass(frozen=True)
class SeasonalPulses:
    """A low always-on base plus bursts around fixed days of the year (launches, holidays).

    Spend is ``level * (base + (1 - base) * bumps) * noise`` where ``bumps`` are Gaussian bumps
    of height one centred on ``peak_days``, ``width_days`` wide (standard deviation).

    Parameters
    ----------
    level : float
        Spend per period at the top of a pulse, in currency units.
    peak_days : tuple of float, default (105.0, 320.0)
        Days of year at the centre of each pulse (mid-April and mid-November).
    width_days : float, default 14.0
        Standard deviation of each pulse, in days.
    base : float, default 0.35
        Spend between pulses as a fraction of ``level``, in [0, 1].
    cv : float, default 0.2
        Coefficient of variation of the multiplicative noise.
    """

    level: float
    peak_days: tuple[float, ...] = (105.0, 320.0)
    width_days: float = 14.0
    base: float = 0.35
    cv: float = 0.2

    def draw(self, dates: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
        """Draw a pulsed series (strictly positive when ``base > 0``)."""
        bumps = np.minimum(_seasonal_bumps(dates, self.peak_days, self.width_days), 1.0)
        shape = self.base + (1.0 - self.base) * bumps
        return self.level * shape * _lognormal_noise(rng, len(dates), self.cv, ar=0.3)


def simulate_spend(
    dates: pd.DatetimeIndex,
    patterns: Mapping[str, SpendPattern],
    *,
    random_seed: int | np.random.Generator,
    column_suffix: str = "_spend",
) -> pd.DataFrame:
    """Draw spend for each channel, rounded to whole currency units.

    Parameters
    ----------
    dates : DatetimeIndex
        One entry per period.
    patterns : mapping of str to SpendPattern
        Channel name to its spend pattern, in column order.
    random_seed : int or numpy.random.Generator
        Seed; each channel draws from its own child generator (``Generator.spawn``).
    column_suffix : str, default "_spend"
        Columns are named ``f"{channel}{column_suffix}"``.

    Returns
    -------
    DataFrame
        Index ``dates``, one float column per channel, every value a non-negative whole number.
        Rounding happens here, before any KPI is computed, so a truth built on these values
        is exact for the data written to disk.

    Raises
    ------
    ValueError
        If a channel's spend comes out zero in every period.

    Examples
    --------
    >>> dates = pd.date_range("2023-01-02", periods=52, freq="W-MON")
    >>> df = simulate_spend(dates, {"search": AlwaysOn(level=10_000.0)}, random_seed=1)
    >>> list(df.columns), bool((df >= 0).all().all())
    (['search_spend'], True)
    """
    children = as_generator(random_seed).spawn(len(patterns))
    columns = {}
    for (name, pattern), child in zip(patterns.items(), children, strict=True):
        spend = np.round(np.maximum(pattern.draw(dates, child), 0.0))
        if not (spend > 0).any():
            raise ValueError(f"channel {name!r} drew zero spend in every period; raise its level")
        columns[f"{name}{column_suffix}"] = spend
    return pd.DataFrame(columns, index=dates)
