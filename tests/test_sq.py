"""BiasedReLURegressorSQ and the SQ oracles: the paper's claims at small size (fixed
seeds, margins measured and stated), the oracle contract, and the estimator's
bookkeeping.
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils import check_random_state

from sklearn_relu import BiasedReLURegressorSQ, GDReLURegressor
from sklearn_relu._gaussian import relu_tail_prob
from sklearn_relu.datasets import (
    make_biased_relu,
    make_biased_relu_halfspace_noise,
    make_biased_relu_tilted_noise,
)
from sklearn_relu.diagnostics import cosine, loss_ratio
from sklearn_relu.metrics import half_squared_loss
from sklearn_relu.oracles import ArrayOracle, NoisyOracle
from sklearn_relu.utils._testing import assert_allclose_scaled
from sklearn_relu.utils.validation import split_folds


def _instance(make, n, d, bias, seed, **kw):
    X, y, info = make(n, d, bias=bias, random_state=seed, **kw)
    Xt, yt, _ = make(200_000, d, bias=bias, direction=info.direction, random_state=seed + 100, **kw)
    return X, y, info, Xt, yt


# ------------------------------------------------------------ paper claims, small


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_halfspace_noise_sq_succeeds_where_gd_fails(seed):
    """Scenario A at d=10, b=-3, kappa=2, n=1e5 (zero/planted = 9.9). Measured:
    SQ 1.66 / 1.51 / 1.29, Adam-GD 7.3 / 7.3 / 9.6 (cos -1) for seeds 0 / 1 / 2.
    """
    X, y, info, Xt, yt = _instance(make_biased_relu_halfspace_noise, 100_000, 10, -3.0, seed)
    sq = BiasedReLURegressorSQ(random_state=seed).fit(X, y)
    assert loss_ratio(sq, Xt, yt, info) < 2.0
    assert cosine(sq.coef_, info.direction) > 0.99
    for solver in ("adam", "lbfgs"):  # the decoy is the landscape's, not Adam's
        gd = GDReLURegressor(solver=solver).fit(X, y)
        assert loss_ratio(gd, Xt, yt, info) > 4.0
        assert cosine(gd.coef_, info.direction) < -0.9


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_halfspace_noise_moderate_bias_sq_within_30_percent(seed):
    """d=10, b=-2.5, n=5e4. Measured SQ ratios 1.04 / 1.22 / 1.05."""
    X, y, info, Xt, yt = _instance(make_biased_relu_halfspace_noise, 50_000, 10, -2.5, seed)
    sq = BiasedReLURegressorSQ(random_state=seed).fit(X, y)
    assert loss_ratio(sq, Xt, yt, info) <= 1.3


def test_tilted_noise_pgd_improves_on_the_pca_warm_start():
    """Scenario B: d=10, b=-3, n=5e5, one warm start (quantile threshold). Measured
    (PCA-only ratio, PGD / PCA) for seeds 0..4: (1.52, 1.00), (1.20, 1.00),
    (1.33, 1.00), (6.29, 0.29), (3.64, 0.29): PGD takes no step from a warm start that
    is already good, and cuts a poor one (ratio > 2) by more than half.
    """
    poor = 0
    for seed in range(5):
        X, y, info, Xt, yt = _instance(make_biased_relu_tilted_noise, 500_000, 10, -3.0, seed)
        kw = dict(
            bias_grid=[-3.0],
            threshold_rule="quantile",
            include_gd=False,
            include_linear=False,
            random_state=seed,
        )
        pca = BiasedReLURegressorSQ(max_iter=0, **kw).fit(X, y)
        pgd = BiasedReLURegressorSQ(**kw).fit(X, y)
        r_pca, r_pgd = loss_ratio(pca, Xt, yt, info), loss_ratio(pgd, Xt, yt, info)
        assert r_pgd <= 1.05 * r_pca  # never clearly worse
        assert r_pgd <= 2.5  # measured at most 1.97
        assert cosine(pgd.coef_, info.direction) >= cosine(pca.coef_, info.direction) - 1e-3
        if r_pca > 2.0:
            poor += 1
            assert r_pgd <= 0.5 * r_pca
    assert poor >= 2  # the improvement above was exercised


@pytest.mark.parametrize("bias, sq_only_bar", [(-1.0, 2.5), (-0.5, 1.5), (0.0, None)])
def test_easy_bias_sq_within_10_percent(bias, sq_only_bar):
    """Scenario D: d=10, n=2e4, noise 0.1. Measured ratios of the full learner
    1.0007 / 1.0015 / 1.0012 (the GD candidate wins) and of its SQ stages alone
    (no GD, no linear candidate) 1.96 / 1.22 / 10.5 at biases -1 / -0.5 / 0: the SQ
    stages are a constant-factor method whose grid holds only negative biases, and
    the selection must pick the candidate that fits.
    """
    X, y, info, Xt, yt = _instance(make_biased_relu, 20_000, 10, bias, 0, noise=0.1)
    sq = BiasedReLURegressorSQ(random_state=0).fit(X, y)
    assert loss_ratio(sq, Xt, yt, info) <= 1.1
    stages = BiasedReLURegressorSQ(random_state=0, include_gd=False, include_linear=False).fit(X, y)
    assert set(stages.candidates_["kind"][1:]) <= {"pca", "pgd"}
    r = loss_ratio(stages, Xt, yt, info)
    if sq_only_bar is None:
        assert r > 5.0 and sq.candidates_["kind"][sq.selected_] == "gd"
    else:
        assert r <= sq_only_bar


# ------------------------------------------------------------------- oracles


@pytest.fixture(scope="module")
def tail_data():
    X, y, info = make_biased_relu_halfspace_noise(20_000, 5, bias=-2.0, random_state=3)
    fold = (np.random.default_rng(0).random(len(y)) < 0.2).astype(np.int64)
    return X, y, info, fold


def test_array_oracle_answers_are_means(tail_data):
    X, y, info, fold = tail_data
    sw = np.random.default_rng(1).uniform(0.5, 2, len(y))
    o = ArrayOracle(X, y, sw, fold)
    tr = fold == 0
    W, B = np.vstack([info.direction, -info.direction]), np.array([-2.0, 0.5])
    st = o.scale_stats(W, B)
    s = np.maximum(X @ W.T + B, 0)
    for k, m in enumerate([tr, ~tr]):
        assert_allclose_scaled(st[k, :2], np.average(y[m, None] * s[m], axis=0, weights=sw[m]))
        assert_allclose_scaled(st[k, 4], np.average(y[m] ** 2, weights=sw[m]))
        assert st[k, 5] == pytest.approx(sw[m].sum(), rel=1e-12)
    taus = np.array([0.5, 2.0, 1.0])  # any order
    M, S, c = o.thresholded_moments(taus)
    for j, tau in enumerate(taus):
        m = tr & (np.abs(y) >= tau)
        np.testing.assert_allclose(
            M[j], (X[m] * sw[m, None]).T @ X[m] / sw[tr].sum(), rtol=1e-10, atol=1e-14
        )
        assert c[j] == pytest.approx(sw[m].sum() / sw[tr].sum(), rel=1e-12)
    mom = o.moments()
    assert_allclose_scaled(mom["cross_xy"], np.average(X[tr] * y[tr, None], axis=0, weights=sw[tr]))
    q = o.abs_y_quantile(0.9)
    assert np.average(np.abs(y[tr]) <= q, weights=sw[tr]) >= 0.9
    assert np.average(np.abs(y[tr]) < q, weights=sw[tr]) < 0.9


def test_noisy_oracle_stays_within_tolerance_and_is_seeded(tail_data):
    X, y, info, fold = tail_data
    exact = ArrayOracle(X, y, fold=fold)
    W, B = info.direction[None, :], np.array([-2.0])
    ref = exact.scale_stats(W, B)
    tau = 1e-3
    a = NoisyOracle(exact, tau, random_state=0).scale_stats(W, B)
    b = NoisyOracle(exact, tau, random_state=0).scale_stats(W, B)
    np.testing.assert_array_equal(a, b)
    diff = np.abs(a[:, :-1] - ref[:, :-1])
    assert np.all(diff <= tau) and np.any(diff > 0)
    r = NoisyOracle(exact, tau, random_state=1).reweighted_first_moment(info.direction, 1.0, 1.99)
    assert np.all(np.abs(r - exact.reweighted_first_moment(info.direction, 1.0, 1.99)) <= tau)
    with pytest.raises(ValueError, match="tolerance"):
        NoisyOracle(exact, -1.0)


# -------------------------------------------------------------- bookkeeping


@pytest.fixture(scope="module")
def fitted(tail_data):
    X, y, _, _ = tail_data
    return BiasedReLURegressorSQ(random_state=0).fit(X, y), X, y


def _validation_rows(X, y, random_state=0, fraction=0.2):
    """The held-out rows of a default fit, recomputed: the split is the first draw
    from ``random_state``.
    """
    fold, _ = split_folds(X, y, None, fraction, check_random_state(random_state))
    return fold == 1


def test_candidates_table_and_selection(fitted):
    """Every candidate's recorded loss is its half squared loss on the held-out
    rows, recomputed here in NumPy; the winner is their argmin and, on this tail
    problem (d=5, b=-2), an SQ-stage candidate clearly ahead of GD and the linear
    fit (measured 0.559 against 0.731 and 0.788).
    """
    est, X, y = fitted
    c = est.candidates_
    n = len(c["kind"])
    assert list(c["kind"][:3]) == ["zero", "linear", "gd"]
    assert set(c["kind"][3:]) <= {"pca", "pgd"} and "pca" in set(c["kind"])
    for key in (
        "bias",
        "threshold",
        "iteration",
        "scale",
        "intercept",
        "val_loss",
        "cos_to_warm_start",
    ):
        assert c[key].shape == (n,)
    assert c["coef"].shape == (n, X.shape[1])
    val = _validation_rows(X, y)
    assert 0.2 * len(y) <= val.sum() <= 0.2 * len(y) + 1
    pred = np.maximum(X[val] @ c["coef"].T + c["intercept"], 0)
    recomputed = 0.5 * np.mean((y[val, None] - pred) ** 2, axis=0)
    np.testing.assert_allclose(c["val_loss"], recomputed, rtol=1e-9)
    assert est.selected_ == int(np.argmin(recomputed))
    assert c["kind"][est.selected_] == "pgd"
    assert est.loss_ <= 0.8 * min(c["val_loss"][1], c["val_loss"][2])
    # default grid: steps of 0.5 while n_train * q(bhat) >= min_tail_samples = 30
    n_train = len(y) - val.sum()
    grid = est.bias_grid_
    np.testing.assert_array_equal(grid, -0.5 * np.arange(1, len(grid) + 1))
    assert n_train * relu_tail_prob(grid[-1]) >= 30 > n_train * relu_tail_prob(grid[-1] - 0.5)
    assert est.n_iter_ >= 1
    assert set(est.history_["stage_seconds"]) == {"baselines", "pca", "pgd", "selection"}
    # pgd iterates are unit-direction rotations of their warm start
    pgd = c["kind"] == "pgd"
    assert np.all(c["cos_to_warm_start"][pgd] <= 1 + 1e-12)


def test_zero_candidate_loss_and_refit(fitted):
    est, X, y = fitted
    c = est.candidates_
    assert np.all(c["coef"][0] == 0) and c["intercept"][0] == -1.0
    # the zero candidate predicts 0: its loss is 0.5 E[y^2] on the held-out rows
    val = _validation_rows(X, y)
    assert c["val_loss"][0] == pytest.approx(0.5 * np.mean(y[val] ** 2), rel=1e-12)
    np.testing.assert_allclose(
        est.coef_, est.scale_ * est.direction_, rtol=0, atol=1e-12 * est.scale_
    )
    assert est.intercept_ == pytest.approx(est.scale_ * est.normalized_bias_)
    # the refitted scale is the closed-form optimum on all rows
    s = np.maximum(X @ est.direction_ + est.normalized_bias_, 0)
    assert est.scale_ == pytest.approx(max(0.0, (s @ y) / (s @ s)), rel=1e-10)


def test_whitening_maps_the_neuron_back():
    """On x' = L x + m the whitened fit finds the same neuron in original units."""
    X, y, info = make_biased_relu_halfspace_noise(100_000, 5, bias=-2.5, random_state=4)
    rng = np.random.default_rng(0)
    L = np.eye(5) + 0.3 * rng.standard_normal((5, 5))
    Xa = X @ L.T + rng.standard_normal(5)
    est = BiasedReLURegressorSQ(whiten=True, random_state=0).fit(Xa, y)
    ref = BiasedReLURegressorSQ(random_state=0).fit(X, y)
    assert half_squared_loss(y, est.predict(Xa)) < 1.1 * half_squared_loss(y, ref.predict(X))
    # in original units the neuron is relu(<x', A^T v'> + c): its direction in x-space
    assert cosine(L.T @ est.coef_, info.direction) > 0.98


def test_deterministic_and_parameter_errors(tail_data):
    X, y, _, _ = tail_data
    a = BiasedReLURegressorSQ(random_state=5).fit(X, y)
    b = clone(a).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.intercept_ == b.intercept_
    with pytest.raises(ValueError, match="negative"):
        BiasedReLURegressorSQ(bias_grid=[-1.0, 0.5]).fit(X, y)
    with pytest.raises(ValueError, match="scale_grid"):
        BiasedReLURegressorSQ(scale_grid=[1.0, -2.0]).fit(X, y)
    with pytest.warns(UserWarning, match="min_tail_samples"):
        BiasedReLURegressorSQ(bias_grid=[-4.5], random_state=0).fit(X, y)


@pytest.mark.parametrize(
    "kw",
    [
        dict(step="geometric"),
        dict(threshold_rule="both", pca_sign="both"),
        dict(truncate_x=6.0, rho=0.58),
    ],
)
def test_options_find_the_planted_neuron(kw, tail_data):
    """Each option's SQ stages win and land on the planted neuron. Measured loss
    ratios 1.0038 / 1.0017 / 1.0032 (defaults 1.0030); winner's held-out loss 0.559
    against the GD candidate's 0.731.
    """
    X, y, info, _ = tail_data
    Xt, yt, _ = make_biased_relu_halfspace_noise(
        200_000, 5, bias=-2.0, direction=info.direction, random_state=103
    )
    est = BiasedReLURegressorSQ(random_state=0, **kw).fit(X, y)
    c = est.candidates_
    assert c["kind"][est.selected_] == "pgd"
    assert loss_ratio(est, Xt, yt, info) <= 1.02
    assert est.loss_ <= 0.8 * c["val_loss"][2]
    if kw.get("pca_sign") == "both":
        pca = c["kind"] == "pca"
        assert np.sum(pca) % 2 == 0  # each warm start with its mirror image
        np.testing.assert_allclose(
            c["coef"][pca][0::2] / c["scale"][pca][0::2, None],
            -c["coef"][pca][1::2] / c["scale"][pca][1::2, None],
            rtol=0,
            atol=1e-12,
        )


# --------------------------------------------------------------------- dask


def test_dask_oracle_matches_array_oracle(tail_data):
    da = pytest.importorskip("dask.array")
    from sklearn_relu.oracles import DaskOracle

    X, y, info, fold = tail_data
    sw = np.random.default_rng(2).uniform(0.5, 2, len(y))
    a = ArrayOracle(X, y, sw, fold)
    d = DaskOracle(da.from_array(X, chunks=(3001, 2)), da.from_array(y, chunks=5000), sw, fold)
    w = info.direction
    assert_allclose_scaled(
        d.scale_stats(np.vstack([w, -w]), [-2.0, 0.1]),
        a.scale_stats(np.vstack([w, -w]), [-2.0, 0.1]),
        rtol=1e-12,
    )
    assert_allclose_scaled(
        d.reweighted_first_moment(w, 1.0, 1.99), a.reweighted_first_moment(w, 1.0, 1.99), rtol=1e-12
    )
    for x1, x2 in zip(
        d.thresholded_moments([1.0, 0.2]), a.thresholded_moments([1.0, 0.2]), strict=True
    ):
        assert_allclose_scaled(x1, x2, rtol=1e-12)
    for key, val in a.moments().items():
        assert_allclose_scaled(d.moments()[key], val, rtol=1e-12)
    assert_allclose_scaled(d.fold_sizes(), a.fold_sizes(), rtol=1e-12)
    assert d.abs_y_quantile(0.95) == a.abs_y_quantile(0.95)
    np.testing.assert_array_equal(d.fold_weights(), a.fold_weights())


@pytest.mark.parametrize("whiten", [False, True])
def test_fit_on_a_dask_array_agrees_with_in_memory(whiten):
    da = pytest.importorskip("dask.array")
    X, y, _ = make_biased_relu_halfspace_noise(30_000, 5, bias=-2.0, random_state=3)
    ref = BiasedReLURegressorSQ(whiten=whiten, random_state=0).fit(X, y)
    est = BiasedReLURegressorSQ(whiten=whiten, random_state=0).fit(
        da.from_array(X, chunks=(7000, 5)), y
    )
    assert est.selected_ == ref.selected_
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-10, abs=1e-12)
    assert est.n_features_in_ == 5
    np.testing.assert_allclose(est.predict(X), ref.predict(X), rtol=1e-10, atol=1e-12)


def test_dask_input_is_validated():
    da = pytest.importorskip("dask.array")
    X, y, _ = make_biased_relu(1000, 3, random_state=0)
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        BiasedReLURegressorSQ().fit(da.from_array(X, chunks=400), y)
    with pytest.raises(ValueError, match="1-D"):
        BiasedReLURegressorSQ().fit(da.from_array(X, chunks=400), y[:-1])


def test_oracle_tolerance_is_the_sq_model():
    """Answers within tau: tau = 0 is the exact fit; at d=10, b=-3, n=1e5 a tolerance
    of 1e-5 still learns (measured ratio 1.65), 1e-2 drowns the tail signal (8.1,
    zero/planted 9.9). The inner GD's step safeguard stops at oracle precision
    instead of reporting a divergence.
    """
    X, y, info, Xt, yt = _instance(make_biased_relu_halfspace_noise, 100_000, 10, -3.0, 0)
    exact = BiasedReLURegressorSQ(random_state=0).fit(X, y)
    zero_tol = BiasedReLURegressorSQ(random_state=0, oracle_tolerance=0.0).fit(X, y)
    np.testing.assert_array_equal(exact.coef_, zero_tol.coef_)
    fine = BiasedReLURegressorSQ(random_state=0, oracle_tolerance=1e-5).fit(X, y)
    coarse = BiasedReLURegressorSQ(random_state=0, oracle_tolerance=1e-2).fit(X, y)
    assert loss_ratio(fine, Xt, yt, info) < 2.0
    assert loss_ratio(coarse, Xt, yt, info) > 4.0


def test_composes_with_scikit_learn(tail_data):
    """cross_val_score, GridSearchCV and a pickled Pipeline give what a hand-written
    loop over the same folds gives. Measured 3-fold R^2 0.196 / 0.353 / 0.231 and a
    training R^2 of 0.270 through the pipeline (heavy half-space noise caps R^2).
    """
    import pickle

    from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, _, _ = tail_data
    est = BiasedReLURegressorSQ(random_state=0)
    cv = KFold(3)
    scores = cross_val_score(est, X, y, cv=cv)
    by_hand = [clone(est).fit(X[tr], y[tr]).score(X[te], y[te]) for tr, te in cv.split(X)]
    np.testing.assert_array_equal(scores, by_hand)
    assert scores.min() >= 0.15
    grid = {"rho": [0.5, 0.58], "threshold_rule": ["paper", "quantile"]}
    search = GridSearchCV(est, grid, cv=cv).fit(X, y)
    assert search.best_score_ == pytest.approx(
        max(
            np.mean(cross_val_score(clone(est).set_params(**p), X, y, cv=cv))
            for p in search.cv_results_["params"]
        ),
        rel=1e-12,
    )
    pipe = make_pipeline(StandardScaler(), est).fit(X, y)
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(again.predict(X), pipe.predict(X))
    assert pipe.score(X, y) >= 0.22


@pytest.mark.parametrize("n_jobs", [1, None])
def test_whitening_runs_blas_on_the_fits_threads(monkeypatch, n_jobs):
    """The moment query and the eigendecomposition of the whitening follow n_jobs
    (and, at None, the one-thread rule for small inputs) like the rest of the fit, not
    BLAS's default.
    """
    from threadpoolctl import threadpool_limits

    from sklearn_relu import oracles
    from sklearn_relu.utils._testing import assert_blas_on_one_thread, spy_blas_threads

    moments = spy_blas_threads(monkeypatch, oracles, "_moment_sums")
    eigh = spy_blas_threads(monkeypatch, np.linalg, "eigh")
    X, y, _ = make_biased_relu(2000, 4, bias=-0.5, noise=0.1, random_state=0)
    with threadpool_limits(2, user_api="blas"):
        BiasedReLURegressorSQ(whiten=True, n_jobs=n_jobs, random_state=0).fit(X, y)
    assert_blas_on_one_thread(moments, "_moment_sums")
    assert_blas_on_one_thread(eigh, "np.linalg.eigh")
