"""sklearn_relu.experiments: sweeps over the data distribution, their seeding, execution on
joblib backends (loky, a loopback dask.distributed cluster), resumption from the cache,
the ready-made metrics and the plots.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import matplotlib
import numpy as np
import pytest

from sklearn_relu import (
    GDReLURegressor,
    GiantStepRegressor,
    GLMtronRegressor,
    TwoLayerXORClassifier,
)
from sklearn_relu.datasets import (
    make_biased_relu,
    make_biased_relu_halfspace_noise,
    make_giant_step_target,
    make_xor_hypercube,
)
from sklearn_relu.experiments import (
    FeatureScaled,
    FromData,
    direction_cosine,
    error_rate,
    loss_ratio,
    plot_phase_diagram,
    plot_sweep,
    subspace_overlap,
    sweep,
    zero_loss_ratio,
)
from sklearn_relu.utils import worker_thread_env

pd = pytest.importorskip("pandas")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# 2 biases x 2 seeds x 2 estimators = 8 cells of a few milliseconds each
GRID = {"n_features": [4], "bias": [-1.0, -2.0], "n_samples": [400]}
ESTIMATORS = {"gd": GDReLURegressor(max_iter=50), "glmtron": GLMtronRegressor(max_iter=50)}
METRICS = [loss_ratio, direction_cosine]


def _sweep(**kw):
    args = dict(
        make=make_biased_relu_halfspace_noise,
        data_grid=GRID,
        estimators=ESTIMATORS,
        seeds=2,
        metrics=METRICS,
        n_test=200,
    )
    args.update(kw)
    return sweep(**args)


@pytest.fixture(scope="module")
def reference():
    return _sweep(n_jobs=1).to_frame(timings=False)


def test_frame_is_tidy_with_every_input_as_a_column(reference):
    res = _sweep(param_grid={"gd": {"solver": ["lbfgs", "adam"]}})
    frame = res.to_frame()
    # 2 biases x 2 seeds x (2 gd solvers + 1 glmtron)
    assert len(frame) == len(res) == 12
    for col in [
        "n_features",
        "bias",
        "n_samples",
        "n_test",
        "seed",
        "estimator",
        "param_solver",
        "loss_ratio",
        "direction_cosine",
        "fit_time",
        "predict_time",
        "convergence_warning",
    ]:
        assert col in frame.columns, col
    assert frame.groupby(["bias", "seed", "estimator"]).size().to_dict() == {
        (b, s, e): (2 if e == "gd" else 1)
        for b in (-2.0, -1.0)
        for s in (0, 1)
        for e in ("gd", "glmtron")
    }
    assert frame.loc[frame.estimator == "glmtron", "param_solver"].isna().all()
    assert (frame[["fit_time", "predict_time"]] > 0).all().all()
    assert set(frame.n_test) == {200} and set(frame.n_samples) == {400}
    # the rows without a grid are the reference's rows
    plain = frame[frame.param_solver.isin(["lbfgs", np.nan]) | (frame.estimator == "glmtron")]
    plain = plain.drop(columns=["param_solver", "fit_time", "predict_time"])
    pd.testing.assert_frame_equal(plain.reset_index(drop=True), reference)


def test_loky_n_jobs_2_gives_the_same_frame(reference):
    par = _sweep(n_jobs=2).to_frame(timings=False)
    pd.testing.assert_frame_equal(par, reference, check_exact=True)


def test_dask_local_cluster_gives_the_same_frame(reference):
    distributed = pytest.importorskip("dask.distributed")
    joblib = pytest.importorskip("joblib")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cluster's own deprecation chatter
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env=worker_thread_env(1),
        )
        try:
            with distributed.Client(cluster), joblib.parallel_config(backend="dask"):
                frame = _sweep().to_frame(timings=False)
        finally:
            cluster.close()
    pd.testing.assert_frame_equal(frame, reference, check_exact=True)


def test_ray_backend_gives_the_same_frame(reference, tmp_path):
    # ray's joblib backend has no result generator: cells run in batches, still cached
    ray = pytest.importorskip("ray", reason="ray is not installed (optional extra 'ray')")
    joblib = pytest.importorskip("joblib")
    from ray.util.joblib import register_ray

    register_ray()
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": worker_thread_env(1)},
    )
    try:
        with joblib.parallel_config(backend="ray"):
            frame = _sweep(cache=tmp_path).to_frame(timings=False)
    finally:
        ray.shutdown()
    pd.testing.assert_frame_equal(frame, reference, check_exact=True)
    assert len(list(tmp_path.glob("*.json"))) == 8


def _key(frame):
    return frame.set_index(["bias", "seed", "estimator"]).sort_index()


def test_cell_seeds_do_not_depend_on_order_or_on_the_other_cells(reference):
    # seeds, data points and estimators in another order, and a subset of them
    grid = dict(GRID, bias=[-2.0, -1.0])
    other = _sweep(
        data_grid=grid,
        seeds=[1, 0],
        estimators={"glmtron": ESTIMATORS["glmtron"], "gd": ESTIMATORS["gd"]},
    )
    pd.testing.assert_frame_equal(_key(other.to_frame(timings=False)), _key(reference))
    alone = _sweep(
        data_grid=dict(GRID, bias=[-2.0]), seeds=[1], estimators={"gd": ESTIMATORS["gd"]}
    ).to_frame(timings=False)
    ref = reference[
        (reference.bias == -2.0) & (reference.seed == 1) & (reference.estimator == "gd")
    ]
    pd.testing.assert_frame_equal(alone, ref.reset_index(drop=True))
    # different seeds draw different data (and directions)
    gd = reference[reference.estimator == "gd"]
    assert gd.loss_ratio.nunique() == len(gd)


def test_estimators_of_one_cell_share_the_data():
    def direction(est, X, y, info):
        return float(info.direction[0])

    frame = _sweep(metrics={"v0": direction}).to_frame()
    per_cell = frame.groupby(["bias", "seed"]).v0.nunique()
    assert (per_cell == 1).all()
    assert frame.v0.nunique() == 4  # 2 biases x 2 seeds, all different


def test_interrupted_sweep_resumes_without_recomputing(tmp_path, reference):
    calls = {"n": 0}

    def flaky_ratio(est, X, y, info):
        calls["n"] += 1
        if calls["n"] > 3:
            raise KeyboardInterrupt("fourth cell")  # as Ctrl-C in the fourth cell
        return loss_ratio(est, X, y, info)

    with pytest.raises(KeyboardInterrupt, match="fourth cell"):
        _sweep(
            metrics={"loss_ratio": flaky_ratio, "direction_cosine": direction_cosine},
            cache=tmp_path,
        )
    assert len(list(tmp_path.glob("*.json"))) == 3
    resumed = _sweep(cache=tmp_path)
    assert resumed.n_cached == 3
    pd.testing.assert_frame_equal(resumed.to_frame(timings=False), reference)
    again = _sweep(cache=tmp_path, verbose=0)
    assert again.n_cached == 8
    pd.testing.assert_frame_equal(again.to_frame(), resumed.to_frame())


_KILLED_SWEEP = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from sklearn_relu import GDReLURegressor, GLMtronRegressor
    from sklearn_relu.datasets import make_biased_relu_halfspace_noise
    from sklearn_relu.experiments import direction_cosine, loss_ratio, sweep

    def slow_ratio(est, X, y, info):
        time.sleep(0.5)
        return loss_ratio(est, X, y, info)

    sweep(make_biased_relu_halfspace_noise, {grid!r},
          {{"gd": GDReLURegressor(max_iter=50), "glmtron": GLMtronRegressor(max_iter=50)}},
          seeds=2, metrics={{"loss_ratio": slow_ratio, "direction_cosine": direction_cosine}},
          n_test=200, cache={cache!r}, verbose=1)
""")


def test_killed_sweep_resumes_where_it_stopped(tmp_path, reference):
    cache = tmp_path / "cache"
    script = tmp_path / "run.py"
    script.write_text(_KILLED_SWEEP.format(root=ROOT, grid=GRID, cache=str(cache)))
    proc = subprocess.Popen(
        [sys.executable, str(script)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while len(list(cache.glob("*.json"))) < 2:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the sweep did not write its cache"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    done = len(list(cache.glob("*.json")))
    assert 2 <= done < 8  # 8 cells x 0.5 s: killed mid-run
    resumed = _sweep(cache=cache)
    assert resumed.n_cached == done
    pd.testing.assert_frame_equal(resumed.to_frame(timings=False), reference)


def test_cache_recomputes_cells_missing_a_new_metric(tmp_path):
    _sweep(metrics=[loss_ratio], cache=tmp_path)
    res = _sweep(metrics=[loss_ratio, direction_cosine], cache=tmp_path)
    assert res.n_cached == 0
    assert _sweep(metrics=[direction_cosine], cache=tmp_path).n_cached == 8


def test_progress_line_counts_cells_and_time_left(tmp_path, capsys):
    _sweep(data_grid=dict(GRID, bias=[-1.0]), seeds=1, cache=tmp_path, verbose=1)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[-1].startswith("[sweep] 2/2 ") and "left" in err[-1]
    assert "bias=-1.0" in err[0]
    _sweep(seeds=1, data_grid=dict(GRID, bias=[-1.0, -2.0]), cache=tmp_path, verbose=1)
    err = capsys.readouterr().err
    assert "2 of 4 cells from the cache" in err and "[sweep] 2/2 " in err


def test_cells_cap_numba_threads_per_worker():
    import numba

    def threads(est, X, y, info):
        return float(numba.get_num_threads())

    def fit_threads(est, X, y, info):
        return float(est.n_jobs)

    cores = os.cpu_count()
    for n_jobs in (1, 2):
        frame = _sweep(metrics=[threads, fit_threads], n_jobs=n_jobs, seeds=1).to_frame()
        cap = max(1, cores // n_jobs)
        assert set(frame.fit_threads) == {cap}
        assert frame.threads.max() <= cap


def test_callable_grid_values_scale_with_the_dimension():
    grid = {
        "n_features": [4, 8],
        "n_samples": [FeatureScaled(20, "d log d"), lambda n_features: 50 * n_features],
    }
    frame = _sweep(
        data_grid=grid,
        seeds=1,
        estimators={"glmtron": ESTIMATORS["glmtron"]},
        metrics=[direction_cosine],
    ).to_frame()
    assert sorted(frame.n_samples) == sorted(
        [int(np.ceil(20 * d * np.log(d))) for d in (4, 8)] + [200, 400]
    )
    scaled = frame[frame.n_samples_rate == "d log d"]
    assert set(scaled.n_samples_factor) == {20} and len(scaled) == 2
    assert frame.n_samples_factor.isna().sum() == 2
    assert repr(FeatureScaled(2, "d")) == "FeatureScaled(2, 'd')"


def test_param_values_from_data_and_fit_params():
    def overlap_history(est, X, y, info):
        return float(est.history_["subspace_sv"].shape[0])  # recorded with directions only

    frame = sweep(
        make_giant_step_target,
        {"kind": ["stair2"], "n_features": [8, 12], "n_samples": [300]},
        {"gs": GiantStepRegressor(n_steps=1)},
        param_grid={"gs": {"n_hidden": [FromData(lambda n_features: 2 * n_features)]}},
        fit_params={"gs": lambda X, y, info: {"directions": info.directions}},
        seeds=1,
        metrics=[overlap_history, subspace_overlap],
        n_test=100,
    ).to_frame()
    assert frame.param_n_hidden.tolist() == [16, 24]
    assert (frame.overlap_history == 2).all()  # before and after the one step
    with pytest.raises(ValueError, match=r"needs \['n_samples_per_step'\]"):
        _sweep(param_grid={"gd": {"max_iter": [FromData(lambda n_samples_per_step: 1)]}})
    with pytest.raises(ValueError, match=r"fit_params names \['sgd'\]"):
        _sweep(fit_params={"sgd": lambda X, y, info: {}})


def test_convergence_warnings_are_recorded_not_raised():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = _sweep(estimators={"gd": GDReLURegressor(max_iter=2)}, seeds=1).to_frame()
    assert frame.convergence_warning.all()
    frame = _sweep(estimators={"gd": GDReLURegressor(max_iter=3000)}, seeds=1).to_frame()
    assert not frame.convergence_warning.any()


def test_ready_metrics_on_single_neuron_data():
    # realizable neuron, small noise: GLMtron recovers it (measured cos 0.9999+, ratio
    # 1.00-1.02 over these seeds), the zero function's ratio is the closed form
    frame = sweep(
        make_biased_relu,
        {"n_features": [5], "bias": [0.0], "n_samples": [5000]},
        {"glmtron": GLMtronRegressor()},
        seeds=2,
        n_test=20_000,
        metrics=[loss_ratio, direction_cosine, zero_loss_ratio],
    ).to_frame()
    _, _, info = make_biased_relu(10, 5, bias=0.0)
    closed = info.zero_loss / info.planted_loss
    assert (frame.direction_cosine > 0.999).all()
    assert frame.loss_ratio.between(0.95, 1.1).all()
    np.testing.assert_allclose(frame.zero_loss_ratio, closed, rtol=0.05)


def test_ready_metrics_on_xor():
    frame = sweep(
        make_xor_hypercube,
        {"n_features": [8], "n_samples": [3000]},
        {"sgd": TwoLayerXORClassifier(n_hidden=16)},
        seeds=1,
        n_test=1000,
        metrics=[error_rate, subspace_overlap],
    ).to_frame()
    # measured: error 0.0 and overlap 0.9+ after one pass at d=8 (random level 2/8)
    assert frame.error_rate.iloc[0] < 0.05
    assert frame.subspace_overlap.iloc[0] > 0.5


def test_metrics_name_what_they_need():
    est = GLMtronRegressor().fit(np.eye(3), np.ones(3))
    with pytest.raises(TypeError, match="subspace_overlap needs a fitted two-layer"):
        subspace_overlap(est, None, None, {"direction": np.ones(3)})
    with pytest.raises(TypeError, match="direction_cosine needs an estimator with coef_"):
        direction_cosine(object(), None, None, None)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(make="make"), TypeError, "make must be a data generator"),
        (dict(make=lambda n_features: None), TypeError, "must accept n_samples and random_state"),
        (
            dict(data_grid={"n_features": [4], "noise": [0.1]}),
            ValueError,
            r"\['noise'\] are not parameters of make_biased_relu_halfspace_noise",
        ),
        (dict(data_grid={"n_features": [4], "random_state": [0]}), ValueError, "the seeds set"),
        (dict(data_grid={"n_features": 4}), TypeError, "data_grid must be a dict"),
        (
            dict(data_grid={"n_features": [4], "n_samples": [0.5]}),
            ValueError,
            "n_samples must resolve to an int >= 1",
        ),
        (
            dict(data_grid={"n_samples": [lambda n_features: n_features]}),
            ValueError,
            "needs \\['n_features'\\]",
        ),
        (dict(estimators=[GLMtronRegressor()]), TypeError, "estimators must be a non-empty dict"),
        (dict(estimators={"x": object()}), TypeError, r"estimators\['x'\] must be"),
        (dict(param_grid={"sgd": {"alpha": [1]}}), ValueError, r"names \['sgd'\] are not in"),
        (dict(param_grid={"gd": {"alpha": [1]}}), ValueError, "not parameters of GDReLURegressor"),
        (dict(metrics=[]), TypeError, "metrics must be a non-empty dict"),
        (dict(metrics={"seed": loss_ratio}), ValueError, "clash with the columns"),
        (dict(seeds=0), ValueError, "seeds must be >= 1"),
        (dict(seeds=[1, 1]), ValueError, "distinct ints"),
        (dict(n_test=0), ValueError, "n_test must be an int >= 1"),
    ],
)
def test_bad_arguments_name_the_fix(kwargs, error, match):
    with pytest.raises(error, match=match):
        _sweep(**kwargs)


def test_feature_scaled_validates():
    with pytest.raises(ValueError, match="factor must be a finite float > 0"):
        FeatureScaled(0)
    with pytest.raises(ValueError, match="rate must be one of"):
        FeatureScaled(1, "d^3")


def _fake_frame():
    rng = np.random.default_rng(0)
    rows = [
        dict(
            bias=b,
            n_samples=n,
            seed=s,
            estimator=e,
            ratio=(1.0 if e == "SQ" else 1.0 + 3 * (-b) * n / 1000) + 0.1 * rng.random(),
        )
        for b in (-1.0, -2.0, -3.0)
        for n in (500, 1000)
        for s in range(3)
        for e in ("SQ", "GD")
    ]
    return pd.DataFrame(rows)


def test_plot_sweep_draws_mean_and_band():
    frame = _fake_frame()
    ax = plot_sweep(frame[frame.n_samples == 500], "bias", "ratio", hue="estimator", logy=True)
    assert ax.get_yscale() == "log" and len(ax.lines) == 2 and len(ax.collections) == 2
    gd = next(line for line in ax.lines if line.get_label() == "GD")
    expected = (
        frame[(frame.n_samples == 500) & (frame.estimator == "GD")].groupby("bias").ratio.mean()
    )
    np.testing.assert_allclose(gd.get_ydata(), expected.to_numpy())
    axes = plot_sweep(frame, "bias", "ratio", hue="estimator", col="n_samples")
    assert len(axes) == 2 and axes[1].get_title() == "n_samples = 1000"
    with pytest.raises(ValueError, match="'loss' is not a column"):
        plot_sweep(frame, "bias", "loss")
    plt.close("all")


def test_plot_phase_diagram_draws_heatmap_and_threshold_contour():
    frame = _fake_frame()
    with pytest.raises(ValueError, match="several estimators"):
        plot_phase_diagram(frame, "bias", "n_samples", "ratio")
    ax = plot_phase_diagram(
        frame[frame.estimator == "GD"], "bias", "n_samples", "ratio", threshold=5.0, logz=True
    )
    mesh = ax.collections[0]
    assert mesh.get_array().size == 2 * 3
    assert len(ax.collections) >= 2  # the contour at 5 crosses the 1.3 ... 10.1 range
    assert [t.get_text() for t in ax.get_xticklabels()] == ["-3", "-2", "-1"]
    axes = plot_phase_diagram(frame, "bias", "n_samples", "ratio", col="estimator")
    assert [a.get_title().split(":")[0] for a in axes] == ["estimator = GD", "estimator = SQ"]
    plt.close("all")
