"""Reach-and-frequency channels in a budget plan: the frequency to buy, and what it reaches.

At a planned frequency ``f`` an R&F channel's KPI is linear in its budget (reach grows with
spend at the window's average cost per impression; :mod:`mmm_bayes.analysis.reach_frequency`),
so the plan fixes ``f`` first: the problem's ``frequency`` for the channel, else the frequency
with the highest posterior mean ROAS within the frequencies the data saw. The budget the
optimizer then gives the channel buys ``budget / cpi`` impressions, ``budget / (cpi f)`` reach.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from mmm_bayes.analysis.reach_frequency import frequency_range, optimal_frequency
from mmm_bayes.errors import ConfigError
from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec
from mmm_bayes.spec.budget import BudgetProblem

__all__ = ["frequency_notes", "frequency_plan", "planned_frequency"]


def planned_frequency(
    posterior: xr.Dataset | xr.DataTree,
    inputs: ModelInputs,
    spec: ModelSpec,
    problem: BudgetProblem,
) -> dict[str, tuple[float, str]]:
    """Return the frequency each R&F channel is planned at, and where it came from.

    Returns
    -------
    dict of str to (float, str)
        Per R&F channel: the frequency and ``"fixed"`` (the problem's ``frequency``) or
        ``"optimal"`` (:func:`~mmm_bayes.analysis.reach_frequency.optimal_frequency`). Empty
        without R&F channels.

    Raises
    ------
    ConfigError
        If the problem's ``frequency`` names a channel that is not measured by reach and
        frequency.
    """
    rf = list(inputs.rf_channels)
    other = sorted(set(problem.frequency) - set(rf))
    if other:
        raise ConfigError(
            f"frequency.{other[0]}: {other} not measured by reach and frequency, so there is "
            f"no frequency to plan; the R&F channels are {rf}"
        )
    out = {c: (float(f), "fixed") for c, f in problem.frequency.items()}
    missing = [c for c in rf if c not in out]
    if missing:
        table = optimal_frequency(posterior, inputs, spec)
        out |= {c: (float(table.loc[c, "optimal_frequency"]), "optimal") for c in missing}
    return out


def frequency_plan(
    inputs: ModelInputs,
    planned: dict[str, tuple[float, str]],
    budget: np.ndarray,
    periods: int,
) -> pd.DataFrame:
    """Tabulate what each R&F channel's budget buys per period at its planned frequency.

    Parameters
    ----------
    inputs : ModelInputs
        The fitted data: reach, frequency and spend give the cost per impression.
    planned : dict
        :func:`planned_frequency`'s output.
    budget : ndarray, shape (channel,)
        Window budget per channel (the optimal allocation), currency units.
    periods : int
        Periods in the planning window.

    Returns
    -------
    DataFrame
        Indexed by R&F channel: ``frequency``, ``source`` (fixed or optimal), ``mean_frequency``,
        ``min_frequency`` and ``max_frequency`` seen, ``cost_per_1000`` impressions (the
        window's average),
        ``budget_per_period``, ``impressions_per_period``, ``reach_per_period`` and the
        largest reach of a period in the data, ``max_reach_seen``.
    """
    rows = {}
    for name, (freq, source) in planned.items():
        i = list(inputs.channels).index(name)
        reach, spend = inputs.media[:, i], inputs.spend[:, i]
        cpi = spend.sum() / (reach * inputs.frequency[:, i]).sum()
        per_period = budget[i] / periods
        lowest, highest = frequency_range(inputs, name)
        rows[name] = {
            "frequency": freq,
            "source": source,
            "mean_frequency": float(inputs.frequency_scale[i]),
            "min_frequency": lowest,
            "max_frequency": highest,
            "cost_per_1000": 1000.0 * cpi,
            "budget_per_period": per_period,
            "impressions_per_period": per_period / cpi,
            "reach_per_period": per_period / cpi / freq,
            "max_reach_seen": float(reach.max()),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("channel")


def frequency_notes(plan: pd.DataFrame) -> list[str]:
    """Plain-language notes on a :func:`frequency_plan`: the frequency, and reach beyond data."""
    notes = []
    for name, r in plan.iterrows():
        where = "optimal within the data" if r["source"] == "optimal" else "fixed by the problem"
        notes.append(
            f"{name} (reach and frequency) is planned at frequency {r['frequency']:.2f} ({where}; "
            f"the data's mean is {r['mean_frequency']:.2f}): {r['reach_per_period']:,.0f} "
            "people reached per period. At a fixed frequency its KPI is linear in its budget "
            "(a constant marginal ROAS), so its bounds decide how far the plan moves it."
        )
        if not r["min_frequency"] <= r["frequency"] <= r["max_frequency"]:
            notes.append(
                f"{name}: frequency {r['frequency']:.2f} lies outside the frequencies of the data "
                f"({r['min_frequency']:.2f}-{r['max_frequency']:.2f}); its return there is an "
                "extrapolation of the fitted frequency curve."
            )
        if r["reach_per_period"] > r["max_reach_seen"] * (1 + 1e-9):
            notes.append(
                f"{name}: the plan reaches {r['reach_per_period']:,.0f} people per period, more "
                f"than any period of the data ({r['max_reach_seen']:,.0f}); the model assumes "
                "reach keeps growing with spend, but audiences are finite: bound the channel "
                "(bounds or max_change) if that reach is not available."
            )
    return notes
