"""scikit-learn conformance of every public estimator, found by discovery."""

import pytest
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks

from sklearn_relu import LeakyReLUTwoLayerClassifier, TwoLayerXORClassifier
from sklearn_relu.utils import all_estimators

ESTIMATORS = [cls() for _, cls in all_estimators()]


def test_discovery_finds_the_single_neuron_estimators():
    names = {name for name, _ in all_estimators()}
    assert {"GDReLURegressor", "GLMtronRegressor", "ConvexSurrogateReLURegressor"} <= names


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


@pytest.mark.parametrize("cls", [cls for _, cls in all_estimators()], ids=lambda c: c.__name__)
def test_verbose_reports_progress(cls, capsys):
    """Every estimator takes ``verbose`` and prints progress with it (silent without)."""
    import warnings

    import numpy as np
    from sklearn.base import is_classifier
    from sklearn.exceptions import ConvergenceWarning

    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(int) if is_classifier(cls()) else np.maximum(X[:, 0], 0)
    params = {"random_state": 0} if "random_state" in cls().get_params() else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cls(**params).fit(X, y)
        assert capsys.readouterr().out == ""
        cls(verbose=1, **params).fit(X, y)
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize(
    "cls, params",
    [
        (TwoLayerXORClassifier, dict(n_hidden=8)),
        (LeakyReLUTwoLayerClassifier, dict(n_hidden_per_group=3, max_iter=2)),
        (
            LeakyReLUTwoLayerClassifier,
            dict(n_hidden_per_group=3, max_iter=2, input_scaling=None),
        ),
    ],
    ids=["xor", "leaky-max-norm", "leaky-unscaled"],
)
@pytest.mark.parametrize("bad", ["nan", "inf"])
@pytest.mark.parametrize("call", ["fit", "partial_fit", "warm_fit", "later_partial_fit"])
def test_sgd_classifiers_refuse_non_finite_X_on_every_path(cls, params, bad, call):
    """Their X is validated with ensure_all_finite=False and checked by the family's
    _check_input in the same read as its scale: every path must still raise
    scikit-learn's error.
    """
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    X_bad = X.copy()
    X_bad[7, 2] = np.nan if bad == "nan" else -np.inf
    msg = "Input X contains NaN" if bad == "nan" else "Input X contains infinity"
    est = cls(random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if call == "warm_fit":
            est.set_params(warm_start=True).fit(X, y)
        elif call == "later_partial_fit":
            est.partial_fit(X, y, classes=[0, 1])
        with pytest.raises(ValueError, match=msg):
            if call in ("fit", "warm_fit"):
                est.fit(X_bad, y)
            else:
                est.partial_fit(X_bad, y, classes=[0, 1])
