"""LeakyReLUTwoLayerClassifier (Sarussi, Brutzkus & Globerson, ICML 2021), its generators and
the weight-clustering diagnostic: the exact invariants of the model (doc/user_guide/leaky.rst),
the paper's
claims at small sizes with fixed seeds, composition with scikit-learn and bad input.
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from sklearn_relu import LeakyReLUTwoLayerClassifier
from sklearn_relu._solvers.two_layer_sgd import run_sgd
from sklearn_relu.datasets import load_digits_3_vs_5, make_linear_teacher, make_two_balls
from sklearn_relu.diagnostics import weight_clustering
from sklearn_relu.diagnostics._leaky import effective_groups

L = LeakyReLUTwoLayerClassifier
SMALL = dict(init_scale=0.01, learning_rate=0.5)
LARGE = dict(init_scale=1.0, learning_rate=0.05)


def _quiet(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kw)


def _sigma(z, alpha):
    return np.where(z > 0, z, alpha * z)


def _dsigma(z, alpha):
    return np.where(z > 0, 1.0, alpha)


def _scaled(est, X):
    """The inputs as the network sees them: ``x / s``, or ``[x / s, 1] / sqrt(2)`` with
    hidden biases.
    """
    X = X / est.input_scale_
    if est.hidden_bias:
        X = np.hstack([X, np.ones((len(X), 1))]) / np.sqrt(2)
    return X


def _stacked(est):
    """Hidden weights by group in the scaled space, intercept column included."""
    W = est.coef_hidden_
    if est.hidden_bias:
        W = np.concatenate([W, est.intercept_hidden_[:, :, None]], axis=2)
    return W


@pytest.fixture(scope="module")
def teacher20():
    """The paper's synthetic setting (Sarussi et al. 2021): d = 20, n = 1000, margin
    0.05, 4000 test points, 3 seeds.
    """
    out = []
    for seed in range(3):
        X, y, info = make_linear_teacher(1000, 20, margin=0.05, random_state=seed)
        rng = np.random.RandomState(100 + seed)
        g = rng.standard_normal((20000, 20))
        g *= (rng.random_sample((20000, 1)) ** (1 / 20)) / np.linalg.norm(g, axis=1, keepdims=True)
        Xt = g[np.abs(g @ info.direction) >= 0.05][:4000]
        out.append((X, y, info, Xt, np.sign(Xt @ info.direction)))
    return out


@pytest.fixture(scope="module")
def small_data():
    X, y, info = make_linear_teacher(120, 5, margin=0.1, random_state=0)
    return X, y, info


# --------------------------------------------------------------------------- generators


@pytest.mark.parametrize("distribution", ["ball", "sphere", "gaussian"])
def test_make_linear_teacher_guarantees(distribution):
    X, y, info = make_linear_teacher(501, 7, margin=0.08, distribution=distribution, random_state=3)
    assert X.shape == (501, 7) and set(np.unique(y)) == {-1.0, 1.0}
    assert np.linalg.norm(X, axis=1).max() <= 1 + 1e-12
    assert np.all(y * (X @ info.coef) >= 1 - 1e-12)
    assert np.all(np.abs(X @ info.direction) >= 0.08)
    assert (y > 0).sum() == 251  # balanced: ceil(n / 2) positives
    np.testing.assert_allclose(info.coef, info.direction / 0.08)
    assert info.planted_loss == 0.0 and info.distribution == distribution
    if distribution == "sphere":
        np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0)
    X2, y2, _ = make_linear_teacher(501, 7, margin=0.08, distribution=distribution, random_state=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_make_linear_teacher_unbalanced_and_bad_arguments():
    X, y, info = make_linear_teacher(400, 3, margin=0.2, balance=False, random_state=0)
    assert np.all(y * (X @ info.coef) >= 1 - 1e-12) and (y > 0).sum() != 200
    with pytest.raises(ValueError, match="margin"):
        make_linear_teacher(10, 3, margin=0.0)
    with pytest.raises(ValueError, match="margin"):
        make_linear_teacher(10, 3, margin=1.0)
    with pytest.raises(ValueError, match="n_features"):
        make_linear_teacher(10, 0)
    with pytest.raises(TypeError, match="n_samples"):
        make_linear_teacher(10.5, 3)
    with pytest.raises(ValueError, match="distribution"):
        make_linear_teacher(10, 3, distribution="cube")
    with pytest.raises(ValueError, match="almost no candidate"):
        make_linear_teacher(10, 400, margin=0.5, random_state=0)


def test_make_two_balls():
    X, y, info = make_two_balls(101, n_features=3, center=0.6, radius=0.3, random_state=0)
    assert X.shape == (101, 3) and (y > 0).sum() == 51
    assert np.all(y * (X @ info.coef) >= 1 - 1e-12)
    assert np.linalg.norm(X, axis=1).max() <= 0.9 + 1e-12
    with pytest.raises(ValueError, match="center \\+ radius"):
        make_two_balls(10, center=0.8, radius=0.5)
    with pytest.raises(ValueError, match="radius"):
        make_two_balls(10, center=0.3, radius=0.4)


def test_digits_3_vs_5_is_a_linear_teacher_set():
    """Digits 3 vs 5: 365 images, separable through the origin, normalised margin 0.058."""
    X, y, info = load_digits_3_vs_5()
    assert X.shape == (365, 64) and (y > 0).sum() == 182
    assert np.linalg.norm(X, axis=1).max() == pytest.approx(1.0)
    assert np.all(y * (X @ info.coef) >= 1 - 1e-9)
    assert info.margin == pytest.approx(0.058, abs=0.002)


# --------------------------------------------------------------------------- diagnostics


def test_weight_clustering_function_on_exact_and_noisy_clusters():
    rng = np.random.default_rng(0)
    u = rng.standard_normal(6)
    exact = [np.tile(-u, (4, 1)), np.tile(2 * u, (4, 1))]
    res = weight_clustering(exact, negative_slope=0.3, n_probes=5000)
    np.testing.assert_allclose(res["coherence"], 1.0)
    np.testing.assert_allclose(res["radii"], 0.0, atol=1e-12)
    np.testing.assert_allclose(res["linear_coef"], 8 * u + 4 * u)
    assert res["agreement"] == 1.0 and res["certified_fraction"] == 1.0
    assert res["low_rank_energy"] == pytest.approx(1.0)
    assert res["stable_ratio"] == pytest.approx(1.0)
    noisy = [g + 2.0 * rng.standard_normal(g.shape) for g in exact]
    res2 = weight_clustering(noisy, negative_slope=0.3, n_probes=5000)
    assert res2["coherence_min"] < 0.9 and res2["certified_fraction"] < 1.0
    # mean pairwise cosine from coherence, checked against the direct average
    G = noisy[1] / np.linalg.norm(noisy[1], axis=1, keepdims=True)
    C = G @ G.T
    direct = (C.sum() - 4) / 12
    assert res2["mean_pairwise_cosine"][1] == pytest.approx(direct, rel=1e-12)
    with pytest.raises(ValueError, match="at least two"):
        weight_clustering([exact[0]], negative_slope=0.3)
    with pytest.raises(ValueError, match="negative_slope"):
        weight_clustering(exact, negative_slope=1.5)
    with pytest.raises(ValueError, match="teacher"):
        weight_clustering(exact, negative_slope=0.3, teacher=np.ones(5))


@pytest.mark.parametrize("noise", [0.0, 0.01, 0.05, 0.2, 1.0])
def test_certificate_is_sound(noise):
    """The certificate of weight_clustering (doc/user_guide/leaky.rst): k = 20, d = 10,
    alpha = 0.2, 1e5 probes in the unit ball: no
    certified point ever disagrees. Measured for noise 0 / 0.01 / 0.05 / 0.2 / 1: certified
    (radius form) 1.0 / 0.648 / 0.004 / 0 / 0, (mean form) 1.0 / 0.763 / 0.105 / 0 / 0,
    agreement 1.0 / 1.0 / 0.99965 / 0.99567 / 0.95977.
    """
    rng = np.random.default_rng(1)
    d, k = 10, 20
    c_pos, c_neg = rng.standard_normal(d) / np.sqrt(d), rng.standard_normal(d) / np.sqrt(d)
    groups = [c + noise * rng.standard_normal((k, d)) / np.sqrt(d) for c in (c_neg, c_pos)]
    res = weight_clustering(groups, negative_slope=0.2, n_probes=100_000, random_state=noise > 0)
    assert res["violations"] == 0
    assert res["certified_fraction"] <= res["certified_fraction_mean"]
    # and the certificate is not vacuous where the clusters are tight
    if noise <= 0.01:
        assert res["certified_fraction"] > 0.5
    if noise <= 0.05:
        assert res["certified_fraction_mean"] > 0.05
    if noise >= 1.0:
        assert res["agreement"] < 1.0  # disagreements exist, all uncertified


def test_weight_clustering_nar_and_multiclass():
    u = np.array([1.0, 0.0])
    groups = [np.tile(-u, (3, 1)), np.tile(u, (3, 1))]
    X = np.array([[0.5, 0.1], [-0.5, 0.2], [0.0, 1.0]])
    res = weight_clustering(groups, 0.3, X, np.array([1, 0, 1]), n_probes=0, svm=False)
    # rows 0, 1: strict NAR; row 2 has <u, x> = 0, all units inactive: weak only
    assert res["nar_weak"] == 1.0 and res["nar_strict"] == pytest.approx(2 / 3)
    groups3 = [np.tile(np.array([np.cos(t), np.sin(t)]), (4, 1)) for t in (0, 2.1, 4.2)]
    res3 = weight_clustering(groups3, 0.3, n_probes=3000)
    assert res3["linear_coef"].shape == (3, 2) and res3["agreement"] == 1.0
    assert res3["violations"] == 0 and res3["low_rank_energy"] == pytest.approx(1.0)


# --------------------------------------------------------------------------- invariants


def test_exact_clusters_make_the_network_the_linear_rule(small_data):
    """Exact clusters: all w_i equal, all u_i equal => predict(X) == sign(X (S+ - S-))."""
    X, y, _ = small_data
    est = _quiet(L(n_hidden_per_group=6, max_iter=1, input_scaling=None, random_state=0), X, y)
    rng = np.random.default_rng(0)
    w, u = rng.standard_normal(5), rng.standard_normal(5)
    est.coef_hidden_ = np.stack([np.tile(u, (6, 1)), np.tile(w, (6, 1))])
    Xp = rng.standard_normal((5000, 5))
    S = est.output_scale_ * 6 * (w - u)
    np.testing.assert_array_equal(est.predict(Xp), np.where(Xp @ S > 0, 1.0, -1.0))
    res = est.weight_clustering(n_probes=20000)
    assert res["certified_fraction"] == 1.0 and res["agreement"] == 1.0
    np.testing.assert_allclose(res["linear_coef"], S, rtol=1e-12, atol=1e-12 * np.abs(S).max())


def _pre_step(est, x, label):
    """(z, g-free pieces) of the network at one row before a step: per-unit
    pre-activations by group and the margin z = y N(x).
    """
    xs = _scaled(est, x[None, :])[0]
    Wg = _stacked(est)
    Z = Wg @ xs  # (2, k)
    yy = 1.0 if label == est.classes_[1] else -1.0
    N = est.decision_function(x[None, :])[0]
    return xs, Z, yy, yy * N


def _g(z, loss):
    return 1.0 / (1.0 + np.exp(z)) if loss == "log" else float(z < 1.0)


@pytest.mark.parametrize("loss", ["log", "hinge"])
def test_nar_freezes_within_group_differences(loss):
    """On a row where every group shares one activation state, one SGD step
    gives all units of a group the same update, so w_i - w_j is unchanged.
    """
    rng = np.random.default_rng(2)
    d, k = 6, 8
    X = rng.standard_normal((20, d))
    y = np.where(X[:, 0] > 0, 1.0, -1.0)
    est = L(n_hidden_per_group=k, loss=loss, max_iter=1, input_scaling=None, random_state=0)
    _quiet(est, X, y)
    e1 = np.eye(d)[0]
    est.coef_hidden_ = np.stack(
        [-e1 + 0.05 * rng.standard_normal((k, d)), e1 + 0.05 * rng.standard_normal((k, d))]
    )
    x = 0.3 * e1 + 0.01 * rng.standard_normal(d)
    _, Z, _, z = _pre_step(est, x, 1.0)
    assert np.all(Z[1] > 0) and np.all(Z[0] < 0) and z < 1  # NAR holds, update non-zero
    before = est.coef_hidden_.copy()
    est.partial_fit(x[None, :], [1.0])
    after = est.coef_hidden_
    assert np.abs(after - before).max() > 1e-4
    for c in range(2):
        np.testing.assert_allclose(
            after[c] - after[c][0], before[c] - before[c][0], rtol=0, atol=1e-12
        )
    # control: a row splitting a group changes the differences
    x2 = 0.5 * np.eye(d)[1]
    _, Z2, _, _ = _pre_step(est, x2, 1.0)
    assert np.any(Z2[1] > 0) and np.any(Z2[1] <= 0)
    before = est.coef_hidden_.copy()
    est.partial_fit(x2[None, :], [1.0])
    diff = (est.coef_hidden_[1] - est.coef_hidden_[1][0]) - (before[1] - before[1][0])
    assert np.abs(diff).max() > 1e-6


@pytest.mark.parametrize("loss", ["log", "hinge"])
def test_perceptron_progress_and_norm_identity(loss):
    """The perceptron argument of Brutzkus et al. (2018), checked step by step with
    single-row partial_fit (fixed layer):
    <W, W*> rises by eta g v y<w*, x> sum sigma' >= 2 k alpha eta v g, and
    ||W_{t+1}||^2 = ||W_t||^2 + 2 eta g z_t + ||dW_t||^2.
    """
    X, y, info = make_linear_teacher(60, 5, margin=0.1, random_state=4)
    k, alpha, eta = 7, 0.3, 0.5
    est = L(
        n_hidden_per_group=k,
        negative_slope=alpha,
        loss=loss,
        learning_rate=eta,
        input_scaling=None,
        random_state=0,
    )
    est.partial_fit(X[:1], y[:1], classes=[-1.0, 1.0])
    v = est.output_scale_
    Wstar = np.stack([np.tile(-info.coef, (k, 1)), np.tile(info.coef, (k, 1))])
    n_moves = 0
    for i in range(1, 60):
        xs, Z, yy, z = _pre_step(est, X[i], y[i])
        g = _g(z, loss)
        W0 = est.coef_hidden_.copy()
        est.partial_fit(X[i : i + 1], y[i : i + 1])
        W1 = est.coef_hidden_
        gain = np.sum(W1 * Wstar) - np.sum(W0 * Wstar)
        expected = eta * g * v * yy * (info.coef @ xs) * _dsigma(Z, alpha).sum()
        assert gain == pytest.approx(expected, rel=1e-10, abs=1e-14)
        assert gain >= 2 * k * alpha * eta * v * g - 1e-14
        dW = W1 - W0
        lhs = np.sum(W1**2)
        rhs = np.sum(W0**2) + 2 * eta * g * z + np.sum(dW**2)
        assert lhs == pytest.approx(rhs, rel=1e-10)
        n_moves += g > 0
    assert n_moves > 10


def test_hinge_stops_at_zero_hinge_loss(teacher20):
    """Hinge loss (Brutzkus et al. 2018; d = 20, n = 1000, eta = 0.05, small init): an
    epoch without a
    non-zero update ends the fit with every margin >= 1. Measured: 200 / 203 / 270
    epochs, 9853 / 9572 / 10554 non-zero updates for seeds 0 / 1 / 2; here seed 0.
    """
    X, y, _, Xt, yt = teacher20[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = L(loss="hinge", learning_rate=0.05, max_iter=300, log_every=0, random_state=0).fit(
            X, y
        )
    assert est.n_iter_ < 300
    assert (y * est.decision_function(X)).min() >= 1.0
    assert est.score(X, y) == 1.0 and est.score(Xt, yt) >= 0.998
    assert 0 < est.n_nonzero_updates_ < est.t_
    assert est.loss_curve_[-1] == 0.0


def test_scale_invariance(small_data):
    """With max-norm scaling, fit(X) and fit(7 X) are the same model."""
    X, y, _ = small_data
    a = L(n_hidden_per_group=5, max_iter=20, tol=None, random_state=0).fit(X, y)
    b = L(n_hidden_per_group=5, max_iter=20, tol=None, random_state=0).fit(7 * X, y)
    np.testing.assert_allclose(a.coef_hidden_, b.coef_hidden_, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(a.predict(X), b.predict(7 * X))
    assert b.input_scale_ == pytest.approx(7 * a.input_scale_)
    for factor in (1e300, 1e-300):  # extreme but finite: the same model, no overflow
        c = L(n_hidden_per_group=5, max_iter=20, tol=None, random_state=0)
        c.fit(factor * X, y)
        np.testing.assert_allclose(c.coef_hidden_, a.coef_hidden_, rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(c.predict(factor * X), a.predict(X))


def test_alpha_one_is_linear(small_data):
    """negative_slope = 1 makes N(x) = <v (sum w_i - sum u_i), x> exactly."""
    X, y, _ = small_data
    est = L(n_hidden_per_group=5, negative_slope=1.0, max_iter=5, random_state=0, hidden_bias=True)
    _quiet(est, X, y)
    Wg = _stacked(est)
    lin = est.output_scale_ * (Wg[1].sum(0) - Wg[0].sum(0))
    np.testing.assert_allclose(
        est.decision_function(X), _scaled(est, X) @ lin, rtol=1e-12, atol=1e-14
    )
    assert est.weight_clustering(X, n_probes=5000)["agreement"] == 1.0


def test_decision_function_is_the_closed_form(small_data):
    """The network of Sarussi et al. (2021):
    N_W(x) = v sum sigma(<w_i, x>) - v sum sigma(<u_i, x>).
    """
    X, y, _ = small_data
    est = L(n_hidden_per_group=4, max_iter=3, hidden_bias=True, random_state=0, init_scale=0.5)
    _quiet(est, X, y)
    Xs = _scaled(est, X)
    Wg = _stacked(est)
    v, a = est.output_scale_, est.negative_slope
    N = v * _sigma(Xs @ Wg[1].T, a).sum(1) - v * _sigma(Xs @ Wg[0].T, a).sum(1)
    np.testing.assert_allclose(est.decision_function(X), N, rtol=1e-12, atol=1e-14)
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-N)), rtol=1e-12)
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(proba), rtol=1e-10)


# --- NumPy reference of the per-sample SGD of the model, replayed in order


def _reference_epoch(est, Xs, labels, Wg, Aout, m, train):
    """One in-order pass of minibatch SGD on the grouped model: logit c is
    sum_i Aout[c, i] sigma(<Wg[c, i], x>); binary: N = logit_1 - logit_0.
    """
    alpha, eta = est.negative_slope, est.learning_rate_
    K = Wg.shape[0]
    binary = len(est.classes_) == 2
    for start in range(0, len(Xs), m):
        xb, lb = Xs[start : start + m], labels[start : start + m]
        dW = np.zeros_like(Wg)
        dA = np.zeros_like(Aout)
        for x, lab in zip(xb, lb, strict=True):
            Z = Wg @ x  # (K, k)
            logits = (Aout * _sigma(Z, alpha)).sum(1)
            if binary:
                yy = 1.0 if lab == 1 else -1.0
                z = yy * (logits[1] - logits[0])
                g = 1 / (1 + np.exp(z)) if est.loss == "log" else float(z < 1)
                dlogit = np.array([-g * yy, g * yy])  # -dloss/dlogit_c, c = 0, 1
            elif est.loss == "log":
                p = np.exp(logits - logits.max())
                p /= p.sum()
                dlogit = np.eye(K)[lab] - p
            else:
                rival = np.argmax(np.where(np.arange(K) == lab, -np.inf, logits))
                dlogit = np.zeros(K)
                if 1 + logits[rival] - logits[lab] > 0:
                    dlogit[lab], dlogit[rival] = 1.0, -1.0
            dW += (dlogit[:, None] * Aout * _dsigma(Z, alpha))[:, :, None] * x
            dA += dlogit[:, None] * _sigma(Z, alpha)
        Wg = Wg + eta * dW / len(xb)
        if train:
            Aout = Aout + eta * dA / len(xb)
    return Wg, Aout


@pytest.mark.parametrize(
    "n_classes, loss, train, m, intercept",
    [
        (2, "log", False, 1, False),
        (2, "hinge", False, 1, True),
        (2, "log", True, 3, False),
        (2, "hinge", True, 1, False),
        (3, "log", False, 1, True),
        (3, "hinge", False, 2, False),
        (3, "log", True, 1, False),
    ],
)
def test_sgd_matches_numpy_reference(n_classes, loss, train, m, intercept):
    """Three in-order epochs (partial_fit) from fitted weights
    equal a NumPy replay of the update rule, 1e-10 relative.
    """
    rng = np.random.default_rng(5)
    X = rng.standard_normal((31, 4))
    y = rng.integers(0, n_classes, size=31)
    est = L(
        n_hidden_per_group=3,
        loss=loss,
        train_second_layer=train,
        batch_size=m,
        hidden_bias=intercept,
        init_scale=0.3,
        max_iter=1,
        random_state=0,
    )
    _quiet(est, X, y)
    Xs = _scaled(est, X)
    Wg, Aout = _stacked(est).copy(), est.coef_output_.copy()
    for _ in range(3):
        est.partial_fit(X, y)
        Wg, Aout = _reference_epoch(est, Xs, y, Wg, Aout, m, train)
    np.testing.assert_allclose(_stacked(est), Wg, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(est.coef_output_, Aout, rtol=1e-10, atol=1e-13)
    if not train:
        assert np.all(est.coef_output_ == est.output_scale_)


def test_two_class_softmax_is_the_binary_logistic_model():
    """The K = 2 grouped network with softmax equals the paper's single
    output N_1 - N_0 with the logistic loss, step for step.
    """
    rng = np.random.default_rng(6)
    X = rng.standard_normal((25, 4))
    cls = rng.integers(0, 2, 25)
    k, v = 3, 0.4
    W0 = rng.standard_normal((2 * k, 4))
    A1 = np.concatenate([-v * np.ones(k), v * np.ones(k)])[None, :]
    A2 = np.zeros((2, 2 * k))
    A2[0, :k] = A2[1, k:] = v
    order = rng.permutation(25)
    kw = dict(eta=0.3, batch_size=1, n_epochs=1, negative_slope=0.3, train_A=False)
    Wa, Wb = W0.copy(), W0.copy()
    Xo, yo = X[order], np.where(cls[order] == 1, 1.0, -1.0)
    ta = run_sgd(Xo, yo, Wa, A1.copy(), loss="logistic", **kw)
    tb = run_sgd(Xo, cls[order].astype(float), Wb, A2.copy(), loss="softmax", **kw)
    np.testing.assert_allclose(Wa, Wb, rtol=1e-12, atol=1e-14)
    assert ta.loss_curve[0] == pytest.approx(tb.loss_curve[0], rel=1e-12)


def test_trained_second_layer_effective_weights(small_data):
    """With a trained layer the network is 'positive minus negative
    group' on |a_i| w_i grouped by sign(a_i), also after a sign flip.
    """
    X, y, _ = small_data
    est = L(n_hidden_per_group=4, train_second_layer=True, max_iter=3, random_state=0)
    _quiet(est, X, y)
    assert not np.allclose(est.coef_output_, est.output_scale_)
    est.coef_output_[1, 0] = -0.3  # a positive-group unit now votes for class 0
    W, A, _ = est._network()
    groups = effective_groups(W, A, 4, 2)
    assert [len(g) for g in groups] == [5, 3]
    Xs = _scaled(est, X)
    N = _sigma(Xs @ groups[1].T, est.negative_slope).sum(1) - _sigma(
        Xs @ groups[0].T, est.negative_slope
    ).sum(1)
    np.testing.assert_allclose(est.decision_function(X), N, rtol=1e-12, atol=1e-14)
    res = est.weight_clustering(X, y)
    assert res["group_sizes"].tolist() == [5, 3] and res["violations"] == 0


# --------------------------------------------------------------------------- claims


def test_small_init_clusters_and_agrees_with_linear_surrogate(teacher20):
    """Paper claims at the paper's size (d = 20, n = 1000, margin 0.05, k = 50, alpha = 0.3,
    eta = 0.5, init std 0.01, log loss), seeds 0 / 1 / 2. Measured after 1 epoch: train
    error 0, min coherence 0.9986 / 0.9987 / 0.9984. After 100 epochs: min coherence
    0.9991 / 0.9993 / 0.9999, rank-2 energy 0.9991 / 0.9989 / 0.9999, agreement with the
    linear surrogate 1.0 on test points and 0.9992 / 0.9992 / 1.0 on the unit ball,
    certified (radius form) 0.56 / 0.03 / 0.98, teacher cosine 0.9988 / 0.9985 / 0.9993,
    weak NAR 0.996 / 0.989 / 1.0, violations 0.
    """
    for seed, (X, y, info, Xt, yt) in enumerate(teacher20):
        one = L(max_iter=1, tol=None, log_every=0, random_state=seed, **SMALL)
        one.fit(X, y)
        assert one.score(X, y) == 1.0
        assert one.weight_clustering()["coherence_min"] >= 0.99
        est = L(max_iter=100, tol=None, log_every=0, random_state=seed, **SMALL)
        est.fit(X, y)
        res = est.weight_clustering(Xt, yt, teacher=info.coef, svm=False)
        assert est.score(X, y) == 1.0 and est.score(Xt, yt) >= 0.999
        assert res["coherence_min"] >= 0.995
        assert res["low_rank_energy"] >= 0.99
        # agreement measured 1.0 on the 4000 test points of every seed: at most 2 of
        # 4000 may disagree
        assert res["agreement"] >= 0.9995 and res["agreement_ball"] >= 0.995
        assert res["teacher_cosine"] >= 0.995
        assert res["nar_weak"] >= 0.98
        assert res["violations"] == 0


def test_large_init_clusters_slower_in_history(teacher20):
    """Same data, large init (std 1, eta = 0.05) against small, seed 0, 100 epochs, history
    every 10 epochs. Measured min coherence at epochs 10 / 50 / 100: small 0.9996 / 0.9994 /
    0.9991, large 0.33 / 0.54 / 0.62; large-init rank-2 energy 0.50 at the end, agreement
    with the surrogate 1.0 on the training rows and 0.989 on the ball: approximately
    linear without clusters (clustering is sufficient, not necessary).
    """
    X, y, info, _, _ = teacher20[0]
    small = L(max_iter=100, tol=None, random_state=0, **SMALL).fit(X, y, teacher=info.coef)
    large = L(max_iter=100, tol=None, random_state=0, **LARGE).fit(X, y, teacher=info.coef)
    hs, hl = small.history_, large.history_
    np.testing.assert_array_equal(hs["epoch"], np.arange(0, 101, 10))
    assert hs["coherence_min"][0] == pytest.approx(hl["coherence_min"][0])  # same directions
    assert np.all(hs["coherence_min"][1:] >= 0.99)
    assert np.all(hl["coherence_min"][1:] <= 0.8)
    assert np.all(np.diff(hl["coherence_min"]) > 0)  # large init: slow, steady clustering
    assert np.all(hs["coherence_min"][1:] > hl["coherence_min"][1:] + 0.15)
    assert hl["nar_weak"].max() <= 0.01 and hs["nar_weak"][-1] >= 0.95
    assert hl["teacher_cosine"][-1] >= 0.99 and hs["teacher_cosine"][-1] >= 0.995
    assert large.score(X, y) == 1.0
    assert large.weight_clustering(n_probes=20000)["agreement_ball"] >= 0.97


def test_digits_small_init_matches_svm_and_clusters():
    """Digits 3 vs 5 (70/30 split, 200 epochs, small init), seeds 0 and 3.
    Measured (learning_rate="auto": 0.637 / 0.633) test error 0.0 / 0.018 against the
    hard-margin SVM's 0.018 / 0.0, min coherence 0.9998, certified (test, radius form)
    0.855 / 0.90, agreement 1.0.
    """
    X, y, _ = load_digits_3_vs_5()
    for seed in (0, 3):
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            svm = LinearSVC(C=1e6, fit_intercept=False, max_iter=100_000).fit(Xtr, ytr)
        est = L(max_iter=200, tol=None, log_every=0, random_state=seed).fit(Xtr, ytr)
        res = est.weight_clustering(Xte, yte, svm=False)
        assert est.score(Xtr, ytr) == 1.0
        assert 1 - est.score(Xte, yte) <= 1 - svm.score(Xte, yte) + 0.02
        assert res["coherence_min"] >= 0.999 and res["certified_fraction"] >= 0.5
        assert res["agreement"] == 1.0 and res["violations"] == 0


def test_multiclass_blobs_groups_per_class():
    """K >= 3: one group per class; standardised blobs are learned."""
    from sklearn.datasets import make_blobs

    X, y = make_blobs(300, random_state=0)
    X = StandardScaler().fit_transform(X)
    est = L(max_iter=50, random_state=0)
    _quiet(est, X, y)
    # n_hidden_per_group="auto": ceil(100 / 3) = 34 units per class
    assert est.coef_hidden_.shape == (3, 34, 2) and est.decision_function(X).shape == (300, 3)
    assert est.score(X, y) >= 0.9
    assert est.output_scale_ == pytest.approx(1 / np.sqrt(102))
    res = est.weight_clustering(X, y)
    assert res["coherence"].shape == (3,) and res["violations"] == 0


# --------------------------------------------------------------------------- API


def test_history_and_attributes(small_data):
    X, y, info = small_data
    est = L(n_hidden_per_group=5, max_iter=23, tol=None, log_every=5, random_state=0).fit(X, y)
    h = est.history_
    np.testing.assert_array_equal(h["epoch"], [0, 5, 10, 15, 20, 23])
    assert set(h) == {
        "epoch",
        "loss",
        "train_error",
        "n_nonzero_updates",
        "weight_norm",
        "normalized_margin",
        "coherence_min",
        "low_rank_energy",
        "agreement",
        "certified_fraction",
        "nar_weak",
        "nar_strict",
        "teacher_cosine",
    }
    assert np.all(np.isnan(h["teacher_cosine"]))
    assert h["loss"][0] == pytest.approx(np.log(2), abs=0.01)  # tiny init: N ~ 0
    np.testing.assert_allclose(h["loss"][1:], est.loss_curve_[[4, 9, 14, 19, 22]])
    assert h["weight_norm"][-1] == pytest.approx(np.linalg.norm(est.coef_hidden_))
    assert est.n_iter_ == 23 and est.t_ == 23 * len(X) and est.n_nonzero_updates_ is None
    off = L(log_every=0, max_iter=2, tol=None).fit(X, y)
    assert off.history_["epoch"].size == 0
    withteacher = L(n_hidden_per_group=5, max_iter=10, tol=None, random_state=0)
    withteacher.fit(X, y, teacher=info.coef)
    assert withteacher.history_["teacher_cosine"][-1] > 0.9


def test_warm_start_continues_the_same_run(small_data):
    X, y, _ = small_data
    kw = dict(n_hidden_per_group=4, shuffle=False, tol=None, random_state=0, log_every=2)
    full = L(max_iter=5, **kw).fit(X, y)
    part = L(max_iter=3, warm_start=True, **kw).fit(X, y)
    part.set_params(max_iter=2).fit(X, y)
    np.testing.assert_allclose(part.coef_hidden_, full.coef_hidden_, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(part.loss_curve_, full.loss_curve_, rtol=1e-12, atol=1e-15)
    assert part.n_iter_ == 2 and part.t_ == full.t_
    np.testing.assert_array_equal(part.history_["epoch"], [0, 2, 3, 4, 5])
    with pytest.raises(ValueError, match="classes"):
        part.fit(X[y > 0], y[y > 0])


def test_partial_fit_contract(small_data):
    X, y, _ = small_data
    est = L(n_hidden_per_group=3)
    with pytest.raises(ValueError, match="classes must be passed"):
        est.partial_fit(X, y)
    est.partial_fit(X[:10], y[:10], classes=[-1, 1])
    est.partial_fit(X[10:20], y[10:20])
    assert est.n_iter_ == 2 and est.t_ == 20
    for _ in range(9):
        est.partial_fit(X[:5], y[:5])
    np.testing.assert_array_equal(est.history_["epoch"], [10])  # every 10 calls
    with pytest.raises(ValueError, match="not in classes_"):
        est.partial_fit(X[:3], [2, 1, 1])
    with pytest.raises(ValueError, match="differ"):
        est.partial_fit(X[:3], y[:3], classes=[-1, 1, 2])
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(X[:3, :4], y[:3])


def test_bad_input(small_data):
    X, y, _ = small_data
    est = L(n_hidden_per_group=3, max_iter=2)
    with pytest.raises(NotFittedError, match="LeakyReLUTwoLayerClassifier instance is not fitted"):
        est.predict(X)
    for bad in (
        np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X),
        np.where(np.arange(X.size).reshape(X.shape) == 3, np.inf, X),
    ):
        with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
            est.fit(bad, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        est.fit(X, y[:-1])
    with pytest.raises(ValueError, match="Found array with dim 3"):
        est.fit(X[:, :, None], y)
    with pytest.raises(ValueError, match="could not convert string to float"):
        est.fit(np.array([["a"] * 5] * 3), [0, 1, 0])
    with pytest.raises(ValueError, match="1 class"):
        est.fit(X[:1], y[:1])
    with pytest.raises(ValueError, match="1 class"):
        est.fit(X, np.ones(len(y)))
    with pytest.raises(ValueError, match="Unknown label type"):
        est.fit(X, np.linspace(0, 1, len(y)))
    _quiet(est, X, y)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :3])
    with pytest.raises(ValueError, match="teacher"):
        est.fit(X, y, teacher=np.ones(3))


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_warnings_and_divergence(small_data):
    X, y, _ = small_data
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        L(n_hidden_per_group=3, loss="hinge", max_iter=1).fit(X, y)
    with pytest.warns(UserWarning, match="plain ReLU"):
        _quiet(L(n_hidden_per_group=3, negative_slope=0.0, max_iter=1), X, y)
    unscaled = L(n_hidden_per_group=3, input_scaling=None, learning_rate=0.5, random_state=0)
    with pytest.raises(FloatingPointError, match="input_scaling"):  # trained layers blow up
        clone(unscaled).set_params(train_second_layer=True).fit(1e3 * X, y)
    with pytest.raises(ValueError, match="input_scaling='max_norm'"):  # squares overflow
        clone(unscaled).fit(1e160 * X, y)
    # the default max-norm scaling makes the same data harmless
    assert L(n_hidden_per_group=3, max_iter=3, tol=None).fit(1e160 * X, y).score(1e160 * X, y) > 0.9


def test_pickle_determinism_and_clone(small_data):
    X, y, _ = small_data
    est = L(n_hidden_per_group=4, max_iter=5, random_state=3)
    _quiet(est, X, y)
    again = _quiet(clone(est), X, y)
    np.testing.assert_array_equal(est.coef_hidden_, again.coef_hidden_)
    other = _quiet(L(n_hidden_per_group=4, max_iter=5, random_state=4), X, y)
    assert not np.allclose(est.coef_hidden_, other.coef_hidden_)
    loaded = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(loaded.decision_function(X), est.decision_function(X))
    assert loaded.history_.keys() == est.history_.keys()


def test_pipeline_gridsearch_cross_val(small_data):
    X, y, _ = small_data
    pipe = make_pipeline(StandardScaler(), L(n_hidden_per_group=4, max_iter=30, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=3)
        gs = GridSearchCV(pipe, {"leakyrelutwolayerclassifier__negative_slope": [0.1, 0.5]}, cv=3)
        gs.fit(X, y)
    assert scores.mean() > 0.9 and gs.best_score_ > 0.9


def test_demo_section_runs_small(tmp_path, capsys):
    from sklearn_relu._demo import leaky

    out = tmp_path / "leaky.png"
    rows = leaky.run(out=str(out), n_samples=300, n_features=10, max_iter=20)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert {r["init"] for r in rows} == {"small", "large"}
    assert all(r["violations"] == 0 for r in rows)
    assert "coherence" in capsys.readouterr().out


def test_failed_warm_fit_keeps_the_fitted_model_usable():
    X, y, _ = make_linear_teacher(200, 5, random_state=0)
    clf = LeakyReLUTwoLayerClassifier(warm_start=True, max_iter=3, tol=None, random_state=0).fit(
        X, y
    )
    before = clf.predict(X)
    with pytest.raises(ValueError, match="features"):
        clf.fit(np.hstack([X, X[:, :1]]), y)
    assert clf.n_features_in_ == 5
    np.testing.assert_array_equal(clf.predict(X), before)
