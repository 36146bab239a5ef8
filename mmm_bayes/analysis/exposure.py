"""The cost per exposure of channels measured by exposure, estimated from the data.

A channel modelled by impressions (or clicks) has its ROAS and response curves in spend: scaling
the channel's spend by ``m`` scales its exposure by ``m`` in every period, i.e. each period's
exposure is bought at that period's observed cost per exposure (``spend_t / exposure_t``). This
table reports that cost, so a user sees the conversion the results rest on and how stable it was.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm_bayes.model.inputs import ModelInputs
from mmm_bayes.spec import ModelSpec

__all__ = ["exposure_costs"]


def exposure_costs(inputs: ModelInputs, spec: ModelSpec) -> pd.DataFrame:
    """Cost per 1,000 exposure units of each channel with a ``spend_column``.

    A reach-and-frequency channel's exposure is its impressions, reach x frequency.

    Parameters
    ----------
    inputs : ModelInputs
        Spend and media (exposure) of the window.
    spec : ModelSpec
        Says which channels are measured by exposure.

    Returns
    -------
    DataFrame
        Indexed by channel: ``spend`` and ``exposure`` (window totals), ``cost_per_1000``
        (total spend / total exposure x 1000: the average price), and ``period_cv``, the
        coefficient of variation of the per-period cost over periods with exposure (0 = a
        constant price; large values mean the price moved and a budget change at another
        time could buy a different amount of exposure). Empty without exposure channels.
    """
    rows = {}
    for i, ch in enumerate(spec.channels):
        if ch.spend_column is None:
            continue
        spend, exposure = inputs.spend[:, i], inputs.media[:, i]
        if ch.is_rf:  # reach and frequency: the exposure bought is impressions
            exposure = exposure * inputs.frequency[:, i]
        active = exposure > 0
        per_period = spend[active] / exposure[active] * 1000.0
        cv = float(per_period.std() / per_period.mean()) if per_period.size > 1 else np.nan
        total = exposure.sum()
        rows[ch.name] = {
            "spend": spend.sum(),
            "exposure": total,
            "cost_per_1000": spend.sum() / total * 1000.0 if total > 0 else np.nan,
            "period_cv": cv,
        }
    columns = ["spend", "exposure", "cost_per_1000", "period_cv"]
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns).rename_axis("channel")
