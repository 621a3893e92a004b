"""The package's own contract over every public estimator, at default parameters.

Found by discovery like ``test_common.py``: weight-scale invariance, extreme finite
inputs, constant targets (``sklearn_relu.utils.estimator_checks``); equal results on
one and two numba/BLAS threads and pickles that predict identically in a fresh
process; real data in a ``Pipeline`` against Ridge / LogisticRegression; and
property-based fuzzing of shapes, dtypes, scales, duplicated rows and constant
columns.
"""

import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning

from sklearn_relu.utils import all_estimators
from sklearn_relu.utils.estimator_checks import contract_checks, contract_data


def _default(cls):
    """The default estimator, seeded (scikit-learn's checks seed it the same way)."""
    est = cls()
    if "random_state" in est.get_params():
        est.set_params(random_state=0)
    return est


ESTIMATORS = [_default(cls) for _, cls in all_estimators()]
IDS = [type(e).__name__ for e in ESTIMATORS]


def _checks():
    for est in ESTIMATORS:
        for check in contract_checks(est):
            yield pytest.param(est, check, id=f"{type(est).__name__}-{check.__name__}")


@pytest.mark.parametrize("estimator, check", list(_checks()))
def test_contract(estimator, check, capfd):
    check(type(estimator).__name__, estimator)
    out, _ = capfd.readouterr()
    assert out == "", f"{type(estimator).__name__} printed to stdout: {out[:200]}"


# ------------------------------------------- threads and pickles, in fresh processes

# Rows of the thread-count check. The child processes lower the pool's size threshold
# to 0 and its chunks to one kernel block (2048 rows), so the thread pool splits these
# rows into 10 chunks.
N_THREADED = 20_000

_CHILD = textwrap.dedent("""
    import pickle, sys, warnings
    import sklearn_relu.utils._threads as threads
    threads.PARALLEL_MIN_ENTRIES = 0  # the pool runs even on this small problem
    threads.CHUNK_ENTRIES = 0  # chunks of one block: many chunks per thread
    import numpy as np
    warnings.simplefilter("ignore")
    from sklearn.base import clone
    models, data = pickle.load(open(sys.argv[1], "rb"))
    out = {}
    for name, fitted in models.items():
        X, y = data[name]
        out[name] = dict(loaded=fitted.predict(X), refit=clone(fitted).fit(X, y).predict(X))
    pickle.dump(out, open(sys.argv[2], "wb"))
""")


@pytest.fixture(scope="module")
def threaded_runs(tmp_path_factory):
    """Fit every estimator here, pickle it, and in fresh processes on 1 and on 2
    threads predict with the unpickled model and refit a clone.
    """
    tmp = tmp_path_factory.mktemp("contract")
    models, data, here = {}, {}, {}
    for est in ESTIMATORS:
        name = type(est).__name__
        X, y = contract_data(est, n_samples=N_THREADED)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted = clone(est).fit(X, y)
        models[name], data[name], here[name] = fitted, (X, y), fitted.predict(X)
    src = tmp / "models.pkl"
    with open(src, "wb") as f:
        pickle.dump((models, data), f)
    runs = {}
    for threads in (1, 2):
        env = dict(os.environ)
        for var in (
            "NUMBA_NUM_THREADS",
            "OMP_NUM_THREADS",
            "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS",
        ):
            env[var] = str(threads)
        dst = tmp / f"out{threads}.pkl"
        subprocess.run(
            [sys.executable, "-c", _CHILD, str(src), str(dst)], env=env, check=True, timeout=600
        )
        with open(dst, "rb") as f:
            runs[threads] = pickle.load(f)
    return here, runs


@pytest.mark.parametrize("name", IDS)
def test_pickle_predicts_identically_in_a_fresh_process(name, threaded_runs):
    here, runs = threaded_runs
    for threads in (1, 2):
        np.testing.assert_array_equal(runs[threads][name]["loaded"], here[name])


@pytest.mark.parametrize("name", IDS)
def test_one_and_two_threads_fit_the_same_model(name, threaded_runs):
    """The kernels' fixed block partition makes results independent of the thread
    count; BLAS may reorder sums, hence a tolerance of 1e-10 of the scale.
    """
    _, runs = threaded_runs
    a, b = runs[1][name]["refit"], runs[2][name]["refit"]
    scale = max(float(np.abs(a).max()), 1.0)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-10 * scale)


# ------------------------------------------------------------------- real data


def _real_problems():
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits

    Xd, yd = load_diabetes(return_X_y=True)
    return {
        "diabetes_raw": (Xd, yd, False),
        "diabetes_std": (Xd, (yd - yd.mean()) / yd.std(), False),
        "breast_cancer": (*load_breast_cancer(return_X_y=True), True),
        "digits": (*load_digits(return_X_y=True), True),
    }


# Held-out score of Pipeline(StandardScaler(), estimator) at defaults, as a share of
# Ridge's / LogisticRegression's on the same split (75 / 25, seed 0). The floors sit
# 0.02 to 0.05 below the measured shares (in the comments): the fits are deterministic
# for the fixed seeds, and equal on one and two threads. A single ReLU is non-negative, so on
# the standardised (half negative) diabetes target it explains only the positive half.
SCORE_FLOORS = {
    ("BiasedReLURegressorSQ", "diabetes_raw"): 0.95,  # 0.991
    ("BiasedReLURegressorSQ", "diabetes_std"): 0.39,  # 0.434
    ("ConvexSurrogateReLURegressor", "diabetes_raw"): 0.93,  # 0.973
    ("ConvexSurrogateReLURegressor", "diabetes_std"): 0.12,  # 0.139 (unbounded: below)
    ("GDReLURegressor", "diabetes_raw"): 0.96,  # 1.004
    ("GDReLURegressor", "diabetes_std"): 0.39,  # 0.428
    ("GLMtronRegressor", "diabetes_raw"): 0.93,  # 0.973
    ("GLMtronRegressor", "diabetes_std"): 0.36,  # 0.403
    ("GiantStepRegressor", "diabetes_raw"): 0.98,  # 1.023 (was -5.0 without intercept)
    ("GiantStepRegressor", "diabetes_std"): 0.98,  # 1.023
    ("LeakyReLUTwoLayerClassifier", "breast_cancer"): 0.97,  # 1.007
    ("LeakyReLUTwoLayerClassifier", "digits"): 0.96,  # 0.995 (was 0.954, unconverged)
    ("ProperReLUNetworkRegressor", "diabetes_raw"): 0.93,  # 0.970 (was 0.494)
    ("ProperReLUNetworkRegressor", "diabetes_std"): 0.93,  # 0.970
    ("TwoLayerXORClassifier", "breast_cancer"): 0.96,  # 0.985
    ("TwoLayerXORClassifier", "digits"): 0.86,  # 0.890
}


# GLMtron and the convex surrogate minimise E[relu(z)^2 / 2 - y z], which is unbounded
# below when y takes negative values (send the bias to -inf): on the standardised
# target they must say so with a ConvergenceWarning at max_iter.
UNBOUNDED = {("ConvexSurrogateReLURegressor", "diabetes_std"), ("GLMtronRegressor", "diabetes_std")}


# Estimators known not to converge at their defaults on a real problem (strict xfail:
# the test fails once one is fixed). None at present.
KNOWN_UNCONVERGED = set()


def _real_cases():
    for est in ESTIMATORS:
        for name, problem in SCORE_FLOORS:
            if name == type(est).__name__:
                marks = (
                    [
                        pytest.mark.xfail(
                            strict=True,
                            raises=ConvergenceWarning,
                            reason="does not converge at its defaults",
                        )
                    ]
                    if (name, problem) in KNOWN_UNCONVERGED
                    else []
                )
                yield pytest.param(est, problem, id=f"{name}-{problem}", marks=marks)


@pytest.mark.parametrize("estimator, problem", list(_real_cases()))
def test_real_data_in_a_pipeline(estimator, problem):
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, classify = _real_problems()[problem]
    assert classify == is_classifier(estimator)
    Xtr, Xte, ytr, yte = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y if classify else None
    )
    base = LogisticRegression(max_iter=1000) if classify else Ridge()
    ref = make_pipeline(StandardScaler(), base).fit(Xtr, ytr).score(Xte, yte)
    pipe = make_pipeline(StandardScaler(), clone(estimator))
    if (type(estimator).__name__, problem) in UNBOUNDED:
        with pytest.warns(ConvergenceWarning, match="max_iter"):
            pipe.fit(Xtr, ytr)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)  # defaults must converge
            pipe.fit(Xtr, ytr)
    ours = pipe.score(Xte, yte)
    floor = SCORE_FLOORS[type(estimator).__name__, problem]
    assert ours >= floor * ref, f"score {ours:.4f} against {ref:.4f} ({ours / ref:.3f} < {floor})"


# ---------------------------------------------------------------- fuzzing


@st.composite
def _inputs(draw):
    """Small inputs with the shapes, dtypes and scales users meet: duplicated rows,
    constant columns, integer or float32 dtypes, scales from 1e-8 to 1e8.
    """
    n = draw(st.integers(1, 40))
    d = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * draw(st.sampled_from([1e-8, 1.0, 1e8]))
    if draw(st.booleans()) and n > 1:  # duplicated rows
        X[n // 2 :] = X[: n - n // 2]
    if draw(st.booleans()):  # a constant column
        X[:, 0] = draw(st.sampled_from([0.0, 3.0]))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64]))
    X = X.astype(dtype)
    y_scale = draw(st.sampled_from([1e-8, 1.0, 1e8]))
    y_real = np.maximum(rng.standard_normal(n), 0) * y_scale
    y_label = (rng.random(n) < draw(st.sampled_from([0.0, 0.5]))).astype(np.int64)
    return X, y_real, y_label


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=_inputs())
def test_fuzzed_inputs_fit_or_fail_clearly(estimator, data):
    """A fitted model with finite predictions, or a ValueError / TypeError: never
    another exception (numba, LAPACK, overflow), a NaN or a hang.
    """
    X, y_real, y_label = data
    y = y_label if is_classifier(estimator) else y_real
    est = clone(estimator)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            est.fit(X, y)
    except (ValueError, TypeError):
        return
    pred = est.predict(X)
    assert pred.shape == (X.shape[0],)
    if not is_classifier(estimator):
        assert np.all(np.isfinite(pred)), f"non-finite predictions from {est!r}"
