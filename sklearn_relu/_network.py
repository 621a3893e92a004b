"""The two-layer network every two-layer estimator evaluates, and its input scaling.

``forward`` is the forward pass ``sigma(X W^T) A^T`` of whole arrays (``sigma`` the leaky
ReLU of slope ``negative_slope``, plain ReLU at 0), used for every prediction; the SGD
kernel computes the same pass on its minibatches inside the compiled step.
``input_scale`` and ``unit_ball_features`` are the one home of the unit-ball input
scaling of the Leaky and proper learners.
"""

import math

import numpy as np

from .utils._threads import blas_threads
from .utils.validation import max_row_norm

__all__ = ["forward", "input_scale", "mirror_pairs", "paired_width", "unit_ball_features"]


# Rows per block of the forward pass: the hidden activations of a block (rows x width)
# are the only temporary, so prediction on a large X never holds all of them.
FORWARD_BLOCK_ROWS = 4096


def forward(X, W, A, negative_slope=0.0, n_jobs=None):
    """Network outputs ``sigma(X W^T) A^T``, shape ``(n, K)``.

    NumPy by blocks of rows: the two products are BLAS calls, and a compiled version
    cost more than a second of every first fit in a fresh environment. NaN propagates;
    an overflowed pre-activation of -inf gives sigma = 0 for plain ReLU (the compiled
    version gave NaN).
    """
    slope = float(negative_slope)
    n = X.shape[0]
    F = np.empty((n, A.shape[0]))
    with blas_threads(n_jobs):
        for start in range(0, n, FORWARD_BLOCK_ROWS):
            Z = X[start : start + FORWARD_BLOCK_ROWS] @ W.T
            if slope == 0.0:
                np.maximum(Z, 0.0, out=Z)
            else:  # sigma(z) = max(z, slope z) for 0 < slope <= 1
                np.maximum(Z, slope * Z, out=Z)
            np.matmul(Z, A.T, out=F[start : start + FORWARD_BLOCK_ROWS])
    return F


def input_scale(X, input_scaling):
    """The divisor that puts every row of ``X`` in the unit ball.

    ``input_scaling='max_norm'``: the largest row norm (1 for an all-zero ``X``);
    ``None``: 1, the data are taken as given.
    """
    if input_scaling is None:
        return 1.0
    norm = max_row_norm(X)  # no overflow for huge finite inputs
    return norm if norm > 0.0 else 1.0


def unit_ball_features(X, scale, hidden_bias):
    """Rows ``x / scale``, or ``[x / scale, 1] / sqrt(2)`` with hidden biases.

    The augmented row has norm at most 1 exactly when ``||x|| <= scale``, so a hidden
    bias keeps the unit-ball assumption of the theory with or without scaling.
    """
    if not hidden_bias:
        return np.ascontiguousarray(X / scale)
    c = 1.0 / math.sqrt(2.0)
    Xs = np.empty((X.shape[0], X.shape[1] + 1))
    np.multiply(X, c / scale, out=Xs[:, :-1])
    Xs[:, -1] = c
    return Xs


def paired_width(n_hidden, option):
    """Half of an even ``n_hidden``: the number of independent neurons of a paired
    initialisation (``option`` names the setting in the error for an odd width).
    """
    if n_hidden % 2:
        raise ValueError(
            f"{option} pairs the neurons and needs an even n_hidden, got n_hidden={n_hidden}."
        )
    return n_hidden // 2


def mirror_pairs(W, A):
    """Neurons ``(w, a)`` completed by their mirrors ``(w, -a)``, so the network is
    exactly zero at initialisation: ``W`` (m, d) -> (2m, d), ``A`` (..., m) -> (..., 2m).
    """
    return np.vstack([W, W]), np.concatenate([A, -A], axis=-1)
