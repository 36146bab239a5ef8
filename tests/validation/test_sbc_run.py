import pytest

from mmm_bayes import MMM
from mmm_bayes.model import build_inputs, structure_key
from mmm_bayes.simulate.causal import baseline
from mmm_bayes.validation.sbc import NARROW_SIGMA, SBC_SPEC, run_sbc


def test_narrow_sigma_keeps_the_structure_of_the_sbc_model():
    # the miscalibrated fit must reuse the compiled model: same structure key, other numbers
    fitted = SBC_SPEC.model_validate(SBC_SPEC.model_dump() | NARROW_SIGMA)
    data = baseline(random_seed=0).data
    inputs = build_inputs(SBC_SPEC, MMM(SBC_SPEC).check_data(data))
    assert structure_key(fitted, inputs) == structure_key(SBC_SPEC, inputs)
    ratio = fitted.likelihood.sigma.params["sigma"] / SBC_SPEC.likelihood.sigma.params["sigma"]
    assert ratio == pytest.approx(0.1)


@pytest.mark.slow
def test_sbc_catches_a_noise_prior_ten_times_too_narrow():
    # 20 simulations: the narrow prior pushes the fitted sigma below the true one, so sigma's
    # rank sits at the top in nearly every simulation; the chi-square p-value is tiny
    run = run_sbc(20, draws=200, tune=200, bins=5, fit_priors=NARROW_SIGMA)
    assert not run.result.passed
    assert run.result.table.loc["sigma", "p_value"] < 1e-6
