"""The "at a glance" table: one row per question a reviewer asks, with status and verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mmm_bayes.analysis.ppc import coverage_range

if TYPE_CHECKING:
    from mmm_bayes.report.html import ReportContent

__all__ = [
    "HOW_STABILITY",
    "HOW_VALIDATE",
    "glance",
    "ppc_status",
    "stability_status",
    "validation_status",
]


HOW_VALIDATE = (
    "Run `mmm-bayes validate-holdout RUN --holdout 13` (or `mmm.validate(holdout=13)` and save "
    "the result as `validation.json` in the run folder), then rebuild the report."
)


HOW_STABILITY = (
    "Run `mmm-bayes stability RUN --windows 2` (or `mmm.stability(windows=2)` and save it as "
    "`stability.json` in the run folder), then rebuild the report."
)


def ppc_status(c: ReportContent) -> str:
    """Return ``warn`` if a band coverage or a p-value is flagged, else ``pass``."""
    check = c.posterior_check
    return "warn" if any(check.coverage_flags.values()) or check.p_values["flag"].any() else "pass"


def glance(c: ReportContent) -> list[dict]:
    """One line per question a reviewer asks, each with a status and a plain verdict."""
    rows = [
        {
            "topic": "Did the sampler converge?",
            "status": c.diagnosis.status,
            "text": c.diagnosis.verdict,
            "href": "#diagnostics",
        },
        {
            "topic": "Does the model reproduce the data?",
            "status": ppc_status(c),
            "text": c.posterior_check.verdict,
            "href": "#fit",
        },
        {
            "topic": "Is structure left in the residuals?",
            "status": "pass" if c.spectrum.peaks.empty else "warn",
            "text": c.spectrum.verdict,
            "href": "#residuals",
        },
    ]
    if c.validation is not None:
        status, text = validation_status(c.validation), c.validation.verdict
    else:
        status, text = "skip", "Not run. " + HOW_VALIDATE
    rows.append(
        {
            "topic": "Does it predict periods it has not seen?",
            "status": status,
            "text": text,
            "href": "#validation",
        }
    )
    if c.stability is not None:
        status, text = stability_status(c.stability), c.stability.verdict
    else:
        status, text = "skip", "Not run. " + HOW_STABILITY
    rows.append(
        {"topic": "Is ROAS stable over time?", "status": status, "text": text, "href": "#stability"}
    )
    if c.prior_posterior is not None:
        rows.append(_prior_glance(c.prior_posterior))
    return rows


def validation_status(v) -> str:
    """Return ``warn`` if the model loses to the naive forecast, undercovers, or a refit failed.

    Else ``pass``.
    """
    s = v.summary
    undercover = s["coverage_90"] < coverage_range(0.9, v.holdout * len(v.folds))[0]
    failed = any(f.diagnosis == "fail" for f in v.folds)
    return "warn" if s["mape"] > s["naive_mape"] or undercover or failed else "pass"


def _prior_glance(table: pd.DataFrame) -> dict:
    weak = table.loc[table["verdict"] == "prior-dominated", "parameter"].tolist()
    far = table.loc[table["verdict"] == "prior misplaced", "parameter"].tolist()
    text = f"{len(table) - len(weak) - len(far)} of {len(table)} parameter elements learned "
    text += "from the data."
    if weak:
        text += f" Prior-dominated (the data say little): {', '.join(weak)}."
    if far:
        text += f" Prior far from the posterior: {', '.join(far)}."
    return {
        "topic": "How much did the data move the priors?",
        "status": "warn" if weak or far else "pass",
        "text": text,
        "href": "#priors",
    }


def stability_status(s) -> str:
    """Return ``warn`` if a channel's ROAS changes between windows or a window's refit failed.

    Else ``pass``.
    """
    return "warn" if s.flagged or s.failed else "pass"
