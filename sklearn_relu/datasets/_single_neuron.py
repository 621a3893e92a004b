"""Synthetic data with a planted biased ReLU, as in the papers the estimators implement.

Every generator returns ``(X, y, info)``: ``X`` ~ N(0, I_d) (float64, C order), labels
``y`` of shape ``(n_samples,)`` and a :class:`~sklearn.utils.Bunch` with the planted
neuron and its population losses in closed form. All losses are the papers' half
squared loss L = 1/2 E[(y - prediction)^2] (see :func:`sklearn_relu.metrics.half_squared_loss`).

Single-neuron generators (Guo & Vijayaraghavan, COLT 2025):

- :func:`make_biased_relu`: realizable neuron plus Gaussian label noise (sanity scenario).
- :func:`make_biased_relu_halfspace_noise`: the paper's Eq. 4 counterexample for gradient
  descent, lifted to d dimensions.
- :func:`make_biased_relu_tilted_noise`: noise that tilts the thresholded-PCA warm start.
- :func:`make_csq_hard_relu`: the correlational-SQ lower-bound instance (Lemma 39).
"""

import math

import numpy as np
from numpy.polynomial import hermite_e
from sklearn.utils import Bunch, check_random_state

from .._gaussian import norm_cdf, norm_pdf, relu_hermite_coefs, relu_second_moment
from ..metrics import half_squared_loss
from ._validation import _check_int, _check_real, _unit_vector

__all__ = [
    "make_biased_relu",
    "make_biased_relu_halfspace_noise",
    "make_biased_relu_tilted_noise",
    "make_csq_hard_relu",
]

_GV25 = (
    "A. Guo and A. Vijayaraghavan, Agnostic Learning of Arbitrary ReLU Activation "
    "under Gaussian Marginals, COLT 2025, PMLR 291:2592-2631 (arXiv:2411.14349)"
)
_MAX_DEGREE = 170  # k! overflows double precision beyond this


def _check_bias(bias, func, *, high=None, high_closed=True, why=""):
    bias = _check_real("bias", bias, func, high=high, high_closed=high_closed, why=why)
    m2 = float(relu_second_moment(bias))
    if m2 < np.finfo(np.float64).tiny:
        raise ValueError(
            f"{func}: bias={bias:g} is too negative: E[relu(z + bias)^2] = {m2:.3g} underflows "
            "double precision (the neuron is active with probability < 1e-300); "
            "use bias >= -37."
        )
    if not math.isfinite(m2):
        raise ValueError(f"{func}: bias={bias:g} is too large: E[relu(z + bias)^2] overflows.")
    return bias, m2


def _check_scale(scale, m2, func):
    if isinstance(scale, str):
        if scale != "auto":
            raise ValueError(f"{func}: scale must be 'auto' or a positive float, got {scale!r}.")
        return 1.0 / math.sqrt(m2)
    return _check_real("scale", scale, func, low=0.0, low_closed=False)


def _check_direction(direction, n_features, func):
    if direction is None:
        return None
    try:
        v = np.array(direction, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{func}: direction must be an array of floats, got {direction!r}."
        ) from exc
    if v.shape != (n_features,):
        raise ValueError(
            f"{func}: direction must have shape (n_features,) = ({n_features},), "
            f"got shape {v.shape}."
        )
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{func}: direction contains NaN or infinity.")
    peak = np.max(np.abs(v))
    if peak == 0.0:
        raise ValueError(f"{func}: direction must be nonzero.")
    v = v / peak  # guards the norm against overflow and underflow
    return v / np.linalg.norm(v)


def _common(
    func,
    n_samples,
    n_features,
    bias,
    direction,
    scale,
    random_state,
    *,
    min_features=1,
    bias_high=None,
    bias_high_closed=True,
    bias_why="",
):
    """Validate the shared arguments; return (n, d, b, m2, A, v or None, rng)."""
    n = _check_int("n_samples", n_samples, 1, func)
    d = _check_int("n_features", n_features, min_features, func)
    b, m2 = _check_bias(bias, func, high=bias_high, high_closed=bias_high_closed, why=bias_why)
    A = _check_scale(scale, m2, func)
    v = _check_direction(direction, d, func)
    rng = check_random_state(random_state)
    return n, d, b, m2, A, v, rng


def _draw(n, d, v, rng):
    """X ~ N(0, I_d) first (so a seed gives the same X whatever the direction), then v
    when it was not given; returns X, v and z = X v.
    """
    X = rng.standard_normal((n, d))
    if v is None:
        v = _unit_vector(rng, d)
    return X, v, X @ v


def _info(A, v, b, y, planted, **fields):
    return Bunch(
        coef=A * v,
        intercept=A * b,
        direction=v.copy(),
        bias=b,
        scale=A,
        planted_loss_empirical=half_squared_loss(y, planted),
        **fields,
    )


_SHARED_PARAMS = """n_samples : int, default=1000
        Number of rows, >= 1.
    n_features : int, default=10
        Dimension d, >= {min_features}.
    bias : float, default={bias}
        Bias b of the planted neuron relu(<x, v> + b) before scaling{bias_rule}.
    direction : array-like of shape (n_features,), default=None
        Planted direction (normalised to unit length); None draws it uniformly on the
        sphere from ``random_state``.
    scale : 'auto' or float > 0, default='auto'
        Output scale A of the neuron. 'auto' sets A = 1 / sqrt(m2(b)), m2(b) =
        E[relu(z + b)^2], so the neuron's part of the labels has unit second moment.
    random_state : int, RandomState instance or None, default=None
        Draws X first, then the direction (when not given), then any other randomness,
        so a fixed seed gives the same X whatever ``direction`` is."""

_SHARED_RETURNS = """X : ndarray of shape (n_samples, n_features)
        Standard Gaussian inputs, float64, C order.
    y : ndarray of shape (n_samples,)
        Labels.
    info : Bunch
        ``coef`` (A v), ``intercept`` (A b): the planted neuron in original units;
        ``direction`` (unit v), ``bias`` (b), ``scale`` (A, resolved);
        ``planted_loss``: population half squared loss 1/2 E[(y - A relu(<x, v> + b))^2] of
        the planted neuron in closed form (an upper bound on OPT);
        ``zero_loss``: 1/2 E[y^2] in closed form (the zero function's loss);
        ``planted_loss_empirical``: the planted neuron's half squared loss on the returned
        sample; ``label_correlation``: E[y <x, v>] in closed form (what gradient descent
        from zero sees first along v); ``paper``: the source."""


# --------------------------------------------------------------------------- generators


def make_biased_relu(
    n_samples=1000,
    n_features=10,
    bias=-1.0,
    *,
    direction=None,
    scale="auto",
    random_state=None,
    noise=0.1,
):
    """Realizable biased ReLU plus Gaussian label noise.

    y = A relu(<x, v> + b) + noise * xi, with x ~ N(0, I_d) and xi ~ N(0, 1)
    independent (scenario D of the single-neuron spec, a sanity check: every
    reasonable learner should reach the planted loss).

    Parameters
    ----------
    {shared}
    noise : float, default=0.1
        Standard deviation of the additive Gaussian label noise, >= 0.

    Returns
    -------
    {returns}
        Also ``noise``.

    Notes
    -----
    With m2(b) = (b^2 + 1) Phi(b) + b phi(b) (Guo & Vijayaraghavan, App. B):
    planted_loss = noise^2 / 2, zero_loss = (A^2 m2(b) + noise^2) / 2,
    label_correlation = A Phi(b).

    References
    ----------
    A. Guo and A. Vijayaraghavan. Agnostic Learning of Arbitrary ReLU Activation under
    Gaussian Marginals. COLT 2025, PMLR 291:2592-2631. Model of Eq. 1 with data as in
    Section 1.

    Examples
    --------
    >>> from sklearn_relu.datasets import make_biased_relu
    >>> X, y, info = make_biased_relu(500, 3, bias=-0.5, random_state=0)
    >>> X.shape, y.shape
    ((500, 3), (500,))
    >>> round(float(info.planted_loss), 6)
    0.005
    """
    func = "make_biased_relu"
    noise = _check_real("noise", noise, func, low=0.0)
    n, d, b, m2, A, v, rng = _common(
        func, n_samples, n_features, bias, direction, scale, random_state
    )
    X, v, z = _draw(n, d, v, rng)
    xi = rng.standard_normal(n)
    planted = A * np.maximum(z + b, 0.0)
    y = planted + noise * xi
    return (
        X,
        y,
        _info(
            A,
            v,
            b,
            y,
            planted,
            planted_loss=0.5 * noise**2,
            zero_loss=0.5 * (A * A * m2 + noise**2),
            label_correlation=A * float(norm_cdf(b)),
            noise=noise,
            paper=_GV25 + "; realizable neuron (Eq. 1) plus Gaussian label noise",
        ),
    )


def make_biased_relu_halfspace_noise(
    n_samples=1000,
    n_features=10,
    bias=-3.0,
    *,
    direction=None,
    scale="auto",
    random_state=None,
    kappa=2.0,
):
    """Biased ReLU with a constant offset on the half-space <x, v> < 0 (GD's decoy).

    y = A [relu(z + b) + c 1{{z < 0}}], z = <x, v>, c = kappa Phi(b) / phi(0): the
    one-dimensional counterexample of Guo & Vijayaraghavan (Eq. 4) lifted to d
    dimensions (scenario A of the single-neuron spec). For kappa > 1 the label
    correlation E[y z] = A Phi(b) (1 - kappa) is negative, so gradient descent is pulled
    towards -v although the planted neuron's loss is small for very negative b.

    Parameters
    ----------
    {shared}
    kappa : float, default=2.0
        Noise level in units of Phi(b)/phi(0), > 0; the correlation flips sign at 1.

    Returns
    -------
    {returns}
        Also ``kappa`` and ``c``.

    Notes
    -----
    The noise region {{z < 0}} and the active region {{z > -b}} are disjoint for b <= 0,
    which gives planted_loss = A^2 c^2 / 4, zero_loss = A^2 (m2(b) / 2 + c^2 / 4),
    zero_loss / planted_loss = 1 + 2 m2(b) / c^2 (1.24, 1.41, 1.89, 3.48, 9.88, 42.1 at
    kappa = 2 and b = -1, -1.5, ..., -3.5), label_correlation = A (Phi(b) - c phi(0)).

    References
    ----------
    A. Guo and A. Vijayaraghavan. Agnostic Learning of Arbitrary ReLU Activation under
    Gaussian Marginals. COLT 2025, PMLR 291:2592-2631, Eq. 4 and Section 3.

    Examples
    --------
    >>> from sklearn_relu.datasets import make_biased_relu_halfspace_noise
    >>> X, y, info = make_biased_relu_halfspace_noise(1000, 5, bias=-3.0, random_state=0)
    >>> round(float(info.zero_loss / info.planted_loss), 2)
    9.88
    >>> bool(info.label_correlation < 0)
    True
    """
    func = "make_biased_relu_halfspace_noise"
    kappa = _check_real("kappa", kappa, func, low=0.0, low_closed=False)
    n, d, b, m2, A, v, rng = _common(
        func,
        n_samples,
        n_features,
        bias,
        direction,
        scale,
        random_state,
        bias_high=0.0,
        bias_why=" (the noise half-space z < 0 must not meet the active region z > -bias)",
    )
    c = kappa * float(norm_cdf(b)) / float(norm_pdf(0.0))
    X, v, z = _draw(n, d, v, rng)
    planted = A * np.maximum(z + b, 0.0)
    y = planted + (A * c) * (z < 0.0)
    return (
        X,
        y,
        _info(
            A,
            v,
            b,
            y,
            planted,
            planted_loss=0.25 * (A * c) ** 2,
            zero_loss=0.5 * A * A * m2 + 0.25 * (A * c) ** 2,
            label_correlation=A * (float(norm_cdf(b)) - c * float(norm_pdf(0.0))),
            kappa=kappa,
            c=c,
            paper=_GV25 + "; Eq. 4 lifted to d dimensions",
        ),
    )


def make_biased_relu_tilted_noise(
    n_samples=1000,
    n_features=10,
    bias=-3.0,
    *,
    direction=None,
    scale="auto",
    random_state=None,
    noise_height=None,
    noise_offset=3.3,
):
    """Biased ReLU plus a noise bump that tilts the thresholded PCA.

    y = A [relu(z + b) + h 1{{<x, u> >= s, z < 0}}], z = <x, v>, with u a unit vector
    orthogonal to v drawn from ``random_state`` (scenario B of the single-neuron spec;
    needs n_features >= 2).
    With h >= 1/abs(b) the noise rows pass the paper's PCA threshold abs(y) >= A/abs(b) and add
    about (s phi(s) / 2) u u^T plus a negative u-v cross term to the thresholded second
    moment, which rotates its top eigenvector away from v; the projected gradient
    stage of Algorithm 1 has to rotate it back.

    Parameters
    ----------
    {shared}
    noise_height : float > 0 or None, default=None
        The height h of the bump; None sets h = 1.02 / abs(b) (just above the
        threshold; 0.34 at b = -3), which needs b < 0.
    noise_offset : float, default=3.3
        The offset s of the half-space {{<x, u> >= s}}.

    Returns
    -------
    {returns}
        Also ``u`` (unit, orthogonal to v), ``noise_height`` (h, resolved) and
        ``noise_offset`` (s).

    Notes
    -----
    u is independent of v's coordinate and the noise sits on z < 0, disjoint from the
    active region for b <= 0, so planted_loss = A^2 h^2 Phi(-s) / 4,
    zero_loss = A^2 (m2(b) / 2 + h^2 Phi(-s) / 4) (zero/planted 8.3, 23.1 and 2.9 at b = -3
    for (h, s) = (0.34, 3.3), (0.34, 3.6), (0.4, 3.0)) and
    label_correlation = A (Phi(b) - h Phi(-s) phi(0)).

    References
    ----------
    A. Guo and A. Vijayaraghavan. Agnostic Learning of Arbitrary ReLU Activation under
    Gaussian Marginals. COLT 2025, PMLR 291:2592-2631, Theorem 13 (PCA warm start) and
    Theorem 7 (reweighted projected gradient descent).

    Examples
    --------
    >>> from sklearn_relu.datasets import make_biased_relu_tilted_noise
    >>> X, y, info = make_biased_relu_tilted_noise(1000, 5, random_state=0)
    >>> round(float(info.zero_loss / info.planted_loss), 1)
    8.3
    >>> abs(float(info.u @ info.direction)) < 1e-12
    True
    """
    func = "make_biased_relu_tilted_noise"
    bias_high, closed, why = (
        0.0,
        True,
        (" (the noise region z < 0 must not meet the active region z > -bias)"),
    )
    if noise_height is None:
        closed, why = False, " (noise_height=None sets h = 1.02/|bias|)"
    n, d, b, m2, A, v, rng = _common(
        func,
        n_samples,
        n_features,
        bias,
        direction,
        scale,
        random_state,
        min_features=2,
        bias_high=bias_high,
        bias_high_closed=closed,
        bias_why=why,
    )
    if noise_height is None:
        h = 1.02 / abs(b)
    else:
        h = _check_real("noise_height", noise_height, func, low=0.0, low_closed=False)
    s = _check_real("noise_offset", noise_offset, func)
    X, v, z = _draw(n, d, v, rng)
    u = _unit_vector(rng, d, orthogonal_to=v)
    planted = A * np.maximum(z + b, 0.0)
    y = planted + (A * h) * ((X @ u >= s) & (z < 0.0))
    tail = float(norm_cdf(-s))
    planted_loss = 0.25 * (A * h) ** 2 * tail
    return (
        X,
        y,
        _info(
            A,
            v,
            b,
            y,
            planted,
            planted_loss=planted_loss,
            zero_loss=0.5 * A * A * m2 + planted_loss,
            label_correlation=A * (float(norm_cdf(b)) - h * tail * float(norm_pdf(0.0))),
            u=u,
            noise_height=h,
            noise_offset=s,
            paper=_GV25 + "; noise that tilts the thresholded-PCA warm start (Theorem 13)",
        ),
    )


def make_csq_hard_relu(
    n_samples=1000,
    n_features=10,
    bias=-3.0,
    *,
    direction=None,
    scale="auto",
    random_state=None,
    degree=3,
):
    """Biased ReLU with its low-degree Hermite part removed (the CSQ-hard instance).

    y = A g(z), z = <x, v>, g(z) = relu(z + b) - sum_{{k<=t}} c_k He_k(z) / k!, with He_k
    the probabilists' Hermite polynomials (E[He_j He_k] = k! [j == k]) and the ReLU's
    Hermite coefficients c_0 = m1(b), c_1 = Phi(b), c_k = He_{{k-2}}(-b) phi(b) for k >= 2
    (Guo & Vijayaraghavan, Lemma 39). Then E[y p(x)] = 0 for every polynomial p of degree
    <= t: correlational statistical queries of low degree see nothing (Theorems 2 and 33),
    while the planted neuron still has a small loss for very negative b (scenario C of
    the single-neuron spec). Labels may be negative.

    Parameters
    ----------
    {shared}
    degree : int, default=3
        The highest Hermite degree t removed, 0 <= t <= 170.

    Returns
    -------
    {returns}
        Also ``hermite_coefs`` (c_0, ..., c_t), ``degree`` (t) and
        ``removed_fraction``.

    Notes
    -----
    With r = sum_{{k<=t}} c_k^2 / k!: planted_loss = A^2 r / 2,
    zero_loss = A^2 (m2(b) - r) / 2, removed_fraction = r / m2(b) (at b = -3: 1.0 %, 5.8 %,
    20.3 %, 46 % for t = 1..4, i.e. zero/planted 102, 16.3, 3.9, 1.17),
    label_correlation = A Phi(b) for t = 0 and 0 for t >= 1.

    References
    ----------
    A. Guo and A. Vijayaraghavan. Agnostic Learning of Arbitrary ReLU Activation under
    Gaussian Marginals. COLT 2025, PMLR 291:2592-2631, Lemma 39, Theorems 2 and 33.

    Examples
    --------
    >>> from sklearn_relu.datasets import make_csq_hard_relu
    >>> X, y, info = make_csq_hard_relu(1000, 5, bias=-3.0, degree=2, random_state=0)
    >>> round(float(info.zero_loss / info.planted_loss), 1)
    16.3
    """
    func = "make_csq_hard_relu"
    t = _check_int("degree", degree, 0, func)
    if t > _MAX_DEGREE:
        raise ValueError(
            f"{func}: degree must be <= {_MAX_DEGREE} (k! overflows double "
            f"precision beyond), got {t}."
        )
    n, d, b, m2, A, v, rng = _common(
        func, n_samples, n_features, bias, direction, scale, random_state
    )
    coefs = relu_hermite_coefs(b, t)
    factorials = np.array([float(math.factorial(k)) for k in range(t + 1)])
    removed = float(np.sum(coefs**2 / factorials))
    X, v, z = _draw(n, d, v, rng)
    planted = A * np.maximum(z + b, 0.0)
    y = planted - A * hermite_e.hermeval(z, coefs / factorials)
    return (
        X,
        y,
        _info(
            A,
            v,
            b,
            y,
            planted,
            planted_loss=0.5 * A * A * removed,
            zero_loss=0.5 * A * A * max(m2 - removed, 0.0),
            label_correlation=A * float(norm_cdf(b)) if t == 0 else 0.0,
            hermite_coefs=coefs,
            degree=t,
            removed_fraction=removed / m2,
            paper=_GV25 + "; CSQ lower-bound instance (Lemma 39, Theorems 2 and 33)",
        ),
    )


def _fill_docstrings():
    for func, bias, rule, min_features in [
        (make_biased_relu, "-1.0", "; any finite value", 1),
        (make_biased_relu_halfspace_noise, "-3.0", "; must be <= 0", 1),
        (
            make_biased_relu_tilted_noise,
            "-3.0",
            ";\n        must be <= 0, and < 0 when ``noise_height`` is None",
            2,
        ),
        (make_csq_hard_relu, "-3.0", "; any finite value", 1),
    ]:
        if func.__doc__ is None:  # python -OO
            continue
        func.__doc__ = func.__doc__.format(
            shared=_SHARED_PARAMS.format(bias=bias, bias_rule=rule, min_features=min_features),
            returns=_SHARED_RETURNS,
        )


_fill_docstrings()
