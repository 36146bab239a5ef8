"""Predictive checks: the observed KPI against predictive draws from the prior or the posterior.

A :class:`PredictiveCheck` holds the predictive bands over time, how often the observed KPI
falls inside the 50% and 90% bands, Bayesian p-values of summary statistics (Gelman et al.,
*Bayesian Data Analysis*, 3rd ed., ch. 6) and fit metrics of the predictive mean (R², MAPE,
NRMSE). :func:`predictive_draws` makes KPI draws in numpy from any posterior and any inputs, so
a model fitted on a training window can predict a holdout window.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from mmm_bayes.analysis.contributions import contributions
from mmm_bayes.analysis.media import SAMPLE_DIMS, posterior_dataset
from mmm_bayes.errors import DataError
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec

__all__ = [
    "TEST_STATISTICS",
    "PredictiveCheck",
    "band_coverage",
    "bayesian_p_values",
    "coverage_range",
    "crps_ensemble",
    "fit_metrics",
    "predictive_bands",
    "predictive_check",
    "predictive_draws",
]

#: Central bands reported, as probability mass.
LEVELS = (0.5, 0.9)
#: p-values outside [P_LOW, 1 - P_LOW] are flagged (two-sided 5%).
P_LOW = 0.025


def _lag1(y: np.ndarray) -> np.ndarray:
    d = y - y.mean(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):  # a constant series has none: NaN
        return (d[..., 1:] * d[..., :-1]).sum(axis=-1) / (d * d).sum(axis=-1)


#: Summary statistics ``T(y)`` of a KPI series (last axis is time) for Bayesian p-values.
TEST_STATISTICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mean": lambda y: y.mean(axis=-1),
    "sd": lambda y: y.std(axis=-1, ddof=1),
    "min": lambda y: y.min(axis=-1),
    "max": lambda y: y.max(axis=-1),
    "lag-1 autocorrelation": _lag1,
}


def _as_draws(draws: xr.DataArray | np.ndarray) -> np.ndarray:
    """Return predictive draws as an array of shape (sample, date)."""
    if isinstance(draws, xr.DataArray):
        dims = [d for d in SAMPLE_DIMS if d in draws.dims]
        if "date" not in draws.dims or not dims:
            raise DataError(
                f"predictive draws need dims (chain, draw, date); got {tuple(draws.dims)}."
            )
        return draws.stack(_sample=dims).transpose("_sample", "date").to_numpy()
    arr = np.asarray(draws, dtype=float)
    return arr.reshape(-1, arr.shape[-1])


def _check_shapes(observed: np.ndarray, draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    observed = np.asarray(observed, dtype=float)
    if observed.ndim != 1 or draws.shape[-1] != observed.shape[0]:
        raise DataError(
            f"observed KPI has shape {observed.shape} but the predictive draws cover "
            f"{draws.shape[-1]} dates; pass one observation per date."
        )
    return observed, draws


def predictive_bands(
    draws: xr.DataArray | np.ndarray, levels: Sequence[float] = LEVELS
) -> pd.DataFrame:
    """Mean, median and central-band quantiles of predictive draws per date.

    Parameters
    ----------
    draws : DataArray (chain, draw, date) or ndarray (..., date)
        Predictive draws in KPI units.
    levels : sequence of float, default (0.5, 0.9)
        Central bands; 0.9 gives columns ``q05`` and ``q95``.

    Returns
    -------
    DataFrame
        One row per date: ``mean``, ``median`` and ``q{lo}``/``q{hi}`` for each level
        (``q25``, ``q75``, ``q05``, ``q95`` by default), quantiles in percent.
    """
    arr = _as_draws(draws)
    out = {"mean": arr.mean(axis=0), "median": np.median(arr, axis=0)}
    for level in levels:
        lo, hi = (1 - level) / 2, (1 + level) / 2
        out[_qname(lo)], out[_qname(hi)] = np.quantile(arr, [lo, hi], axis=0)
    index = draws.indexes["date"] if isinstance(draws, xr.DataArray) else None
    return pd.DataFrame(out, index=index)


def _qname(q: float) -> str:
    return f"q{round(q * 100):02d}"


def band_coverage(
    observed: np.ndarray, draws: xr.DataArray | np.ndarray, levels: Sequence[float] = LEVELS
) -> dict[float, float]:
    """Share of observations inside each central predictive band.

    A calibrated model puts about ``level`` of the observations inside the band of that
    probability; far fewer means the model is overconfident or misses structure.

    Returns
    -------
    dict of float to float
        ``{level: share}``, e.g. ``{0.5: 0.52, 0.9: 0.91}``.
    """
    observed, arr = _check_shapes(observed, _as_draws(draws))
    out = {}
    for level in levels:
        lo, hi = np.quantile(arr, [(1 - level) / 2, (1 + level) / 2], axis=0)
        out[float(level)] = float(np.mean((observed >= lo) & (observed <= hi)))
    return out


def coverage_range(level: float, n: int, *, z: float = 2.576) -> tuple[float, float]:
    """Range of coverage a calibrated ``level`` band shows on ``n`` independent observations.

    ``level ± z * sqrt(level (1 - level) / n)``, the normal approximation of the binomial;
    ``z = 2.576`` gives a 99% range, so a coverage outside it is flagged.
    """
    half = z * np.sqrt(level * (1 - level) / max(n, 1))
    return max(0.0, level - half), min(1.0, level + half)


def bayesian_p_values(
    observed: np.ndarray,
    draws: xr.DataArray | np.ndarray,
    statistics: Mapping[str, Callable[[np.ndarray], np.ndarray]] | None = None,
) -> pd.DataFrame:
    """Posterior (or prior) predictive p-values ``P(T(y_rep) >= T(y))`` of summary statistics.

    A p-value near 0 or 1 means the predictive draws rarely look like the data in that
    respect (e.g. the observed KPI is more autocorrelated than any replicate: missed
    structure). Ties count one half.

    Parameters
    ----------
    observed : ndarray, shape (date,)
        The observed KPI.
    draws : DataArray (chain, draw, date) or ndarray (..., date)
        Predictive draws.
    statistics : mapping of str to callable, optional
        ``T(y)`` functions over the last axis; default :data:`TEST_STATISTICS`.

    Returns
    -------
    DataFrame
        Indexed by statistic: ``observed``, ``predictive_mean``, ``p_value`` and ``flag``
        (p outside [0.025, 0.975]).
    """
    observed, arr = _check_shapes(observed, _as_draws(draws))
    rows = {}
    for name, stat in (statistics or TEST_STATISTICS).items():
        t_obs, t_rep = float(stat(observed)), np.asarray(stat(arr), dtype=float)
        p = float(np.mean(t_rep > t_obs) + 0.5 * np.mean(t_rep == t_obs))
        rows[name] = {
            "observed": t_obs,
            "predictive_mean": float(np.mean(t_rep)),
            "p_value": p,
            "flag": not P_LOW <= p <= 1 - P_LOW,
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("statistic")


def fit_metrics(observed: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """R², MAPE and NRMSE of a point prediction, skipping missing observations.

    - ``r2 = 1 - sum((y - ŷ)²) / sum((y - mean(y))²)`` (NaN for constant ``y``);
    - ``mape = mean(|y - ŷ| / |y|)`` over non-zero ``y``, a fraction;
    - ``nrmse = sqrt(mean((y - ŷ)²)) / (max(y) - min(y))``, RMSE over the observed range.

    Returns
    -------
    dict
        ``{"r2": ..., "mape": ..., "nrmse": ...}``.
    """
    y, yhat = np.asarray(observed, float), np.asarray(predicted, float)
    ok = np.isfinite(y)
    if not ok.any():
        raise DataError("every observed KPI value is missing; nothing to score.")
    y, yhat = y[ok], yhat[ok]
    ss_tot, resid = float(np.sum((y - y.mean()) ** 2)), y - yhat
    nz, spread = y != 0, float(y.max() - y.min())
    return {
        "r2": 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else float("nan"),
        "mape": float(np.mean(np.abs(resid[nz]) / np.abs(y[nz]))) if nz.any() else float("nan"),
        "nrmse": float(np.sqrt(np.mean(resid**2))) / spread if spread > 0 else float("nan"),
    }


def crps_ensemble(observed: np.ndarray, draws: xr.DataArray | np.ndarray) -> np.ndarray:
    """Continuous ranked probability score of predictive draws, per date (KPI units).

    ``CRPS = E|X - y| - E|X - X'| / 2`` with ``X, X'`` independent predictive draws (Gneiting
    and Raftery 2007, Eq. 21); lower is better, and for a point forecast it is the absolute
    error. ``E|X - X'|`` is computed exactly from the sorted draws:
    ``2 / m² * sum_i (2i - m - 1) x_(i)``.

    Returns
    -------
    ndarray, shape (date,)
    """
    observed, arr = _check_shapes(observed, _as_draws(draws))
    m = arr.shape[0]
    spread_weights = (2 * np.arange(1, m + 1) - m - 1)[:, None]
    mean_pair_gap = 2.0 / m**2 * np.sum(spread_weights * np.sort(arr, axis=0), axis=0)
    return np.mean(np.abs(arr - observed), axis=0) - 0.5 * mean_pair_gap


@dataclass(frozen=True)
class PredictiveCheck:
    """A prior or posterior predictive check of the KPI.

    Attributes
    ----------
    kind : {"prior", "posterior"}
        Which predictive distribution was checked.
    observed : Series
        The observed KPI, indexed by date.
    bands : DataFrame
        :func:`predictive_bands` per date.
    coverage : dict of float to float
        :func:`band_coverage`.
    p_values : DataFrame
        :func:`bayesian_p_values`.
    metrics : dict of str to float
        :func:`fit_metrics` of the predictive mean (in sample).
    """

    kind: Literal["prior", "posterior"]
    observed: pd.Series
    bands: pd.DataFrame
    coverage: dict[float, float]
    p_values: pd.DataFrame
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def coverage_flags(self) -> dict[float, bool]:
        """True for a band whose coverage lies outside :func:`coverage_range` (99%)."""
        n = int(np.isfinite(self.observed.to_numpy()).sum())
        out = {}
        for level, share in self.coverage.items():
            lo, hi = coverage_range(level, n)
            out[level] = not lo <= share <= hi
        return out

    @property
    def verdict(self) -> str:
        """A plain sentence on what the check says."""
        cov90 = self.coverage.get(0.9)
        if self.kind == "prior":
            width = float((self.bands["q95"] - self.bands["q05"]).mean())
            spread = float(self.observed.std())
            return (
                f"The priors alone put {cov90:.0%} of the observed KPI inside their 90% band; "
                f"the band is on average {width / spread:.1f} times the observed KPI's standard "
                "deviation wide. Priors should allow the data (coverage near 100%) without "
                "being absurdly wide (a ratio in the hundreds)."
            )
        flagged = [lvl for lvl, bad in self.coverage_flags.items() if bad]
        stats = list(self.p_values.index[self.p_values["flag"]])
        if not flagged and not stats:
            return (
                "The posterior predictive distribution reproduces the data: band coverage is "
                "as expected and no summary statistic is extreme."
            )
        parts = [
            f"the {lvl:.0%} band covers {self.coverage[lvl]:.0%} of observations" for lvl in flagged
        ]
        parts += [f"'{s}' has p = {self.p_values.loc[s, 'p_value']:.3f}" for s in stats]
        return "The model misses something in the data: " + "; ".join(parts) + "."

    def to_dict(self) -> dict:
        """Coverage, p-values and metrics as plain data (for JSON)."""
        return {
            "kind": self.kind,
            "coverage": {str(k): v for k, v in self.coverage.items()},
            "p_values": self.p_values.reset_index().to_dict(orient="records"),
            "metrics": self.metrics,
            "verdict": self.verdict,
        }


def predictive_check(
    observed: pd.Series | np.ndarray,
    draws: xr.DataArray,
    *,
    kind: Literal["prior", "posterior"] = "posterior",
    levels: Sequence[float] = LEVELS,
) -> PredictiveCheck:
    """Compare the observed KPI with predictive draws.

    Parameters
    ----------
    observed : Series or ndarray, shape (date,)
        The observed KPI, in the order of ``draws.date``.
    draws : DataArray, dims (chain, draw, date)
        Prior or posterior predictive draws in KPI units.
    kind : {"prior", "posterior"}
        Which distribution the draws come from (changes the verdict).
    levels : sequence of float
        Central bands for coverage.

    Returns
    -------
    PredictiveCheck
    """
    bands = predictive_bands(draws, levels)
    y = np.asarray(observed, dtype=float)
    return PredictiveCheck(
        kind=kind,
        observed=pd.Series(y, index=bands.index, name="observed"),
        bands=bands,
        coverage=band_coverage(y, draws, levels),
        p_values=bayesian_p_values(y, draws),
        metrics=fit_metrics(y, bands["mean"].to_numpy()),
    )


def predictive_draws(
    posterior: xr.Dataset | xr.DataTree,
    inputs: ModelInputs,
    spec: ModelSpec,
    *,
    random_seed: int | np.random.Generator = 0,
) -> xr.DataArray:
    """Draw KPI series from the model for every posterior draw, in numpy.

    ``kpi = mu * kpi_scale + noise``, ``mu`` from :func:`~mmm_bayes.analysis.contributions`
    and the noise of the spec's likelihood (normal, or Student-t with ``nu``), scale
    ``sigma * kpi_scale``: the model's likelihood. ``inputs`` may cover more dates than the
    fit (a holdout window), with the scales of the fit.

    Returns
    -------
    DataArray
        Named ``kpi``, dims (chain, draw, date), KPI units.
    """
    ds = posterior_dataset(posterior)
    rng = np.random.default_rng(random_seed)
    mu = contributions(ds, inputs, spec)["mu"].transpose(*SAMPLE_DIMS, "date")
    scale = (ds["sigma"] * inputs.kpi_scale).transpose(*SAMPLE_DIMS).to_numpy()[..., None]
    if spec.likelihood.kind == "student_t":
        nu = ds["nu"].transpose(*SAMPLE_DIMS).to_numpy()[..., None]
        noise = rng.standard_t(np.broadcast_to(nu, mu.shape))
    else:
        noise = rng.standard_normal(mu.shape)
    out = mu + scale * noise
    return out.rename("kpi").assign_attrs(units="KPI")
