"""Driver of :class:`~sklearn_relu.GiantStepRegressor`: row split, giant steps, ridge read-out.

The network is ``f(x) = sum_i c_i relu(<w_i, x>)`` with ``c = a / sqrt(p)`` (the output
scale is folded into the coefficients handed to the kernels). One giant step on a batch
``(X_t, y_t)`` of ``n`` rows, second layer frozen, is::

    P = X_t W^T                         (BLAS GEMM, row chunk by row chunk)
    r = y_t - relu(P) c                 ┐ one fused numba pass over P
    Q = (r c^T) * 1{P > 0}              ┘ (sklearn_relu._kernels.giant_step)
    G = Q^T X_t / n                     (BLAS GEMM; G = -dL/dW for L = mean r^2 / 2)
    W = W + lr G

Rows are processed in chunks so memory stays O(chunk * p). The ridge read-out builds
``Phi = relu(X_R W^T) / sqrt(p)`` per chunk and accumulates ``Phi^T Phi`` and
``Phi^T y`` (primal, n_R >= p) or solves the n_R x n_R dual system (n_R < p).
"""

import warnings

import numpy as np
import scipy.linalg
import scipy.linalg.lapack
from sklearn.utils import Bunch

from .._kernels._config import BLOCK_ROWS
from .._kernels.giant_step import residual_mask
from ..diagnostics._overlaps import subspace_overlaps, update_cosines
from ..utils._threads import blas_threads

__all__ = [
    "DaskBatches",
    "batch_direction",
    "giant_step_direction",
    "primal_readout",
    "ridge_readout",
    "run_giant_steps",
    "resolve_chunk_rows",
    "split_rows",
]

_CHUNK_BYTES = 64 * 2**20  # one n-by-p block of pre-activations <= 64 MiB


def resolve_chunk_rows(p):
    """Rows per block of the passes: one block of pre-activations <= 64 MiB."""
    return max(BLOCK_ROWS, _CHUNK_BYTES // (8 * max(p, 1)))


def _blocks(n, chunk_rows):
    for start in range(0, n, chunk_rows):
        yield start, min(start + chunk_rows, n)


def _take(X, y, rows, start, stop):
    """Rows ``start:stop`` of the batch (a view when ``rows`` is None, else a gather)."""
    if rows is None:
        return X[start:stop], (None if y is None else y[start:stop])
    idx = rows[start:stop]
    return X[idx], (None if y is None else y[idx])


def _pre_activations(Xc, W, buf):
    P = buf[: Xc.shape[0]]
    np.matmul(Xc, W.T, out=P)
    return P


def _step_sums(X, y, W, c, rows=None, chunk_rows=8192, workspace=None):
    """``(n G, sum r^2)`` of the batch: the sums that :func:`giant_step_direction`
    divides (row blocks of a dask array add them up).
    """
    n = X.shape[0] if rows is None else len(rows)
    p = W.shape[0]
    G = np.zeros_like(W)
    tmp = None
    buf = workspace if workspace is not None else np.empty((min(chunk_rows, max(n, 1)), p))
    sq = 0.0
    for start, stop in _blocks(n, chunk_rows):
        Xc, yc = _take(X, y, rows, start, stop)
        P = _pre_activations(Xc, W, buf)
        sq += residual_mask(P, np.ascontiguousarray(yc), c, P)  # Q overwrites P
        if start == 0:
            np.matmul(P.T, Xc, out=G)
        else:
            if tmp is None:
                tmp = np.empty_like(W)
            np.matmul(P.T, Xc, out=tmp)
            G += tmp
    return G, sq


def giant_step_direction(X, y, W, c, rows=None, chunk_rows=8192, workspace=None):
    """Negative gradient of the half-MSE of the batch with respect to ``W``.

    Parameters
    ----------
    X : ndarray of shape (N, d), float64
    y : ndarray of shape (N,), float64
    W : ndarray of shape (p, d)
    c : ndarray of shape (p,)
        Output coefficients ``a / sqrt(p)``.
    rows : int ndarray or None
        Rows of ``X`` forming the batch (None: all rows).
    chunk_rows : int
        Rows per block.
    workspace : ndarray of shape (>= min(chunk_rows, n), p), default=None
        Reused buffer for the pre-activation blocks (allocated when None).

    Returns
    -------
    G : ndarray of shape (p, d)
        ``Q^T X_t / n`` (the step is ``W + lr * G``).
    loss : float
        Half mean squared residual of the batch at ``W`` (before the step).
    """
    n = X.shape[0] if rows is None else len(rows)
    G, sq = _step_sums(X, y, W, c, rows, chunk_rows, workspace)
    G /= n
    return G, 0.5 * sq / n


def _features(Xc, W, buf, scale):
    """``Phi = relu(Xc W^T) * scale`` in the buffer."""
    P = _pre_activations(Xc, W, buf)
    np.maximum(P, 0.0, out=P)
    P *= scale
    return P


def _warn_solve(alpha):
    warnings.warn(
        f"Cholesky factorisation of the ridge system failed (alpha={alpha:g} is too small "
        "for these features); solved with a symmetric LU instead. Increase alpha.",
        scipy.linalg.LinAlgWarning,
        stacklevel=4,
    )


def _sym_solve(A, b, alpha, dof_of=None):
    """Solve ``A x = b`` (``A`` = Gram matrix + ``alpha I``) by Cholesky, or a symmetric
    LU with a warning when the factorisation fails. With ``dof_of`` (``None`` or the
    intercept flag) also returns the ridge's effective degrees of freedom
    ``sum lam / (lam + alpha) = size - alpha * trace(A^{-1})`` (plus one for an
    intercept), the trace from the inverse of the Cholesky factor (one triangular
    inversion, about the cost of the factorisation; the eigenvalues when it failed).
    """
    try:
        c = scipy.linalg.cho_factor(A, lower=True)
    except np.linalg.LinAlgError:
        _warn_solve(alpha)
        x = scipy.linalg.solve(A, b, assume_a="sym")
        if dof_of is None:
            return x
        lam = np.clip(np.linalg.eigvalsh(A) - alpha, 0.0, None)
        tol = 1e-12 * max(float(lam.max(initial=0.0)), 1e-300)
        dof = float(np.sum(lam / (lam + alpha)) if alpha > 0 else np.sum(lam > tol))
        return x, dof + float(dof_of)
    x = scipy.linalg.cho_solve(c, b)
    if dof_of is None:
        return x
    L_inv, info = scipy.linalg.lapack.dtrtri(c[0], lower=1)
    tr = float(np.einsum("ij,ij->", np.tril(L_inv), np.tril(L_inv))) if info == 0 else np.inf
    return x, A.shape[0] - alpha * tr + float(dof_of)


def _dof_may_exceed_half(G, alpha, n, fit_intercept):
    """False when the degrees of freedom cannot exceed ``n / 2``: they are at most
    ``trace(G) / alpha`` (plus the intercept), so the inversion is skipped.
    """
    return not (alpha > 0 and np.trace(G) / alpha + fit_intercept <= 0.5 * n)


def ridge_readout(
    X,
    y,
    W,
    rows=None,
    alpha=1.0,
    solver="auto",
    chunk_rows=8192,
    fit_intercept=False,
    name="GiantStepRegressor",
):
    """Ridge ``argmin ||y_R - b 1 - Phi a||^2 + alpha ||a||^2``, ``Phi = relu(X_R W^T)/sqrt(p)``.

    Primal ``(Phi^T Phi + alpha I) a = Phi^T y`` with the Gram matrix accumulated over row
    chunks, or dual ``a = Phi^T (Phi Phi^T + alpha I)^{-1} y``; ``'auto'`` takes the
    primal when ``n_R >= p``. With ``fit_intercept`` the unpenalised intercept ``b`` is
    fitted as in :class:`~sklearn.linear_model.Ridge`: the columns of ``Phi`` and ``y``
    are centred on the read-out rows (else ``b = 0``).

    Returns
    -------
    Bunch
        ``coef`` (p,), ``intercept`` (float), ``mse`` (mean squared residual on the
        read-out rows), ``solver`` ('primal' or 'dual') and ``dof``: the effective
        degrees of freedom ``sum lam / (lam + alpha)`` of the ridge (eigenvalues ``lam``
        of the centred Gram matrix; plus one for the intercept), computed only when
        ``n_R < p`` and they may exceed ``n_R / 2`` (NaN otherwise).
    """
    n = X.shape[0] if rows is None else len(rows)
    p = W.shape[0]
    scale = 1.0 / np.sqrt(p)
    if solver == "auto":
        solver = "primal" if n >= p else "dual"
    dof = np.nan
    if solver == "dual":
        Xr, yr = (X, y) if rows is None else (X[rows], y[rows])
        Phi = _features(Xr, W, np.empty((n, p)), scale)
        phi_mean = Phi.mean(axis=0) if fit_intercept else np.zeros(p)
        y_mean = float(yr.mean()) if fit_intercept else 0.0
        if fit_intercept:
            Phi -= phi_mean
            yr = yr - y_mean
        K = Phi @ Phi.T
        _check_finite_gram(K, name)
        want = n < p and _dof_may_exceed_half(K, alpha, n, fit_intercept)
        K[np.diag_indices_from(K)] += alpha
        dual, dof = (
            _sym_solve(K, yr, alpha, dof_of=fit_intercept)
            if want
            else (_sym_solve(K, yr, alpha), np.nan)
        )
        coef = Phi.T @ dual
        resid = yr - Phi @ coef
        return Bunch(
            coef=coef,
            intercept=y_mean - float(phi_mean @ coef),
            mse=float(resid @ resid / n),
            solver=solver,
            dof=dof,
        )
    sums = _gram_sums(X, y, W, rows, chunk_rows, fit_intercept)
    return primal_readout(*sums, n, alpha, fit_intercept, name)


def _gram_sums(X, y, W, rows=None, chunk_rows=8192, fit_intercept=False):
    """``(Phi^T Phi, Phi^T y, sum Phi, y^T y, sum y)`` over the rows (the last two
    sums 0 without an intercept), accumulated over row chunks: the sums of the primal
    read-out, which row blocks of a dask array add up.
    """
    n = X.shape[0] if rows is None else len(rows)
    p = W.shape[0]
    scale = 1.0 / np.sqrt(p)
    H = np.zeros((p, p))
    b = np.zeros(p)
    s = np.zeros(p)
    yy = sy = 0.0
    buf = np.empty((min(chunk_rows, max(n, 1)), p))
    for start, stop in _blocks(n, chunk_rows):
        Xc, yc = _take(X, y, rows, start, stop)
        Phi = _features(Xc, W, buf, scale)
        H += Phi.T @ Phi
        b += Phi.T @ yc
        yy += float(yc @ yc)
        if fit_intercept:
            s += Phi.sum(axis=0)
            sy += float(yc.sum())
    return H, b, s, yy, sy


def primal_readout(H, b, s, yy, sy, n, alpha, fit_intercept, name="GiantStepRegressor"):
    """Solve the primal ridge from the sums of :func:`_gram_sums` over ``n`` rows;
    returns the Bunch of :func:`ridge_readout` (``solver='primal'``).
    """
    p = H.shape[0]
    dof = np.nan
    if fit_intercept:  # centred moments: the intercept is not penalised
        H -= np.outer(s, s) / n
        b -= s * (sy / n)
        yy -= sy * sy / n
    _check_finite_gram(H, name)
    H_reg = H.copy()
    H_reg[np.diag_indices_from(H_reg)] += alpha
    if n < p and _dof_may_exceed_half(H, alpha, n, fit_intercept):
        coef, dof = _sym_solve(H_reg, b, alpha, dof_of=fit_intercept)
    else:
        coef = _sym_solve(H_reg, b, alpha)
    # ||y - Phi a||^2 from the accumulated moments (no second pass over the rows)
    sse = yy - 2.0 * coef @ b + coef @ H @ coef
    intercept = (sy - float(s @ coef)) / n if fit_intercept else 0.0
    return Bunch(
        coef=coef, intercept=intercept, mse=float(max(sse, 0.0) / n), solver="primal", dof=dof
    )


def _check_finite_gram(G, name):
    if not np.all(np.isfinite(G)):
        raise FloatingPointError(
            f"{name}: the Gram matrix of the ridge read-out is not finite: the learned features "
            "overflow float64; standardise X (and y), or lower the learning rate."
        )


def split_rows(n_samples, n_steps, batch_size, readout_data, rng):
    """Cut a random permutation of the rows into step batches and read-out rows.

    Returns ``(step_rows, readout_rows, n)``: a list of ``n_steps`` disjoint index
    arrays, the read-out rows (None: all rows) and the resolved batch size. Raises
    ValueError naming ``n_samples=N`` when the data are too few for the requested split.
    """
    N, T = n_samples, n_steps
    perm = rng.permutation(N)

    def too_few(need, why):
        return ValueError(
            f"n_samples={N} is too few: {why} needs at least {need} rows. Pass more "
            "samples, or lower n_steps / batch_size."
        )

    if T == 0:
        n = N if batch_size is None else batch_size
        return [], (None if readout_data == "all" else perm), n
    what = f"n_steps={T} with readout_data='{readout_data}'" + (
        f" and batch_size={batch_size}" if batch_size is not None else ""
    )
    if readout_data == "fresh":
        n = batch_size if batch_size is not None else N // (T + 1)
        if n < 1 or T * n >= N:
            raise too_few(T * max(n, 1) + 1, what)
        readout = perm[T * n :]
    else:
        n = batch_size if batch_size is not None else N // T
        if n < 1 or T * n > N:
            raise too_few(T * max(n, 1), what)
        readout = None
    return [perm[t * n : (t + 1) * n] for t in range(T)], readout, n


def _overlap_entries(W, theta):
    ov = subspace_overlaps(W, theta)
    return ov.cos, ov.subspace_sv, ov.max_cos, ov.mass_in_subspace


def batch_direction(X, y, c, step_rows, chunk_rows=8192):
    """The in-memory step: ``direction(t, W) -> (G, loss)`` on the rows of batch ``t``
    (:func:`giant_step_direction`, one block buffer for all steps).
    """
    n_max = max((len(r) for r in step_rows), default=1)
    workspace = np.empty((min(chunk_rows, max(n_max, 1)), len(c)))

    def direction(t, W):
        return giant_step_direction(X, y, W, c, step_rows[t], chunk_rows, workspace=workspace)

    return direction


def run_giant_steps(
    direction,
    W0,
    learning_rate,
    n_steps,
    theta=None,
    verbose=0,
    name="GiantStepRegressor",
):
    """Apply the giant steps in turn; returns the final ``W`` and the history dict.

    ``direction(t, W)`` returns ``(G, loss)`` of batch ``t`` at ``W``
    (:func:`batch_direction` in memory, :meth:`DaskBatches.direction` on a dask
    array). ``theta`` (r, d) orthonormal target directions, when known, adds the
    overlap entries (they never change the steps). A non-finite ``W`` raises
    FloatingPointError naming the learning rate.
    """
    W = W0.copy()
    T = int(n_steps)
    hist = {"train_loss": np.empty(T), "grad_norm": np.empty(T), "weight_norm": np.empty(T + 1)}
    hist["weight_norm"][0] = np.linalg.norm(W, axis=1).mean()
    if theta is not None:
        p, r = W.shape[0], theta.shape[0]
        hist.update(
            cos=np.empty((T + 1, p, r)),
            subspace_sv=np.empty((T + 1, r)),
            max_cos=np.empty((T + 1, r)),
            mass_in_subspace=np.empty(T + 1),
            grad_cos=np.empty((T, p, r)),
            grad_perp_cos=np.empty((T, p, r)),
        )
        (
            hist["cos"][0],
            hist["subspace_sv"][0],
            hist["max_cos"][0],
            hist["mass_in_subspace"][0],
        ) = _overlap_entries(W, theta)
    for t in range(T):
        G, loss = direction(t, W)
        if theta is not None:
            hist["grad_cos"][t], hist["grad_perp_cos"][t] = update_cosines(G, W, theta)
        with np.errstate(over="ignore", invalid="ignore"):
            W += learning_rate * G
        if not np.all(np.isfinite(W)):
            raise FloatingPointError(
                f"{name}: the first-layer weights became non-finite at step {t + 1} "
                f"(learning_rate={learning_rate:g}): the learning rate is most likely too "
                "large for these data; lower it, or standardise X and y."
            )
        hist["train_loss"][t] = loss
        with np.errstate(over="ignore"):  # a huge but finite step: the norms may be inf
            hist["grad_norm"][t] = np.linalg.norm(G)
            hist["weight_norm"][t + 1] = np.linalg.norm(W, axis=1).mean()
        if theta is not None:
            (
                hist["cos"][t + 1],
                hist["subspace_sv"][t + 1],
                hist["max_cos"][t + 1],
                hist["mass_in_subspace"][t + 1],
            ) = _overlap_entries(W, theta)
        if verbose:
            msg = (
                f"[{name}] step {t + 1}/{T}  batch loss {loss:.5g}  "
                f"|dW| {learning_rate * hist['grad_norm'][t]:.4g}"
            )
            if theta is not None:
                sv = ", ".join(f"{s:.3f}" for s in hist["subspace_sv"][t + 1])
                msg += f"  overlap sv [{sv}]"
            print(msg)
    return W, hist


# ------------------------------------------------------------------ dask


def _make_batch_block(X, y, batch, readout):
    return np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(y), batch, readout


def _block_targets(X, y, A, B):
    """The training target of a block: ``y - A - X B`` with ``remove_linear``."""
    return y if B is None else y - A - X @ B


def _xty_block(X, y, batch, readout):
    with blas_threads(1):  # inside a block task: the tasks are the parallelism
        return X.T @ y


def _step_block(X, y, batch, readout, t, W, c, A, B, chunk_rows):
    rows = np.flatnonzero(batch == t)
    if rows.size == 0:
        return np.zeros_like(W), 0.0
    with blas_threads(1):  # inside a block task: the tasks are the parallelism
        return _step_sums(X, _block_targets(X, y, A, B), W, c, rows, chunk_rows)


def _gram_block(X, y, batch, readout, W, A, B, chunk_rows, fit_intercept):
    rows = None if readout is None else np.flatnonzero(readout)
    with blas_threads(1):  # inside a block task: the tasks are the parallelism
        return _gram_sums(X, _block_targets(X, y, A, B), W, rows, chunk_rows, fit_intercept)


class DaskBatches:
    """The step batches and read-out rows of a dask array, where its chunks live.

    Each row chunk becomes a block ``(X_c, y_c, batch_c, readout_c)``: ``batch_c``
    holds the step of each row (-1: none), ``readout_c`` marks the read-out rows
    (None: all). A step and the primal read-out are sums over rows, so each block
    adds its rows' share on the worker that holds it and the client adds the partial
    sums (:class:`sklearn_relu._dask.BlockSums`): the matrix is never in one process.
    The rows of each batch are those of the in-memory split, so the fit equals the
    in-memory one up to the order of floating-point additions.

    Parameters
    ----------
    X : dask array of shape (N, d)
    y : ndarray of shape (N,)
        Standardised target.
    step_rows, readout_rows
        The split of :func:`split_rows`.
    """

    def __init__(self, X, y, step_rows, readout_rows):
        from dask import delayed

        from .._dask import BlockSums, row_slices

        X = X.rechunk({1: -1})
        N = X.shape[0]
        batch = np.full(N, -1, dtype=np.int32)
        for t, rows in enumerate(step_rows):
            batch[rows] = t
        readout = None
        if readout_rows is not None:
            readout = np.zeros(N, dtype=bool)
            readout[readout_rows] = True
        self.X, self.y, self.N = X, y, N
        self.readout_rows = readout_rows
        self.blocks = BlockSums(
            [
                delayed(_make_batch_block, pure=True)(
                    xb, y[sl], batch[sl], None if readout is None else readout[sl]
                )
                for xb, sl in zip(X.to_delayed().ravel(), row_slices(X.chunks[0]), strict=True)
            ]
        )

    def linear_part(self):
        """``(A, B) = (mean y, X^T y / N)``: the first-Hermite part, one pass."""
        return float(np.mean(self.y)), self.blocks.sum(_xty_block) / self.N

    def direction(self, c, n, A, B, chunk_rows):
        """``direction(t, W) -> (G, loss)`` of batch ``t`` (``n`` rows), as
        :func:`batch_direction`: one pass over the blocks per step.
        """

        def direction(t, W):
            G, sq = self.blocks.sum(_step_block, t, W, c, A, B, chunk_rows)
            return G / n, 0.5 * sq / n

        return direction

    def readout(self, W, alpha, fit_intercept, A, B, chunk_rows, name):
        """The ridge read-out of :func:`ridge_readout` ('auto' solver): primal from
        the blocks' sums, or (fewer read-out rows than neurons) dual on the gathered
        read-out rows, which are then fewer than ``n_hidden``.
        """
        rows = self.readout_rows
        n = self.N if rows is None else len(rows)
        p = W.shape[0]
        if n >= p:
            sums = self.blocks.sum(_gram_block, W, A, B, chunk_rows, fit_intercept)
            return primal_readout(*sums, n, alpha, fit_intercept, name)
        idx = np.sort(rows) if rows is not None else np.arange(self.N)
        Xr = np.ascontiguousarray(self.X[idx].compute(), dtype=np.float64)
        yr = _block_targets(Xr, self.y[idx], A, B)
        return ridge_readout(
            Xr, yr, W, None, alpha, "dual", chunk_rows, fit_intercept=fit_intercept, name=name
        )
