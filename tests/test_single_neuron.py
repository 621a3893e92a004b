"""GDReLURegressor, GLMtronRegressor, ConvexSurrogateReLURegressor: behaviour,
composition with scikit-learn, bad input, and the small-size paper claims.
"""

import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_relu import ConvexSurrogateReLURegressor, GDReLURegressor, GLMtronRegressor
from sklearn_relu.datasets import make_biased_relu, make_biased_relu_halfspace_noise
from sklearn_relu.metrics import half_squared_loss

ESTIMATORS = [GDReLURegressor, GLMtronRegressor, ConvexSurrogateReLURegressor]


@pytest.fixture(scope="module")
def data():
    X, y, info = make_biased_relu(3000, 5, bias=-0.5, noise=0.1, random_state=0)
    return X, y, info


def _cos(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# --------------------------------------------------------------------------- basics


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_recovers_planted_neuron(Est, data):
    X, y, info = data
    est = Est(random_state=0).fit(X, y)
    assert _cos(est.coef_, info.direction) > 0.99
    assert abs(est.intercept_ - info.intercept) < 0.1 * np.linalg.norm(info.coef)
    # within 10% of the planted neuron's loss on the training sample
    assert half_squared_loss(y, est.predict(X)) < 1.1 * info.planted_loss_empirical


@pytest.fixture(scope="module")
def shifted_relu():
    """y = relu(x_0 - 1) + 0.1 noise, n = 2e4, d = 10, and the loss scipy's L-BFGS-B
    reaches on it with a NumPy loss and gradient (relu'(0) = 1, from zero).
    """
    from scipy.optimize import minimize

    rng = np.random.default_rng(0)
    n, d = 20_000, 10
    X = rng.standard_normal((n, d))
    y = np.maximum(X[:, 0] - 1, 0) + 0.1 * rng.standard_normal(n)

    def loss_grad(t):
        z = X @ t[:d] + t[d]
        r = np.maximum(z, 0) - y
        g = r * (z >= 0)
        return 0.5 * np.mean(r * r), np.append(X.T @ g, g.sum()) / n

    ref = minimize(loss_grad, np.zeros(d + 1), jac=True, method="L-BFGS-B").fun
    return X, y, ref


def test_default_lbfgs_reaches_the_scipy_reference_loss(shifted_relu):
    """Measured: 14 iterations (scipy's own: 13), loss 8.9e-8 below the reference
    (relative).
    """
    X, y, ref = shifted_relu
    est = GDReLURegressor().fit(X, y)
    assert est.loss_ <= ref * (1 + 1e-6)
    assert est.n_iter_ <= 20 and len(est.loss_curve_) == est.n_iter_ + 1
    assert np.all(np.diff(est.loss_curve_) <= 1e-12)  # L-BFGS-B only accepts descent


@pytest.mark.parametrize("solver, gap", [("gd", 0.0025), ("adam", 0.0035)])
def test_gd_and_adam_stop_when_the_loss_stops_improving(solver, gap, shifted_relu):
    """scikit-learn's rule: stop after n_iter_no_change steps that do not beat the
    best loss (of the label-scaled problem) by more than tol. Measured: GD stops at
    step 611, 0.17 % above the reference loss; Adam at 1476, 0.25 % above.
    """
    X, y, ref = shifted_relu
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = GDReLURegressor(solver=solver).fit(X, y)
    assert est.n_iter_ < est.max_iter
    assert est.loss_ <= ref * (1 + gap)
    scaled = est.loss_curve_ / np.mean(y * y)
    n, k = len(scaled), est.n_iter_no_change
    improved = [scaled[i] <= scaled[:i].min() - est.tol for i in range(1, n)]
    assert not any(improved[-k:])  # the last k steps each missed the best by < tol
    assert improved[-k - 1]  # and the run stopped at the first such streak


@pytest.mark.parametrize("Est", [GLMtronRegressor, ConvexSurrogateReLURegressor])
@pytest.mark.parametrize("n_iter_no_change", [1, 5])
def test_auto_step_does_not_stop_at_the_start_for_small_patience(Est, n_iter_no_change, data):
    """learning_rate='auto' monitors the largest objective over a window of ten
    iterates, which cannot move while the start is in it: a patience below ten acts as
    ten (it used to stop after n_iter_no_change updates, far from the optimum).
    """
    X, y, _ = data
    ref = Est(random_state=0).fit(X, y)
    est = Est(n_iter_no_change=n_iter_no_change, random_state=0).fit(X, y)
    assert est.n_iter_ == ref.n_iter_ > 20
    np.testing.assert_array_equal(est.coef_, ref.coef_)


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_predict_is_relu_of_affine_map(Est, data):
    X, y, _ = data
    est = Est(max_iter=50, random_state=0).fit(X, y)
    np.testing.assert_allclose(
        est.predict(X), np.maximum(X @ est.coef_ + est.intercept_, 0), rtol=1e-12, atol=1e-12
    )
    assert est.predict(X).min() >= 0


def test_gd_loss_attributes_are_in_original_label_units(data):
    X, y, _ = data
    y10 = 10.0 * y
    est = GDReLURegressor().fit(X, y10)
    assert est.loss_ == pytest.approx(half_squared_loss(y10, est.predict(X)), rel=1e-9)
    assert est.loss_curve_[-1] == est.loss_
    assert len(est.history_["loss"]) == est.n_iter_ + 1
    # positive homogeneity: scaling the labels scales the neuron
    ref = GDReLURegressor().fit(X, y)
    np.testing.assert_allclose(
        est.coef_, 10 * ref.coef_, rtol=1e-8, atol=1e-8 * np.abs(10 * ref.coef_).max()
    )


def test_gd_first_step_from_zero_is_label_correlation(data):
    """From w = 0, b = 0 with relu'(0) = 1 the first step is lr * (E[yx], E[y])."""
    X, y, _ = data
    lr = 0.3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = GDReLURegressor(solver="gd", learning_rate=lr, max_iter=1).fit(X, y)
    step = lr * (X.T @ y) / len(y)
    np.testing.assert_allclose(est.coef_, step, rtol=1e-10, atol=1e-10 * np.abs(step).max())
    assert est.intercept_ == pytest.approx(lr * y.mean(), rel=1e-10)


def test_gd_zero_init_with_zero_derivative_is_rejected(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="never moves"):
        GDReLURegressor(init="zero", deriv_at_zero=0.0).fit(X, y)
    GDReLURegressor(init="random", deriv_at_zero=0.0, random_state=0, max_iter=5).fit(X, y)


@pytest.mark.parametrize("init", ["random", "torch-like"])
def test_gd_random_inits_are_seeded(init, data):
    X, y, _ = data
    kw = dict(init=init, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = GDReLURegressor(random_state=1, **kw).fit(X, y).coef_
        b = GDReLURegressor(random_state=1, **kw).fit(X, y).coef_
        c = GDReLURegressor(random_state=2, **kw).fit(X, y).coef_
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_gd_restarts_keep_the_lowest_training_loss(data):
    X, y, _ = data
    kw = dict(init="torch-like", max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        multi = GDReLURegressor(n_restarts=4, **kw).fit(X, y)
        rng = np.random.RandomState(0)
        singles = [
            GDReLURegressor(n_restarts=1, **dict(kw, random_state=rng)).fit(X, y).loss_
            for _ in range(4)
        ]
    assert multi.loss_ == pytest.approx(min(singles), rel=1e-12)


def test_sample_weight_is_exact_and_matters(data):
    X, y, _ = data
    sw = np.random.default_rng(0).integers(0, 3, size=len(y)).astype(float)
    w = GDReLURegressor().fit(X, y, sample_weight=sw)
    rep = GDReLURegressor().fit(np.repeat(X, sw.astype(int), 0), np.repeat(y, sw.astype(int)))
    np.testing.assert_allclose(w.coef_, rep.coef_, rtol=1e-7, atol=1e-7 * np.abs(rep.coef_).max())
    unweighted = GDReLURegressor().fit(X, y)
    assert not np.allclose(w.coef_, unweighted.coef_)


def test_convergence_warning_at_max_iter(data):
    X, y, _ = data
    for Est in ESTIMATORS:
        with pytest.warns(ConvergenceWarning, match="max_iter"):
            Est(max_iter=2, random_state=0).fit(X, y)


def test_gd_step_safeguard_tames_a_too_large_learning_rate(data):
    """Unscaled features and lr = 50: every naive step overshoots; the safeguard
    halves the rate until the loss decreases, and the fit stays finite.
    """
    X, y, _ = data
    Xs = 30.0 * X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = GDReLURegressor(solver="gd", learning_rate=50.0, max_iter=300).fit(Xs, y)
    steps = est.history_["step_size"]
    assert steps[0] == 50.0 and steps[-1] < 50.0 / 900  # at least ~1/30^2
    assert np.all(np.diff(est.history_["loss"]) <= 1e-10 * est.history_["loss"][:-1])
    assert np.all(np.isfinite(est.coef_))


def test_adam_overflow_raises_a_clear_error(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="learning rate"):
        GDReLURegressor(solver="adam", learning_rate=1e306, max_iter=50).fit(X, y)


def test_glmtron_returns_its_best_validation_iterate(data):
    X, y, _ = data
    est = GLMtronRegressor(max_iter=300, random_state=0).fit(X, y)
    val = est.history_["val_loss"]
    assert est.selected_iter_ == int(np.argmin(val))
    assert est.loss_ == pytest.approx(val.min())


def test_surrogate_projection_and_gradient_selection(data):
    X, y, _ = data
    est = ConvexSurrogateReLURegressor(radius=0.3, random_state=0).fit(X, y)
    assert np.hypot(np.linalg.norm(est.coef_), est.intercept_) <= 0.3 * (1 + 1e-12)
    free = ConvexSurrogateReLURegressor(random_state=0).fit(X, y)
    assert np.hypot(np.linalg.norm(free.coef_), free.intercept_) > 0.3
    assert free.selected_iter_ == int(np.argmin(free.history_["val_grad_norm"]))


@pytest.mark.parametrize("Est", [GLMtronRegressor, ConvexSurrogateReLURegressor])
def test_auto_step_converges_where_the_constant_step_stalls(Est):
    """At bias -2 the surrogate's curvature near the solution is a few percent of its
    value at the start, so a constant step of 0.5 is far from done after 1000 updates
    (measured test-loss ratio 18.5 to the planted neuron, both estimators), while the
    Barzilai-Borwein length of ``learning_rate='auto'`` (the same direction) stops by
    its rule after 157 updates at ratio 1.030 (both estimators).
    """
    X, y, info = make_biased_relu(20_000, 10, bias=-2.0, noise=0.1, random_state=0)
    Xt, yt, _ = make_biased_relu(
        50_000, 10, bias=-2.0, noise=0.1, direction=info.direction, random_state=100
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # 'auto' meets its rule
        auto = Est(random_state=0).fit(X, y)
    assert auto.n_iter_ <= 250
    assert half_squared_loss(yt, auto.predict(Xt)) <= 1.1 * info.planted_loss
    with pytest.warns(ConvergenceWarning):
        const = Est(learning_rate=0.5, random_state=0).fit(X, y)
    assert half_squared_loss(yt, const.predict(Xt)) >= 5 * info.planted_loss
    # every accepted 'auto' update is a step along minus the surrogate gradient:
    # the recorded lengths vary (Barzilai-Borwein), the constant run's do not
    assert np.ptp(auto.history_["step_size"]) > 0
    assert np.ptp(const.history_["step_size"]) == 0


def test_blas_limit_is_set_inside_and_restored_after():
    """``compute_threads`` keeps one threadpoolctl controller per process (entering
    it costs ~0.03 ms instead of ~7 ms); the limit must still hold inside the block
    and the previous counts come back after, also when the block raises.
    """
    from sklearn_relu.utils._testing import blas_thread_counts as blas_counts
    from sklearn_relu.utils._threads import compute_threads

    before = blas_counts()
    if not before:
        pytest.skip("no BLAS library seen by threadpoolctl")
    for _ in range(2):  # the second entry reuses the kept controller
        with pytest.raises(RuntimeError, match="inside"):
            with compute_threads(1):
                assert blas_counts() == [1] * len(before)
                raise RuntimeError("inside")
        assert blas_counts() == before


def test_single_neuron_fits_keep_blas_on_one_thread_on_large_inputs(monkeypatch):
    """Above the parallel size the kernels get every thread but BLAS gets one: its
    calls in these fits are small, and a second OpenBLAS thread spinning after each of
    them took a core from the kernels' pool (GD at 5e5 x 20: 0.169 s -> 0.080 s).
    """
    from threadpoolctl import threadpool_limits

    import sklearn_relu._solvers.first_order as first_order
    from sklearn_relu.utils import _threads
    from sklearn_relu.utils._testing import assert_blas_on_one_thread, spy_blas_threads

    seen = spy_blas_threads(monkeypatch, first_order, "fused_pass")
    monkeypatch.setattr(_threads, "PARALLEL_MIN_ENTRIES", 0)  # small data, large-input path
    X, y, _ = make_biased_relu(400, 3, bias=0.0, random_state=0)
    with threadpool_limits(2, user_api="blas"):
        GDReLURegressor(random_state=0).fit(X, y)
    assert_blas_on_one_thread(seen, "fused_pass")


# ----------------------------------------------------------------- composition


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_pipeline_gridsearch_cross_val(Est, data):
    X, y, _ = data
    pipe = make_pipeline(StandardScaler(), Est(max_iter=300, random_state=0))
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.9
    scores = cross_val_score(Est(max_iter=300, random_state=0), X, y, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.9)


def test_gridsearch_over_learning_rate_and_init(data):
    X, y, _ = data
    grid = {"learning_rate": [0.05, 0.5], "init": ["zero", "torch-like"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(
            GDReLURegressor(solver="gd", max_iter=100, random_state=0), grid, cv=3
        )
        search.fit(X, y)
    assert set(search.best_params_) == {"learning_rate", "init"}
    # 100 steps at lr 0.05 cannot reach the optimum: the search must prefer 0.5
    assert search.best_params_["learning_rate"] == 0.5


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_pickle_round_trip_and_determinism(Est, data):
    X, y, _ = data
    est = Est(max_iter=200, random_state=3).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(X), est.predict(X))
    twin = clone(est).fit(X, y)
    np.testing.assert_array_equal(twin.coef_, est.coef_)


# ------------------------------------------------------------------- bad input

BAD_X = {
    "nan": (
        lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X),
        ValueError,
        "NaN",
    ),
    "inf": (
        lambda X: np.where(np.arange(X.size).reshape(X.shape) == 3, np.inf, X),
        ValueError,
        "infinity",
    ),
    "strings": (lambda X: np.full(X.shape, "a", dtype=object), ValueError, "could not convert"),
}


@pytest.mark.parametrize("Est", ESTIMATORS)
@pytest.mark.parametrize("kind", sorted(BAD_X))
def test_bad_X_gives_sklearn_errors(Est, kind, data):
    X, y, _ = data
    make, err, msg = BAD_X[kind]
    with pytest.raises(err, match=msg):
        Est().fit(make(X[:50]), y[:50])


def test_x_scale_check_tells_non_finite_from_extreme_entries():
    """One read of X gives its scale and its finiteness: a NaN or infinite entry gets
    scikit-learn's error, finite entries whose squares overflow or underflow get the
    scale error with its fix.
    """
    from sklearn_relu.utils.validation import check_x_scale

    X = np.random.default_rng(0).standard_normal((40, 3))
    rms = np.sqrt(np.mean(X**2))
    assert check_x_scale(X, "Est") == pytest.approx(rms, rel=1e-12)
    for factor in (1e200, 1e-200):
        magnitude = re.escape(f"{factor * rms:.3g}")
        with pytest.raises(
            ValueError,
            match=f"Est: X has a root-mean-square magnitude of {magnitude}, .*StandardScaler",
        ):
            check_x_scale(factor * X, "Est")
    for bad, msg in (
        (np.nan, "Input X contains NaN"),
        (np.inf, "Input X contains infinity"),
        (-np.inf, "Input X contains infinity"),
    ):
        Xb = X.copy()
        Xb[5, 1] = bad
        with pytest.raises(ValueError, match=msg):
            check_x_scale(Xb, "Est")


@pytest.mark.parametrize("Est", ESTIMATORS)
def test_bad_shapes_and_unfitted(Est, data):
    X, y, _ = data
    with pytest.raises(NotFittedError, match=f"{Est.__name__} instance is not fitted"):
        Est().predict(X)
    with pytest.raises(ValueError, match="0 sample"):
        Est().fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Est().fit(X, y[:-1])
    with pytest.raises(ValueError, match="nan|NaN"):
        Est().fit(X, np.where(np.arange(len(y)) == 0, np.nan, y))
    est = Est(max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :-1])


def test_one_sample_and_constant_targets():
    X = np.array([[0.5, -1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = GDReLURegressor(max_iter=50).fit(X, [2.0])
    assert est.predict(X)[0] == pytest.approx(2.0, rel=1e-3)
    with pytest.raises(ValueError, match="validation_fraction"):
        GLMtronRegressor().fit(X, [2.0])
    Xc = np.random.default_rng(0).standard_normal((40, 3))
    for y in (np.zeros(40), np.full(40, 1.5)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            pred = GDReLURegressor().fit(Xc, y).predict(Xc)
        np.testing.assert_allclose(pred, y, atol=1e-3)


def test_bad_sample_weight(data):
    X, y, _ = data
    with pytest.raises(ValueError, match="[Nn]egative"):
        GDReLURegressor().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="non-zero"):
        GDReLURegressor().fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(ValueError, match="NaN"):
        GDReLURegressor().fit(X, y, sample_weight=np.full(len(y), np.nan))


# ------------------------------------------------------------ paper claims, small


@pytest.mark.parametrize("bias", [-1.0, -0.5, 0.0])
def test_easy_bias_gd_is_within_10_percent_of_planted(bias):
    """Gradient descent is good at moderate bias (Guo & Vijayaraghavan, COLT 2025;
    scenario D of ``benchmarks/bench_sq.py``): d=10, n=2e4, ratio on a fresh sample.
    """
    X, y, info = make_biased_relu(20_000, 10, bias=bias, noise=0.1, random_state=1)
    Xt, yt, _ = make_biased_relu(
        100_000, 10, bias=bias, noise=0.1, direction=info.direction, random_state=2
    )
    est = GDReLURegressor().fit(X, y)
    ratio = half_squared_loss(yt, est.predict(Xt)) / info.planted_loss
    assert ratio < 1.1


def test_gd_follows_the_decoy_at_very_negative_bias():
    """Guo & Vijayaraghavan's counterexample lifted to d dimensions: the noise on the
    ReLU-off half-space makes E[yx] point along -v, and GD from zero follows it.
    """
    X, y, info = make_biased_relu_halfspace_noise(50_000, 10, bias=-3.0, kappa=2.0, random_state=0)
    assert info.label_correlation < 0
    est = GDReLURegressor(max_iter=1000).fit(X, y)
    assert _cos(est.coef_, info.direction) < -0.9
    ratio = half_squared_loss(y, est.predict(X)) / info.planted_loss_empirical
    assert ratio > 4
