#!/usr/bin/env python
"""Benchmark default-prior candidates: ROAS on the example data and over baseline seeds.

``make bench-priors``. Each candidate changes some of :class:`mmm_bayes.spec.ModelSpec`'s
default priors and is scored twice, with the sampler settings of ``make bench`` (2 chains x
1000 warm-up x 1000 draws, nutpie):

1. on the bundled ``example_weekly`` data (sampler seed 1, as ``benchmarks/bench.py``): the
   ROAS MAPE of the posterior mean against the truth and how many 90% intervals cover it;
2. on the validation's ``baseline`` scenario for seeds ``0 .. --seeds - 1`` (sampler seed
   ``1000 + seed``, as ``make validate``): the mean absolute relative error of the posterior
   mean, the 90% and 50% interval coverage over channel-fits, divergences, and each channel's
   mean relative error (its lean).

One data set cannot tell a better prior from a lucky one; the baseline seeds can. The results
of the last run are in docs/benchmarks.md ("Default priors"). Rows also go to
``benchmarks/results/priors-<UTC time>.json`` (gitignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
from pathlib import Path

import pandas as pd

from mmm_bayes import MMM, datasets
from mmm_bayes.simulate.registry import scenario
from mmm_bayes.testing import example_spec
from mmm_bayes.validation.recovery import Fit, fit_scenario, scenario_spec

SETTINGS = {"draws": 1000, "tune": 1000, "chains": 2}


def _lognormal(median: float, sigma: float) -> dict:
    return {"dist": "LogNormal", "mu": math.log(median), "sigma": sigma}


def _hill(**priors) -> dict:
    return {"saturation": {"kind": "hill", **priors}}


#: Candidates: ModelSpec fields that differ from the defaults.
VARIANTS: dict[str, dict] = {
    "default": {},
    "effect LogNormal(0.25, 1.5)": {"effect": _lognormal(0.25, 1.5)},
    "effect LogNormal(0.25, 1.0)": {"effect": _lognormal(0.25, 1.0)},
    "effect LogNormal(0.25, 1.5), S Gamma(12, 8)": {
        "effect": _lognormal(0.25, 1.5),
        **_hill(S={"dist": "Gamma", "alpha": 12, "beta": 8}),
    },
    "effect LogNormal(0.25, 1.5), S LogNormal(0, 0.3)": {
        "effect": _lognormal(0.25, 1.5),
        **_hill(S=_lognormal(1.0, 0.3)),
    },
    "effect LogNormal(0.25, 1.5), K LogNormal(log 0.8, 0.5)": {
        "effect": _lognormal(0.25, 1.5),
        **_hill(K=_lognormal(0.8, 0.5)),
    },
    # Hill shape centred on 1 (concave), as Google Meridian's default (slope fixed at 1, ec
    # around 0.8); S may still grow for channels whose data show an S-shape
    "S LogNormal(0, 0.3)": _hill(S=_lognormal(1.0, 0.3)),
    "S LogNormal(0, 0.5)": _hill(S=_lognormal(1.0, 0.5)),
    "S LogNormal(0, 0.5), K LogNormal(log 0.8, 0.5)": _hill(
        S=_lognormal(1.0, 0.5), K=_lognormal(0.8, 0.5)
    ),
}


def score_example(fields: dict) -> dict:
    """Fit the example data as ``bench.py`` does; MAPE and coverage of the ROAS."""
    truth = datasets.truth("example_weekly")["true_roas"]
    mmm = MMM(example_spec(**fields))
    mmm.fit(datasets.load("example_weekly"), random_seed=1, progressbar=False,
            posterior_predictive=False, **SETTINGS)  # fmt: skip
    roas = mmm.roas()
    mean = roas.mean(("chain", "draw")).to_series()
    q05, q95 = (roas.quantile(q, ("chain", "draw")).to_series() for q in (0.05, 0.95))
    true = pd.Series(truth).reindex(mean.index)
    checks = {c.name: c.value for c in mmm.diagnostics()}
    return {
        "mape": float(((mean - true).abs() / true).mean()),
        "covered": int(((q05 <= true) & (true <= q95)).sum()),
        "channels": len(true),
        "divergences": checks["divergences"],
        "mean": mean.round(3).to_dict(),
    }


def score_baseline(fields: dict, seeds: int) -> tuple[dict, pd.DataFrame]:
    """Fit the baseline scenario for ``seeds`` seeds, as ``make validate`` does."""
    rows = []
    for seed in range(seeds):
        sc = scenario("baseline", random_seed=seed)
        fit = Fit(scenario_spec(sc, **fields), sc.national_data)
        rows.append(fit_scenario(sc, fit=fit, random_seed=1000 + seed, **SETTINGS))
    df = pd.concat(rows, ignore_index=True)
    per_fit = df.drop_duplicates("seed")
    return {
        "mae": float(df["rel_error"].abs().mean()),
        "cover90": int(df["cover90"].sum()),
        "cover50": int(df["cover50"].sum()),
        "channel_fits": len(df),
        "divergences": int(per_fit["divergences"].sum()),
        "lean": df.groupby("channel")["rel_error"].mean().round(3).to_dict(),
    }, df


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="baseline seeds (default 20)")
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    results = []
    for name in args.variants:
        example = score_example(VARIANTS[name])
        baseline, _ = score_baseline(VARIANTS[name], args.seeds) if args.seeds else ({}, None)
        results.append({"variant": name, "fields": VARIANTS[name], "example": example,
                        "baseline": baseline})  # fmt: skip
        lean = " ".join(f"{c} {v:+.0%}" for c, v in baseline.get("lean", {}).items())
        print(
            f"{name}: example MAPE {example['mape']:.1%}, {example['covered']}/"
            f"{example['channels']} covered, {example['divergences']} div"
            + (
                f" | baseline x{args.seeds}: MAE {baseline['mae']:.1%}, 90% "
                f"{baseline['cover90']}/{baseline['channel_fits']}, 50% {baseline['cover50']}, "
                f"{baseline['divergences']} div, lean {lean}"
                if baseline
                else ""
            ),
            flush=True,
        )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"priors-{stamp}.json"
    tmp = path.with_name(f".{path.name}.tmp")  # written whole, then renamed
    tmp.write_text(json.dumps({"seeds": args.seeds, "results": results}, indent=2, default=float))
    tmp.replace(path)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
