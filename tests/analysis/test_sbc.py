import numpy as np
import pytest

from mmm_bayes.analysis.sbc import rank_statistic, sbc_summary, thin, uniformity_test


def test_thin_keeps_evenly_spaced_draws_and_refuses_too_many():
    x = np.arange(20.0).reshape(2, 10)
    np.testing.assert_array_equal(thin(x, 5), x[:, ::2])
    with pytest.raises(ValueError, match=r"n_keep must be in 1..10"):
        thin(x, 11)


def test_rank_counts_draws_below_the_value_per_element():
    draws = np.array([[0.1, 0.2, 0.3], [5.0, 6.0, 7.0]])
    np.testing.assert_array_equal(rank_statistic(np.array([0.25, 4.0]), draws), [2, 0])


def test_uniform_ranks_pass():
    # 2000 exact uniform ranks: under H0 the p-value is uniform; seed 1 gives a typical one
    ranks = np.random.default_rng(1).integers(0, 100, size=2000)
    assert uniformity_test(ranks, 100, bins=10).p_value > 0.05


def test_skewed_and_too_narrow_ranks_fail():
    rng = np.random.default_rng(2)
    skewed = np.minimum((rng.beta(2.0, 1.0, size=500) * 100).astype(int), 99)
    # a Beta(2, 1) rank density doubles from one end to the other: chi2 is in the hundreds
    assert uniformity_test(skewed, 100).p_value < 1e-10
    ends = rng.choice([0, 1, 98, 99], size=200)  # too-narrow posteriors pile ranks at both ends
    assert uniformity_test(ends, 100).p_value < 1e-10


def test_uniformity_test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="multiple of bins"):
        uniformity_test(np.arange(10), 99, bins=10)
    with pytest.raises(ValueError, match=r"ranks must be integers in 0..99"):
        uniformity_test(np.array([0, 100]), 100)


def _conjugate_ranks(rng, n_sims, n_keep, *, width=1.0):
    """SBC of a Normal mean with a Normal(0, 1) prior and 10 Normal(theta, 1) observations.

    The exact posterior is Normal(sum(y) / 11, 1 / 11); ``width`` != 1 scales its sd (wrong).
    """
    theta = rng.normal(size=n_sims)
    y = rng.normal(theta[:, None], 1.0, size=(n_sims, 10))
    mean, sd = y.sum(axis=1) / 11.0, width / np.sqrt(11.0)
    draws = rng.normal(mean[:, None], sd, size=(n_sims, n_keep))
    return rank_statistic(theta, draws)


def test_sbc_of_an_exact_posterior_passes_and_a_too_narrow_one_fails():
    rng = np.random.default_rng(3)
    good = sbc_summary({"theta": _conjugate_ranks(rng, 400, 99)}, 100)
    bad = sbc_summary({"theta": _conjugate_ranks(rng, 400, 99, width=0.5)}, 100)
    # exact draws: uniform ranks, p-value uniform under H0 (seed 3: not in the 1% tail)
    assert good.passed, good.table
    # half the true posterior sd: ~40% of ranks land in the outer bins instead of 20%
    assert not bad.passed and bad.min_p_value < 1e-8


def test_summary_applies_bonferroni_over_parameters():
    rng = np.random.default_rng(4)
    ranks = {f"p{i}": rng.integers(0, 100, size=200) for i in range(20)}
    ranks["bad"] = np.zeros(200, dtype=int)
    res = sbc_summary(ranks, 100, alpha=0.01)
    assert list(res.table.index[~res.table["ok"]]) == ["bad"]
    assert not res.passed
