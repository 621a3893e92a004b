"""Statistical queries of the SQ learner for one biased ReLU (Guo & Vijayaraghavan).

Each kernel is one fused pass over ``X`` that returns weighted *sums* (the caller
divides by the total weight it also returns), so the same kernel answers a query
on a whole array or on one chunk of a dask array, and chunk sums add up exactly.
Rows are routed by an int64 ``fold`` vector (empty: every row in fold 0); the
kernels that read only the training rows take ``target`` and skip other folds.

As in :mod:`.single_relu`, each kernel is serial, releases the GIL and reduces over
a block partition that depends on ``n`` only, combined in a fixed order; threads come
from running it over fixed row chunks
(:func:`sklearn_relu.utils._threads.chunked_sums`).
"""

import math

import numpy as np
from numba import njit

from ._config import BLOCK_ROWS, REDUCTION_FASTMATH

# Kernels whose per-block accumulator is large (d x d moments) cap the number of
# blocks, so the partial sums stay small: block size max(BLOCK_ROWS, n / MAX_BLOCKS).
MAX_BLOCKS = 64


# ------------------------------------------------------------------ relu sums


@njit(cache=True, nogil=True, inline="always")
def _add_relu_sums(acc_k, K, c, z, wi, yi):
    """Candidate c with pre-activation z adds w y s and w s^2, s = relu(z)."""
    if z > 0.0:
        acc_k[c] += wi * yi * z
        acc_k[K + c] += wi * z * z


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def scale_sums(X, y, sw, fold, n_folds, W, B):
    """Per fold k, ``[sum w y s_c (K), sum w s_c^2 (K), sum w y^2, sum w]`` with
    ``s_c = relu(<x, W[c]> + B[c])`` for each candidate c.
    """
    n, d = X.shape
    K = W.shape[0]
    has_fold = fold.shape[0] > 0
    out = np.zeros((n_folds, 2 * K + 2))
    acc = np.empty((n_folds, 2 * K + 2))
    for start in range(0, n, BLOCK_ROWS):
        acc[:] = 0.0
        for i in range(start, min(start + BLOCK_ROWS, n)):
            k = fold[i] if has_fold else 0
            wi = sw[i]
            yi = y[i]
            for c in range(K):
                z = B[c]
                for j in range(d):
                    z += X[i, j] * W[c, j]
                _add_relu_sums(acc[k], K, c, z, wi, yi)
            acc[k, 2 * K] += wi * yi * yi
            acc[k, 2 * K + 1] += wi
        out += acc
    return out


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def geodesic_sums(X, y, sw, fold, n_folds, w, u, cos_t, sin_t, bhat):
    """Same layout as :func:`scale_sums` for the K neurons
    ``relu(<x, cos t_k w + sin t_k u> + bhat)``: two dot products per row, not K.
    """
    n, d = X.shape
    K = cos_t.shape[0]
    has_fold = fold.shape[0] > 0
    out = np.zeros((n_folds, 2 * K + 2))
    acc = np.empty((n_folds, 2 * K + 2))
    for start in range(0, n, BLOCK_ROWS):
        acc[:] = 0.0
        for i in range(start, min(start + BLOCK_ROWS, n)):
            k = fold[i] if has_fold else 0
            a = 0.0
            c = 0.0
            for j in range(d):
                a += X[i, j] * w[j]
                c += X[i, j] * u[j]
            wi = sw[i]
            yi = y[i]
            for t in range(K):
                _add_relu_sums(acc[k], K, t, cos_t[t] * a + sin_t[t] * c + bhat, wi, yi)
            acc[k, 2 * K] += wi * yi * yi
            acc[k, 2 * K + 1] += wi
        out += acc
    return out


# ------------------------------------------------------- thresholded moments


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def thresholded_moments(X, y, sw, fold, target, taus):
    """Per band j, ``[sum w x x^T (d*d), sum w x (d), sum w]`` over the rows of fold
    ``target`` whose band is j: the first j with ``|y| >= taus[j]`` (taus descending).
    :func:`bands_to_cumulative` turns these sums into the per-threshold moments.
    """
    n, d = X.shape
    J = taus.shape[0]
    has_fold = fold.shape[0] > 0
    last = taus[J - 1]
    bs = max(BLOCK_ROWS, (n + MAX_BLOCKS - 1) // MAX_BLOCKS)
    out = np.zeros((J, d * d + d + 1))
    acc = np.empty((J, d * d + d + 1))
    for start in range(0, n, bs):
        acc[:] = 0.0
        for i in range(start, min(start + bs, n)):
            if has_fold and fold[i] != target:
                continue
            ay = abs(y[i])
            if not ay >= last:
                continue
            j = 0
            while ay < taus[j]:
                j += 1
            wi = sw[i]
            for p in range(d):
                xp = wi * X[i, p]
                acc[j, d * d + p] += xp
                for q in range(d):
                    acc[j, p * d + q] += xp * X[i, q]
            acc[j, d * d + d] += wi
        out += acc
    return out


def bands_to_cumulative(sums):
    """Running sums of :func:`thresholded_moments`' bands over the thresholds, unpacked
    into ``(M, S, c)`` of shapes ``(J, d, d)``, ``(J, d)`` and ``(J,)`` (NumPy: it is
    ``J`` rows, and a compiled version cost a second of a cold start).
    """
    run = np.cumsum(sums, axis=0)
    J, width = run.shape
    d = (math.isqrt(4 * width - 3) - 1) // 2  # width = d * d + d + 1
    return run[:, : d * d].reshape(J, d, d), run[:, d * d : d * d + d], run[:, d * d + d]


# ------------------------------------------------- reweighted first moment


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def reweighted_first_moment(X, y, sw, fold, target, w, rho_b, btilde, trunc2):
    """Rows of fold ``target`` with <x, w> >= btilde (and |x|^2 <= trunc2 when
    trunc2 > 0) add e = exp(rho_b (<x, w> - btilde)) >= 1 as
    ``[sum w e y x (d), sum w e y, sum w e, sum w e^2, sum w]``.
    """
    n, d = X.shape
    has_fold = fold.shape[0] > 0
    out = np.zeros(d + 4)
    acc = np.empty(d + 4)
    for start in range(0, n, BLOCK_ROWS):
        acc[:] = 0.0
        for i in range(start, min(start + BLOCK_ROWS, n)):
            if has_fold and fold[i] != target:
                continue
            xw = 0.0
            nrm = 0.0
            for j in range(d):
                xw += X[i, j] * w[j]
                nrm += X[i, j] * X[i, j]
            if not xw >= btilde:
                continue
            if trunc2 > 0.0 and nrm > trunc2:
                continue
            wi = sw[i]
            e = np.exp(rho_b * (xw - btilde))
            f = wi * e * y[i]
            for j in range(d):
                acc[j] += f * X[i, j]
            acc[d] += f
            acc[d + 1] += wi * e
            acc[d + 2] += wi * e * e
            acc[d + 3] += wi
        out += acc
    return out
