"""Proper learning of small depth-2 ReLU networks (Goel, Klivans, Manurangsi & Reichman,
ITCS 2021): random projection, budgeted search in the projected space, exact lift.
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._network import forward, input_scale, unit_ball_features
from .._solvers.proper import fit_proper
from ..utils._threads import compute_threads
from ..utils.validation import max_row_norm, split_folds

__all__ = ["ProperReLUNetworkRegressor"]


class ProperReLUNetworkRegressor(RegressorMixin, BaseEstimator):
    """Proper learner of a depth-2 ReLU network ``f(x) = sum_j a_j relu(<w_j, x> + b_j)``.

    A **reconstruction of the upper-bound route** of Goel, Klivans, Manurangsi &
    Reichman (ITCS 2021) and Manurangsi & Reichman (2018), not the paper's text:
    inputs are scaled into the unit ball; for each of ``n_projections`` random
    Gaussian projections ``P`` to ``d'`` dimensions the best network
    ``g(z) = sum_j c_j relu(<u_j, z>)`` (unit ``u_j``) on ``z = P x`` is searched
    within a budget of ``max_candidates`` candidates; the network is lifted back by
    ``w_j = P^T u_j``, which gives exactly the projected network's predictions (so
    the output is itself a network of ``n_hidden`` ReLUs: *proper*); the candidate of
    smallest loss is returned. The paper proves that the exponential dependence of
    such a search on 1/ε is unavoidable for proper learners (under its hardness
    hypotheses); the cost is exposed in ``n_candidates_evaluated_`` and the
    ``theoretical_*`` attributes rather than hidden.

    Parameters
    ----------
    n_hidden : int >= 1, default=2
        Number of hidden ReLUs k. Two is the smallest k that contains every linear
        function (relu(t) - relu(-t) = t).
    setting : {'agnostic', 'realizable'}, default='agnostic'
        Sets the projection accuracy γ of the theory (and the theory attributes).
    target_error : float > 0, default=0.1
        Target additive error ε; drives γ, the theory attributes and the finest net
        resolution worth searching.
    proj_dim : 'auto', 'theory' or int >= 1, default='auto'
        Projected dimension d'. ``'auto'``: no projection when the (augmented)
        number of features is at most 8, else d' = 8.
        Within the default budget a net of covering radius at most 1 (see
        ``net_meaningful_``) exists up to d' = 5 for two units and d' = 8 for one;
        above, the search warns that it certifies nothing.
        ``'theory'``: ``theoretical_proj_dim_`` capped at the number of features
        (warns when its net does not fit the budget). An int at least the number of
        features means no projection.
    n_projections : int >= 1, default=5
        Number R of independent projections (forced to 1 without projection).
    search : {'net', 'activation_patterns', 'restarts'}, default='net'
        ``'net'``: every multiset of k directions from a net of the sphere of
        ``R^{d'}`` (the proof route) with exactly solved output weights.
        ``'activation_patterns'``: exact ERM on the projected data for tiny
        cases: every multiset of activation patterns and output signs gets its
        sign-constrained least squares solved exactly (branch and bound on the
        unconstrained bound; exact for ``output_weight_bound=None``, else the box
        weights are re-solved for the best directions); refuses, with a
        ValueError, when the candidate count exceeds ``max_candidates``. ``'restarts'``: a
        **heuristic** (no guarantee): ``max_candidates`` random direction sets.
    net_resolution : float in (0, 2] or None, default=None
        Grid spacing h of the net (2/h must be an integer); None picks the finest
        net whose candidate count fits ``max_candidates``, never finer than the
        theory resolution. Random directions are used when even h = 2 does not fit.
    max_candidates : int >= 1, default=200_000
        Budget of candidates per projection (multisets, pattern multisets or random
        direction sets). Total work is at most ``n_projections * max_candidates``
        candidate scorings plus the refinement.
    refine : bool, default=True
        Polish the five best candidates of each projection (heuristic: gradient
        steps on the directions with the exact output-weight solve, accepted only if
        the loss decreases, so never worse).
    output_weight_bound : float > 0 or None, default=None
        A: the search enforces ``|c_j| <= A`` on the output weights of unit
        directions (box-constrained least squares). None: unbounded output weights
        (plain least squares), and the theory attributes use A = 1.
    subsample : None, int >= 2 or 'theory', default=None
        Rows used by the search (all training rows by default; ``'theory'`` uses
        ``theoretical_n_samples_``). The selection and ``train_mse_`` use all
        training rows.
    validation_fraction : float in (0, 1) or None, default=None
        Share of the rows held out, by a hash of each row's content, to select among
        the projections by their held-out loss (the search then uses the other rows);
        None selects by the training loss.
    hidden_bias : bool, default=False
        Give every hidden unit a bias (an input coordinate fixed at a constant; the
        paper's class has none).
    fit_intercept : bool, default=True
        Fit a free output intercept ``intercept_output_`` jointly with the output
        weights of every candidate (the statistics of the centred problem), so a
        shift of ``y`` shifts the predictions; a documented departure from the
        paper's class, which has none (``fit_intercept=False``). Whatever this
        setting, the search runs on ``y`` divided by its scale (standard deviation,
        or root mean square without the intercept), which changes no result and
        keeps huge finite labels finite.
    input_scaling : {'max_norm'} or None, default='max_norm'
        ``'max_norm'`` divides X by its largest row norm (the unit-ball assumption);
        with None, data outside the unit ball trigger a warning that the theory
        attributes do not apply.
    n_jobs : int or None, default=None
        Threads for the compiled kernels and BLAS during fit (None: all cores for
        inputs large enough to pay, one below; -1: all cores). See the glossary in
        :ref:`design`.
    random_state : int, RandomState instance or None, default=None
        Projections, random directions, subsample and held-out split.
    verbose : int, default=0
        Print one line per projection (d', candidates, best loss, seconds) and
        progress lines inside long net searches.

    Attributes
    ----------
    coef_hidden_ : ndarray of shape (n_hidden, n_features)
        Lifted hidden weights w_j in the original input coordinates.
    intercept_hidden_ : ndarray of shape (n_hidden,)
        Hidden biases (zeros unless ``hidden_bias``).
    coef_output_ : ndarray of shape (n_hidden,)
        Output weights a_j.
    intercept_output_ : float
        Output intercept (0.0 unless ``fit_intercept``).
    projection_ : ndarray of shape (``proj_dim_``, n_features (+1 with hidden_bias))
        The selected projection P (the identity without projection).
    proj_dim_ : int
        d' used.
    coef_projected_ : ndarray of shape (n_hidden, ``proj_dim_``)
        Unit directions u_j in the projected space (paired with ``coef_output_``).
    lifted_weight_norms_ : ndarray of shape (n_hidden,)
        Norms of ``P^T u_j`` in the scaled input space (may exceed 1).
    input_scale_ : float
        The max-norm scale of X (1 with ``input_scaling=None``).
    train_mse_ : float
        Training mean squared error of the returned network.
    projection_losses_ : ndarray of shape (``n_projections_``,)
        Selection loss of the best network of each projection (training MSE, or
        held-out MSE with ``validation_fraction``).
    n_projections_ : int
        Projections searched.
    n_candidates_evaluated_ : int
        Candidates scored over all projections (excluding refinement steps).
    search_exhaustive_ : bool
        True iff every projection enumerated the net at the theory resolution at
        the theoretical d' (or without projection).
    net_size_ : int
        G, directions in the net (0 for other searches).
    net_resolution_ : float
        Covering radius of the net on the sphere (NaN for random directions or
        other searches).
    net_meaningful_ : bool
        ``search='net'`` only: True iff a grid net with covering radius at most 1 was
        searched, so every unit direction is within 60 degrees of a net point and the
        best net candidate bounds the best network's loss on the projected data
        (within the net's resolution). False (with a warning) for coarser nets or
        random directions: the search then certifies nothing and the fit's quality
        comes from the refinement. Only set by ``search='net'``.
    gamma_, theoretical_proj_dim_, theoretical_net_resolution_ : float, int, float
        Projection accuracy γ, the JL dimension d' (``inf`` when it does not fit a
        float, e.g. for labels near 1e300) and the net covering radius of the
        reconstructed proof route for this ε, k and bounds (hidden weights of norm
        at most 1 on unit-ball inputs, labels bounded by ``max |y|``).
    theoretical_log2_candidates_ : float
        log2 of the proof route's candidate count.
    theoretical_n_samples_ : int
        Sample size of the generalisation bound (constant ours).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Examples
    --------
    >>> from sklearn_relu import ProperReLUNetworkRegressor
    >>> from sklearn_relu.datasets import make_relu_network_teacher
    >>> X, y, info = make_relu_network_teacher(100, 3, n_hidden=1, random_state=0)
    >>> reg = ProperReLUNetworkRegressor(n_hidden=1, search="activation_patterns",
    ...                                  random_state=0).fit(X, y)
    >>> bool(reg.train_mse_ < 1e-12)
    True
    >>> reg.coef_hidden_.shape
    (1, 3)
    """

    _parameter_constraints: dict = {
        "n_hidden": [Interval(Integral, 1, None, closed="left")],
        "setting": [StrOptions({"agnostic", "realizable"})],
        "target_error": [Interval(Real, 0, None, closed="neither")],
        "proj_dim": [StrOptions({"auto", "theory"}), Interval(Integral, 1, None, closed="left")],
        "n_projections": [Interval(Integral, 1, None, closed="left")],
        "search": [StrOptions({"net", "activation_patterns", "restarts"})],
        "net_resolution": [None, Interval(Real, 0, 2, closed="right")],
        "max_candidates": [Interval(Integral, 1, None, closed="left")],
        "refine": ["boolean"],
        "output_weight_bound": [None, Interval(Real, 0, None, closed="neither")],
        "subsample": [None, StrOptions({"theory"}), Interval(Integral, 2, None, closed="left")],
        "validation_fraction": [None, Interval(Real, 0, 1, closed="neither")],
        "hidden_bias": ["boolean"],
        "fit_intercept": ["boolean"],
        "input_scaling": [StrOptions({"max_norm"}), None],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        n_hidden=2,
        setting="agnostic",
        target_error=0.1,
        proj_dim="auto",
        n_projections=5,
        search="net",
        net_resolution=None,
        max_candidates=200_000,
        refine=True,
        output_weight_bound=None,
        subsample=None,
        validation_fraction=None,
        hidden_bias=False,
        fit_intercept=True,
        input_scaling="max_norm",
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.n_hidden = n_hidden
        self.setting = setting
        self.target_error = target_error
        self.proj_dim = proj_dim
        self.n_projections = n_projections
        self.search = search
        self.net_resolution = net_resolution
        self.max_candidates = max_candidates
        self.refine = refine
        self.output_weight_bound = output_weight_bound
        self.subsample = subsample
        self.validation_fraction = validation_fraction
        self.hidden_bias = hidden_bias
        self.fit_intercept = fit_intercept
        self.input_scaling = input_scaling
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Search for the best network of ``n_hidden`` ReLUs and lift it back.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs (at least two rows).
        y : array-like of shape (n_samples,)
            Target values.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        X, y = validate_data(
            self, X, y, dtype=np.float64, order="C", y_numeric=True, ensure_min_samples=2
        )
        y = np.ascontiguousarray(y, dtype=np.float64)
        name = type(self).__name__
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        self.input_scale_ = input_scale(X, self.input_scaling)
        row_norm = max_row_norm(X) if self.input_scaling is None else None
        if row_norm is not None and row_norm > 1.0 + 1e-12:
            # with hidden biases the augmented row [x, 1] / sqrt(2) is in the unit ball
            # exactly when ||x|| <= 1: the same threshold either way
            warnings.warn(
                f"{name}: input_scaling=None with rows of norm up to {row_norm:.3g} "
                "> 1: the unit-ball assumption fails and the theoretical_* attributes do not "
                "apply.",
                UserWarning,
                stacklevel=2,
            )
        fold, _ = split_folds(X, y, None, self.validation_fraction, rng)
        res = fit_proper(
            unit_ball_features(X, self.input_scale_, self.hidden_bias),
            y,
            fold,
            n_hidden=self.n_hidden,
            setting=self.setting,
            target_error=self.target_error,
            proj_dim=self.proj_dim,
            n_projections=self.n_projections,
            search=self.search,
            net_resolution=self.net_resolution,
            max_candidates=self.max_candidates,
            refine=self.refine,
            output_weight_bound=self.output_weight_bound,
            subsample=self.subsample,
            fit_intercept=self.fit_intercept,
            seed=seed,
            n_jobs=self.n_jobs,
            verbose=self.verbose,
            name=name,
        )

        n = X.shape[1]
        # the lifted weights act on unit_ball_features: back to the units of X
        alpha = math.sqrt(2.0) if self.hidden_bias else 1.0
        self.coef_hidden_ = np.ascontiguousarray(res.W[:, :n] / (self.input_scale_ * alpha))
        self.intercept_hidden_ = res.W[:, n] / alpha if self.hidden_bias else np.zeros(len(res.C))
        self.coef_output_ = res.C
        self.intercept_output_ = res.c0
        self.coef_projected_ = res.U
        self.projection_ = res.P
        self.proj_dim_ = res.proj_dim
        self.n_projections_ = res.n_projections
        self.lifted_weight_norms_ = np.linalg.norm(res.W, axis=1)
        self.projection_losses_ = res.losses
        self.train_mse_ = res.train_mse
        self.n_candidates_evaluated_ = res.n_candidates
        self.net_size_ = res.net_size
        self.net_resolution_ = res.net_resolution
        if res.net_meaningful is not None:
            self.net_meaningful_ = res.net_meaningful
        elif hasattr(self, "net_meaningful_"):
            del self.net_meaningful_
        self.search_exhaustive_ = res.search_exhaustive
        self.gamma_ = res.theory.gamma
        self.theoretical_proj_dim_ = res.theory.proj_dim
        self.theoretical_net_resolution_ = res.theory.net_resolution
        self.theoretical_log2_candidates_ = res.theory.log2_candidates
        self.theoretical_n_samples_ = res.theory.n_samples
        return self

    @staticmethod
    def _forward(F, W, c):
        """``relu(F W^T) c``: the shared two-layer forward pass (one home)."""
        return forward(
            np.ascontiguousarray(F),
            np.ascontiguousarray(W),
            np.ascontiguousarray(c, dtype=np.float64).reshape(1, -1),
        )[:, 0]

    def predict(self, X):
        """Predict ``sum_j a_j relu(<w_j, x> + b_j) + intercept_output_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Outputs of the fitted network.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, order="C", reset=False)
        # the hidden biases as the weights of a constant feature
        Xa = np.hstack([X, np.ones((X.shape[0], 1))])
        Wa = np.hstack([self.coef_hidden_, self.intercept_hidden_[:, None]])
        with compute_threads(self.n_jobs, Xa.size):
            return self._forward(Xa, Wa, self.coef_output_) + self.intercept_output_
