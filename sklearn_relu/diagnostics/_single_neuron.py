"""Diagnostics shared by the estimators, tests, demo and benchmarks: overlaps with
planted directions and ratios to the planted loss.
"""

import numpy as np

from ..metrics import half_squared_loss

__all__ = ["cosine", "loss_ratio", "planted_neuron_loss"]


def cosine(a, b):
    """Return the cosine of the angle between two vectors (0.0 when either is zero).

    Parameters
    ----------
    a : array-like
        First vector (flattened).
    b : array-like
        Second vector (flattened), with as many entries as ``a``.

    Returns
    -------
    cos : float
        ``<a, b> / (||a|| ||b||)``, or 0.0 when either vector is zero.
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 0.0
    return float(a @ b / (na * nb))


def planted_neuron_loss(X, y, info):
    """Return the half squared loss of the planted neuron on the given rows.

    The planted neuron is ``relu(X @ info.coef + info.intercept)``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Inputs.
    y : array-like of shape (n_samples,)
        Labels.
    info : Bunch
        The ``info`` returned by a single-neuron generator of
        :mod:`sklearn_relu.datasets` (uses ``coef`` and ``intercept``).

    Returns
    -------
    loss : float
        ``0.5 * mean((y - relu(X @ info.coef + info.intercept)) ** 2)``.
    """
    return half_squared_loss(y, np.maximum(X @ info.coef + info.intercept, 0.0))


def loss_ratio(estimator, X, y, info):
    """Return the loss ratio of a fitted regressor to the planted neuron on the same rows.

    Because the planted loss bounds OPT from above, the ratio is a lower bound on
    the ratio to OPT; values below 1 are possible and not an error.

    Parameters
    ----------
    estimator : fitted regressor
        Any object with a ``predict`` method.
    X : array-like of shape (n_samples, n_features)
        Inputs, typically held-out test rows.
    y : array-like of shape (n_samples,)
        Labels of ``X``.
    info : Bunch
        The ``info`` returned by a single-neuron generator of
        :mod:`sklearn_relu.datasets` (uses ``coef`` and ``intercept``).

    Returns
    -------
    ratio : float
        Half squared loss of ``estimator`` divided by that of the planted neuron.
    """
    return half_squared_loss(y, estimator.predict(X)) / planted_neuron_loss(X, y, info)
