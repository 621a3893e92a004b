"""Epoch loop of :class:`~sklearn_relu.LeakyReLUTwoLayerClassifier`: permutations,
stopping rule, per-epoch statistics and the diagnostics hook.

Every SGD step runs in the shared two-layer kernel through
:func:`sklearn_relu._solvers.online_sgd.sgd_steps` (one compiled call per epoch); this
module only decides the order of the rows and when to stop.
"""

import math

import numpy as np
from sklearn.utils import Bunch

from .._kernels.two_layer import TOT_ERRORS, TOT_LOSS, TOT_NONZERO, TOT_ROWS
from . import online_sgd

__all__ = ["evaluate", "run_epochs"]

_EVAL_BATCH = 1024


def evaluate(X, y, W, A, *, loss, alpha, n_jobs=None):
    """(mean loss, error rate) of the network on ``(X, y)``.

    A pass of the shared kernel with learning rate 0 (the weights do not move), so the
    loss has one home: :func:`sklearn_relu._kernels.two_layer.output_loss_grad`.
    """
    n = X.shape[0]
    W0, A0 = W.copy(), A.copy()
    _, tot = online_sgd.sgd_steps(
        X,
        y,
        np.arange(n),
        W0,
        A0,
        loss=loss,
        eta=0.0,
        batch_size=min(n, _EVAL_BATCH),
        n_steps=math.ceil(n / min(n, _EVAL_BATCH)),
        alpha=alpha,
        train_A=False,
        n_jobs=n_jobs,
    )
    return tot[TOT_LOSS] / n, tot[TOT_ERRORS] / n


def run_epochs(
    X,
    y,
    W,
    A,
    *,
    A_mask,
    train_A,
    alpha,
    loss,
    eta,
    batch_size,
    max_epochs,
    shuffle,
    rng,
    tol,
    n_iter_no_change,
    step0=0,
    epoch0=0,
    on_epoch=None,
    n_jobs=None,
    verbose=0,
    name="LeakyReLUTwoLayerClassifier",
):
    """Up to ``max_epochs`` passes of minibatch SGD, in place on ``W`` and ``A``.

    Each epoch uses a fresh ``rng.permutation`` (``shuffle``) or the given row order.
    Stopping: the hinge losses stop after an epoch with no non-zero update (zero
    training hinge loss, the weights can no longer move); the logistic/softmax losses
    use scikit-learn's rule (the epoch-mean loss did not improve by more than ``tol``
    for ``n_iter_no_change`` epochs; ``tol=None``: never). After each epoch
    ``on_epoch(epoch, stats)`` is called with the cumulative epoch number and the
    epoch's ``loss``, ``error`` (pre-update means) and ``nonzero`` count.

    Returns
    -------
    Bunch with ``n_epochs``, ``converged``, ``loss_curve``, ``error_curve``,
    ``nonzero_curve`` (arrays, one entry per epoch) and ``n_steps`` (SGD steps taken).
    """
    n = X.shape[0]
    steps_per_epoch = math.ceil(n / batch_size)
    hinge = loss in ("hinge", "multi_hinge")
    best = np.inf
    no_improve = 0
    converged = False
    losses, errors, nonzeros = [], [], []
    t = step0
    for e in range(max_epochs):
        order = rng.permutation(n) if shuffle else np.arange(n)
        _, tot = online_sgd.sgd_steps(
            X,
            y,
            order,
            W,
            A,
            loss=loss,
            eta=eta,
            batch_size=batch_size,
            n_steps=steps_per_epoch,
            alpha=alpha,
            train_A=train_A,
            A_mask=A_mask,
            step0=t,
            seen0=t,
            n_jobs=n_jobs,
        )
        t += steps_per_epoch
        ep_loss = tot[TOT_LOSS] / tot[TOT_ROWS]
        stats = dict(
            loss=ep_loss, error=tot[TOT_ERRORS] / tot[TOT_ROWS], nonzero=int(tot[TOT_NONZERO])
        )
        losses.append(stats["loss"])
        errors.append(stats["error"])
        nonzeros.append(stats["nonzero"])
        if on_epoch is not None:
            on_epoch(epoch0 + e + 1, stats)
        if verbose:
            print(
                f"[{name}] epoch {epoch0 + e + 1:5d}  loss {ep_loss:.6g}  "
                f"train error {stats['error']:.4f}  non-zero updates {stats['nonzero']}"
            )
        if hinge:
            if stats["nonzero"] == 0:
                converged = True
                break
        elif tol is not None:
            no_improve = no_improve + 1 if ep_loss > best - tol else 0
            best = min(best, ep_loss)
            if no_improve >= n_iter_no_change:
                converged = True
                break
    return Bunch(
        n_epochs=len(losses),
        converged=converged,
        loss_curve=np.array(losses),
        error_curve=np.array(errors),
        nonzero_curve=np.array(nonzeros, dtype=np.int64),
        n_steps=t - step0,
    )
