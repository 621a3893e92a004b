"""Statistical-query oracles: the only way the SQ learner touches the data.

Every answer is a *mean over rows* of a function of ``(x, y)`` (a statistical query),
weighted by ``sample_weight`` and taken over one fold of a train/validation split.
:class:`ArrayOracle` answers with the fused numba kernels of
:mod:`sklearn_relu._kernels`; :class:`NoisyOracle` perturbs any oracle's answers
within a tolerance ``tau``, the SQ model itself.

Folds: ``fold`` holds 0 (train) or 1 (validation) per row, or is None (every row is
train). Queries that score candidates return one row of means per fold; queries
that build candidates (moments, thresholded moments, reweighted first moment) read
the training fold only.
"""

import numpy as np
from sklearn.utils import check_random_state

from ._kernels._config import BLOCK_ROWS
from ._kernels import sq_queries as _sq
from ._solvers.first_order import fused_pass
from .utils._threads import kernel_threads

__all__ = ["ArrayOracle", "NoisyOracle"]


def _pick(parallel_kernel, serial_kernel, n):
    return parallel_kernel if n > BLOCK_ROWS else serial_kernel


class ArrayOracle:
    """Answers statistical queries on in-memory arrays with numba kernels.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float64, C-contiguous
    y : ndarray of shape (n_samples,), float64
    sample_weight : ndarray of shape (n_samples,) or None
    fold : int64 ndarray of shape (n_samples,) or None
        0 = train, 1 = validation; None puts every row in the training fold.
    n_jobs : int or None
        Numba threads for the kernels.
    """

    def __init__(self, X, y, sample_weight=None, fold=None, n_jobs=None):
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        n = self.X.shape[0]
        self.sw = (np.ones(n) if sample_weight is None
                   else np.ascontiguousarray(sample_weight, dtype=np.float64))
        if fold is None:
            self.fold, self.n_folds = np.empty(0, dtype=np.int64), 1
        else:
            self.fold = np.ascontiguousarray(fold, dtype=np.int64)
            self.n_folds = int(self.fold.max()) + 1
        self.n_jobs = n_jobs
        self.n_queries = 0  # number of passes over the data, for the record

    # -- shape ------------------------------------------------------------
    @property
    def n_features(self):
        return self.X.shape[1]

    def fold_weights(self):
        """Total sample weight per fold."""
        if self.n_folds == 1:
            return np.array([self.sw.sum()])
        return np.bincount(self.fold, weights=self.sw, minlength=self.n_folds)

    def _train_mask(self):
        return slice(None) if self.n_folds == 1 else self.fold == 0

    # -- queries ----------------------------------------------------------
    def loss_grad(self, w, b, gate_mode, deriv_at_zero):
        """Sums of :func:`sklearn_relu._kernels.single_relu.loss_grad` per fold
        (the query of one gradient-descent step)."""
        self.n_queries += 1
        with kernel_threads(self.n_jobs):
            return fused_pass(self.X, self.y, self.sw, self.fold, self.n_folds, w, b,
                              gate_mode, deriv_at_zero)

    def scale_stats(self, W, B, all_rows=False):
        """Means per fold for candidates ``relu(X @ W[c] + B[c])``: array of shape
        ``(n_folds, 2K + 2)`` = [E y s_c (K), E s_c^2 (K), E y^2, total weight]
        (the last column is the fold's weight, not a mean). ``all_rows`` pools
        the folds into one row."""
        W = np.ascontiguousarray(np.atleast_2d(W), dtype=np.float64)
        B = np.ascontiguousarray(np.atleast_1d(B), dtype=np.float64)
        fold, n_folds = (np.empty(0, dtype=np.int64), 1) if all_rows else (self.fold,
                                                                            self.n_folds)
        self.n_queries += 1
        with kernel_threads(self.n_jobs):
            kern = _pick(_sq.scale_sums, _sq.scale_sums_serial, self.X.shape[0])
            out = kern(self.X, self.y, self.sw, fold, n_folds, W, B)
        return _sums_to_means(out)

    def geodesic_stats(self, w, u, thetas, bhat):
        """:meth:`scale_stats` for ``relu(<x, cos t w + sin t u> + bhat)`` per angle."""
        thetas = np.asarray(thetas, dtype=np.float64)
        self.n_queries += 1
        with kernel_threads(self.n_jobs):
            kern = _pick(_sq.geodesic_sums, _sq.geodesic_sums_serial, self.X.shape[0])
            out = kern(self.X, self.y, self.sw, self.fold, self.n_folds,
                       np.ascontiguousarray(w), np.ascontiguousarray(u),
                       np.cos(thetas), np.sin(thetas), float(bhat))
        return _sums_to_means(out)

    def thresholded_moments(self, taus):
        """For each threshold: ``(E[x x^T 1{|y| >= tau}], E[x 1{...}], P(|y| >= tau))``
        over the training fold (means over all training rows), as arrays of
        shapes ``(J, d, d)``, ``(J, d)``, ``(J,)`` in the order of ``taus``."""
        taus = np.asarray(taus, dtype=np.float64)
        order = np.argsort(-taus, kind="stable")
        self.n_queries += 1
        with kernel_threads(self.n_jobs):
            kern = _pick(_sq.thresholded_moments, _sq.thresholded_moments_serial,
                         self.X.shape[0])
            M, S, c = kern(self.X, self.y, self.sw, self.fold, 0,
                           np.ascontiguousarray(taus[order]))
        inv = np.empty_like(order)
        inv[order] = np.arange(len(order))
        wt = self.fold_weights()[0]
        return M[inv] / wt, S[inv] / wt, c[inv] / wt

    def reweighted_first_moment(self, w, rho_b, btilde, truncate_x=None):
        """Means over the training fold of ``e y x 1{<x, w> >= btilde}`` with
        ``e = exp(rho_b (<x, w> - btilde))``, plus ``E[e y 1{..}]``, ``E[e 1{..}]``,
        ``E[e^2 1{..}]`` and ``P(<x, w> >= btilde)``: a vector of length ``d + 4``."""
        trunc2 = 0.0 if truncate_x is None else float(truncate_x) ** 2
        self.n_queries += 1
        with kernel_threads(self.n_jobs):
            kern = _pick(_sq.reweighted_first_moment, _sq.reweighted_first_moment_serial,
                         self.X.shape[0])
            out = kern(self.X, self.y, self.sw, self.fold, 0, np.ascontiguousarray(w),
                       float(rho_b), float(btilde), trunc2)
        return out / self.fold_weights()[0]

    def moments(self, chunk_rows=65536):
        """Weighted means over the training fold: ``E[x]``, ``E[x x^T]``, ``E[y]``,
        ``E[x y]``, ``E[y^2]`` (GEMM-shaped: NumPy/BLAS over row chunks)."""
        X, y, sw = self.X, self.y, self.sw
        if self.n_folds > 1:
            keep = self.fold == 0
            X, y, sw = X[keep], y[keep], sw[keep]
        d = X.shape[1]
        xx, x1, xy = np.zeros((d, d)), np.zeros(d), np.zeros(d)
        y1 = y2 = 0.0
        for s in range(0, X.shape[0], chunk_rows):
            Xc, yc, wc = X[s:s + chunk_rows], y[s:s + chunk_rows], sw[s:s + chunk_rows]
            Xw = Xc * wc[:, None]
            xx += Xc.T @ Xw
            x1 += Xw.sum(axis=0)
            xy += Xw.T @ yc
            y1 += wc @ yc
            y2 += wc @ (yc * yc)
        self.n_queries += 1
        wt = sw.sum()
        return dict(mean_x=x1 / wt, second_x=xx / wt, mean_y=y1 / wt, cross_xy=xy / wt,
                    mean_y2=y2 / wt)

    def abs_y_quantile(self, q):
        """Weighted ``q``-quantile of ``|y|`` over the training fold (inverted
        empirical cdf). Not a mean: computed once from the 1-D labels."""
        mask = self._train_mask()
        a, sw = np.abs(self.y[mask]), self.sw[mask]
        order = np.argsort(a, kind="stable")
        cw = np.cumsum(sw[order])
        idx = np.searchsorted(cw, q * cw[-1], side="left")
        return float(a[order][min(idx, len(a) - 1)])


def _sums_to_means(out):
    """Divide the sum columns by the fold weight (last column kept as the weight)."""
    wt = out[:, -1:]
    means = out.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        means[:, :-1] = np.where(wt > 0, out[:, :-1] / wt, 0.0)
    return means


class NoisyOracle:
    """An SQ oracle with tolerance ``tau``: every mean the wrapped oracle returns is
    perturbed by independent uniform noise in ``[-tau, tau]`` (seeded), the model
    in which SQ lower and upper bounds are stated. Weights, counts of passes and
    the label quantile pass through unchanged.

    Parameters
    ----------
    oracle : ArrayOracle
    tolerance : float >= 0
    random_state : int, RandomState instance or None
    """

    def __init__(self, oracle, tolerance, random_state=None):
        if not tolerance >= 0:
            raise ValueError(f"tolerance must be >= 0, got {tolerance!r}.")
        self.oracle = oracle
        self.tolerance = float(tolerance)
        self.rng = check_random_state(random_state)

    def __getattr__(self, name):  # shape, weights, n_queries, quantile: unchanged
        return getattr(self.oracle, name)

    def _noise(self, shape):
        return self.rng.uniform(-self.tolerance, self.tolerance, size=shape)

    def _perturb_stats(self, out):
        out = out.copy()
        out[:, :-1] += self._noise(out[:, :-1].shape)
        return out

    def loss_grad(self, w, b, gate_mode, deriv_at_zero):
        out = self.oracle.loss_grad(w, b, gate_mode, deriv_at_zero)
        wt = out[:, -1:]
        return out + np.hstack([self._noise(out[:, :-1].shape) * wt, np.zeros_like(wt)])

    def scale_stats(self, W, B, all_rows=False):
        return self._perturb_stats(self.oracle.scale_stats(W, B, all_rows))

    def geodesic_stats(self, w, u, thetas, bhat):
        return self._perturb_stats(self.oracle.geodesic_stats(w, u, thetas, bhat))

    def thresholded_moments(self, taus):
        M, S, c = self.oracle.thresholded_moments(taus)
        M = M + self._noise(M.shape)
        M = 0.5 * (M + np.swapaxes(M, 1, 2))  # a symmetric answer
        return M, S + self._noise(S.shape), c + self._noise(c.shape)

    def reweighted_first_moment(self, w, rho_b, btilde, truncate_x=None):
        out = self.oracle.reweighted_first_moment(w, rho_b, btilde, truncate_x)
        return out + self._noise(out.shape)

    def moments(self, **kw):
        m = self.oracle.moments(**kw)
        noisy = {k: v + self._noise(np.shape(v)) for k, v in m.items()}
        noisy["second_x"] = 0.5 * (noisy["second_x"] + noisy["second_x"].T)
        return noisy
