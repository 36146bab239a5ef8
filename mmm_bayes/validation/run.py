"""Run the statistical validation and write ``docs/validation.md``: ``make validate``.

``python -m mmm_bayes.validation [--preset full|quick] [--out docs] [--only NAME ...]``

1. Recovery: every available scenario of :data:`mmm_bayes.simulate.SCENARIOS`, several seeds,
   each with the model made for its feature and a comparison specification
   (:func:`~mmm_bayes.validation.recovery.scenario_fits`: geo model vs national model on the
   geo sums, time-varying vs constant effects, with vs without the lift test, right vs wrong
   controls). Rows go to ``<out>/validation/recovery.csv`` as they come; a resumed run skips
   the (scenario, seed, spec) fits already there, after
   :func:`~mmm_bayes.validation.recovery.relabel_legacy_rows` renamed the national fits that
   runs before issue 9 stored as ``right`` for geo and tvp scenarios.
2. SBC: the core model (:mod:`mmm_bayes.validation.sbc`), correctly specified and with a noise
   prior ten times too narrow. Ranks go to ``<out>/validation/sbc_ranks.csv``.
3. The page: ``<out>/validation.md`` and one PNG per scenario, from those files only
   (``--report-only`` rewrites the page from them without fitting).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mmm_bayes.simulate.registry import SCENARIOS, PendingScenario, scenario
from mmm_bayes.validation.recovery import fit_scenario, relabel_legacy_rows, scenario_fits

log = logging.getLogger("mmm_bayes.validation")


def _ours_or_warning(record: logging.LogRecord) -> bool:
    """Let mmm_bayes's progress through, and other libraries' warnings and errors only."""
    return record.name.partition(".")[0] == "mmm_bayes" or record.levelno >= logging.WARNING


def configure_logging() -> None:
    """Timestamped progress from mmm_bayes on stderr; from other libraries, warnings only.

    JAX logs its backend probing (TPU, proxy) at INFO. PyMC prints its own INFO lines
    ("Sampling: [...]") through a handler of its own; the filter keeps them from being printed
    a second time through the root's. Handlers the root already has (a notebook's, pytest's)
    are left as they are.
    """
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        handler.addFilter(_ours_or_warning)
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
    logging.getLogger("mmm_bayes").setLevel(logging.INFO)


@dataclass(frozen=True)
class Preset:
    """How much to run: seeds per scenario, sampler settings, SBC simulations."""

    seeds: dict[str, int]
    draws: int = 500
    tune: int = 500
    chains: int = 2
    sbc_sims: int = 100
    sbc_bad_sims: int = 50
    sbc_draws: int = 300
    sbc_tune: int = 300
    notes: list[str] = field(default_factory=list)


#: ``make validate``: enough baseline fits to count coverage (40 seeds x 3 channels), at the
#: default draws (1000 + 1000) so that coverage and bias are counted over converged fits.
FULL = Preset(
    draws=1000,
    tune=1000,
    seeds={
        "baseline": 40,
        "omitted_confounder": 3,
        "mediator": 3,
        "collinear_channels": 3,
        "lift_test": 3,
        "geo_panel": 3,
        "drifting_coefficient": 3,
        "daily_weekly": 2,
        "structural_break": 3,
    },
    sbc_sims=80,
    sbc_bad_sims=40,
)

#: A smoke run of the whole pipeline in a few minutes (numbers too few to judge anything).
QUICK = Preset(
    seeds=dict.fromkeys(FULL.seeds, 1),
    draws=200,
    tune=200,
    sbc_sims=20,
    sbc_bad_sims=10,
    sbc_draws=200,
    sbc_tune=200,
)

PRESETS = {"full": FULL, "quick": QUICK}


def run_recovery(
    preset: Preset, folder: Path, *, only: Sequence[str] | None = None
) -> pd.DataFrame:
    """Fit every scenario with each spec of ``scenario_fits`` per seed; append to CSV."""
    path = folder / "recovery.csv"
    done = relabel_legacy_rows(pd.read_csv(path)) if path.is_file() else pd.DataFrame()
    for name, make in SCENARIOS.items():
        if isinstance(make, PendingScenario) or (only and name not in only):
            continue
        for seed in range(preset.seeds.get(name, 0)):
            sc = scenario(name, random_seed=seed)
            for label, fit in scenario_fits(sc).items():
                if _on_file(done, name, seed, label):
                    continue  # resumed run: this fit is already on file
                rows = fit_scenario(
                    sc,
                    label=label,
                    fit=fit,
                    draws=preset.draws,
                    tune=preset.tune,
                    chains=preset.chains,
                    random_seed=1000 + seed,
                )
                log.info("%s seed %d %s: %.1f s", name, seed, label, rows["fit_s"].iloc[0])
                done = pd.concat([done, rows], ignore_index=True)
                _write_csv(done, path)
    return done


def _on_file(done: pd.DataFrame, name: str, seed: int, label: str) -> bool:
    """Whether the fit (scenario, seed, spec) has rows in ``done``."""
    if done.empty:
        return False
    return bool(
        ((done["scenario"] == name) & (done["seed"] == seed) & (done["spec"] == label)).any()
    )


def run_sbc_both(preset: Preset, folder: Path) -> None:
    """SBC of the correct model and of the miscalibrated one; ranks and fits to CSV."""
    from mmm_bayes.validation.sbc import NARROW_SIGMA, run_sbc

    variants = {
        "correct": (preset.sbc_sims, None),
        "narrow_sigma": (preset.sbc_bad_sims, NARROW_SIGMA),
    }
    ranks, fits, info = [], [], {}
    for label, (n, priors) in variants.items():
        bins = 10 if n >= 100 else 5
        start = time.perf_counter()
        res = run_sbc(
            n,
            draws=preset.sbc_draws,
            tune=preset.sbc_tune,
            chains=preset.chains,
            bins=bins,
            fit_priors=priors,
            progress=lambda i, k, lab=label: log.info("SBC %s %d/%d", lab, i, k),
        )
        ranks.append(pd.DataFrame(res.result.ranks).assign(variant=label))
        fits.append(res.fits.assign(variant=label))
        info[label] = res.settings | {"wall_s": time.perf_counter() - start}
        # each finished variant goes to disk at once: a later crash loses only the one running
        _write_csv(pd.concat(ranks, ignore_index=True), folder / "sbc_ranks.csv")
        _write_csv(pd.concat(fits, ignore_index=True), folder / "sbc_fits.csv")
        _write_text(folder / "sbc_settings.json", json.dumps(info, indent=2, default=str))


def _record(folder: Path, stage: str, name: str, preset: Preset, start: float) -> None:
    """Note a stage's settings and wall time in ``run.json`` (other stages' entries kept)."""
    path = folder / "run.json"
    run = json.loads(path.read_text()) if path.is_file() else {}
    run[stage] = {
        "preset": name,
        "draws": preset.draws,
        "tune": preset.tune,
        "chains": preset.chains,
        "seeds": preset.seeds,
        "wall_s": time.perf_counter() - start,
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
    }
    _write_text(path, json.dumps(run, indent=2))


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    _write_text(path, df.to_csv(index=False))


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run the recovery fits and SBC, then write the page."""
    from mmm_bayes.validation.report import write_page

    parser = argparse.ArgumentParser(
        prog="python -m mmm_bayes.validation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default="full")
    parser.add_argument("--out", default="docs", help="folder of validation.md (default docs)")
    parser.add_argument("--only", nargs="*", help="scenarios to fit (default all)")
    parser.add_argument("--seeds", type=int, help="seeds per scenario (overrides the preset)")
    parser.add_argument("--sbc-sims", type=int, help="SBC simulations (miscalibrated: half)")
    parser.add_argument("--skip-sbc", action="store_true", help="keep the SBC files on disk")
    parser.add_argument("--skip-recovery", action="store_true", help="keep recovery.csv")
    parser.add_argument("--fresh", action="store_true", help="discard results on disk first")
    parser.add_argument("--report-only", action="store_true", help="only rewrite the page")
    args = parser.parse_args(argv)
    configure_logging()
    preset = PRESETS[args.preset]
    if args.seeds:
        preset = Preset(**{**preset.__dict__, "seeds": dict.fromkeys(preset.seeds, args.seeds)})
    if args.sbc_sims:
        sims = {"sbc_sims": args.sbc_sims, "sbc_bad_sims": max(args.sbc_sims // 2, 1)}
        preset = Preset(**{**preset.__dict__, **sims})
    folder = Path(args.out) / "validation"
    folder.mkdir(parents=True, exist_ok=True)
    if args.fresh:
        # run.json too: a stage it kept (e.g. an earlier `--only` run) would be reported as
        # part of this one
        for name in (
            "recovery.csv",
            "sbc_ranks.csv",
            "sbc_fits.csv",
            "sbc_settings.json",
            "run.json",
        ):
            (folder / name).unlink(missing_ok=True)
    if not args.report_only:
        if not args.skip_recovery:
            start = time.perf_counter()
            run_recovery(preset, folder, only=args.only)
            stage = "recovery" if not args.only else "recovery: " + ", ".join(args.only)
            _record(folder, stage, args.preset, preset, start)
        if not args.skip_sbc:
            start = time.perf_counter()
            run_sbc_both(preset, folder)
            _record(folder, "sbc", args.preset, preset, start)
    write_page(Path(args.out))
    return 0
