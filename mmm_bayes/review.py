"""Review methods of the MMM facade: diagnostics, predictive checks, validation, report.

:class:`ReviewMixin` is mixed into :class:`mmm_bayes.MMM`, which keeps the fit, query and
save methods; each method here hands off to one function of the analysis or report layer.
Refits (validation, stability) build a fresh ``MMM`` of the same spec, so the model being
reviewed is never changed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd
import xarray as xr

from mmm_bayes import analysis
from mmm_bayes.analysis.stability import StabilityResult, refit_windows
from mmm_bayes.analysis.validation import ValidationResult
from mmm_bayes.errors import MMMError
from mmm_bayes.inference import sample as sampling
from mmm_bayes.inference.diagnostics import Diagnosis, diagnose
from mmm_bayes.model import build_model

if TYPE_CHECKING:
    from mmm_bayes.mmm import MMM
    from mmm_bayes.optimize import BudgetResult

log = logging.getLogger(__name__)

#: Files of a run folder that :meth:`ReviewMixin.report` picks up when present.
VALIDATION_FILE, STABILITY_FILE, CALIBRATION_FILE = (
    "validation.json",
    "stability.json",
    "lift_test_check.csv",
)


class ReviewMixin:
    """Diagnose, check, validate and report on a fitted :class:`~mmm_bayes.MMM`."""

    #: The run folder the model was loaded from or saved to, if any.
    folder: Path | None = None

    # --- diagnostics and checks ---------------------------------------------------------------

    def diagnose(self: MMM) -> Diagnosis:
        """Convergence checks with thresholds, a plain verdict and advice for each failure.

        Returns
        -------
        Diagnosis
            ``.checks`` (divergences, max R-hat, min bulk and tail ESS, tree-depth saturation,
            E-BFMI), ``.status`` and ``.verdict``. See ``docs/diagnostics.md``.

        Examples
        --------
        >>> print(mmm.diagnose().verdict)  # doctest: +SKIP
        The sampler converged: all 6 checks pass.
        """
        return diagnose(self._fitted())

    def predictive_check(
        self: MMM,
        kind: Literal["posterior", "prior"] = "posterior",
        *,
        draws: int = 500,
        random_seed: int = 0,
    ) -> analysis.PredictiveCheck:
        """Compare the observed KPI with posterior (or prior) predictive draws.

        Parameters
        ----------
        kind : {"posterior", "prior"}
            ``posterior`` uses the fit's ``posterior_predictive`` group (or draws it);
            ``prior`` draws ``draws`` KPI series from the priors.
        draws : int, default 500
            Prior draws (ignored for ``posterior``).
        random_seed : int, default 0
            Seed of any draws made here.

        Returns
        -------
        PredictiveCheck
            Bands, 50%/90% coverage, Bayesian p-values, R², MAPE and NRMSE.
        """
        if kind == "prior":
            pred = self._prior_draws(draws, random_seed)["prior_predictive"]["kpi"]
        else:
            pred = self._posterior_predictive(random_seed)
        pred = pred.sum("geo") if "geo" in pred.dims else pred  # geo models: national sums
        return analysis.predictive_check(self.observed_kpi().to_numpy(), pred, kind=kind)

    def residuals(self: MMM) -> pd.Series:
        """Observed KPI minus the posterior-mean fit (``mu``), by date, KPI units."""
        mu = self.contributions()["mu"].mean(("chain", "draw")).to_numpy()
        observed = self.observed_kpi().to_numpy()  # summed over geos in a geo model
        return pd.Series(observed - mu, index=self.inputs.dates, name="residual")

    def residual_spectrum(self: MMM) -> analysis.ResidualSpectrum:
        """Periodogram of the residuals, flagging periodic structure the model missed."""
        days, label = analysis.spectrum.period_of(self.inputs.dates)
        return analysis.residual_spectrum(
            self.residuals().to_numpy(), period_days=days, period_label=label
        )

    def prior_vs_posterior(self: MMM, *, draws: int = 500, random_seed: int = 0) -> pd.DataFrame:
        """Prior and posterior of every sampled parameter side by side: contraction and shift.

        Deterministics kept in the posterior (``intercept``, ``effect``) are left out: their
        priors are implied by the sampled parameters (``level``, ``effect_rel``).
        """
        post = self._posterior()
        names = [str(v) for v in post.data_vars if v not in sampling.KEEP_DETERMINISTICS]
        prior = self._prior_draws(draws, random_seed)
        return analysis.prior_posterior_table(prior, post, var_names=names)

    def adstock_decay(self: MMM) -> xr.DataArray:
        """Adstock weights per lag for every draw, dims (chain, draw, channel, lag)."""
        return analysis.adstock_decay(self._posterior(), self.spec, self.inputs.channels)

    # --- out-of-sample validation and stability -----------------------------------------------

    def validate(
        self: MMM,
        holdout: int = 13,
        *,
        folds: int = 1,
        step: int | None = None,
        window: Literal["expanding", "sliding"] = "expanding",
        random_seed: int = 0,
        **settings,
    ) -> ValidationResult:
        """Refit without the last ``holdout`` periods and score the forecast of them.

        Parameters
        ----------
        holdout : int, default 13
            Periods held out per fold (13 weeks is a quarter).
        folds : int, default 1
            Rolling-origin folds; fold k holds out the ``holdout`` periods ending
            ``(folds - 1 - k) * step`` periods before the end.
        step : int, optional
            Periods between folds; default ``holdout``.
        window : {"expanding", "sliding"}
            Train on everything before the holdout, or on equally long windows (one compile
            for all folds).
        random_seed : int, default 0
            Seed of the predictive draws and (unless ``settings`` names one) of the refits.
        **settings
            Sampler settings of the refits (``draws``, ``tune``, ``chains``, ...).

        Returns
        -------
        ValidationResult
            Per-fold MAPE, CRPS, 50%/90% coverage, in-sample and naive MAPE; ``.save(path)``
            writes it for the report.

        Examples
        --------
        >>> result = mmm.validate(holdout=13, folds=2, draws=500)   # doctest: +SKIP
        >>> result.save("runs/demo/validation.json")                # doctest: +SKIP
        """
        self._national_only("validate")
        self._fitted()
        cut = analysis.holdout_folds(
            len(self.inputs.dates), holdout=holdout, folds=folds, step=step, window=window
        )
        return analysis.validate(
            self.data.frame,
            self.inputs,
            self.spec,
            self._refitter({"random_seed": random_seed} | settings),
            cut,
            window=window,
            random_seed=random_seed,
        )

    def stability(
        self: MMM, windows: int = 2, *, random_seed: int = 0, **settings
    ) -> StabilityResult:
        """Fit the model on ``windows`` consecutive time windows and compare their ROAS.

        Parameters
        ----------
        windows : int, default 2
            Number of equal, non-overlapping windows.
        random_seed : int, default 0
            Seed of the pairing of draws and (unless ``settings`` names one) of the refits.
        **settings
            Sampler settings of the refits.

        Returns
        -------
        StabilityResult
            ROAS per window and channel, pairwise differences, flagged channels, each
            refit's convergence status, verdict.
        """
        self._national_only("stability")
        self._fitted()
        frame = self.data.frame
        min_length = max(8, 2 * self.spec.adstock.l_max)
        return refit_windows(
            frame,
            self.spec,
            self._refitter({"random_seed": random_seed} | settings),
            analysis.split_windows(len(frame), windows, min_length=min_length),
            random_seed=random_seed,
        )

    def _refitter(self: MMM, settings: dict):
        def refit(frame: pd.DataFrame):
            model = type(self)(self.spec, sampler=self.sampler)
            log.info("refitting on %d periods", len(frame))
            model.fit(frame, posterior_predictive=False, **({"progressbar": False} | settings))
            return model.idata, model.inputs

        return refit

    # --- the report ---------------------------------------------------------------------------

    def report(
        self: MMM,
        path: str | os.PathLike | None = None,
        *,
        validation: ValidationResult | None = None,
        stability: StabilityResult | None = None,
        calibration: pd.DataFrame | None = None,
        optimizations: Mapping[str, BudgetResult] | None = None,
        prior_draws: int = 500,
        random_seed: int = 0,
        title: str | None = None,
    ) -> Path:
        """Write the self-contained HTML review report and return its path.

        Parameters
        ----------
        path : path, optional
            The HTML file; default ``report.html`` in the run folder the model was loaded
            from or saved to.
        validation, stability : optional
            Results of :meth:`validate` and :meth:`stability`; by default read from
            ``validation.json`` and ``stability.json`` in the run folder when present.
        calibration : DataFrame, optional
            Lift tests measured vs predicted; by default the run folder's ``lift_test_check.csv``,
            else computed from the tests the model was fitted with.
        optimizations : mapping of str to BudgetResult, optional
            Budget optimizations (:meth:`optimize_budget`) by name, each shown as a section;
            by default every one saved in the run folder (:meth:`save_optimization`).
        prior_draws : int, default 500
            Prior draws for the prior predictive check and prior vs posterior.
        random_seed : int, default 0
            Seed of those draws.
        title : str, optional
            Report title.

        Examples
        --------
        >>> MMM.load("runs/demo").report()   # doctest: +SKIP
        PosixPath('runs/demo/report.html')
        """
        from mmm_bayes.report.figures.optimize import (
            optimization_sections,
            saved_optimization_sections,
        )
        from mmm_bayes.report.html import check_report_path, write_report

        folder = self.folder
        if path is None and folder is None:
            raise MMMError(
                "report(): pass a path, e.g. mmm.report('report.html'); only a model loaded "
                "from or saved to a run folder has a default (its report.html)."
            )
        path = Path(path) if path is not None else folder / "report.html"
        check_report_path(path)  # before the content, which takes seconds to compute
        validation = validation or _read_optional(folder, VALIDATION_FILE, ValidationResult.load)
        stability = stability or _read_optional(folder, STABILITY_FILE, StabilityResult.load)
        if calibration is None:
            calibration = _read_optional(folder, CALIBRATION_FILE, _read_lift_check)
        if calibration is None and self.lift is not None:
            calibration = self.lift_test_table(before=self.uncalibrated)
        content = self._report_content(prior_draws, random_seed, title)
        content.validation, content.stability, content.calibration = (
            validation,
            stability,
            calibration,
        )
        if optimizations is not None:
            content.extra_sections = optimization_sections(optimizations)
        elif folder is not None:
            content.extra_sections = saved_optimization_sections(folder)
        return write_report(path, content)

    def _report_content(self: MMM, prior_draws: int, random_seed: int, title: str | None):
        from mmm_bayes.inference.store import package_versions
        from mmm_bayes.report.html import ReportContent

        results = self._results()
        prior = self._prior_draws(prior_draws, random_seed)
        spend = self.inputs.spend.sum(axis=0) if self.spec.geo else self.inputs.spend
        spend = pd.DataFrame(spend, index=self.inputs.dates, columns=list(self.inputs.channels))
        prior_kpi = prior["prior_predictive"]["kpi"]
        prior_kpi = prior_kpi.sum("geo") if "geo" in prior_kpi.dims else prior_kpi
        return ReportContent(
            spec=self.spec,
            sampler=self.sampler,
            observed=self.observed_kpi(),
            spend=spend,
            data_info={"freq": self.data.freq, "fingerprint": self.data.fingerprint},
            diagnosis=self.diagnose(),
            posterior_check=self.predictive_check(random_seed=random_seed),
            prior_check=analysis.predictive_check(
                self.observed_kpi().to_numpy(), prior_kpi, kind="prior"
            ),
            residuals=self.residuals(),
            spectrum=self.residual_spectrum(),
            contributions=results["contributions"],
            roas=results["roas"],
            marginal_roas=results["marginal_roas"],
            roas_summary=self._roas_summary(results["roas"], results["marginal_roas"]),
            curves=results["curves"],
            frequency=results.get("frequency"),
            decay=self.adstock_decay(),
            prior_posterior=self.prior_vs_posterior(draws=prior_draws, random_seed=random_seed),
            period_label=analysis.spectrum.period_of(self.inputs.dates)[1],
            title=title or f"MMM review: {self.spec.kpi}",
            source=str(self.folder) if self.folder is not None else "",
            versions=package_versions(),
        )

    # --- helpers ------------------------------------------------------------------------------

    def _national_only(self: MMM, what: str) -> None:
        if self.spec.geo is not None:
            raise MMMError(
                f"{what}() refits national models only for now; for a geo model, fit the "
                "geo sums nationally (sum the KPI and spend over geos per date; keep one value "
                "of controls that are the same in every geo) and run it on that"
            )

    def _posterior_predictive(self: MMM, random_seed: int) -> xr.DataArray:
        idata = self._fitted()
        if "posterior_predictive" in idata.children:
            return idata["posterior_predictive"]["kpi"]
        if self.spec.geo is not None:
            raise MMMError("refit with posterior_predictive=True to check a geo model's fit")
        return analysis.predictive_draws(idata, self.inputs, self.spec, random_seed=random_seed)

    def _prior_draws(self: MMM, draws: int, random_seed: int) -> xr.DataTree:
        """Prior and prior predictive draws for the current data, cached per (draws, seed)."""
        self._fitted()
        key = (id(self.inputs), draws, random_seed)
        cache = getattr(self, "_prior_cache", None)
        if cache is None or cache[0] != key:
            model = build_model(self.spec, self.inputs)
            tree = sampling.sample_prior_predictive(model, draws=draws, random_seed=random_seed)
            self._prior_cache = cache = (key, tree)
        return cache[1]


def _read_lift_check(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, index_col="lift_test")


def _read_optional(folder: Path | None, name: str, reader):
    path = folder / name if folder is not None else None
    if path is None or not path.is_file():
        return None
    log.info("report: using %s", path)
    return reader(path)


__all__ = ["ReviewMixin"]
