"""Full-batch first-order fits of the half squared loss of one ReLU: L-BFGS, GD, Adam."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._solvers.first_order import (
    GATE_RELU,
    array_query,
    run_first_order,
    warn_not_converged,
)
from ..utils._threads import compute_threads
from ._base import _ReLURegressorBase


class GDReLURegressor(_ReLURegressorBase):
    """One ReLU neuron fitted by full-batch descent on the squared loss.

    Minimises ``L(w, b) = 1/2 mean (relu(<x, w> + b) - y)^2`` over the weight and
    the bias jointly, with scipy's L-BFGS-B (the default: the loss of a 3000-step
    GD run in tens of passes), plain gradient descent or Adam, every method reading
    the data through the same fused loss/gradient pass. Gradient descent is the
    correlational baseline of Guo & Vijayaraghavan (COLT 2025): from zero
    initialisation (Diakonikolas et al., COLT 2022) it is provably good for unbiased
    neurons and fails on very negative biases under adversarial noise; L-BFGS and
    Adam from the same start land on the same decoy (see :ref:`single_neuron`).

    Labels are divided internally by ``s_y = sqrt(mean y^2)`` and the fitted
    neuron multiplied back (exact, by positive homogeneity), so learning rates
    and ``tol`` do not depend on the label scale.

    Parameters
    ----------
    solver : {'lbfgs', 'gd', 'adam'}, default='lbfgs'
        scipy's L-BFGS-B, full-batch gradient descent or full-batch Adam.
    learning_rate : 'auto' or float > 0, default='auto'
        Step size on the scaled problem; ``'auto'`` is 0.5 for 'gd', 1e-2 for 'adam'
        (unused by 'lbfgs').
    max_iter : int >= 0, default=3000
        Maximum number of iterations.
    tol : float >= 0, default=1e-6
        'gd' and 'adam' stop when the loss of the scaled problem has not decreased
        by more than ``tol`` below its best value for ``n_iter_no_change``
        consecutive steps; 'lbfgs' stops when the largest projected gradient entry
        is at most ``tol`` or an iteration lowers the loss by less than a relative
        2.2e-9 (scipy's default), as in scikit-learn's ``MLPRegressor``.
    n_iter_no_change : int >= 1, default=10
        Steps without improvement before 'gd' and 'adam' stop.
    init : {'zero', 'random', 'torch-like'}, default='zero'
        ``'zero'``: w = 0, b = 0 (DKTZ22). ``'random'``: w ~ N(0, init_scale^2 I/d),
        b = 0 (ATV23). ``'torch-like'``: w, b ~ U(-1/sqrt(d), 1/sqrt(d)), the
        PyTorch ``nn.Linear`` default.
    init_scale : float > 0, default=0.1
        Scale of the ``'random'`` initialisation.
    deriv_at_zero : float >= 0, default=1.0
        Value of relu'(0) in the gradient. With 0 the zero initialisation never
        moves, so that combination raises ValueError.
    n_restarts : int >= 1, default=1
        Runs from independent random initialisations; the one with the lowest
        training loss is kept. Ignored for ``init='zero'`` (every run is equal).
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam constants.
    n_jobs : int or None, default=None
        Threads for the compiled kernels and BLAS during fit (None: all cores
        for inputs large enough to pay, one below; -1: all cores). See the
        glossary in :ref:`design`.
    random_state : int, RandomState instance or None, default=None
        Seeds the random initialisations.
    verbose : int, default=0
        Print progress lines when > 0.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Iterations of the kept run.
    loss_ : float
        Final training half squared loss (original label units).
    loss_curve_ : ndarray
        Training half squared loss at every iterate (original units).
    history_ : dict of ndarray
        Per iterate: ``loss`` (= ``loss_curve_``), ``grad_norm`` (scaled problem)
        and ``step_size`` (the learning rate in force; plain GD halves it when a
        step would increase the loss, which happens only when the rate is too
        large for the data's curvature).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Examples
    --------
    >>> from sklearn_relu import GDReLURegressor
    >>> from sklearn_relu.datasets import make_biased_relu
    >>> X, y, info = make_biased_relu(2000, 5, bias=-0.5, random_state=0)
    >>> reg = GDReLURegressor().fit(X, y)
    >>> bool(reg.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        "solver": [StrOptions({"lbfgs", "gd", "adam"})],
        "learning_rate": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"zero", "random", "torch-like"})],
        "init_scale": [Interval(Real, 0, None, closed="neither")],
        "deriv_at_zero": [Interval(Real, 0, None, closed="left")],
        "n_restarts": [Interval(Integral, 1, None, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        solver="lbfgs",
        learning_rate="auto",
        max_iter=3000,
        tol=1e-6,
        n_iter_no_change=10,
        init="zero",
        init_scale=0.1,
        deriv_at_zero=1.0,
        n_restarts=1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.init = init
        self.init_scale = init_scale
        self.deriv_at_zero = deriv_at_zero
        self.n_restarts = n_restarts
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _init_theta(self, d, rng):
        if self.init == "zero":
            return np.zeros(d + 1)
        if self.init == "random":
            theta = np.zeros(d + 1)
            theta[:d] = rng.normal(scale=self.init_scale / np.sqrt(d), size=d)
            return theta
        bound = 1.0 / np.sqrt(d)
        return rng.uniform(-bound, bound, size=d + 1)

    def _run(self, query, d, rng, n_folds=1, name=None, lr_param="learning_rate"):
        """All runs on the label-scaled problem behind ``query``; the run with the
        lowest training loss (fold 0). Used by ``fit`` and by the SQ learner's GD
        candidate, which passes an oracle query.
        """
        if self.init == "zero" and self.deriv_at_zero == 0:
            raise ValueError(
                "init='zero' with deriv_at_zero=0 never moves (every gradient is 0 at "
                "w = 0, b = 0); use deriv_at_zero > 0 or another init."
            )
        lr = self.learning_rate
        if lr == "auto":
            lr = 0.5 if self.solver == "gd" else 1e-2
        n_runs = 1 if self.init == "zero" else self.n_restarts
        best = None
        for _ in range(n_runs):
            res = run_first_order(
                query,
                self._init_theta(d, rng),
                n_folds=n_folds,
                gate_mode=GATE_RELU,
                deriv_at_zero=self.deriv_at_zero,
                solver=self.solver,
                learning_rate=lr,
                max_iter=self.max_iter,
                tol=self.tol,
                n_iter_no_change=self.n_iter_no_change,
                adam=(self.beta_1, self.beta_2, self.epsilon),
                verbose=self.verbose,
                name=name or type(self).__name__,
                lr_param=lr_param,
                warn=False,
            )
            if best is None or res.history["loss"][-1] < best.history["loss"][-1]:
                best = res
        return best

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the neuron by full-batch gradient descent.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Exact weights: the loss is the weighted mean.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y, sw = self._validate_fit_input(X, y, sample_weight)
        rng = check_random_state(self.random_state)
        d = X.shape[1]
        with compute_threads(self.n_jobs, X.size, blas=1):
            s_y = self._label_scale(y, sw)
            best = self._run(array_query(X, y / s_y, sw), d, rng)
        if not best.converged:
            warn_not_converged(type(self).__name__, self.tol, self.max_iter)

        return self._store_scaled_result(best, s_y, d, at=-1)
