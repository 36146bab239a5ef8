"""Simulation-based calibration: rank statistics and a test of their uniformity.

Talts et al. (2018), "Validating Bayesian inference algorithms with simulation-based
calibration", arXiv:1804.06788. Draw ``theta ~ prior``, simulate ``y ~ p(y | theta)``, fit,
and keep ``L`` (roughly independent, so thinned) posterior draws. If the fit is correct, the rank
of ``theta`` among the ``L`` draws (the number of draws below it) is uniform on ``0 .. L`` for
every scalar parameter (Talts et al., Theorem 1). A pile-up at both ends means intervals that
are too narrow; in the middle, too wide; at one end, a biased posterior.

Here only the pure pieces: thinning, ranks and a chi-square test on binned ranks.
:mod:`mmm_bayes.validation.sbc` runs the fits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "SBCResult",
    "UniformityTest",
    "rank_statistic",
    "sbc_summary",
    "thin",
    "uniformity_test",
]


def thin(draws: np.ndarray, n_keep: int) -> np.ndarray:
    """Keep ``n_keep`` evenly spaced draws along the last axis (to cut autocorrelation).

    Talts et al. (2018, Sec. 5.1) thin correlated MCMC draws to about their effective sample
    size, since autocorrelated draws make the ranks of a correct fit non-uniform.

    Parameters
    ----------
    draws : ndarray, shape (..., n_draws)
        Posterior draws of one parameter (chains concatenated on the last axis).
    n_keep : int
        Draws to keep, at most ``n_draws``.

    Examples
    --------
    >>> thin(np.arange(10.0), 5).tolist()
    [0.0, 2.0, 4.0, 6.0, 8.0]
    """
    n = draws.shape[-1]
    if not 1 <= n_keep <= n:
        raise ValueError(f"n_keep must be in 1..{n} (the number of draws), got {n_keep}")
    index = np.floor(np.arange(n_keep) * n / n_keep).astype(int)
    return draws[..., index]


def rank_statistic(value: float | np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Count the posterior draws below the true value: an integer in ``0 .. n_draws``.

    Parameters
    ----------
    value : float or ndarray, shape (...)
        The value drawn from the prior (one per parameter element).
    draws : ndarray, shape (..., n_draws)
        Posterior draws, thinned; leading axes broadcast against ``value``.

    Examples
    --------
    >>> int(rank_statistic(0.5, np.array([0.1, 0.7, 0.3, 0.9])))
    2
    """
    return (np.asarray(draws) < np.asarray(value)[..., None]).sum(axis=-1)


@dataclass(frozen=True)
class UniformityTest:
    """Chi-square test that binned ranks are uniform.

    Attributes
    ----------
    counts : ndarray, shape (bins,)
        Ranks per bin.
    expected : float
        Count per bin under uniformity.
    statistic, p_value : float
        Pearson's chi-square with ``bins - 1`` degrees of freedom and its p-value.
    """

    counts: np.ndarray
    expected: float
    statistic: float
    p_value: float


def uniformity_test(ranks: np.ndarray, n_ranks: int, *, bins: int = 10) -> UniformityTest:
    """Test whether ranks in ``0 .. n_ranks - 1`` are uniform: chi-square on ``bins`` equal bins.

    Parameters
    ----------
    ranks : ndarray, shape (n_sims,)
        Rank statistics of one parameter, one per simulation.
    n_ranks : int
        Number of possible ranks (``L + 1`` for ``L`` posterior draws); must be a multiple of
        ``bins`` so that every bin holds the same number of ranks.
    bins : int, default 10
        Number of bins; Talts et al. suggest about ``n_sims / 20`` so that each holds ~20.

    Returns
    -------
    UniformityTest
        Counts, the expected count and the chi-square statistic and p-value.

    Examples
    --------
    >>> uniformity_test(np.arange(100) % 100, 100, bins=10).p_value
    1.0
    """
    ranks = np.asarray(ranks)
    if n_ranks % bins:
        raise ValueError(f"n_ranks ({n_ranks}) must be a multiple of bins ({bins})")
    if ranks.size == 0 or ranks.min() < 0 or ranks.max() >= n_ranks:
        raise ValueError(f"ranks must be integers in 0..{n_ranks - 1}")
    counts = np.bincount(ranks * bins // n_ranks, minlength=bins)
    test = stats.chisquare(counts)
    return UniformityTest(counts, ranks.size / bins, float(test.statistic), float(test.pvalue))


@dataclass(frozen=True)
class SBCResult:
    """Ranks of every scalar parameter over the simulations, and their uniformity tests.

    Attributes
    ----------
    ranks : dict of str to ndarray
        Rank per simulation, by scalar parameter name (``alpha[c0]``).
    n_ranks : int
        Possible ranks, ``L + 1``.
    table : DataFrame
        Per parameter: chi-square statistic, p-value, and ``ok`` (p-value above the
        Bonferroni-corrected level).
    alpha : float
        Family-wise level of the test.
    """

    ranks: dict[str, np.ndarray]
    n_ranks: int
    table: pd.DataFrame
    alpha: float

    @property
    def passed(self) -> bool:
        """True when no parameter's ranks reject uniformity at the corrected level."""
        return bool(self.table["ok"].all())

    @property
    def min_p_value(self) -> float:
        """Smallest p-value over the parameters."""
        return float(self.table["p_value"].min())


def sbc_summary(
    ranks: Mapping[str, np.ndarray], n_ranks: int, *, bins: int = 10, alpha: float = 0.01
) -> SBCResult:
    """Test every parameter's ranks for uniformity, Bonferroni-corrected over the parameters.

    Each parameter fails when its p-value is below ``alpha / n_parameters``, so a correct fit
    fails somewhere with probability at most ``alpha`` (for independent, exact ranks).

    Parameters
    ----------
    ranks : mapping of str to ndarray
        Rank per simulation, by scalar parameter.
    n_ranks : int
        Possible ranks, ``L + 1``.
    bins : int, default 10
        Bins of the chi-square test.
    alpha : float, default 0.01
        Family-wise significance level.
    """
    rows = {}
    for name, r in ranks.items():
        test = uniformity_test(np.asarray(r), n_ranks, bins=bins)
        rows[name] = {"chi2": test.statistic, "p_value": test.p_value}
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("parameter")
    table["ok"] = table["p_value"] >= alpha / max(len(rows), 1)
    return SBCResult({k: np.asarray(v) for k, v in ranks.items()}, n_ranks, table, alpha)
