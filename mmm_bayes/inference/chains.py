"""Run nutpie chains in worker processes, one chain per process.

With the JAX backend, nutpie's chains are threads whose calls into the compiled log density
go through Python one at a time. A worker process has its own interpreter, so its chain's calls
do not wait for the other chains'. When the chains fill every CPU, each worker gets a CPU of
its own (:func:`worker_cpus`). docs/benchmarks.md has the figures.

Workers are started as ``python -m mmm_bayes.inference._chain_worker`` (never by forking a
process that has JAX loaded, and without re-importing the user's script, which ``spawn`` would
do). They stay alive for the rest of the session and keep their compiled models by structure
key, so a refit on new data of the same shape only swaps shared values: nothing recompiles.

With the JAX backend a task carries the model already compiled to JAX and serialized
(:class:`ExportedChainTask`, :mod:`mmm_bayes.inference.exported`): this process converts the
model once, while the workers start (:meth:`ChainPool.start`), and a worker needs neither PyMC
nor PyTensor. Other backends send a recipe that rebuilds the model (:class:`ChainTask`).
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, Listener, wait

import numpy as np
import xarray as xr

from mmm_bayes.errors import FitError
from mmm_bayes.inference.exported import ExportedDensity

log = logging.getLogger(__name__)

#: How long a new worker may take to import its libraries and connect back.
START_TIMEOUT_S = 120.0
#: How often, while waiting for a worker to connect, to check that none has exited.
ACCEPT_POLL_S = 0.5


@dataclass(frozen=True)
class ChainTask:
    """One chain's job: how to rebuild the model, what to sample, and with which seed.

    ``build`` and ``args`` must pickle (a module-level function and plain data): the worker
    calls ``build(*args)`` to rebuild the same PyMC model, since models do not pickle.
    """

    build: Callable
    args: tuple
    key: str
    backend: str
    draws: int
    tune: int
    seed: int
    target_accept: float
    adaptation: str


@dataclass(frozen=True)
class ExportedChainTask:
    """One chain's job for a model compiled to JAX in the parent process.

    ``density`` is the same for every fit of a model structure (a worker loads it once and
    keeps it by its hash); ``packed`` holds this fit's data and prior numbers.
    """

    density: ExportedDensity
    packed: np.ndarray
    draws: int
    tune: int
    seed: int
    target_accept: float
    adaptation: str


@dataclass
class _Launch:
    """Worker processes started but not yet connected: they are still importing."""

    listener: Listener
    procs: list[subprocess.Popen]


@dataclass
class _Worker:
    process: subprocess.Popen
    conn: Connection


def chain_seeds(random_seed: int | None, chains: int) -> list[int]:
    """Independent per-chain seeds derived from one seed (fresh entropy for ``None``)."""
    states = np.random.SeedSequence(random_seed).spawn(chains)
    return [int(s.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for s in states]


class ChainPool:
    """Persistent worker processes that each sample one nutpie chain per task."""

    def __init__(self) -> None:
        self._workers: list[_Worker] = []
        self._launches: list[_Launch] = []
        self._lock = threading.Lock()
        #: How many times a worker compiled a model (refits of a known structure add none).
        self.compilations = 0
        #: Seconds spent by the last run: starting workers, then the slowest worker's build
        #: and compile, and its sampling.
        self.last_timings: dict[str, float] = {}

    def start(self, n: int) -> None:
        """Start worker processes up to ``n`` without waiting for them (they connect in run).

        Call it before work that :meth:`run` needs first, such as compiling the model: the
        workers import their libraries meanwhile.
        """
        with self._lock:
            self._workers = [w for w in self._workers if w.process.poll() is None]
            waiting = sum(p.poll() is None for launch in self._launches for p in launch.procs)
            missing = n - len(self._workers) - waiting
            if missing > 0:
                self._launches.append(_launch_workers(missing))

    def run(
        self, tasks: Sequence[ChainTask | ExportedChainTask], *, progressbar: bool = True
    ) -> xr.DataTree:
        """Sample every task's chain in its own worker; return the chains joined as one trace."""
        with self._lock:
            start = time.perf_counter()
            workers = self._ensure(len(tasks))
            pin_workers(workers)
            self.last_timings = {"start_workers_s": time.perf_counter() - start}
            try:
                for worker, task in zip(workers, tasks, strict=True):
                    worker.conn.send(task)
                results = self._collect(workers, tasks[0].draws + tasks[0].tune, progressbar)
            except BaseException:
                # a failed or interrupted run leaves workers mid-task: stop them, so that a
                # later run never reads their stale messages (new workers start on demand)
                for worker in workers:
                    self._drop(worker)
                raise
        return join_chains(results)

    def close(self) -> None:
        """Stop every worker (those still starting are killed)."""
        launches, self._launches = self._launches, []
        for launch in launches:
            _abandon(launch)
        for worker in self._workers:
            try:
                worker.conn.send(None)
                worker.conn.close()
                worker.process.wait(timeout=5)
            except Exception:  # a worker that is already gone or stuck
                worker.process.kill()
        self._workers.clear()

    def _ensure(self, n: int) -> list[_Worker]:
        self._connect_launched()
        self._workers = [w for w in self._workers if w.process.poll() is None]
        missing = n - len(self._workers)
        if missing > 0:
            self._workers += _connect(_launch_workers(missing))
        return self._workers[:n]

    def _connect_launched(self) -> None:
        launches, self._launches = self._launches, []
        for i, launch in enumerate(launches):
            try:
                self._workers += _connect(launch)
            except BaseException:
                for later in launches[i + 1 :]:
                    _abandon(later)
                raise

    def _collect(self, workers: list[_Worker], total: int, progressbar: bool) -> list:
        results: dict[int, xr.DataTree] = {}
        index = {id(w.conn): i for i, w in enumerate(workers)}
        with _Progress(len(workers), total, progressbar) as bar:
            while len(results) < len(workers):
                pending = [w.conn for i, w in enumerate(workers) if i not in results]
                for conn in wait(pending):
                    i = index[id(conn)]
                    try:
                        kind, *payload = conn.recv()
                    except EOFError:
                        raise FitError(
                            f"the worker process sampling chain {i} stopped unexpectedly "
                            "(out of memory?); try fewer chains, or chain_method='threads'"
                        ) from None
                    if kind == "progress":
                        bar.update(i, *payload)
                    elif kind == "done":
                        results[i], timings = payload
                        self.compilations += timings["compiled"]
                        for name in ("compile_s", "sample_s"):
                            old = self.last_timings.get(name, 0.0)
                            self.last_timings[name] = max(old, timings[name])
                    else:
                        raise FitError(f"chain {i} failed in its worker process: {payload[0]}")
        return [results[i] for i in range(len(workers))]

    def _drop(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.conn.close()
        self._workers = [w for w in self._workers if w is not worker]


def worker_cpus(n_workers: int, allowed: Sequence[int]) -> list[set[int]]:
    """Return the CPUs each of ``n_workers`` chain workers may run on.

    When the chains would occupy every CPU this process may use anyway, worker ``i`` gets CPU
    ``allowed[i % len(allowed)]`` to itself: on the 2-core benchmark machine a pinned chain
    samples about a quarter faster than one the scheduler moves between cores
    (docs/benchmarks.md). With CPUs to spare, every worker may use all of them, so that
    pinning never crowds two busy processes onto one core while others idle.
    """
    cpus = sorted(allowed)
    if not cpus or n_workers < len(cpus):
        return [set(cpus) for _ in range(n_workers)]
    return [{cpus[i % len(cpus)]} for i in range(n_workers)]


def pin_workers(workers: Sequence[_Worker]) -> None:
    """Apply :func:`worker_cpus` to the worker processes (Linux; elsewhere nothing happens)."""
    if not hasattr(os, "sched_setaffinity"):
        return
    cpus_of = worker_cpus(len(workers), os.sched_getaffinity(0))
    for worker, cpus in zip(workers, cpus_of, strict=True):
        try:
            os.sched_setaffinity(worker.process.pid, cpus)
        except OSError as err:  # a worker that just exited, or a sandbox that forbids it
            log.debug("could not set the CPUs of worker %s: %s", worker.process.pid, err)


def _launch_workers(n: int) -> _Launch:
    """Start ``n`` worker processes; they import their libraries, then connect to ``listener``."""
    authkey = secrets.token_bytes(32)
    # a backlog for all of them: they may all connect before this process accepts any
    listener = Listener(("127.0.0.1", 0), backlog=max(n, 8), authkey=authkey)
    host, port = listener.address
    cmd = [sys.executable, "-m", "mmm_bayes.inference._chain_worker", f"{host}:{port}"]
    # the parent's import path, so a notebook's sys.path edits reach the workers too
    path = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
    env = os.environ | {"MMM_BAYES_WORKER_KEY": authkey.hex(), "PYTHONPATH": path}
    procs = [subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL) for _ in range(n)]
    return _Launch(listener, procs)


def _connect(launch: _Launch) -> list[_Worker]:
    """Wait for the launched workers to connect; pair each connection with its process.

    On any failure (a worker that exits or never connects, an interrupt) every process of the
    launch is stopped, so none is left behind.
    """
    try:
        with launch.listener:
            conns = [_accept(launch.listener, launch.procs) for _ in launch.procs]
        # connections arrive in any order; pair each with the process that opened it
        by_pid = {conn.recv(): conn for conn in conns}
        return [_Worker(p, by_pid[p.pid]) for p in launch.procs]
    except BaseException:
        _abandon(launch)
        raise


def _abandon(launch: _Launch) -> None:
    """Stop a launch's processes (and reap them) and close its listener."""
    for p in launch.procs:
        p.kill()
    for p in launch.procs:
        p.wait()
    launch.listener.close()


def _accept(listener: Listener, procs: list[subprocess.Popen]) -> Connection:
    """Accept the next worker's connection; fail early if a worker exits, or after a timeout."""
    # Listener.accept has no timeout argument; its socket (a CPython detail) takes one
    listener._listener._socket.settimeout(ACCEPT_POLL_S)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            return listener.accept()
        except TimeoutError:
            pass
        exited = [p for p in procs if p.poll() is not None]
        if exited:
            raise FitError(
                f"a chain worker process exited while starting (exit code "
                f"{exited[0].returncode}; its error is printed above); "
                "use chain_method='threads' to sample in this process"
            )
        if time.monotonic() > deadline:
            raise FitError(
                f"chain worker processes did not start within {START_TIMEOUT_S:.0f} s; "
                "use chain_method='threads' to sample in this process"
            )


def join_chains(traces: Sequence[xr.DataTree]) -> xr.DataTree:
    """Join single-chain traces (each with ``chain`` = 0) into one trace with chains 0..n-1."""
    groups = {}
    for name in traces[0].children:
        parts = [t[name].to_dataset() for t in traces]
        ds = xr.concat(parts, dim="chain", combine_attrs="override")
        groups[name] = ds.assign_coords(chain=np.arange(len(traces)))
    return xr.DataTree.from_dict(groups)


class _Progress:
    """A rich progress bar with one line per chain (silent when ``enabled`` is false)."""

    def __init__(self, chains: int, total: int, enabled: bool) -> None:
        self._bar = None
        if enabled:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[note]}"),
                TimeElapsedColumn(),
            )
            note = "starting"
            self._tasks = [
                self._bar.add_task(f"chain {i}", total=total, note=note) for i in range(chains)
            ]

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, chain: int, done: int, total: int, divergences: int, tuning: bool) -> None:
        if self._bar is None:
            return
        phase = "warm-up" if tuning else "sampling"
        note = f"{phase}, {divergences} divergences"
        self._bar.update(self._tasks[chain], completed=done, total=total, note=note)


#: The process-wide pool the sampler uses; its workers stop when Python exits.
POOL = ChainPool()
atexit.register(POOL.close)
