"""Driver of the two-layer SGD kernel: thread limits, the history table, divergence.

Both SGD classifiers (:class:`~sklearn_relu.TwoLayerXORClassifier` and
:class:`~sklearn_relu.LeakyReLUTwoLayerClassifier`) call :func:`sgd_steps`; all the
arithmetic is in :mod:`sklearn_relu._kernels.two_layer`.
"""

import numpy as np

from .._kernels import two_layer as _k
from ..utils._threads import blas_threads

LOSS_KINDS = {
    "logistic": _k.LOSS_LOGISTIC,
    "hinge": _k.LOSS_HINGE,
    "softmax": _k.LOSS_SOFTMAX,
    "multi_hinge": _k.LOSS_MULTI_HINGE,
}
HIST_COLUMNS = _k.HIST_COLUMNS


def append_history(history, new):
    """Concatenate two history dicts column by column (``history`` may be None)."""
    if history is None:
        return {k: v.copy() for k, v in new.items()}
    return {k: np.concatenate([history[k], new[k]]) for k in HIST_COLUMNS}


def sgd_steps(
    X,
    y,
    order,
    W,
    A,
    *,
    loss,
    eta,
    batch_size,
    n_steps,
    alpha=0.0,
    train_A=True,
    A_mask=None,
    step0=0,
    seen0=0,
    log_every=0,
    X_mon=None,
    y_mon=None,
    basis=None,
    n_jobs=None,
):
    """Run ``n_steps`` SGD steps in place on ``W`` (p, d) and ``A`` (K, p).

    ``y`` holds +-1 labels for the single-output losses and class indices (as floats)
    for the K-output ones; ``order`` the row indices in the order they are used.
    Returns ``(history, totals)``: the history rows as a dict of 1-D arrays (empty
    arrays when ``log_every == 0``) and the ``TOT_*`` sums of the run.

    Raises
    ------
    FloatingPointError
        When an output becomes NaN or infinite: the weights are then unusable.
    """
    d = X.shape[1]
    order = np.ascontiguousarray(order, dtype=np.int64)
    if A_mask is None:
        A_mask = np.ones_like(A)
    if X_mon is None:
        X_mon, y_mon = np.empty((0, d)), np.empty(0)
    if basis is None:
        basis = np.empty((0, d))
    hist = np.empty((_k.history_rows(n_steps, log_every), _k.N_HIST))
    totals = np.zeros(_k.N_TOTALS)
    with blas_threads(n_jobs):
        status, done, rows = _k.sgd_run(
            X,
            y,
            order,
            W,
            A,
            A_mask,
            bool(train_A),
            float(alpha),
            LOSS_KINDS[loss],
            float(eta),
            int(batch_size),
            int(n_steps),
            int(step0),
            int(seen0),
            int(log_every),
            X_mon,
            y_mon,
            basis,
            hist,
            totals,
        )
    if status != _k.STATUS_OK or not (np.all(np.isfinite(W)) and np.all(np.isfinite(A))):
        raise FloatingPointError(
            f"SGD diverged at step {step0 + done + 1}: the network output or weights "
            f"became NaN or infinite. The learning rate ({eta:g}) is likely too large "
            "for the scale of the inputs; lower learning_rate or standardise X."
        )
    history = {name: hist[:rows, i].copy() for i, name in enumerate(HIST_COLUMNS)}
    return history, totals
