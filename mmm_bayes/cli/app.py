"""The ``mmm-bayes`` typer app: global options, exit codes, and where subcommands register.

Exit codes (every subcommand): ``0`` success; ``1`` a fit (or another computation) failed;
``2`` bad input: an invalid config, data that fail validation, a missing file, a refused
output folder, or a usage error. ``130`` when interrupted.

Adding a subcommand
-------------------
Write ``mmm_bayes/cli/<name>_cmd.py`` that imports :data:`app` from here and decorates its
function with ``@app.command("<name>")``. Every ``*_cmd`` module in this package is imported by
:func:`_register_commands` below, in the order of :data:`COMMAND_ORDER` and then
alphabetically, so adding a command needs no edit to this file. Import heavy modules (PyMC,
the MMM facade) inside the command function, so that ``mmm-bayes --help`` stays fast.
Raise :class:`typer.Exit` with :data:`EXIT_FAILED` or :data:`EXIT_BAD_INPUT`, or let an
:class:`~mmm_bayes.errors.MMMError` escape: :func:`main` turns it into a message and a code.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from typing import Annotated

import typer

from mmm_bayes.cli._console import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    run_app,
    setup_logging,
)

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "app", "main"]

#: Subcommand modules in the order ``--help`` lists them; other ``*_cmd`` modules follow.
COMMAND_ORDER = ("validate_cmd", "fit_cmd", "report_cmd", "optimize_cmd", "schema_cmd")

app = typer.Typer(
    name="mmm-bayes",
    help=(
        "Bayesian marketing mix models from YAML configs: validate a config and its data, "
        "fit one model or a batch (local processes or a Dask cluster), and write run folders."
    ),
    epilog="Exit codes: 0 success, 1 a fit failed, 2 bad input (config, data, paths), "
    "130 interrupted. Docs: docs/cli.md and docs/config.md.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"mmm-bayes {version('mmm_bayes')}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Log progress messages of the library (INFO level)."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Bayesian marketing mix models from YAML configs."""
    setup_logging(verbose=verbose)


def _register_commands() -> None:
    """Import every ``*_cmd`` module of this package; each registers its commands on ``app``."""
    import mmm_bayes.cli

    found = {m.name for m in pkgutil.iter_modules(mmm_bayes.cli.__path__)}
    modules = [m for m in COMMAND_ORDER if m in found]
    modules += sorted(m for m in found if m.endswith("_cmd") and m not in COMMAND_ORDER)
    for name in modules:
        importlib.import_module(f"mmm_bayes.cli.{name}")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI (the ``mmm-bayes`` console script); exits with the codes above."""
    sys.exit(run_app(app, argv))


_register_commands()
