"""Batch fits: many configs, each checked, fitted and saved on its own; one failure stops none.

>>> from mmm_bayes.batch import run_batch
>>> outcomes = run_batch(["configs/a.yaml", "configs/b.yaml"], workers=2)  # doctest: +SKIP
>>> [o.status for o in outcomes]                                            # doctest: +SKIP
['ok', 'failed']

Configs run in this process (``workers=1``), in local worker processes (``workers > 1``), or on
a Dask cluster (``scheduler="tcp://host:8786"``). The summary table (one row per config:
status, time, diagnostics, error) is rewritten atomically after every finished config, so a
batch that is killed still leaves a readable summary.
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from mmm_bayes.batch.executors import Task, run_dask, run_in_process, run_local
from mmm_bayes.batch.fit import FitOutcome, Status, fit_config
from mmm_bayes.config import load_config
from mmm_bayes.errors import ConfigError
from mmm_bayes.spec.run import RunConfig

__all__ = [
    "SUMMARY_COLUMNS",
    "FitOutcome",
    "Status",
    "exit_code",
    "fit_config",
    "read_summary",
    "run_batch",
    "write_summary",
]

#: Columns of the summary table, in order.
SUMMARY_COLUMNS = tuple(FitOutcome("", "", "ok").to_row())


def run_batch(
    configs: Sequence[str | os.PathLike[str] | RunConfig],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    force: bool = False,
    figures: bool = True,
    summary: str | os.PathLike[str] | None = None,
    on_done: Callable[[FitOutcome], None] | None = None,
    overrides: Sequence[str] = (),
    scheduler_timeout: float = 20.0,
) -> list[FitOutcome]:
    """Fit every config; return one outcome per config, in the order given.

    Parameters
    ----------
    configs : sequence of path or RunConfig
        YAML files or configs. A file that does not load is an ``invalid`` outcome.
    workers : int, default 1
        Configs fitted at once on this machine: 1 fits them one after another in this process;
        more start one worker process per config, at most ``workers`` at a time. Each fit also
        runs its chains in parallel, so ``workers x chains`` should not exceed the cores.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``): fit there instead, on as many
        workers as the cluster has. Its workers need mmm_bayes and must see the data files
        and output folders.
    force : bool, default False
        Replace existing run folders.
    figures : bool, default True
        Write figures into each run folder.
    summary : path, optional
        CSV file for the summary table, rewritten atomically as configs finish.
    on_done : callable, optional
        Called with each outcome as it finishes (for progress displays).
    overrides : sequence of str
        ``KEY=VALUE`` settings applied to every config file (see
        :func:`mmm_bayes.config.apply_overrides`).
    scheduler_timeout : float, default 20
        Seconds to wait for the Dask scheduler to answer.

    Returns
    -------
    list of FitOutcome
        Configs whose outputs clash, or that fail to load, are ``invalid`` and not fitted.
        On KeyboardInterrupt, unfinished configs are written to the summary as ``cancelled``
        and the interrupt is re-raised.

    Raises
    ------
    ConfigError
        If ``workers < 1``, or no Dask scheduler answers at ``scheduler``.
    """
    if workers < 1:
        raise ConfigError(f"workers must be >= 1, got {workers}")
    outcomes: list[FitOutcome | None] = [None] * len(configs)
    tasks: list[Task] = []
    seen: dict[Path, str] = {}
    for i, item in enumerate(configs):
        task, invalid = _task(i, item, force=force, figures=figures, seen=seen, overrides=overrides)
        if invalid is not None:
            outcomes[i] = invalid
        else:
            tasks.append(task)

    def done(outcome: FitOutcome, index: int) -> None:
        outcomes[index] = outcome
        if summary is not None:
            write_summary(summary, [o for o in outcomes if o is not None])
        if on_done is not None:
            on_done(outcome)

    for i, outcome in enumerate(list(outcomes)):
        if outcome is not None:
            done(outcome, i)

    def finished(task: Task, outcome: FitOutcome) -> None:
        done(outcome, task.index)

    try:
        if scheduler:
            run_dask(tasks, finished, scheduler=scheduler, timeout=scheduler_timeout)
        elif workers > 1 and len(tasks) > 1:
            run_local(tasks, finished, workers=workers)
        else:
            run_in_process(tasks, finished)
    except BaseException:
        for t in tasks:
            if outcomes[t.index] is None:
                outcomes[t.index] = t.outcome("cancelled", "the batch was interrupted")
        if summary is not None:
            write_summary(summary, [o for o in outcomes if o is not None])
        raise
    return [o for o in outcomes if o is not None]


def _task(
    index: int, item, *, force: bool, figures: bool, seen: dict[Path, str], overrides
) -> tuple[Task | None, FitOutcome | None]:
    """Load one config into a Task, or return the ``invalid`` outcome that says why not."""
    label = str(item) if not isinstance(item, RunConfig) else str(item.source or item.run_name)
    try:
        cfg = item if isinstance(item, RunConfig) else load_config(item, overrides=overrides)
    except ConfigError as err:
        name = Path(label).stem
        return None, FitOutcome(label, name, "invalid", error=str(err))
    output = cfg.output_path().resolve()
    if output in seen:
        error = (
            f"output folder {output} is also the output of {seen[output]}; give each config "
            "its own `output` (or `name`)"
        )
        return None, FitOutcome(label, cfg.run_name, "invalid", output=str(output), error=error)
    seen[output] = label
    return Task(index, cfg, output, force=force, figures=figures), None


def exit_code(outcomes: Sequence[FitOutcome]) -> int:
    """Return the command's exit code: 1 if a fit failed, else 2 if an input was bad, else 0."""
    statuses = {o.status for o in outcomes}
    if statuses & {"failed", "cancelled"}:
        return 1
    if "invalid" in statuses:
        return 2
    return 0


def write_summary(path: str | os.PathLike[str], outcomes: Sequence[FitOutcome]) -> Path:
    """Write the summary table as CSV atomically (a temporary file renamed into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for outcome in outcomes:
        writer.writerow({k: "" if v is None else v for k, v in outcome.to_row().items()})
    # not tempfile.mkstemp: its 0600 would make the summary private after the rename
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8", newline="") as f:
            f.write(buffer.getvalue())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def read_summary(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Read a summary table back as a list of rows (strings)."""
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
