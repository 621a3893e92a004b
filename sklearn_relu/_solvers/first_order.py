"""Full-batch first-order driver for one neuron: gradient descent, Adam, projection.

Every iteration is one fused pass of :func:`sklearn_relu._kernels.single_relu.loss_grad`
that returns, per fold, the gradient, the half squared loss, the convex surrogate and
the total weight at the current iterate. Fold 0 drives the update; fold 1 (when a
validation split exists) is scored in that same pass, so selecting the best iterate
on held-out rows costs no extra read of ``X``.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import Bunch

from .._kernels.single_relu import GATE_ONE, GATE_RELU, loss_grad
from ..utils._threads import chunked_sums

__all__ = [
    "GATE_ONE",
    "GATE_RELU",
    "array_query",
    "fused_pass",
    "run_first_order",
    "scaled_query",
    "warn_not_converged",
]


def fused_pass(X, y, sw, fold, n_folds, w, b, gate_mode=GATE_RELU, deriv_at_zero=1.0):
    """One fused pass over row chunks, on the threads set by the caller (the
    estimator's :func:`~sklearn_relu.utils._threads.compute_threads`).
    """
    return chunked_sums(
        loss_grad, X, y, sw, fold, n_folds, w, float(b), gate_mode, float(deriv_at_zero)
    )


def _diverged(name, lr_param="learning_rate"):
    return ValueError(
        f"{name} produced non-finite values (overflow): the learning rate is most likely "
        f"too large for these data. Lower {lr_param}, or standardise X (e.g. with "
        "StandardScaler)."
    )


def warn_not_converged(name, tol, max_iter):
    warnings.warn(
        f"{name} did not meet its stopping rule (tol={tol:g}) in max_iter={max_iter} "
        "iterations; increase max_iter or learning_rate, or loosen tol.",
        ConvergenceWarning,
        stacklevel=3,
    )


# L-BFGS-B also stops when the loss improves by less than this relative amount in an
# iteration: scipy's default (factr 1e7 times the machine epsilon), which scikit-learn's
# MLPRegressor keeps too. A tighter value only adds line-search evaluations at the
# relu's kinks: at n = 2e5, d = 20 it took 77 evaluations to the same loss (8 digits)
# as this one's 14.
LBFGS_FTOL = 1e7 * np.finfo(float).eps

# Accepted iterates whose largest objective a 'bb' step must not exceed.
NONMONOTONE_MEMORY = 10


def _fold_stats(query, theta, d, gate_mode, deriv_at_zero):
    out = query(theta[:d], theta[d], gate_mode, deriv_at_zero)
    wsum = out[:, d + 3]
    if np.any(wsum <= 0):
        raise ValueError(
            "A fold of the data has zero total sample_weight; "
            "use validation_fraction=None or positive weights."
        )
    return out / wsum[:, None]


def _run_lbfgs(
    query,
    theta0,
    *,
    n_folds,
    gate_mode,
    deriv_at_zero,
    max_iter,
    tol,
    selection_criterion,
    verbose,
    name,
    warn,
):
    """scipy's L-BFGS-B on the fold-0 objective, one fused pass per evaluation; the
    history and the selection read the pass that evaluated each accepted iterate.
    """
    from scipy.optimize import minimize

    d = len(theta0) - 1
    obj_col = d + 1 if gate_mode == GATE_RELU else d + 2
    score_fold = 1 if n_folds > 1 else 0
    last = {}

    def fun(theta):
        stats = _fold_stats(query, theta, d, gate_mode, deriv_at_zero)
        obj, grad = stats[0, obj_col], stats[0, : d + 1]
        if not (np.isfinite(obj) and np.all(np.isfinite(grad))):
            raise _diverged(name)
        last["theta"], last["stats"] = theta.copy(), stats
        if not hist["loss"]:  # scipy's first evaluation is the start: record it
            record(theta)
        return obj, grad

    hist = {"loss": [], "grad_norm": []}
    if n_folds > 1:
        hist["val_loss"], hist["val_grad_norm"] = [], []
    best = dict(score=np.inf, theta=np.array(theta0, dtype=np.float64), iter=0)

    def record(theta):
        stats = (
            last["stats"]
            if np.array_equal(theta, last.get("theta"))
            else _fold_stats(query, theta, d, gate_mode, deriv_at_zero)
        )
        k = len(hist["loss"])
        hist["loss"].append(stats[0, d + 1])
        hist["grad_norm"].append(float(np.linalg.norm(stats[0, : d + 1])))
        if n_folds > 1:
            hist["val_loss"].append(stats[1, d + 1])
            hist["val_grad_norm"].append(float(np.linalg.norm(stats[1, : d + 1])))
        col = stats[score_fold]
        score = col[d + 1] if selection_criterion == "loss" else np.linalg.norm(col[: d + 1])
        if score < best["score"]:
            best.update(score=score, theta=theta.copy(), iter=k)
        if verbose:
            print(
                f"[{name}] iter {k:6d}  loss {stats[0, d + 1]:.6g}  "
                f"|grad| {hist['grad_norm'][-1]:.3g}"
            )

    res = minimize(
        fun,
        np.array(theta0, dtype=np.float64),
        jac=True,
        method="L-BFGS-B",
        callback=lambda xk: record(np.asarray(xk)),
        options=dict(maxiter=max_iter, gtol=tol, ftol=LBFGS_FTOL, maxls=50),
    )
    converged = res.status == 0
    if warn and not converged and res.nit >= max_iter:
        warn_not_converged(name, tol, max_iter)
    theta, it = (res.x, res.nit) if selection_criterion == "last" else (best["theta"], best["iter"])
    history = {key: np.asarray(val) for key, val in hist.items()}
    history["step_size"] = np.full(len(history["loss"]), np.nan)
    return Bunch(
        theta=np.asarray(theta),
        n_iter=int(res.nit),
        converged=converged,
        selected_iter=it,
        history=history,
    )


def array_query(X, y, sw, fold=None, n_folds=1):
    """The loss/gradient query of :func:`run_first_order` over in-memory arrays."""
    if fold is None:
        fold = np.empty(0, dtype=np.int64)

    def query(w, b, gate_mode, deriv_at_zero):
        return fused_pass(X, y, sw, fold, n_folds, w, b, gate_mode, deriv_at_zero)

    return query


def scaled_query(query, s):
    """The query of the problem with labels ``y / s`` from a query on ``y``: by
    positive homogeneity the sums at ``(w, b)`` for ``y / s`` are those at
    ``(s w, s b)`` for ``y`` with the gradient divided by ``s`` and the losses by
    ``s^2`` (exact, no copy of the labels).
    """

    def scaled(w, b, gate_mode, deriv_at_zero):
        out = query(s * w, s * b, gate_mode, deriv_at_zero).copy()
        d = len(w)
        out[:, : d + 1] /= s
        out[:, d + 1 : d + 3] /= s * s
        return out

    return scaled


def run_first_order(
    query,
    theta0,
    *,
    n_folds=1,
    gate_mode=GATE_RELU,
    deriv_at_zero=1.0,
    solver="gd",
    learning_rate=0.5,
    step_rule="constant",
    max_iter=1000,
    tol=1e-6,
    n_iter_no_change=10,
    radius=None,
    selection_criterion="last",
    adam=(0.9, 0.999, 1e-8),
    verbose=0,
    name="solver",
    lr_param="learning_rate",
    warn=True,
):
    """Minimise the half squared loss (``GATE_RELU``) or the convex surrogate
    (``GATE_ONE``) over ``theta = (w, b)`` by full-batch steps.

    Parameters
    ----------
    query : callable ``(w, b, gate_mode, deriv_at_zero) -> sums``
        One fused pass returning the per-fold sums of
        :func:`sklearn_relu._kernels.single_relu.loss_grad`, shape
        ``(n_folds, d + 4)``: :func:`array_query` for arrays, or an oracle's
        ``loss_grad`` (each step of GD is a statistical query).
    theta0 : ndarray of shape (d + 1,)
        Start ``(w, b)``; not modified.
    n_folds : 1 (all rows train) or 2 (fold 1 is scored, never trained on).
    solver : {'gd', 'adam', 'lbfgs'}
        ``'lbfgs'`` is scipy's L-BFGS-B fed by ``query`` (no ``radius``); it stops
        at scipy's projected-gradient tolerance ``tol``.
    learning_rate : float
        The step size of ``'gd'`` and ``'adam'``; with ``step_rule='bb'``, the first
        step and the fallback.
    step_rule : {'constant', 'bb'}
        ``'gd'`` only. ``'constant'``: every step is ``learning_rate`` (halved for
        good when a step increases the objective). ``'bb'``: the step is the
        Barzilai-Borwein length ``|s|^2 / <s, g_k - g_{k-1}>`` with ``s`` the last
        move (Barzilai & Borwein, 1988), still along minus the gradient, accepted
        when the objective is at most its largest value over the last
        ``NONMONOTONE_MEMORY`` accepted iterates (Grippo, Lampariello & Lucidi, 1986;
        else halved and retaken). On a convex objective whose curvature varies by
        orders of magnitude across directions, as the surrogate's does (the active
        region holds a fraction of the rows), it needs tens of steps where a constant
        step needs hundreds.
    tol, n_iter_no_change : float, int
        GD and Adam stop when the training objective (of the label-scaled problem)
        has not decreased by more than ``tol`` below its best value for
        ``n_iter_no_change`` consecutive iterations, scikit-learn's rule (or at an
        exact stationary point). ``'bb'`` monitors the largest objective over its
        acceptance window, for at least ``NONMONOTONE_MEMORY`` iterations.
        (Monitoring the selection score instead stops a 'bb' run at a transient: the
        held-out gradient norm reaches its noise floor long before the iterate
        converges.)
    radius : float or None
        Project ``theta`` onto the Euclidean ball of this radius after each step.
    selection_criterion : {'last', 'loss', 'gradient'}
        Which iterate to return: the last one, the one with the smallest half
        squared loss, or with the smallest gradient norm, both read on fold 1 when
        it exists, else on fold 0.

    With ``solver='gd'`` a step that increases the objective (or overflows) is
    rejected and retaken with half the learning rate, so a learning rate too large
    for the data's curvature (unscaled features) shrinks itself instead of
    diverging; on well-scaled data at the defaults no step is ever rejected.

    Returns
    -------
    Bunch with ``theta``, ``n_iter``, ``converged``, ``selected_iter`` and
    ``history`` (dict of 1-D arrays per accepted iterate: ``loss``, ``grad_norm``,
    ``step_size`` and, with a validation fold, ``val_loss``, ``val_grad_norm``).
    """
    if solver == "lbfgs":
        return _run_lbfgs(
            query,
            theta0,
            n_folds=n_folds,
            gate_mode=gate_mode,
            deriv_at_zero=deriv_at_zero,
            max_iter=max_iter,
            tol=tol,
            selection_criterion=selection_criterion,
            verbose=verbose,
            name=name,
            warn=warn,
        )
    d = len(theta0) - 1
    theta = np.array(theta0, dtype=np.float64, copy=True)
    beta1, beta2, eps = adam
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    score_fold = 1 if n_folds > 1 else 0
    # The objective whose increase rejects a gradient step: the half squared loss
    # under the relu gate, the convex surrogate under the unit gate.
    obj_col = d + 1 if gate_mode == GATE_RELU else d + 2
    safeguard = solver == "gd"
    bb = safeguard and step_rule == "bb"
    lr = float(learning_rate)
    recent = []  # objectives of the last accepted iterates (the 'bb' acceptance bar)
    # The window's largest objective, which 'bb' monitors, may stay put for as long as
    # an iterate stays in the window (the start, or a transient rise) while the run
    # descends: fewer than NONMONOTONE_MEMORY steps without its improvement prove
    # nothing, so a smaller n_iter_no_change would stop a run at its start.
    patience = max(n_iter_no_change, NONMONOTONE_MEMORY) if bb else n_iter_no_change

    hist = {"loss": [], "grad_norm": [], "step_size": []}
    if n_folds > 1:
        hist["val_loss"], hist["val_grad_norm"] = [], []
    best_score, best_theta, best_iter = np.inf, theta.copy(), 0
    prev_theta = prev_grad = None
    prev_obj = best_obj = np.inf
    converged = False
    n_iter = n_halvings = no_change = 0
    report_every = max(1, max_iter // 10)

    def project(t):
        if radius is not None:
            norm = np.linalg.norm(t)
            if norm > radius:
                t *= radius / norm
        return t

    while True:
        stats = _fold_stats(query, theta, d, gate_mode, deriv_at_zero)
        grad = stats[0, : d + 1]
        obj = stats[0, obj_col]
        finite = np.isfinite(obj) and np.all(np.isfinite(grad))
        bar = max(recent) if bb and recent else prev_obj
        if safeguard and prev_theta is not None and (not finite or obj > bar + 1e-10 * abs(bar)):
            # Step-size safeguard: a full-batch step that increases the
            # objective means lr exceeds 2/smoothness on these data; halve lr
            # and retake the step from the previous iterate.
            n_halvings += 1
            if n_halvings > 60:
                if not finite:
                    raise _diverged(name, lr_param)
                # the objective cannot be decreased any more at machine (or
                # oracle) precision: keep the last accepted iterate and stop
                theta = prev_theta
                break
            lr *= 0.5
            theta = project(prev_theta - lr * prev_grad)
            continue
        if not finite:
            raise _diverged(name, lr_param)
        gnorm = float(np.linalg.norm(grad))
        hist["loss"].append(stats[0, d + 1])
        hist["grad_norm"].append(gnorm)
        hist["step_size"].append(lr)
        if n_folds > 1:
            hist["val_loss"].append(stats[1, d + 1])
            hist["val_grad_norm"].append(float(np.linalg.norm(stats[1, : d + 1])))

        if selection_criterion != "last":
            col = stats[score_fold]
            score = col[d + 1] if selection_criterion == "loss" else np.linalg.norm(col[: d + 1])
            if score < best_score:
                best_score, best_theta, best_iter = score, theta.copy(), n_iter

        if verbose and n_iter % report_every == 0:
            print(f"[{name}] iter {n_iter:6d}  loss {stats[0, d + 1]:.6g}  |grad| {gnorm:.3g}")
        # 'bb' monitors the largest objective over the acceptance window (including
        # this iterate), the quantity its safeguard makes decrease: a single value may
        # rise above the best for many steps while the window keeps descending
        monitor = max(recent[1 - NONMONOTONE_MEMORY :] + [obj]) if bb else obj
        no_change = no_change + 1 if monitor > best_obj - tol else 0
        best_obj = min(best_obj, monitor)
        if no_change >= patience or gnorm == 0.0:
            converged = True
            break
        if n_iter == max_iter:
            break

        if bb:
            n_halvings = 0  # the bar applies to each step afresh
            recent = (recent + [obj])[-NONMONOTONE_MEMORY:]
            lr = float(learning_rate)
            if prev_theta is not None:
                move, dgrad = theta - prev_theta, grad - prev_grad
                curv = float(move @ dgrad)
                if curv > 0:
                    lr = min(max(float(move @ move) / curv, lr * 1e-8), lr * 1e8)
        prev_theta, prev_grad, prev_obj = theta.copy(), grad, obj
        if solver == "adam":
            t = n_iter + 1
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad * grad
            step = (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
            theta = project(theta - lr * step)
        else:
            theta = project(theta - lr * grad)
        n_iter += 1

    if warn and not converged:
        warn_not_converged(name, tol, max_iter)
    if selection_criterion == "last":
        best_theta, best_iter = theta, n_iter
    history = {key: np.asarray(val) for key, val in hist.items()}
    return Bunch(
        theta=best_theta,
        n_iter=n_iter,
        converged=converged,
        selected_iter=best_iter,
        history=history,
    )
