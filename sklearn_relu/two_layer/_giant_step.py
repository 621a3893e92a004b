"""A few giant gradient steps on the first layer of a two-layer ReLU network, then ridge."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._dask import check_dask_xy, is_dask_array
from .._network import forward, mirror_pairs, paired_width
from .._solvers.giant_step import (
    DaskBatches,
    batch_direction,
    resolve_chunk_rows,
    ridge_readout,
    run_giant_steps,
    split_rows,
)
from ..diagnostics._overlaps import orthonormal_directions
from ..utils._threads import compute_threads
from ..utils.validation import (
    check_square_safe,
    check_x_scale,
    mean_and_scale,
    root_mean_square,
)

__all__ = ["GiantStepRegressor"]


class GiantStepRegressor(RegressorMixin, BaseEstimator):
    """Two-layer ReLU network trained by a few giant gradient steps, then a ridge read-out.

    The model is ``f(x) = (1/sqrt(p)) sum_i a_i relu(<w_i, x>)``. ``fit`` takes
    ``n_steps`` full-batch gradient steps with a large learning rate on the first layer
    ``W`` (second layer frozen at its initialisation ``a0``), each on a fresh batch of
    rows, then fits the second layer by ridge regression on the learned features
    ``relu(X W^T)/sqrt(p)``. This is the procedure of Dandi, Krzakala, Loureiro, Pesce &
    Stephan (JMLR 2024): one step with ``n = Theta(d)`` samples aligns every neuron with
    the single direction ``E[y x]``; several steps learn more directions of a multi-index
    target with the staircase property; ``n_steps=0`` is the random-features model.

    Parameters
    ----------
    n_hidden : int, default=256
        Width p.
    n_steps : int, default=1
        Number of giant steps T; 0 gives random features.
    batch_size : int or None, default=None
        Rows per step n. None: ``N // (T + 1)`` with ``readout_data='fresh'``, ``N // T``
        with ``'all'`` (N = rows passed to ``fit``).
    readout_data : {'fresh', 'all'}, default='fresh'
        ``'fresh'``: after a random permutation the rows are cut into T disjoint step
        batches and a read-out chunk with the remaining rows. ``'all'``: disjoint step
        batches, ridge on all rows (for T = 1 the authors' single-step protocol).
    learning_rate : 'auto' or float > 0, default='auto'
        Step size eta; ``'auto'`` follows ``lr_scaling``.
    lr_scaling : {'p', 'p_sqrt_n_over_d'}, default='p'
        The ``'auto'`` rule: ``eta = 2 p`` (steps with n = Theta(d)) or
        ``eta = 3 p sqrt(n/d)`` (one step with n >> d, e.g. n = d^2).
    init_first : {'sphere', 'gaussian'}, default='sphere'
        Rows of ``W`` uniform on the unit sphere, or entries N(0, 1/d).
    init_second : {'rademacher', 'uniform', 'gaussian'}, default='rademacher'
        ``a_i = +-1/sqrt(p)``, ``sqrt(p) a_i ~ U[-1, 1]``, or ``a_i ~ N(0, 1/p)``.
    symmetric_init : bool, default=False
        Neuron ``i + p/2`` copies ``w_i`` with ``a`` negated, so the output at
        initialisation is 0 (needs an even ``n_hidden``).
    fit_intercept : bool, default=True
        Fit an output intercept, and make the defaults work at any target scale: the
        steps and the read-out see the standardised target ``(y - mean(y)) / std(y)``
        (so ``fit(X, c * y + b)`` predicts ``c`` times the predictions of
        ``fit(X, y)`` plus ``b``), the ridge read-out fits an unpenalised intercept as
        :class:`~sklearn.linear_model.Ridge` does, and ``predict`` maps back. A
        documented departure from the paper, whose model has no intercept and trains on
        the raw labels: ``fit_intercept=False`` is the paper's procedure.
    remove_linear : bool, default=False
        First-Hermite preprocessing: estimate ``A = mean(y)`` and ``B = mean(y x)`` on the
        training rows, train on ``y - A - X B`` and add ``A + X B`` back in ``predict``
        (with ``fit_intercept``, on the standardised target).
        Needed for one step at ``n = Theta(d^2)`` to learn several directions. ``B`` is the
        moment estimator of ``E[y x]``, which assumes isotropic inputs (whiten first).
    alpha : float >= 0, default=1.0
        Ridge strength on the unnormalised sum, as ``Ridge(alpha)`` on the features
        ``relu(X W_^T)/sqrt(p)``; with ``fit_intercept`` it acts on the standardised
        target, so its effect does not depend on the scale of ``y``. A warning says when
        the read-out has fewer rows than ``n_hidden`` and alpha is so small for these
        features that the ridge uses more than half of the read-out rows' degrees of
        freedom (it nearly interpolates them).
    n_jobs : int or None, default=None
        Threads for the compiled kernels and BLAS during fit (None: all cores for
        inputs large enough to pay, one below; -1: all cores). See the glossary in
        :ref:`design`.
    random_state : int, RandomState instance or None, default=None
        Seeds the row permutation and the initialisation.
    verbose : int, default=0
        > 0 prints one line per step.

    Attributes
    ----------
    W_ : ndarray of shape (n_hidden, n_features)
        First layer after the steps.
    a0_ : ndarray of shape (n_hidden,)
        Frozen second layer used in the steps.
    coef_ : ndarray of shape (n_hidden,)
        Ridge read-out on ``relu(X W_^T)/sqrt(p)``, in the units of ``y``.
    intercept_ : float
        Output intercept in the units of ``y``: the target mean plus the read-out's
        intercept (and ``A``) with ``fit_intercept``; ``A`` with ``remove_linear`` alone;
        else 0.0.
    linear_coef_ : ndarray of shape (n_features,)
        ``B`` (in the units of ``y``) with ``remove_linear``, else zeros.
    y_scale_ : float
        ``std(y)`` with ``fit_intercept`` (1.0 for a constant target), else 1.0: the
        steps, ``history_`` losses and ``learning_rate_`` refer to ``y / y_scale_``.
    learning_rate_ : float
        Resolved step size (on the standardised target with ``fit_intercept``).
    batch_size_ : int
        Resolved rows per step n.
    n_readout_ : int
        Rows of the ridge read-out.
    readout_solver_ : str
        'primal' or 'dual'.
    readout_mse_ : float
        Training mean squared error on the read-out rows, in the units of ``y``.
    n_iter_ : int
        Steps taken (``n_steps``).
    history_ : dict of ndarray
        ``train_loss`` (T,): half-MSE of each batch before its step; ``grad_norm`` (T,);
        ``weight_norm`` (T+1,): mean row norm. With ``directions``: ``cos`` (T+1, p, r),
        ``subspace_sv`` (T+1, r), ``max_cos`` (T+1, r), ``mass_in_subspace`` (T+1,),
        ``grad_cos`` and ``grad_perp_cos`` (T, p, r); see
        :func:`sklearn_relu.diagnostics.subspace_overlaps`.
    directions_ : ndarray of shape (r, n_features)
        Orthonormalised target directions, only when passed to ``fit``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Notes
    -----
    The learned features are ``np.maximum(X @ W_.T, 0) / sqrt(n_hidden)``; ``predict``
    is ``intercept_ + X @ linear_coef_ + features @ coef_``. The learning-rate rules
    assume coordinates of unit variance; use a ``StandardScaler`` otherwise. ``X`` (and
    ``y`` with ``fit_intercept=False``) whose root-mean-square magnitude is outside
    ``[1e-150, 1e150]``, where products of two entries over- or underflow, is refused
    with a ValueError.

    Examples
    --------
    >>> from sklearn_relu import GiantStepRegressor
    >>> from sklearn_relu.datasets import make_giant_step_target
    >>> X, y, info = make_giant_step_target("stair2", 3 * 256, 64, random_state=0)
    >>> reg = GiantStepRegressor(n_hidden=128, n_steps=2, random_state=0)
    >>> reg = reg.fit(X, y, directions=info.directions)
    >>> reg.batch_size_, reg.n_readout_, reg.history_["subspace_sv"].shape
    (256, 256, (3, 2))
    """

    _parameter_constraints: dict = {
        "n_hidden": [Interval(Integral, 1, None, closed="left")],
        "n_steps": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "readout_data": [StrOptions({"fresh", "all"})],
        "learning_rate": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "lr_scaling": [StrOptions({"p", "p_sqrt_n_over_d"})],
        "init_first": [StrOptions({"sphere", "gaussian"})],
        "init_second": [StrOptions({"rademacher", "uniform", "gaussian"})],
        "symmetric_init": ["boolean"],
        "fit_intercept": ["boolean"],
        "remove_linear": ["boolean"],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        n_hidden=256,
        n_steps=1,
        batch_size=None,
        readout_data="fresh",
        learning_rate="auto",
        lr_scaling="p",
        init_first="sphere",
        init_second="rademacher",
        symmetric_init=False,
        fit_intercept=True,
        remove_linear=False,
        alpha=1.0,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.n_hidden = n_hidden
        self.n_steps = n_steps
        self.batch_size = batch_size
        self.readout_data = readout_data
        self.learning_rate = learning_rate
        self.lr_scaling = lr_scaling
        self.init_first = init_first
        self.init_second = init_second
        self.symmetric_init = symmetric_init
        self.fit_intercept = fit_intercept
        self.remove_linear = remove_linear
        self.alpha = alpha
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ pieces

    def _init_weights(self, d, rng):
        """``(W0, a0)`` from the init options (W0 drawn first, then a0)."""
        p = self.n_hidden
        m = paired_width(p, "symmetric_init=True") if self.symmetric_init else p
        if self.init_first == "sphere":
            W = rng.standard_normal((m, d))
            W /= np.linalg.norm(W, axis=1, keepdims=True)
        else:
            W = rng.standard_normal((m, d)) / np.sqrt(d)
        if self.init_second == "rademacher":
            a = rng.choice([-1.0, 1.0], size=m)
        elif self.init_second == "uniform":
            a = rng.uniform(-1.0, 1.0, size=m)
        else:
            a = rng.standard_normal(m)
        a /= np.sqrt(p)
        if self.symmetric_init:
            W, a = mirror_pairs(W, a)
        return np.ascontiguousarray(W), a

    def _resolve_learning_rate(self, n, d):
        if self.learning_rate != "auto":
            return float(self.learning_rate)
        if self.lr_scaling == "p_sqrt_n_over_d":
            return float(3.0 * self.n_hidden * np.sqrt(n / d))
        return float(2.0 * self.n_hidden)

    # ------------------------------------------------------------------ API

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, directions=None):
        """Take the giant steps on the first layer, then fit the ridge read-out.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            Training inputs; the learning-rate rules assume unit-variance coordinates.
            A dask array is never loaded: each step and the read-out are sums that
            every row chunk adds where it lives (on a ``dask.distributed`` cluster,
            its workers), over the same rows as in memory.
        y : array-like of shape (n_samples,)
            Training targets (brought into memory when a dask array).
        directions : array-like of shape (r, n_features), default=None
            Target directions, when known (e.g. ``info.directions`` of
            :func:`~sklearn_relu.datasets.make_giant_step_target`). They only add the
            overlap entries to ``history_``; training is identical with or without them.
            Routable as fit metadata (``set_fit_request(directions=True)``).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        name = type(self).__name__
        is_dask = is_dask_array(X)
        if is_dask:
            X, y, x_rms = check_dask_xy(X, y, name)
            self.n_features_in_ = X.shape[1]
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        else:
            X, y = validate_data(  # X's finiteness: check_x_scale, in the same read
                self, X, y, dtype=np.float64, order="C", y_numeric=True, ensure_all_finite=False
            )
            x_rms = None
        y = np.ascontiguousarray(y, dtype=np.float64)
        N, d = X.shape
        check_x_scale(X, name, x_rms)
        if self.fit_intercept:  # standardised target: any scale of y works
            y_offset, y_scale = mean_and_scale(y)
            y_scale = y_scale if y_scale > 0 else 1.0
            y_std = (y - y_offset) / y_scale
        else:
            check_square_safe(
                root_mean_square(y), "y", name, "standardise y, or use fit_intercept=True"
            )
            y_offset, y_scale, y_std = 0.0, 1.0, y
        theta = None
        if directions is not None:
            theta = orthonormal_directions(directions, d)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        rng = np.random.default_rng(seed)
        T, p = int(self.n_steps), int(self.n_hidden)

        step_rows, readout_rows, n = split_rows(N, T, self.batch_size, self.readout_data, rng)
        n_readout = N if readout_rows is None else len(readout_rows)
        W0, a0 = self._init_weights(d, rng)
        lr = self._resolve_learning_rate(n, d)
        chunk_rows = resolve_chunk_rows(p)

        c = a0 / np.sqrt(p)
        A, B = 0.0, np.zeros(d)
        with compute_threads(self.n_jobs, X.size):
            if is_dask:
                data = DaskBatches(X, y_std, step_rows, readout_rows)
                if self.remove_linear:
                    A, B = data.linear_part()
                shift = B if self.remove_linear else None
                direction = data.direction(c, n, A, shift, chunk_rows)
            else:
                if self.remove_linear:
                    A = float(np.mean(y_std))
                    B = (X.T @ y_std) / N
                y_t = y_std - A - X @ B if self.remove_linear else y_std
                direction = batch_direction(X, y_t, c, step_rows, chunk_rows)
            W, hist = run_giant_steps(
                direction, W0, lr, T, theta=theta, verbose=self.verbose, name=name
            )
            if is_dask:
                ro = data.readout(
                    W, float(self.alpha), self.fit_intercept, A, shift, chunk_rows, name
                )
            else:
                ro = ridge_readout(
                    X,
                    y_t,
                    W,
                    readout_rows,
                    float(self.alpha),
                    "auto",
                    chunk_rows,
                    fit_intercept=self.fit_intercept,
                    name=name,
                )
        if not (np.all(np.isfinite(ro.coef)) and np.isfinite(ro.intercept)):
            raise FloatingPointError(
                f"{name}: the ridge read-out is non-finite (alpha="
                f"{self.alpha:g}); increase alpha or standardise X."
            )
        if n_readout < p and ro.dof > 0.5 * n_readout:
            warnings.warn(
                f"{name}: the ridge read-out has {n_readout} rows < n_hidden={p} and "
                f"alpha={self.alpha:g} is small for these features: it spends "
                f"{ro.dof:.3g} effective degrees of freedom on {n_readout} rows, so it "
                "nearly interpolates them and may generalise poorly. Raise alpha, or give "
                "the read-out more rows (more samples, readout_data='all').",
                UserWarning,
                stacklevel=2,
            )
        if self.verbose:
            print(
                f"[{name}] ridge read-out ({ro.solver}) on {n_readout} rows: "
                f"train MSE {ro.mse * y_scale * y_scale:.5g}"
            )

        self.W_ = W
        self.a0_ = a0
        self.coef_ = y_scale * ro.coef
        self.intercept_ = float(y_offset + y_scale * (A + ro.intercept))
        self.linear_coef_ = y_scale * B
        self.y_scale_ = float(y_scale)
        self.learning_rate_ = lr
        self.batch_size_ = int(n)
        self.n_readout_ = int(n_readout)
        self.readout_solver_ = ro.solver
        self.readout_mse_ = float(ro.mse * y_scale * y_scale)
        self.n_iter_ = T
        self.history_ = hist
        if theta is not None:
            self.directions_ = theta
        elif hasattr(self, "directions_"):  # a refit without directions: drop stale ones
            del self.directions_
        return self

    def predict(self, X):
        """Predict ``intercept_ + X @ linear_coef_ + relu(X @ W_.T) @ coef_ / sqrt(p)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted values.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, order="C", reset=False)
        p = self.W_.shape[0]
        with compute_threads(self.n_jobs, X.size):  # the shared two-layer forward pass
            out = forward(X, self.W_, (self.coef_ / np.sqrt(p))[None, :])[:, 0]
            # fitted state only (intercept_ = 0 and linear_coef_ = 0 without
            # remove_linear), so set_params after fit cannot change the predictions
            return out + (self.intercept_ + X @ self.linear_coef_)
