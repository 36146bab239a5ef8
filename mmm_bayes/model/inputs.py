"""Model inputs: validated data turned into the scaled arrays and coords the model samples on.

Scaling (all reversed before anything is reported):

- KPI: divided by its mean over the window (by the mean absolute value if that mean is not
  positive), so priors speak of "an average period's KPI";
- media: each channel's media column (spend, or exposure such as impressions) divided by its own
  mean over the window, so 1.0 is average spend (or average exposure);
- controls: centred and divided by their standard deviation (constant columns by 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from mmm_bayes.data import ValidatedData
from mmm_bayes.errors import ConfigError, DataError
from mmm_bayes.spec import ModelSpec
from mmm_bayes.transforms.seasonality import fourier_features, fourier_names


@dataclass(frozen=True)
class ModelInputs:
    """Everything the model builder needs, in original and scaled units.

    Attributes
    ----------
    dates : DatetimeIndex
        One per period.
    channels, controls : tuple of str
        Channel names (from the spec) and control columns.
    spend : ndarray, shape (date, channel)
        Spend in currency units (what ROAS divides by).
    kpi : ndarray, shape (date,)
        KPI in its own units.
    controls_raw : ndarray, shape (date, control)
        Controls in their own units.
    kpi_scale, spend_scale, control_mean, control_sd
        The scaling constants (``spend_scale``: mean spend per channel, currency units).
    media : ndarray, shape (date, channel)
        The media columns the model transforms: ``spend`` itself, or exposure (impressions,
        clicks) for a channel with a ``spend_column``.
    media_scale : ndarray, shape (channel,)
        Mean of each media column over the window.
    time : ndarray, shape (date,)
        0 at the first period, 1 at the last.
    fourier : ndarray, shape (date, fourier)
        Yearly Fourier features.
    """

    dates: pd.DatetimeIndex
    channels: tuple[str, ...]
    controls: tuple[str, ...]
    spend: np.ndarray
    kpi: np.ndarray
    controls_raw: np.ndarray
    kpi_scale: float
    spend_scale: np.ndarray
    control_mean: np.ndarray
    control_sd: np.ndarray
    time: np.ndarray
    fourier: np.ndarray
    fourier_names: tuple[str, ...]
    media: np.ndarray
    media_scale: np.ndarray
    overlap: np.ndarray | None = None  # (date, interaction), each column over its mean; 1 if none
    #: (date, channel): frequency of reach-and-frequency channels (ones for the others)
    frequency: np.ndarray | None = None
    #: (channel,): R&F channels' reach-weighted mean frequency, impressions / reach (others 1)
    frequency_scale: np.ndarray | None = None
    #: (channel,) bool: the channels measured by reach and frequency
    rf_mask: np.ndarray | None = None

    @property
    def rf(self) -> np.ndarray:
        """Which channels are measured by reach and frequency, shape (channel,), bool.

        For those, ``media`` is the reach and the saturation acts on ``frequency_scaled``.
        """
        if self.rf_mask is None:
            return np.zeros(len(self.channels), dtype=bool)
        return self.rf_mask

    @property
    def rf_channels(self) -> tuple[str, ...]:
        """Names of the channels measured by reach and frequency, in channel order."""
        return tuple(c for c, is_rf in zip(self.channels, self.rf, strict=True) if is_rf)

    @property
    def frequency_scaled(self) -> np.ndarray | None:
        """Frequency over its reach-weighted window mean, (date, channel); None without R&F."""
        if self.frequency is None:
            return None
        return self.frequency / self.frequency_scale

    @property
    def media_scaled(self) -> np.ndarray:
        """Media in units of each channel's mean (spend or exposure), shape (date, channel).

        Scaling a channel's media by a factor scales its spend by the same factor (a constant
        cost per exposure unit), which is how ROAS and response curves convert to spend.
        """
        return self.media / self.media_scale

    @property
    def controls_scaled(self) -> np.ndarray:
        """Standardized controls, shape (date, control)."""
        return (self.controls_raw - self.control_mean) / self.control_sd

    @property
    def coords(self) -> dict[str, list]:
        """PyMC coords: date, channel, control, fourier."""
        return {
            "date": list(self.dates),
            "channel": list(self.channels),
            "control": list(self.controls),
            "fourier": list(self.fourier_names),
        }

    @property
    def shape_key(self) -> tuple[int, ...]:
        """Sizes that fix the compiled model's structure."""
        return (len(self.dates), len(self.channels), len(self.controls), len(self.fourier_names))


def kpi_scale_of(kpi: np.ndarray) -> float:
    """Mean of the KPI, or its mean absolute value when the mean is not positive (never 0)."""
    mean = float(np.mean(kpi))
    scale = mean if mean > 0 else float(np.mean(np.abs(kpi)))
    return scale if scale > 0 else 1.0


def build_inputs(spec: ModelSpec, data: ValidatedData) -> ModelInputs:
    """Scale validated data for ``spec``; raises ConfigError if the data lacks a spec column.

    A spec with ``geo`` gives :class:`~mmm_bayes.model.geo.GeoInputs` for the geo panel.
    """
    if spec.geo is not None:
        from mmm_bayes.model.geo import build_geo_inputs

        return build_geo_inputs(spec, data)
    frame = data.frame
    wanted = [spec.kpi, *spec.channel_columns, *spec.extra_value_columns, *spec.controls]
    wanted += list(spec.overlap_columns)
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise ConfigError(f"the validated data has no column(s) {missing} that the spec names")
    dates = pd.DatetimeIndex(frame[data.date_col], name="date")  # the dim name, whatever the column
    media = frame[list(spec.channel_columns)].to_numpy(dtype=float)
    spend = frame[list(spec.spend_columns)].to_numpy(dtype=float)
    controls = frame[list(spec.controls)].to_numpy(dtype=float).reshape(len(frame), -1)
    sd = controls.std(axis=0) if controls.size else np.ones(0)
    n = len(frame)
    order = spec.seasonality.order
    return ModelInputs(
        dates=dates,
        channels=spec.channel_names,
        controls=tuple(spec.controls),
        spend=spend,
        kpi=frame[spec.kpi].to_numpy(dtype=float),
        controls_raw=controls,
        kpi_scale=kpi_scale_of(frame[spec.kpi].to_numpy(dtype=float)),
        spend_scale=spend.mean(axis=0),
        control_mean=controls.mean(axis=0) if controls.size else np.zeros(0),
        control_sd=np.where(sd > 0, sd, 1.0),
        time=np.linspace(0.0, 1.0, n) if n > 1 else np.zeros(n),
        fourier=fourier_features(dates.day_of_year.to_numpy(), order),
        fourier_names=tuple(fourier_names(order)),
        media=media,
        media_scale=media.mean(axis=0),
        overlap=overlap_matrix(spec, frame),
        **rf_arrays(spec, frame, dates),
    )


def rf_arrays(
    spec: ModelSpec, frame: pd.DataFrame, dates: pd.DatetimeIndex
) -> dict[str, np.ndarray]:
    """``frequency``, ``frequency_scale`` and ``rf_mask`` of a spec with R&F channels, else {}.

    The frequency scale is the reach-weighted mean, ``sum reach x frequency / sum reach``
    (total impressions over total reach).
    Raises DataError, naming the dates, where a frequency is below 1 in a period with reach
    (frequency is impressions per person reached, so at least 1).
    """
    if not spec.rf_channels:
        return {}
    n = len(frame)
    frequency, scale = np.ones((n, len(spec.channels))), np.ones(len(spec.channels))
    for i, ch in enumerate(spec.channels):
        if not ch.is_rf:
            continue
        reach = frame[ch.reach_column].to_numpy(dtype=float)
        freq = frame[ch.frequency_column].to_numpy(dtype=float)
        low = np.flatnonzero((reach > 0) & (freq < 1))
        if low.size:
            shown = ", ".join(f"{dates[r]:%Y-%m-%d} ({freq[r]:g})" for r in low[:5])
            more = f" and {low.size - 5} more" if low.size > 5 else ""
            raise DataError(
                f"channel {ch.name!r}: frequency_column {ch.frequency_column!r} is below 1 on "
                f"{shown}{more} where reach is positive; frequency is impressions per person "
                "reached (>= 1): check that the column is not a rate or a share"
            )
        frequency[:, i] = freq
        scale[i] = float((reach * freq).sum() / reach.sum())
    mask = np.array([c.is_rf for c in spec.channels])
    return {"frequency": frequency, "frequency_scale": scale, "rf_mask": mask}


def overlap_matrix(spec: ModelSpec, frame: pd.DataFrame) -> np.ndarray:
    """Audience overlap per period and interaction, over its window mean (ones without a column).

    Raises ConfigError if an overlap column is zero throughout (it cannot be scaled).
    """
    out = np.ones((len(frame), len(spec.interactions)))
    for i, inter in enumerate(spec.interactions):
        if inter.overlap_column is None:
            continue
        values = frame[inter.overlap_column].to_numpy(dtype=float)
        negative = np.flatnonzero(values < 0)
        if negative.size:
            raise ConfigError(
                f"interactions.{i}: overlap_column {inter.overlap_column!r} is negative at rows "
                f"{', '.join(map(str, negative[:5]))}; an audience overlap is >= 0"
            )
        if not values.mean() > 0:
            raise ConfigError(
                f"interactions.{i}: overlap_column {inter.overlap_column!r} is zero in every "
                "period; give a measured overlap or leave overlap_column out"
            )
        out[:, i] = values / values.mean()
    return out
