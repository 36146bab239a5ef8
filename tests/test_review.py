"""The review methods of the MMM facade (mmm_bayes/review.py), on fake posteriors.

NUTS is replaced by prior draws posing as a posterior, so these tests check the plumbing of
diagnose, predictive checks, residuals, validation and stability; the analysis modules have
their own statistical tests, and tests/cli/test_report_cmd.py runs real (short) refits.
"""

import numpy as np
import pytest
import xarray as xr

from mmm_bayes import MMM, datasets
from mmm_bayes.analysis import StabilityResult, ValidationResult
from mmm_bayes.inference.diagnostics import Diagnosis
from mmm_bayes.spec import SamplerSettings
from mmm_bayes.testing import example_spec, fake_posterior


@pytest.fixture
def fake_fit(monkeypatch):
    seen = []

    def fit(self, data, *, posterior_predictive=True, **settings):
        self.sampler = SamplerSettings.model_validate(self.sampler.model_dump() | settings)
        self.build(data)
        self.idata = fake_posterior(self.spec, self.inputs, draws=40, random_seed=1)
        seen.append((len(self.inputs.dates), self.sampler))
        return self.idata

    monkeypatch.setattr(MMM, "fit", fit)
    return seen


@pytest.fixture
def mmm(fake_fit):
    model = MMM(example_spec())
    model.fit(datasets.load("example_weekly"))
    return model


def test_diagnose_is_a_diagnosis(mmm):
    d = mmm.diagnose()
    assert isinstance(d, Diagnosis)
    assert [c.name for c in mmm.diagnostics()] == [c.name for c in d]
    assert d["divergences"].status == "skip"  # a fake posterior has no sampler statistics


def test_posterior_check_uses_the_stored_predictive_draws(mmm):
    drawn = mmm.predictive_check(random_seed=1)
    assert drawn.kind == "posterior" and len(drawn.bands) == 156
    zeros = xr.DataArray(
        np.zeros((1, 4, 156)), dims=("chain", "draw", "date"), coords={"date": mmm.inputs.dates}
    )
    mmm.idata["posterior_predictive"] = xr.Dataset({"kpi": zeros})
    assert (mmm.predictive_check().bands["mean"] == 0.0).all()


def test_prior_check_and_prior_vs_posterior_share_the_prior_draws(mmm):
    prior = mmm.predictive_check("prior", draws=50, random_seed=2)
    assert prior.kind == "prior" and prior.coverage[0.9] > 0.5
    table = mmm.prior_vs_posterior(draws=50, random_seed=2)
    assert "intercept" not in set(table["variable"]) and "effect" not in set(table["variable"])
    assert {"level", "effect_rel", "alpha", "K", "S", "sigma"} <= set(table["variable"])
    assert len(mmm._prior_cache[1]["prior"]["draw"]) == 50  # drawn once for both


def test_residuals_and_their_spectrum(mmm):
    resid = mmm.residuals()
    mu = mmm.contributions()["mu"].mean(("chain", "draw")).to_numpy()
    np.testing.assert_allclose(resid.to_numpy(), mmm.inputs.kpi - mu)
    sp = mmm.residual_spectrum()
    assert sp.period_label == "weeks"
    assert len(sp.table) == 78
    assert mmm.adstock_decay().dims == ("chain", "draw", "channel", "lag")


def test_validate_refits_fresh_models_on_the_training_windows(mmm, fake_fit):
    before = mmm.idata
    result = mmm.validate(holdout=10, folds=2, step=5, window="sliding", draws=77)
    assert isinstance(result, ValidationResult)
    assert [n for n, _ in fake_fit[1:]] == [141, 141]  # 156 - 10 - 5: equal training windows
    assert all(s.draws == 77 and s.random_seed == 0 for _, s in fake_fit[1:])
    assert mmm.idata is before  # the reviewed model is untouched
    assert result.folds[1].test_end == mmm.inputs.dates[-1]


def test_stability_fits_each_window(mmm, fake_fit):
    result = mmm.stability(windows=3, random_seed=4, tune=11)
    assert isinstance(result, StabilityResult)
    assert [n for n, _ in fake_fit[1:]] == [52, 52, 52]
    assert all(s.tune == 11 and s.random_seed == 4 for _, s in fake_fit[1:])
    assert result.summary["window"].nunique() == 3
    assert len(result.pairs) == 3 * 5  # three pairs of windows, five channels


def test_save_and_load_remember_the_run_folder(mmm, tmp_path):
    assert mmm.folder is None
    folder = mmm.save(tmp_path / "run", figures=False)
    assert mmm.folder == folder
    assert MMM.load(folder).folder == folder


@pytest.mark.slow
def test_full_length_example_fit_passes_every_check():
    # the demo's settings (2 chains x 1000 + 1000, seed 1): every check passes, tail ESS too
    model = MMM(example_spec())
    model.fit(datasets.load("example_weekly"), draws=1000, tune=1000, chains=2, random_seed=1,
              progressbar=False)  # fmt: skip
    d = model.diagnose()
    assert d.status == "pass", d.verdict
    assert d["min tail ESS"].value >= 400
