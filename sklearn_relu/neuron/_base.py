"""Shared plumbing of the single-neuron regressors: validation, label scale, predict."""

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._kernels.single_relu import relu_predict
from ..utils.validation import as_weights, check_magnitudes


class _ReLURegressorBase(RegressorMixin, BaseEstimator):
    """Predicts ``relu(X @ coef_ + intercept_)``; subclasses implement ``fit``."""

    def _validate_fit_input(self, X, y, sample_weight):
        X, y = validate_data(self, X, y, dtype=np.float64, order="C", y_numeric=True)
        sw = as_weights(sample_weight, X)
        check_magnitudes(X, y, type(self).__name__)
        return X, np.ascontiguousarray(y, dtype=np.float64), sw

    @staticmethod
    def _label_scale(y, sw):
        """s_y = sqrt(weighted mean of y^2) (1 when y == 0). Fitting y / s_y and
        multiplying the neuron by s_y is exact by positive homogeneity of relu,
        and makes learning rates and tolerances scale-free.
        """
        s = float(np.sqrt(np.average(y * y, weights=sw)))
        return s if s > 0 else 1.0

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
