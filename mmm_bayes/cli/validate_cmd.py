"""``mmm-bayes validate``: check configs and their data without fitting."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from mmm_bayes.cli._console import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, err, print_problems
from mmm_bayes.cli.app import app
from mmm_bayes.errors import ConfigError, DataError


@app.command("validate")
def validate(
    configs: Annotated[
        list[Path],
        typer.Argument(
            metavar="CONFIG",
            help="Config files (.yaml), or folders whose *.yaml / *.yml files are checked.",
        ),
    ],
    build: Annotated[
        bool,
        typer.Option(
            "--build/--no-build",
            help="Also build the PyMC model (catches problems the schema cannot; imports PyMC).",
        ),
    ] = True,
    data: Annotated[
        bool, typer.Option("--data/--no-data", help="Check the data too (columns, values, dates).")
    ] = True,
    overrides: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="KEY=VALUE",
            help="Override a config value before checking, e.g. --set sampler.draws=200 "
            "(repeatable).",
        ),
    ] = None,
) -> None:
    """Check each config and its data, and report every problem at once.

    For each problem: the YAML path of the field (e.g. channels[2].priors.K.sigma), its line,
    what was expected and what was found. Unknown keys are errors; a column name that is not
    in the data names the closest one that is; a sampler whose package is not installed is a
    problem too. Exit code 0 when all are valid, 2 otherwise.
    """
    from mmm_bayes.config import config_paths

    try:
        paths = config_paths(configs)
    except ConfigError as error:
        print_problems(error)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    codes = [_validate_one(p, build=build, data=data, overrides=overrides) for p in paths]
    if len(paths) > 1:
        bad = sum(code != EXIT_OK for code in codes)
        style = "green" if not bad else "red"
        err().print(f"[{style}]{len(paths) - bad} of {len(paths)} configs valid[/]")
    raise typer.Exit(max(codes, key=lambda c: (c == EXIT_BAD_INPUT, c)))


def _validate_one(path: Path, *, build: bool, data: bool, overrides: list[str]) -> int:
    from mmm_bayes.batch.fit import check_sampler
    from mmm_bayes.config import ConfigProblems, check_data, load_config, load_lift_tests

    console = err()
    try:
        cfg = load_config(path, overrides=overrides)
        problems = []  # the sampler's and the data's, reported together
        try:
            check_sampler(cfg)
        except ConfigProblems as error:
            problems += error.problems
        if data:
            try:
                validated = check_data(cfg)
            except ConfigProblems as error:
                problems += error.problems
        if problems:
            raise ConfigProblems(str(cfg.source or cfg.run_name), problems)
        detail = f"{len(cfg.channels)} channels, {len(cfg.controls)} controls"
        if data:
            detail += f"; data: {len(validated.frame)} rows, {validated.freq}"
            tests = load_lift_tests(cfg)
            if tests:
                detail += f"; {len(tests)} lift test(s)"
            if build:
                detail += f"; model: {_build(cfg, validated, tests)}"
    except (ConfigError, DataError) as error:
        print_problems(error)
        return EXIT_BAD_INPUT
    except Exception as error:  # building the model failed in an unexpected way
        console.print(f"[bold red]✗ {escape(str(path))}[/]: building the model failed: ", end="")
        console.print(f"{type(error).__name__}: {error}", markup=False)
        return EXIT_FAILED
    console.print(f"[green]✓ {escape(str(path))}[/]: valid ({escape(detail)})")
    return EXIT_OK


def _build(cfg, validated, lift_tests=None) -> str:
    """Build the PyMC model and describe it (free parameters, observations)."""
    from mmm_bayes.model import build_inputs, build_lift_inputs, build_model

    inputs = build_inputs(cfg.model, validated)
    lift = build_lift_inputs(cfg.model, inputs, lift_tests or ())
    model = build_model(cfg.model, inputs, lift)
    n_free = sum(int(v.size) for v in model.initial_point().values())
    return f"{len(model.free_RVs)} parameter arrays, {n_free} parameters"
