"""Fit the bundled example data set end to end and write a run folder (``make demo``).

Run ``python -m mmm_bayes.demo --out runs/demo``. The data are simulated, so the printed table
sets the posterior ROAS beside the true ROAS.
"""

from __future__ import annotations

import argparse
import logging
import time

import pandas as pd

from mmm_bayes import MMM, datasets
from mmm_bayes.testing import example_spec


def main(argv: list[str] | None = None) -> None:
    """Fit, compare with the truth, save the run folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/demo", help="run folder to (over)write")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger("mmm_bayes.inference").setLevel(logging.INFO)

    start = time.perf_counter()
    mmm = MMM(example_spec())
    mmm.fit(
        datasets.load("example_weekly"),
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        random_seed=args.seed,
    )
    fitted = time.perf_counter() - start
    folder = mmm.save(args.out, overwrite=True)

    table = mmm.roas_summary()[["spend", "mean", "q05", "q95", "marginal_mean"]]
    table.insert(1, "true_roas", pd.Series(datasets.truth("example_weekly")["true_roas"]))
    with pd.option_context("display.float_format", "{:,.3f}".format, "display.width", 120):
        print(f"\nROAS, sales per currency unit (posterior mean, 90% interval):\n{table}\n")
    for check in mmm.diagnostics():
        print(f"{check.name:>22}: {check.value:10.4g}  [{check.status}]  {check.worst}")
    print(f"\nfit took {fitted:.1f} s; run folder written to {folder}/")


if __name__ == "__main__":
    main()
