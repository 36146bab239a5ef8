"""Terminal output shared by the commands: consoles, logging, problems, outcome tables."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.table import Table

from mmm_bayes.errors import ConfigError, DataError, FitError, MMMError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

_STATUS_STYLE = {
    "ok": "green",
    "warning": "yellow",
    "invalid": "red",
    "failed": "bold red",
    "cancelled": "magenta",
}


def out() -> Console:
    """Console for results (stdout)."""
    return Console(soft_wrap=True, highlight=False)


def err() -> Console:
    """Console for messages, progress and problems (stderr)."""
    return Console(stderr=True, soft_wrap=True, highlight=False)


def setup_logging(*, verbose: bool) -> None:
    """Send mmm_bayes log records to stderr (through rich on a terminal); INFO with ``-v``.

    PyMC's own INFO lines follow the same level.
    """
    logger = logging.getLogger("mmm_bayes")
    if not any(getattr(h, "_mmm_bayes_cli", False) for h in logger.handlers):
        if sys.stderr.isatty():
            handler: logging.Handler = RichHandler(
                console=err(), show_time=False, show_path=False, markup=False
            )
            handler.setFormatter(logging.Formatter("%(message)s"))
        else:  # logs and CI: one unwrapped line per record
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler._mmm_bayes_cli = True
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    # PyMC prints its INFO lines ("Sampling: [K, S, ...]" for every prior draw of a report)
    # through a handler of its own: the same level as ours, so -v shows them
    logging.getLogger("pymc").setLevel(logging.INFO if verbose else logging.WARNING)


def print_problems(error: ConfigError | DataError, console: Console | None = None) -> None:
    """Print a config or data error, one problem per line when it lists several."""
    console = console or err()
    problems = getattr(error, "problems", None)
    if problems:
        n = len(problems)
        console.print(f"[bold red]✗ {escape(error.source)}[/]: {n} problem{'s' if n != 1 else ''}")
        for p in problems:
            line = f" [dim](line {p.line})[/]" if p.line else ""
            console.print(f"  • [bold]{escape(p.where or '(config)')}[/]{line}: ", end="")
            console.print(p.message, markup=False)
    else:
        console.print("[bold red]✗[/] ", end="")
        console.print(str(error), markup=False)


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn library errors into a message and the exit code (2 bad input, 1 failed fit)."""
    try:
        yield
    except (ConfigError, DataError) as error:
        print_problems(error)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except FitError as error:
        err().print(f"[bold red]✗ fit failed:[/] {escape(str(error))}")
        raise typer.Exit(EXIT_FAILED) from None
    except MMMError as error:
        err().print(f"[bold red]✗[/] {escape(str(error))}")
        raise typer.Exit(EXIT_BAD_INPUT) from None


@contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Make SIGTERM (a scheduler stopping the job) unwind like Ctrl-C, so cleanup code runs."""

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def outcome_table(outcomes: Sequence) -> Table:
    """Render batch outcomes as a table: config, status, time, diagnostics, error."""
    table = Table(title="Batch summary", show_lines=False)
    for name, justify in [("config", "left"), ("status", "left"), ("time", "right")]:
        table.add_column(name, justify=justify)
    table.add_column("diagnostics")
    table.add_column("output / error", overflow="fold")
    for o in outcomes:
        diag = ""
        if o.max_rhat is not None:
            diag = f"div {o.divergences:.0f}, R-hat {o.max_rhat:.3f}, ESS {o.min_ess:.0f}"
        detail = _first_problem(o.error) if o.error else o.output
        style = _STATUS_STYLE.get(o.status, "")
        table.add_row(
            escape(o.config), f"[{style}]{o.status}[/]", f"{o.seconds:.1f} s", diag, escape(detail)
        )
    return table


def _first_problem(error: str) -> str:
    """Return the first listed problem of an error (``  - path: ...``), else its first line."""
    lines = error.splitlines()
    listed = [line.strip().removeprefix("- ") for line in lines if line.startswith("  - ")]
    more = f" (+{len(listed) - 1} more)" if len(listed) > 1 else ""
    return (listed[0] + more) if listed else lines[0]


def run_app(app: typer.Typer, argv: list[str] | None) -> int:
    """Run the typer app and return its exit code, mapping library errors that escape.

    Typer's standalone mode prints usage errors (exit 2, no traceback) and turns Ctrl-C into
    130; it ends in ``SystemExit``, whose code is returned. Catching click's exception classes
    instead would miss the ones typer raises (newer typer vendors click as ``typer._click``).
    """
    try:
        app(args=argv, prog_name="mmm-bayes", standalone_mode=True)
        code: object = EXIT_OK
    except SystemExit as stop:
        code = EXIT_OK if stop.code is None else stop.code
    except KeyboardInterrupt:  # outside a command (typer maps one inside a command to 130)
        err().print("[magenta]interrupted[/]")
        return EXIT_INTERRUPTED
    except (ConfigError, DataError) as error:  # commands of other modules that let one escape
        print_problems(error)
        return EXIT_BAD_INPUT
    except FitError as error:
        err().print(f"[bold red]✗ fit failed:[/] {escape(str(error))}")
        return EXIT_FAILED
    except MMMError as error:
        err().print(f"[bold red]✗[/] {escape(str(error))}")
        return EXIT_BAD_INPUT
    sys.stdout.flush()
    if isinstance(code, int):
        return code
    err().print(str(code), markup=False)  # sys.exit("message"), as Python itself would print it
    return EXIT_FAILED
