"""Shared plumbing of the single-neuron regressors: validation, label scale, predict."""

import math

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._kernels.single_relu import relu_predict
from ..utils.validation import as_weights, check_magnitudes


class _ReLURegressorBase(RegressorMixin, BaseEstimator):
    """Predicts ``relu(X @ coef_ + intercept_)``; subclasses implement ``fit``."""

    def _validate_fit_input(self, X, y, sample_weight):
        # X's finiteness is checked by check_magnitudes in the same read as its scale.
        X, y = validate_data(
            self, X, y, dtype=np.float64, order="C", y_numeric=True, ensure_all_finite=False
        )
        sw = as_weights(sample_weight, X)
        check_magnitudes(X, y, type(self).__name__)  # its BLAS sums run on one thread
        return X, np.ascontiguousarray(y, dtype=np.float64), sw

    @staticmethod
    def _label_scale(y, sw):
        """s_y = sqrt(weighted mean of y^2) (1 when y == 0). Fitting y / s_y and
        multiplying the neuron by s_y is exact by positive homogeneity of relu,
        and makes learning rates and tolerances scale-free.
        """
        s = math.sqrt(float(np.dot(sw, y * y)) / float(sw.sum()))
        return s if s > 0 else 1.0

    def _store_scaled_result(self, res, s_y, d, loss_key="loss", at=None):
        """Set the fitted attributes from a driver result on the problem with labels
        ``y / s_y``: the neuron times ``s_y``, the losses in ``history_`` times
        ``s_y^2`` (the one home of this unpacking). ``loss_`` is ``history_[loss_key]``
        at index ``at`` (None: the returned iterate, ``res.selected_iter``).
        """
        self.coef_ = res.theta[:d] * s_y
        self.intercept_ = float(res.theta[d] * s_y)
        self.n_iter_ = res.n_iter
        hist = dict(res.history)
        for key in ("loss", "val_loss"):
            if key in hist:
                hist[key] = hist[key] * s_y**2
        self.history_ = hist
        self.loss_curve_ = hist["loss"]
        self.loss_ = float(hist[loss_key][res.selected_iter if at is None else at])
        return self

    def predict(self, X):
        """Predict ``relu(X @ coef_ + intercept_)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted values, non-negative.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, order="C", reset=False)
        return relu_predict(X, self.coef_, float(self.intercept_))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A single ReLU is non-negative and monotone along one direction; the
        # standardised (zero-mean, half negative) target of scikit-learn's
        # check_regressors_train cannot be fitted to R^2 > 0.5 by any such
        # function (measured R^2 ~ 0.4 at the optimum), so the score is poor by
        # construction, not by a defect of the solver.
        tags.regressor_tags.poor_score = True
        return tags
