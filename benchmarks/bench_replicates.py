#!/usr/bin/env python
"""ROAS accuracy over replicates of the example data: mmm_bayes against PyMC-Marketing.

``make bench-replicates``. ``make bench`` scores ROAS on the one bundled ``example_weekly``
data set, a single draw of its simulator. This script redraws that data set
``--replicates`` times (:func:`mmm_bayes.simulate.example_weekly` with seeds ``1 .. N``: the
same five channels, true parameters, spend patterns and baseline; new spend, controls and
noise, so each replicate has its own true ROAS) and fits both libraries' defaults on each,
with the settings of ``make bench`` (2 chains x 1000 warm-up x 1000 draws, nutpie, sampler
seed 1). Per replicate it prints each library's ROAS MAPE (posterior mean against the truth)
and how many 90% intervals cover the truth; at the end the mean and median MAPE, the
replicates each library wins, every channel's mean relative error (its lean), the
coverage over all channel-fits and how often each channel's interval covers its truth.

Speed is not measured here (``make bench`` does that). mmm_bayes refits one ``MMM`` in
this process; PyMC-Marketing runs ``benchmarks/pymc_marketing_baseline.py`` in
``.bench-venv`` with a shared compile cache. ``--skip-baseline`` scores mmm_bayes alone, and
``--variant`` scores a default-prior candidate of ``benchmarks/bench_priors.py`` instead of
the defaults. Results go to ``benchmarks/results/replicates-<UTC time>.json`` (atomic).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import (
    BENCH_VENV_HOWTO,
    BENCH_VENV_PYTHON,
    RESULTS_DIR,
    baseline_command,
    roas_scores,
    run_process,
    summarize_samples,
    write_json_atomic,
)
from bench_priors import SETTINGS, VARIANTS

from mmm_bayes import MMM
from mmm_bayes.simulate import example_weekly
from mmm_bayes.testing import example_spec

SAMPLER_SEED = 1  # as make bench


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--replicates", type=int, default=20, help="data seeds 1..N (default 20)")
    p.add_argument("--first-seed", type=int, default=1, help="first data seed (default 1)")
    p.add_argument("--variant", default="default", choices=sorted(VARIANTS),
                   help="a prior candidate of bench_priors.py (default: the defaults)")  # fmt: skip
    p.add_argument("--skip-baseline", action="store_true", help="mmm_bayes only")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per baseline process")
    p.add_argument("--out", help="JSON path (default benchmarks/results/replicates-<UTC>.json)")
    return p.parse_args(argv)


def fit_ours(mmm: MMM, data: pd.DataFrame) -> dict:
    """Fit (a warm refit after the first) and return ROAS stats per channel and divergences."""
    mmm.fit(data, random_seed=SAMPLER_SEED, progressbar=False, posterior_predictive=False,
            **SETTINGS)  # fmt: skip
    roas = mmm.roas()
    stats = {str(c): summarize_samples(roas.sel(channel=c).values) for c in roas.channel.values}
    checks = {c.name: c.value for c in mmm.diagnostics()}
    return {"roas": stats, "divergences": int(checks["divergences"])}


def fit_theirs(data_csv: Path, spec, cache: Path, workdir: Path, timeout: float) -> dict:
    """PyMC-Marketing's defaults on ``data_csv`` (baseline script, warm shared cache)."""
    out = workdir / f"{data_csv.stem}-theirs.json"
    cmd = baseline_command(data_csv, spec, out, **SETTINGS, seed=SAMPLER_SEED)
    cmd += ["--cache-dir", str(cache)]
    run_process(cmd, None, timeout, "PyMC-Marketing baseline")
    raw = json.loads(out.read_text())
    by_name = {c.removesuffix("_spend"): v["roas"] for c, v in raw["roas_with_tail"].items()}
    return {"roas": by_name, "divergences": int(raw["diagnostics"]["divergences"])}


def by_channel(rows: list[dict], side: str) -> dict:
    """Per channel over the replicates: its lean and how many 90% intervals cover the truth.

    The lean is the mean relative error of the posterior mean.
    """
    errors: dict[str, list[float]] = {}
    covered: dict[str, int] = {}
    for row in rows:
        for ch, true in row["true_roas"].items():
            roas = row[side]["roas"][ch]
            errors.setdefault(ch, []).append(roas["mean"] / true - 1)
            covered[ch] = covered.get(ch, 0) + roas_scores({ch: roas}, {ch: true})["coverage"]
    return {
        "lean": {ch: float(np.mean(v)) for ch, v in errors.items()},
        "covered_by_channel": covered,
    }


def summary(rows: list[dict], side: str) -> dict:
    """Mean and median MAPE, coverage over channel-fits, divergences and leans of one side."""
    mape = [r[side]["roas_mape_pct"] for r in rows]
    return {
        "mean_mape_pct": statistics.fmean(mape),
        "median_mape_pct": statistics.median(mape),
        "covered": sum(r[side]["coverage"] for r in rows),
        "channel_fits": sum(len(r["true_roas"]) for r in rows),
        "divergences": sum(r[side]["divergences"] for r in rows),
        **by_channel(rows, side),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.disable(logging.WARNING)
    baseline = not args.skip_baseline
    if baseline and not BENCH_VENV_PYTHON.exists():
        print(BENCH_VENV_HOWTO, file=sys.stderr)
        baseline = False
    spec = example_spec(**VARIANTS[args.variant])
    mmm = MMM(spec)
    rows = []
    seeds = range(args.first_seed, args.first_seed + args.replicates)
    with tempfile.TemporaryDirectory(prefix="mmm-bayes-replicates-") as tmp:
        workdir, cache = Path(tmp), Path(tmp) / "cache"
        (cache / "numba").mkdir(parents=True)
        for seed in seeds:
            data, truth = example_weekly(random_seed=seed)
            true = {ch: float(v) for ch, v in truth.true_roas.items()}
            row = {"seed": seed, "true_roas": true, "ours": fit_ours(mmm, data)}
            row["ours"] |= roas_scores(row["ours"]["roas"], true)
            if baseline:
                data_csv = workdir / f"replicate-{seed}.csv"
                data.to_csv(data_csv, index=False)
                row["theirs"] = fit_theirs(data_csv, spec, cache, workdir, args.timeout)
                row["theirs"] |= roas_scores(row["theirs"]["roas"], true)
            rows.append(row)
            print(_line(row, len(true)), flush=True)
    sides = ["ours", "theirs"] if baseline else ["ours"]
    result = {
        "settings": SETTINGS | {"sampler_seed": SAMPLER_SEED, "seeds": list(seeds),
                                "variant": args.variant, "fields": VARIANTS[args.variant]},
        "replicates": rows,
        "summary": {side: summary(rows, side) for side in sides},
    }  # fmt: skip
    if baseline:
        result["summary"]["ours_wins"] = sum(
            r["ours"]["roas_mape_pct"] < r["theirs"]["roas_mape_pct"] for r in rows
        )
    print(format_summary(result))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = write_json_atomic(result, args.out or RESULTS_DIR / f"replicates-{stamp}.json")
    print(f"results: {path}")
    return 0


def _line(row: dict, n: int) -> str:
    text = f"seed {row['seed']:>3}: mmm_bayes MAPE {row['ours']['roas_mape_pct']:5.1f}%, "
    text += f"{row['ours']['coverage']}/{n} covered"
    if "theirs" in row:
        text += f" | PyMC-Marketing {row['theirs']['roas_mape_pct']:5.1f}%, "
        text += f"{row['theirs']['coverage']}/{n} covered"
    return text


def format_summary(result: dict) -> str:
    """The closing table: one column per library."""
    s = result["summary"]
    sides = [k for k in ("ours", "theirs") if k in s]
    names = {"ours": "mmm_bayes", "theirs": "PyMC-Mkt"}
    lines = [f"{'':<32}" + "".join(f"{names[k]:>12}" for k in sides), "-" * (32 + 12 * len(sides))]
    rows = [
        ("mean ROAS MAPE [%]", lambda d: f"{d['mean_mape_pct']:.1f}"),
        ("median ROAS MAPE [%]", lambda d: f"{d['median_mape_pct']:.1f}"),
        ("true ROAS in 90% interval", lambda d: f"{d['covered']}/{d['channel_fits']}"),
        ("divergences (all fits)", lambda d: str(d["divergences"])),
    ]
    rows += [(f"lean {ch}", lambda d, ch=ch: f"{d['lean'][ch]:+.0%}") for ch in s["ours"]["lean"]]
    n = len(result["replicates"])
    rows += [
        (f"90% interval covers {ch}", lambda d, ch=ch: f"{d['covered_by_channel'][ch]}/{n}")
        for ch in s["ours"]["lean"]
    ]
    for label, cell in rows:
        lines.append(f"{label:<32}" + "".join(f"{cell(s[k]):>12}" for k in sides))
    if "ours_wins" in s:
        lines.append(f"replicates where mmm_bayes's MAPE is lower: {s['ours_wins']}/{n}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
