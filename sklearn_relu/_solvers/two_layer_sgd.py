"""Minibatch SGD on a two-layer network: the one driver of the two SGD classifiers.

:class:`~sklearn_relu.TwoLayerXORClassifier` and
:class:`~sklearn_relu.LeakyReLUTwoLayerClassifier` both call :func:`run_sgd`, which owns
the row order (a permutation per epoch, or the given order), the batching, the stopping
rule, the counters, the history table, the verbose lines and the divergence check.
Every step runs in :mod:`sklearn_relu._kernels.two_layer`: one compiled call per epoch, or
per stretch of steps up to the next logged step, with the family's diagnostics (a
function of ``sklearn_relu.diagnostics``) called between them.
"""

import math

import numpy as np
from sklearn.utils import Bunch

from .._kernels import two_layer as _k

__all__ = ["append_history", "evaluate", "run_sgd"]

LOSS_KINDS = {
    "logistic": _k.LOSS_LOGISTIC,
    "hinge": _k.LOSS_HINGE,
    "softmax": _k.LOSS_SOFTMAX,
    "multi_hinge": _k.LOSS_MULTI_HINGE,
}
STEP_COLUMNS = (
    "step",
    "n_seen",
    "batch_loss",
    "batch_error",
    "val_loss",
    "val_error",
    "mean_abs_output",
)
EPOCH_COLUMNS = ("epoch", "loss", "train_error", "n_nonzero_updates")
_EVAL_BATCH = 1024


def append_history(history, new):
    """Concatenate two history dicts column by column (either may be None)."""
    if new is None:
        return history
    if history is None:
        return {k: np.array(v, dtype=np.float64) for k, v in new.items()}
    return {k: np.concatenate([history[k], new[k]]) for k in history}


def _check_finite(status, W, A, step, eta, hint):
    if status != _k.STATUS_OK or not (np.all(np.isfinite(W)) and np.all(np.isfinite(A))):
        raise FloatingPointError(
            f"SGD diverged at step {step}: the network output or weights became NaN or "
            f"infinite. The learning rate ({eta:g}) is likely too large for the scale of "
            "the inputs; lower learning_rate or standardise X." + hint
        )


def _mask(A, A_mask):
    return np.ones_like(A) if A_mask is None else A_mask


def evaluate(X, y, W, A, *, loss, negative_slope):
    """(mean loss, error rate, mean ``|output|``) of the network on ``(X, y)``.

    A pass of the SGD kernel with learning rate 0 (the weights do not move), so the loss
    has one home: :func:`sklearn_relu._kernels.two_layer.output_loss_grad`.
    """
    n = X.shape[0]
    m = min(n, _EVAL_BATCH)
    totals = np.zeros(_k.N_TOTALS)
    _k.sgd_epoch(
        X,
        y,
        np.arange(n),
        W.copy(),
        A.copy(),
        np.ones_like(A),
        False,
        float(negative_slope),
        LOSS_KINDS[loss],
        0.0,
        m,
        math.ceil(n / m),
        totals,
    )
    return (
        totals[_k.TOT_LOSS] / n,
        totals[_k.TOT_ERRORS] / n,
        totals[_k.TOT_ABS_OUT] / (n * A.shape[0]),
    )


def _logged_epoch(kernel_args, order, m, n_steps, t, t_last, log_every, record):
    """One epoch from step ``t`` of the run, in kernel calls that end at the logged
    steps: ``(status, done, totals)``.

    Step ``t + s`` (counted from 1) is logged when it is a multiple of ``log_every`` or
    equals ``t_last``: its batch's loss, errors and outputs come from a call of that one
    step (the minibatch before its update), and ``record(s, batch_totals)`` is called
    right after it, at the updated weights.
    """
    X, y, W, A, A_mask, train_A, slope, loss_kind, eta = kernel_args
    totals = np.zeros(_k.N_TOTALS)
    s = 0

    def steps(start, stop, into):
        return _k.sgd_epoch(
            X, y, order[start * m : stop * m], W, A, A_mask, train_A, slope, loss_kind, eta,
            int(m), stop - start, into,
        )  # fmt: skip

    while s < n_steps:
        point = min(((t + s) // log_every + 1) * log_every, t_last) - t
        end = min(point, n_steps)
        bulk = end - 1 if end == point else end
        if bulk > s:
            status, done = steps(s, bulk, totals)
            if status != _k.STATUS_OK:
                return status, s + done, totals
        if end == point:
            one = np.zeros(_k.N_TOTALS)
            status, _ = steps(end - 1, end, one)
            if status != _k.STATUS_OK:
                return status, end - 1, totals
            totals += one
            record(end, one)
        s = end
    return _k.STATUS_OK, n_steps, totals


def run_sgd(
    X,
    y,
    W,
    A,
    *,
    loss,
    eta,
    batch_size,
    n_epochs,
    negative_slope=0.0,
    train_A=True,
    A_mask=None,
    shuffle=False,
    drop_last=False,
    rng=None,
    stop=None,
    tol=None,
    n_iter_no_change=5,
    step0=0,
    seen0=0,
    epoch0=0,
    log_every=0,
    log_unit="step",
    X_mon=None,
    y_mon=None,
    diagnose=None,
    diagnose_columns=(),
    log_first=False,
    log_last=True,
    verbose=0,
    name="",
    divergence_hint="",
):
    """Up to ``n_epochs`` passes of minibatch SGD, in place on ``W`` (p, d) and ``A`` (K, p).

    Parameters
    ----------
    X, y : ndarray
        Rows (C-ordered float64) and kernel labels: +-1 for the single-output losses,
        the class index as a float for the K-output ones.
    W, A : ndarray
        Hidden and output weights, updated in place.
    loss : {'logistic', 'hinge', 'softmax', 'multi_hinge'}
    eta, batch_size : float, int
        Constant step and rows per step.
    n_epochs : int
        Passes over the rows (a cap when ``stop`` is set).
    negative_slope, train_A, A_mask
        Slope of the activation for negative inputs; whether ``A`` is trained, and
        the mask that multiplies its update (None: all ones).
    shuffle, drop_last, rng
        Each epoch uses ``rng.permutation(n)`` (``shuffle``) or the given order, cut into
        ``n // m`` full batches (``drop_last``; the remainder is left out of that pass)
        or ``ceil(n / m)`` batches (a short last batch is averaged over its own size).
    stop : {None, 'tol', 'no_update'}
        ``'tol'``: scikit-learn's rule, the epoch-mean loss did not improve by more than
        ``tol`` for ``n_iter_no_change`` epochs; ``'no_update'``: an epoch with no
        non-zero update (a hinge loss at zero); None: run all ``n_epochs``.
    step0, seen0, epoch0 : int
        Steps, rows and epochs done before this call (counters of the history rows).
    log_every, log_unit, X_mon, y_mon, diagnose, diagnose_columns, log_first, log_last
        ``'step'``: a row of ``STEP_COLUMNS`` every ``log_every`` steps of this call and
        at its last step (the batch columns describe the minibatch before its update; the
        val columns and ``mean_abs_output`` come from the monitor set ``X_mon, y_mon``
        when given, else NaN and the minibatch); ``'epoch'``: a row of
        ``EPOCH_COLUMNS`` every ``log_every`` epochs (counted from ``epoch0``), at epoch
        ``epoch0`` itself when ``log_first`` (the loss of the network as given) and at
        the last epoch when ``log_last``. Either row also holds ``diagnose(W, A)`` (a
        dict with the keys ``diagnose_columns``) at the updated weights. 0: no history.
    verbose, name
        Print one line per logged step (``'step'``) or per epoch (``'epoch'``).
    divergence_hint : str
        Appended to the FloatingPointError raised when the run diverges.

    Returns
    -------
    Bunch with ``history`` (dict of 1-D arrays, of length 0 without rows), ``n_epochs``,
    ``n_steps``, ``n_seen`` (rows used by the steps), ``converged``, and per epoch
    ``loss_curve`` (mean pre-update loss) and ``nonzero_curve``.

    Raises
    ------
    FloatingPointError
        When an output or a weight becomes NaN or infinite.
    """
    n, d = X.shape
    m = batch_size
    per_epoch = n // m if drop_last else math.ceil(n / m)
    loss_kind = LOSS_KINDS[loss]
    A_mask = _mask(A, A_mask)
    step_log = log_unit == "step" and log_every > 0
    epoch_log = log_unit == "epoch" and log_every > 0
    kernel_args = (X, y, W, A, A_mask, bool(train_A), float(negative_slope), loss_kind, float(eta))
    if step_log:
        t_last = per_epoch * n_epochs
    step_rows, epoch_rows = [], []
    if epoch_log and log_first:
        loss0, err0, _ = evaluate(X, y, W, A, loss=loss, negative_slope=negative_slope)
        epoch_rows.append((epoch0, loss0, err0, np.nan, diagnose(W, A)))
    best, no_improve, converged = np.inf, 0, False
    losses, nonzeros = [], []
    t = 0
    seen = 0
    at = {}  # where the current epoch starts, for the step rows

    def record(s, one):
        rows = one[_k.TOT_ROWS]
        if X_mon is None:
            val = (np.nan, np.nan, one[_k.TOT_ABS_OUT] / (rows * A.shape[0]))
        else:
            val = evaluate(X_mon, y_mon, W, A, loss=loss, negative_slope=negative_slope)
        row = (
            step0 + at["t"] + s,
            seen0 + at["seen"] + min(s * m, at["n_order"]),
            one[_k.TOT_LOSS] / rows,
            one[_k.TOT_ERRORS] / rows,
            *val,
        )
        step_rows.append((row, diagnose(W, A) if diagnose is not None else {}))
        if verbose:
            _print_step(row)

    for e in range(n_epochs):
        order = rng.permutation(n) if shuffle else np.arange(n)
        if drop_last:
            order = order[: per_epoch * m]
        if step_log:
            at.update(t=t, seen=seen, n_order=len(order))
            status, done, totals = _logged_epoch(
                kernel_args, order, m, per_epoch, t, t_last, log_every, record
            )
        else:
            totals = np.zeros(_k.N_TOTALS)
            status, done = _k.sgd_epoch(
                X, y, order, W, A, A_mask, bool(train_A), float(negative_slope), loss_kind,
                float(eta), int(m), per_epoch, totals,
            )  # fmt: skip
        _check_finite(status, W, A, step0 + t + done + 1, eta, divergence_hint)
        t += per_epoch
        seen += int(totals[_k.TOT_ROWS])
        epoch = epoch0 + e + 1
        ep_loss = totals[_k.TOT_LOSS] / totals[_k.TOT_ROWS]
        ep_err = totals[_k.TOT_ERRORS] / totals[_k.TOT_ROWS]
        nonzero = int(totals[_k.TOT_NONZERO])
        losses.append(ep_loss)
        nonzeros.append(nonzero)
        if epoch_log and epoch % log_every == 0:
            epoch_rows.append((epoch, ep_loss, ep_err, nonzero, diagnose(W, A)))
        if verbose and not step_log:
            print(
                f"[{name}] epoch {epoch:5d}  loss {ep_loss:.6g}  train error {ep_err:.4f}  "
                f"non-zero updates {nonzero}"
            )
        if stop == "no_update" and nonzero == 0:
            converged = True
        elif stop == "tol":
            no_improve = no_improve + 1 if ep_loss > best - tol else 0
            best = min(best, ep_loss)
            converged = no_improve >= n_iter_no_change
        if converged:
            break
    if epoch_log and log_last and (not epoch_rows or epoch_rows[-1][0] != epoch):
        epoch_rows.append((epoch, ep_loss, ep_err, nonzero, diagnose(W, A)))
    if log_unit == "step":
        history = {c: np.array([r[0][i] for r in step_rows], dtype=np.float64)
                   for i, c in enumerate(STEP_COLUMNS)}  # fmt: skip
        for key in diagnose_columns:
            history[key] = np.array([r[1][key] for r in step_rows], dtype=np.float64)
    else:
        history = {c: np.array([r[i] for r in epoch_rows], dtype=np.float64)
                   for i, c in enumerate(EPOCH_COLUMNS)}  # fmt: skip
        for key in diagnose_columns:
            history[key] = np.array([r[4][key] for r in epoch_rows], dtype=np.float64)
    return Bunch(
        history=history,
        n_epochs=len(losses),
        n_steps=t,
        n_seen=seen,
        converged=converged,
        loss_curve=np.array(losses),
        nonzero_curve=np.array(nonzeros, dtype=np.int64),
    )


def _print_step(row):
    step, seen, batch_loss, batch_error, _, val_error, out = row
    print(
        f"step {int(step)}, n_seen {int(seen)}: batch loss {batch_loss:.4f}, batch error "
        f"{batch_error:.3f}, val error {val_error:.3f}, mean |output| {out:.3g}"
    )
