"""XOR data for :class:`~sklearn_relu.TwoLayerXORClassifier` (Glasgow, ICLR 2024)."""

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._validation import _check_int, _check_real

__all__ = ["make_gaussian_xor", "make_xor_hypercube"]

_G24 = (
    "M. Glasgow, SGD Finds then Tunes Features in Two-Layer Neural Networks with "
    "near-Optimal Sample Complexity: A Case Study in the XOR problem, ICLR 2024 "
    "(arXiv:2309.15111)"
)


def _check_coords(coords, d, func):
    try:
        i, j = (int(c) for c in coords)
        ok = all(float(c) == int(c) and not isinstance(c, (bool, np.bool_)) for c in coords)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{func}: coords must be a pair of integers, got {coords!r}.") from exc
    if not ok or len(tuple(coords)) != 2:
        raise TypeError(f"{func}: coords must be a pair of integers, got {coords!r}.")
    if i == j:
        raise ValueError(f"{func}: the two coords must differ, got ({i}, {j}).")
    if not (0 <= i < d and 0 <= j < d):
        raise ValueError(f"{func}: coords must lie in [0, n_features) = [0, {d}), got ({i}, {j}).")
    return i, j


def _haar_rotation(rng, d):
    """Haar-distributed orthogonal matrix (QR of a Gaussian matrix, signs fixed)."""
    Q, R = np.linalg.qr(rng.standard_normal((d, d)))
    return Q * np.sign(np.diag(R))


def _xor_info(i, j, d, rotation, bayes_error, paper):
    basis = np.zeros((2, d))
    basis[0, i] = basis[1, j] = 1.0
    if rotation is not None:
        basis = basis @ rotation
    u_plus = (basis[0] + basis[1]) / np.sqrt(2.0)
    u_minus = (basis[0] - basis[1]) / np.sqrt(2.0)
    # -x_i x_j = 1/2 (relu(x_i - x_j) + relu(x_j - x_i) - relu(x_i + x_j) - relu(-x_i - x_j))
    # on the hypercube: four ReLUs along +-u_minus (a > 0) and +-u_plus (a < 0).
    s2 = np.sqrt(2.0)
    W = np.vstack([u_minus, -u_minus, u_plus, -u_plus]) * s2
    a = np.array([0.5, 0.5, -0.5, -0.5])
    return Bunch(
        coords=(i, j),
        feature_basis=basis,
        u_plus=u_plus,
        u_minus=u_minus,
        rotation=rotation,
        bayes_error=bayes_error,
        planted=Bunch(hidden_weights=W, output_weights=a),
        paper=paper,
    )


def make_xor_hypercube(
    n_samples=1000,
    n_features=32,
    *,
    coords=(0, 1),
    label_noise=0.0,
    rotate=False,
    random_state=None,
):
    """Generate XOR of two coordinates on the Boolean hypercube, y = -x_i x_j.

    The setting of :cite:t:`Gla24`: x uniform on {-1, +1}^d and the label
    -x_i x_j of two unknown coordinates; y = +1 exactly when x_i != x_j. Four ReLU
    neurons realise the target exactly (``info.planted``), along +-u_minus with positive
    and +-u_plus with negative output weight, u_+- = (e_i +- e_j) / sqrt(2).

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows, >= 1.
    n_features : int, default=32
        Dimension d, >= 2.
    coords : pair of int, default=(0, 1)
        The two coordinates (i, j), distinct and in [0, d).
    label_noise : float in [0, 0.5), default=0.0
        Probability of flipping each label independently (an extension; the paper has
        no noise). It is then the Bayes error.
    rotate : bool, default=False
        Return X R for a Haar-random orthogonal R (labels unchanged): XOR in an unknown
        basis, which rotation-invariant SGD learns equally well.
    random_state : int, RandomState instance or None, default=None
        Draws X, then the label flips, then the rotation.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Points of {-1, +1}^d (or their rotation), float64.
    y : ndarray of shape (n_samples,)
        Labels in {-1, +1} (float64).
    info : Bunch
        ``coords``; ``feature_basis`` (2, d) rows e_i, e_j (rotated when ``rotate``);
        ``u_plus``, ``u_minus``; ``rotation`` (d, d) or None; ``bayes_error`` (=
        ``label_noise``); ``planted``: the exact four-neuron network
        (``hidden_weights`` (4, d), ``output_weights`` (4,)); ``paper``.

    Examples
    --------
    >>> from sklearn_relu.datasets import make_xor_hypercube
    >>> X, y, info = make_xor_hypercube(5, 8, coords=(2, 5), random_state=0)
    >>> bool((y == -X[:, 2] * X[:, 5]).all())
    True
    """
    func = "make_xor_hypercube"
    n = _check_int("n_samples", n_samples, 1, func)
    d = _check_int("n_features", n_features, 2, func)
    i, j = _check_coords(coords, d, func)
    q = _check_real("label_noise", label_noise, func, low=0.0, high=0.5, high_closed=False)
    if not isinstance(rotate, (bool, np.bool_)):
        raise TypeError(f"{func}: rotate must be a bool, got {rotate!r}.")
    rng = check_random_state(random_state)
    X = np.where(rng.random_sample((n, d)) < 0.5, -1.0, 1.0)
    y = -X[:, i] * X[:, j]
    if q > 0:
        y = np.where(rng.random_sample(n) < q, -y, y)
    rotation = _haar_rotation(rng, d) if rotate else None
    if rotation is not None:
        X = np.ascontiguousarray(X @ rotation)
    return X, y, _xor_info(i, j, d, rotation, q, _G24)


def make_gaussian_xor(n_samples=1000, n_features=32, *, coords=(0, 1), random_state=None):
    """Generate Gaussian XOR: x ~ N(0, I_d), y = -sign(x_i x_j) (sign(0) := 1).

    A harder variant with zero margin (points lie arbitrarily close to the boundary),
    studied by Braun & Imaizumi (AISTATS 2026); Glasgow's d polylog d guarantee is for
    the hypercube and is not claimed here.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows, >= 1.
    n_features : int, default=32
        Dimension d, >= 2.
    coords : pair of int, default=(0, 1)
        The two coordinates (i, j), distinct and in [0, d).
    random_state : int, RandomState instance or None, default=None
        Seed of the draw.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Standard Gaussian inputs, float64.
    y : ndarray of shape (n_samples,)
        Labels in {-1, +1}.
    info : Bunch
        The fields of :func:`make_xor_hypercube` (``rotation`` None, ``bayes_error`` 0;
        ``planted`` realises the labels only on the hypercube).

    Examples
    --------
    >>> from sklearn_relu.datasets import make_gaussian_xor
    >>> X, y, info = make_gaussian_xor(4, 3, random_state=0)
    >>> X.shape, sorted(set(y.tolist())) <= [-1.0, 1.0]
    ((4, 3), True)
    """
    func = "make_gaussian_xor"
    n = _check_int("n_samples", n_samples, 1, func)
    d = _check_int("n_features", n_features, 2, func)
    i, j = _check_coords(coords, d, func)
    rng = check_random_state(random_state)
    X = rng.standard_normal((n, d))
    y = np.where(X[:, i] * X[:, j] >= 0.0, -1.0, 1.0)
    return (
        X,
        y,
        _xor_info(i, j, d, None, 0.0, _G24 + "; Gaussian variant: Braun & Imaizumi, AISTATS 2026"),
    )
