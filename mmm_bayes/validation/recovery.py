"""Fit the toolkit on simulated scenarios and score it against the truth.

Each scenario is fitted with the model made for its feature and with a comparison
specification (:func:`scenario_fits`, labels in :data:`SPEC_LABELS`). One fit of one scenario
gives one row per channel: the true ROAS, the posterior mean and its 5/25/75/95% quantiles,
the relative error of the mean, whether the 50% and 90% central intervals cover the truth, the
fit's sampling diagnostics and its wall-clock time. :func:`summarize` pools rows over seeds and
channels.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mmm_bayes.mmm import MMM
from mmm_bayes.simulate.causal import Scenario
from mmm_bayes.spec import ModelSpec

__all__ = [
    "FEATURE_NOTES",
    "SPEC_LABELS",
    "Fit",
    "drifting_channels",
    "feature_spec",
    "fit_scenario",
    "relabel_legacy_rows",
    "scenario_fits",
    "scenario_spec",
    "score_roas",
    "summarize",
]

#: Spec labels per model feature: (the model made for it, the comparison). National scenarios
#: with a tempting wrong choice of controls add ``"wrong"``. The labels of the geo and tvp
#: features are new (issue 9): rows labelled ``"right"`` there are national fits of old runs.
SPEC_LABELS = {
    "national": ("right", "wrong"),
    "geo": ("geo_model", "national_sums"),
    "tvp": ("time_varying", "constant"),
    "lift_test": ("lift", "no_lift"),
}

#: What is fitted to the scenarios of each model feature, for the validation page.
FEATURE_NOTES = {
    "national": "",
    "geo": (
        "the hierarchical geo model on the panel (spec `geo_model`, ROAS as the national "
        "roll-up), and the national model on the data summed over geos (spec `national_sums`)"
    ),
    "tvp": (
        "time-varying coefficients (random walk) on the channel whose effect changes (spec "
        "`time_varying`), and the constant-effect model (spec `constant`)"
    ),
    "lift_test": "",
}


@dataclasses.dataclass(frozen=True)
class Fit:
    """One specification to fit to a scenario: the model, the data it fits and lift tests."""

    spec: ModelSpec
    data: pd.DataFrame
    lift_tests: pd.DataFrame | None = None


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


def drifting_channels(scenario: Scenario) -> list[str]:
    """Channels whose effect changes over time, from ``truth.meta["effect_multiplier"]``.

    :func:`~mmm_bayes.simulate.structural.vary_effect` records there the multiplier path of
    each channel it varies, so the truth itself says which channels drift.
    """
    varied = scenario.truth.meta.get("effect_multiplier") or {}
    if not varied:
        raise ValueError(
            f"scenario {scenario.name!r} has feature 'tvp' but its truth records no drifting "
            "channel (truth.meta['effect_multiplier'] is empty); simulate the drift with "
            "mmm_bayes.simulate.structural.vary_effect"
        )
    return list(varied)


def feature_spec(scenario: Scenario, controls: Sequence[str] | None = None) -> ModelSpec:
    """Return the model made for the scenario's feature (:func:`scenario_spec` plus its block).

    ``geo``: the hierarchical geo model on the ``geo`` column (``scale_column`` population
    where the panel has one, else each geo's KPI mean); ``tvp``: random-walk coefficients on
    the :func:`drifting_channels`; any other feature: the national model.
    """
    if scenario.feature == "geo":
        scale = "population" if "population" in scenario.data.columns else None
        return scenario_spec(scenario, controls, geo={"column": "geo", "scale_column": scale})
    if scenario.feature == "tvp":
        drift = {"channels": drifting_channels(scenario), "method": "random_walk"}
        return scenario_spec(scenario, controls, time_varying=drift)
    return scenario_spec(scenario, controls)


def scenario_fits(scenario: Scenario) -> dict[str, Fit]:
    """Return the specifications the validation fits to a scenario, by label.

    Labels are those of :data:`SPEC_LABELS`.

    The model made for the scenario's feature comes first: the geo model on the panel, the
    time-varying model, or the national model with the correct controls (``right``); then the
    comparison: the national model on the geo sums (``national_sums``), the constant-effect
    model (``constant``), the fit without the lift test (``no_lift``), or the national model
    with the tempting wrong controls (``wrong``, where the scenario names them).

    Examples
    --------
    >>> from mmm_bayes.simulate import scenario
    >>> fits = scenario_fits(scenario("geo_panel", random_seed=0, n_weeks=20))
    >>> list(fits), fits["geo_model"].spec.geo.column, len(fits["national_sums"].data)
    (['geo_model', 'national_sums'], 'geo', 20)
    """
    right, other = SPEC_LABELS[scenario.feature]
    national = Fit(scenario_spec(scenario), scenario.national_data)
    if scenario.feature == "lift_test":
        with_tests = dataclasses.replace(national, lift_tests=scenario.extra["lift_tests"])
        return {right: with_tests, other: national}
    if scenario.feature == "national":
        fits = {right: national}
    else:
        data = scenario.data if scenario.feature == "geo" else scenario.national_data
        fits = {right: Fit(feature_spec(scenario), data), other: national}
    if scenario.wrong_controls is not None:
        wrong = scenario_spec(scenario, scenario.wrong_controls)
        fits["wrong"] = Fit(wrong, scenario.national_data)
    return fits


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
    fit: Fit | None = None,
    **settings: Any,
) -> pd.DataFrame:
    """Fit a model to a scenario and score its (national) ROAS against the truth.

    Parameters
    ----------
    scenario : Scenario
        The simulated scenario.
    controls : sequence of str, optional
        Control columns of the national model (without ``fit``); the correct ones by default.
    label : str, default "right"
        Name of the specification in the result (a key of :func:`scenario_fits`).
    lift_tests : DataFrame, optional
        Lift tests to fit with (``MMM.fit(lift_tests=...)``), without ``fit``.
    fit : Fit, optional
        The model, data and lift tests to fit (one of :func:`scenario_fits`); by default the
        national model with ``controls`` on ``scenario.national_data``. A geo model's
        ``MMM.roas()`` is the national roll-up, scored against the national truth.
    **settings
        Sampler settings for :meth:`mmm_bayes.MMM.fit` (``draws``, ``tune``, ``chains``,
        ``random_seed``, ...).

    Returns
    -------
    DataFrame
        :func:`score_roas`'s rows plus ``scenario, spec, seed, controls, feature, fit_s,
        divergences, max_rhat, min_ess_bulk, min_ess_tail``.
    """
    if fit is None:
        fit = Fit(scenario_spec(scenario, controls), scenario.national_data, lift_tests)
    spec = fit.spec
    mmm = MMM(spec)
    start = time.perf_counter()
    mmm_log = logging.getLogger("mmm_bayes.mmm")
    level, _ = mmm_log.level, mmm_log.setLevel(logging.ERROR)  # diagnostics are scored below
    try:
        mmm.fit(
            fit.data,
            posterior_predictive=False,
            progressbar=False,
            **({"lift_tests": fit.lift_tests} if fit.lift_tests is not None else {}),
            **settings,
        )
    finally:
        mmm_log.setLevel(level)
    elapsed = time.perf_counter() - start
    roas = mmm.roas().sel(channel=scenario.channels)
    draws = roas.stack(sample=("chain", "draw")).transpose("sample", "channel").to_numpy()
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


def relabel_legacy_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rename the ``right`` rows of geo and tvp scenarios to their national spec's label.

    Before issue 9 the geo and tvp scenarios were fitted with the national constant-effect
    model only, labelled ``right``. That is exactly today's comparison fit (``national_sums``
    on the geo sums, ``constant``: same spec, data, seeds and sampler settings), so those rows
    are kept under its label rather than refitted, and never count as the geo or time-varying
    model's rows. Where a fit is on file under both labels, the later row wins.
    """
    if rows.empty or "feature" not in rows:
        return rows
    comparison = {f: SPEC_LABELS[f][1] for f in ("geo", "tvp")}
    old = (rows["spec"] == "right") & rows["feature"].isin(comparison)
    out = rows.assign(spec=rows["spec"].where(~old, rows["feature"].map(comparison)))
    keys = ["scenario", "seed", "spec", "channel"]
    return out.drop_duplicates(keys, keep="last").reset_index(drop=True)


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
