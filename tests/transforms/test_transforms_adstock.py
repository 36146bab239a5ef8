"""Adstock: numpy references against PyTensor twins, limiting cases, properties, gradients."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mmm_bayes.transforms.adstock import (
    convolve_weights,
    convolve_weights_pt,
    delayed_adstock,
    delayed_adstock_pt,
    delayed_weights,
    geometric_adstock,
    geometric_adstock_pt,
    geometric_weights,
)

# Twins: float64 on both sides and the same formula; only the order of the sums (and libm's pow
# against PyTensor's C pow) differ, so agreement to ~1e-12 relative is expected.
TWIN_RTOL = 1e-12


def _spend(shape, seed=11):
    return np.random.default_rng(seed).gamma(2.0, 50.0, size=shape)


def _impulse(n, at=0):
    x = np.zeros(n)
    x[at] = 1.0
    return x


# --- twins agree -----------------------------------------------------------------------------


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.9])
def test_geometric_twins_agree(alpha, normalize):
    x = _spend((3, 40))
    got = geometric_adstock_pt(pt.as_tensor(x), alpha, l_max=8, normalize=normalize).eval()
    want = geometric_adstock(x, alpha, l_max=8, normalize=normalize)
    np.testing.assert_allclose(got, want, rtol=TWIN_RTOL)


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize(("alpha", "theta"), [(0.2, 0.0), (0.5, 2.0), (0.8, 3.7)])
def test_delayed_twins_agree(alpha, theta, normalize):
    x = _spend((3, 40))
    got = delayed_adstock_pt(pt.as_tensor(x), alpha, theta, l_max=8, normalize=normalize).eval()
    want = delayed_adstock(x, alpha, theta, l_max=8, normalize=normalize)
    np.testing.assert_allclose(got, want, rtol=TWIN_RTOL)


def test_twins_agree_per_channel_parameters():
    x = _spend((3, 40))
    alpha, theta = np.array([0.1, 0.5, 0.9]), np.array([0.0, 1.5, 4.0])
    geo = geometric_adstock_pt(pt.as_tensor(x), alpha, l_max=6).eval()
    np.testing.assert_allclose(geo, geometric_adstock(x, alpha, l_max=6), rtol=TWIN_RTOL)
    dly = delayed_adstock_pt(pt.as_tensor(x), alpha, theta, l_max=6).eval()
    np.testing.assert_allclose(dly, delayed_adstock(x, alpha, theta, l_max=6), rtol=TWIN_RTOL)


def test_twins_agree_on_a_chain_draw_channel_batch():
    x = _spend((4, 30))  # (channel, time)
    rng = np.random.default_rng(5)
    alpha = rng.uniform(0.05, 0.95, size=(2, 3, 4))  # (chain, draw, channel)
    theta = rng.uniform(0.0, 4.0, size=(2, 3, 4))
    geo = geometric_adstock(x, alpha, l_max=6)
    dly = delayed_adstock(x, alpha, theta, l_max=6)
    assert geo.shape == dly.shape == (2, 3, 4, 30)
    np.testing.assert_allclose(geometric_adstock_pt(x, alpha, l_max=6).eval(), geo, rtol=TWIN_RTOL)
    got = delayed_adstock_pt(x, alpha, theta, l_max=6).eval()
    np.testing.assert_allclose(got, dly, rtol=TWIN_RTOL)


def test_batch_entry_is_the_single_channel_computation():
    # broadcasting must pair alpha[chain, draw, c] with channel c, not another channel's spend
    x = _spend((4, 30))
    alpha = np.random.default_rng(5).uniform(0.05, 0.95, size=(2, 3, 4))
    batch = geometric_adstock(x, alpha, l_max=6)
    for c in range(4):
        one = geometric_adstock(x[c], alpha[1, 2, c], l_max=6)
        np.testing.assert_allclose(batch[1, 2, c], one, rtol=1e-15)


def test_convolve_twins_agree_when_l_max_exceeds_the_series():
    x = _spend((2, 5))
    w = geometric_weights(np.array([0.4, 0.7]), l_max=9)
    got = convolve_weights_pt(x, pt.as_tensor(w)).eval()
    np.testing.assert_allclose(got, convolve_weights(x, w), rtol=TWIN_RTOL)


# --- limiting cases and known values ---------------------------------------------------------


@pytest.mark.parametrize("normalize", [True, False])
def test_geometric_alpha_zero_returns_x(normalize):
    x = _spend((3, 20))
    # weights are exactly (1, 0, 0, ...), so the result is x itself, bit for bit
    np.testing.assert_array_equal(geometric_adstock(x, 0.0, l_max=5, normalize=normalize), x)
    got = geometric_adstock_pt(x, 0.0, l_max=5, normalize=normalize).eval()
    np.testing.assert_array_equal(got, x)


def test_l_max_one_returns_x():
    x = _spend((2, 10))
    np.testing.assert_array_equal(geometric_adstock(x, 0.7, l_max=1), x)
    np.testing.assert_array_equal(delayed_adstock(x, 0.7, 0.0, l_max=1), x)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.99])
def test_normalized_geometric_weights_sum_to_one(alpha):
    # l_max terms of size <= 1 summed in float64: a few ulp of error at most
    np.testing.assert_allclose(geometric_weights(alpha, 12).sum(), 1.0, rtol=1e-14)


@pytest.mark.parametrize(("alpha", "theta"), [(0.05, 0.0), (0.5, 3.3), (0.99, 11.0)])
def test_normalized_delayed_weights_sum_to_one(alpha, theta):
    np.testing.assert_allclose(delayed_weights(alpha, theta, 12).sum(), 1.0, rtol=1e-14)


def test_per_channel_weights_each_sum_to_one():
    w = delayed_weights(np.array([0.2, 0.9]), np.array([1.0, 4.5]), 8)
    assert w.shape == (2, 8)
    np.testing.assert_allclose(w.sum(axis=-1), [1.0, 1.0], rtol=1e-14)


def test_unnormalized_impulse_response_is_alpha_to_the_lag_then_zero():
    out = geometric_adstock(_impulse(12), 0.6, l_max=5, normalize=False)
    # one product per entry, so within one ulp of the closed form
    np.testing.assert_allclose(out[:5], 0.6 ** np.arange(5), rtol=1e-15)
    np.testing.assert_array_equal(out[5:], 0.0)


def test_known_values_by_hand():
    # weights 0.5**lag = (1, 1/2, 1/4), normalized by 7/4: (4/7, 2/7, 1/7)
    out = geometric_adstock(np.array([1.0, 0.0, 0.0]), 0.5, l_max=3)
    np.testing.assert_allclose(out, [4 / 7, 2 / 7, 1 / 7], rtol=1e-15)
    # spend 2 then 4: (2 * 4/7, 2 * 2/7 + 4 * 4/7, 2/7 + 8/7)
    out = geometric_adstock(np.array([2.0, 4.0, 0.0]), 0.5, l_max=3)
    np.testing.assert_allclose(out, [8 / 7, 20 / 7, 10 / 7], rtol=1e-15)
    # delayed, theta=1: 0.5**((lag-1)**2) = (1/2, 1, 1/2), normalized (1/4, 1/2, 1/4)
    out = delayed_adstock(np.array([1.0, 0.0, 0.0, 0.0]), 0.5, 1.0, l_max=3)
    np.testing.assert_allclose(out, [0.25, 0.5, 0.25, 0.0], rtol=1e-15)


@pytest.mark.parametrize("theta", [0.0, 1.0, 2.3, 4.6, 7.0])
def test_delayed_impulse_response_peaks_at_round_theta(theta):
    out = delayed_adstock(_impulse(20), 0.6, theta, l_max=8)
    assert np.argmax(out) == round(theta)
    out_pt = delayed_adstock_pt(_impulse(20), 0.6, theta, l_max=8).eval()
    assert np.argmax(out_pt) == round(theta)


@pytest.mark.parametrize("adstock", ["geometric", "delayed"])
def test_impulse_mid_series_keeps_its_mass(adstock):
    x = 3.5 * _impulse(60, at=30)
    out = _apply(adstock, x, l_max=10)
    # all 10 lags fall inside the series: the sum is 3.5 * sum(w) = 3.5 up to rounding
    np.testing.assert_allclose(out.sum(), 3.5, rtol=1e-14)
    assert np.count_nonzero(out[:30]) == 0 and np.count_nonzero(out[40:]) == 0


@pytest.mark.parametrize("adstock", ["geometric", "delayed"])
def test_impulse_near_the_end_loses_the_tail(adstock):
    x = _impulse(60, at=57)  # lags 0, 1, 2 fall inside, 3..9 past the end
    out = _apply(adstock, x, l_max=10)
    w = _apply(adstock, _impulse(10), l_max=10)  # the weights themselves
    # what is lost is exactly the weight past the end (~0.2 here), to rounding
    np.testing.assert_allclose(out.sum(), w[:3].sum(), rtol=1e-14)
    np.testing.assert_allclose(1.0 - out.sum(), w[3:].sum(), rtol=1e-12)
    assert w[3:].sum() > 0.1


def _apply(adstock, x, l_max):
    if adstock == "geometric":
        return geometric_adstock(x, 0.7, l_max=l_max)
    return delayed_adstock(x, 0.7, 2.0, l_max=l_max)


# --- properties --------------------------------------------------------------------------------

spend = arrays(
    np.float64, st.tuples(st.integers(1, 3), st.integers(1, 30)), elements=st.floats(0.0, 1e6)
)
unit = st.floats(0.0, 0.99)


@settings(deadline=None)
@given(x=spend, alpha=unit, theta=st.floats(0.0, 5.0), l_max=st.integers(1, 12))
def test_adstock_of_spend_is_non_negative_and_adds_no_spend(x, alpha, theta, l_max):
    delayed_alpha = max(alpha, 0.01)  # delayed adstock needs alpha in (0, 1)
    for out in (
        geometric_adstock(x, alpha, l_max=l_max),
        delayed_adstock(x, delayed_alpha, theta, l_max=l_max),
    ):
        assert out.shape == x.shape
        # weights >= 0 times spend >= 0: no rounding can make a sum of these negative
        assert (out >= 0).all()
        # mathematically sum(out) = sum_t x_t * sum(w[: n - t]) <= sum(x); the two sums are
        # rounded differently, so allow 1e-12 relative
        assert (out.sum(axis=-1) <= x.sum(axis=-1) * (1 + 1e-12)).all()


@settings(deadline=None)
@given(x=spend, alpha=unit, l_max=st.integers(1, 12))
def test_unnormalized_adstock_never_below_spend(x, alpha, l_max):
    # the lag-0 weight is exactly 1 and the others are >= 0
    assert (geometric_adstock(x, alpha, l_max=l_max, normalize=False) >= x).all()


# --- gradients ---------------------------------------------------------------------------------


def _objective(out):
    # a fixed, non-uniform weighting of the 25 periods, so the gradient checks every entry
    return (out * np.linspace(0.5, 1.5, 25)).sum()


@pytest.mark.parametrize("alpha", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("normalize", [True, False])
def test_geometric_gradient_matches_finite_difference(alpha, normalize):
    x = _spend((2, 25))
    a = pt.dscalar("alpha")
    f = _objective(geometric_adstock_pt(x, a, l_max=7, normalize=normalize))
    got = float(pytensor.grad(f, a).eval({a: alpha}))

    def num(v):
        return _objective(geometric_adstock(x, v, l_max=7, normalize=normalize))

    # central difference, h=1e-6: truncation ~h**2 and rounding ~1e-16/h, both far below 1e-5
    h = 1e-6
    assert np.isfinite(got)
    np.testing.assert_allclose(got, (num(alpha + h) - num(alpha - h)) / (2 * h), rtol=1e-5)


@pytest.mark.parametrize(("alpha", "theta"), [(0.3, 0.0), (0.6, 2.0), (0.9, 3.4)])
def test_delayed_gradient_matches_finite_difference(alpha, theta):
    x = _spend((2, 25))
    a, t = pt.dscalar("alpha"), pt.dscalar("theta")
    f = _objective(delayed_adstock_pt(x, a, t, l_max=7))
    grads = [float(g.eval({a: alpha, t: theta})) for g in pytensor.grad(f, [a, t])]

    def num(va, vt):
        return _objective(delayed_adstock(x, va, vt, l_max=7))

    h = 1e-6  # as above: central difference error far below the 1e-5 tolerance
    want_a = (num(alpha + h, theta) - num(alpha - h, theta)) / (2 * h)
    want_t = (num(alpha, theta + h) - num(alpha, theta - h)) / (2 * h)
    assert np.isfinite(grads).all()
    np.testing.assert_allclose(grads, [want_a, want_t], rtol=1e-5)


@pytest.mark.parametrize("normalize", [True, False])
def test_geometric_gradient_is_finite_at_alpha_zero(normalize):
    # alpha = 0 is inside the documented domain [0, 1); d/dalpha of (1, alpha, alpha**2, ...)
    # there is (0, 1, 0, ...), which a naive alpha**lag graph turns into 0 * 0**-1 = NaN
    x = _spend((2, 25))
    a = pt.dscalar("alpha")
    f = _objective(geometric_adstock_pt(x, a, l_max=7, normalize=normalize))
    got = float(pytensor.grad(f, a).eval({a: 0.0}))

    def num(v):
        return _objective(geometric_adstock(x, v, l_max=7, normalize=normalize))

    h = 1e-7  # one-sided: alpha < 0 is outside the domain; error ~h * f'' far below 1e-5
    np.testing.assert_allclose(got, (num(h) - num(0.0)) / h, rtol=1e-5)


# --- bad arguments -----------------------------------------------------------------------------


@pytest.mark.parametrize("l_max", [0, -3, 2.5])
def test_bad_l_max_raises(l_max):
    x = _spend((2, 10))
    with pytest.raises(ValueError, match=r"l_max must be a positive integer, got"):
        geometric_adstock(x, 0.5, l_max=l_max)
    with pytest.raises(ValueError, match=r"l_max must be a positive integer, got"):
        delayed_adstock(x, 0.5, 1.0, l_max=l_max)
    with pytest.raises(ValueError, match=r"l_max must be a positive integer, got"):
        geometric_adstock_pt(x, 0.5, l_max=l_max)
    with pytest.raises(ValueError, match=r"l_max must be a positive integer, got"):
        delayed_adstock_pt(x, 0.5, 1.0, l_max=l_max)


def test_convolve_pt_needs_a_static_lag_axis():
    with pytest.raises(ValueError, match="static length"):
        convolve_weights_pt(pt.dmatrix("x"), pt.dmatrix("w"))
