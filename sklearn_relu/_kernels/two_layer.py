"""Two-layer networks ``F(x) = A sigma(W x)``: output-loss derivatives and minibatch-SGD
runs, each a compiled call.

This module is the one home of the two-layer math shared by
:class:`~sklearn_relu.TwoLayerXORClassifier` (ReLU, both layers trained, Glasgow 2024)
and :class:`~sklearn_relu.LeakyReLUTwoLayerClassifier` (leaky ReLU, second layer fixed
or trained, Sarussi et al. 2021).

Notation: ``W`` is ``(p, d)`` (rows are hidden units), ``A`` is ``(K, p)`` (``K = 1`` for
the binary single-output model), ``sigma(z) = z`` for ``z > 0`` and ``alpha * z``
otherwise (``alpha = 0``: ReLU, with ``relu'(0) := 0``; ``0 < alpha < 1``: leaky ReLU,
``sigma'(z) = alpha`` for ``z <= 0``). One SGD step on the rows ``b = 1..m`` of a
minibatch, every gradient at the old weights::

    Z = Xb W^T,  H = sigma(Z),  F = H A^T,  G = dloss/dF   (m x K)
    A <- A - (eta/m) (G^T H) * A_mask          (only when train_A)
    W <- W - (eta/m) ((G A) * sigma'(Z))^T Xb

Losses (``loss_kind``), per row with label ``y`` (``+-1`` when K = 1, the class index
as a float when K >= 2):

- ``LOSS_LOGISTIC`` (K = 1): ``log(1 + exp(-y F))``, ``G = -y s(-y F)``;
- ``LOSS_HINGE`` (K = 1): ``max(0, 1 - y F)``, ``G = -y`` on a margin violation;
- ``LOSS_SOFTMAX`` (K >= 2): cross-entropy, ``G = softmax(F) - onehot(y)``;
- ``LOSS_MULTI_HINGE`` (K >= 2): Crammer-Singer ``max(0, 1 + max_{c != y} F_c - F_y)``.

One run kernel, ``sgd_epoch`` (any slope, loss and output mask; it returns the totals
of its steps), serves both classifiers; the diagnostics of ``history_`` are computed by
the driver between kernel calls (``sklearn_relu.diagnostics``), so a fit compiles only
the run and the output losses. The forward pass of whole arrays (prediction) is NumPy:
:func:`sklearn_relu._network.forward`.

The products ``Xb W^T`` and ``D^T Xb`` go to BLAS (numba's ``np.dot``) when the batch is
large and run as fused loops (which skip the inactive ReLU units) when it is small,
where a BLAS call costs more than the arithmetic.
"""

import math

import numpy as np
from numba import njit

from ._config import REDUCTION_FASTMATH

LOSS_LOGISTIC = 0
LOSS_HINGE = 1
LOSS_SOFTMAX = 2
LOSS_MULTI_HINGE = 3

STATUS_OK = 0
STATUS_NONFINITE = 1

# Totals accumulated over every step of a call (for epoch statistics).
TOT_LOSS, TOT_ERRORS, TOT_NONZERO, TOT_ROWS, TOT_ABS_OUT = 0, 1, 2, 3, 4
N_TOTALS = 5

# Use BLAS for the two products when m * p * d reaches this. Measured at d = 128,
# p = 64 on 2 cores: the fused loops win at m = 1 (2.3 vs 3.5 us a step), tie at m = 2
# and lose from m = 4 on (8.6 vs 6.0 us), 2.4x at m = 256.
BLAS_MIN_WORK = 1 << 14


@njit(cache=True, nogil=True)
def output_loss_grad(F_row, y, loss_kind, G_row):
    """Loss of one row's outputs ``F_row`` (length K), writing dloss/dF into ``G_row``.

    Returns ``(loss, error)`` with ``error`` 1.0 when the row is misclassified by the
    rule of ``predict`` (binary: ``F > 0`` means the positive class; K >= 2: the first
    arg-max) and 0.0 otherwise; NaN outputs count as errors.
    """
    K = F_row.shape[0]
    if loss_kind == LOSS_LOGISTIC or loss_kind == LOSS_HINGE:
        f = F_row[0]
        z = y * f
        if loss_kind == LOSS_LOGISTIC:
            # log(1 + exp(t)) and the sigmoid of t = -z from one exp(-|t|): no overflow
            t = -z
            e = math.exp(-abs(t))
            loss = t + math.log1p(e) if t > 0.0 else math.log1p(e)
            G_row[0] = -y * (1.0 / (1.0 + e) if t >= 0.0 else e / (1.0 + e))
        else:
            loss = 1.0 - z if z < 1.0 else 0.0
            G_row[0] = -y if z < 1.0 else 0.0
        err = 0.0 if ((f > 0.0) == (y > 0.0) and f == f) else 1.0
        return loss, err
    c_true = int(y)
    best = 0
    for c in range(1, K):
        if F_row[c] > F_row[best]:
            best = c
    err = 0.0 if (best == c_true and F_row[best] == F_row[best]) else 1.0
    if loss_kind == LOSS_SOFTMAX:
        fmax = F_row[best]
        total = 0.0
        for c in range(K):
            G_row[c] = math.exp(F_row[c] - fmax)
            total += G_row[c]
        for c in range(K):
            G_row[c] /= total
        G_row[c_true] -= 1.0
        return math.log(total) + fmax - F_row[c_true], err
    # Crammer-Singer multiclass hinge
    rival = -1
    for c in range(K):
        if c != c_true and (rival < 0 or F_row[c] > F_row[rival]):
            rival = c
    for c in range(K):
        G_row[c] = 0.0
    slack = 1.0 + F_row[rival] - F_row[c_true]
    if slack > 0.0:
        G_row[rival] = 1.0
        G_row[c_true] = -1.0
        return slack, err
    return 0.0, err


@njit(cache=True, nogil=True, fastmath=REDUCTION_FASTMATH)
def sgd_epoch(
    X, y, order, W, A, A_mask, train_A, alpha, loss_kind, eta, batch_size, n_steps, totals
):
    """Run ``n_steps`` minibatch SGD steps in place on ``W`` and ``A``, no history.

    Step ``t`` uses the rows ``order[t*m : min((t+1)*m, len(order))]`` of ``X``
    (``m = batch_size``; a short last batch is averaged over its own size), gathered
    into a buffer, so ``X`` is only read (it may be a read-only memmap). ``A_mask``
    (same shape as ``A``) multiplies the update of ``A``. ``totals`` accumulates
    ``TOT_*``: the sums over the steps of the loss, the errors and ``|F|`` (before each
    update). Returns ``(status, steps_done)``; ``status`` is ``STATUS_NONFINITE`` when
    an output became NaN or infinite at step ``steps_done`` (the run stops there, with
    that step's update not applied and ``totals`` not updated; the caller must discard
    the weights).

    The step is written out here rather than in a callee, which numba would optimise
    twice (alone, then inlined): this halves the compilation of a first fit.
    """
    n_rows = order.shape[0]
    p, d = W.shape
    K = A.shape[0]
    m = batch_size
    Xb = np.empty((m, d))
    Z = np.empty((m, p))
    H = np.empty((m, p))
    F = np.empty((m, K))
    G = np.empty((m, K))
    D = np.empty((m, p))
    gA = np.empty((K, p))
    gW = np.empty((p, d))
    for t in range(n_steps):
        rows = order[t * m : min(t * m + m, n_rows)]
        mb = rows.shape[0]
        for b in range(mb):  # element loops: a slice assignment costs seconds to compile
            r = rows[b]
            for j in range(d):
                Xb[b, j] = X[r, j]
        # forward: Z = Xb W^T, H = sigma(Z), F = H A^T
        use_blas = mb * p * d >= BLAS_MIN_WORK
        if use_blas:
            np.dot(Xb[:mb], W.T, Z[:mb])
        else:
            for b in range(mb):
                for k in range(p):
                    s = 0.0
                    for j in range(d):
                        s += Xb[b, j] * W[k, j]
                    Z[b, k] = s
        for b in range(mb):
            for k in range(p):
                z = Z[b, k]
                H[b, k] = z if z > 0.0 else alpha * z
            for c in range(K):
                s = 0.0
                for k in range(p):
                    s += H[b, k] * A[c, k]
                F[b, c] = s
        loss = 0.0
        errors = 0.0
        nonzero = 0
        abs_out = 0.0
        for b in range(mb):
            lb, eb = output_loss_grad(F[b], y[rows[b]], loss_kind, G[b])
            loss += lb
            errors += eb
            for c in range(K):
                abs_out += abs(F[b, c])
                if G[b, c] != 0.0:
                    nonzero += 1
                    break
        if not math.isfinite(loss) or not math.isfinite(abs_out):
            return STATUS_NONFINITE, t
        totals[TOT_LOSS] += loss
        totals[TOT_ERRORS] += errors
        totals[TOT_NONZERO] += nonzero
        totals[TOT_ROWS] += mb
        totals[TOT_ABS_OUT] += abs_out
        scale = eta / mb
        # D = (G A) * sigma'(Z), the error signal at the hidden units; the loops over
        # the units are innermost, so that they vectorise (K is 1 for binary models)
        for b in range(mb):
            for k in range(p):
                D[b, k] = G[b, 0] * A[0, k]
            for c in range(1, K):
                gbc = G[b, c]
                for k in range(p):
                    D[b, k] += gbc * A[c, k]
            for k in range(p):
                if Z[b, k] <= 0.0:
                    D[b, k] *= alpha
        if train_A:
            for c in range(K):
                for k in range(p):
                    gA[c, k] = 0.0
            for b in range(mb):
                for c in range(K):
                    gbc = G[b, c]
                    if gbc != 0.0:
                        for k in range(p):
                            gA[c, k] += gbc * H[b, k]
        if use_blas:
            np.dot(D[:mb].T, Xb[:mb], gW)
            for k in range(p):
                for j in range(d):
                    W[k, j] -= scale * gW[k, j]
        else:
            for b in range(mb):
                for k in range(p):
                    c = scale * D[b, k]
                    if c != 0.0:
                        for j in range(d):
                            W[k, j] -= c * Xb[b, j]
        if train_A:
            for c in range(K):
                for k in range(p):
                    A[c, k] -= scale * gA[c, k] * A_mask[c, k]
    return STATUS_OK, n_steps
