"""SGD on a two-layer leaky-ReLU network with a (mostly) fixed second layer: the model of
Sarussi, Brutzkus & Globerson (ICML 2021) and Brutzkus et al. (ICLR 2018).
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._network import input_scale, unit_ball_features
from ..diagnostics._leaky import (
    HISTORY_COLUMNS,
    effective_groups,
    leaky_history_row,
    weight_clustering,
)
from ..utils.validation import check_x_scale
from ._base import _SGDClassifier

__all__ = ["LeakyReLUTwoLayerClassifier"]


class LeakyReLUTwoLayerClassifier(_SGDClassifier):
    r"""Two-layer leaky-ReLU network trained by SGD on the first layer (second fixed at +-v).

    The model of :cite:t:`SBG21` and of its predecessor (Brutzkus, Globerson, Malach &
    Shalev-Shwartz, ICLR 2018): ``2k`` hidden units in a positive group ``w_1..w_k``
    and a negative group ``u_1..u_k``,

    .. math::

        N_W(x) = v \sum_i \sigma(\langle w_i, x\rangle) - v \sum_i \sigma(\langle u_i,
        x\rangle), \qquad \sigma(z) = \max(\alpha z, z),

    no biases, the output weights fixed, and constant-step SGD on the logistic loss
    (the ICML paper) or the hinge loss (ICLR 2018). On linearly separable data SGD
    reaches zero training error, and from a small initialisation the hidden weights
    form two clusters, which makes the network a linear classifier
    (:meth:`weight_clustering` measures and certifies it). ``sigma'(0) := alpha``.

    K >= 3 classes use one group of ``k`` units per class feeding its own logit with
    weight ``+v`` (softmax cross-entropy or the Crammer-Singer hinge); for two classes
    this is exactly the binary model above. Every SGD step runs in the shared compiled
    two-layer kernel (one call per epoch).

    Parameters
    ----------
    n_hidden_per_group : int or "auto", default="auto"
        ``k``: units per group (``2k`` hidden units for two classes, ``K k`` for K).
        "auto" is ``ceil(100 / K)`` with ``K = max(2, n_classes)``: the papers' 50 for
        two classes, about 100 hidden units in all, as ``MLPClassifier``'s default.
    negative_slope : float in [0, 1], default=0.3
        Slope ``alpha`` of the activation for negative inputs. The theory needs
        ``0 < alpha < 1``; 0 (plain ReLU) warns, 1 makes the network linear.
    train_second_layer : bool, default=False
        Also train the output weights (an extension; they start at ``+-v``).
    loss : {'log', 'hinge'}, default='log'
        Logistic loss (softmax for K >= 3), or hinge (Crammer-Singer for K >= 3).
    learning_rate : float > 0 or "auto", default="auto"
        Constant step ``eta`` (for the scaled inputs). "auto" is
        ``0.25 K / mean_i ||x_i||^2`` over the scaled training rows of the first fit:
        ``v^2 k = 1 / K``, so this is the step of the papers' binary setting (0.5 on
        rows that fill the unit ball) whatever the number of classes and however
        unevenly the row norms are spread (standardised data with outliers).
    batch_size : int, default=1
        Rows per SGD step; > 1 averages the per-row updates at the old weights.
    max_iter : int, default=200
        Maximum number of epochs (passes over the data).
    tol : float >= 0 or None, default=1e-4
        Log loss: stop when the epoch-mean training loss has not improved by more
        than ``tol`` for ``n_iter_no_change`` epochs; None runs all ``max_iter``.
        The hinge loss stops after an epoch with no non-zero update instead.
    n_iter_no_change : int, default=5
        Patience of the ``tol`` rule.
    shuffle : bool, default=True
        A fresh permutation per epoch (else the given row order).
    init_scale : float >= 0, default=0.01
        Standard deviation of the i.i.d. Gaussian initial hidden weights. Small values
        are the clustering regime; 1.0 is the "large initialisation" of the
        experiments.
    input_scaling : {'max_norm'} or None, default='max_norm'
        Divide inputs by the largest row norm seen at the first fit, so
        ``||x|| <= 1`` as the theory assumes. The network is positively homogeneous,
        so this only makes ``learning_rate`` and ``init_scale`` scale-free.
    hidden_bias : bool, default=False
        Give every hidden unit a bias: the rows become ``[x / s, 1] / sqrt(2)``, still
        in the unit ball (the paper has no biases).
    log_every : int, default=10
        Log the clustering diagnostics in ``history_`` every this many epochs (and
        at initialisation and at the last epoch); 0 turns them off.
    warm_start : bool, default=False
        ``fit`` continues from the current weights (same classes and input scale). The
        epoch permutations restart from ``random_state``, so two warm fits of 5 epochs
        see the same row orders as each other, not those of one 10-epoch fit (use
        ``random_state=None`` or ``partial_fit`` for fresh orders).
    n_jobs : int or None, default=None
        Threads for the compiled kernels and BLAS during fit (None: all cores for
        inputs large enough to pay, one below; -1: all cores). See the glossary in
        :ref:`design`.
    verbose : int, default=0
        Print one line per epoch when > 0.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation and the epoch permutations.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_hidden_ : ndarray of shape (K, k, n_features)
        Hidden weights by group, in the scaled input space; ``K = 2`` for binary
        (group 0 is the negative group of ``classes_[0]``).
    intercept_hidden_ : ndarray of shape (K, k)
        Weights of the constant feature (zeros unless ``hidden_bias``).
    coef_output_ : ndarray of shape (K, k)
        Output weight of each unit into its group's logit (``v`` unless trained).
    n_hidden_per_group_ : int
        Resolved ``k``.
    learning_rate_ : float
        Resolved ``eta``.
    output_scale_ : float
        ``v = 1 / sqrt(K k)`` with ``K = max(2, n_classes)``.
    input_scale_ : float
        The divisor of the inputs (1.0 with ``input_scaling=None``).
    n_iter_ : int
        Epochs of the last ``fit`` (``partial_fit`` adds one per call).
    t_ : int
        SGD steps since the model was initialised.
    n_samples_seen_ : int
        Rows used by those steps.
    loss_curve_ : ndarray
        Epoch-mean training loss (pre-update) of every epoch since initialisation.
    n_nonzero_updates_ : int or None
        Hinge: rows with a non-zero update since initialisation; log: None.
    history_ : dict of ndarray
        One row per logged epoch (epoch 0 is the initialisation, and ``fit`` also logs
        its last epoch; ``partial_fit`` counts one epoch per call): ``epoch``,
        ``loss``, ``train_error`` (epoch means; at epoch 0 the loss and error of the
        initial network), ``n_nonzero_updates`` (in that epoch), ``weight_norm``
        (``||W||_F``), ``normalized_margin`` (``min_i`` margin / ``||W||_F``, or
        ``/ ||theta||^2`` with a trained second layer), and from
        :meth:`weight_clustering` on the training rows: ``coherence_min``,
        ``low_rank_energy``, ``agreement``, ``certified_fraction``, ``nar_weak``,
        ``nar_strict``, ``teacher_cosine`` (NaN without a teacher).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Notes
    -----
    ``predict_proba`` is the sigmoid of the output (softmax of the logits for K >= 3):
    calibrated in the sense of the training loss for ``loss='log'``, only a monotone
    score for ``loss='hinge'``.

    Examples
    --------
    >>> from sklearn_relu import LeakyReLUTwoLayerClassifier
    >>> from sklearn_relu.datasets import make_linear_teacher
    >>> X, y, info = make_linear_teacher(300, 5, margin=0.1, random_state=0)
    >>> clf = LeakyReLUTwoLayerClassifier(n_hidden_per_group=10, random_state=0)
    >>> clf = clf.fit(X, y, teacher=info.coef)
    >>> float(clf.score(X, y))
    1.0
    >>> res = clf.weight_clustering(X, y, teacher=info.coef)
    >>> bool(res["coherence_min"] > 0.99), res["violations"], float(res["agreement"])
    (True, 0, 1.0)
    """

    _parameter_constraints: dict = {
        "n_hidden_per_group": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "negative_slope": [Interval(Real, 0, 1, closed="both")],
        "train_second_layer": ["boolean"],
        "loss": [StrOptions({"log", "hinge"})],
        "learning_rate": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "init_scale": [Interval(Real, 0, None, closed="left")],
        "input_scaling": [StrOptions({"max_norm"}), None],
        "hidden_bias": ["boolean"],
        "log_every": [Interval(Integral, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        n_hidden_per_group="auto",
        negative_slope=0.3,
        train_second_layer=False,
        loss="log",
        learning_rate="auto",
        batch_size=1,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=5,
        shuffle=True,
        init_scale=1e-2,
        input_scaling="max_norm",
        hidden_bias=False,
        log_every=10,
        warm_start=False,
        n_jobs=None,
        verbose=0,
        random_state=None,
    ):
        self.n_hidden_per_group = n_hidden_per_group
        self.negative_slope = negative_slope
        self.train_second_layer = train_second_layer
        self.loss = loss
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.init_scale = init_scale
        self.input_scaling = input_scaling
        self.hidden_bias = hidden_bias
        self.log_every = log_every
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    # ------------------------------------------------------------------ layout

    def _n_groups(self):
        return max(2, len(self.classes_))

    def _kernel_loss(self):
        if len(self.classes_) == 2:
            return "logistic" if self.loss == "log" else "hinge"
        return "softmax" if self.loss == "log" else "multi_hinge"

    def _augment(self, X):
        """The rows the network sees: ``x / s``, or ``[x / s, 1] / sqrt(2)`` with biases."""
        return unit_ball_features(X, self.input_scale_, self.hidden_bias)

    def _init_weights(self, d_aug, rng):
        K, k = self._n_groups(), self.n_hidden_per_group_
        v = 1.0 / np.sqrt(K * k)
        self.output_scale_ = float(v)
        W = (
            rng.normal(scale=self.init_scale, size=(K * k, d_aug))
            if self.init_scale > 0
            else np.zeros((K * k, d_aug))
        )
        self._store(W, np.full((K, k), float(v)))

    def _store(self, W, coef_output):
        K, k = self._n_groups(), self.n_hidden_per_group_
        d = self.n_features_in_
        self.coef_hidden_ = np.ascontiguousarray(W[:, :d].reshape(K, k, d))
        self.intercept_hidden_ = (
            W[:, d].reshape(K, k).copy() if self.hidden_bias else np.zeros((K, k))
        )
        self.coef_output_ = np.ascontiguousarray(coef_output, dtype=np.float64)

    def _network(self):
        """``(W, A, A_mask)`` of the shared kernel: binary ``A = [-a_0, +a_1]`` (one
        output), K >= 3 block-diagonal ``A`` with the same block pattern as mask.
        """
        K, k = self._n_groups(), self.n_hidden_per_group_
        d = self.n_features_in_
        W = self.coef_hidden_.reshape(K * k, d)
        if self.hidden_bias:
            W = np.hstack([W, self.intercept_hidden_.reshape(K * k, 1)])
        W = np.array(W, dtype=np.float64, order="C")
        if len(self.classes_) == 2:
            A = np.concatenate([-self.coef_output_[0], self.coef_output_[1]])[None, :]
            return W, np.ascontiguousarray(A), np.ones_like(A)
        A = np.zeros((K, K * k))
        mask = np.zeros((K, K * k))
        for c in range(K):
            A[c, c * k : (c + 1) * k] = self.coef_output_[c]
            mask[c, c * k : (c + 1) * k] = 1.0
        return W, A, mask

    def _unpack_output(self, A):
        K, k = self._n_groups(), self.n_hidden_per_group_
        if len(self.classes_) == 2:
            return np.vstack([-A[0, :k], A[0, k:]])
        return np.vstack([A[c, c * k : (c + 1) * k] for c in range(K)])

    # ------------------------------------------------------------------ fitting

    _extra_state = ("loss_curve_", "n_nonzero_updates_", "_n_epochs_total")

    def _start(self, X, rng):
        K = self._n_groups()
        k = self.n_hidden_per_group
        self.n_hidden_per_group_ = math.ceil(100 / K) if k == "auto" else int(k)
        self.input_scale_ = input_scale(X, self.input_scaling)
        self._init_weights(X.shape[1] + int(self.hidden_bias), rng)
        self.learning_rate_ = self._resolve_learning_rate(X)
        self.n_iter_ = 0

    def _check_input(self, X):
        """Refuse non-finite inputs and, without scaling, inputs whose squares over- or
        underflow.
        """
        name = type(self).__name__
        if self.input_scaling is None:
            check_x_scale(X, name, fix=f"use {name}(input_scaling='max_norm')")
        else:
            super()._check_input(X)  # finiteness only

    def _resolve_learning_rate(self, X):
        if self.learning_rate != "auto":
            return float(self.learning_rate)
        Xs = self._augment(X)
        mean_sq = float(np.einsum("ij,ij->", Xs, Xs)) / Xs.shape[0]
        return 0.25 * self._n_groups() / mean_sq if mean_sq > 0.0 else 0.5

    def _resume(self, X):
        """A warm fit or a later ``partial_fit`` call keeps the network and its scale;
        a float ``learning_rate`` set since applies, "auto" keeps the first fit's step.
        """
        if self.learning_rate != "auto":
            self.learning_rate_ = float(self.learning_rate)

    def _packed(self):
        return self._network()

    def _unpack(self, W, A):
        self._store(W, self._unpack_output(A))

    def _check_teacher(self, teacher, classes=None):
        if teacher is None:
            return None
        classes = self.classes_ if classes is None else classes
        if len(classes) != 2:
            raise ValueError("teacher is defined for binary problems only.")
        t = np.asarray(teacher, dtype=np.float64).ravel()
        if t.shape != (self.n_features_in_,):
            raise ValueError(
                f"teacher must have shape ({self.n_features_in_},), got {np.shape(teacher)}."
            )
        return np.append(t, 0.0) if self.hidden_bias else t

    def _check_fit_params(self, X, classes, teacher=None):
        return dict(teacher=self._check_teacher(teacher, classes))

    def _sgd_options(self, Xs, y_idx, *, fit, teacher=None):
        K, k = len(self.classes_), self.n_hidden_per_group_

        def diagnose(W, A):
            return leaky_history_row(
                Xs,
                y_idx,
                W,
                A,
                negative_slope=self.negative_slope,
                k=k,
                n_classes=K,
                trained_output=self.train_second_layer,
                teacher=teacher,
            )

        if self.negative_slope == 0:
            warnings.warn(
                "negative_slope=0 is the plain ReLU: units can stop receiving updates and "
                "the guarantees of the leaky-ReLU analysis (negative_slope > 0) no longer "
                "hold.",
                UserWarning,
                stacklevel=6,
            )
        hinge = self.loss == "hinge"
        return dict(
            loss=self._kernel_loss(),
            eta=self.learning_rate_,
            batch_size=self.batch_size,
            n_epochs=self.max_iter if fit else 1,
            negative_slope=self.negative_slope,
            train_A=self.train_second_layer,
            shuffle=self.shuffle if fit else False,
            stop=None
            if not fit
            else ("no_update" if hinge else ("tol" if self.tol is not None else None)),
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            epoch0=getattr(self, "_n_epochs_total", 0),
            log_every=self.log_every,
            log_unit="epoch",
            diagnose=diagnose,
            diagnose_columns=HISTORY_COLUMNS,
            log_first=fit and not hasattr(self, "_n_epochs_total"),
            log_last=fit,
            divergence_hint=(
                " With input_scaling=None the step also scales with ||x||^2: use "
                "input_scaling='max_norm'."
                if self.input_scaling is None
                else ""
            ),
        )

    def _after_run(self, res, fit):
        curve = getattr(self, "loss_curve_", np.empty(0))
        self.loss_curve_ = np.concatenate([curve, res.loss_curve])
        if self.loss == "hinge":
            self.n_nonzero_updates_ = int(
                (getattr(self, "n_nonzero_updates_", None) or 0) + res.nonzero_curve.sum()
            )
        else:
            self.n_nonzero_updates_ = None
        self._n_epochs_total = getattr(self, "_n_epochs_total", 0) + res.n_epochs
        if not fit:
            self.n_iter_ += 1
            return
        self.n_iter_ = int(res.n_epochs)
        if not res.converged and (self.loss == "hinge" or self.tol is not None):
            rule = (
                "an epoch without a non-zero hinge update"
                if self.loss == "hinge"
                else f"tol={self.tol:g} on the training loss"
            )
            warnings.warn(
                f"{type(self).__name__} did not reach {rule} in "
                f"max_iter={self.max_iter}; increase max_iter.",
                ConvergenceWarning,
                stacklevel=6,
            )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, teacher=None):
        """Fit the network by SGD.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,)
            Class labels.
        teacher : array-like of shape (n_features,), default=None
            A linear teacher ``w*`` (binary only), for the ``teacher_cosine`` column of
            ``history_``. Does not influence the fit.

        Returns
        -------
        self : LeakyReLUTwoLayerClassifier
            The fitted estimator.
        """
        return self._fit(X, y, teacher=teacher)

    # ------------------------------------------------------------------ prediction

    def _predict_network(self):
        W, A, _ = self._network()
        return W, A, self.negative_slope

    # ------------------------------------------------------------------ diagnostics

    def weight_clustering(
        self, X=None, y=None, *, teacher=None, n_probes=20000, random_state=0, svm=True
    ):
        """Clustering of the hidden weights and agreement with the linear surrogate.

        Calls :func:`sklearn_relu.diagnostics.weight_clustering` on the effective
        weights ``|a_i| w_i`` of each group (``v w_i`` with the fixed layer), in the
        scaled input space (``X`` is augmented and scaled as in ``predict``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), default=None
            Points for agreement, certificates and NAR fractions (else ball probes).
        y : array-like of shape (n_samples,), default=None
            Labels of ``X`` (NAR fractions and the SVM direction).
        teacher : array-like of shape (n_features,), default=None
            Linear teacher (binary only).
        n_probes : int, default=20000
            Points uniform in the unit ball for ``agreement_ball``.
        random_state : int, default=0
            Seed of the probes.
        svm : bool, default=True
            Compute ``svm_cosine`` (a hard-margin SVM fitted on ``(X, y)``).

        Returns
        -------
        result : dict
            See :func:`sklearn_relu.diagnostics.weight_clustering`; group ``c`` is
            ``classes_[c]`` (binary: 0 negative, 1 positive).
        """
        check_is_fitted(self)
        W, A, _ = self._network()
        groups = effective_groups(W, A, self.n_hidden_per_group_, len(self.classes_))
        if groups is None:
            raise ValueError(
                "weight_clustering needs every group to keep positive output "
                "weights (K >= 3 with a trained second layer lost them)."
            )
        Xs = y_idx = None
        if X is not None:
            X = validate_data(self, X, dtype=np.float64, order="C", reset=False)
            Xs = self._augment(X)
            if y is not None:
                y_idx = self._encode(np.asarray(y))[1]
        return weight_clustering(
            groups,
            self.negative_slope,
            Xs,
            y_idx,
            teacher=self._check_teacher(teacher),
            n_probes=n_probes,
            random_state=random_state,
            svm=svm,
        )
