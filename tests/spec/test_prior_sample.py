"""Prior.sample: numpy draws in PyMC's parametrization, checked against scipy and PyMC densities."""

import numpy as np
import pymc as pm
import pytensor
import pytest
from scipy import stats

from mmm_bayes.spec import DISTRIBUTIONS, Prior, prior


class _HalfT:
    """|T| for T ~ StudentT(nu, 0, sigma); scipy has no half-t."""

    def __init__(self, nu, sigma):
        self.t = stats.t(nu, 0.0, sigma)

    def cdf(self, x):
        return np.where(x > 0, 2 * self.t.cdf(x) - 1, 0.0)

    def logpdf(self, x):
        return np.log(2) + self.t.logpdf(x)

    def mean(self):
        return 2 * self.t.expect(lambda x: x, lb=0)

    def std(self):
        return np.sqrt(self.t.var() - self.mean() ** 2)


# One case per distribution, with the scipy distribution PyMC's parametrization describes
# (Gamma and Exponential take rates in PyMC, scales in scipy).
CASES = {
    "Normal": ({"mu": 1.5, "sigma": 0.7}, stats.norm(1.5, 0.7)),
    "HalfNormal": ({"sigma": 2.0}, stats.halfnorm(scale=2.0)),
    "LogNormal": ({"mu": -0.3, "sigma": 0.5}, stats.lognorm(s=0.5, scale=np.exp(-0.3))),
    "Gamma": ({"alpha": 3.0, "beta": 2.0}, stats.gamma(3.0, scale=1 / 2.0)),
    "Beta": ({"alpha": 2.0, "beta": 5.0}, stats.beta(2.0, 5.0)),
    "Exponential": ({"lam": 4.0}, stats.expon(scale=1 / 4.0)),
    "StudentT": ({"nu": 5.0, "mu": -1.0, "sigma": 0.5}, stats.t(5.0, -1.0, 0.5)),
    "HalfStudentT": ({"nu": 5.0, "sigma": 2.0}, _HalfT(5.0, 2.0)),
    "Uniform": ({"lower": -1.0, "upper": 3.0}, stats.uniform(-1.0, 4.0)),
    "TruncatedNormal": (
        {"mu": 0.5, "sigma": 1.0, "lower": 0.0, "upper": 2.0},
        stats.truncnorm(-0.5, 1.5, loc=0.5, scale=1.0),
    ),
}


N = 100_000
PY = pytensor.compile.mode.Mode(linker="py", optimizer="fast_compile")


def test_cases_cover_every_distribution():
    assert set(CASES) == set(DISTRIBUTIONS)


@pytest.mark.parametrize("dist", sorted(CASES))
def test_reference_is_pymc_density(dist):
    # ties the scipy references below to PyMC's parametrization
    params, ref = CASES[dist]
    x = np.asarray(ref.mean() + ref.std() * np.array([-0.4, 0.0, 0.3, 0.9]))
    # float64 parameters: PyMC turns Python floats into float32 constants where it can
    rv = getattr(pm, dist).dist(**{k: np.float64(v) for k, v in params.items()})
    got = pm.logp(rv, x).eval(mode=PY)
    # PyMC's TruncatedNormal normalizer is good to ~1e-8; a wrong parametrization is off by >1e-2
    np.testing.assert_allclose(got, ref.logpdf(x), rtol=1e-6)


@pytest.mark.parametrize("dist", sorted(CASES))
def test_sample_mean_matches_analytic(dist):
    params, ref = CASES[dist]
    draws = Prior(dist=dist, params=params).sample(np.random.default_rng(7), N)
    # the sample mean has standard error sd/sqrt(N); 5 of them fail a correct sampler
    # with probability ~6e-7 (the seed is fixed, so the test is deterministic anyway)
    assert abs(draws.mean() - ref.mean()) < 5 * ref.std() / np.sqrt(N)


@pytest.mark.parametrize("dist", sorted(CASES))
def test_sample_distribution_matches_reference(dist):
    # the whole distribution, not just its mean: a wrong scale or a missing abs() fails here
    params, ref = CASES[dist]
    draws = Prior(dist=dist, params=params).sample(np.random.default_rng(8), N)
    assert stats.kstest(draws, ref.cdf).pvalue > 1e-3


@pytest.mark.parametrize("dist", sorted(CASES))
def test_sample_shape_and_seed(dist):
    p = Prior(dist=dist, params=CASES[dist][0])
    a = p.sample(np.random.default_rng(3), (2, 5))
    assert a.shape == (2, 5)
    assert a.dtype == np.float64
    np.testing.assert_array_equal(a, p.sample(np.random.default_rng(3), (2, 5)))
    assert not np.array_equal(a, p.sample(np.random.default_rng(4), (2, 5)))
    assert p.sample(np.random.default_rng(3)).shape == ()


@pytest.mark.parametrize(
    ("p", "low", "high"),
    [
        (prior("HalfNormal", sigma=1), 0, np.inf),
        (prior("HalfStudentT", nu=1, sigma=1), 0, np.inf),
        (prior("Beta", alpha=0.5, beta=0.5), 0, 1),
        (prior("TruncatedNormal", mu=5, sigma=1, lower=0, upper=1), 0, 1),
        (prior("Uniform", lower=2, upper=3), 2, 3),
    ],
)
def test_sample_stays_in_support(p, low, high):
    draws = p.sample(np.random.default_rng(5), 10_000)
    assert draws.min() >= low
    assert draws.max() <= high
