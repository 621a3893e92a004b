"""Candidate scoring for proper depth-2 ReLU search (``ProperReLUNetworkRegressor``).

A *candidate* is a network ``g(z) = sum_j c_j relu(<u_j, z>)`` on the projected data
``Z`` (m x d'). Three kernels score candidates:

``network_stats(Z, y, U)`` (the kernel :func:`network_sums`, split)
    For a block of candidates ``U`` (n_cand, k, d') and every candidate ``s``, the
    sufficient statistics of its output-weight problem in ONE pass over ``Z``::

        K_s[j, l] = sum_i h_ij h_il,   b_s[j] = sum_i h_ij y_i,   h_ij = relu(<u_sj, z_i>)

    so that ``||y - H_s c||^2 = ||y||^2 - 2 c.b_s + c.K_s c`` for every ``c``, and the
    column sums ``t_s[j] = sum_i h_ij`` (for an output intercept: with centred ``y``,
    ``K_s - t_s t_s^T / m`` and ``b_s`` are the statistics of the centred problem).
``network_sse(Z, y, U, C, c0)``
    The forward pass: ``sum_i (sum_j C[s, j] relu(<U[s, j], z_i>) + c0[s] - y_i)^2``
    per candidate, in one pass over ``Z``. Selection always uses this value.
``score_pairs(K, b, bound, n_top, lo, hi)``, ``score_multisets(K, b, k, ...)``
    Net search with a shared Gram matrix ``K = H H^T`` of G net directions: every
    multiset ``i_1 <= ... <= i_k`` (first index in ``[lo, hi)``) gets its exactly
    solved output weights and objective without touching the data again (pairs in
    closed form, larger multisets by the face enumeration).

The output weights of one candidate solve ``min_c ||y - H c||^2`` subject to
``|c_j| <= bound`` (box-constrained least squares in k variables; ``bound = inf``
is plain least squares) by enumerating the 3^k faces of the box -- each c_j free,
at -bound or at +bound -- solving the reduced system by Cholesky (with a
``1e-12 * trace`` jitter when it is singular: repeated directions, dead units) and
keeping the feasible face of smallest objective. For a convex quadratic that is
the global minimum over the box. :func:`_box_lstsq` is the single home of this
formula (:func:`_box1` and :func:`_box2` of its closed forms for one and two units).

The kernels are serial and release the GIL, with one compiled signature each
(C-contiguous float64 arrays). Every candidate is scored independently of the others,
summing its rows in blocks of ``BLOCK_ROWS`` combined in order, so a call on any block
of candidates gives the bits of a call on all of them: the driver
(:mod:`sklearn_relu._solvers.proper`) runs the kernels over fixed blocks of
candidates (or of first indices of the multisets) on a thread pool, and the results
do not depend on the thread count.
"""

import numpy as np
from numba import njit

from ._config import BLOCK_ROWS, REDUCTION_FASTMATH

# ---------------------------------------------------------------------------
# box-constrained least squares in k variables (one home)
# ---------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _chol_solve(A, rhs, free, nf, x, L):
    """Solve ``A[free, free] x_F = rhs[free]`` by Cholesky (in-place ``L``); a
    ``1e-12 * trace`` jitter is added when a pivot is not positive. Writes the
    solution into ``x[free]``; returns False when even the jittered system fails
    (then ``x[free] = 0``).
    """
    tr = 0.0
    for a in range(nf):
        tr += A[free[a], free[a]]
    if not tr > 0.0:
        for a in range(nf):
            x[free[a]] = 0.0
        return tr == 0.0
    if nf == 1:  # fast path: one variable
        x[free[0]] = rhs[free[0]] / A[free[0], free[0]]
        return True
    if nf == 2:  # fast path: closed form 2 x 2 (same jitter rule)
        i0, i1 = free[0], free[1]
        a00, a01, a11 = A[i0, i0], A[i0, i1], A[i1, i1]
        det = a00 * a11 - a01 * a01
        if not det > 1e-14 * tr * tr:
            a00 += 1e-12 * tr
            a11 += 1e-12 * tr
            det = a00 * a11 - a01 * a01
            if not det > 0.0:
                x[i0] = 0.0
                x[i1] = 0.0
                return False
        r0, r1 = rhs[i0], rhs[i1]
        x[i0] = (a11 * r0 - a01 * r1) / det
        x[i1] = (a00 * r1 - a01 * r0) / det
        return True
    for attempt in range(2):
        jitter = 0.0 if attempt == 0 else 1e-12 * tr
        ok = True
        for a in range(nf):
            for bb in range(a + 1):
                s = A[free[a], free[bb]]
                if a == bb:
                    s += jitter
                for c in range(bb):
                    s -= L[a, c] * L[bb, c]
                if a == bb:
                    if not s > 1e-14 * tr:
                        ok = False
                        break
                    L[a, a] = np.sqrt(s)
                else:
                    L[a, bb] = s / L[bb, bb]
            if not ok:
                break
        if ok:
            # forward then backward substitution
            for a in range(nf):
                s = rhs[free[a]]
                for c in range(a):
                    s -= L[a, c] * x[free[c]]
                x[free[a]] = s / L[a, a]
            for a in range(nf - 1, -1, -1):
                s = x[free[a]]
                for c in range(a + 1, nf):
                    s -= L[c, a] * x[free[c]]
                x[free[a]] = s / L[a, a]
            return True
    for a in range(nf):
        x[free[a]] = 0.0
    return False


@njit(cache=True, nogil=True)
def _box1(a, b, bound):
    """k = 1: the box minimiser of a convex parabola is the clipped free minimiser."""
    if not a > 0.0:
        return 0.0, 0.0
    c = b / a
    if c > bound:
        c = bound
    elif c < -bound:
        c = -bound
    return c * (c * a - 2.0 * b), c


@njit(cache=True, nogil=True)
def _box2(a00, a01, a11, b0, b1, bound):
    """k = 2 in scalars: the free 2 x 2 solve (closed form, same jitter rule as
    :func:`_chol_solve`), and with a finite bound the 8 other faces of the box.
    """
    tr = a00 + a11
    best, c0, c1 = 0.0, 0.0, 0.0  # c = 0 is always feasible
    if tr > 0.0:
        det = a00 * a11 - a01 * a01
        d00, d11 = a00, a11
        if not det > 1e-14 * tr * tr:
            d00 += 1e-12 * tr
            d11 += 1e-12 * tr
            det = d00 * d11 - a01 * a01
        if det > 0.0:
            x0 = (d11 * b0 - a01 * b1) / det
            x1 = (d00 * b1 - a01 * b0) / det
            lim = bound * (1.0 + 1e-12)
            if abs(x0) <= lim and abs(x1) <= lim:
                q = x0 * (x0 * a00 - 2.0 * b0) + x1 * (x1 * a11 - 2.0 * b1) + 2.0 * x0 * x1 * a01
                if q < best:
                    best, c0, c1 = q, x0, x1
    if np.isfinite(bound):
        for side in range(2):
            v = bound if side == 0 else -bound
            # c1 fixed at v, c0 free (clipped); then c0 fixed at v, c1 free
            q0, x0 = _box1(a00, b0 - a01 * v, bound)
            q = q0 + v * (v * a11 - 2.0 * b1)
            if q < best:
                best, c0, c1 = q, x0, v
            q1, x1 = _box1(a11, b1 - a01 * v, bound)
            q = q1 + v * (v * a00 - 2.0 * b0)
            if q < best:
                best, c0, c1 = q, v, x1
    return best, c0, c1


@njit(cache=True, nogil=True)
def _box_lstsq(Ks, bs, k, bound, c_out, work_c, rhs, free, L):
    """Minimise ``q(c) = -2 c.bs + c.Ks c`` over ``|c_j| <= bound``; the minimiser
    goes to ``c_out`` and ``q`` is returned (``||y||^2 + q`` is the SSE).

    ``bound = inf``: one face (all free). Otherwise all 3^k faces. For k = 1, 2 the
    closed forms :func:`_box1`, :func:`_box2` (:func:`box_lstsq_small`) are used
    instead.
    """
    best = np.inf
    n_faces = 1
    if np.isfinite(bound):
        for _ in range(k):
            n_faces *= 3
    for face in range(n_faces):
        code = face
        nf = 0
        for j in range(k):
            st = code % 3
            code //= 3
            if st == 0:
                free[nf] = j
                nf += 1
                work_c[j] = 0.0
            elif st == 1:
                work_c[j] = -bound
            else:
                work_c[j] = bound
        # rhs_F = b_F - K_FB c_B
        for a in range(nf):
            j = free[a]
            s = bs[j]
            for l in range(k):
                if work_c[l] != 0.0:
                    s -= Ks[j, l] * work_c[l]
            rhs[j] = s
        # a free coordinate holds 0 in work_c, so the products above skip it
        if nf > 0:
            _chol_solve(Ks, rhs, free, nf, work_c, L)
            feasible = True
            if np.isfinite(bound):
                lim = bound * (1.0 + 1e-12)
                for a in range(nf):
                    if abs(work_c[free[a]]) > lim:
                        feasible = False
                        break
            if not feasible:
                continue
        q = 0.0
        for j in range(k):
            cj = work_c[j]
            q -= 2.0 * cj * bs[j]
            for l in range(k):
                q += cj * Ks[j, l] * work_c[l]
        if q < best:
            best = q
            for j in range(k):
                c_out[j] = work_c[j]
    return best


@njit(cache=True, nogil=True)
def box_lstsq_small(Ks, bs, bound):
    """Exact output weights of many candidates of one or two units in closed form:
    ``Ks`` (n, k, k), ``bs`` (n, k) with k <= 2 → ``C`` (n, k) and the objectives
    ``q`` (n,) (SSE = ||y||^2 + q).
    """
    n, k = bs.shape
    C = np.empty((n, k))
    q = np.empty(n)
    for s in range(n):
        if k == 1:
            q[s], C[s, 0] = _box1(Ks[s, 0, 0], bs[s, 0], bound)
        else:
            q[s], C[s, 0], C[s, 1] = _box2(
                Ks[s, 0, 0], Ks[s, 0, 1], Ks[s, 1, 1], bs[s, 0], bs[s, 1], bound
            )
    return C, q


@njit(cache=True, nogil=True)
def box_lstsq_batch(Ks, bs, bound):
    """:func:`box_lstsq_small` for three units or more (:func:`_box_lstsq`)."""
    n, k = bs.shape
    C = np.empty((n, k))
    q = np.empty(n)
    work_c = np.empty(k)
    rhs = np.empty(k)
    free = np.empty(k, dtype=np.int64)
    L = np.empty((k, k))
    c = np.empty(k)
    for s in range(n):
        q[s] = _box_lstsq(Ks[s], bs[s], k, bound, c, work_c, rhs, free, L)
        for j in range(k):
            C[s, j] = c[j]
    return C, q


# ---------------------------------------------------------------------------
# one pass over the data for a block of candidate networks
# ---------------------------------------------------------------------------


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def _unit_preact(ZT, U, s, j, r0, nr, t):
    """``t[i] = <U[s, j], z_(r0+i)>`` for the ``nr`` rows of a tile: the one home of the
    candidates' pre-activations (``ZT`` is Z transposed, so the loops over rows are
    contiguous).
    """
    u0 = U[s, j, 0]
    for i in range(nr):
        t[i] = u0 * ZT[0, r0 + i]
    for q in range(1, ZT.shape[0]):
        uq = U[s, j, q]
        for i in range(nr):
            t[i] += uq * ZT[q, r0 + i]


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def network_sums(Z, y, U):
    """Per candidate (row of the result, shape (n_cand, k*k + 2k)) the Gram entries of
    its activations (row-major), their correlations with ``y`` and their column sums,
    in one pass over ``Z``, row blocks combined in order. ``ZT`` is Z transposed, so
    the innermost loops run over contiguous rows (SIMD).
    """
    m = Z.shape[0]
    ZT = np.ascontiguousarray(Z.T)
    n_cand, k = U.shape[0], U.shape[1]
    width = k * k + 2 * k
    tot = np.zeros((n_cand, width))
    part = np.empty((n_cand, width))
    h = np.empty((k, min(m, BLOCK_ROWS)))
    for r0 in range(0, m, BLOCK_ROWS):
        nr = min(r0 + BLOCK_ROWS, m) - r0
        for s in range(n_cand):
            for j in range(k):
                hj = h[j]
                _unit_preact(ZT, U, s, j, r0, nr, hj)
                for i in range(nr):
                    if hj[i] < 0.0:  # NaN propagates
                        hj[i] = 0.0
            for j in range(k):
                for l in range(j, k):
                    acc = 0.0
                    for i in range(nr):
                        acc += h[j, i] * h[l, i]
                    part[s, j * k + l] = acc
                    part[s, l * k + j] = acc
                acc = 0.0
                tot_h = 0.0
                for i in range(nr):
                    acc += h[j, i] * y[r0 + i]
                    tot_h += h[j, i]
                part[s, k * k + j] = acc
                part[s, k * k + k + j] = tot_h
        for s in range(n_cand):
            for e in range(width):
                tot[s, e] += part[s, e]
    return tot


def network_stats(Z, y, U):
    """Per candidate ``K`` (n_cand, k, k), ``b`` (n_cand, k) and column sums ``t``
    (n_cand, k) in one pass over ``Z`` (:func:`network_sums`, split).
    """
    n_cand, k = U.shape[0], U.shape[1]
    tot = network_sums(Z, y, U)
    K = np.ascontiguousarray(tot[:, : k * k]).reshape((n_cand, k, k))
    return K, tot[:, k * k : k * k + k].copy(), tot[:, k * k + k :].copy()


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def network_sse(Z, y, U, C, c0):
    """Forward-pass sum of squared errors of each candidate network (n_cand,), with
    output intercepts ``c0`` (n_cand,), in one pass over ``Z`` (rows innermost), row
    blocks combined in order.
    """
    m = Z.shape[0]
    ZT = np.ascontiguousarray(Z.T)
    k = U.shape[1]
    n_cand = U.shape[0]
    out = np.zeros(n_cand)
    t = np.empty(min(m, BLOCK_ROWS))
    f = np.empty(min(m, BLOCK_ROWS))
    for r0 in range(0, m, BLOCK_ROWS):
        nr = min(r0 + BLOCK_ROWS, m) - r0
        for s in range(n_cand):
            for i in range(nr):
                f[i] = c0[s] - y[r0 + i]
            for j in range(k):
                _unit_preact(ZT, U, s, j, r0, nr, t)
                cj = C[s, j]
                for i in range(nr):
                    ti = t[i]
                    f[i] += cj * (ti if ti > 0.0 else 0.0 * ti)  # 0 * NaN keeps NaN
            acc = 0.0
            for i in range(nr):
                acc += f[i] * f[i]
            out[s] += acc
    return out


# ---------------------------------------------------------------------------
# net search over multisets with a shared Gram matrix
# ---------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _insert_top(loss, idx, c, top_loss, top_idx, top_c, k):
    """Insert (loss, idx, c) into a sorted top list if strictly better than its last
    entry (ties keep the earlier, i.e. lexicographically smaller, candidate).
    """
    n_top = top_loss.shape[0]
    if not loss < top_loss[n_top - 1]:
        return
    p = n_top - 1
    while p > 0 and loss < top_loss[p - 1]:
        top_loss[p] = top_loss[p - 1]
        for j in range(k):
            top_idx[p, j] = top_idx[p - 1, j]
            top_c[p, j] = top_c[p - 1, j]
        p -= 1
    top_loss[p] = loss
    for j in range(k):
        top_idx[p, j] = idx[j]
        top_c[p, j] = c[j]


@njit(cache=True, nogil=True)
def score_pairs(K, b, bound, n_top, lo, hi):
    """Score every pair ``i1 <= i2`` of the ``G`` net directions with ``i1`` in
    ``[lo, hi)`` (two units, closed-form output weights).

    Parameters: ``K`` (G, G) Gram matrix of the activations, ``b`` (G,) their
    correlations with y, ``bound`` the output-weight bound (``inf``: none),
    ``n_top`` how many best candidates to return.

    Returns ``(q, idx, c, count)``: the ``n_top`` smallest objectives
    ``q = -2 c.b_S + c.K_S c`` in increasing order (ties: the lexicographically
    smaller index tuple; unfilled slots have ``q = inf``), their index tuples
    (n_top, 2), output weights (n_top, 2), and the number of pairs scored. Ranges of
    ``[lo, hi)`` merged in order (ties to the earlier) give the result of the whole.
    """
    G = K.shape[0]
    top_loss = np.full(n_top, np.inf)
    top_idx = np.full((n_top, 2), -1, dtype=np.int64)
    top_c = np.zeros((n_top, 2))
    idx = np.empty(2, dtype=np.int64)
    c = np.empty(2)
    count = 0
    for i1 in range(lo, hi):
        idx[0] = i1
        a00 = K[i1, i1]
        b0 = b[i1]
        for i2 in range(i1, G):
            q, c0, c1 = _box2(a00, K[i1, i2], K[i2, i2], b0, b[i2], bound)
            if q < top_loss[n_top - 1]:
                idx[1] = i2
                c[0] = c0
                c[1] = c1
                _insert_top(q, idx, c, top_loss, top_idx, top_c, 2)
        count += G - i1
    return top_loss, top_idx, top_c, count


@njit(cache=True, nogil=True)
def score_multisets(K, b, k, bound, n_top, lo, hi):
    """:func:`score_pairs` for multisets of ``k >= 3`` directions (first index in
    ``[lo, hi)``, the others non-decreasing, in lexicographic order).
    """
    G = K.shape[0]
    top_loss = np.full(n_top, np.inf)
    top_idx = np.full((n_top, k), -1, dtype=np.int64)
    top_c = np.zeros((n_top, k))
    idx = np.empty(k, dtype=np.int64)
    Ks = np.empty((k, k))
    bs = np.empty(k)
    c = np.empty(k)
    work_c = np.empty(k)
    rhs = np.empty(k)
    free = np.empty(k, dtype=np.int64)
    L = np.empty((k, k))
    count = 0
    for i1 in range(lo, hi):
        for j in range(k):
            idx[j] = i1
        while True:
            for j in range(k):
                bs[j] = b[idx[j]]
                for l in range(k):
                    Ks[j, l] = K[idx[j], idx[l]]
            q = _box_lstsq(Ks, bs, k, bound, c, work_c, rhs, free, L)
            _insert_top(q, idx, c, top_loss, top_idx, top_c, k)
            count += 1
            # odometer on idx[1:] with idx non-decreasing
            p = k - 1
            while p >= 1 and idx[p] == G - 1:
                p -= 1
            if p < 1:
                break
            idx[p] += 1
            for j in range(p + 1, k):
                idx[j] = idx[p]
    return top_loss, top_idx, top_c, count
