"""Budget optimization figures: allocation, response curves with both points, uplift draws.

Each plot takes a :class:`mmm_bayes.optimize.BudgetResult` (never a model);
:func:`write_optimization_figures` saves the three as PNG files, and
:func:`optimization_section` lays a result out as a section of the HTML review report
(:func:`optimization_sections` for several, :func:`saved_optimization_section` and
:func:`saved_optimization_sections` for those saved in a run folder).
"""

from __future__ import annotations

import base64
import io
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ._common import new_axes, new_figure, save_png_atomic

if TYPE_CHECKING:
    from mmm_bayes.optimize import BudgetResult

__all__ = [
    "FIGURE_FILES",
    "optimization_section",
    "optimization_sections",
    "plot_allocation",
    "plot_budget_response",
    "plot_uplift",
    "saved_optimization_section",
    "saved_optimization_sections",
    "write_optimization_figures",
]

#: The files :func:`write_optimization_figures` writes, by figure.
FIGURE_FILES = {
    "allocation": "allocation.png",
    "response": "budget_response.png",
    "uplift": "uplift.png",
}
_CURRENT, _OPTIMAL = "0.55", "C2"


def plot_allocation(
    result: BudgetResult, *, ax: Axes | None = None, currency_label: str = "currency"
) -> Axes:
    """Plot current and optimal spend per channel as paired horizontal bars, bounds marked.

    Parameters
    ----------
    result : BudgetResult
        An optimized budget.
    ax : Axes, optional
        Axes to draw on; a new figure is opened when omitted.
    currency_label : str
        Name of the currency, used in the axis label.

    Returns
    -------
    Axes
        One pair of bars per channel, first channel on top; each optimal bar is labelled with
        its change from current, and finite bounds are drawn as ``|`` markers.
    """
    channels = list(result.channels)
    y = np.arange(len(channels))
    ax = ax if ax is not None else new_axes((7.5, 1.4 + 0.6 * len(channels)))
    h = 0.38
    ax.barh(y - h / 2, result.current, height=h, color=_CURRENT, label="current")
    ax.barh(y + h / 2, result.optimal, height=h, color=_OPTIMAL, label="optimal")
    for i, (cur, opt) in enumerate(zip(result.current, result.optimal, strict=True)):
        change = f"{100 * (opt / cur - 1):+.0f}%" if cur > 0 else "new"
        ax.annotate(
            f"{opt:,.0f} ({change})", (opt, i + h / 2), xytext=(14, 0),
            textcoords="offset points", va="center", fontsize="small",
        )  # fmt: skip
    for bound, label in ((result.lower, "lower bound"), (result.upper, "upper bound")):
        show = np.isfinite(bound) & (bound > 0)
        if show.any():
            marker = "|" if label == "upper bound" else "1"
            ax.plot(bound[show], y[show] + h / 2, marker, color="k", ms=14, mew=2, label=label)
    ax.set_yticks(y, channels)
    ax.set_ylim(len(channels) - 0.4, -0.6)
    ax.set_xlim(0, 1.3 * max(result.optimal.max(), result.current.max(), 1e-9))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel(f"spend over {result.problem.periods} periods ({currency_label})")
    ax.set_title(
        f"Budget: current {result.current.sum():,.0f} vs optimal {result.optimal.sum():,.0f}"
    )
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return ax


def plot_budget_response(
    result: BudgetResult,
    *,
    fig: Figure | None = None,
    ncols: int = 3,
    currency_label: str = "currency",
) -> Figure:
    """Plot each channel's incremental KPI against its window budget, both allocations marked.

    The curve is the posterior mean with its 90% band (the result's ``curves``), for the
    planning window's spend pattern with the carryover tail counted; the current and optimal
    budgets are marked at their posterior-mean KPI.

    Parameters
    ----------
    result : BudgetResult
        An optimized budget.
    fig : Figure, optional
        An empty figure to draw into; a new one is opened when omitted.
    ncols : int, default 3
        Most panels per row.
    currency_label : str
        Name of the currency, used in the axis labels.

    Returns
    -------
    Figure
        One axes per channel, in ``result.channels`` order.
    """
    c = result.curves
    channels = list(result.channels)
    ncols = max(1, min(ncols, len(channels)))
    nrows = math.ceil(len(channels) / ncols)
    fig = fig if fig is not None else new_figure((4.0 * ncols, 3.2 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for extra in axes[len(channels) :]:
        fig.delaxes(extra)
    kpi_cur = result.draws["kpi_current"].mean(("chain", "draw")).to_numpy()
    kpi_opt = result.draws["kpi_optimal"].mean(("chain", "draw")).to_numpy()
    for i, (ax, name) in enumerate(zip(axes, channels, strict=False)):
        sel = {"channel": name}
        x = c["curve_spend"].sel(sel).to_numpy()
        ax.fill_between(
            x,
            c["curve_lower"].sel(sel).to_numpy(),
            c["curve_upper"].sel(sel).to_numpy(),
            color="C0",
            alpha=0.25,
            linewidth=0,
            label="90% interval",
        )
        ax.plot(x, c["curve_mean"].sel(sel).to_numpy(), color="C0", label="posterior mean")
        ax.plot([result.current[i]], [kpi_cur[i]], "o", color=_CURRENT, ms=8, label="current",
                zorder=3)  # fmt: skip
        ax.plot([result.optimal[i]], [kpi_opt[i]], "*", color=_OPTIMAL, ms=13, label="optimal",
                zorder=4)  # fmt: skip
        ax.set_title(f"{name} ({result.status[i]})", fontsize="medium")
        ax.set_xlabel(f"spend over the window ({currency_label})")
        ax.set_ylabel(f"incremental {result.kpi_label}")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="best", fontsize="small")
    return fig


def plot_uplift(result: BudgetResult, *, ax: Axes | None = None, bins: int = 40) -> Axes:
    """Plot the posterior distribution of the uplift (optimal minus current KPI, per draw).

    Parameters
    ----------
    result : BudgetResult
        An optimized budget.
    ax : Axes, optional
        Axes to draw on; a new figure is opened when omitted.
    bins : int, default 40
        Histogram bins.

    Returns
    -------
    Axes
        A histogram with the mean, the 90% interval and zero marked; the title gives
        ``P(uplift > 0)``.
    """
    v = result.uplift().to_numpy().ravel()
    ax = ax if ax is not None else new_axes((7.0, 4.0))
    lo, hi = np.quantile(v, [0.05, 0.95])
    ax.hist(v, bins=bins, color=_OPTIMAL, alpha=0.6, label="posterior draws")
    ax.axvspan(lo, hi, color=_OPTIMAL, alpha=0.12, label="90% interval")
    ax.axvline(v.mean(), color=_OPTIMAL, linewidth=2, label=f"mean {v.mean():,.0f}")
    ax.axvline(0.0, color="k", linestyle="--", linewidth=1, label="no uplift")
    ax.set_xlabel(f"uplift in incremental {result.kpi_label} (optimal - current)")
    ax.set_ylabel("draws")
    ax.set_title(f"Uplift of the optimal allocation: P(uplift > 0) = {(v > 0).mean():.2f}")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax


def write_optimization_figures(
    result: BudgetResult,
    folder: str | os.PathLike[str],
    *,
    currency_label: str = "currency",
    dpi: float = 120,
) -> list[Path]:
    """Write the allocation, response-curve and uplift figures as PNG files into ``folder``.

    Files are named by :data:`FIGURE_FILES`, each written under a temporary name and renamed,
    from figures kept off pyplot (none accumulate).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n = len(result.channels)
    cols = min(3, n)
    specs = [
        ("allocation", (7.5, 1.4 + 0.6 * n),
         lambda f: plot_allocation(result, ax=f.subplots(), currency_label=currency_label)),
        ("response", (4.0 * cols, 3.2 * math.ceil(n / cols)),
         lambda f: plot_budget_response(result, fig=f, currency_label=currency_label)),
        ("uplift", (7.0, 4.0), lambda f: plot_uplift(result, ax=f.subplots())),
    ]  # fmt: skip
    written = []
    for key, size, draw in specs:
        fig = Figure(figsize=size, layout="constrained")
        try:
            draw(fig)
            written.append(save_png_atomic(fig, folder / FIGURE_FILES[key], dpi=dpi))
        finally:
            fig.clear()
    return written


def optimization_section(
    result: BudgetResult, *, name: str = "optimization", dpi: float = 100
) -> dict[str, Any]:
    """Lay out a budget optimization as one section of the HTML review report.

    The section follows ``mmm_bayes.report.html``'s block format: a dict with ``id``,
    ``title`` and ``blocks`` (``text``, ``table`` and ``figure`` blocks, figures embedded as
    base64 PNG data URIs), so the report can append it as it is.

    Parameters
    ----------
    result : BudgetResult
        An optimized budget (e.g. ``load_optimization(run_folder)``).
    name : str, default "optimization"
        The optimization's name (its subfolder in a run folder). Any other name is added to
        the title and the id, so several optimizations can share a report.
    dpi : float, default 100
        Resolution of the embedded figures.

    Returns
    -------
    dict
        ``{"id": "optimization", "title": "Budget optimization", "blocks": [...]}``; for
        ``name="plan b"``, id ``"optimization-plan-b"`` and title
        ``"Budget optimization: plan b"``.
    """
    p, s, t = result.problem, result.summary(), result.allocation_table()
    kpi, n = result.kpi_label, len(result.channels)
    money = lambda v: "unbounded" if not np.isfinite(v) else f"{v:,.0f}"  # noqa: E731
    rows = [
        [name, money(r["spend"]), f"{r['mean']:,.0f}", f"[{r['q05']:,.0f}, {r['q95']:,.0f}]",
         f"{r['prob_positive']:.2f}"]
        for name, r in s.iterrows()
    ]  # fmt: skip
    alloc = [
        [ch, money(r["current"]), money(r["optimal"]),
         "new" if np.isnan(r["change_pct"]) else f"{r['change_pct']:+.0f}%",
         f"{money(r['lower'])} - {money(r['upper'])}", r["status"],
         f"{r['mroas_optimal']:.3g} [{r['mroas_optimal_q05']:.3g}, {r['mroas_optimal_q95']:.3g}]"]
        for ch, r in t.iterrows()
    ]  # fmt: skip
    cols = min(3, n)
    blocks = [
        _block_text(
            f"Objective `{p.objective.kind}` over a {p.periods}-period window, budget "
            f"{result.optimal.sum():,.0f} (current allocation {result.current.sum():,.0f}). KPI "
            f"is the incremental {kpi} of the window's media spend, including its carryover "
            "after the window; intervals are 90% posterior intervals."
        ),
        _block_table(
            f"Incremental {kpi}: current vs optimal allocation",
            ["allocation", "spend", "mean", "90% interval", "P(> 0)"], rows,
        ),
        _block_table(
            "Allocation per channel (marginal ROAS at the optimum, KPI per extra currency unit)",
            ["channel", "current", "optimal", "change", "bounds", "status", "mROAS [90%]"], alloc,
        ),
        *[_block_text(note) for note in result.notes],
        _block_figure(lambda f: plot_allocation(result, ax=f.subplots()),
                      (7.5, 1.4 + 0.6 * n), "current and optimal spend per channel", dpi),
        _block_figure(lambda f: plot_budget_response(result, fig=f),
                      (4.0 * cols, 3.2 * math.ceil(n / cols)),
                      "response curves with the current and optimal budgets marked", dpi),
        _block_figure(lambda f: plot_uplift(result, ax=f.subplots()), (7.0, 4.0),
                      "posterior distribution of the uplift", dpi),
    ]  # fmt: skip
    if name == "optimization":
        return {"id": "optimization", "title": "Budget optimization", "blocks": blocks}
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
    return {"id": f"optimization-{slug}", "title": f"Budget optimization: {name}",
            "blocks": blocks}  # fmt: skip


def saved_optimization_section(
    run_folder: str | os.PathLike[str], name: str = "optimization"
) -> dict[str, Any] | None:
    """Return :func:`optimization_section` of a run folder's saved optimization, or None.

    ``None`` when the run folder has no ``name`` subfolder written by ``save_optimization``.
    """
    from mmm_bayes.optimize import load_optimization, saved_optimizations

    if name not in saved_optimizations(run_folder):
        return None
    return optimization_section(load_optimization(run_folder, name), name=name)


def optimization_sections(results: Mapping[str, BudgetResult]) -> list[dict[str, Any]]:
    """Return one :func:`optimization_section` per named result, in order, ids unique.

    The review report's hook (``MMM.report(optimizations=...)``); see
    :func:`saved_optimization_sections` for a run folder's.
    """
    sections, ids = [], set()
    for name, result in results.items():
        section = optimization_section(result, name=name)
        if section["id"] in ids:  # names that differ only in characters an id cannot hold
            section["id"] += f"-{len(sections) + 1}"
        ids.add(section["id"])
        sections.append(section)
    return sections


def saved_optimization_sections(run_folder: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Return a report section for every optimization saved in a run folder.

    What ``MMM.report`` shows by default: :func:`optimization_sections` of every
    ``saved_optimizations(run_folder)`` name (``optimization`` first, then A-Z); an empty
    list when the run has none.
    """
    from mmm_bayes.optimize import load_optimization, saved_optimizations

    names = saved_optimizations(run_folder)
    return optimization_sections({n: load_optimization(run_folder, n) for n in names})


def _block_text(text: str) -> dict:
    return {"kind": "text", "text": text}


def _block_table(caption: str, columns: list[str], rows: list[list]) -> dict:
    return {"kind": "table", "caption": caption, "columns": columns,
            "rows": [[str(c) for c in r] for r in rows], "flags": [False] * len(rows)}  # fmt: skip


def _block_figure(draw, size, alt: str, dpi: float) -> dict:
    fig = Figure(figsize=size, layout="constrained")
    try:
        draw(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
    finally:
        fig.clear()
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"kind": "figure", "uri": uri, "alt": alt, "caption": ""}
