"""Convergence diagnostics as values: each a :class:`Check` with a verdict and what to try.

Six checks, each against a stated threshold:

- ``divergences``: post-warm-up transitions that diverged; any is a fail.
- ``max R-hat``: largest rank-normalized split R-hat; fails above 1.01 (Vehtari et al. 2021).
- ``min bulk ESS``: smallest bulk effective sample size; fails below 400 (Vehtari et al. 2021).
- ``min tail ESS``: smallest ESS of the 5% and 95% quantiles; fails below 400 (same source).
- ``tree-depth saturation``: share of transitions that hit the maximum tree depth; any is a
  warning (sampling was slow, not wrong).
- ``E-BFMI``: lowest energy Bayesian fraction of missing information over the chains; fails
  below 0.3 (Betancourt 2016).

R-hat and ESS are ArviZ's (``arviz_stats.rhat(method="rank")`` is the larger of the bulk and
the folded tail R-hat); E-BFMI is computed here with the formula of Betancourt (2016) and agrees
with ``arviz_stats.bfmi``. Only ArviZ's statistics package is imported (``az.rhat`` is the same
function), not all of ArviZ, whose plotting package loads matplotlib (about half a second). A
fit with its chains in worker processes then never loads it in your process; a fit in one
process still does, through nutpie. A check that needs sampler statistics the fit did
not record (a posterior made by hand, for instance) is reported as ``"skip"``, never as a pass.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import arviz_stats
import numpy as np
import xarray as xr

#: R-hat above this fails (Vehtari et al. 2021, rank-normalized split R-hat).
MAX_RHAT = 1.01
#: Bulk and tail ESS below this fail (Vehtari et al. 2021 ask for 400 over all chains).
MIN_ESS = 400
#: E-BFMI below this fails (Betancourt 2016; ArviZ and Stan use 0.3).
MIN_BFMI = 0.3
#: Share of transitions at the maximum tree depth above which the fit gets a warning.
MAX_TREEDEPTH_SHARE = 0.0

Status = Literal["pass", "warn", "fail", "skip"]
#: Order of badness, for the overall status of several checks.
_RANK = {"skip": 0, "pass": 1, "warn": 2, "fail": 3}
#: Names samplers use for "this transition hit the maximum tree depth".
_TREEDEPTH_STATS = ("maxdepth_reached", "reached_max_treedepth")


@dataclass(frozen=True)
class Check:
    """One diagnostic: its value, the threshold, the status, a verdict and what to do.

    Attributes
    ----------
    name : str
        E.g. ``"max R-hat"``.
    status : {"pass", "warn", "fail", "skip"}
        ``skip`` when the fit did not record what the check needs.
    value, threshold : float
        The measured value and the bound it is judged against.
    worst : str
        Where the value was found, e.g. ``K[search]`` or ``chain 1``; empty when not local.
    advice : str
        What to try when the check does not pass.
    verdict : str
        One plain sentence saying what the value means.
    """

    name: str
    status: Status
    value: float
    threshold: float
    worst: str
    advice: str
    verdict: str = ""

    def to_dict(self) -> dict:
        """Return the check as a plain dict (for JSON)."""
        return asdict(self)


@dataclass(frozen=True)
class Diagnosis:
    """All convergence checks of a fit with one overall verdict.

    Examples
    --------
    >>> diagnosis = diagnose(idata)                        # doctest: +SKIP
    >>> diagnosis.status, diagnosis.verdict                # doctest: +SKIP
    ('pass', 'The sampler converged: all 6 checks pass.')
    """

    checks: tuple[Check, ...]

    @property
    def status(self) -> Status:
        """The worst status among the checks (``skip`` counts as nothing)."""
        worst = max((c.status for c in self.checks), key=_RANK.__getitem__, default="skip")
        return worst

    @property
    def failed(self) -> list[Check]:
        """Checks that did not pass: fails first, then warnings."""
        bad = [c for c in self.checks if c.status in ("fail", "warn")]
        return sorted(bad, key=lambda c: -_RANK[c.status])

    @property
    def verdict(self) -> str:
        """One or two plain sentences: can the posterior be used, and if not, why not."""
        n, fails = len(self.checks), [c.name for c in self.checks if c.status == "fail"]
        warns = [c.name for c in self.checks if c.status == "warn"]
        skips = [c.name for c in self.checks if c.status == "skip"]
        if fails:
            text = (
                f"Do not use this posterior yet: {len(fails)} of {n} checks fail "
                f"({', '.join(fails)}). Follow the advice of each failed check and refit."
            )
        elif warns:
            text = (
                f"The sampler converged, with warnings ({', '.join(warns)}): the results can be "
                "used, but the sampler worked harder than it should."
            )
        else:
            text = f"The sampler converged: all {n - len(skips)} checks pass."
        if skips:
            text += f" Not checked (no sampler statistics): {', '.join(skips)}."
        return text

    def to_dict(self) -> dict:
        """Return the status, verdict and checks as plain data (for JSON)."""
        return {
            "status": self.status,
            "verdict": self.verdict,
            "checks": [c.to_dict() for c in self.checks],
        }

    def __iter__(self):
        return iter(self.checks)

    def __getitem__(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"no check named {name!r}; have {[c.name for c in self.checks]}")


def diagnose(idata: xr.DataTree, var_names: list[str] | None = None) -> Diagnosis:
    """Run every convergence check on a fit.

    Parameters
    ----------
    idata : xarray.DataTree
        Holds ``posterior`` and, from a real sampler, ``sample_stats`` (``diverging``,
        ``energy`` and ``maxdepth_reached`` or ``reached_max_treedepth``).
    var_names : list of str, optional
        Posterior variables for R-hat and ESS; all by default.

    Returns
    -------
    Diagnosis
        The six checks (module docstring) and their overall verdict.
    """
    stats = idata["sample_stats"].to_dataset() if "sample_stats" in idata.children else None
    return Diagnosis(
        (
            _divergence_check(stats),
            *_rhat_ess_checks(idata, var_names),
            _treedepth_check(stats),
            _bfmi_check(stats),
        )
    )


def convergence_checks(idata: xr.DataTree, var_names: list[str] | None = None) -> list[Check]:
    """Return the checks of :func:`diagnose` as a list.

    ``worst`` names the parameter (and element) with the worst value, so a failure says where
    to look, e.g. ``effect[display]``.
    """
    return list(diagnose(idata, var_names).checks)


def ebfmi(energy: np.ndarray) -> np.ndarray:
    """Energy Bayesian fraction of missing information per chain (Betancourt 2016, Eq. 3.3).

    ``E-BFMI = sum_t (E_t - E_{t-1})^2 / sum_t (E_t - mean(E))^2``: how well the momentum
    resampling moves the sampler between energy levels. Values below 0.3 mean the sampler
    explores the tails slowly (heavy tails, funnels).

    Parameters
    ----------
    energy : ndarray, shape (chain, draw)
        Hamiltonian energy of every post-warm-up transition.

    Returns
    -------
    ndarray, shape (chain,)
    """
    energy = np.atleast_2d(np.asarray(energy, dtype=float))
    num = np.sum(np.diff(energy, axis=1) ** 2, axis=1)
    den = np.sum((energy - energy.mean(axis=1, keepdims=True)) ** 2, axis=1)
    return num / den


def _divergence_check(stats: xr.Dataset | None) -> Check:
    advice = (
        "raise target_accept (0.95, then 0.99; geo and time-varying models start at 0.95) and "
        "refit; if divergences remain, tighten the "
        "priors of weakly identified channels (effect, K) or reparameterize the model"
    )
    if stats is None or "diverging" not in stats:
        return _skip("divergences", 0.0, advice)
    n, total = int(stats["diverging"].sum()), int(stats["diverging"].size)
    verdict = (
        "No divergent transitions: the sampler explored the posterior without numerical trouble."
        if n == 0
        else f"{n} of {total} transitions ({n / total:.1%}) diverged: some regions of the "
        "posterior were not explored, so intervals may be biased."
    )
    return Check("divergences", "pass" if n == 0 else "fail", float(n), 0.0, "", advice, verdict)


def _rhat_ess_checks(idata: xr.DataTree, var_names: list[str] | None) -> list[Check]:
    names = var_names or list(idata["posterior"].to_dataset().data_vars)
    worst_rhat, max_rhat = _extreme(arviz_stats.rhat(idata, var_names=names), np.nanargmax)
    ok = max_rhat <= MAX_RHAT
    if ok:
        verdict = f"Chains agree (largest R-hat {max_rhat:.3f})."
    elif np.isnan(max_rhat):
        chains = idata["posterior"].sizes.get("chain", 1)
        verdict = (
            f"R-hat could not be computed ({chains} chain(s)): convergence cannot be judged "
            "without at least 2 chains; run 4 if you can."
        )
    else:
        verdict = (
            f"Chains disagree about {worst_rhat} (R-hat {max_rhat:.3f} > {MAX_RHAT}): the "
            "chains have not converged to one distribution."
        )
    rhat = Check(
        "max R-hat",
        "pass" if ok else "fail",
        max_rhat,
        MAX_RHAT,
        worst_rhat,
        "chains disagree: run longer (raise tune, then draws) or more chains, look at the trace "
        "of the parameter named in 'worst', and give it a stronger prior if it wanders",
        verdict,
    )
    checks = [rhat]
    for method in ("bulk", "tail"):
        where, low = _extreme(arviz_stats.ess(idata, var_names=names, method=method), np.nanargmin)
        ok = low >= MIN_ESS
        what = "means and medians" if method == "bulk" else "the 5% and 95% quantiles"
        checks.append(
            Check(
                f"min {method} ESS",
                "pass" if ok else "fail",
                low,
                float(MIN_ESS),
                where,
                "too few effective draws: raise draws (and tune), or tighten the prior of the "
                "parameter named in 'worst'; many chains that each mix slowly suggest a "
                "reparameterization",
                f"Enough effective draws for {what} (smallest {low:.0f})."
                if ok
                else f"Only {low:.0f} effective draws for {what} of {where}: those estimates "
                "are noisy.",
            )
        )
    return checks


def _treedepth_check(stats: xr.Dataset | None) -> Check:
    advice = (
        "trajectories are cut short at the maximum tree depth: the posterior has long, narrow "
        "(strongly correlated) directions. Tighten weak priors or reparameterize; more tune "
        "helps the mass-matrix adaptation learn the correlations"
    )
    name = next((n for n in _TREEDEPTH_STATS if stats is not None and n in stats), None)
    if name is None:
        return _skip("tree-depth saturation", MAX_TREEDEPTH_SHARE, advice)
    hits = stats[name].astype(bool)
    share = float(hits.mean())
    ok = share <= MAX_TREEDEPTH_SHARE
    verdict = (
        "No transition hit the maximum tree depth."
        if ok
        else f"{share:.1%} of transitions hit the maximum tree depth: sampling was slow "
        "there (an efficiency problem, not a bias, as long as R-hat and ESS pass)."
    )
    return Check(
        "tree-depth saturation",
        "pass" if ok else "warn",
        share,
        MAX_TREEDEPTH_SHARE,
        "",
        advice,
        verdict,
    )


def _bfmi_check(stats: xr.Dataset | None) -> Check:
    advice = (
        "the sampler moves slowly between energy levels (heavy tails or a funnel): "
        "reparameterize (non-centred hierarchies), tighten heavy-tailed priors, or raise tune"
    )
    if stats is None or "energy" not in stats:
        return _skip("E-BFMI", MIN_BFMI, advice)
    values = ebfmi(stats["energy"].transpose("chain", "draw").to_numpy())
    i = int(np.argmin(values))
    low, chain = float(values[i]), str(stats["chain"].values[i])
    ok = low >= MIN_BFMI
    verdict = (
        f"Energy exploration is adequate in every chain (lowest E-BFMI {low:.2f})."
        if ok
        else f"Chain {chain} has E-BFMI {low:.2f} < {MIN_BFMI}: it explores the tails "
        "poorly, so tail quantities may be off."
    )
    return Check(
        "E-BFMI", "pass" if ok else "fail", low, MIN_BFMI, f"chain {chain}", advice, verdict
    )


def _skip(name: str, threshold: float, advice: str) -> Check:
    return Check(
        name,
        "skip",
        float("nan"),
        threshold,
        "",
        advice,
        "Not checked: the fit has no sampler statistics for it.",
    )


def _extreme(ds: xr.Dataset, pick) -> tuple[str, float]:
    """Return the label (``name[coord,...]``) and value that ``pick`` (argmin/argmax) selects."""
    labels, values = [], []
    for name, da in ds.data_vars.items():
        flat = da.stack(_element=da.dims) if da.ndim else da.expand_dims("_element")
        for element, value in zip(flat["_element"].values, flat.values, strict=True):
            parts = element if isinstance(element, tuple) else (element,)
            labels.append(f"{name}[{','.join(map(str, parts))}]" if da.ndim else name)
            values.append(float(value))
    values = np.asarray(values)
    if not np.isfinite(values).any():
        return "", float("nan")
    i = int(pick(values))
    return labels[i], float(values[i])
