"""Single-neuron ReLU queries: the fused loss-and-gradient pass and the prediction.

One pass over ``X`` computes, for every row ``i`` with weight ``sw[i]`` and fold
``fold[i]``::

    z_i = <x_i, w> + b,   s_i = relu(z_i),   r_i = s_i - y_i
    g_i = 1{z_i > 0} + deriv_at_zero * 1{z_i == 0}     (gate_mode GATE_RELU)
    g_i = 1                                             (gate_mode GATE_ONE)

and accumulates, per fold ``k``, the row ``out[k]`` of length ``d + 4``::

    out[k, :d]   = sum sw r g x          (gradient in w of the half squared loss)
    out[k, d]    = sum sw r g            (gradient in b)
    out[k, d+1]  = sum sw r^2 / 2        (half squared loss)
    out[k, d+2]  = sum sw (relu(z)^2/2 - y z)   (convex surrogate of DGKKS20)
    out[k, d+3]  = sum sw                (total weight)

With ``GATE_ONE`` the gradient columns are the gradient of the convex surrogate
(equivalently the GLMtron update direction); with ``GATE_RELU`` they are the
gradient of the half squared loss. Callers divide by ``out[k, d+3]``.

``fold`` is an int64 vector of fold ids in ``[0, n_folds)``; an empty ``fold``
puts every row in fold 0 (no copy of X is ever made to split data).

The kernels are serial and release the GIL: the sums add up over row chunks, so
:func:`sklearn_relu.utils._threads.chunked_sums` runs them on a thread pool over a
fixed chunk partition (bitwise-identical results for every thread count), and a
dask oracle runs the same kernels chunk by chunk.
"""

import numpy as np
from numba import njit

from ._config import BLOCK_ROWS, REDUCTION_FASTMATH

GATE_RELU = 0
GATE_ONE = 1
N_EXTRA = 4  # columns after the d gradient columns: grad_b, loss, surrogate, weight


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def loss_grad(X, y, sw, fold, n_folds, w, b, gate_mode, deriv_at_zero):
    """Per-fold sums ``(n_folds, d + 4)`` over blocks of ``BLOCK_ROWS`` rows combined
    in order.

    One function, not a block loop calling a row kernel: a compiled callee is
    optimised twice (alone, then inlined), which cost a fifth of a cold start.
    """
    n, d = X.shape
    has_fold = fold.shape[0] > 0
    out = np.zeros((n_folds, d + N_EXTRA))
    acc = np.empty((n_folds, d + N_EXTRA))
    for start in range(0, n, BLOCK_ROWS):
        acc[:] = 0.0
        for i in range(start, min(start + BLOCK_ROWS, n)):
            z = b
            for j in range(d):
                z += X[i, j] * w[j]
            s = 0.0 if z <= 0.0 else z  # NaN propagates
            yi = y[i]
            r = s - yi
            if gate_mode == GATE_ONE:
                g = 1.0
            elif z > 0.0:
                g = 1.0
            elif z == 0.0:
                g = deriv_at_zero
            else:
                g = 0.0
            wi = sw[i]
            k = fold[i] if has_fold else 0
            c = wi * r * g
            if c != 0.0:
                for j in range(d):
                    acc[k, j] += c * X[i, j]
            acc[k, d] += c
            acc[k, d + 1] += 0.5 * wi * r * r
            acc[k, d + 2] += wi * (0.5 * s * s - yi * z)
            acc[k, d + 3] += wi
        out += acc
    return out


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def relu_predict(X, w, b):
    """``relu(X @ w + b)`` row by row (one read of X, no temporary)."""
    n, d = X.shape
    out = np.empty(n)
    for i in range(n):
        z = b
        for j in range(d):
            z += X[i, j] * w[j]
        out[i] = 0.0 if z <= 0.0 else z  # NaN propagates
    return out
