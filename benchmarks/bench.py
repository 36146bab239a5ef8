#!/usr/bin/env python
"""Benchmark mmm_bayes against PyMC-Marketing 1.3 on the bundled example data (``make bench``).

Both libraries fit the simulated ``example_weekly`` data set (156 weeks, five channels, two
controls, known true ROAS) with nutpie, 2 chains x 1000 tune x 1000 draws, one after the other
(never in parallel), each in a fresh process with empty PyTensor, Numba and JAX caches:

* mmm_bayes: ``MMM(example_spec()).fit(...)`` (``mmm_bayes.testing.example_spec()``: the
  example's columns, library defaults for everything else) in a worker subprocess of this
  script (the main venv), then a warm refit in the same process on the example KPI times
  ``1 + 0.02 z``, ``z ~ N(0, 1)`` (same shape, so the compiled model is reused).
* PyMC-Marketing 1.3: ``benchmarks/pymc_marketing_baseline.py`` in ``.bench-venv`` (its own
  default priors, ``GeometricAdstock(l_max=8)``, ``LogisticSaturation()``), with the same
  perturbed data for its warm refit (a new ``MMM`` of the same configuration, same process).

Printed per library (medians over ``--repeats``): import, build, compile and sampling time,
cold time to posterior (script start to posterior in hand), warm refit time, min bulk ESS over
the free parameters, max R-hat, divergences, ESS per second of sampling, ROAS MAPE of the
posterior mean against the true ROAS and how many channels' 90% intervals cover it; and the
ratios ours/theirs. ROAS on both sides is the channel's KPI contribution over the window plus
the carryover tail past the last date, divided by its spend (the simulator's definition).

The JSON result (settings, raw per-run records, medians, ratios, the printed table) is
written atomically to ``benchmarks/results/bench-<UTC time>.json`` or ``--out``.

Run ``.venv/bin/python benchmarks/bench.py --help`` for the options.
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()  # worker processes measure cold time from here

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BASELINE_SCRIPT = ROOT / "benchmarks" / "pymc_marketing_baseline.py"
BENCH_VENV_PYTHON = ROOT / ".bench-venv" / "bin" / "python"
RESULTS_DIR = ROOT / "benchmarks" / "results"
BENCH_VENV_HOWTO = (
    "python3.12 -m venv .bench-venv && .bench-venv/bin/pip install 'pymc-marketing==1.3.*' nutpie"
)

DATASET = "example_weekly"
DATE_COL, KPI_COL = "date", "sales"
QUANTILES = (0.05, 0.95)
#: Environment variables that would point a worker at someone else's caches.
CACHE_ENV = ("PYTENSOR_FLAGS", "NUMBA_CACHE_DIR", "JAX_COMPILATION_CACHE_DIR")


# --- command line ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=1, help="cold runs per library (medians)")
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--chains", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--backend",
        choices=("jax", "numba"),
        default="jax",
        help="nutpie backend for mmm_bayes (PyMC-Marketing always uses nutpie's numba)",
    )
    p.add_argument(
        "--chain-method",
        choices=("auto", "processes", "threads"),
        default="auto",
        help="how mmm_bayes runs nutpie's chains (auto: a worker process per chain with jax)",
    )
    p.add_argument(
        "--refit-noise",
        type=float,
        default=0.02,
        help="sd of the multiplicative KPI perturbation of the warm-refit data",
    )
    p.add_argument("--skip-baseline", action="store_true", help="only benchmark mmm_bayes")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per worker process")
    p.add_argument("--out", default=None, help="JSON result path (default benchmarks/results/)")
    # Internal: run one mmm_bayes fit in this (fresh) process; set by the orchestrator.
    p.add_argument("--worker-out", default=None, help=argparse.SUPPRESS)
    p.add_argument("--refit-csv", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeats < 1:
        p.error("--repeats must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker_out:
        return worker(args)
    return orchestrate(args)


# --- small helpers --------------------------------------------------------------------------


def write_json_atomic(obj: dict, path: str | Path) -> Path:
    """Write ``obj`` as JSON to ``path`` via a temporary file in the same folder + os.replace."""
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=2, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _finite(x) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def summarize_samples(samples) -> dict:
    """Mean and 5%/95% quantiles of a flat sample (as the baseline script does)."""
    import numpy as np

    s = np.asarray(samples, dtype=float).ravel()
    q = np.quantile(s, QUANTILES)
    return {"mean": _finite(s.mean()), "q05": _finite(q[0]), "q95": _finite(q[1])}


def median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# --- the mmm_bayes worker (fresh process, empty caches) -------------------------------------


def check_cold_caches() -> Path:
    """Check that the orchestrator gave this process its own empty cache dirs; return the root.

    Runs before anything imports pytensor, numba or jax (they read these at import).
    """
    for mod in ("pytensor", "numba", "jax", "pymc", "nutpie", "mmm_bayes"):
        if mod in sys.modules:
            raise RuntimeError(f"{mod} was imported before the caches were checked")
    root = Path(os.environ["NUMBA_CACHE_DIR"]).parent
    if f"base_compiledir={root}" not in os.environ.get("PYTENSOR_FLAGS", ""):
        raise RuntimeError("PYTENSOR_FLAGS does not point base_compiledir at the fresh cache dir")
    if os.environ.get("JAX_ENABLE_COMPILATION_CACHE") != "false":
        raise RuntimeError("the JAX compilation cache is not switched off")
    leftovers = [p for p in root.rglob("*") if p.is_file()]
    if leftovers:
        raise RuntimeError(f"cache dir {root} is not empty: {leftovers[:3]}")
    return root


def _timed(fn, key: str, acc: dict, calls: dict, keep: dict | None = None):
    """Wrap ``fn`` to add its wall time to ``acc[key]`` and count calls (pass-through)."""

    def wrapper(*a, **k):
        t = time.perf_counter()
        try:
            out = fn(*a, **k)
            if keep is not None:
                keep[key] = out
            return out
        finally:
            acc[key] += time.perf_counter() - t
            calls[key] += 1

    wrapper.__wrapped__ = fn
    return wrapper


def worker(args: argparse.Namespace) -> int:
    """Cold fit, then warm refit, of mmm_bayes in this process; JSON to ``--worker-out``."""
    cache_root = check_cold_caches()
    load_start = os.getloadavg()[0]
    t = time.perf_counter()
    import pandas as pd

    from mmm_bayes import MMM, datasets
    from mmm_bayes.inference import sample as sampling
    from mmm_bayes.inference.diagnostics import convergence_checks
    from mmm_bayes.testing import example_spec

    import_s = time.perf_counter() - t

    acc = dict.fromkeys(("build", "compile", "in_process", "compile_nutpie", "pool"), 0.0)
    calls = dict.fromkeys(acc, 0)
    kept: dict = {}
    # compile: converting the model to JAX (both paths), and with chains in worker processes
    # also XLA's compilation and the serialization for the workers (CompiledCache.exported)
    sampling.COMPILED.compiled = _timed(sampling.COMPILED.compiled, "compile", acc, calls)
    sampling.COMPILED.exported = _timed(sampling.COMPILED.exported, "compile", acc, calls)
    sampling.compile_nutpie = _timed(sampling.compile_nutpie, "compile_nutpie", acc, calls)
    # chains in this process: compile + nutpie.sample. The wrapper is on our function, not on
    # nutpie.sample: importing nutpie here would load all of ArviZ into this process, which a
    # user's fit in worker processes does not (about a second of the cold time)
    sampling._sample_nutpie = _timed(sampling._sample_nutpie, "in_process", acc, calls)
    # chains in worker processes: the pool reports the workers' own compile and sample times
    sampling.POOL.run = _timed(sampling.POOL.run, "pool", acc, calls)

    settings = dict(
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        random_seed=args.seed,
        backend=args.backend,
        chain_method=args.chain_method,
        progressbar=False,
        posterior_predictive=False,
    )
    df = datasets.load(DATASET)
    mmm = MMM(example_spec())
    mmm.build = _timed(mmm.build, "build", acc, calls, keep=kept)

    t = time.perf_counter()
    idata = mmm.fit(df, **settings)
    t_end = time.perf_counter()
    fit_s = t_end - t
    cold = _with_pool_times(dict(acc), sampling.POOL)
    cpu_total_s = time.process_time()  # this process only (not the chain workers)
    load_end = os.getloadavg()[0]
    in_workers = calls["pool"] == 1
    compiles = sampling.POOL.compilations if in_workers else calls["compile_nutpie"]
    if compiles != (args.chains if in_workers else 1):
        raise RuntimeError(f"the fit did not compile once per chain worker or process: {calls}")

    model = kept["build"]
    free = [rv.name for rv in model.free_RVs]
    diag = diagnostics(idata, free, convergence_checks)
    roas = roas_summary(mmm.roas())

    # Warm refit: new KPI of the same shape, same process, same MMM object.
    refit_df = pd.read_csv(args.refit_csv, parse_dates=[DATE_COL])
    before = dict(acc)
    compiles_before = calls["compile_nutpie"] + sampling.POOL.compilations
    t = time.perf_counter()
    refit_idata = mmm.fit(refit_df, **settings)
    refit_s = time.perf_counter() - t
    refit = _with_pool_times({k: acc[k] - before[k] for k in acc}, sampling.POOL)
    refit_diag = diagnostics(refit_idata, free, convergence_checks)

    result = {
        "library": "mmm_bayes",
        "backend": args.backend,
        "timing_s": {
            "import": import_s,
            "build": cold["build"],
            "compile": cold["compile"],
            "sample": cold["sample"],
            "post": fit_s - cold["build"] - cold["compile"] - cold["sample"],
            "fit": fit_s,
            "cold_total": t_end - _T0,
            "refit": refit_s,
            "refit_build": refit["build"],
            "refit_compile": refit["compile"],
            "refit_sample": refit["sample"],
        },
        "timing_notes": (
            "cold_total = worker script start to end of mmm.fit (imports, data load, build, "
            "compile, sample, relabel); compile = CompiledCache.compiled (compile_nutpie: our "
            "JAX log density, or nutpie.compile_pymc_model for numba); with chains in worker "
            "processes (jax) also CompiledCache.exported (XLA's compilation of the log density, "
            "gradient, trace and start functions, serialized), the wait for the workers "
            "(started before the compile, so their imports overlap it) and the slowest "
            "worker's load of the executables; sample = nutpie.sample (slowest worker; in "
            "this process: _sample_nutpie less its compile, and with the jax backend XLA "
            "compiles in the first call of nutpie.sample, so that counts as sampling); "
            "post = fit time left after build, compile and sample. Chains in this process: "
            "nutpie (and with it all of ArviZ) is first imported inside the compile, so that "
            "import counts as compile time, not import time."
        ),
        "cpu_total_s": cpu_total_s,
        "load_average_1m": {"start": load_start, "end_of_fit": load_end},
        "chains_in_worker_processes": in_workers,
        "refit_recompiled": calls["compile_nutpie"] + sampling.POOL.compilations != compiles_before,
        "diagnostics": diag,
        "refit_diagnostics": refit_diag,
        "roas": roas,
        "free_rvs": free,
        "caches": cache_report(cache_root),
        "versions": versions(args.backend),
    }
    write_json_atomic(result, args.worker_out)
    return 0


def _with_pool_times(acc: dict, pool) -> dict:
    """Split the fit's wall time into compile and sample (the pool's from the workers' timings).

    In this process, sampling is ``_sample_nutpie``'s time less its compile. With the chains in
    worker processes, compile is this process's (``COMPILED.compiled`` and ``.exported``) plus
    the wait for the workers to connect and the slowest worker's load of the executables.
    """
    in_process = acc.pop("in_process")
    acc["sample"] = in_process - acc["compile"] if in_process else 0.0
    if acc.pop("pool") == 0.0:
        return acc
    t = pool.last_timings
    acc["compile"] += t["start_workers_s"] + t["compile_s"]
    acc["sample"] += t["sample_s"]
    return acc


def diagnostics(idata, free: list[str], convergence_checks) -> dict:
    """Divergences, max R-hat and min bulk ESS over the free parameters (the baseline's set)."""
    checks = {c.name: c for c in convergence_checks(idata, var_names=free)}
    all_vars = {c.name: c for c in convergence_checks(idata)}
    return {
        "divergences": int(checks["divergences"].value),
        "max_rhat": _finite(checks["max R-hat"].value),
        "max_rhat_at": checks["max R-hat"].worst,
        "min_ess_bulk": _finite(checks["min bulk ESS"].value),
        "min_ess_bulk_at": checks["min bulk ESS"].worst,
        "min_ess_bulk_all_kept_vars": _finite(all_vars["min bulk ESS"].value),
    }


def roas_summary(roas) -> dict:
    """Per channel: mean, 5%/95% quantiles and bulk ESS of the posterior ROAS."""
    import arviz as az

    ess = az.ess(roas.transpose("chain", "draw", "channel"), method="bulk")
    out = {}
    for ch in roas["channel"].values:
        entry = summarize_samples(roas.sel(channel=ch).values)
        out[str(ch)] = {"roas": entry, "roas_ess_bulk": _finite(ess.sel(channel=ch))}
    return out


def cache_report(root: Path) -> dict:
    import numba
    import pytensor

    report = {
        "cold": True,
        "cache_root": str(root),
        "pytensor_base_compiledir": str(pytensor.config.base_compiledir),
        "numba_cache_dir": numba.config.CACHE_DIR,
        "jax_compilation_cache": os.environ.get("JAX_ENABLE_COMPILATION_CACHE"),
    }
    try:
        from pytensor.link.numba import cache as pt_numba_cache

        report["pytensor_numba_cache"] = str(pt_numba_cache.NUMBA_CACHE_PATH)
    except ImportError:
        pass
    return report


def versions(backend: str) -> dict:
    from importlib.metadata import version

    names = ["mmm_bayes", "pymc", "pytensor", "nutpie", "numba", "arviz", "numpy"]
    if backend == "jax":
        names += ["jax", "jaxlib"]
    return {"python": platform.python_version()} | {n: version(n) for n in names}


# --- orchestration --------------------------------------------------------------------------


def write_inputs(workdir: Path, noise: float, seed: int) -> tuple[Path, Path, dict]:
    """Write the example data and its perturbed copy as CSV; return paths and the true ROAS."""
    import numpy as np

    from mmm_bayes import datasets

    df = datasets.load(DATASET)
    data_csv, refit_csv = workdir / "data.csv", workdir / "refit.csv"
    df.to_csv(data_csv, index=False)
    z = np.random.default_rng(seed).standard_normal(len(df))
    df.assign(**{KPI_COL: df[KPI_COL] * (1 + noise * z)}).to_csv(refit_csv, index=False)
    return data_csv, refit_csv, dict(datasets.truth(DATASET)["true_roas"])


def run_process(cmd: list[str], env: dict, timeout: float, label: str) -> float:
    """Run ``cmd`` to completion; return its wall time; raise with its stderr tail on failure."""
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
        raise RuntimeError(f"{label} failed (exit {proc.returncode}):\n{tail}")
    return wall


def run_ours(args, refit_csv: Path, workdir: Path, i: int) -> dict:
    """One cold mmm_bayes run in a fresh subprocess with empty cache dirs."""
    cache = Path(tempfile.mkdtemp(prefix=f"mmm-bayes-bench-cache-{i}-"))
    (cache / "numba").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in CACHE_ENV}
    env |= {
        "PYTENSOR_FLAGS": f"base_compiledir={cache}",
        "NUMBA_CACHE_DIR": str(cache / "numba"),
        "JAX_ENABLE_COMPILATION_CACHE": "false",
    }
    out = workdir / f"ours-{i}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker-out", str(out)]
    cmd += ["--refit-csv", str(refit_csv), "--backend", args.backend, "--seed", str(args.seed)]
    cmd += ["--chain-method", args.chain_method]
    cmd += ["--draws", str(args.draws), "--tune", str(args.tune), "--chains", str(args.chains)]
    try:
        wall = run_process(cmd, env, args.timeout, "mmm_bayes worker")
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    raw = json.loads(out.read_text())
    raw["process_wall_s"] = wall
    return raw


def baseline_command(
    data_csv: Path, spec, out: Path, *, draws: int, tune: int, chains: int, seed: int
) -> list[str]:
    """The PyMC-Marketing baseline script's command line for ``data_csv`` and ``spec``."""
    cmd = [str(BENCH_VENV_PYTHON), str(BASELINE_SCRIPT), "--csv", str(data_csv)]
    cmd += ["--date-col", DATE_COL, "--kpi-col", KPI_COL]
    cmd += ["--channels", ",".join(spec.channel_columns), "--controls", ",".join(spec.controls)]
    cmd += ["--draws", str(draws), "--tune", str(tune), "--chains", str(chains)]
    return [*cmd, "--seed", str(seed), "--out", str(out), "--quiet"]


def run_theirs(args, data_csv: Path, refit_csv: Path, workdir: Path, spec, i: int) -> dict:
    """One cold PyMC-Marketing run: the baseline script in .bench-venv (fresh caches itself)."""
    env = {k: v for k, v in os.environ.items() if k not in CACHE_ENV}
    env["JAX_ENABLE_COMPILATION_CACHE"] = "false"
    out = workdir / f"theirs-{i}.json"
    settings = {"draws": args.draws, "tune": args.tune, "chains": args.chains, "seed": args.seed}
    cmd = [*baseline_command(data_csv, spec, out, **settings), "--refit-csv", str(refit_csv)]
    wall = run_process(cmd, env, args.timeout, "PyMC-Marketing baseline")
    raw = json.loads(out.read_text())
    raw["process_wall_s"] = wall
    return raw


def roas_scores(roas: dict, truth: dict) -> dict:
    """ROAS MAPE (%) of the posterior means and 90%-interval coverage of the true ROAS."""
    errors, covered = [], 0
    for ch, true in truth.items():
        r = roas[ch]
        errors.append(abs(r["mean"] - true) / abs(true))
        covered += int(r["q05"] <= true <= r["q95"])
    return {"roas_mape_pct": 100 * sum(errors) / len(errors), "coverage": covered}


def metrics_ours(raw: dict, truth: dict) -> dict:
    """Flatten one mmm_bayes run into the table's metrics."""
    t, d, rd = raw["timing_s"], raw["diagnostics"], raw["refit_diagnostics"]
    roas = {ch: v["roas"] for ch, v in raw["roas"].items()}
    return {
        "import_s": t["import"],
        "build_s": t["build"],
        "compile_s": t["compile"],
        "sample_s": t["sample"],
        "post_s": t["post"],
        "cold_s": t["cold_total"],
        "cold_process_wall_s": raw["process_wall_s"],
        "cold_cpu_s": raw["cpu_total_s"],
        "load_1m": raw["load_average_1m"]["start"],
        "refit_s": t["refit"],
        "refit_sample_s": t["refit_sample"],
        "min_ess_bulk": d["min_ess_bulk"],
        "max_rhat": d["max_rhat"],
        "divergences": d["divergences"],
        "ess_per_s": d["min_ess_bulk"] / t["sample"],
        "refit_ess_per_s": rd["min_ess_bulk"] / t["refit_sample"],
        "roas_min_ess_bulk": min(v["roas_ess_bulk"] for v in raw["roas"].values()),
        **roas_scores(roas, truth),
        "roas": roas,
    }


def metrics_theirs(raw: dict, truth: dict) -> dict:
    """Flatten one PyMC-Marketing run into the table's metrics (ROAS with carryover tail)."""
    t, d = raw["timing_s"], raw["diagnostics"]
    refit = raw["refit"]
    by_name = {col.removesuffix("_spend"): v for col, v in raw["roas_with_tail"].items()}
    roas = {ch: v["roas"] for ch, v in by_name.items()}
    return {
        "import_s": t["import"],
        "build_s": t["build"],
        "compile_s": t["compile"],
        "sample_s": t["sample"],
        "post_s": t["deterministics"] + t["fit_overhead"],
        "cold_s": t["total_cold"],
        "cold_process_wall_s": raw["process_wall_s"],
        "cold_cpu_s": raw["cpu_time_s"]["total_cold"],
        "load_1m": raw["load_average_1m"]["start"],
        "refit_s": refit["timing_s"]["total"],
        "refit_sample_s": refit["timing_s"]["sample"],
        "min_ess_bulk": d["min_ess_bulk"],
        "max_rhat": d["max_rhat"],
        "divergences": d["divergences"],
        "ess_per_s": d["min_ess_bulk"] / t["sample"],
        "refit_ess_per_s": refit["diagnostics"]["ess_bulk_per_sample_s"],
        "roas_min_ess_bulk": min(v["roas_ess_bulk"] for v in by_name.values()),
        **roas_scores(roas, truth),
        "roas": roas,
    }


def medians(runs: list[dict]) -> dict:
    """Median of every scalar metric over runs; per-channel ROAS medians of mean/q05/q95."""
    if not runs:
        return {}
    out = {k: median([r[k] for r in runs]) for k in runs[0] if k != "roas"}
    out["roas"] = {
        ch: {s: median([r["roas"][ch][s] for r in runs]) for s in ("mean", "q05", "q95")}
        for ch in runs[0]["roas"]
    }
    return out


#: Rows of the table: (metric key, label, format, ratio shown).
ROWS = (
    ("import_s", "import [s]", "{:.1f}", False),
    ("build_s", "model build [s]", "{:.2f}", False),
    ("compile_s", "compile [s]", "{:.1f}", False),
    ("sample_s", "sampling [s]", "{:.1f}", False),
    ("post_s", "after sampling [s]", "{:.1f}", False),
    ("cold_s", "cold time to posterior [s]", "{:.1f}", True),
    ("cold_cpu_s", "  CPU time to posterior [s]", "{:.1f}", False),
    ("refit_s", "warm refit [s]", "{:.1f}", True),
    ("min_ess_bulk", "min bulk ESS (free params)", "{:.0f}", False),
    ("max_rhat", "max R-hat", "{:.3f}", False),
    ("divergences", "divergences", "{:.0f}", False),
    ("ess_per_s", "ESS/s of sampling (cold)", "{:.1f}", True),
    ("refit_ess_per_s", "ESS/s of sampling (refit)", "{:.1f}", False),
    ("roas_min_ess_bulk", "min bulk ESS of ROAS", "{:.0f}", False),
    ("roas_mape_pct", "ROAS MAPE vs truth [%]", "{:.1f}", True),
    ("coverage", "true ROAS in 90% interval", "{:.0f}/{n}", False),
)


def ratios(ours: dict, theirs: dict) -> dict:
    return {
        key: ours[key] / theirs[key]
        for key, _, _, shown in ROWS
        if shown and ours.get(key) is not None and theirs.get(key)
    }


def format_table(ours: dict, theirs: dict | None, header: list[str], truth: dict) -> str:
    """The printed report: headline table, then ROAS per channel against the truth."""

    def cell(fmt: str, value) -> str:
        return "-" if value is None else fmt.format(value, n=len(truth))

    rat = ratios(ours, theirs) if theirs else {}
    cols = f"{'':30}{'mmm_bayes':>12}" + (f"{'PyMC-Mkt':>12}{'ours/theirs':>13}" if theirs else "")
    lines = [*header, "", cols, "-" * len(cols)]
    for key, label, fmt, _ in ROWS:
        row = f"{label:30}{cell(fmt, ours.get(key)):>12}"
        if theirs:
            ratio = cell("{:.2f}", rat[key]) if key in rat else ""
            row += f"{cell(fmt, theirs.get(key)):>12}{ratio:>13}"
        lines.append(row)
    if theirs:
        lines.append("ours/theirs: below 1 is better for times and MAPE, above 1 for ESS/s")
    lines += ["", "ROAS (posterior mean [5%, 95%]) vs truth:"]
    for ch, true in truth.items():
        row = f"  {ch:9} true {true:5.2f}   mmm_bayes {_roas_cell(ours['roas'][ch])}"
        if theirs:
            row += f"   PyMC-Mkt {_roas_cell(theirs['roas'][ch])}"
        lines.append(row)
    return "\n".join(line.rstrip() for line in lines)


def _roas_cell(r: dict) -> str:
    return f"{r['mean']:5.2f} [{r['q05']:5.2f}, {r['q95']:5.2f}]"


def orchestrate(args: argparse.Namespace) -> int:
    """Run the cold fits (ours, then theirs, per repeat), print the table, write the JSON."""
    started = dt.datetime.now(dt.UTC)
    # imported here, not at module level: the worker must see its caches before any import
    from mmm_bayes.testing import example_spec

    spec = example_spec()
    baseline = not args.skip_baseline
    if baseline and not BENCH_VENV_PYTHON.exists():
        print(
            f"PyMC-Marketing comparison skipped: {BENCH_VENV_PYTHON.relative_to(ROOT)} not "
            f"found. Create it (from the repository root) with:\n  {BENCH_VENV_HOWTO}\n"
        )
        baseline = False

    ours_raw, theirs_raw, errors = [], [], []
    with tempfile.TemporaryDirectory(prefix="mmm-bayes-bench-") as tmp:
        workdir = Path(tmp)
        data_csv, refit_csv, truth = write_inputs(workdir, args.refit_noise, seed=12345)
        for i in range(args.repeats):
            print(f"[{i + 1}/{args.repeats}] mmm_bayes ({args.backend}) cold fit + refit ...")
            sys.stdout.flush()
            ours_raw.append(run_ours(args, refit_csv, workdir, i))
            if baseline:
                print(f"[{i + 1}/{args.repeats}] PyMC-Marketing cold fit + refit ...")
                sys.stdout.flush()
                try:
                    theirs_raw.append(run_theirs(args, data_csv, refit_csv, workdir, spec, i))
                except (RuntimeError, subprocess.TimeoutExpired) as err:
                    errors.append(str(err))
                    print(f"PyMC-Marketing run failed, comparison skipped:\n{err}")
                    baseline = False

    ours = medians([metrics_ours(r, truth) for r in ours_raw])
    theirs = medians([metrics_theirs(r, truth) for r in theirs_raw]) if theirs_raw else None
    machine = f"{platform.node() or 'host'}, {platform.machine()}, {os.cpu_count()} CPUs"
    header = [
        f"mmm_bayes vs PyMC-Marketing on {DATASET} (156 weeks, {len(truth)} channels, 2 controls)",
        f"{args.chains} chains x {args.tune} tune x {args.draws} draws, seed {args.seed}; "
        f"medians of {args.repeats} cold run(s) per library, one at a time",
        f"mmm_bayes: nutpie {args.backend} backend, chains: {args.chain_method}"
        + (
            "; PyMC-Marketing "
            f"{theirs_raw[0]['versions']['pymc_marketing']}: nutpie numba backend, default priors"
            if theirs_raw
            else "; PyMC-Marketing: not run"
        ),
        f"{started:%Y-%m-%d %H:%M} UTC on {machine}",
    ]
    table = format_table(ours, theirs, header, truth)
    print("\n" + table)

    result = {
        "benchmark": "mmm_bayes_vs_pymc_marketing",
        "started_utc": started.isoformat(),
        "settings": {
            "dataset": DATASET,
            "draws": args.draws,
            "tune": args.tune,
            "chains": args.chains,
            "seed": args.seed,
            "repeats": args.repeats,
            "backend": args.backend,
            "refit_noise": args.refit_noise,
        },
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count()},
        "true_roas": truth,
        "median": {"mmm_bayes": ours, "pymc_marketing": theirs},
        "ratios_ours_over_theirs": ratios(ours, theirs) if theirs else None,
        "runs": {"mmm_bayes": ours_raw, "pymc_marketing": theirs_raw},
        "errors": errors,
        "table": table,
    }
    out = args.out or RESULTS_DIR / f"bench-{started:%Y%m%dT%H%M%SZ}.json"
    print(f"\nresult written to {write_json_atomic(result, out)}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
