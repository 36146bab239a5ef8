"""Parameter stability: ROAS posteriors from fits on different time windows, compared.

An MMM assumes each channel's effect is the same over the whole window. Fitting the model on
separate windows (the first and the second half, say) and comparing the ROAS posteriors tests
that assumption: when two windows' posteriors are far apart, the ROAS of the full fit is an
average over a change, not a constant.

Two windows' ROAS disagree when the central ``interval`` of the posterior of their difference
excludes zero (the two fits are independent, so the difference's draws pair the two
posteriors' draws at random).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations, pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from mmm_bayes.analysis._io import write_json
from mmm_bayes.analysis.media import SAMPLE_DIMS
from mmm_bayes.errors import ConfigError

__all__ = ["StabilityResult", "compare_windows", "split_windows"]


def split_windows(n_periods: int, windows: int, *, min_length: int = 8) -> list[slice]:
    """Cut ``n_periods`` into ``windows`` consecutive windows of (nearly) equal length.

    Raises
    ------
    ConfigError
        If a window would be shorter than ``min_length`` periods.
    """
    if windows < 2:
        raise ConfigError(f"stability needs at least 2 windows to compare; got {windows}.")
    length = n_periods // windows
    if length < min_length:
        raise ConfigError(
            f"{windows} windows of {n_periods} periods are {length} periods each; at least "
            f"{min_length} are needed. Use fewer windows."
        )
    edges = np.linspace(0, n_periods, windows + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in pairwise(edges)]


def _flat(da: xr.DataArray, channel: str) -> np.ndarray:
    sel = da.sel(channel=channel)
    return sel.stack(_s=[d for d in SAMPLE_DIMS if d in sel.dims]).to_numpy().ravel()


@dataclass(frozen=True)
class StabilityResult:
    """ROAS per window and channel, and which pairs of windows disagree.

    Attributes
    ----------
    summary : DataFrame
        One row per (window, channel): ``mean``, ``q05``, ``q95`` of ROAS, plus the window's
        ``start`` and ``end`` dates.
    pairs : DataFrame
        One row per (channel, window_a, window_b): ``diff_mean``, ``diff_lo``, ``diff_hi``
        (central interval of ROAS_b - ROAS_a), ``prob_b_greater`` and ``disagree``.
    interval : float
        Probability mass of the intervals.
    """

    summary: pd.DataFrame
    pairs: pd.DataFrame
    interval: float = 0.9

    @property
    def flagged(self) -> list[str]:
        """Channels whose ROAS differs between at least one pair of windows."""
        return sorted(set(self.pairs.loc[self.pairs["disagree"], "channel"]))

    @property
    def verdict(self) -> str:
        """One plain sentence: is ROAS stable across the windows."""
        windows = self.summary["window"].nunique()
        if not self.flagged:
            return (
                f"ROAS is consistent across the {windows} windows: for every channel the "
                f"{self.interval:.0%} interval of the difference between windows includes zero."
            )
        parts = []
        for ch in self.flagged:
            rows = self.pairs[(self.pairs["channel"] == ch) & self.pairs["disagree"]]
            r = rows.iloc[int(np.argmax(rows["diff_mean"].abs().to_numpy()))]
            parts.append(f"{ch} ({r['window_a']} → {r['window_b']}: {r['diff_mean']:+.2f})")
        return (
            "ROAS changes between windows for " + ", ".join(parts) + ". The full-window ROAS of "
            "these channels averages over a change; check for a change in creative, targeting "
            "or measurement, or model the effect as time-varying."
        )

    def to_dict(self) -> dict:
        """Plain data for JSON."""
        summary = self.summary.copy()
        for col in ("start", "end"):
            summary[col] = pd.to_datetime(summary[col]).dt.strftime("%Y-%m-%d")
        return {
            "interval": self.interval,
            "summary": summary.to_dict(orient="records"),
            "pairs": self.pairs.to_dict(orient="records"),
            "verdict": self.verdict,
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Write the result as JSON (via a temporary file, then renamed)."""
        return write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> StabilityResult:
        """Read a result written by :meth:`save`."""
        return cls.from_dict(json.loads(Path(path).read_text()))

    @classmethod
    def from_dict(cls, d: dict) -> StabilityResult:
        """Inverse of :meth:`to_dict`."""
        summary = pd.DataFrame(d["summary"])
        for col in ("start", "end"):
            summary[col] = pd.to_datetime(summary[col])
        return cls(summary, pd.DataFrame(d["pairs"]), float(d["interval"]))


def compare_windows(
    roas_by_window: Mapping[str, xr.DataArray],
    *,
    dates: Mapping[str, tuple[pd.Timestamp, pd.Timestamp]] | None = None,
    interval: float = 0.9,
    random_seed: int | np.random.Generator = 0,
) -> StabilityResult:
    """Compare per-window ROAS posteriors channel by channel.

    Parameters
    ----------
    roas_by_window : mapping of str to DataArray
        Window label -> ROAS draws, dims (chain, draw, channel), in time order.
    dates : mapping of str to (Timestamp, Timestamp), optional
        First and last date of each window, for the summary.
    interval : float, default 0.9
        Central interval of the differences.
    random_seed : int or Generator
        Seed of the random pairing of draws.

    Returns
    -------
    StabilityResult
    """
    if len(roas_by_window) < 2:
        raise ConfigError("compare_windows needs ROAS from at least two windows.")
    rng = np.random.default_rng(random_seed)
    lo, hi = (1 - interval) / 2, (1 + interval) / 2
    labels = list(roas_by_window)
    channels = [str(c) for c in roas_by_window[labels[0]]["channel"].to_numpy()]
    rows = []
    for label in labels:
        start, end = (dates or {}).get(label, (pd.NaT, pd.NaT))
        for ch in channels:
            x = _flat(roas_by_window[label], ch)
            q = np.quantile(x, [0.05, 0.95])
            rows.append(
                {
                    "window": label,
                    "start": start,
                    "end": end,
                    "channel": ch,
                    "mean": x.mean(),
                    "q05": q[0],
                    "q95": q[1],
                }
            )
    pairs = []
    for ch in channels:
        for a, b in combinations(labels, 2):
            xa, xb = _flat(roas_by_window[a], ch), _flat(roas_by_window[b], ch)
            m = min(len(xa), len(xb))
            diff = rng.permutation(xb)[:m] - rng.permutation(xa)[:m]
            d_lo, d_hi = np.quantile(diff, [lo, hi])
            pairs.append(
                {
                    "channel": ch,
                    "window_a": a,
                    "window_b": b,
                    "diff_mean": diff.mean(),
                    "diff_lo": d_lo,
                    "diff_hi": d_hi,
                    "prob_b_greater": float(np.mean(diff > 0)),
                    "disagree": bool(d_lo > 0 or d_hi < 0),
                }
            )
    return StabilityResult(pd.DataFrame(rows), pd.DataFrame(pairs), interval)
