"""Worker process for :mod:`mmm_bayes.inference.chains`: samples one nutpie chain per task.

Started as ``python -m mmm_bayes.inference._chain_worker HOST:PORT`` with the connection key in
``MMM_BAYES_WORKER_KEY``. It connects back, sends its process id, then answers each task with
``("progress", ...)`` messages and one ``("done", trace, timings)`` or ``("error", message)``;
``None`` stops it. A task is either an
:class:`~mmm_bayes.inference.chains.ExportedChainTask` (JAX: the model comes compiled and
serialized, so this process needs neither PyMC nor PyTensor) or a
:class:`~mmm_bayes.inference.chains.ChainTask` (a recipe that rebuilds the model here).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
import time
import traceback
import types
from multiprocessing.connection import Client

#: What nutpie's ``sample`` takes from ``arviz`` to build its trace. ArviZ 1.x re-exports both
#: from ``arviz_base`` (tests/inference/test_chains.py checks that they are the same objects).
ARVIZ_BASE_NAMES = ("from_dict", "dict_to_dataset")


class _ArvizOnDemand(types.ModuleType):
    """Stands in for ``arviz`` in a worker: ``arviz_base``'s trace builders, the rest on demand.

    Any other public attribute imports the real ArviZ, which then replaces this module. Dunder
    lookups do not: ``inspect.getmodule`` asks every loaded module for ``__file__``, and
    ``lazy_loader`` calls it while ``arviz_base`` is still importing (for instance when the
    optional numpyro is missing), where importing ArviZ would be a circular import.
    """

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in ARVIZ_BASE_NAMES:
            import arviz_base

            return getattr(arviz_base, name)
        if sys.modules.get("arviz") is self:
            del sys.modules["arviz"]
        return getattr(importlib.import_module("arviz"), name)


def light_start() -> None:
    """Leave out two start-up costs that a chain worker does not need (about 2.5 s cold).

    * ArviZ: ``import nutpie`` imports all of it, statistics and plotting packages included
      (about 2 s), for two functions of ``arviz_base``; the worker gets :class:`_ArvizOnDemand`.
    * PyTensor's C compiler: a worker compiles only JAX or Numba functions and PyMC's
      initial-point function (``FAST_COMPILE``, Python thunks). With ``g++`` configured,
      PyTensor still builds its C virtual machine and probes the compiler's flags on an empty
      cache (about 0.7 s), so the worker runs with ``cxx=`` appended to ``PYTENSOR_FLAGS``.

    Call it before anything imports pytensor or arviz.
    """
    flags = os.environ.get("PYTENSOR_FLAGS", "")
    os.environ["PYTENSOR_FLAGS"] = f"{flags},cxx=" if flags else "cxx="
    if "arviz" not in sys.modules:
        import arviz_base  # noqa: F401  (fully imported before anything can ask the stand-in)

        shim = _ArvizOnDemand("arviz", _ArvizOnDemand.__doc__)
        shim.__spec__ = importlib.util.find_spec("arviz")
        sys.modules["arviz"] = shim


def main(address: str) -> int:
    """Serve chain tasks on the connection at ``address`` until told to stop."""
    light_start()
    # import what a JAX task needs before connecting, so that the parent's "starting workers"
    # time holds it and a task's clock starts when it arrives. PyMC and PyTensor are imported
    # only by a task that rebuilds its model (backends other than JAX)
    import nutpie  # noqa: F401

    from mmm_bayes.inference.chains import ExportedChainTask
    from mmm_bayes.inference.exported import configure_jax

    configure_jax()  # before any JAX computation creates the CPU client
    host, port = address.rsplit(":", 1)
    conn = Client((host, int(port)), authkey=bytes.fromhex(os.environ["MMM_BAYES_WORKER_KEY"]))
    conn.send(os.getpid())
    send_lock = threading.Lock()

    def send(msg) -> None:
        with send_lock:
            conn.send(msg)

    cache = _Models()
    while (task := _next_task(conn)) is not None:
        try:
            if isinstance(task, ExportedChainTask):
                trace, timings = _sample_exported(task, cache, send)
            else:
                trace, timings = _sample(task, cache.recipes(), send)
            send(("done", trace, timings))
        except Exception as err:  # reported to the parent, which raises FitError
            send(("error", f"{type(err).__name__}: {err}\n{traceback.format_exc()}"))
    return 0


def _next_task(conn):
    try:
        return conn.recv()
    except (EOFError, OSError):  # the parent went away: stop quietly
        return None


class _Models:
    """A worker's models: loaded exports by hash, and models built from recipes by key."""

    def __init__(self) -> None:
        self.loaded: dict[str, object] = {}
        self._recipes = None

    def recipes(self):
        """Return the compiled-model cache for recipe tasks (imports PyMC on first use)."""
        if self._recipes is None:
            from mmm_bayes.inference.sample import CompiledCache

            self._recipes = CompiledCache()
        return self._recipes


def _sample_exported(task, models: _Models, send):
    """Sample a chain of a model compiled in the parent (an ``ExportedChainTask``)."""
    start = time.perf_counter()
    received = time.time()
    # by the executables' hash, not the parent's key alone: a key such as an object id can
    # come back for another model
    digest = task.density.digest
    loaded = models.loaded.get(digest)
    timings = {"compiled": loaded is None}
    if loaded is None:
        loaded = models.loaded[digest] = task.density.load()
    model = loaded.nutpie_model(task.packed)
    timings["compile_s"] = time.perf_counter() - start
    return _run_nutpie(model, task, send, start, received, timings)


def _sample(task, cache, send):
    """Sample a chain of a model the worker builds from the task's recipe (a ``ChainTask``)."""
    start = time.perf_counter()
    received = time.time()
    model = task.build(*task.args)
    before = cache.compilations
    cached = cache.get(task.key, model, task.backend)
    timings = {"compiled": cache.compilations > before}
    timings["compile_s"] = time.perf_counter() - start
    return _run_nutpie(cached, task, send, start, received, timings)


def _run_nutpie(model, task, send, start: float, received: float, timings: dict):
    import nutpie

    def progress(chains) -> None:
        p = chains[0]
        send(("progress", p.finished_draws, p.total_draws, p.divergences, p.tuning))

    trace = nutpie.sample(
        model,
        draws=task.draws,
        tune=task.tune,
        chains=1,
        cores=1,
        seed=task.seed,
        target_accept=task.target_accept,
        adaptation=task.adaptation,
        progress_bar=False,
        progress_callback=progress,
        progress_rate=250,
        save_warmup=False,
    )
    timings["sample_s"] = time.perf_counter() - start - timings["compile_s"]
    timings["received_at"], timings["finished_at"] = received, time.time()
    return trace, timings


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
