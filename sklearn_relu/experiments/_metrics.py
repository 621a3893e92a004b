"""Ready-made metrics for :func:`~sklearn_relu.experiments.sweep`.

Every metric has the signature ``metric(estimator, X_test, y_test, info) -> float``:
a fitted estimator, held-out rows drawn with the training rows (same planted truth)
and the generator's ``info``. They wrap the package's diagnostics
(:mod:`sklearn_relu.diagnostics`), so each formula keeps one home.
"""

import numpy as np

from ..diagnostics import cosine, loss_ratio, subspace_overlaps
from ..metrics import half_squared_loss

__all__ = [
    "direction_cosine",
    "error_rate",
    "holdout_loss",
    "loss_ratio",
    "subspace_overlap",
    "zero_loss_ratio",
]

# first-layer weights of the two-layer estimators, one row per hidden neuron
_FIRST_LAYER = ("W_", "hidden_weights_")
# planted directions in the generators' info, one row per direction
_DIRECTIONS = ("directions", "feature_basis", "direction")


def direction_cosine(estimator, X, y, info):
    """Return the cosine of a fitted neuron's weight to the planted direction.

    Signed: gradient descent lured to ``-v`` gives a value near -1.

    Parameters
    ----------
    estimator : fitted single-neuron regressor
        Any object with a ``coef_`` of shape ``(n_features,)``.
    X : array-like of shape (n_samples, n_features)
        Test inputs (unused; part of the metric signature).
    y : array-like of shape (n_samples,)
        Test labels (unused).
    info : Bunch
        The ``info`` of a single-neuron generator (uses ``direction``).

    Returns
    -------
    cos : float
        ``cos(estimator.coef_, info.direction)``.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> from sklearn_relu.experiments import direction_cosine
    >>> est = SimpleNamespace(coef_=np.array([0.0, -2.0]))
    >>> direction_cosine(est, None, None, SimpleNamespace(direction=np.array([0.0, 1.0])))
    -1.0
    """
    if not hasattr(estimator, "coef_") or not hasattr(info, "direction"):
        raise TypeError(
            f"direction_cosine needs an estimator with coef_ (got {type(estimator).__name__}) "
            "and an info with a planted direction (a single-neuron generator's)."
        )
    return cosine(estimator.coef_, info.direction)


def holdout_loss(estimator, X, y, info):
    """Return the half squared loss of a fitted regressor on the test rows.

    Parameters
    ----------
    estimator : fitted regressor
        Any object with a ``predict`` method.
    X : array-like of shape (n_samples, n_features)
        Test inputs.
    y : array-like of shape (n_samples,)
        Test labels.
    info : Bunch
        The generator's ``info`` (unused; part of the metric signature).

    Returns
    -------
    loss : float
        ``0.5 * mean((y - estimator.predict(X)) ** 2)``, see
        :func:`sklearn_relu.metrics.half_squared_loss`.
    """
    return half_squared_loss(y, estimator.predict(X))


def error_rate(estimator, X, y, info):
    """Return the fraction of misclassified test rows.

    Parameters
    ----------
    estimator : fitted classifier
        Any object with a ``predict`` method returning labels.
    X : array-like of shape (n_samples, n_features)
        Test inputs.
    y : array-like of shape (n_samples,)
        Test labels.
    info : Bunch
        The generator's ``info`` (unused; part of the metric signature).

    Returns
    -------
    error : float
        ``mean(estimator.predict(X) != y)``, in [0, 1].
    """
    return float(np.mean(np.asarray(estimator.predict(X)) != np.asarray(y)))


def zero_loss_ratio(estimator, X, y, info):
    """Return the zero function's test loss over the planted neuron's (a reference line).

    Parameters
    ----------
    estimator : fitted estimator
        Unused; part of the metric signature.
    X : array-like of shape (n_samples, n_features)
        Test inputs.
    y : array-like of shape (n_samples,)
        Test labels.
    info : Bunch
        The ``info`` of a single-neuron generator (uses ``coef`` and ``intercept``).

    Returns
    -------
    ratio : float
        ``loss_ratio`` of the constant prediction 0, on the same rows.
    """

    class _Zero:
        def predict(self, X):
            return np.zeros(np.shape(X)[0])

    return loss_ratio(_Zero(), X, y, info)


def subspace_overlap(estimator, X, y, info):
    """Return the mean fraction of first-layer neuron norm inside the planted subspace.

    Uses :func:`sklearn_relu.diagnostics.subspace_overlaps` (``mass_in_subspace``):
    about ``r / d`` at a random initialisation, 1 when every neuron lies in the span of
    the ``r`` planted directions.

    Parameters
    ----------
    estimator : fitted two-layer estimator
        An object with first-layer weights ``W_`` (:class:`~sklearn_relu.GiantStepRegressor`)
        or ``hidden_weights_`` (:class:`~sklearn_relu.TwoLayerXORClassifier`), one row per
        neuron.
    X : array-like of shape (n_samples, n_features)
        Test inputs (unused; part of the metric signature).
    y : array-like of shape (n_samples,)
        Test labels (unused).
    info : Bunch
        The generator's ``info``, with planted ``directions`` (giant-step targets),
        ``feature_basis`` (XOR) or ``direction`` (single neuron).

    Returns
    -------
    overlap : float
        Mean over neurons of ``||Pi w_i||^2 / ||w_i||^2``, in [0, 1].
    """
    W = next((getattr(estimator, a) for a in _FIRST_LAYER if hasattr(estimator, a)), None)
    theta = (
        next((info[k] for k in _DIRECTIONS if k in info), None) if hasattr(info, "keys") else None
    )
    if W is None or theta is None:
        raise TypeError(
            "subspace_overlap needs a fitted two-layer estimator with first-layer weights "
            f"{' or '.join(_FIRST_LAYER)} (got {type(estimator).__name__}) and an info with "
            f"planted {', '.join(_DIRECTIONS)}."
        )
    return subspace_overlaps(W, theta).mass_in_subspace
