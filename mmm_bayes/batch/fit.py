"""Fit one run config end to end and say how it went, as a value: never raises for a bad fit.

:func:`fit_config` is what ``mmm-bayes fit`` runs for each config, in this process, in a worker
process or on a Dask worker: check the config's data, fit, and write the run folder (atomically,
so a failed or interrupted fit leaves no half-written folder). Whatever happens is recorded in a
:class:`FitOutcome`: ``ok`` or ``warning`` (fitted and written, some convergence check failed),
``invalid`` (bad config, data or output folder: exit code 2), or ``failed`` (the fit itself
failed: exit code 1).
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from mmm_bayes.config import (
    ConfigProblems,
    Problem,
    check_data,
    load_data,
    load_lift_tests,
)
from mmm_bayes.errors import ConfigError, DataError, MMMError
from mmm_bayes.inference.samplers import sampler_unavailable
from mmm_bayes.spec.run import RunConfig

__all__ = ["FitOutcome", "Status", "check_sampler", "fit_config"]

log = logging.getLogger(__name__)

Status = Literal["ok", "warning", "invalid", "failed", "cancelled"]


@dataclass
class FitOutcome:
    """How one config's fit went: one row of the batch summary.

    Attributes
    ----------
    config : str
        The config file (or run name, for a config built in Python).
    name : str
        The run name.
    status : {"ok", "warning", "invalid", "failed", "cancelled"}
        ``ok``: fitted, every convergence check passed, run folder written. ``warning``:
        written, but a check failed (see ``checks``). ``invalid``: bad config, data or output
        folder; nothing fitted. ``failed``: the fit or the save raised. ``cancelled``: the batch
        was interrupted before this config finished.
    seconds : float
        Wall time of this config, checks and saving included.
    output : str
        The run folder (written only for ``ok`` and ``warning``).
    divergences, max_rhat, min_ess : float or None
        The convergence diagnostics of a finished fit; ``min_ess`` is the smaller of the
        minimum bulk and tail ESS.
    checks : str
        Failed convergence checks, e.g. ``"max R-hat 1.03 > 1.01 at K[tv]"``; empty if none.
    error : str
        What went wrong, for ``invalid`` and ``failed``.
    """

    config: str
    name: str
    status: Status
    seconds: float = 0.0
    output: str = ""
    divergences: float | None = None
    max_rhat: float | None = None
    min_ess: float | None = None
    checks: str = ""
    error: str = ""
    details: str = field(default="", repr=False)

    @property
    def succeeded(self) -> bool:
        """True if the run folder was written (``ok`` or ``warning``)."""
        return self.status in ("ok", "warning")

    def to_row(self) -> dict:
        """Return the summary-table row (no traceback)."""
        row = asdict(self)
        row.pop("details")
        return row


def fit_config(
    cfg: RunConfig,
    *,
    output: str | Path | None = None,
    force: bool = False,
    progressbar: bool = False,
    figures: bool = True,
    on_stage: Callable[[str], None] | None = None,
) -> FitOutcome:
    """Check, fit and save one config; return what happened (exceptions become the outcome).

    Parameters
    ----------
    cfg : RunConfig
        The config (:func:`mmm_bayes.config.load_config`).
    output : path, optional
        Run folder; default ``cfg.output_path()``.
    force : bool, default False
        Replace an existing run folder (atomically, once the new one is complete). Without it
        an existing folder makes the outcome ``invalid`` before anything is fitted.
    progressbar : bool, default False
        Let the sampler draw its progress bar.
    figures : bool, default True
        Write the PNG figures into the run folder.
    on_stage : callable, optional
        Called with a short description as each stage starts (for a progress display).

    Returns
    -------
    FitOutcome
        Never raises, except on KeyboardInterrupt/SystemExit (which stop the fit; the run
        folder is then not written).
    """
    start = time.perf_counter()
    folder = Path(output) if output is not None else cfg.output_path()
    outcome = FitOutcome(
        config=str(cfg.source or cfg.run_name), name=cfg.run_name, status="ok", output=str(folder)
    )
    stage = on_stage or (lambda text: None)
    try:
        check_sampler(cfg)  # where the fit runs: a Dask worker may have other packages
        if folder.exists() and not force:
            raise ConfigError(
                f"output folder {folder} already exists; pass --force (force=True) to replace "
                "it, or set another `output`"
            )
        stage("checking the data")
        frame = load_data(cfg)
        check_data(cfg, frame)
        lift_tests = load_lift_tests(cfg)
    except (ConfigError, DataError) as err:
        return _finish(outcome, start, "invalid", err)
    try:
        from mmm_bayes.mmm import MMM

        mmm = MMM.from_config(cfg)
        settings = cfg.sampler
        stage(
            f"fitting: compiling, then {settings.chains} chains x ({settings.tune} tune + "
            f"{settings.draws} draws) with {settings.sampler}"
        )
        mmm.fit(frame, lift_tests=lift_tests, progressbar=progressbar)
        _record_checks(outcome, mmm.diagnostics())
        if lift_tests and cfg.calibration.compare_uncalibrated:
            stage("fitting without the lift tests, to compare (calibration.compare_uncalibrated)")
            mmm.uncalibrated = MMM.from_config(cfg)
            mmm.uncalibrated.fit(frame, progressbar=progressbar)
        stage(f"writing the run folder {folder}")
        mmm.save(folder, overwrite=force, figures=figures)
    except (ConfigError, DataError) as err:
        return _finish(outcome, start, "invalid", err)
    except Exception as err:  # a failed fit is a value, so the batch goes on
        return _finish(outcome, start, "failed", err)
    status: Status = "warning" if outcome.checks else "ok"
    return _finish(outcome, start, status, None)


def check_sampler(cfg: RunConfig) -> None:
    """Refuse a config whose sampler needs an optional package that is not installed here.

    Raises
    ------
    ConfigProblems
        At ``sampler.sampler``, naming the missing package and the install command.
    """
    problem = sampler_unavailable(cfg.sampler.sampler)
    if problem is not None:
        source = str(cfg.source or cfg.run_name)
        raise ConfigProblems(source, [Problem(("sampler", "sampler"), problem)])


def _record_checks(outcome: FitOutcome, checks) -> None:
    by_name = {c.name: c for c in checks}
    if "divergences" in by_name:
        outcome.divergences = by_name["divergences"].value
    if "max R-hat" in by_name:
        outcome.max_rhat = by_name["max R-hat"].value
    ess = [by_name[n].value for n in ("min bulk ESS", "min tail ESS") if n in by_name]
    if ess:  # the smaller of the two: a reader of "min ESS" takes it as the minimum of both
        outcome.min_ess = min(ess)
    failed = [c for c in checks if c.status in ("fail", "warn")]
    outcome.checks = "; ".join(
        f"{c.name} {c.value:.4g} (threshold {c.threshold:.4g})"
        + (f" at {c.worst}" if c.worst else "")
        for c in failed
    )


def _finish(
    outcome: FitOutcome, start: float, status: Status, err: BaseException | None
) -> FitOutcome:
    outcome.status = status
    outcome.seconds = round(time.perf_counter() - start, 2)
    if err is not None:
        kind = "" if isinstance(err, MMMError) else f"{type(err).__name__}: "
        outcome.error = f"{kind}{err}"
        if not isinstance(err, MMMError):
            outcome.details = "".join(traceback.format_exception(err))
            log.debug("fit of %s failed:\n%s", outcome.config, outcome.details)
    return outcome
