"""Fit the toolkit on simulated scenarios and score it against the truth.

One fit of one scenario gives one row per channel: the true ROAS, the posterior mean and its
5/25/75/95% quantiles, the relative error of the mean, whether the 50% and 90% central
intervals cover the truth, the fit's sampling diagnostics and its wall-clock time.
:func:`summarize` pools rows over seeds and channels.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mmm_bayes.mmm import MMM
from mmm_bayes.simulate.causal import Scenario
from mmm_bayes.spec import ModelSpec

__all__ = ["FEATURE_NOTES", "fit_scenario", "scenario_spec", "score_roas", "summarize"]

#: How each model feature a scenario calls for is handled until it exists.
FEATURE_NOTES = {
    "national": "",
    "geo": (
        "geo model not yet available (issue 4): fitted with the national model on the data "
        "summed over geos"
    ),
    "tvp": (
        "time-varying coefficients not yet available (issue 4): fitted with the constant-effect "
        "national model"
    ),
    "lift_test": "",
}


def scenario_spec(scenario: Scenario, controls: Sequence[str] | None = None, **fields) -> ModelSpec:
    """Return the national model for ``scenario``: its channels, ``l_max`` and given controls.

    Parameters
    ----------
    scenario : Scenario
        The simulated scenario.
    controls : sequence of str, optional
        Control columns; the scenario's correct ones (``scenario.controls``) by default.
    **fields
        Other :class:`~mmm_bayes.spec.ModelSpec` fields (priors, seasonality, ...).
    """
    controls = scenario.controls if controls is None else controls
    base = {
        "kpi": scenario.truth.kpi,
        "channels": [{"name": c, "column": f"{c}_spend"} for c in scenario.channels],
        "controls": list(controls),
        "adstock": {"kind": "geometric", "l_max": scenario.l_max},
    }
    return ModelSpec.model_validate(base | fields)


def score_roas(roas: np.ndarray, channels: Sequence[str], true: dict[str, float]) -> pd.DataFrame:
    """Score posterior ROAS draws against the truth, one row per channel.

    Parameters
    ----------
    roas : ndarray, shape (n_draws, n_channels)
        Posterior ROAS draws.
    channels : sequence of str
        Channel names, in column order.
    true : dict of str to float
        True ROAS per channel.

    Returns
    -------
    DataFrame
        ``channel, true, mean, q05, q25, q75, q95, rel_error, cover50, cover90``; the
        intervals are central (25-75% and 5-95%), ``rel_error = (mean - true) / true``.

    Examples
    --------
    >>> draws = np.random.default_rng(0).normal(2.0, 0.1, size=(4000, 1))
    >>> row = score_roas(draws, ["tv"], {"tv": 2.0}).iloc[0]
    >>> bool(row.cover90), bool(abs(row.rel_error) < 0.01)
    (True, True)
    """
    q = np.quantile(roas, [0.05, 0.25, 0.75, 0.95], axis=0)
    t = np.array([true[c] for c in channels])
    mean = roas.mean(axis=0)
    return pd.DataFrame(
        {
            "channel": list(channels),
            "true": t,
            "mean": mean,
            "q05": q[0],
            "q25": q[1],
            "q75": q[2],
            "q95": q[3],
            "rel_error": (mean - t) / t,
            "cover50": (q[1] <= t) & (t <= q[2]),
            "cover90": (q[0] <= t) & (t <= q[3]),
        }
    )


def fit_scenario(
    scenario: Scenario,
    *,
    controls: Sequence[str] | None = None,
    label: str = "right",
    lift_tests: Any = None,
    **settings: Any,
) -> pd.DataFrame:
    """Fit the national model to a scenario and score its ROAS against the truth.

    Parameters
    ----------
    scenario : Scenario
        The simulated scenario (``scenario.national_data`` is fitted).
    controls : sequence of str, optional
        Control columns; the correct ones by default.
    label : str, default "right"
        Name of the specification in the result (``"right"`` or ``"wrong"``).
    lift_tests : DataFrame, optional
        Lift tests to fit with (``MMM.fit(lift_tests=...)``).
    **settings
        Sampler settings for :meth:`mmm_bayes.MMM.fit` (``draws``, ``tune``, ``chains``,
        ``random_seed``, ...).

    Returns
    -------
    DataFrame
        :func:`score_roas`'s rows plus ``scenario, spec, seed, controls, feature, fit_s,
        divergences, max_rhat, min_ess_bulk, min_ess_tail``.
    """
    spec = scenario_spec(scenario, controls)
    mmm = MMM(spec)
    start = time.perf_counter()
    mmm_log = logging.getLogger("mmm_bayes.mmm")
    level, _ = mmm_log.level, mmm_log.setLevel(logging.ERROR)  # diagnostics are scored below
    try:
        mmm.fit(
            scenario.national_data,
            posterior_predictive=False,
            progressbar=False,
            **({"lift_tests": lift_tests} if lift_tests is not None else {}),
            **settings,
        )
    finally:
        mmm_log.setLevel(level)
    elapsed = time.perf_counter() - start
    draws = mmm.roas().stack(sample=("chain", "draw")).transpose("sample", "channel").to_numpy()
    rows = score_roas(draws, scenario.channels, scenario.truth.true_roas)
    checks = {c.name: c.value for c in mmm.diagnostics()}
    info = {
        "scenario": scenario.name,
        "spec": label,
        "seed": scenario.truth.meta.get("random_seed"),
        "controls": ",".join(spec.controls),
        "feature": scenario.feature,
        "fit_s": elapsed,
        "divergences": checks["divergences"],
        "max_rhat": checks["max R-hat"],
        "min_ess_bulk": checks["min bulk ESS"],
        "min_ess_tail": checks["min tail ESS"],
    }
    return rows.assign(**info)


def summarize(rows: pd.DataFrame, by: Sequence[str] = ("scenario", "spec")) -> pd.DataFrame:
    """Pool per-channel rows: counts of covered intervals, errors, diagnostics and fit time.

    Returns one row per group with ``fits``, ``channel_fits``, ``cover50``/``cover90`` (counts)
    and their shares, ``mean_abs_rel_error``, ``mean_rel_error`` (bias), ``median_fit_s``,
    ``max_rhat``, ``divergences`` (summed over fits) and ``fits_converged`` (fits with no
    divergence and R-hat at most 1.01).
    """
    keys = list(by)
    per_fit = rows.drop_duplicates([*keys, "seed"])
    fits = per_fit.groupby(keys, sort=False)
    out = rows.groupby(keys, sort=False).agg(
        channel_fits=("channel", "size"),
        cover50=("cover50", "sum"),
        cover90=("cover90", "sum"),
        mean_abs_rel_error=("rel_error", lambda e: float(np.mean(np.abs(e)))),
        mean_rel_error=("rel_error", "mean"),
    )
    out["fits"] = fits.size()
    out["share50"] = out["cover50"] / out["channel_fits"]
    out["share90"] = out["cover90"] / out["channel_fits"]
    out["median_fit_s"] = fits["fit_s"].median()
    out["max_rhat"] = fits["max_rhat"].max()
    out["divergences"] = fits["divergences"].sum()
    ok = (per_fit["divergences"] == 0) & (per_fit["max_rhat"] <= 1.01)
    out["fits_converged"] = ok.groupby([per_fit[k] for k in keys], sort=False).sum()
    return out.reset_index()
