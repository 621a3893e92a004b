"""BiasedReLURegressorSQ: the statistical-query learner of Guo & Vijayaraghavan."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._dask import check_dask_xy, is_dask_array
from .._solvers.first_order import scaled_query
from .._solvers.sq import sq_fit, warn_grid_beyond_cap
from ..oracles import ArrayOracle, DaskOracle, NoisyOracle
from ..utils._threads import compute_threads
from ..utils.validation import as_weights, check_magnitudes, split_folds
from ._base import _ReLURegressorBase
from ._gd import GDReLURegressor

# The GD candidate: random initialisation as in ATV23; the solver (L-BFGS on the
# oracle's loss/gradient query, one statistical query per evaluation), tol and
# max_iter are ours. It only has to win at moderate biases, where it reaches the
# planted loss to within 0.2% (the user guide gives the measurement); at n = 2e5,
# d = 20 it takes 16 of the fit's passes over the data.
_GD_DEFAULTS = {"solver": "lbfgs", "init": "random", "tol": 1e-6, "max_iter": 1000}


class BiasedReLURegressorSQ(_ReLURegressorBase):
    """Agnostic learner for one arbitrarily biased ReLU under Gaussian inputs.

    Algorithm 1 of Guo & Vijayaraghavan (COLT 2025): a constant-factor
    approximation ``L <= O(OPT) + eps`` for every bias, by statistical queries that
    are not correlational, which is how it escapes the lower bound that holds
    for gradient descent (:class:`GDReLURegressor`) at very negative bias.
    Candidates: the zero function, the relu of the least-squares fit, the
    gradient-descent neuron, and for each normalised bias ``bhat`` of a grid a
    thresholded-PCA warm start (top eigenvector of ``E[x x^T 1{|y| >= tau}]``)
    refined by reweighted projected gradient descent on the unit sphere with a
    geodesic line search. Every candidate's scale is fitted in closed form on the
    training rows; the winner has the smallest half squared loss on a held-out
    split, and a PCA or PGD winner's scale is refitted on all rows. The data are
    touched only through an SQ oracle (:mod:`sklearn_relu.oracles`).

    Parameters
    ----------
    bias_grid : array-like of negative floats or None, default=None
        Normalised biases ``bhat`` to try; None: -0.5, -1.0, ... down to the
        most negative bias whose tail ``n_train * Phi(-(|b| + 1/|b|))`` still holds
        ``min_tail_samples`` rows. ``n_train`` counts training rows; with
        ``sample_weight`` it is Kish's effective size ``(sum w)^2 / sum w^2``, so
        multiplying every weight by a constant changes nothing.
    min_tail_samples : int >= 1, default=30
        Caps the default grid (above) and stops a PGD run whose reweighted
        effective sample size falls below it.
    threshold_rule : {'paper', 'quantile', 'both'}, default='paper'
        PCA threshold: ``|y| >= beta / |bhat|`` for the scales ``beta`` of
        ``scale_grid`` (paper), or the top ``Phi(-(|bhat| + 1/|bhat|))`` share of
        ``|y|`` (quantile, scale-free), or both.
    scale_grid : tuple of float > 0, default=(0.25, 0.5, 1, 2)
        Multipliers of ``beta_ref = sqrt(E[y^2] / m2(bhat))`` for the paper rule.
    pca_sign : {'rule', 'both'}, default='rule'
        Orient the eigenvector towards the selected rows, or keep both signs.
    rho : float in (0, 1), default=0.5
        Shift fraction of the weight ``exp(rho |bhat| <x, w>)`` (Theorem 7; 0.58
        satisfies every lemma's hypothesis, see the user guide).
    max_iter : int >= 0, default=50
        PGD iterations per warm start (0: PCA only).
    step : {'linesearch', 'geometric'}, default='linesearch'
        Geodesic line search on held-out loss over the angles ``0.4 * 2^-k`` rad,
        ``k = 0..5``, a run stopping when no angle lowers that loss; or the fixed
        schedule ``0.1 * 0.9^t`` rad, which always moves (the ablation of a
        paper-style fixed step; see the user guide).
    truncate_x : float > 0 or None, default=None
        Ignore rows with ``||x|| > truncate_x`` in the direction query.
    validation_fraction : float in (0, 1) or None, default=0.2
        Held-out share for line search and selection; None uses the training rows.
    include_linear : bool, default=True
        Add the relu of the least-squares linear fit as a candidate.
    include_gd : bool, default=True
        Add the gradient-descent neuron (:class:`GDReLURegressor`) as a candidate.
    gd_params : dict or None, default=None
        Parameters of the inner :class:`GDReLURegressor`; None:
        ``{'solver': 'lbfgs', 'init': 'random', 'tol': 1e-6, 'max_iter': 1000}``.
    whiten : bool, default=False
        Centre and whiten ``X`` by its mean and covariance before learning (the
        paper assumes ``x ~ N(0, I)``); the result is mapped back.
    oracle_tolerance : float >= 0 or None, default=None
        When set, every statistical query is answered within this tolerance
        instead of exactly (:class:`~sklearn_relu.oracles.NoisyOracle`, uniform
        noise seeded from ``random_state``): the SQ model of the paper, for
        studying how much query precision the algorithm needs.
    n_jobs : int or None, default=None
        Threads for the compiled kernels and BLAS during fit (None: all cores
        for inputs large enough to pay, one below; -1: all cores). See the
        glossary in :ref:`design`.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the GD candidate's initialisation and the oracle noise.
    verbose : int, default=0
        If positive, print one line per warm start (PCA loss and best PGD loss).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    direction_ : ndarray of shape (n_features,)
        Unit direction of the selected neuron (NaN for zero/linear/gd winners).
    normalized_bias_ : float
        ``bhat`` of the selected neuron (NaN for zero/linear/gd winners).
    scale_ : float
        Fitted scale ``beta`` of the selected neuron (NaN for zero/linear/gd).
    candidates_ : dict of ndarray
        One entry per candidate: ``kind``, ``bias``, ``threshold``, ``iteration``,
        ``scale``, ``coef`` (n_candidates, n_features), ``intercept``,
        ``val_loss``, ``cos_to_warm_start`` (in whitened units when ``whiten``).
    selected_ : int
        Index of the winner in ``candidates_``.
    loss_ : float
        The winner's held-out half squared loss (optimistic: the same rows chose it).
    bias_grid_ : ndarray
        The grid actually used.
    pgd_history_ : list of dict
        Per warm start: ``val_loss``, ``angle`` of each accepted step, ``ess``.
    history_ : dict
        ``stage_seconds`` (baselines, pca, pgd, selection) and ``n_queries``.
    n_iter_ : int
        Total iterations: GD-candidate steps plus PGD direction queries.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> from sklearn_relu import BiasedReLURegressorSQ
    >>> from sklearn_relu.datasets import make_biased_relu
    >>> X, y, info = make_biased_relu(5000, 5, bias=-1.0, random_state=0)
    >>> reg = BiasedReLURegressorSQ(random_state=0).fit(X, y)
    >>> bool(reg.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        "bias_grid": ["array-like", None],
        "min_tail_samples": [Interval(Integral, 1, None, closed="left")],
        "threshold_rule": [StrOptions({"paper", "quantile", "both"})],
        "scale_grid": ["array-like"],
        "pca_sign": [StrOptions({"rule", "both"})],
        "rho": [Interval(Real, 0, 1, closed="neither")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "step": [StrOptions({"linesearch", "geometric"})],
        "truncate_x": [Interval(Real, 0, None, closed="neither"), None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "include_linear": ["boolean"],
        "include_gd": ["boolean"],
        "gd_params": [dict, None],
        "whiten": ["boolean"],
        "oracle_tolerance": [Interval(Real, 0, None, closed="left"), None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        bias_grid=None,
        min_tail_samples=30,
        threshold_rule="paper",
        scale_grid=(0.25, 0.5, 1.0, 2.0),
        pca_sign="rule",
        rho=0.5,
        max_iter=50,
        step="linesearch",
        truncate_x=None,
        validation_fraction=0.2,
        include_linear=True,
        include_gd=True,
        gd_params=None,
        whiten=False,
        oracle_tolerance=None,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.bias_grid = bias_grid
        self.min_tail_samples = min_tail_samples
        self.threshold_rule = threshold_rule
        self.scale_grid = scale_grid
        self.pca_sign = pca_sign
        self.rho = rho
        self.max_iter = max_iter
        self.step = step
        self.truncate_x = truncate_x
        self.validation_fraction = validation_fraction
        self.include_linear = include_linear
        self.include_gd = include_gd
        self.gd_params = gd_params
        self.whiten = whiten
        self.oracle_tolerance = oracle_tolerance
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _check_grids(self):
        grid = None
        if self.bias_grid is not None:
            grid = np.asarray(self.bias_grid, dtype=np.float64).ravel()
            if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid >= 0):
                raise ValueError(
                    "bias_grid must hold finite negative normalised biases; "
                    f"got {self.bias_grid!r}."
                )
        scales = np.asarray(self.scale_grid, dtype=np.float64).ravel()
        if scales.size == 0 or not np.all(np.isfinite(scales)) or np.any(scales <= 0):
            raise ValueError(f"scale_grid must hold positive numbers; got {self.scale_grid!r}.")
        return grid, scales

    def _gd_candidate(self, rng):
        gd = GDReLURegressor(**(_GD_DEFAULTS if self.gd_params is None else self.gd_params))
        gd._validate_params()

        def candidate(oracle, mean_y2):
            # label scale from the moment query's answer; GD then runs on y / s_y exactly
            s = float(np.sqrt(mean_y2)) or 1.0
            d = oracle.n_features
            best = gd._run(
                scaled_query(oracle.loss_grad, s),
                d,
                rng,
                oracle.n_folds,
                name=f"{type(self).__name__}'s GD candidate",
                lr_param="gd_params['learning_rate']",
            )
            return best.theta[:d] * s, best.theta[d] * s, best.n_iter

        return candidate

    def _validate_dask_input(self, X, y, sample_weight):
        """Checks of ``validate_data`` for a dask array, without loading ``X``."""
        X, y, x_rms = check_dask_xy(X, y, type(self).__name__)
        n, d = X.shape
        sw = as_weights(sample_weight, np.empty((n, 0)))
        check_magnitudes(X, y, type(self).__name__, x_rms=x_rms)
        self.n_features_in_ = d
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return X, y, sw

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Run Algorithm 1.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            Inputs, ideally standard Gaussian (or use ``whiten=True``). A dask
            array is never loaded: every query runs chunk by chunk through a
            :class:`~sklearn_relu.oracles.DaskOracle`.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Exact weights: every query is a weighted mean.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        grid, scales = self._check_grids()
        is_dask = is_dask_array(X)
        if is_dask:
            X, y, sw = self._validate_dask_input(X, y, sample_weight)
        else:
            X, y, sw = self._validate_fit_input(X, y, sample_weight)
        rng = check_random_state(self.random_state)
        fold, _ = split_folds(X, y, sw, self.validation_fraction, rng)

        def make_oracle(X, fold):
            if is_dask:
                return DaskOracle(X, y, sw, fold=fold)
            return ArrayOracle(X, y, sw, fold=fold)  # threads: compute_threads below

        shift, A = None, None
        if self.whiten:  # from one moment query over all rows, BLAS on n_jobs threads
            with compute_threads(self.n_jobs, X.size):
                mom = make_oracle(X, None).moments()
                shift = mom["mean_x"]
                cov = mom["second_x"] - np.outer(shift, shift)
                vals, vecs = np.linalg.eigh(cov)
                keep = vals > 1e-12 * max(vals.max(), 1e-300)
                inv_sqrt = np.where(keep, 1.0 / np.sqrt(np.where(keep, vals, 1.0)), 0.0)
                A = (vecs * inv_sqrt) @ vecs.T
                X = (X - shift) @ A
                if not is_dask:
                    X = np.ascontiguousarray(X)
        oracle = make_oracle(X, None if fold.size == 0 else fold)
        if self.oracle_tolerance is not None:  # the SQ model: answers off by <= tau
            oracle = NoisyOracle(oracle, self.oracle_tolerance, random_state=rng.randint(2**31))
        if grid is not None:
            warn_grid_beyond_cap(grid, oracle.fold_sizes()[0], self.min_tail_samples)
        with warnings.catch_warnings(), compute_threads(self.n_jobs, X.size, blas=1):
            warnings.simplefilter("ignore", ConvergenceWarning)  # the inner GD's
            res = sq_fit(
                oracle,
                bias_grid=grid,
                min_tail_samples=self.min_tail_samples,
                threshold_rule=self.threshold_rule,
                scale_grid=scales,
                pca_sign=self.pca_sign,
                rho=self.rho,
                max_iter=self.max_iter,
                step=self.step,
                truncate_x=self.truncate_x,
                include_linear=self.include_linear,
                gd_candidate=self._gd_candidate(rng) if self.include_gd else None,
                verbose=self.verbose,
            )
        coef, intercept = res["coef"], res["intercept"]
        if self.whiten:  # relu(<(x - mu) A, w> + b) = relu(<x, A w> + b - <mu, A w>)
            coef = A @ coef
            intercept = intercept - float(shift @ coef)
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = float(intercept)
        nan = float("nan")
        subspace = res["kind"] in ("pca", "pgd")
        self.direction_ = res["direction"] if subspace else np.full(X.shape[1], nan)
        self.normalized_bias_ = res["normalized_bias"] if subspace else nan
        self.scale_ = res["scale"] if subspace else nan
        self.candidates_ = res["candidates"]
        self.selected_ = res["selected"]
        self.loss_ = res["loss"]
        self.bias_grid_ = res["bias_grid"]
        self.pgd_history_ = res["pgd_history"]
        self.history_ = dict(stage_seconds=res["seconds"], n_queries=oracle.n_queries)
        self.n_iter_ = res["n_iter"]
        return self
