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

import numpy as np
from numba import njit

from ._config import BLOCK_ROWS, REDUCTION_FASTMATH

# Kernels whose per-block accumulator is large (d x d moments) cap the number of
# blocks, so the partial sums stay small: block size max(BLOCK_ROWS, n / MAX_BLOCKS).
MAX_BLOCKS = 64


@njit(cache=True, nogil=True)
def _block_size(n, capped):
    if not capped:
        return BLOCK_ROWS
    size = (n + MAX_BLOCKS - 1) // MAX_BLOCKS
    return size if size > BLOCK_ROWS else BLOCK_ROWS


# ------------------------------------------------------------------ relu sums


@njit(cache=True, nogil=True, inline="always")
def _add_relu_sums(acc_k, K, c, z, wi, yi):
    """Candidate c with pre-activation z adds w y s and w s^2, s = relu(z)."""
    if z > 0.0:
        acc_k[c] += wi * yi * z
        acc_k[K + c] += wi * z * z


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def _scale_rows(X, y, sw, fold, W, B, start, stop, acc):
    """acc[k] = [sum w y s_c (K), sum w s_c^2 (K), sum w y^2, sum w] per fold k,
    with s_c = relu(<x, W[c]> + B[c]) for each candidate c.
    """
    d = X.shape[1]
    K = W.shape[0]
    has_fold = fold.shape[0] > 0
    for i in range(start, stop):
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


@njit(cache=True, nogil=True)
def scale_sums(X, y, sw, fold, n_folds, W, B):
    """One fused pass (see the module docstring)."""
    n = X.shape[0]
    K = W.shape[0]
    nb = (n + BLOCK_ROWS - 1) // BLOCK_ROWS
    out = np.zeros((n_folds, 2 * K + 2))
    part = np.empty((n_folds, 2 * K + 2))
    for blk in range(nb):
        start = blk * BLOCK_ROWS
        part[:] = 0.0
        _scale_rows(X, y, sw, fold, W, B, start, min(start + BLOCK_ROWS, n), part)
        out += part
    return out


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def _geodesic_rows(X, y, sw, fold, w, u, cos_t, sin_t, bhat, start, stop, acc):
    """Same layout as :func:`_scale_rows` for the K neurons
    ``relu(<x, cos t_k w + sin t_k u> + bhat)``: two dot products per row, not K.
    """
    d = X.shape[1]
    K = cos_t.shape[0]
    has_fold = fold.shape[0] > 0
    for i in range(start, stop):
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


@njit(cache=True, nogil=True)
def geodesic_sums(X, y, sw, fold, n_folds, w, u, cos_t, sin_t, bhat):
    """One fused pass (see the module docstring)."""
    n = X.shape[0]
    K = cos_t.shape[0]
    nb = (n + BLOCK_ROWS - 1) // BLOCK_ROWS
    out = np.zeros((n_folds, 2 * K + 2))
    part = np.empty((n_folds, 2 * K + 2))
    for blk in range(nb):
        start = blk * BLOCK_ROWS
        part[:] = 0.0
        _geodesic_rows(
            X, y, sw, fold, w, u, cos_t, sin_t, bhat, start, min(start + BLOCK_ROWS, n), part
        )
        out += part
    return out


# ------------------------------------------------------- thresholded moments


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def _threshold_rows(X, y, sw, fold, target, taus, start, stop, acc):
    """Band j of a row: the first j with |y| >= taus[j] (taus descending). acc[j] =
    [sum w x x^T (d*d), sum w x (d), sum w] over the rows of band j.
    """
    d = X.shape[1]
    J = taus.shape[0]
    has_fold = fold.shape[0] > 0
    last = taus[J - 1]
    for i in range(start, stop):
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


@njit(cache=True, nogil=True)
def _bands_to_cumulative(acc, d):
    """Running sums over the bands, unpacked into ``(M, S, c)`` by plain loops (a
    reshape of a sliced copy compiled ten times slower).
    """
    J, width = acc.shape
    M = np.empty((J, d, d))
    S = np.empty((J, d))
    c = np.empty(J)
    run = np.zeros(width)
    for j in range(J):
        for k in range(width):
            run[k] += acc[j, k]
        for p in range(d):
            for q in range(d):
                M[j, p, q] = run[p * d + q]
            S[j, p] = run[d * d + p]
        c[j] = run[d * d + d]
    return M, S, c


@njit(cache=True, nogil=True)
def thresholded_moments(X, y, sw, fold, target, taus):
    """One fused pass (see the module docstring)."""
    n, d = X.shape
    J = taus.shape[0]
    bs = _block_size(n, True)
    nb = (n + bs - 1) // bs
    acc = np.zeros((J, d * d + d + 1))
    part = np.empty((J, d * d + d + 1))
    for blk in range(nb):
        start = blk * bs
        part[:] = 0.0
        _threshold_rows(X, y, sw, fold, target, taus, start, min(start + bs, n), part)
        acc += part
    return _bands_to_cumulative(acc, d)


# ------------------------------------------------- reweighted first moment


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def _reweighted_rows(X, y, sw, fold, target, w, rho_b, btilde, trunc2, start, stop, acc):
    """Rows of fold ``target`` with <x, w> >= btilde (and |x|^2 <= trunc2 when
    trunc2 > 0) add e = exp(rho_b (<x, w> - btilde)) >= 1 as
    acc = [sum w e y x (d), sum w e y, sum w e, sum w e^2, sum w].
    """
    d = X.shape[1]
    has_fold = fold.shape[0] > 0
    for i in range(start, stop):
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


@njit(cache=True, nogil=True)
def reweighted_first_moment(X, y, sw, fold, target, w, rho_b, btilde, trunc2):
    """One fused pass (see the module docstring)."""
    n, d = X.shape
    nb = (n + BLOCK_ROWS - 1) // BLOCK_ROWS
    out = np.zeros(d + 4)
    part = np.empty(d + 4)
    for blk in range(nb):
        start = blk * BLOCK_ROWS
        part[:] = 0.0
        _reweighted_rows(
            X,
            y,
            sw,
            fold,
            target,
            w,
            rho_b,
            btilde,
            trunc2,
            start,
            min(start + BLOCK_ROWS, n),
            part,
        )
        out += part
    return out
