"""``mmm-bayes optimize``: split a budget across channels on a run folder's posterior."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mmm_bayes.cli._console import EXIT_FAILED, err, handle_errors, out
from mmm_bayes.cli.app import app


@app.command("optimize")
def optimize(
    run: Annotated[Path, typer.Argument(help="Run folder written by `mmm-bayes fit`.")],
    budget: Annotated[
        float | None,
        typer.Option(
            "--budget",
            "-b",
            help="Budget for the whole planning window, in the data's "
            "currency. Default: the constraints file's `total`, else the current allocation's.",
        ),
    ] = None,
    constraints: Annotated[
        Path | None,
        typer.Option(
            "--constraints",
            "-c",
            help="YAML budget problem: periods, bounds, max_change, "
            "fixed channels, groups, objective (docs/optimizer.md).",
        ),
    ] = None,
    periods: Annotated[
        int | None,
        typer.Option("--periods", "-p", min=1, help="Periods in the planning window (13)."),
    ] = None,
    objective: Annotated[
        str | None,
        typer.Option(
            "--objective",
            help="expected_kpi, lower_quantile or mean_minus_sd (their default "
            "settings); use the YAML file for settings, or --target / --mroas-floor.",
        ),
    ] = None,
    target: Annotated[
        float | None,
        typer.Option("--target", help="Find the least spend whose expected KPI reaches this."),
    ] = None,
    mroas_floor: Annotated[
        float | None,
        typer.Option(
            "--mroas-floor",
            help="Spend while each channel's expected marginal ROAS is at "
            "least this (KPI per currency unit).",
        ),
    ] = None,
    name: Annotated[
        str, typer.Option("--name", help="Subfolder of the run folder to write.")
    ] = "optimization",
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Replace an existing subfolder of that name.")
    ] = False,
    figures: Annotated[
        bool, typer.Option("--figures/--no-figures", help="Write the PNG figures too.")
    ] = True,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON instead of tables.")
    ] = False,
) -> None:
    """Optimize the budget on a fitted run and save the result into RUN/<name>/.

    Examples: `mmm-bayes optimize runs/x --budget 1500000 --constraints budget.yaml`;
    `mmm-bayes optimize runs/x --target 2000000 --periods 26`.
    """
    from mmm_bayes.errors import ConfigError, MMMError
    from mmm_bayes.mmm import MMM
    from mmm_bayes.optimize import OptimizationError, budget_problem
    from mmm_bayes.optimize.result import convergence_warning

    with handle_errors():
        chosen = [o for o in (objective, target, mroas_floor) if o is not None]
        if len(chosen) > 1:
            raise ConfigError("give at most one of --objective, --target and --mroas-floor")
        goal = objective
        if target is not None:
            goal = {"kind": "kpi_target", "target": target}
        if mroas_floor is not None:
            goal = {"kind": "marginal_roas_floor", "threshold": mroas_floor}
        mmm = MMM.load(run)  # first: its channels are checked with the file's other fields
        problem = budget_problem(
            constraints, total=budget, periods=periods, objective=goal,
            model_channels=mmm.inputs.channels,
        )  # fmt: skip
        if (run / name).exists() and not force:
            raise MMMError(f"{run / name} already exists; use --force to replace it.")
        try:
            result = mmm.optimize_budget(problem=problem)
        except OptimizationError as error:
            err().print(f"[bold red]✗ optimization failed:[/] {error}")
            raise typer.Exit(EXIT_FAILED) from None
        warning = convergence_warning(result)  # the plan's note, from the verdict of diagnose
        if warning is not None:
            err().print("[bold yellow]⚠[/] ", end="")
            err().print(warning, markup=False)
        folder = mmm.save_optimization(result, run, name=name, overwrite=force, figures=figures)
    if as_json:
        out().print_json(json.dumps(result.to_dict()))
        return
    _print(result, folder)


def _print(result, folder: Path) -> None:
    console = out()
    summary = result.summary()
    table = Table(
        title=f"Incremental {result.kpi_label} over {result.problem.periods} periods "
        "(window + carryover)"
    )
    for col in ("", "spend", "mean", "5%", "95%", "P(> 0)"):
        table.add_column(col, justify="left" if not col else "right")
    for row, r in summary.iterrows():
        table.add_row(
            str(row), f"{r['spend']:,.0f}", f"{r['mean']:,.0f}", f"{r['q05']:,.0f}",
            f"{r['q95']:,.0f}", f"{r['prob_positive']:.2f}",
        )  # fmt: skip
    console.print(table)
    alloc = Table(title=f"Allocation ({result.problem.objective.kind})")
    for col in ("channel", "current", "optimal", "change", "mROAS", "status"):
        alloc.add_column(col, justify="left" if col in ("channel", "status") else "right")
    for ch, r in result.allocation_table().iterrows():
        pct = "new" if math.isnan(r["change_pct"]) else f"{r['change_pct']:+.0f}%"
        alloc.add_row(
            str(ch), f"{r['current']:,.0f}", f"{r['optimal']:,.0f}", pct,
            f"{r['mroas_optimal']:.3g}", str(r["status"]),
        )  # fmt: skip
    console.print(alloc)
    if result.frequency_plan is not None:
        plan = Table(title="Reach and frequency per period")
        for col in ("channel", "frequency", "reach", "impressions", "max reach seen"):
            plan.add_column(col, justify="left" if col == "channel" else "right")
        for ch, r in result.frequency_plan.iterrows():
            plan.add_row(
                str(ch), f"{r['frequency']:.2f}", f"{r['reach_per_period']:,.0f}",
                f"{r['impressions_per_period']:,.0f}", f"{r['max_reach_seen']:,.0f}",
            )  # fmt: skip
        console.print(plan)
    for note in result.notes:
        console.print(f"• {note}", markup=False)
    console.print(f"written to {folder}", markup=False)
