"""Sections on whether the fit can be trusted.

Diagnostics, predictive checks, residuals, prior vs posterior.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mmm_bayes.analysis.ppc import coverage_range
from mmm_bayes.analysis.prior_posterior import CONTRACTION_WEAK
from mmm_bayes.report.figures import (
    plot_predictive_check,
    plot_prior_posterior,
    plot_residual_spectrum,
    plot_residuals,
)
from mmm_bayes.report.sections.blocks import (
    figure_block,
    interval,
    num,
    pct,
    table_block,
    text_block,
    verdict_block,
)
from mmm_bayes.report.sections.glance import ppc_status

if TYPE_CHECKING:
    from mmm_bayes.report.html import ReportContent


_CHECK_FORMAT = {
    "divergences": lambda v: num(v, 6),
    "max R-hat": lambda v: f"{v:.3f}",
    "min bulk ESS": lambda v: f"{v:,.0f}",
    "min tail ESS": lambda v: f"{v:,.0f}",
    "tree-depth saturation": pct,
    "E-BFMI": lambda v: f"{v:.2f}",
}


def section_diagnostics(c: ReportContent) -> dict:
    """Return the sampler-diagnostics section: the six checks."""
    rows, flags = [], []
    for ch in c.diagnosis.checks:
        value = _CHECK_FORMAT.get(ch.name, num)(ch.value)
        rows.append(
            [
                ch.name,
                {"badge": ch.status},
                value,
                num(ch.threshold, 4),
                ch.worst or "",
                ch.verdict,
                ch.advice if ch.status != "pass" else "",
            ]
        )
        flags.append(ch.status in ("fail", "warn"))
    return {
        "id": "diagnostics",
        "title": "Sampler diagnostics",
        "blocks": [
            verdict_block(c.diagnosis.status, c.diagnosis.verdict),
            text_block(
                "Each check is judged against a published threshold: R-hat <= 1.01 and bulk and "
                "tail ESS >= 400 (Vehtari et al. 2021), no divergent transitions, no transitions "
                "at the maximum tree depth (a warning: slow, not wrong), E-BFMI >= 0.3 "
                "(Betancourt 2016). 'Where' names the worst parameter or chain."
            ),
            table_block(
                "Convergence checks",
                ["check", "status", "value", "threshold", "where", "verdict", "what to try"],
                rows,
                flags,
            ),
        ],
    }


def section_fit(c: ReportContent) -> dict:
    """Return the fit section: metrics, posterior and prior predictive checks."""
    check = c.posterior_check
    m = check.metrics
    n = int(np.isfinite(check.observed.to_numpy()).sum())
    cov_rows, cov_flags = [], []
    for level, share in check.coverage.items():
        lo, hi = coverage_range(level, n)
        cov_rows.append([f"{level:.0%}", pct(share), f"{lo:.0%} to {hi:.0%}"])
        cov_flags.append(check.coverage_flags[level])
    p = check.p_values
    p_rows = [
        [name, num(r["observed"]), num(r["predictive_mean"]), f"{r['p_value']:.3f}"]
        for name, r in p.iterrows()
    ]
    blocks = [
        verdict_block(ppc_status(c), check.verdict),
        {
            "kind": "kv",
            "items": [
                ("R² (in sample)", f"{m['r2']:.3f}"),
                ("MAPE (in sample)", pct(m["mape"])),
                ("NRMSE (RMSE / range of the KPI)", pct(m["nrmse"])),
            ],
        },
        figure_block(
            lambda f: plot_predictive_check(check, ax=f.subplots(), kpi_label=c.kpi),
            (10, 4),
            "observed KPI against posterior predictive bands",
            "Posterior predictive: KPI series drawn from the fitted model (parameters and "
            "noise). Red points fall outside the 90% band.",
        ),
        table_block(
            "Band coverage (a calibrated model's coverage falls in the expected range "
            "99% of the time)",
            ["band", "coverage", "expected range"],
            cov_rows,
            cov_flags,
        ),
        table_block(
            "Bayesian p-values P(T(replicate) >= T(observed)); flagged outside [0.025, 0.975]",
            ["statistic T", "observed", "replicates' mean", "p-value"],
            p_rows,
            list(p["flag"]),
        ),
    ]
    if c.prior_check is not None:
        prior = c.prior_check
        blocks += [
            text_block(
                "Prior predictive check: KPI series drawn from the priors alone, before "
                "seeing the data. The priors should allow the observed KPI without "
                "predicting absurd values."
            ),
            verdict_block("pass" if prior.coverage.get(0.9, 0) >= 0.5 else "warn", prior.verdict),
            figure_block(
                lambda f: plot_predictive_check(prior, ax=f.subplots(), kpi_label=c.kpi),
                (10, 4),
                "observed KPI against prior predictive bands",
            ),
        ]
    return {"id": "fit", "title": "Fit and predictive checks", "blocks": blocks}


def section_residuals(c: ReportContent) -> dict:
    """Return the residuals section: residuals over time and their spectrum."""
    sp = c.spectrum
    rows = [
        [
            f"{r['period']:.1f}",
            f"{r['period_days']:.0f}",
            r["cycle"] or "-",
            pct(r["share"]),
            f"{r['p_value']:.2g}",
        ]
        for _, r in sp.peaks.iterrows()
    ]
    blocks = [
        verdict_block("pass" if sp.peaks.empty else "warn", sp.verdict),
        figure_block(
            lambda f: plot_residuals(c.residuals, ax=f.subplots(), kpi_label=c.kpi),
            (10, 3),
            "residuals over time",
        ),
        figure_block(
            lambda f: plot_residual_spectrum(sp, ax=f.subplots()),
            (10, 3.2),
            "periodogram of the residuals",
            "Each point is the residual variance at one period (cycle length). Points above "
            "the dashed line are periodic structure the model missed.",
        ),
    ]
    if rows:
        blocks.append(
            table_block(
                "Flagged periods",
                [
                    f"period ({sp.period_label})",
                    "days",
                    "cycle",
                    "share of residual variance",
                    "p-value",
                ],
                rows,
            )
        )
    return {"id": "residuals", "title": "Residuals and their spectrum", "blocks": blocks}


def section_priors(c: ReportContent) -> dict:
    """Return the prior-vs-posterior section: intervals, contraction and shift."""
    t = c.prior_posterior
    nvar = t["variable"].nunique()
    rows = [
        [
            r["parameter"],
            interval(r["prior_mean"], r["prior_q05"], r["prior_q95"]),
            interval(r["posterior_mean"], r["posterior_q05"], r["posterior_q95"]),
            f"{r['contraction']:.2f}",
            f"{r['shift']:+.2f}",
            r["verdict"],
        ]
        for _, r in t.iterrows()
    ]
    return {
        "id": "priors",
        "title": "Prior vs posterior",
        "blocks": [
            text_block(
                "How much the data moved each prior. Contraction = 1 - posterior variance / "
                f"prior variance: below {CONTRACTION_WEAK} the posterior is essentially the "
                "prior (the data say little; results that depend on it rest on the prior). "
                "Shift = how far the posterior mean moved, in prior standard deviations."
            ),
            figure_block(
                lambda f: plot_prior_posterior(t, fig=f),
                (12.6, 0.6 + 1.9 * -(-nvar // 3)),
                "prior and posterior 90% intervals per parameter",
            ),
            table_block(
                "Prior vs posterior per parameter (mean [5%, 95%])",
                ["parameter", "prior", "posterior", "contraction", "shift", "verdict"],
                rows,
                list(t["verdict"] != "learned"),
            ),
        ],
    }
