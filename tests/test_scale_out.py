"""Scale-out on real engines on loopback: a dask.distributed LocalCluster with two worker
processes (one numba/BLAS thread each), and ray where it is installed.

The cluster starts once per module (a few seconds, plus the numba compile in each
worker the first time; CI keeps the compiled kernels in NUMBA_CACHE_DIR). The test
that kills a worker runs last.
"""

import os
import signal
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sklearn_relu import (
    BiasedReLURegressorSQ,
    GDReLURegressor,
    GiantStepRegressor,
    TwoLayerXORClassifier,
)
from sklearn_relu.datasets import (
    dump_zarr,
    load_zarr,
    make_biased_relu_halfspace_noise,
    make_biased_relu_tilted_noise,
    make_giant_step_target,
    make_xor_hypercube,
)
from sklearn_relu.oracles import ArrayOracle, DaskOracle
from sklearn_relu.utils import worker_thread_env
from sklearn_relu.utils._testing import assert_allclose_scaled

distributed = pytest.importorskip("dask.distributed")
joblib = pytest.importorskip("joblib")


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cluster's own deprecation chatter
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env=worker_thread_env(1),
        )
        with distributed.Client(cluster) as c:
            yield c
        cluster.close()


def _numba_threads():
    import numba

    return numba.config.NUMBA_NUM_THREADS


def test_workers_do_not_oversubscribe(client):
    assert set(client.run(_numba_threads).values()) == {1}


def _search(est, grid, X, y):
    return GridSearchCV(est, grid, cv=3).fit(X, y)


def test_grid_search_under_the_dask_joblib_backend_matches_sequential(client):
    X, y, _ = make_biased_relu_halfspace_noise(3000, 5, bias=-1.0, random_state=0)
    grid = {"learning_rate": [0.1, 0.5], "solver": ["gd", "adam"]}
    est = GDReLURegressor(max_iter=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        seq = _search(est, grid, X, y)
        with joblib.parallel_config(backend="dask"):
            par = GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(X, y)
    np.testing.assert_allclose(
        par.cv_results_["mean_test_score"], seq.cv_results_["mean_test_score"], rtol=1e-12
    )
    assert par.best_params_ == seq.best_params_


def test_xor_grid_search_on_the_cluster(client):
    X, y, _ = make_xor_hypercube(3000, 16, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with joblib.parallel_config(backend="dask"):
            gs = GridSearchCV(
                TwoLayerXORClassifier(random_state=0), {"n_hidden": [2, 32]}, cv=3, n_jobs=-1
            ).fit(X, y)
    assert gs.best_params_ == {"n_hidden": 32} and gs.best_score_ > 0.95


def test_sq_learner_fits_a_dask_array_on_the_cluster(client):
    da = pytest.importorskip("dask.array")
    X, y, _ = make_biased_relu_halfspace_noise(30_000, 5, bias=-2.0, random_state=3)
    params = dict(validation_fraction=0.2, random_state=0)  # folds travel to the workers
    ref = BiasedReLURegressorSQ(**params).fit(X, y)
    Xd = client.persist(da.from_array(X, chunks=(7000, 5)))  # the rows live on the workers
    est = BiasedReLURegressorSQ(**params).fit(Xd, y)
    assert est.selected_ == ref.selected_
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-10, abs=1e-12)
    assert est.history_["n_queries"] == ref.history_["n_queries"]


@pytest.fixture(scope="module")
def oracle_data():
    X, y, info = make_biased_relu_halfspace_noise(20_000, 5, bias=-2.0, random_state=3)
    fold = (np.random.default_rng(0).random(len(y)) < 0.2).astype(np.int64)
    sw = np.random.default_rng(1).uniform(0.5, 2, len(y))
    return X, y, info, fold, sw


def _all_queries(o, w):
    u = np.roll(w, 1) - (np.roll(w, 1) @ w) * w
    u /= np.linalg.norm(u)
    W, B = np.vstack([w, -w, u]), np.array([-2.0, 0.1, 0.0])
    out = [
        o.loss_grad(w, -1.5, 0, 0.0),
        o.loss_grad(0.5 * w, 0.2, 1, 1.0),
        o.scale_stats(W, B),
        o.scale_stats(W, B, all_rows=True),
        o.geodesic_stats(w, u, np.linspace(0.0, 0.4, 5), -2.0),
        *o.thresholded_moments([1.0, 0.2, 2.5]),
        o.reweighted_first_moment(w, 1.0, 1.99),
        o.reweighted_first_moment(w, 1.0, 1.0, truncate_x=3.0),
        *o.moments().values(),
        o.fold_weights(),
        o.fold_sizes(),
        np.array([o.abs_y_quantile(q) for q in (0.5, 0.95)]),
    ]
    return out


@pytest.mark.parametrize("weighted", [True, False])
@pytest.mark.parametrize("folded", [True, False])
def test_dask_oracle_on_the_cluster_answers_every_query_as_memory(
    client, oracle_data, weighted, folded
):
    da = pytest.importorskip("dask.array")
    X, y, info, fold, sw = oracle_data
    sw = sw if weighted else None
    fold = fold if folded else None
    mem = ArrayOracle(X, y, sw, fold)
    Xd = client.persist(da.from_array(X, chunks=(3001, 5)))  # uneven chunks
    dsk = DaskOracle(Xd, da.from_array(y, chunks=5000), sw, fold)
    assert dsk._blocks.workers() == set(client.nthreads())  # both workers hold rows
    got_all, want_all = _all_queries(dsk, info.direction), _all_queries(mem, info.direction)
    for got, want in zip(got_all, want_all, strict=True):
        assert_allclose_scaled(got, want, rtol=1e-10)
    assert dsk.n_queries == mem.n_queries == 9  # one round trip per query


def test_dump_zarr_round_trip_chunk_by_chunk(tmp_path):
    pytest.importorskip("zarr")
    calls = []

    def make(n, d, **kw):
        calls.append(n)
        return make_biased_relu_halfspace_noise(n, d, **kw)

    path = str(tmp_path / "store.zarr")
    info = dump_zarr(make, path, 2500, 4, chunk_rows=1000, bias=-1.5, random_state=0)
    assert calls == [1000, 1000, 500]  # never more than one chunk in memory
    X, y, stored = load_zarr(path)
    assert X.shape == (2500, 4) and X.chunks[0] == (1000, 1000, 500)
    for key in ("coef", "direction", "intercept", "planted_loss", "c"):
        np.testing.assert_array_equal(stored[key], info[key])
    X, y = X.compute(), y.compute()
    z = X @ info.direction
    planted = info.scale * np.maximum(z + info.bias, 0.0)
    # every row follows the one planted model: y = A relu(z + b) + A c 1{z < 0}
    np.testing.assert_allclose(y, planted + info.scale * info.c * (z < 0), rtol=1e-12, atol=1e-12)
    assert stored.planted_loss_empirical == pytest.approx(0.5 * np.mean((y - planted) ** 2))
    assert len({tuple(X[i * 1000]) for i in range(3)}) == 3  # chunks are fresh draws
    again = dump_zarr(
        make, str(tmp_path / "b.zarr"), 2500, 4, chunk_rows=1000, bias=-1.5, random_state=0
    )
    np.testing.assert_array_equal(load_zarr(str(tmp_path / "b.zarr"))[0].compute(), X)
    assert again.planted_loss_empirical == stored.planted_loss_empirical


def test_dump_zarr_keeps_nested_planted_info(tmp_path):
    pytest.importorskip("zarr")

    def make(n, d, *, random_state, direction=None):  # the giant-step target's signature
        X, y, info = make_giant_step_target(
            "h124", n, d, directions=direction, random_state=random_state
        )
        info["direction"] = info["directions"]
        return X, y, info

    path = str(tmp_path / "gs.zarr")
    info = dump_zarr(make, path, 300, 8, chunk_rows=100, random_state=0)
    X, y, stored = load_zarr(path)
    assert len(stored.learnable_subspaces) == len(info.learnable_subspaces) > 0
    for got, want in zip(stored.learnable_subspaces, info.learnable_subspaces, strict=True):
        np.testing.assert_array_equal(got, want)
    s = X.compute() @ info.directions.T  # y is the h124 target of the shared directions
    h = s + (s**2 - 1) / 2 + (s**4 - 6 * s**2 + 3) / 24
    np.testing.assert_allclose(y.compute(), h.sum(axis=1) / 2, rtol=1e-10, atol=1e-10)


def test_dump_zarr_refuses_a_model_redrawn_per_chunk(tmp_path):
    pytest.importorskip("zarr")
    # the tilted generator draws its noise direction u from the seed: a new u per chunk
    with pytest.raises(ValueError, match="different planted information"):
        dump_zarr(
            make_biased_relu_tilted_noise,
            str(tmp_path / "t.zarr"),
            200,
            4,
            chunk_rows=100,
            random_state=0,
        )
    with pytest.raises(ValueError, match="not a store written by dump_zarr"):
        load_zarr(str(tmp_path / "t.zarr"))


def test_sq_fit_from_a_zarr_store_on_the_cluster(client, tmp_path):
    pytest.importorskip("zarr")
    path = str(tmp_path / "store.zarr")
    dump_zarr(
        make_biased_relu_halfspace_noise,
        path,
        24_000,
        5,
        chunk_rows=5000,
        bias=-2.0,
        random_state=1,
    )
    X, y, info = load_zarr(path)
    est = BiasedReLURegressorSQ(random_state=0).fit(X, y)  # the workers read the store
    ref = BiasedReLURegressorSQ(random_state=0).fit(X.compute(), y.compute())
    assert est.selected_ == ref.selected_
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-10, abs=1e-12)
    assert abs(est.coef_ @ info.direction) / np.linalg.norm(est.coef_) > 0.9


def test_incremental_sgd_on_the_cluster(client):
    da = pytest.importorskip("dask.array")
    Incremental = pytest.importorskip("dask_ml.wrappers").Incremental
    d = 32
    X, y, _ = make_xor_hypercube(2000, d, random_state=0)
    Xt, yt, _ = make_xor_hypercube(2000, d, random_state=1)
    inc = Incremental(TwoLayerXORClassifier(random_state=0), shuffle_blocks=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        inc.fit(
            da.from_array(X, chunks=(290, d)), da.from_array(y, chunks=290), classes=[-1.0, 1.0]
        )
    assert inc.estimator_.n_samples_seen_ == len(y)
    assert inc.estimator_.score(Xt, yt) >= 0.99


def test_ray_joblib_backend():
    ray = pytest.importorskip("ray", reason="ray is not installed (optional extra 'ray')")
    from ray.util.joblib import register_ray

    register_ray()
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": worker_thread_env(1)},
    )
    try:
        X, y, _ = make_biased_relu_halfspace_noise(2000, 4, bias=-1.0, random_state=0)
        grid = {"learning_rate": [0.1, 0.5]}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            seq = _search(GDReLURegressor(max_iter=200), grid, X, y)
            with joblib.parallel_config(backend="ray"):
                par = GridSearchCV(GDReLURegressor(max_iter=200), grid, cv=3, n_jobs=-1).fit(X, y)
        np.testing.assert_allclose(
            par.cv_results_["mean_test_score"], seq.cv_results_["mean_test_score"], rtol=1e-12
        )
    finally:
        ray.shutdown()


def test_worker_thread_env_validates():
    assert worker_thread_env(3) == {k: "3" for k in worker_thread_env(1)}
    with pytest.raises(ValueError, match="threads_per_worker"):
        worker_thread_env(0)


def test_giant_step_fit_on_the_cluster_equals_in_memory(client):
    da = pytest.importorskip("dask.array")
    X, y, info = make_giant_step_target("stair2", 3 * 600, 16, random_state=0)
    kw = dict(n_hidden=64, n_steps=2, remove_linear=True, random_state=0)
    ref = GiantStepRegressor(**kw).fit(X, y)
    Xd = client.persist(da.from_array(X, chunks=(250, 16)))  # batches span every chunk
    est = GiantStepRegressor(**kw).fit(Xd, y)
    np.testing.assert_allclose(est.W_, ref.W_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(est.predict(X), ref.predict(X), rtol=1e-8, atol=1e-10)


def test_worker_killed_mid_fit_is_retried_and_the_fit_is_unchanged(client, monkeypatch):
    """Runs last: one worker process dies at the 10th query of the fit; dask recomputes
    its blocks from their lineage and reruns its tasks on the other worker.
    """
    da = pytest.importorskip("dask.array")
    X, y, _ = make_biased_relu_halfspace_noise(30_000, 5, bias=-2.0, random_state=4)
    ref = BiasedReLURegressorSQ(random_state=0).fit(X, y)
    before = set(client.scheduler_info()["workers"])
    run = DaskOracle._run
    killed = []

    def run_and_kill(self, name, use_fold, params):
        if self.n_queries == 10 and not killed:
            victim = self._blocks.groups[0][0]
            pid = client.run(os.getpid, workers=[victim])[victim]
            os.kill(pid, signal.SIGKILL)
            killed.append(victim)
        return run(self, name, use_fold, params)

    monkeypatch.setattr(DaskOracle, "_run", run_and_kill)
    Xd = client.persist(da.from_array(X, chunks=(6000, 5)))
    est = BiasedReLURegressorSQ(random_state=0).fit(Xd, y)
    assert killed and killed[0] in before
    assert killed[0] not in client.scheduler_info()["workers"]  # the process really died
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-10, abs=1e-12)
    assert est.selected_ == ref.selected_
