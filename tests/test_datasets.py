"""Generators of ``sklearn_relu.datasets`` and the Gaussian moments of ``sklearn_relu._gaussian``.

Closed forms are checked three ways: the moments against numerical quadrature and
asymptotics; the generators' population quantities against Monte Carlo at n = 10^6;
the spec's tables (single_neuron.md section 5) against the closed forms.

Monte Carlo tolerance. Every checked statistic is a sample mean of iid per-row values
q_i (or a ratio of two such means), so by the CLT its standard error is
SE = std(q) / sqrt(n) (delta method for ratios), estimated from the same sample. We
accept |empirical - closed form| <= Z_TOL * SE with Z_TOL = 5: a two-sided 5-sigma
excursion has probability 5.7e-7, so with the ~100 checks below a correct implementation
would fail for a fresh seed with probability < 1e-4 (seeds are fixed, so the outcome is
deterministic). Where it matters, each check also asserts the relative SE it achieved,
so that the test is known to reject formulas off by a few percent (a factor 2, a missing
term, a wrong sign are all >> 5 SE). The rows only matter through z = <x, v> (and
<x, u>), so the large samples use d = 3.
"""

import math
import re

import numpy as np
import pytest
from scipy import integrate, stats

from sklearn_relu import _gaussian as G
from sklearn_relu.datasets import (
    make_biased_relu,
    make_biased_relu_halfspace_noise,
    make_biased_relu_tilted_noise,
    make_csq_hard_relu,
)

Z_TOL = 5.0
N_MC = 10**6
GENERATORS = [
    make_biased_relu,
    make_biased_relu_halfspace_noise,
    make_biased_relu_tilted_noise,
    make_csq_hard_relu,
]
COMMON_KEYS = {
    "coef",
    "intercept",
    "direction",
    "bias",
    "scale",
    "planted_loss",
    "zero_loss",
    "planted_loss_empirical",
    "label_correlation",
    "paper",
}
SPECIFIC_KEYS = {
    make_biased_relu: {"noise"},
    make_biased_relu_halfspace_noise: {"kappa", "c"},
    make_biased_relu_tilted_noise: {"u", "noise_height", "noise_offset"},
    make_csq_hard_relu: {"hermite_coefs", "degree", "removed_fraction"},
}


def relu(t):
    return np.maximum(t, 0.0)


def mean_se(q):
    """Sample mean of iid per-row values and its standard error."""
    return q.mean(), q.std(ddof=1) / math.sqrt(q.size)


def ratio_se(num, den):
    """mean(num) / mean(den) and its delta-method standard error."""
    r = num.mean() / den.mean()
    return r, (num - r * den).std(ddof=1) / (den.mean() * math.sqrt(num.size))


def assert_mc(closed, q, *, max_rel_se=None, what=""):
    emp, se = mean_se(q)
    # + 1e-12 relative: rounding, for statistics that are constant per row
    assert abs(emp - closed) <= Z_TOL * se + 1e-12 * abs(closed), (
        f"{what}: Monte Carlo {emp:.6g} vs closed form {closed:.6g}, "
        f"{abs(emp - closed) / se:.1f} standard errors (SE {se:.3g})"
    )
    if max_rel_se is not None:
        assert se <= max_rel_se * abs(closed), f"{what}: SE {se:.3g} too large to be informative"


def he(k, z):
    """He_k(z) by the three-term recurrence (independent of numpy.polynomial)."""
    prev, cur = np.ones_like(z), z
    if k == 0:
        return prev
    for j in range(1, k):
        prev, cur = cur, z * cur - j * prev
    return cur


def quad_relu_hermite(b, k):
    """E[relu(z + b) He_k(z)] by quadrature over the active region z > -b."""
    f = lambda z: (z + b) * he(k, np.float64(z)) * stats.norm.pdf(z)  # noqa: E731
    # the integrand beyond -b + 40 is below e^{-700}; epsabs: some c_k vanish (He_odd(0) = 0)
    val, _ = integrate.quad(f, -b, -b + 40.0, epsabs=1e-12, epsrel=1e-12, limit=200)
    return val


def quad_tail(n, a):
    """D_n(a) = int_0^inf t^n exp(-a t - t^2/2) dt, so that m_n(-a) = phi(a) D_n(a)."""
    f = lambda t: t**n * np.exp(-a * t - 0.5 * t * t)  # noqa: E731
    val, _ = integrate.quad(f, 0, np.inf, epsabs=0, epsrel=1e-13, limit=200)
    return val


# ============================================================ _gaussian


@pytest.mark.parametrize("b", [-6.0, -3.0, -2.0, -0.7, 0.0, 0.4, 2.5])
def test_moments_against_quadrature(b):
    m1, _ = integrate.quad(
        lambda z: (z + b) * stats.norm.pdf(z), -b, np.inf, epsabs=0, epsrel=1e-12
    )
    m2, _ = integrate.quad(
        lambda z: (z + b) ** 2 * stats.norm.pdf(z), -b, np.inf, epsabs=0, epsrel=1e-12
    )
    h1, _ = integrate.quad(
        lambda z: (z + b) * z * stats.norm.pdf(z), -b, np.inf, epsabs=0, epsrel=1e-12
    )
    np.testing.assert_allclose(G.relu_mean(b), m1, rtol=1e-9)
    np.testing.assert_allclose(G.relu_second_moment(b), m2, rtol=1e-9)
    np.testing.assert_allclose(G.relu_first_hermite(b), h1, rtol=1e-9)
    np.testing.assert_allclose(G.log_relu_mean(b), np.log(m1), rtol=0, atol=1e-9)
    np.testing.assert_allclose(G.log_relu_second_moment(b), np.log(m2), rtol=0, atol=1e-9)
    np.testing.assert_allclose(G.norm_pdf(b), stats.norm.pdf(b), rtol=1e-14)
    np.testing.assert_allclose(G.norm_cdf(b), stats.norm.cdf(b), rtol=1e-14)
    np.testing.assert_allclose(G.log_norm_cdf(b), stats.norm.logcdf(b), rtol=1e-13)


@pytest.mark.parametrize("b", [-4.0, -2.0, -0.5, 0.0, 1.5])
def test_hermite_coefs_against_quadrature(b):
    coefs = G.relu_hermite_coefs(b, 6)
    expected = [quad_relu_hermite(b, k) for k in range(7)]
    np.testing.assert_allclose(coefs, expected, rtol=1e-8, atol=1e-12)
    assert coefs[0] == G.relu_mean(b) and coefs[1] == G.norm_cdf(b)


@pytest.mark.parametrize("b", [-3.0, -5.0, -8.0, -15.0, -25.0, -35.0])
def test_moments_far_left_tail_against_quadrature(b):
    # m_n(b) = phi(b) D_n(|b|) exactly; quadrature of D_n is an independent reference,
    # and the naive forms phi(b) + b Phi(b), (b^2+1) Phi(b) + b phi(b) lose all digits here.
    a = -b
    np.testing.assert_allclose(G.relu_mean(b) / G.norm_pdf(b), quad_tail(1, a), rtol=1e-11)
    np.testing.assert_allclose(G.relu_second_moment(b) / G.norm_pdf(b), quad_tail(2, a), rtol=1e-11)
    assert G.relu_second_moment(b) > 0 and G.relu_mean(b) > 0


@pytest.mark.parametrize("b", [-38.5, -40.0, -60.0])
def test_log_moments_beyond_underflow(b):
    a = -b
    log_phi = -0.5 * a * a - 0.5 * math.log(2 * math.pi)
    # m2 itself underflows double precision here; its logarithm must not.
    assert G.relu_second_moment(b) < 1e-320
    np.testing.assert_allclose(
        G.log_relu_second_moment(b), log_phi + math.log(quad_tail(2, a)), rtol=1e-13
    )
    np.testing.assert_allclose(G.log_relu_mean(b), log_phi + math.log(quad_tail(1, a)), rtol=1e-13)


@pytest.mark.parametrize("a", [10.0, 15.0, 20.0, 30.0, 37.0])
def test_second_moment_asymptote(a):
    # m2(b) = (2 + o(1)) Phi(b) / b^2 (paper, App. B). Expanding D_2 and the Mills ratio
    # in 1/a^2 gives m2 b^2 / (2 Phi(b)) = 1 - 5/a^2 + 37/a^4 - 353/a^6 + 4081/a^8 - ...
    ratio = G.relu_second_moment(-a) * a * a / (2 * G.norm_cdf(-a))
    assert abs(ratio - 1) < 6 / a**2
    assert abs(ratio - (1 - 5 / a**2 + 37 / a**4 - 353 / a**6)) < 5000 / a**8


def test_moments_positive_and_increasing():
    b = np.linspace(-37.0, 6.0, 20001)  # m2 is a normal float down to about -37.5
    m1, m2 = G.relu_mean(b), G.relu_second_moment(b)
    assert np.all(m1 > 0) and np.all(m2 > 0)
    assert np.all(np.diff(m1) > 0) and np.all(np.diff(m2) > 0)  # m1' = Phi, m2' = 2 m1
    # agree with the naive forms where those are accurate (b >= -2)
    ok = b >= -2
    naive2 = (b**2 + 1) * stats.norm.cdf(b) + b * stats.norm.pdf(b)
    np.testing.assert_allclose(m2[ok], naive2[ok], rtol=1e-12)


def test_moments_vectorised_shapes():
    b = np.array([[-3.0, 0.0], [1.0, -10.0]])
    for f in (
        G.norm_pdf,
        G.norm_cdf,
        G.log_norm_cdf,
        G.relu_mean,
        G.relu_second_moment,
        G.log_relu_mean,
        G.log_relu_second_moment,
        G.relu_first_hermite,
        G.relu_tail_prob,
    ):
        out = f(b)
        assert out.shape == (2, 2)
        np.testing.assert_array_equal(out[1, 1], f(-10.0))
        assert np.ndim(f(-1.0)) == 0 and isinstance(f(-1.0), float)
    coefs = G.relu_hermite_coefs(b, 4)
    assert coefs.shape == (2, 2, 5)
    np.testing.assert_array_equal(coefs[0, 0], G.relu_hermite_coefs(-3.0, 4))
    assert G.relu_hermite_coefs(-1.0, 0).shape == (1,)
    with pytest.raises(ValueError, match="degree must be >= 0"):
        G.relu_hermite_coefs(-1.0, -1)


def test_relu_tail_prob():
    for b in (-0.5, -1.0, -3.0, -4.5):
        expected = stats.norm.sf(abs(b) + 1 / abs(b))
        np.testing.assert_allclose(G.relu_tail_prob(b), expected, rtol=1e-12)
        assert G.relu_tail_prob(-b) == G.relu_tail_prob(b)
    assert G.relu_tail_prob(0.0) == 0.0
    # the spec's n >= 30 / q(b) minimum sample sizes (section 7, item 4)
    for b, n_min in [(2.5, 1.6e4), (3.0, 7.0e4), (3.5, 3.9e5), (4.0, 2.8e6)]:
        assert 30 / G.relu_tail_prob(b) == pytest.approx(n_min, rel=0.05)


# ============================================================ generators: basics


@pytest.mark.parametrize("make", GENERATORS)
def test_shapes_keys_and_planted_neuron(make):
    X, y, info = make(300, 4, random_state=0)
    assert X.shape == (300, 4) and y.shape == (300,)
    assert X.dtype == np.float64 and y.dtype == np.float64 and X.flags.c_contiguous
    assert set(info) == COMMON_KEYS | SPECIFIC_KEYS[make]
    assert "Guo" in info.paper and "COLT 2025" in info.paper
    v = info.direction
    np.testing.assert_allclose(np.linalg.norm(v), 1.0, rtol=1e-14)
    A = info.scale
    np.testing.assert_allclose(A, 1 / math.sqrt(G.relu_second_moment(info.bias)), rtol=1e-14)
    np.testing.assert_allclose(info.coef, A * v, rtol=1e-14)
    np.testing.assert_allclose(info.intercept, A * info.bias, rtol=1e-14)
    # planted_loss_empirical is the half squared loss of relu(X coef + intercept)
    pred = relu(X @ info.coef + info.intercept)
    # the planted loss can be exactly 0 (no noise row in the sample): absolute tolerance
    np.testing.assert_allclose(
        info.planted_loss_empirical,
        0.5 * np.mean((y - pred) ** 2),
        rtol=1e-9,
        atol=1e-12 * np.mean(y**2),
    )


@pytest.mark.parametrize("make", GENERATORS)
def test_default_bias(make):
    _, _, info = make(10, 3, random_state=0)
    assert info.bias == (-1.0 if make is make_biased_relu else -3.0)


@pytest.mark.parametrize("make", GENERATORS)
def test_determinism(make):
    X1, y1, i1 = make(500, 4, random_state=7)
    X2, y2, i2 = make(500, 4, random_state=np.random.RandomState(7))
    X3, y3, _ = make(500, 4, random_state=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    for key in i1:
        np.testing.assert_array_equal(i1[key], i2[key])
    assert not np.array_equal(X1, X3) and not np.array_equal(y1, y3)


@pytest.mark.parametrize("make", GENERATORS)
def test_direction_argument(make):
    X0, _, info0 = make(400, 3, random_state=3)
    X, y, info = make(400, 3, random_state=3, direction=[3.0, 4.0, 0.0])
    np.testing.assert_allclose(info.direction, [0.6, 0.8, 0.0], rtol=1e-15, atol=1e-15)
    np.testing.assert_array_equal(X, X0)  # X is drawn first: the same seed gives the same X
    assert not np.allclose(info0.direction, info.direction)
    np.testing.assert_allclose(
        info.coef, info.scale * np.array([0.6, 0.8, 0.0]), rtol=1e-15, atol=1e-15 * info.scale
    )
    # the direction argument is not modified in place
    d = np.array([0.0, 2.0, 0.0])
    make(5, 3, random_state=0, direction=d)
    np.testing.assert_array_equal(d, [0.0, 2.0, 0.0])


def test_random_direction_is_uniform():
    # over 400 seeds the mean of a uniform unit vector in R^3 has per-coordinate
    # SD 1/sqrt(3 * 400) = 0.029; 5 SE = 0.144
    dirs = np.array([make_biased_relu(1, 3, random_state=s)[2].direction for s in range(400)])
    np.testing.assert_allclose(np.linalg.norm(dirs, axis=1), 1.0, rtol=1e-14)
    assert np.all(np.abs(dirs.mean(axis=0)) < 0.144)
    # E[v v^T] = I/3; entries of the sample mean have SD <= 0.3/sqrt(400) = 0.015
    np.testing.assert_allclose(dirs.T @ dirs / 400, np.eye(3) / 3, atol=0.075)


def test_inputs_are_standard_gaussian():
    X, _, _ = make_biased_relu(200_000, 3, random_state=0)
    n = X.shape[0]
    # mean: SE 1/sqrt(n); second moments: SE sqrt(2)/sqrt(n) (diagonal), 1/sqrt(n) (off)
    assert np.all(np.abs(X.mean(axis=0)) < Z_TOL / math.sqrt(n))
    np.testing.assert_allclose(X.T @ X / n, np.eye(3), atol=Z_TOL * math.sqrt(2 / n))


def test_explicit_scale():
    X, y, info = make_biased_relu(1000, 3, bias=-0.5, scale=2.5, noise=0.0, random_state=0)
    assert info.scale == 2.5
    np.testing.assert_allclose(info.coef, 2.5 * info.direction)
    np.testing.assert_allclose(info.zero_loss, 0.5 * 2.5**2 * G.relu_second_moment(-0.5))
    np.testing.assert_allclose(y, relu(X @ info.coef + info.intercept), rtol=1e-12, atol=1e-14)
    assert info.planted_loss == 0.0 and info.planted_loss_empirical < 1e-28


def test_auto_scale_normalises_the_neuron():
    # scale='auto' makes E[(A relu(z + b))^2] = 1 for every bias
    for b in (-3.0, -1.0, 2.0):
        X, y, info = make_biased_relu(N_MC, 3, bias=b, noise=0.0, random_state=1)
        assert info.scale**2 * G.relu_second_moment(b) == pytest.approx(1.0, rel=1e-14)
        assert_mc(1.0, y**2, max_rel_se=0.08, what=f"E[y^2] at b={b}")


# ============================================================ exact label structure


def test_halfspace_labels_structure():
    X, y, info = make_biased_relu_halfspace_noise(2000, 4, bias=-2.0, kappa=1.5, random_state=0)
    z = X @ info.direction
    A, c = info.scale, info.c
    np.testing.assert_allclose(c, 1.5 * stats.norm.cdf(-2.0) / stats.norm.pdf(0.0), rtol=1e-14)
    np.testing.assert_allclose(y, A * relu(z - 2.0) + A * c * (z < 0), rtol=1e-12, atol=1e-14)


def test_tilted_labels_structure():
    X, y, info = make_biased_relu_tilted_noise(5000, 5, bias=-2.0, noise_offset=1.0, random_state=0)
    v, u = info.direction, info.u
    assert abs(u @ v) < 1e-14 and np.linalg.norm(u) == pytest.approx(1.0, rel=1e-14)
    assert info.noise_height == pytest.approx(1.02 / 2.0) and info.noise_offset == 1.0
    z, zu = X @ v, X @ u
    A, h = info.scale, info.noise_height
    noisy = (zu >= 1.0) & (z < 0)
    assert noisy.sum() > 100
    np.testing.assert_allclose(y, A * relu(z - 2.0) + A * h * noisy, rtol=1e-12, atol=1e-14)
    # default height 1.02/|b| = 0.34 at b = -3 (spec); explicit height allowed at b = 0
    assert make_biased_relu_tilted_noise(5, 3)[2].noise_height == pytest.approx(0.34)
    _, _, info0 = make_biased_relu_tilted_noise(5, 3, bias=0.0, noise_height=0.3)
    assert info0.noise_height == 0.3


def test_tilted_u_differs_between_seeds():
    u1 = make_biased_relu_tilted_noise(5, 6, random_state=0, direction=np.eye(6)[0])[2].u
    u2 = make_biased_relu_tilted_noise(5, 6, random_state=1, direction=np.eye(6)[0])[2].u
    assert u1[0] == 0.0 and u2[0] == 0.0 and not np.allclose(u1, u2)
    _, _, info = make_biased_relu_tilted_noise(5, 2, random_state=0, direction=[1.0, 0.0])
    np.testing.assert_allclose(np.abs(info.u), [0.0, 1.0], atol=1e-15)


@pytest.mark.parametrize("b, t", [(-3.0, 3), (-1.0, 0), (0.5, 5)])
def test_csq_labels_structure(b, t):
    X, y, info = make_csq_hard_relu(3000, 4, bias=b, degree=t, random_state=0)
    z = X @ info.direction
    coefs = info.hermite_coefs
    assert info.degree == t and coefs.shape == (t + 1,)
    np.testing.assert_array_equal(coefs, G.relu_hermite_coefs(b, t))
    poly = sum(coefs[k] * he(k, z) / math.factorial(k) for k in range(t + 1))
    np.testing.assert_allclose(y, info.scale * (relu(z + b) - poly), rtol=1e-10, atol=1e-10)


def test_biased_relu_noise_zero_is_realizable():
    X, y, info = make_biased_relu(1000, 5, bias=0.3, noise=0.0, random_state=0)
    np.testing.assert_allclose(y, relu(X @ info.coef + info.intercept), rtol=1e-12, atol=1e-14)
    assert info.noise == 0.0 and info.planted_loss == 0.0


# ============================================================ closed forms vs Monte Carlo


def _mc_checks(X, y, info, max_rel_se):
    """planted_loss, zero_loss and label_correlation against per-row Monte Carlo."""
    z = X @ info.direction
    resid2 = 0.5 * (y - info.scale * relu(z + info.bias)) ** 2
    assert_mc(info.planted_loss, resid2, max_rel_se=max_rel_se[0], what="planted_loss")
    assert_mc(info.zero_loss, 0.5 * y**2, max_rel_se=max_rel_se[1], what="zero_loss")
    corr = info.label_correlation
    assert_mc(
        corr, y * z, max_rel_se=None if corr == 0 else max_rel_se[2], what="label_correlation"
    )
    np.testing.assert_allclose(
        info.planted_loss_empirical, resid2.mean(), rtol=1e-10, atol=1e-12 * np.mean(y**2)
    )


# max_rel_se: the relative standard errors each case reaches at n = 1e6 (rounded up);
# they bound the size of a formula error the test can detect (about 5x these values).
@pytest.mark.parametrize(
    "b, noise, max_rel_se",
    [
        (-1.0, 0.1, (0.002, 0.006, 0.005)),
        (0.5, 0.3, (0.002, 0.002, 0.003)),
        (-3.0, 0.05, (0.002, 0.08, 0.05)),
    ],
)
def test_biased_relu_monte_carlo(b, noise, max_rel_se):
    X, y, info = make_biased_relu(N_MC, 3, bias=b, noise=noise, random_state=11)
    np.testing.assert_allclose(info.planted_loss, 0.5 * noise**2)
    _mc_checks(X, y, info, max_rel_se)


@pytest.mark.parametrize(
    "b, kappa, max_rel_se",
    [
        (-1.0, 2.0, (0.0015, 0.0015, 0.007)),
        (-2.0, 0.5, (0.0015, 0.02, 0.03)),
        (-3.0, 2.0, (0.0015, 0.08, 0.06)),
        (0.0, 2.0, (0.0015, 0.0015, 0.006)),
    ],
)
def test_halfspace_monte_carlo(b, kappa, max_rel_se):
    X, y, info = make_biased_relu_halfspace_noise(N_MC, 3, bias=b, kappa=kappa, random_state=12)
    _mc_checks(X, y, info, max_rel_se)
    # E[y z] = A Phi(b) (1 - kappa): the decoy sign flip at kappa > 1
    assert np.sign(info.label_correlation) == np.sign(1 - kappa)


@pytest.mark.parametrize(
    "b, h, s, max_rel_se",
    [
        (-1.5, 0.5, 1.0, (0.005, 0.006, 0.016)),
        (-3.0, None, 3.3, (0.09, 0.08, 0.06)),
        (-3.0, 0.4, 3.0, (0.05, 0.06, 0.07)),
    ],
)
def test_tilted_monte_carlo(b, h, s, max_rel_se):
    X, y, info = make_biased_relu_tilted_noise(
        N_MC, 3, bias=b, noise_height=h, noise_offset=s, random_state=13
    )
    _mc_checks(X, y, info, max_rel_se)
    # P(<x, u> >= s, z < 0) = Phi(-s) / 2 (u independent of z)
    noisy = ((X @ info.u) >= s) & ((X @ info.direction) < 0)
    assert_mc(0.5 * stats.norm.sf(s), noisy.astype(float), what="noise region mass")


@pytest.mark.parametrize(
    "b, t, max_rel_se",
    [
        (-1.0, 2, (0.005, 0.004, None)),
        (-3.0, 1, (0.002, 0.09, None)),
        (-3.0, 3, (0.014, 0.08, None)),
        (0.5, 0, (None, 0.002, 0.002)),  # the residual is the constant A c_0: SE 0
    ],
)
def test_csq_monte_carlo(b, t, max_rel_se):
    X, y, info = make_csq_hard_relu(N_MC, 3, bias=b, degree=t, random_state=14)
    _mc_checks(X, y, info, max_rel_se)
    if t >= 1:
        assert info.label_correlation == 0.0


# ============================================================ spec tables


HALFSPACE_TABLE = [
    (-1.0, 1.24),
    (-1.5, 1.41),
    (-2.0, 1.89),
    (-2.5, 3.48),
    (-3.0, 9.88),
    (-3.5, 42.1),
]


def _half_ulp(value):
    """Half a unit in the last printed digit of a 3-significant-digit table entry."""
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(value))) - 2)


@pytest.mark.parametrize("b, ratio", HALFSPACE_TABLE)
def test_halfspace_table_closed_form(b, ratio):
    _, _, info = make_biased_relu_halfspace_noise(10, 3, bias=b, kappa=2.0, random_state=0)
    closed = info.zero_loss / info.planted_loss
    assert abs(closed - ratio) <= _half_ulp(ratio)
    np.testing.assert_allclose(closed, 1 + 2 * G.relu_second_moment(b) / info.c**2, rtol=1e-13)


@pytest.mark.parametrize("b, ratio", [(-1.0, 1.24), (-2.0, 1.89), (-3.0, 9.88)])
def test_halfspace_table_monte_carlo(b, ratio):
    X, y, info = make_biased_relu_halfspace_noise(N_MC, 3, bias=b, kappa=2.0, random_state=21)
    z = X @ info.direction
    emp, se = ratio_se(0.5 * y**2, 0.5 * (y - info.scale * relu(z + b)) ** 2)
    assert abs(emp - ratio) <= Z_TOL * se + _half_ulp(ratio)
    assert se < 0.08 * ratio


@pytest.mark.parametrize("h, s, ratio", [(0.34, 3.3, 8.3), (0.34, 3.6, 23.1), (0.4, 3.0, 2.9)])
def test_tilted_table(h, s, ratio):
    _, _, info = make_biased_relu_tilted_noise(
        10, 3, bias=-3.0, noise_height=h, noise_offset=s, random_state=0
    )
    closed = info.zero_loss / info.planted_loss
    assert abs(closed - ratio) <= 0.05
    np.testing.assert_allclose(
        closed, 1 + 2 * G.relu_second_moment(-3.0) / (h * h * stats.norm.sf(s)), rtol=1e-13
    )


def test_tilted_table_monte_carlo():
    # the (0.4, 3.0) row has ~670 noisy rows in 1e6, enough for a ~5 % SE on the ratio
    X, y, info = make_biased_relu_tilted_noise(
        N_MC, 3, noise_height=0.4, noise_offset=3.0, random_state=22
    )
    z = X @ info.direction
    emp, se = ratio_se(0.5 * y**2, 0.5 * (y - info.scale * relu(z - 3.0)) ** 2)
    assert abs(emp - 2.9) <= Z_TOL * se + 0.05
    assert se < 0.1 * 2.9


@pytest.mark.parametrize(
    "t, removed_pct, ratio, digits",
    [(1, 1.0, 102, 0), (2, 5.8, 16.3, 1), (3, 20.3, 3.9, 1), (4, 46, 1.17, 2)],
)
def test_csq_table(t, removed_pct, ratio, digits):
    _, _, info = make_csq_hard_relu(10, 3, bias=-3.0, degree=t, random_state=0)
    assert round(100 * info.removed_fraction, 1 if removed_pct != 46 else 0) == removed_pct
    closed = info.zero_loss / info.planted_loss
    assert round(closed, digits) == ratio
    np.testing.assert_allclose(
        closed, (1 - info.removed_fraction) / info.removed_fraction, rtol=1e-12
    )


@pytest.mark.parametrize("t, ratio", [(1, 102.0), (2, 16.3), (3, 3.9), (4, 1.17)])
def test_csq_table_monte_carlo(t, ratio):
    X, y, info = make_csq_hard_relu(N_MC, 3, bias=-3.0, degree=t, random_state=23)
    z = X @ info.direction
    emp, se = ratio_se(0.5 * y**2, 0.5 * (y - info.scale * relu(z - 3.0)) ** 2)
    assert abs(emp - ratio) <= Z_TOL * se + _half_ulp(ratio)
    assert se < 0.08 * ratio


# ============================================================ CSQ hardness


@pytest.mark.parametrize("b, t", [(-3.0, 1), (-3.0, 2), (-3.0, 3), (-1.0, 2)])
def test_csq_hermite_moments_vanish_up_to_degree(b, t):
    X, y, info = make_csq_hard_relu(N_MC, 3, bias=b, degree=t, random_state=31)
    z = X @ info.direction
    for k in range(t + 1):
        emp, se = mean_se(y * he(k, z))
        assert abs(emp) <= Z_TOL * se, f"E[y He_{k}(z)] = {emp:.3g} ({emp / se:.1f} SE)"
    # the first surviving coefficient, A c_{t+1}, is clearly visible ...
    expected = info.scale * G.relu_hermite_coefs(b, t + 1)[t + 1]
    emp, se = mean_se(y * he(t + 1, z))
    assert abs(emp) > 10 * se
    # ... and equals the closed form
    assert abs(emp - expected) <= Z_TOL * se


def test_csq_all_low_degree_polynomials_vanish():
    # E[y p(x)] = 0 for every polynomial of degree <= t in all d coordinates (t = 2):
    # the monomials 1, x_j, x_j x_l span them.
    X, y, info = make_csq_hard_relu(N_MC, 3, bias=-2.0, degree=2, random_state=32)
    monomials = [np.ones(N_MC)] + [X[:, j] for j in range(3)]
    monomials += [X[:, j] * X[:, k] for j in range(3) for k in range(j, 3)]
    for m in monomials:
        emp, se = mean_se(y * m)
        assert abs(emp) <= Z_TOL * se
    # a degree-3 monomial along v does not vanish
    z = X @ info.direction
    emp, se = mean_se(y * z**3)
    assert abs(emp) > 10 * se


def test_csq_labels_can_be_negative():
    _, y, _ = make_csq_hard_relu(10_000, 3, bias=-3.0, degree=3, random_state=0)
    assert y.min() < 0 < y.max()


# ============================================================ argument validation


BAD_COMMON = [
    (dict(n_samples=0), ValueError, "n_samples must be >= 1"),
    (dict(n_samples=-5), ValueError, "n_samples must be >= 1"),
    (dict(n_samples=10.0), TypeError, "n_samples must be an integer"),
    (dict(n_samples="10"), TypeError, "n_samples must be an integer"),
    (dict(n_samples=True), TypeError, "n_samples must be an integer"),
    (dict(n_features=0), ValueError, "n_features must be >= "),
    (dict(n_features=2.5), TypeError, "n_features must be an integer"),
    (dict(bias=np.nan), ValueError, "bias must be finite"),
    (dict(bias=-np.inf), ValueError, "bias must be finite"),
    (dict(bias="low"), TypeError, "bias must be a real number"),
    (dict(bias=-50.0), ValueError, "too negative"),
    (dict(bias=-1e200), ValueError, "too negative"),
    (dict(scale="unit"), ValueError, "scale must be 'auto' or a positive float"),
    (dict(scale=0.0), ValueError, "scale must be > 0"),
    (dict(scale=-1.0), ValueError, "scale must be > 0"),
    (dict(scale=np.inf), ValueError, "scale must be finite"),
    (dict(direction=[1.0, 0.0]), ValueError, r"direction must have shape \(n_features,\)"),
    (dict(direction=np.ones((3, 1))), ValueError, r"direction must have shape"),
    (dict(direction=[0.0, 0.0, 0.0]), ValueError, "direction must be nonzero"),
    (dict(direction=[1.0, np.nan, 0.0]), ValueError, "direction contains NaN"),
    (dict(direction=["a", "b", "c"]), TypeError, "direction must be an array of floats"),
    (dict(random_state="seed"), ValueError, "cannot be used to seed"),
]


@pytest.mark.parametrize("make", GENERATORS)
@pytest.mark.parametrize("kwargs, exc, match", BAD_COMMON)
def test_bad_common_arguments(make, kwargs, exc, match):
    args = dict(n_samples=10, n_features=3)
    args.update(kwargs)
    with pytest.raises(exc, match=match) as excinfo:
        make(**args)
    assert make.__name__ in str(excinfo.value) or "seed" in match


@pytest.mark.parametrize(
    "make, kwargs, exc, match",
    [
        (make_biased_relu, dict(noise=-0.1), ValueError, "noise must be >= 0"),
        (make_biased_relu, dict(noise=np.nan), ValueError, "noise must be finite"),
        (make_biased_relu_halfspace_noise, dict(bias=0.5), ValueError, "bias must be <= 0"),
        (make_biased_relu_halfspace_noise, dict(kappa=0.0), ValueError, "kappa must be > 0"),
        (make_biased_relu_halfspace_noise, dict(kappa=-2.0), ValueError, "kappa must be > 0"),
        (make_biased_relu_tilted_noise, dict(bias=0.5), ValueError, "bias must be < 0"),
        (
            make_biased_relu_tilted_noise,
            dict(bias=0.5, noise_height=0.3),
            ValueError,
            "bias must be <= 0",
        ),
        (
            make_biased_relu_tilted_noise,
            dict(bias=0.0),
            ValueError,
            re.escape("bias must be < 0 (noise_height=None"),
        ),
        (make_biased_relu_tilted_noise, dict(n_features=1), ValueError, "n_features must be >= 2"),
        (
            make_biased_relu_tilted_noise,
            dict(noise_height=0.0),
            ValueError,
            "noise_height must be > 0",
        ),
        (
            make_biased_relu_tilted_noise,
            dict(noise_offset=np.inf),
            ValueError,
            "noise_offset must be finite",
        ),
        (make_csq_hard_relu, dict(degree=-1), ValueError, "degree must be >= 0"),
        (make_csq_hard_relu, dict(degree=2.0), TypeError, "degree must be an integer"),
        (make_csq_hard_relu, dict(degree=171), ValueError, "degree must be <= 170"),
    ],
)
def test_bad_specific_arguments(make, kwargs, exc, match):
    args = dict(n_samples=10, n_features=3)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        make(**args)


def test_accepts_numpy_scalars_and_edge_values():
    X, y, info = make_biased_relu(
        np.int64(1), np.int32(1), np.float32(-0.5), noise=0, random_state=np.int64(0)
    )
    assert X.shape == (1, 1) and info.bias == -0.5 and info.noise == 0.0
    _, _, info = make_biased_relu_halfspace_noise(5, 2, bias=0.0)
    assert info.bias == 0.0
    _, _, info = make_csq_hard_relu(5, 2, bias=2.0, degree=0)
    assert info.removed_fraction == pytest.approx(G.relu_mean(2.0) ** 2 / G.relu_second_moment(2.0))
    _, _, info = make_biased_relu(5, 2, bias=-37.0)  # deepest bias whose m2 is a normal float
    assert np.isfinite(info.scale) and info.scale > 0
    with pytest.raises(ValueError, match="too large"):
        make_biased_relu(5, 2, bias=1e200)
    _, _, info = make_biased_relu(5, 2, direction=[1e-320, 0.0])  # denormal: still unit
    np.testing.assert_array_equal(info.direction, [1.0, 0.0])
    _, _, info = make_biased_relu(5, 2, direction=[1e308, 1e308])  # norm would overflow
    np.testing.assert_allclose(info.direction, [2**-0.5, 2**-0.5], rtol=1e-15)
