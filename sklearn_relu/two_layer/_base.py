"""Prediction plumbing shared by the two-layer SGD classifiers."""

import numpy as np
from scipy.special import log_expit, log_softmax
from sklearn.utils.validation import check_is_fitted, validate_data

from .._solvers.online_sgd import forward


class _NetworkClassifierMixin:
    """``decision_function``, ``predict``, ``predict_proba`` and ``predict_log_proba``.

    The estimator provides ``_predict_network()`` -> ``(W, A, alpha)`` (kernel-side
    weights and leaky slope) and ``_augment(X)`` (its input map); ``decision_function``
    returns the single output (shape ``(n,)``, positive for ``classes_[1]``) of a binary
    model, or the K logits of a K-class model.
    """

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
