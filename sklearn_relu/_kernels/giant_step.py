"""The element-wise pass of a giant step on a two-layer ReLU network.

A giant step (Dandi et al., JMLR 2024) is two GEMMs around one element-wise pass.
The GEMMs (``P = X_t W^T`` and ``Q^T X_t``) go to BLAS through NumPy in the driver
(:mod:`sklearn_relu._solvers.giant_step`); this module holds the pass between them,
which reads every pre-activation ``P[i, j] = <w_j, x_i>`` once and, for each row ``i``
with coefficients ``c_j = a_j / sqrt(p)`` (the output scale is an argument, never a
private copy)::

    out_i  = sum_j c_j relu(P[i, j])            network output (forward)
    r_i    = y_i - out_i                        residual
    Q[i,j] = r_i c_j 1{P[i, j] > 0}             backward, sigma'(0) = 0
    loss  += r_i^2                              (the caller halves and averages)

``Q`` may be ``P`` itself (each row is read completely before it is written), so the
driver needs no second n-by-p buffer. The kernels never write into ``P`` unless it is
passed as ``Q``, and never into ``y`` or ``c``.

NumPy would need four passes and two temporaries of the size of ``P`` for the same
result (``maximum``, a matrix-vector product, a mask and a broadcast product).
"""

from numba import njit

from ._config import BLOCK_ROWS, REDUCTION_FASTMATH


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def residual_mask(P, y, c, Q):
    """Fused pass: fills ``Q`` (may alias ``P``) and returns ``sum r^2``, by blocks of
    ``BLOCK_ROWS`` rows added in order (one compiled function: a callee would be
    compiled twice, alone and inlined).

    Serial on purpose: the pass is memory-bound and about 1/15 of one of the two GEMMs
    around it; a prange version over the same row blocks measured 18 % slower end to
    end (0.93 s against 0.79 s a step at n = 65536, d = 256, p = 1024, 2 cores), the
    numba threads competing with BLAS threads still spinning after a GEMM.
    """
    n, p = P.shape
    total = 0.0
    for start in range(0, n, BLOCK_ROWS):
        acc = 0.0
        for i in range(start, min(start + BLOCK_ROWS, n)):
            out = 0.0
            for j in range(p):
                # branch-free, so LLVM vectorises it (an if here measured 7x slower on
                # random signs); max(NaN, 0.0) is NaN in numba, so NaN still propagates
                out += c[j] * max(P[i, j], 0.0)
            r = y[i] - out
            acc += r * r
            for j in range(p):
                Q[i, j] = (P[i, j] > 0.0) * (r * c[j])  # a select, not a branch
        total += acc
    return total
