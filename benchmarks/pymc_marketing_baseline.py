#!/usr/bin/env python
"""Baseline benchmark: fit PyMC-Marketing 1.3's MMM with nutpie, one cold process.

Run it with the separate benchmark venv (PyMC-Marketing 1.3 pins pymc<6.4, so it
cannot share the package venv):

    .bench-venv/bin/python benchmarks/pymc_marketing_baseline.py \
        --csv data.csv --date-col date --kpi-col sales \
        --channels tv_spend,search_spend --controls price_index,promo \
        --draws 1000 --tune 1000 --chains 2 --seed 1 --out result.json

Model: ``pymc_marketing.mmm.MMM`` with ``GeometricAdstock(l_max=8)``,
``LogisticSaturation()``, ``yearly_seasonality=2`` and PyMC-Marketing's DEFAULT
priors (no ``model_config``), identity link, default max-abs scaling of the KPI
and of the channels (controls enter unscaled, as the library does).

Fitting goes through the library's own ``mmm.fit(..., nuts_sampler="nutpie")``,
so the posterior is exactly the one a user gets. To split the fit into phases,
``nutpie.compile_pymc_model``, ``nutpie.sample`` and ``pymc.compute_deterministics``
are wrapped with pass-through timers (``fit`` reaches all three as module
attributes: pm.sample -> nutpie.compile_pymc_model + nutpie.sample, then
pm.compute_deterministics for the Deterministics, which fit leaves out of
sampling).

Cold caches: unless ``--cache-dir`` is given, the script points PyTensor's
``base_compiledir`` (PyTensor keeps its Numba cache in ``<base_compiledir>/numba``)
and ``NUMBA_CACHE_DIR`` at a fresh temporary directory before anything imports
pytensor or numba, and removes it at the end. ``--cache-dir DIR`` reuses DIR
instead (kept), to measure a warm-cache run.

ROAS: ``roas`` is the library's own channel contribution summed over the window /
spend. ``roas_with_tail`` adds the carryover of the window's spend into the
``l_max - 1`` periods after the last date (the definition mmm_bayes and the
simulator's true ROAS use): the adstock/saturation forward pass is redone in
numpy on the spend padded with zeros, from the posterior draws, and checked to
reproduce the sampled ``channel_contribution`` inside the window.

Warm refit: ``--refit-csv FILE`` (same columns and length) fits a second, new
``MMM`` of the same configuration on FILE in the same process after the first
fit, with the caches now warm, and reports its timings and diagnostics under
``refit``.

Timings use time.perf_counter. The JSON goes to --out atomically (temp file in
the same directory + os.replace) and is also printed on stdout.
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

QUANTILES = (0.05, 0.95)
_LOADAVG_START = os.getloadavg()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--csv", required=True, help="input CSV, one row per date")
    p.add_argument("--date-col", required=True)
    p.add_argument("--kpi-col", required=True)
    p.add_argument("--channels", required=True, help="comma-separated spend columns")
    p.add_argument("--controls", default="", help="comma-separated control columns")
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--chains", type=int, default=2)
    p.add_argument(
        "--cores",
        type=int,
        default=None,
        help="chains run in parallel (default: pm.sample's, min(4, cpu_count))",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--l-max", type=int, default=8)
    p.add_argument("--yearly-seasonality", type=int, default=2)
    p.add_argument("--out", required=True, help="path of the JSON result")
    p.add_argument(
        "--cache-dir",
        default=None,
        help="reuse (and keep) this cache dir instead of a fresh temporary one; "
        "for warm-cache runs",
    )
    p.add_argument("--quiet", action="store_true", help="do not print the JSON on stdout")
    p.add_argument(
        "--refit-csv",
        default=None,
        help="after the cold fit, fit a new MMM of the same configuration on this CSV "
        "(same columns and length) in the same process: the warm refit",
    )
    args = p.parse_args(argv)
    args.channels = [c.strip() for c in args.channels.split(",") if c.strip()]
    args.controls = [c.strip() for c in args.controls.split(",") if c.strip()]
    if not args.channels:
        p.error("--channels must name at least one column")
    return args


def isolate_caches(cache_dir: str | None) -> tuple[Path, bool]:
    """Point PyTensor's and Numba's caches at ``cache_dir`` or a fresh temp dir.

    Must run before pytensor / numba are imported: both read these settings at
    import time. Returns the directory and whether it is a temporary one.
    """
    for mod in ("pytensor", "numba", "pymc", "nutpie", "pymc_marketing"):
        if mod in sys.modules:
            raise RuntimeError(f"{mod} was imported before the caches were set")
    if cache_dir is None:
        root = Path(tempfile.mkdtemp(prefix="pmm-baseline-cache-"))
        temporary = True
    else:
        root = Path(cache_dir).expanduser().resolve()
        root.mkdir(parents=True, exist_ok=True)
        temporary = False
    (root / "pytensor").mkdir(exist_ok=True)
    (root / "numba").mkdir(exist_ok=True)
    # Later flags win in PYTENSOR_FLAGS, so appending overrides any caller value.
    flags = [f for f in os.environ.get("PYTENSOR_FLAGS", "").split(",") if f]
    flags = [
        f for f in flags if f.split("=", 1)[0].strip() not in ("base_compiledir", "compiledir")
    ]
    flags.append(f"base_compiledir={root / 'pytensor'}")
    os.environ["PYTENSOR_FLAGS"] = ",".join(flags)
    os.environ["NUMBA_CACHE_DIR"] = str(root / "numba")
    return root, temporary


def _finite(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def summarize_samples(samples) -> dict:
    import numpy as np

    s = np.asarray(samples, dtype=float).ravel()
    s = s[np.isfinite(s)]
    if s.size == 0:
        return {"mean": None, "q05": None, "q95": None}
    q = np.quantile(s, QUANTILES)
    return {"mean": _finite(s.mean()), "q05": _finite(q[0]), "q95": _finite(q[1])}


def roas_with_tail(mmm, posterior, spend_cols: list[str], l_max: int) -> tuple[dict, float]:
    """ROAS counting the carryover tail, from the posterior draws, in numpy.

    Redoes PyMC-Marketing's forward pass (normalized geometric adstock, mode
    After, then ``beta * logistic_saturation(x, lam)``, times ``target_scale``)
    on the max-abs-scaled spend padded with ``l_max - 1`` zero periods, sums the
    contribution over the window plus the tail and divides by the spend.
    Returns the per-channel summaries (with the bulk ESS of the channel's ROAS)
    and the largest absolute difference,
    relative to the largest contribution, between this forward pass and the
    sampled ``channel_contribution`` inside the window (a self-check).
    """
    import arviz as az
    import numpy as np

    model = mmm.model
    x = np.asarray(model["channel_data"].get_value(), dtype=float)  # (date, channel)
    scale = np.asarray(model["channel_scale"].get_value(), dtype=float)
    x = x / scale
    target_scale = float(np.asarray(model["target_scale"].get_value()))
    channels = [str(c) for c in posterior["channel"].values]
    n_dates = x.shape[0]
    n_chains = int(posterior.sizes["chain"])

    def draws(name):
        da = posterior[name].transpose("chain", "draw", "channel")
        return np.asarray(da.values, dtype=float).reshape(-1, len(channels))

    alpha, lam, beta = draws("adstock_alpha"), draws("saturation_lam"), draws("saturation_beta")
    padded = np.vstack([x, np.zeros((l_max - 1, x.shape[1]))])  # (T + L - 1, C)
    lags = np.arange(l_max)
    w = alpha[:, None, :] ** lags[None, :, None]  # (S, L, C)
    w = w / w.sum(axis=1, keepdims=True)
    adstocked = np.zeros((alpha.shape[0], *padded.shape))
    for lag in lags:
        shifted = np.zeros_like(padded)
        shifted[lag:] = padded[: padded.shape[0] - lag]
        adstocked += w[:, lag, None, :] * shifted[None]
    e = np.exp(-lam[:, None, :] * adstocked)
    contrib = beta[:, None, :] * (1 - e) / (1 + e) * target_scale  # (S, T + L - 1, C)

    sampled = posterior["channel_contribution"].transpose("chain", "draw", "date", "channel")
    sampled = np.asarray(sampled.values, dtype=float).reshape(-1, n_dates, len(channels))
    sampled = sampled * target_scale
    check = float(np.abs(contrib[:, :n_dates] - sampled).max() / np.abs(sampled).max())

    spend = np.asarray(model["channel_data"].get_value(), dtype=float).sum(axis=0)
    by_col = dict(zip(channels, range(len(channels)), strict=True))
    out = {}
    for col in spend_cols:
        i = by_col[col]
        total = contrib[:, :, i].sum(axis=1)
        tail = contrib[:, n_dates:, i].sum(axis=1)
        out[col] = {
            "spend_total": float(spend[i]),
            "contribution_total": summarize_samples(total),
            "tail_contribution": summarize_samples(tail),
            "roas": summarize_samples(total / spend[i]) if spend[i] else summarize_samples([]),
            "roas_ess_bulk": _finite(az.ess(total.reshape(n_chains, -1), method="bulk")),
        }
    return out, check


def write_json_atomic(obj: dict, path: str) -> None:
    path = os.path.abspath(path)
    d = os.path.dirname(path)
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=d)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=2, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cache_root, cache_is_temp = isolate_caches(args.cache_dir)
    try:
        result = run(args, cache_root, cache_is_temp)
    finally:
        if cache_is_temp:
            shutil.rmtree(cache_root, ignore_errors=True)
    write_json_atomic(result, args.out)
    if not args.quiet:
        print(json.dumps(result, indent=2))
    return 0


def run(args: argparse.Namespace, cache_root: Path, cache_is_temp: bool) -> dict:
    t_import0, c_import0 = time.perf_counter(), time.process_time()
    import arviz as az
    import numba
    import numpy as np
    import nutpie
    import pandas as pd
    import pymc as pm
    import pymc_marketing
    import pytensor
    from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation

    import_s = time.perf_counter() - t_import0
    import_cpu_s = time.process_time() - c_import0

    from pytensor.link.numba import cache as pt_numba_cache

    numba_cache_path = str(pt_numba_cache.NUMBA_CACHE_PATH)
    if not numba_cache_path.startswith(str(cache_root)):
        raise RuntimeError(f"PyTensor's numba cache is {numba_cache_path}, not under {cache_root}")

    # ---- pass-through timers around what mmm.fit calls -------------------------
    phase: dict[str, float] = {"compile_s": 0.0, "sample_s": 0.0, "deterministics_s": 0.0}
    phase_cpu: dict[str, float] = {"compile_s": 0.0, "sample_s": 0.0, "deterministics_s": 0.0}
    calls: dict[str, int] = {"compile": 0, "sample": 0, "deterministics": 0}

    def _timed(fn, key, count_key):
        def wrapper(*a, **k):
            t, c = time.perf_counter(), time.process_time()
            try:
                return fn(*a, **k)
            finally:
                phase[key] += time.perf_counter() - t
                phase_cpu[key] += time.process_time() - c
                calls[count_key] += 1

        wrapper.__wrapped__ = fn
        return wrapper

    nutpie.compile_pymc_model = _timed(nutpie.compile_pymc_model, "compile_s", "compile")
    nutpie.sample = _timed(nutpie.sample, "sample_s", "sample")
    pm.compute_deterministics = _timed(
        pm.compute_deterministics, "deterministics_s", "deterministics"
    )

    # ---- data --------------------------------------------------------------
    t = time.perf_counter()
    df = pd.read_csv(args.csv)
    missing = [
        c
        for c in [args.date_col, args.kpi_col, *args.channels, *args.controls]
        if c not in df.columns
    ]
    if missing:
        raise SystemExit(f"columns not in {args.csv}: {missing}")
    df[args.date_col] = pd.to_datetime(df[args.date_col])
    df = df.sort_values(args.date_col).reset_index(drop=True)
    X = df[[args.date_col, *args.channels, *args.controls]].copy()
    y = df[args.kpi_col].astype(float).copy()
    load_s = time.perf_counter() - t

    # ---- build ---------------------------------------------------------------
    def new_mmm():
        return MMM(
            date_column=args.date_col,
            channel_columns=list(args.channels),
            control_columns=list(args.controls) or None,
            target_column=args.kpi_col,
            adstock=GeometricAdstock(l_max=args.l_max),
            saturation=LogisticSaturation(),
            yearly_seasonality=args.yearly_seasonality,
        )

    t, c = time.perf_counter(), time.process_time()
    mmm = new_mmm()
    mmm.build_model(X, y)
    build_s = time.perf_counter() - t
    build_cpu_s = time.process_time() - c
    free_rvs = [rv.name for rv in mmm.model.free_RVs]
    n_free_params = int(
        sum(int(np.prod(mmm.model.initial_point()[v.name].shape)) for v in mmm.model.value_vars)
    )

    # ---- fit (compile + sample + deterministics) ------------------------------
    sample_kwargs = dict(
        nuts_sampler="nutpie",
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        random_seed=args.seed,
        progressbar=False,
    )
    if args.cores is not None:
        sample_kwargs["cores"] = args.cores
    t, c = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        idata = mmm.fit(X, y, **sample_kwargs)
    fit_s = time.perf_counter() - t
    fit_cpu_s = time.process_time() - c
    t_end_fit = time.perf_counter()
    cpu_total_s = time.process_time()  # process CPU (all threads) since start
    loadavg_end = os.getloadavg()
    if calls["compile"] != 1 or calls["sample"] != 1:
        raise RuntimeError(f"fit did not go through nutpie once: {calls}")
    total_cold_s = t_end_fit - _T0

    # ---- diagnostics over the free parameters ---------------------------------
    t = time.perf_counter()
    posterior = idata.posterior
    rhat_ds = az.rhat(idata, var_names=free_rvs)
    ess_ds = az.ess(idata, var_names=free_rvs, method="bulk")
    rhat_by_var = {v: _finite(np.nanmax(np.asarray(rhat_ds[v]))) for v in free_rvs}
    ess_by_var = {v: _finite(np.nanmin(np.asarray(ess_ds[v]))) for v in free_rvs}
    max_rhat = max(x for x in rhat_by_var.values() if x is not None)
    min_ess = min(x for x in ess_by_var.values() if x is not None)
    diverging = idata.sample_stats["diverging"]
    n_div = int(np.asarray(diverging).sum())
    n_div_per_chain = [int(x) for x in np.asarray(diverging).sum(axis=1)]

    # ---- ROAS in original KPI units --------------------------------------------
    # Identity link: channel_contribution is on the max-abs-scaled KPI;
    # x target_scale gives KPI units (mmm.data does exactly this when no
    # channel_contribution_original_scale Deterministic was added).
    wrapper = mmm.data
    contrib = wrapper.get_channel_contributions(original_scale=True)  # chain,draw,date,channel
    target_scale = wrapper.get_target_scale()
    manual = posterior["channel_contribution"] * target_scale
    contrib_check_max_abs_diff = float(np.abs((contrib - manual).values).max())
    contrib_total = contrib.sum("date")  # chain, draw, channel
    roas = {}
    for ch in args.channels:
        spend = float(df[ch].sum())
        tot = contrib_total.sel(channel=ch).values
        entry = {
            "spend_total": spend,
            "contribution_total": summarize_samples(tot),
        }
        entry["roas"] = summarize_samples(tot / spend) if spend != 0 else summarize_samples([])
        roas[ch] = entry

    # KPI-units sanity check: fitted components over the window vs observed KPI.
    n_dates = int(posterior.sizes["date"])
    comps = wrapper.get_contributions(original_scale=True)
    comp_totals = {}
    for name in comps.data_vars:
        da = comps[name]
        other = [d for d in da.dims if d not in ("chain", "draw")]
        tot = da.sum(other)
        if "date" not in da.dims:  # time-invariant intercept: counted every date
            tot = tot * n_dates
        comp_totals[name] = _finite(tot.mean())
    mu_total = float((posterior["mu"] * target_scale).sum("date").mean())
    observed_total = float(y.sum())
    kpi_check = {
        "observed_kpi_total": observed_total,
        "fitted_mu_total_original_scale": mu_total,
        "fitted_over_observed": mu_total / observed_total if observed_total else None,
        "components_total_mean": comp_totals,
        "components_sum": _finite(sum(v for v in comp_totals.values() if v is not None)),
        "target_scale": float(np.asarray(target_scale)),
        "contribution_helper_vs_manual_max_abs_diff": contrib_check_max_abs_diff,
    }
    roas_tail, roas_tail_check = roas_with_tail(mmm, posterior, args.channels, args.l_max)
    post_s = time.perf_counter() - t

    sampling_time_attr = posterior.attrs.get("sampling_time")
    fit_overhead_s = fit_s - phase["compile_s"] - phase["sample_s"] - phase["deterministics_s"]
    result = {
        "benchmark": "pymc_marketing_baseline",
        "library": "pymc-marketing",
        "model": {
            "class": f"{type(mmm).__module__}.{type(mmm).__qualname__}",
            "adstock": f"GeometricAdstock(l_max={args.l_max})",
            "saturation": "LogisticSaturation()",
            "yearly_seasonality": args.yearly_seasonality,
            "priors": "pymc-marketing defaults",
            "default_priors": {k: str(v) for k, v in mmm.model_config.items()},
            "link": str(mmm.link.value if hasattr(mmm.link, "value") else mmm.link),
            "free_rvs": free_rvs,
            "n_free_params_unconstrained": n_free_params,
        },
        "data": {
            "csv": os.path.abspath(args.csv),
            "n_dates": n_dates,
            "date_col": args.date_col,
            "kpi_col": args.kpi_col,
            "channels": args.channels,
            "controls": args.controls,
            "first_date": str(df[args.date_col].iloc[0].date()),
            "last_date": str(df[args.date_col].iloc[-1].date()),
        },
        "sampler": {
            "nuts_sampler": "nutpie",
            "nutpie_backend": "numba",
            "draws": args.draws,
            "tune": args.tune,
            "chains": args.chains,
            "cores": args.cores,
            "seed": args.seed,
        },
        "timing_s": {
            "import": import_s,
            "load_data": load_s,
            "build": build_s,
            "compile": phase["compile_s"],
            "sample": phase["sample_s"],
            "deterministics": phase["deterministics_s"],
            "fit_overhead": fit_overhead_s,
            "fit": fit_s,
            "total_cold": total_cold_s,
            "postprocess_not_in_total": post_s,
            "pymc_reported_sampling_time": _finite(sampling_time_attr)
            if sampling_time_attr is not None
            else None,
        },
        "cpu_time_s": {
            "import": import_cpu_s,
            "build": build_cpu_s,
            "compile": phase_cpu["compile_s"],
            "sample": phase_cpu["sample_s"],
            "deterministics": phase_cpu["deterministics_s"],
            "fit": fit_cpu_s,
            "total_cold": cpu_total_s,
        },
        "load_average_1m": {"start": _LOADAVG_START[0], "end_of_fit": loadavg_end[0]},
        "timing_notes": (
            "total_cold = script start (after interpreter start) to end of mmm.fit: "
            "import+load_data+build+fit. fit = compile+sample+deterministics+fit_overhead. "
            "compile = nutpie.compile_pymc_model (pytensor rewrites + numba logp/grad/expand); "
            "sample = nutpie.sample (tune+draws, all chains); deterministics = "
            "pm.compute_deterministics after sampling (compiles its own function). "
            "cpu_time_s = process CPU time (all threads) of the same phases: sampling "
            "runs the chains in parallel threads, the other phases are single-threaded, "
            "so wall well above CPU in those means the machine was busy."
        ),
        "diagnostics": {
            "max_rhat": max_rhat,
            "min_ess_bulk": min_ess,
            "ess_bulk_per_sample_s": min_ess / phase["sample_s"],
            "ess_bulk_per_fit_s": min_ess / fit_s,
            "divergences": n_div,
            "divergences_per_chain": n_div_per_chain,
            "rhat_by_var": rhat_by_var,
            "min_ess_bulk_by_var": ess_by_var,
        },
        "roas": roas,
        "roas_definition": (
            "sum over all dates of channel_contribution * target_scale (KPI units) / "
            "sum of the channel's spend column; mean and 5%/95% quantiles over "
            "chains x draws"
        ),
        "roas_with_tail": roas_tail,
        "roas_with_tail_definition": (
            "as roas, plus the carryover of the window's spend into the l_max - 1 periods "
            "after the last date (forward pass redone in numpy on zero-padded spend)"
        ),
        "roas_with_tail_check_max_rel_diff": roas_tail_check,
        "refit": None,
        "kpi_check": kpi_check,
        "caches": {
            "cold": cache_is_temp,
            "cache_root": str(cache_root),
            "pytensor_base_compiledir": str(pytensor.config.base_compiledir),
            "pytensor_compiledir": str(pytensor.config.compiledir),
            "pytensor_numba_cache": numba_cache_path,
            "numba_cache_dir": numba.config.CACHE_DIR,
            "pytensor_linker": str(pytensor.config.linker),
        },
        "versions": {
            "python": platform.python_version(),
            "pymc_marketing": pymc_marketing.__version__,
            "pymc": pm.__version__,
            "pytensor": pytensor.__version__,
            "arviz": az.__version__,
            "nutpie": nutpie.__version__,
            "numba": numba.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
        },
    }
    # Last, so that the cold figures above are not touched by the refit's timers.
    if args.refit_csv:
        result["refit"] = run_refit(args, new_mmm, sample_kwargs, free_rvs, phase, calls)
    return result


def run_refit(args, new_mmm, sample_kwargs: dict, free_rvs: list[str], phase, calls) -> dict:
    """Fit a new MMM of the same configuration on ``--refit-csv``, same process (warm)."""
    import arviz as az
    import numpy as np
    import pandas as pd

    df = pd.read_csv(args.refit_csv)
    df[args.date_col] = pd.to_datetime(df[args.date_col])
    df = df.sort_values(args.date_col).reset_index(drop=True)
    X = df[[args.date_col, *args.channels, *args.controls]].copy()
    y = df[args.kpi_col].astype(float).copy()
    before = dict(phase)
    calls_before = dict(calls)
    t = time.perf_counter()
    mmm = new_mmm()
    mmm.build_model(X, y)
    build_s = time.perf_counter() - t
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        idata = mmm.fit(X, y, **sample_kwargs)
    total_s = time.perf_counter() - t
    delta = {k: phase[k] - before[k] for k in phase}
    rhat = az.rhat(idata, var_names=free_rvs)
    ess = az.ess(idata, var_names=free_rvs, method="bulk")
    max_rhat = max(float(np.nanmax(np.asarray(rhat[v]))) for v in free_rvs)
    min_ess = min(float(np.nanmin(np.asarray(ess[v]))) for v in free_rvs)
    return {
        "csv": os.path.abspath(args.refit_csv),
        "timing_s": {
            "build": build_s,
            "compile": delta["compile_s"],
            "sample": delta["sample_s"],
            "deterministics": delta["deterministics_s"],
            "total": total_s,
        },
        "compile_calls": calls["compile"] - calls_before["compile"],
        "diagnostics": {
            "max_rhat": max_rhat,
            "min_ess_bulk": min_ess,
            "ess_bulk_per_sample_s": min_ess / delta["sample_s"],
            "divergences": int(np.asarray(idata.sample_stats["diverging"]).sum()),
        },
        "timing_notes": "total = new MMM + build_model + fit, caches warm from the cold fit",
    }


if __name__ == "__main__":
    sys.exit(main())
