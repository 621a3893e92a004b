"""Prediction plumbing shared by the two-layer SGD classifiers."""

import numpy as np
from scipy.special import log_expit, log_softmax
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from .._network import forward


class _NetworkClassifierMixin:
    """``decision_function``, ``predict``, ``predict_proba`` and ``predict_log_proba``.

    The estimator provides ``_predict_network()`` -> ``(W, A, alpha)`` (kernel-side
    weights and leaky slope) and ``_augment(X)`` (its input map); ``decision_function``
    returns the single output (shape ``(n,)``, positive for ``classes_[1]``) of a binary
    model, or the K logits of a K-class model.
    """

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
        W, A, alpha = self._predict_network()
        F = forward(np.ascontiguousarray(self._augment(X)), W, A, alpha, self.n_jobs)
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
