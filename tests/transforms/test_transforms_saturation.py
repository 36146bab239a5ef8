"""Saturation: numpy references against PyTensor twins, limiting cases, properties, gradients."""

import math

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mmm_bayes.transforms.saturation import (
    hill,
    hill_pt,
    logistic_saturation,
    logistic_saturation_pt,
)

# Twins: both float64. Hill is written two ways (numpy: 1 / (1 + (K/x)**S); PyTensor:
# 1 / (1 + exp(S * (log K - log x)))), which differ by a few ulp times |S log(K/x)| (< 50 here),
# so 1e-12 relative still leaves a wide margin. Logistic is tanh on both sides.
TWIN_RTOL = 1e-12


def _spend(shape, seed=11):
    x = np.random.default_rng(seed).gamma(1.5, 1.0, size=shape)
    x[..., :3] = 0.0  # weeks without spend: the x = 0 branch must agree too
    return x


# --- twins agree -----------------------------------------------------------------------------


@pytest.mark.parametrize(("K", "S"), [(0.5, 0.5), (1.0, 1.0), (2.0, 3.0), (0.1, 8.0)])
def test_hill_twins_agree(K, S):
    x = _spend((3, 40))
    np.testing.assert_allclose(hill_pt(x, K, S).eval(), hill(x, K, S), rtol=TWIN_RTOL)


@pytest.mark.parametrize("lam", [0.1, 1.0, 5.0])
def test_logistic_twins_agree(lam):
    x = _spend((3, 40))
    got = logistic_saturation_pt(x, lam).eval()
    np.testing.assert_allclose(got, logistic_saturation(x, lam), rtol=TWIN_RTOL)


def test_twins_agree_per_channel_parameters():
    x = _spend((3, 40))
    K, S, lam = np.array([0.3, 1.0, 4.0]), np.array([0.7, 1.0, 2.5]), np.array([0.2, 1.0, 3.0])
    np.testing.assert_allclose(hill_pt(x, K, S).eval(), hill(x, K, S), rtol=TWIN_RTOL)
    got = logistic_saturation_pt(x, lam).eval()
    np.testing.assert_allclose(got, logistic_saturation(x, lam), rtol=TWIN_RTOL)


def test_twins_agree_on_a_chain_draw_channel_batch():
    x = _spend((4, 30))  # (channel, time)
    rng = np.random.default_rng(5)
    K, S, lam = (rng.uniform(0.2, 3.0, size=(2, 3, 4)) for _ in range(3))  # (chain, draw, channel)
    want_hill, want_log = hill(x, K, S), logistic_saturation(x, lam)
    assert want_hill.shape == want_log.shape == (2, 3, 4, 30)
    np.testing.assert_allclose(hill_pt(x, K, S).eval(), want_hill, rtol=TWIN_RTOL)
    np.testing.assert_allclose(logistic_saturation_pt(x, lam).eval(), want_log, rtol=TWIN_RTOL)


def test_batch_entry_is_the_single_channel_computation():
    # broadcasting must pair K[chain, draw, c] with channel c, not another channel's spend
    x = _spend((4, 30))
    rng = np.random.default_rng(5)
    K, S = rng.uniform(0.2, 3.0, size=(2, 3, 4)), rng.uniform(0.5, 3.0, size=(2, 3, 4))
    batch = hill(x, K, S)
    for c in range(4):
        np.testing.assert_array_equal(batch[1, 0, c], hill(x[c], K[1, 0, c], S[1, 0, c]))


# --- limiting cases and known values ---------------------------------------------------------


@pytest.mark.parametrize("S", [0.3, 1.0, 2.0, 7.5])
def test_hill_at_K_is_one_half(S):
    K = np.array([0.2, 1.0, 30.0])
    x = np.repeat(K[:, None], 2, axis=1)
    # K/x is exactly 1 (and log K - log x exactly 0), so the result is exactly 1/2
    np.testing.assert_array_equal(hill(x, K, S), 0.5)
    np.testing.assert_array_equal(hill_pt(x, K, S).eval(), 0.5)


@pytest.mark.parametrize("S", [0.3, 1.0, 4.0])
def test_zero_spend_gives_zero(S):
    x = np.zeros((2, 5))
    np.testing.assert_array_equal(hill(x, 1.5, S), 0.0)
    np.testing.assert_array_equal(hill_pt(x, 1.5, S).eval(), 0.0)
    np.testing.assert_array_equal(logistic_saturation(x, 2.0), 0.0)
    np.testing.assert_array_equal(logistic_saturation_pt(x, 2.0).eval(), 0.0)


def test_hill_known_values_by_hand():
    # x**S / (x**S + K**S): 4 / (4 + 1), 1 / (1 + 2), 3 / (3 + 1), 1 / (1 + 2) with S = 1/2
    got = [
        hill(np.array([2.0]), 1.0, 2.0)[0],
        hill(np.array([1.0]), 2.0, 1.0)[0],
        hill(np.array([3.0]), 1.0, 1.0)[0],
        hill(np.array([1.0]), 4.0, 0.5)[0],
    ]
    # a handful of correctly rounded operations each
    np.testing.assert_allclose(got, [0.8, 1 / 3, 0.75, 1 / 3], rtol=1e-15)


def test_logistic_known_values_by_hand():
    # (1 - e**(-lam x)) / (1 + e**(-lam x)): e**-(ln 3) = 1/3 gives (2/3)/(4/3) = 1/2,
    # e**-(2 ln 2) = 1/4 gives (3/4)/(5/4) = 3/5; the last is the formula itself at lam x = 2
    got = [
        logistic_saturation(np.array([1.0]), math.log(3.0))[0],
        logistic_saturation(np.array([0.5]), 4 * math.log(2.0))[0],
        logistic_saturation(np.array([1.0]), 2.0)[0],
    ]
    want = [0.5, 0.6, (1 - math.exp(-2.0)) / (1 + math.exp(-2.0))]
    # tanh against the exp form, and log(3) rounded: a few ulp
    np.testing.assert_allclose(got, want, rtol=1e-14)


@pytest.mark.parametrize("S", [0.5, 1.0, 3.0])
def test_hill_tends_to_one(S):
    t = 10.0 ** np.arange(1, 7)
    gap = 1.0 - hill(2.0 * t, 2.0, S)
    # 1 - hill(t K) = 1 / (1 + t**S); h is rounded to the float64 grid just below 1 (spacing
    # 1.1e-16), so the gap is right to 1.2e-16 absolute however small it gets
    np.testing.assert_allclose(gap, 1.0 / (1.0 + t**S), rtol=1e-12, atol=1.2e-16)
    assert (np.diff(gap) <= 0).all() and gap[-1] < 1e-3


def test_saturation_strictly_below_one_on_a_working_range():
    x = np.linspace(0.0, 10.0, 201)
    # here 1 - y >= ~1e-9, far above float64 resolution, so "< 1" is a real check
    assert (hill(x, 1.0, 2.0) < 1.0).all()
    assert (logistic_saturation(x, 3.0) < 1.0).all()


def test_logistic_is_concave():
    x = np.linspace(0.0, 5.0, 501)
    y = logistic_saturation(x, 1.3)
    # second differences are ~ -1e-5 * tanh''; allow 1e-15 for rounding in y
    assert (np.diff(y, 2) <= 1e-15).all()
    assert np.diff(y, 2)[:100].max() < 0  # and strictly so where the curve bends


def test_hill_is_s_shaped_above_one_and_concave_below():
    x = np.linspace(0.0, 6.0, 601)
    d2 = np.diff(hill(x, 2.0, 3.0), 2)
    # inflection at K ((S - 1) / (S + 1))**(1/S) = 2 * 0.5**(1/3) ~ 1.59
    assert (d2[:140] > 0).all() and (d2[180:] < 0).all()
    assert (np.diff(hill(x, 2.0, 0.8), 2) < 0).all()


# --- properties --------------------------------------------------------------------------------

inputs = arrays(
    np.float64, st.tuples(st.integers(1, 3), st.integers(1, 30)), elements=st.floats(0.0, 1e6)
)


# For x within ~1e-300 of 0, K/x or (K/x)**S overflows to inf: a RuntimeWarning, yet the value,
# 1 / (1 + inf) = 0, is the right limit; these tests check the values.
tiny_x_overflow = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")


@tiny_x_overflow
@settings(deadline=None)
@given(x=inputs, K=st.floats(1e-3, 1e3), S=st.floats(0.1, 5.0), lam=st.floats(1e-3, 10.0))
def test_saturation_stays_in_the_unit_interval(x, K, S, lam):
    # Mathematically in [0, 1); in float64 a value within 1.1e-16 of 1 rounds to exactly 1.0
    # (e.g. tanh(20)), so the upper bound checked here is 1 (strictness: test above)
    for y in (hill(x, K, S), logistic_saturation(x, lam)):
        assert y.shape == x.shape
        assert ((y >= 0) & (y <= 1)).all()


@tiny_x_overflow
@settings(deadline=None)
@given(x=inputs, K=st.floats(1e-3, 1e3), S=st.floats(0.1, 5.0), lam=st.floats(1e-3, 10.0))
def test_saturation_is_monotone_in_x(x, K, S, lam):
    x = np.sort(x, axis=-1)
    # pow and tanh are faithfully rounded, not guaranteed monotone in the last ulp: allow 2 ulp
    # of a value <= 1
    for y in (hill(x, K, S), logistic_saturation(x, lam)):
        assert (np.diff(y, axis=-1) >= -4.5e-16).all()


# --- gradients ---------------------------------------------------------------------------------


@pytest.mark.parametrize("S", [0.5, 1.0, 2.5])
def test_hill_gradient_wrt_K_and_S_is_finite_and_right(S):
    x = np.array([0.0, 0.4, 1.5, 6.0])
    K_, S_ = pt.dscalar("K"), pt.dscalar("S")
    gK, gS = (
        float(g.eval({K_: 1.5, S_: S})) for g in pytensor.grad(hill_pt(x, K_, S_).sum(), [K_, S_])
    )
    # dh/dK = -(S/K) h (1-h), dh/dS = log(x/K) h (1-h), both 0 at x = 0 (h = 0 there)
    h = hill(x[1:], 1.5, S)
    np.testing.assert_allclose(gK, (-(S / 1.5) * h * (1 - h)).sum(), rtol=1e-12)
    np.testing.assert_allclose(gS, (np.log(x[1:] / 1.5) * h * (1 - h)).sum(), rtol=1e-12)


@pytest.mark.parametrize("S", [0.5, 1.0, 2.5])
def test_hill_gradient_at_zero_spend_is_finite_zero(S):
    x = np.zeros(3)
    K_, S_ = pt.dscalar("K"), pt.dscalar("S")
    grads = [
        float(g.eval({K_: 1.5, S_: S})) for g in pytensor.grad(hill_pt(x, K_, S_).sum(), [K_, S_])
    ]
    assert grads == [0.0, 0.0]


def test_logistic_gradient_wrt_lam():
    x = np.array([0.0, 0.5, 2.0])
    lam = pt.dscalar("lam")
    got = float(pytensor.grad(logistic_saturation_pt(x, lam).sum(), lam).eval({lam: 1.2}))
    # d/dlam tanh(lam x / 2) = (x / 2) (1 - tanh**2)
    want = (x / 2 * (1 - np.tanh(1.2 * x / 2) ** 2)).sum()
    np.testing.assert_allclose(got, want, rtol=1e-12)
