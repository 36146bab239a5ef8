"""The answer to a budget problem, its summaries, and its files in a run folder.

A :class:`BudgetResult` holds the current and optimal allocations, each draw's incremental KPI and
marginal ROAS at both, summarized response curves for plotting, the solver's record and notes
that explain the answer (which constraints bind, whether marginal ROAS is equalized). Saved into a
run folder it becomes the subfolder ``optimization/``::

    result.json      problem, allocations, bounds, status, summary, objective, notes, solver
    allocation.csv   per channel: current, optimal, change, bounds, status, KPI, marginal ROAS
    summary.csv      current / optimal / uplift: mean, sd, 5%, 50%, 95%, P(> 0)
    frequency_plan.csv  reach-and-frequency channels: frequency, reach and impressions per period
    draws.nc         per-draw KPI and marginal ROAS (chain, draw, channel), response curves
    *.png            figures, when the caller passes a writer (``mmm_bayes.report``)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from mmm_bayes.errors import MMMError
from mmm_bayes.inference.store import save_into_run
from mmm_bayes.spec.budget import BudgetProblem

if TYPE_CHECKING:
    from mmm_bayes.inference.diagnostics import Diagnosis

__all__ = [
    "BudgetResult",
    "convergence_note",
    "convergence_warning",
    "explain_marginals",
    "load_optimization",
    "save_optimization",
    "saved_optimizations",
    "with_note",
]

FORMAT_VERSION = 1
_SAMPLE = ("chain", "draw")
_MEAN_KINDS = ("expected_kpi", "kpi_target", "marginal_roas_floor")
#: The files that make a subfolder of a run folder a saved optimization.
_REQUIRED = ("result.json", "draws.nc")


@dataclass(frozen=True, eq=False)
class BudgetResult:
    """An optimized budget with the posterior's view of it.

    Attributes
    ----------
    problem : BudgetProblem
        The problem solved.
    channels : tuple of str
        Order of every per-channel array.
    current, optimal : ndarray (channel,)
        Spend over the window, currency units.
    lower, upper : ndarray (channel,)
        The bounds each channel had (``upper`` may be ``inf``).
    status : tuple of str
        Per channel: ``free``, ``fixed``, ``at lower bound``, ``at upper bound`` or
        ``group 'name' at its max/min``.
    draws : Dataset
        ``kpi_current``, ``kpi_optimal`` (incremental KPI, window plus carryover tail) and
        ``mroas_current``, ``mroas_optimal`` (total KPI per extra currency unit), each
        (chain, draw, channel). With channel overlaps a channel's KPI includes half of each
        interaction it is in (so the channels add up to the total), while its marginal ROAS
        counts the whole change of the total KPI, every interaction it is in included.
    curves : Dataset
        ``curve_spend``, ``curve_mean``, ``curve_lower``, ``curve_upper`` (channel, point): each
        channel's KPI against its window budget, mean and 90% interval (with interactions, the
        other channels at the optimal allocation).
    objective : dict
        ``kind`` and its value at the ``current`` and ``optimal`` allocations.
    notes : tuple of str
        Plain-language explanations (binding constraints, marginal ROAS, solver).
    solver : dict
        Starts, iterations, time and messages of the optimizer.
    kpi_label : str
        Name of the KPI.
    frequency_plan : DataFrame, optional
        Reach-and-frequency channels: planned frequency, budget, impressions and reach per
        period (:func:`mmm_bayes.optimize.frequency.frequency_plan`); None without them.
    """

    problem: BudgetProblem
    channels: tuple[str, ...]
    current: np.ndarray
    optimal: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    status: tuple[str, ...]
    draws: xr.Dataset
    curves: xr.Dataset
    objective: dict
    notes: tuple[str, ...]
    solver: dict
    kpi_label: str = "KPI"
    frequency_plan: pd.DataFrame | None = None

    # --- per-draw totals ----------------------------------------------------------------------

    def total_kpi(self, which: str = "optimal") -> xr.DataArray:
        """Total incremental KPI per draw of the ``"current"`` or ``"optimal"`` allocation."""
        if which not in ("current", "optimal"):
            raise ValueError(f"which must be 'current' or 'optimal', got {which!r}")
        return self.draws[f"kpi_{which}"].sum("channel").rename(f"kpi_{which}")

    def uplift(self) -> xr.DataArray:
        """Optimal minus current total incremental KPI, per draw (a paired difference)."""
        return (self.total_kpi("optimal") - self.total_kpi("current")).rename("uplift")

    # --- tables -------------------------------------------------------------------------------

    def summary(self, interval: float = 0.9) -> pd.DataFrame:
        """KPI of the current and optimal allocations and the uplift: mean, sd, interval, P(>0).

        Parameters
        ----------
        interval : float, default 0.9
            Central credible interval (0.9: the 5% and 95% quantiles).
        """
        lo, hi = (1 - interval) / 2, (1 + interval) / 2
        rows = {}
        for name, da in (
            ("current", self.total_kpi("current")),
            ("optimal", self.total_kpi("optimal")),
            ("uplift", self.uplift()),
        ):
            v = da.to_numpy().ravel()
            rows[name] = {
                "spend": {"current": self.current.sum(), "optimal": self.optimal.sum()}.get(
                    name, self.optimal.sum() - self.current.sum()
                ),
                "mean": v.mean(),
                "sd": v.std(ddof=1) if v.size > 1 else 0.0,
                f"q{lo * 100:02.0f}": np.quantile(v, lo),
                "median": np.median(v),
                f"q{hi * 100:02.0f}": np.quantile(v, hi),
                "prob_positive": float((v > 0).mean()),
            }
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("allocation")

    def allocation_table(self) -> pd.DataFrame:
        """Tabulate the allocation per channel.

        Columns: spend (``current``, ``optimal``, ``change``, ``change_pct``), bounds
        (``lower``, ``upper``), ``status``, mean KPI and marginal ROAS at both allocations, and
        the 90% interval of the marginal ROAS at the optimum.
        """
        d = self.draws
        q = d["mroas_optimal"].quantile([0.05, 0.95], dim=_SAMPLE).transpose("channel", ...)
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(self.current > 0, 100 * (self.optimal / self.current - 1), np.nan)
        table = pd.DataFrame(
            {
                "current": self.current,
                "optimal": self.optimal,
                "change": self.optimal - self.current,
                "change_pct": pct,
                "lower": self.lower,
                "upper": self.upper,
                "status": list(self.status),
                "kpi_current": d["kpi_current"].mean(_SAMPLE).to_numpy(),
                "kpi_optimal": d["kpi_optimal"].mean(_SAMPLE).to_numpy(),
                "mroas_current": d["mroas_current"].mean(_SAMPLE).to_numpy(),
                "mroas_optimal": d["mroas_optimal"].mean(_SAMPLE).to_numpy(),
                "mroas_optimal_q05": q.to_numpy()[:, 0],
                "mroas_optimal_q95": q.to_numpy()[:, 1],
            },
            index=pd.Index(list(self.channels), name="channel"),
        )
        return table

    def __str__(self) -> str:
        s = self.summary()
        obj = self.problem.objective.kind
        lines = [
            f"Budget over {self.problem.periods} periods ({obj}): current {self.current.sum():,.0f}"
            f" -> optimal {self.optimal.sum():,.0f}",
            f"{self.kpi_label} (incremental, window + carryover), mean [90% interval]:",
        ]
        for name in s.index:
            r = s.loc[name]
            lines.append(f"  {name:8s} {r['mean']:>14,.0f}  [{r['q05']:,.0f}, {r['q95']:,.0f}]")
        lines.append(f"  P(uplift > 0) = {s.loc['uplift', 'prob_positive']:.2f}")
        t = self.allocation_table()
        lines.append("channel        current        optimal   change  mROAS@opt  status")
        for c, r in t.iterrows():
            pct = "" if np.isnan(r["change_pct"]) else f"{r['change_pct']:+6.0f}%"
            lines.append(
                f"  {c:10s} {r['current']:>12,.0f} {r['optimal']:>14,.0f} {pct:>8s} "
                f"{r['mroas_optimal']:>9.3g}  {r['status']}"
            )
        if self.frequency_plan is not None:
            lines.append("reach & frequency  frequency  reach/period  impressions/period")
            for c, r in self.frequency_plan.iterrows():
                lines.append(
                    f"  {c:16s} {r['frequency']:>8.2f} {r['reach_per_period']:>13,.0f} "
                    f"{r['impressions_per_period']:>19,.0f}"
                )
        lines += [f"- {n}" for n in self.notes]
        return "\n".join(lines)

    # --- JSON ---------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """JSON-ready record (no per-draw arrays): everything but :attr:`draws` and curves."""
        summary = self.summary()
        return {
            "format_version": FORMAT_VERSION,
            "kpi_label": self.kpi_label,
            "problem": self.problem.model_dump(mode="json"),
            "channels": list(self.channels),
            "current": self.current.tolist(),
            "optimal": self.optimal.tolist(),
            "lower": self.lower.tolist(),
            "upper": [u if np.isfinite(u) else None for u in self.upper.tolist()],
            "status": list(self.status),
            "objective": {k: _jsonable(v) for k, v in self.objective.items()},
            "summary": {
                row: {k: _jsonable(v) for k, v in vals.items()}
                for row, vals in summary.to_dict(orient="index").items()
            },
            "notes": list(self.notes),
            "solver": self.solver,
            "frequency_plan": None
            if self.frequency_plan is None
            else self.frequency_plan.reset_index().to_dict(orient="records"),
        }


def _jsonable(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


# --- run folders ------------------------------------------------------------------------------


def _write(result: BudgetResult, folder: Path) -> None:
    (folder / "result.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    result.allocation_table().to_csv(folder / "allocation.csv")
    result.summary().to_csv(folder / "summary.csv")
    if result.frequency_plan is not None:
        result.frequency_plan.to_csv(folder / "frequency_plan.csv")
    xr.merge([result.draws, result.curves]).to_netcdf(folder / "draws.nc", engine="h5netcdf")


def save_optimization(
    result: BudgetResult,
    run_folder: str | Path,
    *,
    name: str = "optimization",
    overwrite: bool = False,
    extra: Callable[[Path], None] | None = None,
) -> Path:
    """Write ``result`` into the subfolder ``name`` of a run folder, atomically.

    Parameters
    ----------
    result : BudgetResult
        What to save.
    run_folder : str or Path
        A complete run folder (``MMM.save``).
    name : str, default "optimization"
        The subfolder; several optimizations can live side by side under different names.
    overwrite : bool, default False
        Replace an existing subfolder of that name.
    extra : callable, optional
        ``extra(tmp_folder)`` writes more files (figures) before the folder is committed.

    Returns
    -------
    Path
        The subfolder written.
    """

    def write(tmp: Path) -> None:
        _write(result, tmp)
        if extra is not None:
            extra(tmp)

    return save_into_run(run_folder, name, write, overwrite=overwrite)


def load_optimization(run_folder: str | Path, name: str = "optimization") -> BudgetResult:
    """Read a result written by :func:`save_optimization`.

    Raises
    ------
    MMMError
        If the subfolder or one of its files is missing, or it was written by a newer format.
    """
    folder = Path(run_folder) / name
    missing = [f for f in _REQUIRED if not (folder / f).is_file()]
    if missing:
        raise MMMError(f"{folder}: no saved optimization (missing {', '.join(missing)}).")
    record = json.loads((folder / "result.json").read_text())
    if record.get("format_version", 0) > FORMAT_VERSION:
        raise MMMError(
            f"{folder}: written by a newer mmm_bayes (format {record['format_version']}); "
            "upgrade mmm_bayes to read it."
        )
    with xr.open_dataset(folder / "draws.nc", engine="h5netcdf") as ds:
        ds = ds.load()
    curve_vars = [v for v in ds.data_vars if str(v).startswith("curve_")]
    return BudgetResult(
        problem=BudgetProblem.model_validate(record["problem"]),
        channels=tuple(record["channels"]),
        current=np.array(record["current"], dtype=float),
        optimal=np.array(record["optimal"], dtype=float),
        lower=np.array(record["lower"], dtype=float),
        upper=np.array([np.inf if u is None else u for u in record["upper"]], dtype=float),
        status=tuple(record["status"]),
        draws=ds.drop_vars([*curve_vars, "point"]),
        curves=ds[curve_vars],
        objective=record["objective"],
        notes=tuple(record["notes"]),
        solver=record["solver"],
        kpi_label=record.get("kpi_label", "KPI"),
        frequency_plan=_frequency_plan(record.get("frequency_plan")),
    )


def _frequency_plan(records: list[dict] | None) -> pd.DataFrame | None:
    if records is None:
        return None
    return pd.DataFrame.from_records(records).set_index("channel")


def saved_optimizations(run_folder: str | Path) -> list[str]:
    """Return the names of the optimizations saved in a run folder, ``"optimization"`` first.

    A saved optimization is a subfolder (not hidden) holding the files
    :func:`save_optimization` writes; an empty list when there is none or no such folder.

    Examples
    --------
    >>> saved_optimizations("runs/x")   # doctest: +SKIP
    ['optimization', 'plan_b']
    """
    folder = Path(run_folder)
    if not folder.is_dir():
        return []
    names = [
        p.name
        for p in folder.iterdir()
        if p.is_dir() and not p.name.startswith(".") and all((p / f).is_file() for f in _REQUIRED)
    ]
    return sorted(names, key=lambda n: (n != "optimization", n))


_CONVERGENCE = "The fit's convergence checks fail"


def convergence_note(diagnosis: Diagnosis, *, run: str | Path | None = None) -> str | None:
    """Return a warning for a plan made on a posterior whose convergence checks fail, or None.

    The checks and their verdict are the fit's own :class:`Diagnosis` (``mmm.diagnose()``,
    ``mmm-bayes diagnose``); warnings alone do not make a note.

    Parameters
    ----------
    diagnosis : Diagnosis
        The convergence checks of the fit the plan was made on.
    run : path, optional
        The run folder, named in the command the note points to.
    """
    if diagnosis.status != "fail":
        return None
    failed = ", ".join(c.name for c in diagnosis.failed if c.status == "fail")
    command = "mmm-bayes diagnose" + (f" {run}" if run is not None else "")
    return (
        f"{_CONVERGENCE} ({failed}): do not rely on this plan, its intervals or P(> 0) until "
        f"they pass; see `{command}`."
    )


def convergence_warning(result: BudgetResult) -> str | None:
    """Return the plan's :func:`convergence_note`, or None if its fit converged."""
    return next((n for n in result.notes if n.startswith(_CONVERGENCE)), None)


def with_note(result: BudgetResult, note: str) -> BudgetResult:
    """Return ``result`` with ``note`` first among its notes (unchanged if already there)."""
    return result if note in result.notes else replace(result, notes=(note, *result.notes))


# --- explaining the optimum -------------------------------------------------------------------


def explain_marginals(
    problem: BudgetProblem,
    cons,
    x: np.ndarray,
    status: list[str],
    mroas: np.ndarray,
    marginal: np.ndarray,
    *,
    rtol: float = 0.02,
) -> list[str]:
    """Say whether marginal returns are equal across unconstrained channels, and why not.

    At an optimum every channel that no constraint holds has the same marginal value of the
    objective (for the expected KPI, the same expected marginal ROAS); a channel at its upper
    bound has a higher one (it would take more budget), at its lower bound a lower one.

    Parameters
    ----------
    problem : BudgetProblem
    cons : Constraints
        The resolved constraints (bounds and their reasons).
    x : ndarray (channel,)
        The optimal allocation.
    status : list of str
        :func:`mmm_bayes.optimize.constraints.binding_status` of ``x``.
    mroas : ndarray (channel,)
        Expected marginal ROAS at ``x``: the derivative of the total KPI (interactions
        included) with respect to each channel's budget.
    marginal : ndarray (channel,)
        Gradient of the objective's KPI part at ``x`` (equal to ``mroas`` for mean objectives).
    rtol : float, default 0.02
        Relative spread below which values count as equal.
    """
    kind, ch = problem.objective.kind, cons.channels
    values = mroas if kind in _MEAN_KINDS else marginal
    what = "expected marginal ROAS" if kind in _MEAN_KINDS else f"marginal {kind} per currency unit"
    free = [i for i, s in enumerate(status) if s == "free"]
    notes: list[str] = []
    ref = float(np.mean(values[free])) if free else None
    if kind == "marginal_roas_floor":
        ref = problem.objective.threshold
    if len(free) >= 2 or (free and kind == "marginal_roas_floor"):
        spread = (values[free].max() - values[free].min()) / max(abs(ref), 1e-12)
        listed = ", ".join(f"{ch[i]} {values[i]:.3g}" for i in free)
        if kind == "marginal_roas_floor" and np.all(np.abs(values[free] - ref) <= rtol * ref):
            notes.append(
                f"Every unconstrained channel's expected marginal ROAS is at the threshold "
                f"{ref:.3g} ({listed}): each spends as long as the next currency unit returns it."
            )
        elif spread <= rtol:
            notes.append(
                f"The {what} is equal across the unconstrained channels ({listed}), as it "
                "should be at the optimum."
            )
        else:
            notes.append(
                f"The {what} is NOT equal across the unconstrained channels ({listed}): the "
                "optimizer stopped short of the optimum or the curves are flat there; check "
                "the solver messages, or raise n_starts."
            )
    elif len(free) == 1:
        notes.append(f"Only {ch[free[0]]} is unconstrained; the other channels sit at bounds.")
    elif any(s != "fixed" for s in status):  # all fixed: the solver's note says so
        notes.append(
            "No channel is unconstrained: every channel sits at a bound or a group limit, so "
            "the marginal ROAS need not be equal across channels."
        )
    if kind in ("lower_quantile", "mean_minus_sd"):
        notes.append(
            "With a risk-adjusted objective the marginal of the objective is equalized, not the "
            "expected marginal ROAS: channels whose effect is more uncertain get less budget "
            "than their expected marginal ROAS alone would give them."
        )
    for i, s in enumerate(status):
        if s == "free":
            continue
        why = cons.upper_why[i] if s == "at upper bound" else cons.lower_why[i]
        why = f" ({why})" if s in ("at upper bound", "at lower bound", "fixed") else ""
        text = f"{ch[i]} is {s}{why}; its {what} is {values[i]:.3g}"
        if ref is not None and abs(values[i] - ref) > rtol * max(abs(ref), 1e-12):
            more = values[i] > ref
            text += (
                f", {'above' if more else 'below'} the unconstrained channels' {ref:.3g}: "
                f"without that constraint it would get {'more' if more else 'less'} budget"
            )
        notes.append(text + ".")
    if (
        cons.total is not None
        and not problem.spend_is_chosen
        and cons.total_mode == "at_most"
        and x.sum() < cons.total * (1 - 1e-4)
    ):
        notes.append(
            f"The budget cap is not used up ({x.sum():,.0f} of {cons.total:,.0f}): spending "
            "more would not raise the objective."
        )
    return notes
