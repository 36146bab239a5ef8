"""Sections on robustness and provenance: validation, stability, calibration, configuration."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

from mmm_bayes.report.figures import plot_holdout, plot_lift_tests, plot_stability
from mmm_bayes.report.sections.blocks import (
    day,
    figure_block,
    interval,
    num,
    pct,
    table_block,
    text_block,
    verdict_block,
)
from mmm_bayes.report.sections.glance import (
    HOW_STABILITY,
    HOW_VALIDATE,
    stability_status,
    validation_status,
)

if TYPE_CHECKING:
    from mmm_bayes.report.html import ReportContent


def section_validation(c: ReportContent) -> dict:
    """Return the out-of-sample section, or how to run it."""
    v = c.validation
    if v is None:
        return {
            "id": "validation",
            "title": "Out-of-sample validation",
            "blocks": [verdict_block("skip", "Not run. " + HOW_VALIDATE)],
        }
    t = v.table()
    rows = [
        [
            k,
            f"{day(r['train_start'])} to {day(r['train_end'])}",
            f"{day(r['test_start'])} to {day(r['test_end'])}",
            pct(r["mape"]),
            pct(r["naive_mape"]),
            num(r["crps"]),
            pct(r["coverage_50"], 0),
            pct(r["coverage_90"], 0),
            pct(r["train_mape"]),
            {"badge": r["diagnosis"]},
        ]
        for k, r in t.iterrows()
    ]
    return {
        "id": "validation",
        "title": "Out-of-sample validation",
        "blocks": [
            verdict_block(validation_status(v), v.verdict),
            text_block(
                f"Each fold refits the model without its last {v.holdout} {c.period_label} "
                f"({v.window} training window) and predicts them from the spend and controls "
                "actually observed there. CRPS scores the whole predictive distribution (KPI "
                "units, lower is better); naive MAPE predicts the mean of the last periods "
                "before the holdout."
            ),
            figure_block(
                lambda f: plot_holdout(v, c.observed, ax=f.subplots(), kpi_label=c.kpi),
                (10, 4),
                "holdout predictions against the observed KPI",
            ),
            table_block(
                "Folds",
                [
                    "fold",
                    "train",
                    "test",
                    "MAPE",
                    "naive MAPE",
                    "CRPS",
                    "50% cov.",
                    "90% cov.",
                    "in-sample MAPE",
                    "refit",
                ],
                rows,
                [r == "fail" for r in t["diagnosis"]],
            ),
        ],
    }


def section_stability(c: ReportContent) -> dict:
    """Return the stability section, or how to run it."""
    s = c.stability
    if s is None:
        return {
            "id": "stability",
            "title": "Parameter stability over time",
            "blocks": [verdict_block("skip", "Not run. " + HOW_STABILITY)],
        }
    nch = s.summary["channel"].nunique()
    p = s.pairs
    rows = [
        [
            r["channel"],
            f"{r['window_a']} → {r['window_b']}",
            interval(r["diff_mean"], r["diff_lo"], r["diff_hi"]),
            f"{r['prob_b_greater']:.2f}",
            "yes" if r["disagree"] else "no",
        ]
        for _, r in p.iterrows()
    ]
    refits = []
    if s.diagnosis:  # not recorded in results saved before it was
        refits.append(
            table_block(
                "Convergence of the window refits",
                ["window", "refit"],
                [[w, status] for w, status in s.diagnosis.items()],
                [status == "fail" for status in s.diagnosis.values()],
            )
        )
    return {
        "id": "stability",
        "title": "Parameter stability over time",
        "blocks": [
            verdict_block(stability_status(s), s.verdict),
            text_block(
                "The model assumes each channel's effect is constant over the window. Here it "
                "is refitted on separate time windows and the ROAS posteriors are compared."
            ),
            figure_block(
                lambda f: plot_stability(s, ax=f.subplots(), kpi_label=c.kpi),
                (8, 1.4 + 0.6 * nch),
                "ROAS per channel by time window",
            ),
            table_block(
                f"Change of ROAS between windows ({s.interval:.0%} interval)",
                ["channel", "windows", "change [interval]", "P(later > earlier)", "disagree"],
                rows,
                list(p["disagree"]),
            ),
            *refits,
        ],
    }


def section_calibration(c: ReportContent) -> dict:
    """Return the calibration section: each lift test measured vs predicted (when tests exist)."""
    t = c.calibration
    before = "before_mean" in t.columns
    rows, flags = [], []
    for label, r in t.iterrows():
        se90 = 1.6449 * r["lift_se"]
        row = [
            str(label),
            str(r["channel"]),
            num(r["spend_delta"]) if _given(r.get("spend_delta")) else f"{num(r['spend'])} vs 0",
            interval(r["lift"], r["lift"] - se90, r["lift"] + se90),
            interval(r["predicted_mean"], r["predicted_lower_90"], r["predicted_upper_90"]),
            f"{r['predicted_z']:+.2f}",
        ]
        if before:
            row.append(interval(r["before_mean"], r["before_lower_90"], r["before_upper_90"]))
        rows.append(row)
        flags.append(abs(r["predicted_z"]) > 2)
    columns = ["test", "channel", "spend change", "measured lift (90%)", "model (90%)", "z"]
    if before:
        columns.append("model without tests (90%)")
    return {
        "id": "calibration",
        "title": "Calibration (lift tests)",
        "blocks": [
            text_block(
                "Each lift test's measured incremental KPI (with the 90% interval from its "
                "standard error) against the model's posterior prediction of the same test: "
                "the channel's spend changed as in the test, through its adstock and saturation "
                "at the test's spend level. `z` is the measured lift's distance from the "
                "prediction in combined standard errors; |z| > 2 (flagged) means the model and "
                "the experiment disagree: check the test's window, spend and units before "
                "trusting either."
                + (
                    " The grey intervals are a fit of the same data without the tests."
                    if before
                    else ""
                )
            ),
            figure_block(
                lambda fig: plot_lift_tests(t, ax=fig.subplots(), kpi_label=c.kpi),
                (7.0, 1.6 + 0.7 * len(t)),
                "lift tests: measured vs model",
            ),
            table_block("Lift tests", columns, rows, flags),
        ],
    }


def _given(value) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value))


def section_config(c: ReportContent) -> dict:
    """Return the configuration section: spec, sampler, versions."""
    blocks = [
        text_block(
            "The resolved model spec (every default filled in) and sampler settings, as "
            "saved in the run folder; enough to refit the same model. Click to expand."
        ),
        {"kind": "pre", "summary": "Model spec (JSON)", "text": c.spec.model_dump_json(indent=2)},
        {
            "kind": "pre",
            "summary": "Sampler settings (JSON)",
            "text": c.sampler.model_dump_json(indent=2),
        },
    ]
    if c.versions:
        blocks.append(
            {"kind": "pre", "summary": "Package versions", "text": json.dumps(c.versions, indent=2)}
        )
    return {"id": "config", "title": "Full configuration", "blocks": blocks}
