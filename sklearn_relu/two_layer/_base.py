"""The base of the two SGD classifiers: ``fit``, ``partial_fit``, warm start, classes,
the SGD run and the prediction methods.
"""

import numpy as np
from scipy.special import log_expit, log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import assert_all_finite, check_is_fitted, validate_data

from .._network import forward
from .._solvers.two_layer_sgd import append_history, run_sgd
from ..utils._threads import compute_threads

# fitted state of a run, cleared when a fit starts a new network
_RUN_STATE = ("t_", "n_samples_seen_", "history_", "n_iter_")


class _SGDClassifier(ClassifierMixin, BaseEstimator):
    """``fit``, ``partial_fit`` and prediction of a two-layer network trained by SGD.

    ``fit`` validates, starts a network (or keeps it under ``warm_start``), makes one
    call of :func:`~sklearn_relu._solvers.two_layer_sgd.run_sgd` and stores the result;
    ``partial_fit`` does the same with one pass over the given rows in their order. The
    subclass provides the family's parts:

    - ``_start(X, rng)``: a fresh network and its resolved settings (``classes_`` is
      set); ``_resume(X)``: the settings of a warm fit or a later ``partial_fit`` call;
    - ``_check_fit_params(X, classes, **params)``: validates ``fit``'s extra arguments
      before any state changes, returns what ``_sgd_options`` needs;
    - ``_augment(X)``: the input map; ``_packed()`` -> ``(W, A, A_mask)`` and
      ``_unpack(W, A)``: the kernel-side weights;
    - ``_sgd_options(Xs, y_idx, fit, **params)``: the family's ``run_sgd`` arguments;
    - ``_after_run(res, fit)``: counters and warnings beyond the shared ``t_``,
      ``n_samples_seen_`` and ``history_``;
    - ``_predict_network()`` -> ``(W, A, negative_slope)``.

    ``decision_function`` returns the single output (shape ``(n,)``, positive for
    ``classes_[1]``) of a binary model, or the K logits of a K-class model.
    """

    def _check_input(self, X):
        """Family checks of the training rows, their finiteness included: ``fit`` and
        ``partial_fit`` validate ``X`` with ``ensure_all_finite=False`` so that a family
        checks it in the same read as its scale (``check_x_scale``).
        """
        assert_all_finite(X, estimator_name=type(self).__name__, input_name="X")

    def _check_classes(self, y):
        check_classification_targets(y)
        classes = unique_labels(y)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                f"got 1 class: {classes.tolist()[0]!r}."
            )
        return classes

    def _new_network(self, X, classes, rng):
        for name in _RUN_STATE + self._extra_state:
            if hasattr(self, name):
                delattr(self, name)
        self.classes_ = classes
        self._start(X, rng)

    def _fit(self, X, y, **params):
        """The body of ``fit``: ``params`` are the family's extra ``fit`` arguments."""
        warm = self.warm_start and self.__sklearn_is_fitted__()
        X, y = validate_data(
            self, X, y, dtype=np.float64, order="C", reset=not warm, ensure_all_finite=False
        )
        self._check_input(X)
        classes = self._check_classes(y)
        if warm and not np.array_equal(classes, self.classes_):
            raise ValueError(
                f"warm_start=True: the classes of y {classes.tolist()} differ from the "
                f"fitted classes_ {self.classes_.tolist()}; set warm_start=False to "
                "start a new network."
            )
        params = self._check_fit_params(X, classes, **params)
        rng = check_random_state(self.random_state)
        if warm:
            self._resume(X)
        else:
            self._new_network(X, classes, rng)
        return self._run(X, y, fit=True, rng=rng, **params)

    def _partial_fit(self, X, y, classes):
        """The body of ``partial_fit``: one pass over the rows in the given order."""
        first = not self.__sklearn_is_fitted__()
        X, y = validate_data(
            self, X, y, dtype=np.float64, order="C", reset=first, ensure_all_finite=False
        )
        self._check_input(X)
        check_classification_targets(y)
        classes = self._stream_classes(classes, first)
        if first:
            self._new_network(X, classes, check_random_state(self.random_state))
        else:
            self._resume(X)
        return self._run(X, y, fit=False, rng=None)

    def _run(self, X, y, *, fit, rng, **params):
        Xs = self._augment(X)
        y_enc, y_idx = self._encode(y)
        W, A, A_mask = self._packed()
        with compute_threads(self.n_jobs, Xs.size):
            res = run_sgd(
                Xs,
                y_enc,
                W,
                A,
                A_mask=A_mask,
                rng=rng,
                step0=getattr(self, "t_", 0),
                seen0=getattr(self, "n_samples_seen_", 0),
                verbose=self.verbose,
                name=type(self).__name__,
                **self._sgd_options(Xs, y_idx, fit=fit, **params),
            )
        self._unpack(W, A)
        self.history_ = append_history(getattr(self, "history_", None), res.history)
        self.n_samples_seen_ = getattr(self, "n_samples_seen_", 0) + res.n_seen
        self.t_ = getattr(self, "t_", 0) + res.n_steps
        self._after_run(res, fit)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """One SGD pass over the rows of X in the given order (an i.i.d. stream).

        The rows are cut into consecutive minibatches of the batch size; a remainder
        forms one last smaller minibatch. Feeding one batch of rows per call is one
        online SGD step per call.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs, used in the given order.
        y : array-like of shape (n_samples,)
            Class labels, all in ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every class of the stream; required at the first call, and then must
            match (or be None).

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._partial_fit(X, y, classes)

    def __sklearn_is_fitted__(self):
        # a completed run, not n_features_in_ (set by validation even when fit then fails)
        return hasattr(self, "t_")

    def _encode(self, y):
        """Kernel labels and class indices: ``(+-1, idx)`` for two classes (``classes_[1]``
        is +1), ``(idx as float, idx)`` for K >= 3; labels outside ``classes_`` raise.
        """
        y = np.asarray(y)
        idx = np.searchsorted(self.classes_, y)
        top = len(self.classes_) - 1
        bad = (idx > top) | (self.classes_[np.minimum(idx, top)] != y)
        if np.any(bad):
            raise ValueError(
                f"y contains labels not in classes_ {self.classes_.tolist()}: "
                f"{np.unique(y[bad]).tolist()}."
            )
        if len(self.classes_) == 2:
            return np.where(idx == 1, 1.0, -1.0), idx
        return idx.astype(np.float64), idx

    def _stream_classes(self, classes, first):
        """``partial_fit``'s class bookkeeping: the sorted classes of a first call (which
        must give at least 2), or None after checking that a later call's match.
        """
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            classes = unique_labels(classes)
            if len(classes) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 classes, got one "
                    f"class: {classes.tolist()}."
                )
            return classes
        if classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
            raise ValueError(
                f"classes={np.asarray(classes).tolist()} differ from classes_ "
                f"{self.classes_.tolist()} of the previous calls."
            )
        return None

    def decision_function(self, X):
        """Compute the network output: one score (binary) or the K logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The output, positive for ``classes_[1]`` (two classes), or the K logits.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, order="C", reset=False)
        W, A, negative_slope = self._predict_network()
        F = forward(np.ascontiguousarray(self._augment(X)), W, A, negative_slope, self.n_jobs)
        return F[:, 0] if len(self.classes_) == 2 else F

    def predict(self, X):
        """Predict the class of each row: sign of the output (binary) or arg-max logit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels from ``classes_``.
        """
        F = self.decision_function(X)
        idx = (F > 0).astype(np.int64) if F.ndim == 1 else np.argmax(F, axis=1)
        return self.classes_[idx]

    def predict_log_proba(self, X):
        """Compute the logarithm of :meth:`predict_proba` without underflow.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities in the order of ``classes_``.
        """
        F = self.decision_function(X)
        if F.ndim == 1:
            return np.column_stack([log_expit(-F), log_expit(F)])
        return log_softmax(F, axis=1)

    def predict_proba(self, X):
        """Compute class probabilities: sigmoid of the output (binary) or softmax.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``.
        """
        return np.exp(self.predict_log_proba(X))
