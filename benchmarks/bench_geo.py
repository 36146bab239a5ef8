#!/usr/bin/env python
"""Benchmark hierarchical geo models and time-varying coefficients (issue 4): ``make bench-geo``.

Two parts, on data simulated with known truth (:mod:`mmm_bayes.simulate.geo`):

* **speed** (``--mode speed``; ``make bench`` runs this part): fit time of the geo model on
  :func:`~mmm_bayes.simulate.geo.geo_hierarchy` panels of 20, 50 and 100 geos (``--geos``) x 104
  weeks x 4 channels, 2 chains x 1000 tune x 1000 draws (``--chains``, ``--tune``,
  ``--draws``), nutpie by default (``--sampler numpyro`` runs the whole sampler in JAX). The
  baseline, fitted first in the same process with the same settings, is the national model on
  the 20-geo panel summed over geos (104 rows). Printed per size: median fit time over
  ``--repeats`` (each fit from data to posterior: validation, build, compile, sampling), its
  ratio to the baseline and to the smallest panel, seconds per geo, divergences, max R-hat,
  min bulk ESS, and how many channels' national true ROAS lie in their 90% interval. Each
  panel size is a new model shape, so every fit compiles; repeats of one size reuse the
  compiled model (that is what a refit costs).
* **recovery** (``--mode recovery``): on the 20-geo panel (seed ``--seed``; the default is the
  bundled ``geo_weekly`` data): the national ROAS of each channel inside its 90% interval; the
  error of the geo-level ROAS (posterior mean of ``MMM.geo_roas()`` against each geo's true
  ROAS) of the pooled fit against fitting the national model to each geo's rows alone; and on
  :func:`~mmm_bayes.simulate.geo.drifting_random_walk` (156 weeks, search's effect drifting as
  a random walk), the share of weeks whose true coefficient (KPI per week at mean spend) lies
  in the 90% band of ``MMM.time_varying_coefficients()``, for the weekly random walk and the
  4-week knot grid. Every fit records divergences and max R-hat.

``--mode all`` (the default) runs both and reuses the speed part's 20-geo fit as the pooled
fit. The JSON result (settings, every fit's record, medians, the printed table) is written
atomically to ``benchmarks/results/geo-<UTC time>.json`` or ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mmm_bayes import MMM
from mmm_bayes.simulate.geo import GEO_WEEKLY_SEED, drifting_random_walk, geo_hierarchy

RESULTS_DIR = Path(__file__).resolve().parent / "results"
L_MAX = 8
#: The issue's bars.
BARS = {"rw_coverage": 0.90, "max_rhat": 1.01, "fit_50_geos_s": 600.0}


# --- command line ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=("all", "speed", "recovery"), default="all")
    p.add_argument("--geos", type=int, nargs="+", default=[20, 50, 100], help="panel sizes")
    p.add_argument("--weeks", type=int, default=104, help="weeks of the geo panels")
    p.add_argument("--rw-weeks", type=int, default=156, help="weeks of the random-walk series")
    p.add_argument("--rw-channel", default="search", help="the channel whose effect drifts")
    p.add_argument("--repeats", type=int, default=1, help="fits per panel size (medians)")
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--chains", type=int, default=2)
    p.add_argument("--seed", type=int, default=GEO_WEEKLY_SEED, help="data seed")
    p.add_argument("--sampler-seed", type=int, default=1)
    p.add_argument("--sampler", choices=("nutpie", "numpyro"), default="nutpie")
    p.add_argument("--backend", choices=("jax", "numba"), default="jax", help="nutpie only")
    p.add_argument("--skip-baseline", action="store_true", help="no national baseline fit")
    p.add_argument(
        "--alone-geos",
        type=int,
        default=None,
        help="fit only the first N geos alone (default all 20; the pooled errors use the same)",
    )
    p.add_argument(
        "--tvp-methods",
        nargs="+",
        choices=("random_walk", "knots"),
        default=["random_walk", "knots"],
    )
    p.add_argument("--out", default=None, help="JSON result path (default benchmarks/results/)")
    args = p.parse_args(argv)
    if args.sampler == "numpyro":
        try:
            import numpyro  # noqa: F401
        except ImportError:
            p.error("--sampler numpyro needs numpyro: pip install 'mmm_bayes[jax]'")
    if args.repeats < 1:
        p.error("--repeats must be >= 1")
    return args


# --- specs ----------------------------------------------------------------------------------


def national_spec(channels: list[str], controls: list[str], **more) -> dict:
    """The national model's spec for simulated data (geometric adstock, ``l_max`` 8)."""
    return {
        "kpi": "sales",
        "date_col": "date",
        "channels": [{"name": c, "column": f"{c}_spend"} for c in channels],
        "controls": list(controls),
        "adstock": {"kind": "geometric", "l_max": L_MAX},
    } | more


def geo_spec(channels: list[str]) -> dict:
    """The hierarchical geo model of a :func:`geo_hierarchy` panel, scaled by population."""
    return national_spec(channels, ["promo"], geo={"column": "geo", "scale_column": "population"})


# --- one fit --------------------------------------------------------------------------------


def fit(spec: dict, data: pd.DataFrame, args: argparse.Namespace) -> tuple[MMM, dict]:
    """Fit ``spec`` to ``data``; return the model and a record: time, load, diagnostics."""
    mmm = MMM(spec)
    settings = {"draws": args.draws, "tune": args.tune, "chains": args.chains}
    settings |= {"random_seed": args.sampler_seed, "sampler": args.sampler, "progressbar": False}
    if args.sampler == "nutpie":
        settings["backend"] = args.backend
    load = os.getloadavg()[0]
    start = time.perf_counter()
    mmm.fit(data, posterior_predictive=False, **settings)
    record = {"fit_s": time.perf_counter() - start, "load_1m_start": load}
    return mmm, record | diagnostics(mmm)


def diagnostics(mmm: MMM) -> dict:
    """Divergences, max R-hat (and where), min bulk ESS of a fit."""
    checks = {c.name: c for c in mmm.diagnostics()}

    def value(name: str) -> float | None:
        c = checks.get(name)
        return None if c is None or c.status == "skip" else float(c.value)

    rhat = checks.get("max R-hat")
    return {
        "divergences": value("divergences"),
        "max_rhat": value("max R-hat"),
        "max_rhat_at": rhat.worst if rhat is not None else "",
        "min_ess_bulk": value("min bulk ESS"),
    }


def interval_table(draws, true: dict[str, float]) -> pd.DataFrame:
    """Per channel: truth, posterior mean, 5% and 95% quantiles, covered by the 90% interval."""
    dims = ("chain", "draw")
    table = pd.DataFrame(
        {
            "true": pd.Series(true),
            "mean": draws.mean(dims).to_series(),
            "q05": draws.quantile(0.05, dims).drop_vars("quantile").to_series(),
            "q95": draws.quantile(0.95, dims).drop_vars("quantile").to_series(),
        }
    )
    table["covered"] = (table["q05"] <= table["true"]) & (table["true"] <= table["q95"])
    return table


# --- speed ----------------------------------------------------------------------------------


def run_speed(args: argparse.Namespace, sizes: list[int], records: dict, kept: dict) -> None:
    """Fit the national baseline (once) and each panel size in ``sizes``, into ``records``.

    The 20-geo x 104-week fit is kept in ``kept`` for the recovery part.
    """
    if not args.skip_baseline and "national" not in records:
        sc = geo_hierarchy(min(args.geos), args.weeks, random_seed=args.seed)
        spec = national_spec(sc.channels, ["promo"])
        log(f"national baseline ({min(args.geos)} geos summed, {args.weeks} weeks) ...")
        records["national"] = []
        for _ in range(args.repeats):
            mmm, rec = fit(spec, sc.national_data, args)
            rec["roas"] = table_dict(interval_table(mmm.roas(), sc.truth.true_roas))
            records["national"].append(rec)
            log(f"  {rec['fit_s']:.1f} s")
    for n in sizes:
        sc = geo_hierarchy(n, args.weeks, random_seed=args.seed)
        log(f"{n} geos x {args.weeks} weeks x {len(sc.channels)} channels ...")
        records[str(n)] = []
        for _ in range(args.repeats):
            mmm, rec = fit(geo_spec(sc.channels), sc.data, args)
            roas = interval_table(mmm.roas(), sc.truth.true_roas)
            rec |= {"n_geos": n, "roas": table_dict(roas), "coverage": int(roas["covered"].sum())}
            records[str(n)].append(rec)
            log(f"  {rec['fit_s']:.1f} s, {rec['divergences']} divergences, "
                f"max R-hat {rec['max_rhat']}")  # fmt: skip
        if n == 20 and args.weeks == 104:
            kept |= {"mmm": mmm, "scenario": sc, "record": records[str(n)][-1]}


def speed_medians(records: dict[str, list[dict]], args: argparse.Namespace) -> dict:
    """Median fit time etc. per size; ratios to the national baseline and the smallest panel."""
    out = {}
    smallest = str(min(args.geos))
    smallest = smallest if smallest in records else None
    base = _median(records, "national", "fit_s")
    for key, recs in records.items():
        fit_s = statistics.median(r["fit_s"] for r in recs)
        row = {
            "fit_s": fit_s,
            "divergences": statistics.median(r["divergences"] or 0 for r in recs),
            "max_rhat": max((r["max_rhat"] or 0.0) for r in recs),
            "min_ess_bulk": statistics.median(r["min_ess_bulk"] or 0 for r in recs),
            "ratio_to_national": fit_s / base if base else None,
            "ratio_to_smallest": fit_s / _median(records, smallest, "fit_s") if smallest else None,
        }
        if key != "national":
            row["s_per_geo"] = fit_s / int(key)
            row["coverage"] = statistics.median(r["coverage"] for r in recs)
        out[key] = row
    return out


def _median(records: dict, key: str, field: str) -> float | None:
    return statistics.median(r[field] for r in records[key]) if key in records else None


# --- recovery -------------------------------------------------------------------------------


def run_recovery(args: argparse.Namespace, kept: dict, out: dict, checkpoint) -> None:
    """National coverage, random-walk band coverage, geo ROAS error pooled vs alone.

    Fills ``out`` stage by stage, calling ``checkpoint()`` after each (the geo-alone fits,
    the longest stage, come last).
    """
    if kept:
        sc, mmm, pooled_rec = kept["scenario"], kept["mmm"], kept["record"]
        log("pooled 20-geo fit: reused from the speed part")
    else:
        sc = geo_hierarchy(20, 104, random_seed=args.seed)
        log("pooled fit, 20 geos x 104 weeks ...")
        mmm, pooled_rec = fit(geo_spec(sc.channels), sc.data, args)
    national = interval_table(mmm.roas(), sc.truth.true_roas)
    out |= {
        "pooled_fit": pooled_rec,
        "national_roas": table_dict(national),
        "national_coverage": int(national["covered"].sum()),
        "random_walk": {},
    }
    checkpoint()
    for method in args.tvp_methods:
        out["random_walk"][method] = run_random_walk(args, method)
        checkpoint()
    true_geo = sc.extra["geo_roas"]
    geos = list(true_geo.index[: args.alone_geos] if args.alone_geos else true_geo.index)
    pooled = mmm.geo_roas().mean(("chain", "draw")).to_pandas()
    pooled = pooled.loc[geos, list(true_geo.columns)]
    alone, alone_recs = {}, []
    for i, g in enumerate(geos):
        rows = sc.data[sc.data["geo"] == g].drop(columns=["geo", "population"])
        fitted, rec = fit(national_spec(sc.channels, ["promo"]), rows, args)
        alone[g] = fitted.roas().mean(("chain", "draw")).to_series()
        alone_recs.append(rec | {"geo": g})
        log(f"  geo {g} alone ({i + 1}/{len(geos)}): {rec['fit_s']:.1f} s, "
            f"{rec['divergences']} divergences")  # fmt: skip
    alone_df = pd.DataFrame(alone).T.loc[geos, list(true_geo.columns)]
    truth = true_geo.loc[geos]
    out["geo_roas"] = {
        "true": truth.to_dict(),
        "pooled_mean": pooled.to_dict(),
        "alone_mean": alone_df.to_dict(),
        "errors": geo_errors(pooled, alone_df, truth),
    }
    out["alone_fits"] = alone_recs


def geo_errors(pooled: pd.DataFrame, alone: pd.DataFrame, truth: pd.DataFrame) -> dict:
    """Absolute relative errors of the posterior-mean geo ROAS: overall, per channel, wins."""
    ape_p, ape_a = (pooled - truth).abs() / truth, (alone - truth).abs() / truth
    return {
        "mape_pooled": float(ape_p.to_numpy().mean()),
        "mape_alone": float(ape_a.to_numpy().mean()),
        "median_ape_pooled": float(np.median(ape_p.to_numpy())),
        "median_ape_alone": float(np.median(ape_a.to_numpy())),
        "rmse_pooled": float(np.sqrt(((pooled - truth) ** 2).to_numpy().mean())),
        "rmse_alone": float(np.sqrt(((alone - truth) ** 2).to_numpy().mean())),
        "mape_by_channel_pooled": ape_p.mean().to_dict(),
        "mape_by_channel_alone": ape_a.mean().to_dict(),
        "cells_pooled_closer": int((ape_p < ape_a).to_numpy().sum()),
        "cells": int(ape_p.size),
    }


def run_random_walk(args: argparse.Namespace, method: str) -> dict:
    """Fit the drifting series with a time-varying search effect; band coverage of the path."""
    sc = drifting_random_walk(args.rw_weeks, random_seed=args.seed, channel=args.rw_channel)
    channel = sc.extra["channel"]
    tv = {"channels": [channel], "method": method}
    spec = national_spec(sc.channels, list(sc.controls), time_varying=tv)
    log(f"random walk ({args.rw_weeks} weeks, {method}) ...")
    mmm, rec = fit(spec, sc.data, args)
    path = mmm.time_varying_coefficients().sel(channel=channel)
    lo = path.quantile(0.05, ("chain", "draw")).to_series().to_numpy()
    hi = path.quantile(0.95, ("chain", "draw")).to_series().to_numpy()
    mean = path.mean(("chain", "draw")).to_series().to_numpy()
    true = sc.extra["coefficient"].to_numpy()
    inside = (lo <= true) & (true <= hi)
    rec |= {
        "channel": channel,
        "weeks": len(true),
        "weeks_inside_90": int(inside.sum()),
        "coverage_90": float(inside.mean()),
        "mean_abs_rel_error": float(np.mean(np.abs(mean - true) / true)),
        "band_rel_width": float(np.mean((hi - lo) / true)),
        "weeks_outside": np.flatnonzero(~inside).tolist(),
        "path": {
            "true": true.tolist(),
            "mean": mean.tolist(),
            "q05": lo.tolist(),
            "q95": hi.tolist(),
        },
        "roas": table_dict(interval_table(mmm.roas(), sc.truth.true_roas)),
    }
    log(f"  {rec['fit_s']:.1f} s, {rec['weeks_inside_90']}/{rec['weeks']} weeks inside")
    return rec


# --- output ---------------------------------------------------------------------------------


def table_dict(table: pd.DataFrame) -> dict:
    return {ch: {k: _plain(v) for k, v in row.items()} for ch, row in table.iterrows()}


def _plain(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    v = float(v)
    return v if np.isfinite(v) else None


def log(message: str) -> None:
    print(message, flush=True)


def format_report(result: dict, args: argparse.Namespace) -> str:
    """The printed tables: speed per panel size, then recovery against the issue's bars."""
    lines = [
        f"Geo / time-varying benchmark, {args.chains} chains x {args.tune} tune x {args.draws} "
        f"draws, sampler {args.sampler}"
        + (f" ({args.backend})" if args.sampler == "nutpie" else "")
        + f", data seed {args.seed}, {result['started_utc'][:16]} UTC, "
        f"{os.cpu_count()} CPUs",
    ]
    speed = result.get("speed")
    if speed:
        lines += ["", f"{'model':>10} {'fit [s]':>9} {'s/geo':>7} {'x nat.':>7} "
                  f"{'x small':>8} {'div':>5} {'R-hat':>6} {'ESS':>6} {'cover':>6}"]  # fmt: skip
        for key, m in speed["medians"].items():
            name = "national" if key == "national" else f"{key} geos"
            lines.append(
                f"{name:>10} {m['fit_s']:9.1f} {_f(m.get('s_per_geo'), '7.2f')} "
                f"{_f(m['ratio_to_national'], '7.2f')} {_f(m['ratio_to_smallest'], '8.2f')} "
                f"{m['divergences']:5.0f} {m['max_rhat']:6.3f} {m['min_ess_bulk']:6.0f} "
                f"{_f(m.get('coverage'), '6.0f')}"
            )
        lines.append("(medians over repeats; fit = data to posterior incl. compile; x nat. = "
                     "ratio to the national model on the geo sums; cover = channels whose true "
                     "national ROAS is in the 90% interval)")  # fmt: skip
    rec = result.get("recovery")
    if rec:
        n = len(rec["national_roas"])
        lines += ["", "Recovery, 20 geos x 104 weeks (sizes 10x apart):"]
        lines.append(f"  national ROAS in 90% interval: {rec['national_coverage']}/{n}")
        for ch, r in rec["national_roas"].items():
            lines.append(f"    {ch:8} true {r['true']:.2f}  mean {r['mean']:.2f} "
                         f"[{r['q05']:.2f}, {r['q95']:.2f}]")  # fmt: skip
        e = rec.get("geo_roas", {}).get("errors", {})
        lines.append(f"  geo ROAS MAPE: pooled {100 * e['mape_pooled']:.1f}% vs each geo alone "
                     f"{100 * e['mape_alone']:.1f}% (median APE "
                     f"{100 * e['median_ape_pooled']:.1f}% "
                     f"vs {100 * e['median_ape_alone']:.1f}%; pooled closer in "
                     f"{e['cells_pooled_closer']}/{e['cells']} geo x channel cells)")  # fmt: skip
        p = rec["pooled_fit"]
        alone_div = sum(r["divergences"] or 0 for r in rec["alone_fits"])
        lines.append(f"  pooled fit: {p['fit_s']:.1f} s, {p['divergences']:.0f} divergences, "
                     f"max R-hat {p['max_rhat']:.3f}; geo-alone fits: {alone_div:.0f} "
                     f"divergences in all")  # fmt: skip
        for method, r in rec["random_walk"].items():
            lines.append(f"  random walk ({method}): true path in 90% band {r['weeks_inside_90']}"
                         f"/{r['weeks']} weeks ({100 * r['coverage_90']:.0f}%), "
                         f"{r['divergences']:.0f} divergences, max R-hat {r['max_rhat']:.3f}, "
                         f"{r['fit_s']:.1f} s")  # fmt: skip
    lines += ["", "Issue 4 bars:", *(f"  {k}: {v}" for k, v in bars(result).items())]
    return "\n".join(lines)


def bars(result: dict) -> dict[str, str]:
    """Each bar of issue 4 this run measured: ``met`` or ``NOT met`` with the figure."""
    out = {}

    def verdict(ok: bool, text: str) -> str:
        return f"{'met' if ok else 'NOT met'} ({text})"

    medians = result.get("speed", {}).get("medians", {})
    if "50" in medians:
        s = medians["50"]["fit_s"]
        out["50 geos fit < 10 min"] = verdict(s < BARS["fit_50_geos_s"], f"{s:.0f} s")
    rec = result.get("recovery")
    if rec:
        n, cov = len(rec["national_roas"]), rec["national_coverage"]
        out["national ROAS in 90% interval"] = verdict(cov == n, f"{cov}/{n}")
        e = rec["geo_roas"]["errors"]
        out["geo ROAS error below geo-alone"] = verdict(
            e["mape_pooled"] < e["mape_alone"],
            f"MAPE {100 * e['mape_pooled']:.1f}% vs {100 * e['mape_alone']:.1f}%",
        )
        for method, r in rec["random_walk"].items():
            out[f"random-walk path in 90% band >= 90% of weeks ({method})"] = verdict(
                r["coverage_90"] >= BARS["rw_coverage"], f"{100 * r['coverage_90']:.0f}%"
            )
        fits = {"pooled 20 geos": rec["pooled_fit"]} | {
            f"random walk ({m})": r for m, r in rec["random_walk"].items()
        }
        for name, r in fits.items():
            clean = (r["divergences"] or 0) == 0 and (r["max_rhat"] or 9) <= BARS["max_rhat"]
            out[f"clean sampling, {name}"] = verdict(
                clean, f"{r['divergences']:.0f} divergences, max R-hat {r['max_rhat']:.3f}"
            )
    return out


def _f(v, fmt: str) -> str:
    width = int(fmt.split(".")[0])
    return "-".rjust(width) if v is None else format(v, fmt)


def write_json_atomic(obj: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=1, default=_plain)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.disable(logging.WARNING)
    started = dt.datetime.now(dt.UTC)
    result: dict = {
        "benchmark": "geo_and_time_varying",
        "started_utc": started.isoformat(),
        "settings": vars(args),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count()},
    }
    out = Path(args.out) if args.out else RESULTS_DIR / f"geo-{started:%Y%m%dT%H%M%SZ}.json"
    t0 = time.perf_counter()
    records: dict[str, list[dict]] = {}
    kept: dict = {}

    def save() -> None:  # after every stage, so a stopped run keeps what it measured
        if records:
            result["speed"] = {"records": records, "medians": speed_medians(records, args)}
        result["wall_s"] = time.perf_counter() - t0
        write_json_atomic(result, out)

    # with --mode all, the smallest panel and the recovery part come before the larger panels,
    # so the recovery figures do not wait on the 100-geo fit
    sizes = sorted(args.geos)
    if args.mode in ("all", "speed"):
        run_speed(args, sizes[:1] if args.mode == "all" else sizes, records, kept)
        save()
    if args.mode in ("all", "recovery"):
        result["recovery"] = {}
        run_recovery(args, kept, result["recovery"], save)
        save()
    if args.mode == "all" and sizes[1:]:
        for n in sizes[1:]:
            run_speed(args, [n], records, kept)
            save()
    result["wall_s"] = time.perf_counter() - t0
    result["table"] = format_report(result, args)
    print("\n" + result["table"] + f"\n\ntotal wall time {result['wall_s']:.0f} s")
    print(f"result written to {write_json_atomic(result, out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
