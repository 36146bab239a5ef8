"""``mmm-bayes fit``: fit one config (with the sampler's progress bar) or a batch of them."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mmm_bayes.cli._console import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    err,
    out,
    outcome_table,
    print_problems,
    sigterm_as_exit,
)
from mmm_bayes.cli.app import app
from mmm_bayes.errors import ConfigError

#: Environment variable naming a Dask scheduler, used when --scheduler is not given.
SCHEDULER_ENV = "MMM_BAYES_SCHEDULER"
_DEFAULT_SUMMARY = Path("runs") / "batch-summary.csv"


@app.command("fit")
def fit(
    configs: Annotated[
        list[Path],
        typer.Argument(
            metavar="CONFIG",
            help="Config files (.yaml), or folders whose *.yaml / *.yml configs are all fitted.",
        ),
    ],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            "-f",
            help="Replace existing run folders (the old one stays until the new one is complete).",
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Run folder for a single config (default: its `output`)."
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            help="Configs fitted at once on this machine, each in its own process (1: one after "
            "another in this process). Each fit also runs its chains in parallel.",
        ),
    ] = 1,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            envvar=SCHEDULER_ENV,
            help="Dask scheduler address (tcp://host:8786): fit the configs on that cluster. "
            f"Default: ${SCHEDULER_ENV} if set, else this machine.",
        ),
    ] = None,
    summary: Annotated[
        Path | None,
        typer.Option(
            "--summary",
            help=f"Batch summary CSV (status, time, diagnostics, error per config). Default for a "
            f"batch: {_DEFAULT_SUMMARY}.",
        ),
    ] = None,
    figures: Annotated[
        bool, typer.Option("--figures/--no-figures", help="Write PNG figures into the run folders.")
    ] = True,
    progress: Annotated[
        bool,
        typer.Option(
            "--progress/--no-progress",
            help="Show progress bars: the sampler's for a single fit, one over configs for a "
            "batch.",
        ),
    ] = True,
    overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="KEY=VALUE",
            help="Override a value of every config, e.g. --set sampler.draws=200 (repeatable).",
        ),
    ] = None,
) -> None:
    """Fit configs and write a run folder for each.

    One config runs in this process and shows the sampler's progress bar. Several configs (or
    a folder) run as a batch: --workers N fits N at a time in local processes, --scheduler
    (or $MMM_BAYES_SCHEDULER) sends them to a Dask cluster. A failed config is recorded in the
    summary table and does not stop the others. A run folder is written only when complete,
    and an existing one is replaced only with --force.

    Exit code 0 when every fit succeeded (convergence warnings included), 1 when a fit
    failed, 2 when a config, its data or its output folder was refused.
    """
    from mmm_bayes.config import config_paths

    try:
        paths = config_paths(configs)
    except ConfigError as error:
        print_problems(error)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if output is not None and len(paths) > 1:
        err().print("[red]✗ --output needs a single config; set `output` in each config[/]")
        raise typer.Exit(EXIT_BAD_INPUT)
    with sigterm_as_exit():
        if len(paths) == 1 and not scheduler and summary is None:
            code = _fit_single(paths[0], force, output, figures, progress, overrides)
        else:
            code = _fit_batch(
                paths, force, workers, scheduler, summary or _DEFAULT_SUMMARY, figures, progress,
                overrides,
            )  # fmt: skip
    raise typer.Exit(code)


def _fit_single(path, force, output, figures, progress, overrides) -> int:
    from mmm_bayes.batch import exit_code, fit_config
    from mmm_bayes.config import load_config

    console = err()
    try:
        cfg = load_config(path, overrides=overrides)
    except ConfigError as error:
        print_problems(error)
        return EXIT_BAD_INPUT
    console.print(f"[bold]{escape(str(path))}[/]: fitting run [bold]{escape(cfg.run_name)}[/]")
    start = time.perf_counter()

    def stage(text: str) -> None:
        console.print(f"  [dim]{time.perf_counter() - start:6.1f} s[/]  {escape(text)}")

    outcome = fit_config(
        cfg,
        output=output,
        force=force,
        progressbar=progress and sys.stderr.isatty(),
        figures=figures,
        on_stage=stage,
    )
    _report_single(outcome)
    return exit_code([outcome])


def _report_single(outcome) -> None:
    console = err()
    if outcome.status == "invalid":
        console.print(f"[bold red]✗ {escape(outcome.config)}[/]: refused")
        console.print(outcome.error, markup=False)
        return
    if outcome.status == "failed":
        console.print(
            f"[bold red]✗ {escape(outcome.config)}[/]: the fit failed after {outcome.seconds} s"
        )
        console.print(outcome.error, markup=False)
        return
    mark = "[green]✓[/]" if outcome.status == "ok" else "[yellow]![/]"
    console.print(f"{mark} run folder written: {escape(outcome.output)} ({outcome.seconds:.1f} s)")
    if outcome.checks:
        console.print(f"[yellow]  convergence checks not passed:[/] {escape(outcome.checks)}")
    roas = Path(outcome.output) / "roas.csv"
    if roas.is_file():
        out().print(_roas_table(roas))


def _roas_table(path: Path) -> Table:
    """ROAS per channel from a run folder's roas.csv: mean and 90% interval."""
    table = Table(title="ROAS (KPI per currency unit): posterior mean and 90% interval")
    for name in ("channel", "spend", "ROAS", "5%", "95%", "marginal ROAS"):
        table.add_column(name, justify="left" if name == "channel" else "right")
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            cells = [row.get(k, "") for k in ("spend", "mean", "q05", "q95", "marginal_mean")]
            table.add_row(escape(row["channel"]), *(_num(c) for c in cells))
    return table


def _num(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _fit_batch(paths, force, workers, scheduler, summary, figures, progress, overrides) -> int:
    from mmm_bayes.batch import exit_code, run_batch

    console = err()
    where = f"the Dask cluster at {scheduler}" if scheduler else f"{workers} local worker(s)"
    console.print(f"fitting {len(paths)} config(s) on {escape(where)}; summary: {summary}")
    bar = Progress(
        TextColumn("[bold]batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        disable=not progress,
    )
    with bar:
        task = bar.add_task("", total=len(paths))

        def done(outcome) -> None:
            bar.update(task, advance=1, description=escape(f"{outcome.name}: {outcome.status}"))

        try:
            outcomes = run_batch(
                paths, workers=workers, scheduler=scheduler, force=force, figures=figures,
                summary=summary, on_done=done, overrides=overrides or (),
            )  # fmt: skip
        except KeyboardInterrupt:
            console.print(f"[magenta]interrupted; unfinished configs marked in {summary}[/]")
            return EXIT_INTERRUPTED
        except ConfigError as error:  # e.g. no Dask scheduler at that address
            print_problems(error)
            return EXIT_BAD_INPUT
    out().print(outcome_table(outcomes))
    for o in outcomes:
        if o.status in ("invalid", "failed"):
            console.print(f"[bold red]✗ {escape(o.config)}[/] ({o.status}):")
            console.print(o.error, markup=False)
    code = exit_code(outcomes)
    ok = sum(o.succeeded for o in outcomes)
    console.print(
        f"{'[green]' if code == EXIT_OK else '[red]'}{ok} of {len(outcomes)} fitted[/]; "
        f"summary written to {summary}"
    )
    return code
