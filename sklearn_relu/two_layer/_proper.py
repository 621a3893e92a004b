"""Proper learning of small depth-2 ReLU networks (Goel, Klivans, Manurangsi & Reichman,
ITCS 2021): random projection, budgeted search in the projected space, exact lift.
"""

import math
import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._network import forward
from .._solvers.proper import (
    MEANINGFUL_RADIUS,
    SPLIT_KEY,
    SUBSAMPLE_KEY,
    choose_net_q,
    lift,
    meaningful_proj_dim,
    net_covering_radius,
    search_projection,
    theory_resources,
    warn_theory_budget,
)
from ..utils._threads import kernel_threads
from ..utils.validation import max_row_norm, mean_and_scale, root_mean_square

__all__ = ["ProperReLUNetworkRegressor"]


def _child_rng(seed, key):
    """Generator of child ``key`` of ``seed``: projection r always uses child r, so
    R + 1 projections contain the first R.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def _q_theory(d, resolution):
    """Grid parameter q of the theory's net resolution in d' = d (a huge int when the
    resolution underflows).
    """
    ratio = math.sqrt(max(d - 1, 0)) / resolution if resolution > 0 else math.inf
    return max(1, int(math.ceil(ratio))) if math.isfinite(ratio) else 2**62


class ProperReLUNetworkRegressor(RegressorMixin, BaseEstimator):
    """Proper learner of a depth-2 ReLU network ``f(x) = sum_j a_j relu(<w_j, x> + b_j)``.

    A **reconstruction of the upper-bound route** of Goel, Klivans, Manurangsi &
    Reichman (ITCS 2021) and Manurangsi & Reichman (2018), not the paper's text:
    inputs are scaled into the unit ball; for each of ``n_projections`` random
    Gaussian projections ``P`` to ``d'`` dimensions the best network
    ``g(z) = sum_j c_j relu(<u_j, z>)`` (unit ``u_j``) on ``z = P x`` is searched
    within a budget of ``max_candidates`` candidates; the network is lifted back by
    ``w_j = P^T u_j``, which gives exactly the projected network's predictions (so
    the output is itself a network of ``n_units`` ReLUs: *proper*); the candidate of
    smallest loss is returned. The paper proves that the exponential dependence of
    such a search on 1/ε is unavoidable for proper learners (under its hardness
    hypotheses); the cost is exposed in ``n_candidates_evaluated_`` and the
    ``theoretical_*`` attributes rather than hidden.

    Parameters
    ----------
    n_units : int >= 1, default=2
        Number of hidden ReLUs k. Two is the smallest k that contains every linear
        function (relu(t) - relu(-t) = t).
    setting : {'agnostic', 'realizable'}, default='agnostic'
        Sets the projection accuracy γ of the theory (and the theory attributes).
    epsilon : float > 0, default=0.1
        Target additive error ε; drives γ, the theory attributes and the finest net
        resolution worth searching.
    proj_dim : 'auto', 'theory' or int >= 1, default='auto'
        Projected dimension d'. ``'auto'``: no projection when the (augmented)
        number of features is at most ``max_proj_dim``, else ``max_proj_dim``.
        Within the default budget a net of covering radius at most 1 (see
        ``net_meaningful_``) exists up to d' = 5 for two units and d' = 8 for one;
        above, the search warns that it certifies nothing.
        ``'theory'``: ``theoretical_proj_dim_`` capped at the number of features
        (warns when its net does not fit the budget). An int at least the number of
        features means no projection.
    max_proj_dim : int >= 1, default=8
        No projection at or below this many features; d' for ``'auto'``.
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
        Polish the best ``n_refine`` candidates of each projection (heuristic:
        gradient steps on the directions with the exact output-weight solve,
        accepted only if the loss decreases, so never worse).
    n_refine : int >= 1, default=5
        Candidates polished per projection.
    weight_norm_bound : float > 0, default=1.0
        B, the bound on the hidden-weight norms in the analysed class (theory only:
        the search uses unit directions and puts the scale in the output weights).
    output_weight_bound : float > 0 or None, default=None
        A: the search enforces ``|c_j| <= A * B`` (box-constrained least squares).
        None: unbounded output weights (plain least squares), and the theory
        attributes use A = 1.
    label_bound : float > 0 or None, default=None
        Y in the theory; None uses ``max |y|``.
    subsample : None, int >= 2 or 'theory', default=None
        Rows used by the search (all by default; ``'theory'`` uses
        ``theoretical_n_samples_``). Selection and ``train_mse_`` use all rows.
    selection : {'train', 'holdout'}, default='train'
        Select among projections by training loss or by the loss on a held-out
        ``holdout_fraction`` of the rows (then the search uses the other rows).
    holdout_fraction : float in (0, 1), default=0.2
        Size of the held-out split for ``selection='holdout'``.
    fit_intercept : bool, default=False
        Append a constant coordinate, so every unit gets a hidden bias (the paper's
        class has none).
    fit_output_intercept : bool, default=True
        Fit a free output intercept ``intercept_output_`` jointly with the output
        weights of every candidate (the statistics of the centred problem), so a
        shift of ``y`` shifts the predictions; a documented departure from the
        paper's class, which has none (``fit_output_intercept=False``). Whatever this
        setting, the search runs on ``y`` divided by its scale (standard deviation,
        or root mean square without the intercept), which changes no result and
        keeps huge finite labels finite.
    input_scaling : {'max_norm', 'none'}, default='max_norm'
        ``'max_norm'`` divides X by its largest row norm (the unit-ball assumption);
        with ``'none'``, data outside the unit ball trigger a warning that the
        theory attributes do not apply.
    n_jobs : int or None, default=None
        Numba threads of the scoring kernels (None: all).
    random_state : int, RandomState instance or None, default=None
        Projections, random directions, subsample and holdout split.
    verbose : int, default=0
        Print one line per projection (d', candidates, best loss, seconds) and
        progress lines inside long net searches.

    Attributes
    ----------
    coef_hidden_ : ndarray of shape (n_units, n_features)
        Lifted hidden weights w_j in the original input coordinates.
    intercept_hidden_ : ndarray of shape (n_units,)
        Hidden biases (zeros unless ``fit_intercept``).
    coef_output_ : ndarray of shape (n_units,)
        Output weights a_j.
    intercept_output_ : float
        Output intercept (0.0 unless ``fit_output_intercept``).
    projection_ : ndarray of shape (``proj_dim_``, n_features (+1 with intercept))
        The selected projection P (the identity without projection).
    proj_dim_ : int
        d' used.
    coef_projected_ : ndarray of shape (n_units, ``proj_dim_``)
        Unit directions u_j in the projected space (paired with ``coef_output_``).
    lifted_weight_norms_ : ndarray of shape (n_units,)
        Norms of ``P^T u_j`` in the scaled input space (may exceed B).
    input_scale_ : float
        The max-norm scale of X (1 with ``input_scaling='none'``).
    train_mse_ : float
        Training mean squared error of the returned network.
    projection_losses_ : ndarray of shape (``n_projections_``,)
        Selection loss of the best network of each projection (training MSE, or
        held-out MSE with ``selection='holdout'``).
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
        reconstructed proof route for this ε, k and bounds.
    theoretical_log2_candidates_ : float
        log2 of the proof route's candidate count.
    theoretical_n_samples_ : int
        Sample size of the generalisation bound (constant ours).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Examples
    --------
    >>> from sklearn_relu import ProperReLUNetworkRegressor
    >>> from sklearn_relu.datasets import make_relu_network_teacher
    >>> X, y, info = make_relu_network_teacher(100, 3, n_units=1, random_state=0)
    >>> reg = ProperReLUNetworkRegressor(n_units=1, search="activation_patterns",
    ...                                  random_state=0).fit(X, y)
    >>> bool(reg.train_mse_ < 1e-12)
    True
    >>> reg.coef_hidden_.shape
    (1, 3)
    """

    _parameter_constraints: dict = {
        "n_units": [Interval(Integral, 1, None, closed="left")],
        "setting": [StrOptions({"agnostic", "realizable"})],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "proj_dim": [StrOptions({"auto", "theory"}), Interval(Integral, 1, None, closed="left")],
        "max_proj_dim": [Interval(Integral, 1, None, closed="left")],
        "n_projections": [Interval(Integral, 1, None, closed="left")],
        "search": [StrOptions({"net", "activation_patterns", "restarts"})],
        "net_resolution": [None, Interval(Real, 0, 2, closed="right")],
        "max_candidates": [Interval(Integral, 1, None, closed="left")],
        "refine": ["boolean"],
        "n_refine": [Interval(Integral, 1, None, closed="left")],
        "weight_norm_bound": [Interval(Real, 0, None, closed="neither")],
        "output_weight_bound": [None, Interval(Real, 0, None, closed="neither")],
        "label_bound": [None, Interval(Real, 0, None, closed="neither")],
        "subsample": [None, StrOptions({"theory"}), Interval(Integral, 2, None, closed="left")],
        "selection": [StrOptions({"train", "holdout"})],
        "holdout_fraction": [Interval(Real, 0, 1, closed="neither")],
        "fit_intercept": ["boolean"],
        "fit_output_intercept": ["boolean"],
        "input_scaling": [StrOptions({"max_norm", "none"})],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        n_units=2,
        setting="agnostic",
        epsilon=0.1,
        proj_dim="auto",
        max_proj_dim=8,
        n_projections=5,
        search="net",
        net_resolution=None,
        max_candidates=200_000,
        refine=True,
        n_refine=5,
        weight_norm_bound=1.0,
        output_weight_bound=None,
        label_bound=None,
        subsample=None,
        selection="train",
        holdout_fraction=0.2,
        fit_intercept=False,
        fit_output_intercept=True,
        input_scaling="max_norm",
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.n_units = n_units
        self.setting = setting
        self.epsilon = epsilon
        self.proj_dim = proj_dim
        self.max_proj_dim = max_proj_dim
        self.n_projections = n_projections
        self.search = search
        self.net_resolution = net_resolution
        self.max_candidates = max_candidates
        self.refine = refine
        self.n_refine = n_refine
        self.weight_norm_bound = weight_norm_bound
        self.output_weight_bound = output_weight_bound
        self.label_bound = label_bound
        self.subsample = subsample
        self.selection = selection
        self.holdout_fraction = holdout_fraction
        self.fit_intercept = fit_intercept
        self.fit_output_intercept = fit_output_intercept
        self.input_scaling = input_scaling
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # -- input map ---------------------------------------------------------

    def _alpha(self):
        return math.sqrt(2.0) if self.fit_intercept else 1.0

    def _features(self, X):
        """Scaled (and, with an intercept, augmented) inputs in the unit ball."""
        Xs = X / (self.input_scale_ * self._alpha())
        if self.fit_intercept:
            Xs = np.hstack([Xs, np.full((X.shape[0], 1), 1.0 / math.sqrt(2.0))])
        return np.ascontiguousarray(Xs)

    def _net_q(self, d, k, q_theory):
        """Net spacing parameter q (h = 2/q) for d' = d, or None for random directions."""
        if self.net_resolution is not None:
            q = 2.0 / self.net_resolution
            if abs(q - round(q)) > 1e-9:
                raise ValueError(
                    f"net_resolution={self.net_resolution} must divide 2 "
                    "(2/h an integer), e.g. 1, 0.5, 0.25."
                )
            q = int(round(q))
            from .._solvers.proper import GRAM_LIMIT, n_multisets, net_size

            G = net_size(d, q)
            count = n_multisets(G, k)
            if count > self.max_candidates:
                raise ValueError(
                    f"net_resolution={self.net_resolution} in d'={d} gives G={G:,} "
                    f"directions and {count:,} candidates for n_units={k}, above "
                    f"max_candidates={self.max_candidates:,}; refusing to start. Use a "
                    "coarser net_resolution, a smaller proj_dim, or raise max_candidates."
                )
            if k >= 2 and G > GRAM_LIMIT:
                raise ValueError(
                    f"net_resolution={self.net_resolution} in d'={d} gives "
                    f"G={G:,} directions, above the Gram-matrix limit "
                    f"{GRAM_LIMIT} for n_units >= 2."
                )
            return q
        return choose_net_q(d, k, self.max_candidates, q_theory)

    # -- fit ---------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Search for the best network of ``n_units`` ReLUs and lift it back.

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
        m, n = X.shape
        k = self.n_units
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        name = type(self).__name__

        # inputs into the unit ball
        row_norm = max_row_norm(X)  # no overflow for huge finite inputs
        if self.input_scaling == "max_norm":
            self.input_scale_ = row_norm if row_norm > 0 else 1.0
        else:
            self.input_scale_ = 1.0
            # with an intercept the augmented row is [x/sqrt(2), 1/sqrt(2)], of norm <= 1
            # exactly when ||x|| <= 1: the same threshold either way
            if row_norm > 1.0 + 1e-12:
                warnings.warn(
                    f"input_scaling='none' with rows of norm up to {row_norm:.3g} > 1: the "
                    "unit-ball assumption fails and the theoretical_* attributes do not "
                    "apply.",
                    UserWarning,
                    stacklevel=2,
                )
        F = self._features(X)
        n_aug = F.shape[1]

        # theory resources (A = 1 when unbounded)
        A = 1.0 if self.output_weight_bound is None else float(self.output_weight_bound)
        B = float(self.weight_norm_bound)
        Y = float(np.max(np.abs(y))) if self.label_bound is None else float(self.label_bound)
        th = theory_resources(k, float(self.epsilon), self.setting, A, B, max(Y, 1e-300))
        self.gamma_ = th.gamma
        self.theoretical_proj_dim_ = th.proj_dim
        self.theoretical_net_resolution_ = th.net_resolution
        self.theoretical_log2_candidates_ = th.log2_candidates
        self.theoretical_n_samples_ = th.n_samples

        # projected dimension
        if self.proj_dim == "auto":
            d = n_aug if n_aug <= self.max_proj_dim else int(self.max_proj_dim)
        elif self.proj_dim == "theory":
            d = min(th.proj_dim, n_aug)
        else:
            d = min(int(self.proj_dim), n_aug)
        project = d < n_aug
        R = int(self.n_projections) if project else 1

        # rows: holdout split and subsample
        search_rows = np.arange(m)
        sel_rows = search_rows
        if self.selection == "holdout":
            n_hold = int(round(self.holdout_fraction * m))
            if n_hold < 1 or m - n_hold < 1:
                raise ValueError(
                    f"holdout_fraction={self.holdout_fraction} leaves an empty "
                    f"search or held-out set with n_samples={m}."
                )
            perm = _child_rng(seed, SPLIT_KEY).permutation(m)
            sel_rows = np.sort(perm[:n_hold])
            search_rows = np.sort(perm[n_hold:])
        fit_rows = search_rows
        if self.subsample is not None:
            m_sub = th.n_samples if self.subsample == "theory" else int(self.subsample)
            if m_sub < len(search_rows):
                pick = _child_rng(seed, SUBSAMPLE_KEY).choice(
                    len(search_rows), m_sub, replace=False
                )
                search_rows = search_rows[np.sort(pick)]

        # labels divided by their scale on the search's rows (held-out labels only
        # score): changes no result, keeps 1e300 * y finite
        if self.fit_output_intercept:
            y_off, y_scale = mean_and_scale(y[fit_rows])
        else:
            y_off, y_scale = 0.0, root_mean_square(y[fit_rows])
        y_scale = y_scale if y_scale > 0 else 1.0
        ys = (y - y_off) / y_scale
        bound = (
            np.inf
            if self.output_weight_bound is None
            else float(self.output_weight_bound) * B / y_scale
        )

        # net resolution (per d, same for every projection)
        q_theory = _q_theory(d, th.net_resolution)
        net_q = None
        meaningful = True
        if self.search == "net":
            net_q = self._net_q(d, k, q_theory)
            if self.proj_dim == "theory" and (net_q is None or net_q < q_theory):
                warn_theory_budget(q_theory, d, k, self.max_candidates)
            meaningful = net_q is not None and net_covering_radius(d, net_q) <= MEANINGFUL_RADIUS
            if not meaningful:
                what = (
                    "random directions (no net fits the budget)"
                    if net_q is None
                    else f"a net of covering radius {net_covering_radius(d, net_q):.3g} > 1"
                )
                d_ok = meaningful_proj_dim(
                    d, k, int(self.max_candidates), lambda dd: _q_theory(dd, th.net_resolution)
                )
                fix = (
                    f"proj_dim={d_ok} (or less) has a net of covering radius <= 1 within the budget"
                    if d_ok
                    else "no d' has a net of covering "
                    "radius <= 1 within the budget; raise max_candidates"
                )
                warnings.warn(
                    f"{name}: the search in d'={d} uses {what}: it certifies nothing about "
                    "the best network on the projected data, and the fit's quality comes "
                    f"from the refinement (net_meaningful_ is False). {fix}.",
                    UserWarning,
                    stacklevel=2,
                )

        Fs, ys_search = F[search_rows], ys[search_rows]
        best = None
        losses = np.empty(R)
        n_cand = 0
        t_start = time.perf_counter()
        with kernel_threads(self.n_jobs):
            for r in range(R):
                t0 = time.perf_counter()
                rng = _child_rng(seed, r)
                if project:
                    P = rng.standard_normal((d, n_aug)) / math.sqrt(d)
                else:
                    P = np.eye(n_aug)
                Z = np.ascontiguousarray(Fs @ P.T)
                res = search_projection(
                    Z,
                    ys_search,
                    k=k,
                    search=self.search,
                    bound=bound,
                    max_candidates=int(self.max_candidates),
                    net_q=net_q,
                    do_refine=bool(self.refine),
                    n_refine=int(self.n_refine),
                    rng=rng,
                    verbose=self.verbose,
                    tag=f"projection {r + 1}/{R}:",
                    fit_intercept=bool(self.fit_output_intercept),
                )
                n_cand += res.n_candidates
                W = lift(res.U, P)
                pred = self._forward(F[sel_rows], W, res.C) + res.c0
                losses[r] = float(np.mean((pred - ys[sel_rows]) ** 2))  # scaled labels
                if not np.isfinite(losses[r]):
                    raise ValueError(
                        f"{name} produced a non-finite loss: the labels or inputs are "
                        "too large for float64 (rescale y and X)."
                    )
                if best is None or losses[r] < losses[best[0]]:
                    best = (r, res, P, W)
                if self.verbose:
                    unit = y_scale * y_scale  # losses in the units of y
                    print(
                        f"[{name}] projection {r + 1}/{R}: d'={d}, candidates="
                        f"{res.n_candidates:,}, loss {losses[r] * unit:.6g}, best "
                        f"{losses[best[0]] * unit:.6g} ({time.perf_counter() - t0:.2f} s)"
                    )
        r, res, P, W = best
        if self.verbose:
            print(f"[{name}] done: {n_cand:,} candidates in {time.perf_counter() - t_start:.2f} s")

        # outputs
        alpha = self._alpha()
        self.projection_ = P
        self.proj_dim_ = d
        self.n_projections_ = R
        self.coef_projected_ = np.ascontiguousarray(res.U)
        self.coef_output_ = np.ascontiguousarray(res.C * y_scale, dtype=np.float64)
        self.intercept_output_ = float(y_off + y_scale * res.c0)
        self.lifted_weight_norms_ = np.linalg.norm(W, axis=1)
        self.coef_hidden_ = np.ascontiguousarray(W[:, :n] / (self.input_scale_ * alpha))
        if self.fit_intercept:
            self.intercept_hidden_ = W[:, n] / math.sqrt(2.0)
        else:
            self.intercept_hidden_ = np.zeros(k)
        with np.errstate(over="ignore"):  # in the units of y: inf beyond float64
            self.projection_losses_ = losses * y_scale * y_scale
        self.n_candidates_evaluated_ = int(n_cand)
        self.net_size_ = int(res.net_size)
        self.net_resolution_ = (
            net_covering_radius(d, net_q)
            if (self.search == "net" and net_q is not None)
            else np.nan
        )
        if self.search == "net":
            self.net_meaningful_ = bool(meaningful)
        elif hasattr(self, "net_meaningful_"):
            del self.net_meaningful_
        self.search_exhaustive_ = bool(
            self.search == "net"
            and net_q is not None
            and net_q >= q_theory
            and (not project or d >= th.proj_dim)
        )
        pred = self._forward(F[fit_rows], self.coef_projected_ @ P, res.C) + res.c0
        self.train_mse_ = float(np.mean((pred - ys[fit_rows]) ** 2)) * y_scale * y_scale
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
        return self._forward(Xa, Wa, self.coef_output_) + self.intercept_output_
