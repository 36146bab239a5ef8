"""Regenerate the bundled data sets: ``python -m mmm_bayes.simulate [--out DIR] [NAME ...]``.

Writes ``{name}.csv`` and ``{name}_truth.json`` for each generator in :data:`GENERATORS`
(default: all) into ``mmm_bayes/datasets/`` or ``--out``, each file atomically.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from mmm_bayes.simulate.export import write_dataset
from mmm_bayes.simulate.geo import geo_weekly
from mmm_bayes.simulate.reach_frequency import reach_frequency_weekly
from mmm_bayes.simulate.scenarios import example_weekly
from mmm_bayes.simulate.truth import Truth

logger = logging.getLogger("mmm_bayes.simulate")

#: Bundled data set name -> generator called with its defaults; add a data set in one line.
GENERATORS: dict[str, Callable[[], tuple[pd.DataFrame, Truth]]] = {
    "example_weekly": example_weekly,
    "geo_weekly": geo_weekly,
    "rf_weekly": reach_frequency_weekly,
}

_DATASETS_DIR = Path(__file__).resolve().parent.parent / "datasets"


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the named data sets (all by default) and log their true ROAS and media share.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        Exit status, 0 on success.
    """
    parser = argparse.ArgumentParser(prog="python -m mmm_bayes.simulate", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"from {list(GENERATORS)} (default: all)"
    )
    parser.add_argument("--out", type=Path, default=_DATASETS_DIR, help="output folder")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in GENERATORS]
    if unknown:
        parser.error(f"unknown data set(s) {unknown}; available: {list(GENERATORS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names or list(GENERATORS):
        data, truth = GENERATORS[name]()
        csv_path, json_path = write_dataset(data, truth, directory=args.out, name=name)
        logger.info("wrote %s and %s", csv_path, json_path)
        summary = truth.summary()[["total_spend", "true_roas", "media_share"]]
        logger.info("%s truth:\n%s", name, summary.to_string(float_format="{:,.3f}".format))
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    raise SystemExit(main())
