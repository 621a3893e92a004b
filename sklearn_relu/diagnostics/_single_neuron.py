"""Diagnostics shared by the estimators, tests, demo and benchmarks: overlaps with
planted directions and ratios to the planted loss."""

import numpy as np

from ..metrics import half_squared_loss

__all__ = ["cosine", "loss_ratio", "planted_neuron_loss"]


def cosine(a, b):
    """Cosine of the angle between two vectors (0.0 when either is zero)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 0.0
    return float(a @ b / (na * nb))


def planted_neuron_loss(X, y, info):
    """Half squared loss of the planted neuron ``relu(X @ info.coef + info.intercept)``."""
    return half_squared_loss(y, np.maximum(X @ info.coef + info.intercept, 0.0))


def loss_ratio(estimator, X, y, info):
    """Test-loss ratio of a fitted regressor to the planted neuron on the same rows.

    Because the planted loss bounds OPT from above, the ratio is a lower bound on
    the ratio to OPT; values below 1 are possible and not an error.
    """
    return half_squared_loss(y, estimator.predict(X)) / planted_neuron_loss(X, y, info)
