"""The package's own estimator contract, beside scikit-learn's common checks.

scikit-learn's checks test the API; these test what a user of this package relies
on, at an estimator's default parameters (the way imbalanced-learn runs its own
checks after scikit-learn's). Each check is a function ``check(name, estimator)``
that raises ``AssertionError`` on a violation; :func:`contract_checks` yields the ones
that apply to an estimator, and ``tests/test_contract.py`` runs them on every
estimator that :func:`~sklearn_relu.utils.all_estimators` finds.
"""

import warnings

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import has_fit_parameter

__all__ = [
    "check_constant_target",
    "check_extreme_inputs",
    "check_sample_weight_scale_invariance",
    "contract_checks",
    "contract_data",
]


def contract_data(estimator, n_samples=600, n_features=4, random_state=0):
    """A small problem every estimator of its kind can fit.

    Regressors get ``y = relu(x_0 + x_1 / 2 - 1/4) + 0.1 noise`` on standard
    Gaussian inputs; classifiers get the labels ``x_0 + x_1 / 2 > 0`` (0 / 1).

    Parameters
    ----------
    estimator : estimator instance
        Decides between the regression and the classification problem.
    n_samples : int, default=600
        Number of rows.
    n_features : int, default=4
        Number of columns.
    random_state : int, default=0
        Seed of the draw.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Inputs.
    y : ndarray of shape (n_samples,)
        Targets (float) or labels (int).
    """
    rng = np.random.default_rng(random_state)
    X = rng.standard_normal((n_samples, n_features))
    s = X[:, 0] + 0.5 * X[:, 1]
    if is_classifier(estimator):
        return X, (s > 0).astype(np.int64)
    return X, np.maximum(s - 0.25, 0.0) + 0.1 * rng.standard_normal(n_samples)


def _fit(estimator, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit_params)


def check_sample_weight_scale_invariance(name, estimator):
    """Multiplying every sample weight by a constant changes nothing.

    Weights mean repetition, so only their ratios carry information: ``c * w``
    for ``c`` in ``{1e-3, 1e3}`` must give the model fitted with ``w`` (predictions
    equal up to ``1e-8`` times their scale).

    Parameters
    ----------
    name : str
        Estimator name, for the messages.
    estimator : estimator instance
        Unfitted estimator (cloned).
    """
    X, y = contract_data(estimator)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y))
    ref = _fit(clone(estimator), X, y, sample_weight=sw).predict(X)
    scale = max(float(np.abs(ref).max()), 1.0)
    for c in (1e-3, 1e3):
        pred = _fit(clone(estimator), X, y, sample_weight=c * sw).predict(X)
        err = float(np.abs(pred - ref).max())
        assert err <= 1e-8 * scale, (
            f"{name}: sample_weight * {c:g} changed the predictions by {err:.3g}; the "
            "scale of the weights must mean nothing."
        )


def _score(estimator, X, y, y_scale=1.0):
    """R^2 or accuracy; a regressor's targets and predictions are divided by
    ``y_scale`` first, since the metric's own squares overflow for 1e300 * y.
    """
    if is_classifier(estimator):
        return float(estimator.score(X, y))
    from sklearn.metrics import r2_score

    return float(r2_score(y / y_scale, estimator.predict(X) / y_scale))


def check_extreme_inputs(name, estimator):
    """Extreme but finite inputs give a clear error or a correct finite model.

    ``X * 1e300``, ``X * 1e-300`` and (regressors) ``y * 1e300``: the fit either
    raises ``ValueError`` / ``TypeError`` whose message names the estimator, or
    returns a model whose predictions are finite and which scores (R^2 or accuracy)
    within 0.1 of the same fit on the unscaled problem. Any other exception, a NaN
    or a silently degenerate model fails.

    Parameters
    ----------
    name : str
        Estimator name, for the messages.
    estimator : estimator instance
        Unfitted estimator (cloned).
    """
    X, y = contract_data(estimator)
    base = _score(_fit(clone(estimator), X, y), X, y)
    cases = [("X * 1e300", X * 1e300, y, 1.0), ("X * 1e-300", X * 1e-300, y, 1.0)]
    if not is_classifier(estimator):
        cases.append(("y * 1e300", X, y * 1e300, 1e300))
    for label, Xe, ye, y_scale in cases:
        est = clone(estimator)
        try:
            with np.errstate(all="ignore"):
                _fit(est, Xe, ye)
        except (ValueError, TypeError) as exc:
            assert name in str(exc), f"{name} on {label}: the error does not name it: {exc}"
            continue
        pred = est.predict(Xe)
        assert np.all(np.isfinite(pred)), f"{name} on {label}: non-finite predictions"
        score = _score(est, Xe, ye, y_scale)
        assert score >= base - 0.1, (
            f"{name} on {label}: fitted silently with score {score:.3g} against {base:.3g} "
            "on the unscaled problem; fit correctly or raise a ValueError that says why."
        )


def check_constant_target(name, estimator):
    """A constant target is fitted: half squared loss at most ``1e-6`` of its square.

    Parameters
    ----------
    name : str
        Estimator name, for the messages.
    estimator : estimator instance
        Unfitted regressor (cloned).
    """
    X, _ = contract_data(estimator)
    y = np.full(X.shape[0], 1.5)
    pred = _fit(clone(estimator), X, y).predict(X)
    mse = float(np.mean((pred - y) ** 2))
    assert mse <= 1e-6 * 1.5**2, (
        f"{name} fits the constant target 1.5 with mean squared error {mse:.3g}."
    )


def contract_checks(estimator):
    """Yield the contract checks that apply to ``estimator``.

    Parameters
    ----------
    estimator : estimator instance
        The estimator to be checked.

    Yields
    ------
    check : callable
        A function ``check(name, estimator)``.
    """
    if has_fit_parameter(estimator, "sample_weight"):
        yield check_sample_weight_scale_invariance
    yield check_extreme_inputs
    if not is_classifier(estimator):
        yield check_constant_target
