"""Statistical-query oracles: the only way the SQ learner touches the data.

Every answer is a *mean over rows* of a function of ``(x, y)`` (a statistical query),
weighted by ``sample_weight`` and taken over one fold of a train/validation split.

- :class:`ArrayOracle` answers with the numba kernels of :mod:`sklearn_relu._kernels`
  on in-memory arrays, run on a thread pool over fixed row chunks;
- :class:`DaskOracle` answers the same queries on dask arrays: the same kernel runs
  on every row chunk where the chunk lives (on a ``dask.distributed`` cluster, one
  task per worker thread and query) and the partial sums are added, so data that
  outgrow one process (or live on a cluster) can be learned from;
- :class:`NoisyOracle` perturbs any oracle's answers within a tolerance ``tau``,
  the SQ model itself.

Folds: ``fold`` holds 0 (train) or 1 (validation) per row, or is None (every row is
train). Queries that score candidates return one row of means per fold; queries
that build candidates (moments, thresholded moments, reweighted first moment) read
the training fold only.
"""

from contextlib import nullcontext

import numpy as np
from sklearn.utils import check_random_state

from ._dask import BlockSums, row_slices
from ._kernels import single_relu as _sr
from ._kernels import sq_queries as _sq
from .utils._threads import add, blas_threads, chunked_sums, kernel_threads

__all__ = ["ArrayOracle", "DaskOracle", "NoisyOracle"]

_EMPTY_FOLD = np.empty(0, dtype=np.int64)

# query name -> serial kernel; every kernel takes (X, y, sw, fold, ...) and returns sums
_KERNELS = {
    "loss_grad": _sr.loss_grad,
    "scale": _sq.scale_sums,
    "geodesic": _sq.geodesic_sums,
    "threshold": _sq.thresholded_moments,
    "reweighted": _sq.reweighted_first_moment,
}


def _moment_sums(X, y, sw, fold):
    """Training-fold sums (weight, x, x x^T, y, x y, y^2): GEMM-shaped, so NumPy/BLAS."""
    if fold.shape[0] > 0:
        keep = fold == 0
        X, y, sw = X[keep], y[keep], sw[keep]
    Xw = X * sw[:, None]
    return (
        np.array([sw.sum()]),
        Xw.sum(axis=0),
        X.T @ Xw,
        np.array([sw @ y]),
        Xw.T @ y,
        np.array([sw @ (y * y)]),
    )


class _Oracle:
    """The queries, written once for every oracle.

    Subclasses implement ``_sums`` (run a kernel over all rows and return its summed
    output), ``_moments``, ``fold_weights`` and ``abs_y_quantile``.
    """

    n_queries = 0

    # -- queries ----------------------------------------------------------
    def loss_grad(self, w, b, gate_mode, deriv_at_zero):
        """Return the fused loss-and-gradient sums of one neuron per fold.

        The query of one gradient-descent step: the sums of
        :func:`sklearn_relu._kernels.single_relu.loss_grad`.

        Parameters
        ----------
        w : array-like of shape (n_features,)
            Weight of the neuron.
        b : float
            Bias of the neuron.
        gate_mode : int
            ``GATE_RELU`` (0) for the gradient of the half squared loss, ``GATE_ONE``
            (1) for the gradient of the convex surrogate (the GLMtron direction).
        deriv_at_zero : float
            Value of relu'(0) under ``GATE_RELU``.

        Returns
        -------
        sums : ndarray of shape (n_folds, n_features + 4)
            Per fold: weighted sums of the gradient in ``w`` (``d`` columns) and in
            ``b``, of the half squared loss, of the convex surrogate, and the fold
            weight (last column). Sums, not means: divide by the last column.
        """
        return self._sums(
            "loss_grad",
            True,
            self.n_folds,
            np.ascontiguousarray(w, float),
            float(b),
            int(gate_mode),
            float(deriv_at_zero),
        )

    def scale_stats(self, W, B, all_rows=False):
        """Return the per-fold means that fit and score the scale of K candidates.

        Candidate ``c`` is the neuron ``s_c = relu(X @ W[c] + B[c])``.

        Parameters
        ----------
        W : array-like of shape (K, n_features) or (n_features,)
            Weights of the candidates (one row each).
        B : array-like of shape (K,) or float
            Biases of the candidates.
        all_rows : bool, default=False
            Pool the folds into one row (every row of the data counts).

        Returns
        -------
        stats : ndarray of shape (n_folds, 2K + 2)
            Per fold (one row when ``all_rows``): ``E[y s_c]`` (K columns),
            ``E[s_c^2]`` (K columns), ``E[y^2]`` and the fold weight.
        """
        W = np.ascontiguousarray(np.atleast_2d(W), dtype=np.float64)
        B = np.ascontiguousarray(np.atleast_1d(B), dtype=np.float64)
        nf = 1 if all_rows else self.n_folds
        return _sums_to_means(self._sums("scale", not all_rows, nf, W, B))

    def geodesic_stats(self, w, u, thetas, bhat):
        """Return :meth:`scale_stats` along a geodesic of the unit sphere.

        The candidates are ``relu(<x, cos t w + sin t u> + bhat)``, one per angle
        ``t`` of ``thetas``.

        Parameters
        ----------
        w : array-like of shape (n_features,)
            Unit direction at angle zero.
        u : array-like of shape (n_features,)
            Unit tangent direction, orthogonal to ``w``.
        thetas : array-like of shape (K,)
            Angles (radians) of the candidates.
        bhat : float
            Bias shared by the candidates.

        Returns
        -------
        stats : ndarray of shape (n_folds, 2K + 2)
            Per fold: ``E[y s_t]`` (K columns), ``E[s_t^2]`` (K columns),
            ``E[y^2]`` and the fold weight.
        """
        thetas = np.asarray(thetas, dtype=np.float64)
        return _sums_to_means(
            self._sums(
                "geodesic",
                True,
                self.n_folds,
                np.ascontiguousarray(w, float),
                np.ascontiguousarray(u, float),
                np.cos(thetas),
                np.sin(thetas),
                float(bhat),
            )
        )

    def thresholded_moments(self, taus):
        """Return the moments of ``x`` on the rows with ``|y| >= tau``, per threshold.

        Means over the training fold, in the order of ``taus``.

        Parameters
        ----------
        taus : array-like of shape (J,)
            Label thresholds.

        Returns
        -------
        second : ndarray of shape (J, n_features, n_features)
            ``E[x x^T 1{|y| >= tau}]``.
        first : ndarray of shape (J, n_features)
            ``E[x 1{|y| >= tau}]``.
        prob : ndarray of shape (J,)
            ``P(|y| >= tau)``.
        """
        taus = np.asarray(taus, dtype=np.float64)
        order = np.argsort(-taus, kind="stable")
        sums = self._sums("threshold", True, 0, np.ascontiguousarray(taus[order]))
        M, S, c = _sq.bands_to_cumulative(sums)
        inv = np.empty_like(order)
        inv[order] = np.arange(len(order))
        wt = self.fold_weights()[0]
        return M[inv] / wt, S[inv] / wt, c[inv] / wt

    def reweighted_first_moment(self, w, rho_b, btilde, truncate_x=None):
        """Return the exponentially reweighted first moment of the PGD direction query.

        With ``e = exp(rho_b (<x, w> - btilde))`` and the cut ``1{<x, w> >= btilde}``,
        means over the training fold.

        Parameters
        ----------
        w : array-like of shape (n_features,)
            Current unit direction.
        rho_b : float
            Rate of the exponential weight.
        btilde : float
            Conditioning cut on ``<x, w>``.
        truncate_x : float or None, default=None
            Ignore rows with ``||x|| > truncate_x``; None keeps every row.

        Returns
        -------
        moments : ndarray of shape (n_features + 4,)
            ``E[e y x 1{..}]`` (``d`` entries), then ``E[e y 1{..}]``,
            ``E[e 1{..}]``, ``E[e^2 1{..}]`` and ``P(<x, w> >= btilde)``.
        """
        trunc2 = 0.0 if truncate_x is None else float(truncate_x) ** 2
        out = self._sums(
            "reweighted",
            True,
            0,
            np.ascontiguousarray(w, float),
            float(rho_b),
            float(btilde),
            trunc2,
        )
        return out / self.fold_weights()[0]

    def moments(self):
        """Return the weighted first and second moments over the training fold.

        Returns
        -------
        moments : dict
            ``mean_x`` (``E[x]``), ``second_x`` (``E[x x^T]``), ``mean_y``
            (``E[y]``), ``cross_xy`` (``E[x y]``) and ``mean_y2`` (``E[y^2]``).
        """
        wt, x1, xx, y1, xy, y2 = self._moments()
        wt = wt[0]
        return dict(
            mean_x=x1 / wt,
            second_x=xx / wt,
            mean_y=y1[0] / wt,
            cross_xy=xy / wt,
            mean_y2=y2[0] / wt,
        )


class ArrayOracle(_Oracle):
    """Answers statistical queries on in-memory arrays with numba kernels.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Inputs (copied to C-contiguous float64 if needed).
    y : ndarray of shape (n_samples,)
        Labels.
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Row weights of every mean; None gives every row weight one.
    fold : int64 ndarray of shape (n_samples,) or None, default=None
        0 = train, 1 = validation; None puts every row in the training fold.
    n_jobs : int or None, default=None
        Numba threads for the kernels; None keeps the caller's setting.
    """

    def __init__(self, X, y, sample_weight=None, fold=None, n_jobs=None):
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        n = self.X.shape[0]
        self.sw = (
            np.ones(n)
            if sample_weight is None
            else np.ascontiguousarray(sample_weight, dtype=np.float64)
        )
        if fold is None:
            self.fold, self.n_folds = _EMPTY_FOLD, 1
        else:
            self.fold = np.ascontiguousarray(fold, dtype=np.int64)
            self.n_folds = int(self.fold.max()) + 1
        self.n_jobs = n_jobs
        self.n_queries = 0  # passes over the data, for the record
        self._fold_weights = None

    @property
    def n_features(self):
        """Number of columns of ``X``."""
        return self.X.shape[1]

    def fold_weights(self):
        """Return the total sample weight per fold.

        Returns
        -------
        weights : ndarray of shape (n_folds,)
            Sum of ``sample_weight`` over the rows of each fold.
        """
        if self._fold_weights is None:  # the rows never change: one pass per oracle
            if self.n_folds == 1:
                self._fold_weights = np.array([self.sw.sum()])
            else:
                self._fold_weights = np.bincount(self.fold, weights=self.sw, minlength=self.n_folds)
        return self._fold_weights.copy()

    def fold_sizes(self):
        """Return the effective number of rows per fold.

        Kish's ``(sum w)^2 / sum w^2``: the row count for unit weights, and
        unchanged when every weight is multiplied by a constant. The SQ learner
        counts tail rows with it.

        Returns
        -------
        sizes : ndarray of shape (n_folds,)
            Effective number of rows of each fold.
        """
        return _kish_sizes(self.sw, self.fold if self.n_folds > 1 else None, self.n_folds)

    def _sums(self, name, use_fold, *params):
        self.n_queries += 1
        # n_jobs=None: the thread count the caller set (an estimator sets it once per fit)
        with nullcontext() if self.n_jobs is None else kernel_threads(self.n_jobs):
            return chunked_sums(
                _KERNELS[name],
                self.X,
                self.y,
                self.sw,
                self.fold if use_fold else _EMPTY_FOLD,
                *params,
            )

    def _moments(self, chunk_rows=65536):
        self.n_queries += 1
        total = None
        for s in range(0, self.X.shape[0], chunk_rows):
            sl = slice(s, s + chunk_rows)
            part = _moment_sums(
                self.X[sl],
                self.y[sl],
                self.sw[sl],
                self.fold[sl] if self.n_folds > 1 else _EMPTY_FOLD,
            )
            total = part if total is None else add(total, part)
        return total

    def abs_y_quantile(self, q):
        """Return the weighted ``q``-quantile of ``|y|`` over the training fold.

        The inverted empirical cdf. Not a mean: computed from the 1-D labels.

        Parameters
        ----------
        q : float in [0, 1]
            Quantile level.

        Returns
        -------
        quantile : float
            Smallest ``|y|`` whose weighted cdf reaches ``q``.
        """
        keep = slice(None) if self.n_folds == 1 else self.fold == 0
        return _weighted_quantile(np.abs(self.y[keep]), self.sw[keep], q)


def _kish_sizes(sw, fold, n_folds):
    """``(sum w)^2 / sum w^2`` per fold (weights divided by their maximum first, so
    no square overflows).
    """
    top = float(sw.max(initial=0.0))
    w = sw / top if top > 0 else sw
    if fold is None:
        s1, s2 = np.array([w.sum()]), np.array([(w * w).sum()])
    else:
        s1 = np.bincount(fold, weights=w, minlength=n_folds)
        s2 = np.bincount(fold, weights=w * w, minlength=n_folds)
    return np.where(s2 > 0, s1 * s1 / np.where(s2 > 0, s2, 1.0), 0.0)


def _weighted_quantile(a, w, q):
    order = np.argsort(a, kind="stable")
    cw = np.cumsum(w[order])
    idx = np.searchsorted(cw, q * cw[-1], side="left")
    return float(a[order][min(idx, len(a) - 1)])


def _sums_to_means(out):
    """Divide the sum columns by the fold weight (last column kept as the weight)."""
    wt = out[:, -1:]
    means = out.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        means[:, :-1] = np.where(wt > 0, out[:, :-1] / wt, 0.0)
    return means


class DaskOracle(_Oracle):
    """The queries of :class:`ArrayOracle` on dask arrays.

    The rows are cut once into blocks (a row chunk of ``X`` with its labels, weights
    and fold ids, as contiguous float64 arrays). On a ``dask.distributed`` cluster the
    blocks are computed once and kept in the workers' memory; every query then sends
    one small task to each worker thread, which runs the query's serial kernel over
    the blocks that live on its worker and returns their partial sums; the client
    adds these few arrays. A query is one round trip with ``O(d)`` bytes each way,
    and the client never holds ``X``. The blocks keep their lineage, so a worker lost
    mid-fit has its blocks recomputed and its tasks rerun elsewhere; the partial sums
    are added in a fixed order, so the answers do not change. On the local threaded
    scheduler the blocks are read again for every query (``X`` may be a lazy,
    out-of-core array, e.g. read from zarr).

    Sums are exact per block, so the answers equal the in-memory ones up to the
    order of floating-point additions.

    Parameters
    ----------
    X : dask array of shape (n_samples, n_features)
        Chunked along rows (columns are merged into one chunk).
    y : dask array or ndarray of shape (n_samples,)
        Labels, rechunked to the row chunks of ``X``.
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Row weights of every mean; None gives every row weight one (the ones are
        then made on the workers, not sent).
    fold : ndarray of int64 of shape (n_samples,) or None, default=None
        0 = train, 1 = validation; None puts every row in the training fold.
    scheduler : str, distributed.Client or None, default=None
        None: the active ``distributed.Client`` if there is one, else dask's
        default scheduler; a ``Client``: that cluster; a string (``'threads'``,
        ``'sync'``, ...): that local scheduler, blocks read per query.
    """

    def __init__(self, X, y, sample_weight=None, fold=None, scheduler=None):
        import dask.array as da
        from dask import delayed

        X = X.rechunk({1: -1})
        rows = X.chunks[0]
        n = X.shape[0]
        y = y if isinstance(y, da.Array) else da.from_array(np.asarray(y, dtype=np.float64))
        self.y = y.rechunk((rows,))
        sw = None if sample_weight is None else np.asarray(sample_weight, np.float64)
        if sw is not None and sw.size and sw.min() == 1.0 and sw.max() == 1.0:
            sw = None  # unit weights: made on the workers
        self.sw = sw
        if fold is None:
            self.fold, self.n_folds = None, 1
        else:
            self.fold = np.asarray(fold, dtype=np.int64)
            self.n_folds = int(self.fold.max()) + 1
        self.X = X
        self.scheduler = scheduler
        self.n_queries = 0
        self._n = n
        self._train_abs_y = None
        self._weights = None
        blocks = [
            delayed(_make_block, pure=True)(
                xb,
                yb,
                None if sw is None else sw[sl],
                None if self.fold is None else self.fold[sl],
            )
            for xb, yb, sl in zip(
                X.to_delayed().ravel(), self.y.to_delayed().ravel(), row_slices(rows), strict=True
            )
        ]
        self._blocks = BlockSums(blocks, scheduler)

    @property
    def n_features(self):
        """Number of columns of ``X``."""
        return self.X.shape[1]

    def _run(self, name, use_fold, params):
        """Sum of the query ``name`` over every block: one round trip."""
        self.n_queries += 1
        return self._blocks.sum(_query_block, name, use_fold, params)

    def _sums(self, name, use_fold, *params):
        return self._run(name, use_fold, params)

    def _moments(self):
        return self._run("moments", True, ())

    def fold_weights(self):
        """Return the total sample weight per fold (computed once).

        Returns
        -------
        weights : ndarray of shape (n_folds,)
            Sum of ``sample_weight`` over the rows of each fold.
        """
        if self._weights is None:
            if self.sw is None:  # unit weights: the row counts
                counts = [self._n] if self.fold is None else np.bincount(self.fold)
                self._weights = np.zeros(self.n_folds)
                self._weights[: len(counts)] = counts
            elif self.fold is None:
                self._weights = np.array([self.sw.sum()])
            else:
                self._weights = np.bincount(self.fold, weights=self.sw, minlength=self.n_folds)
        return self._weights.copy()

    def fold_sizes(self):
        """Return the effective number of rows per fold.

        Kish's ``(sum w)^2 / sum w^2``: the row count for unit weights, and
        unchanged when every weight is multiplied by a constant.

        Returns
        -------
        sizes : ndarray of shape (n_folds,)
            Effective number of rows of each fold.
        """
        if self.sw is None:  # unit weights: Kish's size is the row count
            return self.fold_weights()
        return _kish_sizes(self.sw, self.fold, self.n_folds)

    def abs_y_quantile(self, q):
        """Return the weighted ``q``-quantile of ``|y|`` on the training fold.

        The 1-D labels are brought into memory once.

        Parameters
        ----------
        q : float in [0, 1]
            Quantile level.

        Returns
        -------
        quantile : float
            Smallest ``|y|`` whose weighted cdf reaches ``q``.
        """
        if self._train_abs_y is None:
            y = np.abs(self.y.compute())
            sw = np.ones(self._n) if self.sw is None else self.sw
            if self.fold is not None:
                keep = self.fold == 0
                y, sw = y[keep], sw[keep]
            self._train_abs_y = (y, sw)
        return _weighted_quantile(*self._train_abs_y, q)


def _make_block(X, y, sw, fold):
    """One row chunk as the kernels take it: contiguous float64 (fold: int64, empty
    when every row is in the training fold); unit weights made here.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    sw = np.ones(X.shape[0]) if sw is None else np.ascontiguousarray(sw, dtype=np.float64)
    fold = _EMPTY_FOLD if fold is None else np.ascontiguousarray(fold, dtype=np.int64)
    return X, y, sw, fold


def _query_block(X, y, sw, fold, name, use_fold, params):
    """One block's sums of the query ``name`` (the worker side of a query).

    The kernels are serial; BLAS (the moment query only) is held to one thread, so
    the worker's threads are the only parallelism and nothing oversubscribes.
    """
    f = fold if use_fold else _EMPTY_FOLD
    if name == "moments":
        with blas_threads(1):
            return _moment_sums(X, y, sw, f)
    return _KERNELS[name](X, y, sw, f, *params)


class NoisyOracle:
    """An SQ oracle with tolerance ``tau``, wrapping an exact oracle.

    Every mean the wrapped oracle returns is perturbed by independent uniform noise
    in ``[-tau, tau]`` (seeded), the model in which SQ lower and upper bounds are
    stated. Fold weights, the pass count and the label quantile pass through
    unchanged.

    Parameters
    ----------
    oracle : ArrayOracle or DaskOracle
        The exact oracle whose answers are perturbed.
    tolerance : float >= 0
        The tolerance ``tau``: the largest perturbation of any mean.
    random_state : int, RandomState instance or None, default=None
        Seeds the noise.
    """

    def __init__(self, oracle, tolerance, random_state=None):
        if not tolerance >= 0:
            raise ValueError(f"tolerance must be >= 0, got {tolerance!r}.")
        self.oracle = oracle
        self.tolerance = float(tolerance)
        self.rng = check_random_state(random_state)

    def __getattr__(self, name):  # n_features, n_folds, fold_weights, n_queries, ...
        return getattr(self.oracle, name)

    def _noise(self, shape):
        return self.rng.uniform(-self.tolerance, self.tolerance, size=shape)

    def _perturb_stats(self, out):
        out = out.copy()
        out[:, :-1] += self._noise(out[:, :-1].shape)
        return out

    def loss_grad(self, w, b, gate_mode, deriv_at_zero):
        """Return the wrapped answer, each mean moved by at most ``tolerance``.

        Parameters
        ----------
        w : array-like of shape (n_features,)
            Weight of the neuron.
        b : float
            Bias of the neuron.
        gate_mode : int
            ``GATE_RELU`` (0) or ``GATE_ONE`` (1), see :meth:`ArrayOracle.loss_grad`.
        deriv_at_zero : float
            Value of relu'(0) under ``GATE_RELU``.

        Returns
        -------
        sums : ndarray of shape (n_folds, n_features + 4)
            Per-fold sums as :meth:`ArrayOracle.loss_grad`; each sum is moved by at
            most ``tolerance`` times the fold weight (the last column is exact).
        """
        out = self.oracle.loss_grad(w, b, gate_mode, deriv_at_zero)
        wt = out[:, -1:]  # sums: a mean perturbed by tau is a sum perturbed by tau * weight
        return out + np.hstack([self._noise(out[:, :-1].shape) * wt, np.zeros_like(wt)])

    def scale_stats(self, W, B, all_rows=False):
        """Return the wrapped answer, each mean moved by at most ``tolerance``.

        Parameters
        ----------
        W : array-like of shape (K, n_features) or (n_features,)
            Weights of the candidates (one row each).
        B : array-like of shape (K,) or float
            Biases of the candidates.
        all_rows : bool, default=False
            Pool the folds into one row.

        Returns
        -------
        stats : ndarray of shape (n_folds, 2K + 2)
            As :meth:`ArrayOracle.scale_stats`, the fold weight (last column) exact.
        """
        return self._perturb_stats(self.oracle.scale_stats(W, B, all_rows))

    def geodesic_stats(self, w, u, thetas, bhat):
        """Return the wrapped answer, each mean moved by at most ``tolerance``.

        Parameters
        ----------
        w : array-like of shape (n_features,)
            Unit direction at angle zero.
        u : array-like of shape (n_features,)
            Unit tangent direction, orthogonal to ``w``.
        thetas : array-like of shape (K,)
            Angles (radians) of the candidates.
        bhat : float
            Bias shared by the candidates.

        Returns
        -------
        stats : ndarray of shape (n_folds, 2K + 2)
            As :meth:`ArrayOracle.geodesic_stats`, the fold weight (last column) exact.
        """
        return self._perturb_stats(self.oracle.geodesic_stats(w, u, thetas, bhat))

    def thresholded_moments(self, taus):
        """Return the wrapped answer, each mean moved by at most ``tolerance``.

        The second moments are perturbed symmetrically.

        Parameters
        ----------
        taus : array-like of shape (J,)
            Label thresholds.

        Returns
        -------
        second : ndarray of shape (J, n_features, n_features)
            ``E[x x^T 1{|y| >= tau}]``, perturbed.
        first : ndarray of shape (J, n_features)
            ``E[x 1{|y| >= tau}]``, perturbed.
        prob : ndarray of shape (J,)
            ``P(|y| >= tau)``, perturbed.
        """
        M, S, c = self.oracle.thresholded_moments(taus)
        E = self._noise(M.shape)
        M = M + 0.5 * (E + np.swapaxes(E, 1, 2))  # a symmetric answer, still within tau
        return M, S + self._noise(S.shape), c + self._noise(c.shape)

    def reweighted_first_moment(self, w, rho_b, btilde, truncate_x=None):
        """Return the wrapped answer, each mean moved by at most ``tolerance``.

        Parameters
        ----------
        w : array-like of shape (n_features,)
            Current unit direction.
        rho_b : float
            Rate of the exponential weight.
        btilde : float
            Conditioning cut on ``<x, w>``.
        truncate_x : float or None, default=None
            Ignore rows with ``||x|| > truncate_x``; None keeps every row.

        Returns
        -------
        moments : ndarray of shape (n_features + 4,)
            As :meth:`ArrayOracle.reweighted_first_moment`, perturbed.
        """
        out = self.oracle.reweighted_first_moment(w, rho_b, btilde, truncate_x)
        return out + self._noise(out.shape)

    def moments(self):
        """Return the wrapped answer, each mean moved by at most ``tolerance``.

        Returns
        -------
        moments : dict
            ``mean_x``, ``second_x`` (perturbed symmetrically), ``mean_y``,
            ``cross_xy`` and ``mean_y2``, as :meth:`ArrayOracle.moments`.
        """
        m = self.oracle.moments()
        noisy = {k: v + self._noise(np.shape(v)) for k, v in m.items()}
        E = self._noise(m["second_x"].shape)
        noisy["second_x"] = m["second_x"] + 0.5 * (E + E.T)
        return noisy
