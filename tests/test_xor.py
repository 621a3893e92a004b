"""TwoLayerXORClassifier: the paper's claims at small size, the SGD contract, bad input.

Margins were measured with the seeds below (numbers in the docstrings); a whole fit
at d = 64 takes a few milliseconds, so the claims run over 10 seeds.
"""

import math
import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_relu import TwoLayerXORClassifier
from sklearn_relu.datasets import make_gaussian_xor, make_xor_hypercube
from sklearn_relu.diagnostics import xor_phase_steps


def _budget(c, d):
    return int(c * d * math.log(d))


def _fit_quiet(est, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kw)


def _test_error(d, c, seed, p=32, **params):
    X, y, _ = make_xor_hypercube(_budget(c, d), d, random_state=seed)
    Xt, yt, _ = make_xor_hypercube(4000, d, random_state=1000 + seed)
    clf = _fit_quiet(TwoLayerXORClassifier(p, random_state=seed, **params), X, y)
    return 1.0 - clf.score(Xt, yt)


# --------------------------------------------------------------------------- generators


def test_make_xor_hypercube_labels_features_and_planted_network():
    X, y, info = make_xor_hypercube(500, 9, coords=(3, 7), random_state=0)
    assert set(np.unique(X)) == {-1.0, 1.0}
    np.testing.assert_array_equal(y, -X[:, 3] * X[:, 7])
    np.testing.assert_array_equal(info.feature_basis, np.eye(9)[[3, 7]])
    planted = info.planted
    rho = np.maximum(X @ planted.hidden_weights.T, 0) @ planted.output_weights
    np.testing.assert_allclose(rho, y, atol=1e-12)  # four ReLUs realise XOR exactly
    assert info.bayes_error == 0.0 and info.rotation is None


def test_make_xor_hypercube_noise_and_rotation():
    X0, y0, _ = make_xor_hypercube(20000, 6, label_noise=0.2, random_state=1)
    assert abs(np.mean(y0 != -X0[:, 0] * X0[:, 1]) - 0.2) < 0.015
    X, y, info = make_xor_hypercube(300, 6, rotate=True, random_state=2)
    R = info.rotation
    np.testing.assert_allclose(R @ R.T, np.eye(6), atol=1e-12)
    Xb = X @ R.T  # back to the hypercube
    np.testing.assert_allclose(np.abs(Xb), 1.0, atol=1e-12)
    np.testing.assert_allclose(y, -Xb[:, 0] * Xb[:, 1], atol=1e-12)
    np.testing.assert_allclose(info.feature_basis, np.eye(6)[[0, 1]] @ R, atol=1e-12)


def test_make_gaussian_xor():
    X, y, info = make_gaussian_xor(1000, 5, coords=(1, 2), random_state=0)
    np.testing.assert_array_equal(y, np.where(X[:, 1] * X[:, 2] >= 0, -1.0, 1.0))
    assert abs(y.mean()) < 0.1


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(n_features=1), ValueError, "n_features"),
        (dict(coords=(2, 2)), ValueError, "differ"),
        (dict(coords=(0, 9)), ValueError, r"\[0, n_features\)"),
        (dict(coords="ab"), TypeError, "pair of integers"),
        (dict(coords=(0.5, 1)), TypeError, "pair of integers"),
        (dict(label_noise=0.5), ValueError, "label_noise"),
        (dict(rotate="yes"), TypeError, "rotate"),
        (dict(n_samples=0), ValueError, "n_samples"),
    ],
)
def test_make_xor_hypercube_rejects_bad_arguments(kwargs, exc, match):
    args = dict(n_samples=10, n_features=4) | kwargs
    with pytest.raises(exc, match=match):
        make_xor_hypercube(**args)


# --------------------------------------------------------------------------- paper claims


def test_budget_15_d_ln_d_gives_zero_error_and_4_d_ln_d_does_not():
    """The claim of Glasgow (2024) at d = 64, p = 32, default rule, 10 seeds, 4000 test points.

    Measured: 15 d ln d -> test error 0.000 in 10/10 seeds; 4 d ln d -> errors
    0.21-0.39, median 0.28. Bars: >= 9/10 exactly zero; median > 0.10.
    """
    high = [_test_error(64, 15, s) for s in range(10)]
    low = [_test_error(64, 4, s) for s in range(10)]
    assert sum(e == 0.0 for e in high) >= 9, high
    assert np.median(low) > 0.10, low


@pytest.mark.parametrize("d", [32, 64, 128])
def test_samples_to_one_percent_scale_like_d_log_d(d):
    """n_1% / (d ln d) is flat in d (the d log d sample complexity), 2 seeds,
    4000-point monitor set. Measured: 7.3, 8.8 (d = 32); 8.1, 7.8 (d = 64); 8.3, 8.0
    (d = 128). Bars [6.5, 10.5]: 0.8 below the smallest and 1.7 above the largest, so
    a constant-factor regression in either direction fails.
    """
    for seed in range(2):
        X, y, _ = make_xor_hypercube(_budget(25, d), d, random_state=seed)
        Xv, yv, _ = make_xor_hypercube(4000, d, random_state=500 + seed)
        clf = TwoLayerXORClassifier(random_state=seed).fit(X, y, X_val=Xv, y_val=yv)
        ratio = clf.phase_steps_["T_err1_n_seen"] / (d * math.log(d))
        assert 6.5 <= ratio <= 10.5, ratio


def test_two_phases_are_visible_in_history():
    """The two phases of doc/user_guide/xor_sgd.rst (d = 64): the first 10 steps have
    mean |output| < 0.1 and
    batch loss within 0.02 of ln 2 (measured: |output| <= 0.024, loss gap <= 0.003);
    the median signal fraction goes 0.14 -> 0.999, 78% of the neurons end aligned,
    max |a_k| grows 0.033 -> 1.32; the features are found (step 18) before the output
    leaves 0 (22) and the error drops (27).
    """
    d = 64
    X, y, info = make_xor_hypercube(_budget(15, d), d, random_state=0)
    clf = TwoLayerXORClassifier(random_state=0, feature_coords=(0, 1)).fit(X, y)
    h = clf.history_
    assert np.all(h["mean_abs_output"][:10] < 0.1)
    assert np.all(np.abs(h["batch_loss"][:10] - math.log(2)) < 0.02)
    assert h["sig_frac_q50"][0] < 0.3 < 0.9 < h["sig_frac_q50"][-1]
    assert h["aligned_frac"][-1] >= 0.5 and h["max_abs_a"][-1] > 5 * h["max_abs_a"][0]
    ps = clf.phase_steps_
    assert ps["T1_signal"] <= ps["T1_output"] and ps["T1_signal"] <= ps["T_err10"]
    first = int(h["step"][np.argmax(h["batch_error"] <= 0.10)])  # no monitor set: batch
    assert ps["T_err10"] == first


def test_balance_drift_small_at_small_step():
    """Gradient flow conserves a_k^2 - ||w_k||^2; SGD drifts by O(eta^2) per step.
    Bar: eta = 0.2, d = 64, 40 steps -> drift <= 0.05; measured 2.5e-4, so we
    assert <= 2e-3 (8x margin).
    """
    d = 64
    m = TwoLayerXORClassifier()._resolve(d, 2)[2]
    X, y, _ = make_xor_hypercube(40 * m, d, random_state=0)
    clf = _fit_quiet(TwoLayerXORClassifier(learning_rate=0.2, random_state=0), X, y)
    assert clf.n_iter_ == 40
    assert clf.history_["balance_drift"][0] < 1e-3
    assert clf.history_["balance_drift"].max() <= 2e-3


def test_rotated_xor_is_learned_and_diagnosed_in_the_rotated_basis():
    d = 32
    X, y, info = make_xor_hypercube(_budget(15, d), d, rotate=True, random_state=0)
    H, yt, _ = make_xor_hypercube(2000, d, random_state=1)  # fresh hypercube points
    clf = TwoLayerXORClassifier(random_state=0, feature_coords=info.feature_basis).fit(X, y)
    assert clf.score(H @ info.rotation, yt) >= 0.99  # rotated by the training R
    assert clf.feature_alignment()["sig_frac_q50"] > 0.9
    # in the unrotated basis the weights carry no XOR signal (a random plane)
    assert clf.feature_alignment(np.eye(d)[[0, 1]])["sig_frac_q50"] < 0.5


def test_rotation_equivariance_of_the_sgd_run():
    """Running on X R from W0 R gives W R (A unchanged): the update is equivariant."""
    from sklearn_relu._solvers.two_layer_sgd import run_sgd

    rng = np.random.default_rng(0)
    X, y, _ = make_xor_hypercube(200, 12, random_state=0)
    R = np.linalg.qr(rng.standard_normal((12, 12)))[0]
    W0, A0 = 0.1 * rng.standard_normal((8, 12)), 0.1 * rng.standard_normal((1, 8))
    order = rng.permutation(200)
    W1, A1, W2, A2 = W0.copy(), A0.copy(), W0 @ R, A0.copy()
    kw = dict(loss="logistic", eta=1.0, batch_size=20, n_epochs=1)  # 10 steps, rows in order
    run_sgd(X[order], y[order], W1, A1, **kw)
    run_sgd(np.ascontiguousarray(X[order] @ R), y[order], W2, A2, **kw)
    np.testing.assert_allclose(W2, W1 @ R, atol=1e-8)
    np.testing.assert_allclose(A2, A1, atol=1e-8)


# --------------------------------------------------------------------------- SGD contract


def test_paper_init_is_balanced_and_symmetric_init_outputs_zero():
    est = TwoLayerXORClassifier(n_hidden=16, init="paper")
    est.init_scale_ = 0.25
    W, A = est._init_weights(np.random.RandomState(0), 10, 1)
    np.testing.assert_allclose(np.abs(A[0]), np.linalg.norm(W, axis=1), rtol=1e-14)
    np.testing.assert_allclose(np.linalg.norm(W, axis=1), 0.25 / 4, rtol=1e-14)
    # symmetric: output exactly 0 at init, so the first batch loss is exactly ln 2
    X, y, _ = make_xor_hypercube(200, 10, random_state=0)
    clf = TwoLayerXORClassifier(16, init="symmetric", batch_size=50, random_state=0)
    clf.partial_fit(X[:50], y[:50], classes=[-1, 1])  # one step
    assert clf.history_["batch_loss"][0] == pytest.approx(math.log(2), abs=1e-15)
    with pytest.raises(ValueError, match="even"):
        TwoLayerXORClassifier(15, init="symmetric").fit(X, y)


def test_fit_equals_partial_fit_on_the_same_rows():
    """One-pass fit == partial_fit fed the same permuted rows m at a time (1e-12)."""
    X, y, _ = make_xor_hypercube(700, 16, random_state=0)
    a = _fit_quiet(TwoLayerXORClassifier(random_state=3), X, y)
    # replay fit's draws: the initialisation first, then the permutation
    rng = np.random.RandomState(3)
    est = TwoLayerXORClassifier(random_state=3)
    est.init_scale_ = a.init_scale_
    est._init_weights(rng, X.shape[1], 1)
    perm = rng.permutation(len(y))
    b = TwoLayerXORClassifier(random_state=3)
    m = a.batch_size_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for t in range(len(y) // m):
            rows = perm[t * m : (t + 1) * m]
            b.partial_fit(X[rows], y[rows], classes=[-1.0, 1.0])
    np.testing.assert_allclose(b.hidden_weights_, a.hidden_weights_, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(b.output_weights_, a.output_weights_, rtol=1e-12, atol=1e-15)
    assert b.n_iter_ == a.n_iter_ == len(y) // m
    assert b.n_samples_seen_ == a.n_samples_seen_ == m * a.n_iter_
    for k in a.history_:
        np.testing.assert_allclose(b.history_[k], a.history_[k], rtol=1e-10, atol=1e-12)


def test_partial_fit_remainder_warm_start_and_epochs():
    X, y, _ = make_xor_hypercube(100, 8, random_state=0)
    clf = TwoLayerXORClassifier(batch_size=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.partial_fit(X, y, classes=[1.0, -1.0])
        assert clf.n_iter_ == 4 and clf.n_samples_seen_ == 100  # 30 + 30 + 30 + 10
        clf.partial_fit(X[:5], y[:5])
        assert clf.n_iter_ == 5 and clf.history_["step"][-1] == 5
        w = _fit_quiet(
            TwoLayerXORClassifier(batch_size=30, n_epochs=2, warm_start=True, random_state=0), X, y
        )
        assert w.n_iter_ == 6  # 3 full batches per pass, remainder left out
        w0 = w.hidden_weights_.copy()
        w.fit(X, y)
        assert w.n_iter_ == 12 and not np.allclose(w.hidden_weights_, w0)


def test_multiclass_softmax_on_blobs():
    """K = 3 uses a shared hidden layer and a softmax output. Measured training
    accuracy on standardised blobs, seeds 0-4: 0.930, 0.897, 0.937, 0.933, 0.913
    (scikit-learn's check asks for 0.83).
    """
    X, y = make_blobs(300, random_state=0)
    X = StandardScaler().fit_transform(X)
    for seed in range(3):
        clf = TwoLayerXORClassifier(random_state=seed).fit(X, y)
        assert clf.output_weights_.shape == (3, 64)
        assert clf.score(X, y) > 0.85
        P = clf.predict_proba(X)
        np.testing.assert_allclose(P.sum(axis=1), 1.0)
        np.testing.assert_allclose(np.log(P), clf.predict_log_proba(X), atol=1e-12)


def test_binary_proba_matches_decision_function():
    X, y, _ = make_xor_hypercube(3000, 16, random_state=0)
    clf = TwoLayerXORClassifier(random_state=0).fit(X, y)
    rho = clf.decision_function(X[:50])
    np.testing.assert_allclose(clf.predict_proba(X[:50])[:, 1], 1 / (1 + np.exp(-rho)))
    np.testing.assert_array_equal(clf.predict(X[:50]), np.where(rho > 0, 1.0, -1.0))


def test_bias_ablation_and_standard_init_and_theory_settings():
    d = 32
    X, y, _ = make_xor_hypercube(_budget(15, d), d, random_state=0)
    clf = _fit_quiet(TwoLayerXORClassifier(hidden_bias=True, random_state=0), X, y)
    assert clf.hidden_bias_.shape == (64,) and np.any(clf.hidden_bias_ != 0)
    theory = TwoLayerXORClassifier(learning_rate="theory", batch_size="theory")
    theory = _fit_quiet(theory, X, y)
    assert theory.learning_rate_ == theory.init_scale_ == pytest.approx(1 / math.log(d))
    assert theory.batch_size_ == math.ceil(d * math.log(d))
    std = _fit_quiet(TwoLayerXORClassifier(init="standard", random_state=0), X, y)
    assert not hasattr(std, "hidden_bias_")


def test_tiny_budget_warns_still_in_phase_one():
    X, y, _ = make_xor_hypercube(64, 64, random_state=0)
    with pytest.warns(ConvergenceWarning, match="signal-finding"):
        TwoLayerXORClassifier(random_state=0).fit(X, y)


def test_narrow_network_warns():
    X, y, _ = make_xor_hypercube(200, 8, random_state=0)
    with pytest.warns(UserWarning, match="n_hidden=4"):
        _fit_quiet(TwoLayerXORClassifier(4), X, y)


def test_divergence_raises_floating_point_error():
    X, y, _ = make_xor_hypercube(200, 8, random_state=0)
    with pytest.raises(FloatingPointError, match="learning rate"):
        TwoLayerXORClassifier(learning_rate=1e300, init="standard").fit(1e5 * X, y)


def test_verbose_prints_one_line_per_logged_step(capsys):
    X, y, _ = make_xor_hypercube(400, 8, random_state=0)
    clf = _fit_quiet(TwoLayerXORClassifier(verbose=1, log_every=2, random_state=0), X, y)
    quiet = _fit_quiet(TwoLayerXORClassifier(log_every=2, random_state=0), X, y)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("step")]
    assert len(lines) == len(clf.history_["step"]) == math.ceil(clf.n_iter_ / 2)
    np.testing.assert_array_equal(clf.hidden_weights_, quiet.hidden_weights_)


# --------------------------------------------------------------------------- input handling


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.array([[np.nan, 1.0], [1.0, 2.0]]), [0, 1], "NaN"),
        (np.array([[np.inf, 1.0], [1.0, 2.0]]), [0, 1], "infinity"),
        (np.ones((3, 2)), [1, 1, 1], "1 class"),
        (np.ones((3, 2)), [0.5, 1.5, 2.5], "Unknown label type"),
        (np.ones(3), [0, 1, 0], "2D array"),
    ],
)
def test_bad_input_raises_clear_value_error(X, y, match):
    with pytest.raises(ValueError, match=match):
        TwoLayerXORClassifier().fit(X, y)


@pytest.mark.parametrize("factor", [1e300, 1e-300])
def test_extreme_finite_X_is_refused_with_the_fix(factor):
    """Before: 1e300 X diverged at step 2 (FloatingPointError), 1e-300 X left the output
    at 1e-302 (chance accuracy, a warning only).
    """
    X, y, _ = make_xor_hypercube(200, 8, random_state=0)
    msg = r"TwoLayerXORClassifier: X has a root-mean-square magnitude .*StandardScaler"
    with pytest.raises(ValueError, match=msg):
        TwoLayerXORClassifier().fit(factor * X, y)
    with pytest.raises(ValueError, match=msg):
        TwoLayerXORClassifier().partial_fit(factor * X, y, classes=[-1, 1])


def test_bad_monitor_set_and_partial_fit_misuse():
    X, y, _ = make_xor_hypercube(100, 8, random_state=0)
    with pytest.raises(ValueError, match="both"):
        TwoLayerXORClassifier().fit(X, y, X_val=X)
    with pytest.raises(ValueError, match="not in y"):
        TwoLayerXORClassifier().fit(X, y, X_val=X[:3], y_val=[5, 5, 5])
    with pytest.raises(ValueError, match="features"):
        TwoLayerXORClassifier().fit(X, y, X_val=X[:3, :4], y_val=y[:3])
    clf = TwoLayerXORClassifier()
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.partial_fit(X, y, classes=[-1, 1])
    with pytest.raises(ValueError, match="features"):
        clf.partial_fit(X[:, :4], y)
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X, np.full(100, 7.0))
    with pytest.raises(ValueError, match="differ"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="feature_coords"):
        TwoLayerXORClassifier(feature_coords=(0, 99)).fit(X, y)
    with pytest.raises(NotFittedError, match="TwoLayerXORClassifier instance is not fitted"):
        TwoLayerXORClassifier().predict(X)


def test_strings_as_labels_and_pickle_and_determinism():
    X, y, _ = make_xor_hypercube(1500, 12, random_state=0)
    labels = np.where(y > 0, "differ", "agree")
    clf = TwoLayerXORClassifier(random_state=0).fit(X, labels)
    assert set(clf.predict(X[:20])) <= {"differ", "agree"}
    assert list(clf.classes_) == ["agree", "differ"]
    clone = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone.decision_function(X), clf.decision_function(X))
    again = TwoLayerXORClassifier(random_state=0).fit(X, labels)
    np.testing.assert_array_equal(again.hidden_weights_, clf.hidden_weights_)


def test_pipeline_grid_search_and_cross_val_score():
    X, y, _ = make_xor_hypercube(3000, 16, random_state=0)
    pipe = make_pipeline(StandardScaler(), TwoLayerXORClassifier(random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gs = GridSearchCV(pipe, {"twolayerxorclassifier__n_hidden": [2, 32]}, cv=3).fit(X, y)
        scores = cross_val_score(TwoLayerXORClassifier(random_state=0), X, y, cv=3)
    assert gs.best_params_["twolayerxorclassifier__n_hidden"] == 32
    assert scores.min() > 0.95


def test_gaussian_xor_is_harder_than_the_hypercube():
    """Zero-margin Gaussian XOR learns much more slowly (doc/user_guide/xor_sgd.rst). At d = 32 and
    15 d ln d samples: hypercube error 0.000, Gaussian 0.262, 0.281, 0.264.
    """
    d = 32
    for seed in range(3):
        X, y, _ = make_gaussian_xor(_budget(15, d), d, random_state=seed)
        Xt, yt, _ = make_gaussian_xor(4000, d, random_state=100 + seed)
        clf = _fit_quiet(TwoLayerXORClassifier(random_state=seed), X, y)
        assert 1 - clf.score(Xt, yt) > 0.10


def test_partial_fit_under_dask_ml_incremental():
    """Out-of-core SGD: dask_ml's Incremental feeds the chunks of a dask array to
    partial_fit in order; each chunk is ten SGD steps. Measured test accuracy 1.0.
    """
    da = pytest.importorskip("dask.array")
    Incremental = pytest.importorskip("dask_ml.wrappers").Incremental
    d = 32
    X, y, _ = make_xor_hypercube(_budget(15, d), d, random_state=0)
    Xt, yt, _ = make_xor_hypercube(2000, d, random_state=1)
    m = TwoLayerXORClassifier()._resolve(d, 2)[2]
    inc = Incremental(TwoLayerXORClassifier(random_state=0), shuffle_blocks=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        inc.fit(
            da.from_array(X, chunks=(10 * m, d)),
            da.from_array(y, chunks=10 * m),
            classes=[-1.0, 1.0],
        )
    assert inc.estimator_.n_samples_seen_ == len(y)
    assert inc.estimator_.score(Xt, yt) >= 0.99


def test_demo_section_runs_small(tmp_path, capsys):
    from sklearn_relu._demo import xor

    out = tmp_path / "xor.png"
    rows = xor.run(out=str(out), dims=(16,), budgets=(1, 20), n_test=500)
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert [r["budget"] for r in rows] == [1, 20]
    assert rows[0]["test_error"] > rows[1]["test_error"]
    assert "d ln d" in capsys.readouterr().out


def test_warm_start_uses_current_settings_and_bad_coords_leave_no_state():
    X, y, _ = make_xor_hypercube(600, 8, random_state=0)
    clf = _fit_quiet(TwoLayerXORClassifier(warm_start=True, random_state=0), X, y)
    clf.set_params(learning_rate=0.01, batch_size=7)
    _fit_quiet(clf, X, y)
    assert clf.learning_rate_ == 0.01 and clf.batch_size_ == 7
    bad = TwoLayerXORClassifier(feature_coords=(0, 99))
    with pytest.raises(ValueError, match="feature_coords"):
        bad.fit(X, y)
    with pytest.raises(NotFittedError, match="TwoLayerXORClassifier instance is not fitted"):
        bad.predict(X)


def test_phase_steps_use_the_monitor_row_by_row():
    """Rows without a monitor set (partial_fit) fall back to the batch error, while
    the monitored rows keep using the validation error.
    """
    h = {
        "step": np.arange(1.0, 5.0),
        "n_seen": np.arange(1.0, 5.0),
        "mean_abs_output": np.zeros(4),
        "sig_frac_q50": np.full(4, np.nan),
        "val_error": np.array([0.5, 0.3, 0.05, np.nan]),
        "batch_error": np.array([0.0, 0.0, 0.4, 0.0]),
    }
    ps = xor_phase_steps(h)
    assert ps["T_err10"] == 3 and ps["T_err1"] == 4
