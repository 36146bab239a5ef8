"""Parameter stability: ROAS posteriors from fits on different time windows, compared.

An MMM assumes each channel's effect is the same over the whole window. Fitting the model on
separate windows (the first and the second half, say) and comparing the ROAS posteriors tests
that assumption: when two windows' posteriors are far apart, the ROAS of the full fit is an
average over a change, not a constant.

Two windows' ROAS disagree when the central ``interval`` of the posterior of their difference
excludes zero (the two fits are independent, so the difference's draws pair the two
posteriors' draws at random).

:func:`refit_windows` fits each window (through a ``fit`` callable, so this module never samples
itself) and records whether each refit converged, with the same checks as
:func:`~mmm_bayes.analysis.validation.validate`: a comparison between refits that did not
converge is unreliable, and the verdict says so.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import combinations, pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from mmm_bayes.analysis._io import write_json
from mmm_bayes.analysis.media import SAMPLE_DIMS
from mmm_bayes.analysis.roas import roas
from mmm_bayes.analysis.validation import FitFn
from mmm_bayes.errors import ConfigError
from mmm_bayes.inference.diagnostics import diagnose
from mmm_bayes.spec import ModelSpec

__all__ = ["StabilityResult", "compare_windows", "refit_windows", "split_windows"]


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
    diagnosis : dict of str to str
        Window label -> convergence status of its refit (``pass``, ``warn``, ``fail``,
        ``skip``); empty when not recorded (results saved before it was).
    """

    summary: pd.DataFrame
    pairs: pd.DataFrame
    interval: float = 0.9
    diagnosis: Mapping[str, str] = field(default_factory=dict)

    @property
    def flagged(self) -> list[str]:
        """Channels whose ROAS differs between at least one pair of windows."""
        return sorted(set(self.pairs.loc[self.pairs["disagree"], "channel"]))

    @property
    def failed(self) -> list[str]:
        """Windows whose refit did not converge (diagnosis ``fail``)."""
        return [w for w, status in self.diagnosis.items() if status == "fail"]

    @property
    def verdict(self) -> str:
        """Plain sentences: did the refits converge, and is ROAS stable across the windows."""
        if not self.failed:
            return self._comparison()
        return (
            f"The refits of window(s) {', '.join(self.failed)} did not converge; their "
            "comparison is unreliable (refit with more tune and draws). " + self._comparison()
        )

    def _comparison(self) -> str:
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
            "diagnosis": dict(self.diagnosis),
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
        diagnosis = {str(k): str(v) for k, v in d.get("diagnosis", {}).items()}
        return cls(summary, pd.DataFrame(d["pairs"]), float(d["interval"]), diagnosis)


def compare_windows(
    roas_by_window: Mapping[str, xr.DataArray],
    *,
    dates: Mapping[str, tuple[pd.Timestamp, pd.Timestamp]] | None = None,
    diagnosis: Mapping[str, str] | None = None,
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
    diagnosis : mapping of str to str, optional
        Window label -> convergence status of its fit, recorded in the result.
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
    return StabilityResult(pd.DataFrame(rows), pd.DataFrame(pairs), interval, dict(diagnosis or {}))


def refit_windows(
    frame: pd.DataFrame,
    spec: ModelSpec,
    fit: FitFn,
    parts: list[slice],
    *,
    interval: float = 0.9,
    random_seed: int | np.random.Generator = 0,
) -> StabilityResult:
    """Fit the model on each window of ``frame``, diagnose each fit and compare their ROAS.

    Log records emitted while a window is fitted (such as the fit's convergence warnings) are
    prefixed with ``window <first date> to <last date>:``.

    Parameters
    ----------
    frame : DataFrame
        The validated data, one row per period in date order (``ValidatedData.frame``), with
        the dates in column ``spec.date_col``.
    spec : ModelSpec
        The model.
    fit : callable
        ``fit(window_frame) -> (idata, window_inputs)``; the facade passes a short NUTS fit.
    parts : list of slice
        Row positions of the windows, from :func:`split_windows`.
    interval : float, default 0.9
        Central interval of the differences.
    random_seed : int or Generator
        Seed of the random pairing of draws.

    Returns
    -------
    StabilityResult
        Its ``diagnosis`` holds each refit's convergence status, from
        :func:`~mmm_bayes.inference.diagnostics.diagnose`.
    """
    dates = pd.DatetimeIndex(frame[spec.date_col])
    draws, spans, diagnosis = {}, {}, {}
    for part in parts:
        start, end = dates[part.start], dates[part.stop - 1]
        label = f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
        with _log_prefix(f"window {label}: "):
            idata, inputs = fit(frame.iloc[part].reset_index(drop=True))
        draws[label] = roas(idata, inputs, spec)
        spans[label] = (start, end)
        diagnosis[label] = diagnose(idata).status
    return compare_windows(
        draws, dates=spans, diagnosis=diagnosis, interval=interval, random_seed=random_seed
    )


@contextmanager
def _log_prefix(prefix: str, package: str = "mmm_bayes") -> Iterator[None]:
    """Prefix the message of every record logged by ``package``'s loggers inside the block.

    A logger's filters see only the records logged on it, so the filter goes on each of the
    package's loggers (each record passes exactly one of them).
    """

    def add_prefix(record: logging.LogRecord) -> bool:
        record.msg = f"{prefix}{record.msg}"
        return True

    names = [n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] == package]
    loggers = [logging.getLogger(n) for n in names]
    for logger in loggers:
        logger.addFilter(add_prefix)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(add_prefix)
