"""Out-of-sample validation: refit without the last periods and score the forecast of them.

:func:`holdout_folds` cuts the series into training and test windows (one holdout, or
rolling-origin folds); :func:`validate` refits the model on each training window (through a
``fit`` callable, so this module never samples itself), predicts the test window with
:func:`~mmm_bayes.analysis.ppc.predictive_draws`, and scores the prediction: MAPE of the
predictive mean, CRPS of the predictive distribution, and coverage of its 50% and 90% bands.

The test window is predicted with the spend, controls and dates actually observed there (the
model explains the KPI given the media plan; it does not forecast the media plan), with the
scales and trend of the training fit, and with the carryover of the spend before it.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from mmm_bayes.analysis._io import write_json
from mmm_bayes.analysis.ppc import (
    band_coverage,
    coverage_range,
    crps_ensemble,
    fit_metrics,
    predictive_bands,
    predictive_draws,
)
from mmm_bayes.analysis.roas import roas, roas_table
from mmm_bayes.errors import ConfigError
from mmm_bayes.inference.diagnostics import diagnose
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec

__all__ = [
    "Fold",
    "FoldResult",
    "ValidationResult",
    "evaluate_fold",
    "extend_inputs",
    "holdout_folds",
    "validate",
]

Window = Literal["expanding", "sliding"]
#: ``fit(frame) -> (idata, inputs)``: fit the model to a slice of the data.
FitFn = Callable[[pd.DataFrame], tuple[xr.DataTree, ModelInputs]]


@dataclass(frozen=True)
class Fold:
    """Row positions of one training window and the test window right after it."""

    train: slice
    test: slice


def holdout_folds(
    n_periods: int,
    *,
    holdout: int,
    folds: int = 1,
    step: int | None = None,
    window: Window = "expanding",
    min_train: int | None = None,
) -> list[Fold]:
    """Cut ``n_periods`` into rolling-origin folds, oldest first.

    Fold ``k`` of ``folds`` tests the ``holdout`` periods ending ``(folds - 1 - k) * step``
    periods before the end; its training window is everything before the test window
    (``"expanding"``) or the same number of periods for every fold, ending right before the
    test window (``"sliding"``: every fold fits the same amount of data, and a model
    compiled once is reused by every refit).

    Parameters
    ----------
    n_periods : int
        Length of the series.
    holdout : int
        Periods in each test window, >= 1.
    folds : int, default 1
        Number of folds; 1 is a single holdout of the last ``holdout`` periods.
    step : int, optional
        Periods between the ends of consecutive test windows; default ``holdout``.
    window : {"expanding", "sliding"}
        Training window of each fold.
    min_train : int, optional
        Shortest training window allowed; default ``max(2 * holdout, 8)``.

    Raises
    ------
    ConfigError
        If the numbers leave a training window shorter than ``min_train``.
    """
    step_given, min_given = step, min_train
    step = holdout if step is None else step
    min_train = max(2 * holdout, 8) if min_train is None else min_train
    if holdout < 1 or folds < 1 or step < 1:
        raise ConfigError(
            f"holdout, folds and step must be >= 1; got holdout={holdout}, folds={folds}, "
            f"step={step}."
        )
    shortest = n_periods - holdout - (folds - 1) * step
    if shortest < min_train:
        longest = next(  # the longest holdout these folds allow, all else as given
            (
                h
                for h in range(n_periods - 1, 0, -1)
                if n_periods - h - (folds - 1) * (h if step_given is None else step)
                >= (max(2 * h, 8) if min_given is None else min_given)
            ),
            None,
        )
        why = " (twice the holdout, and at least 8)" if min_given is None else ""
        hint = f" The longest holdout these data allow here is {longest}." if longest else ""
        raise ConfigError(
            f"{folds} fold(s) of holdout={holdout} every {step} periods leave the first fold "
            f"{max(shortest, 0)} of the {n_periods} periods to train on; it needs at least "
            f"{min_train}{why}.{hint} Use fewer folds, a shorter holdout or a smaller step."
        )
    out = []
    for k in range(folds):
        end = n_periods - (folds - 1 - k) * step
        start = 0 if window == "expanding" else end - holdout - shortest
        out.append(Fold(slice(start, end - holdout), slice(end - holdout, end)))
    return out


def extend_inputs(train: ModelInputs, full: ModelInputs, *, train_start: int) -> ModelInputs:
    """Return inputs over ``full``'s dates on the scales of a fit to ``train``.

    The KPI, spend and control scales are the training window's, and the trend's time axis
    continues the training window's (0 at its first period, 1 at its last), so the trained
    posterior predicts any period of ``full``.

    Parameters
    ----------
    train : ModelInputs
        Inputs of the training fit (its dates are ``full``'s from ``train_start`` on).
    full : ModelInputs
        Inputs built from the whole series.
    train_start : int
        Position in ``full`` of the training window's first period.
    """
    n_train = len(train.dates)
    time = (np.arange(len(full.dates)) - train_start) / max(n_train - 1, 1)
    per_date = _per_date_fields(full)
    scales = {
        f.name: getattr(train, f.name)
        for f in dataclasses.fields(full)
        if f.name not in per_date and not isinstance(getattr(full, f.name), tuple)
    }
    return dataclasses.replace(full, **scales, time=time)


def _per_date_fields(inputs: ModelInputs) -> list[str]:
    """Names of the fields of ``inputs`` that hold one row per date (dates, KPI, spend, ...)."""
    n = len(inputs.dates)
    return [
        f.name
        for f in dataclasses.fields(inputs)
        if isinstance(v := getattr(inputs, f.name), np.ndarray | pd.Index)
        and v.ndim >= 1
        and v.shape[0] == n
    ]


def slice_inputs(inputs: ModelInputs, rows: slice) -> ModelInputs:
    """Restrict ``inputs`` to the periods ``rows`` (every per-date field sliced, scales kept)."""
    return dataclasses.replace(
        inputs, **{f: getattr(inputs, f)[rows] for f in _per_date_fields(inputs)}
    )


@dataclass(frozen=True)
class FoldResult:
    """Scores of one fold and its holdout prediction.

    Attributes
    ----------
    fold : int
        0 is the oldest fold.
    train_start, train_end, test_start, test_end : Timestamp
        First and last dates of the windows.
    metrics : dict of str to float
        ``mape`` (predictive mean), ``crps`` (KPI units, mean over the test dates),
        ``rel_crps`` (CRPS over the mean observed KPI), ``coverage_50``, ``coverage_90``,
        ``train_mape`` (in sample) and ``naive_mape`` (predicting the mean KPI of the last
        ``holdout`` training periods, a yardstick).
    diagnosis : str
        Convergence status of the refit (``pass``, ``warn``, ``fail``, ``skip``).
    predictions : DataFrame
        Test dates: ``observed``, ``mean`` and the 50%/90% band quantiles.
    roas : DataFrame
        The refit's ROAS summary per channel (:func:`~mmm_bayes.analysis.roas_table`).
    """

    fold: int
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    test_start: pd.Timestamp
    test_end: pd.Timestamp
    metrics: dict[str, float]
    diagnosis: str
    predictions: pd.DataFrame
    roas: pd.DataFrame

    def to_dict(self) -> dict:
        """Plain data for JSON: dates as ISO strings, tables as records."""
        pred = self.predictions.reset_index()
        pred["date"] = pred["date"].dt.strftime("%Y-%m-%d")
        return {
            "fold": self.fold,
            **{k: getattr(self, k).strftime("%Y-%m-%d") for k in _DATE_FIELDS},
            "metrics": self.metrics,
            "diagnosis": self.diagnosis,
            "predictions": pred.to_dict(orient="records"),
            "roas": self.roas.reset_index().to_dict(orient="records"),
        }

    @classmethod
    def from_dict(cls, d: dict) -> FoldResult:
        """Inverse of :meth:`to_dict`."""
        pred = pd.DataFrame(d["predictions"])
        pred["date"] = pd.to_datetime(pred["date"])
        return cls(
            fold=int(d["fold"]),
            **{k: pd.Timestamp(d[k]) for k in _DATE_FIELDS},
            metrics={k: float(v) for k, v in d["metrics"].items()},
            diagnosis=str(d["diagnosis"]),
            predictions=pred.set_index("date"),
            roas=pd.DataFrame(d["roas"]).set_index("channel"),
        )


_DATE_FIELDS = ("train_start", "train_end", "test_start", "test_end")


@dataclass(frozen=True)
class ValidationResult:
    """Out-of-sample scores of every fold, their summary and a verdict.

    Examples
    --------
    >>> result = mmm.validate(holdout=13)              # doctest: +SKIP
    >>> result.table()[["mape", "crps", "coverage_90"]]  # doctest: +SKIP
    """

    folds: tuple[FoldResult, ...]
    holdout: int
    window: Window
    kpi: str = "KPI"

    def table(self) -> pd.DataFrame:
        """One row per fold: its windows, metrics and the refit's convergence status."""
        rows = []
        for f in self.folds:
            rows.append(
                {"fold": f.fold, **{k: getattr(f, k) for k in _DATE_FIELDS}}
                | f.metrics
                | {"diagnosis": f.diagnosis}
            )
        return pd.DataFrame(rows).set_index("fold")

    @property
    def summary(self) -> dict[str, float]:
        """Metrics averaged over the folds (coverage pooled over every test period)."""
        table = self.table()
        return {k: float(table[k].mean()) for k in self.folds[0].metrics}

    @property
    def verdict(self) -> str:
        """Plain sentences on the out-of-sample accuracy and calibration."""
        s, n = self.summary, self.holdout * len(self.folds)
        lo, _ = coverage_range(0.9, n)
        text = (
            f"Over {len(self.folds)} holdout window(s) of {self.holdout} periods, the "
            f"out-of-sample MAPE is {s['mape']:.1%} (in sample {s['train_mape']:.1%}; "
            f"predicting the recent mean gives {s['naive_mape']:.1%}) and the 90% band covers "
            f"{s['coverage_90']:.0%} of the held-out periods."
        )
        if s["coverage_90"] < lo:
            text += (
                " The bands are too narrow out of sample: the model is overconfident about "
                "periods it has not seen."
            )
        if s["mape"] > s["naive_mape"]:
            text += " The model predicts the holdout no better than the recent mean does."
        bad = [f.fold for f in self.folds if f.diagnosis == "fail"]
        if bad:
            text += f" The refits of fold(s) {bad} did not converge; their scores are unreliable."
        return text

    def to_dict(self) -> dict:
        """Plain data for JSON."""
        return {
            "holdout": self.holdout,
            "window": self.window,
            "kpi": self.kpi,
            "summary": self.summary,
            "verdict": self.verdict,
            "folds": [f.to_dict() for f in self.folds],
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Write the result as JSON (via a temporary file, then renamed)."""
        return write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> ValidationResult:
        """Read a result written by :meth:`save`."""
        d = json.loads(Path(path).read_text())
        return cls(
            folds=tuple(FoldResult.from_dict(f) for f in d["folds"]),
            holdout=int(d["holdout"]),
            window=d["window"],
            kpi=d.get("kpi", "KPI"),
        )


def evaluate_fold(
    idata: xr.DataTree,
    train: ModelInputs,
    full: ModelInputs,
    spec: ModelSpec,
    fold: Fold,
    *,
    index: int = 0,
    random_seed: int | np.random.Generator = 0,
) -> FoldResult:
    """Score the prediction of ``fold.test`` by a posterior fitted to ``fold.train``.

    Parameters
    ----------
    idata : DataTree
        The training fit (``posterior``, and ``sample_stats`` for its convergence status).
    train, full : ModelInputs
        Inputs of the training window and of the whole series.
    spec : ModelSpec
        The model.
    fold : Fold
        Row positions of the windows in ``full``.
    index : int
        The fold's number.
    random_seed : int or Generator
        Seed of the predictive noise.
    """
    extended = extend_inputs(train, full, train_start=fold.train.start)
    window = slice_inputs(extended, slice(0, fold.test.stop))
    draws = predictive_draws(idata, window, spec, random_seed=random_seed)
    test_pos = np.arange(fold.test.start, fold.test.stop)
    test_draws = draws.isel(date=test_pos)
    y = full.kpi[fold.test]
    bands = predictive_bands(test_draws)
    train_draws = draws.isel(date=np.arange(fold.train.start, fold.train.stop))
    recent = full.kpi[max(fold.train.stop - len(y), fold.train.start) : fold.train.stop]
    coverage = band_coverage(y, test_draws)
    metrics = {
        "mape": fit_metrics(y, bands["mean"].to_numpy())["mape"],
        "crps": float(np.mean(crps_ensemble(y, test_draws))),
        "rel_crps": float(np.mean(crps_ensemble(y, test_draws)) / np.mean(np.abs(y))),
        "coverage_50": coverage[0.5],
        "coverage_90": coverage[0.9],
        "train_mape": fit_metrics(
            full.kpi[fold.train], train_draws.mean(("chain", "draw")).to_numpy()
        )["mape"],
        "naive_mape": fit_metrics(y, np.full(len(y), recent.mean()))["mape"],
    }
    bands.insert(0, "observed", y)
    return FoldResult(
        fold=index,
        train_start=full.dates[fold.train.start],
        train_end=full.dates[fold.train.stop - 1],
        test_start=full.dates[fold.test.start],
        test_end=full.dates[fold.test.stop - 1],
        metrics=metrics,
        diagnosis=diagnose(idata).status,
        predictions=bands.rename_axis("date"),
        roas=roas_table(roas(idata, train, spec)),
    )


def validate(
    frame: pd.DataFrame,
    full: ModelInputs,
    spec: ModelSpec,
    fit: FitFn,
    folds: list[Fold],
    *,
    window: Window = "expanding",
    random_seed: int = 0,
) -> ValidationResult:
    """Refit on each fold's training window and score its holdout prediction.

    Parameters
    ----------
    frame : DataFrame
        The validated data, one row per period in date order (``ValidatedData.frame``).
    full : ModelInputs
        Inputs built from all of ``frame``.
    spec : ModelSpec
        The model.
    fit : callable
        ``fit(train_frame) -> (idata, train_inputs)``; the facade passes a short NUTS fit.
    folds : list of Fold
        From :func:`holdout_folds`.
    window : {"expanding", "sliding"}
        Recorded in the result.
    random_seed : int
        Seed of the predictive noise (fold ``k`` uses ``random_seed + k``).

    Returns
    -------
    ValidationResult
    """
    results = []
    for k, fold in enumerate(folds):
        idata, train = fit(frame.iloc[fold.train].reset_index(drop=True))
        results.append(
            evaluate_fold(idata, train, full, spec, fold, index=k, random_seed=random_seed + k)
        )
    holdout = folds[0].test.stop - folds[0].test.start
    return ValidationResult(tuple(results), holdout=holdout, window=window, kpi=spec.kpi)
