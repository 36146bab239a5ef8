"""Convergence checks: each metric against ArviZ's own computation, broken fits flagged."""

import subprocess
import sys

import arviz as az
import arviz_stats
import numpy as np
import pytest
import xarray as xr

from mmm_bayes.inference.diagnostics import (
    MAX_RHAT,
    MIN_BFMI,
    MIN_ESS,
    Diagnosis,
    convergence_checks,
    diagnose,
    ebfmi,
)


def _tree(posterior: dict, stats: dict | None = None) -> xr.DataTree:
    """A DataTree from {name: array (chain, draw, ...)} and sampler statistics."""

    def ds(d):
        out = {}
        for k, v in d.items():
            v = np.asarray(v)
            out[k] = (("chain", "draw", *[f"{k}_dim{i}" for i in range(v.ndim - 2)]), v)
        ds = xr.Dataset(out)
        return ds.assign_coords(
            chain=np.arange(ds.sizes["chain"]), draw=np.arange(ds.sizes["draw"])
        )

    groups = {"posterior": ds(posterior)}
    if stats is not None:
        groups["sample_stats"] = ds(stats)
    return xr.DataTree.from_dict(groups)


@pytest.fixture(scope="module")
def good():
    # independent draws: R-hat ~ 1, ESS ~ the number of draws (2000), E-BFMI ~ 2
    rng = np.random.default_rng(5)
    post = {"a": rng.normal(size=(4, 500)), "b": rng.normal(size=(4, 500, 3))}
    stats = {
        "diverging": np.zeros((4, 500), bool),
        "energy": rng.normal(size=(4, 500)),
        "maxdepth_reached": np.zeros((4, 500), bool),
    }
    return _tree(post, stats)


def _by_name(diagnosis):
    return {c.name: c for c in diagnosis}


def test_good_draws_pass_every_check(good):
    d = diagnose(good)
    assert d.status == "pass", d.verdict
    assert [c.name for c in d] == [
        "divergences",
        "max R-hat",
        "min bulk ESS",
        "min tail ESS",
        "tree-depth saturation",
        "E-BFMI",
    ]
    assert d.verdict == "The sampler converged: all 6 checks pass."
    assert convergence_checks(good) == list(d.checks)


def test_rhat_and_ess_are_arviz_extremes(good):
    checks = _by_name(diagnose(good))
    rhat = az.rhat(good)
    bulk, tail = az.ess(good, method="bulk"), az.ess(good, method="tail")
    max_rhat = max(float(rhat[v].max()) for v in rhat.data_vars)
    assert checks["max R-hat"].value == pytest.approx(max_rhat, rel=1e-12)
    assert checks["min bulk ESS"].value == pytest.approx(
        min(float(bulk[v].min()) for v in bulk.data_vars), rel=1e-12
    )
    assert checks["min tail ESS"].value == pytest.approx(
        min(float(tail[v].min()) for v in tail.data_vars), rel=1e-12
    )
    # 'worst' names the element holding the extreme
    name, _, rest = checks["min bulk ESS"].worst.partition("[")
    da = bulk[name]
    value = float(da.sel({da.dims[0]: int(rest.rstrip("]"))})) if rest else float(da)
    assert value == pytest.approx(checks["min bulk ESS"].value)


def test_rhat_matches_arviz_diagnose_rank_and_folded():
    # az.diagnose judges max(rank R-hat, folded R-hat); az.rhat(method="rank") already is the
    # larger of the bulk and the tail R-hat, so the two agree
    tree = az.load_arviz_data("centered_eight")
    _, info = az.diagnose(tree, return_diagnostics=True, show_diagnostics=False)
    ours = _by_name(diagnose(tree))["max R-hat"].value
    bad = info["rhat"]["rhat_values"]  # the parameters above 1.01, so the largest is among them
    theirs = max(float(bad[v].max()) for v in bad.data_vars)
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_ebfmi_is_betancourt_formula_and_matches_arviz(good):
    rng = np.random.default_rng(2)
    energy = np.cumsum(rng.normal(size=(3, 400)), axis=1)  # a random walk: low E-BFMI
    by_hand = [np.sum(np.diff(e) ** 2) / np.sum((e - e.mean()) ** 2) for e in energy]
    np.testing.assert_allclose(ebfmi(energy), by_hand, rtol=1e-12)
    tree = _tree({"a": rng.normal(size=(3, 400))}, {"energy": energy})
    np.testing.assert_allclose(ebfmi(energy), az.bfmi(tree)["energy"].values, rtol=1e-12)
    check = _by_name(diagnose(tree))["E-BFMI"]
    assert check.status == "fail" and check.value < MIN_BFMI
    assert check.worst == f"chain {int(np.argmin(by_hand))}"


@pytest.mark.parametrize("stat_name", ["maxdepth_reached", "reached_max_treedepth"])
def test_divergences_and_treedepth_counted_like_arviz(stat_name):
    rng = np.random.default_rng(3)
    diverging = rng.random((2, 300)) < 0.01
    depth = rng.random((2, 300)) < 0.05
    tree = _tree(
        {"a": rng.normal(size=(2, 300))},
        {"diverging": diverging, stat_name: depth, "energy": rng.normal(size=(2, 300))},
    )
    checks = _by_name(diagnose(tree))
    assert checks["divergences"].value == diverging.sum() > 0
    assert checks["divergences"].status == "fail"
    assert checks["tree-depth saturation"].value == pytest.approx(depth.mean())
    assert checks["tree-depth saturation"].status == "warn"  # slow, not wrong
    if stat_name == "reached_max_treedepth":  # the name ArviZ looks for
        _, info = az.diagnose(tree, return_diagnostics=True, show_diagnostics=False)
        assert checks["divergences"].value == info["divergent"]["n_divergent"]
        assert checks["tree-depth saturation"].value == pytest.approx(
            info["treedepth"]["n_max"] / info["treedepth"]["total_samples"]
        )


def _ar1(rng, chains, draws, phi=0.97):
    x = np.zeros((chains, draws))
    for t in range(1, draws):
        x[:, t] = phi * x[:, t - 1] + rng.normal(size=chains)
    return x


def test_slowly_mixing_chains_fail():
    # two chains of 50 draws of a slowly mixing AR(1): R-hat and ESS both fail
    d = diagnose(_tree({"a": _ar1(np.random.default_rng(4), 2, 50)}))
    checks = _by_name(d)
    assert checks["max R-hat"].status == "fail" and checks["max R-hat"].value > MAX_RHAT
    assert checks["min bulk ESS"].status == "fail" and checks["min bulk ESS"].value < MIN_ESS
    assert d.status == "fail"
    assert d.verdict.startswith("Do not use this posterior yet")
    assert "max R-hat" in d.verdict and "min bulk ESS" in d.verdict


def test_one_chain_fails_and_says_why():
    # ArviZ gives no R-hat for a single chain: convergence cannot be judged, which fails
    d = diagnose(_tree({"a": _ar1(np.random.default_rng(4), 1, 50)}))
    rhat = d["max R-hat"]
    assert rhat.status == "fail" and np.isnan(rhat.value)
    assert "at least 2 chains" in rhat.verdict
    assert d["min bulk ESS"].status == "fail"


def test_real_fits_from_arviz_centered_fails_noncentered_passes():
    # ArviZ's bundled eight-schools fits (PyMC NUTS): the centered one has divergences and a
    # funnel, the non-centered reparameterization samples cleanly
    bad = _by_name(diagnose(az.load_arviz_data("centered_eight")))
    assert bad["divergences"].status == "fail"
    assert bad["E-BFMI"].status == "fail"
    assert bad["min bulk ESS"].status == "fail"
    assert bad["min bulk ESS"].worst == "tau"
    assert diagnose(az.load_arviz_data("non_centered_eight")).status == "pass"


def test_missing_sampler_stats_are_skipped_not_passed():
    rng = np.random.default_rng(6)
    d = diagnose(_tree({"a": rng.normal(size=(2, 500))}))
    checks = _by_name(d)
    for name in ("divergences", "tree-depth saturation", "E-BFMI"):
        assert checks[name].status == "skip"
        assert np.isnan(checks[name].value)
    assert d.status == "pass"
    assert "Not checked (no sampler statistics): divergences" in d.verdict


def test_failed_checks_carry_advice_and_round_trip():
    rng = np.random.default_rng(7)
    tree = _tree(
        {"a": rng.normal(size=(2, 100))},
        {"diverging": np.ones((2, 100), bool), "energy": rng.normal(size=(2, 100))},
    )
    d = diagnose(tree)
    assert "target_accept" in d["divergences"].advice
    assert "reparameterize" in d["divergences"].advice
    assert "tune" in d["max R-hat"].advice
    assert d.failed[0].status == "fail"
    data = d.to_dict()
    assert data["status"] == "fail" and len(data["checks"]) == 6
    assert data["checks"][0]["verdict"].startswith("200 of 200 transitions")
    with pytest.raises(KeyError, match="no check named 'rhat'"):
        d["rhat"]


def test_warnings_only_give_a_usable_verdict(good):
    stats = good["sample_stats"].to_dataset()
    stats["maxdepth_reached"][0, :10] = True
    tree = xr.DataTree.from_dict(
        {"posterior": good["posterior"].to_dataset(), "sample_stats": stats}
    )
    d = diagnose(tree)
    assert d.status == "warn"
    assert "can be used" in d.verdict and "tree-depth saturation" in d.verdict
    assert isinstance(d, Diagnosis)


def test_the_facade_loads_no_plotting_library():
    # the checks need ArviZ's statistics only; all of ArviZ would load its plotting package
    # and matplotlib into every process that fits (about half a second of a cold fit)
    code = (
        "import sys; from mmm_bayes import MMM, datasets; "
        "from mmm_bayes.inference.diagnostics import convergence_checks; "
        "print(sorted(m for m in ('arviz_plots', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert az.rhat is arviz_stats.rhat and az.ess is arviz_stats.ess  # the same functions
