#!/usr/bin/env python
"""Benchmark calibration: ROAS errors without and with a lift test, on collinear channels.

``make bench-calibration``. For each seed, :func:`mmm_bayes.simulate.calibration.collinear_lift`
simulates 104 weeks where ``tv`` and ``online_video`` are bought in the same flights (weekly
spend correlation 0.9) and ``search`` is independent, plus one go-dark lift test on ``tv``
(all its spend removed for 6 weeks, the KPI lost measured with a 10% standard error). The same
model is fitted twice with the same sampler seed: without the test, and with it as a
likelihood term. Printed per seed and channel: the true ROAS, each fit's posterior mean and
90% interval, and the absolute percentage error of the mean; then the mean error per channel
over the seeds, and how many 90% intervals cover the truth. Results also go to
``benchmarks/results/calibration-<UTC time>.json`` (gitignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import time
from pathlib import Path

import numpy as np

from mmm_bayes import MMM
from mmm_bayes.simulate.calibration import COLLINEAR_SPEC as SPEC
from mmm_bayes.simulate.calibration import collinear_lift


def fit_once(data, lift_tests, *, draws: int, tune: int, seed: int) -> dict:
    """Fit and summarize ROAS per channel (mean, 5%, 95%), with time and diagnostics."""
    mmm = MMM(SPEC)
    start = time.perf_counter()
    mmm.fit(data, lift_tests=lift_tests, draws=draws, tune=tune, chains=2, random_seed=seed,
            progressbar=False, posterior_predictive=False)  # fmt: skip
    seconds = time.perf_counter() - start
    roas = mmm.roas()
    q05, q95 = (roas.quantile(q, ("chain", "draw")).to_series() for q in (0.05, 0.95))
    checks = {c.name: c.value for c in mmm.diagnostics()}
    return {
        "seconds": seconds,
        "mean": roas.mean(("chain", "draw")).to_series().to_dict(),
        "q05": q05.to_dict(),
        "q95": q95.to_dict(),
        "divergences": checks.get("divergences"),
        "max_rhat": checks.get("max R-hat"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=1000)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    records = []
    for seed in args.seeds:
        data, truth, tests = collinear_lift(random_seed=seed)
        true = truth.true_roas
        fits = {
            name: fit_once(data, lt, draws=args.draws, tune=args.tune, seed=seed)
            for name, lt in (("without", None), ("with", tests))
        }
        print(f"\nseed {seed}: spend correlation {truth.meta['spend_correlation']:.2f}, "
              f"lift test on tv {tests.lift[0]:,.0f} +/- {tests.lift_se[0]:,.0f} "
              f"(true {truth.meta['true_lift']:,.0f})")  # fmt: skip
        print(f"  {'channel':13s} {'true':>5s} | {'without test (90%)':>24s} {'err':>5s} | "
              f"{'with test (90%)':>24s} {'err':>5s}")  # fmt: skip
        for ch in true:
            row = {"seed": seed, "channel": ch, "true": true[ch]}
            cells = []
            for name, fit in fits.items():
                mean, lo, hi = fit["mean"][ch], fit["q05"][ch], fit["q95"][ch]
                err = abs(mean / true[ch] - 1)
                row |= {f"{name}_mean": mean, f"{name}_err": err,
                        f"{name}_covered": bool(lo <= true[ch] <= hi)}  # fmt: skip
                cells.append(f"{mean:5.2f} ({lo:5.2f}-{hi:5.2f})      {100 * err:4.0f}%")
            records.append(row)
            print(f"  {ch:13s} {true[ch]:5.2f} | {cells[0]:>30s} | {cells[1]:>30s}")
        for name, fit in fits.items():
            print(f"  fit {name:7s}: {fit['seconds']:.1f} s, {fit['divergences']:.0f} divergences, "
                  f"max R-hat {fit['max_rhat']:.3f}")  # fmt: skip
    print("\nmean absolute % error of the posterior mean over seeds (90% intervals covering):")
    for ch in dict.fromkeys(r["channel"] for r in records):
        rows = [r for r in records if r["channel"] == ch]
        parts = []
        for name in ("without", "with"):
            err = 100 * np.mean([r[f"{name}_err"] for r in rows])
            cov = sum(r[f"{name}_covered"] for r in rows)
            parts.append(f"{name} test {err:5.1f}% ({cov}/{len(rows)})")
        print(f"  {ch:13s} " + "   ".join(parts))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"calibration-{stamp}.json"
    path.write_text(json.dumps({"args": vars(args), "records": records}, indent=1) + "\n")
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
