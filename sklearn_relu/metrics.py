"""Losses as the package reports them."""

import numpy as np
from sklearn.utils.validation import check_consistent_length, column_or_1d


def half_squared_loss(y_true, y_pred, sample_weight=None):
    """Compute the papers' loss: ``0.5 * mean((y_true - y_pred) ** 2)``, sample-weighted.

    scikit-learn's ``mean_squared_error`` equals twice this value.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground-truth target values.
    y_pred : array-like of shape (n_samples,)
        Predicted values.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the weighted mean; None weights every sample equally.

    Returns
    -------
    loss : float
        Half the (weighted) mean squared error.
    """
    y_true = column_or_1d(y_true).astype(np.float64, copy=False)
    y_pred = column_or_1d(y_pred).astype(np.float64, copy=False)
    check_consistent_length(y_true, y_pred, sample_weight)
    return 0.5 * float(np.average((y_true - y_pred) ** 2, weights=sample_weight))
