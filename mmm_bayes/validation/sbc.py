"""Simulation-based calibration of the core model (Talts et al. 2018).

:func:`run_sbc` draws ``n_sims`` parameter sets from the priors of a small national model (two
channels, 104 weeks, trend and one Fourier pair), simulates a KPI series from each, fits the
model to each series and ranks the prior draw among thinned posterior draws; the pure rank and
uniformity functions are in :mod:`mmm_bayes.analysis.sbc`.

The KPI scale is held at the design data's mean for every simulation: the model divides the KPI
by its own mean, so letting the scale follow each simulated series would fit a slightly
different model from the one the data came from. All fits share one compiled model (same
structure key), so each costs only sampling time.

``fit_priors`` fits with different prior numbers from those the data were drawn with; the
default miscalibrated variant (:data:`NARROW_SIGMA`) believes the noise is ten times smaller
than it is, and must fail the uniformity test.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from mmm_bayes.analysis.sbc import SBCResult, rank_statistic, sbc_summary, thin
from mmm_bayes.inference import sample as sampling
from mmm_bayes.mmm import MMM
from mmm_bayes.model import build_model, structure_key
from mmm_bayes.simulate.causal import baseline
from mmm_bayes.spec import ModelSpec, SamplerSettings

log = logging.getLogger(__name__)

__all__ = ["NARROW_SIGMA", "SBC_SPEC", "SBCRun", "run_sbc"]

#: The model calibrated: two channels, trend, one Fourier pair, no controls, default priors.
SBC_SPEC = ModelSpec.model_validate(
    {
        "kpi": "sales",
        "channels": [{"name": c, "column": f"{c}_spend"} for c in ("tv", "search")],
        "seasonality": {"order": 1},
    }
)

#: The miscalibrated fit: a noise prior ten times too narrow (HalfNormal(0.02), the data's
#: HalfNormal(0.2)). Same structure, so it reuses the compiled model.
NARROW_SIGMA = {"likelihood": {"kind": "normal", "sigma": {"dist": "HalfNormal", "sigma": 0.02}}}


@dataclasses.dataclass(frozen=True)
class SBCRun:
    """An SBC run: the ranks and their tests, with how the fits went.

    Attributes
    ----------
    result : SBCResult
        Ranks per scalar parameter and the uniformity tests.
    fits : DataFrame
        One row per simulation: ``fit_s``, ``divergences``.
    settings : dict
        Simulations, draws, thinning and the fitted spec's changes.
    """

    result: SBCResult
    fits: pd.DataFrame
    settings: dict[str, Any]


def _scalar_draws(ds, name: str, channels: list[str]) -> dict[str, np.ndarray]:
    """Flatten one variable to ``{scalar name: array (..., n)}``; chains joined on the last axis."""
    da = ds[name]
    extra = [d for d in da.dims if d not in ("chain", "draw")]
    values = da.transpose(*extra, "chain", "draw").to_numpy()
    values = values.reshape(*values.shape[: len(extra)], -1)
    if not extra:
        return {name: values}
    labels = [str(v) for v in da[extra[0]].to_numpy()]
    return {f"{name}[{lab}]": values[i] for i, lab in enumerate(labels)}


def run_sbc(
    n_sims: int = 100,
    *,
    draws: int = 400,
    tune: int = 400,
    chains: int = 2,
    n_keep: int = 99,
    bins: int = 10,
    fit_priors: dict | None = None,
    random_seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> SBCRun:
    """Simulation-based calibration of :data:`SBC_SPEC`.

    Parameters
    ----------
    n_sims : int, default 100
        Simulations (one fit each).
    draws, tune, chains : int
        Sampler settings of each fit.
    n_keep : int, default 99
        Posterior draws kept (evenly thinned) for the ranks; ranks run over ``0 .. n_keep``.
    bins : int, default 10
        Bins of the chi-square uniformity test; ``n_keep + 1`` must be a multiple.
    fit_priors : dict, optional
        ModelSpec fields the *fitted* model overrides (e.g. :data:`NARROW_SIGMA`); the data
        always come from :data:`SBC_SPEC`'s priors. Must keep the model's structure.
    random_seed : int, default 0
        Seed of the design data, prior draws and samplers.
    progress : callable, optional
        Called as ``progress(i, n_sims)`` after each fit.

    Returns
    -------
    SBCRun
        Ranks, uniformity tests (:func:`~mmm_bayes.analysis.sbc.sbc_summary`) and fit records.
    """
    design = baseline(random_seed=random_seed, n_weeks=104).data
    mmm = MMM(SBC_SPEC)
    prior_model = mmm.build(design)
    inputs = mmm.inputs
    prior = sampling.sample_prior_predictive(prior_model, draws=n_sims, random_seed=random_seed)
    post_names = sampling.posterior_var_names(prior_model)
    names = [n for n in post_names if n in prior["prior"].data_vars]
    truth: dict[str, np.ndarray] = {}
    for n in names:
        truth |= _scalar_draws(prior["prior"].to_dataset(), n, list(inputs.channels))
    kpi = prior["prior_predictive"]["kpi"].to_numpy().reshape(n_sims, -1)
    fit_spec = SBC_SPEC.model_validate(SBC_SPEC.model_dump() | (fit_priors or {}))
    settings = SamplerSettings(
        draws=draws, tune=tune, chains=chains, progressbar=False, random_seed=random_seed
    )
    ranks = {k: np.zeros(n_sims, dtype=int) for k in truth}
    records = []
    for i in range(n_sims):
        sim_inputs = dataclasses.replace(inputs, kpi=kpi[i])  # kpi_scale stays the design's
        model = build_model(fit_spec, sim_inputs)
        start = time.perf_counter()
        idata = sampling.sample_posterior(
            model,
            settings.model_copy(update={"random_seed": random_seed + 1 + i}),
            cache_key=structure_key(fit_spec, sim_inputs),
            rebuild=(build_model, (fit_spec, sim_inputs)),
        )
        post = idata["posterior"].to_dataset()
        for n in names:
            for key, values in _scalar_draws(post, n, list(inputs.channels)).items():
                ranks[key][i] = int(rank_statistic(truth[key][i], thin(values, n_keep)))
        div = int(idata["sample_stats"]["diverging"].sum()) if "sample_stats" in idata else 0
        records.append({"sim": i, "fit_s": time.perf_counter() - start, "divergences": div})
        if progress is not None:
            progress(i + 1, n_sims)
    result = sbc_summary(ranks, n_keep + 1, bins=bins)
    info = {
        "n_sims": n_sims,
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "n_keep": n_keep,
        "bins": bins,
        "fit_priors": fit_priors or {},
    }
    return SBCRun(result, pd.DataFrame(records), info)
