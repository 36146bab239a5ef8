"""Where a batch's fits run: in this process, in local worker processes, or on a Dask cluster.

Each executor takes :class:`Task` values and calls ``on_done(task, outcome)`` once per task,
in completion order, with its :class:`~mmm_bayes.batch.fit.FitOutcome`. A fit that raises is
already an outcome (see :func:`~mmm_bayes.batch.fit.fit_config`); what the executors add is
isolation: a worker process that dies (killed for memory, a crash in compiled code) becomes a
``failed`` outcome for its own config only.

- :func:`run_in_process`: one after another in this process (``--workers 1``); compiled models
  are reused between configs of the same structure.
- :func:`run_local`: up to ``workers`` fresh processes at a time (``spawn``: safe with JAX and
  threads), one per config, so a crash cannot take other configs down.
- :func:`run_dask`: tasks submitted to a ``dask.distributed`` scheduler; the workers need
  mmm_bayes installed and must see the data files and output folders (a shared file system).
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path

from mmm_bayes.batch.fit import FitOutcome, fit_config
from mmm_bayes.errors import ConfigError
from mmm_bayes.spec.run import RunConfig

__all__ = ["Task", "run_dask", "run_in_process", "run_local"]

OnDone = Callable[["Task", FitOutcome], None]
_TERMINATE_WAIT = 10.0  # seconds a terminated worker gets to clean up before it is killed


@dataclass(frozen=True)
class Task:
    """One config to fit, with where its run folder goes (picklable, sent to workers)."""

    index: int
    config: RunConfig
    output: Path
    force: bool = False
    figures: bool = True

    def run(self) -> FitOutcome:
        """Fit the config here (in whichever process or worker this runs)."""
        return fit_config(self.config, output=self.output, force=self.force, figures=self.figures)

    def outcome(self, status, error: str = "") -> FitOutcome:
        """Return an outcome for this task that no fit produced (worker died, cancelled)."""
        return FitOutcome(
            config=str(self.config.source or self.config.run_name),
            name=self.config.run_name,
            status=status,
            output=str(self.output),
            error=error,
        )


def run_in_process(tasks: Sequence[Task], on_done: OnDone) -> None:
    """Fit the tasks one after another in this process."""
    for task in tasks:
        on_done(task, task.run())


def _child(conn, task: Task) -> None:
    """Worker process body: fit one task and send its outcome back."""

    def stop(signum, frame):  # terminate() -> clean exit, so a partial run folder is removed
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        conn.send(task.run())
    finally:
        conn.close()


def run_local(tasks: Sequence[Task], on_done: OnDone, *, workers: int) -> None:
    """Fit the tasks in up to ``workers`` worker processes, one fresh process per task.

    On KeyboardInterrupt the running workers are terminated (they remove their temporary run
    folders) and the interrupt is re-raised; tasks not finished are left to the caller.
    """
    ctx = mp.get_context("spawn")
    pending = deque(tasks)
    running: dict = {}  # connection -> (process, task)
    try:
        while pending or running:
            while pending and len(running) < workers:
                task = pending.popleft()
                receiver, sender = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, args=(sender, task), name=f"mmm-fit-{task.index}")
                proc.start()
                sender.close()
                running[receiver] = (proc, task)
            for conn in wait(list(running)):
                proc, task = running.pop(conn)
                on_done(task, _receive(conn, proc, task))
    finally:
        _stop(running)


def _receive(conn, proc, task: Task) -> FitOutcome:
    try:
        outcome = conn.recv()
    except (EOFError, OSError):
        outcome = None
    finally:
        conn.close()
    proc.join()
    if outcome is None:
        code = proc.exitcode
        why = " (killed: out of memory?)" if code in (-9, 137) else ""
        return task.outcome("failed", f"the worker process died with exit code {code}{why}")
    return outcome


def _stop(running: dict) -> None:
    for proc, _ in running.values():
        if proc.is_alive():
            proc.terminate()
    deadline = time.monotonic() + _TERMINATE_WAIT
    for proc, _ in running.values():
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join()
    for conn in running:
        conn.close()


def _run_task(task: Task) -> FitOutcome:
    """Dask task body (module-level, so workers import it instead of unpickling a closure)."""
    return task.run()


def run_dask(
    tasks: Sequence[Task], on_done: OnDone, *, scheduler: str, timeout: float = 20.0
) -> None:
    """Submit the tasks to the Dask scheduler at ``scheduler`` (e.g. ``tcp://host:8786``).

    ``timeout`` is how long to wait for the scheduler to answer, in seconds.

    Raises
    ------
    ConfigError
        If no scheduler answers at that address.
    """
    from distributed import Client, as_completed

    try:
        client = Client(scheduler, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise ConfigError(
            f"could not connect to the Dask scheduler at {scheduler!r} ({err}); check the "
            "address (tcp://host:8786) and that the scheduler is running, or leave out "
            "--scheduler / MMM_BAYES_SCHEDULER to fit on this machine"
        ) from None
    with client:
        futures = {
            client.submit(_run_task, task, key=f"mmm-fit-{task.index}-{task.config.run_name}",
                          pure=False, retries=0): task
            for task in tasks
        }  # fmt: skip
        try:
            for future in as_completed(futures, loop=client.loop):
                task = futures[future]
                try:
                    outcome = future.result()
                except Exception as err:  # the worker died, or the task could not run there
                    outcome = task.outcome("failed", f"the Dask task failed: {err!r}")
                on_done(task, outcome)
        except BaseException:
            client.cancel(list(futures))
            raise
