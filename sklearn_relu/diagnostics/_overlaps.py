"""Overlaps between the first layer of a two-layer network and planted target directions.

Generic: every function takes first-layer weights ``W`` of shape ``(p, d)`` (one row per
hidden neuron) and target directions of shape ``(r, d)``, so any two-layer estimator can
use them (:class:`~sklearn_relu.GiantStepRegressor` calls :func:`subspace_overlaps` after
every step).
"""

import numpy as np
from sklearn.utils import Bunch

__all__ = ["orthonormal_directions", "subspace_overlaps", "update_cosines"]


def orthonormal_directions(directions, n_features=None):
    """Orthonormalise target directions given as rows (QR, signs kept).

    Parameters
    ----------
    directions : array-like of shape (r, d) or (d,)
        Target directions, one per row; a 1-D array is one direction.
    n_features : int, default=None
        When given, ``d`` must equal it.

    Returns
    -------
    theta : ndarray of shape (r, d)
        Orthonormal rows spanning the same subspace; row ``k`` has a positive inner
        product with input row ``k`` (QR with signs fixed), so a basis that is already
        orthonormal is returned unchanged up to rounding.

    Examples
    --------
    >>> from sklearn_relu.diagnostics import orthonormal_directions
    >>> orthonormal_directions([[2.0, 0.0], [1.0, 1.0]]).round(12) + 0.0
    array([[1., 0.],
           [0., 1.]])
    """
    theta = np.atleast_2d(np.asarray(directions, dtype=np.float64))
    if theta.ndim != 2:
        raise ValueError(f"directions must have shape (r, d); got shape {theta.shape}.")
    r, d = theta.shape
    if n_features is not None and d != n_features:
        raise ValueError(f"directions have {d} columns but the data have n_features={n_features}.")
    if r == 0 or r > d:
        raise ValueError(f"directions must hold between 1 and d={d} rows; got {r}.")
    if not np.all(np.isfinite(theta)):
        raise ValueError("directions contain NaN or infinity.")
    q, rr = np.linalg.qr(theta.T)
    diag = np.diag(rr)
    if np.any(np.abs(diag) <= 1e-12 * max(1.0, np.abs(theta).max())):
        raise ValueError("directions are linearly dependent (or zero); pass r independent rows.")
    return np.ascontiguousarray((q * np.sign(diag)).T)


def _row_cosines(V, theta):
    """``<v_i, theta_k> / ||v_i||`` (0 for a zero row)."""
    norms = np.linalg.norm(V, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    return (V @ theta.T) / safe[:, None]


def _check_weights(W, name="W"):
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2:
        raise ValueError(f"{name} must have shape (p, d); got shape {W.shape}.")
    return W


def subspace_overlaps(W, directions):
    """Measure the overlap of every hidden neuron with the target subspace.

    With ``M[i, k] = <w_i, theta_k> / ||w_i||`` (``theta`` the orthonormalised
    directions), returns the per-neuron cosines and the summaries used to read off how
    many target directions the first layer represents.

    Parameters
    ----------
    W : array-like of shape (p, d)
        First-layer weights, one row per neuron.
    directions : array-like of shape (r, d)
        Target directions (orthonormalised here by QR).

    Returns
    -------
    overlaps : Bunch
        ``cos`` (p, r): the matrix ``M``. ``subspace_sv`` (r,): singular values of
        ``M / sqrt(p)`` in decreasing order; at a random initialisation each is about
        ``1/sqrt(d)`` (``random_level``), and the
        ``k``-th rising clearly above that level means ``k`` directions are
        represented. ``max_cos`` (r,): ``max_i |M[i, k]|``. ``mass_in_subspace``
        (float): mean fraction ``||Pi w_i||^2 / ||w_i||^2`` of neuron norm inside the
        subspace, equal to the sum of squared singular values. ``random_level``
        (float): ``1/sqrt(d)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_relu.diagnostics import subspace_overlaps
    >>> W = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]])
    >>> ov = subspace_overlaps(W, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    >>> ov.subspace_sv.round(3).tolist(), float(ov.mass_in_subspace)
    ([0.707, 0.707], 1.0)
    """
    W = _check_weights(W)
    theta = orthonormal_directions(directions, W.shape[1])
    p = W.shape[0]
    M = _row_cosines(W, theta)
    sv = np.linalg.svd(M / np.sqrt(p), compute_uv=False)
    return Bunch(
        cos=M,
        subspace_sv=sv,
        max_cos=np.abs(M).max(axis=0),
        mass_in_subspace=float(np.mean(np.sum(M * M, axis=1))),
        random_level=float(1.0 / np.sqrt(W.shape[1])),
    )


def update_cosines(G, W, directions):
    """Compute the cosines of each neuron's update with the target directions.

    Parameters
    ----------
    G : array-like of shape (p, d)
        Update rows (e.g. ``W_after - W_before``, or a gradient).
    W : array-like of shape (p, d)
        Weights the update was applied to; the second output uses the part of ``G_i``
        orthogonal to ``w_i``.
    directions : array-like of shape (r, d)
        Target directions (orthonormalised here).

    Returns
    -------
    grad_cos : ndarray of shape (p, r)
        ``<G_i, theta_k> / ||G_i||``.
    grad_perp_cos : ndarray of shape (p, r)
        The same for ``G_i - (<G_i, w_i>/||w_i||^2) w_i`` (the rotating part of the
        update; our reading of the authors' ``G^perp``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_relu.diagnostics import update_cosines
    >>> c, cp = update_cosines([[1.0, 1.0]], [[1.0, 0.0]], [[0.0, 1.0]])
    >>> round(float(c[0, 0]), 3), float(cp[0, 0])
    (0.707, 1.0)
    """
    G = _check_weights(G, "G")
    W = _check_weights(W)
    if G.shape != W.shape:
        raise ValueError(f"G and W must have the same shape; got {G.shape} and {W.shape}.")
    theta = orthonormal_directions(directions, W.shape[1])
    wn2 = np.einsum("ij,ij->i", W, W)
    coef = np.einsum("ij,ij->i", G, W) / np.where(wn2 > 0, wn2, 1.0)
    G_perp = G - coef[:, None] * W
    return _row_cosines(G, theta), _row_cosines(G_perp, theta)
