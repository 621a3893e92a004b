"""Scale-out on real engines on loopback: a dask.distributed LocalCluster with two worker
processes (one numba/BLAS thread each), and ray where it is installed.

The cluster starts once per module (a few seconds, plus the numba compile in each
worker the first time; CI keeps the compiled kernels in NUMBA_CACHE_DIR).
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sklearn_relu import BiasedReLURegressorSQ, GDReLURegressor, TwoLayerXORClassifier
from sklearn_relu.datasets import make_biased_relu_halfspace_noise, make_xor_hypercube
from sklearn_relu.utils import worker_thread_env

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
    # every oracle query is one graph round trip to the workers: a short GD candidate
    # keeps the test to seconds (the default runs up to 1000 queries)
    params = dict(gd_params={"init": "random", "tol": 1e-4, "max_iter": 30}, random_state=0)
    ref = BiasedReLURegressorSQ(**params).fit(X, y)
    Xd = client.persist(da.from_array(X, chunks=(7000, 5)))  # the rows live on the workers
    est = BiasedReLURegressorSQ(**params).fit(Xd, y)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-10, abs=1e-12)


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
