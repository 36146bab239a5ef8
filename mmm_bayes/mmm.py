"""The MMM facade: one object an analyst fits, queries, saves and loads.

Each method hands off to one function in the layers below (data, model, inference, analysis,
report); this module holds no math.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from pydantic import BaseModel, ValidationError

from mmm_bayes import analysis
from mmm_bayes.analysis import reach_frequency
from mmm_bayes.config.problems import ConfigProblems, problems_from_validation
from mmm_bayes.data import ValidatedData, read_table, validate_data
from mmm_bayes.data.lift_tests import lift_tests_frame, read_lift_tests
from mmm_bayes.errors import ConfigError, MMMError
from mmm_bayes.inference import sample as sampling
from mmm_bayes.inference.diagnostics import Check, convergence_checks
from mmm_bayes.inference.store import load_run, save_run
from mmm_bayes.model import (
    LiftInputs,
    ModelInputs,
    build_inputs,
    build_lift_inputs,
    build_model,
    structure_key,
)
from mmm_bayes.review import ReviewMixin
from mmm_bayes.spec import ModelSpec, SamplerSettings
from mmm_bayes.spec.run import RunConfig

log = logging.getLogger(__name__)

#: The lift tests a model was fitted with, in its run folder (read back by :meth:`MMM.load`).
LIFT_TESTS_FILE = "lift_tests.csv"


class MMM(ReviewMixin):
    """A Bayesian marketing mix model: spec in, posterior and KPI-unit answers out.

    Parameters
    ----------
    spec : ModelSpec or dict
        Channels, adstock, saturation, priors, controls, seasonality, trend, likelihood.
    sampler : SamplerSettings or dict, optional
        Defaults for :meth:`fit` (nutpie, 2 chains x 1000 tune x 1000 draws).

    Raises
    ------
    ConfigError
        If the spec or the sampler settings are invalid (so are ``fit``'s keyword settings);
        every problem is listed with its field path, as for a YAML config, e.g.
        ``chanels: unknown key 'chanels' (did you mean 'channels'?)``.

    Examples
    --------
    >>> from mmm_bayes import MMM, datasets
    >>> spec = {"kpi": "sales", "channels": ["tv_spend", "search_spend"],
    ...         "controls": ["price_index", "promo"]}
    >>> mmm = MMM(spec)
    >>> idata = mmm.fit(datasets.load("example_weekly"), random_seed=1)  # doctest: +SKIP
    >>> mmm.roas_summary()                                                 # doctest: +SKIP
    """

    def __init__(
        self, spec: ModelSpec | dict, *, sampler: SamplerSettings | dict | None = None
    ) -> None:
        if isinstance(spec, str | os.PathLike):
            raise ConfigError(
                f"MMM takes a model spec (a dict or ModelSpec), not a path ({str(spec)!r}); for a "
                f"YAML run config use MMM.from_config({str(spec)!r})"
            )
        self.spec = _validated(ModelSpec, spec, "MMM spec")
        self.sampler = _validated(SamplerSettings, sampler or {}, "MMM sampler settings")
        self.idata: xr.DataTree | None = None
        self.data: ValidatedData | None = None
        self.inputs: ModelInputs | None = None
        self.lift: LiftInputs | None = None
        #: A fit of the same data without the lift tests, to compare with (set by the caller).
        self.uncalibrated: MMM | None = None
        self.config: RunConfig | None = None

    @classmethod
    def from_config(cls, config: RunConfig | dict | str | os.PathLike) -> MMM:
        """Build the MMM a run config describes: ``MMM(cfg.model, sampler=cfg.sampler)``.

        Parameters
        ----------
        config : RunConfig, dict or path
            A config object, its dict form, or a YAML file (read with
            :func:`mmm_bayes.config.load_config`). Its data are read by
            :func:`mmm_bayes.config.load_data`; saving the fitted model writes the config to
            the run folder as ``config.yaml``.

        Examples
        --------
        >>> from mmm_bayes.config import load_config, load_data
        >>> cfg = load_config("configs/example.yaml")      # doctest: +SKIP
        >>> mmm = MMM.from_config(cfg)                     # doctest: +SKIP
        >>> mmm.fit(load_data(cfg))                        # doctest: +SKIP
        """
        from mmm_bayes.config import load_config

        if isinstance(config, str | os.PathLike):
            config = load_config(config)
        config = _validated(RunConfig, config, "run config")
        mmm = cls(config.model, sampler=config.sampler)
        mmm.config = config
        return mmm

    # --- data and model ---------------------------------------------------------------------

    def check_data(self, data: pd.DataFrame | str | os.PathLike) -> ValidatedData:
        """Read and check ``data`` (DataFrame, CSV or Parquet path) against the spec."""
        source = str(data) if isinstance(data, str | os.PathLike) else "data"
        return validate_data(read_table(data), **self.spec.data_columns(), source=source)

    def build(self, data: pd.DataFrame | str | os.PathLike, *, lift_tests=None):
        """Return the PyMC model for ``data`` (validated first), and make ``data`` the model's.

        ``lift_tests`` (see :meth:`fit`) adds a likelihood term per test. The analysis methods
        then read this data: on a fitted model, that pairs the posterior with other data, so
        use :meth:`fit` (which replaces both only when it succeeds) or a new ``MMM``.
        """
        self.data, self.inputs, self.lift = self._prepare(data, lift_tests)
        return build_model(self.spec, self.inputs, self.lift)

    def _prepare(self, data, lift_tests) -> tuple[ValidatedData, ModelInputs, LiftInputs]:
        """Validate ``data`` and ``lift_tests`` and scale them for the model; changes nothing."""
        tests = read_lift_tests(lift_tests) if lift_tests is not None else ()
        validated = self.check_data(data)
        inputs = build_inputs(self.spec, validated)
        return validated, inputs, build_lift_inputs(self.spec, inputs, tests)

    # --- inference ----------------------------------------------------------------------------

    def fit(
        self,
        data: pd.DataFrame | str | os.PathLike,
        *,
        lift_tests=None,
        posterior_predictive: bool = True,
        **settings,
    ) -> xr.DataTree:
        """Fit the model to ``data`` with NUTS and return the posterior (an ArviZ DataTree).

        Parameters
        ----------
        data : DataFrame or path
            Tidy table: one row per period, the date, KPI, spend and control columns.
        lift_tests : DataFrame, path, or list of LiftTest or dict, optional
            Experiment results that calibrate the model, one row per test: ``channel``,
            ``start``, ``end``, ``spend_delta`` (or ``spend``), ``lift``, ``lift_se`` (see
            :class:`~mmm_bayes.spec.calibration.LiftTest` and docs/calibration.md). Each test
            adds a likelihood term: the model's predicted lift, through the channel's adstock
            and saturation at the test's spend, observed with the test's standard error.
        posterior_predictive : bool, default True
            Also draw KPI series from the posterior (``posterior_predictive`` group).
        **settings
            Any :class:`SamplerSettings` field for this fit: ``draws``, ``tune``, ``chains``,
            ``target_accept``, ``random_seed``, ``sampler``, ``backend``, ``progressbar``.

        Notes
        -----
        A second fit with data of the same shape or new prior numbers reuses the compiled
        model (nutpie), so it costs only sampling time. A failed fit keeps the previous
        posterior.
        """
        settings_ = _validated(
            SamplerSettings, self.sampler.model_dump() | settings, "fit's sampler settings"
        )
        settings_ = settings_.for_model(self.spec)
        # the model's data, posterior and settings change together, and only if all succeeds
        validated, inputs, lift = self._prepare(data, lift_tests)
        model = build_model(self.spec, inputs, lift)
        idata = sampling.sample_posterior(
            model,
            settings_,
            cache_key=structure_key(self.spec, inputs, lift),
            rebuild=(build_model, (self.spec, inputs, lift)),
        )
        idata = _relabel(idata, model)
        if posterior_predictive:
            pp = sampling.sample_posterior_predictive(
                model, idata, random_seed=settings_.random_seed
            )
            idata["posterior_predictive"] = pp["posterior_predictive"]
            idata["observed_data"] = pp["observed_data"]
        self.data, self.inputs, self.lift = validated, inputs, lift
        self.idata, self.sampler = idata, settings_
        for check in self.diagnostics():
            if check.status == "fail":
                log.warning(
                    "%s = %.4g (threshold %.4g) at %s: %s",
                    check.name, check.value, check.threshold, check.worst, check.advice,
                )  # fmt: skip
        return idata

    def sample_prior_predictive(
        self,
        data: pd.DataFrame | str | os.PathLike,
        *,
        draws: int = 500,
        random_seed=None,
        lift_tests=None,
    ) -> xr.DataTree:
        """Draw parameters and KPI series from the priors (``prior``, ``prior_predictive``).

        On a model not yet fitted, ``data`` becomes the model's (``mmm.inputs``, for prior
        checks); a fitted model keeps its own data, which its posterior belongs to.
        """
        prepared = self._prepare(data, lift_tests)
        if self.idata is None:
            self.data, self.inputs, self.lift = prepared
        model = build_model(self.spec, *prepared[1:])
        return sampling.sample_prior_predictive(model, draws=draws, random_seed=random_seed)

    def diagnostics(self) -> list[Check]:
        """Return the convergence checks of the fit as a list (see :meth:`diagnose`)."""
        return convergence_checks(self._fitted())

    # --- analysis -----------------------------------------------------------------------------

    def roas(self) -> xr.DataArray:
        """Posterior ROAS per channel (KPI units per currency unit), dims (chain, draw, channel).

        ROAS is the KPI lost when the channel's spend is set to zero over the window, divided
        by its spend; spend before the window counts as zero and the carryover of the window's
        spend past its last date is counted.
        """
        return analysis.roas(self._posterior(), self.inputs, self.spec)

    def roas_summary(self) -> pd.DataFrame:
        """Table per channel: spend, mean/median/sd/5%/95% of ROAS and of marginal ROAS."""
        return self._roas_summary(self.roas(), self.marginal_roas())

    def _roas_summary(self, roas: xr.DataArray, marginal: xr.DataArray) -> pd.DataFrame:
        table = analysis.roas_table(roas)
        marginal_table = analysis.roas_table(marginal).add_prefix("marginal_")
        spend = self.inputs.spend.reshape(-1, len(self.inputs.channels)).sum(axis=0)
        spend = pd.Series(spend, index=table.index, name="spend")
        return pd.concat([spend, table, marginal_table], axis=1)

    def marginal_roas(self) -> xr.DataArray:
        """Extra KPI per extra currency unit at current spend (a 1% rise), per channel."""
        return analysis.marginal_roas(self._posterior(), self.inputs, self.spec)

    def response_curves(self, multipliers: np.ndarray | None = None) -> xr.Dataset:
        """Total incremental KPI against total spend per channel, as multiples of actual spend."""
        kwargs = {} if multipliers is None else {"multipliers": np.asarray(multipliers)}
        return analysis.response_curves(self._posterior(), self.inputs, self.spec, **kwargs)

    def lift_predictions(self, lift_tests=None) -> xr.DataArray:
        """Posterior prediction of each lift test's lift, KPI units, dims (chain, draw, lift_test).

        ``lift_tests`` defaults to the tests the model was fitted with; other tests (e.g. to
        see what an uncalibrated fit predicts for them) are checked against the fitted data.
        """
        lift = self._lift(lift_tests)
        return analysis.lift_predictions(self._posterior(), lift, self.inputs, self.spec)

    def lift_test_table(self, lift_tests=None, *, before: MMM | None = None) -> pd.DataFrame:
        """Each test's measured lift beside this fit's prediction (mean, 90% interval, z-score).

        Parameters
        ----------
        lift_tests : optional
            Tests to compare with; default those the model was fitted with.
        before : MMM, optional
            A fit of the same data without the tests: adds its predictions as ``before_*``
            columns, to see what calibration changed.
        """
        lift = self._lift(lift_tests)
        predicted = analysis.lift_predictions(self._posterior(), lift, self.inputs, self.spec)
        prior = None
        if before is not None:
            prior = analysis.lift_predictions(before._posterior(), lift, before.inputs, before.spec)
        return analysis.lift_test_table(lift, predicted, before=prior)

    def _lift(self, lift_tests) -> LiftInputs:
        self._fitted()
        if lift_tests is None:
            if self.lift is None:
                raise MMMError(
                    "the model was fitted without lift tests: pass them, e.g. "
                    "lift_test_table(lift_tests='lift_tests.csv')"
                )
            return self.lift
        return build_lift_inputs(self.spec, self.inputs, read_lift_tests(lift_tests))

    def contributions(self) -> xr.Dataset:
        """Per-date contributions in KPI units: baseline, trend, seasonality, controls, channels."""
        return analysis.contributions(self._posterior(), self.inputs, self.spec)

    def contribution_table(self) -> pd.DataFrame:
        """Tidy table of contributions per date and component with mean and 90% interval."""
        return analysis.contribution_table(self.contributions())

    # --- geo models and time-varying effects (docs/geo.md, docs/time_varying.md) ------------

    def geo_roas(self) -> xr.DataArray:
        """ROAS of each channel in each geo, dims (chain, draw, geo, channel), KPI per currency.

        The definition of :meth:`roas` within each geo; :meth:`roas` of a geo model is the
        national roll-up (all geos' contributions over all geos' spend).
        """
        if self.spec.geo is None:
            raise MMMError("geo_roas() needs a geo model (spec `geo`); use roas() for this one.")
        return analysis.geo_roas(self._posterior(), self.inputs, self.spec)

    def geo_roas_table(self) -> pd.DataFrame:
        """Table per geo and channel: spend and the ROAS summary of :func:`analysis.roas_table`."""
        da = self.geo_roas()
        tables = {g: analysis.roas_table(da.sel(geo=g)) for g in self.inputs.geos}
        table = pd.concat(tables, names=["geo"])
        spend = self.inputs.spend.sum(axis=1).ravel()  # (geo, channel), in the table's order
        return table.assign(spend=spend)[["spend", *table.columns]]

    def time_varying_coefficients(self) -> xr.DataArray:
        """Each time-varying channel's KPI per period at its mean spend, over time.

        Dims (chain, draw, date, channel), KPI units; see
        :func:`mmm_bayes.analysis.time_varying.time_varying_coefficients`. The intercept drift,
        if any, is in ``contributions()["baseline"]``.
        """
        return analysis.time_varying_coefficients(self._posterior(), self.inputs, self.spec)

    # --- reach-and-frequency channels (docs/channels.md) -------------------------------------

    def frequency_response(self, points: int = 60) -> xr.DataArray:
        """ROAS of each reach-and-frequency channel against the frequency its budget buys.

        Dims (chain, draw, channel, point), coordinate ``frequency`` (channel, point); see
        :func:`mmm_bayes.analysis.reach_frequency.frequency_response`.
        """
        return reach_frequency.frequency_response(
            self._posterior(), self.inputs, self.spec, points=points
        )

    def optimal_frequency(self) -> pd.DataFrame:
        """Per R&F channel: the frequency (within the data's range) with the highest ROAS.

        Columns: mean, lowest and highest frequency seen, the optimal frequency and the 90%
        range of each draw's optimum, ROAS at the mean and at the optimal frequency, and the
        gain; see :func:`mmm_bayes.analysis.reach_frequency.optimal_frequency`.
        """
        return reach_frequency.optimal_frequency(self._posterior(), self.inputs, self.spec)

    def observed_kpi(self) -> pd.Series:
        """Return the observed KPI per date (summed over geos in a geo model), KPI units."""
        self._fitted()
        kpi = self.inputs.kpi if self.spec.geo is None else self.inputs.national_kpi
        return pd.Series(kpi, index=self.inputs.dates, name=self.spec.kpi)

    # --- budget optimization (docs/optimizer.md) ----------------------------------------------

    def optimize_budget(
        self,
        total: float | None = None,
        *,
        bounds: dict[str, tuple[float | None, float | None]] | None = None,
        periods: int | None = None,
        problem=None,
        **options,
    ):
        """Split a planning window's budget across channels to maximize the incremental KPI.

        Parameters
        ----------
        total : float, optional
            Budget for the whole window, currency; default the current allocation's total.
        bounds : dict of str to (lower, upper), optional
            Currency bounds per channel over the window (``None`` leaves a side open).
        periods : int, optional
            Periods in the planning window (default 13).
        problem : BudgetProblem, dict or path to YAML, optional
            A full problem; the other arguments override its fields.
        **options
            Other :class:`~mmm_bayes.spec.budget.BudgetProblem` fields: ``total_mode``,
            ``max_change``, ``fixed``, ``groups``, ``objective``, ``current``, ``pattern``,
            ``frequency`` (planned frequency of reach-and-frequency channels), ``n_starts``,
            ``random_seed``.

        Returns
        -------
        BudgetResult
            Allocations, KPI with intervals (current, optimal, uplift), marginal ROAS, notes.
        """
        from mmm_bayes.optimize import budget_problem, optimize_budget
        from mmm_bayes.optimize.result import convergence_note, with_note

        if self.spec.geo is not None:
            raise MMMError(
                "budget optimization of geo models is not available yet: fit a national model "
                "on the geo sums (sum the KPI and spend over geos per date; keep one value of "
                "controls that are the same in every geo) and optimize that"
            )
        spec = budget_problem(
            problem, total=total, bounds=bounds, periods=periods,
            model_channels=self.inputs.channels if self.inputs is not None else None, **options,
        )  # fmt: skip
        result = optimize_budget(self._posterior(), self.inputs, self.spec, spec)
        note = convergence_note(self.diagnose(), run=self.folder)
        return result if note is None else with_note(result, note)

    def save_optimization(
        self, result, folder: str | Path | None = None, *, name: str = "optimization",
        overwrite: bool = False, figures: bool = True,
    ) -> Path:  # fmt: skip
        """Write an :meth:`optimize_budget` result into a run folder as ``<folder>/<name>/``.

        ``folder`` defaults to the run folder the model was loaded from or saved to. The
        subfolder (tables, per-draw results, figures) is written atomically; an existing one
        is replaced only with ``overwrite=True``.
        """
        from mmm_bayes.optimize import save_optimization
        from mmm_bayes.report.figures.optimize import write_optimization_figures

        folder = folder if folder is not None else getattr(self, "folder", None)
        if folder is None:
            raise MMMError("save_optimization(): pass the run folder, e.g. 'runs/x'.")
        extra = (lambda tmp: write_optimization_figures(result, tmp)) if figures else None
        return save_optimization(result, folder, name=name, overwrite=overwrite, extra=extra)

    # --- persistence and reporting ------------------------------------------------------------

    def save(self, folder: str | Path, *, overwrite: bool = False, figures: bool = True) -> Path:
        """Write a run folder: posterior, spec, data, fingerprint, tables and figures.

        The folder is written under a temporary name and renamed when complete.
        """
        idata = self._fitted()

        def extra(tmp: Path) -> None:
            if self.config is not None:
                _write_config(tmp / "config.yaml", self.config, output=Path(folder))
            results = self._results()  # computed once for the tables and the figures
            self._write_tables(tmp, results)
            if figures:
                self._write_figures(tmp, results)

        self.folder = save_run(
            folder,
            idata=idata,
            spec=self.spec,
            sampler=self.sampler,
            data=self.data,
            extra=extra,
            overwrite=overwrite,
        )
        return self.folder

    @classmethod
    def load(cls, folder: str | Path) -> MMM:
        """Load a run folder written by :meth:`save`; refuses data that no longer match."""
        run = load_run(folder)
        mmm = cls(run.spec, sampler=run.sampler)
        mmm.data, mmm.idata = run.data, run.idata
        mmm.inputs = build_inputs(run.spec, run.data)
        if (Path(folder) / LIFT_TESTS_FILE).is_file():
            tests = read_lift_tests(Path(folder) / LIFT_TESTS_FILE)
            mmm.lift = build_lift_inputs(run.spec, mmm.inputs, tests)
        mmm.folder = Path(folder)
        if (Path(folder) / "config.yaml").is_file():
            from mmm_bayes.config import load_config

            mmm.config = load_config(Path(folder) / "config.yaml")
        return mmm

    def write_figures(self, folder: str | Path) -> list[Path]:
        """Write ROAS, contribution, response-curve and fit PNGs into ``folder``."""
        return self._write_figures(folder, self._results())

    def _results(self) -> dict:
        """Compute the analysis results a run folder holds, each once."""
        results = {
            "roas": self.roas(),
            "marginal_roas": self.marginal_roas(),
            "contributions": self.contributions(),
            "curves": self.response_curves(),
        }
        if self.spec.geo is not None:
            results["geo_roas"] = self.geo_roas()
        if self.spec.time_varying is not None and self.spec.time_varying.channels:
            results["time_varying"] = self.time_varying_coefficients()
        if self.lift is not None:
            results["lift_tests"] = self.lift_test_table(before=self.uncalibrated)
        if self.spec.rf_channels:
            results["frequency"] = (self.frequency_response(), self.optimal_frequency())
        return results

    def _write_figures(self, folder: str | Path, results: dict) -> list[Path]:
        from mmm_bayes.report import write_figures

        idata = self._fitted()
        predictive = None
        if "posterior_predictive" in idata:
            predictive = idata["posterior_predictive"]["kpi"]
            if "geo" in predictive.dims:
                predictive = predictive.sum("geo")
        observed = self.observed_kpi()
        return write_figures(
            folder,
            roas=results["roas"],
            contributions=results["contributions"],
            curves=results["curves"],
            observed=observed,
            predictive=predictive,
            lift_tests=results.get("lift_tests"),
            geo_roas=results.get("geo_roas"),
            time_varying=results.get("time_varying"),
            frequency=results.get("frequency"),
            kpi_label=self.spec.kpi,
        )

    def _write_tables(self, folder: Path, results: dict) -> None:
        summary = self._roas_summary(results["roas"], results["marginal_roas"])
        summary.to_csv(folder / "roas.csv", index_label="channel")
        table = analysis.contribution_table(results["contributions"])
        table.to_csv(folder / "contributions.csv", index=False)
        if self.lift is not None:
            lift_tests_frame(self.lift.tests).to_csv(folder / LIFT_TESTS_FILE, index=False)
            results["lift_tests"].to_csv(folder / "lift_test_check.csv")
        if self.lift is not None and self.uncalibrated is not None:
            before = self.uncalibrated
            summary = before._roas_summary(before.roas(), before.marginal_roas())
            summary.to_csv(folder / "roas_uncalibrated.csv", index_label="channel")
        if "geo_roas" in results:
            self.geo_roas_table().to_csv(folder / "geo_roas.csv")
        if "time_varying" in results:
            analysis.time_varying_table(results["time_varying"]).to_csv(
                folder / "time_varying.csv", index=False
            )
        if "frequency" in results:
            results["frequency"][1].to_csv(folder / "frequency.csv")
        checks = [c.to_dict() for c in self.diagnostics()]
        (folder / "diagnostics.json").write_text(json.dumps(checks, indent=2) + "\n")

    def _fitted(self) -> xr.DataTree:
        if self.idata is None:
            raise MMMError("the model is not fitted yet: call fit(data) or MMM.load(folder).")
        return self.idata

    def _posterior(self) -> xr.Dataset:
        return self._fitted()["posterior"].to_dataset()


def _validated[M: BaseModel](model: type[M], value: M | dict, source: str) -> M:
    """``model.model_validate(value)``; invalid fields raise one ConfigProblems naming each.

    The messages are those of a YAML config (path of the field, unknown keys with the closest
    allowed one), so ``except MMMError`` catches a bad spec as it catches bad data.
    """
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except ValidationError as err:
        raise ConfigProblems(source, problems_from_validation(err, value, model=model)) from None


def _write_config(path: Path, config: RunConfig, *, output: Path) -> None:
    """Write the run's config as YAML, its paths made absolute so that it can be rerun as is."""
    from mmm_bayes.config import dump_config

    data_path = config.data_path()
    data = config.data.model_copy(update={"path": str(data_path) if data_path else None})
    config = config.model_copy(update={"data": data, "output": str(output.resolve())})
    header = (
        f"The config of this run, every default filled in, paths made absolute.\n"
        f"Read from {config.source or 'a RunConfig built in Python'}."
    )
    path.write_text(dump_config(config, header=header), encoding="utf-8")


def _relabel(idata: xr.DataTree, model) -> xr.DataTree:
    """Give posterior dims the coords of ``model`` (a reused compiled model keeps old labels)."""
    post = idata["posterior"].to_dataset()
    coords = {d: list(model.coords[d]) for d in post.dims if d in model.coords}
    idata["posterior"] = post.assign_coords(coords)
    return idata
