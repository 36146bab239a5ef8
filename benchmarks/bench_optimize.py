#!/usr/bin/env python
"""Benchmark the budget optimizer: speed on 10 channels x 1,000 draws, and true uplift.

Two parts (``make bench-optimize``):

1. **Speed.** A 10-channel model (simulated spend, 156 weeks, geometric adstock ``l_max=8``,
   Hill saturation) with a posterior-like sample of 2 chains x 500 draws (priors narrowed to a
   posterior's width, drawn with numpy). The problem: a 13-week budget equal to the current
   total, every channel within +/-50% of its current spend, one group cap; maximize the
   expected KPI from 5 starts. Timed, in this process, with medians over ``--repeats``:

   * ``mmm_bayes``: :func:`mmm_bayes.optimize.optimize_budget` (exposure precomputed once,
     one compiled PyTensor function for every draw's KPI and gradient, SLSQP with exact
     gradients), first call (PyTensor compile included; its on-disk cache may be warm) and
     repeat calls;
   * ``naive``: the textbook approach, SLSQP with finite-difference gradients on a numpy
     objective that recomputes the model's media formula
     (:func:`mmm_bayes.analysis.media.channel_contribution`) for every draw at every call,
     from the same starts under the same constraints.

   Both solutions' expected KPI is printed, to show the fast one is not worse.

2. **True uplift.** A NUTS fit of the bundled ``example_weekly`` data (known truth), then the
   optimizer on the fitted posterior for a few problems. Each allocation is evaluated on the
   TRUE response curves (the simulator's, window plus carryover tail) and its true uplift
   over the current allocation is printed next to the uplift the model promised (posterior
   mean and 90% interval). A figure of the promised uplift distributions with the true
   uplift marked is written next to the JSON record.

Results go to ``benchmarks/results/optimize-<UTC time>.json`` and ``.png`` (gitignored).
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

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "benchmarks" / "results"
PERIODS = 13


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=5, help="timed runs of our optimizer")
    p.add_argument("--baseline-repeats", type=int, default=3, help="timed runs of the naive one")
    p.add_argument("--channels", type=int, default=10)
    p.add_argument("--draws", type=int, default=500, help="draws per chain (2 chains)")
    p.add_argument("--fit-draws", type=int, default=500, help="NUTS draws per chain (part 2)")
    p.add_argument("--fit-tune", type=int, default=500)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--skip-speed", action="store_true")
    p.add_argument("--skip-truth", action="store_true")
    p.add_argument("--out", type=Path, default=None, help="JSON path (default: results/)")
    return p.parse_args(argv)


# --- part 1: speed --------------------------------------------------------------------------


def speed_case(n_channels: int, draws: int, seed: int):
    """A simulated 10-channel data set, its inputs and a posterior-like sample."""
    import pandas as pd

    from mmm_bayes.data import validate_data
    from mmm_bayes.model import build_inputs
    from mmm_bayes.simulate import AlwaysOn, Flighted, simulate_spend
    from mmm_bayes.spec import ModelSpec
    from mmm_bayes.testing import fake_posterior

    rng = np.random.default_rng(seed)
    dates = pd.date_range("2023-01-02", periods=156, freq="W-MON")
    patterns = {
        f"ch{i}": (Flighted(level=float(rng.uniform(5e3, 5e4))) if i % 3 == 0
                   else AlwaysOn(level=float(rng.uniform(2e3, 2e4))))
        for i in range(n_channels)
    }  # fmt: skip
    df = simulate_spend(dates, patterns, random_seed=seed).rename_axis("date").reset_index()
    df["sales"] = 2e5 + rng.normal(0, 1e4, len(df))
    channels = [{"name": c, "column": f"{c}_spend"} for c in patterns]
    spec = ModelSpec.model_validate({
        "kpi": "sales", "channels": channels,
        # priors as narrow as a posterior: the sample below poses as one
        "effect": {"dist": "LogNormal", "mu": -1.0, "sigma": 0.3},
        "adstock": {"kind": "geometric", "l_max": 8,
                    "alpha": {"dist": "Beta", "alpha": 20, "beta": 30}},
        "saturation": {"kind": "hill", "K": {"dist": "LogNormal", "mu": 0.0, "sigma": 0.2},
                       "S": {"dist": "Gamma", "alpha": 40, "beta": 20}},
    })  # fmt: skip
    data = validate_data(df, date_col="date", kpi_col="sales", channel_cols=spec.channel_columns)
    inputs = build_inputs(spec, data)
    post = fake_posterior(spec, inputs, chains=2, draws=draws, random_seed=seed)
    return spec, inputs, post


def naive_optimize(post, inputs, spec, problem, starts):
    """SLSQP with finite-difference gradients on a from-scratch numpy objective."""
    from scipy import optimize as sopt

    from mmm_bayes.analysis.media import channel_contribution, media_params
    from mmm_bayes.optimize.constraints import (
        resolve_constraints,
        scaled_bounds,
        slsqp_constraints,
        spend_scale,
    )
    from mmm_bayes.optimize.solve import current_allocation

    cons = resolve_constraints(problem, inputs.channels, current_allocation(problem, inputs))
    params = media_params(post, spec, inputs.channels)
    s = spend_scale(cons)
    unit = np.full(problem.periods, 1.0 / problem.periods)

    def expected_kpi(x):
        spend_scaled = (x / inputs.spend_scale)[:, None] * unit
        media = channel_contribution(spend_scaled, params, spec, extend=True,
                                     kpi_scale=inputs.kpi_scale)  # fmt: skip
        return float(media.sum(axis=(-1, -2)).mean())

    ref = expected_kpi(cons.current)
    best = None
    for start in starts:
        res = sopt.minimize(
            lambda z: -expected_kpi(z * s) / ref, start / s, method="SLSQP",
            bounds=scaled_bounds(cons, s), constraints=slsqp_constraints(cons, s),
            options={"ftol": 1e-11, "maxiter": 1000},
        )  # fmt: skip
        if best is None or res.fun < best.fun:
            best = res
    return best.x * s, -best.fun * ref


def bench_speed(args) -> dict:
    from mmm_bayes.optimize import optimize_budget
    from mmm_bayes.optimize.constraints import feasible_starts, resolve_constraints
    from mmm_bayes.optimize.solve import current_allocation
    from mmm_bayes.spec.budget import budget_problem

    spec, inputs, post = speed_case(args.channels, args.draws, args.seed)
    names = list(inputs.channels)
    problem = budget_problem(
        periods=PERIODS, max_change=0.5, random_seed=args.seed,
        groups=[{"name": "first_half", "channels": names[: len(names) // 2],
                 "max": float(inputs.spend_scale[: len(names) // 2].sum() * PERIODS)}],
    )  # fmt: skip
    n_draws = post["posterior"].sizes["chain"] * post["posterior"].sizes["draw"]
    print(f"\n== speed: {len(names)} channels x {n_draws} draws, {PERIODS}-week window ==")
    ours, first = [], None
    for i in range(args.repeats + 1):
        t0 = time.perf_counter()
        result = optimize_budget(post, inputs, spec, problem)
        seconds = time.perf_counter() - t0
        if i == 0:
            first = seconds
        else:
            ours.append(seconds)
    kpi_ours = float(result.total_kpi().mean())
    cons = resolve_constraints(problem, inputs.channels, current_allocation(problem, inputs))
    starts = feasible_starts(cons, problem.n_starts, np.random.default_rng(problem.random_seed))
    naive = []
    for _ in range(args.baseline_repeats):
        t0 = time.perf_counter()
        _, kpi_naive = naive_optimize(post, inputs, spec, problem, starts)
        naive.append(time.perf_counter() - t0)
    med_ours, med_naive = statistics.median(ours), statistics.median(naive)
    rows = [
        ("mmm_bayes first call (compile incl.)", first),
        (f"mmm_bayes median of {len(ours)}", med_ours),
        (f"naive FD-SLSQP median of {len(naive)}", med_naive),
    ]
    for label, sec in rows:
        print(f"  {label:40s} {sec:8.2f} s")
    print(f"  ratio naive / mmm_bayes (medians)         {med_naive / med_ours:8.1f} x")
    print(f"  expected KPI found: mmm_bayes {kpi_ours:,.0f}, naive {kpi_naive:,.0f} "
          f"(relative difference {(kpi_ours - kpi_naive) / abs(kpi_naive):+.2e})")  # fmt: skip
    print(f"  function evaluations (mmm_bayes): {result.solver['function_evaluations']}")
    return {
        "channels": len(names), "draws": n_draws, "periods": PERIODS,
        "first_seconds": first, "seconds": ours, "median_seconds": med_ours,
        "naive_seconds": naive, "naive_median_seconds": med_naive,
        "ratio_naive_over_ours": med_naive / med_ours,
        "expected_kpi_ours": kpi_ours, "expected_kpi_naive": kpi_naive,
        "function_evaluations": result.solver["function_evaluations"],
    }  # fmt: skip


# --- part 2: true uplift on the example data ------------------------------------------------


def true_window_kpi(truth, allocation: dict, periods: int) -> float:
    """True incremental KPI (window + carryover tail) of spending ``allocation`` evenly."""
    total = 0.0
    for ch in truth.channels:
        spend = np.full(periods, allocation[ch.name] / periods)
        total += ch.contribution(spend, scale=truth.spend_scale[ch.name], extend=True).sum()
    return float(total)


PROBLEMS = {
    "expected_kpi": {},
    "expected_kpi, +/-30%": {"max_change": 0.3},
    "lower_quantile 10%": {"objective": {"kind": "lower_quantile", "quantile": 0.1}},
    "mean - 1 sd": {"objective": {"kind": "mean_minus_sd", "risk_aversion": 1.0}},
}


def bench_truth(args) -> tuple[dict, dict]:
    from mmm_bayes import MMM, datasets
    from mmm_bayes.simulate import Truth
    from mmm_bayes.testing import example_spec

    truth = Truth.from_dict(datasets.truth("example_weekly"))
    print(f"\n== true uplift: example_weekly, NUTS 2 x {args.fit_draws} draws ==")
    mmm = MMM(example_spec())
    t0 = time.perf_counter()
    mmm.fit(datasets.load("example_weekly"), draws=args.fit_draws, tune=args.fit_tune,
            chains=2, random_seed=args.seed, progressbar=False,
            posterior_predictive=False)  # fmt: skip
    print(f"  fit: {time.perf_counter() - t0:.0f} s")
    out, uplifts = {}, {}
    head = f"  {'problem':22s} {'true uplift':>12s} {'promised':>12s} {'90% interval':>24s}  in?"
    print(head)
    for label, kw in PROBLEMS.items():
        t0 = time.perf_counter()
        r = mmm.optimize_budget(periods=PERIODS, random_seed=args.seed, **kw)
        seconds = time.perf_counter() - t0
        cur = dict(zip(r.channels, r.current, strict=True))
        opt = dict(zip(r.channels, r.optimal, strict=True))
        true = true_window_kpi(truth, opt, PERIODS) - true_window_kpi(truth, cur, PERIODS)
        u = r.uplift().to_numpy().ravel()
        lo, hi = np.quantile(u, [0.05, 0.95])
        inside = lo <= true <= hi
        print(f"  {label:22s} {true:12,.0f} {u.mean():12,.0f} {f'[{lo:,.0f}, {hi:,.0f}]':>24s}"
              f"  {'yes' if inside else 'no'}")  # fmt: skip
        uplifts[label] = (u, true)
        out[label] = {
            "true_uplift": true, "promised_mean": float(u.mean()), "promised_q05": float(lo),
            "promised_q95": float(hi), "true_in_interval": bool(inside), "seconds": seconds,
            "current": r.current.tolist(), "optimal": r.optimal.tolist(),
            "channels": list(r.channels),
            "true_kpi_current": true_window_kpi(truth, cur, PERIODS),
        }  # fmt: skip
    return out, uplifts


def plot_uplifts(uplifts: dict, path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, 1.2 + 1.3 * len(uplifts)), layout="constrained")
    axes = fig.subplots(len(uplifts), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (label, (u, true)) in zip(axes, uplifts.items(), strict=True):
        lo, hi = np.quantile(u, [0.05, 0.95])
        ax.hist(u, bins=50, color="C2", alpha=0.6, label="promised (posterior draws)")
        ax.axvspan(lo, hi, color="C2", alpha=0.12, label="promised 90% interval")
        ax.axvline(u.mean(), color="C2", linewidth=2, label="promised mean")
        ax.axvline(true, color="C3", linewidth=2.5, linestyle="-", label="TRUE uplift")
        ax.axvline(0.0, color="k", linestyle="--", linewidth=1)
        ax.set_title(label, fontsize="medium", loc="left")
        ax.set_yticks([])
    axes[0].legend(fontsize="small", loc="upper right")
    axes[-1].set_xlabel(f"uplift in sales over {PERIODS} weeks + carryover (optimal - current)")
    fig.suptitle("Budget optimizer on example_weekly: promised vs true uplift")
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, dpi=120, format="png")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    record = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": sys.version.split()[0]},
        "settings": {k: str(v) for k, v in vars(args).items()},
    }  # fmt: skip
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or RESULTS_DIR / f"optimize-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    if not args.skip_speed:
        record["speed"] = bench_speed(args)
    if not args.skip_truth:
        record["truth"], uplifts = bench_truth(args)
        figure = out.with_suffix(".png")
        plot_uplifts(uplifts, figure)
        print(f"  figure: {figure}")
    with tempfile.NamedTemporaryFile("w", dir=out.parent, delete=False, suffix=".tmp") as fh:
        json.dump(record, fh, indent=2)
    os.replace(fh.name, out)
    print(f"\nrecord: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
