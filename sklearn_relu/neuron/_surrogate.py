"""GLMtron and the convex-surrogate method: gradient descent on one convex objective.

With ``x~ = (x, 1)`` and ``w~ = (w, b)`` the surrogate
``L_surr(w~) = E[relu(<w~, x~>)^2 / 2 - y <w~, x~>]`` is convex with gradient
``E[(relu(<w~, x~>) - y) x~]``; the GLMtron update of Kakade et al. (2011) is a
gradient step on it. Both estimators therefore run the same driver with the
gate fixed to one (``GATE_ONE``) and differ only in step size, projection and
which iterate they return.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._solvers.first_order import GATE_ONE, array_query, run_first_order
from ..utils._threads import compute_threads
from ..utils.validation import split_folds
from ._base import _ReLURegressorBase

# First step of learning_rate='auto' and its fallback when the curvature along the
# last move is not positive: 0.5 is stable for standard Gaussian inputs, where the
# surrogate is 1-smooth.
_AUTO_FIRST_STEP = 0.5

_COMMON_CONSTRAINTS = {
    "learning_rate": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
    "n_jobs": [Integral, None],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


class _SurrogateGDBase(_ReLURegressorBase):
    def _fit_surrogate(self, X, y, sample_weight, radius=None, selection_criterion="loss"):
        X, y, sw = self._validate_fit_input(X, y, sample_weight)
        rng = check_random_state(self.random_state)
        fold, n_folds = split_folds(X, y, sw, self.validation_fraction, rng)
        d = X.shape[1]
        auto = self.learning_rate == "auto"
        with compute_threads(self.n_jobs, X.size, blas=1):
            s_y = self._label_scale(y, sw)
            radius = None if radius is None else radius / s_y
            res = run_first_order(
                array_query(X, y / s_y, sw, fold, n_folds),
                np.zeros(d + 1),
                n_folds=n_folds,
                gate_mode=GATE_ONE,
                learning_rate=_AUTO_FIRST_STEP if auto else self.learning_rate,
                step_rule="bb" if auto else "constant",
                max_iter=self.max_iter,
                tol=self.tol,
                n_iter_no_change=self.n_iter_no_change,
                radius=radius,
                selection_criterion=selection_criterion,
                verbose=self.verbose,
                name=type(self).__name__,
            )
        self.selected_iter_ = res.selected_iter
        return self._store_scaled_result(res, s_y, d, "val_loss" if n_folds > 1 else "loss")


class GLMtronRegressor(_SurrogateGDBase):
    """GLMtron (Kakade, Kanade, Shamir & Kalai, 2011) for one biased ReLU.

    Update ``w~ <- w~ + lr * mean((y - relu(<w~, x~>)) x~)`` from ``w~ = 0`` with
    ``x~ = (x, 1)``, so the bias is learned as the weight of a constant feature.
    There is no relu' factor, so it never stalls at zero. The returned iterate is
    the one with the smallest half squared loss on a held-out split. It only uses
    correlational queries, so the CSQ lower bound of Guo & Vijayaraghavan applies.

    Parameters
    ----------
    learning_rate : 'auto' or float > 0, default='auto'
        Step size on the label-scaled problem. A float is a constant step (the
        expected update is a step on a 1-smooth convex function for standard
        Gaussian inputs, so 0.5 is safe there). ``'auto'``: every update is still
        the GLMtron direction, with the Barzilai-Borwein step length (first step
        0.5) under a non-monotone safeguard (see the user guide): tens of updates
        where a constant 0.5 needs hundreds, to the same iterate.
    max_iter : int >= 1, default=1000
        Maximum number of updates.
    tol : float >= 0, default=1e-6
        Stop when the surrogate objective of the label-scaled problem has not
        decreased by more than ``tol`` below its best value for
        ``n_iter_no_change`` consecutive updates (with ``learning_rate='auto'``, its
        largest value over the last ten; see ``n_iter_no_change``).
    n_iter_no_change : int >= 1, default=10
        Number of updates without improvement before stopping; with
        ``learning_rate='auto'`` at least 10, the window over which the non-monotone
        safeguard's largest value is monitored (fewer would stop at the start).
    validation_fraction : float in (0, 1) or None, default=0.2
        Held-out share used to select the iterate; None selects on training rows.
    n_jobs : int or None, default=None
        Threads for the compiled kernels and BLAS during fit (None: all cores
        for inputs large enough to pay, one below; -1: all cores). See the
        glossary in :ref:`design`.
    random_state : int, RandomState instance or None, default=None
        Seeds the train/validation split.
    verbose : int, default=0
        If positive, print the training loss and update norm about ten times per fit.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
    selected_iter_ : int
        Index of the returned iterate.
    loss_ : float
        Half squared loss of the returned iterate on the selection rows.
    loss_curve_ : ndarray
        Training half squared loss per iterate.
    history_ : dict of ndarray
        ``loss``, ``grad_norm`` and, with a split, ``val_loss``, ``val_grad_norm``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    """

    _parameter_constraints: dict = dict(_COMMON_CONSTRAINTS)

    def __init__(
        self,
        *,
        learning_rate="auto",
        max_iter=1000,
        tol=1e-6,
        n_iter_no_change=10,
        validation_fraction=0.2,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.validation_fraction = validation_fraction
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit by GLMtron updates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in every mean; None gives every row weight one.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        return self._fit_surrogate(X, y, sample_weight)


class ConvexSurrogateReLURegressor(_SurrogateGDBase):
    """Projected gradient descent on the convex surrogate loss of DGKKS (COLT 2020).

    The surrogate of Diakonikolas, Goel, Karmalkar, Klivans & Soltanolkotabi,
    ``L_surr(w~) = mean(relu(<w~, x~>)^2 / 2 - y <w~, x~>)`` with ``x~ = (x, 1)``,
    minimised from ``w~ = 0`` with projection onto the ball of radius ``radius``.
    The source guarantees O(OPT) for the unbiased ReLU under isotropic
    log-concave inputs; the constant feature breaks that assumption, so with a
    bias this is a heuristic baseline.

    Parameters
    ----------
    learning_rate : 'auto' or float > 0, default='auto'
        Step size on the label-scaled problem. A float is a constant step (the
        surrogate is 1-smooth for standard Gaussian inputs; a step that increases
        it is retaken at half the rate). ``'auto'``: the Barzilai-Borwein step
        length along the same gradient (first step 0.5) under a non-monotone
        safeguard (see the user guide).
    max_iter : int >= 1, default=1000
        Maximum number of gradient steps.
    tol : float >= 0, default=1e-6
        Stop when the surrogate objective of the label-scaled problem has not
        decreased by more than ``tol`` below its best value for
        ``n_iter_no_change`` consecutive steps (with ``learning_rate='auto'``, its
        largest value over the last ten; see ``n_iter_no_change``).
    n_iter_no_change : int >= 1, default=10
        Number of steps without improvement before stopping; with
        ``learning_rate='auto'`` at least 10, the window over which the non-monotone
        safeguard's largest value is monitored (fewer would stop at the start).
    radius : float > 0 or None, default=None
        Radius W of the projection ball for ``(coef_, intercept_)`` in original
        label units; None: no projection.
    selection_criterion : {'gradient', 'loss'}, default='gradient'
        Return the iterate with the smallest surrogate-gradient norm (DGKKS20) or
        the smallest half squared loss, read on the validation split.
    validation_fraction : float in (0, 1) or None, default=0.2
        Held-out share used to select the iterate; None selects on training rows.
    n_jobs : int or None, default=None
        Threads for the compiled kernels and BLAS during fit (None: all cores
        for inputs large enough to pay, one below; -1: all cores). See the
        glossary in :ref:`design`.
    random_state : int, RandomState instance or None, default=None
        Seeds the train/validation split.
    verbose : int, default=0
        If positive, print the training loss and gradient norm about ten times per fit.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
    selected_iter_ : int
    loss_ : float
    loss_curve_ : ndarray
    history_ : dict of ndarray
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    """

    _parameter_constraints: dict = {
        **_COMMON_CONSTRAINTS,
        "radius": [Interval(Real, 0, None, closed="neither"), None],
        "selection_criterion": [StrOptions({"gradient", "loss"})],
    }

    def __init__(
        self,
        *,
        learning_rate="auto",
        max_iter=1000,
        tol=1e-6,
        n_iter_no_change=10,
        radius=None,
        selection_criterion="gradient",
        validation_fraction=0.2,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.radius = radius
        self.selection_criterion = selection_criterion
        self.validation_fraction = validation_fraction
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit by projected gradient descent on the surrogate.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in every mean; None gives every row weight one.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        return self._fit_surrogate(X, y, sample_weight, self.radius, self.selection_criterion)
