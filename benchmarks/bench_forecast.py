#!/usr/bin/env python
"""Past forecasts as a control: ROAS with and without it, on data with known truth.

The data (:func:`mmm_bayes.simulate.forecast.forecast_feedback`): slow swings of demand raise
sales directly, and the search budget is set from a noisy forecast of that demand. Three fits of
the same model (``search`` and ``tv``, geometric adstock, Hill, trend and yearly seasonality):

* ``none``: no control; search is credited with the demand that drove its budget;
* ``forecast``: the raw forecast as a control;
* ``forecast_smooth``: the forecast with spikes removed and cycles under 8 weeks filtered out
  (:func:`mmm_bayes.transforms.forecast.smooth_forecast`).

For each, the printed table gives the true ROAS, the posterior mean and 90% interval, and
whether the truth lies in it. Run ``python benchmarks/bench_forecast.py [--seeds 1 2]``
(``make bench-forecast``); a JSON record goes to ``benchmarks/results/forecast-<UTC>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
from pathlib import Path

import pandas as pd

from mmm_bayes import MMM
from mmm_bayes.data.forecast import add_smoothed
from mmm_bayes.simulate.forecast import forecast_feedback

VARIANTS = {"none": [], "forecast": ["forecast"], "forecast_smooth": ["forecast_smooth"]}


def run(seed: int, *, draws: int = 500, tune: int = 500) -> pd.DataFrame:
    """Fit the three variants on one simulated data set; one row per variant and channel."""
    data, truth = forecast_feedback(random_seed=seed)
    smooth = {"column": "forecast", "name": "forecast_smooth", "cutoff_periods": 8}
    data = add_smoothed(data, [smooth], date_col="date")
    rows = []
    for variant, controls in VARIANTS.items():
        spec = {
            "kpi": "sales",
            "channels": [
                {"name": "search", "column": "search_spend"},
                {"name": "tv", "column": "tv_spend"},
            ],
            "controls": controls,
        }
        mmm = MMM(spec)
        mmm.fit(data, draws=draws, tune=tune, chains=2, random_seed=seed, progressbar=False,
                posterior_predictive=False)  # fmt: skip
        table = mmm.roas_summary()
        for channel, true in truth.true_roas.items():
            r = table.loc[channel]
            rows.append(
                {
                    "seed": seed,
                    "variant": variant,
                    "channel": channel,
                    "true_roas": true,
                    "mean": r["mean"],
                    "q05": r["q05"],
                    "q95": r["q95"],
                    "covered": bool(r["q05"] <= true <= r["q95"]),
                    "rel_bias": r["mean"] / true - 1.0,
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    table = pd.concat([run(s, draws=args.draws, tune=args.tune) for s in args.seeds])
    with pd.option_context("display.width", 120, "display.float_format", "{:.3f}".format):
        print(table.to_string(index=False))
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out / f"forecast-{stamp}.json"
    path.write_text(json.dumps(table.to_dict(orient="records"), indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
