"""Gaussian moments of a biased ReLU: the one home of these formulas.

With z ~ N(0, 1), sigma(t) = max(t, 0), phi and Phi the standard normal pdf and
cdf (Guo & Vijayaraghavan, COLT 2025, App. B and Lemma 39):

- m1(b) = E[sigma(z + b)]    = phi(b) + b Phi(b)
- m2(b) = E[sigma(z + b)^2]  = (b^2 + 1) Phi(b) + b phi(b)
- E[sigma(z + b) z]          = Phi(b)
- E[sigma(z + b) He_k(z)]    = He_{k-2}(-b) phi(b) for k >= 2

Numerics. For b >= 0 the closed forms are sums of non-negative terms. For
b = -a < 0 both moments are a Gaussian tail times a positive integral,

    m_n(-a) = phi(a) D_n(a),   D_n(a) = int_0^inf t^n exp(-a t - t^2 / 2) dt,

and D_0 = R (the Mills ratio), D_1 = 1 - a R, D_2 = (1 + a^2) R - a. The last two
lose about log10(a^4) digits to cancellation, so for a >= 3 they are evaluated
through Laplace's continued fraction R = 1/(a + T_1), T_k = k/(a + T_{k+1}),
which gives D_1 = R T_1 and D_2 = R T_1 T_2 as products of positive numbers
(full double precision; 60 levels suffice for a >= 3). Below b ~ -38.4 the
moments underflow double precision; the ``log_`` variants stay finite.
"""

import numpy as np
from numpy.polynomial import hermite_e
from scipy.special import erfcx, log_ndtr, ndtr

__all__ = [
    "log_norm_cdf",
    "log_relu_mean",
    "log_relu_second_moment",
    "norm_cdf",
    "norm_pdf",
    "relu_first_hermite",
    "relu_hermite_coefs",
    "relu_mean",
    "relu_second_moment",
    "relu_tail_prob",
]

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
_SQRT_HALF_PI = np.sqrt(0.5 * np.pi)
_CF_SWITCH = 3.0  # continued fraction for a >= this (direct forms lose < 1e-14 below)
_CF_DEPTH = 60


def _as_float(b):
    return np.asarray(b, dtype=np.float64)


def _out(x):
    """0-d arrays become NumPy scalars, like a ufunc's result."""
    return x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


def norm_pdf(b):
    """Standard normal density phi(b) = exp(-b^2/2) / sqrt(2 pi).

    Parameters
    ----------
    b : float or array_like

    Returns
    -------
    float or ndarray
    """
    b = _as_float(b)
    with np.errstate(over="ignore"):  # |b| > 1e154: b*b = inf, phi = 0 exactly as it should
        return _out(np.exp(-0.5 * b * b - _LOG_SQRT_2PI))


def norm_cdf(b):
    """Standard normal cdf Phi(b) (``scipy.special.ndtr``, accurate in the left tail).

    Parameters
    ----------
    b : float or array_like

    Returns
    -------
    float or ndarray
    """
    return _out(ndtr(_as_float(b)))


def log_norm_cdf(b):
    """log Phi(b) (``scipy.special.log_ndtr``), finite far below b = -38.

    Parameters
    ----------
    b : float or array_like

    Returns
    -------
    float or ndarray
    """
    return _out(log_ndtr(_as_float(b)))


def _tail_integrals(a):
    """D_0, D_1, D_2 of the module docstring for a >= 0 (1-D array)."""
    d0 = _SQRT_HALF_PI * erfcx(a / np.sqrt(2.0))
    d1, d2 = np.empty_like(a), np.empty_like(a)
    near = a < _CF_SWITCH
    # direct forms: the cancellation costs < 1e-14 relative for a < 3
    r, an = d0[near], a[near]
    d1[near] = 1.0 - an * r
    d2[near] = r - an * d1[near]
    far = ~near
    if np.any(far):
        af = a[far]
        t = np.zeros_like(af)
        t2 = t
        for k in range(_CF_DEPTH, 0, -1):
            t = k / (af + t)
            if k == 2:
                t2 = t
        r = d0[far]
        d1[far] = r * t
        d2[far] = r * t * t2
    return d0, d1, d2


def _moments(b):
    """(m1, m2, log m1, log m2) elementwise, stable for every b (limits at +-inf)."""
    b = _as_float(b)
    shape = b.shape
    b = b.ravel()
    out = np.full((4, b.size), np.nan)
    m1, m2, log_m1, log_m2 = out
    # |b| > 1e154 overflows b*b: inf and 0 are then the right limits
    with np.errstate(over="ignore", divide="ignore"):
        log_phi = -0.5 * b * b - _LOG_SQRT_2PI
        phi = np.exp(log_phi)
        neg = b < 0
        if np.any(neg):
            _, d1, d2 = _tail_integrals(-b[neg])
            m1[neg] = phi[neg] * d1
            m2[neg] = phi[neg] * d2
            log_m1[neg] = log_phi[neg] + np.log(d1)
            log_m2[neg] = log_phi[neg] + np.log(d2)
        pos = b >= 0  # NaN stays NaN
        if np.any(pos):
            bp, phip, cdfp = b[pos], phi[pos], ndtr(b[pos])
            with np.errstate(invalid="ignore"):
                bphi = bp * phip
            bphi[phip == 0] = 0.0  # b phi(b) -> 0 as b -> inf
            m1[pos] = phip + bp * cdfp
            m2[pos] = (bp * bp + 1.0) * cdfp + bphi
            log_m1[pos] = np.log(m1[pos])
            log_m2[pos] = np.log(m2[pos])
    return tuple(x.reshape(shape) for x in out)


def relu_mean(b):
    """m1(b) = E[sigma(z + b)] = phi(b) + b Phi(b), z ~ N(0, 1).

    Positive and accurate to a few ulps for every b where it does not underflow
    (b above about -38.4).

    Parameters
    ----------
    b : float or array_like

    Returns
    -------
    float or ndarray
    """
    return _out(_moments(b)[0])


def log_relu_mean(b):
    """log m1(b), finite for every finite b.

    Parameters
    ----------
    b : float or array_like

    Returns
    -------
    float or ndarray
    """
    return _out(_moments(b)[2])


def relu_second_moment(b):
    """m2(b) = E[sigma(z + b)^2] = (b^2 + 1) Phi(b) + b phi(b), z ~ N(0, 1).

    Evaluated without cancellation (see the module docstring), so it stays
    positive and accurate as b -> -inf, where m2(b) = (2 + o(1)) Phi(b) / b^2
    (Guo & Vijayaraghavan, App. B), until it underflows near b = -38.4.

    Parameters
    ----------
    b : float or array_like

    Returns
    -------
    float or ndarray
    """
    return _out(_moments(b)[1])


def log_relu_second_moment(b):
    """log m2(b), finite for every finite b (use it for 1/sqrt(m2) at huge |b|).

    Parameters
    ----------
    b : float or array_like

    Returns
    -------
    float or ndarray
    """
    return _out(_moments(b)[3])


def relu_first_hermite(b):
    """E[sigma(z + b) z] = Phi(b), the first Hermite coefficient of the ReLU.

    Parameters
    ----------
    b : float or array_like

    Returns
    -------
    float or ndarray
    """
    return norm_cdf(b)


def relu_hermite_coefs(b, degree):
    """Hermite coefficients c_k = E[sigma(z + b) He_k(z)], k = 0..degree.

    c_0 = m1(b), c_1 = Phi(b), c_k = He_{k-2}(-b) phi(b) for k >= 2, with He_k the
    probabilists' Hermite polynomials (``numpy.polynomial.hermite_e``,
    E[He_j He_k] = k! [j == k]); so sigma(z + b) = sum_k c_k He_k(z) / k!
    (Guo & Vijayaraghavan, COLT 2025, Lemma 39).

    Parameters
    ----------
    b : float or array_like
    degree : int
        Highest order t >= 0.

    Returns
    -------
    ndarray of shape ``np.shape(b) + (degree + 1,)``
    """
    degree = int(degree)
    if degree < 0:
        raise ValueError(f"degree must be >= 0, got {degree}.")
    b = _as_float(b)
    coefs = np.empty(b.shape + (degree + 1,))
    coefs[..., 0] = _moments(b)[0]
    if degree >= 1:
        coefs[..., 1] = ndtr(b)
    if degree >= 2:
        # He_0(-b), ..., He_{degree-2}(-b): shape (degree - 1,) + b.shape
        he = hermite_e.hermeval(-b, np.eye(degree - 1))
        coefs[..., 2:] = np.moveaxis(np.asarray(he), 0, -1) * norm_pdf(b)[..., None]
    return coefs


def relu_tail_prob(bhat):
    """q(b) = Phi(-(|b| + 1/|b|)): probability that sigma(<x, v> + b) >= 1/|b|.

    The share of rows above the paper's PCA threshold in the realizable model
    (spec section 2.2); 0 at b = 0.

    Parameters
    ----------
    bhat : float or array_like

    Returns
    -------
    float or ndarray
    """
    a = np.abs(_as_float(bhat))
    with np.errstate(divide="ignore"):
        return _out(ndtr(-(a + 1.0 / a)))
