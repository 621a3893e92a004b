"""Discovery of the public estimators, so conformance tests find new ones automatically."""

import inspect

from sklearn.base import BaseEstimator


def all_estimators():
    """Return every public estimator of sklearn_relu, sorted by name.

    Returns
    -------
    estimators : list of tuple of (str, type)
        ``(name, class)`` pairs for the concrete ``BaseEstimator`` subclasses listed
        in ``sklearn_relu.__all__``.
    """
    import sklearn_relu

    found = {}
    for name in sklearn_relu.__all__:
        obj = getattr(sklearn_relu, name)
        if (
            inspect.isclass(obj)
            and issubclass(obj, BaseEstimator)
            and not inspect.isabstract(obj)
            and not name.startswith("_")
        ):
            found[name] = obj
    return sorted(found.items())
