"""Two-layer ReLU network trained by online minibatch SGD on both layers (Glasgow, ICLR 2024)."""

import math
import numbers
import warnings

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._network import mirror_pairs, paired_width
from ..diagnostics._xor import (
    WEIGHT_COLUMNS,
    xor_feature_alignment,
    xor_phase_steps,
    xor_weight_columns,
)
from ..utils.validation import check_x_scale
from ._base import _SGDClassifier

__all__ = ["TwoLayerXORClassifier"]

_PHASE1_OUTPUT = 0.1  # mean |output| below this: still in the signal-finding phase


class TwoLayerXORClassifier(_SGDClassifier):
    """Two-layer ReLU network, both layers trained by online minibatch SGD.

    The algorithm of :cite:t:`Gla24`: the network
    rho(x) = sum_k a_k relu(<w_k, x>) (no biases), a small balanced initialisation
    (abs(a_k) = ||w_k|| = theta / sqrt(p)), and plain minibatch SGD with a constant step
    on the logistic loss, every sample used once. On XOR of two coordinates of the
    Boolean hypercube it reaches small test error after about d polylog d samples,
    where kernel methods need about d^2. Training runs in two phases, recorded in
    ``history_``: signal-finding (the output stays about 0 while the neurons' components
    in the XOR plane grow) and signal-heavy (the output becomes order 1 and the error
    drops).

    The steps between two logged steps (``log_every``) run in one compiled call, and the
    diagnostics of ``history_`` are computed between calls. Binary problems use exactly the paper's
    single-output model; K >= 3 classes use a softmax output layer of K units on one
    shared hidden layer, initialised with balanced columns.

    Read more in the :ref:`User Guide <xor_sgd>`.

    Parameters
    ----------
    n_hidden : int, default=64
        Width p of the hidden layer (a UserWarning below 8: the paper needs
        polylog(d) neurons, and p = 8 sometimes fails).
    init : {"paper", "symmetric", "standard"}, default="paper"
        "paper": w_k = r0 u_k (u_k uniform on the sphere), a_k = r0 * random sign, with
        r0 = theta / sqrt(p). "symmetric": the paper's law with the neurons in pairs
        (w, a), (w, -a), so the output is exactly 0 at init (p must be even).
        "standard": w ~ N(0, I/d), a ~ N(0, 1/p), an ablation (not small, not balanced).
    init_scale : "auto" or float > 0, default="auto"
        Initialisation scale theta (neuron norms theta / sqrt(p)); "auto" is
        1 / max(ln d, 1).
    learning_rate : float > 0 or "theory", default=1.0
        Constant step eta; "theory" uses eta = theta (about 3-9x more samples).
    batch_size : int >= 1, "auto" or "theory", default="auto"
        Minibatch size m: "auto" is max(8, ceil(0.25 d max(ln d, 1))), "theory" is
        ceil(d max(ln d, 1)). ``fit`` uses min(m, n_samples); ``batch_size_`` keeps m.
    n_epochs : int >= 1, default=1
        Passes over X. 1 is online SGD (each sample used once, the paper's regime);
        more passes reuse samples, a different regime with a different sample count.
    hidden_bias : bool, default=False
        Add a trained bias per hidden unit, initialised at 0 (an ablation; the paper has
        none).
    feature_coords : pair of int, array-like of shape (2, n_features) or None, default=None
        The XOR coordinates (i, j), or the rows e_i, e_j of the feature plane (rotated
        data), used only for the diagnostics: with it, ``history_`` also records the
        feature columns (binary problems only).
    log_every : int >= 1, default=1
        Write a ``history_`` row every this many steps (and at the last step).
    warm_start : bool, default=False
        Let ``fit`` continue from the fitted weights (same features and classes), with
        the current ``learning_rate`` and ``batch_size``.
    n_jobs : int or None, default=None
        Threads for the compiled kernels and BLAS during fit (None: all cores for
        inputs large enough to pay, one below; -1: all cores). See the glossary in
        :ref:`design`.
    verbose : int, default=0
        > 0 prints one line per logged step.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation and the row permutations.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features, when X has string feature names.
    hidden_weights_ : ndarray of shape (n_hidden, n_features)
        First layer, rows w_k.
    hidden_bias_ : ndarray of shape (n_hidden,)
        Hidden biases (only when ``hidden_bias=True``).
    output_weights_ : ndarray of shape (n_hidden,) or (n_classes, n_hidden)
        Second layer a (binary) or the softmax layer A (K >= 3 classes).
    init_scale_, learning_rate_ : float
        Resolved theta and eta.
    batch_size_ : int
        Resolved minibatch size.
    n_iter_ : int
        SGD steps done (cumulative over ``partial_fit`` and warm starts).
    t_ : int
        Same as ``n_iter_``.
    n_samples_seen_ : int
        Samples consumed by the steps (steps x batch, plus short batches).
    history_ : dict of ndarray
        One row per logged step: ``step``, ``n_seen``, ``batch_loss`` and
        ``batch_error`` (the minibatch before its update: fresh data in one-pass SGD),
        ``val_loss``, ``val_error`` (NaN without a validation set),
        ``mean_abs_output`` (on the validation set, else the minibatch),
        ``max_abs_a``, ``effective_mass``, ``balance_drift`` and, with
        ``feature_coords`` on a binary problem, ``sig_frac_q10/q50/q90``,
        ``aligned_frac`` and the four ``cluster_mass_*`` columns (NaN otherwise); see
        :func:`~sklearn_relu.diagnostics.xor_feature_alignment`.
    phase_steps_ : dict
        The steps where the phases end, from
        :func:`~sklearn_relu.diagnostics.xor_phase_steps`.

    See Also
    --------
    sklearn_relu.datasets.make_xor_hypercube : The paper's data.
    sklearn.neural_network.MLPClassifier : Multi-epoch training with Adam.

    Notes
    -----
    relu'(0) is taken as 0. A run that ends with mean abs(output) < 0.1 is still in
    the signal-finding phase and raises a ConvergenceWarning. An output or weight that
    becomes NaN or infinite raises FloatingPointError (learning rate too large).

    Examples
    --------
    >>> from sklearn_relu import TwoLayerXORClassifier
    >>> from sklearn_relu.datasets import make_xor_hypercube
    >>> X, y, info = make_xor_hypercube(6000, 32, random_state=0)
    >>> Xt, yt, _ = make_xor_hypercube(2000, 32, random_state=1)
    >>> clf = TwoLayerXORClassifier(random_state=0).fit(X, y)
    >>> clf.score(Xt, yt) > 0.99
    True
    """

    _parameter_constraints = {
        "n_hidden": [Interval(numbers.Integral, 1, None, closed="left")],
        "init": [StrOptions({"paper", "symmetric", "standard"})],
        "init_scale": [StrOptions({"auto"}), Interval(numbers.Real, 0, None, closed="neither")],
        "learning_rate": [
            StrOptions({"theory"}),
            Interval(numbers.Real, 0, None, closed="neither"),
        ],
        "batch_size": [
            StrOptions({"auto", "theory"}),
            Interval(numbers.Integral, 1, None, closed="left"),
        ],
        "n_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "hidden_bias": ["boolean"],
        "feature_coords": ["array-like", None],
        "log_every": [Interval(numbers.Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "n_jobs": [numbers.Integral, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_hidden=64,
        *,
        init="paper",
        init_scale="auto",
        learning_rate=1.0,
        batch_size="auto",
        n_epochs=1,
        hidden_bias=False,
        feature_coords=None,
        log_every=1,
        warm_start=False,
        n_jobs=None,
        verbose=0,
        random_state=None,
    ):
        self.n_hidden = n_hidden
        self.init = init
        self.init_scale = init_scale
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.hidden_bias = hidden_bias
        self.feature_coords = feature_coords
        self.log_every = log_every
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------------ set-up

    def _resolve(self, d, n_classes):
        """Resolved theta, eta, m and the network shape for d features."""
        log_d = max(math.log(d), 1.0)
        theta = 1.0 / log_d if self.init_scale == "auto" else float(self.init_scale)
        eta = theta if self.learning_rate == "theory" else float(self.learning_rate)
        if self.batch_size == "auto":
            m = max(8, math.ceil(0.25 * d * log_d))
        elif self.batch_size == "theory":
            m = math.ceil(d * log_d)
        else:
            m = int(self.batch_size)
        if self.n_hidden < 8:
            warnings.warn(
                f"n_hidden={self.n_hidden} < 8: SGD may not find the XOR features "
                "within the sample budget (the paper needs polylog(d) neurons).",
                UserWarning,
                stacklevel=7,  # the caller of fit (through _start)
            )
        if self.init == "symmetric":
            paired_width(self.n_hidden, "init='symmetric'")
        return theta, eta, m

    def _init_weights(self, rng, d, n_outputs):
        p = self.n_hidden
        r0 = self.init_scale_ / math.sqrt(p)
        if self.init == "standard":
            W = rng.standard_normal((p, d)) / math.sqrt(d)
            A = rng.standard_normal((n_outputs, p)) / math.sqrt(p)
        else:
            half = paired_width(p, "init='symmetric'") if self.init == "symmetric" else p
            U = rng.standard_normal((half, d))
            U /= np.linalg.norm(U, axis=1, keepdims=True)
            signs = np.where(rng.random_sample((n_outputs, half)) < 0.5, -1.0, 1.0)
            W = r0 * U
            A = (r0 / math.sqrt(n_outputs)) * signs
            if self.init == "symmetric":
                W, A = mirror_pairs(W, A)
        return np.ascontiguousarray(W), np.ascontiguousarray(A)

    def _feature_basis(self, d, n_classes=None):
        n_classes = len(self.classes_) if n_classes is None else n_classes
        if self.feature_coords is None or n_classes != 2:
            return None
        fc = np.asarray(self.feature_coords)
        if fc.shape == (2,) and np.issubdtype(fc.dtype, np.integer):
            i, j = int(fc[0]), int(fc[1])
            if i == j or not (0 <= i < d and 0 <= j < d):
                raise ValueError(
                    f"feature_coords must be two distinct indices in [0, {d}), "
                    f"got {self.feature_coords!r}."
                )
            basis = np.zeros((2, d))
            basis[0, i] = basis[1, j] = 1.0
        else:
            try:
                basis = np.asarray(fc, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    "feature_coords must be a pair of indices or a (2, n_features)"
                    f" array, got {self.feature_coords!r}."
                ) from exc
            if basis.shape != (2, d) or not np.all(np.isfinite(basis)):
                raise ValueError(
                    "feature_coords must be a pair of indices or a finite "
                    f"(2, {d}) array, got shape {basis.shape}."
                )
        if self.hidden_bias:
            basis = np.hstack([basis, np.zeros((2, 1))])
        return np.ascontiguousarray(basis)

    def _augment(self, X):
        if self.hidden_bias:
            return np.hstack([X, np.ones((X.shape[0], 1))])
        return X

    def _packed(self):
        """Kernel-side weights: (W | b), A of shape (K_out, p) and no output mask."""
        W = self.hidden_weights_
        if self.hidden_bias:
            W = np.hstack([W, self.hidden_bias_[:, None]])
        A = self.output_weights_.reshape(-1, self.n_hidden)
        return np.array(W, order="C"), np.array(A, order="C"), None

    def _unpack(self, W, A):
        d = self.n_features_in_
        self.hidden_weights_ = np.ascontiguousarray(W[:, :d])
        if self.hidden_bias:
            self.hidden_bias_ = W[:, d].copy()
        elif hasattr(self, "hidden_bias_"):
            del self.hidden_bias_
        self.output_weights_ = A[0].copy() if len(self.classes_) == 2 else A.copy()

    _extra_state = ("phase_steps_",)

    def _start(self, X, rng):
        """Fresh network for the data X (``classes_`` set)."""
        d = X.shape[1]
        n_out = 1 if len(self.classes_) == 2 else len(self.classes_)
        self.init_scale_, self.learning_rate_, self.batch_size_ = self._resolve(
            d, len(self.classes_)
        )
        W, A = self._init_weights(rng, d + int(self.hidden_bias), n_out)
        if self.hidden_bias:
            W[:, d] = 0.0
        self._unpack(W, A)

    def _resume(self, X):
        """Keep the weights and counters; take the current step and batch settings."""
        _, self.learning_rate_, self.batch_size_ = self._resolve(X.shape[1], len(self.classes_))

    def _check_fit_params(self, X, classes, X_val=None, y_val=None):
        X_mon, y_mon = self._validate_monitor(X_val, y_val, classes)
        self._feature_basis(X.shape[1], len(classes))  # validate before any state changes
        return dict(X_mon=X_mon, y_mon=y_mon)

    def _sgd_options(self, Xs, y_idx, *, fit, X_mon=None, y_mon=None):
        n = Xs.shape[0]
        basis = self._feature_basis(self.n_features_in_)
        return dict(
            loss="logistic" if len(self.classes_) == 2 else "softmax",
            eta=self.learning_rate_,
            # fit: n // m full minibatches per pass; partial_fit: the rows in order
            batch_size=min(self.batch_size_, n) if fit else self.batch_size_,
            n_epochs=self.n_epochs if fit else 1,
            shuffle=fit,
            drop_last=fit,
            log_every=self.log_every,
            log_unit="step",
            X_mon=None if X_mon is None else np.ascontiguousarray(self._augment(X_mon)),
            y_mon=None if y_mon is None else self._encode(y_mon)[0],
            diagnose=lambda W, A: xor_weight_columns(W, A, basis),
            diagnose_columns=WEIGHT_COLUMNS,
        )

    def _after_run(self, res, fit):
        self.n_iter_ = self.t_
        self.phase_steps_ = xor_phase_steps(self.history_)
        if fit:
            self._warn_phase1()

    def _warn_phase1(self):
        out = self.history_["mean_abs_output"]
        if out.size and out[-1] < _PHASE1_OUTPUT:
            d = self.n_features_in_
            warnings.warn(
                f"The network output is still about 0 (mean |output| {out[-1]:.3g} < "
                f"{_PHASE1_OUTPUT}) after {self.n_samples_seen_} samples: SGD is still in "
                f"the signal-finding phase. Give more samples (about "
                f"{int(10 * d * max(math.log(d), 1))} = 10 d ln d for hypercube XOR) or a "
                "larger learning_rate.",
                ConvergenceWarning,
                stacklevel=7,  # the caller of fit
            )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, X_val=None, y_val=None):
        """Train the network by minibatch SGD, ``n_epochs`` passes over the rows.

        Each pass permutes the rows and cuts them into floor(n / m) minibatches (the
        remainder is left out of that pass; n < m gives one step on all rows).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,)
            Class labels.
        X_val, y_val : array-like, default=None
            Monitor set for ``history_`` (``val_loss``, ``val_error``,
            ``mean_abs_output``); never used for training.

        Returns
        -------
        self : TwoLayerXORClassifier
            The fitted estimator.
        """
        return self._fit(X, y, X_val=X_val, y_val=y_val)

    def _check_input(self, X):
        """Refuse non-finite inputs and inputs whose products over- or underflow (the
        step rules assume coordinates of unit scale).
        """
        check_x_scale(X, type(self).__name__)

    def _validate_monitor(self, X_val, y_val, classes):
        if X_val is None and y_val is None:
            return None, None
        if X_val is None or y_val is None:
            raise ValueError("Pass both X_val and y_val, or neither.")
        X_val, y_val = validate_data(self, X_val, y_val, dtype=np.float64, order="C", reset=False)
        if not np.all(np.isin(y_val, classes)):
            raise ValueError("y_val contains labels that are not in y.")
        return X_val, y_val

    # ------------------------------------------------------------------ prediction

    def _predict_network(self):
        W, A, _ = self._packed()
        return W, A, 0.0

    def feature_alignment(self, basis=None):
        """Compute the feature quantities of the current weights (binary problems).

        Parameters
        ----------
        basis : array-like of shape (2, n_features), default=None
            Rows e_i, e_j of the XOR plane; None uses ``feature_coords``.

        Returns
        -------
        alignment : dict
            See :func:`~sklearn_relu.diagnostics.xor_feature_alignment`.
        """
        check_is_fitted(self)
        if len(self.classes_) != 2:
            raise ValueError("feature_alignment is defined for binary problems only.")
        if basis is None:
            if self.feature_coords is None:
                raise ValueError("Pass basis, or set feature_coords before fitting.")
            basis = self._feature_basis(self.n_features_in_)[:, : self.n_features_in_]
        return xor_feature_alignment(self.hidden_weights_, self.output_weights_, basis)
