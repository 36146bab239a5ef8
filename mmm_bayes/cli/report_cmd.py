"""``mmm-bayes report``, ``diagnose``, ``validate-holdout`` and ``stability`` on a run folder.

``validate-holdout`` and ``stability`` refit the model and save their results into the run
folder (``validation.json``, ``stability.json``); ``report`` picks them up, so the usual order
is ``fit``, then ``validate-holdout`` and ``stability``, then ``report``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.markup import escape
from rich.table import Table

from mmm_bayes.cli._console import EXIT_FAILED, err, handle_errors, out
from mmm_bayes.cli.app import app

_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}

Run = Annotated[Path, typer.Argument(help="Run folder written by `mmm-bayes fit`.")]
Draws = Annotated[
    int | None, typer.Option("--draws", min=1, help="Draws per chain of each refit (the run's).")
]
Tune = Annotated[
    int | None, typer.Option("--tune", min=0, help="Tuning draws per chain of each refit.")
]
Chains = Annotated[int | None, typer.Option("--chains", min=1, help="Chains of each refit.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed of the refits and predictive draws.")]
Save = Annotated[
    bool, typer.Option("--save/--no-save", help="Write the result into the run folder.")
]


def _load(run: Path):
    from mmm_bayes.mmm import MMM

    return MMM.load(run)


def _settings(draws, tune, chains) -> dict:
    given = {"draws": draws, "tune": tune, "chains": chains}
    return {k: v for k, v in given.items() if v is not None}


@app.command("report")
def report(
    run: Run,
    output: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="HTML file to write, not a folder (default RUN/report.html)."
        ),
    ] = None,
    prior_draws: Annotated[
        int, typer.Option("--prior-draws", min=10, help="Draws for the prior checks.")
    ] = 500,
    seed: Seed = 0,
    title: Annotated[str | None, typer.Option("--title", help="Report title.")] = None,
) -> None:
    """Write the self-contained HTML review report of a run (figures embedded, no network).

    It includes RUN/validation.json, RUN/stability.json and every budget optimization saved
    by `mmm-bayes optimize` (RUN/optimization/, RUN/<name>/) when present. Example:
    `mmm-bayes report runs/x` writes runs/x/report.html.
    """
    with handle_errors():
        mmm = _load(run)
        path = mmm.report(output, prior_draws=prior_draws, random_seed=seed, title=title)
    err().print(f"[green]✓[/] report written to {escape(str(path))}")
    out().print(str(path), markup=False)


@app.command("diagnose")
def diagnose(
    run: Run,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit with code 1 when a check fails.")
    ] = False,
) -> None:
    """Print the convergence checks of a run with their verdicts and what to try.

    Example: `mmm-bayes diagnose runs/x --strict` in CI fails the job on a bad fit.
    """
    with handle_errors():
        mmm = _load(run)
        diagnosis = mmm.diagnose()
    if as_json:
        out().print(json.dumps(diagnosis.to_dict(), indent=2), markup=False)
    else:
        table = Table(title=f"Convergence checks of {run}")
        for col in ("check", "status", "value", "threshold", "where", "verdict"):
            table.add_column(col, overflow="fold")
        for c in diagnosis.checks:
            style = _STYLE[c.status]
            table.add_row(
                c.name,
                f"[{style}]{c.status}[/]",
                f"{c.value:.4g}",
                f"{c.threshold:g}",
                escape(c.worst),
                escape(c.verdict),
            )
        out().print(table)
        for c in diagnosis.failed:
            out().print(f"[{_STYLE[c.status]}]{c.name}[/]: {escape(c.advice)}")
        if diagnosis.failed:
            s = mmm.sampler
            out().print(
                f"This fit: {s.chains} chain{'s' if s.chains != 1 else ''} x ({s.tune} tune + "
                f"{s.draws} draws). To refit from its config with more: mmm-bayes fit CONFIG "
                "--set sampler.tune=... --set sampler.draws=... --force",
                markup=False,
            )
        out().print(escape(diagnosis.verdict))
    if strict and diagnosis.status == "fail":
        raise typer.Exit(EXIT_FAILED)


@app.command("validate-holdout")
def validate_holdout(
    run: Run,
    holdout: Annotated[
        int, typer.Option("--holdout", "-n", min=1, help="Periods held out per fold.")
    ] = 13,
    folds: Annotated[int, typer.Option("--folds", "-k", min=1, help="Rolling-origin folds.")] = 1,
    step: Annotated[
        int | None, typer.Option("--step", min=1, help="Periods between folds (--holdout).")
    ] = None,
    window: Annotated[
        str,
        typer.Option("--window", help="expanding (all earlier periods) or sliding (equal)."),
    ] = "expanding",
    draws: Draws = None,
    tune: Tune = None,
    chains: Chains = None,
    seed: Seed = 0,
    save: Save = True,
) -> None:
    """Refit without the last --holdout periods and score the forecast: MAPE, CRPS, coverage.

    Saves RUN/validation.json for `mmm-bayes report`. Example:
    `mmm-bayes validate-holdout runs/x --holdout 13 --folds 3 --draws 500`.
    """
    if window not in ("expanding", "sliding"):
        err().print(f"[bold red]✗[/] --window must be expanding or sliding, not {window!r}")
        raise typer.Exit(2)
    kind: Literal["expanding", "sliding"] = window  # type: ignore[assignment]
    with handle_errors():
        mmm = _load(run)
        result = mmm.validate(
            holdout,
            folds=folds,
            step=step,
            window=kind,
            random_seed=seed,
            **_settings(draws, tune, chains),
        )
        if save:
            result.save(run / "validation.json")
    table = Table(title=f"Out-of-sample validation of {run} (holdout {holdout})")
    for col in ("fold", "test", "MAPE", "naive MAPE", "CRPS", "50% cov.", "90% cov.", "refit"):
        table.add_column(col)
    for f in result.folds:
        m = f.metrics
        table.add_row(
            str(f.fold),
            f"{f.test_start:%Y-%m-%d} to {f.test_end:%Y-%m-%d}",
            f"{m['mape']:.1%}",
            f"{m['naive_mape']:.1%}",
            f"{m['crps']:,.4g}",
            f"{m['coverage_50']:.0%}",
            f"{m['coverage_90']:.0%}",
            f"[{_STYLE[f.diagnosis]}]{f.diagnosis}[/]",
        )
    out().print(table)
    out().print(escape(result.verdict))
    if save:
        err().print(f"[green]✓[/] saved {escape(str(run / 'validation.json'))}")


@app.command("stability")
def stability(
    run: Run,
    windows: Annotated[
        int, typer.Option("--windows", "-w", min=2, help="Consecutive time windows to fit.")
    ] = 2,
    draws: Draws = None,
    tune: Tune = None,
    chains: Chains = None,
    seed: Seed = 0,
    save: Save = True,
) -> None:
    """Fit each of --windows time windows and compare their ROAS posteriors per channel.

    Saves RUN/stability.json for `mmm-bayes report`. Example:
    `mmm-bayes stability runs/x --windows 2 --draws 500`.
    """
    with handle_errors():
        mmm = _load(run)
        result = mmm.stability(windows, random_seed=seed, **_settings(draws, tune, chains))
        if save:
            result.save(run / "stability.json")
    table = Table(title=f"ROAS by time window of {run} (90% intervals)")
    for col in ("channel", *dict.fromkeys(result.summary["window"])):
        table.add_column(col)
    for ch, rows in result.summary.groupby("channel", sort=False):
        cells = [f"{r['mean']:.3g} [{r['q05']:.3g}, {r['q95']:.3g}]" for _, r in rows.iterrows()]
        name = f"[bold red]{ch}[/]" if ch in result.flagged else str(ch)
        table.add_row(name, *cells)
    if result.diagnosis:
        table.add_row("refit", *[f"[{_STYLE[d]}]{d}[/]" for d in result.diagnosis.values()])
    out().print(table)
    out().print(escape(result.verdict))
    if save:
        err().print(f"[green]✓[/] saved {escape(str(run / 'stability.json'))}")
